#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# crc32c-cli.sh: `jldepot crc32c FILE` against coreutils `cksum FILE` (the
# baseline, measured in the same run) on a 1 GiB file in the page cache.
# The two commands alternate, ROUNDS times each; prints the best and median
# wall times and the ratio cksum_time / jldepot_time (> 1 means jldepot is
# faster).  A report, not a test.  Env: JLDEPOT (the tool), ROUNDS (5),
# BENCH_FILE_MIB (1024).
set -u
JLDEPOT=${JLDEPOT:-usr/bin/jldepot}
ROUNDS=${ROUNDS:-5}
MIB=${BENCH_FILE_MIB:-1024}
if [ ! -x "$JLDEPOT" ]; then
    echo "crc32c-cli: $JLDEPOT is missing (run make)"
    exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/jldepot-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
file="$dir/data"
head -c "$((MIB << 20))" /dev/urandom >"$file" || exit 1
cat "$file" >/dev/null # warm the page cache
"$JLDEPOT" crc32c "$file" >/dev/null
cksum "$file" >/dev/null

ns() { date +%s%N; }
jl=()
ck=()
for ((r = 0; r < ROUNDS; r++)); do
    t0=$(ns)
    "$JLDEPOT" crc32c "$file" >/dev/null || exit 1
    t1=$(ns)
    cksum "$file" >/dev/null || exit 1
    t2=$(ns)
    jl+=($((t1 - t0)))
    ck+=($((t2 - t1)))
done

stats() { # prints "best median" in ms of the given nanosecond values
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f\n", v[1] / 1e6, m / 1e6 }'
}
read -r jl_best jl_med < <(stats "${jl[@]}")
read -r ck_best ck_med < <(stats "${ck[@]}")
echo "file: $MIB MiB in the page cache, $ROUNDS rounds each, alternating; impl $("$JLDEPOT" crc32c --impl)"
echo "  jldepot crc32c  best $jl_best ms  median $jl_med ms"
echo "  cksum           best $ck_best ms  median $ck_med ms"
awk -v a="$ck_best" -v b="$jl_best" -v c="$ck_med" -v d="$jl_med" 'BEGIN {
    printf "ratio cksum_time/jldepot_time = %.2f (best), %.2f (median)\n", a / b, c / d }'
