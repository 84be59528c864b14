#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# signed.sh: what signatures cost, and what `substitute` saves.
#
# 1. `unpack` of the 5 bundles that cover a generated 50-package depot,
#    signature checks on (each bundle's .sig read, its SHA-256 computed
#    through the open descriptor, the Ed25519 signature verified) against
#    the same command with --allow-unsigned: overhead = signed / unsigned - 1.
# 2. `substitute` of an environment of those 50 packages, all on nginx on
#    loopback (signed, one input entry and one bundle per package), against
#    `fetch` of the same 50 bundles one by one through the signed index
#    (50 processes, each reading and checking the index and its signature).
#    Speed ratio = one-by-one time / substitute time.
# Medians of $ROUNDS (default 5) runs, the two sides alternating.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
JLDEPOT=${JLDEPOT:-$top/usr/bin/jldepot}
BUILDDIR=${BUILDDIR:-$top/build/release}
ROUNDS=${ROUNDS:-5}
NPKG=${NPKG:-50}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-signed-XXXXXX")
chmod 755 "$tmp"
ngpid=
trap '[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JLDEPOT_SOURCES http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
mkdir -p "$HOME"
G="$tmp/depot"
MKCACHE=${MKCACHE:-$BUILDDIR/test/tools/mkcache}
MKCACHE="$MKCACHE" bash "$top/test/tools/gendepot.sh" --pkgimage "$G" "$NPKG" >/dev/null 2>&1 ||
    { echo "gendepot failed"; exit 1; }
now() { date +%s%N; }
median() { sort -n | sed -n "$(((ROUNDS + 1) / 2))p"; }
ms() { echo "scale=1; $1 / 1000000" | bc; }
time_of() {
    local v=$1 t0 t1
    shift
    sync
    t0=$(now)
    "$@" || { echo "failed: $*"; exit 1; }
    t1=$(now)
    eval "$v+=($((t1 - t0)))"
}
K="$tmp/keys"
mkdir -p "$K"
"$JLDEPOT" key generate --dir "$K" bench-1 >/dev/null
trust() { # DEPOT URL
    mkdir -p "$1/config/jldepot"
    printf '[[source]]\nurl = "%s"\ntrusted-keys = ["%s"]\n' "$2" "$(cat "$K/bench-1.public")" \
        >"$1/config/jldepot/sources.toml"
}

# ---- 1. unpack, signed against unsigned ----------------------------------------------
heads=$(for ((i = 10; i <= NPKG; i += 10)); do printf 'P%04d ' "$i"; done)
B="$tmp/b5"
"$JLDEPOT" pack --out "$B" --sign "$K/bench-1.secret" "$G" $heads >/dev/null || { echo "pack failed"; exit 1; }
signed() { trust "$1" "https://bench.invalid"; "$JLDEPOT" unpack -q "$B"/*.tar.zst "$1"; }
unsigned() { trust "$1" "https://bench.invalid"; "$JLDEPOT" unpack --allow-unsigned -q "$B"/*.tar.zst "$1"; }
s_t=() u_t=()
for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then
        time_of s_t signed "$tmp/S$r"
        time_of u_t unsigned "$tmp/U$r"
    else
        time_of u_t unsigned "$tmp/U$r"
        time_of s_t signed "$tmp/S$r"
    fi
done
s=$(printf '%s\n' "${s_t[@]}" | median) u=$(printf '%s\n' "${u_t[@]}" | median)
echo "unpack of 5 bundles covering $NPKG packages ($(cat "$B"/*.tar.zst | wc -c) bytes): signed $(ms "$s") ms, --allow-unsigned $(ms "$u") ms; signature overhead $(echo "scale=2; ($s - $u) * 100 / $u" | bc) %"

# ---- 2. substitute against fetch one by one --------------------------------------------
W="$tmp/www"
"$JLDEPOT" pack --out "$W" --sign "$K/bench-1.secret" "$G" all >/dev/null || { echo "pack all failed"; exit 1; }
E="$tmp/env"
mkdir -p "$E"
treehash() {
    local c="$tmp/git-tree"
    rm -rf "$c" && cp -r "$1" "$c" && git -C "$c" init -q && git -C "$c" add -A && git -C "$c" write-tree
}
{
    echo 'manifest_format = "2.0"'
    for d in "$G"/packages/*/*; do
        name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$d/Project.toml")
        printf '\n[[deps.%s]]\n' "$name"
        deps=$(sed -n '/^\[deps\]/,$p' "$d/Project.toml" | sed -n 's/^\([A-Za-z0-9_]*\) = .*/"\1"/p' | paste -sd, -)
        [ -n "$deps" ] && printf 'deps = [%s]\n' "$deps"
        printf 'git-tree-sha1 = "%s"\n' "$(treehash "$d")"
        sed -n 's/^uuid = /uuid = /p' "$d/Project.toml"
    done
} >"$E/Manifest.toml"
printf '[deps]\n' >"$E/Project.toml"
. "$top/test/scenario/lib/nginx.sh"
nginx_start "$tmp/nginx" "$W" "    access_log off;" || { echo "nginx did not start"; exit 1; }
ngpid=$NGINX_PID
U="http://127.0.0.1:$NGINX_PORT"
PLATFORM=$(ls "$G"/compiled/v*/P0001/*.ji | head -1)
subst() { trust "$1" "$U"; "$JLDEPOT" substitute -q --platform "$PLATFORM" "$E" "$1" >"$tmp/sub.out"; }
onebyone() {
    trust "$1" "$U"
    for d in "$G"/packages/*/*; do
        name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$d/Project.toml")
        "$JLDEPOT" fetch -q "$U/index.json" --package "$name" "$1" || return 1
    done
}
sub_t=() one_t=()
for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then
        time_of sub_t subst "$tmp/Q$r"
        time_of one_t onebyone "$tmp/O$r"
    else
        time_of one_t onebyone "$tmp/O$r"
        time_of sub_t subst "$tmp/Q$r"
    fi
done
grep -q "^$NPKG substituted, 0 not on any server" "$tmp/sub.out" ||
    { echo "substitute did not substitute all $NPKG packages:"; cat "$tmp/sub.out"; exit 1; }
sb=$(printf '%s\n' "${sub_t[@]}" | median) ob=$(printf '%s\n' "${one_t[@]}" | median)
echo "substitute of a $NPKG-package environment, all on the server: $(ms "$sb") ms   fetch of the same $NPKG bundles one by one: $(ms "$ob") ms   speed ratio $(echo "scale=2; $ob / $sb" | bc)"
