// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_out.h: how the tool prints names that may hold any byte (file
  names, paths and module names read from cache files).

  Text output: one record is always one line.  A name is printed as Julia's
  escape_string would: `\` as `\\`, a control character as `\n`, `\t`, ...
  or `\xNN`, and every byte that is not part of valid UTF-8 as `\xNN`.

  JSON output is strict UTF-8.  A name that is valid UTF-8 is a plain JSON
  string.  Otherwise each byte that is not part of valid UTF-8 becomes
  U+FFFD, and a sibling field `<key>_hex` holds the exact bytes in
  lower-case hexadecimal, so nothing is lost and nothing is ambiguous (in an
  array, where there is no sibling, the U+FFFD form only).
*/

#ifndef JLDEPOT_OUT_H
#define JLDEPOT_OUT_H

#include <stddef.h>
#include <stdio.h>

#include <json.h>

// Whether the `n` bytes at `s` are valid UTF-8 with no NUL.
int jldepot_utf8_ok(const char *s, size_t n);

// The text form of a name (malloc'ed; NULL when out of memory).
char *jldepot_escape_n(const char *s, size_t n);
char *jldepot_escape(const char *s);

// fputs of the text form of a name.
void jldepot_put_name(const char *s, size_t n, void *file);

// A JSON string of a name (U+FFFD for undecodable bytes); JSON null for NULL.
json_object *jldepot_jstr_n(const char *s, size_t n);
json_object *jldepot_jstr(const char *s);

// Add `key` (and `<key>_hex` when the name is not valid UTF-8) to `o`.
void jldepot_json_add_name_n(json_object *o, const char *key, const char *s, size_t n);
void jldepot_json_add_name(json_object *o, const char *key, const char *s);

// Streamed JSON, so that output with millions of entries needs memory for
// one entry, not for the whole document: print `o` (json-c `flags`) with
// the value of `key` written by `emit` in its place (typically "[", the
// entries through jldepot_json_print_element, "]").
void jldepot_json_print_with(FILE *f, json_object *o, const char *key, int flags,
                             void (*emit)(FILE *f, void *ctx), void *ctx);
// The same for several keys: `emit` is called with the index of the key.
void jldepot_json_print_holes(FILE *f, json_object *o, int flags, const char *const *keys,
                              size_t nkeys, void (*emit)(FILE *f, void *ctx, size_t k), void *ctx);
// Print entry `i` (0-based) of an array being streamed, and free it.
void jldepot_json_print_element(FILE *f, json_object *e, size_t i, int flags);

#endif // JLDEPOT_OUT_H
