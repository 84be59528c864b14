#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: many bundles, each unpacked and compared;
# unpack-atomic.sh and unpack-manifest.sh cover unpack refusals in the quick tier)
#
# unpack-hostile.sh: `jldepot unpack` against hostile bundles and depots.
# Bundles are made with the real `pack` from caches written by mkcache, then
# edited as an attacker would (lib/bundle_edit.py: the manifest re-hashed),
# so only the unpack's own rules can refuse them.  Each refusal is checked
# for its named error and a depot byte-identical to what it was (every path,
# type, mode, size and link target, every file's SHA-256):
#   - what a bundle may write: only the .ji and .so of its caches and the
#     files of the package trees they record as sources (startup.jl,
#     environments/, another package's tree, deps/build.jl, artifacts/, a
#     seal, an unlisted .ji, @depot/compiled/... aliases of cache paths and
#     a cache outside the closure are refused);
#   - symbolic links below the depot's role directories (refused) and at
#     them (allowed);
#   - a pkgimage that is not its .ji's (by crc_so, and by the image itself
#     when crc_so was forged) and a .ji that fails its own checksum; the
#     right bundle then goes in;
#   - a bomb (a few KB that expand to 100 MiB) refused before a byte is
#     written; a refused bundle makes no write call at all (strace); a
#     bundle of more files than the descriptor limit;
#   - a read-only depot (no write bits, as root too).
set -u
BED_NAME=unpack-hostile
. "$(dirname "$0")/lib/bundle-bed.sh"

D="$tmp/src/depot"
mkdir -p "$tmp/src"
gen "$D"
B="$tmp/bundles"
"$JLDEPOT" pack --out "$B" "$D" all >/dev/null
shapes=$(ls "$B"/Shapes-*.tar.zst) stats=$(ls "$B"/Stats-*.tar.zst)
gso=$(cd "$D/compiled/v1.11/Greeter" && ls ./*.so) gso=${gso#./}
gji=${gso%.so}.ji
sji=$(cd "$D/compiled/v1.11/Shapes" && ls ./*.ji) sji=${sji#./}
T="$tmp/target"
mkdir "$T"
"$JLDEPOT" unpack --allow-unsigned -q "$stats" "$T"
state "$T" >"$tmp/before"
leftovers() { find "$1" -name '.jldepot-*' | grep -q .; }

# refused NAME JSON DESCRIPTION EDIT...: the edited Shapes bundle is refused
# with its named error, exit 1, and the depot is byte-identical
refused() {
    local name=$1 json=$2 what=$3
    shift 3
    edit "$shapes" "$tmp/$name.tar" "$@" || { echo "not ok - $what (bundle not made)"; return; }
    run unpack --allow-unsigned "$tmp/$name.tar" "$T"
    state "$T" >"$tmp/after"
    check "$what: refused as $json, depot byte-identical" \
        '[ $rc -eq 1 ] && grep -q "\[$json\]$" "$err" && cmp -s "$tmp/before" "$tmp/after" && ! leftovers "$T"'
}

# ---- 1. a bundle writes only its caches and their package trees --------------------
refused startup bundle_entry_not_allowed "config/startup.jl (run at every Julia start)" \
    'add:@depot/config/startup.jl=run(`touch /tmp/pwned`)'
check "... and no config/ appeared" '[ ! -e "$T/config" ]'
refused environment bundle_entry_not_allowed "an environment's Project.toml" \
    'add:@depot/environments/v1.11/Project.toml=[deps]'
refused othertree bundle_entry_not_allowed "a package tree no cache of the bundle records" \
    'add:@depot/packages/Evil/x1/src/Evil.jl=module Evil end'
refused buildjl bundle_entry_not_allowed "deps/build.jl in a tree of the closure" \
    'add:@depot/packages/Shapes/b7RtZ/deps/build.jl=run(`true`)'
refused artifact bundle_entry_not_allowed "a file in artifacts/" \
    'add:@depot/artifacts/0123abcd/lib/libevil.so=ELF'
refused aliasji bundle_entry_not_allowed "@depot/compiled/... naming an unchecked .ji" \
    "add:@depot/compiled/v1.11/Shapes/evil.ji=@$D/compiled/v1.11/Stats/$(cd "$D/compiled/v1.11/Stats" && ls ./*.ji | cut -c3-)"
refused aliasso bundle_entry_not_allowed "@depot/compiled/... aliasing a cache's own .so path" \
    "add:@depot/compiled/v1.11/Greeter/$gso=@$D/compiled/v1.11/Stats/$(cd "$D/compiled/v1.11/Stats" && ls ./*.so | cut -c3-)"
refused unlisted bundle_entry_not_allowed "a .ji in @compiled that is not a cache of the manifest" \
    "add:@compiled/v1.11/Evil/evil.ji=@$D/compiled/v1.11/Shapes/$sji"
refused seal bundle_entry_not_allowed "a seal (the tool derives those itself)" \
    "add:@compiled/v1.11/Shapes/${sji%.ji}.seal=JLSEAL_2"
# a cache outside the closure: Stats' cache listed in Shapes' manifest
tar -I zstd -xOf "$stats" jldepot-bundle.json |
    python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["caches"][0], open(sys.argv[1], "w"))' "$tmp/statscache.json"
stji=$(cd "$D/compiled/v1.11/Stats" && ls ./*.ji | cut -c3-)
refused closure bundle_entry_not_allowed "a cache the bundle's cache does not require" \
    "cache:@$tmp/statscache.json" "add:@compiled/v1.11/Stats/$stji=@$D/compiled/v1.11/Stats/$stji" \
    "add:@compiled/v1.11/Stats/${stji%.ji}.so=@$D/compiled/v1.11/Stats/${stji%.ji}.so"
grep -q "not required by" "$err"
check "... named as not required by the bundle's cache" '[ $? -eq 0 ]'

# ---- 2. symbolic links in the depot -------------------------------------------------
# below a role directory: refused, nothing written there or through the link
S1="$tmp/sym1"
cp -a "$T" "$S1"
mkdir -p "$tmp/outside/Greeter"
ln -s "$tmp/outside/Greeter" "$S1/packages/Greeter"
state "$S1" >"$tmp/s1.before"
run unpack --allow-unsigned "$shapes" "$S1"
state "$S1" >"$tmp/s1.after"
check "packages/Greeter a symlink out of the depot: refused as depot_symlink, nothing written" \
    '[ $rc -eq 1 ] && grep -q "\[depot_symlink\]$" "$err" && grep -q "$S1/packages/Greeter" "$err" && cmp -s "$tmp/s1.before" "$tmp/s1.after" && [ -z "$(ls -A "$tmp/outside/Greeter")" ]'
S2="$tmp/sym2"
cp -a "$T" "$S2"
mv "$S2/compiled/v1.11" "$tmp/outside/v1.11"
ln -s "$tmp/outside/v1.11" "$S2/compiled/v1.11"
state "$S2" >"$tmp/s2.before"
state "$tmp/outside/v1.11" >"$tmp/o2.before"
run unpack --allow-unsigned "$shapes" "$S2"
state "$S2" >"$tmp/s2.after"
state "$tmp/outside/v1.11" >"$tmp/o2.after"
check "compiled/v1.11 a symlink: refused as depot_symlink, nothing written on either side" \
    '[ $rc -eq 1 ] && grep -q "\[depot_symlink\]$" "$err" && cmp -s "$tmp/s2.before" "$tmp/s2.after" && cmp -s "$tmp/o2.before" "$tmp/o2.after"'
# the depot root and its role directories themselves may be symlinks
mkdir -p "$tmp/real/root" "$tmp/real/pk" "$tmp/real/cc"
ln -s "$tmp/real/root" "$tmp/linkdepot"
ln -s "$tmp/real/pk" "$tmp/real/root/packages"
ln -s "$tmp/real/cc" "$tmp/real/root/compiled"
run unpack --allow-unsigned "$shapes" "$tmp/linkdepot"
check "a symlinked depot root, packages/ and compiled/: unpacked, every cache fresh" \
    '[ $rc -eq 0 ] && "$JLDEPOT" verify "$tmp/linkdepot" | tail -n 1 | grep -q "^2 fresh, 0 stale" && [ -f "$tmp/real/cc/v1.11/Shapes/$sji" ]'

# the XDG layout: the caches in $XDG_CACHE_HOME/julia/compiled, the sources in
# $XDG_DATA_HOME/julia/packages; an alias is refused there too
export XDG_DATA_HOME="$tmp/xdg/data" XDG_CACHE_HOME="$tmp/xdg/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
run unpack --allow-unsigned --layout xdg --depot-path "" "$tmp/aliasji.tar" "$XDG_DATA_HOME/julia"
check "XDG layout: @depot/compiled/... refused as bundle_entry_not_allowed, nothing written" \
    '[ $rc -eq 1 ] && grep -q "\[bundle_entry_not_allowed\]$" "$err" && [ -z "$(find "$tmp/xdg" -mindepth 2)" ]'
run unpack --allow-unsigned --layout xdg --depot-path "" "$shapes" "$XDG_DATA_HOME/julia"
check "XDG layout: unpacked into its two roots, every cache fresh" \
    '[ $rc -eq 0 ] && [ -f "$XDG_CACHE_HOME/julia/compiled/v1.11/Shapes/$sji" ] && [ -f "$XDG_DATA_HOME/julia/packages/Shapes/b7RtZ/src/Shapes.jl" ] && "$JLDEPOT" verify --layout xdg --depot-path "$XDG_DATA_HOME/julia" | tail -n 1 | grep -q "^2 fresh, 0 stale"'
unset XDG_DATA_HOME XDG_CACHE_HOME

# ---- 4. each cache's own checksum and its tie to its pkgimage ---------------------------
D7="$tmp/src/seven"
cp -r "$FIXTURES/sample-depot" "$D7"
"$MKCACHE" --pkgimage --seed 7 "$D7" Greeter >/dev/null
so7="$D7/compiled/v1.11/Greeter/$gso"
refused tie bundle_pkgimage_mismatch "Greeter's .so from another build (crc_so differs)" \
    "set:@compiled/v1.11/Greeter/$gso=@$so7"
crcso=$("$JLDEPOT" inspect --json "$D/compiled/v1.11/Greeter/$gji" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["crc_so"][2:])')
refused forged bundle_pkgimage_mismatch "another build's .so with crc_so forged to match (the image differs)" \
    "set:@compiled/v1.11/Greeter/$gso=@$so7" "forge-crc32c:@compiled/v1.11/Greeter/$gso=$crcso"
refused crcji bundle_cache_invalid "a .ji whose own checksum fails (a byte of its source text)" \
    "flip:@compiled/v1.11/Shapes/$sji=-40"
run unpack --allow-unsigned "$shapes" "$T"
check "then the right bundle goes in: exit 0, every cache fresh" \
    '[ $rc -eq 0 ] && "$JLDEPOT" verify "$T" | tail -n 1 | grep -q "^3 fresh, 0 stale"'

# ---- 6. limits: declared sizes first, nothing written before every check ----------------
E="$tmp/empty"
mkdir "$E"
edit "$shapes" "$tmp/bomb.tar.zst" "zeros:@depot/packages/Shapes/b7RtZ/data/zeros.bin=104857600"
bsize=$(stat -c %s "$tmp/bomb.tar.zst")
run unpack --allow-unsigned "$tmp/bomb.tar.zst" "$E"
check "a ${bsize}-byte bundle that expands to 100 MiB: refused as bundle_entry_oversize (--max-ratio), nothing written" \
    '[ $bsize -lt 100000 ] && [ $rc -eq 1 ] && grep -q "(--max-ratio) \[bundle_entry_oversize\]$" "$err" && [ -z "$(ls -A "$E")" ]'
run unpack --allow-unsigned --max-ratio 0 "$tmp/bomb.tar.zst" "$E"
check "... the same bundle with --max-ratio 0: unpacked (the ratio was the only limit hit)" \
    '[ $rc -eq 0 ] && [ "$(stat -c %s "$E/packages/Shapes/b7RtZ/data/zeros.bin")" -eq 104857600 ]'
edit "$shapes" "$tmp/tampered.tar" "tamper:@depot/packages/Shapes/b7RtZ/src/Shapes.jl"
E2="$tmp/empty2"
mkdir "$E2"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -o "$tmp/trace" \
    -e trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,unlink,unlinkat,symlink,symlinkat,truncate,ftruncate \
    "$JLDEPOT" unpack --allow-unsigned "$tmp/tampered.tar" "$E2" >"$out" 2>"$err"
rc=$?
writes=$(grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TMPFILE|O_TRUNC|^[0-9]+ +(rename|renameat|renameat2|creat|mkdir|mkdirat|unlink|unlinkat|link|linkat|symlink|symlinkat|truncate|ftruncate)\(' "$tmp/trace")
check "a bundle refused for its last entry's SHA-256: not one write call anywhere (strace)" \
    '[ $rc -eq 1 ] && grep -q "\[bundle_sha256_mismatch\]$" "$err" && [ -z "$writes" ]'
# more files than descriptors: each staged file is closed once synced
M="$tmp/many"
mkdir -p "$M/packages/Many/s0001/src" "$M/packages/Many/s0001/data"
printf 'name = "Many"\nuuid = "5a1d7c3e-0000-4000-8000-00000000aaaa"\nversion = "0.1.0"\n' >"$M/packages/Many/s0001/Project.toml"
printf 'module Many\ninclude("part.jl")\nend\n' >"$M/packages/Many/s0001/src/Many.jl"
echo 'f(x) = x' >"$M/packages/Many/s0001/src/part.jl"
for i in $(seq 300); do echo "$i" >"$M/packages/Many/s0001/data/f$i.txt"; done
"$MKCACHE" --pkgimage "$M" Many >/dev/null
"$JLDEPOT" pack --out "$tmp/many-b" "$M" Many >/dev/null
E3="$tmp/empty3"
mkdir "$E3"
(
    ulimit -n 64
    "$JLDEPOT" unpack --allow-unsigned "$tmp"/many-b/Many-*.tar.zst "$E3" >"$out" 2>"$err"
)
rc=$?
check "305 files with ulimit -n 64: unpacked, the cache fresh" \
    '[ $rc -eq 0 ] && grep -q ": 305 files, 0 already there" "$out" && "$JLDEPOT" verify "$E3" | tail -n 1 | grep -q "^1 fresh, 0 stale"'

# ---- 7. a read-only depot (no write bits: read-only for root too) -------------------------
R="$tmp/ro"
mkdir "$R"
"$JLDEPOT" unpack --allow-unsigned -q "$stats" "$R"
chmod -R a-w "$R"
state "$R" >"$tmp/ro.before"
run unpack --allow-unsigned "$shapes" "$R"
state "$R" >"$tmp/ro.after"
check "chmod -R a-w depot: refused as read_only (exit 2), nothing written" \
    '[ $rc -eq 2 ] && grep -q "\[read_only\]$" "$err" && cmp -s "$tmp/ro.before" "$tmp/ro.after"'
R2="$tmp/ro-empty"
mkdir "$R2"
chmod a-w "$R2"
run unpack --allow-unsigned "$shapes" "$R2"
check "an empty depot directory with no write bits: refused as read_only, still empty" \
    '[ $rc -eq 2 ] && grep -q "\[read_only\]$" "$err" && [ -z "$(ls -A "$R2")" ]'
