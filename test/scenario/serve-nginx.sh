#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# serve-nginx.sh: bundles served by a real nginx (Debian's), fetched with
# `jldepot fetch` into a depot at another path than the build depot, then
# verified.  Bad answers (404, a truncated body, a tampered byte, a key that
# does not match the manifest, a slow server against --timeout) each give
# their named error and leave the depot byte-identical; a partial download
# is resumed with an HTTP Range request (with --keep-partial only).
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}" "${TOP:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/serve-nginx-XXXXXX")
chmod 755 "$tmp" # nginx workers run as another user when started by root
ngpid=
cleanup() {
    [ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null && wait "$ngpid" 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
mkdir -p "$HOME"
out="$tmp/out" err="$tmp/err"
run() { "$JLDEPOT" "$@" >"$out" 2>"$err"; rc=$?; }
state() { (cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum); }

# ---- bundles of the sample depot -----------------------------------------------
D="$tmp/build/depot"
mkdir -p "$tmp/build"
cp -r "$FIXTURES/sample-depot" "$D"
for p in Greeter Stats Shapes; do "$MKCACHE" --pkgimage "$D" "$p" >/dev/null; done
W="$tmp/www"
"$JLDEPOT" pack --out "$W/good" "$D" all >/dev/null
shapes=$(cd "$W/good" && ls Shapes-*.tar.zst)
stats=$(cd "$W/good" && ls Stats-*.tar.zst)
# bad copies, each behind an index that carries the good size and SHA-256
mkdir -p "$W/short" "$W/tamper" "$W/badkey"
cp "$W/good/index.json" "$W/short/" && cp "$W/good/index.json" "$W/tamper/"
head -c 9000 "$W/good/$shapes" >"$W/short/$shapes"
cp "$W/good/$shapes" "$W/tamper/$shapes"
printf '\x55' | dd of="$W/tamper/$shapes" bs=1 seek=5000 conv=notrunc status=none
# a bundle whose manifest key was changed: repacked, indexed with its own SHA-256
mkdir "$tmp/rk" && (cd "$tmp/rk" && zstd -q -dc "$W/good/$stats" | tar -xf -)
python3 - "$tmp/rk/jldepot-bundle.json" <<'EOF'
import json, sys
p = sys.argv[1]; m = json.load(open(p)); m["key"] = "0" * 64
json.dump(m, open(p, "w"))
EOF
(cd "$tmp/rk" && tar --format=pax -cf - --sort=name -- @compiled @depot jldepot-bundle.json | zstd -q -c >"$W/badkey/$stats")
python3 "$TOP/test/scenario/lib/index_rehash.py" "$W/good/index.json" "$W/badkey/index.json" "$W/badkey/$stats"
# a large bundle for the slow-server and resume cases
G="$tmp/gen"
MKCACHE="$MKCACHE" bash "$TOP/test/tools/gendepot.sh" --pkgimage --files 20 --bytes 20000 "$G" 2 >/dev/null 2>&1
"$JLDEPOT" pack --out "$W/slow" "$G" P0002 >/dev/null
big=$(cd "$W/slow" && ls P0002-*.tar.zst)
bigsize=$(stat -c %s "$W/slow/$big")

# ---- nginx ---------------------------------------------------------------------------
. "$TOP/test/scenario/lib/nginx.sh"
nginx_start "$tmp/nginx" "$W" \
    "    access_log $tmp/nginx/logs/access.log;
    log_format ranged '\$request_uri \$status \$body_bytes_sent \"\$http_range\"';
    types { application/json json; application/zstd zst; }" \
    "        access_log $tmp/nginx/logs/ranged.log ranged;
        location /slow/ { limit_rate 20k; }"
port=$NGINX_PORT ngpid=$NGINX_PID N="$tmp/nginx"
U="http://127.0.0.1:$port"
check "nginx serves the bundle directory" 'curl -sf "$U/good/index.json" | grep -q "jldepot-index 1"'

# ---- fetch into a depot at another path ---------------------------------------------
C="$tmp/client/node/depot"
mkdir -p "$C"
run fetch --allow-unsigned -q "$U/good/index.json" --package Shapes "$C"
check "fetch via the index: exit 0" '[ $rc -eq 0 ]'
run fetch --allow-unsigned -q "$U/good/$stats" "$C"
check "fetch a bundle URL directly: exit 0" '[ $rc -eq 0 ]'
run verify "$C"
check "verify in the client depot: every cache fresh" '[ $rc -eq 0 ] && [ "$(tail -n 1 "$out")" = "3 fresh, 0 stale, 0 not relocatable" ]'
check "the client depot is not the build depot" '! grep -q "$D" "$out" && grep -q "^fresh $C/compiled/" "$out"'
run verify --json --no-stamp-write "$C"
check "every fetched cache is sealed" '[ "$(grep -c "\"stamp\": \"seal\"" "$out")" -eq 3 ]'
check "no temporary download left" '[ -z "$(find "$C" -name ".jldepot-*")" ]'
run fetch --allow-unsigned -q "$U/good/index.json" --package 3e97c4e1-0739-42a5-a221-d68078fd441d "$C"
check "--package by UUID; again: identical files kept" '[ $rc -eq 0 ]'

# ---- bad answers: named errors, the depot unchanged ---------------------------------
state "$C" >"$tmp/before"
bad() { # description json-name fetch-args...
    local what=$1 name=$2
    shift 2
    run fetch --allow-unsigned -q "$@" "$C"
    state "$C" >"$tmp/after"
    grep -qE "\[($name)\]$" "$err" || sed 's/^/#   /' "$err"
    check "$what: $name, depot unchanged" \
        '[ $rc -eq 1 ] && grep -qE "\[($name)\]$" "$err" && cmp -s "$tmp/before" "$tmp/after"'
}
bad "404" http_not_found "$U/good/Nothing-0123456789abcdef.tar.zst"
bad "404 for the index" http_not_found "$U/nowhere/index.json" --package Shapes
check "the HTTP status is named" 'grep -q "HTTP status 404" "$err"'
bad "a truncated body (shortened copy)" download_truncated "$U/short/index.json" --package Shapes
bad "a tampered byte" bundle_sha256_mismatch "$U/tamper/index.json" --package Shapes
bad "a tampered byte, no index (the bundle's own checks)" "bundle_corrupt|bundle_sha256_mismatch" "$U/tamper/$shapes"
bad "a bundle whose key does not match its manifest" bundle_key_mismatch "$U/badkey/index.json" --package Stats
t0=$(date +%s%N)
bad "a slow server with --timeout 1" download_timeout --timeout 1 "$U/slow/index.json" --package P0002
t1=$(date +%s%N)
check "the timeout took about a second, not the whole transfer" '[ $(((t1 - t0) / 1000000)) -lt 4000 ]'
bad "an unknown package in the index" index_no_bundle "$U/good/index.json" --package NoSuchPackage

# ---- resume with Range -----------------------------------------------------------------
R="$tmp/resume/depot"
mkdir -p "$R"
run fetch --allow-unsigned -q --keep-partial --timeout 1 "$U/slow/index.json" --package P0002 "$R"
part=$(find "$R" -name '.jldepot-fetch-*.part')
psize=$(stat -c %s "$part" 2>/dev/null || echo 0)
check "--keep-partial after a timeout: a partial download kept" \
    '[ $rc -eq 1 ] && [ -n "$part" ] && [ "$psize" -gt 0 ] && [ "$psize" -lt "$bigsize" ]'
: >"$N/logs/ranged.log"
run fetch --allow-unsigned --keep-partial "$U/slow/index.json" --package P0002 "$R"
check "the next fetch with --keep-partial resumes with Range and finishes" \
    '[ $rc -eq 0 ] && grep -q "resumed at byte $psize" "$err" && grep -q "^/slow/$big 206 $((bigsize - psize)) \"bytes=$psize-\"$" "$N/logs/ranged.log"'
run verify "$R"
check "the resumed bundle's caches are fresh" '[ $rc -eq 0 ] && tail -n 1 "$out" | grep -q "^2 fresh, 0 stale"'
check "no temporary download left after the resume" '[ -z "$(find "$R" -name ".jldepot-*")" ]'

# ---- without --keep-partial, a part file left behind is discarded, never resumed --------------
X="$tmp/discard/depot"
mkdir -p "$X/compiled"
printf 'garbage' >"$X/compiled/.jldepot-fetch-$(printf %s "$U/good/$stats" | sha256sum | cut -c1-16).part"
: >"$N/logs/ranged.log"
run fetch --allow-unsigned "$U/good/$stats" "$X"
check "a part file left behind is discarded without --keep-partial, not resumed" \
    '[ $rc -eq 0 ] && grep -q "discarded 7 bytes left by an earlier fetch" "$err" && grep -q "^/good/$stats 200 [0-9]* \"-\"$" "$N/logs/ranged.log"'
check "... and no temporary download is left" '[ -z "$(find "$X" -name ".jldepot-*")" ]'

# ---- two fetches of one URL at once: the second is refused, the first completes -------------
Y="$tmp/twice/depot"
mkdir -p "$Y"
yp="$Y/compiled/.jldepot-fetch-$(printf %s "$U/slow/$big" | sha256sum | cut -c1-16).part"
"$JLDEPOT" fetch --allow-unsigned -q "$U/slow/index.json" --package P0002 "$Y" >"$tmp/first.out" 2>"$tmp/first.err" &
first=$!
for _ in $(seq 200); do [ "$(stat -c %s "$yp" 2>/dev/null || echo 0)" -gt 0 ] && break; sleep 0.05; done
run fetch --allow-unsigned -q "$U/slow/index.json" --package P0002 "$Y"
check "a second fetch of the same URL into the same depot: fetch_busy at once" \
    '[ $rc -eq 1 ] && grep -q "another fetch is writing this file.*\[fetch_busy\]$" "$err"'
wait "$first"
frc=$?
check "... and the first one completes" '[ $frc -eq 0 ] && [ -n "$(find "$Y/compiled" -name "*.ji")" ]'
check "... leaving no part or lock file" '[ -z "$(find "$Y" -name ".jldepot-*")" ]'
