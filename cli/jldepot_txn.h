// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_txn.h: the all-or-nothing depot writer behind `jldepot unpack`.
  Owns: the depot lock, the walk below a write root that refuses symbolic
  links, the staging of each new file as a temporary sibling in its final
  directory (so the commit never crosses a file system), the syncs, the
  commit (renames in the caller's order that never replace a file) and the
  undo of everything a transaction did when any step fails.

  A write root (`compiled/`, `packages/`, or their XDG counterparts) and the
  directories above it may be symbolic links the administrator set up; below
  a root every directory is opened with O_NOFOLLOW, component by component,
  from the root's descriptor, and a symbolic link there is refused
  (JL_DEPOT_E_DEPOT_SYMLINK).  Relative paths given to these functions are
  non-empty components separated by single slashes (the caller checked them).
*/

#ifndef JLDEPOT_TXN_H
#define JLDEPOT_TXN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

// The lock file, in the first write root: flock(LOCK_EX) serializes the
// writers of one depot; the writer that made it removes it when done (one
// that found it there leaves it).
#define JLDEPOT_TXN_LOCK ".jldepot-unpack.lock"
// Staged files are named PREFIX<pid>-<n> beside their final name.
#define JLDEPOT_TXN_TMP_PREFIX ".jldepot-unpack-"

typedef struct jldepot_txn_t jldepot_txn_t;

// A transaction over `nroots` write roots (absolute paths).
int jldepot_txn_new(const char *const *roots, size_t nroots, jldepot_txn_t **out);
// Undo everything not committed (names made, staged files, directories
// made), release the lock, free.
void jldepot_txn_free(jldepot_txn_t *t);

// What a probe found at `rel` below root r (nothing is written).
typedef struct {
    int exists; // a regular file is there ...
    int fd;     // ... opened O_RDONLY|O_NOFOLLOW (the caller closes it); else -1
} jldepot_txn_probe_t;

// Probe `rel` below root r.  With `want_write`, the directory in which the
// first new name would be made must be writable (READ_ONLY otherwise: a
// read-only mount, no permission, or no write bit for anyone, which root
// respects too).  Errors: DEPOT_SYMLINK (a directory on the way is a
// symbolic link), BUNDLE_CONFLICT (something on the way is not a directory,
// or the name is not a regular file), READ_ONLY, IO.  *where (malloc'ed)
// names the path concerned.
int jldepot_txn_probe(jldepot_txn_t *t, size_t r, const char *rel, int want_write,
                      jldepot_txn_probe_t *p, char **where);
// Whether the directory `rel` below root r exists (same errors).
int jldepot_txn_probe_dir(jldepot_txn_t *t, size_t r, const char *rel, int *exists, char **where);
// READ_ONLY unless root r (or the nearest existing directory above it) may be
// written.
int jldepot_txn_writable(jldepot_txn_t *t, size_t r, char **where);
// The nearest existing directory at or above root r (malloc'ed), for statvfs.
char *jldepot_txn_existing_root(jldepot_txn_t *t, size_t r);
// The realpath of root r, or NULL when it does not exist.
char *jldepot_txn_root_realpath(jldepot_txn_t *t, size_t r);

// Take the depot lock (JLDEPOT_TXN_LOCK in root 0, which is made when
// missing and recorded for the undo): waits while another writer holds it.
// A signal that sets *stop (when `stop` is given) ends the wait with
// UNPACK_INTERRUPTED.
int jldepot_txn_lock(jldepot_txn_t *t, volatile sig_atomic_t *stop, char **where);

// Make the missing directories of `rel` (recorded for the undo) and a
// temporary file beside its final name (mode less the umask).  *fd is open
// for writing; hand the file back with jldepot_txn_staged.
int jldepot_txn_stage(jldepot_txn_t *t, size_t r, const char *rel, mode_t mode, int *fd,
                      size_t *handle, char **where);
// The staged file is written: its writeback starts now and it is closed,
// so staging holds one descriptor whatever the number of files.
int jldepot_txn_staged(jldepot_txn_t *t, size_t handle, char **where);
// Make every staged file durable: each is opened again and fdatasync'ed, a
// batch at a time (a quarter of the descriptor limit, at most 512) from a
// few threads, so the block layer merges their cache flushes.  The commit
// does this first.
int jldepot_txn_flush(jldepot_txn_t *t, char **where);
// Open a staged file for reading (the caller closes it), or -1.
int jldepot_txn_open_staged(jldepot_txn_t *t, size_t handle);

// Rename the staged files `order[0..n)` into place, in that order, never
// replacing a file (a file that appeared meanwhile with the same content is
// kept and kept[k] set; a different one is BUNDLE_CONFLICT), then fsync
// every directory that got a new name.  On any failure everything the
// transaction did is undone before it returns.
int jldepot_txn_commit(jldepot_txn_t *t, const size_t *order, size_t n, unsigned char *kept,
                       char **where);
// After the commit: give the directories made the time `when` (a directory
// that is a dependency would otherwise look "racy" to a seal).
void jldepot_txn_date_dirs(jldepot_txn_t *t, time_t when);

// fdatasync (or fsync) of many files at once, from a few threads: 0 or an
// errno value.
int jldepot_sync_many(const int *fds, size_t n, int datasync);

#endif // JLDEPOT_TXN_H
