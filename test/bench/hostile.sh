#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# hostile.sh: how `inspect --json`, `verify --json` and `relocate --dry-run
# --json` scale with the number of dependencies a header lists
# (test/tools/mkhostile).  For N and 2N (default 100,000 and 200,000): wall
# time and peak RSS, and the growth ratios time(2N)/time(N) and
# RSS(2N)/RSS(N) (near-linear: about 2; quadratic: about 4), with the peak
# RSS as a multiple of the header's size.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
JLDEPOT=${JLDEPOT:-$top/usr/bin/jldepot}
BUILDDIR=${BUILDDIR:-$top/build/release}
FIXTURES=${FIXTURES:-$top/test/fixtures}
N=${HOSTILE_N:-100000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-hostile-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdepot() { # DIR N
    cp -r "$FIXTURES/sample-depot" "$1"
    "$BUILDDIR/test/tools/mkcache" "$1" Greeter >/dev/null
    local src
    src=$(ls "$1"/compiled/v1.11/Greeter/*.ji)
    "$BUILDDIR/test/tools/mkhostile" "$src" "$2" "$1/compiled/v1.11/Greeter/hostile.ji" >/dev/null
    rm "$src"
    "$JLDEPOT" relocate --absolute "$1" >/dev/null 2>&1
}
measure() { # -> "seconds kb"
    /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>&1
    tail -1 "$tmp/t"
}
mkdepot "$tmp/a" "$N"
mkdepot "$tmp/b" $((2 * N))
ha="$tmp/a/compiled/v1.11/Greeter/hostile.ji" hb="$tmp/b/compiled/v1.11/Greeter/hostile.ji"
kb=$(($(stat -c %s "$hb") / 1024))
printf '%-22s %8s %8s %9s %9s %8s %8s %9s\n' command "t(N)" "t(2N)" "RSS(N)" "RSS(2N)" "t ratio" "RSS rat" "RSS/hdr"
for c in "inspect --json --no-so" "verify --json" "relocate --dry-run --json"; do
    read -r ta ra < <(measure "$JLDEPOT" $c "$([ "${c%% *}" = relocate ] && echo "$tmp/a" || echo "$ha")")
    read -r tb rb < <(measure "$JLDEPOT" $c "$([ "${c%% *}" = relocate ] && echo "$tmp/b" || echo "$hb")")
    awk -v c="$c" -v ta="$ta" -v tb="$tb" -v ra="$ra" -v rb="$rb" -v kb="$kb" 'BEGIN {
        printf "%-22s %7.2fs %7.2fs %7.0fMB %7.0fMB %8.2f %8.2f %8.1fx\n", substr(c, 1, 22), ta, tb,
               ra / 1024, rb / 1024, (ta > 0 ? tb / ta : 0), rb / ra, rb / kb }'
done
echo "# N = $N and $((2 * N)) dependencies; header of 2N: $((kb / 1024)) MB"
