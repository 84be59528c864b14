// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_bundle.h: the bundle model behind `jldepot pack`, `unpack` and
  `fetch` (doc/serving.md).  Owns: the content key of a cache, the bundle
  manifest, the closure of caches a cache requires by build id, the
  servability verdicts, the rules for entry names, and SHA-256 (OpenSSL EVP).
  Not a runtime file: it uses json-c and libcrypto.

  A bundle is a tar archive (zstd-compressed through libarchive) whose entry
  names are role-token paths: `@compiled/v1.11/Name/slug.ji`,
  `@depot/packages/Name/slug/src/Name.jl`, plus the manifest
  `jldepot-bundle.json`.  The key of a cache is a SHA-256 over a canonical
  serialization of what decides its validity (the "key input"): the Julia
  version, commit, branch, OS, arch, pointer size, format version and layout,
  the flags, the clone targets (CPU targets), the package name and UUID, the
  preferences, the tokenized dependency list with sizes and CRC-32C, and for
  each required module either the key of the cache that provides it or, for
  a module of the sysimage, its build id.  Never the cache bytes, never a
  path of the machine.
*/

#ifndef JLDEPOT_BUNDLE_H
#define JLDEPOT_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cachefile.h"
#include "cacheverify.h"
#include "depotpath.h"
#include "jldepot_errors.h"
#include "jldepot.h"
#include "jldepot_parse.h"

#define JLDEPOT_BUNDLE_FORMAT   "jldepot-bundle 1"
#define JLDEPOT_INDEX_FORMAT    "jldepot-index 1"
#define JLDEPOT_BUNDLE_MANIFEST "jldepot-bundle.json"
#define JLDEPOT_BUNDLE_EXT      ".tar.zst"
// Default limits of unpack: one entry (a pkgimage is at most 4 GiB, a .ji
// at most 1 GiB: the codec's limits), and the whole bundle (uncompressed).
#define JLDEPOT_BUNDLE_MAX_ENTRY ((uint64_t)4 << 30)
#define JLDEPOT_BUNDLE_MAX_TOTAL ((uint64_t)32 << 30)
// ... and the expansion: the files a bundle declares may not add up to more
// than RATIO times the bundle's own size plus FLOOR (zstd gives bundles of
// real sources and pkgimages about 4, the bench's generated code about 30;
// a bomb of zeros thousands).
#define JLDEPOT_BUNDLE_MAX_RATIO   128
#define JLDEPOT_BUNDLE_RATIO_FLOOR ((uint64_t)64 << 20)
// The manifest is read into memory: at most this many bytes.
#define JLDEPOT_BUNDLE_MAX_MANIFEST ((uint64_t)64 << 20)

// ---- SHA-256 -------------------------------------------------------------------

// Lower-case hex digest (64 characters + NUL) of a file or of bytes.
int jldepot_sha256_file(const char *path, char out[65]);
int jldepot_sha256_fd(int fd, char out[65]);
void jldepot_sha256_mem(const void *buf, size_t len, char out[65]);

// ---- keys ----------------------------------------------------------------------

// One required module of a cache as the key sees it: provided by a cache of
// the bundle (key set) or by the sysimage (key NULL: its build id counts).
typedef struct {
    jl_cache_u128_t build_id;
    const char *key; // 64 hex characters, or NULL
} jldepot_req_key_t;

// The key input of a parsed cache (a new JSON object).  `lookup` gives, for
// each required module's build id, the key of the cache providing it (NULL:
// the sysimage).  Returns NULL when out of memory.
typedef const char *(*jldepot_key_lookup_t)(void *ctx, jl_cache_u128_t build_id);
json_object *jldepot_key_input(const jl_cachefile_t *cf, jldepot_key_lookup_t lookup, void *ctx);

// The canonical serialization of a key input (malloc'ed, *len bytes), or
// JL_DEPOT_E_BUNDLE_MANIFEST when a field is missing or has the wrong type.
int jldepot_key_canonical(json_object *input, char **out, size_t *len);
// The key: SHA-256 of the canonical serialization.
int jldepot_key_compute(json_object *input, char out[65]);

// ---- entry names ------------------------------------------------------------------

// Check a bundle entry name: the manifest, or `@compiled/...` / `@depot/...`
// with no empty, `.` or `..` component, no backslash, no NUL, not absolute.
// Sets *role (-1 for the manifest) and *rest (after the token and its `/`).
// Returns JL_DEPOT_E_OK or JL_DEPOT_E_BUNDLE_ESCAPE.
int jldepot_bundle_entry_name(const char *name, int *role, const char **rest);

// The role whose root in depot `depot` holds the path `rest` of role `role`
// most specifically, and the path below that root (*nrest, malloc'ed): in a
// classic depot `@depot/compiled/x` is `@compiled/x`, so no alias reaches a
// cache path unchecked.  Lexical (the roots are normalized).
int jldepot_normalize_role(const jl_depot_stack_t *s, size_t depot, int role, const char *rest,
                           int *nrole, char **nrest);

// The package tree a cache records as its sources: its first include()
// dependency must be `@depot/packages/NAME/SLUG/...` (something below SLUG).
// *tree points at "NAME/SLUG" inside that dependency's path, *len is its
// length.  JL_DEPOT_E_OK, or JL_DEPOT_E_NOT_SERVABLE_TREE.
int jldepot_cache_tree(const jl_cachefile_t *cf, const char **tree, size_t *len);

// Whether a bundle may write `rel` (a path below the depot's packages/) as a
// source: it lies below one of the package trees `trees[0..n)` ("NAME/SLUG")
// and is not the tree's deps/build.jl (a package with one is not servable).
int jldepot_source_allowed(const char *rel, char *const *trees, size_t n);

// ---- a depot's caches: closure, servability, keys --------------------------------

typedef struct {
    char *ji;                 // absolute path of the .ji
    char *so;                 // its .so when it exists, else NULL
    char *name;               // package (directory under compiled/vX.Y/), or the file name
    char *relji;              // relative to the compiled root: "v1.11/Name/slug.ji"
    char *pkgroot;            // the package tree (packages/NAME/SLUG of the entry file), or NULL
    char uuid[37];            // package UUID text
    jl_cachefile_t *cf;       // header-only read
    jl_cache_u128_t build_id; // of its first module
    int servable;             // 1 servable, 0 not (reason below)
    int reason;               // JL_DEPOT_E_OK or a NOT_SERVABLE_* code
    char *reason_text;        // "<message>: <detail>", or NULL
    size_t *reqs;             // indices of the caches it requires (direct)
    size_t nreqs;
    json_object *key_input; // when servable
    char key[65];           // when servable
    char input_key[65];     // after jldepot_depot_input_key, else ""
    int input_state_;       // private
    int state_;             // private: 0 new, 1 in progress, 2 done
} jldepot_cache_t;

typedef struct {
    jl_depot_stack_t *stack;  // borrowed
    size_t depot;             // the packed depot's index in the stack
    const char *julia_bindir; // borrowed: Julia's bindir (its bundled depots), or NULL
    jldepot_cache_t *caches;
    size_t ncaches;
    void *verifiers_; // private
} jldepot_depot_t;

// Scan every cache of depot `depot` of `stack` and decide servability,
// closure and keys of all of them.  A module provided by a stdlib cache in
// a bundled depot of the Julia at `julia_bindir` (may be NULL) is part of
// the platform, like the sysimage: neither packed nor a reason to refuse.
int jldepot_depot_analyze(jl_depot_stack_t *stack, size_t depot, const char *julia_bindir,
                          jldepot_depot_t **out);
void jldepot_depot_free(jldepot_depot_t *d);
// The closure of cache i: i and every cache it requires, transitively,
// dependencies first (each once).  *idx is malloc'ed.
int jldepot_depot_closure(const jldepot_depot_t *d, size_t i, size_t **idx, size_t *n);

// The input key of cache i (into its `input_key`, jldepot_inputkey.h), from
// its platform, its package's tree hash and the input keys of the caches
// it requires.  Requires a servable cache (NOT_SERVABLE_TREE otherwise).
int jldepot_depot_input_key(jldepot_depot_t *d, size_t i);

// The bundle file name of cache i: "<Name>-<key16>.tar.zst" (malloc'ed).
char *jldepot_bundle_filename(const jldepot_cache_t *c);

// The CPU target names of a cache's clone targets, as a JSON array.
json_object *jldepot_cpu_targets(const jl_cachefile_t *cf);

// ---- unpack (shared by unpack and fetch) ----------------------------------------

typedef struct {
    uint64_t max_entry, max_total;
    uint64_t max_ratio; // 0: no limit on the expansion
    int quiet;
    int no_seal;
    const char *expect_key; // when set, the bundle's key must be this one
    // signatures (jldepot_sigfile.h): unless allow_unsigned, every bundle
    // needs a signature file (`sig`, else `<bundle>.sig`) with a signature
    // `trust` accepts, for the bundle's exact size and SHA-256, checked
    // before anything is written; the bundle's key must be the signed one
    int allow_unsigned;
    const void *trust; // const jldepot_source_t *, or NULL: no key trusted
    const char *sig;
    const char *sig_mem; // the signature file's bytes, already read (fetch)
    size_t sig_len;
} jldepot_unpack_opts_t;

void jldepot_unpack_opts_init(jldepot_unpack_opts_t *o);
// Unpack the bundle at `bundle` into depot `depot` of `stack`.  On any error
// the depot is unchanged and a message naming the error was printed.
int jldepot_unpack_bundle(const char *bundle, jl_depot_stack_t *stack, size_t depot,
                          const jldepot_unpack_opts_t *o);

// The stack of a command that writes into DEPOT (default: DEPOT_PATH[1]):
// DEPOT first, then --depot-path or JULIA_DEPOT_PATH.  *dp holds the string
// the stack was built from (free it after the stack).  NULL after an error.
jl_depot_stack_t *jldepot_target_stack(jldepot_stack_opts_t *so, const char *depot, char **dp);

// GET a small document (at most `max` bytes) over http(s), with fetch's
// protections (schemes, redirects to the same scheme, timeouts, the
// source's `ca-file`) into *buf
// (malloc'ed).  HTTP_NOT_FOUND for a 404; *detail (malloc'ed) for others.
// The caller checks the URL against its sources first.
struct jldepot_source_t;
int jldepot_fetch_small(const char *url, const struct jldepot_source_t *src, uint64_t max,
                        char **buf, size_t *len, char **detail);

// Write `obj` as pretty JSON to `path` atomically.
int jldepot_json_write_atomic(const char *path, json_object *obj);

#endif // JLDEPOT_BUNDLE_H
