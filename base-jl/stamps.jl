# This file is a part of Julia. License is MIT: https://julialang.org/license

# Stamps: the steady state of the cache-file checks.
#
# After `stale_cachefile` found a cache fresh by content, the loader records the `stat`
# of its `.so` and of every file in its header in `<slug>.stamp` beside the `.ji`, in a
# writable depot only.  While every stat still matches, a later check reads no source
# byte and not the `.so`: one `stat` per file.  The `.ji`'s own checksum is verified
# regardless, since its bytes are deserialized.  A seal (`<slug>.seal`, written by
# `jldepot seal` when a depot is prepared) serves read-only depots; it matches on size
# and mtime only, so that it survives copying and unpacking, and is used only when no
# stamp was made for the cache.  A missing, stale or damaged record means a full check.
#
# Format (little-endian):
#    0   8  "JLSTAMP2" (stamp) or "JLSEAL_2" (seal)
#    8   4  flags: 0x1 the `.so` record is present
#   12   4  the `.ji`'s checksum (its last four bytes)
#   16   4  n, the number of files in the cache header (`includes`)
#   20  32  the `.ji`'s record
#   52  32  the `.so`'s record
#   84 36n  per file, in header order: flags (u32; 0x1 recorded, 0x2 racy), record
#        4  crc32c of every byte before it
# A record holds size (u64), mtime and ctime (f64), inode and device (u32), as `stat`
# reports them.  A stamp matches on all five, a seal on size and mtime.  The `.ji` is
# matched on size, inode and device only: the loader touches it, and Julia replaces a
# cache file by renaming a new one into place.  A file changed less than 50 ms before it
# was examined is racy (git's racy-clean rule) and is checked by content next time.

const STAMP_FIXED = 88
const STAMP_RACY = 0.05

stamp_path(cachefile::String, seal::Bool) =
    string(chopsuffix(cachefile, ".ji"), seal ? ".seal" : ".stamp")

stamp_record(st::StatStruct) =
    (UInt64(st.size), st.mtime, st.ctime, UInt32(st.inode), UInt32(st.device))
const NO_RECORD = (UInt64(0), 0.0, 0.0, UInt32(0), UInt32(0))

read_stamp_record(io::IO) = (ltoh(read(io, UInt64)), ltoh(read(io, Float64)),
    ltoh(read(io, Float64)), ltoh(read(io, UInt32)), ltoh(read(io, UInt32)))
write_stamp_record(io::IO, r) = write(io, map(htol, r)...)

stamp_matches(r, st::StatStruct, seal::Bool) =
    seal ? r[1:2] == stamp_record(st)[1:2] : r == stamp_record(st)

# A seal is no stronger than the permissions on the `.ji`: only whoever may write the
# `.ji` may have written it.
seal_trusted(seal::StatStruct, ji::StatStruct) =
    (seal.uid == ji.uid || seal.uid == 0) &&
    (seal.mode & 0o020 == 0 || ji.mode & 0o020 != 0) &&
    (seal.mode & 0o002 == 0 || ji.mode & 0o002 != 0)

cachefile_crc(io::IOStream, jisize) = (seek(io, jisize - 4); read(io, UInt32))

# The stat of an included file, looked up as `any_includes_stale` does.
function include_stat(f::String)
    st = loading_stat(f)
    ispath(st) && return st
    st = loading_stat(fixup_stdlib_path(f))
    return ispath(st) ? st : nothing
end

# The stamp made for this cache (`.ji` checksum `crc`, `n` files), else its trusted seal,
# as `(seal, flags, io)` with `io` at the `.so` record; `nothing` when neither applies.
function load_cachefile_stamp(cachefile::String, jist::StatStruct, crc::UInt32, n::Int)
    len = STAMP_FIXED + 36n
    for seal in (false, true)
        bytes = try
            open(stamp_path(cachefile, seal)) do f
                st = stat(f)
                isfile(st) && filesize(st) == len || return nothing
                seal && !seal_trusted(st, jist) && return nothing
                read(f, len)
            end
        catch ex
            ex isa IOError || ex isa SystemError || rethrow()
            nothing
        end
        (bytes === nothing || length(bytes) != len) && continue
        io = IOBuffer(bytes)
        String(read(io, 8)) == (seal ? "JLSEAL_2" : "JLSTAMP2") || continue
        flags = ltoh(read(io, UInt32))
        ltoh(read(io, UInt32)) == crc && ltoh(read(io, UInt32)) == n || continue
        _crc32c(view(bytes, 1:len-4)) == ltoh(reinterpret(UInt32, bytes[len-3:len])[1]) || continue
        ji = read_stamp_record(io)
        # a stamp for this cache made for another copy of it: never fall back to a seal
        ji[1] == jist.size && (seal || ji[4:5] == stamp_record(jist)[4:5]) || return nothing
        return seal, flags, io
    end
    return nothing
end

# Whether the stamp or seal of `cachefile` (open as `io`) matches its `.so` (`ocachefile`,
# `nothing` without a pkgimage) and, with `sources`, every file in `includes`.
function cachefile_stamp_matches(cachefile::String, io::IOStream,
                                 includes::Vector{CacheHeaderIncludes}, ocachefile;
                                 sources::Bool=true)
    pos = position(io)
    jist = stat(io)
    crc = cachefile_crc(io, filesize(jist))
    seek(io, pos)
    stamp = load_cachefile_stamp(cachefile, jist, crc, length(includes))
    stamp === nothing && return false
    seal, flags, rec = stamp
    so = read_stamp_record(rec)
    if ocachefile !== nothing
        flags & 0x1 != 0 && stamp_matches(so, stat(ocachefile), seal) || return false
    end
    sources || return true
    for chi in includes
        ltoh(read(rec, UInt32)) == 0x1 || return false
        r = read_stamp_record(rec)
        st = include_stat(chi.filename)
        st !== nothing && stamp_matches(r, st, seal) || return false
    end
    return true
end

# After `stale_cachefile` found `cachefile` fresh by content: record the stat of every
# file it checked, unless the depot is read-only.  Returns whether a stamp was written.
function write_cachefile_stamp(cachefile::String, io::IOStream,
                               includes::Vector{CacheHeaderIncludes}, ocachefile)
    path = stamp_path(cachefile, false)
    dir = dirname(path)
    # access() answers for the user; a directory nobody may write is read-only even for root
    stat(dir).mode & 0o222 != 0 && iswritable(dir) || return false
    now = time()
    racy(st) = now - max(st.mtime, st.ctime) < STAMP_RACY
    pos = position(io)
    jist = stat(io)
    crc = cachefile_crc(io, filesize(jist))
    seek(io, pos)
    buf = IOBuffer()
    write(buf, "JLSTAMP2", htol(UInt32(ocachefile === nothing ? 0 : 1)), htol(crc),
          htol(UInt32(length(includes))))
    write_stamp_record(buf, stamp_record(jist))
    if ocachefile === nothing
        write_stamp_record(buf, NO_RECORD)
    else
        st = stat(ocachefile)
        racy(st) && return false # the .so must be steady, or nothing is worth recording
        write_stamp_record(buf, stamp_record(st))
    end
    for chi in includes
        st = include_stat(chi.filename)
        write(buf, htol(UInt32(st === nothing ? 0 : racy(st) ? 3 : 1)))
        write_stamp_record(buf, st === nothing ? NO_RECORD : stamp_record(st))
    end
    write(buf, htol(_crc32c(seekstart(buf))))
    tmp = nothing
    try
        tmp, f = mktemp(dir; cleanup=false)
        try
            write(f, take!(buf))
        finally
            close(f)
        end
        chmod(tmp, 0o644)
        rename(tmp, path)
        return true
    catch ex
        ex isa IOError || ex isa SystemError || rethrow()
        tmp === nothing || rm(tmp; force=true)
        return false
    end
end
