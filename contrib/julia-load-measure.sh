#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# julia-load-measure.sh [-n PKGS] [-r RUNS] JULIA [BASELINE-JULIA]: what
# Julia's loader does to load a moved depot, measured with strace, for a
# Julia built with the series and (optionally) an unpatched Julia built from
# the same commit, in one run on one machine.
#
# A depot is generated with PKGS packages (default 24) in its `dev/`
# directory, each with three source files and a dependency on the packages
# before it, and a package `Top` that uses them all.  For each Julia:
#   1. `using Top` precompiles everything into the depot;
#   2. the depot is moved (`mv` to another path), the load path follows it;
#   3. "first": the first `using Top` after the move;
#   4. "steady": the same again (traced once; its time is the median of RUNS
#      untraced loads, default 10, run at the end and interleaved between
#      the two Julias);
#   5. "changed": one source file of the first package edited (same size,
#      new mtime and content), then `using Top`, which recompiles it and what
#      depends on it; then "after": one more `using Top`.
# For each load it prints the wall time and, from `strace -f -y`, the
# stat-family calls and opens on the depot's source files, the source bytes
# read, the `.ji` files opened and their bytes read, all system calls on
# depot files, and the writes to the depot (files opened for writing,
# renames, timestamp updates).  With BASELINE-JULIA the ratios patched/baseline follow.
#
# Needs strace and python3.  Prints a table; exits non-zero if a load fails.

set -euo pipefail
export LC_ALL=C
npkgs=24
runs=10
while getopts n:r: o; do
    case $o in
    n) npkgs=$OPTARG ;;
    r) runs=$OPTARG ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n PKGS] [-r RUNS] JULIA [BASELINE-JULIA]" >&2; exit 2; }
command -v strace >/dev/null || { echo "$0: strace is needed" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/julia-load-measure-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- the depot ---------------------------------------------------------------
uuid() { printf '%08x-0000-4000-8000-%012x\n' "$1" "$1"; }
make_depot() { # DEPOT
    local d=$1/dev i j deps
    mkdir -p "$d"
    for i in $(seq 1 "$npkgs"); do
        mkdir -p "$d/P$i/src"
        deps=""
        for j in $(seq $((i > 3 ? i - 3 : 1)) $((i - 1))); do
            [ "$j" -ge 1 ] && [ "$j" -lt "$i" ] && deps="$deps
P$j = \"$(uuid "$j")\""
        done
        printf 'name = "P%d"\nuuid = "%s"\nversion = "0.1.0"\n\n[deps]%s\n' "$i" "$(uuid "$i")" "$deps" >"$d/P$i/Project.toml"
        {
            echo "module P$i"
            for j in $(seq $((i > 3 ? i - 3 : 1)) $((i - 1))); do
                [ "$j" -ge 1 ] && [ "$j" -lt "$i" ] && echo "using P$j"
            done
            echo 'include("a.jl")'
            echo 'include("b.jl")'
            echo "f$i(x) = a$i(x) + b$i(x)"
            echo "end"
        } >"$d/P$i/src/P$i.jl"
        printf 'a%d(x) = x + %d\n# %s\n' "$i" "$i" "$(head -c 2000 /dev/zero | tr '\0' 'a')" >"$d/P$i/src/a.jl"
        printf 'b%d(x) = 2x + %d\n# %s\n' "$i" "$i" "$(head -c 2000 /dev/zero | tr '\0' 'b')" >"$d/P$i/src/b.jl"
    done
    mkdir -p "$d/Top/src"
    {
        printf 'name = "Top"\nuuid = "%s"\nversion = "0.1.0"\n\n[deps]\n' "$(uuid 999)"
        for i in $(seq 1 "$npkgs"); do echo "P$i = \"$(uuid "$i")\""; done
    } >"$d/Top/Project.toml"
    {
        echo "module Top"
        for i in $(seq 1 "$npkgs"); do echo "using P$i"; done
        echo "end"
    } >"$d/Top/src/Top.jl"
}

# ---- one load, traced ----------------------------------------------------------
# load JULIA DEPOT LABEL: `using Top` with DEPOT as the only user depot; the
# trace goes to $tmp/LABEL.trace and the wall time (s) to $tmp/LABEL.time.
load() {
    local jl=$1 depot=$2 label=$3
    local t0 t1
    t0=$(date +%s.%N)
    JULIA_DEPOT_PATH="$depot:" JULIA_LOAD_PATH="$depot/dev:@stdlib" \
        strace -f -y -qq -o "$tmp/$label.trace" \
        -e trace=openat,open,read,pread64,stat,lstat,newfstatat,fstat,statx,access,readlink,rename,renameat,renameat2,utimensat \
        "$jl" --startup-file=no --history-file=no -e 'using Top' >"$tmp/$label.out" 2>&1 ||
        { cat "$tmp/$label.out" >&2; echo "$0: $label: julia failed" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >"$tmp/$label.time"
}

# an untraced load for the time only (strace slows system calls down)
load_time() {
    local jl=$1 depot=$2 t0 t1
    t0=$(date +%s.%N)
    JULIA_DEPOT_PATH="$depot:" JULIA_LOAD_PATH="$depot/dev:@stdlib" \
        "$jl" --startup-file=no --history-file=no -e 'using Top' >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.4f\n", $2 - $1}'
}

count() { # LABEL DEPOT -> one line of figures
    python3 - "$tmp/$1.trace" "$2" "$(cat "$tmp/$1.time")" <<'EOF'
import re, sys
trace, depot, wall = sys.argv[1], sys.argv[2], sys.argv[3]
src = depot + "/dev/"
cwd = r'(?:(?:AT_FDCWD|-100)(?:<[^>]*>)?,\s*)?'
# a stat-family call on a path, or on a descriptor (strace -y names its file)
stat_re = re.compile(r'^\d+\s+(?:(?:stat|lstat|newfstatat|statx|access|readlink)\(' + cwd +
                     r'"(?P<path>[^"]*)"|(?:fstat|newfstatat)\(\d+<(?P<fd>[^>]*)>)')
open_re = re.compile(r'^\d+\s+(openat|open)\(' + cwd + r'"([^"]*)".*= (-?\d+)')
read_re = re.compile(r'^\d+\s+(read|pread64)\((\d+)<([^>]*)>.*= (\d+)$')
srcstat = srcopen = srcbytes = jiopen = jibytes = depotcalls = writes = 0
write_re = re.compile(r'^\d+\s+(rename|renameat2?|utimensat)\(')
for line in open(trace, errors="replace"):
    m = stat_re.match(line)
    if m:
        p = m.group("path") or m.group("fd")
        if p.startswith(depot + "/"):
            depotcalls += 1
        if p.startswith(src) and "/src/" in p[len(src):]:
            srcstat += 1
        continue
    if write_re.match(line) and depot + "/" in line:
        writes += 1
        depotcalls += 1
        continue
    m = open_re.match(line)
    if m:
        p = m.group(2)
        if p.startswith(depot + "/"):
            depotcalls += 1
            if re.search(r'O_WRONLY|O_RDWR|O_CREAT', line):
                writes += 1
        ok = not m.group(3).startswith("-")
        if ok and p.startswith(src) and p.endswith(".jl"):
            srcopen += 1
        if ok and p.endswith(".ji"):
            jiopen += 1
        continue
    m = read_re.match(line)
    if m:
        p, n = m.group(3), int(m.group(4))
        if p.startswith(depot + "/"):
            depotcalls += 1
        if p.startswith(src) and p.endswith(".jl"):
            srcbytes += n
        if p.endswith(".ji"):
            jibytes += n
nsrc = 0
import os
for root, dirs, fs in os.walk(src):
    nsrc += sum(1 for f in fs if f.endswith(".jl"))
print(f"{wall} {srcstat} {nsrc} {srcopen} {srcbytes} {jiopen} {jibytes} {depotcalls} {writes}")
EOF
}

measure() { # JULIA NAME -> $tmp/NAME.results
    local jl=$1 name=$2 d m i times
    d="$tmp/$name-depot"
    m="$tmp/$name-moved"
    make_depot "$d"
    JULIA_DEPOT_PATH="$d:" JULIA_LOAD_PATH="$d/dev:@stdlib" \
        "$jl" --startup-file=no -e 'using Top' >"$tmp/$name-precompile.out" 2>&1 ||
        { cat "$tmp/$name-precompile.out" >&2; exit 1; }
    mv "$d" "$m"
    : >"$tmp/$name.results"
    load "$jl" "$m" "$name-first"
    echo "first $(count "$name-first" "$m")" >>"$tmp/$name.results"
    load "$jl" "$m" "$name-steady"
    echo "steady $(count "$name-steady" "$m")" >>"$tmp/$name.results"
    # one source file edited: same size, new content and mtime
    sleep 1
    sed -i 's/x + 1$/x + 9/' "$m/dev/P1/src/a.jl"
    load "$jl" "$m" "$name-changed"
    echo "changed $(count "$name-changed" "$m")" >>"$tmp/$name.results"
    load "$jl" "$m" "$name-after"
    echo "after $(count "$name-after" "$m")" >>"$tmp/$name.results"
}

print() { # NAME
    echo "== $1 ($npkgs packages + Top, $(( npkgs * 3 + 1 )) source files; steady time: median of $runs untraced runs, interleaved)"
    printf '%-8s %9s %12s %10s %12s %8s %10s %12s %7s\n' load "time(s)" "src stats" "src opens" "src bytes" "ji opens" "ji bytes" "depot calls" writes
    while read -r what wall sst nsrc sop sby jop jby dc wr; do
        printf '%-8s %9s %12s %10s %12s %8s %10s %12s %7s\n' "$what" "$wall" "$sst ($nsrc)" "$sop" "$sby" "$jop" "$jby" "$dc" "$wr"
    done <"$tmp/$1.results"
}

# The steady time: RUNS untraced loads of each Julia, interleaved so that
# both see the same machine (the depots are in their steady state again after
# the "after" load); the median goes into the "steady" row.
steady_times() { # NAME...
    local i name
    for i in $(seq 1 "$runs"); do
        for name in "$@"; do
            echo "$name $(load_time "$(cat "$tmp/$name.julia")" "$tmp/$name-moved")"
        done
    done >"$tmp/times"
    for name in "$@"; do
        t=$(awk -v n="$name" '$1 == n {print $2}' "$tmp/times" | sort -n |
            awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        awk -v t="$t" '$1 == "steady" {$2 = t} {print}' "$tmp/$name.results" >"$tmp/r" &&
            mv "$tmp/r" "$tmp/$name.results"
    done
}

echo "$1" >"$tmp/patched.julia"
measure "$1" patched
if [ $# -ge 2 ]; then
    echo "$2" >"$tmp/baseline.julia"
    measure "$2" baseline
    steady_times patched baseline
    print patched
    print baseline
    echo "== patched / baseline"
    paste "$tmp/patched.results" "$tmp/baseline.results" | awk '
        function r(a, b) { return b == 0 ? (a == 0 ? "1" : "inf") : sprintf("%.3f", a / b) }
        { printf "%-8s time %s, src stats %s, src bytes %s, ji bytes %s, depot calls %s, writes %s\n",
                 $1, r($2, $12), r($3, $13), r($6, $16), r($8, $18), r($9, $19), r($10, $20) }'
else
    steady_times patched
    print patched
fi
