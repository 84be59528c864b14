#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`)
#
# hpc-fanout.sh: the cluster recipe (doc/hpc.md) on one machine.  A depot
# of 50 packages with pkgimages is packed once (the head of each chain of
# required caches, so the bundles cover every package); 32 processes at
# once unpack the bundles into 32 node-local depots; each depot is then
# verified the stat-only way: every cache fresh by its seal, no source file
# opened (strace), and the bundle directory never written (its listing and
# mtimes unchanged, no open for writing, rename, link or unlink there).
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}" "${TOP:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpc-fanout-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT
mkdir -p "$HOME"
NPKG=50 NODES=32
# LeakSanitizer cannot run under ptrace: the traced runs of a sanitizer
# build check everything but leaks (bundle.sh checks those, untraced)
traced_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")

# the login node: generate, pack once
G="$tmp/login/depot"
MKCACHE="$MKCACHE" bash "$TOP/test/tools/gendepot.sh" --pkgimage "$G" "$NPKG" >/dev/null 2>&1
check "gendepot: $NPKG caches with pkgimages" \
    '[ "$(find "$G/compiled" -name "*.ji" | wc -l)" -eq $NPKG ] && [ "$(find "$G/compiled" -name "*.so" | wc -l)" -eq $NPKG ]'
B="$tmp/shared/bundles"
heads=$(for ((i = 10; i <= NPKG; i += 10)); do printf 'P%04d ' "$i"; done)
"$JLDEPOT" pack --out "$B" "$G" $heads >"$tmp/pack.out" 2>&1
check "pack once: one bundle per chain" '[ $? -eq 0 ] && [ "$(ls "$B"/*.tar.zst | wc -l)" -eq $((NPKG / 10)) ]'
snap() { find "$B" -printf '%p %y %s %T@ %C@\n' | LC_ALL=C sort; }
snap >"$tmp/bundles.before"

# the nodes: 32 unpacks at once, each into its own node-local depot
mkdir -p "$tmp/nodes"
cat >"$tmp/node.sh" <<'EOF'
node=$1; shift
mkdir -p "$node"
for b in "$@"; do "$JLDEPOT" unpack --allow-unsigned -q "$b" "$node" || exit 1; done
EOF
"${traced_env[@]}" strace -f -o "$tmp/unpack.trace" \
    -e trace=open,openat,creat,rename,renameat,renameat2,link,linkat,unlink,unlinkat,mkdir,mkdirat,truncate \
    bash -c '
    for ((n = 1; n <= '"$NODES"'; n++)); do
        bash "$0" "'"$tmp"'/nodes/node$n" "$@" &
    done
    fail=0
    for job in $(jobs -p); do wait "$job" || fail=1; done
    exit $fail' "$tmp/node.sh" "$B"/*.tar.zst
urc=$?
check "$NODES parallel unpacks: all succeeded" '[ $urc -eq 0 ]'
check "the unpacks ran at the same time (one strace, $NODES node depots)" \
    '[ "$(ls "$tmp/nodes" | wc -l)" -eq $NODES ]'
snap >"$tmp/bundles.after"
check "the bundle directory: listing, sizes, mtimes and ctimes unchanged" 'cmp -s "$tmp/bundles.before" "$tmp/bundles.after"'
check "strace: no open for writing, rename, link, unlink or mkdir in the bundle directory" \
    '! grep -E "\"$B[/\"]" "$tmp/unpack.trace" | grep -E "O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|rename|link\(|linkat\(|unlink|mkdir|truncate" >/dev/null'
check "strace: the bundles were read" '[ "$(grep -cE "openat\(.*\"$B/P[0-9]+-[0-9a-f]{16}\.tar\.zst\", O_RDONLY" "$tmp/unpack.trace")" -ge $((NODES * NPKG / 10)) ]'

# each node: stat-only verification, no source byte read
bad_fresh=0 bad_seal=0 src_opens=0 ji_opens=0
for ((n = 1; n <= NODES; n++)); do
    node="$tmp/nodes/node$n"
    "${traced_env[@]}" strace -f -o "$tmp/verify.trace" -e trace=open,openat \
        "$JLDEPOT" verify --json --no-stamp-write "$node" >"$tmp/v.json" 2>/dev/null
    python3 - "$tmp/v.json" "$NPKG" <<'EOF' || bad_fresh=$((bad_fresh + 1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["summary"]["fresh"] == int(sys.argv[2]) and d["summary"]["stale"] == 0
EOF
    [ "$(grep -c '"stamp": "seal"' "$tmp/v.json")" -eq "$NPKG" ] || bad_seal=$((bad_seal + 1))
    k=$(grep -E "open(at)?\(.*\"$node/[^\"]*\.jl\"" "$tmp/verify.trace" | grep -vc ENOENT)
    src_opens=$((src_opens + k))
    ji_opens=$((ji_opens + $(grep -cE "open(at)?\(.*\"$node/compiled/[^\"]*\.ji\"" "$tmp/verify.trace")))
done
echo "# $NODES nodes verified: $src_opens opens of a .jl source, $ji_opens opens of a .ji"
check "every node: all $NPKG caches fresh" '[ $bad_fresh -eq 0 ]'
check "every node: \"stamp\": \"seal\" for each cache" '[ $bad_seal -eq 0 ]'
check "every node: zero source files opened during verify (strace)" '[ $src_opens -eq 0 ] && [ $ji_opens -ge $((NODES * NPKG)) ]'
check "the node depots hold the sources (the seal, not their absence, saved the reads)" \
    '[ "$(find "$tmp/nodes/node7/packages" -name "*.jl" | wc -l)" -eq $((NPKG * 20)) ]'
