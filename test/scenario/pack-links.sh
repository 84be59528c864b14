#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# pack-links.sh: `pack` and `pack --explain` agree on caches whose sources
# are symbolic links or lie outside their package tree, and what is packed
# unpacks fresh.
#   - an include()d file that is a symlink to a file inside the package
#     tree: servable; the bundle holds it as a regular file with the
#     target's content; unpacked elsewhere, every cache verifies fresh;
#   - a symlinked directory inside the tree: the same;
#   - a symlink that leads out of the tree: not servable (not_servable_link),
#     in --explain, --explain --json and pack alike (exit 1, no bundle);
#   - an include() of a file outside the package tree (environments/):
#     not servable (not_servable_tree); unpack would refuse its source.
set -u
BED_NAME=pack-links
. "$(dirname "$0")/lib/bundle-bed.sh"

mkdepot() { # depot: the sample depot's sources, then caches made by mkcache
    for p in Greeter Stats Shapes; do "$MKCACHE" --pkgimage "$1" "$p" >/dev/null || return 1; done
}

# ---- a link to a file inside the tree ------------------------------------------------
L1="$tmp/l1/depot"
mkdir -p "$tmp/l1"
cp -r "$FIXTURES/sample-depot" "$L1"
P="$L1/packages/Shapes/b7RtZ"
mkdir -p "$P/impl"
mv "$P/src/shapes/circle.jl" "$P/impl/circle.jl"
ln -s ../../impl/circle.jl "$P/src/shapes/circle.jl"
mkdepot "$L1"
run pack --explain "$L1" Shapes
check "an include()d symlink to a file in the tree: --explain says servable" \
    '[ $rc -eq 0 ] && grep -q "^servable Shapes " "$out"'
run pack --out "$tmp/l1b" "$L1" Shapes
b1=$(ls "$tmp"/l1b/Shapes-*.tar.zst)
check "pack agrees: exit 0, the link bundled as a regular file with the target's content" \
    '[ $rc -eq 0 ] && tar -I zstd -tvf "$b1" | grep -q "^-.* @depot/packages/Shapes/b7RtZ/src/shapes/circle.jl$" && cmp -s <(tar -I zstd -xOf "$b1" @depot/packages/Shapes/b7RtZ/src/shapes/circle.jl) "$P/impl/circle.jl"'
U1="$tmp/u1"
mkdir "$U1"
run unpack --allow-unsigned "$b1" "$U1"
check "unpacked elsewhere: every cache fresh (verify)" \
    '[ $rc -eq 0 ] && "$JLDEPOT" verify "$U1" | tail -n 1 | grep -q "^2 fresh, 0 stale" && [ -f "$U1/packages/Shapes/b7RtZ/src/shapes/circle.jl" ] && [ ! -L "$U1/packages/Shapes/b7RtZ/src/shapes/circle.jl" ]'

# ---- a symlinked directory inside the tree ------------------------------------------------
L3="$tmp/l3/depot"
mkdir -p "$tmp/l3"
cp -r "$FIXTURES/sample-depot" "$L3"
P="$L3/packages/Shapes/b7RtZ"
mv "$P/src/shapes" "$P/shapes-real"
ln -s ../shapes-real "$P/src/shapes"
mkdepot "$L3"
run pack --explain "$L3" Shapes
check "a symlinked directory in the tree: --explain says servable" \
    '[ $rc -eq 0 ] && grep -q "^servable Shapes " "$out"'
run pack --out "$tmp/l3b" "$L3" Shapes
U3="$tmp/u3"
mkdir "$U3"
run unpack --allow-unsigned "$(ls "$tmp"/l3b/Shapes-*.tar.zst)" "$U3"
check "... packed and unpacked elsewhere: every cache fresh" \
    '[ $rc -eq 0 ] && "$JLDEPOT" verify "$U3" | tail -n 1 | grep -q "^2 fresh, 0 stale"'

# ---- a link that leads out of the tree ------------------------------------------------------
L2="$tmp/l2/depot"
mkdir -p "$tmp/l2" "$tmp/outside"
cp -r "$FIXTURES/sample-depot" "$L2"
P="$L2/packages/Shapes/b7RtZ"
mv "$P/src/shapes/circle.jl" "$tmp/outside/circle.jl"
ln -s "$tmp/outside/circle.jl" "$P/src/shapes/circle.jl"
mkdepot "$L2"
run pack --explain "$L2" all
check "a symlink out of the tree: --explain says not servable, naming the dependency" \
    '[ $rc -eq 1 ] && grep -q "^not servable Shapes v1.11/Shapes/.*: it includes a file through a symbolic link that leads out of its package tree, so it cannot be served: @depot/packages/Shapes/b7RtZ/src/shapes/circle.jl$" "$out" && grep -q "^servable Greeter " "$out"'
run pack --explain --json "$L2" Shapes
check "--explain --json: reason not_servable_link" \
    'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
assert [c[\"reason\"] for c in d[\"caches\"]]==[\"not_servable_link\"], d
" "$out"'
run pack --out "$tmp/l2b" "$L2" Shapes
check "pack agrees: exit 1, no bundle written" \
    '[ $rc -eq 1 ] && grep -q "^not servable Shapes" "$out" && ! ls "$tmp"/l2b/Shapes-*.tar.zst >/dev/null 2>&1'

# ---- a source outside the package tree ------------------------------------------------------
L4="$tmp/l4/depot"
mkdir -p "$tmp/l4"
cp -r "$FIXTURES/sample-depot" "$L4"
mkdir -p "$L4/environments/shared"
echo 'const SHARED = 1' >"$L4/environments/shared/common.jl"
sed -i 's|^include("shapes/circle.jl")|include("../../../../environments/shared/common.jl")\ninclude("shapes/circle.jl")|' \
    "$L4/packages/Shapes/b7RtZ/src/Shapes.jl"
mkdepot "$L4"
run pack --explain --json "$L4" all
check "an include() from environments/: not servable (not_servable_tree), the others servable" \
    'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
r={c[\"package\"]:c[\"reason\"] for c in d[\"caches\"]}
assert r=={\"Shapes\":\"not_servable_tree\",\"Greeter\":\"ok\",\"Stats\":\"ok\"}, r
" "$out"'
run pack --out "$tmp/l4b" "$L4" Shapes
check "pack agrees: exit 1, no bundle written" \
    '[ $rc -eq 1 ] && ! ls "$tmp"/l4b/Shapes-*.tar.zst >/dev/null 2>&1'
