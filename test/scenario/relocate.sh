#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`)
#
# relocate.sh: `jldepot relocate` on real depots.  Caches of the sample depot
# (real format, R12 / M13 / L10, one with its pkgimage) are made absolute the
# way Julia writes them for a depot outside DEPOT_PATH (`relocate
# --absolute`), the depot is moved, and relocate must make every cache valid
# where it now is: tokens, resolved into the new place, pkgimage untouched,
# idempotent, --dry-run writes nothing, a damaged cache and a read-only depot
# are refused with nothing changed.  Fault injection: relocate runs killed
# with SIGKILL at random points leave every cache either its old or its new
# bytes, and no temporary file but the one of the interrupted write.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d -t relocate-XXXXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
out="$tmp/out"
err="$tmp/err"
# an isolated DEPOT_PATH: only the depots named on the command line
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT
mkdir -p "$HOME"
reloc() { "$JLDEPOT" relocate "$@" >"$out" 2>"$err"; rc=$?; }
sums() { find "$1" -name '*.ji' -print0 | sort -z | xargs -0 sha256sum; }
# temporary files of interrupted atomic writes: .<file>.ji.tmpXXXXXX
temps() { find "$1" -name '.*.ji.tmp[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' | wc -l; }
strays() { find "$1/compiled" -type f ! -name '*.ji' ! -name '*.so' ! -name '.*.ji.tmp??????' | wc -l; }

# ---- a moved depot whose caches record absolute paths ------------------------------

D="$tmp/depot"
cp -r "$FIXTURES/sample-depot" "$D"
"$MKCACHE" --pkgimage "$D" Greeter >/dev/null &&
    "$MKCACHE" --pkgimage "$D" Shapes >/dev/null &&
    "$MKCACHE" --layout m13 "$D" Stats >/dev/null &&
    "$MKCACHE" --layout l10 "$D" Greeter >/dev/null
check "mkcache wrote 4 caches" '[ "$(find "$D/compiled" -name "*.ji" | wc -l)" -eq 4 ]'
reloc --absolute "$D"
check "--absolute: 3 token caches made absolute, the L10 one already is" \
    '[ $rc -eq 0 ] && [ "$(tail -n 1 "$out")" = "3 relocated, 1 unchanged, 0 refused, 0 paths not relocatable" ]'
shapes=$(find "$D/compiled/v1.11/Shapes" -name '*.ji')
"$JLDEPOT" inspect --no-so "$shapes" >"$out" 2>&1
check "inspect: absolute paths of the depot" \
    'grep -q "^  include             $D/packages/Shapes/b7RtZ/src/Shapes.jl$" "$out" && ! grep -q "@depot" "$out"'
so_sum=$(sha256sum <"${shapes%.ji}.so")

E="$tmp/elsewhere/moved-depot"
mkdir -p "$tmp/elsewhere" && mv "$D" "$E"
shapes=$(find "$E/compiled/v1.11/Shapes" -name '*.ji')
sums "$E" >"$tmp/before.sum"

reloc --dry-run "$E"
check "--dry-run: exit 0, every cache planned" \
    '[ $rc -eq 0 ] && [ "$(tail -n 1 "$out")" = "4 to relocate, 0 unchanged, 0 refused, 0 paths not relocatable" ]'
check "--dry-run: each path old -> new" \
    'grep -q "^  $D/packages/Shapes/b7RtZ/src/shapes/circle.jl -> @depot/packages/Shapes/b7RtZ/src/shapes/circle.jl$" "$out"'
check "--dry-run: L10 paths to the new depot" \
    'grep -q "^  $D/packages/Greeter/Xk3pQ/src/greetings.jl -> $E/packages/Greeter/Xk3pQ/src/greetings.jl$" "$out"'
check "--dry-run: nothing written" 'sums "$E" | cmp -s - "$tmp/before.sum" && [ "$(temps "$E")" -eq 0 ]'

reloc "$E"
check "relocate: exit 0, 4 relocated" \
    '[ $rc -eq 0 ] && [ "$(tail -n 1 "$out")" = "4 relocated, 0 unchanged, 0 refused, 0 paths not relocatable" ]'
check "relocate: one line per cache with its path count" \
    'grep -q "^relocated $shapes (3 paths)$" "$out" && [ "$(grep -c "^relocated " "$out")" -eq 4 ]'
"$JLDEPOT" inspect --resolve --depot-path "$E" "$shapes" >"$out" 2>&1
rc=$?
check "inspect: valid with its untouched pkgimage" '[ $rc -eq 0 ] && grep -q "pkgimage valid" "$out"'
check "inspect: tokens" 'grep -q "^  include             @depot/packages/Shapes/b7RtZ/src/shapes/circle.jl$" "$out"'
check "inspect: source text names tokenized too" \
    'grep -q "^  @depot/packages/Shapes/b7RtZ/src/shapes/rectangle.jl (135 bytes" "$out"'
check "inspect: resolved into the new place" \
    'grep -q -- "-> $E/packages/Shapes/b7RtZ/src/shapes/circle.jl$" "$out" && ! grep -q "$D" "$out"'
check "the pkgimage is never rewritten" '[ "$(sha256sum <"${shapes%.ji}.so")" = "$so_sum" ]'
l10=$(find "$E/compiled/v1.10" -name '*.ji')
"$JLDEPOT" inspect --no-so "$l10" >"$out" 2>&1
check "L10: absolute paths of the new depot, crc_ji valid" \
    'grep -q "^  include             $E/packages/Greeter/Xk3pQ/src/Greeter.jl$" "$out" && grep -q "crc_ji valid" "$out"'
m13=$(find "$E/compiled/v1.14" -name '*.ji')
"$JLDEPOT" inspect --no-so "$m13" >"$out" 2>&1
check "M13: tokens, crc_ji valid" \
    'grep -q "^layout       M13" "$out" && grep -q "^  include             @depot/packages/Stats/M2vLw/src/moments.jl$" "$out" && grep -q "crc_ji valid" "$out"'

sums "$E" >"$tmp/after.sum"
touch -d @1000000000 "$shapes"
reloc "$E"
check "second run: every cache unchanged" \
    '[ $rc -eq 0 ] && [ "$(grep -c "^unchanged " "$out")" -eq 4 ] && [ "$(tail -n 1 "$out")" = "0 relocated, 4 unchanged, 0 refused, 0 paths not relocatable" ]'
check "second run: no byte and no mtime changed" \
    'sums "$E" | cmp -s - "$tmp/after.sum" && [ "$(stat -c %Y "$shapes")" = 1000000000 ]'

reloc --json "$E/compiled/v1.11/Shapes/"*.ji
check "--json: a cache file argument, unchanged" \
    '[ $rc -eq 0 ] && [ "$(jq -r ".caches[0].status" "$out")" = unchanged ] && [ "$(jq -r .unchanged "$out")" = 1 ]'

# the real Julia 1.11 caches are tokenized already
R="$tmp/real"
cp -r "$FIXTURES/julia-1.11/depotA" "$R"
sums "$R" >"$tmp/real.sum"
reloc "$R"
check "real Julia 1.11 caches: unchanged" \
    '[ $rc -eq 0 ] && [ "$(tail -n 1 "$out")" = "0 relocated, 3 unchanged, 0 refused, 0 paths not relocatable" ] && sums "$R" | cmp -s - "$tmp/real.sum"'

# ---- refusals -----------------------------------------------------------------------

B="$tmp/bad"
cp -r "$FIXTURES/sample-depot" "$B"
"$MKCACHE" "$B" Stats >/dev/null
"$JLDEPOT" relocate --absolute "$B" >/dev/null 2>&1
bad=$(find "$B/compiled" -name '*.ji')
printf 'X' | dd of="$bad" bs=1 seek=200 conv=notrunc status=none
cp "$bad" "$tmp/bad.copy"
reloc "$B"
check "a flipped byte: refused, exit 1" \
    '[ $rc -eq 1 ] && grep -qx "jldepot: relocate: $bad: the cache file does not pass its own checks, so it is not rewritten (the cache file checksum is invalid) \[relocate_crc\]" "$err"'
check "a flipped byte: the file is left as it was" 'cmp -s "$bad" "$tmp/bad.copy"'

O="$tmp/readonly"
cp -r "$FIXTURES/sample-depot" "$O"
"$MKCACHE" "$O" Greeter >/dev/null && "$MKCACHE" "$O" Stats >/dev/null
"$JLDEPOT" relocate --absolute "$O" >/dev/null 2>&1
sums "$O" >"$tmp/ro.sum"
if [ "$(id -u)" -eq 0 ]; then
    # root writes through permissions: a read-only bind mount instead
    unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" relocate "$1"' \
        _ "$O" "$JLDEPOT" >"$out" 2>"$err"
    rc=$?
else
    chmod -R a-w "$O"
    reloc "$O"
    chmod -R u+w "$O"
fi
check "read-only depot: every cache refused, exit 1" \
    '[ $rc -eq 1 ] && [ "$(grep -c ": the location is read-only; .* \[read_only\]$" "$err")" -eq 2 ] && [ "$(tail -n 1 "$out")" = "0 relocated, 0 unchanged, 2 refused, 0 paths not relocatable" ]'
check "read-only depot: nothing changed" 'sums "$O" | cmp -s - "$tmp/ro.sum" && [ "$(temps "$O")" -eq 0 ]'
# a depot with no write bits is read-only for everyone, root included
chmod -R a-w "$O"
reloc "$O"
chmod -R u+w "$O"
check "no write bits (even as root): every cache refused as read_only, exit 1" \
    '[ $rc -eq 1 ] && [ "$(grep -c ": the location is read-only; .* \[read_only\]$" "$err")" -eq 2 ]'
check "no write bits: nothing changed" 'sums "$O" | cmp -s - "$tmp/ro.sum" && [ "$(temps "$O")" -eq 0 ]'

# a relative cache-file path, from inside the depot
jl=$(cd "$(dirname "$JLDEPOT")" && pwd)/$(basename "$JLDEPOT") # $JLDEPOT may be relative
(cd "$O" && "$jl" relocate --dry-run compiled/v1.11/Stats/*.ji) >"$out" 2>"$err"
rc=$?
check "a relative .ji path: planned like the absolute one, exit 0" \
    '[ $rc -eq 0 ] && grep -q "^would relocate $O/compiled/v1.11/Stats/" "$out" && ! grep -q "not absolute" "$err"'
# what it printed, for the log, when that failed
{ [ $rc -eq 0 ] && grep -q "^would relocate $O/" "$out"; } || { echo "# rc $rc"; sed 's/^/# /' "$out" "$err"; }

"$JLDEPOT" relocate >/dev/null 2>&1
check "usage: no argument exits 2" '[ $? -eq 2 ]'
"$JLDEPOT" relocate --frobnicate "$E" >/dev/null 2>&1
check "usage: unknown option exits 2" '[ $? -eq 2 ]'
"$JLDEPOT" relocate "$tmp/no-such-depot" >/dev/null 2>"$err"
check "usage: a missing input exits 2, named" '[ $? -eq 2 ] && grep -q "no-such-depot: the file does not exist .*; check the path \[not_found\]$" "$err"'

# ---- fault injection: SIGKILL at random points --------------------------------------

F="$tmp/fault"
cp -r "$FIXTURES/sample-depot" "$F"
"$MKCACHE" "$F" Greeter >/dev/null && "$MKCACHE" "$F" Stats >/dev/null &&
    "$MKCACHE" "$F" Shapes >/dev/null
for f in "$F"/compiled/v1.11/*/*.ji; do
    for i in $(seq 1 9); do cp "$f" "${f%.ji}_$i.ji"; done
done
"$JLDEPOT" relocate --absolute "$F" >/dev/null 2>&1
nfiles=$(find "$F/compiled" -name '*.ji' | wc -l)
cp -a "$F/compiled" "$tmp/fault-old"
sums "$F" >"$tmp/old.sum"
t0=$(date +%s%N)
"$JLDEPOT" relocate "$F" >/dev/null 2>&1
t_full=$((($(date +%s%N) - t0) / 1000)) # microseconds, on this machine, in this build
sums "$F" >"$tmp/new.sum"
ok_new=1
for f in $(find "$F/compiled" -name '*.ji'); do
    "$JLDEPOT" inspect --no-so "$f" >/dev/null 2>&1 || ok_new=0
done
check "fault injection: $nfiles caches, old and new bytes differ, new ones valid" \
    '[ "$nfiles" -eq 30 ] && [ $ok_new -eq 1 ] && [ -z "$(join <(sort -k2 "$tmp/old.sum" | awk "{print \$2, \$1}") <(sort -k2 "$tmp/new.sum" | awk "{print \$2, \$1}") | awk "\$2 == \$3")" ]'

runs=${RELOCATE_FAULT_RUNS:-200}
bad_state=0 bad_temps=0 bad_crc=0 mixed=0 leftover=0
stamp="$tmp/stamp"
for ((n = 0; n < runs; n++)); do
    cp -a "$tmp/fault-old/." "$F/compiled/" # every cache back to its old bytes
    touch "$stamp"
    "$JLDEPOT" relocate "$F" >/dev/null 2>&1 &
    pid=$!
    # kills spread over 1.2 times an uninterrupted run: before, inside and after it
    us=$((n * 12 * t_full / (10 * runs) + RANDOM % 1000))
    sleep "$(printf "%d.%06d" $((us / 1000000)) $((us % 1000000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # every cache is its old bytes or its new bytes
    sums "$F" >"$tmp/cur.sum"
    states=$(awk 'FNR == 1 { k++ } k == 1 { old[$2] = $1; next } k == 2 { new[$2] = $1; next }
                  { if ($1 == new[$2]) n++; else if ($1 == old[$2]) o++; else x++ }
                  END { printf "%d %d %d\n", o + 0, n + 0, x + 0 }' \
        "$tmp/old.sum" "$tmp/new.sum" "$tmp/cur.sum")
    read -r n_old n_new n_bad <<<"$states"
    [ "$n_bad" -ne 0 ] || [ $((n_old + n_new)) -ne "$nfiles" ] && bad_state=$((bad_state + 1))
    [ "$n_old" -gt 0 ] && [ "$n_new" -gt 0 ] && mixed=$((mixed + 1))
    # a few caches each time: crc_ji checked by the tool itself
    for f in $(find "$F/compiled" -name '*.ji' | shuf -n 3 --random-source=<(yes "$n")); do
        "$JLDEPOT" inspect --no-so "$f" >/dev/null 2>&1 || bad_crc=$((bad_crc + 1))
    done
    # no stray file; at most the one temporary file of the write under way at the kill
    young=$(find "$F/compiled" -name '.*.ji.tmp??????' -newer "$stamp" | wc -l)
    [ "$(strays "$F")" -ne 0 ] || [ "$young" -gt 1 ] && bad_temps=$((bad_temps + 1))
    [ "$young" -eq 1 ] && leftover=$((leftover + 1))
done
echo "# $runs killed runs over 0-$((12 * t_full / 10000)) ms: $mixed left old and new caches side by side, $leftover left a temporary file"
check "fault injection: after $runs kills every cache is its old or its new bytes" '[ $bad_state -eq 0 ]'
check "fault injection: the caches checked have a valid crc_ji" '[ $bad_crc -eq 0 ]'
check "fault injection: no temporary file but the one of the interrupted write" '[ $bad_temps -eq 0 ]'
check "fault injection: kills landed inside runs" '[ $mixed -gt 0 ]'
reloc "$F"
check "fault injection: a complete run finishes the job and removes stale temporary files" \
    '[ $rc -eq 0 ] && sums "$F" | cmp -s - "$tmp/new.sum" && [ "$(temps "$F")" -eq 0 ]'
