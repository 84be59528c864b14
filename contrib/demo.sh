#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# demo.sh: the main job on the embedded sample depot (test/fixtures/sample-depot):
# lay the depot out (classic and XDG), write its precompile caches in the real
# format, show them tokenized, move the depot, and show every recorded path
# resolving to the new location with the recorded content hashes still
# matching.  Then read a cache written by a real Julia 1.11.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jldepot="${JLDEPOT:-$top/usr/bin/jldepot}"
mkcache="${MKCACHE:-$top/build/release/test/tools/mkcache}"
[ -x "$jldepot" ] && [ -x "$mkcache" ] || { echo "demo: run 'make demo' (builds first)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/jldepot-demo-XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed -e "s|$work|\$WORK|g" -e "s|$top/usr/bin/||g"; "$@" 2>&1 | sed "s|$work|\$WORK|g"; }

old="$work/laptop/depot"
mkdir -p "$(dirname "$old")"
cp -r "$top/test/fixtures/sample-depot" "$old"

say "The depot stack, as Julia builds DEPOT_PATH (classic layout)"
run "$jldepot" layout --depot-path "$old"
say "The same user depot in the opt-in XDG layout"
run env -u JULIA_DEPOT_PATH HOME="$work/home" XDG_DATA_HOME="$work/home/share" \
    XDG_CACHE_HOME="$work/home/cache" "$jldepot" layout --layout xdg

say "Precompile caches in the real format (.ji + pkgimage .so), dependency order"
for pkg in Greeter Stats Shapes; do
    "$mkcache" --pkgimage --print "$old" "$pkg" | sed "s|$work|\$WORK|g"
done
shapes=$(ls "$old"/compiled/v1.11/Shapes/*.ji)

say "Source paths become role tokens"
run "$jldepot" tokenize --depot-path "$old" "$old"/packages/Shapes/*/src/Shapes.jl \
    "$old/artifacts/0123abcd/lib/libfoo.so" "$old/compiled/v1.11/Shapes"

say "What the Shapes cache records"
run "$jldepot" inspect --depot-path "$old" "$shapes"

new="$work/cluster node/scratch/a much longer path/depot"
say "Move the depot (mv to another, longer path with a space in it)"
mkdir -p "$(dirname "$new")"
run mv "$old" "$new"
shapes=$(ls "$new"/compiled/v1.11/Shapes/*.ji)

say "Every recorded path resolves in the depot that holds the cache"
run "$jldepot" inspect --resolve --depot-path "$new" "$shapes" | sed -n '1p;/^dependencies/,/^preferences/p;/^status/p'


say "The recorded sizes and CRC-32C values still match the files found there"
bad=0
for ji in "$new"/compiled/v1.11/*/*.ji; do
    while IFS=$'\t' read -r tok path want; do
        if [ -d "$path" ]; then
            # include_dependency on a directory: CRC-32C of its sorted names
            got=$(cd "$path" && LC_ALL=C ls -A | tr -d '\n' | "$jldepot" crc32c - | cut -d' ' -f1)
            what="directory"
        else
            got=$("$jldepot" crc32c "$path" | cut -d' ' -f1)
            what="file"
        fi
        verdict=ok; [ "0x$got" = "$want" ] || { verdict=CHANGED; bad=1; }
        printf '  %-8s %-9s %-52s %s\n' "$verdict" "$what" "$tok" "$want"
    done < <("$jldepot" inspect --json --resolve --depot-path "$new" "$ji" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for x in d["dependencies"]:
    if x["kind"] != "require" and x["content_tracked"]:
        print(x["path"], x["resolved"], x["hash"], sep="\t")')
done
[ "$bad" -eq 0 ] || { echo "demo: a recorded hash does not match" >&2; exit 1; }

say "Julia's loader checks, without Julia: every cache is fresh where it now is"
run "$jldepot" verify --depot-path "$new" "$new"

say "The next check is stat-only: the first one left a stamp next to each cache"
run "$jldepot" verify -v --depot-path "$new" "$new" | grep -E '^(\$ |fresh|    stamp:)'

say "Serve it: a signing key, a signed bundle (cache, the caches it requires, sources)"
bundles="$work/bundles"
mkdir -m 700 "$work/keys"
run "$jldepot" key generate --dir "$work/keys" demo-server-1
run "$jldepot" pack --out "$bundles" --sign "$work/keys/demo-server-1.secret" "$new" Shapes
other="$work/another machine/depot"
mkdir -p "$other/config/jldepot"

say "Elsewhere, unpacked only because this depot's own configuration trusts that key"
printf '[[source]]\nurl = "https://cache.example.org/julia"\ntrusted-keys = ["%s"]\n' \
    "$(cat "$work/keys/demo-server-1.public")" >"$other/config/jldepot/sources.toml"
run cat "$other/config/jldepot/sources.toml"
run "$jldepot" unpack "$(ls "$bundles"/Shapes-*.tar.zst)" "$other"
run "$jldepot" verify -v --depot-path "$other" "$other" | grep -E '^(\$ |fresh|Rejecting|    stamp:)'

say "A source edited after the move makes its cache (and its dependants) stale"
printf '\n# edited on the new machine\n' >> "$(ls -d "$new"/packages/Greeter/*)/src/greetings.jl"
set +e
run "$jldepot" verify --depot-path "$new" "$new"
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "demo: verify should have reported the edited source" >&2; exit 1; }

say "A cache written by a real Julia 1.11 (test/fixtures/julia-1.11; its .so is not shipped)"
run "$jldepot" inspect --no-so "$top/test/fixtures/julia-1.11/depotA/compiled/v1.11/RelocBar/aMJaA_5Tr1P.ji"
echo
echo "demo: done"
