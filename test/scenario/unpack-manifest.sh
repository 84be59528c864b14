#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# unpack-manifest.sh: `jldepot unpack` reads a bundle's manifest strictly
# (cli/jldepot_parse.c): trailing garbage, a second JSON document, a NUL
# byte, a key twice, and sizes that are strings, fractions, negative or out
# of range are each refused as bundle_manifest naming what is wrong; a file
# whose size differs from its manifest is bundle_size_mismatch naming the
# file and both sizes (it used to be a SHA-256 mismatch with two equal
# hashes).  The depot is byte-identical after each.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unpack-manifest-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT
mkdir -p "$HOME"
out="$tmp/out" err="$tmp/err"
run() { "$JLDEPOT" "$@" >"$out" 2>"$err"; rc=$?; }
state() { (cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort && find . -type f ! -name '*.seal' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum); }

D="$tmp/build/depot"
mkdir -p "$tmp/build"
cp -r "$FIXTURES/sample-depot" "$D"
for p in Greeter Stats; do "$MKCACHE" --pkgimage "$D" "$p" >/dev/null; done
"$JLDEPOT" pack --out "$tmp/www" "$D" all >/dev/null
stats=$(ls "$tmp/www"/Stats-*.tar.zst)
T="$tmp/target"
mkdir "$T"
"$JLDEPOT" unpack --allow-unsigned -q "$(ls "$tmp/www"/Greeter-*.tar.zst)" "$T"
state "$T" >"$tmp/before"
zstd -q -dc "$stats" >"$tmp/good.tar"

mkbad() { # kind output: the Stats bundle with its manifest's bytes edited
    python3 - "$tmp/good.tar" "$1" "$2" <<'EOF'
import io, json, re, sys, tarfile
src, kind, dst = sys.argv[1:]
tin = tarfile.open(src)
with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as t:
    for m in tin.getmembers():
        data = tin.extractfile(m).read() if m.isfile() else None
        if m.name == "jldepot-bundle.json":
            j = json.loads(data)
            f0 = j["files"][0]
            if kind == "trailing":
                data = data + b"\n x"
            elif kind == "second":
                data = data + b"{}"
            elif kind == "nul":
                data = data + b"\0"
            elif kind == "nulname":
                f0["name"] = f0["name"] + "\0.hidden"; data = json.dumps(j).encode()
            elif kind == "dupkey":
                data = data.replace(b'"package"', b'"package": "Other", "package"', 1)
            elif kind == "strsize":
                f0["size"] = str(f0["size"]); data = json.dumps(j).encode()
            elif kind == "floatsize":
                f0["size"] = float(f0["size"]); data = json.dumps(j).encode()
            elif kind == "negsize":
                f0["size"] = -1; data = json.dumps(j).encode()
            elif kind == "hugesize":
                data = json.dumps(j).replace('"size": %d' % f0["size"], '"size": 99999999999999999999', 1).encode()
            elif kind == "nullfiles":
                j["files"] = None; data = json.dumps(j).encode()
            elif kind == "sizemismatch":
                f0["size"] += 1; data = json.dumps(j).encode()
                open(dst + ".name", "w").write("%s %d" % (f0["name"], f0["size"]))
            m.size = len(data)
        t.addfile(m, io.BytesIO(data) if data is not None else None)
EOF
}
bad() { # kind json-name description grep-pattern
    local kind=$1 name=$2 what=$3 pat=$4
    mkbad "$kind" "$tmp/bad-$kind.tar" || { echo "not ok - bad bundle $kind could not be made"; return; }
    run unpack --allow-unsigned "$tmp/bad-$kind.tar" "$T"
    state "$T" >"$tmp/after"
    grep -q "$pat" "$err" || sed 's/^/#   /' "$err"
    check "$what: refused as $name, depot byte-identical" \
        '[ $rc -eq 1 ] && grep -q "\[$name\]$" "$err" && grep -q "$pat" "$err" && cmp -s "$tmp/before" "$tmp/after"'
}
bad trailing bundle_manifest "trailing garbage after the manifest" "more after the end of the JSON document"
bad second bundle_manifest "a second JSON document" "more after the end of the JSON document"
bad nul bundle_manifest "a NUL byte" "a NUL byte at byte"
bad nulname bundle_manifest "a NUL in a file name" "files\[0\]\.name: .*NUL character"
bad dupkey bundle_manifest "a key twice" "the same key twice"
bad strsize bundle_manifest "a size that is a string" "files\[0\]\.size: expected a whole number of bytes from 0 to 2^53-1, not a string"
bad floatsize bundle_manifest "a size with a fraction" "files\[0\]\.size: .*not a number with a fraction"
bad negsize bundle_manifest "a negative size" "files\[0\]\.size: .*not a negative number"
bad hugesize bundle_manifest "a size out of range" "files\[0\]\.size: .*not a larger number"
bad nullfiles bundle_manifest "files: null" "files: expected an array, not null"
mkbad sizemismatch "$tmp/bad-sizemismatch.tar"
read -r fname fsize <"$tmp/bad-sizemismatch.tar.name"
bad sizemismatch bundle_size_mismatch "a file whose size differs from the manifest" \
    "$fname: $((fsize - 1)) bytes, the manifest says $fsize"
