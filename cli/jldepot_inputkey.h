// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_inputkey.h: the input key of a package cache, a lookup key a
  client can compute before anything is built (`jldepot substitute`), and
  that `pack` records for every bundle it signs.

  The key is the SHA-256 of a plain JSON document (fields in this order, no
  spaces):
      {"format":"jldepot-input 1",
       "julia_version":V, "julia_commit":C, "os":OS, "arch":ARCH,
       "flags":N,                    the cache flags byte
       "cpu_targets":"n1;n2;...",    the clone targets' names, in order
       "sysimage":ID,                the build id of the sysimage's Base
       "package":NAME, "uuid":UUID,
       "git_tree_sha1":H,            Pkg's tree hash of the package's tree
       "preferences":"none",         or the header's record (never
                                     computable by a client: such caches
                                     are never substituted)
       "requires":["UUID KEY",...]}  the input keys of every package it
                                     loads (transitively), sorted
  The Julia part (the "platform") comes, on the server, from the cache being
  packed, and on a client from any cache the same Julia wrote with the same
  options (the stdlib caches Julia ships are such caches).
*/

#ifndef JLDEPOT_INPUTKEY_H
#define JLDEPOT_INPUTKEY_H

#include "cachefile.h"

#define JLDEPOT_INPUT_FORMAT "jldepot-input 1"

typedef struct {
    char *julia_version, *julia_commit, *os, *arch;
    int flags;
    char *cpu_targets;
    char sysimage[33]; // hex build id of Base, "" when the cache names none
} jldepot_platform_t;

// The platform a cache was built for.  Returns a JL_DEPOT_E_* code.
int jldepot_platform_of(const jl_cachefile_t *cf, jldepot_platform_t *out);
void jldepot_platform_free(jldepot_platform_t *p);

// The input key (64 hex digits) of package NAME/UUID with tree hash
// `tree_sha1` and preferences record `prefs` ("none"), requiring the
// packages `requires` ("UUID KEY" strings, any order).
int jldepot_input_key(const jldepot_platform_t *p, const char *name, const char *uuid,
                      const char *tree_sha1, const char *prefs, char *const *requires,
                      size_t nrequires, char out[65]);

#endif // JLDEPOT_INPUTKEY_H
