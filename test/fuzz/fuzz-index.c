// This file is a part of the jldepot project. License is MIT.

/*
  fuzz-index.c: libFuzzer target of the index.json parser and of the choice
  of a bundle in it (cli/jldepot_parse.h): jldepot_index_parse, then
  jldepot_index_pick by every package's UUID and name, with and without a
  key prefix and a Julia version, jldepot_index_bundle_url, and
  jldepot_printable on the raw bytes.  Aborts when a property breaks:
    - the parser answers OK, INDEX_MALFORMED or NOMEM, a document exactly
      on OK, a detail on every refusal, the same twice;
    - a pick answers OK or INDEX_NO_BUNDLE (never INDEX_MALFORMED: the
      index was checked); on OK its file is a plain file name (no '/', '\',
      '?', '#', '%', space, control character, not starting with '.'), its
      size from 1 to 2^53-1, its key and SHA-256 64 lower-case hex digits,
      its key a key of the package's bundles, and the bundle URL the index
      URL's directory followed by the file name;
    - a pick by UUID of a package with exactly one bundle succeeds;
    - jldepot_printable gives printable ASCII only, of the promised length.
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

static const char index_url[] = "http://127.0.0.1:8080/dir/index.json?t=a/b";
static const char url_dir[] = "http://127.0.0.1:8080/dir/";

static void hex64(const char *s)
{
    CHECK(strlen(s) == 64);
    for (int i = 0; i < 64; i++)
        CHECK((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
}

static void pick(json_object *idx, json_object *bundles, const char *pkg, const char *key,
                 const char *jv)
{
    jldepot_index_choice_t ch;
    char *detail = NULL;
    int err = jldepot_index_pick(idx, pkg, key, jv, &ch, &detail);
    CHECK(err == JL_DEPOT_E_OK || err == JL_DEPOT_E_INDEX_NO_BUNDLE || err == JL_DEPOT_E_NOMEM);
    if (err == JL_DEPOT_E_INDEX_NO_BUNDLE)
        CHECK(detail != NULL && ch.file == NULL);
    if (err)
        goto out;
    CHECK(detail == NULL);
    const char *f = ch.file;
    CHECK(f[0] && f[0] != '.' && strlen(f) <= 255);
    for (const unsigned char *p = (const unsigned char *)f; *p; p++)
        CHECK(*p > ' ' && *p != 0x7f && !strchr("/\\?#%", *p));
    CHECK(ch.size >= 1 && ch.size <= JLDEPOT_JSON_SIZE_MAX);
    hex64(ch.sha256);
    hex64(ch.key);
    CHECK(!key || !strncmp(ch.key, key, strlen(key)));
    json_object *b = NULL;
    if (bundles)
        CHECK(json_object_object_get_ex(bundles, ch.key, &b));
    char *url = NULL;
    CHECK(jldepot_index_bundle_url(index_url, f, &url) == JL_DEPOT_E_OK);
    CHECK(!strncmp(url, url_dir, strlen(url_dir)) && !strcmp(url + strlen(url_dir), f));
    free(url);
    free(ch.file);
out:
    free(detail);
}

static void printable(const uint8_t *data, size_t size)
{
    size_t max = size % 50;
    char *p = jldepot_printable((const char *)data, size, max);
    CHECK(p != NULL);
    size_t n = strlen(p);
    CHECK(n <= max + 3);
    for (size_t i = 0; i < n; i++)
        CHECK(p[i] >= 0x20 && p[i] < 0x7f);
    CHECK(n == 0 || (p[0] != ' ' && p[n - 1] != ' '));
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    printable(data, size);
    const char *buf = (const char *)data;
    json_object *idx = NULL, *idx2 = NULL;
    char *detail = NULL, *detail2 = NULL;
    int err = jldepot_index_parse(buf, size, &idx, &detail);
    CHECK(err == JL_DEPOT_E_OK || err == JL_DEPOT_E_INDEX_MALFORMED || err == JL_DEPOT_E_NOMEM);
    CHECK((err == JL_DEPOT_E_OK) == (idx != NULL));
    CHECK(err == JL_DEPOT_E_NOMEM || (err == JL_DEPOT_E_OK) == (detail == NULL));
    int err2 = jldepot_index_parse(buf, size, &idx2, &detail2);
    CHECK(err2 == err && (!detail || !strcmp(detail, detail2)));
    if (idx) {
        CHECK(memchr(buf, '\0', size) == NULL);
        json_object *pkgs = NULL;
        CHECK(json_object_object_get_ex(idx, "packages", &pkgs));
        json_object_object_foreach(pkgs, uuid, p)
        {
            json_object *name = NULL, *bundles = NULL;
            CHECK(json_object_object_get_ex(p, "name", &name));
            CHECK(json_object_object_get_ex(p, "bundles", &bundles));
            pick(idx, bundles, uuid, NULL, NULL);
            pick(idx, NULL, json_object_get_string(name), NULL, NULL);
            pick(idx, bundles, uuid, "a", NULL);
            pick(idx, bundles, uuid, NULL, "1.11.0");
            if (json_object_object_length(bundles) == 1) {
                jldepot_index_choice_t ch;
                CHECK(jldepot_index_pick(idx, uuid, NULL, NULL, &ch, NULL) == JL_DEPOT_E_OK);
                free(ch.file);
            }
            json_object_object_foreach(bundles, key, b)
            {
                (void)b;
                pick(idx, bundles, uuid, key, NULL);
            }
        }
        pick(idx, NULL, "", NULL, NULL);
    }
    json_object_put(idx);
    json_object_put(idx2);
    free(detail);
    free(detail2);
    return 0;
}
