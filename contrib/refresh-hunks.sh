#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# refresh-hunks.sh JULIA-CHECKOUT: store the changes to upstream files made by
# the series in a Julia checkout as patches/hunks/ (then run `make patches`).
#
# JULIA-CHECKOUT holds the base commit followed by exactly one commit per
# patch of the series, in order (as `git am` of patches/000[1-9]-*.patch
# leaves it, then edited with `git rebase -i`).  For commit N and every file
# it changes, except the files patch N adds from this repository
# (patches/msgs/N-slug.files), patches/hunks/N-slug/PATH.diff becomes
# `git diff --full-index N~ N -- PATH`; hunk files of paths the commit no
# longer changes are removed.  The files the repository provides are
# checked instead: each must be byte-identical to its source here.

set -euo pipefail
export LC_ALL=C

die() { echo "refresh-hunks: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 JULIA-CHECKOUT"
JL=$(cd "$1" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
MSGS=$TOP/patches/msgs
HUNKS=$TOP/patches/hunks
BASE_COMMIT=4fdd12e2776419e205b96c3d0a407ba682c9913d
GIT=(git -C "$JL" -c core.quotepath=off -c diff.noprefix=false -c diff.mnemonicprefix=false
     -c diff.relative=false -c color.ui=never)

cd "$TOP"
# shellcheck source=contrib/patches-lib.sh
. "$TOP/contrib/patches-lib.sh"

shopt -s nullglob
slugs=()
for m in "$MSGS"/[0-9][0-9][0-9][0-9]-*.txt; do
    case $(basename "$m") in 0000-*) ;; *) slugs+=("$(basename "$m" .txt)") ;; esac
done
mapfile -t commits < <("${GIT[@]}" rev-list --reverse "$BASE_COMMIT..HEAD")
[ ${#commits[@]} -eq ${#slugs[@]} ] ||
    die "$JL has ${#commits[@]} commits on the base, the series ${#slugs[@]} patches"

for i in "${!slugs[@]}"; do
    slug=${slugs[$i]}
    c=${commits[$i]}
    declare -A provided=()
    while IFS=$'\t' read -r repo up; do
        [ -n "$repo" ] || continue
        provided[$up]=1
        "${GIT[@]}" cat-file -e "$c:$up" 2>/dev/null || die "$slug: $c does not add $up"
        cmp -s "$repo" <("${GIT[@]}" show "$c:$up") ||
            die "$slug: $up in $c differs from $repo"
    done < <(new_files "$slug")
    declare -A kept=()
    while IFS= read -r up; do
        [ -n "${provided[$up]:-}" ] && continue
        out=$HUNKS/$slug/$up.diff
        mkdir -p "$(dirname "$out")"
        "${GIT[@]}" diff --full-index --no-color --no-ext-diff -U3 "$c~" "$c" -- "$up" >"$out"
        kept[$out]=1
    done < <("${GIT[@]}" diff --name-only "$c~" "$c")
    if [ -d "$HUNKS/$slug" ]; then
        while IFS= read -r h; do
            [ -n "${kept[$h]:-}" ] || { rm -f "$h"; echo "removed $h"; }
        done < <(find "$HUNKS/$slug" -type f -name '*.diff')
        find "$HUNKS/$slug" -type d -empty -delete
    fi
    unset provided kept
done
echo "hunks refreshed from $JL; now run: make patches"
