#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# debug-gdb.sh: what contrib/debugger/julia-depot-gdb.py costs GDB per new
# object file.  mkdiso builds a generated package of NFILES (1,000) source
# files, one function each, so the image's map lists NFILES files; the depot
# is then moved.  Timed, alternating, ROUNDS times each (`gdb -batch -nx`):
#   base         gdb loads the .so (`file SO`)
#   loader       the same with the loader sourced first
#   import-only  the loader sourced, no file (its own start-up cost)
#   gdb-only     gdb with nothing
# Per object file, the loader costs (loader - base) - (import-only - gdb-only):
# reading the map, resolving the roots, installing the rules and checking
# the MD5 of every file.  A report, not a test.  Env: BUILDDIR, TOP, NFILES,
# ROUNDS (7).
set -u
export PYTHONDONTWRITEBYTECODE=1 # keep the checkout free of __pycache__
: "${BUILDDIR:=build/release}" "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
MKDISO=$BUILDDIR/test/tools/mkdiso
LOADER=$TOP/contrib/debugger/julia-depot-gdb.py
NFILES=${NFILES:-1000}
ROUNDS=${ROUNDS:-7}
if [ ! -x "$MKDISO" ]; then
    echo "debug-gdb: $MKDISO is missing (run make tests)"
    exit 1
fi
S=$(mktemp -d "${TMPDIR:-/tmp}/bench-debug-gdb-XXXXXX")
trap 'rm -rf "$S"' EXIT
src=$S/build/packages/Big/aBcDe/src
mkdir -p "$src"
printf 'name = "Big"\nuuid = "5b1e8a52-3c0d-4d8e-9f7a-2a51c7e0b001"\nversion = "0.1.0"\n' \
    >"$S/build/packages/Big/aBcDe/Project.toml"
{
    echo "module Big"
    for ((i = 1; i <= NFILES; i++)); do printf 'include("f%04d.jl")\n' "$i"; done
    echo "end # module Big"
} >"$src/Big.jl"
for ((i = 1; i <= NFILES; i++)); do
    printf '# generated file %d\n\nf%04d(x) = x + %d\n' "$i" "$i" "$i" >"$src/$(printf 'f%04d.jl' "$i")"
done
"$MKDISO" --depot-path "$S/build" "$S/build" Big >"$S/manifest" || exit 1
so=$(awk -F'\t' '$1 == "so" { print $2 }' "$S/manifest")
mkdir -p "$S/moved dir"
mv "$S/build" "$S/moved dir/depot"
SO="$S/moved dir/depot/${so#"$S/build/"}"
export JULIA_DEPOT_PATH="$S/moved dir/depot"
export BENCH_SO="$SO"
# gdb times the command that loads the object file; the file name comes from
# the environment, quoted for gdb's `file` command.
PYLOAD='import os, time
so = os.environ["BENCH_SO"].replace("\\", "\\\\").replace(" ", "\\ ")
t0 = time.perf_counter()
gdb.execute("file " + so, to_string=True)
print("LOAD_MS %.3f" % ((time.perf_counter() - t0) * 1e3))'
load_ms() { # extra gdb arguments...
    gdb -batch -nx "$@" -ex "python $PYLOAD" 2>&1 | sed -n 's/^LOAD_MS //p'
}
nmap=$(gdb -batch -nx -ex "source $LOADER" -ex "python $PYLOAD" -ex 'info julia-depot-map' 2>&1 |
    sed -n 's/.*(image [0-9a-f]*, \([0-9]*\) files)$/\1/p')
echo "image: $(basename "$SO"), $(stat -c %s "$SO") bytes, map lists ${nmap:-?} files; $ROUNDS rounds, alternating"
base=()
loader=()
for ((r = 0; r < ROUNDS; r++)); do
    base+=("$(load_ms)")
    loader+=("$(load_ms -ex "source $LOADER")")
done
med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }
b=$(med "${base[@]}")
h=$(med "${loader[@]}")
echo "  base    (no loader)          median $b ms per object file load"
echo "  loader  (julia-depot-gdb.py) median $h ms per object file load"
awk -v b="$b" -v h="$h" -v n="${nmap:-0}" 'BEGIN {
    printf "loader cost: %.2f ms per object file (%d mapped files: %.1f us per file)\n", h - b, n, n ? (h - b) * 1000 / n : 0
    printf "ratio loader/base = %.2f\n", h / b }'
