// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacherelocate.h: relocating one precompile cache file in place, so that it
  is valid where it now is.  A relocation is planned first (the whole file is
  read and checked, every name is mapped, the new bytes are written in memory
  and verified) and applied second (one atomic replacement of the `.ji`).

  What a plan does:
    R12 / M13  every absolute dependency name and source-text name that lies
               under a depot of the stack (the containing depot first) becomes
               a token form (upstream's `@depot/...` unless role tokens are
               asked for); an absolute name that no longer exists but lies
               under the depot the cache was written in (found from the entry
               file) becomes the token form of the same suffix in the
               containing depot, when that file exists there.
    L10        absolute names under the old depot are rewritten to the
               containing depot's path (1.10 knows no tokens).
  Dependency names and source-text names always get the same mapping; require
  keys never change; the checksum word, build ids, the data section, the
  clone targets and crc_so are never touched.  The pkgimage is never
  rewritten.

  Every function returns a JL_DEPOT_E_* code (depot_errors.h) unless noted.
*/

#ifndef JL_DEPOT_CACHERELOCATE_H
#define JL_DEPOT_CACHERELOCATE_H

#include "depot_support.h"
#include "jldepot_errors.h"
#include "depotpath.h"
#include "cachefile.h"

// Flags of jl_cache_relocate_plan.
// ROLE_TOKENS: emit role tokens (@artifacts, @compiled, @cache) where they
// apply, for the patched Julia; by default only upstream's `@depot` is
// written, so an unpatched Julia 1.11+ reads the result.
#define JL_CACHE_RELOCATE_ROLE_TOKENS 0x1
// REFRESH_MTIMES: every mtime-tracked dependency (all of an L10 file, those
// with mtime >= 0 in R12/M13) gets the current mtime of the file found; the
// caller asserts that the sources did not change.
#define JL_CACHE_RELOCATE_REFRESH_MTIMES 0x2
// ABSOLUTE: the reverse mapping: every token form becomes the absolute path
// it names in the containing depot (no file-system access).  The result is
// what Julia writes for a depot outside DEPOT_PATH; used to make such caches.
#define JL_CACHE_RELOCATE_ABSOLUTE 0x4
// CASEFOLD: the stack folds case (it was made with casefold on, or with the
// platform's default on macOS and Windows); upstream's form then compares
// names as the stack does.
#define JL_CACHE_RELOCATE_CASEFOLD 0x8

// What happens to one distinct name.
typedef enum {
    JL_CACHE_RELOC_KEEP = 0,        // unchanged (already a token form, or L10 in place)
    JL_CACHE_RELOC_TOKENIZED,       // absolute under a depot -> token form
    JL_CACHE_RELOC_MOVED,           // under the old depot -> the containing depot
    JL_CACHE_RELOC_ABSOLUTE,        // token form -> absolute (JL_CACHE_RELOCATE_ABSOLUTE)
    JL_CACHE_RELOC_NOT_RELOCATABLE, // stays absolute: under no depot of the stack
} jl_cache_reloc_action_t;

typedef struct {
    jl_cache_str_t old; // the stored bytes (into the parsed file)
    char *new_;         // NUL-terminated; NULL when unchanged
    size_t newlen;
    int action; // jl_cache_reloc_action_t
    int err;    // NOT_RELOCATABLE: why (JL_DEPOT_E_NOT_RELOCATABLE, NUL_BYTE, ...)
} jl_cache_reloc_name_t;

typedef struct {
    size_t dep; // index into cf->deps
    double old_mtime, new_mtime;
} jl_cache_reloc_mtime_t;

typedef struct {
    char *path;         // the `.ji`
    jl_cachefile_t *cf; // the file as read
    long depot;         // the containing depot (index into the stack)
    char *old_depot;    // the depot the cache was written in, or NULL (not needed or unknown)
    unsigned flags;
    jl_cache_reloc_name_t *names; // one per distinct name, in file order
    size_t nnames;
    jl_cache_reloc_mtime_t *mtimes; // the refreshed mtimes that differ
    size_t nmtimes;
    size_t nchanged;  // names rewritten
    size_t nabsolute; // names left absolute (not relocatable)
    uint8_t *out;     // the verified new bytes; NULL when the file stays unchanged
    size_t outlen;
    // the identity of the file read (a change before the write is refused)
    uint64_t st_size, st_ino, st_dev;
    int64_t st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
    // private: capacity of `names`, and a hash index of them (open
    // addressing: 0 empty, else a names index + 1), so planning stays
    // linear in the number of dependencies
    size_t names_cap_, index_cap_;
    size_t *index_;
} jl_cache_reloc_t;

// Plan the relocation of `jipath` against stack `s`.  On success *out is a
// new plan (free with jl_cache_relocate_free); (*out)->out is NULL when the
// file is already in its final form.  Refusals (the file is left alone):
//   RELOCATE_CRC           crc_ji or the data checksum does not check
//   RELOCATE_CRC_SO        the pkgimage exists and does not match the `.ji`
//   RELOCATE_NO_OLD_DEPOT  a moved L10 file whose old depot is unknown
//   RELOCATE_VERIFY        the rewritten bytes did not verify (a bug)
//   CACHE_OUTSIDE_DEPOTS   the file is in no depot of the stack
//   and the codec's parse errors.  *detail (may be NULL) receives the
// underlying error of a RELOCATE_* refusal (e.g. CRC_JI), else the same code.
JL_DLLEXPORT int jl_cache_relocate_plan(jl_depot_stack_t *s, const char *jipath, unsigned flags,
                                        jl_cache_reloc_t **out, int *detail) JL_NOTSAFEPOINT;

// Write a plan's new bytes over the file, atomically (jl_depot_write_atomic:
// a temporary `.<name>.tmpXXXXXX` in the same directory, fsync, rename).
// A plan without new bytes writes nothing.  RELOCATE_CHANGED when the file is
// no longer the one planned (size, mtime, inode); the write errors of
// atomicfile.h (READ_ONLY, NO_SPACE, ...) otherwise.
JL_DLLEXPORT int jl_cache_relocate_apply(const jl_cache_reloc_t *r) JL_NOTSAFEPOINT;

JL_DLLEXPORT void jl_cache_relocate_free(jl_cache_reloc_t *r) JL_NOTSAFEPOINT;

// "keep", "tokenized", "moved", "absolute", "not_relocatable".
JL_DLLEXPORT const char *jl_cache_reloc_action_name(int action) JL_NOTSAFEPOINT;

// The depot a cache was written in, from its entry file (dependency 1):
// `<old>/packages/<Name>/<slug>/src/<Name>.jl`, `<old>/packages/<Name>/src/<Name>.jl`
// or `<old>/dev/<Name>/src/<Name>.jl`.  Malloc'ed; NULL when the entry file is
// not absolute or has none of these forms.
JL_DLLEXPORT char *jl_cache_relocate_old_depot(const jl_cachefile_t *cf) JL_NOTSAFEPOINT;

// Whether `name` is a temporary file left by an interrupted atomic write of
// a cache file: `.<file>.ji.tmp` followed by six hex digits.
JL_DLLEXPORT int jl_cache_relocate_is_temp(const char *name) JL_NOTSAFEPOINT;

// Remove such temporary files in `dir` whose mtime is before `before_sec`
// (seconds since the epoch, with `before_nsec`); *removed (may be NULL)
// receives the count.  A temporary file of a write still under way in
// another process is younger than the run that calls this.
JL_DLLEXPORT int jl_cache_relocate_clean_temps(const char *dir, int64_t before_sec,
                                               int64_t before_nsec,
                                               size_t *removed) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_CACHERELOCATE_H
