#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# gendepot.sh: generate a depot of many packages with real-format caches,
# for benchmarks and fan-out scenarios.
#
#   gendepot.sh [--pkgimage] [--files N] [--bytes B] [--chain C] DEPOT NPKG
#
# Package i (P0001, P0002, ...) has src/P000i.jl plus N-1 included files
# (default N = 20, so 300 packages give 6,000 dependencies) of about B bytes
# each (default 10,000: about 60 MB for 300 packages), a Project.toml with a
# UUID derived from i, and `using` of the previous package within chains of
# C packages (default 10), so that caches require each other by build id.
# The caches are written with mkcache ($MKCACHE, or the release build's),
# in dependency order; --pkgimage builds the .so of each as well.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mkcache=${MKCACHE:-$top/build/release/test/tools/mkcache}
files=20 bytes=10000 chain=10 pkgimage=
while [ $# -gt 2 ]; do
    case $1 in
    --pkgimage) pkgimage=--pkgimage; shift ;;
    --files) files=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    --chain) chain=$2; shift 2 ;;
    *) echo "gendepot: unknown option $1" >&2; exit 2 ;;
    esac
done
[ $# -eq 2 ] || { echo "usage: gendepot.sh [--pkgimage] [--files N] [--bytes B] [--chain C] DEPOT NPKG" >&2; exit 2; }
depot=$1 npkg=$2
[ -x "$mkcache" ] || { echo "gendepot: $mkcache is not built" >&2; exit 2; }
mkdir -p "$depot/packages"

# Sources, all packages in one awk run.
awk -v depot="$depot" -v npkg="$npkg" -v files="$files" -v bytes="$bytes" -v chain="$chain" '
function uuid(i) { return sprintf("%08x-0000-4000-8000-%012x", 305419896 + i, i) }
function name(i) { return sprintf("P%04d", i) }
BEGIN {
    for (i = 1; i <= npkg; i++) {
        n = name(i); slug = sprintf("s%04d", i)
        dir = depot "/packages/" n "/" slug
        system("mkdir -p \"" dir "/src\"")
        proj = dir "/Project.toml"
        printf("name = \"%s\"\nuuid = \"%s\"\nversion = \"0.1.%d\"\n", n, uuid(i), i) > proj
        dep = ((i - 1) % chain != 0) ? i - 1 : 0
        if (dep) printf("\n[deps]\n%s = \"%s\"\n", name(dep), uuid(dep)) > proj
        close(proj)
        entry = dir "/src/" n ".jl"
        printf("module %s\n\n", n) > entry
        if (dep) printf("using %s\n\n", name(dep)) > entry
        for (f = 1; f < files; f++) printf("include(\"part%02d.jl\")\n", f) > entry
        printf("\nend # module %s\n", n) > entry
        close(entry)
        for (f = 1; f < files; f++) {
            part = dir "/src/" sprintf("part%02d.jl", f)
            printf("# %s part %d\n", n, f) > part
            len = 0; k = 0
            while (len < bytes) {
                line = sprintf("f_%d_%d_%d(x::Int) = x * %d + %d  # a generated method of realistic length\n", i, f, k, k + 3, i)
                printf("%s", line) > part
                len += length(line); k++
            }
            close(part)
        }
    }
}'

for ((i = 1; i <= npkg; i++)); do
    "$mkcache" $pkgimage "$depot" "$(printf 'P%04d' "$i")"
done
