#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# verify-layouts.sh: `jldepot verify` across depot layouts and between
# depots that hold the same package.
#   - a classic depot moved into the XDG layout (packages under
#     $XDG_DATA_HOME/julia, caches under $XDG_CACHE_HOME/julia/compiled,
#     JULIA_DEPOT_LAYOUT=xdg) and back into a classic depot elsewhere: every
#     cache fresh both ways, sources resolved under the data root;
#   - two depots each with its own build of the same package (same name and
#     paths, different content): each cache resolves its sources in its own
#     depot, whatever the DEPOT_PATH order, and an edit in one depot makes
#     only that depot's cache stale;
#   - packages developed outside every depot (fresh in place, not
#     relocatable, the path named) and inside the depot's dev/ (relocatable).
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/verify-layouts-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT JULIA_BINDIR XDG_DATA_HOME XDG_CACHE_HOME
export HOME="$tmp/home"
mkdir -p "$HOME"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
out="$tmp/out"
json="$tmp/json"
verify() { "$JLDEPOT" verify "$@" >"$out" 2>&1; rc=$?; }
vjson() { "$JLDEPOT" verify --json "$@" >"$json" 2>"$tmp/err"; rc=$?; }
summary() { tail -n 1 "$out"; }
# q EXPR: a Python expression over the last verify --json document: j is
# the document, f(PREFIX) the one cache whose file starts with PREFIX,
# c("Name") the one cache of package Name, deps(cache) its file
# dependencies; a tuple prints space-separated, a list one element a line
q() {
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
def one(m):
    return m[0] if len(m) == 1 else None
def f(prefix):
    return one([x for x in j["caches"] if x["file"].startswith(prefix)])
def c(name):
    return one([x for x in j["caches"] if x["package"] == name])
def deps(x):
    return [d for d in x["dependencies"] if d["kind"] != "require"]
def fmt(x):
    return " ".join(map(str, x)) if isinstance(x, tuple) else str(x)
r = eval(sys.argv[2])
print("\n".join(map(fmt, r)) if isinstance(r, list) else fmt(r))' "$json" "$1" 2>&1
}
mkcache() { "$MKCACHE" --pkgimage "$@" >/dev/null 2>"$tmp/mkcache.err" || cat "$tmp/mkcache.err"; }
gen() { # depot: the sample depot with its three caches
    cp -r "$FIXTURES/sample-depot" "$1" &&
        mkcache "$1" Greeter && mkcache "$1" Stats && mkcache "$1" Shapes
}

# ---- classic -> XDG -> classic -------------------------------------------------------------

C="$tmp/classic"
gen "$C"
sums() { find "$1" -name '*.ji' -o -name '*.so' | sort | xargs cat | sha256sum; }
before=$(sums "$C")
verify "$C"
check "classic depot: 3 fresh in place" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'

export XDG_DATA_HOME="$tmp/xdg/data" XDG_CACHE_HOME="$tmp/xdg/cache"
DATA="$XDG_DATA_HOME/julia" CACHE="$XDG_CACHE_HOME/julia"
mkdir -p "$DATA" "$CACHE"
mv "$C/compiled" "$CACHE/compiled"
mv "$C"/* "$DATA"/
rmdir "$C"
check "moved into XDG: packages under the data root, caches under the cache root, no other copy" \
    '[ -d "$DATA/packages/Stats" ] && [ "$(find "$CACHE/compiled" -name "*.ji" | wc -l)" -eq 3 ] && [ ! -e "$DATA/compiled" ] && [ ! -e "$C" ]'
JULIA_DEPOT_LAYOUT=xdg "$JLDEPOT" layout --json >"$json" 2>&1
check "JULIA_DEPOT_LAYOUT=xdg: the user depot is the split one" \
    '[ "$(q "j[0][\"layout\"], j[0][\"roots\"][\"@depot\"], j[0][\"roots\"][\"@compiled\"]")" = "xdg $DATA $CACHE/compiled" ]'
export JULIA_DEPOT_LAYOUT=xdg
verify
check "xdg: verify with no argument finds the 3 caches, all fresh" \
    '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ] && [ "$(grep -c "^fresh $CACHE/compiled/v1.11/" "$out")" -eq 3 ]'
vjson
check "xdg: every cache's depot is the data root" \
    '[ "$(q "sorted(set(x[\"depot\"] for x in j[\"caches\"]))")" = "$DATA" ]'
check "xdg: every source resolved under the data root, every one fresh" \
    '[ "$(q "sorted(set((d[\"verdict\"], d[\"resolved\"].startswith(\"$DATA/packages/\"), d[\"depot\"]) for x in j[\"caches\"] for d in deps(x)))")" = "fresh True $DATA" ] &&
     [ "$(q "sum(len(deps(x)) for x in j[\"caches\"])")" -ge 8 ]'
check "xdg: the required Greeter found in the cache root" \
    '[ "$(q "[m[\"verdict\"] + \" \" + m[\"cache\"] for m in c(\"Shapes\")[\"modules\"] if m[\"name\"] == \"Greeter\"]")" = "found $(find "$CACHE/compiled/v1.11/Greeter" -name "*.ji")" ]'
verify -v --depot-path : "$(find "$CACHE/compiled/v1.11/Stats" -name '*.ji')"
check "xdg: a cache named on the command line (--depot-path :): fresh, sources under the data root" \
    '[ $rc -eq 0 ] && grep -q "^    fresh include @depot/packages/Stats/M2vLw/src/Stats.jl -> $DATA/packages/Stats/M2vLw/src/Stats.jl$" "$out"'
verify -v "$(find "$CACHE/compiled/v1.11/Stats" -name '*.ji')"
check "xdg: a cache named on the command line: its depot is the XDG user depot" \
    '[ $rc -eq 0 ] && grep -q "^    fresh include @depot/packages/Stats/M2vLw/src/Stats.jl -> $DATA/packages/Stats/M2vLw/src/Stats.jl$" "$out"'
unset JULIA_DEPOT_LAYOUT
verify --layout xdg
check "--layout xdg (no variable): the same 3 fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
verify
check "classic layout: the XDG caches are not on DEPOT_PATH" '[ $rc -eq 0 ] && [ "$(summary)" = "0 fresh, 0 stale, 0 not relocatable" ]'
verify "$CACHE"
check "classic layout, the cache root taken as a depot: sources unresolved" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $CACHE/compiled/v1.11/Stats/.*\.ji because its depot could not be resolved: @depot/packages/Stats/" "$out"'

K="$tmp/back/to/classic"
mkdir -p "$K"
mv "$DATA"/* "$K"/
mv "$CACHE/compiled" "$K/compiled"
unset XDG_DATA_HOME XDG_CACHE_HOME
verify "$K"
check "back to a classic depot elsewhere: 3 fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
vjson "$K"
check "back to classic: every source resolved under the new depot" \
    '[ "$(q "sorted(set((d[\"verdict\"], d[\"resolved\"].startswith(\"$K/packages/\")) for x in j[\"caches\"] for d in deps(x)))")" = "fresh True" ]'
check "no cache or pkgimage was rewritten on the way" '[ "$(sums "$K")" = "$before" ]'

# ---- the same package in two depots --------------------------------------------------------

P1="$tmp/p1" P2="$tmp/p2"
cp -r "$FIXTURES/sample-depot" "$P1"
cp -r "$FIXTURES/sample-depot" "$P2"
m2="$P2/packages/Stats/M2vLw/src/moments.jl"
echo "# the second build" >>"$m2"
mkcache --seed 1 "$P1" Stats
mkcache --seed 2 "$P2" Stats
s1=$(find "$P1/compiled" -name '*.ji') s2=$(find "$P2/compiled" -name '*.ji')
check "two builds of Stats: same name and relative path, different bytes" \
    '[ "$(basename "$s1")" = "$(basename "$s2")" ] && ! cmp -s "$s1" "$s2"'
for first in 1 2; do
    if [ $first = 1 ]; then export JULIA_DEPOT_PATH="$P1:$P2"; else export JULIA_DEPOT_PATH="$P2:$P1"; fi
    vjson
    check "two depots (depot $first first): both fresh" \
        '[ $rc -eq 0 ] && [ "$(q "f(\"$s1\")[\"verdict\"], f(\"$s2\")[\"verdict\"]")" = "fresh fresh" ]'
    check "two depots (depot $first first): each cache resolves every source in its own depot" \
        '[ "$(q "sorted(set(d[\"depot\"] for d in deps(f(\"$s1\"))))")" = "$P1" ] &&
         [ "$(q "sorted(set(d[\"depot\"] for d in deps(f(\"$s2\"))))")" = "$P2" ]'
done
echo "# edited in the second depot only" >>"$m2"
export JULIA_DEPOT_PATH="$P1:$P2"
verify
check "an edit in depot 2 only: only depot 2's cache goes stale, naming its file" \
    '[ $rc -eq 1 ] && grep -q "^fresh $s1$" "$out" &&
     grep -q "^Rejecting stale cache file $s2 because file size of $m2 has changed (file size [0-9]*, before [0-9]*)$" "$out" &&
     [ "$(summary)" = "1 fresh, 1 stale, 0 not relocatable" ]'
export JULIA_DEPOT_PATH="$P2:$P1"
verify
check "the same with depot 2 first on DEPOT_PATH" \
    '[ $rc -eq 1 ] && grep -q "^fresh $s1$" "$out" && grep -q "^Rejecting stale cache file $s2 because file size of $m2" "$out"'
unset JULIA_DEPOT_PATH

# ---- developed packages --------------------------------------------------------------------

D="$tmp/devdepot" CODE="$tmp/code"
mkdir -p "$D" "$CODE/MyPkg/src" "$D/dev/DevPkg/src"
printf 'name = "MyPkg"\nuuid = "0b9e3c1d-2f4a-4e6b-8c7d-000000000101"\n' >"$CODE/MyPkg/Project.toml"
printf 'module MyPkg\ninclude("impl.jl")\nend\n' >"$CODE/MyPkg/src/MyPkg.jl"
echo 'f() = 1' >"$CODE/MyPkg/src/impl.jl"
printf 'name = "DevPkg"\nuuid = "0b9e3c1d-2f4a-4e6b-8c7d-000000000102"\n' >"$D/dev/DevPkg/Project.toml"
printf 'module DevPkg\ng() = 2\nend\n' >"$D/dev/DevPkg/src/DevPkg.jl"
mkcache --pkgdir "$CODE/MyPkg" "$D" MyPkg
mkcache --pkgdir "$D/dev/DevPkg" "$D" DevPkg
vjson "$D"
check "dev'd outside every depot: fresh in place" '[ $rc -eq 0 ] && [ "$(q "c(\"MyPkg\")[\"verdict\"]")" = fresh ]'
check "dev'd outside every depot: not relocatable, each path named" \
    '[ "$(q "[c(\"MyPkg\")[\"relocatable\"]] + [(r[\"reason\"], r[\"path\"]) for r in c(\"MyPkg\")[\"relocatable_reasons\"]]")" = "False
not_relocatable $CODE/MyPkg/src/MyPkg.jl
not_relocatable $CODE/MyPkg/src/impl.jl" ]'
check "dev'd in the depot's dev/: stored as @depot/dev/..., relocatable" \
    '[ "$(q "c(\"DevPkg\")[\"verdict\"], c(\"DevPkg\")[\"relocatable\"], deps(c(\"DevPkg\"))[0][\"stored\"]")" = "fresh True @depot/dev/DevPkg/src/DevPkg.jl" ]'
verify "$D"
check "dev'd outside: the text names the path" \
    'grep -q "^  not relocatable: the path is outside every depot on DEPOT_PATH: $CODE/MyPkg/src/MyPkg.jl$" "$out"'
mv "$D" "$tmp/devdepot2"
D="$tmp/devdepot2"
vjson "$D"
check "depot moved: both still fresh (the outside package is still in place)" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"MyPkg\")[\"verdict\"], c(\"DevPkg\")[\"verdict\"], deps(c(\"DevPkg\"))[0][\"resolved\"]")" = "fresh fresh $D/dev/DevPkg/src/DevPkg.jl" ]'
mv "$CODE" "$tmp/code-moved"
verify "$D"
check "the outside package moved: its cache is stale, naming the missing file" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $D/compiled/v1.11/MyPkg/.*\.ji because file $CODE/MyPkg/src/MyPkg.jl does not exist" "$out" && grep -q "^fresh $D/compiled/v1.11/DevPkg/" "$out"'
