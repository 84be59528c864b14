// This file is a part of the jldepot project. License is MIT.

/*
  fuzz-manifest.c: libFuzzer target of the bundle-manifest parser
  (cli/jldepot_parse.h, jldepot_manifest_parse) and of the byte sizes of the
  command line (jldepot_parse_bytes).  Aborts when a property breaks:
    - the code is OK, BUNDLE_MANIFEST or NOMEM; a document exactly on OK,
      a detail on every refusal;
    - what is accepted is one JSON document followed by white space only
      (json-c, leniently, ends it where the input ends), has no NUL byte,
      and holds every required field with its type, checked here again
      independently: format, key and sha256 (64 lower-case hex digits),
      sizes (integers from 0 to 2^53-1), names and packages (strings
      without NUL), key_input (an object);
    - the same input gives the same answer twice;
    - a size string is accepted exactly when it is digits with at most one
      K, k, M or G after them, and the value is right.
*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jldepot_parse.h"

#define CHECK(c) \
    do { \
        if (!(c)) { \
            fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__); \
            abort(); \
        } \
    } while (0)

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    CHECK(json_object_object_get_ex(o, k, &v));
    return v;
}

static void is_str(json_object *v, int nonempty)
{
    CHECK(json_object_is_type(v, json_type_string));
    size_t n = (size_t)json_object_get_string_len(v);
    CHECK(strlen(json_object_get_string(v)) == n);
    CHECK(!nonempty || n > 0);
}

static void is_hex64(json_object *v)
{
    is_str(v, 1);
    const char *s = json_object_get_string(v);
    CHECK(strlen(s) == 64);
    for (int i = 0; i < 64; i++)
        CHECK((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
}

static void recheck(json_object *m)
{
    CHECK(json_object_is_type(m, json_type_object));
    is_str(get(m, "format"), 1);
    CHECK(!strcmp(json_object_get_string(get(m, "format")), "jldepot-bundle 1"));
    is_hex64(get(m, "key"));
    is_str(get(m, "package"), 1);
    json_object *files = get(m, "files"), *caches = get(m, "caches");
    CHECK(json_object_is_type(files, json_type_array));
    CHECK(json_object_is_type(caches, json_type_array));
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        json_object *f = json_object_array_get_idx(files, i);
        CHECK(json_object_is_type(f, json_type_object));
        is_str(get(f, "name"), 1);
        is_hex64(get(f, "sha256"));
        json_object *sz = get(f, "size");
        CHECK(json_object_is_type(sz, json_type_int));
        CHECK(json_object_get_int64(sz) >= 0);
        CHECK(json_object_get_uint64(sz) <= JLDEPOT_JSON_SIZE_MAX);
    }
    for (size_t i = 0; i < json_object_array_length(caches); i++) {
        json_object *c = json_object_array_get_idx(caches, i), *so = NULL;
        CHECK(json_object_is_type(c, json_type_object));
        is_str(get(c, "package"), 1);
        is_hex64(get(c, "key"));
        is_str(get(c, "ji"), 1);
        CHECK(json_object_is_type(get(c, "key_input"), json_type_object));
        if (json_object_object_get_ex(c, "so", &so))
            is_str(so, 1);
    }
}

static void sizes(const uint8_t *data, size_t size)
{
    if (size > 40)
        return;
    char s[41];
    memcpy(s, data, size);
    s[size] = '\0';
    uint64_t v = 12345;
    int err = jldepot_parse_bytes(s, &v);
    CHECK(err == JL_DEPOT_E_OK || err == JL_DEPOT_E_BAD_SIZE);
    size_t nd = strspn(s, "0123456789"), n = strlen(s);
    int shape = nd > 0 && (n == nd || (n == nd + 1 && strchr("KkMG", s[nd])));
    if (!shape) {
        CHECK(err == JL_DEPOT_E_BAD_SIZE && v == 12345);
        return;
    }
    // the value, in 128 bits
    unsigned __int128 x = 0;
    for (size_t i = 0; i < nd && x <= UINT64_MAX; i++)
        x = x * 10 + (unsigned)(s[i] - '0');
    if (n > nd)
        x <<= s[nd] == 'G' ? 30 : s[nd] == 'M' ? 20 : 10;
    if (x > UINT64_MAX)
        CHECK(err == JL_DEPOT_E_BAD_SIZE && v == 12345);
    else
        CHECK(err == JL_DEPOT_E_OK && v == (uint64_t)x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sizes(data, size);
    const char *buf = (const char *)data;
    json_object *m = NULL, *m2 = NULL;
    char *detail = NULL, *detail2 = NULL;
    int err = jldepot_manifest_parse(buf, size, &m, &detail);
    CHECK(err == JL_DEPOT_E_OK || err == JL_DEPOT_E_BUNDLE_MANIFEST || err == JL_DEPOT_E_NOMEM);
    CHECK((err == JL_DEPOT_E_OK) == (m != NULL));
    CHECK(err == JL_DEPOT_E_NOMEM || (err == JL_DEPOT_E_OK) == (detail == NULL));
    int err2 = jldepot_manifest_parse(buf, size, &m2, &detail2);
    CHECK(err2 == err);
    CHECK((detail == NULL) == (detail2 == NULL) && (!detail || !strcmp(detail, detail2)));
    if (m) {
        recheck(m);
        CHECK(memchr(buf, '\0', size) == NULL);
        // one document, then white space only
        json_tokener *tok = json_tokener_new();
        json_object *o = json_tokener_parse_ex(tok, buf, (int)size);
        CHECK(o != NULL);
        size_t end = json_tokener_get_parse_end(tok);
        for (size_t i = end; i < size; i++)
            CHECK(buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n');
        json_object_put(o);
        json_tokener_free(tok);
        CHECK(json_object_equal(m, m2));
    }
    json_object_put(m);
    json_object_put(m2);
    free(detail);
    free(detail2);
    return 0;
}
