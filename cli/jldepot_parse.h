// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_parse.h: strict parsing of what `fetch` and `unpack` take from
  others, each from a buffer (no file, no network) so that each can be
  fuzzed (test/fuzz/fuzz-manifest.c, test/fuzz/fuzz-index.c).
  Owns: the byte sizes of the command line (`--max-*`), the strict JSON
  reading rules (exactly one RFC 8259 document, nothing but white space
  after it, no NUL byte, no duplicate key), the schema of the bundle
  manifest (jldepot-bundle.json) and of index.json, the choice of one
  bundle in an index and its URL, the size and SHA-256 comparison of a
  file with its record, and the shortening of untrusted text for messages.
  Not a runtime file: it uses json-c (and libc), nothing else.
*/

#ifndef JLDEPOT_PARSE_H
#define JLDEPOT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jldepot_errors.h"

// The largest size a manifest or an index may record: 2^53 - 1, exact in
// every JSON reader.
#define JLDEPOT_JSON_SIZE_MAX ((uint64_t)9007199254740991)

// ---- sizes on the command line -------------------------------------------------

// "123", "4K", "16M", "8G" (K/k, M, G: 1024, 1024^2, 1024^3 bytes): digits
// only (no sign, no space, no empty string), at most one suffix, and the
// product within 64 bits.  Returns JL_DEPOT_E_OK (setting *out) or
// JL_DEPOT_E_BAD_SIZE (leaving *out alone).
int jldepot_parse_bytes(const char *s, uint64_t *out);

// ---- the bundle manifest --------------------------------------------------------

// Parse and check a manifest (doc/serving.md, "The manifest"): one strict
// JSON document (see above); an object with `format` "jldepot-bundle 1",
// `key` (64 lower-case hex digits), `package` (a non-empty string),
// `files` (an array of objects with `name`, a non-empty string, `size`, an
// integer from 0 to JLDEPOT_JSON_SIZE_MAX, and `sha256`, 64 lower-case hex
// digits) and `caches` (an array of objects with `package`, `key`, `ji`,
// `key_input` (an object) and optionally `so`).  The fields pack also writes
// (`uuid`, `julia_version`, `julia_commit`, `flags`, `cpu_targets`,
// `sources`) are type-checked when present; unknown fields are ignored.
// No string may hold a NUL.  On success *out is the document (the caller
// puts it); on error *out is NULL, the code is JL_DEPOT_E_BUNDLE_MANIFEST
// (or NOMEM) and *detail (malloc'ed, when detail is not NULL) says where
// and what, in a phrase such as "files[2].size: an integer from 0 to
// 2^53-1 is expected, not a string".
int jldepot_manifest_parse(const char *buf, size_t len, json_object **out, char **detail);

// Compare a file (`size` bytes, SHA-256 `sha`) with its record.  Returns
// JL_DEPOT_E_OK, JL_DEPOT_E_BUNDLE_SIZE ("NAME: N bytes, the manifest says
// M") or JL_DEPOT_E_BUNDLE_SHA256 ("NAME: SHA-256 X, the manifest says Y"),
// with that text in *detail (malloc'ed, when detail is not NULL); `what`
// names the record ("the manifest", "the index").
int jldepot_file_check(const char *name, uint64_t size, const char *sha, uint64_t want_size,
                       const char *want_sha, const char *what, char **detail);

// ---- index.json --------------------------------------------------------------------

// Parse and check an index (doc/serving.md, "index.json"): one strict JSON
// document; an object with `format` "jldepot-index 1" and `packages`, an
// object whose keys are UUIDs and whose values are objects with `name` (a
// non-empty string) and `bundles`, an object whose keys are bundle keys (64
// lower-case hex digits) and whose values are objects with `file` (a file
// name: no `/`, `\`, `?`, `#`, `%`, control character or space, not
// starting with `.`), `size`, `sha256`, `julia_version` (a string) and
// optionally `cpu_targets` (an array of strings).  Unknown fields are
// ignored.  Errors: JL_DEPOT_E_INDEX_MALFORMED (or NOMEM), with *detail as
// for the manifest.
int jldepot_index_parse(const char *buf, size_t len, json_object **out, char **detail);

typedef struct {
    char *file; // malloc'ed: the bundle's file name, next to the index
    uint64_t size;
    char sha256[65];
    char key[65];
} jldepot_index_choice_t;

// Choose the bundle of package `pkg` (its name or UUID) in an index checked
// by jldepot_index_parse: exactly one bundle whose key starts with `key`
// (when not NULL) and whose julia_version is `jv` (when not NULL).  Returns
// JL_DEPOT_E_OK (filling *out; free out->file), or
// JL_DEPOT_E_INDEX_NO_BUNDLE with *detail saying why (no such package,
// several packages of that name, no bundle or several bundles matching).
int jldepot_index_pick(json_object *idx, const char *pkg, const char *key, const char *jv,
                       jldepot_index_choice_t *out, char **detail);

// The URL of `file` next to the index at `index_url`: the index URL up to
// its last `/` before any `?` or `#`, then `file`.  *out is malloc'ed.
int jldepot_index_bundle_url(const char *index_url, const char *file, char **out);

// ---- messages --------------------------------------------------------------------------

// A printable copy of `n` untrusted bytes for a message: white space runs
// become one space, other control and non-ASCII bytes `?`, leading and
// trailing space dropped, cut to `max` characters with "..." after.
// Malloc'ed (NULL only when out of memory).
char *jldepot_printable(const char *s, size_t n, size_t max);

#endif // JLDEPOT_PARSE_H
