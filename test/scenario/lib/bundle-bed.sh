# This file is a part of the jldepot project. License is MIT.
#
# bundle-bed.sh: what the unpack and pack scenarios share (sourced): a
# temporary directory, `check NAME CONDITION`, `run ARGS...` ($rc, $out,
# $err), `state DIR` (a depot byte for byte: every path sorted with its type,
# mode, size and link target, then every file's SHA-256), `gen DEPOT` (the
# sample depot with real-format caches of its three packages, made by
# mkcache), `edit IN OUT EDIT...` (lib/bundle_edit.py: a bundle edited as an
# attacker would, the manifest re-hashed) and $FAULT, the fault-injection
# library (test/tools/preload-fault.c).
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
MKCACHE="$BUILDDIR/test/tools/mkcache"
FAULT="$BUILDDIR/test/tools/preload-fault.so"
LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/${BED_NAME:-bundle}-XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
export HOME="$tmp/home"
unset JULIA_DEPOT_PATH JULIA_DEPOT_LAYOUT
mkdir -p "$HOME"
out="$tmp/out" err="$tmp/err"
run() { "$JLDEPOT" "$@" >"$out" 2>"$err"; rc=$?; }
state() {
    (cd "$1" && find . -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
gen() { # depot
    cp -r "$FIXTURES/sample-depot" "$1" &&
        "$MKCACHE" --pkgimage "$1" Greeter >/dev/null &&
        "$MKCACHE" --pkgimage "$1" Stats >/dev/null &&
        "$MKCACHE" --pkgimage "$1" Shapes >/dev/null
}
edit() { python3 "$LIB/bundle_edit.py" "$@"; }
