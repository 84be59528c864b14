#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: it waits for the default timeouts, 30 s)
#
# fetch-timeouts.sh: with no timeout option at all, `jldepot fetch` gives up
# on a server that never answers (the default --stall-timeout) and on a
# connection that is never accepted (the default --connect-timeout) with
# download_timeout, instead of hanging.  Both run at once; a guard kills
# a fetch that is still running after 150 s, which counts as a failure.
set -u
: "${JLDEPOT:?}" "${TOP:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-timeouts-XXXXXX")
srvpid=
cleanup() {
    [ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null && wait "$srvpid" 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
mkdir -p "$HOME" "$tmp/www" "$tmp/d1" "$tmp/d2"

python3 "$TOP/test/scenario/lib/hostile_http.py" "$tmp/www" "$tmp/ports" 2>"$tmp/server.log" &
srvpid=$!
for _ in $(seq 100); do [ -f "$tmp/ports" ] && break; sleep 0.1; done
. "$tmp/ports"

timeout 150 "$JLDEPOT" fetch --allow-unsigned -q "http://127.0.0.1:$PORT/silent-x.tar.zst" "$tmp/d1" \
    >/dev/null 2>"$tmp/silent.err" &
spid=$!
timeout 150 "$JLDEPOT" fetch --allow-unsigned -q "http://127.0.0.1:$STUCK_PORT/x.tar.zst" "$tmp/d2" \
    >/dev/null 2>"$tmp/stuck.err" &
cpid=$!
wait "$spid"
src=$?
wait "$cpid"
crc=$?
check "a silent server, no option: download_timeout after the default 30 s stall" \
    '[ $src -eq 1 ] && grep -q "the last 30 seconds.*\[download_timeout\]$" "$tmp/silent.err"'
check "a connection never accepted, no option: download_timeout" \
    '[ $crc -eq 1 ] && grep -q "Failed to connect.*\[download_timeout\]$" "$tmp/stuck.err"'
check "nothing left in the depots" '[ -z "$(find "$tmp/d1" "$tmp/d2" -mindepth 1)" ]'
