#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: its hostile server waits out stalls and
# byte-at-a-time replies)
#
# fetch-hostile.sh: `jldepot fetch` against a hostile HTTP server on
# loopback (lib/hostile_http.py) and a careless user: malformed indexes
# (null or mistyped fields, a bundle file name that climbs out), documents
# and bundles larger than the limits or than the index says, endless
# bodies and error pages, a silent server, a connection never accepted,
# redirects to file:// and in a loop; a symbolic link, a FIFO or a hard
# link planted where the part file or its lock goes, a depot that does not
# exist yet, two fetches of one URL at once.  Each gives its named error,
# names what it is about and what to do, and leaves the depot as it was.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}" "${TOP:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-hostile-XXXXXX")
srvpid= apid=
cleanup() {
    [ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
    [ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null && wait "$srvpid" 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
mkdir -p "$HOME"
out="$tmp/out" err="$tmp/err"
run() { timeout 120 "$JLDEPOT" "$@" >"$out" 2>"$err"; rc=$?; }
state() { (cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum); }
urlhash() { printf %s "$1" | sha256sum | cut -c1-16; }
lastline() { tail -n 1 "$err"; }

# ---- bundles and indexes ---------------------------------------------------------------
D="$tmp/build/depot"
mkdir -p "$tmp/build"
cp -r "$FIXTURES/sample-depot" "$D"
for p in Greeter Stats Shapes; do "$MKCACHE" --pkgimage "$D" "$p" >/dev/null; done
W="$tmp/www"
"$JLDEPOT" pack --out "$W/good" "$D" all >/dev/null
shapes=$(cd "$W/good" && ls Shapes-*.tar.zst)
stats=$(cd "$W/good" && ls Stats-*.tar.zst)
python3 - "$W" "$shapes" <<'EOF'
import copy, json, os, shutil, sys
W, shapes = sys.argv[1], sys.argv[2]
good = json.load(open(os.path.join(W, "good", "index.json")))
def pkg(d, name):
    return next(p for p in d["packages"].values() if p["name"] == name)
def bundle(d, name):
    return next(iter(pkg(d, name)["bundles"].values()))
def write(dirname, d, text=None):
    os.makedirs(os.path.join(W, dirname), exist_ok=True)
    with open(os.path.join(W, dirname, "index.json"), "w") as f:
        f.write(text if text is not None else json.dumps(d, indent=1))
def variant(dirname, edit):
    d = copy.deepcopy(good)
    edit(d)
    write(dirname, d)
# null (and mistyped) fields: the fetch used to crash on these
for field in ["file", "sha256", "julia_version", "size"]:
    variant("null-" + field, lambda d, f=field: bundle(d, "Shapes").__setitem__(f, None))
variant("null-name", lambda d: pkg(d, "Shapes").__setitem__("name", None))
variant("int-name", lambda d: pkg(d, "Shapes").__setitem__("name", 7))
variant("array-bundles", lambda d: pkg(d, "Shapes").__setitem__("bundles", []))
variant("string-bundles", lambda d: pkg(d, "Shapes").__setitem__("bundles", "none"))
variant("null-bundles", lambda d: pkg(d, "Shapes").__setitem__("bundles", None))
variant("null-packages", lambda d: d.__setitem__("packages", None))
variant("string-size", lambda d: bundle(d, "Shapes").__setitem__("size", "17666"))
variant("float-size", lambda d: bundle(d, "Shapes").__setitem__("size", 17666.0))
variant("escape-file", lambda d: bundle(d, "Shapes").__setitem__("file", "../good/" + shapes))
write("array-top", None, "[]")
write("trailing", None, json.dumps(good) + "\n{}")
# sizes: over the default --max-size, smaller than the file, an endless body
variant("huge-size", lambda d: bundle(d, "Shapes").__setitem__("size", 9 << 30))
variant("small-size", lambda d: bundle(d, "Shapes").__setitem__("size", 1000))
shutil.copy(os.path.join(W, "good", shapes), os.path.join(W, "small-size", shapes))
variant("endless-bundle", lambda d: bundle(d, "Shapes").__setitem__("file", "endless-" + shapes))
EOF

# ---- the hostile server -------------------------------------------------------------------
python3 "$TOP/test/scenario/lib/hostile_http.py" "$W" "$tmp/ports" 2>"$tmp/server.log" &
srvpid=$!
for _ in $(seq 100); do [ -f "$tmp/ports" ] && break; sleep 0.1; done
. "$tmp/ports"
U="http://127.0.0.1:$PORT"
check "the hostile server serves the index" 'curl -sf "$U/good/index.json" | grep -q "jldepot-index 1"'

C="$tmp/client/depot"
mkdir -p "$C"
run fetch --allow-unsigned -q "$U/good/$stats" "$C"
check "a good bundle from the same server: exit 0" '[ $rc -eq 0 ]'
state "$C" >"$tmp/before"

# bad DESCRIPTION JSON-NAME FETCH-ARGS...: exit 1, the named error last, the
# depot unchanged, no part file or lock left
bad() {
    local what=$1 name=$2
    shift 2
    run fetch --allow-unsigned -q "$@" "$C"
    state "$C" >"$tmp/after"
    lastline | grep -qE "\[($name)\]$" || sed 's/^/#   /' "$err"
    check "$what: $name, exit 1, depot unchanged" \
        '[ $rc -eq 1 ] && lastline | grep -qE "\[($name)\]$" && cmp -s "$tmp/before" "$tmp/after"'
}

# ---- malformed indexes: a named error, never a crash ---------------------------------------
for v in null-file null-sha256 null-julia_version null-size null-name int-name array-bundles \
    string-bundles null-bundles null-packages string-size float-size array-top trailing; do
    bad "index with $v" index_malformed "$U/$v/index.json" --package Shapes
done
run fetch --allow-unsigned -q "$U/null-sha256/index.json" --package Shapes "$C"
check "the message names the field, what it should be and what to do" \
    'grep -q "packages\[\"[0-9a-f-]*\"\]\.bundles\[\"[0-9a-f]*\"\]\.sha256: expected a string, not null; the URL must be an index.json written by jldepot pack" "$err"'
bad "a bundle file name that climbs out of the index's directory" index_malformed \
    "$U/escape-file/index.json" --package Shapes
check "the bad file name is shown" 'grep -q "\.file: expected a file name.*not \"\.\./good/Shapes" "$err"'

# ---- limits ---------------------------------------------------------------------------------
bad "an index over --max-index" download_too_large "$U/good/index.json" --package Shapes --max-index 1K
check "... names the limit and the option" 'grep -q "more than 1024 bytes; an index this large is refused; raise --max-index" "$err"'
bad "an endless index (the default limit)" download_too_large "$U/endless-index.json" --package Shapes
check "... stops at the default 16 MiB" 'grep -q "more than 16777216 bytes" "$err"'
: >"$W/access.log"
bad "an index size over the default --max-size" download_too_large "$U/huge-size/index.json" --package Shapes
check "... refused before the bundle is asked for" \
    'grep -q "the index gives 9663676416 bytes, --max-size is 8589934592" "$err" && ! grep -q "huge-size/Shapes" "$W/access.log"'
bad "a bundle over --max-size" download_too_large "$U/good/index.json" --package Shapes --max-size 10K
bad "a server that sends more than the index says" download_too_large "$U/small-size/index.json" --package Shapes
check "... says so" 'grep -q "the server sent more than the index says" "$err"'
bad "an endless bundle behind an index" download_too_large "$U/endless-bundle/index.json" --package Shapes
bad "an endless bundle without an index, --max-size 1M" download_too_large --max-size 1M "$U/endless-x.tar.zst"
check "... no more than 1 MiB was kept, and nothing is left" \
    'grep -q "more than 1048576 bytes" "$err" && [ -z "$(find "$C" -name ".jldepot-fetch-*")" ]'
bad "an endless error page" http_status "$U/error-x.tar.zst"
check "... read up to a cap and shown shortened" \
    'grep -q "HTTP status 500, the server said \"x*\.\.\.\"" "$err" && [ "$(wc -c <"$err")" -lt 600 ]'
bad "a silent server, --stall-timeout 1" download_timeout --stall-timeout 1 "$U/silent-x.tar.zst"
check "... names the options that set the limits" 'grep -q -- "--stall-timeout" "$err"'
bad "a connection never accepted, --connect-timeout 1" download_timeout --connect-timeout 1 \
    "http://127.0.0.1:$STUCK_PORT/x.tar.zst"
bad "a redirect to file://" url_refused "$U/redirect-file-x.tar.zst"
check "... a redirect keeps the scheme of the URL given" 'grep -q "a redirect is followed only to the scheme of the URL given" "$err"'
bad "a redirect loop" download_failed "$U/redirect-loop-x.tar.zst"
run fetch --allow-unsigned -q "file://$W/good/$stats" "$C"
check "a file:// URL: url_scheme, exit 2" '[ $rc -eq 2 ] && lastline | grep -q "\[url_scheme\]$"'

# ---- the part file and its lock ----------------------------------------------------------------
B="$U/good/$stats"
h=$(urlhash "$B")
P="$C/compiled/.jldepot-fetch-$h.part"
L="$C/compiled/.jldepot-fetch-$h.lock"
echo "precious" >"$tmp/victim"
touch -d '2001-01-01' "$tmp/victim"
victim_ok() { [ "$(cat "$tmp/victim")" = precious ] && [ "$(stat -c %Y "$tmp/victim")" = "$(date -d 2001-01-01 +%s)" ]; }
ln -s "$tmp/victim" "$P"
state "$C" >"$tmp/before"
bad "a symbolic link where the part file goes" fetch_part_unsafe "$B"
check "... the link's target is untouched and the link left alone" 'victim_ok && [ -L "$P" ]'
check "... the message names the file and what to do" 'grep -q "fetch: $P: .*remove it if you know what it is" "$err"'
rm "$P"
ln -s "$tmp/victim" "$L"
state "$C" >"$tmp/before"
bad "a symbolic link where the lock file goes" fetch_part_unsafe "$B"
check "... the link's target is untouched" 'victim_ok && [ -L "$L" ]'
rm "$L"
mkfifo "$P"
state "$C" >"$tmp/before"
bad "a FIFO where the part file goes" fetch_part_unsafe "$B"
rm "$P"
cp -p "$tmp/victim" "$C/compiled/mine"
ln "$C/compiled/mine" "$P"
state "$C" >"$tmp/before"
bad "a hard link where the part file goes" fetch_part_unsafe "$B"
check "... the linked file is untouched" '[ "$(cat "$C/compiled/mine")" = precious ]'
rm "$P" "$C/compiled/mine"
state "$C" >"$tmp/before"

# a depot that does not exist yet: the part file is made inside it, never
# in a directory above, and what a failed fetch made is removed again
run fetch --allow-unsigned -q "$U/good/Nothing-0123456789abcdef.tar.zst" "$tmp/fresh/a/depot"
check "a 404 into a depot that does not exist: nothing is left" \
    '[ $rc -eq 1 ] && [ ! -e "$tmp/fresh" ] && [ -z "$(find "$tmp" -maxdepth 1 -name ".jldepot-*")" ]'
run fetch --allow-unsigned -q --keep-partial --stall-timeout 1 "$U/hang-100-x.tar.zst" "$tmp/fresh2/depot"
kept="$tmp/fresh2/depot/compiled/.jldepot-fetch-$(urlhash "$U/hang-100-x.tar.zst").part"
check "a part file kept for a depot that did not exist is inside that depot" \
    '[ $rc -eq 1 ] && [ "$(stat -c %s "$kept" 2>/dev/null)" = 100 ] && [ -z "$(find "$tmp" -maxdepth 1 -name ".jldepot-*")" ]'
check "... and only the part file is there (no lock file)" '[ "$(ls -A "$(dirname "$kept")" | wc -l)" -eq 1 ]'
: >"$tmp/afile"
run fetch --allow-unsigned -q "$U/good/$stats" "$tmp/afile/depot"
check "a depot under a regular file: io_error naming the cause, exit 2" \
    '[ $rc -eq 2 ] && lastline | grep -q "fetch: $tmp/afile/depot/compiled: .*making the depot.s compiled directory: Not a directory; .*\[io_error\]$"'
run fetch --allow-unsigned -q "$U/good/index.json" --package Stats "$tmp/new/depot"
check "a good fetch into a depot that does not exist makes it" \
    '[ $rc -eq 0 ] && [ -n "$(find "$tmp/new/depot/compiled" -name "*.ji")" ] && [ -z "$(find "$tmp/new" -name ".jldepot-*")" ]'

# ---- two fetches of one URL ----------------------------------------------------------------------
HU="$U/hang-1000-x.tar.zst"
HP="$C/compiled/.jldepot-fetch-$(urlhash "$HU").part"
"$JLDEPOT" fetch --allow-unsigned -q --stall-timeout 60 "$HU" "$C" >"$tmp/a.out" 2>"$tmp/a.err" &
apid=$!
for _ in $(seq 300); do [ "$(stat -c %s "$HP" 2>/dev/null)" = 1000 ] && break; sleep 0.1; done
check "the first fetch is writing its part file" '[ "$(stat -c %s "$HP" 2>/dev/null)" = 1000 ]'
run fetch --allow-unsigned -q "$HU" "$C"
check "a second fetch of the same URL at the same time: fetch_busy, exit 1" \
    '[ $rc -eq 1 ] && lastline | grep -q "fetch: $HP: another fetch is writing this file; .*wait until it has finished.*\[fetch_busy\]$"'
check "... the first one's part file is untouched" '[ "$(stat -c %s "$HP")" = 1000 ]'
touch "$W/release"
wait "$apid"
arc=$?
apid=
check "the first fetch, cut short: download_truncated" '[ $arc -eq 1 ] && grep -q "\[download_truncated\]$" "$tmp/a.err"'
check "... without --keep-partial it removed its part file and its lock" \
    '[ -z "$(find "$C" -name ".jldepot-fetch-*")" ]'
rm -f "$W/release"
state "$C" >"$tmp/before"
(flock -x 9 && "$JLDEPOT" fetch --allow-unsigned -q "$B" "$C" >"$out" 2>"$err") 9>"$L"
rc=$?
check "a fetch whose lock is held elsewhere: fetch_busy" '[ $rc -eq 1 ] && lastline | grep -q "\[fetch_busy\]$"'
rm -f "$L"
state "$C" >"$tmp/after"
check "... the depot unchanged" 'cmp -s "$tmp/before" "$tmp/after"'

# ---- a server that ignores Range: a kept part file is started over ------------------------------
K="$tmp/ignore-range/depot"
mkdir -p "$K/compiled"
KU="$U/good/index.json"
head -c 100 "$W/good/$stats" >"$K/compiled/.jldepot-fetch-$(urlhash "$U/good/$stats").part"
run fetch --allow-unsigned --keep-partial "$KU" --package Stats "$K"
check "--keep-partial against a server that ignores Range: started over, exit 0" \
    '[ $rc -eq 0 ] && [ -n "$(find "$K/compiled" -name "*.ji")" ] && [ -z "$(find "$K" -name ".jldepot-*")" ]'
