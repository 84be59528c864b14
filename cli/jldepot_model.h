// This file is a part of the jldepot project. License is MIT.

/*
  jldepot_model.h: what the tool and its tests need from the depot path
  model beyond what Julia calls (src/depotpath.h, src/depot_errors.h):
  NUL-terminated and malloc'ing forms, the layout of a depot of a stack, and
  the JSON names of the error codes.  Built on the runtime's functions only.
*/

#ifndef JLDEPOT_MODEL_H
#define JLDEPOT_MODEL_H

#include "depotpath.h"
#include "depotpath_namemap.h"
#include "jldepot_errors.h"
#include "jldepot_stack.h"


// jl_depot_normalize_n and jl_depot_tokenize_n of a C string.
int jldepot_normalize(const char *path, char **out);
int jldepot_tokenize(jl_depot_stack_t *s, long target, const char *path, char **out);
// jl_depot_resolve_buf into a malloc'ed string, trying the depot that holds
// `cachefile` (may be NULL) first.  On JL_DEPOT_E_UNRESOLVED_TOKEN *out is the
// first candidate; on any other error NULL.
int jldepot_resolve_n(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                      const char *tokenized, size_t len, char **out);
int jldepot_resolve(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                    const char *tokenized, char **out);

// The layout of depot `i`: XDG when its @compiled root is not `<depot>/compiled`.
jldepot_layout_t jldepot_layout_of(const jl_depot_stack_t *s, size_t i);
// "classic" / "xdg"; NULL for an unknown value.
const char *jldepot_layout_name(jldepot_layout_t layout);
// Whether names are compared case-insensitively under `cfg` (its casefold,
// or the platform's default).
int jldepot_casefold(const jldepot_config_t *cfg);

#endif // JLDEPOT_MODEL_H
