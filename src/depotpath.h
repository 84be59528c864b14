// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depotpath.h: the depot path model.  A depot is a set of role roots; a token
  (`@depot`, `@artifacts`, `@compiled`, `@cache`) names a role, never a
  directory.  This header owns: path normalization, the depot stack (the
  role roots of each depot on DEPOT_PATH, as Base gives them), tokenize
  (absolute path -> token form) and resolve (token form -> absolute path,
  containing depot first).

  Every function returns a JL_DEPOT_E_* code (depot_errors.h) unless noted.
  Strings returned through `char **out` are malloc'ed and owned by the caller.
*/

#ifndef JL_DEPOT_PATH_H
#define JL_DEPOT_PATH_H

#include "depot_support.h"
#include "depot_errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    JL_DEPOT_ROLE_DEPOT = 0, // @depot      packages, dev, registries, environments
    JL_DEPOT_ROLE_ARTIFACTS, // @artifacts  artifact store
    JL_DEPOT_ROLE_COMPILED,  // @compiled   precompile caches
    JL_DEPOT_ROLE_CACHE,     // @cache      scratch spaces
    JL_DEPOT_NROLES
} jl_depot_role_t;

// The longest path (in bytes) any function here accepts or produces.
#define JL_DEPOT_PATH_MAX 32767

typedef struct jl_depot_stack_t jl_depot_stack_t;

// Token names, indexed by role ("@depot", ...).
JL_DLLEXPORT const char *jl_depot_token_name(jl_depot_role_t role) JL_NOTSAFEPOINT;

// An empty stack; `casefold`: -1 the platform's default (on for macOS and
// Windows), 0 off, 1 on.  NULL when out of memory.
jl_depot_stack_t *jl_depot_stack_new(int casefold) JL_NOTSAFEPOINT;
// Append the depot whose role roots are roots[0..JL_DEPOT_NROLES) (absolute,
// in role order; normalized here).  A depot whose @depot root is already on
// the stack keeps its first place.
int jl_depot_stack_add(jl_depot_stack_t *s,
                       const char *const roots[JL_DEPOT_NROLES]) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_depot_stack_free(jl_depot_stack_t *s) JL_NOTSAFEPOINT;
JL_DLLEXPORT size_t jl_depot_stack_size(const jl_depot_stack_t *s) JL_NOTSAFEPOINT;
// The root of `role` in depot `i` (normalized, absolute); NULL when out of range.
JL_DLLEXPORT const char *jl_depot_root(const jl_depot_stack_t *s, size_t i,
                                       jl_depot_role_t role) JL_NOTSAFEPOINT;

// Flags of jl_depot_resolve_buf.
// NOSTAT: pure string work, no file-system access: the candidate in the
// containing depot (or DEPOT_PATH[1] without a cache file) is returned.
#define JL_DEPOT_RESOLVE_NOSTAT 0x1

// The index of the depot whose @compiled root holds `cachefile` (symlinks
// considered); JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS when none does.
JL_DLLEXPORT int jl_depot_containing(jl_depot_stack_t *s, const char *cachefile,
                                     size_t *depot) JL_NOTSAFEPOINT;

// ---- additions: explicit lengths, caller buffers, stack queries ----------

// Lexical normalization of an absolute path of `len` bytes: `.`, `..`,
// duplicate and trailing separators removed (a NUL byte gives
// JL_DEPOT_E_NUL_BYTE).  No file system access.  A drive-letter path (`C:\x`,
// `C:/x`) is returned unchanged.
int jl_depot_normalize_n(const char *path, size_t len, char **out) JL_NOTSAFEPOINT;

// Tokenize `path` / resolve the token form `tokenized` (`len` bytes), writing
// into the caller's buffer `buf` of `bufsize` bytes (NUL-terminated; *outlen excludes the NUL).
// Output that does not fit gives JL_DEPOT_E_PATH_TOO_LONG; a buffer of
// JL_DEPOT_PATH_MAX + 1 bytes always suffices.  *depot (may be NULL) receives
// the index of the depot whose root matched or that the result lies in, or -1.
// Resolve takes the index of the depot holding the cache file (-1: none) and
// tries it first, then the other depots in DEPOT_PATH order: the first
// candidate that exists wins; when none does, JL_DEPOT_E_UNRESOLVED_TOKEN with
// the first candidate in `buf` (so the caller can name the file it looked for).
JL_DLLEXPORT int jl_depot_tokenize_buf(jl_depot_stack_t *s, long target, const char *path,
                                       size_t len, char *buf, size_t bufsize, size_t *outlen,
                                       long *depot) JL_NOTSAFEPOINT;
JL_DLLEXPORT int jl_depot_resolve_buf(jl_depot_stack_t *s, long containing, unsigned flags,
                                      const char *tokenized, size_t len, char *buf, size_t bufsize,
                                      size_t *outlen, long *depot) JL_NOTSAFEPOINT;
// Tokenize into a malloc'ed string.  `target` is the index of the depot that
// will hold the cache (tried first), or -1.  On JL_DEPOT_E_OK *out is the
// token form; on JL_DEPOT_E_NOT_RELOCATABLE *out is the normalized absolute
// path (the caller may still record it); on any other error *out is NULL.
int jl_depot_tokenize_n(jl_depot_stack_t *s, long target, const char *path, size_t len,
                        char **out) JL_NOTSAFEPOINT;

// The role a token form starts with: JL_DEPOT_E_OK and *role when `p` is
// `@token` or `@token/...` (or `@token\...`) with a known token;
// JL_DEPOT_E_UNKNOWN_TOKEN for `@name` / `@name/...` with an unknown name;
// JL_DEPOT_E_RELATIVE_PATH when `p` is no token form at all.
JL_DLLEXPORT int jl_depot_token_role(const char *p, size_t len,
                                     jl_depot_role_t *role) JL_NOTSAFEPOINT;

// Compute the realpaths of every root now (otherwise done lazily, once, on
// the first path that matches no root as given).  A stack is not thread-safe:
// callers that share one lock it, or call this first and then only read.
void jl_depot_stack_prepare(jl_depot_stack_t *s) JL_NOTSAFEPOINT;

#ifdef __cplusplus
}
#endif

#endif // JL_DEPOT_PATH_H
