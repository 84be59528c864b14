// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacheverify_int.h: what the loader-check files (cacheverify.c,
  cacheverify_deps.c) share and nobody else uses: the verifier's state and
  small string utilities.  Not a public header.
*/

#ifndef JL_DEPOT_CACHEVERIFY_INT_H
#define JL_DEPOT_CACHEVERIFY_INT_H

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
    int depth;   // recursion through required modules
    char *iobuf; // the read buffer of content checks
    size_t iobuf_len;
};

// The read buffer size of content checks.
#define JL_VERIFY_IOBUF (1u << 20)

// Formatted malloc'ed string; NULL when out of memory.
char *jl_verify_fmt_(const char *fmt, ...) JL_NOTSAFEPOINT __attribute__((format(printf, 1, 2)));
// Copy of `len` bytes, NUL-terminated.
char *jl_verify_strndup_(const char *s, size_t len) JL_NOTSAFEPOINT;
// Append a relocation reason to `r` (code, path copied).
int jl_verify_add_reloc_(jl_verify_result_t *r, int code, const char *path) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_CACHEVERIFY_INT_H
