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
#define JL_DEPOT_NAMEMAP_UPSTREAM 0x1 // tokenize with JL_DEPOT_TOKENIZE_UPSTREAM
#define JL_DEPOT_NAMEMAP_NOSTAT   0x2 // resolve with JL_DEPOT_RESOLVE_NOSTAT

// A map for names of the cache file `cachefile` (its containing depot is the
// tokenize target and the first depot resolve tries); `cachefile` may be NULL
// (no target; resolve tries DEPOT_PATH in order).  A cache file outside every
// depot gives JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS.  The stack must outlive the map.
JL_DLLEXPORT int jl_depot_namemap_new(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                                      jl_depot_namemap_t **out) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_depot_namemap_free(jl_depot_namemap_t *m) JL_NOTSAFEPOINT;

// The memoized jl_depot_tokenize / jl_depot_resolve: same error codes and the
// same *out (NULL where those give NULL), but *out is owned by the map.
JL_DLLEXPORT int jl_depot_namemap_tokenize(jl_depot_namemap_t *m, const char *path,
                                           const char **out) JL_NOTSAFEPOINT;
JL_DLLEXPORT int jl_depot_namemap_resolve(jl_depot_namemap_t *m, const char *tokenized,
                                          const char **out) JL_NOTSAFEPOINT;
// The same with explicit lengths (NUL bytes detected).
JL_DLLEXPORT int jl_depot_namemap_tokenize_n(jl_depot_namemap_t *m, const char *path, size_t len,
                                             const char **out) JL_NOTSAFEPOINT;
JL_DLLEXPORT int jl_depot_namemap_resolve_n(jl_depot_namemap_t *m, const char *tokenized,
                                            size_t len, const char **out) JL_NOTSAFEPOINT;

// How many lookups did real work (one per distinct string and direction).
JL_DLLEXPORT uint64_t jl_depot_namemap_misses(const jl_depot_namemap_t *m) JL_NOTSAFEPOINT;
// How many lookups were answered.
JL_DLLEXPORT uint64_t jl_depot_namemap_lookups(const jl_depot_namemap_t *m) JL_NOTSAFEPOINT;
// The containing depot of the map's cache file, or -1.
JL_DLLEXPORT long jl_depot_namemap_depot(const jl_depot_namemap_t *m) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_PATH_NAMEMAP_H
