#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: twelve scenarios, each with its own caches;
# path-cli.sh and verify-readonly.sh cover resolution in the quick tier)
#
# upstream-relocatedepot.sh: the twelve scenarios of upstream Julia's
# test/relocatedepot.jl, one check group each, rebuilt from real directories
# and real caches (test/tools/mkcache, real format, pkgimages) and judged
# by the real tool.  "isprecompiled" is `jldepot verify` saying fresh;
# "isrelocatable" is the `relocatable` field of `verify --json`.
#
# As upstream's test/Makefile does, the first pass writes every cache into
# the bundled depot of a (stand-in) Julia build, `build/usr/share/julia`,
# which is DEPOT_PATH[1]; the test directory `build/test` is the second
# depot and holds the packages:
#   Pkg1  no include_dependency
#   Pkg2  include_dependency foo.txt and foodir, tracked by mtime
#   Pkg3  include_dependency bar.txt and bardir, tracked by content
#   Pkg4  using Pkg1, cached while the test depot was NOT on DEPOT_PATH
#         (so its paths are absolute)
#   DelimitedFiles  a stdlib of the bundled depot
# The second pass copies the bundled depot to `relocatedepot/julia` and the
# packages to `relocatedepot/packages` (cp -r: new mtimes) and runs with
# JULIA_DEPOT_PATH=relocatedepot/julia:relocatedepot.
#
# Upstream's isrelocatable has two defects (an undefined variable in a
# message path, and a struct tested for membership in a set of strings);
# here relocatable is reported beside the verdict, with a reason per path,
# and these checks assert that behaviour.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/upstream-relocatedepot-XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT JULIA_BINDIR XDG_DATA_HOME XDG_CACHE_HOME
export HOME="$tmp/home"
mkdir -p "$HOME"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
out="$tmp/out"
json="$tmp/json"
run() { "$@" >"$out" 2>&1; rc=$?; }
# vjson ARGS...: `jldepot verify --json ARGS` into $json, exit status in $rc
vjson() { "$JLDEPOT" verify --json "$@" >"$json" 2>"$tmp/err"; rc=$?; }
# q EXPR: a Python expression over the last verify --json document: j is
# the document, c("Name") the one cache of package Name (None unless
# exactly one), dep("Name", SUFFIX) its dependency stored as ...SUFFIX; a
# tuple prints space-separated, a list one element per line
q() {
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
def c(name):
    m = [x for x in j["caches"] if x["package"] == name]
    return m[0] if len(m) == 1 else None
def dep(name, suffix):
    return [d for d in c(name)["dependencies"] if (d["stored"] or "").endswith(suffix)][0]
def fmt(x):
    return " ".join(map(str, x)) if isinstance(x, tuple) else str(x)
r = eval(sys.argv[2])
print("\n".join(map(fmt, r)) if isinstance(r, list) else fmt(r))' "$json" "$1" 2>&1
}
mkcache() { "$MKCACHE" --pkgimage "$@" >/dev/null 2>"$tmp/mkcache.err" || cat "$tmp/mkcache.err"; }
# newpkg DEPOT NAME N [ENTRY-BODY]: packages/NAME with a Project.toml
newpkg() {
    local dir="$1/packages/$2"
    mkdir -p "$dir/src"
    printf 'name = "%s"\nuuid = "5e1f0c3a-7a1e-4c2b-9d3e-%012d"\nversion = "0.1.0"\n' "$2" "$3" \
        >"$dir/Project.toml"
    printf 'module %s\n%s\ngreet() = "hello from %s"\nend\n' "$2" "${4:-}" "$2" >"$dir/src/$2.jl"
}

# ---- the first pass: a build tree with its bundled depot and the test depot ----------

B="$tmp/build"
BUNDLED="$B/usr/share/julia"
T="$B/test"
mkdir -p "$B/usr/bin" "$BUNDLED" "$T"
DL="$BUNDLED/stdlib/v1.11/DelimitedFiles"
mkdir -p "$DL/src"
printf 'name = "DelimitedFiles"\nuuid = "8bb1440f-4735-579b-a4ab-409b98df4dab"\nversion = "1.9.1"\n' \
    >"$DL/Project.toml"
printf 'module DelimitedFiles\ninclude("readdlm.jl")\nend\n' >"$DL/src/DelimitedFiles.jl"
echo 'readdlm(io) = split.(readlines(io))' >"$DL/src/readdlm.jl"

newpkg "$T" Pkg1 1 'include("util.jl")'
echo 'util() = 1' >"$T/packages/Pkg1/src/util.jl"
newpkg "$T" Pkg2 2 'include_dependency("foo.txt")
include_dependency("foodir")'
echo foo >"$T/packages/Pkg2/src/foo.txt"
mkdir -p "$T/packages/Pkg2/src/foodir" && echo a >"$T/packages/Pkg2/src/foodir/a.txt"
newpkg "$T" Pkg3 3 'include_dependency("bar.txt")
include_dependency("bardir")'
echo bar >"$T/packages/Pkg3/src/bar.txt"
mkdir -p "$T/packages/Pkg3/src/bardir" && echo b >"$T/packages/Pkg3/src/bardir/b.txt"
newpkg "$T" Pkg4 4 'using Pkg1'

export JULIA_DEPOT_PATH="$BUNDLED:$T"
# every cache lands in DEPOT_PATH[1], the bundled depot: mkcache writes into
# <the package's depot>/compiled, which is made a link to the bundled
# depot's while it runs
mkdir -p "$BUNDLED/compiled"
cache_into() { # DEPOT-OF-CACHES DEPOT-OF-PACKAGE NAME [MKCACHE-OPTIONS...]
    local to=$1 from=$2 name=$3
    shift 3
    ln -s "$to/compiled" "$from/compiled" && mkcache "$@" "$from" "$name"
    rm -f "$from/compiled"
}

# 1 ---- tag insertion edge cases ---------------------------------------------------------
d1=$(mktemp -d "$tmp/tagdepot-XXXXXX")
run "$JLDEPOT" tokenize --upstream --depot-path "$d1" "$d1$d1"
check "1 tag insertion edge cases: dir*dir gives @depot*dir (only the first occurrence)" \
    '[ $rc -eq 0 ] && [ "$(cat "$out")" = "@depot$d1" ]'
run "$JLDEPOT" tokenize --upstream --depot-path "$d1" "$d1/foo"
a=$(cat "$out")
run "$JLDEPOT" tokenize --upstream --depot-path "$d1/" "$d1/foo"
check "1 tag insertion edge cases: a depot with and without trailing separator gives @depot/" \
    '[ $rc -eq 0 ] && [ "$a" = "@depot/foo" ] && [ "$(cat "$out")" = "@depot/foo" ]'
"$JLDEPOT" tokenize --upstream --depot-path "$tmp/elsewhere" "$d1/foo" >"$out" 2>"$tmp/err"
rc=$?
check "1 tag insertion edge cases: the depot removed from DEPOT_PATH gives no tag" \
    '[ $rc -eq 1 ] && [ "$(cat "$out")" = "$d1/foo" ] && grep -q "outside every depot on DEPOT_PATH" "$tmp/err"'
mkdir -p "$tmp/j55340/julia"
jl="$tmp/j55340/julia" jlrc="$tmp/j55340/julia-rc2"
"$JLDEPOT" tokenize --upstream --depot-path "$jl" "$jl" "$jl/" >"$out" 2>&1
check "1 tag insertion edge cases: #55340 julia -> @depot, julia/ -> @depot/" \
    '[ "$(cat "$out")" = "@depot
@depot/" ]'
"$JLDEPOT" tokenize --json --upstream --depot-path "$jl" "$jlrc" >"$json" 2>/dev/null
check "1 tag insertion edge cases: #55340 the sibling julia-rc2 is not tokenized" \
    '[ "$(q "j[0][\"output\"], j[0][\"status\"]")" = "$jlrc not_relocatable" ]'
# our role tokens on top: the same path gets @depot from --upstream and a
# role token otherwise
mkdir -p "$d1/compiled"
run "$JLDEPOT" tokenize --depot-path "$d1" "$d1/compiled/v1.11/X/a.ji"
a=$(cat "$out")
run "$JLDEPOT" tokenize --upstream --depot-path "$d1" "$d1/compiled/v1.11/X/a.ji"
check "1 tag insertion edge cases: --upstream writes @depot where role tokens write @compiled" \
    '[ "$a" = "@compiled/v1.11/X/a.ji" ] && [ "$(cat "$out")" = "@depot/compiled/v1.11/X/a.ji" ]'

# 2 ---- restore_depot_path ---------------------------------------------------------------
nl=$'\n'
"$JLDEPOT" resolve --json --no-stat --depot-path "$d1" "@depot/foo/bar" "no@depot/foo/bar" \
    "@depot/foo/bar$nl/@depot/foo" '@depot\foo\bar' >"$json" 2>/dev/null
check "2 restore_depot_path: @depot/foo/bar -> <tmp>/foo/bar" \
    '[ "$(q "j[0][\"output\"], j[0][\"status\"]")" = "$d1/foo/bar ok" ]'
check "2 restore_depot_path: no@depot/foo/bar is not restored (rejected as relative)" \
    '[ "$(q "j[1][\"output\"], j[1][\"status\"]")" = "None relative_path" ]'
check "2 restore_depot_path: only the tag at the start is replaced; a newline in a component survives" \
    '[ "$(q "repr(j[2][\"output\"])")" = "$(python3 -c "import sys; print(repr(sys.argv[1]))" "$d1/foo/bar$nl/@depot/foo")" ]'
check "2 restore_depot_path: the Windows form @depot\\foo\\bar" \
    '[ "$(q "j[3][\"output\"]")" = "$d1/foo/bar" ]'

# 3 ---- Pkg1 ------------------------------------------------------------------------------
vjson
check "3 Pkg1 precompiled and relocatable: not precompiled before (no cache)" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Pkg1\")")" = None ] && [ "$(q "len(j[\"caches\"])")" = 0 ]'
cache_into "$BUNDLED" "$T" Pkg1
vjson
check "3 Pkg1 precompiled and relocatable: fresh" '[ $rc -eq 0 ] && [ "$(q "c(\"Pkg1\")[\"verdict\"]")" = fresh ]'
check "3 Pkg1 precompiled and relocatable: relocatable, no reason" \
    '[ "$(q "c(\"Pkg1\")[\"relocatable\"], len(c(\"Pkg1\")[\"relocatable_reasons\"])")" = "True 0" ]'
check "3 Pkg1 precompiled and relocatable: cache in DEPOT_PATH[1], sources in the test depot" \
    '[ "$(q "c(\"Pkg1\")[\"depot\"], dep(\"Pkg1\", \"/Pkg1.jl\")[\"depot\"], dep(\"Pkg1\", \"/Pkg1.jl\")[\"stored\"]")" = "$BUNDLED $T @depot/packages/Pkg1/src/Pkg1.jl" ]'

# 4 ---- Pkg2 ------------------------------------------------------------------------------
cache_into "$BUNDLED" "$T" Pkg2 --mtime-deps
vjson
check "4 Pkg2 precompiled, not relocatable: fresh" '[ $rc -eq 0 ] && [ "$(q "c(\"Pkg2\")[\"verdict\"]")" = fresh ]'
check "4 Pkg2 precompiled, not relocatable: relocatable false, mtime-tracked foo.txt and foodir named" \
    '[ "$(q "[c(\"Pkg2\")[\"relocatable\"]] + sorted((r[\"reason\"], r[\"path\"]) for r in c(\"Pkg2\")[\"relocatable_reasons\"])")" = "False
mtime_tracked @depot/packages/Pkg2/src/foo.txt
mtime_tracked @depot/packages/Pkg2/src/foodir" ]'

# 5 ---- Pkg3 ------------------------------------------------------------------------------
cache_into "$BUNDLED" "$T" Pkg3
vjson
check "5 Pkg3 precompiled and relocatable: fresh, relocatable" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Pkg3\")[\"verdict\"], c(\"Pkg3\")[\"relocatable\"]")" = "fresh True" ]'
check "5 Pkg3 precompiled and relocatable: bar.txt and bardir content-tracked" \
    '[ "$(q "dep(\"Pkg3\", \"/bar.txt\")[\"mtime_tracked\"], dep(\"Pkg3\", \"/bardir\")[\"mtime_tracked\"], dep(\"Pkg3\", \"/bardir\")[\"crc32c\"] is not None")" = "False False True" ]'

# 6 ---- Pkg4 ------------------------------------------------------------------------------
# the test depot is not on DEPOT_PATH while Pkg4 is cached: absolute paths
cache_into "$BUNDLED" "$T" Pkg4 --depot-path "$BUNDLED"
pkg4=$(find "$BUNDLED/compiled/v1.11/Pkg4" -name '*.ji')
pkg4sum=$(sha256sum <"$pkg4")
run "$JLDEPOT" inspect "$pkg4"
check "6 Pkg4 precompiled, not relocatable: the header records absolute paths" \
    'grep -q "^  include             $T/packages/Pkg4/src/Pkg4.jl$" "$out" && ! grep -q "@depot" "$out"'
vjson
check "6 Pkg4 precompiled, not relocatable: fresh, every cache fresh" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Pkg4\")[\"verdict\"], j[\"summary\"][\"fresh\"], j[\"summary\"][\"stale\"]")" = "fresh 4 0" ]'
check "6 Pkg4 precompiled, not relocatable: reason absolute_path names the entry file" \
    '[ "$(q "[c(\"Pkg4\")[\"relocatable\"]] + [(r[\"reason\"], r[\"path\"]) for r in c(\"Pkg4\")[\"relocatable_reasons\"]]")" = "False
absolute_path $T/packages/Pkg4/src/Pkg4.jl" ]'
check "6 Pkg4 precompiled, not relocatable: requires Pkg1 by its exact build id, found (no repeated precompilation)" \
    '[ "$(q "[(m[\"verdict\"], m[\"cache\"]) for m in c(\"Pkg4\")[\"modules\"] if m[\"name\"] == \"Pkg1\"]")" = "found $(find "$BUNDLED/compiled/v1.11/Pkg1" -name "*.ji")" ]'

# 7 ---- #52161: three depots -------------------------------------------------------------
D1=$(mktemp -d "$tmp/depot1-XXXXXX") D2=$(mktemp -d "$tmp/depot2-XXXXXX") D3=$(mktemp -d "$tmp/depot3-XXXXXX")
newpkg "$D1" Example1 11
newpkg "$D2" Example2 12
newpkg "$D3" Module52161 13 "include_dependency(\"$D1/packages/Example1/src/Example1.jl\")
include_dependency(\"$D2/packages/Example2/src/Example2.jl\")"
mkcache --depot-path "$D3:$D1:$D2" "$D3" Module52161
m52161=$(find "$D3/compiled" -name '*.ji')
run "$JLDEPOT" inspect --resolve --depot-path "$D1:$D2:$D3" "$m52161"
check "7 #52161 three depots: each include_dependency stored as @depot" \
    '[ "$(grep -c "^  include_dependency  @depot/packages/Example[12]/src/Example[12].jl$" "$out")" -eq 2 ]'
check "7 #52161 three depots: inspect --resolve puts each file in its own depot" \
    'grep -A1 "^  include             @depot/packages/Module52161/" "$out" | grep -q "^      -> $D3/packages/Module52161/src/Module52161.jl$" &&
     grep -A1 "@depot/packages/Example1/src/Example1.jl$" "$out" | grep -q "^      -> $D1/packages/Example1/src/Example1.jl$" &&
     grep -A1 "@depot/packages/Example2/src/Example2.jl$" "$out" | grep -q "^      -> $D2/packages/Example2/src/Example2.jl$"'
run "$JLDEPOT" verify -v --depot-path "$D2:$D3:$D1" "$m52161"
check "7 #52161 three depots: verify -v fresh, each resolved in its own depot (any DEPOT_PATH order)" \
    '[ $rc -eq 0 ] && grep -q "^fresh $m52161$" "$out" &&
     grep -q "^    fresh include @depot/packages/Module52161/src/Module52161.jl -> $D3/" "$out" &&
     grep -q "^    fresh include_dependency @depot/packages/Example1/src/Example1.jl -> $D1/packages/Example1/src/Example1.jl$" "$out" &&
     grep -q "^    fresh include_dependency @depot/packages/Example2/src/Example2.jl -> $D2/packages/Example2/src/Example2.jl$" "$out"'
run "$JLDEPOT" verify --depot-path "$D3:$D1" "$m52161"
check "7 #52161 three depots: without depot2 on DEPOT_PATH its file is unresolved" \
    '[ $rc -eq 1 ] && grep -q "@depot/packages/Example2/src/Example2.jl" "$out"'

# DelimitedFiles, a stdlib of the bundled depot (for scenario 8)
mkcache --depot-path "$BUNDLED" --pkgdir "$DL" "$BUNDLED" DelimitedFiles
vjson
check "8 DelimitedFiles precompiled and relocatable from the copied bundled depot: first pass, fresh and relocatable in the build tree" \
    '[ "$(q "c(\"DelimitedFiles\")[\"verdict\"], c(\"DelimitedFiles\")[\"relocatable\"], dep(\"DelimitedFiles\", \"/DelimitedFiles.jl\")[\"stored\"]")" = "fresh True @depot/stdlib/v1.11/DelimitedFiles/src/DelimitedFiles.jl" ]'

# ---- the second pass: copied (cp -r, new mtimes) ------------------------------------------
sleep 0.05
R="$tmp/relocatedepot"
mkdir "$R"
cp -r "$BUNDLED" "$R/julia"
cp -r "$T/packages" "$R/packages"
export JULIA_DEPOT_PATH="$R/julia:$R"
vjson
cp "$json" "$tmp/second.json"

# 8 ---- DelimitedFiles from the copied bundled depot ------------------------------------
check "8 DelimitedFiles precompiled and relocatable from the copied bundled depot: fresh, relocatable, in the copy" \
    '[ "$(q "c(\"DelimitedFiles\")[\"verdict\"], c(\"DelimitedFiles\")[\"relocatable\"], c(\"DelimitedFiles\")[\"depot\"]")" = "fresh True $R/julia" ]'
check "8 DelimitedFiles precompiled and relocatable from the copied bundled depot: its sources resolved in the copy" \
    '[ "$(q "dep(\"DelimitedFiles\", \"/readdlm.jl\")[\"resolved\"]")" = "$R/julia/stdlib/v1.11/DelimitedFiles/src/readdlm.jl" ]'

# 9 ---- Pkg1: sources in one depot, cache in another -----------------------------------
check "9 Pkg1 precompiled and relocatable, sources and cache in two depots: fresh, relocatable, cache in relocatedepot/julia" \
    '[ "$(q "c(\"Pkg1\")[\"verdict\"], c(\"Pkg1\")[\"relocatable\"], c(\"Pkg1\")[\"depot\"]")" = "fresh True $R/julia" ]'
check "9 Pkg1 precompiled and relocatable, sources and cache in two depots: every source resolved in relocatedepot" \
    '[ "$(q "sorted(set((d[\"depot\"], d[\"verdict\"]) for d in c(\"Pkg1\")[\"dependencies\"] if d[\"kind\"] != \"require\"))")" = "$R fresh" ]'

# 10 ---- Pkg2: mtimes changed by the copy --------------------------------------------------
run "$JLDEPOT" verify
check "10 Pkg2 stale after the copy, recompiled, stale again: stale after cp -r, naming foo.txt" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $R/julia/compiled/v1.11/Pkg2/.*\.ji because mtime of include_dependency $R/packages/Pkg2/src/foo.txt has changed (mtime .*, before .*)$" "$out"'
check "10 Pkg2 stale after the copy, recompiled, stale again: only Pkg2 is stale" '[ "$(q "j[\"summary\"][\"stale\"], c(\"Pkg2\")[\"status\"]")" = "1 mtime_changed" ]'
# `require`: Julia recompiles Pkg2 into DEPOT_PATH[1]
rm -f "$R/julia/compiled/v1.11/Pkg2/"*
cache_into "$R/julia" "$R" Pkg2 --mtime-deps --depot-path "$R/julia:$R"
vjson
check "10 Pkg2 stale after the copy, recompiled, stale again: recompiled, fresh, not relocatable" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Pkg2\")[\"verdict\"], c(\"Pkg2\")[\"relocatable\"], \" \".join(sorted(set(r[\"reason\"] for r in c(\"Pkg2\")[\"relocatable_reasons\"])))")" = "fresh False mtime_tracked" ]'
sleep 0.05
touch "$R/packages/Pkg2/src/foodir/foofile"
run "$JLDEPOT" verify
check "10 Pkg2 stale after the copy, recompiled, stale again: a file touched inside foodir makes it stale again, naming foodir" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $R/julia/compiled/v1.11/Pkg2/.*\.ji because mtime of include_dependency $R/packages/Pkg2/src/foodir has changed" "$out"'

# 11 ---- Pkg3: content-tracked, so the copy keeps it fresh ---------------------------------
cp "$tmp/second.json" "$json"
check "11 Pkg3 relocatable, stale by the readdir hash: fresh and relocatable after the copy" \
    '[ "$(q "c(\"Pkg3\")[\"verdict\"], c(\"Pkg3\")[\"relocatable\"]")" = "fresh True" ]'
bardir="$R/packages/Pkg3/src/bardir"
echo new >"$bardir/new.txt"
vjson
check "11 Pkg3 relocatable, stale by the readdir hash: a new file in bardir makes it stale, naming bardir" \
    '[ "$(q "c(\"Pkg3\")[\"verdict\"], c(\"Pkg3\")[\"status\"] in (\"file_hash_changed\", \"file_size_changed\"), dep(\"Pkg3\", \"/bardir\")[\"verdict\"] != \"fresh\", dep(\"Pkg3\", \"/bardir\")[\"resolved\"]")" = "stale True True $bardir" ]'
rm "$bardir/new.txt"
vjson
check "11 Pkg3 relocatable, stale by the readdir hash: the file removed again: fresh (content, not mtime, decides)" \
    '[ "$(q "c(\"Pkg3\")[\"verdict\"]")" = fresh ]'
mv "$bardir/b.txt" "$bardir/c.txt"
run "$JLDEPOT" verify
check "11 Pkg3 relocatable, stale by the readdir hash: same number of entries, another name: stale by the readdir hash" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $R/julia/compiled/v1.11/Pkg3/.*\.ji because hash of $bardir has changed (hash 0x[0-9a-f]*, before 0x[0-9a-f]*)$" "$out"'

# 12 ---- Pkg4: absolute paths still exist -----------------------------------------------
cp "$tmp/second.json" "$json"
check "12 Pkg4 still precompiled, not relocatable, no recompilation: fresh, not relocatable, the same cache bytes" \
    '[ "$(q "c(\"Pkg4\")[\"verdict\"], c(\"Pkg4\")[\"relocatable\"]")" = "fresh False" ] &&
     [ "$(sha256sum <"$R/julia/compiled/v1.11/Pkg4/$(basename "$pkg4")")" = "$pkg4sum" ]'
check "12 Pkg4 still precompiled, not relocatable, no recompilation: its sources are read at their original absolute paths" \
    '[ "$(q "dep(\"Pkg4\", \"/Pkg4.jl\")[\"resolved\"], dep(\"Pkg4\", \"/Pkg4.jl\")[\"outside_depots\"]")" = "$T/packages/Pkg4/src/Pkg4.jl True" ]'
check "12 Pkg4 still precompiled, not relocatable, no recompilation: the reason names the path outside every depot" \
    '[ "$(q "[(r[\"reason\"], r[\"path\"]) for r in c(\"Pkg4\")[\"relocatable_reasons\"]]")" = "not_relocatable $T/packages/Pkg4/src/Pkg4.jl" ]'
check "12 Pkg4 still precompiled, not relocatable, no recompilation: Pkg1 found by its build id in the copied depot" \
    '[ "$(q "[(m[\"verdict\"], m[\"cache\"]) for m in c(\"Pkg4\")[\"modules\"] if m[\"name\"] == \"Pkg1\"]")" = "found $(find "$R/julia/compiled/v1.11/Pkg1" -name "*.ji")" ]'
rm -rf "$T"
run "$JLDEPOT" verify
check "12 Pkg4 still precompiled, not relocatable, no recompilation: the original sources removed: stale, naming the missing file" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $R/julia/compiled/v1.11/Pkg4/.*\.ji because file $T/packages/Pkg4/src/Pkg4.jl does not exist" "$out"'
