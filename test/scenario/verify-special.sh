#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# verify-special.sh: a dependency that is a FIFO or a symbolic link to
# /dev/zero, recorded with size 0, is refused by name (file_not_regular) by
# verify, seal, pack --explain and unpack's seal step, without blocking on
# the FIFO or reading the device forever.  Each command runs under a
# generous `timeout` only so that a regression fails instead of hanging CI.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${TOP:?}"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
S=$(mktemp -d "${TMPDIR:-/tmp}/verify-special-XXXXXX")
trap 'rm -rf "$S"' EXIT
MKCACHE=$BUILDDIR/test/tools/mkcache
T=120

D=$S/d
MKCACHE=$MKCACHE bash "$TOP/test/tools/gendepot.sh" --pkgimage --files 3 --bytes 100 "$D" 1 >/dev/null
dep=$D/packages/P0001/s0001/src/part02.jl
rm -f "$D"/compiled/*/P0001/*
: >"$dep" # recorded with size 0
"$MKCACHE" --pkgimage "$D" P0001 >/dev/null
export JULIA_DEPOT_PATH=$D
out=$("$JLDEPOT" verify --no-stamp-write "$D" 2>&1)
check "the empty dependency is fresh as a regular file" 'grep -q "^1 fresh, 0 stale" <<<"$out"'
"$JLDEPOT" pack --out "$S/out" --no-sources "$D" all >/dev/null 2>&1
bundle=$(ls "$S"/out/*.tar.zst 2>/dev/null | head -n 1)
check "a bundle without sources is packed while the file is regular" '[ -f "$bundle" ]'

for kind in fifo devzero; do
    rm -f "$dep"
    if [ $kind = fifo ]; then mkfifo "$dep"; else ln -s /dev/zero "$dep"; fi
    out=$(timeout $T "$JLDEPOT" verify --no-stamp-write "$D" 2>&1); rc=$?
    check "$kind: verify ends (exit 1, not a timeout)" '[ "$rc" = 1 ]'
    check "$kind: verify names the file and why" \
        'grep -qF "because file $dep is a FIFO, socket or device, not a regular file" <<<"$out"'
    out=$(timeout $T "$JLDEPOT" verify --json --no-stamp-write "$D" 2>&1)
    check "$kind: verify --json gives file_not_regular" 'grep -q "\"file_not_regular\"" <<<"$out"'
    out=$(timeout $T "$JLDEPOT" seal "$D" 2>&1); rc=$?
    check "$kind: seal ends, seals nothing" '[ "$rc" = 1 ] && ! ls "$D"/compiled/*/P0001/*.seal >/dev/null 2>&1'
    out=$(timeout $T "$JLDEPOT" pack --explain "$D" all 2>&1); rc=$?
    # (the link to /dev/zero is refused first as a link out of the package tree)
    check "$kind: pack --explain ends: not servable, with the reason" \
        '[ "$rc" = 1 ] && grep -qE "not a regular file|leads out of its package tree" <<<"$out"'
    # unpack into an empty depot whose sources come from the depot behind it
    E=$S/e-$kind
    mkdir -p "$E"
    out=$(JULIA_DEPOT_PATH="$E:$D" timeout $T "$JLDEPOT" unpack --allow-unsigned "$bundle" "$E" 2>&1); rc=$?
    check "$kind: unpack's seal step ends (no timeout), no seal written" \
        '[ "$rc" != 124 ] && ! ls "$E"/compiled/*/P0001/*.seal >/dev/null 2>&1'
done

# a .ji whose header cannot be parsed is unreadable, not "not relocatable"
rm -f "$dep"; : >"$dep"
mkdir -p "$D/compiled/v1.11/Bad"
head -c 100 /dev/urandom >"$D/compiled/v1.11/Bad/x_y.ji"
out=$("$JLDEPOT" verify --no-stamp-write "$D" 2>&1); rc=$?
check "an unparsable .ji: exit 1, named, counted as unreadable" \
    '[ "$rc" = 1 ] && grep -qF "Bad/x_y.ji because the file is not a Julia cache file" <<<"$out" && grep -q "^1 fresh, 0 stale, 0 not relocatable, 1 unreadable$" <<<"$out"'
out=$("$JLDEPOT" verify --json --no-stamp-write "$D" 2>&1)
check "an unparsable .ji in --json: verdict unreadable, relocatable null, status bad_magic" \
    'python3 -c "import json,sys; d=json.loads(sys.argv[1]); c=[c for c in d[\"caches\"] if c[\"file\"].endswith(\"x_y.ji\")][0]; assert c[\"verdict\"]==\"unreadable\" and c[\"relocatable\"] is None and c[\"status\"]==\"bad_magic\" and d[\"summary\"][\"unreadable\"]==1 and d[\"summary\"][\"not_relocatable\"]==0" "$out"'
