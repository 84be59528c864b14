# This file is a part of Julia. License is MIT: https://julialang.org/license

# Depot roles and path tokens.
#
# A depot is a set of role roots, and a cache file records the paths it depends
# on relative to a role: `@depot/...` (packages, dev, registries, environments),
# `@artifacts/...`, `@compiled/...` and `@cache/...` (scratch spaces).  The path
# work (normalization, realpaths, case and Unicode folding, the depot that holds
# a cache file) is done by the runtime (src/depotpath.h); this file decides when
# and reports why.

const DEPOT_RESOLVE_NOSTAT = Cuint(0x1)

# The reason phrase of a runtime error code, e.g. "the path is outside every depot".
depot_strerror(err::Integer) =
    unsafe_string(ccall(:jl_depot_strerror, Cstring, (Cint,), err))

"""
    Base.istokenized(path::AbstractString) -> Bool

Whether `path` is recorded relative to a depot role: `@depot`, `@artifacts`,
`@compiled` or `@cache`, alone or followed by `/` and a path.

!!! compat "Julia 1.14"
    This function requires at least Julia 1.14.
"""
function istokenized(path::AbstractString)
    s = String(path)
    role = Ref{Cint}(0)
    err = ccall(:jl_depot_token_role, Cint, (Ptr{UInt8}, Csize_t, Ref{Cint}),
                s, sizeof(s), role)
    return err == 0
end

# Call `f(stack)` with the runtime's depot stack for the current DEPOT_PATH
# (C_NULL when DEPOT_PATH holds no directory).
function with_depot_stack(f)
    stack = ccall(:jl_depot_stack_from_roots, Ptr{Cvoid}, (Any,), depot_roots())
    try
        return f(stack)
    finally
        ccall(:jl_depot_stack_free, Cvoid, (Ptr{Cvoid},), stack)
    end
end

# The index of the depot whose compiled directory holds `cachefile`, or -1.
function containing_depot(stack::Ptr{Cvoid}, cachefile::AbstractString)
    stack == C_NULL && return -1
    depot = Ref{Csize_t}(0)
    err = ccall(:jl_depot_containing, Cint, (Ptr{Cvoid}, Cstring, Ref{Csize_t}),
                stack, String(cachefile), depot)
    return err == 0 ? Int(depot[]) : -1
end

# Resolve the token form `path`: in depot `first` (-1: none) and then the others in
# DEPOT_PATH order, the first candidate that exists (with `stat`), or the candidate
# in `first` (without).  Returns (err, resolved path or nothing, its depot or -1).
# `buf` is scratch space of DEPOT_PATH_BUFSIZE bytes.
const DEPOT_PATH_BUFSIZE = 32768
function resolve_token(stack::Ptr{Cvoid}, buf::Vector{UInt8}, first::Int, path::String,
                       stat::Bool)
    len = Ref{Csize_t}(0)
    depot = Ref{Clong}(-1)
    err = ccall(:jl_depot_resolve_buf, Cint,
                (Ptr{Cvoid}, Clong, Cuint, Ptr{UInt8}, Csize_t,
                 Ptr{UInt8}, Csize_t, Ref{Csize_t}, Ref{Clong}),
                stack, first, stat ? Cuint(0) : DEPOT_RESOLVE_NOSTAT, path, sizeof(path),
                buf, length(buf), len, depot)
    err == 0 || return Int(err), nothing, -1
    return 0, GC.@preserve(buf, unsafe_string(pointer(buf), len[])), Int(depot[])
end

# resolve_token with `stat`, where the candidate in depot `first` is looked up with
# loading_stat: a file the loader has looked at in this `require` is not looked up again.
function lookup_token(stack::Ptr{Cvoid}, buf::Vector{UInt8}, first::Int, path::String)
    if first >= 0
        err, p, depot = resolve_token(stack, buf, first, path, false)
        found = err == 0 && try
            ispath(loading_stat(p))
        catch ex
            ex isa IOError || rethrow()
            false
        end
        found && return err, p, depot
    end
    return resolve_token(stack, buf, first, path, true)
end

# Resolve the token forms among the include() sources `srcs` and the
# include_dependency() files `deps` of `cachefile`, in place.  The depot that holds
# the cache file is tried first, then the others in DEPOT_PATH order.  All include()
# sources resolve into one depot (#53905): if they do not, they stay tokenized and
# the cache is stale; without `lookup_all` only the first one is looked up, and the
# others are taken to be in its depot.  Each include_dependency() file resolves on
# its own (#52161).
function resolve_depot_paths!(srcs::Vector{CacheHeaderIncludes},
                              deps::Vector{CacheHeaderIncludes}, cachefile::AbstractString;
                              lookup_all::Bool=true)
    with_depot_stack() do stack
        if stack == C_NULL
            @debug("No depot on DEPOT_PATH to resolve the files of cache file $cachefile",
                   _group=:relocatable)
            return
        end
        containing = containing_depot(stack, cachefile)
        buf = Vector{UInt8}(undef, DEPOT_PATH_BUFSIZE)
        srcdepot = -1
        multiple = false
        for inc in srcs
            if !istokenized(inc.filename)
                @debug("include() file $(inc.filename) from $cachefile is not relocatable",
                       _group=:relocatable)
                continue
            end
            srcdepot != -1 && !lookup_all && break
            err, _, depot = lookup_token(stack, buf, containing, inc.filename)
            if err != 0
                @debug("Unable to resolve include() file $(inc.filename) from cache file \
                        $cachefile because $(depot_strerror(err))", _group=:relocatable)
            elseif srcdepot == -1
                srcdepot = depot
            elseif depot != srcdepot
                multiple = true
            end
        end
        if multiple
            @debug("Some include() files from $cachefile are distributed over multiple \
                    depots", srcs, _group=:relocatable)
        elseif srcdepot != -1
            for inc in srcs
                istokenized(inc.filename) || continue
                _, path, _ = resolve_token(stack, buf, srcdepot, inc.filename, false)
                path === nothing || (inc.filename = path)
            end
        end
        for inc in deps
            istokenized(inc.filename) || continue
            err, path, _ = lookup_token(stack, buf, containing, inc.filename)
            if err == 0
                inc.filename = path
            else
                @debug("Unable to resolve include_dependency() file $(inc.filename) from \
                        cache file $cachefile because $(depot_strerror(err))",
                       _group=:relocatable)
            end
        end
    end
    return nothing
end

# The part of a token form after its token ("/src/Foo.jl" for "@depot/src/Foo.jl"),
# to match a source-text entry with its resolved dependency.
function untokenized_suffix(path::String)
    i = findfirst(c -> c == '/' || c == '\\', path)
    return i === nothing ? "" : path[i:end]
end
