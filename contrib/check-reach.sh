#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# check-reach.sh [-v]: every function the series adds to Julia's src/ is
# reached from Julia.  The runtime files (src/*.c, src/*.cpp of this
# repository, the files the patches add) are compiled with one section per
# function and linked, with --gc-sections, from roots taken from the series
# itself:
#   - every jl_* name on an added line of a C or C++ hunk of an upstream
#     src/ file (patches/hunks/*/src/*.diff): what Julia's runtime and
#     codegen call;
#   - every `ccall(:name` / `dlsym(..., :name)` of base-jl/*.jl and of the
#     added lines of the base/ hunks: what Base calls.
# The linker then names each function nothing reaches; the check fails when
# there is one.  It also fails when a function the series exports
# (JL_DLLEXPORT) is not called from Base or from codegen, when a function of
# libjulia-internal that Base or codegen calls is not exported, when the
# exports and the names added to src/jl_exported_funcs.inc differ, or when
# there are more than 25 of them.  Prints the counts (files, functions, exports).
# Run by `make check-patches`.

set -euo pipefail
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-cc}
CXX=${CXX:-c++}
LLVM_CONFIG=${LLVM_CONFIG:-llvm-config-19}
verbose=0
[ "${1:-}" = -v ] && verbose=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-reach-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$TOP"

flags=(-O1 -ffunction-sections -fdata-sections -fvisibility=hidden -D_GNU_SOURCE
       -Isrc)
objs=()
for f in src/*.c; do
    o=$tmp/$(basename "$f").o
    "$CC" -std=gnu99 "${flags[@]}" -I"$("$LLVM_CONFIG" --includedir)" -c "$f" -o "$o"
    objs+=("$o")
done
for f in src/*.cpp; do
    o=$tmp/$(basename "$f").o
    # shellcheck disable=SC2046
    "$CXX" "${flags[@]}" $("$LLVM_CONFIG" --cxxflags) -c "$f" -o "$o"
    objs+=("$o")
done

# the roots
{
    ls patches/hunks/*/src/*.diff | grep -v '/jl_exported_funcs\.inc\.diff$' | xargs cat |
        grep '^+' | grep -v '^+++' | grep -o '\bjl_[A-Za-z0-9_]*' || true
    grep -ho 'ccall((\?:[A-Za-z0-9_]*\|dlsym([^,]*, *:[A-Za-z0-9_]*' base-jl/*.jl | grep -o '[A-Za-z0-9_]*$' || true
    cat patches/hunks/*/base/*.diff | grep '^+' | grep -o 'ccall((\?:[A-Za-z0-9_]*' | grep -o '[A-Za-z0-9_]*$' || true
} | sort -u >"$tmp/mentioned"
# the functions and data the runtime files define
for o in "${objs[@]}"; do nm --defined-only "$o"; done |
    awk '$2 ~ /^[TtDdRrBb]$/ {print $2, $3}' | sort -u >"$tmp/defined"
awk '{print $2}' "$tmp/defined" | sort -u | comm -12 - "$tmp/mentioned" >"$tmp/roots"
[ -s "$tmp/roots" ] || { echo "check-reach: no roots found" >&2; exit 1; }

echo 'int main(void) { return 0; }' >"$tmp/roots.c"
"$CC" -c -w "$tmp/roots.c" -o "$tmp/roots.o"
# shellcheck disable=SC2046
"$CXX" -o "$tmp/reach" "$tmp/roots.o" "${objs[@]}" $(sed 's/^/-Wl,--undefined=/' "$tmp/roots") -Wl,--gc-sections -Wl,--print-gc-sections \
    -Wl,--unresolved-symbols=ignore-all 2>"$tmp/gc" || { cat "$tmp/gc" >&2; exit 1; }

# a removed .text.NAME section is the function NAME, unreachable
grep -o "section '\.text\.[^']*' in file '[^']*'" "$tmp/gc" |
    sed "s/section '\.text\.\([^']*\)' in file '.*\/\([^']*\)\.o'/\2: \1/" |
    grep -v ': _ZN\|: _ZNK\|: _ZSt\|: __cxx' | sort -u >"$tmp/dead" || true

# the exports: what the series marks JL_DLLEXPORT, against what Base calls
# (ccall) or codegen links (llvm-depotmap.c, the hunks of the C++ files), and
# against the names it adds to src/jl_exported_funcs.inc; an upstream export
# whose declaration a hunk changes (a line removed and added) is not new
dllexport_names() {
    awk '/^JL_DLLEXPORT/ { l = $0; if (l !~ /\(/) { getline; l = l " " $0 }
                           sub(/\(.*/, "", l); n = split(l, w, /[ *]+/); print w[n] }' |
        grep '^jl_' | sort -u || true
}
cat patches/hunks/*/src/*.diff | grep '^-' | sed 's/^-//' | dllexport_names >"$tmp/changed"
{
    cat src/*.c src/*.cpp
    cat patches/hunks/*/src/*.diff | grep '^+' | sed 's/^+//'
} | dllexport_names | comm -23 - "$tmp/changed" >"$tmp/exported"
cat patches/hunks/*/src/jl_exported_funcs.inc.diff | grep '^+ *XX(' |
    sed 's/.*XX(\([A-Za-z0-9_]*\)).*/\1/' | sort -u >"$tmp/listed"
{
    grep -ho 'ccall((\?:[A-Za-z0-9_]*' base-jl/*.jl | grep -o '[A-Za-z0-9_]*$' || true
    cat patches/hunks/*/base/*.diff | grep '^+' | grep -o 'ccall((\?:[A-Za-z0-9_]*' | grep -o '[A-Za-z0-9_]*$' || true
    grep -ho '\bjl_depot_[A-Za-z0-9_]*(' src/llvm-*.c src/llvm-*.cpp | tr -d '(' || true
    cat patches/hunks/*/src/*.cpp.diff | grep '^+' | grep -o '\bjl_depot_[A-Za-z0-9_]*(' | tr -d '(' || true
} | sort -u >"$tmp/called"
nfun=$(awk '$1 ~ /[Tt]/' "$tmp/defined" | wc -l)
nexp=$(wc -l <"$tmp/exported")
echo "check-reach: $(echo src/*.c src/*.cpp | wc -w) runtime files, $nfun functions, $(wc -l <"$tmp/roots") roots, $nexp exported functions"
bad=0
if ! cmp -s "$tmp/exported" "$tmp/listed"; then
    echo "check-reach: JL_DLLEXPORT and src/jl_exported_funcs.inc differ (< exported only, > listed only):"
    diff "$tmp/exported" "$tmp/listed" | grep '^[<>]' | sed 's/^/  /'  || true
    bad=1
fi
if comm -23 "$tmp/exported" "$tmp/called" | grep -q .; then
    echo "check-reach: exported, but neither Base nor codegen calls them:"
    comm -23 "$tmp/exported" "$tmp/called" | sed 's/^/  /'
    bad=1
fi
# and the other way round: libjulia-codegen and Base reach the functions of
# libjulia-internal (every runtime file but llvm-*) only through its exports
for f in src/*.c; do
    case $(basename "$f") in llvm-*) continue ;; esac
    nm --defined-only "$tmp/$(basename "$f").o"
done | awk '$2 ~ /^[Tt]$/ {print $3}' | sort -u >"$tmp/internal"
if comm -12 "$tmp/called" "$tmp/internal" | comm -23 - "$tmp/exported" | grep -q .; then
    echo "check-reach: called from Base or codegen, but not exported:"
    comm -12 "$tmp/called" "$tmp/internal" | comm -23 - "$tmp/exported" | sed 's/^/  /'
    bad=1
fi
if [ "$nexp" -gt 25 ]; then
    echo "check-reach: more than 25 exported functions"
    bad=1
fi
if [ "$verbose" = 1 ]; then
    echo "roots:"; sed 's/^/  /' "$tmp/roots"
fi
if [ -s "$tmp/dead" ]; then
    echo "check-reach: $(wc -l <"$tmp/dead") functions nothing in the series reaches:"
    sed 's/^/  /' "$tmp/dead"
    bad=1
fi
[ "$bad" = 0 ] || exit 1
echo "check-reach: every function is reached; every export is called from Base or codegen and listed"
