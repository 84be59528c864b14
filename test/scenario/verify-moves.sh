#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# verify-moves.sh: real depots, really moved.  Caches of the sample depot
# are generated with mkcache (real format, pkgimages), the depot is moved,
# copied, archived, linked, layered, made read-only, edited, and
# `jldepot verify` must judge each case as Julia's loader would.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/verify-moves-XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
out="$tmp/out"
verify() { "$JLDEPOT" verify "$@" >"$out" 2>&1; rc=$?; }
summary() { tail -n 1 "$out"; }

# Generate in dependency order (Shapes uses Greeter).  MTIME=1: Greeter's
# include_dependency entries are tracked by mtime (Julia 1.11's default).
gen() { # depot [mtime]
    cp -r "$FIXTURES/sample-depot" "$1" || return 1
    local extra=()
    [ "${2:-}" = mtime ] && extra=(--mtime-deps)
    "$MKCACHE" --pkgimage "${extra[@]}" "$1" Greeter >/dev/null &&
        "$MKCACHE" --pkgimage "$1" Stats >/dev/null &&
        "$MKCACHE" --pkgimage "$1" Shapes >/dev/null
}

D="$tmp/depot"
gen "$D"
check "mkcache wrote 3 caches with pkgimages" \
    '[ "$(find "$D/compiled" -name "*.ji" | wc -l)" -eq 3 ] && [ "$(find "$D/compiled" -name "*.so" | wc -l)" -eq 3 ]'
verify "$D"
check "fresh in place" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
check "target taken from the first cache, said so" 'grep -q "taken from the first cache checked" "$out"'

# mv to a longer path, then to a shorter one
L="$tmp/a/much/longer/path/than/before/depot"
mkdir -p "$(dirname "$L")" && mv "$D" "$L"
verify "$L"
check "mv to a longer path: all fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
check "lines name the new location" '[ "$(grep -c "^fresh $L/compiled/" "$out")" -eq 3 ]'
S="$tmp/s"
mv "$L" "$S"
verify "$S"
check "mv to a shorter path: all fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'

# cp -r: content-tracked caches stay fresh
cp -r "$S" "$tmp/cpr"
verify "$tmp/cpr"
check "cp -r, content-tracked: all fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'

# cp -r with an mtime-tracked include_dependency: stale, and its dependant too
M="$tmp/mdepot"
gen "$M" mtime
verify "$M"
check "mtime-tracked depot fresh in place, not relocatable" \
    '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 1 not relocatable" ]'
sleep 0.05
cp -r "$M" "$tmp/mcpr"
verify "$tmp/mcpr"
check "cp -r, mtime-tracked: stale with Julia's words" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $tmp/mcpr/compiled/v1.11/Greeter/.*\.ji because mtime of include_dependency $tmp/mcpr/packages/Greeter/.* has changed (mtime .*, before .*)$" "$out"'
check "cp -r, mtime-tracked: the dependant is rejected through the build id" \
    'grep -q "^Rejecting cache file $tmp/mcpr/compiled/v1.11/Shapes/.*\.ji because required dependency Base.PkgId(Base.UUID(\"[0-9a-f-]*\"), \"Greeter\") with build ID fafbfcfd-[0-9a-f-]* is missing from the cache\.$" "$out"'
check "cp -r, mtime-tracked: the independent package stays fresh" \
    'grep -q "^fresh $tmp/mcpr/compiled/v1.11/Stats/" "$out" && [ "$(summary)" = "1 fresh, 2 stale, 1 not relocatable" ]'
cp -a "$M" "$tmp/mcpa"
verify "$tmp/mcpa"
check "cp -a keeps mtimes: all fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 1 not relocatable" ]'
mkdir "$tmp/mtar"
(cd "$M" && tar --format=gnu -cf - .) | (cd "$tmp/mtar" && tar -xf -)
verify "$tmp/mtar"
check "tar (whole-second mtimes) of an mtime-tracked depot: fresh by the floor tolerance" \
    '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 1 not relocatable" ]'

# tar round trip
mkdir "$tmp/untar"
(cd "$S" && tar -cf - .) | (cd "$tmp/untar" && tar -xf -)
verify "$tmp/untar"
check "tar round trip: all fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'

# a depot reached through a symlink
ln -s "$S" "$tmp/link"
verify "$tmp/link"
check "depot through a symlink: all fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
check "symlinked depot: paths shown through the link" '[ "$(grep -c "^fresh $tmp/link/compiled/" "$out")" -eq 3 ]'

# a source edited after the move
E="$tmp/edited"
cp -r "$S" "$E"
src=$(find "$E/packages/Stats" -name moments.jl)
echo "# edited" >>"$src"
verify "$E"
check "edited source: stale, naming the file" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting stale cache file $E/compiled/v1.11/Stats/.*\.ji because file size of $src has changed (file size [0-9]*, before [0-9]*)$" "$out"'
verify -v "$E"
check "-v names the changed dependency" 'grep -q "^    size_changed include @depot/packages/Stats/.*/moments.jl -> $src$" "$out"'
# same size, different bytes: the CRC decides
E2="$tmp/edited2"
cp -r "$S" "$E2"
src2=$(find "$E2/packages/Stats" -name moments.jl)
sed -i '1s/^./#/' "$src2"
verify "$E2"
check "same-size edit: stale by hash" \
    '[ $rc -eq 1 ] && grep -q "because hash of $src2 has changed (hash 0x[0-9a-f]*, before 0x[0-9a-f]*)$" "$out"'

# the pkgimage missing, then swapped
P="$tmp/so"
cp -r "$S" "$P"
so=$(find "$P/compiled/v1.11/Stats" -name "*.so")
mv "$so" "$tmp/stats.so.away"
verify "$P"
check ".so missing: pkgimage not found" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting cache file .*/Stats/.*\.ji because pkgimage $so was not found$" "$out"'
verify --ignore-pkgimage "$P"
check ".so missing, --ignore-pkgimage: fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
cp "$(find "$P/compiled/v1.11/Greeter" -name "*.so")" "$so"
verify "$P"
check ".so swapped: invalid checksum" \
    '[ $rc -eq 1 ] && grep -q "^Rejecting cache file .*/Stats/.*\.ji because $so has an invalid checksum$" "$out"'
verify --json "$P"
check ".so swapped: JSON status crc_so" \
    'grep -q "\"status\": \"crc_so\"" "$out"'

# layered depots: caches in the first, sources in the second
L1="$tmp/layer1" L2="$tmp/layer2"
mkdir "$L1" "$L2"
cp -r "$S/compiled" "$L1/compiled"
cp -r "$S/packages" "$L2/packages"
verify --depot-path "$L1:$L2" "$L1"
check "layered depots (sources in the second): fresh" \
    '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
verify -v --depot-path "$L1:$L2" "$L1"
check "layered depots: sources resolved in the second depot" \
    'grep -q "^    fresh include @depot/packages/Stats/.*/Stats.jl -> $L2/packages/Stats/" "$out"'
verify "$L1"
check "layered depots without the second: unresolved" \
    '[ $rc -eq 1 ] && grep -q "because its depot could not be resolved" "$out"'

# a read-only depot: fresh, and nothing written
R="$tmp/ro"
cp -r "$S" "$R"
chmod -R a-w "$R"
verify "$R"
check "read-only depot: fresh" '[ $rc -eq 0 ] && [ "$(summary)" = "3 fresh, 0 stale, 0 not relocatable" ]'
if command -v strace >/dev/null 2>&1; then
    trace="$tmp/trace"
    strace -f -o "$trace" -e trace=openat,open,rename,renameat,renameat2,creat,unlink,unlinkat,mkdir,mkdirat \
        "$JLDEPOT" verify "$R" >/dev/null 2>&1
    check "read-only depot: strace saw the cache files opened" 'grep -q "openat(.*\.ji\"" "$trace"'
    check "read-only depot: no open for writing, no rename/creat/unlink/mkdir" \
        '! grep -E "O_WRONLY|O_RDWR|O_CREAT|rename|creat\(|unlink|mkdir" "$trace" >/dev/null'
else
    echo "ok - read-only depot: no write # SKIP strace missing"
fi

# stamps cache a verdict and are checked when read: written atomically but
# never fsync'ed (a check must not wait for the disk)
if command -v strace >/dev/null 2>&1; then
    W="$tmp/stamped"
    cp -a "$S" "$W"
    find "$W" -name '*.stamp' -delete
    sleep 0.1
    strace -f -o "$tmp/trace-sync" -e trace=fsync,fdatasync,rename "$JLDEPOT" verify "$W" >/dev/null 2>&1
    check "stamps written: renamed into place, no fsync" \
        '[ "$(find "$W" -name "*.stamp" | wc -l)" -eq 3 ] && grep -q "rename(" "$tmp/trace-sync" && ! grep -qE "fsync|fdatasync" "$tmp/trace-sync"'
fi

# a package outside every depot (Julia 1.10 records absolute paths): fresh
# in place, not relocatable, with the path named
O="$tmp/outside" OD="$tmp/odepot"
mkdir -p "$O" "$OD"
cp -r "$FIXTURES/sample-depot/packages" "$O/packages"
"$MKCACHE" --layout l10 "$O" Stats >/dev/null
mkdir -p "$OD/compiled"
mv "$O/compiled/v1.10" "$OD/compiled/v1.10"
entry=$(find "$O/packages/Stats" -name Stats.jl)
verify --flags 0xa2 "$OD"
check "package outside every depot: fresh in place" '[ $rc -eq 0 ] && grep -q "^fresh $OD/compiled/v1.10/Stats/" "$out"'
check "package outside every depot: not relocatable, path named" \
    'grep -q "^  not relocatable: the path is outside every depot on DEPOT_PATH: $entry$" "$out" && [ "$(summary)" = "1 fresh, 0 stale, 1 not relocatable" ]'
verify "$OD"
check "requested flags 0xa3 against a .ji-only cache: flags mismatched" \
    '[ $rc -eq 1 ] && grep -q "because the flags are mismatched (cache 0xa2" "$out"'

# the target given explicitly
verify --julia-version 1.12.0 --julia-commit "" "$S"
check "another Julia version: rejected by the header" \
    '[ $rc -eq 1 ] && [ "$(grep -c "because it was built by a different Julia version (version \"1.11.0\", expected \"1.12.0\")$" "$out")" -eq 3 ]'
verify --like "$(find "$S/compiled" -name "*.ji" | head -n 1)" "$S"
check "--like a cache of the same build: fresh" '[ $rc -eq 0 ] && ! grep -q "taken from the first cache" "$out"'

# usage and unreadable input
verify --bogus
check "unknown option exits 2" '[ $rc -eq 2 ]'
verify "$tmp/does-not-exist"
check "missing input exits 2" '[ $rc -eq 2 ] && grep -q "does-not-exist" "$out"'
verify --julia-version 1.11.0 "$S"
check "--julia-version without --julia-commit exits 2" '[ $rc -eq 2 ]'
