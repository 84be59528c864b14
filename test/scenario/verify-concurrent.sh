#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`)
#
# verify-concurrent.sh: 32 `jldepot verify --json` processes started at once
# on one depot of 30 caches that has no stamps yet, so that they all check
# every cache by its content and race to write the same stamps.  All 32 must
# agree (the same verdict per cache, exit 0), and afterwards every cache has
# exactly one complete stamp, byte for byte the one a single verify writes,
# and no temporary file (.<name>.tmpXXXXXX) is left.  A following verify
# then uses every stamp.  The race is repeated 5 times from a clean state.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${TOP:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/verify-concurrent-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT JULIA_BINDIR
export HOME="$tmp/home"
mkdir -p "$HOME"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
NPROC=32 NPKG=30 ROUNDS=5

G="$tmp/depot"
MKCACHE="$BUILDDIR/test/tools/mkcache" bash "$TOP/test/tools/gendepot.sh" --pkgimage --files 4 --bytes 2000 \
    "$G" "$NPKG" >/dev/null 2>"$tmp/gendepot.err" || cat "$tmp/gendepot.err"
check "gendepot: $NPKG caches with pkgimages, no stamp" \
    '[ "$(find "$G/compiled" -name "*.ji" | wc -l)" -eq $NPKG ] && [ "$(find "$G/compiled" -name "*.so" | wc -l)" -eq $NPKG ] &&
     [ "$(find "$G/compiled" -name "*.stamp" | wc -l)" -eq 0 ]'

stamps() { find "$G/compiled" -name '*.stamp' | wc -l; }
temps() { find "$G/compiled" -name '.*.tmp*' | wc -l; }
# verdicts FILE...: "file verdict status" per cache of the first verify
# --json document, sorted; exit 1 when any document does not parse or any
# other document's verdicts differ from the first one's
verdicts() {
    python3 -c '
import json, sys
def v(path):
    j = json.load(open(path))
    return [(c["file"], c["verdict"], c["status"]) for c in sorted(j["caches"], key=lambda c: c["file"])]
try:
    docs = [v(p) for p in sys.argv[1:]]
except Exception as e:
    print("invalid", e)
    sys.exit(1)
for f in docs[0]:
    print(*f)
sys.exit(0 if all(d == docs[0] for d in docs) else 1)' "$@"
}
# stampuse FILE: the distinct "stamp" values of a verify --json document
stampuse() {
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(" ".join(sorted(set(str(c.get("stamp")) for c in j["caches"]))))' "$1" 2>&1
}

lock="$tmp/start.lock"
: >"$lock"
for round in $(seq 1 $ROUNDS); do
    find "$G/compiled" \( -name '*.stamp' -o -name '.*.tmp*' \) -delete
    r="$tmp/round$round"
    mkdir -p "$r"
    # the start line: every process waits for a shared lock on the file this
    # shell holds exclusively, and all are let go together
    exec 9>"$lock"
    flock -x 9
    for i in $(seq 1 $NPROC); do
        (
            exec 9>&-
            flock -s "$lock" "$JLDEPOT" verify --json "$G" >"$r/out.$i" 2>"$r/err.$i"
            echo $? >"$r/rc.$i"
        ) &
    done
    sleep 0.5
    flock -u 9
    exec 9>&-
    wait
    # agreement: the verdicts of every process, each compared with process 1's
    agree=1
    verdicts "$r"/out.* >"$r/v" || agree=0
    check "round $round: all $NPROC processes exit 0" \
        '[ "$(cat "$r"/rc.* | sort -u)" = 0 ] && [ "$(ls "$r"/rc.* | wc -l)" -eq $NPROC ]'
    check "round $round: all $NPROC agree, every cache fresh" \
        '[ $agree -eq 1 ] && [ "$(wc -l <"$r/v")" -eq $NPKG ] && [ "$(awk "\$2 != \"fresh\"" "$r/v" | wc -l)" -eq 0 ]'
    writers=$(grep -l '"stamp": "written"' "$r"/out.* | wc -l)
    echo "# round $round: $writers of $NPROC processes wrote stamps"
    check "round $round: one stamp per cache, no temporary file left" \
        '[ "$(stamps)" -eq $NPKG ] && [ "$(temps)" -eq 0 ]'
    # the reference: the stamps a single verify writes
    mkdir -p "$r/raced"
    (cd "$G/compiled" && find . -name '*.stamp' -exec cp --parents {} "$r/raced" \;)
    find "$G/compiled" -name '*.stamp' -delete
    "$JLDEPOT" verify --json "$G" >"$r/single.json" 2>&1
    same=1
    while IFS= read -r s; do
        cmp -s "$G/compiled/$s" "$r/raced/$s" || same=0
    done < <(cd "$G/compiled" && find . -name '*.stamp')
    check "round $round: every raced stamp is byte-identical to the one a single verify writes" \
        '[ $same -eq 1 ] && [ "$(stamps)" -eq $NPKG ] && [ "$(cd "$r/raced" && find . -name "*.stamp" | wc -l)" -eq $NPKG ]'
    "$JLDEPOT" verify --json "$G" >"$r/after.json" 2>&1
    check "round $round: a following verify uses every stamp, same verdicts" \
        '[ "$(stampuse "$r/after.json")" = used ] && [ "$(verdicts "$r/after.json")" = "$(cat "$r/v")" ]'
done
