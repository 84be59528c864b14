#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# size-options.sh: the byte sizes of the command line (unpack --max-entry
# and --max-total, fetch --max-size and --max-index): an overflow (which
# used to wrap to a small number), a sign, an empty string, spaces and junk
# are each a usage error named bad_size, and nothing is written; good sizes
# with K, M and G still work.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/size-options-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT
mkdir -p "$HOME"
out="$tmp/out" err="$tmp/err"
run() { "$JLDEPOT" "$@" >"$out" 2>"$err"; rc=$?; }

D="$tmp/build/depot"
mkdir -p "$tmp/build"
cp -r "$FIXTURES/sample-depot" "$D"
"$MKCACHE" --pkgimage "$D" Stats >/dev/null
"$JLDEPOT" pack --out "$tmp/www" "$D" Stats >/dev/null
b=$(ls "$tmp/www"/Stats-*.tar.zst)
T="$tmp/target"

for v in 17179869184G 18446744073709551616 -1 +5 "" " 1" "1 " 1KB 1.5M 0x10 K 1T; do
    for opt in --max-entry --max-total; do
        run unpack --allow-unsigned "$opt" "$v" "$b" "$T"
        check "unpack $opt '$v': bad_size, exit 2, nothing written" \
            '[ $rc -eq 2 ] && grep -q "unpack: '"'"'$v'"'"': .*\[bad_size\]" "$err" && [ ! -e "$T" ]'
    done
done
run unpack --allow-unsigned --max-entry 17179869183G --max-total 32G -q "$b" "$T"
check "unpack with sizes at the top of the range: unpacked" '[ $rc -eq 0 ] && [ -d "$T/compiled" ]'
rm -rf "$T"
run unpack --allow-unsigned --max-entry 4k -q "$b" "$T"
check "unpack --max-entry 4k: the entries over 4096 bytes are refused" \
    '[ $rc -eq 1 ] && grep -q "\[bundle_entry_oversize\]$" "$err" && [ ! -e "$T/compiled" ]'

for v in 17179869184G -1 "" 0 1KB; do
    for opt in --max-size --max-index; do
        run fetch --allow-unsigned "$opt" "$v" "http://127.0.0.1:9/x.tar.zst" "$T"
        check "fetch $opt '$v': bad_size, exit 2, nothing written" \
            '[ $rc -eq 2 ] && grep -q "fetch: $opt '"'"'$v'"'"': .*\[bad_size\]$" "$err" && [ ! -e "$T" ]'
    done
done
