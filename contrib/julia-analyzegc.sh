#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# julia-analyzegc.sh JULIA-CHECKOUT: Julia's clang static analyzer with its
# GC checker (`make -C src clang-sagc-FILE`, what `make -C src analyzegc`
# runs for every file) on each C and C++ file of `src/` that the patch series
# (patches/*.patch of this repository) adds or changes, in a built Julia
# checkout with the series applied.  Prints each file's reports and a count;
# exits 1 when there is any.
#
# Needs clang-19 and Debian's libclang-19-dev (the checker is a clang
# plugin, built by Julia's src/Makefile); Julia's own `analyzegc-deps-check`
# wants a clang it built, so the Makefile is told where Debian's is.
set -euo pipefail
jl=$(cd "${1:?usage: julia-analyzegc.sh JULIA-CHECKOUT}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(llvm-config-19 --bindir)
export PATH=$bindir:$PATH
files=$(grep -h '^diff --git a/src/[^ ]*\.\(c\|cpp\) ' "$top"/patches/00*.patch |
    sed -e 's|^diff --git a/src/\([^ ]*\) .*|\1|' -e 's|\.c$||' -e 's|\.cpp$||' | sort -u)
total=0
for f in $files; do
    # a file another one includes (staticdata_utils.c) is analyzed with it
    if grep -lq "^#include \"$f\.c\"" "$jl"/src/*.c; then continue; fi
    out=$(make -C "$jl/src" "clang-sagc-$f" BUILD_LLVM_CLANG=1 build_depsbindir="$bindir" 2>&1 |
        sed 's/\x1b\[[0-9;]*m//g') || true
    reports=$(grep -E ': (error|warning): ' <<<"$out" | sort -u || true)
    n=0
    [ -n "$reports" ] && n=$(wc -l <<<"$reports")
    total=$((total + n))
    echo "== $f: $n"
    [ -n "$reports" ] && sed "s|^$jl/||" <<<"$reports"
done
echo "$total reports"
[ "$total" -eq 0 ]
