// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_sigfile.h: the signature files a cache server publishes next to
  what they vouch for, written by `pack --sign` and checked by `fetch` and
  `unpack` before anything is written (statements: jldepot_trust.h).

  `<bundle>.sig`, one JSON document:
      {"format": "jldepot-bundle-signature 1",
       "output_key": K, "input_key": K, "manifest_sha256": H,
       "bundle_sha256": H, "bundle_size": N, "closure": [K, ...],
       "signatures": ["name-N:BASE64", ...]}
  `index.json.sig`, one JSON document:
      {"format": "jldepot-index-signature 1",
       "version": N, "expires": T, "index_sha256": H,
       "signatures": ["name-N:BASE64", ...]}
  Every field is required and checked for its type; keys are lower-case hex
  (64 digits for keys and SHA-256s); unknown fields are refused.  A field
  outside the statement is never trusted: only what the signed statement
  text says counts.
*/

#ifndef JLDEPOT_SIGFILE_H
#define JLDEPOT_SIGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "jldepot_trust.h"

typedef struct {
    char output_key[65], input_key[65], manifest_sha256[65], bundle_sha256[65];
    uint64_t bundle_size;
    char **closure;
    size_t nclosure;
    char **sigs;
    size_t nsigs;
} jldepot_bundle_sig_t;

typedef struct {
    uint64_t version;
    int64_t expires;
    char index_sha256[65];
    char **sigs;
    size_t nsigs;
} jldepot_index_sig_t;

// Parse a signature file held in memory (at most 1 MiB).  BUNDLE_MANIFEST-
// style errors are SIG_MALFORMED; *err names the problem.
int jldepot_bundle_sig_parse(const char *buf, size_t len, jldepot_bundle_sig_t *out, char **err);
int jldepot_index_sig_parse(const char *buf, size_t len, jldepot_index_sig_t *out, char **err);
void jldepot_bundle_sig_free(jldepot_bundle_sig_t *s);
void jldepot_index_sig_free(jldepot_index_sig_t *s);

// The JSON text of a signature file (malloc'ed), for `pack --sign`.
char *jldepot_bundle_sig_format(const jldepot_bundle_sig_t *s);
char *jldepot_index_sig_format(const jldepot_index_sig_t *s);

// Add a signature by `k` of the statement `s` describes.
int jldepot_bundle_sig_sign(jldepot_bundle_sig_t *s, const jldepot_seckey_t *k);
int jldepot_index_sig_sign(jldepot_index_sig_t *s, const jldepot_seckey_t *k);

// Check a bundle's signature file for `src`: a trusted signature of its
// statement (jldepot_trust_verify's codes), then that the bundle bytes have
// the signed size and SHA-256 (BUNDLE_SIZE_MISMATCH-like: BUNDLE_SHA256).
int jldepot_bundle_sig_check(const jldepot_source_t *src, const jldepot_bundle_sig_t *s,
                             uint64_t bundle_size, const char *bundle_sha256);

// Check an index's signature file for `src` at time `now`: a trusted
// signature, the index bytes' SHA-256, not expired (INDEX_EXPIRED), and a
// version not below `min_version` (INDEX_ROLLBACK).
int jldepot_index_sig_check(const jldepot_source_t *src, const jldepot_index_sig_t *s,
                            const char *index_sha256, int64_t now, uint64_t min_version);

#endif // JLDEPOT_SIGFILE_H
