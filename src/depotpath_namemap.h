// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depotpath_namemap.h: the memoized reverse map of file names.  One map per
  depot stack and containing depot (the depot that holds a cache file): every
  distinct string costs one real tokenize or resolve, later lookups are a hash
  probe.  Strings returned by a map are owned by it and stay valid (and at the
  same address) until jl_depot_namemap_free.

  Not thread-safe: like Julia's internal caches, the caller holds a lock.
*/

#ifndef JL_DEPOT_PATH_NAMEMAP_H
#define JL_DEPOT_PATH_NAMEMAP_H

#include "depotpath.h"

typedef struct jl_depot_namemap_t jl_depot_namemap_t;

// Flags of jl_depot_namemap_new.
#define JL_DEPOT_NAMEMAP_NOSTAT 0x2 // resolve with JL_DEPOT_RESOLVE_NOSTAT

// A map for names of the cache file `cachefile` (its containing depot is the
// tokenize target and the first depot resolve tries); `cachefile` may be NULL
// (no target; resolve tries DEPOT_PATH in order).  A cache file outside every
// depot gives JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS.  The stack must outlive the map.
int jl_depot_namemap_new(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                         jl_depot_namemap_t **out) JL_NOTSAFEPOINT;
void jl_depot_namemap_free(jl_depot_namemap_t *m) JL_NOTSAFEPOINT;

// The memoized jl_depot_tokenize_n / jl_depot_resolve_buf (NUL bytes
// detected): same error codes and the same *out (NULL where those give
// NULL), but *out is owned by the map.  Resolving looks a token form up on
// disk only until one file of its package directory (the first three
// components after the token) is found: the others are taken to be in the
// same depot (#53905).
// `path` (absolute, spelled as the roots are) names a file that exists: the
// token forms of its package directory resolve into its depot unlooked.  The
// string must outlive the map.
void jl_depot_namemap_found(jl_depot_namemap_t *m, const char *path) JL_NOTSAFEPOINT;

int jl_depot_namemap_tokenize_n(jl_depot_namemap_t *m, const char *path, size_t len,
                                const char **out) JL_NOTSAFEPOINT;
int jl_depot_namemap_resolve_n(jl_depot_namemap_t *m, const char *tokenized, size_t len,
                               const char **out) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_PATH_NAMEMAP_H
