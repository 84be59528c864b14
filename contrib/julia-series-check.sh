#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# julia-series-check.sh JULIA-BUILD CHECKOUT: each patch of the series on its
# own, at the object level.  CHECKOUT is a git checkout of upstream Julia (it
# is reset to the base commit, and the patches are applied there one by one
# with `git am --whitespace=error`); JULIA-BUILD a built Julia tree, for the
# headers of its dependencies (`usr/include`) and `julia_version.h`.
#
# At each patch: `jl_internal_funcs.inc` and `jl_data_globals_defs.inc` are
# made from that patch's `jl_exported_funcs.inc` and `jl_exported_data.inc`
# by the rules of `src/Makefile`; `staticdata.c` (which includes
# `staticdata_utils.c`), `precompile.c` and the runtime files the series has
# added by then are compiled to objects with Julia's include paths and
# warnings (`llvm-depotmap.c` with `-DJL_LIBRARY_EXPORTS_CODEGEN`,
# `llvm-depotmap-md5.cpp` with LLVM's C++ flags).  The check fails on a
# compiler error or warning, when an object references a `jl_depot_*` or
# `jl_dimap_*` symbol (or its `ijl_` name) that the objects of that same
# patch do not define (a patch calling into a later one), or when a `ccall`
# of a `jl_depot_*` function in `base/` names no entry of that patch's
# `jl_exported_funcs.inc`.  `aotcompile.cpp` is left out: upstream's
# `jitlayers.h` at the base commit wants LLVM 20.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 JULIA-BUILD CHECKOUT" >&2; exit 2; }
J=$(cd "$1" && pwd)
A=$(cd "$2" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
base=4fdd12e2776419e205b96c3d0a407ba682c9913d
tmp=$(mktemp -d "${TMPDIR:-/tmp}/julia-series-check-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
G=$tmp/gen
O=$tmp/obj
cd "$A"
git am --abort >/dev/null 2>&1 || true
git checkout -q --detach "$base"
version_h=$J/src/julia_version.h
[ -f "$version_h" ] || version_h=$J/usr/include/julia/julia_version.h
cflags=(-std=gnu11 -D_GNU_SOURCE -DBUILDING_UV_SHARED '-DJL_BUILD_UNAME="Linux"'
        '-DJL_BUILD_ARCH="x86_64"' -I"$G" -Isrc -Isrc/flisp -Isrc/support -I"$J/usr/include"
        -Ideps/valgrind -I"$(llvm-config-19 --includedir)" -Wall -Wno-strict-aliasing
        -Wpointer-arith -Wundef -Wold-style-definition -Wstrict-prototypes -Wc++-compat
        -fvisibility=hidden -O0)
fail=0
n=0
for p in "$TOP"/patches/00[0-9][0-9]-*.patch; do
    case $p in */0000-*) continue ;; esac
    n=$((n + 1))
    git -c user.name=check -c user.email=check@localhost am -q --whitespace=error "$p" ||
        { echo "patch $n: git am failed"; exit 1; }
    rm -rf "$G" "$O"
    mkdir -p "$G" "$O"
    grep 'XX(..*)' src/jl_exported_funcs.inc | sed -E 's/.*XX\((.+)\).*/#define \1 i\1/g' \
        >"$G/jl_internal_funcs.inc"
    {
        grep 'XX(.*)' src/jl_exported_data.inc |
            sed -E 's/.*XX\(([^,]+), .*\).*/#define jl_\1 (sysimg_global.\1)/g'
        grep 'YY(.*)' src/jl_exported_data.inc |
            sed -E 's/.*YY\(([^,]+), .*\).*/#define jl_\1 (const_globals.jl\1)/g'
    } >"$G/jl_data_globals_defs.inc"
    cp "$version_h" "$G/"
    cc_one() { # FILE EXPORTS-DEFINE
        local f=$1 o
        o=$O/$(basename "$f").o
        if ! gcc "${cflags[@]}" "$2" -c "$f" -o "$o" 2>"$o.err" || [ -s "$o.err" ]; then
            echo "patch $n: $f:"
            head -5 "$o.err"
            fail=1
        fi
    }
    files=(src/staticdata.c src/precompile.c)
    for f in src/depot*.c; do [ -f "$f" ] && files+=("$f"); done
    for f in "${files[@]}"; do cc_one "$f" -DJL_LIBRARY_EXPORTS_INTERNAL; done
    [ -f src/llvm-depotmap.c ] && cc_one src/llvm-depotmap.c -DJL_LIBRARY_EXPORTS_CODEGEN
    if [ -f src/llvm-depotmap-md5.cpp ]; then
        # shellcheck disable=SC2046
        if ! g++ -D_GNU_SOURCE -DJL_LIBRARY_EXPORTS_CODEGEN -DUSING_UV_SHARED -I"$G" -Isrc \
            -Isrc/flisp -Isrc/support -I"$J/usr/include" $(llvm-config-19 --cxxflags) -Wall \
            -Wno-strict-aliasing -Wpointer-arith -Wundef -fvisibility=hidden -O0 \
            -c src/llvm-depotmap-md5.cpp -o "$O/md5.o" 2>"$O/md5.err" || [ -s "$O/md5.err" ]; then
            echo "patch $n: src/llvm-depotmap-md5.cpp:"
            head -5 "$O/md5.err"
            fail=1
        fi
    fi
    und=$(nm -u "$O"/*.o | awk '{print $2}' | grep -E '^i?jl_(depot|dimap)' | sort -u || true)
    def=$(nm --defined-only "$O"/*.o | awk '{print $3}' | grep -E '^i?jl_(depot|dimap)' | sort -u || true)
    missing=$(comm -23 <(echo "$und") <(echo "$def") | grep . | tr '\n' ' ' || true)
    calls=$(grep -ho 'ccall((\?:jl_depot[a-z_]*' base/*.jl | grep -o 'jl_depot[a-z_]*' | sort -u || true)
    listed=$(grep -o 'XX(jl_depot[a-z_]*)' src/jl_exported_funcs.inc | sed 's/XX(\(.*\))/\1/' |
        sort -u || true)
    unlisted=$(comm -23 <(echo "$calls") <(echo "$listed") | grep . | tr '\n' ' ' || true)
    nref=$(echo "$und" | grep -c . || true)
    echo "patch $n: ${#files[@]} C files, $nref series symbols referenced," \
        "undefined: ${missing:-none}; Base ccalls not listed: ${unlisted:-none}"
    [ -z "$missing" ] && [ -z "$unlisted" ] || fail=1
done
exit $fail
