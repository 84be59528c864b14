// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_trust.h: which servers a client fetches caches from and which
  keys it trusts for each, and the statements those keys sign.

  Configuration comes from the client only, never from a server: the file
  named by JLDEPOT_SOURCES when that variable is set, otherwise
  `config/jldepot/sources.toml` in every depot on DEPOT_PATH, in
  DEPOT_PATH order (the user's own depot first, then site-wide ones):

      [[source]]
      url = "https://cache.example.org/julia"   # https only (see below)
      priority = 10                             # lower is tried first
      trusted-keys = ["cache.example.org-2:BASE64", "cache.example.org-1:BASE64"]
      revoked-keys = ["cache.example.org-0"]    # names never trusted again
      # require-signatures = false              # this source only: unsigned accepted
      # allow-http = true                       # this source only: plain http
      # ca-file = "/etc/jldepot/example-ca.pem"  # this source only: the CAs that
                                                # may sign its certificate

  A URL belongs to the source whose `url` is its longest prefix (on a `/`
  boundary).  Only `https://` is accepted, and `http://` to a loopback
  address (127.0.0.0/8, ::1, localhost) or to a source with `allow-http`;
  no other scheme ever.  Material from a URL that belongs to no configured
  source is refused unless the command was told to accept unsigned
  material for this one call.

  Statements (signed with the domain strings below, see jldepot_sign.h):
    bundle  "jldepot-bundle 1": lines `output-key K`, `input-key K`,
            `manifest-sha256 H`, `bundle-sha256 H`, `bundle-size N`,
            `closure K1 K2 ...` (the output keys of the caches it requires)
    index   "jldepot-index 1": lines `version N`, `expires T` (Unix time),
            `index-sha256 H` (of the index document's bytes)
*/

#ifndef JLDEPOT_TRUST_H
#define JLDEPOT_TRUST_H

#include <stdint.h>

#include "depotpath.h"
#include "jldepot_errors.h"
#include "jldepot_sign.h"

#define JLDEPOT_DOMAIN_BUNDLE "jldepot-bundle 1"
#define JLDEPOT_DOMAIN_INDEX  "jldepot-index 1"

typedef struct jldepot_source_t {
    char *url; // normalized: no trailing '/'
    long priority;
    jldepot_pubkey_t *keys;
    size_t nkeys;
    char **revoked;
    size_t nrevoked;
    int require_signatures;
    int allow_http;
    char *ca_file; // the CA certificates for this source's TLS, or NULL: the system's
    char *origin;  // the file it came from
} jldepot_source_t;

typedef struct {
    jldepot_source_t *sources; // by priority, then configuration order
    size_t n;
} jldepot_trust_t;

// Load the configuration for `stack` (see above).  A missing file is no
// source; a malformed one is an error: *err names the file and the problem.
int jldepot_trust_load(const jl_depot_stack_t *stack, jldepot_trust_t **out, char **err);
// Load one configuration file (appended to *t, which may start empty).
int jldepot_trust_load_file(jldepot_trust_t *t, const char *path, char **err);
void jldepot_trust_free(jldepot_trust_t *t);

// The source a URL belongs to, or NULL.
const jldepot_source_t *jldepot_trust_source(const jldepot_trust_t *t, const char *url);

// Whether `url` may be fetched at all (scheme and host rules above; `src`
// may be NULL).  Returns OK or URL_REFUSED.
int jldepot_trust_url_ok(const jldepot_source_t *src, const char *url);

// Verify `nsig` signatures of `msg` in `domain` for `src`: OK when one of
// them is by a trusted key that is not revoked and verifies.  Otherwise
// UNSIGNED (no signature at all), SIG_INVALID (a trusted key's signature
// does not verify), KEY_REVOKED (only revoked keys signed) or SIG_UNTRUSTED.
int jldepot_trust_verify(const jldepot_source_t *src, const char *domain, const void *msg,
                         size_t len, char *const *sigs, size_t nsig);

// One source that trusts every key of every configured source and revokes
// what any of them revokes: what a local `unpack`, whose bundle has no URL,
// checks against.  Borrows the revoked names from `t`; free with
// jldepot_trust_merged_free before `t`.
int jldepot_trust_merged(const jldepot_trust_t *t, jldepot_source_t *out);
void jldepot_trust_merged_free(jldepot_source_t *src);

// The statement texts (malloc'ed).
char *jldepot_statement_bundle(const char *output_key, const char *input_key,
                               const char *manifest_sha256, const char *bundle_sha256,
                               uint64_t bundle_size, const char *const *closure, size_t nclosure);
char *jldepot_statement_index(uint64_t version, int64_t expires, const char *index_sha256);

#endif // JLDEPOT_TRUST_H
