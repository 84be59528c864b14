#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# run.sh BUILDDIR SECONDS: run every fuzz target of BUILDDIR for SECONDS each,
# keeping a working corpus under BUILDDIR/fuzz-corpus/<target> (seeded from
# test/fuzz/corpus/<target>), and print each target's final libFuzzer stats.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
build=${1:-build/asan}
secs=${2:-300}
status=0
for bin in "$build"/test/fuzz/fuzz-*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work="$build/fuzz-corpus/${name#fuzz-}"
    mkdir -p "$work"
    seeds="test/fuzz/corpus/${name#fuzz-}"
    args=("$work")
    [ -d "$seeds" ] && args+=("$seeds")
    echo "== $name for ${secs}s"
    "$bin" -max_total_time="$secs" -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$build/" "${args[@]}" 2>&1 | grep -E "^(#[0-9]+.*DONE|stat::|==|SUMMARY|ERROR)" || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
exit $status
