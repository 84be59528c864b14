#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# julia-debug-check.sh JULIA: the debug info of a real pkgimage, before and
# after its depot moves (doc/debugging.md), on a Julia with the series.
#
#   1. A depot whose path has a space precompiles a package with native code
#      (`precompile` statements) from two source files.
#   2. Where it was built, with nothing configured: plain gdb lists the
#      source, plain lldb-19 resolves a breakpoint whose line entry is the
#      file, llvm-symbolizer-19 names the file, and a Julia stack trace
#      through the package names it.
#   3. The depot is moved to a longer path: Julia loads the package with
#      nothing recompiled and its stack trace names the moved file; plain
#      gdb cannot find the source (the build's path is gone); gdb with
#      contrib/debugger/julia-depot-gdb.py lists it from the moved depot.
#
# Prints what it checked and exits 0 when every check held.  KEEP=1 keeps
# the work directory.
set -euo pipefail
julia=$(readlink -f "${1:?usage: julia-debug-check.sh JULIA}")
top=$(cd "$(dirname "$0")/.." && pwd)
helper=$top/contrib/debugger/julia-depot-gdb.py
LLDB=${LLDB:-lldb-19}
SYMBOLIZER=${LLVM_SYMBOLIZER:-llvm-symbolizer-19}
W=$(mktemp -d "${TMPDIR:-/tmp}/jl-debug-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
fails=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi; }

# ---- the package ------------------------------------------------------------------------
A="$W/build depot"
pkg="$A/dev/MovePkg"
mkdir -p "$pkg/src"
printf 'name = "MovePkg"\nuuid = "5b1e8a52-3c0d-4d8e-9f7a-2a51c7e0b0aa"\nversion = "0.1.0"\n' \
    >"$pkg/Project.toml"
cat >"$pkg/src/MovePkg.jl" <<'EOF'
module MovePkg
include("impl.jl")
precompile(check, (Int,))
precompile(twice, (Int,))
end
EOF
cat >"$pkg/src/impl.jl" <<'EOF'
# the code of MovePkg
function check(x::Int)
    x < 0 && throw(ArgumentError("negative: $x"))
    return x + 1
end
twice(x::Int) = check(check(x))
EOF
impl_line=3 # the line that throws
impl_text=$(sed -n "${impl_line}p" "$pkg/src/impl.jl")

# jl DEPOT CODE: run JULIA with DEPOT as its only depot (and the bundled ones)
jl() {
    JULIA_DEPOT_PATH="$1:" JULIA_LOAD_PATH="$1/dev:@stdlib" JULIA_DEBUG=loading \
        "$julia" --startup-file=no -e "$2" 2>&1
}
# the file of the frame that throws, from a stack trace through the package
trace='using MovePkg
try
    MovePkg.twice(-1)
catch
    for fr in stacktrace(catch_backtrace())
        fr.func === :check && (println("FRAME ", fr.file, ":", fr.line); break)
    end
end
println("CACHE ", Base.pkgorigins[Base.PkgId(MovePkg)].cachepath)'

out=$(jl "$A" "$trace")
ji=$(sed -n 's/^CACHE //p' <<<"$out")
check "the package is precompiled in the depot" '[ -n "$ji" ] && [ -f "$ji" ]'
so=${ji%.ji}.so
check "its image has native code and a depot map" \
    'nm -D --defined-only "$so" | grep -qw jl_depot_map && nm --defined-only "$so" | grep -q " julia_check_"'

# ---- where it was built: nothing configured ---------------------------------------------
check "unmoved: the stack frame names the source file" \
    'grep -qxF "FRAME $pkg/src/impl.jl:$impl_line" <<<"$out"'
g=$(gdb -batch -nx -ex "list impl.jl:$impl_line,$impl_line" -ex "info line impl.jl:$impl_line" "$so" 2>&1)
check "unmoved: plain gdb lists the source line" 'grep -qxF "$impl_line	$impl_text" <<<"$g"'
check "unmoved: plain gdb names the file" 'grep -qF "of \"$pkg/src/impl.jl\"" <<<"$g"'
l=$("$LLDB" -b -o "target create \"$so\"" -o "breakpoint set -f impl.jl -l $impl_line" 2>&1 || true)
baddr=$(sed -n 's/^Breakpoint 1: where = .*, address = \(0x[0-9a-f]*\)$/\1/p' <<<"$l")
check "unmoved: plain lldb resolves a breakpoint at impl.jl:$impl_line" '[ -n "$baddr" ]'
l=$("$LLDB" -b -o "target create \"$so\"" -o "image lookup -v -a ${baddr:-0}" 2>&1 || true)
check "unmoved: plain lldb's line entry there is the file" \
    'grep -qF "LineEntry: " <<<"$l" && grep "LineEntry: " <<<"$l" | grep -qF "$pkg/src/impl.jl:$impl_line:"'
addr=$(nm --defined-only "$so" | awk '$3 ~ /^julia_check_/ { print "0x" $1; exit }')
s=$("$SYMBOLIZER" --obj="$so" "$addr" 2>&1)
check "unmoved: llvm-symbolizer names the file" 'grep -qF "$pkg/src/impl.jl:" <<<"$s"'

# ---- moved ------------------------------------------------------------------------------
B="$W/moved/to a much longer place/depot"
mkdir -p "$(dirname "$B")"
mv "$A" "$B"
out=$(jl "$B" "$trace")
check "moved: loaded from the moved depot" 'grep -qxF "CACHE $B/${ji#"$A/"}" <<<"$out"'
check "moved: nothing was compiled" '! grep -q "Precompiling\|Rejecting" <<<"$out"'
check "moved: the stack frame names the moved file" \
    'grep -qxF "FRAME $B/dev/MovePkg/src/impl.jl:$impl_line" <<<"$out"'
so=$B/${so#"$A/"}
g=$(gdb -batch -nx -ex "list impl.jl:$impl_line,$impl_line" "$so" 2>&1)
check "moved: plain gdb looks at the build's path, which is gone" \
    '! grep -qxF "$impl_line	$impl_text" <<<"$g" && grep -qF "$A/dev/MovePkg/src/impl.jl" <<<"$g"'
g=$(JULIA_DEPOT_PATH="$B" gdb -batch -nx -ex "source $helper" -ex "list impl.jl:$impl_line,$impl_line" \
    -ex 'info julia-depot-map' "$so" 2>&1)
check "moved: gdb with the helper lists the source line" 'grep -qxF "$impl_line	$impl_text" <<<"$g"'
check "moved: the helper maps the build depot to the moved one" \
    'grep -qF "  $A -> $B (@depot, containing)" <<<"$g"'

[ "$fails" -eq 0 ] && echo "all checks held" || echo "$fails checks failed"
[ "$fails" -eq 0 ]
