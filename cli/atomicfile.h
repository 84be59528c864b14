// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  atomicfile.h: replacing a file atomically.  The new content goes to a
  temporary file in the same directory (created with O_CREAT|O_EXCL), is
  written whole and fsync'ed, then renamed over the target, and the directory
  is fsync'ed.  A reader sees the old file or the new one, never a mix; after
  a failure the target is untouched and no temporary file is left.
*/

#ifndef JL_DEPOT_ATOMICFILE_H
#define JL_DEPOT_ATOMICFILE_H

#include "depot_support.h"
#include "jldepot_errors.h"

// Write `len` bytes at `buf` to `path`, atomically.  The file gets the mode
// of the file it replaces; a new file gets `mode` (less the umask), or 0666
// (less the umask) when `mode` is negative.
// Returns JL_DEPOT_E_OK, or:
//   READ_ONLY  the directory cannot be written (EROFS, EACCES, EPERM)
//   NO_SPACE   the file system is full or the file too large (ENOSPC,
//              EDQUOT, EFBIG)
//   NOT_FOUND  the directory does not exist
//   INVALID_ARGUMENT, NOMEM, IO  otherwise
// On every error before the rename the target is unchanged and the temporary
// file removed.  A failing fsync of the directory after the rename gives IO
// with the new content already in place.
JL_DLLEXPORT int jl_depot_write_atomic(const char *path, const void *buf, size_t len,
                                       int mode) JL_NOTSAFEPOINT;
// The same with flags.  NOSYNC: atomic against other processes and crashes
// of this one, but not made durable (no fsync of the file or the directory):
// for files that only cache what can be recomputed and are checked when read
// (stamps and seals), where a lost or torn file after a power failure only
// means the work is done again.
#define JL_DEPOT_WRITE_NOSYNC 0x1
JL_DLLEXPORT int jl_depot_write_atomic_flags(const char *path, const void *buf, size_t len,
                                             int mode, unsigned flags) JL_NOTSAFEPOINT;

// The error code for an errno value of a write (EACCES: read-only to this
// user), and of a read (EACCES: permission denied).
JL_DLLEXPORT int jl_depot_errno_code(int errnum) JL_NOTSAFEPOINT;
JL_DLLEXPORT int jl_depot_read_errno_code(int errnum) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_ATOMICFILE_H
