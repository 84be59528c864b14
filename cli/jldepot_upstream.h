// This file is a part of the jldepot project. License is MIT.

/*
  jldepot_upstream.h: the upstream form of a file name, `@depot/...` only,
  byte for byte as an unpatched Julia 1.11-1.13 writes it
  (Base.replace_depot_path), for caches such a Julia must read.  Julia with
  the series writes role tokens (src/depotpath.h); only the tool writes this
  form (`jldepot relocate` by default, `jldepot tokenize --upstream`).  It is
  built on the runtime's tokenize, so normalization, the NFC and case-folded
  comparison and the realpath fallback are the model's.

  The rules:
    - Only classic depots count: every role root is its classic sub-directory
      of the @depot root (jldepot_classic_sub; a depot at `/` has
      `/artifacts`, ...).
    - The first classic depot in DEPOT_PATH order whose @depot root holds the
      path wins (first compared as given, then, when none holds it so, by
      realpath), with no preference for `target` and no longest match across
      depots.  The token is always `@depot`: a path under the compiled root
      becomes `@depot/compiled/...`.  Only the leading occurrence of a depot
      is replaced: `<d>/x<d>` becomes `@depot/x<d>`.
    - A path under no classic depot: JL_DEPOT_E_NOT_RELOCATABLE, with the
      normalized path in `buf`.
    - A trailing separator of the input is kept (`<d>/` gives `@depot/`), as
      upstream's names are normpath'ed (`include_dependency("dir/")`).
    - A token form: `@depot...` is returned normalized, as
      jl_depot_tokenize_buf returns it; another role's token goes through the
      path it names in depot `target` (jl_depot_resolve_buf, NOSTAT), which
      is then tokenized as above (an empty DEPOT_PATH gives
      JL_DEPOT_E_NOT_RELOCATABLE).
  Error codes, `buf`, *outlen and *depot are as for jl_depot_tokenize_buf.
*/

#ifndef JLDEPOT_UPSTREAM_H
#define JLDEPOT_UPSTREAM_H

#include "depotpath.h"

typedef struct jldepot_upstream_t jldepot_upstream_t;

// A context for the upstream form of names against stack `s` (may be NULL:
// no depot).  `casefold` is the value `s` was made with
// (jl_depot_stack_new, jldepot_config_t.casefold): names are compared as `s`
// compares them.  The stack must outlive the context and stay unchanged
// while it lives.  Like a stack, a context is not thread-safe.
int jldepot_upstream_new(jl_depot_stack_t *s, int casefold, jldepot_upstream_t **out);
void jldepot_upstream_free(jldepot_upstream_t *u);
// The upstream form of `path` (`len` bytes) into `buf` (`bufsize` bytes;
// JL_DEPOT_PATH_MAX + 1 always suffice); *depot (may be NULL) receives the
// index of the depot that holds it, or -1.
int jldepot_upstream_tokenize(jldepot_upstream_t *u, long target, const char *path, size_t len,
                              char *buf, size_t bufsize, size_t *outlen, long *depot);
// The same in one call (a context made and freed around it).
int jldepot_tokenize_upstream(jl_depot_stack_t *s, int casefold, long target, const char *path,
                              size_t len, char *buf, size_t bufsize, size_t *outlen, long *depot);

#endif // JLDEPOT_UPSTREAM_H
