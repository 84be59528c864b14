#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# debuginfo-dwarf.sh: the DWARF a pkgimage carries, built by the test bed
# (mkdiso plays codegen for real package files, with the depot map) in
# temporary copies of the sample depot and the second depot: llvm-dwarfdump
# shows the files' real absolute paths (as Julia always wrote them) or
# Julia's "julia"/"." for DWARF 4 and 5; DWARF 5 MD5s equal md5sum of the
# files; every function line of the manifest symbolizes to its real file and
# line; the .jl_depot_map section and the exported `jl_depot_map` constant
# hold the map, whose roots name the build's depot directories; the image
# id never depends on a path.
set -u
: "${BUILDDIR:?BUILDDIR must name the build directory}"
: "${FIXTURES:?FIXTURES must name test/fixtures}"
MKDISO="$BUILDDIR/test/tools/mkdiso"
DIHOST="$BUILDDIR/test/tools/dihost"
DWARFDUMP=${LLVM_DWARFDUMP:-llvm-dwarfdump-19}
OBJDUMP=${LLVM_OBJDUMP:-llvm-objdump-19}
SYMBOLIZER=${LLVM_SYMBOLIZER:-llvm-symbolizer-19}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/debuginfo-dwarf-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

failures=0
ok() { echo "ok - $1"; }
notok() {
    echo "not ok - $1"
    failures=$((failures + 1))
}
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else notok "$name"; fi
}

D1="$tmp/d1"
D2="$tmp/second"
cp -r "$FIXTURES/sample-depot" "$D1"
cp -r "$FIXTURES/second-depot" "$D2"
LIST="$D1:$D2"

# build NAME DWARF EXTRA...: runs mkdiso, manifest in $tmp/NAME.DWARF.manifest
build() {
    local name=$1 dwarf=$2
    shift 2
    "$MKDISO" --dwarf "$dwarf" "$@" --depot-path "$LIST" "$D1" "$name" \
        >"$tmp/$name.$dwarf.manifest" 2>"$tmp/mkdiso.err"
}
so_of() { awk -F'\t' '$1 == "so" { print $2 }' "$1"; }

# ---- without the series: no map --------------------------------------------------------
check "mkdiso --no-map builds" build Shapes 4 --no-map --inline Units
so=$(so_of "$tmp/Shapes.4.manifest")
cp "$so" "$tmp/nomap.so"
check "the --no-map image has no map" \
    bash -c "! readelf -W -S '$tmp/nomap.so' | grep -qF .jl_depot_map && ! nm -D '$tmp/nomap.so' | grep -qw jl_depot_map"

for dwarf in 4 5; do
    check "mkdiso --dwarf $dwarf builds" build Shapes "$dwarf" --inline Units --obj "$tmp/shapes$dwarf.o"
    man="$tmp/Shapes.$dwarf.manifest"
    so=$(so_of "$man")
    cp "$so" "$tmp/shapes$dwarf.so"
    so="$tmp/shapes$dwarf.so"
    check "DWARF $dwarf: the manifest lists functions and the inlined call" \
        test "$(grep -c '^func' "$man")" -ge 4 -a "$(grep -c '^inline' "$man")" -eq 1
    check "DWARF $dwarf: the .so names the files of both depots by their paths" \
        bash -c "grep -q -a -F '$D1/packages/' '$so' && grep -q -a -F '$D2/packages/' '$so'"
    check "DWARF $dwarf: the map is exported as jl_depot_map" \
        bash -c "nm -D --defined-only '$so' | grep -qE ' [RrDd] jl_depot_map\$'"
    "$DWARFDUMP" --debug-line --debug-info "$so" >"$tmp/dump$dwarf.txt" 2>&1
    check "DWARF $dwarf: llvm-dwarfdump reads it" grep -q "version: $dwarf" "$tmp/dump$dwarf.txt"
    # every path-like entry is a real file of a depot, or Julia's "julia" / "."
    check "DWARF $dwarf: names, comp_dir, include_directories and file_names are the real paths" \
        python3 - "$tmp/dump$dwarf.txt" "$dwarf" "$D1" "$D2" <<'EOF'
import os, re, sys
text = open(sys.argv[1]).read()
dwarf = int(sys.argv[2])
depots = sys.argv[3:5]
def in_depot(p):
    return any(p.startswith(d + "/packages/") for d in depots) and os.path.isfile(p)
bad = []
cu_names = re.findall(r'DW_TAG_compile_unit\s+(?:DW_AT_\w+\s+\(.*\)\s+)*?DW_AT_name\s+\("([^"]*)"\)', text)
if cu_names != ["julia"]: bad.append(("cu name", cu_names))
for v in re.findall(r'DW_AT_comp_dir\s+\("([^"]*)"\)', text):
    if v != ".": bad.append(("comp_dir", v))
for v in re.findall(r'DW_AT_(?:decl|call)_file\s+\("([^"]*)"\)', text):
    if not in_depot(v): bad.append(("decl/call file", v))
dirs = dict(re.findall(r'include_directories\[\s*(\d+)\] = "([^"]*)"', text))
if not dirs: bad.append(("no include_directories", None))
for i, d in dirs.items():
    if not (d == "." or any(d.startswith(x + "/packages/") for x in depots)): bad.append(("include_directory", d))
files = re.findall(r'file_names\[\s*(\d+)\]:\s+name: "([^"]*)"\s+dir_index: (\d+)', text)
if len(files) < 4: bad.append(("too few file_names", files))
seen = set()
for idx, name, di in files:
    d = dirs.get(di, "." if dwarf == 4 and di == "0" else None)
    if d is None: bad.append(("dir index", di)); continue
    full = name if name.startswith("/") else d + "/" + name
    if full == "./julia": continue
    if not in_depot(full): bad.append(("file", full))
    seen.update(x for x in depots if full.startswith(x + "/"))
if len(seen) != 2: bad.append(("depots", sorted(seen)))
for b in bad: print(b)
sys.exit(1 if bad else 0)
EOF
    # every function of the manifest symbolizes to its real path and line
    check "DWARF $dwarf: each manifest function symbolizes to its file and line" \
        python3 - "$man" "$so" "$SYMBOLIZER" "$D1" <<'EOF'
import subprocess, sys
man, so, symb, d1 = sys.argv[1:5]
syms = {}
for l in subprocess.run(["nm", "--defined-only", so], capture_output=True, text=True).stdout.splitlines():
    p = l.split()
    if len(p) == 3: syms[p[2]] = int(p[0], 16)
bad = 0
n = 0
for line in open(man):
    f = line.rstrip("\n").split("\t")
    if f[0] != "func": continue
    n += 1
    sym, tok, ln = f[1], f[2], int(f[3])
    # skip the prologue: the symbolizer answers for an address inside the body
    out = subprocess.run([symb, "--obj=" + so, "--no-inlines", hex(syms[sym] + 8)],
                         capture_output=True, text=True).stdout.splitlines()
    want = d1 + tok[len("@depot"):] + ":" + str(ln) + ":"
    if len(out) < 2 or not out[1].startswith(want):
        print("mismatch", sym, tok, ln, out); bad += 1
sys.exit(1 if bad or n == 0 else 0)
EOF
    check "DWARF $dwarf: the inlined call symbolizes to the second depot's file inside its caller" \
        python3 - "$man" "$so" "$SYMBOLIZER" "$D1" "$D2" <<'EOF'
import subprocess, sys
man, so, symb, d1, d2 = sys.argv[1:6]
syms = {}
for l in subprocess.run(["nm", "--defined-only", so], capture_output=True, text=True).stdout.splitlines():
    p = l.split()
    if len(p) == 3: syms[p[2]] = int(p[0], 16)
rows = [l.rstrip("\n").split("\t") for l in open(man)]
inl = [r for r in rows if r[0] == "inline"][0]
caller = [r for r in rows if r[0] == "func" and r[1] == inl[1]][0]
addrs = [hex(syms[inl[1]] + i) for i in range(0, 48)]
out = subprocess.run([symb, "--obj=" + so, "--inlines"] + addrs, capture_output=True, text=True).stdout
found = False
for block in out.split("\n\n"):
    l = block.strip().splitlines()
    if len(l) == 4 and l[1] == d2 + inl[2][len("@depot"):] + ":" + inl[3] + ":5" \
            and l[2] == caller[1] and l[3] == d1 + caller[2][len("@depot"):] + ":" + caller[3] + ":5":
        found = True
sys.exit(0 if found else 1)
EOF
done

# ---- DWARF 5 MD5 = md5sum of the real file ------------------------------------------------
check "DWARF 5: every file's MD5 equals md5sum of the file in its depot" \
    python3 - "$tmp/dump5.txt" <<'EOF'
import hashlib, re, sys
text = open(sys.argv[1]).read()
dirs = dict(re.findall(r'include_directories\[\s*(\d+)\] = "([^"]*)"', text))
files = re.findall(r'name: "([^"]*)"\s+dir_index: (\d+)\s+md5_checksum: ([0-9a-f]{32})', text)
n = 0
bad = 0
for name, di, md5 in files:
    d = dirs[di]
    if d == ".":
        continue
    real = name if name.startswith("/") else d + "/" + name
    got = hashlib.md5(open(real, "rb").read()).hexdigest()
    n += 1
    if got != md5:
        print("md5 mismatch", real, md5, got); bad += 1
sys.exit(1 if bad or n < 4 else 0)
EOF
check "DWARF 5: the MD5 of one file matches coreutils md5sum" \
    grep -q "$(md5sum "$D2/packages/Units/Qm4tV/src/Units.jl" | cut -c1-32)" "$tmp/dump5.txt"

# ---- the embedded map ----------------------------------------------------------------------
"$OBJDUMP" -s -j .jl_depot_map "$tmp/shapes5.so" >"$tmp/map.hex" 2>&1
check "llvm-objdump -s -j .jl_depot_map shows the map" grep -q "julia-depot-map" "$tmp/map.hex"
check "the map section is allocated, read-only, not executable" \
    python3 - "$tmp/shapes5.so" <<'EOF'
import subprocess, sys
out = subprocess.run(["readelf", "-W", "-S", sys.argv[1]], capture_output=True, text=True).stdout
line = [l for l in out.splitlines() if ".jl_depot_map" in l]
flags = line[0].split("]", 1)[1].split()[6] if line else ""
sys.exit(0 if line and "A" in flags and "X" not in flags and "W" not in flags else 1)
EOF
check "the map names both depots, each file with its md5, anchors that exist" \
    python3 - "$tmp/shapes5.so" "$tmp/Shapes.5.manifest" "$D1" "$D2" <<'EOF'
import hashlib, subprocess, sys
so, man, d1, d2 = sys.argv[1:5]
depots = {"1": d1, "2": d2}
raw = subprocess.run(["objcopy", "-O", "binary", "--only-section=.jl_depot_map", so, "/dev/stdout"],
                     capture_output=True).stdout.decode()
assert raw.endswith("\0") and "\0" not in raw[:-1], "the map is not one NUL-terminated text"
lines = raw[:-1].split("\n")
assert lines[-1] == "", "map does not end with a newline"
rows = [l.split("\t") for l in lines[:-1]]
bad = []
if rows[0] != ["julia-depot-map", "2"]: bad.append(("magic", rows[0]))
if rows[1][0] != "image" or len(rows[1][1]) != 16: bad.append(("image", rows[1]))
img = rows[1][1]
roots = {r[1]: r for r in rows if r[0] == "root"}
if sorted(roots) != ["/@depot-%s-1" % img, "/@depot-%s-2" % img]: bad.append(("roots", sorted(roots)))
for root, r in roots.items():
    k = root.rsplit("-", 1)[1]
    import os
    if r[2] != "@depot" or not os.path.isfile(os.path.join(depots[k], r[3])): bad.append(("anchor", r))
    if len(r) != 5 or r[4] != depots[k]: bad.append(("build directory", r))
files = {r[1]: r[2] for r in rows if r[0] == "file"}
# every file of the manifest is in the map, with the md5 of its bytes
for line in open(man):
    f = line.rstrip("\n").split("\t")
    if f[0] not in ("func", "inline"): continue
    k = "2" if f[0] == "inline" else "1"
    v = "/@depot-%s-%s%s" % (img, k, f[2][len("@depot"):])
    real = depots[k] + f[2][len("@depot"):]
    if files.get(v) != hashlib.md5(open(real, "rb").read()).hexdigest(): bad.append(("file", v, files.get(v)))
for b in bad: print(b)
sys.exit(1 if bad else 0)
EOF
# the map of an image, as text
map_text() { objcopy -O binary --only-section=.jl_depot_map "$1" /dev/stdout | tr -d '\0'; }
# every `file` line says "-" for its md5 (and there is at least one)
md5s_absent() { map_text "$1" | awk -F '\t' '$1 == "file" { n++; if ($3 != "-") bad++ } END { exit !(n > 0 && bad == 0) }'; }
check "DWARF 4 images read no source: every file line of the map says - for its md5" \
    md5s_absent "$tmp/shapes4.so"
md5s_present() { ! md5s_absent "$1"; }
check "the check above sees md5s where there are some (DWARF 5)" \
    md5s_present "$tmp/shapes5.so"
check "DWARF 5 images carry the md5s in the map" \
    bash -c "objcopy -O binary --only-section=.jl_depot_map '$tmp/shapes5.so' /dev/stdout | grep -q \"\$(md5sum '$D1/packages/Shapes/b7RtZ/src/Shapes.jl' | cut -c1-32)\""

# ---- the host runs the image ------------------------------------------------------------------
so=$(so_of "$tmp/Shapes.5.manifest")
out=$("$DIHOST" --arg 2 "$so" 2>&1)
check "dihost loads the image and calls jl_test_entry_Shapes" grep -q "^Shapes	[0-9-]" <<<"$out"

# ---- the image id: never from a path ------------------------------------------------------
A="$tmp/a"
B="$tmp/a-much-longer-directory-name/with/more/components/b"
mkdir -p "$A" "$B"
cp -r "$FIXTURES/sample-depot" "$A/depot"
cp -r "$FIXTURES/sample-depot" "$B/depot"
id_of() { objcopy -O binary --only-section=.jl_depot_map "$1" /dev/stdout | awk -F'\t' '$1 == "image" { print $2 }'; }
for w in A B; do
    root=${!w}
    "$MKDISO" --obj "$tmp/$w.noid.o" --depot-path "$root/depot" "$root/depot" Stats >/dev/null 2>&1
done
ida=$(id_of "$tmp/A.noid.o")
idb=$(id_of "$tmp/B.noid.o")
check "the derived image id does not depend on the depot path" test -n "$ida" -a "$ida" = "$idb"
"$MKDISO" --obj "$tmp/other.o" --depot-path "$A/depot" "$A/depot" Greeter >/dev/null 2>&1
check "different packages get different image ids" test "$(id_of "$tmp/A.noid.o")" != "$(id_of "$tmp/other.o")"
check "a depot not on --depot-path is refused" \
    bash -c "! '$MKDISO' --depot-path '$A/second' '$A/depot' Stats >/dev/null 2>&1"

[ "$failures" -eq 0 ]
