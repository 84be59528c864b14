#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: llvm-symbolizer-19 and addr2line over many
# addresses; debug-gdb.sh covers the same depot map in the quick tier)
#
# debug-symbolizer.sh: llvm-symbolizer-19 and addr2line alone name the real
# files of a pkgimage whose depot did not move; contrib/debugger/
# julia-depot-symbolizer turns the build machine's paths they print for a
# moved one into the files of the moved depots.  Same setup as debug-gdb.sh
# (mkdiso, DWARF 4 and 5, depots moved behind symlinks); the addresses of the
# manifest's symbols come from nm.
set -u
export PYTHONDONTWRITEBYTECODE=1 # keep the checkout free of __pycache__
: "${BUILDDIR:?}" "${TOP:?}" "${FIXTURES:?}"
MKDISO=$BUILDDIR/test/tools/mkdiso
DIHOST=$BUILDDIR/test/tools/dihost
SYM=$TOP/contrib/debugger/julia-depot-symbolizer
LLVM_SYMBOLIZER=${LLVM_SYMBOLIZER:-llvm-symbolizer-19}
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
for t in "$MKDISO" "$DIHOST"; do
    [ -x "$t" ] || { echo "not ok - $(basename "$t") is built"; exit 1; }
done
S=$(mktemp -d "${TMPDIR:-/tmp}/debug-sym-XXXXXX")
trap 'rm -rf "$S"' EXIT

. "$TOP/test/scenario/lib/debug-bed.sh"

for dw in 4 5; do
    if ! setup "$dw"; then echo "not ok - dwarf$dw: mkdiso builds the images"; continue; fi
    # expected "symbol<TAB>moved file:line" for every func of the manifest
    want=$(awk -F'\t' -v la="$LA" '$1 == "func" { sub(/^@depot\//, "", $3); print $2 "\t" la "/" $3 ":" $4 }' "$S/man$dw")
    syms=$(cut -f1 <<<"$want")
    addrs=()
    for s in $syms; do
        a=$(nm "$SO" | awk -v s="$s" '$3 == s { print "0x" $1 }')
        addrs+=("$a")
    done
    check "dwarf$dw: nm finds every manifest symbol" '[ "${#addrs[@]}" -eq "$(wc -l <<<"$want")" ] && ! printf "%s\n" "${addrs[@]}" | grep -qx "0x"'

    raw=$("$LLVM_SYMBOLIZER" --obj="$SO" "${addrs[@]}")
    check "dwarf$dw: llvm-symbolizer alone prints the build machine's paths" \
        '[ "$(grep -cF "$BUILD/A/packages/" <<<"$raw")" -eq "${#addrs[@]}" ]'
    got=$("$SYM" "$SO" -- "$LLVM_SYMBOLIZER" --obj="$SO" "${addrs[@]}" |
        awk 'NF == 0 { n = 0; next } { n++ } n == 1 { s = $0 } n == 2 { sub(/:[0-9]+$/, ""); print s "\t" $0 }')
    check "dwarf$dw: wrapped llvm-symbolizer prints the moved files and lines" '[ "$got" = "$want" ]'
    check "dwarf$dw: every printed file exists" \
        '(while IFS=$'"'"'\t'"'"' read -r _ f; do [ -f "${f%:*}" ] || exit 1; done <<<"$got")'

    # binutils 2.40 addr2line misreads some DWARF 5 line tables (file 0):
    # it is checked on DWARF 4 only.
    if [ "$dw" = 4 ]; then
    got=$(addr2line -f -e "$SO" "${addrs[@]}" | "$SYM" --filter "$SO" | paste - - | sed 's/:[0-9]*\( (discriminator [0-9]*)\)\?$//')
    want2=$(sed 's/:[0-9]*$//' <<<"$want")
    gotf=$(sed 's/:[0-9]*$//' <<<"$got")
    check "dwarf$dw: addr2line output through --filter names the moved files" '[ "$gotf" = "$want2" ]'
    fi

    "$SYM" --sed "$SO" >"$S/rules.sed"
    got=$("$LLVM_SYMBOLIZER" --obj="$SO" "${addrs[@]}" | sed -f "$S/rules.sed" |
        awk 'NF == 0 { n = 0; next } { n++ } n == 1 { s = $0 } n == 2 { sub(/:[0-9]+$/, ""); print s "\t" $0 }')
    check "dwarf$dw: the --sed rules give the same result" '[ "$got" = "$want" ]'

    rules=$("$SYM" --rules "$SO")
    check "dwarf$dw: --rules lists exactly the image's two roots" \
        '[ "$(wc -l <<<"$rules")" = 2 ] && grep -qxF "$BUILD/A	${LA//%/%25}" <<<"$rules" && grep -qxF "$BUILD/B	${LB//%/%25}" <<<"$rules"'
    check "dwarf$dw: --gdb quotes the spaces" \
        '"$SYM" --gdb "$SO" | grep -qF "set substitute-path $BUILD/A " && "$SYM" --gdb "$SO" | grep -qF "${LA// /\\ }"'

    # an image whose depot did not move: the tools alone name its files
    swant=$(awk -F'\t' -v d="$STAY" '$1 == "func" { sub(/^@depot\//, "", $3); print $2 "\t" d "/" $3 ":" $4 }' "$S/man3-$dw")
    saddrs=()
    for s in $(cut -f1 <<<"$swant"); do
        saddrs+=("$(nm "$SO_STAY" | awk -v s="$s" '$3 == s { print "0x" $1 }')")
    done
    got=$("$LLVM_SYMBOLIZER" --obj="$SO_STAY" "${saddrs[@]}" |
        awk 'NF == 0 { n = 0; next } { n++ } n == 1 { s = $0 } n == 2 { sub(/:[0-9]+$/, ""); print s "\t" $0 }')
    check "dwarf$dw: unmoved: llvm-symbolizer alone names the files and lines" '[ -n "$swant" ] && [ "$got" = "$swant" ]'
    if [ "$dw" = 4 ]; then
        got=$(addr2line -f -e "$SO_STAY" "${saddrs[@]}" | paste - - | sed 's/ (discriminator [0-9]*)$//')
        check "dwarf$dw: unmoved: addr2line alone names the files and lines" '[ "$got" = "$swant" ]'
    fi
    check "dwarf$dw: unmoved: the symbolizer has no rule to add" \
        '[ -z "$("$SYM" --rules "$SO_STAY")" ]'

    # two images of the same relative paths map each to its own depot
    got=$("$SYM" "$SO" "$SO2" -- "$LLVM_SYMBOLIZER" --obj="$SO2" "${addrs[0]}" | sed -n 2p)
    check "dwarf$dw: the second image's address maps into its own depot" 'grep -qF "$LA2/" <<<"$got"'

    printf '# edited\n' >>"$FUNC_FILE"
    err=$("$SYM" --rules "$SO" 2>&1 >/dev/null)
    if [ "$dw" = 5 ]; then
        check "dwarf$dw: an edited source is reported" \
            'grep -qxF "warning: $FUNC_FILE differs from the source this image was compiled from" <<<"$err"'
    else
        check "dwarf$dw: no md5 recorded, nothing reported" '! grep -q "differs from the source" <<<"$err"'
    fi
done

"$SYM" --rules "$DIHOST" >/dev/null 2>"$S/err"
rc=$?
check "a file without a map: exit 1 and a message" '[ "$rc" = 1 ] && grep -q "no .jl_depot_map section" "$S/err"'
"$SYM" --bogus "$SO" >/dev/null 2>&1
check "an unknown option: exit 2" '[ $? = 2 ]'
"$SYM" "$SO" -- false 2>/dev/null
check "the wrapped command's exit status is kept" '[ $? = 1 ]'
