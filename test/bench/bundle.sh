#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# bundle.sh: pack + unpack of a 50-package depot against tar of the same
# files with the same compression (zstd level 3, one thread: libarchive's
# default, `zstd -3 -T1` for tar), and fetch from nginx on loopback against
# `curl -o` of the same bundle.  Medians of 3 runs, measured in this run.
# Speed ratio = baseline time / jldepot time (1.0: as fast; > 1: faster).
# pack hashes every file (SHA-256) and checks every cache; unpack verifies
# every SHA-256 and key, fsyncs and seals; fetch includes that unpack.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
JLDEPOT=${JLDEPOT:-$top/usr/bin/jldepot}
BUILDDIR=${BUILDDIR:-$top/build/release}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-bundle-XXXXXX")
chmod 755 "$tmp"
ngpid=
trap '[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH
mkdir -p "$HOME"
NPKG=${NPKG:-50}
G="$tmp/depot"
MKCACHE="$BUILDDIR/test/tools/mkcache" bash "$top/test/tools/gendepot.sh" --pkgimage "$G" "$NPKG" >/dev/null 2>&1 ||
    { echo "gendepot failed"; exit 1; }
heads=$(for ((i = 10; i <= NPKG; i += 10)); do printf 'P%04d ' "$i"; done)
now() { date +%s%N; }
median() { sort -n | sed -n 2p; }
ms() { echo "scale=1; $1 / 1000000" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

pack_t=() tarc_t=() unpack_t=() tarx_t=()
for r in 1 2 3; do
    rm -rf "$tmp/B" "$tmp/t.tar.zst" "$tmp/U" "$tmp/X"
    sync
    t0=$(now)
    "$JLDEPOT" pack --out "$tmp/B" "$G" $heads >/dev/null || exit 1
    t1=$(now)
    tar -C "$G" -I 'zstd -3 -T1 -q' -cf "$tmp/t.tar.zst" compiled packages
    t2=$(now)
    mkdir "$tmp/U"
    for b in "$tmp"/B/*.tar.zst; do "$JLDEPOT" unpack -q "$b" "$tmp/U" || exit 1; done
    t3=$(now)
    mkdir "$tmp/X"
    tar -C "$tmp/X" -I 'zstd -q' -xf "$tmp/t.tar.zst"
    t4=$(now)
    pack_t+=($((t1 - t0))) tarc_t+=($((t2 - t1))) unpack_t+=($((t3 - t2))) tarx_t+=($((t4 - t3)))
done
p=$(printf '%s\n' "${pack_t[@]}" | median) c=$(printf '%s\n' "${tarc_t[@]}" | median)
u=$(printf '%s\n' "${unpack_t[@]}" | median) x=$(printf '%s\n' "${tarx_t[@]}" | median)
bsz=$(cat "$tmp"/B/*.tar.zst | wc -c) tsz=$(stat -c %s "$tmp/t.tar.zst")
echo "depot: $NPKG packages with pkgimages, $(find "$G" -type f | wc -l) files; bundles $bsz bytes, tar.zst $tsz bytes"
echo "pack (5 bundles covering all $NPKG caches):   $(ms "$p") ms   tar -c | zstd -3 -T1: $(ms "$c") ms   speed ratio $(ratio "$c" "$p")"
echo "unpack (5 bundles, verified, sealed): $(ms "$u") ms   zstd -d | tar -x:      $(ms "$x") ms   speed ratio $(ratio "$x" "$u")"
echo "pack + unpack:                        $(ms $((p + u))) ms   tar both ways:         $(ms $((c + x))) ms   speed ratio $(ratio $((c + x)) $((p + u)))"

# fetch from nginx on loopback, against curl -o of the same bundle
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
N="$tmp/nginx"
mkdir -p "$N/logs" "$N/tmp"
cat >"$N/nginx.conf" <<EOF
worker_processes 1;
pid $N/nginx.pid;
error_log $N/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    server { listen 127.0.0.1:$port; root $tmp/B; }
}
EOF
"$NGINX" -p "$N" -c "$N/nginx.conf" -g 'daemon off;' 2>/dev/null &
ngpid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/index.json" && break; sleep 0.1; done
big=$(cd "$tmp/B" && ls -S *.tar.zst | head -n 1)
size=$(stat -c %s "$tmp/B/$big")
fetch_t=() curl_t=()
for r in 1 2 3; do
    rm -rf "$tmp/F" "$tmp/c.out"
    mkdir "$tmp/F"
    t0=$(now)
    "$JLDEPOT" fetch -q "http://127.0.0.1:$port/index.json" --package "${big%%-*}" "$tmp/F" || exit 1
    t1=$(now)
    curl -s -o "$tmp/c.out" "http://127.0.0.1:$port/$big"
    t2=$(now)
    fetch_t+=($((t1 - t0))) curl_t+=($((t2 - t1)))
done
f=$(printf '%s\n' "${fetch_t[@]}" | median) k=$(printf '%s\n' "${curl_t[@]}" | median)
echo "fetch $big ($size bytes) from nginx: $(ms "$f") ms (download + SHA-256 + unpack + seal)   curl -o: $(ms "$k") ms   throughput ratio $(ratio "$k" "$f")"
