#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: lldb-19 takes seconds to start, each of many times;
# debug-gdb.sh covers the same depot map in the quick tier)
#
# debug-lldb.sh: plain lldb-19 finds the sources of a pkgimage whose depot
# did not move, with no configuration; with `command script import
# .../contrib/debugger/julia_depot_lldb.py` (the line the docs give) it also
# finds those of pkgimages whose depots were moved.  Same setup as
# debug-gdb.sh: mkdiso builds Shapes (inlining from Units in the second
# depot) with DWARF 4 and 5, both depots move to paths with a space, `=`,
# `:` and `%`, reached through symlinks listed in JULIA_DEPOT_PATH; lldb runs
# dihost on the .so.
set -u
export PYTHONDONTWRITEBYTECODE=1 # keep the checkout free of __pycache__
: "${BUILDDIR:?}" "${TOP:?}" "${FIXTURES:?}"
MKDISO=$BUILDDIR/test/tools/mkdiso
DIHOST=$BUILDDIR/test/tools/dihost
LOADER=$TOP/contrib/debugger/julia_depot_lldb.py
LLDB=${LLDB:-lldb-19}
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
for t in "$MKDISO" "$DIHOST"; do
    [ -x "$t" ] || { echo "not ok - $(basename "$t") is built"; exit 1; }
done
command -v "$LLDB" >/dev/null || { echo "not ok - $LLDB is installed"; exit 1; }
S=$(mktemp -d "${TMPDIR:-/tmp}/debug-lldb-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$S"' EXIT
export ASAN_OPTIONS=detect_leaks=0 # LeakSanitizer cannot run under ptrace
FMT='frame #${frame.index}: ${function.name} at ${line.file.fullpath}:${line.number}\n'

. "$TOP/test/scenario/lib/debug-bed.sh"

lldbrun() { # lldb with the loader imported; extra -o arguments in EX; then dihost SO...
    timeout 120 "$LLDB" -b -o "command script import \"$LOADER\"" "${EX[@]}" -- "$DIHOST" "$@" 2>&1
}

for dw in 4 5; do
    if ! setup "$dw"; then echo "not ok - dwarf$dw: mkdiso builds the images"; continue; fi
    check "dwarf$dw: manifest names a function, an inlined call and both images" \
        '[ -f "$SO" ] && [ -f "$SO2" ] && [ -f "$FUNC_FILE" ] && [ -f "$INL_FILE" ] && [ -n "$FUNC_SYM" ]'
    text=$(sed -n "${FUNC_LINE}p" "$FUNC_FILE")
    base=$(basename "$FUNC_FILE")

    EX=(-o "breakpoint set -f $base -l $FUNC_LINE" -o run -o "settings set frame-format \"$FMT\""
        -o bt -o 'source info' -o 'julia-depot-map' -o 'settings show target.source-map')
    out=$(lldbrun "$SO")
    [ -n "${KEEP:-}" ] && printf "%s\n" "$out" >>"$S/log"
    check "dwarf$dw: break $base:$FUNC_LINE resolves and stops in $FUNC_SYM" \
        'grep -q "stop reason = breakpoint 1\.1" <<<"$out" && grep -q "$FUNC_SYM at $base:$FUNC_LINE" <<<"$out"'
    check "dwarf$dw: the stop shows the real line text" \
        'grep -qF -- "-> $FUNC_LINE   	$text" <<<"$out" || grep -qF -- "-> $FUNC_LINE  	$text" <<<"$out"'
    check "dwarf$dw: bt frame #0 shows the new path" \
        'grep -qF "frame #0: $FUNC_SYM at $FUNC_FILE:$FUNC_LINE" <<<"$out"'
    check "dwarf$dw: source info shows the new location" \
        'grep -qF "): $FUNC_FILE:$FUNC_LINE" <<<"$out"'
    check "dwarf$dw: exactly the image's two roots are in target.source-map" \
        '[ "$(grep -c "^\[[0-9]*\] \"$BUILD/[AB]\" -> " <<<"$out")" = 2 ] && grep -qF "\"$BUILD/A\" -> \"$LA\"" <<<"$out" && grep -qF "\"$BUILD/B\" -> \"$LB\"" <<<"$out"'
    check "dwarf$dw: julia-depot-map lists both roots" \
        'grep -qF -- "-> $LA (@depot, containing)" <<<"$out" && grep -qF -- "-> $LB (@depot, DEPOT_PATH[2])" <<<"$out"'

    # `source list -f` searches only compile units' primary files (Julia's
    # are all named `julia`); julia-list finds a file of the moved depots by
    # name or path suffix, before and after the process runs
    next=$(sed -n "$((FUNC_LINE + 1))p" "$FUNC_FILE")
    inltext=$(sed -n "${INL_LINE}p" "$INL_FILE")
    EX=(-o "target modules add \"$SO\"" -o "julia-list $base:$FUNC_LINE 2"
        -o "julia-list $(basename "$INL_FILE"):$INL_LINE 1" -o "julia-list no-such-file.jl")
    out=$(lldbrun "$SO")
    check "dwarf$dw: julia-list $base:$FUNC_LINE names the moved file" 'grep -qxF "$FUNC_FILE" <<<"$out"'
    check "dwarf$dw: julia-list shows the line and the next one" \
        'grep -qF "$FUNC_LINE   	$text" <<<"$out" && grep -qE "^ *$((FUNC_LINE + 1))( |	|$)" <<<"$out"'
    check "dwarf$dw: julia-list finds the inlined file in the second depot" \
        'grep -qxF "$INL_FILE" <<<"$out" && grep -qF "$INL_LINE   	$inltext" <<<"$out"'
    check "dwarf$dw: julia-list names a file no image has" \
        'grep -qF "error: no loaded image has a source file named \"no-such-file.jl\"" <<<"$out"'
    EX=(-o "target modules add \"$SO\"" -o "target modules add \"$SO2\"" -o "julia-list $base:$FUNC_LINE 1")
    out=$(lldbrun "$SO" "$SO2")
    check "dwarf$dw: julia-list with two images of the same package asks for more of the path" \
        'grep -qF "several source files match \"$base\"" <<<"$out" && grep -qF "$LA/" <<<"$out" && grep -qF "$LA2/" <<<"$out"'

    # after the image is loaded, a breakpoint at the moved Units file (full
    # path) resolves and stops in the inlined frame
    EX=(-o "breakpoint set -n jl_test_entry_Shapes" -o run -o "breakpoint set -f \"$INL_FILE\" -l $INL_LINE"
        -o continue -o "settings set frame-format \"$FMT\"" -o bt)
    out=$(lldbrun "$SO")
    check "dwarf$dw: a breakpoint at the moved Units file resolves" \
        'grep -q "^Breakpoint 2: where = " <<<"$out" && grep -q "stop reason = breakpoint 2\.1" <<<"$out"'
    check "dwarf$dw: the inlined Units frame is in the moved second depot" \
        'grep -qF "frame #0: $INL_CALLER at $INL_FILE:$INL_LINE" <<<"$out"'

    # two depots in one process, same relative paths, different image ids
    EX=(-o "breakpoint set -f $base -l $FUNC_LINE" -o run -o "settings set frame-format \"$FMT\""
        -o 'bt 1' -o continue -o 'bt 1')
    out=$(lldbrun "$SO" "$SO2")
    stops=$(grep "frame #0: $FUNC_SYM at " <<<"$out" | grep -v "stop reason")
    check "dwarf$dw: two depots: first stop resolves into its own depot" \
        'grep -qF "$LA/" <<<"$(sed -n 1p <<<"$stops")"'
    check "dwarf$dw: two depots: second stop resolves into the other depot" \
        'grep -qF "$LA2/" <<<"$(sed -n 2p <<<"$stops")"'

    # the loader imported before the target exists (~/.lldbinit): the
    # target-event listener adds the stop-hook to the new target
    printf 'command script import "%s"\n' "$LOADER" >"$S/init"
    out=$(timeout 120 "$LLDB" -b -S "$S/init" -o "breakpoint set -f $base -l $FUNC_LINE" -o run \
        -o 'source info' -o 'target stop-hook list' -- "$DIHOST" "$SO" 2>&1)
    check "dwarf$dw: imported before the target: the stop-hook is added" \
        'grep -q "Class:julia_depot_lldb.StopHook" <<<"$out"'
    check "dwarf$dw: imported before the target: the stop is mapped" \
        'grep -qF "): $FUNC_FILE:$FUNC_LINE" <<<"$out"'

    # without the loader the same breakpoint does not find the real file
    out=$(timeout 120 "$LLDB" -b -o "breakpoint set -f $base -l $FUNC_LINE" -o run -o 'source info' \
        -- "$DIHOST" "$SO" 2>&1)
    check "dwarf$dw: without the loader the stop shows the build machine's path" \
        'grep -qF "): $BUILD/A/packages/" <<<"$out" && ! grep -qF "$FUNC_FILE" <<<"$out"'

    # an image whose depot did not move: plain lldb, nothing configured
    stext=$(sed -n "${STAY_LINE}p" "$STAY_FILE")
    out=$(timeout 120 "$LLDB" -b -o "breakpoint set -f \"$STAY_FILE\" -l $STAY_LINE" -o run \
        -o "settings set frame-format \"$FMT\"" -o bt -o 'source info' -- "$DIHOST" "$SO_STAY" 2>&1)
    check "dwarf$dw: unmoved, plain lldb: break FILE:LINE stops in $STAY_SYM" \
        'grep -q "stop reason = breakpoint 1\.1" <<<"$out" && grep -qF "frame #0: $STAY_SYM at $STAY_FILE:$STAY_LINE" <<<"$out"'
    check "dwarf$dw: unmoved, plain lldb: the stop shows the real line text" \
        'grep -qF -- "-> $STAY_LINE   	$stext" <<<"$out" || grep -qF -- "-> $STAY_LINE  	$stext" <<<"$out"'
    check "dwarf$dw: unmoved, plain lldb: source info names the file" \
        'grep -qF "): $STAY_FILE:$STAY_LINE" <<<"$out"'
    # with the loader: the root maps to itself, nothing is added
    EX=(-o "breakpoint set -f \"$STAY_FILE\" -l $STAY_LINE" -o run -o 'julia-depot-map'
        -o 'settings show target.source-map')
    out=$(lldbrun "$SO_STAY")
    check "dwarf$dw: unmoved, with the loader: it stops there, the source map stays empty" \
        'grep -q "stop reason = breakpoint 1\.1" <<<"$out" && ! grep -q "^\[[0-9]*\] \"" <<<"$out" && grep -qF "  $STAY -> $STAY (@depot, containing)" <<<"$out"'

    # an edited source after the move: the md5 warning, once
    printf '# edited after the move\n' >>"$FUNC_FILE"
    EX=(-o "breakpoint set -f $base -l $FUNC_LINE" -o run -o continue)
    out=$(lldbrun "$SO")
    [ -n "${KEEP:-}" ] && printf "%s\n" "$out" >>"$S/log"
    if [ "$dw" = 5 ]; then
        check "dwarf$dw: an edited source gets the md5 warning, once" \
            '[ "$(grep -cF "warning: $FUNC_FILE differs from the source this image was compiled from" <<<"$out")" = 1 ]'
        check "dwarf$dw: only the edited file is reported" '[ "$(grep -c "differs from the source" <<<"$out")" = 1 ]'
    else
        # DWARF 4 images record no MD5 (the map says "-"): nothing to compare
        check "dwarf$dw: no md5 recorded, no warning" '! grep -q "differs from the source" <<<"$out"'
    fi
done
