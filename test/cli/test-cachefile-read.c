// This file is a part of the jldepot project. License is MIT.

/*
  test-cachefile-read.c: the reader against the real Julia 1.11 cache files
  (every field equals what Julia's own parse_cache_header printed, see
  test/fixtures/julia-1.11/logs/parse_cache_header_depotA.txt), the recorded
  sizes and CRC-32C against the package sources, header-only reads, and layout
  detection on generated files of every layout.
*/

#include "test-cachefile-util.h"

static jl_cachefile_t *read_real(const char *rel)
{
    char *p = fixture_path(rel);
    jl_cachefile_t *cf = NULL;
    assert_int_equal(jl_cachefile_read(p, 0, &cf), JL_DEPOT_E_OK);
    free(p);
    return cf;
}

#include "julia111_sysmods.h"

static void check_sysmods(const jl_cachefile_t *cf)
{
    assert_true(cf->nreqmods >= 12);
    for (size_t i = 0; i < 12; i++) {
        const jl_cache_reqmod_t *m = &cf->reqmods[i];
        assert_true(str_is(m->name, julia111_sysmods[i].name));
        char u[37];
        jl_cache_uuid_format(m->uuid, u);
        assert_string_equal(u, julia111_sysmods[i].uuid ? julia111_sysmods[i].uuid
                                                        : "00000000-0000-0000-0000-000000000000");
        assert_true(m->build_id.hi == julia111_sysmods[i].hi);
        assert_true(m->build_id.lo == julia111_sysmods[i].lo);
    }
}

static void check_dep(const jl_cache_dep_t *d, int kind, const char *path, uint64_t fsize,
                      uint32_t hash, double mtime, int provides)
{
    assert_int_equal(d->kind, kind);
    assert_true(str_is(d->path, path));
    assert_true(d->fsize == fsize);
    assert_int_equal(d->hash, hash);
    assert_true(d->mtime == mtime);
    assert_int_equal(d->provides, provides);
    assert_int_equal(d->modpath_count, 0);
}

static void test_real_relocbar(void **state)
{
    (void)state;
    jl_cachefile_t *cf = read_real(real_fixtures[1]);
    assert_int_equal(cf->file_size, 1477);
    assert_int_equal(cf->layout, JL_CACHE_LAYOUT_R12);
    assert_int_equal(cf->detected_by, JL_CACHE_DETECT_TRIAL); // 1.11.0-DEV is ambiguous
    assert_int_equal(cf->prefs_form, JL_CACHE_PREFS_HASH);
    assert_int_equal(cf->format_version, 12);
    assert_int_equal(cf->pointer_size, 8);
    assert_true(str_is(cf->build_os, "Linux"));
    assert_true(str_is(cf->build_arch, "x86_64"));
    assert_true(str_is(cf->julia_version, "1.11.0-DEV"));
    assert_true(str_is(cf->git_branch, "") && str_is(cf->git_commit, ""));
    assert_int_equal(cf->pkgimage, 0);
    assert_int_equal(cf->flags, 163);
    jl_cache_flags_t f = jl_cache_flags_decode(cf->flags);
    assert_int_equal(f.use_pkgimages, 1);
    assert_int_equal(f.debug_level, 1);
    assert_int_equal(f.check_bounds, 0);
    assert_int_equal(f.inline_, 1);
    assert_int_equal(f.opt_level, 2);
    assert_false(cf->has_syntax);
    // modules: RelocBar => 0x000003ee0c758550
    assert_int_equal(cf->nworklist, 1);
    assert_true(str_is(cf->worklist[0].name, "RelocBar"));
    char u[37];
    jl_cache_uuid_format(cf->worklist[0].uuid, u);
    assert_string_equal(u, "a7e2f9d0-3c4b-4e8a-8f10-2b3c4d5e6f72");
    assert_true(cf->worklist[0].build_id_lo == 0x000003ee0c758550ULL);
    assert_true(cf->checksum >> 32 == 0xfafbfcfdu);
    assert_true(jl_cachefile_build_id(cf).hi == cf->checksum);
    assert_true(cf->datastartpos == 0 && cf->dataendpos == 0); // split
    assert_int_equal(cf->srctextpos, 1100);
    assert_int_equal(cf->prefs_hash, 0);
    assert_int_equal(cf->npref_names, 0);
    // S lands on srctextpos
    assert_int_equal(cf->depblock_pos + cf->depblock_size, cf->srctextpos_pos);
    assert_int_equal(cf->ndeps, 4);
    check_dep(&cf->deps[0], JL_CACHE_DEP_INCLUDE, "@depot/packages/RelocBar/src/RelocBar.jl", 216,
              0x3b8ab3cb, -1.0, 0);
    assert_int_equal(cf->deps[1].kind, JL_CACHE_DEP_REQUIRE);
    assert_true(str_is(cf->deps[1].req_name, "RelocFoo"));
    jl_cache_uuid_format(cf->deps[1].req_uuid, u);
    assert_string_equal(u, "6d3b1c2a-1f0e-4b7a-9c41-0a1b2c3d4e51");
    assert_int_equal(cf->deps[1].path.len, 17 + 8);
    assert_int_equal(cf->deps[1].provides, 1);
    assert_true(cf->deps[1].mtime == 0.0 && cf->deps[1].fsize == 0 && cf->deps[1].hash == 0);
    check_dep(&cf->deps[2], JL_CACHE_DEP_INCLUDE, "@depot/packages/RelocBar/src/helpers.jl", 46,
              0xd2e1ec54, -1.0, 1);
    check_dep(&cf->deps[3], JL_CACHE_DEP_INCLUDE_DEPENDENCY,
              "@depot/packages/RelocBar/src/bar_data.txt", 9, 0xdde0bdf9, -1.0, 0);
    // 13 required modules, RelocFoo's build id last
    assert_int_equal(cf->nreqmods, 13);
    check_sysmods(cf);
    assert_true(str_is(cf->reqmods[12].name, "RelocFoo"));
    assert_true(cf->reqmods[12].build_id.hi == 0xfafbfcfd6ad58585ULL);
    assert_true(cf->reqmods[12].build_id.lo == 0x000003ee39528f3eULL);
    // 114 clone-target bytes: one znver4 target, 11 feature words
    assert_int_equal(cf->clone_len, 114);
    assert_int_equal(cf->ntargets, 1);
    assert_int_equal(cf->target_word_size, 4);
    assert_true(str_is(cf->targets[0].name, "znver4"));
    assert_int_equal(cf->targets[0].nwords, 11);
    // source text: the two include()d files, with their exact bytes
    assert_int_equal(cf->nsrctext, 2);
    assert_true(str_is(cf->srctext[0].name, "@depot/packages/RelocBar/src/RelocBar.jl"));
    assert_int_equal(cf->srctext[0].len, 216);
    assert_memory_equal(cf->srctext[0].text, "module RelocBar\n", 16);
    assert_true(str_is(cf->srctext[1].name, "@depot/packages/RelocBar/src/helpers.jl"));
    assert_int_equal(cf->srctext_end + 8, cf->file_size);
    // the trailer
    assert_int_equal(cf->crc_ji, jl_crc32c(0, (const char *)cf->buf, cf->file_size - 4));
    assert_int_equal(cf->crc_ji, rd32(cf->buf + cf->file_size - 4));
    assert_int_equal(cf->crc_so, rd32(cf->buf + cf->file_size - 8));
    jl_cachefile_free(cf);
}

static void test_real_relocfoo_baz(void **state)
{
    (void)state;
    jl_cachefile_t *cf = read_real(real_fixtures[0]);
    assert_int_equal(cf->file_size, 1432);
    assert_true(cf->worklist[0].build_id_lo == 0x000003ee39528f3eULL);
    assert_int_equal(cf->srctextpos, 992);
    assert_int_equal(cf->ndeps, 3);
    check_dep(&cf->deps[0], JL_CACHE_DEP_INCLUDE, "@depot/packages/RelocFoo/src/RelocFoo.jl", 189,
              0x2386749a, -1.0, 0);
    check_dep(&cf->deps[1], JL_CACHE_DEP_INCLUDE, "@depot/packages/RelocFoo/src/impl.jl", 139,
              0xc1888b9c, -1.0, 1);
    // mtime-tracked include_dependency (1.11's default): fsize 0, hash 0
    check_dep(&cf->deps[2], JL_CACHE_DEP_INCLUDE_DEPENDENCY,
              "@depot/packages/RelocFoo/src/data.txt", 0, 0, 1.7955697643420377e9, 0);
    assert_int_equal(cf->nreqmods, 12);
    check_sysmods(cf);
    assert_int_equal(cf->clone_len, 114);
    // RelocBar requires exactly this build id
    jl_cachefile_t *bar = read_real(real_fixtures[1]);
    jl_cache_u128_t id = jl_cachefile_build_id(cf);
    assert_true(bar->reqmods[12].build_id.hi == id.hi && bar->reqmods[12].build_id.lo == id.lo);
    jl_cachefile_free(bar);
    jl_cachefile_free(cf);

    cf = read_real(real_fixtures[2]);
    assert_int_equal(cf->file_size, 1354);
    assert_true(str_is(cf->worklist[0].name, "RelocBaz"));
    assert_true(cf->worklist[0].build_id_lo == 0x000003ee8b72ef8bULL);
    assert_int_equal(cf->srctextpos, 997);
    check_dep(&cf->deps[0], JL_CACHE_DEP_INCLUDE, "@depot/packages/RelocBaz/src/RelocBaz.jl", 226,
              0xa5a269da, -1.0, 0);
    check_dep(&cf->deps[1], JL_CACHE_DEP_INCLUDE, "@depot/packages/RelocBaz/src/inner.jl", 18,
              0x2909ebb6, -1.0, 1);
    check_dep(&cf->deps[2], JL_CACHE_DEP_INCLUDE_DEPENDENCY,
              "@depot/packages/RelocBaz/src/baz_data.txt", 12, 0xd5de0d62, -1.0, 0);
    assert_int_equal(cf->nreqmods, 12);
    check_sysmods(cf);
    jl_cachefile_free(cf);
}

// The recorded fsize and CRC-32C are those of the package sources, and the
// source text is byte-identical to them.
static void test_real_sources_match(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        jl_cachefile_t *cf = read_real(real_fixtures[i]);
        for (size_t k = 0; k < cf->ndeps; k++) {
            const jl_cache_dep_t *d = &cf->deps[k];
            if (d->kind == JL_CACHE_DEP_REQUIRE || d->mtime != -1.0)
                continue;
            assert_true(d->path.len > 7 && !memcmp(d->path.ptr, "@depot/", 7));
            char *rel =
                jl_test_fmt("julia-1.11/depotA/%.*s", (int)d->path.len - 7, d->path.ptr + 7);
            size_t len;
            uint8_t *src = read_fixture(rel, &len);
            assert_int_equal(len, d->fsize);
            assert_int_equal(jl_crc32c(0, (const char *)src, len), d->hash);
            for (size_t s = 0; s < cf->nsrctext; s++)
                if (cf->srctext[s].name.len == d->path.len &&
                    !memcmp(cf->srctext[s].name.ptr, d->path.ptr, d->path.len)) {
                    assert_int_equal(cf->srctext[s].len, len);
                    assert_memory_equal(cf->srctext[s].text, src, len);
                }
            free(src);
            free(rel);
        }
        jl_cachefile_free(cf);
    }
}

static void same_header(const jl_cachefile_t *a, const jl_cachefile_t *b)
{
    assert_int_equal(a->layout, b->layout);
    assert_int_equal(a->file_size, b->file_size);
    assert_true(a->checksum == b->checksum);
    assert_int_equal(a->ndeps, b->ndeps);
    for (size_t i = 0; i < a->ndeps; i++) {
        assert_int_equal(a->deps[i].path.len, b->deps[i].path.len);
        assert_memory_equal(a->deps[i].path.ptr, b->deps[i].path.ptr, a->deps[i].path.len);
        assert_int_equal(a->deps[i].kind, b->deps[i].kind);
        assert_int_equal(a->deps[i].hash, b->deps[i].hash);
    }
    assert_int_equal(a->nreqmods, b->nreqmods);
    assert_int_equal(a->nsrctext, b->nsrctext);
    for (size_t i = 0; i < a->nsrctext; i++) {
        assert_int_equal(a->srctext[i].name.len, b->srctext[i].name.len);
        assert_memory_equal(a->srctext[i].name.ptr, b->srctext[i].name.ptr, a->srctext[i].name.len);
        assert_int_equal(a->srctext[i].offset, b->srctext[i].offset);
        assert_int_equal(a->srctext[i].len, b->srctext[i].len);
    }
    assert_int_equal(a->srctextpos, b->srctextpos);
    assert_int_equal(a->crc_so, b->crc_so);
    assert_int_equal(a->crc_ji, b->crc_ji);
}

static void test_header_only_read(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREAL; i++) {
        char *p = fixture_path(real_fixtures[i]);
        jl_cachefile_t *w, *h;
        assert_int_equal(jl_cachefile_read(p, 0, &w), JL_DEPOT_E_OK);
        assert_int_equal(jl_cachefile_read_header(p, 0, &h), JL_DEPOT_E_OK);
        assert_true(h->header_only);
        same_header(w, h);
        assert_null(h->srctext[0].text);
        // crc_ji is checked by streaming the file
        jl_cache_check_t r;
        assert_int_equal(jl_cachefile_check(h, p, JL_CACHEFILE_CHECK_NO_SO, &r), JL_DEPOT_E_OK);
        assert_int_equal(r.crc_ji_ok, 1);
        jl_cachefile_free(w);
        jl_cachefile_free(h);
        free(p);
    }
    // A non-split file with a large data section: the header-only read does
    // not keep the data and parses the same fields.
    char *d = copy_depot("sample-depot", "cfread");
    char *ji = run_mkcache(d, "", "Stats");
    assert_non_null(ji);
    size_t len;
    uint8_t *b = jl_test_read_file(ji, &len);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(b, len, 0, &cf), JL_DEPOT_E_OK);
    uint8_t *big = malloc(4 << 20);
    for (size_t i = 0; i < (4u << 20); i++)
        big[i] = (uint8_t)(i * 7);
    cf->data = big;
    cf->data_len = 4 << 20;
    cf->checksum = (uint64_t)0xFAFBFCFD << 32 | jl_crc32c(0, (const char *)big, 4 << 20);
    uint8_t *out;
    size_t outlen;
    assert_int_equal(jl_cachefile_write(cf, 0, &out, &outlen), JL_DEPOT_E_OK);
    jl_test_write_file(ji, out, outlen);
    jl_cachefile_t *h, *w;
    assert_int_equal(jl_cachefile_read_header(ji, 0, &h), JL_DEPOT_E_OK);
    assert_int_equal(jl_cachefile_read(ji, 0, &w), JL_DEPOT_E_OK);
    same_header(w, h);
    assert_true(h->len < 65536 + 1); // only the first block was read
    assert_null(h->data);
    assert_int_equal(w->data_len, 4 << 20);
    jl_cache_check_t r;
    assert_int_equal(jl_cachefile_check(h, ji, 0, &r), JL_DEPOT_E_OK);
    assert_int_equal(r.data_crc_ok, 1);
    jl_cachefile_free(h);
    jl_cachefile_free(w);
    jl_cachefile_free(cf);
    free(out);
    free(big);
    free(b);
    free(ji);
    rm_depot(d);
}

static jl_cachefile_t *gen_and_read(const char *depot, const char *opts, const char *pkg)
{
    char *ji = run_mkcache(depot, opts, pkg);
    assert_non_null(ji);
    jl_cachefile_t *cf = NULL;
    assert_int_equal(jl_cachefile_read(ji, 0, &cf), JL_DEPOT_E_OK);
    jl_cache_check_t r;
    assert_int_equal(jl_cachefile_check(cf, ji, 0, &r), JL_DEPOT_E_OK);
    free(ji);
    return cf;
}

static void test_layout_detection(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfdetect");
    jl_cachefile_t *cf;
    cf = gen_and_read(d, "--layout r12 --julia-version 1.12.5", "Stats");
    assert_int_equal(cf->layout, JL_CACHE_LAYOUT_R12);
    assert_int_equal(cf->detected_by, JL_CACHE_DETECT_VERSION_STRING);
    jl_cachefile_free(cf);
    cf = gen_and_read(d, "--layout l10 --julia-version 1.10.8", "Stats");
    assert_int_equal(cf->layout, JL_CACHE_LAYOUT_L10);
    assert_int_equal(cf->detected_by, JL_CACHE_DETECT_VERSION_STRING);
    assert_true(cf->deps[0].mtime > 0 && cf->deps[0].path.ptr[0] == '/');
    jl_cachefile_free(cf);
    // an early 1.11.0-DEV build that still wrote the 1.10 layout
    cf = gen_and_read(d, "--layout l10 --julia-version 1.11.0-DEV", "Stats");
    assert_int_equal(cf->layout, JL_CACHE_LAYOUT_L10);
    assert_int_equal(cf->detected_by, JL_CACHE_DETECT_TRIAL);
    jl_cachefile_free(cf);
    cf = gen_and_read(d, "--layout r12 --julia-version 1.11.0-DEV", "Stats");
    assert_int_equal(cf->layout, JL_CACHE_LAYOUT_R12);
    assert_int_equal(cf->detected_by, JL_CACHE_DETECT_TRIAL);
    jl_cachefile_free(cf);
    cf = gen_and_read(d, "--layout m13", "Stats");
    assert_int_equal(cf->layout, JL_CACHE_LAYOUT_M13);
    assert_int_equal(cf->detected_by, JL_CACHE_DETECT_FORMAT_VERSION);
    assert_int_equal(cf->prefs_form, JL_CACHE_PREFS_BLOB);
    assert_true(cf->has_syntax);
    assert_int_equal(cf->syntax_version, 1);
    jl_cachefile_free(cf);
    cf = gen_and_read(d, "--layout m13 --prefs-hash --pkgimage", "Stats");
    assert_int_equal(cf->layout, JL_CACHE_LAYOUT_M13);
    assert_int_equal(cf->prefs_form, JL_CACHE_PREFS_HASH);
    assert_int_equal(cf->target_word_size, 8);
    assert_true(str_is(cf->targets[0].name, "generic"));
    jl_cachefile_free(cf);
    rm_depot(d);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(jl_cache_layout_name(JL_CACHE_LAYOUT_M13), "M13");
    assert_string_equal(jl_cache_detect_name(JL_CACHE_DETECT_TRIAL), "trial_parse");
    assert_string_equal(jl_cache_dep_kind_name(JL_CACHE_DEP_INCLUDE_DEPENDENCY),
                        "include_dependency");
    char u[37];
    jl_cache_u128_t x = {0x44cfe95a1eb252eaULL, 0xb672e2afdf69b78fULL};
    jl_cache_uuid_format(x, u);
    assert_string_equal(u, "44cfe95a-1eb2-52ea-b672-e2afdf69b78f");
    char *so = jl_cachefile_so_path("/d/compiled/v1.11/A/x_y.ji");
    assert_string_equal(so, "/d/compiled/v1.11/A/x_y.so");
    free(so);
    assert_null(jl_cachefile_so_path("/d/x.txt"));
}

JL_TEST_MAIN(cmocka_unit_test(test_real_relocbar), cmocka_unit_test(test_real_relocfoo_baz),
             cmocka_unit_test(test_real_sources_match), cmocka_unit_test(test_header_only_read),
             cmocka_unit_test(test_layout_detection), cmocka_unit_test(test_names))
