#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# inspect-cli.sh: `jldepot inspect` on the real Julia 1.11 caches (the values
# Julia's own parse_cache_header printed) and on caches the test-only
# generator writes for the sample depot: human and JSON output, --resolve,
# --no-so, and the exit codes 0 (valid), 1 (a check fails), 2 (unparsable).
set -u
: "${JLDEPOT:?}" "${FIXTURES:?}" "${BUILDDIR:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
jqv() { jq -r "$1" "$tmp/out.json"; }

depotA="$FIXTURES/julia-1.11/depotA"
bar="$depotA/compiled/v1.11/RelocBar/aMJaA_5Tr1P.ji"
foo="$depotA/compiled/v1.11/RelocFoo/8A4ya_5Tr1P.ji"

# The real fixtures have no .so: Julia would reject them for that.
"$JLDEPOT" inspect "$bar" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "real cache without its pkgimage exits 1" '[ "$rc" -eq 1 ]'
check "the reason is named" 'grep -qx "jldepot: inspect: $bar: the pkgimage file is missing" "$tmp/err"'
check "module and UUID as Julia prints them" \
    'grep -q "^module       RelocBar \[a7e2f9d0-3c4b-4e8a-8f10-2b3c4d5e6f72\]" "$tmp/out"'
check "128-bit build id" 'grep -q "^build id     0xfafbfcfd3f5ad849000003ee0c758550$" "$tmp/out"'
check "flags decoded" 'grep -q "0xa3: pkgimages=yes debug-level=1 check-bounds=default inline=yes optimize=2" "$tmp/out"'
check "require key shown with its UUID" \
    'grep -q "require             RelocFoo \[6d3b1c2a-1f0e-4b7a-9c41-0a1b2c3d4e51\], provides 1" "$tmp/out"'
check "RelocFoo build id among the required modules" \
    'grep -q "RelocFoo \[6d3b1c2a-1f0e-4b7a-9c41-0a1b2c3d4e51\] build id 0xfafbfcfd6ad58585000003ee39528f3e" "$tmp/out"'
check "dependency size and crc" 'grep -q "size 216, crc 0x3b8ab3cb, content, provides 0" "$tmp/out"'
check "layout and why" 'grep -q "^layout       R12 (format version 12, Julia 1.11.0-DEV (ambiguous); the R12 trial parse landed on S)" "$tmp/out"'

"$JLDEPOT" inspect --no-so "$bar" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "--no-so: the real cache is valid (exit 0)" '[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]'
check "--no-so: crc_ji valid" 'grep -q "crc_ji valid" "$tmp/out"'

"$JLDEPOT" inspect --no-so --json "$foo" >"$tmp/out.json"; rc=$?
check "json: exit 0" '[ "$rc" -eq 0 ]'
check "json: status ok" '[ "$(jqv .status)" = ok ]'
check "json: layout R12 by trial parse" '[ "$(jqv .layout)/$(jqv .layout_detected_by)" = R12/trial_parse ]'
check "json: flags 163" '[ "$(jqv .flags.value)" = 163 ] && [ "$(jqv .flags.opt_level)" = 2 ]'
check "json: srctextpos 992" '[ "$(jqv .srctextpos)" = 992 ]'
check "json: 12 required modules" '[ "$(jqv ".required_modules | length")" = 12 ]'
check "json: Random's build id" \
    '[ "$(jqv ".required_modules[11].build_id")" = 0xfdfcfbfac51cf19e0000033d3dfd5c32 ]'
check "json: the mtime-tracked data.txt" \
    '[ "$(jqv ".dependencies[2].kind")/$(jqv ".dependencies[2].mtime")/$(jqv ".dependencies[2].content_tracked")" = include_dependency/1795569764.3420377/false ]'
check "json: 114 clone-target bytes" '[ "$(jqv .clone_targets.bytes)" = 114 ] && [ "$(jqv ".clone_targets.targets[0].name")" = znver4 ]'
check "json: module build id" '[ "$(jqv .build_id)" = "$(jqv ".modules[0].build_id")" ] && [ "$(jqv ".modules[0].build_id_lo")" = 0x000003ee39528f3e ]'

"$JLDEPOT" inspect --json "$foo" >"$tmp/out.json" 2>/dev/null; rc=$?
check "json without --no-so: exit 1, pkgimage_missing" \
    '[ "$rc" -eq 1 ] && [ "$(jqv .status)" = pkgimage_missing ] && [ "$(jqv .checks.pkgimage)" = pkgimage_missing ]'

"$JLDEPOT" inspect --no-so --resolve --depot-path "$depotA" "$bar" >"$tmp/out" 2>&1
check "--resolve: resolved against the depot" \
    'grep -q -- "-> $depotA/packages/RelocBar/src/helpers.jl" "$tmp/out"'
"$JLDEPOT" inspect --no-so --json --resolve --depot-path "$depotA" "$bar" >"$tmp/out.json"
check "--resolve json" '[ "$(jqv ".dependencies[0].resolved")" = "$depotA/packages/RelocBar/src/RelocBar.jl" ] && [ "$(jqv ".dependencies[0].resolve_status")" = ok ]'
# the depot holding the file comes first even when DEPOT_PATH does not name it
"$JLDEPOT" inspect --no-so --json --resolve --depot-path "$tmp/elsewhere" "$bar" >"$tmp/out.json"
check "--resolve: the containing depot, not on DEPOT_PATH, resolves the tokens" \
    '[ "$(jqv ".dependencies[0].resolved")" = "$depotA/packages/RelocBar/src/RelocBar.jl" ] && [ "$(jqv ".dependencies[0].resolve_status")" = ok ]'

# Generated caches of the sample depot, all three layouts.
cp -r "$FIXTURES/sample-depot" "$tmp/depot"
gen() { "$MKCACHE" --print "$@"; }
gr=$(gen --pkgimage "$tmp/depot" Greeter)
"$JLDEPOT" inspect "$gr" >"$tmp/out" 2>&1; rc=$?
check "generated split pair is valid (exit 0)" '[ "$rc" -eq 0 ] && grep -q "pkgimage valid" "$tmp/out"'
sh=$(gen --pkgimage "$tmp/depot" Shapes)
"$JLDEPOT" inspect --json "$sh" >"$tmp/out.json"
check "json: Shapes requires Greeter's build id" \
    '[ "$(jqv ".required_modules[-1].name")" = Greeter ] && [ "$(jqv ".required_modules[-1].build_id")" = "$("$JLDEPOT" inspect --json "$gr" | jq -r .build_id)" ]'
m13=$(gen --layout m13 "$tmp/depot" Stats)
"$JLDEPOT" inspect --json "$m13" >"$tmp/out.json"; rc=$?
check "M13 non-split: exit 0, layout M13, syntax byte, TOML blob" \
    '[ "$rc" -eq 0 ] && [ "$(jqv .layout)" = M13 ] && [ "$(jqv .syntax_version)" = 1 ] && [ "$(jqv .preferences.form)" = toml_blob ] && [ "$(jqv .checks.data_crc)" = true ]'
l10=$(gen --layout l10 "$tmp/depot" Stats)
"$JLDEPOT" inspect "$l10" >"$tmp/out"; rc=$?
check "L10: exit 0, mtime entries" '[ "$rc" -eq 0 ] && grep -q "^layout       L10" "$tmp/out" && grep -q "^      mtime [0-9]" "$tmp/out"'

# A check fails: exit 1 with the reason.
rm "${gr%.ji}.so"
"$JLDEPOT" inspect "$gr" >/dev/null 2>"$tmp/err"; rc=$?
check "pkgimage removed: exit 1" '[ "$rc" -eq 1 ] && grep -q "the pkgimage file is missing" "$tmp/err"'
cp "$m13" "$tmp/flip.ji"
printf '\x7f' | dd of="$tmp/flip.ji" bs=1 seek=100 conv=notrunc 2>/dev/null
"$JLDEPOT" inspect "$tmp/flip.ji" >/dev/null 2>"$tmp/err"; rc=$?
check "a flipped byte: exit 1 or 2, named" \
    '{ [ "$rc" -eq 1 ] && grep -q "the cache file checksum is invalid" "$tmp/err"; } || { [ "$rc" -eq 2 ] && grep -q "^jldepot: inspect: " "$tmp/err"; }'
size=$(stat -c %s "$m13")
cp "$m13" "$tmp/flip2.ji"
printf '\x01' | dd of="$tmp/flip2.ji" bs=1 seek=$((size - 20)) conv=notrunc 2>/dev/null
"$JLDEPOT" inspect "$tmp/flip2.ji" >/dev/null 2>"$tmp/err"; rc=$?
check "a changed source-text byte: crc_ji, exit 1" '[ "$rc" -eq 1 ] && grep -q "the cache file checksum is invalid" "$tmp/err"'

# Cannot be parsed: exit 2.
head -c 100 "$bar" >"$tmp/short.ji"
"$JLDEPOT" inspect "$tmp/short.ji" >/dev/null 2>"$tmp/err"; rc=$?
check "truncated: exit 2, named" '[ "$rc" -eq 2 ] && grep -qx "jldepot: inspect: $tmp/short.ji: the cache file is truncated \[truncated\]" "$tmp/err"'
"$JLDEPOT" inspect --json "$tmp/short.ji" >"$tmp/out.json" 2>/dev/null; rc=$?
check "truncated json: status truncated" '[ "$rc" -eq 2 ] && [ "$(jqv .status)" = truncated ]'
printf 'not a cache file' >"$tmp/text.ji"
"$JLDEPOT" inspect "$tmp/text.ji" >/dev/null 2>"$tmp/err"; rc=$?
check "not a cache file: exit 2" '[ "$rc" -eq 2 ] && grep -q "not a Julia cache file" "$tmp/err"'
"$JLDEPOT" inspect "$tmp/missing.ji" >/dev/null 2>"$tmp/err"; rc=$?
check "missing file: exit 2" '[ "$rc" -eq 2 ] && grep -q "does not exist" "$tmp/err"'
"$JLDEPOT" inspect --bogus "$bar" >/dev/null 2>&1; rc=$?
check "unknown option: exit 2" '[ "$rc" -eq 2 ]'
