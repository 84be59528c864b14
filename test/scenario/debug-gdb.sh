#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# debug-gdb.sh: plain GDB finds the sources of a pkgimage whose depot did
# not move, with no configuration; GDB with contrib/debugger/julia-depot-gdb.py
# also finds those of pkgimages whose depots were moved.  mkdiso builds Shapes
# (sample depot, inlining from Units in the second depot) with DWARF 4 and 5;
# both depots are then moved to paths with a space, `=`, `:` and `%`, reached
# through symlinks listed in JULIA_DEPOT_PATH; gdb runs dihost on the .so.
# Every expectation (files, lines, symbols) comes from mkdiso's manifest.
set -u
export PYTHONDONTWRITEBYTECODE=1 # keep the checkout free of __pycache__
: "${BUILDDIR:?}" "${TOP:?}" "${FIXTURES:?}"
MKDISO=$BUILDDIR/test/tools/mkdiso
DIHOST=$BUILDDIR/test/tools/dihost
LOADER=$TOP/contrib/debugger/julia-depot-gdb.py
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
for t in "$MKDISO" "$DIHOST"; do
    [ -x "$t" ] || { echo "not ok - $(basename "$t") is built"; exit 1; }
done
command -v gdb >/dev/null || { echo "not ok - gdb is installed"; exit 1; }
S=$(mktemp -d "${TMPDIR:-/tmp}/debug-gdb-XXXXXX")
trap 'rm -rf "$S"' EXIT
export ASAN_OPTIONS=detect_leaks=0 # LeakSanitizer cannot run under ptrace

. "$TOP/test/scenario/lib/debug-bed.sh"

gdbrun() { # gdb with the loader; extra -ex arguments; then dihost SO...
    local so=("$@")
    gdb -batch -nx -ex 'set breakpoint pending on' -ex "source $LOADER" "${EX[@]}" \
        --args "$DIHOST" "${so[@]}" 2>&1
}

for dw in 4 5; do
    if ! setup "$dw"; then echo "not ok - dwarf$dw: mkdiso builds the images"; continue; fi
    check "dwarf$dw: manifest names a function, an inlined call and both images" \
        '[ -f "$SO" ] && [ -f "$SO2" ] && [ -f "$FUNC_FILE" ] && [ -f "$INL_FILE" ] && [ -n "$FUNC_SYM" ] && [ -n "$INL_CALLER" ]'
    rf=$(readlink -f "$FUNC_FILE")
    ri=$(readlink -f "$INL_FILE")
    text=$(sed -n "${FUNC_LINE}p" "$FUNC_FILE")

    # break at the moved file (full path through the symlink), run, look
    EX=(-ex "break \"$FUNC_FILE\":$FUNC_LINE" -ex run -ex 'info source' -ex "list $FUNC_LINE,$FUNC_LINE"
        -ex bt -ex 'show substitute-path' -ex 'info julia-depot-map')
    out=$(gdbrun "$SO")
    check "dwarf$dw: break FILE:LINE at the moved file stops in $FUNC_SYM" \
        'grep -qF "Breakpoint 1, $FUNC_SYM () at $rf:$FUNC_LINE" <<<"$out"'
    check "dwarf$dw: info source shows the new location" 'grep -qxF "Located in $rf" <<<"$out"'
    check "dwarf$dw: list shows the real line text" \
        'grep -qxF "$FUNC_LINE	$text" <<<"$out"'
    check "dwarf$dw: bt frame #0 shows the new path" \
        'grep -qE "^#0  $FUNC_SYM \(\) at " <<<"$out" && grep "^#0 " <<<"$out" | grep -qF "$rf:$FUNC_LINE"'
    check "dwarf$dw: no build directory is left in bt" '! grep "^#" <<<"$out" | grep -qF "$BUILD/"'
    rules=$(grep -F "  \`$BUILD/" <<<"$out")
    check "dwarf$dw: exactly the image's two roots are installed" \
        '[ "$(wc -l <<<"$rules")" = 2 ] && grep -qF -- "-> \`$LA'"'"'." <<<"$rules" && grep -qF -- "-> \`$LB'"'"'." <<<"$rules"'
    check "dwarf$dw: info julia-depot-map lists both roots" \
        'grep -qF -- "-> $LA (@depot, containing)" <<<"$out" && grep -qF -- "-> $LB (@depot, DEPOT_PATH[2])" <<<"$out"'

    # the inlined frame from Units points into the moved second depot
    EX=(-ex "break \"$INL_FILE\":$INL_LINE" -ex run -ex bt -ex 'info source')
    out=$(gdbrun "$SO")
    check "dwarf$dw: breakpoint in the inlined Units code stops" \
        'grep -q "^Breakpoint 1, .* at $(printf "%s" "$ri" | sed "s/[][\\.*^$]/\\\\&/g"):$INL_LINE\$" <<<"$out"'
    check "dwarf$dw: inlined frame #0 is in the moved second depot" \
        'grep "^#0 " <<<"$out" | grep -qF "$ri:$INL_LINE"'
    check "dwarf$dw: its caller $INL_CALLER is in the moved first depot" \
        'grep "^#1 " <<<"$out" | grep -F "$INL_CALLER" | grep -qF "$(readlink -f "$LA")/"'

    # two depots in one process, same relative paths, different image ids
    base=$(basename "$FUNC_FILE")
    EX=(-ex "break $base:$FUNC_LINE" -ex run -ex 'bt 1' -ex continue -ex 'bt 1' -ex 'show substitute-path')
    out=$(gdbrun "$SO" "$SO2")
    stops=$(grep "^#0 " <<<"$out")
    check "dwarf$dw: two depots: first stop resolves into its own depot" \
        'sed -n 1p <<<"$stops" | grep -qF "$(readlink -f "$LA")/"'
    check "dwarf$dw: two depots: second stop resolves into the other depot" \
        'sed -n 2p <<<"$stops" | grep -qF "$(readlink -f "$LA2")/"'
    check "dwarf$dw: two depots: three distinct roots installed" \
        '[ "$(grep -cF "  \`$BUILD/" <<<"$out")" = 3 ]'

    # without the loader the same breakpoint does not find the real file
    out=$(gdb -batch -nx -ex 'set breakpoint pending on' -ex "break \"$FUNC_FILE\":$FUNC_LINE" -ex run \
        -ex "break $base:$FUNC_LINE" -ex run -ex 'info source' -ex bt --args "$DIHOST" "$SO" 2>&1)
    check "dwarf$dw: without the loader the moved file is unknown to gdb" \
        '! grep -q "^Breakpoint 1," <<<"$out" && ! grep -qF "$rf" <<<"$out"'
    check "dwarf$dw: without the loader frames show the build machine's path" \
        'grep "^#0 " <<<"$out" | grep -qF " at $BUILD/A/packages/"'

    # an image whose depot did not move: plain gdb, nothing configured
    stext=$(sed -n "${STAY_LINE}p" "$STAY_FILE")
    out=$(gdb -batch -nx -ex 'set breakpoint pending on' -ex "break \"$STAY_FILE\":$STAY_LINE" -ex run \
        -ex 'info source' -ex "list $STAY_LINE,$STAY_LINE" -ex bt --args "$DIHOST" "$SO_STAY" 2>&1)
    check "dwarf$dw: unmoved, plain gdb: break FILE:LINE stops in $STAY_SYM" \
        'grep -qF "Breakpoint 1, $STAY_SYM () at $STAY_FILE:$STAY_LINE" <<<"$out"'
    check "dwarf$dw: unmoved, plain gdb: info source finds the file" 'grep -qxF "Located in $STAY_FILE" <<<"$out"'
    check "dwarf$dw: unmoved, plain gdb: list shows the real line text" \
        'grep -qxF "$STAY_LINE	$stext" <<<"$out"'
    check "dwarf$dw: unmoved, plain gdb: bt frame #0 names the file" \
        'grep "^#0 " <<<"$out" | grep -qF "$STAY_FILE:$STAY_LINE"'
    # with the loader: the root maps to itself, no rule is installed
    EX=(-ex "break \"$STAY_FILE\":$STAY_LINE" -ex run -ex 'show substitute-path' -ex 'info julia-depot-map')
    out=$(gdbrun "$SO_STAY")
    check "dwarf$dw: unmoved, with the loader: it stops there, no rule installed" \
        'grep -qF "Breakpoint 1, $STAY_SYM () at $STAY_FILE:$STAY_LINE" <<<"$out" && grep -qx "List of all source path substitution rules:" <<<"$out" && ! grep -qF -- "-> \`" <<<"$out"'
    check "dwarf$dw: unmoved, with the loader: info julia-depot-map says where" \
        'grep -qF "  $STAY -> $STAY (@depot, containing)" <<<"$out"'

    # an edited source after the move: the md5 warning, once
    printf '# edited after the move\n' >>"$FUNC_FILE"
    EX=(-ex "break \"$FUNC_FILE\":$FUNC_LINE" -ex run -ex 'info julia-depot-map')
    out=$(gdbrun "$SO")
    if [ "$dw" = 5 ]; then
        check "dwarf$dw: an edited source gets the md5 warning" \
            '[ "$(grep -cxF "warning: $FUNC_FILE differs from the source this image was compiled from" <<<"$out")" = 1 ]'
        check "dwarf$dw: only the edited file is reported" '[ "$(grep -c "differs from the source" <<<"$out")" = 1 ]'
    else
        # DWARF 4 images record no MD5 (the map says "-"): nothing to compare
        check "dwarf$dw: no md5 recorded, no warning, the edited file still shown" \
            '! grep -q "differs from the source" <<<"$out" && grep -qF "$FUNC_FILE" <<<"$out"'
    fi
    check "dwarf$dw: unedited run has no md5 warning" \
        '! gdbrun "$SO2" | grep -q "differs from the source"'
done

# a map that is not valid is ignored with a named reason, never a crash
bad=$S/bad/compiled/v1.11/Shapes
mkdir -p "$bad"
cp "$SO2" "$bad/x.so"
python3 - "$bad/x.so" <<'PY'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
i = data.find(b"julia-depot-map\t2")
data[i + 16] = ord("7")  # version 7
open(p, "wb").write(data)
PY
EX=(-ex run)
out=$(gdbrun "$bad/x.so")
check "a map of unknown version is ignored with a reason" \
    'grep -qF "warning: julia-depot-map: ignoring the depot map of $bad/x.so because the map has version 7" <<<"$out"'
check "the program still runs under gdb" 'grep -q "exited normally" <<<"$out"'
