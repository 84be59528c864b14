#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# substitute.sh: `jldepot substitute` on an environment of the sample depot's
# packages (Project.toml and a Manifest.toml whose git-tree-sha1 values git
# itself computes), with a developed package, a package with preferences and
# a stdlib beside them.  nginx on loopback serves signed bundles of Greeter
# and Shapes only: exactly those are substituted into an empty depot (and
# fresh there), Stats is reported not on any server, the developed and the
# preferences package not servable, and the input key the client computed
# before building is the one `pack` recorded after building.  A second,
# preferred server offering Stats signed by an untrusted key: Stats refused
# by name, exit 1.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}" "${TOP:?}"
BED_NAME=substitute
. "$TOP/test/scenario/lib/bundle-bed.sh"
chmod 755 "$tmp"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
ngpid=
trap '[ -n "$ngpid" ] && kill "$ngpid" 2>/dev/null; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
command -v git >/dev/null || { echo "not ok - git is installed"; exit 1; }

D="$tmp/build"
gen "$D" || { echo "not ok - the build depot is made"; exit 1; }
K="$tmp/keys"
mkdir -p "$K"
"$JLDEPOT" key generate --dir "$K" srv-1 >/dev/null
"$JLDEPOT" key generate --dir "$K" evil-1 >/dev/null
W="$tmp/www"
"$JLDEPOT" pack --out "$W/main" --sign "$K/srv-1.secret" "$D" Greeter Shapes >/dev/null
"$JLDEPOT" pack --out "$W/evil" --sign "$K/evil-1.secret" "$D" Stats >/dev/null

# the environment: git computes each tree hash (as Pkg does)
treehash() {
    local c="$tmp/git-$RANDOM"
    cp -r "$1" "$c" && git -C "$c" init -q && git -C "$c" add -A && git -C "$c" write-tree
    rm -rf "$c"
}
E="$tmp/env"
mkdir -p "$E"
uuid_of() { sed -n 's/^uuid = "\(.*\)"/\1/p' "$1/Project.toml"; }
G=$(echo "$D"/packages/Greeter/*) S=$(echo "$D"/packages/Shapes/*) T=$(echo "$D"/packages/Stats/*)
cat >"$E/Project.toml" <<EOF
[deps]
Greeter = "$(uuid_of "$G")"
Shapes = "$(uuid_of "$S")"
Stats = "$(uuid_of "$T")"
Devd = "6f0a7c52-34b4-4c39-9f3e-1b57c9d2a1aa"
Tuned = "9d9c1bde-8a55-4b7c-9a0c-2e1b6a7d3f11"
EOF
cat >"$E/Manifest.toml" <<EOF
julia_version = "1.11.1"
manifest_format = "2.0"
project_hash = "0000000000000000000000000000000000000000"

[[deps.Greeter]]
git-tree-sha1 = "$(treehash "$G")"
uuid = "$(uuid_of "$G")"
version = "0.1.0"

[[deps.Shapes]]
deps = ["Greeter", "Printf"]
git-tree-sha1 = "$(treehash "$S")"
uuid = "$(uuid_of "$S")"
version = "0.1.0"

[[deps.Stats]]
git-tree-sha1 = "$(treehash "$T")"
uuid = "$(uuid_of "$T")"
version = "0.1.0"

[[deps.Devd]]
path = "/home/someone/dev/Devd"
uuid = "6f0a7c52-34b4-4c39-9f3e-1b57c9d2a1aa"
version = "0.1.0"

[[deps.Tuned]]
git-tree-sha1 = "1111111111111111111111111111111111111111"
uuid = "9d9c1bde-8a55-4b7c-9a0c-2e1b6a7d3f11"
version = "1.0.0"

[[deps.Printf]]
deps = ["Unicode"]
uuid = "de0858da-6303-5e67-8744-51eddeeeb8d7"
version = "1.11.0"

[[deps.Unicode]]
uuid = "4ec0a83e-493e-50e2-b9ac-8f72acf5a8f5"
version = "1.11.0"
EOF
printf '[Tuned]\nfast = true\n' >"$E/LocalPreferences.toml"

. "$TOP/test/scenario/lib/nginx.sh"
nginx_start "$tmp/nginx" "$W" "    types { application/json json; application/zstd zst; }" ||
    { echo "not ok - nginx starts"; exit 1; }
ngpid=$NGINX_PID
U="http://127.0.0.1:$NGINX_PORT"

C="$tmp/client"
mkdir -p "$C/config/jldepot"
printf '[[source]]\nurl = "%s/main"\ntrusted-keys = ["%s"]\n' "$U" "$(cat "$K/srv-1.public")" \
    >"$C/config/jldepot/sources.toml"
PLATFORM=$(echo "$D"/compiled/v1.11/Stats/*.ji) # a cache this "Julia" wrote
run substitute --platform "$PLATFORM" "$E" "$C"
check "substitute exits 0 when nothing was refused" '[ $rc -eq 0 ]'
check "Greeter and Shapes are substituted" \
    'grep -q "^substituted Greeter " "$out" && grep -q "^substituted Shapes " "$out"'
check "Stats is not on any server" 'grep -q "^not on any server Stats " "$out"'
check "the developed package is not servable" 'grep -q "^not servable Devd: it is developed at /home/someone/dev/Devd" "$out"'
check "the package with preferences is not servable" 'grep -q "^not servable Tuned: it has preferences" "$out"'
check "stdlibs are left to Julia, and the summary counts" \
    'tail -1 "$out" | grep -q "^2 substituted, 1 not on any server, 2 not servable, 0 refused (2 stdlibs come with Julia)"'
run verify --depot-path "$C" "$C"/compiled/v1.11/Shapes/*.ji "$C"/compiled/v1.11/Greeter/*.ji
check "the substituted caches are fresh in the client's depot" '[ $rc -eq 0 ]'
check "nothing of Stats was written" '[ ! -e "$C/compiled/v1.11/Stats" ] && [ ! -e "$C/packages/Stats" ]'

run substitute --json --platform "$PLATFORM" "$E" "$C"
cp "$out" "$tmp/stats.json"
check "--json: one document, a state per package" \
    'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s={p[\"package\"]:p[\"state\"] for p in d[\"packages\"]}; assert s=={\"Greeter\":\"substituted\",\"Shapes\":\"substituted\",\"Stats\":\"not_on_any_server\",\"Devd\":\"not_servable\",\"Tuned\":\"not_servable\"}, s" "$out"'
check "the input key computed before building is the one pack recorded" \
    'python3 - "$out" "$W/main/index.json" <<EOF
import json, sys
got = {p["package"]: p["input_key"] for p in json.load(open(sys.argv[1]))["packages"]}
idx = json.load(open(sys.argv[2]))
rec = {p["name"]: b["input_key"] for p in idx["packages"].values() for b in p["bundles"].values()}
assert rec["Shapes"] == got["Shapes"] and rec["Greeter"] == got["Greeter"], (rec, got)
EOF'

# a preferred server with Stats signed by a key the client does not trust
printf '[[source]]\nurl = "%s/evil"\npriority = 1\ntrusted-keys = ["%s"]\n[[source]]\nurl = "%s/main"\npriority = 2\ntrusted-keys = ["%s"]\n' \
    "$U" "$(cat "$K/srv-1.public")" "$U" "$(cat "$K/srv-1.public")" >"$C/config/jldepot/sources.toml"
run substitute --platform "$PLATFORM" "$E" "$C"
check "a bundle signed by an untrusted key is refused by name, exit 1" \
    '[ $rc -eq 1 ] && grep -q "^refused Stats: .*\[signature_untrusted\]" "$out"'
check "... and nothing of it was written" '[ ! -e "$C/compiled/v1.11/Stats" ]'
run substitute "$E" "$C"
check "without a platform: a usage error that says what to give" \
    '[ $rc -eq 2 ] && grep -q -- "--platform CACHE.ji or --julia-home DIR" "$err"'
run substitute --platform "$PLATFORM" "$E/Manifest.toml" "$C"
check "a file instead of the environment's directory: a usage error" '[ $rc -eq 2 ] && grep -q "is a file" "$err"'

# a hostile server's input entries: a genuine signed statement for another
# input key (Shapes' bundle offered as Stats), and a file name that climbs
# out of the server directory; both refused by name, nothing written
stats_key=$(python3 -c 'import json,sys; print([p["input_key"] for p in json.load(open(sys.argv[1]))["packages"] if p["package"]=="Stats"][0])' "$tmp/stats.json" 2>/dev/null)
shapes_entry=$(ls "$W/main/inputs/"*.json | xargs grep -l '"package": "Shapes"')
mkdir -p "$W/hostile/inputs"
python3 - "$shapes_entry" "$W/hostile/inputs/$stats_key.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
e["input_key"] = sys.argv[2].rsplit("/", 1)[1][:-5]
json.dump(e, open(sys.argv[2], "w"))
PY
cp "$W/main/"Shapes-*.tar.zst* "$W/hostile/"
printf '[[source]]\nurl = "%s/hostile"\ntrusted-keys = ["%s"]\n' "$U" "$(cat "$K/srv-1.public")" \
    >"$C/config/jldepot/sources.toml"
C2="$tmp/client2"
mkdir -p "$C2/config/jldepot"
cp "$C/config/jldepot/sources.toml" "$C2/config/jldepot/"
before=$(state "$C2")
run substitute --platform "$PLATFORM" "$E" "$C2"
check "a signed bundle offered for another input key is refused as bundle_key_mismatch" \
    '[ $rc -eq 1 ] && grep -q "^refused Stats: .*\[bundle_key_mismatch\]" "$out"'
check "... and the depot has only what the genuine entries brought" \
    '[ ! -e "$C2/compiled/v1.11/Stats" ]'
python3 - "$W/hostile/inputs/$stats_key.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
e["bundles"][0]["file"] = "../main/" + e["bundles"][0]["file"]
json.dump(e, open(sys.argv[1], "w"))
PY
run substitute --platform "$PLATFORM" "$E" "$C2"
check "a file name that leaves the server directory is refused as index_malformed" \
    '[ $rc -eq 1 ] && grep -q "^refused Stats: .*\[index_malformed\]" "$out"'

# manifests: format 1, dependencies as a table, a malformed one
E1="$tmp/env1"
mkdir -p "$E1"
python3 - "$E/Manifest.toml" "$E1/Manifest.toml" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
t = re.sub(r'^(julia_version|manifest_format|project_hash) = .*\n', '', t, flags=re.M)
t = t.replace("[[deps.", "[[")
t = t.replace('deps = ["Greeter", "Printf"]', 'deps = {Greeter = "0a02c509-b82e-49bd-b306-61972eda4a83", Printf = "de0858da-6303-5e67-8744-51eddeeeb8d7"}')
open(sys.argv[2], "w").write(t)
PY
cp "$E/Project.toml" "$E/LocalPreferences.toml" "$E1/"
run substitute --json --platform "$PLATFORM" "$E1" "$C"
check "a format-1 manifest with a dependency table gives the same input keys" \
    'python3 -c "import json,sys; k=lambda f: {p[\"package\"]:p[\"input_key\"] for p in json.load(open(f))[\"packages\"]}; assert k(sys.argv[1])==k(sys.argv[2])" "$out" "$tmp/stats.json"'
printf '[[deps.Broken]]\nuuid = \n' >"$E1/Manifest.toml"
run substitute --platform "$PLATFORM" "$E1" "$C"
check "a malformed manifest: exit 2, environment_malformed, the file and the line named" \
    '[ $rc -eq 2 ] && grep -q "Manifest.toml:2:.*\[environment_malformed\]" "$err"'
rm "$E1/Manifest.toml"
run substitute --platform "$PLATFORM" "$E1" "$C"
check "no manifest: exit 2, environment_malformed, the file named" \
    '[ $rc -eq 2 ] && grep -q "Manifest.toml.*\[environment_malformed\]" "$err"'

# a package that uses a stdlib whose cache ships in Julia's bundled depot:
# with --julia-home that cache is part of the platform (not packed, not a
# reason to refuse), and the client's platform comes from it
H="$tmp/julia" # bindir $H/bin, bundled depot $H/share/julia
B="$H/share/julia"
mkdir -p "$H/bin" "$B/stdlib/v1.11/Printf/src"
printf 'name = "Printf"\nuuid = "de0858da-6303-5e67-8744-51eddeeeb8d7"\nversion = "1.11.0"\n' \
    >"$B/stdlib/v1.11/Printf/Project.toml"
printf 'module Printf\n\nexport fmt\n\nfmt(x) = string(x)\n\nend # module Printf\n' \
    >"$B/stdlib/v1.11/Printf/src/Printf.jl"
"$MKCACHE" --pkgimage --depot-path "$B" --pkgdir "$B/stdlib/v1.11/Printf" "$B" Printf >/dev/null
F="$D/packages/Fmt/q1Zx9"
mkdir -p "$F/src"
printf 'name = "Fmt"\nuuid = "2c8e6a1e-5b1f-4e54-9a0b-3f6d7c1e9b21"\nversion = "0.1.0"\n\n[deps]\nPrintf = "de0858da-6303-5e67-8744-51eddeeeb8d7"\n' \
    >"$F/Project.toml"
printf 'module Fmt\n\nusing Printf\n\nshow2(x) = fmt(x) * fmt(x)\n\nend # module Fmt\n' >"$F/src/Fmt.jl"
"$MKCACHE" --pkgimage --depot-path "$D:$B" "$D" Fmt >/dev/null
run inspect --json "$D"/compiled/v1.11/Fmt/*.ji
check "the package's cache requires the stdlib's cache by build id" \
    'python3 -c "import json,sys; assert any(m[\"name\"]==\"Printf\" for m in json.load(open(sys.argv[1]))[\"required_modules\"])" "$out"'
run pack --explain --depot-path "$B" "$D" Fmt
check "without --julia-home the stdlib's cache is a cache missing from the depot" \
    '[ $rc -eq 1 ] && grep -q "^not servable Fmt .*Printf" "$out"'
run pack --out "$W/main" --sign "$K/srv-1.secret" --julia-home "$H/bin" --depot-path "$B" "$D" Fmt
fmtb=$(cd "$W/main" && ls Fmt-*.tar.zst 2>/dev/null)
check "with --julia-home it is part of the platform: Fmt packed, without Printf's cache" \
    '[ $rc -eq 0 ] && [ -n "$fmtb" ] && ! zstd -dc "$W/main/$fmtb" | tar -tf - | grep -q Printf'
E3="$tmp/env3"
mkdir -p "$E3"
printf '[deps]\nFmt = "2c8e6a1e-5b1f-4e54-9a0b-3f6d7c1e9b21"\n' >"$E3/Project.toml"
cat >"$E3/Manifest.toml" <<EOM
manifest_format = "2.0"

[[deps.Fmt]]
deps = ["Printf"]
git-tree-sha1 = "$(treehash "$F")"
uuid = "2c8e6a1e-5b1f-4e54-9a0b-3f6d7c1e9b21"
version = "0.1.0"

[[deps.Printf]]
uuid = "de0858da-6303-5e67-8744-51eddeeeb8d7"
version = "1.11.0"
EOM
C3="$tmp/client3"
mkdir -p "$C3/config/jldepot"
printf '[[source]]\nurl = "%s/main"\ntrusted-keys = ["%s"]\n' "$U" "$(cat "$K/srv-1.public")" \
    >"$C3/config/jldepot/sources.toml"
run substitute --julia-home "$H/bin" --depot-path "$B" "$E3" "$C3"
check "--julia-home: the platform from Julia's stdlib caches; Fmt substituted" \
    '[ $rc -eq 0 ] && grep -q "^substituted Fmt " "$out" && tail -1 "$out" | grep -q "^1 substituted, 0 not on any server, 0 not servable, 0 refused (1 stdlibs"'
check "--julia-home with no julia to ask: a warning that the stdlib caches' flags and CPU target stand in" \
    'grep -qF "warning: $H/bin/julia could not be run: the cache flags and CPU target of its stdlib caches are used" "$err"'
run verify --depot-path "$C3:$B" "$C3"/compiled/v1.11/Fmt/*.ji
check "... and fresh beside the bundled depot's stdlib cache" '[ $rc -eq 0 ]'

# a manifest name with a line break cannot forge a report line
E4="$tmp/env4"
mkdir -p "$E4"
printf 'manifest_format = "2.0"\n[[deps."Evil\\nsubstituted Forged (input 0, output 0) from x"]]\npath = "/dev/x"\nuuid = "5a1b2c3d-0000-4000-8000-000000000001"\n' \
    >"$E4/Manifest.toml"
run substitute --platform "$PLATFORM" "$E4" "$C"
check "a name with a line break is escaped: no forged line" \
    '[ $rc -eq 0 ] && ! grep -q "^substituted Forged" "$out" && grep -qF "not servable Evil\nsubstituted Forged" "$out"'
