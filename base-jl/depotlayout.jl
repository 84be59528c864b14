# This file is a part of Julia. License is MIT: https://julialang.org/license

# Depot layouts: where the roles of the user depot live.
#
# The default is the classic layout, `~/.julia` with everything in it.  The opt-in
# switch JULIA_DEPOT_LAYOUT=xdg puts the user depot at $XDG_DATA_HOME/julia and its
# compiled files at $XDG_CACHE_HOME/julia/compiled (#4630).  Every other depot keeps
# the classic layout.  Cache files name their paths by role (base/depots.jl), so a
# cache written under one layout loads under the other.

# The layout JULIA_DEPOT_LAYOUT asks for.
function depot_layout()
    layout = get(ENV, "JULIA_DEPOT_LAYOUT", "")
    (isempty(layout) || layout == "classic") && return :classic
    layout == "xdg" && return :xdg
    @warn("JULIA_DEPOT_LAYOUT must be \"classic\" or \"xdg\"; using \"classic\"",
          layout, maxlog=1)
    return :classic
end

# The XDG base directories: unset, empty and relative values are ignored.
function xdg_dir(var::String, default::String)
    dir = get(ENV, var, "")
    return isabspath(dir) ? dir : joinpath(homedir(), default)
end

"""
    Base.user_depot() -> String

The user depot, the first entry of the default `DEPOT_PATH`: `~/.julia`, or
`\$XDG_DATA_HOME/julia` when `JULIA_DEPOT_LAYOUT` is `xdg`.

!!! compat "Julia 1.14"
    This function requires at least Julia 1.14.
"""
function user_depot()
    depot_layout() === :xdg || return joinpath(homedir(), ".julia")
    return joinpath(xdg_dir("XDG_DATA_HOME", joinpath(".local", "share")), "julia")
end

# The roots of the roles of `depot`: the depot, its artifacts, its precompiled cache
# files and its scratch spaces.  The XDG user depot keeps the last two in
# `\$XDG_CACHE_HOME/julia`.
function depot_roles(depot::String)
    base = depot
    if depot_layout() === :xdg && normpath(depot) == normpath(user_depot())
        base = joinpath(xdg_dir("XDG_CACHE_HOME", ".cache"), "julia")
    end
    return (depot, joinpath(depot, "artifacts"), joinpath(base, "compiled"),
            joinpath(base, "scratchspaces"))
end

"""
    Base.compiled_root(depot::String) -> String

The directory that holds the precompiled cache files of `depot`: `depot/compiled`,
or `\$XDG_CACHE_HOME/julia/compiled` for the user depot when `JULIA_DEPOT_LAYOUT`
is `xdg`.

!!! compat "Julia 1.14"
    This function requires at least Julia 1.14.
"""
compiled_root(depot::String) = depot_roles(depot)[3]

# `entrypath` of cache_file_entry ("compiled/v1.x/Name") in `depot`
compiled_path(depot::String, entrypath::String) =
    joinpath(compiled_root(depot), chopprefix(entrypath, joinpath("compiled", "")))
