#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# verify-readonly.sh: stamps and seals of `jldepot verify` (doc/stamps.md),
# and read-only depots that are never written.
#   - a read-only depot (chmod -R a-w) checked by a user the mode binds (as
#     root the checks run as `nobody` through setpriv): fresh, and strace
#     sees no open for writing, no rename, creat, mkdir, unlink, link,
#     symlink or truncate; no stamp or temporary file appears;
#   - a sealed copy made read-only: every cache judged by its seal, and no
#     `.jl` source opened;
#   - the steady state of a writable depot: the first verify writes stamps,
#     the second opens no `.jl` file and makes at most one stat-family call
#     per dependency;
#   - a truncated stamp, a stamp with a flipped byte, another cache's stamp
#     and the stamp of another build of the cache: a full check, the right
#     verdict;
#   - a source edited in place with its size and mtime restored: the stamp
#     is not used (the ctime changed) and the cache is stale.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/verify-readonly-XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT JULIA_BINDIR
export HOME="$tmp/home"
mkdir -p "$HOME"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
out="$tmp/out"
json="$tmp/json"
trace="$tmp/trace"
# q EXPR: a Python expression over the last verify --json document: j is
# the document, c("Name") the one cache of package Name; a tuple prints
# space-separated, a list one element a line
q() {
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
def c(name):
    m = [x for x in j["caches"] if x["package"] == name]
    return m[0] if len(m) == 1 else None
def fmt(x):
    return " ".join(map(str, x)) if isinstance(x, tuple) else str(x)
r = eval(sys.argv[2])
print("\n".join(map(fmt, r)) if isinstance(r, list) else fmt(r))' "$json" "$1" 2>&1
}
stampuse() { q '" ".join(sorted(set(x["stamp"] for x in j["caches"])))'; }
verdicts() { q '" ".join(x["verdict"] for x in sorted(j["caches"], key=lambda x: x["file"]))'; }
mkcache() { "$MKCACHE" --pkgimage "$@" >/dev/null 2>"$tmp/mkcache.err" || cat "$tmp/mkcache.err"; }
# the strace lines of calls that write: opens for writing or creating, and
# every call that makes, removes, renames or truncates a name
writes() { grep -E 'O_WRONLY|O_RDWR|O_CREAT|^[0-9]+ +(rename|renameat|renameat2|creat|mkdir|mkdirat|unlink|unlinkat|link|linkat|symlink|symlinkat|truncate|ftruncate)\(' "$1"; }
# LeakSanitizer cannot run under ptrace: traced runs of a sanitizer build go
# without it
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -o "$trace" "$@"; }
WTRACE=openat,open,creat,rename,renameat,renameat2,mkdir,mkdirat,unlink,unlinkat,link,linkat,symlink,symlinkat,truncate,ftruncate

# A user that the file modes bind: as root, `nobody` (with the tool copied
# where that user can run it); otherwise the caller.
bin="$tmp/bin"
mkdir -p "$bin"
cp "$JLDEPOT" "$bin/jldepot"
chmod 755 "$bin" "$bin/jldepot"
if [ "$(id -u)" -eq 0 ]; then
    AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    J="$bin/jldepot"
else
    AS=()
    J="$JLDEPOT"
fi
asuser() { "${AS[@]}" "$@"; }

W="$tmp/depot"
cp -r "$FIXTURES/sample-depot" "$W"
mkcache "$W" Greeter && mkcache "$W" Stats && mkcache "$W" Shapes
chmod -R a+rX "$W"
# files changed less than 50 ms before a check are "racy" and never stamped
# (git's racy-clean rule, doc/stamps.md): let the new files settle
sleep 0.1

# ---- a read-only depot, as a user the modes bind --------------------------------------------

R="$tmp/ro"
cp -a "$W" "$R"
chmod -R a-w "$R"
check "read-only depot: not writable by the checking user, but readable" \
    'asuser test -r "$R/compiled/v1.11/Stats" && ! asuser test -w "$R/compiled/v1.11/Stats" && asuser test -x "$J"'
asuser "$J" verify --json "$R" >"$json" 2>"$tmp/err"
rc=$?
check "read-only depot: every cache fresh, exit 0" '[ $rc -eq 0 ] && [ "$(verdicts)" = "fresh fresh fresh" ]'
check "read-only depot: no stamp used or written" '[ "$(stampuse)" = none ]'
traced -e trace=$WTRACE "${AS[@]}" "$J" verify "$R" >"$out" 2>&1
rc=$?
check "read-only depot under strace: fresh" '[ $rc -eq 0 ] && [ "$(tail -n 1 "$out")" = "3 fresh, 0 stale, 0 not relocatable" ]'
check "read-only depot: strace saw the caches and sources opened" \
    'grep -q "openat(.*/compiled/v1.11/Stats/.*\.ji\"" "$trace" && grep -q "openat(.*/moments\.jl\"" "$trace"'
check "read-only depot: no open for writing, no rename, creat, mkdir, unlink, link, symlink, truncate" \
    'grep -q "openat(.*\.ji\"" "$trace" && ! writes "$trace" >/dev/null'
check "read-only depot: no stamp, seal or temporary file afterwards" \
    '[ -d "$R/compiled/v1.11/Stats" ] && [ "$(find "$R" \( -name "*.stamp" -o -name "*.seal" -o -name ".*.tmp*" \) | wc -l)" -eq 0 ]'

# ---- a read-only mount (modes writable; root is not bound by modes) -------------------------

if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
    M="$tmp/romount"
    cp -a "$W" "$M"
    export M J trace WTRACE
    # in a private mount namespace: M bound onto itself, read-only
    unshare -m bash -c '
        mount --bind "$M" "$M" && mount -o remount,bind,ro "$M" || exit 99
        touch "$M/probe" 2>/dev/null && exit 98
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
            strace -f -o "$trace" -e trace=$WTRACE "$J" verify --json "$M"' >"$json" 2>"$tmp/err"
    rc=$?
    check "read-only mount, writable modes, checked as root: fresh, no stamp" \
        '[ $rc -eq 0 ] && [ "$(verdicts)" = "fresh fresh fresh" ] && [ "$(stampuse)" = none ]'
    check "read-only mount: no open for writing, no rename, creat, mkdir, unlink, link, symlink, truncate" \
        'grep -q "openat(.*\.ji\"" "$trace" && ! writes "$trace" >/dev/null'
    check "read-only mount: no stamp, seal or temporary file afterwards" \
        '[ "$(find "$M" \( -name "*.stamp" -o -name "*.seal" -o -name ".*.tmp*" \) | wc -l)" -eq 0 ]'
else
    echo "# a read-only mount needs root and mount namespaces: not checked here"
fi

# ---- a sealed copy made read-only ---------------------------------------------------------

S="$tmp/sealed"
cp -a "$W" "$S"
"$JLDEPOT" seal "$S" >"$out" 2>&1
rc=$?
check "seal: every cache sealed" \
    '[ $rc -eq 0 ] && [ "$(grep -c "^sealed " "$out")" -eq 3 ] && [ "$(find "$S" -name "*.seal" | wc -l)" -eq 3 ]'
chmod -R a-w "$S"
asuser "$J" verify --json "$S" >"$json" 2>"$tmp/err"
rc=$?
check "sealed read-only depot: fresh, every cache judged by its seal" \
    '[ $rc -eq 0 ] && [ "$(verdicts)" = "fresh fresh fresh" ] && [ "$(stampuse)" = seal ]'
traced -e trace=$WTRACE "${AS[@]}" "$J" verify "$S" >"$out" 2>&1
rc=$?
check "sealed read-only depot: no .jl source opened" \
    '[ $rc -eq 0 ] && grep -q "openat(.*\.seal\"" "$trace" && ! grep -q "openat(.*\.jl\"" "$trace"'
check "sealed read-only depot: nothing written" 'grep -q "openat(.*\.ji\"" "$trace" && ! writes "$trace" >/dev/null && [ "$(find "$S" -name "*.stamp" | wc -l)" -eq 0 ]'

# ---- the steady state of a writable depot ----------------------------------------------------

"$JLDEPOT" verify --json "$W" >"$json" 2>"$tmp/err"
rc=$?
check "writable depot, first verify: fresh, stamps written" \
    '[ $rc -eq 0 ] && [ "$(verdicts)" = "fresh fresh fresh" ] && [ "$(stampuse)" = written ] && [ "$(find "$W" -name "*.stamp" | wc -l)" -eq 3 ]'
# every dependency file (resolved) of the three caches, from inspect --json
deps="$tmp/deps"
: >"$deps"
for f in $(find "$W/compiled" -name '*.ji'); do
    "$JLDEPOT" inspect --json --resolve --depot-path "$W" "$f" |
        python3 -c '
import json, sys
for d in json.load(sys.stdin)["dependencies"]:
    if d["kind"] != "require":
        print(d["resolved"])' >>"$deps"
done
ndeps=$(wc -l <"$deps")
check "inspect --json: the dependency files of the three caches, all existing" \
    '[ "$ndeps" -ge 8 ] && while IFS= read -r p; do [ -e "$p" ] || exit 1; done <"$deps"'
traced -e trace=openat,open,%stat,%lstat,%fstat,statx "$JLDEPOT" verify --json "$W" >"$json" 2>"$tmp/err"
rc=$?
check "writable depot, second verify: fresh, every stamp used" \
    '[ $rc -eq 0 ] && [ "$(verdicts)" = "fresh fresh fresh" ] && [ "$(stampuse)" = used ]'
check "second verify: no .jl file opened, nor any other dependency" \
    '[ "$ndeps" -ge 8 ] && grep -q "openat(.*\.stamp\"" "$trace" && ! grep -q "open.*\.jl\"" "$trace" && ! grep -E "^[0-9]+ +open" "$trace" | grep -q -F -f <(sed "s/.*/\"&\"/" "$deps")'
maxstat=0 nstat=0
while IFS= read -r p; do
    n=$(grep -E '^[0-9]+ +(stat|lstat|newfstatat|fstatat64|statx|stat64|lstat64)\(' "$trace" | grep -c -F "\"$p\"")
    nstat=$((nstat + n))
    [ "$n" -gt "$maxstat" ] && maxstat=$n
done <"$deps"
echo "# steady state: $nstat stat-family calls for $ndeps dependency files (at most $maxstat per file)"
check "second verify: at most one stat-family call per dependency" '[ "$ndeps" -ge 8 ] && [ "$nstat" -ge 1 ] && [ "$maxstat" -le 1 ] && [ "$nstat" -le "$ndeps" ]'

# --no-stamp: upstream's behaviour, stamps neither read nor written
traced -e trace=openat,open "$JLDEPOT" verify --no-stamp --json "$W" >"$json" 2>"$tmp/err"
rc=$?
check "--no-stamp: fresh, no stamp used, every source read, no stamp opened" \
    '[ $rc -eq 0 ] && [ "$(verdicts)" = "fresh fresh fresh" ] && [ "$(stampuse)" = none ] &&
     grep -q "openat(.*/moments\.jl\"" "$trace" && ! grep -q "\.stamp\"" "$trace"'
N="$tmp/nostamp"
cp -a "$FIXTURES/sample-depot" "$N"
mkcache "$N" Stats
sleep 0.1
"$JLDEPOT" verify --no-stamp "$N" >"$out" 2>&1
rc=$?
check "--no-stamp on a writable depot without stamps: fresh, none written" \
    '[ $rc -eq 0 ] && grep -q "^fresh " "$out" && [ "$(find "$N" \( -name "*.stamp" -o -name ".*.tmp*" \) | wc -l)" -eq 0 ]'

# ---- damaged and foreign stamps -------------------------------------------------------------

stats=$(find "$W/compiled/v1.11/Stats" -name '*.ji')
st="${stats%.ji}.stamp"
greeter_st=$(find "$W/compiled/v1.11/Greeter" -name '*.stamp')
good="$tmp/good.stamp"
cp "$st" "$good"
vstats() { "$JLDEPOT" verify --json "$W" >"$json" 2>"$tmp/err"; rc=$?; }
size=$(stat -c %s "$st")
truncate -s $((size / 2)) "$st"
vstats
check "truncated stamp: a full check, still fresh" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Stats\")[\"stamp\"] != \"used\", c(\"Stats\")[\"verdict\"], c(\"Greeter\")[\"stamp\"]")" = "True fresh used" ]'
cp "$good" "$st"
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x10
open(p, "wb").write(bytes(b))' "$st"
vstats
check "stamp with a flipped byte: a full check, still fresh" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Stats\")[\"stamp\"] != \"used\", c(\"Stats\")[\"verdict\"]")" = "True fresh" ]'
cp "$greeter_st" "$st"
vstats
check "another cache's stamp copied over it: a full check, still fresh" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Stats\")[\"stamp\"] != \"used\", c(\"Stats\")[\"verdict\"]")" = "True fresh" ]'
vstats
check "after the full check a good stamp is there again: used" '[ "$(q "c(\"Stats\")[\"stamp\"]")" = used ]'
cp "$st" "$good"
mkcache --seed 7 "$W" Stats
sleep 0.1
check "another build of Stats (seed 7) at the same file name" '[ -f "$stats" ] && [ -f "$st" ] && cmp -s "$st" "$good"'
vstats
check "the stamp of the previous build: a full check, fresh" \
    '[ $rc -eq 0 ] && [ "$(q "c(\"Stats\")[\"stamp\"] != \"used\", c(\"Stats\")[\"verdict\"]")" = "True fresh" ] && ! cmp -s "$st" "$good"'

# ---- a source edited in place, its size and mtime restored ------------------------------------

vstats
check "before the edit: every stamp used" '[ "$(stampuse)" = used ]'
m="$W/packages/Stats/M2vLw/src/moments.jl"
touch -r "$m" "$tmp/mtime-ref"
ino=$(stat -c %i "$m") sz=$(stat -c %s "$m") mt=$(stat -c %Y.%y "$m")
python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    b = f.read(1)
    f.seek(0)
    f.write(bytes([b[0] ^ 0x01]))' "$m"
touch -r "$tmp/mtime-ref" "$m"
check "the edit kept inode, size and mtime" \
    '[ "$(stat -c %i "$m")" = "$ino" ] && [ "$(stat -c %s "$m")" = "$sz" ] && [ "$(stat -c %Y.%y "$m")" = "$mt" ]'
vstats
check "edited with size and mtime kept: the stamp is not used, stale by hash" \
    '[ $rc -eq 1 ] && [ "$(q "c(\"Stats\")[\"stamp\"] != \"used\", c(\"Stats\")[\"verdict\"], c(\"Stats\")[\"status\"], c(\"Greeter\")[\"verdict\"]")" = "True stale file_hash_changed fresh" ]'
"$JLDEPOT" verify "$W" >"$out" 2>&1
check "edited: the rejection names the file" \
    'grep -q "^Rejecting stale cache file $stats because hash of $m has changed (hash 0x[0-9a-f]*, before 0x[0-9a-f]*)$" "$out"'
