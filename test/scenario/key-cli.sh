#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# key-cli.sh: `jldepot key generate` writes a secret key (mode 0600) and its
# public key, never replaces either, refuses bad names and unwritable places
# with nothing written; `jldepot key public` prints the public half.
set -u
: "${JLDEPOT:?}"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
S=$(mktemp -d "${TMPDIR:-/tmp}/key-cli-XXXXXX")
trap 'rm -rf "$S"' EXIT

out=$("$JLDEPOT" key generate --dir "$S" cache.example.org-1 2>&1); rc=$?
check "generate exits 0" '[ "$rc" = 0 ]'
check "generate prints the public key" '[ "$out" = "$(cat "$S/cache.example.org-1.public")" ]'
check "the public key is NAME-N:base64 of 32 bytes" \
    '[[ "$out" =~ ^cache\.example\.org-1:[A-Za-z0-9+/]{43}=$ ]] && [ "$(cut -d: -f2 <<<"$out" | base64 -d | wc -c)" = 32 ]'
check "the secret key is mode 0600" '[ "$(stat -c %a "$S/cache.example.org-1.secret")" = 600 ]'
check "the secret key holds 64 bytes" \
    '[ "$(cut -d: -f2 "$S/cache.example.org-1.secret" | base64 -d | wc -c)" = 64 ]'
pub=$("$JLDEPOT" key public "$S/cache.example.org-1.secret")
check "key public gives the same public key" '[ "$pub" = "$out" ]'

before=$(sha256sum "$S"/*)
err=$("$JLDEPOT" key generate --dir "$S" cache.example.org-1 2>&1); rc=$?
check "an existing key is never replaced (exit 1)" '[ "$rc" = 1 ] && [ "$(sha256sum "$S"/*)" = "$before" ]'
check "the refusal names the file and the next key" \
    'grep -qF "cache.example.org-1.secret already exists" <<<"$err" && grep -qF "generate cache.example.org-2" <<<"$err"'
err=$("$JLDEPOT" key generate --dir "$S" nonumber 2>&1); rc=$?
check "a name without -N is a usage error naming key_name" '[ "$rc" = 2 ] && grep -qF "[key_name]" <<<"$err"'
check "nothing was written for it" '[ "$(sha256sum "$S"/*)" = "$before" ] && [ "$(ls "$S" | wc -l)" = 2 ]'
err=$("$JLDEPOT" key generate --dir "$S/missing" x-1 2>&1); rc=$?
check "a missing directory is refused by name" '[ "$rc" = 1 ] && grep -qF "$S/missing/x-1.secret: the file does not exist (No such file or directory); check the path [not_found]" <<<"$err"'
printf 'x-1:AAAA\n' >"$S/bad.secret"
err=$("$JLDEPOT" key public "$S/bad.secret" 2>&1); rc=$?
check "a malformed secret key is refused" '[ "$rc" = 1 ] && grep -qF "[key_malformed]" <<<"$err"'
mkfifo "$S/fifo"
err=$(timeout 10 "$JLDEPOT" key public "$S/fifo" 2>&1); rc=$?
check "a FIFO is refused, not waited on" '[ "$rc" = 1 ]'
