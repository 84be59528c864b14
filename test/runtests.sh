#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# runtests.sh BUILDDIR...: run every test of each build (one process per unit
# test, so a crash cannot hide the others; each fuzz target briefly; each
# scenario script), print a TAP-style line per test and one final
# "N passed, N failed" line.  Exit status 0 only when nothing failed.
#
# Scenario scripts (test/scenario/*.sh) get JLDEPOT, BUILDDIR, USRDIR,
# TOP and FIXTURES in their environment and print "ok - NAME" or
# "not ok - NAME" per check; a script that exits non-zero without saying
# "not ok" counts as one failure.
#
# With QUICK=1 (make check) only the release build's unit tests, a short
# fuzz run and the scenario scripts not marked `# tier: slow` run, the
# scripts JOBS at a time (default 2; the full run: 1).  Their lines are
# reported in the scripts' order either way.  Every run ends with the ten
# slowest programs (unit-test binaries, fuzz targets, scenario scripts) and
# their wall-clock times.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export JL_TEST_FIXTURES="$top/test/fixtures"
QUICK=${QUICK:-0}
FUZZ_RUNS=${FUZZ_RUNS:-20000}
JOBS=${JOBS:-1}
[ "$QUICK" = 1 ] && FUZZ_RUNS=${QUICK_FUZZ_RUNS:-2000} && JOBS=${JOBS_QUICK:-2}
passed=0
failed=0
failures=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/jldepot-testlogs-XXXXXX")
trap 'rm -rf "$logdir"' EXIT
: >"$logdir/times"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
timed() { # name start_ms: record how long a program took
    echo "$(($(now_ms) - $2)) $1" >>"$logdir/times"
}

report() { # status name logfile
    if [ "$1" = ok ]; then
        passed=$((passed + 1))
        echo "ok $((passed + failed)) - $2"
    else
        failed=$((failed + 1))
        failures+=("$2")
        echo "not ok $((passed + failed)) - $2"
        if [ -n "${3:-}" ] && [ -s "$3" ]; then tail -n 25 "$3" | sed 's/^/#   /'; fi
    fi
}

for build in "$@"; do
    label=$(basename "$build")
    usr="$build/usr"
    [ "$label" = release ] && usr="$top/usr"
    export BUILDDIR="$top/$build" USRDIR="$usr" JLDEPOT="$usr/bin/jldepot" TOP="$top" \
        FIXTURES="$top/test/fixtures"
    if [ "$label" = asan ]; then
        export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
        export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    else
        unset ASAN_OPTIONS UBSAN_OPTIONS
    fi
    # unit tests
    for bin in "$build"/test/runtime/test-* "$build"/test/cli/test-*; do
        [ -x "$bin" ] || continue
        unit=$(basename "$bin")
        t0=$(now_ms)
        names=$("$bin" --list 2>/dev/null)
        if [ -z "$names" ]; then report fail "$label/$unit (cannot list tests)"; continue; fi
        while IFS= read -r t; do
            log="$logdir/out"
            if "$bin" "$t" >"$log" 2>&1 && ! grep -q -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$log"; then
                report ok "$label/$unit/$t"
            else
                report fail "$label/$unit/$t" "$log"
            fi
        done <<<"$names"
        timed "$label/$unit" "$t0"
    done
    # fuzz targets, briefly, on their seed corpus
    for bin in "$build"/test/fuzz/fuzz-*; do
        [ -x "$bin" ] || continue
        name=$(basename "$bin")
        seeds="$top/test/fuzz/corpus/${name#fuzz-}"
        work=$(mktemp -d "$logdir/corpus-XXXXXX")
        args=("$work")
        [ -d "$seeds" ] && args+=("$seeds")
        log="$logdir/out"
        t0=$(now_ms)
        if "$bin" -runs="$FUZZ_RUNS" -seed=1 -max_len=65536 "${args[@]}" >"$log" 2>&1; then
            report ok "$label/fuzz/$name ($FUZZ_RUNS runs)"
        else
            report fail "$label/fuzz/$name" "$log"
        fi
        timed "$label/fuzz/$name" "$t0"
        rm -rf "$work"
    done
    # scenario tests: each script's output, exit status and time go to its
    # own files; at most JOBS run at once; reported in order afterwards
    scripts=()
    for s in test/scenario/*.sh; do
        [ -f "$s" ] || continue
        [ "$QUICK" = 1 ] && grep -q '^# tier: slow' "$s" && continue
        scripts+=("$s")
    done
    running=0
    for s in "${scripts[@]}"; do
        name=$(basename "$s" .sh)
        if [ "$running" -ge "$JOBS" ]; then
            wait -n
            running=$((running - 1))
        fi
        (
            t0=$(now_ms)
            bash "$s" >"$logdir/$name.out" 2>&1
            echo $? >"$logdir/$name.rc"
            echo "$(($(now_ms) - t0)) $label/scenario/$name" >"$logdir/$name.time"
        ) &
        running=$((running + 1))
    done
    wait
    for s in "${scripts[@]}"; do
        name=$(basename "$s" .sh)
        log="$logdir/$name.out"
        rc=$(cat "$logdir/$name.rc" 2>/dev/null || echo 1)
        cat "$logdir/$name.time" >>"$logdir/times" 2>/dev/null
        nlines=0
        while IFS= read -r line; do
            case "$line" in
                "ok - "*) report ok "$label/scenario/$name/${line#ok - }"; nlines=$((nlines+1)) ;;
                "not ok - "*) report fail "$label/scenario/$name/${line#not ok - }" "$log"; nlines=$((nlines+1)) ;;
            esac
        done <"$log"
        if [ "$rc" -ne 0 ] && ! grep -q "^not ok - " "$log"; then
            report fail "$label/scenario/$name (exit $rc)" "$log"
        elif [ "$nlines" -eq 0 ]; then
            report fail "$label/scenario/$name (no checks ran)" "$log"
        fi
        rm -f "$log" "$logdir/$name.rc" "$logdir/$name.time"
    done
done

echo "# slowest:"
sort -rn "$logdir/times" | head -n 10 |
    while read -r ms name; do printf '#   %6d.%01d s  %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$name"; done
if [ "$failed" -gt 0 ]; then
    echo "# failed:"
    printf '#   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
