// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacheverify_int.h: what the loader-check files (cacheverify.c,
  cacheverify_deps.c) share and nobody else uses: the verifier's state and
  small string utilities.  Not a public header.
*/

#ifndef JL_DEPOT_CACHEVERIFY_INT_H
#define JL_DEPOT_CACHEVERIFY_INT_H

#include <sys/stat.h>

#include "cacheverify.h"

// One cache file the verifier has seen (as a dependency or at the top level).
typedef struct {
    char *path;
    jl_cache_u128_t build_id;
    int have_build_id; // the header was read
    int status;        // JL_DEPOT_E_*; -1 while it is being checked
} jl_verify_memo_t;

struct jl_cacheverify_t {
    jl_depot_stack_t *stack;
    jl_verify_target_t target; // strings below are owned copies
    int target_set;
    char *target_source; // the cache the target came from, or NULL
    char *t_version, *t_commit, *t_branch, *t_os, *t_arch;
    jl_verify_memo_t *memo;
    size_t nmemo, capmemo;
    int depth;      // recursion through required modules
    char **sysmods; // "containing|own dir|vX.Y|Name" of modules found to come from the sysimage
    size_t nsysmods;
    int sealing;  // jl_cacheverify_seal_file is checking its cache
    int seal_err; // what writing the seal gave
    char *iobuf;  // the read buffer of content checks
    size_t iobuf_len;
};

// A stamp or seal read and validated against a cache (cacheverify_stamp.c).
typedef struct {
    int seal;               // a seal (size + mtime) rather than a stamp (full stat)
    int has_so;             // the .so record is present
    const uint8_t *ji, *so; // their records, in buf
    size_t ndeps, nfiles;   // the cache's dependency list; those that are files
    size_t *index;          // the record of each dependency (nfiles: none)
    uint8_t *buf;           // the file's bytes
} jl_verify_stamp_t;

void jl_verify_fstat_set_(jl_verify_fstat_t *o, const struct stat *st) JL_NOTSAFEPOINT;
int jl_verify_fstat_match_(const uint8_t *rec, const jl_verify_fstat_t *now,
                           int seal) JL_NOTSAFEPOINT;
int64_t jl_verify_now_ns_(void) JL_NOTSAFEPOINT;
// The cache's stamp (tried first) or seal, when one is valid for `cf` and the
// .ji's stat `ji_now`; NULL otherwise (*rejected: one was there but did not match).
jl_verify_stamp_t *jl_verify_stamp_load_(const char *jipath, const jl_cachefile_t *cf,
                                         const jl_verify_fstat_t *ji_now,
                                         int *rejected) JL_NOTSAFEPOINT;
void jl_verify_stamp_free_(jl_verify_stamp_t *s) JL_NOTSAFEPOINT;
// 1 when dependency `i` (resolved, its stat in d->st) matches the record.
int jl_verify_stamp_dep_(const jl_verify_stamp_t *s, size_t i,
                         const jl_verify_dep_t *d) JL_NOTSAFEPOINT;
// Write the stamp (seal = 0) or seal of a fresh cache; `so` NULL when no
// pkgimage was checked; `seen_ns` the time the stats were taken.  READ_ONLY
// (nothing attempted) when the directory is not writable; OK with *written
// 0 when the .ji or .so changed too recently to be recorded.
int jl_verify_stamp_write_(const char *jipath, const jl_cachefile_t *cf,
                           const jl_verify_result_t *r, const jl_verify_fstat_t *ji,
                           const jl_verify_fstat_t *so, int64_t seen_ns, int seal,
                           int *written) JL_NOTSAFEPOINT;
// Step 6 with a stamp (NULL: none).
int jl_cacheverify_deps_(jl_cacheverify_t *v, const jl_cachefile_t *cf, long containing,
                         jl_verify_result_t *r, const jl_verify_stamp_t *stamp) JL_NOTSAFEPOINT;

// The read buffer size of content checks.
#define JL_VERIFY_IOBUF (1u << 20)

// Formatted malloc'ed string; NULL when out of memory.
char *jl_verify_fmt_(const char *fmt, ...) JL_NOTSAFEPOINT __attribute__((format(printf, 1, 2)));
// Copy of `len` bytes, NUL-terminated.
char *jl_verify_strndup_(const char *s, size_t len) JL_NOTSAFEPOINT;
// Append a relocation reason to `r` (code, path copied).
int jl_verify_add_reloc_(jl_verify_result_t *r, int code, const char *path) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_CACHEVERIFY_INT_H
