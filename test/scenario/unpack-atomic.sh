#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# unpack-atomic.sh: the unpack commit is all or nothing.
#   - failures half-way, injected with test/tools/preload-fault.c (as root,
#     permissions stop nothing): EPERM, EDQUOT, ENOSPC and EXDEV from the
#     renames into place (first, middle, last), EPERM and EDQUOT from making
#     a directory, EDQUOT and ENOSPC from creating a staged file, ENOSPC from
#     a write, EIO from the syncs of the files and of the directories: each
#     a named error, the depot byte-identical, no temporary file or lock
#     left;
#   - a depot whose packages/ is a symlink to another file system (tmpfs)
#     unpacks: every file is staged beside its final name;
#   - the depot lock: an unpack waits while the lock is held (the depot
#     unchanged meanwhile), then completes; a SIGTERM or a kill -9 of the
#     command while its worker waits leaves the depot as it was; two unpacks
#     of conflicting bundles released at once: one wins whole, the other is
#     refused as bundle_conflict.
set -u
BED_NAME=unpack-atomic
. "$(dirname "$0")/lib/bundle-bed.sh"

D="$tmp/src/depot"
mkdir -p "$tmp/src"
gen "$D"
B="$tmp/bundles"
"$JLDEPOT" pack --out "$B" "$D" all >/dev/null
shapes=$(ls "$B"/Shapes-*.tar.zst) stats=$(ls "$B"/Stats-*.tar.zst)
T="$tmp/target"
mkdir "$T"
"$JLDEPOT" unpack --allow-unsigned -q "$stats" "$T"
state "$T" >"$tmp/before"
leftovers() { find "$1" -name '.jldepot-*' | grep -q .; }
nfiles=$(tar -I zstd -tf "$shapes" | grep -vc jldepot-bundle.json)

# ---- failures half-way: the depot as it was ------------------------------------------
# fault SPEC JSON DESCRIPTION
fault() {
    local spec=$1 json=$2 what=$3
    LD_PRELOAD="$FAULT" JLDEPOT_FAULT="$spec" "$JLDEPOT" unpack --allow-unsigned "$shapes" "$T" >"$out" 2>"$err"
    rc=$?
    state "$T" >"$tmp/after"
    check "$what ($spec): exit 2 as $json, depot byte-identical, nothing left" \
        '[ $rc -eq 2 ] && grep -q "\[$json\]$" "$err" && cmp -s "$tmp/before" "$tmp/after" && ! leftovers "$T"'
}
fault renameat2:1:EPERM read_only "EPERM renaming the first file into place"
fault "renameat2:$((nfiles / 2)):EDQUOT" no_space "EDQUOT renaming a file half-way"
fault "renameat2:$nfiles:ENOSPC" no_space "ENOSPC renaming the last file"
fault renameat2:3:EXDEV cross_device "EXDEV renaming a file"
fault mkdirat:1:EPERM read_only "EPERM making the first new directory"
fault mkdirat:3+:EDQUOT no_space "EDQUOT (no inode left) making directories"
fault creat:2:EDQUOT no_space "EDQUOT creating the first staged file"
fault "creat:$((nfiles / 2))+:ENOSPC" no_space "ENOSPC creating staged files half-way"
fault write:5:ENOSPC no_space "ENOSPC writing a staged file"
fault fdatasync:1:EIO io_error "EIO syncing the staged files"
fault fsync:1:EIO io_error "EIO syncing the directories after the renames"
run unpack --allow-unsigned "$shapes" "$T"
check "with no fault the same bundle goes in" \
    '[ $rc -eq 0 ] && "$JLDEPOT" verify "$T" | tail -n 1 | grep -q "^3 fresh, 0 stale"'

# ---- packages/ on another file system -----------------------------------------------------
X="$tmp/xdev"
mkdir -p "$X"
shm=$(mktemp -d /dev/shm/unpack-atomic-XXXXXX)
trap 'rm -rf "$shm"; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
ln -s "$shm" "$X/packages"
run unpack --allow-unsigned "$stats" "$X"
check "packages/ a symlink to another file system (tmpfs): unpacked, the cache fresh" \
    '[ "$(stat -c %d "$shm")" != "$(stat -c %d "$X")" ] && [ $rc -eq 0 ] && "$JLDEPOT" verify "$X" | tail -n 1 | grep -q "^1 fresh, 0 stale" && [ -f "$shm/Stats/M2vLw/src/Stats.jl" ]'

# ---- the depot lock ---------------------------------------------------------------------
# blocked PID... : every process is waiting for the lock (/proc/locks shows
# it as a waiter on the lock file's inode); fails when one has exited
blocked() {
    local ino n want=$#
    ino=$(stat -c %i "$lockfile")
    for ((n = 0; n < 1200; n++)); do
        for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done
        [ "$(grep -c -- "-> FLOCK .*:$ino " /proc/locks)" -ge "$want" ] && return 0
        sleep 0.05
    done
    return 1
}
L="$tmp/locked"
mkdir -p "$L/compiled"
"$JLDEPOT" unpack --allow-unsigned -q "$stats" "$L"
lockfile="$L/compiled/.jldepot-unpack.lock"
: >"$lockfile"
state "$L" >"$tmp/l.before"
exec 8>"$lockfile"
flock -x 8
"$JLDEPOT" unpack --allow-unsigned "$shapes" "$L" >"$out" 2>"$err" 8>&- &
pid=$!
blocked "$pid"
ok_blocked=$?
state "$L" >"$tmp/l.during"
check "an unpack waits while the depot lock is held, the depot unchanged meanwhile" \
    '[ $ok_blocked -eq 0 ] && cmp -s "$tmp/l.before" "$tmp/l.during"'
exec 8>&-
wait "$pid"
rc=$?
check "... and completes once it is released (the lock file, not its own, left in place)" \
    '[ $rc -eq 0 ] && "$JLDEPOT" verify "$L" | tail -n 1 | grep -q "^3 fresh, 0 stale" && [ -f "$lockfile" ] && [ "$(find "$L" -name ".jldepot-*" | wc -l)" -eq 1 ]'

# a stop while waiting: SIGTERM to the command, then kill -9 of the command
L2="$tmp/locked2"
mkdir -p "$L2/compiled"
"$JLDEPOT" unpack --allow-unsigned -q "$stats" "$L2"
lockfile="$L2/compiled/.jldepot-unpack.lock"
: >"$lockfile"
state "$L2" >"$tmp/l2.before"
exec 8>"$lockfile"
flock -x 8
"$JLDEPOT" unpack --allow-unsigned "$shapes" "$L2" >"$out" 2>"$err" 8>&- &
pid=$!
blocked "$pid"
ok_blocked=$?
kill -TERM "$pid"
wait "$pid"
rc=$?
state "$L2" >"$tmp/l2.after"
check "SIGTERM while waiting for the lock: exit 2 as unpack_interrupted, the depot unchanged" \
    '[ $ok_blocked -eq 0 ] && [ $rc -eq 2 ] && grep -q "\[unpack_interrupted\]$" "$err" && cmp -s "$tmp/l2.before" "$tmp/l2.after"'
"$JLDEPOT" unpack --allow-unsigned "$shapes" "$L2" >"$out" 2>"$err" 8>&- &
pid=$!
blocked "$pid"
ok_blocked=$?
kill -9 "$pid"
{ wait "$pid"; } 2>/dev/null
exec 8>&-
flock -x "$shapes" true # the worker is done
state "$L2" >"$tmp/l2.after"
check "kill -9 of the command while its worker waits: the depot unchanged once the lock is free" \
    '[ $ok_blocked -eq 0 ] && cmp -s "$tmp/l2.before" "$tmp/l2.after"'

# two unpacks of conflicting bundles (Greeter built twice: same paths, other
# bytes) racing on one depot: one wins whole, the other is refused
D7="$tmp/src/seven"
cp -r "$FIXTURES/sample-depot" "$D7"
"$MKCACHE" --pkgimage --seed 7 "$D7" Greeter >/dev/null
"$JLDEPOT" pack --out "$tmp/b7" "$D7" Greeter >/dev/null
g1=$(ls "$B"/Greeter-*.tar.zst) g7=$(ls "$tmp"/b7/Greeter-*.tar.zst)
for k in 1 7; do
    mkdir "$tmp/solo$k"
    g=g$k
    "$JLDEPOT" unpack --allow-unsigned -q --no-seal "${!g}" "$tmp/solo$k"
    state "$tmp/solo$k" >"$tmp/solo$k.state"
done
R="$tmp/race"
mkdir -p "$R/compiled"
lockfile="$R/compiled/.jldepot-unpack.lock"
: >"$lockfile"
exec 8>"$lockfile"
flock -x 8
"$JLDEPOT" unpack --allow-unsigned -q --no-seal "$g1" "$R" >"$tmp/o1" 2>"$tmp/e1" 8>&- &
p1=$!
"$JLDEPOT" unpack --allow-unsigned -q --no-seal "$g7" "$R" >"$tmp/o7" 2>"$tmp/e7" 8>&- &
p7=$!
blocked "$p1" "$p7"
ok_blocked=$?
exec 8>&-
wait "$p1"
r1=$?
wait "$p7"
r7=$?
state "$R" | grep -v "compiled/\.jldepot-unpack\.lock" >"$tmp/race.state"
check "two conflicting unpacks released at once: one exit 0, the other exit 1 as bundle_conflict" \
    '[ $ok_blocked -eq 0 ] && { { [ $r1 -eq 0 ] && [ $r7 -eq 1 ] && grep -q "\[bundle_conflict\]$" "$tmp/e7"; } || { [ $r7 -eq 0 ] && [ $r1 -eq 1 ] && grep -q "\[bundle_conflict\]$" "$tmp/e1"; }; }'
check "... and the depot is exactly the winner's, byte for byte" \
    'cmp -s "$tmp/race.state" "$tmp/solo1.state" || cmp -s "$tmp/race.state" "$tmp/solo7.state"'
