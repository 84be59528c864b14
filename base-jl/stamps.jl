# This file is a part of Julia. License is MIT: https://julialang.org/license

# Stamps: the steady state of the cache-file checks.
#
# Once the dependencies, the `.ji` and the `.so` of a cache file were found unchanged
# by their content, the runtime records their stat (size, mtime, ctime, inode) in a
# stamp next to the `.ji`, in writable depots only.  The `.ji` is known by size, inode
# and its own checksum, not by its times: the loader touches it on every load.  While every stat still matches,
# the cache is fresh without reading a source or `.so` byte: one `stat` per file.  The
# `.ji` is still checked against its own checksum, since its bytes are deserialized.  A seal (size and mtime only, written when a depot is unpacked) does the same
# on read-only depots.  A missing, stale or damaged stamp only means a full check.

stamp_depot_list() = join(normalize_depots_for_relocation(), Sys.iswindows() ? ';' : ':')

# Whether the stamp or seal of `cachefile` matches every file it covers.
function cachefile_stamp_matches(cachefile::String)
    return ccall(:jl_cachefile_stamp, Cint, (Cstring, Cstring, Cint),
                 stamp_depot_list(), cachefile, 0) == 1
end

# After the loader found `cachefile` fresh by content: record its stamp, unless its
# depot is read-only.  Returns whether a stamp was written.
function write_cachefile_stamp(cachefile::String)
    written = ccall(:jl_cachefile_stamp, Cint, (Cstring, Cstring, Cint),
                    stamp_depot_list(), cachefile, 1) == 1
    written && @debug("Recorded the stamp of cache file $cachefile", _group=:relocatable)
    return written
end
