#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# verify-steady.sh: `jldepot verify` on a generated depot of NPKG packages
# (default 300, 20 files each: 6,000 dependencies of about 10 kB, some
# 60 MB of sources, pkgimages) after a `cp -r`:
#   first    the first check of the copy (content read, stamps written);
#   steady   later checks (stamps used);
#   sealed   a read-only copy carrying a seal;
# against the baseline `verify --no-stamp` (every byte re-hashed on every
# check, upstream's behaviour) in the same run.  Also counts, with strace,
# the bytes read, the stat-family calls and the sources opened.  Median
# wall times of ROUNDS runs (3).  A report, not a test.
set -u
JLDEPOT=${JLDEPOT:-usr/bin/jldepot}
TOP=${TOP:-$(pwd)}
NPKG=${NPKG:-300}
ROUNDS=${ROUNDS:-3}
command -v strace >/dev/null || { echo "verify-steady: strace is missing (make deps)"; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/jldepot-bench-XXXXXX")
trap 'chmod -R u+w "$dir" 2>/dev/null; rm -rf "$dir"' EXIT

bash "$TOP/test/tools/gendepot.sh" --pkgimage "$dir/build" "$NPKG" || exit 1
cp -r "$dir/build" "$dir/copy"
sleep 0.2 # past the racy window of the last files copied
D="$dir/copy"
ndeps=$(find "$D/packages" -name '*.jl' | wc -l)
srcbytes=$(find "$D/packages" -name '*.jl' -printf '%s\n' | awk '{s += $1} END {print s}')
cachebytes=$(find "$D/compiled" \( -name '*.ji' -o -name '*.so' \) -printf '%s\n' |
    awk '{s += $1} END {print s}')

ns() { date +%s%N; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# strace summary of one run: bytes read, stat-family calls, .jl files opened
traced() {
    local log="$dir/trace"
    strace -f -qq -o "$log" -e trace=read,pread64,openat,newfstatat,stat,lstat,fstat,statx \
        "$JLDEPOT" verify "$@" >/dev/null 2>&1
    awk '
        /^[0-9]+ +(read|pread64)\(/ { n = $NF; if (n ~ /^[0-9]+$/) bytes += n }
        /(newfstatat|[^f]stat|lstat|statx)\(AT_FDCWD|(^| )stat\(|lstat\(/ { stats++; if ($0 ~ /\/packages\//) depstats++ }
        /openat\(.*\.jl"/ { jl++ }
        END { printf "%d %d %d %d\n", bytes, stats, jl, depstats }' "$log"
}

# first check of the copy: content read once, stamps written
t0=$(ns)
"$JLDEPOT" verify "$D" >"$dir/first.out"
t1=$(ns)
first_ms=$(((t1 - t0) / 1000000))
tail -n 1 "$dir/first.out"
nstamps=$(find "$D/compiled" -name '*.stamp' | wc -l)
# the same first check again, traced, on a fresh copy (stamps of the copy removed)
find "$D/compiled" -name '*.stamp' -delete
read -r first_bytes first_stats first_jl first_dst < <(traced "$D")

# baseline: re-hash everything (upstream) vs steady state (stamps used)
base=() steady=()
for ((r = 0; r < ROUNDS; r++)); do
    t0=$(ns)
    "$JLDEPOT" verify --no-stamp "$D" >/dev/null
    t1=$(ns)
    "$JLDEPOT" verify "$D" >/dev/null
    t2=$(ns)
    base+=($(((t1 - t0) / 1000))) steady+=($(((t2 - t1) / 1000)))
done
read -r st_bytes st_stats st_jl st_dst < <(traced "$D")
read -r b_bytes b_stats b_jl b_dst < <(traced --no-stamp "$D")
used=$("$JLDEPOT" verify --json "$D" | grep -c '"stamp": "used"')

# a read-only copy with a seal
cp -a "$D" "$dir/ro"
find "$dir/ro/compiled" -name '*.stamp' -delete
"$JLDEPOT" seal "$dir/ro" >/dev/null || echo "verify-steady: seal failed"
chmod -R a-w "$dir/ro"
sleep 0.1
sealed=()
for ((r = 0; r < ROUNDS; r++)); do
    t0=$(ns)
    "$JLDEPOT" verify "$dir/ro" >/dev/null
    t1=$(ns)
    sealed+=($(((t1 - t0) / 1000)))
done
read -r se_bytes se_stats se_jl se_dst < <(traced "$dir/ro")
nseal=$("$JLDEPOT" verify --json "$dir/ro" | grep -c '"stamp": "seal"')

bm=$(printf '%s\n' "${base[@]}" | median)
sm=$(printf '%s\n' "${steady[@]}" | median)
em=$(printf '%s\n' "${sealed[@]}" | median)
echo "depot: $NPKG packages, $ndeps source files, $srcbytes source bytes, $cachebytes cache bytes"
echo "first verify after cp -r: ${first_ms} ms, $nstamps stamps written;" \
    "read $first_bytes bytes = $(awk -v a="$first_bytes" -v b="$srcbytes" -v c="$cachebytes" \
        'BEGIN {printf "%.2f", a / (b + c)}') x (sources + caches), $first_jl .jl opens"
echo "baseline verify --no-stamp (re-hash everything): median $((bm / 1000)) ms;" \
    "read $b_bytes bytes, $b_stats stat calls, $b_jl .jl opens"
echo "steady state (stamps, $used of $NPKG used): median $((sm / 1000)) ms;" \
    "read $st_bytes bytes (headers and stamps), $st_stats stat calls of which $st_dst on" \
    "the $ndeps dependency files ($(awk -v a="$st_dst" -v b="$ndeps" 'BEGIN {printf "%.2f", a / b}')" \
    "per dependency), $st_jl .jl opens"
echo "sealed read-only copy ($nseal of $NPKG sealed): median $((em / 1000)) ms;" \
    "read $se_bytes bytes, $se_stats stat calls ($se_dst on dependencies), $se_jl .jl opens"
awk -v b="$bm" -v s="$sm" -v e="$em" 'BEGIN {
    printf "ratio baseline/steady: %.1fx faster; baseline/sealed: %.1fx faster (page cache warm)\n", b / s, b / e }'

# cold page cache, when this machine lets us drop it (root)
if sync 2>/dev/null && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
    t0=$(ns)
    "$JLDEPOT" verify --no-stamp "$D" >/dev/null
    t1=$(ns)
    sync
    echo 3 >/proc/sys/vm/drop_caches
    t2=$(ns)
    "$JLDEPOT" verify "$D" >/dev/null
    t3=$(ns)
    awk -v b="$((t1 - t0))" -v s="$((t3 - t2))" 'BEGIN {
        printf "cold page cache: baseline %.0f ms, steady %.0f ms: %.1fx faster\n", b / 1e6, s / 1e6, b / s }'
else
    echo "cold page cache: not measured (cannot drop the page cache here)"
fi
