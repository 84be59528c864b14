#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# run.sh: the benchmarks.  Runs every test/bench/bench-* program of the
# release build, then every test/bench/*.sh script but this one.  Each prints
# its figures as ratios against a baseline measured in the same run.
# Benchmarks are reports, not pass/fail tests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
export TOP="$top" JLDEPOT="$top/usr/bin/jldepot" BUILDDIR="$top/build/release" \
    FIXTURES="$top/test/fixtures"
for bin in build/release/test/bench/bench-*; do
    [ -x "$bin" ] || continue
    echo "== $(basename "$bin")"
    "$bin" || echo "(exit $?)"
done
for s in test/bench/*.sh; do
    [ "$(basename "$s")" = run.sh ] && continue
    echo "== $(basename "$s" .sh)"
    bash "$s" || echo "(exit $?)"
done
