// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depotpath_filenames.h: method and debug-info file names, the names Julia
  stack traces, `functionloc` and `methods` print (`Method.file`, the file
  symbols of `Core.DebugInfo`, DWARF file names of a pkgimage).  Tokenized
  when a cache is saved, resolved against the depot that holds the cache when
  it is loaded, memoized per distinct name (on depotpath_namemap).

  Names that are no paths (`array.jl`, `none`, `REPL[1]`, "") pass through
  unchanged.  Absolute names under a depot become `@token/...`; absolute
  names under no depot stay absolute (JL_DEPOT_E_NOT_RELOCATABLE).  On load,
  token forms are resolved exactly as the path model resolves them (unknown
  tokens, `..` above the token's root and NUL bytes are rejected with its
  codes), and so are the debug-info virtual roots `/@<role>-<id16>-<k>/rest`
  (llvm-depotmap.h), which name the same file as `@<role>/rest`.

  Not thread-safe: like Julia's internal caches, the caller holds a lock.
*/

#ifndef JL_DEPOT_PATH_FILENAMES_H
#define JL_DEPOT_PATH_FILENAMES_H

#include "depotpath_namemap.h"

typedef struct jl_depot_filenames_t jl_depot_filenames_t;

// Flags of jl_depot_filenames_new.
#define JL_DEPOT_FILENAMES_NOSTAT 0x2 // resolve without file-system access

// Names of the cache file `cachefile` (its containing depot is where names
// tokenize first and resolve first); NULL: no cache file (DEPOT_PATH order).
// JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS when the cache is in no depot.  The stack
// must outlive the map.
JL_DLLEXPORT int jl_depot_filenames_new(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                                        jl_depot_filenames_t **out) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_depot_filenames_free(jl_depot_filenames_t *f) JL_NOTSAFEPOINT;
// `path`, a file that exists (the package's entry file, as Base located it):
// names of its package directory resolve into its depot without a lookup
// (jl_depot_namemap_found).  The string must outlive the map.
void jl_depot_filenames_found(jl_depot_filenames_t *f, const char *path) JL_NOTSAFEPOINT;

// The name to store when saving a cache.  *out is `name` itself (not a path,
// or already a valid token form), or a string owned by the map.  Returns
// JL_DEPOT_E_OK, JL_DEPOT_E_NOT_RELOCATABLE (*out: the normalized absolute
// name), or an error of the path model (*out NULL).
int jl_depot_filename_save(jl_depot_filenames_t *f, const char *name, size_t len,
                           const char **out) JL_NOTSAFEPOINT;

// The name to print after loading a cache.  *out is `name` itself (not a
// token form) or a string owned by the map.  Returns JL_DEPOT_E_OK,
// JL_DEPOT_E_UNRESOLVED_TOKEN (*out: the candidate in the containing depot),
// JL_DEPOT_E_UNKNOWN_TOKEN, JL_DEPOT_E_TOKEN_ESCAPE, JL_DEPOT_E_NUL_BYTE, ...
// `image_id16` (may be NULL): the image id of the pkgimage the name comes
// from; a virtual root of another image gives JL_DEPOT_E_DIMAP_FOREIGN_ROOT,
// a malformed one JL_DEPOT_E_DIMAP_BAD_ROOT.
JL_DLLEXPORT int jl_depot_filename_load(jl_depot_filenames_t *f, const char *image_id16,
                                        const char *name, size_t len,
                                        const char **out) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_PATH_FILENAMES_H
