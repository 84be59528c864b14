# This file is a part of Julia. License is MIT: https://julialang.org/license

# File names in the debug info of pkgimages.
#
# A pkgimage names each source file under a depot by a virtual root that carries
# the identity of the image and of the depot, `/@depot-<image id>-<k>/packages/...`
# (src/llvm-depotmap.h), because the depot may be anywhere by the time the image is
# loaded.  Stack traces show the file on this machine: the virtual root is resolved
# like a token, in DEPOT_PATH order, once per distinct name.

const DEBUGINFO_NAMES = Dict{Symbol,Symbol}()
const DEBUGINFO_NAMES_DEPOTS = Ref("")
const DEBUGINFO_NAMES_LOCK = ReentrantLock()

"""
    Base.debuginfo_file(file::Symbol) -> Symbol

The file on this machine that a file name from debug info refers to: a name under
a pkgimage's virtual depot root (`/@depot-<image id>-<k>/...`) is resolved against
`DEPOT_PATH`; any other name, and a name that cannot be resolved, is returned as it is.

!!! compat "Julia 1.14"
    This function requires at least Julia 1.14.
"""
function debuginfo_file(file::Symbol)
    p = unsafe_convert(Ptr{UInt8}, file) # no allocation for the common case
    (unsafe_load(p) == UInt8('/') && unsafe_load(p, 2) == UInt8('@')) || return file
    name = String(file)
    depots = join(normalize_depots_for_relocation(), Sys.iswindows() ? ';' : ':')
    @lock DEBUGINFO_NAMES_LOCK begin
        if DEBUGINFO_NAMES_DEPOTS[] != depots
            empty!(DEBUGINFO_NAMES)
            DEBUGINFO_NAMES_DEPOTS[] = depots
        end
        return get!(() -> resolve_debuginfo_name(depots, name), DEBUGINFO_NAMES, file)
    end
end

function resolve_debuginfo_name(depots::String, name::String)
    resolved = Symbol(name)
    stack = ccall(:jl_depot_stack_from_list, Ptr{Cvoid}, (Cstring,), depots)
    stack == C_NULL && return resolved
    names = Ref{Ptr{Cvoid}}(C_NULL)
    err = ccall(:jl_depot_filenames_new, Cint,
                (Ptr{Cvoid}, Ptr{UInt8}, Cuint, Ref{Ptr{Cvoid}}), stack, C_NULL, 0, names)
    if err == 0
        out = Ref{Ptr{UInt8}}(C_NULL)
        err = ccall(:jl_depot_filename_load, Cint,
                    (Ptr{Cvoid}, Ptr{UInt8}, Ptr{UInt8}, Csize_t, Ref{Ptr{UInt8}}),
                    names[], C_NULL, name, sizeof(name), out)
        if err == 0 && out[] != C_NULL
            resolved = Symbol(unsafe_string(out[]))
        end
        ccall(:jl_depot_filenames_free, Cvoid, (Ptr{Cvoid},), names[])
    end
    ccall(:jl_depot_stack_free, Cvoid, (Ptr{Cvoid},), stack)
    return resolved
end
