#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# julia-substitute-check.sh JULIA [JLDEPOT]: the two-command flow of
# doc/serving.md on a real Julia, end to end.
#
#   1. A "build machine" depot precompiles an environment of generated
#      packages with JULIA (a chain P1 <- P2 <- ... that also uses the Printf
#      stdlib, plus a package with deps/build.jl, which cannot be served).
#   2. `jldepot pack --sign` writes the signed bundles and index; a loopback
#      HTTP server serves them.
#   3. A second depot at another path (the "client": the package trees as
#      Pkg.instantiate would leave them, no compiled/) trusts the key in
#      config/jldepot/sources.toml, and `jldepot substitute` installs what
#      the server has.  A package only the client has is not on the server.
#   4. JULIA loads the whole environment from the client depot: the
#      substituted packages must load from their caches with nothing
#      compiled (no new .ji, Base.pkgorigins names the served cache), and
#      only the rest is precompiled.
#
# Prints what it checked and exits 0 when every check held.  Needs python3
# (the HTTP server).  JULIA must be a Julia with the series applied.
set -euo pipefail
julia=${1:?usage: julia-substitute-check.sh JULIA [JLDEPOT]}
top=$(cd "$(dirname "$0")/.." && pwd)
jldepot=${2:-$top/usr/bin/jldepot}
bindir=$(dirname "$(readlink -f "$julia")")
W=$(mktemp -d "${TMPDIR:-/tmp}/jl-substitute-XXXXXX")
srv_pid=
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
fails=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fails=$((fails + 1)); fi; }
N=${NPKGS:-6}

# ---- the packages: P1..PN (P_k uses P_{k-1}), Built (deps/build.jl), Local --------------
mkdir -p "$W/src" "$W/env"
uuid_of() { python3 -c "import uuid,sys; print(uuid.uuid5(uuid.NAMESPACE_URL, 'jldepot-check/' + sys.argv[1]))" "$1"; }
names=()
for k in $(seq 1 "$N"); do names+=("P$k"); done
names+=(Built Local)
for p in "${names[@]}"; do
    d="$W/src/$p"
    mkdir -p "$d/src"
    dep=
    case $p in P1) dep=Printf ;; P*) dep="P$((${p#P} - 1))" ;; Built | Local) dep=P1 ;; esac
    {
        echo "name = \"$p\""
        echo "uuid = \"$(uuid_of "$p")\""
        echo 'version = "0.1.0"'
        echo "[deps]"
        if [ "$dep" = Printf ]; then echo 'Printf = "de0858da-6303-5e67-8744-51eddeeeb8d7"'
        else echo "$dep = \"$(uuid_of "$dep")\""; fi
    } >"$d/Project.toml"
    cat >"$d/src/$p.jl" <<EOF
module $p
using $dep
include("impl.jl")
end
EOF
    if [ "$dep" = Printf ]; then
        echo 'f(x) = Printf.@sprintf("%.3f", x); precompile(f, (Float64,))' >"$d/src/impl.jl"
    else
        echo "f(x) = $dep.f(x + 1); precompile(f, (Float64,))" >"$d/src/impl.jl"
    fi
    [ "$p" = Built ] && mkdir -p "$d/deps" && echo 'touch("built")' >"$d/deps/build.jl"
done

# ---- the environment: Project.toml and a Manifest with git-tree-sha1 entries ----------
"$julia" --startup-file=no -e '
    using Pkg
    W, names = ARGS[1], ARGS[2:end]
    proj = open(joinpath(W, "env", "Project.toml"), "w")
    man = open(joinpath(W, "env", "Manifest.toml"), "w")
    println(proj, "[deps]")
    println(man, "julia_version = \"", VERSION, "\"\nmanifest_format = \"2.0\"\nproject_hash = \"0000000000000000000000000000000000000000\"\n")
    println(man, "[[deps.Printf]]\ndeps = [\"Unicode\"]\nuuid = \"de0858da-6303-5e67-8744-51eddeeeb8d7\"\nversion = \"1.11.0\"\n")
    println(man, "[[deps.Unicode]]\nuuid = \"4ec0a83e-493e-50e2-b9ac-8f72acf5a8f5\"\nversion = \"1.11.0\"\n")
    for n in names
        d = joinpath(W, "src", n)
        p = Pkg.TOML.parsefile(joinpath(d, "Project.toml"))
        h = bytes2hex(Pkg.GitTools.tree_hash(d))
        println(proj, n, " = \"", p["uuid"], "\"")
        println(man, "[[deps.", n, "]]\ndeps = [", join(map(repr, collect(keys(p["deps"]))), ", "), "]")
        println(man, "git-tree-sha1 = \"", h, "\"\nuuid = \"", p["uuid"], "\"\nversion = \"0.1.0\"\n")
        slug = Base.version_slug(Base.UUID(p["uuid"]), Base.SHA1(hex2bytes(h)))
        println(n, " ", slug)
    end
    close(proj); close(man)' "$W" "${names[@]}" >"$W/slugs"
install_pkgs() { # DEPOT NAME...
    local depot=$1 n slug
    shift
    for n in "$@"; do
        slug=$(awk -v n="$n" '$1 == n {print $2}' "$W/slugs")
        mkdir -p "$depot/packages/$n"
        cp -r "$W/src/$n" "$depot/packages/$n/$slug"
    done
}

# ---- 1. the build machine ------------------------------------------------------------------
B="$W/build machine/depot"
install_pkgs "$B" "${names[@]}"
mods=$(printf 'P%s, ' $(seq 1 "$N"))Built
tb0=$(date +%s%N)
JULIA_DEPOT_PATH="$B:" JULIA_PROJECT="$W/env" "$julia" --startup-file=no -e "using $mods" 2>"$W/build.log"
tb1=$(date +%s%N)
check "the build machine precompiled every package" \
    '[ "$(find "$B/compiled" -name "*.ji" | wc -l)" -eq $((N + 1)) ]'

# ---- 2. sign, pack, serve ----------------------------------------------------------------
mkdir -p "$W/keys"
"$jldepot" key generate --dir "$W/keys" check-1 >/dev/null
"$jldepot" pack --sign "$W/keys/check-1.secret" --julia-home "$bindir" --out "$W/srv" "$B" all \
    >"$W/pack.log" 2>&1 || true
check "pack signed a bundle per servable package (Built has deps/build.jl)" \
    '[ "$(ls "$W"/srv/*.tar.zst | wc -l)" -eq "$N" ] && [ -s "$W/srv/index.json.sig" ] && grep -q "Built" "$W/pack.log"'
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$W/srv" "$port" >/dev/null 2>&1 &
srv_pid=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/index.json" >/dev/null && break; sleep 0.1; done

# ---- 3. the client: same packages (and Local), another path, trust, substitute -----------
C="$W/client/a longer depot path"
install_pkgs "$C" "${names[@]}"
mkdir -p "$C/config/jldepot"
printf '[[source]]\nurl = "http://127.0.0.1:%s"\ntrusted-keys = ["%s"]\n' "$port" \
    "$(cat "$W/keys/check-1.public")" >"$C/config/jldepot/sources.toml"
set +e
ts0=$(date +%s%N)
JULIA_DEPOT_PATH="$C:" "$jldepot" substitute --julia-home "$bindir" "$W/env" "$C" >"$W/sub.txt" 2>&1
src=$?
ts1=$(date +%s%N)
set -e
sed "s|$W|\$W|g" "$W/sub.txt"
check "substitute exits 0" '[ $src -eq 0 ]'
check "substitute installed P1..P$N" \
    '[ "$(grep -c "^substituted" "$W/sub.txt")" -eq "$N" ]'
check "Built is reported not servable, Local not on any server" \
    'grep -q "^not servable.*Built" "$W/sub.txt" && grep -q "^not on any server.*Local" "$W/sub.txt"'
find "$C/compiled" -name '*.ji' | sort >"$W/before"
find "$C/compiled" -name '*.ji' -o -name '*.so' | sort | xargs -d '\n' sha256sum >"$W/before.sha"

# ---- 4. Julia loads the environment ------------------------------------------------------
t0=$(date +%s%N)
JULIA_DEBUG=loading JULIA_DEPOT_PATH="$C:" JULIA_PROJECT="$W/env" "$julia" --startup-file=no -e "
    using $mods, Local
    for n in [$(printf '"P%s", ' $(seq 1 "$N"))\"Built\", \"Local\"]
        id = Base.identify_package(n)
        o = Base.pkgorigins[id]
        println(n, \" \", o.cachepath === nothing ? \"source\" : o.cachepath)
    end
    println(\"P$N.f: \", P$N.f(0.5))" >"$W/load.txt" 2>"$W/load.err"
lrc=$?
t1=$(date +%s%N)
sed "s|$W|\$W|g" "$W/load.txt"
find "$C/compiled" -name '*.ji' | sort >"$W/after"
check "Julia loaded the environment (exit 0)" '[ $lrc -eq 0 ]'
from_served() {
    for k in $(seq 1 "$N"); do grep -qx "P$k $(grep "/P$k/" "$W/before")" "$W/load.txt" || return 1; done
}
check "every substituted package loaded from the served cache, nothing recompiled" from_served
check "only Built and Local were precompiled on the client" \
    '[ "$(comm -13 "$W/before" "$W/after" | sed "s|.*/compiled/v[^/]*/||; s|/.*||" | sort | tr "\n" " ")" = "Built Local " ]'
check "no substituted cache was rewritten (same .ji and .so bytes)" \
    '[ -z "$(comm -23 "$W/before" "$W/after")" ] && sha256sum --quiet -c "$W/before.sha"'
check "the loader rejected none of the substituted caches and loaded each one's pkgimage (JULIA_DEBUG=loading)" \
    '! grep -E "Rejecting cache file .*/compiled/v[^/]*/P[0-9]+/" "$W/load.err" && [ "$(grep -oE "Loading object cache file .*/compiled/v[^/]*/P[0-9]+/.*\.so for P[0-9]+ " "$W/load.err" | sort -u | wc -l)" -eq "$N" ]'
echo "# build machine: using the environment with precompilation took $(((tb1 - tb0) / 1000000)) ms;" \
    "client: substitute $(((ts1 - ts0) / 1000000)) ms, then using (P1..P$N from the server," \
    "Built and Local precompiled) $(((t1 - t0) / 1000000)) ms"
echo "$fails failed"
[ "$fails" -eq 0 ]
