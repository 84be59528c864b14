# This file is a part of Julia. License is MIT: https://julialang.org/license

# File names in the debug info of pkgimages.
#
# The debug info of a pkgimage names its sources by their absolute paths on the
# machine that built it.  The image also carries a depot map (src/llvm-depotmap.h):
# for each depot role root those paths lie under, the directory the build spelled
# it with and a virtual root `/@depot-<image id>-<k>` that stands for its token.
# Stack traces show the file on this machine: a path under a root of a loaded
# image is resolved like its token, in DEPOT_PATH order, once per distinct name;
# a name that resolves nowhere is shown as the debug info has it.

const DEBUGINFO_NAMES = Dict{Symbol,Symbol}()
const DEBUGINFO_NAMES_DEPOTS = Ref(String[])
const DEBUGINFO_ROOTS = Pair{String,String}[] # build directory => virtual root
const DEBUGINFO_NAMES_LOCK = ReentrantLock()

unescape_depot_map_field(s::AbstractString) =
    replace(s, "%09" => "\t", "%0A" => "\n", "%0D" => "\r", "%25" => "%")

# Record the roots of the depot map of the pkgimage `ocachepath`, just loaded: only
# its `root` lines, which come first, are read; a build directory already known (all
# the images built in one depot share theirs) is recorded once.
function register_debuginfo_roots(ocachepath::String)
    h = Libc.Libdl.dlopen(ocachepath, Libc.Libdl.RTLD_LAZY | Libc.Libdl.RTLD_NOLOAD;
                          throw_error=false)
    h === nothing && return
    p = Libc.Libdl.dlsym(h, :jl_depot_map; throw_error=false)
    roots = Pair{String,String}[]
    while p !== nothing && unsafe_load(Ptr{UInt8}(p)) != 0x00
        e = ccall(:strchr, Ptr{UInt8}, (Ptr{Cvoid}, Cint), p, '\n')
        e == C_NULL && break
        line = unsafe_string(Ptr{UInt8}(p), e - Ptr{UInt8}(p))
        startswith(line, "file\t") && break
        f = split(line, '\t')
        if length(f) == 5 && f[1] == "root" && startswith(f[2], "/@")
            push!(roots, unescape_depot_map_field(f[5]) => String(f[2]))
        end
        p = e + 1
    end
    Libc.Libdl.dlclose(h)
    isempty(roots) && return
    @lock DEBUGINFO_NAMES_LOCK begin
        for root in roots
            any(r -> r.first == root.first, DEBUGINFO_ROOTS) || push!(DEBUGINFO_ROOTS, root)
        end
        empty!(DEBUGINFO_NAMES)
    end
    nothing
end

"""
    Base.debuginfo_file(file::Symbol) -> Symbol

The file on this machine that a file name from debug info refers to: a path under
a depot root recorded in the depot map of a loaded pkgimage (or a virtual name
`/@depot-<image id>-<k>/...`) is resolved against `DEPOT_PATH`; any other name,
and a name that cannot be resolved, is returned as it is.

!!! compat "Julia 1.14"
    This function requires at least Julia 1.14.
"""
function debuginfo_file(file::Symbol)
    p = unsafe_convert(Ptr{UInt8}, file) # no allocation for the common case
    unsafe_load(p) == UInt8('/') || return file
    (unsafe_load(p, 2) == UInt8('@') || !isempty(DEBUGINFO_ROOTS)) || return file
    name = String(file)
    depots = depot_roots()
    @lock DEBUGINFO_NAMES_LOCK begin
        if DEBUGINFO_NAMES_DEPOTS[] != depots
            empty!(DEBUGINFO_NAMES)
            DEBUGINFO_NAMES_DEPOTS[] = depots
        end
        return get!(() -> resolve_debuginfo_name(depots, name), DEBUGINFO_NAMES, file)
    end
end

# The virtual name of `name`: itself when it is one, else `<virtual root>/<rest>`
# for a path `<dir>/<rest>` under a recorded root; nothing for any other path.
function virtual_debuginfo_name(name::String)
    startswith(name, "/@") && return name
    for (dir, vroot) in DEBUGINFO_ROOTS
        n = ncodeunits(dir)
        if ncodeunits(name) > n + 1 && startswith(name, dir) && codeunit(name, n + 1) == UInt8('/')
            return vroot * SubString(name, n + 1)
        end
    end
    return nothing
end

function resolve_debuginfo_name(depots::Vector{String}, name::String)
    resolved = Symbol(name)
    vname = virtual_debuginfo_name(name)
    vname === nothing && return resolved
    stack = ccall(:jl_depot_stack_from_roots, Ptr{Cvoid}, (Any,), depots)
    stack == C_NULL && return resolved
    names = Ref{Ptr{Cvoid}}(C_NULL)
    err = ccall(:jl_depot_filenames_new, Cint,
                (Ptr{Cvoid}, Ptr{UInt8}, Cuint, Ref{Ptr{Cvoid}}), stack, C_NULL, 0, names)
    if err == 0
        out = Ref{Ptr{UInt8}}(C_NULL)
        err = ccall(:jl_depot_filename_load, Cint,
                    (Ptr{Cvoid}, Ptr{UInt8}, Ptr{UInt8}, Csize_t, Ref{Ptr{UInt8}}),
                    names[], C_NULL, vname, sizeof(vname), out)
        if err == 0 && out[] != C_NULL
            resolved = Symbol(unsafe_string(out[]))
        end
        ccall(:jl_depot_filenames_free, Cvoid, (Ptr{Cvoid},), names[])
    end
    ccall(:jl_depot_stack_free, Cvoid, (Ptr{Cvoid},), stack)
    return resolved
end
