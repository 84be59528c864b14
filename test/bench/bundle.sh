#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# bundle.sh: `jldepot pack` + `unpack` of a 50-package depot against tar of
# the same files with the same compression, and `fetch` from nginx on
# loopback against `curl -o` of the same bundle.  Every figure is the median
# of $ROUNDS (default 5) runs made in this run, jldepot and its baseline
# alternating (odd rounds jldepot first, even rounds the baseline first).
#
# Compression: libarchive's zstd filter at its defaults, level 3 and one
# thread, against `tar -I 'zstd -3 -T1'` (and `zstd -d` for tar -x).
# Speed ratio = baseline time / jldepot time (1.0: as fast; > 1: faster).
# pack hashes every file (SHA-256) and checks every cache; unpack verifies
# every SHA-256 and key, makes every file durable (fdatasync of each, fsync
# of each directory it wrote; tar -x syncs nothing) and seals the caches.
# unpack takes the 5 bundles in one command (one process, one commit).
# Each round extracts into new directories (nothing is deleted between
# rounds: on ext4 without a journal, files made just after a large deletion
# pay for it, whichever tool makes them).
#
# fetch is measured twice: on a small bundle (a chain of 10 packages,
# latency-bound) and on a bundle of about $BIGMB MiB (a package with an
# incompressible include_dependency, bandwidth-bound).  The fetch time
# (index lookup, download with SHA-256, unpack, seal) is split into its
# unpack (`jldepot unpack` of the same bundle, timed alone) and the rest,
# the download, which is set against `curl -o`.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
JLDEPOT=${JLDEPOT:-$top/usr/bin/jldepot}
BUILDDIR=${BUILDDIR:-$top/build/release}
ROUNDS=${ROUNDS:-5}
BIGMB=${BIGMB:-32}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-bundle-XXXXXX")
chmod 755 "$tmp"
ngpid=
trap '[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH
mkdir -p "$HOME"
NPKG=${NPKG:-50}
G="$tmp/depot"
MKCACHE=${MKCACHE:-$BUILDDIR/test/tools/mkcache}
MKCACHE="$MKCACHE" bash "$top/test/tools/gendepot.sh" --pkgimage "$G" "$NPKG" >/dev/null 2>&1 ||
    { echo "gendepot failed"; exit 1; }
heads=$(for ((i = 10; i <= NPKG; i += 10)); do printf 'P%04d ' "$i"; done)
now() { date +%s%N; }
median() { sort -n | sed -n "$(((ROUNDS + 1) / 2))p"; }
ms() { echo "scale=1; $1 / 1000000" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }
spread() { # min-max of the runs, in ms
    printf '%s\n' "$@" | sort -n | sed -n "1p;${ROUNDS}p" | awk '{ printf "%s%.0f", (NR > 1 ? "-" : ""), $1 / 1e6 }'
}
# time_of VAR CMD...: append the wall time of CMD (ns) to the array VAR
time_of() {
    local v=$1 t0 t1
    shift
    sync
    t0=$(now)
    "$@" || { echo "failed: $*"; exit 1; }
    t1=$(now)
    eval "$v+=($((t1 - t0)))"
}
jpack() { "$JLDEPOT" pack --out "$1" "$G" $heads >/dev/null; }
tarc() { tar -C "$G" -I 'zstd -3 -T1 -q' -cf "$1" compiled packages; }
junpack() { "$JLDEPOT" unpack --allow-unsigned -q "$1"/*.tar.zst "$2"; } # one process, one commit
tarx() { tar -C "$2" -I 'zstd -d -q' -xf "$1"; }
# tar -x made durable the way an administrator would: sync the file system
tarxd() { tarx "$1" "$2" && sync -f "$2"; }

# the depot in the page cache, as a depot being served would be
tar -C "$G" -cf - compiled packages >/dev/null

pack_t=() tarc_t=() unpack_t=() tarx_t=() tarxd_t=()
for ((r = 1; r <= ROUNDS; r++)); do
    mkdir "$tmp/U$r" "$tmp/X$r" "$tmp/D$r"
    if ((r % 2)); then
        time_of pack_t jpack "$tmp/B$r"
        time_of tarc_t tarc "$tmp/t$r.tar.zst"
        time_of unpack_t junpack "$tmp/B$r" "$tmp/U$r"
        time_of tarx_t tarx "$tmp/t$r.tar.zst" "$tmp/X$r"
        time_of tarxd_t tarxd "$tmp/t$r.tar.zst" "$tmp/D$r"
    else
        time_of tarc_t tarc "$tmp/t$r.tar.zst"
        time_of pack_t jpack "$tmp/B$r"
        time_of tarxd_t tarxd "$tmp/t$r.tar.zst" "$tmp/D$r"
        time_of tarx_t tarx "$tmp/t$r.tar.zst" "$tmp/X$r"
        time_of unpack_t junpack "$tmp/B$r" "$tmp/U$r"
    fi
done
p=$(printf '%s\n' "${pack_t[@]}" | median) c=$(printf '%s\n' "${tarc_t[@]}" | median)
u=$(printf '%s\n' "${unpack_t[@]}" | median) x=$(printf '%s\n' "${tarx_t[@]}" | median)
xd=$(printf '%s\n' "${tarxd_t[@]}" | median)
bsz=$(cat "$tmp"/B1/*.tar.zst | wc -c) tsz=$(stat -c %s "$tmp/t1.tar.zst")
echo "depot: $NPKG packages with pkgimages, $(find "$G" -type f | wc -l) files, $(du -sk "$G" | cut -f1) KiB; bundles $bsz bytes, tar.zst $tsz bytes; medians of $ROUNDS (min-max in ms)"
echo "zstd: level 3, one thread on both sides (libarchive's defaults; tar -I 'zstd -3 -T1')"
echo "pack (5 bundles covering all $NPKG caches):   $(ms "$p") ms ($(spread "${pack_t[@]}"))   tar -c | zstd -3 -T1: $(ms "$c") ms ($(spread "${tarc_t[@]}"))   speed ratio $(ratio "$c" "$p")"
echo "unpack (5 bundles, verified, durable, sealed): $(ms "$u") ms ($(spread "${unpack_t[@]}"))   zstd -d | tar -x: $(ms "$x") ms ($(spread "${tarx_t[@]}"))   speed ratio $(ratio "$x" "$u")"
echo "pack + unpack: $(ms $((p + u))) ms   tar both ways: $(ms $((c + x))) ms   speed ratio $(ratio $((c + x)) $((p + u)))"
echo "the same, with tar -x followed by sync -f (unpack syncs what it wrote; tar -x syncs nothing):"
echo "  tar -x durable: $(ms "$xd") ms ($(spread "${tarxd_t[@]}"))   unpack speed ratio $(ratio "$xd" "$u")   pack + unpack speed ratio $(ratio $((c + xd)) $((p + u)))"

# ---- fetch from nginx on loopback, against curl -o of the same bundle -------------
# a package whose cache records an incompressible file: a bundle of about BIGMB MiB
BG="$tmp/bigdepot"
mkdir -p "$BG/packages/PBIG/sbig/src"
printf 'name = "PBIG"\nuuid = "4d3e2f10-0000-4000-8000-00000000b16b"\nversion = "0.1.0"\n' \
    >"$BG/packages/PBIG/sbig/Project.toml"
printf 'module PBIG\n\ninclude_dependency("data.bin")\n\nend # module PBIG\n' \
    >"$BG/packages/PBIG/sbig/src/PBIG.jl"
head -c $((BIGMB << 20)) /dev/urandom >"$BG/packages/PBIG/sbig/src/data.bin"
"$MKCACHE" --pkgimage "$BG" PBIG >/dev/null || { echo "mkcache PBIG failed"; exit 1; }
S="$tmp/srv"
"$JLDEPOT" pack --out "$S" "$G" P0010 >/dev/null && "$JLDEPOT" pack --out "$S" "$BG" PBIG >/dev/null ||
    { echo "pack for fetch failed"; exit 1; }

. "$top/test/scenario/lib/nginx.sh"
nginx_start "$tmp/nginx" "$S" "    access_log off;
    sendfile on;" || { echo "nginx did not start"; exit 1; }
port=$NGINX_PORT ngpid=$NGINX_PID
jfetch() { "$JLDEPOT" fetch --allow-unsigned -q "http://127.0.0.1:$port/index.json" --package "$1" "$2"; }
jfetchu() { "$JLDEPOT" fetch --allow-unsigned -q "http://127.0.0.1:$port/$1" "$2"; }
ucurl() { curl -s -o "$2" "http://127.0.0.1:$port/$1"; }
jun1() { "$JLDEPOT" unpack --allow-unsigned -q "$1" "$2"; }
for pkg in P0010 PBIG; do
    bundle=$(cd "$S" && ls "$pkg"-*.tar.zst)
    size=$(stat -c %s "$S/$bundle")
    fetch_t=() fetchu_t=() curl_t=() un_t=()
    for ((r = 1; r <= ROUNDS; r++)); do
        F="$tmp/F-$pkg-$r"
        mkdir -p "$F/i" "$F/u" "$F/x"
        if ((r % 2)); then
            time_of fetch_t jfetch "$pkg" "$F/i"
            time_of curl_t ucurl "$bundle" "$F/c.tar.zst"
            time_of fetchu_t jfetchu "$bundle" "$F/u"
            time_of un_t jun1 "$S/$bundle" "$F/x"
        else
            time_of curl_t ucurl "$bundle" "$F/c.tar.zst"
            time_of fetch_t jfetch "$pkg" "$F/i"
            time_of un_t jun1 "$S/$bundle" "$F/x"
            time_of fetchu_t jfetchu "$bundle" "$F/u"
        fi
    done
    f=$(printf '%s\n' "${fetch_t[@]}" | median) fu=$(printf '%s\n' "${fetchu_t[@]}" | median)
    k=$(printf '%s\n' "${curl_t[@]}" | median) un=$(printf '%s\n' "${un_t[@]}" | median)
    mbs() { echo "scale=0; $size * 1000000000 / $1 / 1048576" | bc; }
    echo "fetch $bundle ($size bytes) from nginx:"
    echo "  fetch via index.json (lookup + download + SHA-256 + unpack + seal): $(ms "$f") ms ($(spread "${fetch_t[@]}"))   by URL: $(ms "$fu") ms ($(spread "${fetchu_t[@]}"))"
    echo "  of which unpack + seal (jldepot unpack of the same bundle alone):   $(ms "$un") ms ($(spread "${un_t[@]}"))"
    if ((f > un)); then
        dl=$((f - un))
        dls="$(ms "$dl") ms, $(mbs "$dl") MiB/s"
        dlr="throughput ratio $(ratio "$k" "$dl")"
    else
        dls="lost in the noise (fetch <= unpack)" dlr="throughput ratio n/a"
    fi
    echo "  download part (fetch - unpack): $dls   curl -o: $(ms "$k") ms ($(spread "${curl_t[@]}")), $(mbs "$k") MiB/s   $dlr (whole fetch: $(ratio "$k" "$f"))"
done
