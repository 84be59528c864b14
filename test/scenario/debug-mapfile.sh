#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# debug-mapfile.sh: the Python unit tests of the debugger loaders' shared
# logic (contrib/debugger/julia_depot_map.py: map parser, ELF reader,
# containing depot, DEPOT_PATH, root resolution), run with
# `python3 -m unittest`; one "ok - NAME" / "not ok - NAME" line per test.
set -u
export PYTHONDONTWRITEBYTECODE=1 # keep the checkout free of __pycache__
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
(cd "$TOP/test/python" && python3 -m unittest -v test_julia_depot_map) >"$out" 2>&1
rc=$?
# unittest -v prints "test_name (module.Class.test_name) ... ok|FAIL|ERROR"
awk '/ \.\.\. / {
        name = $1; cls = $2; gsub(/[()]/, "", cls); n = split(cls, p, "."); c = p[n - 1]
        status = $NF
        if (status == "ok") print "ok - " c "." name
        else print "not ok - " c "." name " (" status ")"
     }' "$out"
if [ "$rc" -ne 0 ]; then
    echo "not ok - python3 -m unittest exit status $rc"
    cat "$out"
fi
nt=$(grep -c ' \.\.\. ' "$out")
if [ "$nt" -lt 50 ]; then echo "not ok - only $nt tests ran"; fi
