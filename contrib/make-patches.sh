#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# make-patches.sh OUTDIR: write the patch series for upstream Julia into OUTDIR
# (the *.patch files only; anything else there is left alone).
#
# Inputs, all in this repository (no upstream file is needed):
#   patches/msgs/NNNN-slug.txt     subject (first line), blank line, body
#   patches/msgs/NNNN-slug.files   the files the patch adds, one rule a line:
#                                    REPO-GLOB UPSTREAM-DIR/   (keeps the name)
#                                    REPO-FILE UPSTREAM-PATH
#                                    !REPO-GLOB                 (excluded)
#   patches/hunks/NNNN-slug/PATH.diff  unified diffs of upstream file PATH,
#                                  stored verbatim (their index lines too)
#   patches/msgs/0000-cover-letter.txt  the cover letter (subject, blank, body)
#
# The output is deterministic: fixed dates, a From hash derived from the
# subject, index lines from `git hash-object`.  Only bash and git are used.

set -euo pipefail
export LC_ALL=C

die() { echo "make-patches: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
OUT=$1
TOP=$(cd "$(dirname "$0")/.." && pwd)
MSGS=$TOP/patches/msgs
HUNKS=$TOP/patches/hunks
BASE_COMMIT=4fdd12e2776419e205b96c3d0a407ba682c9913d
AUTHOR="Julia Depot Relocation <julia-depot-relocation@users.noreply.github.com>"
GITVERSION=2.39.5
GIT=(git -c core.quotepath=off -c diff.noprefix=false -c diff.mnemonicprefix=false
     -c diff.relative=false -c color.ui=never)

mkdir -p "$OUT"
cd "$TOP"

shopt -s nullglob
msgs=("$MSGS"/[0-9][0-9][0-9][0-9]-*.txt)
[ ${#msgs[@]} -gt 0 ] || die "no messages in patches/msgs"
patchmsgs=()
for m in "${msgs[@]}"; do
    case $(basename "$m") in 0000-*) ;; *) patchmsgs+=("$m") ;; esac
done
TOTAL=${#patchmsgs[@]}

# --- helpers ------------------------------------------------------------------

# shellcheck source=contrib/patches-lib.sh
. "$TOP/contrib/patches-lib.sh"

# new_files SLUG: the files patch SLUG adds (patches-lib.sh).

# The diff that adds repository file $1 as upstream path $2.
new_file_diff() {
    local f=$1 p=$2 mode=100644 blob
    [ -x "$f" ] && mode=100755
    blob=$("${GIT[@]}" hash-object --no-filters "$f")
    printf 'diff --git a/%s b/%s\nnew file mode %s\nindex 0000000000000000000000000000000000000000..%s\n' \
        "$p" "$p" "$mode" "$blob"
    printf -- '--- /dev/null\n+++ b/%s\n' "$p"
    # Only the hunks of git's own diff are kept; its header names our path.
    "${GIT[@]}" diff --no-index --no-color --no-ext-diff -U3 /dev/null "$f" |
        sed -n '/^@@ /,$p' || true
}

# "path<TAB>insertions<TAB>deletions" of one file's diff on stdin.
count_diff() {
    awk -v p="$1" '
        /^@@ / { body = 1; next }
        body && /^\+/ { add++ }
        body && /^-/ { del++ }
        END { printf "%s\t%d\t%d\n", p, add, del }'
}

# A git-style diffstat from "path<TAB>ins<TAB>del" lines on stdin; $1 lists the
# created files (one a line, with their mode before a tab).
diffstat() {
    local created=$1
    awk -F'\t' -v created="$created" '
        { path[NR] = $1; ins[NR] = $2; del[NR] = $3
          tot = $2 + $3; if (tot > maxc) maxc = tot
          if (length($1) > maxn) maxn = length($1)
          I += $2; D += $3 }
        END {
            cw = length(maxc "")
            width = 72 - maxn - cw - 4; if (width < 10) width = 10
            for (i = 1; i <= NR; i++) {
                a = ins[i]; d = del[i]
                if (maxc > width) {
                    a = int(a * width / maxc + (a ? 0.999 : 0))
                    d = int(d * width / maxc + (d ? 0.999 : 0))
                }
                bar = ""
                for (k = 0; k < a; k++) bar = bar "+"
                for (k = 0; k < d; k++) bar = bar "-"
                printf " %-" maxn "s | %" cw "d %s\n", path[i], ins[i] + del[i], bar
            }
            s = sprintf(" %d file%s changed", NR, NR == 1 ? "" : "s")
            if (I || !D) s = s sprintf(", %d insertion%s(+)", I, I == 1 ? "" : "s")
            if (D) s = s sprintf(", %d deletion%s(-)", D, D == 1 ? "" : "s")
            print s
            n = split(created, c, "\n")
            for (i = 1; i <= n; i++) if (c[i] != "") {
                split(c[i], mp, "\t"); printf " create mode %s %s\n", mp[1], mp[2]
            }
        }'
}

subject_of() { head -n 1 "$1"; }
body_of() { tail -n +3 "$1"; }
fake_hash() { printf '%s' "$1" | "${GIT[@]}" hash-object --stdin; }

# --- one patch ----------------------------------------------------------------

# Writes the diffs of patch $1 (slug) to $2 and the counts to $3, created to $4.
patch_diffs() {
    local slug=$1 diffs=$2 counts=$3 created=$4
    : >"$diffs"; : >"$counts"; : >"$created"; : >"$created.src"
    local -a entries=()
    local repo up h
    while IFS=$'\t' read -r repo up; do
        [ -n "$repo" ] && entries+=("$up"$'\t'"new"$'\t'"$repo")
    done < <(new_files "$slug")
    if [ -d "$HUNKS/$slug" ]; then
        while IFS= read -r h; do
            up=${h#"$HUNKS/$slug/"}
            up=${up%.diff}
            entries+=("$up"$'\t'"hunk"$'\t'"$h")
        done < <(find "$HUNKS/$slug" -type f -name '*.diff' | sort)
    fi
    [ ${#entries[@]} -gt 0 ] || die "$slug: the patch changes nothing"
    local e kind src tmp
    tmp=$(mktemp)
    while IFS=$'\t' read -r up kind src; do
        if [ "$kind" = new ]; then
            new_file_diff "$src" "$up" >"$tmp"
            local mode=100644
            [ -x "$src" ] && mode=100755
            printf '%s\t%s\n' "$mode" "$up" >>"$created"
            printf '%s\t%s\n' "$src" "$up" >>"$created.src"
        else
            head -n 1 "$src" | grep -qxF "diff --git a/$up b/$up" ||
                die "$src: first line must be 'diff --git a/$up b/$up'"
            cat "$src" >"$tmp"
        fi
        cat "$tmp" >>"$diffs"
        count_diff "$up" <"$tmp" >>"$counts"
    done < <(printf '%s\n' "${entries[@]}" | sort -t$'\t' -k1,1)
    rm -f "$tmp"
    # Every C/C++ source and header the patch adds to src/ is named in its
    # src/Makefile hunk (as a source to build or a header objects depend on).
    local f base mk=$HUNKS/$slug/src/Makefile.diff
    while IFS=$'\t' read -r f up; do
        case $up in
            src/*.c | src/*.cpp | src/*.h) ;;
            *) continue ;;
        esac
        base=$(basename "${up%.*}")
        [ -f "$mk" ] && grep '^+' "$mk" | grep -qw -- "$base" ||
            die "$slug adds $up but its src/Makefile hunk does not name $base"
    done <"$created.src"
}

write_patch() {
    local n=$1 msg=$2 out=$3 diffs=$4 counts=$5 created=$6
    local subject
    subject=$(subject_of "$msg")
    {
        printf 'From %s Mon Sep 17 00:00:00 2001\n' "$(fake_hash "$subject")"
        printf 'From: %s\n' "$AUTHOR"
        printf 'Date: Sat, 25 Apr 2026 12:%02d:00 +0000\n' "$((10#$n))"
        printf 'Subject: [PATCH %d/%d] %s\n' "$((10#$n))" "$TOTAL" "$subject"
        printf '\n'
        body_of "$msg"
        printf -- '---\n'
        diffstat "$(cat "$created")" <"$counts"
        printf '\n'
        cat "$diffs"
        printf -- '-- \n%s\n\n' "$GITVERSION"
    } >"$out"
}

# --- the series ---------------------------------------------------------------

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$OUT"/[0-9][0-9][0-9][0-9]-*.patch

: >"$work/allcounts"
: >"$work/allcreated"
: >"$work/shortlog"
for m in "${patchmsgs[@]}"; do
    slug=$(basename "$m" .txt)
    n=${slug%%-*}
    patch_diffs "$slug" "$work/diffs" "$work/counts" "$work/created"
    write_patch "$n" "$m" "$OUT/$slug.patch" "$work/diffs" "$work/counts" "$work/created"
    cat "$work/counts" >>"$work/allcounts"
    cat "$work/created" >>"$work/allcreated"
    printf '  %s\n' "$(subject_of "$m")" >>"$work/shortlog"
done

cover=$MSGS/0000-cover-letter.txt
if [ -f "$cover" ]; then
    # Files touched by several patches count once, with their summed changes.
    awk -F'\t' '{ a[$1] += $2; d[$1] += $3 } END { for (p in a) printf "%s\t%d\t%d\n", p, a[p], d[p] }' \
        "$work/allcounts" | sort -t$'\t' -k1,1 >"$work/sumcounts"
    sort -t$'\t' -k2,2 -u "$work/allcreated" >"$work/sumcreated"
    {
        printf 'From %s Mon Sep 17 00:00:00 2001\n' "$(fake_hash "$(subject_of "$cover")")"
        printf 'From: %s\n' "$AUTHOR"
        printf 'Date: Sat, 25 Apr 2026 12:00:00 +0000\n'
        printf 'Subject: [PATCH 0/%d] %s\n' "$TOTAL" "$(subject_of "$cover")"
        printf '\n'
        body_of "$cover"
        printf '\n%s (%d):\n' "${AUTHOR%% <*}" "$TOTAL"
        cat "$work/shortlog"
        printf '\n'
        diffstat "$(cat "$work/sumcreated")" <"$work/sumcounts"
        printf '\n'
        printf 'base-commit: %s\n' "$BASE_COMMIT"
        printf -- '-- \n%s\n\n' "$GITVERSION"
    } >"$OUT/0000-cover-letter.patch"
fi
