# This file is a part of the jldepot project. License is MIT.
#
# lib/debug-bed.sh: the test bed the debugger scenarios share (sourced, not
# run).  Needs S (scratch dir), MKDISO, FIXTURES.
#
# setup DW: build both depots, move them, set DEPOT_PATH and the variables
#   SO, SO2 (a second copy of the sample depot, another image id),
#   FUNC_FILE FUNC_LINE FUNC_SYM, INL_FILE INL_LINE INL_CALLER, LA LB LA2,
#   BUILD (the directory the moved depots were built in);
#   and an image whose depot stays where it was built: STAY (the depot),
#   SO_STAY, STAY_FILE STAY_LINE STAY_SYM
setup() {
    local dw=$1 b=$S/build$dw real st=$S/stay$dw
    BUILD=$b
    mkdir -p "$b"
    cp -r "$FIXTURES/sample-depot" "$b/A"
    cp -r "$FIXTURES/second-depot" "$b/B"
    cp -r "$FIXTURES/sample-depot" "$b/A2"
    "$MKDISO" --dwarf "$dw" --inline Units --depot-path "$b/A:$b/B" "$b/A" Shapes >"$S/man$dw" || return 1
    "$MKDISO" --dwarf "$dw" --image-id 00000000000000a2 --depot-path "$b/A2" "$b/A2" Shapes \
        >"$S/man2-$dw" || return 1
    mkdir -p "$st"
    cp -r "$FIXTURES/sample-depot" "$st/A"
    "$MKDISO" --dwarf "$dw" --image-id 00000000000000b3 --depot-path "$st/A" "$st/A" Shapes \
        >"$S/man3-$dw" || return 1
    STAY=$st/A
    SO_STAY=$(awk -F'\t' '$1 == "so" { print $2 }' "$S/man3-$dw")
    IFS=$'\t' read -r _ STAY_SYM tok STAY_LINE < <(grep -P '^func\t.*/shapes/' "$S/man3-$dw" | head -n 1)
    STAY_FILE="$STAY/${tok#@depot/}"
    real="$S/moved $dw=x:y%z"
    mkdir -p "$real" "$S/links$dw"
    mv "$b/A" "$real/A one=1:%"
    mv "$b/B" "$real/B two=2:%"
    mv "$b/A2" "$real/A2 three=3:%"
    LA="$S/links$dw/A dep=%"
    LB="$S/links$dw/B dep=%"
    LA2="$S/links$dw/A2 dep=%"
    ln -s "$real/A one=1:%" "$LA"
    ln -s "$real/B two=2:%" "$LB"
    ln -s "$real/A2 three=3:%" "$LA2"
    export JULIA_DEPOT_PATH="$LA:$LB:$LA2"
    local so tok
    so=$(awk -F'\t' '$1 == "so" { print $2 }' "$S/man$dw")
    SO="$LA/${so#"$b/A/"}"
    so=$(awk -F'\t' '$1 == "so" { print $2 }' "$S/man2-$dw")
    SO2="$LA2/${so#"$b/A2/"}"
    IFS=$'\t' read -r _ FUNC_SYM tok FUNC_LINE < <(grep -P '^func\t.*/shapes/' "$S/man$dw" | head -n 1)
    FUNC_FILE="$LA/${tok#@depot/}"
    IFS=$'\t' read -r _ INL_CALLER tok INL_LINE < <(grep -P '^inline\t' "$S/man$dw" | head -n 1)
    INL_FILE="$LB/${tok#@depot/}"
}
