#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# serve-signed.sh: signed bundles served by a real nginx on loopback, fetched
# by a client whose trust comes only from its own depot's
# config/jldepot/sources.toml.  A good signed fetch is unpacked and fresh;
# each attack is refused with its named error and the client's depot left
# byte-identical: a tampered .so with the manifest and the index re-hashed,
# a bundle signed by a key the client does not trust, an expired index
# (signed by the real key with `openssl pkeyutl`, not by jldepot), a
# rotated key, a revoked key, an older index replayed at the same URL, an
# unsigned bundle, a redirect to file:// or from https:// to http://,
# plain http to a host that is not loopback.  A local unpack checks the
# bundle's .sig the same way.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}" "${TOP:?}"
BED_NAME=serve-signed
. "$TOP/test/scenario/lib/bundle-bed.sh"
chmod 755 "$tmp" # nginx workers run as another user when started by root
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
ngpid=
trap '[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

D="$tmp/build"
gen "$D" || { echo "not ok - the build depot is made"; exit 1; }
K="$tmp/keys"
mkdir -p "$K"
for k in srv-1 srv-2 evil-1; do "$JLDEPOT" key generate --dir "$K" "$k" >/dev/null; done
pub() { cat "$K/$1.public"; }
W="$tmp/www"
"$JLDEPOT" pack --out "$W/good" --sign "$K/srv-1.secret" "$D" all >/dev/null
shapes=$(cd "$W/good" && ls Shapes-*.tar.zst)
stats=$(cd "$W/good" && ls Stats-*.tar.zst)
check "pack --sign writes a .sig per bundle and index.json.sig" \
    '[ "$(ls "$W/good"/*.tar.zst.sig | wc -l)" = 3 ] && [ -f "$W/good/index.json.sig" ]'
check "the bundle's signature file names its input key" \
    'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d[\"input_key\"])==64 and d[\"signatures\"][0].startswith(\"srv-1:\")" "$W/good/$shapes.sig"'

# tampered: one byte of the .so changed, the manifest re-hashed, the index
# re-hashed too; the signatures are the good ones
so=$(cd "$D/compiled/v1.11/Shapes" && ls ./*.so) so=${so#./}
mkdir -p "$W/tamper"
edit "$W/good/$shapes" "$W/tamper/$shapes" "flip:@compiled/v1.11/Shapes/$so=-100" ||
    echo "not ok - bundle_edit.py edits the bundle"
cp "$W/good/$shapes.sig" "$W/tamper/"
python3 "$TOP/test/scenario/lib/index_rehash.py" "$W/good/index.json" "$W/tamper/index.json" "$W/tamper/$shapes"
cp "$W/good/index.json.sig" "$W/tamper/"
# signed by a key the client does not trust; unsigned
"$JLDEPOT" pack --out "$W/evil" --sign "$K/evil-1.secret" "$D" all >/dev/null
"$JLDEPOT" pack --out "$W/unsigned" "$D" all >/dev/null
# rotation: the same bundles signed by srv-1 and then srv-2 (two signatures)
"$JLDEPOT" pack --out "$W/rot" --sign "$K/srv-1.secret" "$D" all >/dev/null
cp -r "$W/rot" "$tmp/rot1" # index version 1, for the replay below
"$JLDEPOT" pack --out "$W/rot" --sign "$K/srv-2.secret" "$D" all >/dev/null
check "packing again signs the index with the next version" \
    'grep -q "\"version\":2" "$W/rot/index.json.sig" && grep -q "\"version\":1" "$tmp/rot1/index.json.sig"'
check "a second key adds its signature beside the first" \
    'python3 -c "import json,sys; s=json.load(open(sys.argv[1]))[\"signatures\"]; assert sorted(x.split(\":\")[0] for x in s)==[\"srv-1\",\"srv-2\"]" "$W/rot/$shapes.sig"'
# expired: the good index with a signature made now by srv-1 that expired an
# hour ago (OpenSSL signs `domain NUL statement` from the secret key's seed)
mkdir -p "$W/expired"
cp -r "$W/good"/* "$W/expired/"
python3 - "$K/srv-1.secret" "$W/expired/index.json" "$W/expired/index.json.sig" "$tmp/ossl" <<'EOF'
import base64, hashlib, json, os, subprocess, sys, time
name, b64 = open(sys.argv[1]).read().strip().split(":", 1)
seed = base64.b64decode(b64)[:32]
os.makedirs(sys.argv[4], exist_ok=True)
der = bytes.fromhex("302e020100300506032b657004220420") + seed
key = os.path.join(sys.argv[4], "k.der"); open(key, "wb").write(der)
h = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
exp = int(time.time()) - 3600
stmt = b"jldepot-index 1\0" + ("version 7\nexpires %d\nindex-sha256 %s\n" % (exp, h)).encode()
msg = os.path.join(sys.argv[4], "m"); open(msg, "wb").write(stmt)
sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-keyform", "DER", "-inkey", key,
                      "-in", msg], check=True, capture_output=True).stdout
json.dump({"format": "jldepot-index-signature 1", "version": 7, "expires": exp, "index_sha256": h,
           "signatures": [name + ":" + base64.b64encode(sig).decode()]}, open(sys.argv[3], "w"))
EOF

# TLS: a test CA, a certificate for 127.0.0.1 that it signed
TLS="$tmp/tls"
mkdir -p "$TLS"
(cd "$TLS" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
        -out ca.pem -days 2 -subj /CN=jldepot-test-ca &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
        -out server.csr -subj /CN=127.0.0.1 &&
    printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
        -out server.pem -days 2 -extfile ext) >/dev/null 2>&1 ||
    echo "not ok - openssl makes the test CA and certificate"
chmod 644 "$TLS"/*
TLS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

. "$TOP/test/scenario/lib/nginx.sh"
nginx_start "$tmp/nginx" "$W" "    types { application/json json; application/zstd zst; }" \
    "        listen 127.0.0.1:$TLS_PORT ssl;
        ssl_certificate $TLS/server.pem;
        ssl_certificate_key $TLS/server.key;
        location = /redirect/index.json { return 302 file:///etc/passwd; }
        location = /redirect/index.json.sig { return 302 file:///etc/passwd; }
        location /downgrade/ { return 302 http://127.0.0.1:\$server_port/good/; }" ||
    { echo "not ok - nginx starts"; exit 1; }
ngpid=$NGINX_PID
U="http://127.0.0.1:$NGINX_PORT"

# the client: one depot, its trust in its own config
C="$tmp/client"
mkdir -p "$C/config/jldepot"
trust() { # URL-PREFIX TRUSTED... [-- REVOKED...]
    local url=$1 keys="" rev="" sep=""
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do keys="$keys$sep\"$(pub "$1")\"" sep=", "; shift; done
    [ $# -gt 0 ] && shift
    sep=""
    for r in "$@"; do rev="$rev$sep\"$r\"" sep=", "; done
    printf '[[source]]\nurl = "%s"\ntrusted-keys = [%s]\nrevoked-keys = [%s]\n' "$url" "$keys" "$rev" \
        >"$C/config/jldepot/sources.toml"
    before=$(state "$C")
}
refused() { # NAME JSON-NAME: refused with that error, the client depot unchanged
    [ -n "${DEBUG:-}" ] && { echo "rc=$rc"; cat "$err"; diff <(echo "$before") <(state "$C"); }
    want=$2
    check "$1: refused as $2, the depot byte-identical" \
        '[ $rc -ne 0 ] && grep -q "\[$want\]" "$err" && [ "$(state "$C")" = "$before" ]'
}

trust "$U" srv-1
before=$(state "$C")
run fetch -q "$U/tamper/index.json" --package Shapes "$C"
refused "a tampered .so with manifest and index re-hashed (via the index)" bundle_sha256_mismatch
run fetch -q "$U/tamper/$shapes" "$C"
refused "the same bundle fetched directly: its signature names other bytes" bundle_sha256_mismatch
run fetch -q "$U/evil/index.json" --package Shapes "$C"
refused "an index signed by a key the client does not trust" signature_untrusted
run fetch -q "$U/evil/$shapes" "$C"
refused "a bundle signed by a key the client does not trust" signature_untrusted
run fetch -q "$U/expired/index.json" --package Shapes "$C"
refused "an expired index (signed by a trusted key)" index_expired
run fetch -q "$U/unsigned/index.json" --package Shapes "$C"
refused "an unsigned index" unsigned
run fetch -q "$U/unsigned/$shapes" "$C"
refused "an unsigned bundle" unsigned
run fetch -q "$U/redirect/index.json" --package Shapes "$C"
refused "a redirect to file://" url_refused
run fetch -q "http://cache.example.org/julia/index.json" --package Shapes "$C"
refused "plain http to a host that is not loopback" url_refused
trust "$U" srv-2
run fetch -q "$U/good/index.json" --package Shapes "$C"
refused "a key rotated out (only srv-2 trusted, signed by srv-1)" signature_untrusted
trust "$U" srv-1 -- srv-1
run fetch -q "$U/good/index.json" --package Shapes "$C"
refused "a revoked key" key_revoked
trust "$U" srv-2 -- srv-1
run fetch -q "$U/rot/index.json" --package Shapes "$C"
check "a key rotated in: signed by srv-1 and srv-2, srv-1 revoked, srv-2 trusted: fetched" \
    '[ $rc -eq 0 ] && [ -f "$C/compiled/v1.11/Shapes/$so" ]'
run verify "$C/compiled/v1.11/Shapes"/*.ji --depot-path "$C"
check "... and the fetched cache is fresh" '[ $rc -eq 0 ]'
# a replay: the same index URL later serves the older (version 1) index
trust "$U" srv-1 srv-2
rm -rf "$W/rot" && cp -r "$tmp/rot1" "$W/rot"
run fetch -q "$U/rot/index.json" --package Stats "$C"
refused "an older signed index at the same URL (a replay)" index_rollback

# a good signed fetch into a new depot, then the unsigned opt-out per command
C2="$tmp/client2"
mkdir -p "$C2/config/jldepot"
cp "$C/config/jldepot/sources.toml" "$C2/config/jldepot/" 2>/dev/null
C_SAVE=$C C=$C2
trust "$U" srv-1
run fetch -q "$U/good/index.json" --package Stats "$C"
check "a signed bundle from a trusted key is fetched" '[ $rc -eq 0 ] && [ -n "$(ls "$C/compiled/v1.11/Stats/"*.so 2>/dev/null)" ]'
run fetch -q --allow-unsigned "$U/unsigned/index.json" --package Greeter "$C"
check "--allow-unsigned accepts an unsigned bundle for this one command" '[ $rc -eq 0 ]'
C=$C_SAVE

# a local unpack checks the .sig beside the bundle against the client's keys
L="$tmp/local"
mkdir -p "$L/config/jldepot"
cp "$C/config/jldepot/sources.toml" "$L/config/jldepot/"
C=$L
trust "$U" srv-1
before=$(state "$C")
run unpack "$W/tamper/$shapes" "$C"
refused "a local unpack of the tampered bundle" bundle_sha256_mismatch
run unpack "$W/unsigned/$shapes" "$C"
refused "a local unpack of an unsigned bundle" unsigned
run unpack "$W/evil/$shapes" "$C"
refused "a local unpack of a bundle signed by an untrusted key" signature_untrusted
run unpack "$W/good/$shapes" "$C"
check "a local unpack of a signed bundle" '[ $rc -eq 0 ] && [ -f "$C/compiled/v1.11/Shapes/$so" ]'

# https: the source's own CA file; the system's CAs do not know the test CA;
# a redirect from https to http is not followed
C=$tmp/tlsclient
mkdir -p "$C/config/jldepot"
T="https://127.0.0.1:$TLS_PORT"
printf '[[source]]\nurl = "%s"\ntrusted-keys = ["%s"]\nca-file = "%s"\n' "$T" "$(pub srv-1)" \
    "$TLS/ca.pem" >"$C/config/jldepot/sources.toml"
before=$(state "$C")
run fetch -q "$T/downgrade/index.json" --package Shapes "$C"
refused "a redirect from https:// to http://" url_refused
run fetch -q "$T/good/index.json" --package Shapes "$C"
check "https with the source's ca-file: fetched" '[ $rc -eq 0 ] && [ -f "$C/compiled/v1.11/Shapes/$so" ]'
C=$tmp/tlsclient2
mkdir -p "$C/config/jldepot"
printf '[[source]]\nurl = "%s"\ntrusted-keys = ["%s"]\n' "$T" "$(pub srv-1)" \
    >"$C/config/jldepot/sources.toml"
before=$(state "$C")
run fetch -q "$T/good/index.json" --package Shapes "$C"
refused "https to a server whose certificate no trusted CA signed" download_failed
check "... and the message names the certificate problem" 'grep -qi "certificate" "$err"'
