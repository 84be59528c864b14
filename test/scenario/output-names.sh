#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# output-names.sh: names that hold any byte reach the output safely.  A depot
# whose path holds a newline, a fake record and an invalid UTF-8 byte: every
# text line of verify (and -v), seal and relocate --dry-run is one record
# with the name escaped as Julia's escape_string would; every --json document
# (verify, inspect, relocate, tokenize) is strict UTF-8 JSON, the exact bytes
# in `<key>_hex`; a require entry of inspect --json is given decoded.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${TOP:?}"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
S=$(mktemp -d "${TMPDIR:-/tmp}/output-names-XXXXXX")
trap 'rm -rf "$S"' EXIT
strict='import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8","strict"))'

odd=$(printf 'dep\nfresh /fake.ji\xff')
D="$S/$odd"
MKCACHE=$BUILDDIR/test/tools/mkcache bash "$TOP/test/tools/gendepot.sh" --pkgimage --files 2 --bytes 50 "$D" 2 >/dev/null
export JULIA_DEPOT_PATH=$D
# one dependency goes missing, so that a rejection names a file
rm "$D/packages/P0001/s0001/src/part01.jl"

out=$("$JLDEPOT" verify -v --no-stamp-write "$D" 2>/dev/null)
check "verify: no line is a forged record" '! grep -q "^fresh /fake.ji" <<<"$out"'
check "verify: the newline and the invalid byte are escaped" \
    'grep -qF "dep\\nfresh /fake.ji\\xff/compiled" <<<"$out"'
check "verify: the rejection names the missing file, escaped, on one line" \
    'grep -q "^Rejecting stale cache file .*P0001.* because file .*dep\\\\nfresh /fake.ji\\\\xff/packages/P0001/s0001/src/part01.jl does not exist$" <<<"$out"'
check "verify: every output line is valid UTF-8" 'iconv -f UTF-8 -t UTF-8 <<<"$out" >/dev/null'

json=$("$JLDEPOT" verify --json --no-stamp-write "$D" 2>/dev/null)
check "verify --json is strict UTF-8 JSON" 'python3 -c "$strict" <<<"$json"'
check "verify --json keeps the exact bytes of each file in file_hex" \
    'python3 -c "
import json,sys
d=json.loads(sys.stdin.read())
want=sys.argv[1].encode(\"utf-8\",\"surrogateescape\")
assert all(bytes.fromhex(c[\"file_hex\"]).startswith(want) for c in d[\"caches\"])
assert all(\"\ufffd\" in c[\"file\"] for c in d[\"caches\"])
" "$D" <<<"$json"'

ji=$(ls "$D"/compiled/v1.11/P0002/*.ji)
json=$("$JLDEPOT" inspect --json "$ji" 2>/dev/null)
check "inspect --json of a cache that requires another is strict UTF-8 JSON" 'python3 -c "$strict" <<<"$json"'
check "inspect --json gives a require entry decoded (name, uuid, no raw key)" \
    'python3 -c "
import json,sys
d=json.loads(sys.stdin.read())
deps=d.get(\"dependencies\") or d[\"header\"][\"dependencies\"]
r=[x for x in deps if x[\"kind\"]==\"require\"]
assert r and all(x[\"path\"] is None and x[\"name\"]==\"P0001\" and len(x[\"uuid\"])==36 for x in r)
" <<<"$json"'

mv "$D" "$S/moved"
M="$S/moved"
export JULIA_DEPOT_PATH=$M
json=$("$JLDEPOT" relocate --dry-run --json "$M" 2>/dev/null)
check "relocate --dry-run --json is strict UTF-8 JSON" 'python3 -c "$strict" <<<"$json"'
txt=$("$JLDEPOT" relocate --dry-run --absolute "$M" 2>/dev/null)
check "relocate --dry-run text: no forged line" '! grep -q "^fresh /fake.ji" <<<"$txt"'
json=$("$JLDEPOT" tokenize --json "$(printf '/tmp/a\xffb\nc')" 2>/dev/null)
check "tokenize --json of a path with an invalid byte and a newline is strict UTF-8 JSON" \
    'python3 -c "$strict" <<<"$json" && grep -q "input_hex" <<<"$json"'
