// This file is a part of the jldepot project. License is MIT.

/*
  fuzz-cachefile.c: libFuzzer target of the cache-file codec.  Parses the
  input as a `.ji` (and as an image blob); when it parses, runs the integrity
  checks, writes it back (which must reproduce the input byte for byte, and
  reparse with the same fields), and rewrites its names through a mapper
  (which must reparse, with the data and build ids unchanged).
*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachefile.h"

#define CHECK(c) \
    do { \
        if (!(c)) { \
            fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__); \
            abort(); \
        } \
    } while (0)

static int str_same(jl_cache_str_t a, jl_cache_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void same_fields(const jl_cachefile_t *a, const jl_cachefile_t *b)
{
    CHECK(a->layout == b->layout && a->prefs_form == b->prefs_form);
    CHECK(a->checksum == b->checksum && a->flags == b->flags);
    CHECK(a->nworklist == b->nworklist && a->ndeps == b->ndeps && a->nreqmods == b->nreqmods);
    CHECK(a->nsrctext == b->nsrctext && a->clone_len == b->clone_len);
    for (size_t i = 0; i < a->nworklist; i++)
        CHECK(str_same(a->worklist[i].name, b->worklist[i].name) &&
              a->worklist[i].build_id_lo == b->worklist[i].build_id_lo);
    for (size_t i = 0; i < a->ndeps; i++)
        CHECK(a->deps[i].kind == b->deps[i].kind && a->deps[i].hash == b->deps[i].hash &&
              a->deps[i].provides == b->deps[i].provides &&
              a->deps[i].modpath_count == b->deps[i].modpath_count);
    for (size_t i = 0; i < a->nreqmods; i++)
        CHECK(str_same(a->reqmods[i].name, b->reqmods[i].name) &&
              a->reqmods[i].build_id.hi == b->reqmods[i].build_id.hi &&
              a->reqmods[i].build_id.lo == b->reqmods[i].build_id.lo);
    for (size_t i = 0; i < a->nsrctext; i++)
        CHECK(a->srctext[i].len == b->srctext[i].len);
    CHECK(a->data_len == b->data_len);
    if (a->data_len)
        CHECK(memcmp(a->data, b->data, a->data_len) == 0);
}

static int add_prefix(void *ctx, const char *name, size_t len, char **out, size_t *outlen)
{
    (void)ctx;
    *outlen = len + 3;
    *out = malloc(*outlen);
    if (!*out)
        return JL_DEPOT_E_NOMEM;
    memcpy(*out, "/x/", 3);
    memcpy(*out + 3, name, len);
    return JL_DEPOT_E_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jl_cache_blob_t blob;
    if (jl_cache_blob_parse(data, size, -1, &blob) == JL_DEPOT_E_OK)
        jl_cache_blob_free(&blob);

    jl_cachefile_t *cf = NULL;
    int err = jl_cachefile_parse(data, size, 0, &cf);
    if (err) {
        CHECK(cf == NULL);
        return 0;
    }
    jl_cache_check_t chk;
    (void)jl_cachefile_check(cf, NULL, JL_CACHEFILE_CHECK_NO_SO, &chk);
    CHECK(chk.crc_ji_ok >= 0);

    uint8_t *out = NULL;
    size_t outlen = 0;
    CHECK(jl_cachefile_write(cf, 0, &out, &outlen) == JL_DEPOT_E_OK);
    // the trailer's crc_ji is recomputed; everything else is reproduced
    CHECK(outlen == size);
    CHECK(memcmp(out, data, size - 4) == 0);
    jl_cachefile_t *re = NULL;
    CHECK(jl_cachefile_parse(out, outlen, 0, &re) == JL_DEPOT_E_OK);
    same_fields(cf, re);
    jl_cachefile_free(re);
    free(out);

    err = jl_cachefile_rewrite_names(cf, add_prefix, NULL, &out, &outlen);
    CHECK(err == JL_DEPOT_E_OK);
    // longer names may make a different candidate layout land: reparse in
    // the layout found first
    CHECK(jl_cachefile_parse(out, outlen, JL_CACHEFILE_LAYOUT(cf->layout), &re) == JL_DEPOT_E_OK);
    same_fields(cf, re);
    for (size_t i = 0; i < cf->ndeps; i++)
        if (cf->deps[i].kind != JL_CACHE_DEP_REQUIRE)
            CHECK(re->deps[i].path.len == cf->deps[i].path.len + 3);
    jl_cache_check_t chk2;
    CHECK(jl_cachefile_check(re, NULL, JL_CACHEFILE_CHECK_NO_SO, &chk2) == JL_DEPOT_E_OK ||
          chk2.data_crc_ok == 0);
    jl_cachefile_free(re);
    free(out);
    jl_cachefile_free(cf);
    return 0;
}
