#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: a 200,000-entry header, read three times;
# the fuzz targets cover the header codec in the quick tier)
#
# hostile-header.sh: a cache whose header lists N = 200,000 dependencies
# (test/tools/mkhostile, written with the codec in the real format):
# `inspect --json`, `verify --json` and `relocate --dry-run` finish, their
# output is strict JSON with every entry, and their peak memory stays
# proportional to the header (at most 10 times its size, plus 64 MB for the
# program itself; 20 times plus 128 MB under ASan, with 50,000 entries),
# where it was 29 to 54 times before the output was streamed.  Times are in
# test/bench/hostile.sh, not here.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
MKCACHE="${MKCACHE:-$BUILDDIR/test/tools/mkcache}"
MKHOSTILE="$BUILDDIR/test/tools/mkhostile"
N=${HOSTILE_N:-$([ -n "${ASAN_OPTIONS:-}" ] && echo 50000 || echo 200000)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hostile-header-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
D="$tmp/depot"
cp -r "$FIXTURES/sample-depot" "$D"
"$MKCACHE" "$D" Greeter >/dev/null
src=$(ls "$D"/compiled/v1.11/Greeter/*.ji)
H="$D/compiled/v1.11/Greeter/hostile.ji"
"$MKHOSTILE" "$src" "$N" "$H" >/dev/null
rm "$src"
size_kb=$(($(stat -c %s "$H") / 1024))
factor=10 slack=65536
if [ -n "${ASAN_OPTIONS:-}" ]; then
    # under ASan (make test's second half) the sanitizer's own memory
    # (shadow, redzones, a 16 MB quarantine) is allowed for
    export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"
    factor=20 slack=131072
fi
bound_kb=$((factor * size_kb + slack))
# run CMD...: stdout to $tmp/out, peak RSS (KB) in $rss
run() { /usr/bin/time -f %M -o "$tmp/rss" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; rss=$(tail -1 "$tmp/rss"); }
count() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/out"; }

check "the header holds $N dependencies ($size_kb KB)" '[ "$size_kb" -gt 1000 ]'
run "$JLDEPOT" inspect --json --no-so "$H"
check "inspect --json: exit 0, strict JSON with all $N dependencies" \
    '[ $rc -eq 0 ] && [ "$(count "len(d[\"dependencies\"])")" = "$N" ]'
check "inspect --json: peak memory $rss KB within ${factor}x the header + $((slack / 1024)) MB ($bound_kb KB)" '[ "$rss" -le "$bound_kb" ]'
run "$JLDEPOT" verify --json "$H"
check "verify --json: strict JSON with all $N dependencies and their reasons" \
    '[ "$(count "len(d[\"caches\"][0][\"dependencies\"]), len(d[\"caches\"][0][\"relocatable_reasons\"])")" = "$N $N" ]'
check "verify --json: peak memory $rss KB within the bound ($bound_kb KB)" '[ "$rss" -le "$bound_kb" ]'
# absolute names (what Julia writes outside DEPOT_PATH) to be turned into tokens
"$JLDEPOT" relocate --absolute "$D" >/dev/null 2>&1
run "$JLDEPOT" relocate --dry-run --json "$D"
check "relocate --dry-run --json: exit 0, one cache to relocate, all $N dependency paths listed (and its source-text names)" \
    '[ $rc -eq 0 ] && [ "$(count "d[\"would_relocate\"], len(d[\"caches\"][0][\"paths\"]) >= $N")" = "1 True" ]'
check "relocate --dry-run: peak memory $rss KB within the bound ($bound_kb KB)" '[ "$rss" -le "$bound_kb" ]'
