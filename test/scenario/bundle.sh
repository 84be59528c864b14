#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
# tier: slow (not in `make check`: packs and unpacks whole depots many times;
# pack-links.sh, unpack-manifest.sh and serve-signed.sh cover pack and unpack
# in the quick tier)
#
# bundle.sh: `jldepot pack` and `unpack` on real depots.  The sample depot's
# caches are made with mkcache (real format, pkgimages), packed, unpacked
# into an empty depot at another path and verified there; keys compared
# across build paths; every not-servable case named with its reason; every
# bad bundle refused with its named error and the depot byte-identical; and
# unpacks killed with SIGKILL at random points leave the depot unchanged or
# fully unpacked.
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bundle-XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT
mkdir -p "$HOME"
out="$tmp/out" err="$tmp/err"
run() { "$JLDEPOT" "$@" >"$out" 2>"$err"; rc=$?; }
# a depot's full state: every path with its type and mode, every file's SHA-256
# (a seal holds the time it was written: seals are compared by name and size,
# and checked for use by verify where the kill test needs it)
state() { (cd "$1" && find . -printf '%p %y %m\n' | LC_ALL=C sort && find . -type f ! -name '*.seal' -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum && find . -name '*.seal' -printf '%p %s\n' | LC_ALL=C sort); }

gen() { # depot
    cp -r "$FIXTURES/sample-depot" "$1" &&
        "$MKCACHE" --pkgimage "$1" Greeter >/dev/null &&
        "$MKCACHE" --pkgimage "$1" Stats >/dev/null &&
        "$MKCACHE" --pkgimage "$1" Shapes >/dev/null
}

# ---- pack, unpack into an empty depot elsewhere, verify ------------------------
D="$tmp/build/one/depot"
mkdir -p "$(dirname "$D")"
gen "$D"
B="$tmp/bundles"
run pack --out "$B" "$D" all
check "pack all: exit 0, three bundles" '[ $rc -eq 0 ] && [ "$(ls "$B"/*.tar.zst | wc -l)" -eq 3 ]'
check "bundles are named NAME-KEY16.tar.zst" 'ls "$B" | grep -qE "^Shapes-[0-9a-f]{16}\.tar\.zst$"'
check "index.json lists each package by UUID with key, file, version, size, sha256" \
    'python3 -c "
import json,sys,os,hashlib
i=json.load(open(sys.argv[1]))
assert i[\"format\"]==\"jldepot-index 1\"
assert len(i[\"packages\"])==3
for u,p in i[\"packages\"].items():
    for k,b in p[\"bundles\"].items():
        f=os.path.join(os.path.dirname(sys.argv[1]),b[\"file\"])
        assert b[\"file\"].startswith(p[\"name\"]+\"-\"+k[:16])
        assert b[\"size\"]==os.path.getsize(f)
        assert b[\"sha256\"]==hashlib.sha256(open(f,\"rb\").read()).hexdigest()
        assert b[\"julia_version\"]==\"1.11.0\"
" "$B/index.json"'
shapes=$(ls "$B"/Shapes-*.tar.zst)
manifest() { tar -I zstd -xOf "$1" jldepot-bundle.json; }
manifest "$shapes" >"$tmp/m.json"
check "Shapes' bundle holds its closure: Greeter's cache too (required by build id)" \
    'python3 -c "
import json,sys
m=json.load(open(sys.argv[1]))
assert [c[\"package\"] for c in m[\"caches\"]]==[\"Greeter\",\"Shapes\"], m[\"caches\"]
names=[f[\"name\"] for f in m[\"files\"]]
assert any(n.startswith(\"@compiled/v1.11/Greeter/\") and n.endswith(\".so\") for n in names)
assert \"@depot/packages/Greeter/Xk3pQ/src/templates/letter.txt\" in names
assert m[\"cpu_targets\"]==[\"generic\"] and m[\"flags\"]==\"0xa3\"
" "$tmp/m.json"'
check "the manifest holds no path of the build machine" '! grep -q "$tmp" "$tmp/m.json"'

E="$tmp/elsewhere/a/longer/path/empty"
mkdir -p "$E"
run unpack --allow-unsigned "$shapes" "$E"
check "unpack into an empty depot at another path: exit 0" '[ $rc -eq 0 ] && grep -q "caches sealed" "$out"'
run verify "$E"
check "verify there: every cache fresh" '[ $rc -eq 0 ] && [ "$(tail -n 1 "$out")" = "2 fresh, 0 stale, 0 not relocatable" ]'
run verify --json "$E"
check "verify --json: each cache used its seal" '[ "$(grep -c "\"stamp\": \"seal\"" "$out")" -eq 2 ]'
check "sources came along (an empty depot becomes usable)" \
    'cmp -s "$E/packages/Shapes/b7RtZ/src/Shapes.jl" "$D/packages/Shapes/b7RtZ/src/Shapes.jl"'
run unpack --allow-unsigned "$shapes" "$E"
check "unpacking again: identical files skipped" '[ $rc -eq 0 ] && grep -q ": 0 files, 14 already there" "$out"'
run unpack --allow-unsigned "$(ls "$B"/Stats-*.tar.zst)" "$E"
check "a second bundle into the same depot" '[ $rc -eq 0 ] && "$JLDEPOT" verify "$E" | tail -n 1 | grep -q "^3 fresh"'

# --no-sources: caches only, sources from a shared depot later on DEPOT_PATH
run pack --no-sources --out "$tmp/nosrc" "$D" Stats
manifest "$(ls "$tmp"/nosrc/Stats-*.tar.zst)" >"$tmp/m2.json"
check "--no-sources: only @compiled entries" \
    '[ $rc -eq 0 ] && python3 -c "
import json,sys
m=json.load(open(sys.argv[1]))
assert m[\"sources\"] is False
assert all(f[\"name\"].startswith(\"@compiled/\") for f in m[\"files\"]) and len(m[\"files\"])==2
" "$tmp/m2.json"'
L="$tmp/layer"
mkdir "$L"
run unpack --allow-unsigned --depot-path "$D" "$(ls "$tmp"/nosrc/Stats-*.tar.zst)" "$L"
check "--no-sources bundle in a layered depot: fresh with the shared sources" \
    '[ $rc -eq 0 ] && "$JLDEPOT" verify --depot-path "$L:$D" "$L" | tail -n 1 | grep -q "^1 fresh, 0 stale"'

# ---- keys: equal across build paths, different after an edit ---------------
D2="$tmp/build/two/quite/elsewhere/depot"
mkdir -p "$(dirname "$D2")"
gen "$D2"
"$JLDEPOT" pack --explain "$D" all | sort >"$tmp/k1"
"$JLDEPOT" pack --explain "$D2" all | sort >"$tmp/k2"
check "the same depot built at two paths: equal keys" \
    '[ -s "$tmp/k1" ] && cmp -s "$tmp/k1" "$tmp/k2" && grep -c "^servable" "$tmp/k1" | grep -qx 3'
D3="$tmp/build/three/depot"
mkdir -p "$(dirname "$D3")"
cp -r "$FIXTURES/sample-depot" "$D3"
echo "# edited" >>"$D3/packages/Stats/M2vLw/src/moments.jl"
"$MKCACHE" --pkgimage "$D3" Greeter >/dev/null && "$MKCACHE" --pkgimage "$D3" Stats >/dev/null &&
    "$MKCACHE" --pkgimage "$D3" Shapes >/dev/null
"$JLDEPOT" pack --explain "$D3" all | sort >"$tmp/k3"
check "an edited source: a different key for that package only" \
    '[ "$(grep " Stats " "$tmp/k1")" != "$(grep " Stats " "$tmp/k3")" ] && [ "$(grep " Greeter " "$tmp/k1")" = "$(grep " Greeter " "$tmp/k3")" ]'
D4="$tmp/build/four/depot"
mkdir -p "$(dirname "$D4")"
cp -r "$FIXTURES/sample-depot" "$D4"
"$MKCACHE" --pkgimage --seed 7 "$D4" Greeter >/dev/null && "$MKCACHE" --pkgimage "$D4" Stats >/dev/null &&
    "$MKCACHE" --pkgimage "$D4" Shapes >/dev/null
"$JLDEPOT" pack --explain "$D4" all | sort >"$tmp/k4"
check "another build id of Greeter (other cache bytes): the same keys" \
    '! cmp -s "$(ls "$D"/compiled/v1.11/Greeter/*.so)" "$(ls "$D4"/compiled/v1.11/Greeter/*.so)" && cmp -s "$tmp/k1" "$tmp/k4"'

# ---- not servable, each with its reason ------------------------------------------
N="$tmp/ns"
gen "$N"
# an mtime-tracked dependency (Greeter), and Shapes that requires it
rm -f "$N"/compiled/v1.11/Greeter/* "$N"/compiled/v1.11/Shapes/*
"$MKCACHE" --pkgimage --mtime-deps "$N" Greeter >/dev/null && "$MKCACHE" --pkgimage "$N" Shapes >/dev/null
# a deps/build.jl (Stats)
mkdir -p "$N/packages/Stats/M2vLw/deps" && echo 'println("build")' >"$N/packages/Stats/M2vLw/deps/build.jl"
# an absolute dependency: a package outside every depot
O="$tmp/outside"
mkdir -p "$O/packages"
cp -r "$FIXTURES/sample-depot/packages/Stats" "$O/packages/Outer"
sed -i 's/Stats/Outer/g' "$O/packages/Outer/M2vLw/src/Stats.jl" "$O/packages/Outer/M2vLw/Project.toml"
mv "$O/packages/Outer/M2vLw/src/Stats.jl" "$O/packages/Outer/M2vLw/src/Outer.jl"
sed -i 's/^uuid = .*/uuid = "6f1c2e44-0000-4000-8000-00000000beef"/' "$O/packages/Outer/M2vLw/Project.toml"
"$MKCACHE" --layout l10 "$O" Outer >/dev/null
mkdir -p "$N/compiled/v1.10"
mv "$O/compiled/v1.10/Outer" "$N/compiled/v1.10/Outer"
run pack --explain "$N" all
check "--explain: exit 1 when something is not servable" '[ $rc -eq 1 ]'
check "absolute dependency: not servable, path named" \
    'grep -q "^not servable Outer v1.10/Outer/.*: it records a dependency by its absolute path, so it cannot be served: $O/packages/Outer/M2vLw/src/Outer.jl$" "$out"'
check "mtime-tracked dependency: not servable, path named" \
    'grep -q "^not servable Greeter v1.11/Greeter/.*: it tracks a dependency by mtime, so it cannot be served: @depot/packages/Greeter/Xk3pQ/src/salutations.txt$" "$out"'
check "deps/build.jl: not servable, file named" \
    'grep -q "^not servable Stats v1.11/Stats/.*: its package has a deps/build.jl, so it cannot be served: $N/packages/Stats/M2vLw/deps/build.jl$" "$out"'
check "a dependant of a not-servable cache: not servable, naming it" \
    'grep -q "^not servable Shapes v1.11/Shapes/.*: it requires a cache that cannot be served: Greeter (it tracks a dependency by mtime" "$out"'
run pack --explain --json "$N" all
check "--explain --json: one verdict object each, with the reason's name" \
    'python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
r={c[\"package\"]:c[\"reason\"] for c in d[\"caches\"]}
assert r=={\"Outer\":\"not_servable_absolute\",\"Greeter\":\"not_servable_mtime\",\"Stats\":\"not_servable_build_jl\",\"Shapes\":\"not_servable_requires\"}, r
assert all(not c[\"servable\"] for c in d[\"caches\"])
" "$out"'
run pack --out "$tmp/nsout" "$N" Shapes
check "pack of a not-servable package: exit 1, nothing written" \
    '[ $rc -eq 1 ] && grep -q "^not servable Shapes" "$out" && [ -z "$(ls "$tmp/nsout" 2>/dev/null)" ]'

# ---- bad bundles: each refused with its name, the depot byte-identical ----------
T="$tmp/target"
mkdir "$T"
"$JLDEPOT" unpack --allow-unsigned "$(ls "$B"/Stats-*.tar.zst)" "$T" >/dev/null
state "$T" >"$tmp/before"
zstd -q -dc "$shapes" >"$tmp/good.tar"
mkbad() { # kind output
    python3 - "$tmp/good.tar" "$1" "$2" <<'EOF'
import io, json, sys, tarfile
src, kind, dst = sys.argv[1:]
tin = tarfile.open(src)
members = [(m, tin.extractfile(m).read() if m.isfile() else None) for m in tin.getmembers()]
def info(name, data=b"", type=tarfile.REGTYPE):
    t = tarfile.TarInfo(name); t.size = len(data); t.type = type; t.mode = 0o644
    return t
out = []
for m, data in members:
    if kind == "tamper" and m.name.endswith("/Shapes.jl"):
        data = bytes([data[0] ^ 1]) + data[1:]
    if kind == "key" and m.name == "jldepot-bundle.json":
        j = json.loads(data); j["caches"][0]["key_input"]["julia_commit"] = "0123abcd"
        data = json.dumps(j).encode()
    if kind == "keyname" and m.name == "jldepot-bundle.json":
        j = json.loads(data); j["key"] = "f" * 64
        data = json.dumps(j).encode()
    if kind == "headerkey" and m.name == "jldepot-bundle.json":
        # a consistent manifest that lies about the cache header (another dependency hash)
        import hashlib
        j = json.loads(data)
        j["caches"][0]["key_input"]["dependencies"][0]["crc32c"] = "0x00000000"
        data = json.dumps(j).encode()
    m.size = len(data) if data is not None else m.size
    out.append((m, data))
extra = {
    "dotdot": [info("@depot/packages/../../evil.jl", b"x")],
    "absolute": [info("/var/evil/x.jl", b"x")],
    "unknown": [info("compiled/v1.11/x.ji", b"x")],
    "symlink": [],
    "hardlink": [],
    "fifo": [info("@depot/packages/fifo", type=tarfile.FIFOTYPE)],
    "device": [info("@depot/packages/null", type=tarfile.CHRTYPE)],
}
with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as t:
    for m, data in out:
        t.addfile(m, io.BytesIO(data) if data is not None else None)
        if kind == "duplicate" and m.name.endswith("/Shapes.jl"):
            t.addfile(m, io.BytesIO(data))
    for e in extra.get(kind, []):
        t.addfile(e, io.BytesIO(b"x") if e.isfile() else None)
    if kind == "symlink":
        s = info("@depot/packages/link", type=tarfile.SYMTYPE); s.linkname = "/etc/passwd"; t.addfile(s)
    if kind == "hardlink":
        s = info("@depot/packages/hard", type=tarfile.LNKTYPE); s.linkname = "jldepot-bundle.json"; t.addfile(s)
EOF
}
bad() { # kind json-name description [unpack options]
    local kind=$1 name=$2 what=$3
    shift 3
    mkbad "$kind" "$tmp/bad-$kind.tar" || { echo "not ok - bad bundle $kind could not be made"; return; }
    run unpack --allow-unsigned "$@" "$tmp/bad-$kind.tar" "$T"
    state "$T" >"$tmp/after"
    check "$what: refused as $name, depot byte-identical" \
        '[ $rc -eq 1 ] && grep -q "\[$name\]$" "$err" && cmp -s "$tmp/before" "$tmp/after"'
}
bad tamper bundle_sha256_mismatch "a tampered byte"
bad key bundle_key_mismatch "a key input edited in the manifest"
bad keyname bundle_key_mismatch "a manifest whose key is not its caches'"
bad headerkey bundle_key_mismatch "a manifest that does not match the cache header"
bad dotdot bundle_entry_escapes "an entry climbing out with .."
bad absolute bundle_entry_escapes "an absolute entry"
bad unknown bundle_entry_escapes "an entry under no role token"
bad symlink bundle_entry_link "a symlink entry"
bad hardlink bundle_entry_link "a hard-link entry"
bad fifo bundle_entry_special "a FIFO entry"
bad device bundle_entry_special "a device entry"
bad duplicate bundle_entry_duplicate "a duplicate entry"
bad none bundle_entry_oversize "an entry over --max-entry" --max-entry 1000
bad none bundle_entry_oversize "a bundle over --max-total" --max-total 20000
head -c 5000 "$shapes" >"$tmp/short.tar.zst"
run unpack --allow-unsigned "$tmp/short.tar.zst" "$T"
state "$T" >"$tmp/after"
check "a truncated bundle: refused as bundle_corrupt, depot byte-identical" \
    '[ $rc -eq 1 ] && grep -q "\[bundle_corrupt\]$" "$err" && cmp -s "$tmp/before" "$tmp/after"'
# a file already in the depot that differs
echo "# local change" >>"$T/packages/Stats/M2vLw/src/moments.jl"
state "$T" >"$tmp/before2"
run unpack --allow-unsigned "$(ls "$B"/Stats-*.tar.zst)" "$T"
state "$T" >"$tmp/after"
check "a different file already in the depot: refused as bundle_conflict, nothing replaced" \
    '[ $rc -eq 1 ] && grep -q "\[bundle_conflict\]$" "$err" && cmp -s "$tmp/before2" "$tmp/after"'
check "no staging file left behind by the refusals" '[ -z "$(find "$T" -name ".jldepot-*")" ]'

# ---- kill -9 during unpack: unchanged or fully unpacked ------------------------
K="$tmp/kill"
P="$tmp/kill-pristine"
mkdir -p "$P"
"$JLDEPOT" unpack --allow-unsigned "$(ls "$B"/Stats-*.tar.zst)" "$P" >/dev/null
cp -a "$P" "$K"
t0=$(date +%s%N)
"$JLDEPOT" unpack --allow-unsigned "$shapes" "$K" >/dev/null
t_full=$((($(date +%s%N) - t0) / 1000)) # microseconds, on this machine, in this build
state "$K" >"$tmp/full"
rm -rf "$K"
state "$P" >"$tmp/empty-state"
runs=${KILL_RUNS:-60}
n_unchanged=0 n_full=0 n_bad=0
for ((n = 0; n < runs; n++)); do
    rm -rf "$K" && cp -a "$P" "$K"
    "$JLDEPOT" unpack --allow-unsigned "$shapes" "$K" >/dev/null 2>&1 &
    pid=$!
    # kills spread over 1.2 times an uninterrupted unpack: both sides of the commit
    us=$((n * 12 * t_full / (10 * runs) + RANDOM % 1000))
    sleep "$(printf "%d.%06d" $((us / 1000000)) $((us % 1000000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    flock -x "$shapes" true # a commit under way finishes first
    state "$K" >"$tmp/now"
    if cmp -s "$tmp/now" "$tmp/empty-state"; then
        n_unchanged=$((n_unchanged + 1))
    elif cmp -s "$tmp/now" "$tmp/full" &&
        [ "$("$JLDEPOT" verify --json --no-stamp-write "$K" | grep -c '"stamp": "seal"')" -eq 3 ]; then
        n_full=$((n_full + 1))
    else
        n_bad=$((n_bad + 1))
        diff "$tmp/full" "$tmp/now" | head -n 6 | sed "s/^/# /"
    fi
done
echo "# $runs killed unpacks over 0-$((12 * t_full / 10000)) ms: $n_unchanged left the depot unchanged, $n_full fully unpacked"
check "kill -9 during unpack ($runs runs): every depot unchanged or fully unpacked" '[ $n_bad -eq 0 ]'
check "kill -9: kills landed before and after the commit point" '[ $n_unchanged -gt 0 ] && [ $n_full -gt 0 ]'

# ---- several bundles in one unpack: one commit, all or nothing -------------------
MB="$tmp/multi"
mkdir "$MB"
run unpack --allow-unsigned "$B"/*.tar.zst "$MB"
check "unpack BUNDLE... DEPOT: exit 0, a line per bundle" \
    '[ $rc -eq 0 ] && [ "$(grep -c "caches sealed" "$out")" -eq 3 ]'
check "the bundles' shared files linked once (Greeter's cache is in two bundles)" \
    '[ "$(grep -c ": 0 files, [1-9][0-9]* already there" "$out")" -eq 0 ] && grep -q "^unpacked Shapes-.*, [1-9][0-9]* already there, 1 caches sealed$" "$out"'
run verify --json --no-stamp-write "$MB"
check "several bundles: every cache fresh and sealed" \
    '[ $rc -eq 0 ] && [ "$(grep -c "\"stamp\": \"seal\"" "$out")" -eq 3 ]'
MB2="$tmp/multi2"
mkdir "$MB2"
run unpack --allow-unsigned -q --depot "$MB2" "$(ls "$B"/Stats-*.tar.zst)" "$shapes"
check "unpack --depot DEPOT BUNDLE...: the same depot" \
    '[ $rc -eq 0 ] && [ ! -s "$out" ] && "$JLDEPOT" verify "$MB2" | tail -n 1 | grep -q "^3 fresh, 0 stale"'
MB3="$tmp/multi3"
mkdir "$MB3"
"$JLDEPOT" unpack --allow-unsigned "$(ls "$B"/Greeter-*.tar.zst)" "$MB3" >/dev/null
state "$MB3" >"$tmp/mbefore"
run unpack --allow-unsigned "$(ls "$B"/Stats-*.tar.zst)" "$tmp/bad-tamper.tar" "$shapes" "$MB3"
state "$MB3" >"$tmp/mafter"
check "a bad bundle among good ones: refused naming it, depot byte-identical" \
    '[ $rc -eq 1 ] && grep -q "bad-tamper.tar: .*\[bundle_sha256_mismatch\]$" "$err" && cmp -s "$tmp/mbefore" "$tmp/mafter" && [ -z "$(find "$MB3" -name ".jldepot-*")" ]'
run unpack --allow-unsigned "$(ls "$B"/Stats-*.tar.zst)" "$tmp/no-such-bundle.tar.zst" "$MB3"
state "$MB3" >"$tmp/mafter"
check "a missing bundle among good ones: exit 2, depot byte-identical" \
    '[ $rc -eq 2 ] && cmp -s "$tmp/mbefore" "$tmp/mafter"'
