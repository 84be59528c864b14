// This file is a part of the jldepot project. License is MIT.

/*
  test-cachefile-write.c: the writer.  parse -> write reproduces every real
  fixture and every generated layout byte for byte; the header rewrite maps
  dependency and source-text names through one callback, keeps the checksum
  word, build ids and data, recomputes S, srctextpos, data offsets, padding
  and crc_ji, and rewriting back restores the original bytes.
*/

#include "test-cachefile-util.h"

static void roundtrip_bytes(const uint8_t *b, size_t len)
{
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(b, len, 0, &cf), JL_DEPOT_E_OK);
    uint8_t *out;
    size_t outlen;
    assert_int_equal(jl_cachefile_write(cf, 0, &out, &outlen), JL_DEPOT_E_OK);
    assert_int_equal(outlen, len);
    assert_memory_equal(out, b, len);
    free(out);
    jl_cachefile_free(cf);
}

static void test_roundtrip_real(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREAL; i++) {
        size_t len;
        uint8_t *b = read_fixture(real_fixtures[i], &len);
        roundtrip_bytes(b, len);
        free(b);
    }
}

static const char *const gen_opts[] = {
    "",
    "--pkgimage",
    "--layout m13",
    "--layout m13 --pkgimage",
    "--layout m13 --prefs-hash",
    "--layout l10",
    "--mtime-deps --julia-version 1.12.0",
};

static void test_roundtrip_generated(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfwrite");
    for (size_t i = 0; i < sizeof(gen_opts) / sizeof(gen_opts[0]); i++) {
        const char *pkgs[] = {"Greeter", "Stats", "Shapes"};
        for (size_t k = 0; k < 3; k++) {
            char *ji = run_mkcache(d, gen_opts[i], pkgs[k]);
            assert_non_null(ji);
            size_t len;
            uint8_t *b = jl_test_read_file(ji, &len);
            roundtrip_bytes(b, len);
            free(b);
            free(ji);
        }
    }
    rm_depot(d);
}

typedef struct {
    const char *from, *to;
    int calls;
} prefix_map_t;

static int map_prefix(void *ctx, const char *name, size_t len, char **out, size_t *outlen)
{
    prefix_map_t *m = ctx;
    m->calls++;
    size_t fl = strlen(m->from), tl = strlen(m->to);
    if (len < fl || memcmp(name, m->from, fl))
        return JL_DEPOT_E_OK;
    *outlen = tl + len - fl;
    *out = malloc(*outlen);
    memcpy(*out, m->to, tl);
    memcpy(*out + tl, name + fl, len - fl);
    return JL_DEPOT_E_OK;
}

static void check_rewritten(const jl_cachefile_t *a, const jl_cachefile_t *b, const char *from,
                            const char *to)
{
    // unchanged: checksum word, build ids, flags, required modules, clone targets, data
    assert_true(a->checksum == b->checksum);
    assert_true(a->worklist[0].build_id_lo == b->worklist[0].build_id_lo);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->nreqmods, b->nreqmods);
    for (size_t i = 0; i < a->nreqmods; i++)
        assert_true(a->reqmods[i].build_id.lo == b->reqmods[i].build_id.lo &&
                    a->reqmods[i].build_id.hi == b->reqmods[i].build_id.hi);
    assert_int_equal(a->clone_len, b->clone_len);
    assert_memory_equal(a->clone_targets, b->clone_targets, a->clone_len);
    assert_int_equal(a->data_len, b->data_len);
    if (a->data_len)
        assert_memory_equal(a->data, b->data, a->data_len);
    assert_int_equal(a->crc_so, b->crc_so);
    // changed: every name, in the same form in both lists
    assert_int_equal(a->ndeps, b->ndeps);
    size_t fl = strlen(from), tl = strlen(to);
    for (size_t i = 0; i < a->ndeps; i++) {
        const jl_cache_dep_t *x = &a->deps[i], *y = &b->deps[i];
        assert_int_equal(x->kind, y->kind); // include stays include (same form in both lists)
        if (x->kind == JL_CACHE_DEP_REQUIRE) {
            assert_int_equal(x->path.len, y->path.len);
            assert_memory_equal(x->path.ptr, y->path.ptr, x->path.len);
            continue;
        }
        assert_true(x->path.len >= fl && !memcmp(x->path.ptr, from, fl));
        assert_int_equal(y->path.len, x->path.len - fl + tl);
        assert_memory_equal(y->path.ptr, to, tl);
        assert_memory_equal(y->path.ptr + tl, x->path.ptr + fl, x->path.len - fl);
        assert_true(x->fsize == y->fsize && x->hash == y->hash && x->mtime == y->mtime);
    }
    assert_int_equal(a->nsrctext, b->nsrctext);
    for (size_t i = 0; i < a->nsrctext; i++) {
        assert_int_equal(b->srctext[i].name.len, a->srctext[i].name.len - fl + tl);
        assert_int_equal(a->srctext[i].len, b->srctext[i].len);
        assert_memory_equal(a->srctext[i].text, b->srctext[i].text, a->srctext[i].len);
    }
    // S and srctextpos follow the new sizes
    assert_int_equal(b->depblock_pos + b->depblock_size, b->srctextpos_pos);
    assert_int_equal(b->crc_ji, jl_crc32c(0, (const char *)b->buf, b->file_size - 4));
}

static void rewrite_and_back(const uint8_t *b, size_t len, const char *from, const char *to)
{
    jl_cachefile_t *a;
    assert_int_equal(jl_cachefile_parse(b, len, 0, &a), JL_DEPOT_E_OK);
    prefix_map_t m = {from, to, 0};
    uint8_t *out;
    size_t outlen;
    assert_int_equal(jl_cachefile_rewrite_names(a, map_prefix, &m, &out, &outlen), JL_DEPOT_E_OK);
    // one call per distinct name (include names appear in both lists)
    size_t distinct = 0;
    for (size_t i = 0; i < a->ndeps; i++)
        distinct += a->deps[i].kind != JL_CACHE_DEP_REQUIRE;
    assert_int_equal(m.calls, (int)distinct);
    jl_cachefile_t *r;
    assert_int_equal(jl_cachefile_parse(out, outlen, 0, &r), JL_DEPOT_E_OK);
    check_rewritten(a, r, from, to);
    // srctextpos shifts by the growth of the header (split) or sits at the
    // end of the moved data section (non-split)
    if (r->clone_len)
        assert_int_equal((int64_t)r->srctextpos - (int64_t)a->srctextpos,
                         (int64_t)r->header_end - (int64_t)a->header_end);
    else
        assert_int_equal(r->srctextpos, r->dataendpos);
    jl_cache_check_t ck;
    assert_int_equal(jl_cachefile_check(r, NULL, JL_CACHEFILE_CHECK_NO_SO, &ck), JL_DEPOT_E_OK);
    if (!r->clone_len) {
        assert_int_equal(r->datastartpos % 64, 0);
        assert_int_equal(ck.data_crc_ok, 1);
    }
    // and back: the original bytes
    prefix_map_t back = {to, from, 0};
    uint8_t *out2;
    size_t outlen2;
    assert_int_equal(jl_cachefile_rewrite_names(r, map_prefix, &back, &out2, &outlen2),
                     JL_DEPOT_E_OK);
    assert_int_equal(outlen2, len);
    assert_memory_equal(out2, b, len);
    free(out2);
    jl_cachefile_free(r);
    free(out);
    jl_cachefile_free(a);
}

static void test_rewrite_real(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREAL; i++) {
        size_t len;
        uint8_t *b = read_fixture(real_fixtures[i], &len);
        rewrite_and_back(b, len, "@depot/", "/a/much/longer/absolute/depot/location/");
        rewrite_and_back(b, len, "@depot/packages/", "/p/");
        free(b);
    }
}

static void test_rewrite_generated(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfrewrite");
    const char *opts[] = {"", "--layout m13", "--layout m13 --pkgimage", "--pkgimage"};
    for (size_t i = 0; i < 4; i++) {
        char *ji = run_mkcache(d, opts[i], "Greeter");
        assert_non_null(ji);
        size_t len;
        uint8_t *b = jl_test_read_file(ji, &len);
        // lengths that move the data section across alignment boundaries
        for (int k = 1; k < 70; k += 13) {
            char *to = jl_test_fmt("/%.*s/", k,
                                   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            rewrite_and_back(b, len, "@depot/", to);
            free(to);
        }
        free(b);
        free(ji);
    }
    // L10: absolute paths
    char *ji = run_mkcache(d, "--layout l10", "Stats");
    size_t len;
    uint8_t *b = jl_test_read_file(ji, &len);
    rewrite_and_back(b, len, d, "/relocated/depot");
    free(b);
    free(ji);
    rm_depot(d);
}

static int map_fail(void *ctx, const char *name, size_t len, char **out, size_t *outlen)
{
    (void)name;
    (void)len;
    (void)out;
    (void)outlen;
    return ++*(int *)ctx == 2 ? JL_DEPOT_E_NOT_RELOCATABLE : JL_DEPOT_E_OK;
}

static int map_empty(void *ctx, const char *name, size_t len, char **out, size_t *outlen)
{
    (void)ctx;
    (void)name;
    (void)len;
    *out = malloc(1);
    *outlen = 0;
    return JL_DEPOT_E_OK;
}

static void test_rewrite_errors(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = read_fixture(real_fixtures[1], &len);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(b, len, 0, &cf), JL_DEPOT_E_OK);
    uint8_t *out = (uint8_t *)1;
    size_t outlen = 1;
    int n = 0;
    assert_int_equal(jl_cachefile_rewrite_names(cf, map_fail, &n, &out, &outlen),
                     JL_DEPOT_E_NOT_RELOCATABLE);
    assert_null(out);
    assert_int_equal(outlen, 0);
    assert_int_equal(jl_cachefile_rewrite_names(cf, map_empty, NULL, &out, &outlen),
                     JL_DEPOT_E_EMPTY_PATH);
    assert_null(out);
    jl_cachefile_free(cf);
    // a header-only read cannot be written
    char *p = fixture_path(real_fixtures[1]);
    assert_int_equal(jl_cachefile_read_header(p, 0, &cf), JL_DEPOT_E_OK);
    assert_int_equal(jl_cachefile_write(cf, 0, &out, &outlen), JL_DEPOT_E_NOT_WHOLE_FILE);
    assert_null(out);
    jl_cachefile_free(cf);
    free(p);
    free(b);
}

// The alignment is a parameter: 128 (Apple silicon, PPC64) moves the data.
static void test_alignment_parameter(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfalign");
    char *ji = run_mkcache(d, "", "Stats");
    size_t len;
    uint8_t *b = jl_test_read_file(ji, &len);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(b, len, 0, &cf), JL_DEPOT_E_OK);
    assert_int_equal(cf->data_align, 64);
    assert_int_equal(cf->datastartpos % 64, 0);
    for (unsigned a = 128; a <= 1024; a *= 2) {
        uint8_t *out;
        size_t outlen;
        assert_int_equal(jl_cachefile_write(cf, a, &out, &outlen), JL_DEPOT_E_OK);
        jl_cachefile_t *r;
        assert_int_equal(jl_cachefile_parse(out, outlen, 0, &r), JL_DEPOT_E_OK);
        assert_int_equal(r->datastartpos % a, 0);
        assert_true(r->datastartpos - r->header_end < a);
        assert_memory_equal(r->data, cf->data, cf->data_len);
        jl_cachefile_free(r);
        free(out);
    }
    uint8_t *out;
    size_t outlen;
    assert_int_equal(jl_cachefile_write(cf, 48, &out, &outlen), JL_DEPOT_E_INVALID_ARGUMENT);
    jl_cachefile_free(cf);
    free(b);
    free(ji);
    rm_depot(d);
}

JL_TEST_MAIN(cmocka_unit_test(test_roundtrip_real), cmocka_unit_test(test_roundtrip_generated),
             cmocka_unit_test(test_rewrite_real), cmocka_unit_test(test_rewrite_generated),
             cmocka_unit_test(test_rewrite_errors), cmocka_unit_test(test_alignment_parameter))
