#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# path-cli.sh: drives `jldepot layout|tokenize|resolve` on real temporary
# depots: exit codes 0/1/2, --json that parses, stderr reasons, role tokens,
# a real `mv` of the depot between tokenize and resolve, symlinked depots,
# the XDG opt-in layout, Windows-style input.
set -u
J=${JLDEPOT:?JLDEPOT must name the jldepot binary}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/path-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT JULIA_BINDIR XDG_DATA_HOME XDG_CACHE_HOME
export HOME="$tmp/home"
mkdir -p "$HOME"

failures=0
ok() { echo "ok - $1"; }
notok() {
    echo "not ok - $1"
    failures=$((failures + 1))
}
# check NAME COND...: run the condition, report
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else notok "$name"; fi
}
# run CMD...: sets $out, $err, $rc
run() {
    out=$("$@" 2>"$tmp/stderr")
    rc=$?
    err=$(cat "$tmp/stderr")
}
is_json() { printf '%s' "$1" | python3 -m json.tool >/dev/null 2>&1; }
json_get() { # json_get JSON PYTHON-EXPR (with j bound)
    printf '%s' "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"
}

D="$tmp/depot"
mkdir -p "$D/packages/Foo/abCdE/src" "$D/compiled/v1.11/Foo" "$D/artifacts/0123abcd/lib" \
    "$D/scratchspaces/u1"
echo 'module Foo end' >"$D/packages/Foo/abCdE/src/Foo.jl"
echo cache >"$D/compiled/v1.11/Foo/xyz_abc.ji"
echo so >"$D/artifacts/0123abcd/lib/libfoo.so"

# ---- layout ---------------------------------------------------------------------------
run "$J" layout --depot-path "$D:" --julia-home /opt/julia/bin
check "layout exits 0" test "$rc" -eq 0
check "layout marks depot 1 writable" grep -q "^1 \* $D (classic" <<<"$out"
check "layout lists the bundled depots" grep -q "^3   /opt/julia/share/julia" <<<"$out"
check "layout prints the @cache root" grep -q "@cache      $D/scratchspaces" <<<"$out"
run "$J" layout --json --depot-path "$D"
check "layout --json parses" is_json "$out"
check "layout --json fields" test "$(json_get "$out" 'j[0]["roots"]["@compiled"], j[0]["writable"], j[0]["layout"], len(j)')" = "$D/compiled True classic 1"
run "$J" layout --layout foo
check "layout --layout foo exits 2" test "$rc" -eq 2
check "layout --layout foo message" test "$err" = "jldepot: invalid argument to --layout={classic|xdg} (foo)"
run env JULIA_DEPOT_LAYOUT=flat "$J" layout
check "JULIA_DEPOT_LAYOUT=flat exits 2" test "$rc" -eq 2
check "JULIA_DEPOT_LAYOUT=flat names the variable" grep -q "JULIA_DEPOT_LAYOUT=flat: the depot layout is neither classic nor xdg" <<<"$err"
run env JULIA_DEPOT_PATH="" "$J" layout --json
check "empty JULIA_DEPOT_PATH: empty stack" test "$(json_get "$out" 'len(j)')" = 0
run env JULIA_DEPOT_PATH=":$D" JULIA_BINDIR=/opt/j/bin "$J" layout --json
check "leading empty entry: user depot, bundled, then the entry" test "$(json_get "$out" '" ".join(d["roots"]["@depot"] for d in j)')" = "$HOME/.julia /opt/j/local/share/julia /opt/j/share/julia $D"
run "$J" layout --bogus
check "layout unknown option exits 2" test "$rc" -eq 2
for c in layout tokenize resolve; do
    run "$J" "$c" --help
    check "$c --help exits 0" test "$rc" -eq 0 -a -n "$out"
done

# ---- tokenize ---------------------------------------------------------------------------
F="$D/packages/Foo/abCdE/src/Foo.jl"
C="$D/compiled/v1.11/Foo/xyz_abc.ji"
run "$J" tokenize --depot-path "$D" "$F" "$C" "$D/artifacts/0123abcd/lib/libfoo.so" "$D/scratchspaces/u1" "$D"
check "tokenize exits 0" test "$rc" -eq 0
check "tokenize role tokens" test "$out" = "@depot/packages/Foo/abCdE/src/Foo.jl
@compiled/v1.11/Foo/xyz_abc.ji
@artifacts/0123abcd/lib/libfoo.so
@cache/u1
@depot"
run "$J" tokenize --upstream --depot-path "$D/" "$C"
check "tokenize --upstream writes @depot/" test "$out" = "@depot/compiled/v1.11/Foo/xyz_abc.ji"
run "$J" tokenize --depot-path "$D" "$D-rc2/x.jl"
check "tokenize: sibling directory exits 1" test "$rc" -eq 1
check "tokenize: sibling printed unchanged" test "$out" = "$D-rc2/x.jl"
check "tokenize: reason on stderr" test "$err" = "jldepot: tokenize: $D-rc2/x.jl: the path is outside every depot on DEPOT_PATH"
run "$J" tokenize --depot-path "$D" relative/x.jl
check "tokenize: relative path exits 1" test "$rc" -eq 1 -a "$err" = "jldepot: tokenize: relative/x.jl: the path is not absolute"
run "$J" tokenize --json --depot-path "$D" "$F" /elsewhere/x @bogus/x
check "tokenize --json exits 1 when one is rejected" test "$rc" -eq 1
check "tokenize --json parses" is_json "$out"
check "tokenize --json statuses" test "$(json_get "$out" '" ".join(str(r["status"]) for r in j)')" = "ok not_relocatable unknown_token"
check "tokenize --json output/depot" test "$(json_get "$out" 'j[0]["output"], j[0]["depot"], j[1]["output"], j[2]["output"], j[1]["depot"]')" = "@depot/packages/Foo/abCdE/src/Foo.jl 1 /elsewhere/x None None"
run "$J" tokenize --target 9 --depot-path "$D" "$F"
check "tokenize --target out of range exits 2" test "$rc" -eq 2
run "$J" tokenize --target x --depot-path "$D" "$F"
check "tokenize --target x exits 2" test "$rc" -eq 2
run "$J" tokenize --depot-path "$D"
check "tokenize without paths exits 2" test "$rc" -eq 2
run "$J" tokenize --depot-path "$D" 'C:\Users\u\.julia\packages\X\a.jl'
check "tokenize: drive-letter path unchanged, exit 1" test "$rc" -eq 1 -a "$out" = 'C:\Users\u\.julia\packages\X\a.jl'

# nested depot and --target on a tie
mkdir -p "$D/nested/packages/N"
run "$J" tokenize --depot-path "$D:$D/nested" "$D/nested/packages/N/n.jl"
check "nested depot wins for its paths" test "$out" = "@depot/packages/N/n.jl"
run "$J" tokenize --json --depot-path "$D:$D/compiled" "$C"
check "tie: DEPOT_PATH order" test "$(json_get "$out" 'j[0]["output"], j[0]["depot"]')" = "@compiled/v1.11/Foo/xyz_abc.ji 1"
run "$J" tokenize --json --target 2 --depot-path "$D:$D/compiled" "$C"
check "tie: --target wins" test "$(json_get "$out" 'j[0]["output"], j[0]["depot"]')" = "@depot/v1.11/Foo/xyz_abc.ji 2"

# ---- resolve ------------------------------------------------------------------------------
run "$J" resolve --depot-path "$D" @depot/packages/Foo/abCdE/src/Foo.jl '@compiled/v1.11/Foo/xyz_abc.ji'
check "resolve exits 0" test "$rc" -eq 0 -a "$out" = "$F
$C"
run "$J" resolve --depot-path "$D" '@depot\packages\Foo\abCdE\src\Foo.jl'
check "resolve: Windows-style token form" test "$rc" -eq 0 -a "$out" = "$F"
run "$J" resolve --depot-path "$D" @depot/packages/Missing/m.jl
check "resolve: missing file exits 1, prints the candidate" test "$rc" -eq 1 -a "$out" = "$D/packages/Missing/m.jl"
check "resolve: reason on stderr" test "$err" = "jldepot: resolve: @depot/packages/Missing/m.jl: the token could not be resolved in any depot on DEPOT_PATH"
run "$J" resolve --no-stat --depot-path "$D" @depot/packages/Missing/m.jl
check "resolve --no-stat does not look" test "$rc" -eq 0 -a "$out" = "$D/packages/Missing/m.jl"
run "$J" resolve --json --depot-path "$D" no@depot/x @depot-1.11/x @foo/x @depot/../x "@depot/a/b"
check "resolve --json parses" is_json "$out"
check "resolve --json statuses" test "$(json_get "$out" '" ".join(r["status"] for r in j)')" = "relative_path relative_path unknown_token token_escape unresolved_token"
check "resolve: rejected inputs exit 1" test "$rc" -eq 1
# containing depot first
D2="$tmp/depot2"
mkdir -p "$D2/packages/Foo/abCdE/src" "$D2/compiled/v1.11/Foo"
echo 'module Foo end' >"$D2/packages/Foo/abCdE/src/Foo.jl"
echo c2 >"$D2/compiled/v1.11/Foo/xyz_abc.ji"
run "$J" resolve --depot-path "$D:$D2" --cachefile "$D2/compiled/v1.11/Foo/xyz_abc.ji" @depot/packages/Foo/abCdE/src/Foo.jl
check "resolve --cachefile: containing depot first" test "$out" = "$D2/packages/Foo/abCdE/src/Foo.jl"
run "$J" resolve --json --depot-path "$D:$D2" @depot/packages/Foo/abCdE/src/Foo.jl
check "resolve: DEPOT_PATH order without a cache file" test "$(json_get "$out" 'j[0]["output"], j[0]["depot"]')" = "$F 1"

# ---- a real move of the depot ---------------------------------------------------------------
run "$J" tokenize --depot-path "$D" "$F" "$C"
toks=$out
mv "$D" "$tmp/moved"
M="$tmp/moved"
check "after mv the old path is gone" test ! -e "$F"
mapfile -t tk <<<"$toks"
run "$J" resolve --depot-path "$M" "${tk[@]}"
check "after mv: resolve finds the moved files" test "$rc" -eq 0 -a "$out" = "$M/packages/Foo/abCdE/src/Foo.jl
$M/compiled/v1.11/Foo/xyz_abc.ji"
run "$J" resolve --depot-path "$D" "${tk[@]}"
check "after mv: the old DEPOT_PATH no longer resolves (exit 1)" test "$rc" -eq 1
run "$J" resolve --depot-path "$M" --cachefile "$M/compiled/v1.11/Foo/xyz_abc.ji" "${tk[0]}"
check "after mv: resolve with the moved cache file" test "$rc" -eq 0 -a "$out" = "$M/packages/Foo/abCdE/src/Foo.jl"

# ---- symlinked depot -------------------------------------------------------------------------
ln -s "$M" "$tmp/link"
run "$J" tokenize --depot-path "$tmp/link" "$M/packages/Foo/abCdE/src/Foo.jl"
check "symlinked depot: real path tokenizes" test "$rc" -eq 0 -a "$out" = "@depot/packages/Foo/abCdE/src/Foo.jl"
run "$J" tokenize --depot-path "$M" "$tmp/link/compiled/v1.11/Foo/xyz_abc.ji"
check "symlinked depot: path through the link tokenizes" test "$rc" -eq 0 -a "$out" = "@compiled/v1.11/Foo/xyz_abc.ji"

# ---- XDG opt-in ---------------------------------------------------------------------------------
export XDG_DATA_HOME="$tmp/xdata" XDG_CACHE_HOME="$tmp/xcache"
mkdir -p "$XDG_CACHE_HOME/julia/compiled/v1.11/Foo" "$XDG_DATA_HOME/julia/packages/Foo/abCdE/src"
echo x >"$XDG_CACHE_HOME/julia/compiled/v1.11/Foo/xyz_abc.ji"
echo 'module Foo end' >"$XDG_DATA_HOME/julia/packages/Foo/abCdE/src/Foo.jl"
run env JULIA_DEPOT_LAYOUT=xdg "$J" layout --json
check "xdg layout roots" test "$(json_get "$out" 'j[0]["layout"], j[0]["roots"]["@depot"], j[0]["roots"]["@compiled"]')" = "xdg $XDG_DATA_HOME/julia $XDG_CACHE_HOME/julia/compiled"
run env JULIA_DEPOT_LAYOUT=xdg "$J" tokenize "$XDG_CACHE_HOME/julia/compiled/v1.11/Foo/xyz_abc.ji" "$XDG_DATA_HOME/julia/packages/Foo/abCdE/src/Foo.jl"
check "xdg: tokenize" test "$rc" -eq 0 -a "$out" = "@compiled/v1.11/Foo/xyz_abc.ji
@depot/packages/Foo/abCdE/src/Foo.jl"
mapfile -t xt <<<"$out"
run "$J" resolve --depot-path "$M" "${xt[@]}"
check "xdg -> classic: resolve" test "$rc" -eq 0 -a "$out" = "$M/compiled/v1.11/Foo/xyz_abc.ji
$M/packages/Foo/abCdE/src/Foo.jl"
run "$J" resolve --layout xdg "${tk[@]}"
check "classic -> xdg: resolve (--layout overrides the environment)" test "$rc" -eq 0 -a "$out" = "$XDG_DATA_HOME/julia/packages/Foo/abCdE/src/Foo.jl
$XDG_CACHE_HOME/julia/compiled/v1.11/Foo/xyz_abc.ji"
run env JULIA_DEPOT_LAYOUT=xdg "$J" layout --layout classic --json
check "--layout classic overrides JULIA_DEPOT_LAYOUT=xdg" test "$(json_get "$out" 'j[0]["layout"], j[0]["roots"]["@depot"]')" = "classic $HOME/.julia"

[ "$failures" -eq 0 ]
