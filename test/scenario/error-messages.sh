#!/usr/bin/env bash
# This file is a part of the jldepot project. License is MIT.
#
# error-messages.sh: what the system refuses gets a named error, the file,
# the cause and what to do, never a bare strerror():
#   - EMFILE/ENFILE, ENOSPC, ENAMETOOLONG, ELOOP, EACCES, EXDEV each have
#     their own JSON name (too_many_open_files, no_space, path_too_long,
#     symlink_loop, permission_denied, cross_device) and a hint;
#   - a directory where a file belongs (arguments swapped) says so and
#     points at the order of the arguments, never "Error reading fd 3";
#   - system errors exit 2, rejections 1.
# The faults come from test/tools/preload-fault.c (root reads through
# permissions, so EACCES is injected too).
set -u
: "${JLDEPOT:?}" "${BUILDDIR:?}" "${FIXTURES:?}"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
FAULT="$BUILDDIR/test/tools/preload-fault.so"
MKCACHE="${MKCACHE:-$BUILDDIR/test/tools/mkcache}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/error-messages-XXXXXX")
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
D="$tmp/depot"
cp -r "$FIXTURES/sample-depot" "$D"
"$MKCACHE" --pkgimage "$D" Greeter >/dev/null
ji=$(ls "$D"/compiled/v1.11/Greeter/*.ji)
err="$tmp/err"

# run CMD...: rc and stderr of the command
run() { "$@" >/dev/null 2>"$err"; rc=$?; }
# named JSON HINT: the one error line names the file, ends in [JSON] and has the hint
named() { [ "$(wc -l <"$err")" -ge 1 ] && grep -q "^jldepot: .*: .*; $2 \[$1\]$" "$err"; }

run env LD_PRELOAD="$FAULT" JLDEPOT_FAULT="open:1+:EMFILE" "$JLDEPOT" inspect "$ji"
check "EMFILE opening a cache: too_many_open_files, the file named, ulimit hint, exit 2" \
    '[ $rc -eq 2 ] && named too_many_open_files "raise the open-file limit (ulimit -n), then retry" && grep -qF "$ji" "$err"'
run env LD_PRELOAD="$FAULT" JLDEPOT_FAULT="open:1+:ENFILE" "$JLDEPOT" crc32c "$ji"
check "ENFILE (system-wide): too_many_open_files too" '[ $rc -eq 1 ] && named too_many_open_files "raise the open-file limit (ulimit -n), then retry"'
run env LD_PRELOAD="$FAULT" JLDEPOT_FAULT="open:1+:EACCES" "$JLDEPOT" inspect "$ji"
check "EACCES reading: permission_denied (not read-only), exit 2" \
    '[ $rc -eq 2 ] && named permission_denied "check the permissions of the file and of its directories"'

long="$tmp/$(printf 'x%.0s' $(seq 1 300)).ji"
run "$JLDEPOT" inspect "$long"
check "a file name over NAME_MAX: path_too_long, exit 2" '[ $rc -eq 2 ] && named path_too_long "use a shorter path"'
ln -s loop "$tmp/loop"
run "$JLDEPOT" inspect "$tmp/loop"
check "a symbolic-link loop: symlink_loop, exit 2" \
    '[ $rc -eq 2 ] && named symlink_loop "fix the symbolic links along the path" && grep -qF "$tmp/loop:" "$err"'

# swapped arguments: a directory where a file belongs
run "$JLDEPOT" inspect "$D"
check "inspect DEPOT: is_directory, with the argument-order hint" \
    '[ $rc -eq 2 ] && named is_directory "give a regular file (see the command'"'"'s --help for the order of its arguments)"'
"$JLDEPOT" pack --out "$tmp/out" "$D" Greeter >/dev/null 2>&1
bundle=$(ls "$tmp"/out/Greeter-*.tar.zst)
run "$JLDEPOT" unpack --allow-unsigned "$D" "$bundle"
check "unpack DEPOT BUNDLE (swapped): is_directory and the right order, exit 2, nothing written" \
    '[ $rc -eq 2 ] && grep -q "\[is_directory\]$" "$err" && grep -qF "jldepot unpack BUNDLE... DEPOT" "$err" && ! grep -q "fd [0-9]" "$err" && [ ! -e "$bundle/compiled" ]'
run "$JLDEPOT" key public "$D"
check "key public DIR: is_directory" '[ $rc -eq 1 ] && grep -q "\[is_directory\]$" "$err"'
mkfifo "$tmp/fifo"
run timeout 10 "$JLDEPOT" inspect "$tmp/fifo"
check "a FIFO where a cache belongs: not_regular_file at once (no hang)" \
    '[ $rc -eq 2 ] && grep -q "\[not_regular_file\]$" "$err"'

# write side: pack's output directory
run env LD_PRELOAD="$FAULT" JLDEPOT_FAULT="creat:1+:ENOSPC" "$JLDEPOT" pack --out "$tmp/out2" "$D" Greeter
check "ENOSPC writing a bundle: no_space with the hint, exit 2" \
    '[ $rc -eq 2 ] && named no_space "free space or inodes on that file system (or raise the quota), then retry"'
check "ENOSPC writing the index: no index and no temporary file left" \
    '[ ! -e "$tmp/out2/index.json" ] && [ -z "$(ls -A "$tmp/out2" | grep -v "^Greeter-.*\.tar\.zst$")" ]'

# rename across file systems during unpack's commit
mkdir "$tmp/target"
run env LD_PRELOAD="$FAULT" JLDEPOT_FAULT="renameat2:1+:EXDEV,linkat:1+:EXDEV" "$JLDEPOT" unpack --allow-unsigned "$bundle" "$tmp/target"
check "EXDEV in the commit: cross_device with the hint, exit 2, nothing installed" \
    '[ $rc -eq 2 ] && grep -q "\[cross_device\]$" "$err" && grep -qF "keep the directory and its target on one file system" "$err" && [ -z "$(find "$tmp/target" -type f)" ]'
check "no bare strerror() line anywhere: every line above is named" \
    '! grep -qx "jldepot: [^[]*: \(File exists\|Invalid cross-device link\|No such file or directory\)" "$err"'
