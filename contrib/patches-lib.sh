# This file is a part of the jldepot project. License is MIT.
#
# patches-lib.sh: shell functions shared by make-patches.sh and
# refresh-hunks.sh (sourced; expects MSGS and die()).

# The files patch $1 (its slug) adds: lines "REPO-PATH<TAB>UPSTREAM-PATH", sorted
# by upstream path.
new_files() {
    local rules=$MSGS/$1.files
    [ -f "$rules" ] || return 0
    local -a incl=() excl=()
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        line=$(echo "$line" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
        [ -n "$line" ] || continue
        case $line in
            !*) excl+=("${line#!}") ;;
            *) incl+=("$line") ;;
        esac
    done <"$rules"
    local rule pat dest f x skip
    for rule in "${incl[@]}"; do
        pat=${rule%% *}
        dest=${rule#* }
        local -a matches=($pat)
        [ ${#matches[@]} -gt 0 ] || die "$1.files: nothing matches $pat"
        for f in "${matches[@]}"; do
            skip=0
            for x in "${excl[@]}"; do
                # shellcheck disable=SC2053
                [[ $f == $x ]] && skip=1
            done
            [ $skip -eq 0 ] || continue
            [ -f "$f" ] || die "$1.files: $f is not a file"
            case $dest in
                */) printf '%s\t%s\n' "$f" "$dest$(basename "$f")" ;;
                *) printf '%s\t%s\n' "$f" "$dest" ;;
            esac
        done
    done | sort -t$'\t' -k2,2 -u
}
