// This file is a part of the jldepot project. License is MIT.

/*
  test-cacherelocate.c: relocating cache files in place (cacherelocate.h) on
  real-format caches the test-only generator writes into a scratch copy of
  the sample depot, made absolute the way an unpatched Julia 1.10, or a cache
  written outside DEPOT_PATH, records them (through the codec's own rewrite),
  and on the real Julia 1.11 caches: every name tokenized, the two name lists
  in the same form, everything else byte-identical, idempotence, L10 and M13,
  refusals that leave the file alone, and the temporary-file clean-up.
*/

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test-cachefile-util.h"
#include "cacherelocate.h"
#include "depotpath.h"
#include "jldepot_model.h"

// ---- shared steps -------------------------------------------------------------------------

typedef struct {
    const char *from, *to; // prefix substitution
    const char *only;      // when set: only names ending in this suffix
    const char *repl;      // ... and they become this name
} subst_t;

static int subst_mapper(void *ctx, const char *name, size_t len, char **nn, size_t *nl)
{
    const subst_t *s = (const subst_t *)ctx;
    if (s->only) {
        size_t ol = strlen(s->only);
        if (len >= ol && memcmp(name + len - ol, s->only, ol) == 0) {
            *nn = strdup(s->repl);
            *nl = strlen(s->repl);
        }
        return JL_DEPOT_E_OK;
    }
    size_t fl = strlen(s->from), tl = strlen(s->to);
    if (len >= fl && memcmp(name, s->from, fl) == 0) {
        *nn = malloc(tl + len - fl + 1);
        memcpy(*nn, s->to, tl);
        memcpy(*nn + tl, name + fl, len - fl);
        (*nn)[tl + len - fl] = 0;
        *nl = tl + len - fl;
    }
    return JL_DEPOT_E_OK;
}

// Rewrite the names of a cache file with the codec (header only).
static void rewrite_file(const char *path, subst_t *s)
{
    jl_cachefile_t *cf = NULL;
    assert_int_equal(jl_cachefile_read(path, 0, &cf), JL_DEPOT_E_OK);
    uint8_t *out = NULL;
    size_t outlen = 0;
    assert_int_equal(jl_cachefile_rewrite_names(cf, subst_mapper, s, &out, &outlen), JL_DEPOT_E_OK);
    jl_test_write_file(path, out, outlen);
    free(out);
    jl_cachefile_free(cf);
}

// What Julia 1.10 or a depot outside DEPOT_PATH records: absolute names.
static void make_absolute(const char *path, const char *depot)
{
    char *to = jl_test_fmt("%s/", depot);
    subst_t s = {"@depot/", to, NULL, NULL};
    rewrite_file(path, &s);
    free(to);
}

static jl_cachefile_t *parse_file(const char *path)
{
    jl_cachefile_t *cf = NULL;
    assert_int_equal(jl_cachefile_read(path, 0, &cf), JL_DEPOT_E_OK);
    return cf;
}

static int starts(jl_cache_str_t s, const char *p)
{
    size_t n = strlen(p);
    return s.len >= n && memcmp(s.ptr, p, n) == 0;
}

static int seq(jl_cache_str_t a, jl_cache_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

// Every field of `b` equals that of `a`, except the names (and, when
// `same_mtimes` is 0, the mtimes).
static void assert_same_but_names(const jl_cachefile_t *a, const jl_cachefile_t *b, int same_mtimes)
{
    assert_int_equal(a->layout, b->layout);
    assert_true(a->checksum == b->checksum);
    assert_true(a->crc_so == b->crc_so);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->nworklist, b->nworklist);
    for (size_t i = 0; i < a->nworklist; i++) {
        assert_true(seq(a->worklist[i].name, b->worklist[i].name));
        assert_true(a->worklist[i].uuid.hi == b->worklist[i].uuid.hi);
        assert_true(a->worklist[i].uuid.lo == b->worklist[i].uuid.lo);
        assert_true(a->worklist[i].build_id_lo == b->worklist[i].build_id_lo);
    }
    jl_cache_u128_t ia = jl_cachefile_build_id(a), ib = jl_cachefile_build_id(b);
    assert_true(ia.hi == ib.hi && ia.lo == ib.lo);
    assert_int_equal(a->nreqmods, b->nreqmods);
    for (size_t i = 0; i < a->nreqmods; i++) {
        assert_true(seq(a->reqmods[i].name, b->reqmods[i].name));
        assert_true(a->reqmods[i].build_id.hi == b->reqmods[i].build_id.hi);
        assert_true(a->reqmods[i].build_id.lo == b->reqmods[i].build_id.lo);
        assert_true(a->reqmods[i].uuid.hi == b->reqmods[i].uuid.hi);
    }
    assert_int_equal(a->data_len, b->data_len);
    if (a->data_len)
        assert_memory_equal(a->data, b->data, a->data_len);
    assert_int_equal(a->clone_len, b->clone_len);
    if (a->clone_len)
        assert_memory_equal(a->clone_targets, b->clone_targets, a->clone_len);
    assert_true(a->prefs_hash == b->prefs_hash);
    assert_true(seq(a->prefs_blob, b->prefs_blob));
    assert_int_equal(a->ndeps, b->ndeps);
    for (size_t i = 0; i < a->ndeps; i++) {
        assert_int_equal(a->deps[i].kind, b->deps[i].kind);
        assert_true(a->deps[i].fsize == b->deps[i].fsize);
        assert_true(a->deps[i].hash == b->deps[i].hash);
        assert_int_equal(a->deps[i].provides, b->deps[i].provides);
        if (same_mtimes)
            assert_true(a->deps[i].mtime == b->deps[i].mtime);
        if (a->deps[i].kind == JL_CACHE_DEP_REQUIRE)
            assert_true(seq(a->deps[i].path, b->deps[i].path));
    }
    assert_int_equal(a->nsrctext, b->nsrctext);
    for (size_t i = 0; i < a->nsrctext; i++) {
        assert_true(a->srctext[i].len == b->srctext[i].len);
        assert_memory_equal(a->srctext[i].text, b->srctext[i].text, (size_t)a->srctext[i].len);
    }
}

// Every dependency name and source-text name starts with `prefix`; the
// source-text names are exactly the include() dependency names.
static void assert_all_names(const jl_cachefile_t *cf, const char *prefix)
{
    size_t nincl = 0;
    for (size_t i = 0; i < cf->ndeps; i++) {
        if (cf->deps[i].kind == JL_CACHE_DEP_REQUIRE)
            continue;
        assert_true(starts(cf->deps[i].path, prefix));
        nincl += cf->deps[i].kind == JL_CACHE_DEP_INCLUDE;
    }
    assert_int_equal(nincl, cf->nsrctext);
    for (size_t i = 0; i < cf->nsrctext; i++) {
        assert_true(starts(cf->srctext[i].name, prefix));
        int found = 0;
        for (size_t k = 0; k < cf->ndeps; k++)
            found |= cf->deps[k].kind == JL_CACHE_DEP_INCLUDE &&
                     seq(cf->deps[k].path, cf->srctext[i].name);
        assert_true(found);
    }
}

static void crc_ok(const char *path, unsigned flags)
{
    jl_cachefile_t *cf = parse_file(path);
    jl_cache_check_t chk;
    assert_int_equal(jl_cachefile_check(cf, path, flags, &chk), JL_DEPOT_E_OK);
    assert_int_equal(chk.crc_ji_ok, 1);
    jl_cachefile_free(cf);
}

static void set_mtime(const char *path, time_t sec)
{
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static struct timespec get_mtime(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mtim;
}

// Plan and apply; returns the plan's error.
static int relocate(jl_depot_stack_t *s, const char *path, unsigned flags, size_t *nchanged,
                    int *wrote)
{
    jl_cache_reloc_t *r = NULL;
    int detail = 0;
    int err = jl_cache_relocate_plan(s, path, flags, &r, &detail);
    if (err) {
        assert_null(r);
        return err;
    }
    if (nchanged)
        *nchanged = r->nchanged;
    if (wrote)
        *wrote = r->out != NULL;
    assert_int_equal(jl_cache_relocate_apply(r), JL_DEPOT_E_OK);
    jl_cache_relocate_free(r);
    return JL_DEPOT_E_OK;
}

// An absolute-path cache of `pkg` in a fresh copy of the sample depot.
static char *abs_cache(const char *opts, const char *pkg, char **depot)
{
    *depot = copy_depot("sample-depot", "reloc");
    if (strcmp(pkg, "Shapes") == 0) {
        char *g = run_mkcache(*depot, opts, "Greeter"); // its build id is required
        assert_non_null(g);
        free(g);
    }
    char *ji = run_mkcache(*depot, opts, pkg);
    assert_non_null(ji);
    make_absolute(ji, *depot);
    return ji;
}

// ---- tests ---------------------------------------------------------------------------

static void relocate_in_place(const char *opts, const char *pkg, int layout)
{
    char *depot;
    char *ji = abs_cache(opts, pkg, &depot);
    jl_cachefile_t *before = parse_file(ji);
    assert_int_equal(before->layout, layout);
    char *abs_prefix = jl_test_fmt("%s/", depot);
    assert_all_names(before, abs_prefix); // the starting point is really absolute
    jl_depot_stack_t *s = stack_of(depot);

    size_t nchanged = 0;
    int wrote = 0;
    assert_int_equal(relocate(s, ji, 0, &nchanged, &wrote), JL_DEPOT_E_OK);
    assert_true(wrote);
    assert_true(nchanged >= 2);
    jl_cachefile_t *after = parse_file(ji);
    assert_all_names(after, "@depot/");
    assert_same_but_names(before, after, 1);
    crc_ok(ji, 0);
    // the names are the old ones with the depot replaced
    for (size_t i = 0; i < before->ndeps; i++) {
        if (before->deps[i].kind == JL_CACHE_DEP_REQUIRE)
            continue;
        char *want =
            jl_test_fmt("@depot/%.*s", (int)(before->deps[i].path.len - strlen(abs_prefix)),
                        before->deps[i].path.ptr + strlen(abs_prefix));
        assert_true(str_is(after->deps[i].path, want));
        free(want);
    }

    // idempotent: nothing written the second time, bytes and mtime untouched
    size_t len1, len2;
    uint8_t *b1 = jl_test_read_file(ji, &len1);
    set_mtime(ji, 1000000000);
    assert_int_equal(relocate(s, ji, 0, &nchanged, &wrote), JL_DEPOT_E_OK);
    assert_false(wrote);
    assert_int_equal(nchanged, 0);
    uint8_t *b2 = jl_test_read_file(ji, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(b1, b2, len1);
    struct timespec m = get_mtime(ji);
    assert_true(m.tv_sec == 1000000000 && m.tv_nsec == 0);

    free(b1);
    free(b2);
    jl_cachefile_free(before);
    jl_cachefile_free(after);
    jl_depot_stack_free(s);
    free(abs_prefix);
    free(ji);
    rm_depot(depot);
}

static void test_r12_in_place(void **state)
{
    (void)state;
    relocate_in_place("", "Greeter", JL_CACHE_LAYOUT_R12);
}

static void test_m13_in_place(void **state)
{
    (void)state;
    relocate_in_place("--layout m13", "Stats", JL_CACHE_LAYOUT_M13);
}

static void test_r12_pkgimage_in_place(void **state)
{
    (void)state;
    char *depot;
    char *ji = abs_cache("--pkgimage", "Shapes", &depot);
    char *so = jl_cachefile_so_path(ji);
    size_t solen1, solen2;
    uint8_t *so1 = jl_test_read_file(so, &solen1);
    jl_depot_stack_t *s = stack_of(depot);
    int wrote = 0;
    assert_int_equal(relocate(s, ji, 0, NULL, &wrote), JL_DEPOT_E_OK);
    assert_true(wrote);
    crc_ok(ji, 0); // crc_so still matches the untouched pkgimage
    jl_cachefile_t *cf = parse_file(ji);
    assert_all_names(cf, "@depot/");
    uint8_t *so2 = jl_test_read_file(so, &solen2);
    assert_int_equal(solen1, solen2);
    assert_memory_equal(so1, so2, solen1);
    jl_cachefile_free(cf);
    free(so1);
    free(so2);
    free(so);
    jl_depot_stack_free(s);
    free(ji);
    rm_depot(depot);
}

// A depot moved after its caches were written with absolute paths.
static void test_r12_moved_depot(void **state)
{
    (void)state;
    char *depot;
    char *ji = abs_cache("", "Greeter", &depot);
    jl_cachefile_t *before = parse_file(ji);
    char *moved = jl_test_fmt("%s-moved", depot);
    assert_int_equal(rename(depot, moved), 0);
    char *ji2 = jl_test_fmt("%s%s", moved, ji + strlen(depot));
    jl_depot_stack_t *s = stack_of(moved);

    jl_cache_reloc_t *r = NULL;
    assert_int_equal(jl_cache_relocate_plan(s, ji2, 0, &r, NULL), JL_DEPOT_E_OK);
    assert_non_null(r->old_depot);
    assert_string_equal(r->old_depot, depot);
    assert_int_equal(r->nabsolute, 0);
    for (size_t i = 0; i < r->nnames; i++)
        assert_int_equal(r->names[i].action, JL_CACHE_RELOC_MOVED);
    assert_int_equal(jl_cache_relocate_apply(r), JL_DEPOT_E_OK);
    jl_cache_relocate_free(r);

    jl_cachefile_t *after = parse_file(ji2);
    assert_all_names(after, "@depot/");
    assert_same_but_names(before, after, 1);
    // each resolves to an existing file in the new place
    for (size_t i = 0; i < after->ndeps; i++) {
        if (after->deps[i].kind == JL_CACHE_DEP_REQUIRE)
            continue;
        char *p = NULL;
        assert_int_equal(
            jldepot_resolve_n(s, ji2, 0, after->deps[i].path.ptr, after->deps[i].path.len, &p),
            JL_DEPOT_E_OK);
        assert_true(strncmp(p, moved, strlen(moved)) == 0);
        free(p);
    }
    jl_cachefile_free(before);
    jl_cachefile_free(after);
    jl_depot_stack_free(s);
    assert_int_equal(rename(moved, depot), 0);
    free(moved);
    free(ji2);
    free(ji);
    rm_depot(depot);
}

static void test_l10_moved_depot(void **state)
{
    (void)state;
    char *depot = copy_depot("sample-depot", "reloc");
    char *ji = run_mkcache(depot, "--layout l10", "Greeter"); // 1.10: absolute already
    assert_non_null(ji);
    jl_cachefile_t *before = parse_file(ji);
    assert_int_equal(before->layout, JL_CACHE_LAYOUT_L10);
    char *moved = jl_test_fmt("%s-moved", depot);
    assert_int_equal(rename(depot, moved), 0);
    char *ji2 = jl_test_fmt("%s%s", moved, ji + strlen(depot));
    jl_depot_stack_t *s = stack_of(moved);

    // unchanged in place: nothing to do before the move would be found
    int wrote = 0;
    assert_int_equal(relocate(s, ji2, 0, NULL, &wrote), JL_DEPOT_E_OK);
    assert_true(wrote);
    jl_cachefile_t *after = parse_file(ji2);
    char *prefix = jl_test_fmt("%s/", moved);
    assert_all_names(after, prefix);
    assert_same_but_names(before, after, 1); // mtimes carried over
    crc_ok(ji2, 0);
    // idempotent
    assert_int_equal(relocate(s, ji2, 0, NULL, &wrote), JL_DEPOT_E_OK);
    assert_false(wrote);

    // --refresh-mtimes: the current mtimes of the files found
    char *src = jl_test_fmt("%s/packages/Greeter/Xk3pQ/src/greetings.jl", moved);
    set_mtime(src, 1234567890);
    assert_int_equal(relocate(s, ji2, JL_CACHE_RELOCATE_REFRESH_MTIMES, NULL, &wrote),
                     JL_DEPOT_E_OK);
    assert_true(wrote);
    jl_cachefile_t *fresh = parse_file(ji2);
    assert_same_but_names(after, fresh, 0);
    for (size_t i = 0; i < fresh->ndeps; i++) {
        char *p = strndup(fresh->deps[i].path.ptr, fresh->deps[i].path.len);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        double want = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec * 1e-9;
        assert_true(fresh->deps[i].mtime == want);
        if (strcmp(p, src) == 0)
            assert_true(fresh->deps[i].mtime == 1234567890.0);
        free(p);
    }
    crc_ok(ji2, 0);

    jl_cachefile_free(before);
    jl_cachefile_free(after);
    jl_cachefile_free(fresh);
    jl_depot_stack_free(s);
    assert_int_equal(rename(moved, depot), 0);
    free(src);
    free(prefix);
    free(moved);
    free(ji2);
    free(ji);
    rm_depot(depot);
}

static void test_l10_no_old_depot(void **state)
{
    (void)state;
    char *depot = copy_depot("sample-depot", "reloc");
    char *ji = run_mkcache(depot, "--layout l10", "Greeter");
    assert_non_null(ji);
    // an entry file in no recognizable depot, no longer there
    subst_t sub = {NULL, NULL, "src/Greeter.jl", "/nowhere/else/Greeter.jl"};
    rewrite_file(ji, &sub);
    size_t len1, len2;
    uint8_t *b1 = jl_test_read_file(ji, &len1);
    jl_depot_stack_t *s = stack_of(depot);
    jl_cache_reloc_t *r = NULL;
    assert_int_equal(jl_cache_relocate_plan(s, ji, 0, &r, NULL), JL_DEPOT_E_RELOCATE_NO_OLD_DEPOT);
    assert_null(r);
    uint8_t *b2 = jl_test_read_file(ji, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(b1, b2, len1);
    free(b1);
    free(b2);
    jl_depot_stack_free(s);
    free(ji);
    rm_depot(depot);
}

// The real Julia 1.11 caches are tokenized already: nothing to do.
static void test_real_fixtures_unchanged(void **state)
{
    (void)state;
    char *depot = copy_depot("julia-1.11/depotA", "reloc");
    jl_depot_stack_t *s = stack_of(depot);
    static const char *files[] = {"RelocFoo/8A4ya_5Tr1P.ji", "RelocBar/aMJaA_5Tr1P.ji",
                                  "RelocBaz/K9VsW_5Tr1P.ji"};
    for (size_t i = 0; i < 3; i++) {
        char *ji = jl_test_fmt("%s/compiled/v1.11/%s", depot, files[i]);
        size_t len1, len2;
        uint8_t *b1 = jl_test_read_file(ji, &len1);
        set_mtime(ji, 1000000000);
        jl_cache_reloc_t *r = NULL;
        assert_int_equal(jl_cache_relocate_plan(s, ji, 0, &r, NULL), JL_DEPOT_E_OK);
        assert_null(r->out);
        assert_int_equal(r->nchanged, 0);
        assert_int_equal(r->nabsolute, 0);
        assert_true(r->nnames >= 2);
        assert_int_equal(r->cf->layout, JL_CACHE_LAYOUT_R12);
        assert_int_equal(jl_cache_relocate_apply(r), JL_DEPOT_E_OK);
        jl_cache_relocate_free(r);
        uint8_t *b2 = jl_test_read_file(ji, &len2);
        assert_int_equal(len1, len2);
        assert_memory_equal(b1, b2, len1);
        assert_true(get_mtime(ji).tv_sec == 1000000000);
        free(b1);
        free(b2);
        free(ji);
    }
    jl_depot_stack_free(s);
    rm_depot(depot);
}

// A flipped byte: refused, and the file is left byte-identical.
static void test_refuse_crc_ji(void **state)
{
    (void)state;
    char *depot;
    char *ji = abs_cache("", "Greeter", &depot);
    size_t len, len2;
    uint8_t *b = jl_test_read_file(ji, &len);
    jl_cachefile_t *cf = parse_file(ji);
    size_t at = cf->deps[0].path.ptr - (const char *)cf->buf + 3; // inside the entry name
    jl_cachefile_free(cf);
    b[at] ^= 0x20;
    jl_test_write_file(ji, b, len);
    jl_depot_stack_t *s = stack_of(depot);
    jl_cache_reloc_t *r = NULL;
    int detail = 0;
    assert_int_equal(jl_cache_relocate_plan(s, ji, 0, &r, &detail), JL_DEPOT_E_RELOCATE_CRC);
    assert_int_equal(detail, JL_DEPOT_E_CRC_JI);
    assert_null(r);
    uint8_t *b2 = jl_test_read_file(ji, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(b, b2, len);
    free(b);
    free(b2);
    jl_depot_stack_free(s);
    free(ji);
    rm_depot(depot);
}

// A pkgimage that no longer matches: refused, nothing written.
static void test_refuse_crc_so(void **state)
{
    (void)state;
    char *depot;
    char *ji = abs_cache("--pkgimage", "Shapes", &depot);
    char *so = jl_cachefile_so_path(ji);
    size_t solen, len, len2;
    uint8_t *sob = jl_test_read_file(so, &solen);
    sob[solen / 2] ^= 0x01;
    jl_test_write_file(so, sob, solen);
    uint8_t *b = jl_test_read_file(ji, &len);
    jl_depot_stack_t *s = stack_of(depot);
    jl_cache_reloc_t *r = NULL;
    int detail = 0;
    assert_int_equal(jl_cache_relocate_plan(s, ji, 0, &r, &detail), JL_DEPOT_E_RELOCATE_CRC_SO);
    assert_int_equal(detail, JL_DEPOT_E_CRC_SO);
    uint8_t *b2 = jl_test_read_file(ji, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(b, b2, len);
    // without the pkgimage the .ji alone is relocated
    assert_int_equal(unlink(so), 0);
    assert_int_equal(relocate(s, ji, 0, NULL, NULL), JL_DEPOT_E_OK);
    crc_ok(ji, JL_CACHEFILE_CHECK_NO_SO);
    free(sob);
    free(b);
    free(b2);
    free(so);
    jl_depot_stack_free(s);
    free(ji);
    rm_depot(depot);
}

// A path outside every depot stays absolute and is reported; role tokens on request.
static void test_outside_and_role_tokens(void **state)
{
    (void)state;
    char *depot;
    char *ji = abs_cache("", "Greeter", &depot);
    char *outside_dir = jl_test_mkdtemp("reloc-outside");
    char *outside = jl_test_fmt("%s/salutations.txt", outside_dir);
    jl_test_write_file(outside, "hi\n", 3);
    subst_t sub = {NULL, NULL, "src/salutations.txt", outside};
    rewrite_file(ji, &sub);
    char *art = jl_test_fmt("%s/artifacts/0123abcd/templates", depot);
    jl_test_mkdirs(art);
    subst_t sub2 = {NULL, NULL, "src/templates", art};
    rewrite_file(ji, &sub2);
    size_t len;
    uint8_t *orig = jl_test_read_file(ji, &len);

    jl_depot_stack_t *s = stack_of(depot);
    for (int role = 0; role < 2; role++) {
        jl_test_write_file(ji, orig, len);
        jl_cache_reloc_t *r = NULL;
        unsigned fl = role ? JL_CACHE_RELOCATE_ROLE_TOKENS : 0;
        assert_int_equal(jl_cache_relocate_plan(s, ji, fl, &r, NULL), JL_DEPOT_E_OK);
        assert_int_equal(r->nabsolute, 1);
        int seen_outside = 0, seen_art = 0;
        for (size_t i = 0; i < r->nnames; i++) {
            const jl_cache_reloc_name_t *e = &r->names[i];
            if (str_is(e->old, outside)) {
                seen_outside = 1;
                assert_int_equal(e->action, JL_CACHE_RELOC_NOT_RELOCATABLE);
                assert_int_equal(e->err, JL_DEPOT_E_NOT_RELOCATABLE);
                assert_null(e->new_);
            }
            else if (str_is(e->old, art)) {
                seen_art = 1;
                assert_string_equal(e->new_, role ? "@artifacts/0123abcd/templates"
                                                  : "@depot/artifacts/0123abcd/templates");
            }
            else {
                assert_int_equal(e->action, JL_CACHE_RELOC_TOKENIZED);
            }
        }
        assert_true(seen_outside && seen_art);
        assert_int_equal(jl_cache_relocate_apply(r), JL_DEPOT_E_OK);
        jl_cache_relocate_free(r);
        crc_ok(ji, 0);
        // a second run has nothing left to do
        int wrote = 1;
        assert_int_equal(relocate(s, ji, fl, NULL, &wrote), JL_DEPOT_E_OK);
        assert_false(wrote);
    }
    free(orig);
    jl_depot_stack_free(s);
    free(art);
    free(outside);
    jl_test_rmtree(outside_dir);
    free(outside_dir);
    free(ji);
    rm_depot(depot);
}

// --absolute is the exact inverse of relocating in place.
static void test_absolute_roundtrip(void **state)
{
    (void)state;
    char *depot = copy_depot("sample-depot", "reloc");
    char *ji = run_mkcache(depot, "", "Greeter");
    assert_non_null(ji);
    size_t len0, len1, len2;
    uint8_t *tok = jl_test_read_file(ji, &len0);
    jl_depot_stack_t *s = stack_of(depot);
    assert_int_equal(relocate(s, ji, JL_CACHE_RELOCATE_ABSOLUTE, NULL, NULL), JL_DEPOT_E_OK);
    jl_cachefile_t *cf = parse_file(ji);
    char *prefix = jl_test_fmt("%s/", depot);
    assert_all_names(cf, prefix);
    jl_cachefile_free(cf);
    uint8_t *abs = jl_test_read_file(ji, &len1);
    assert_true(len1 > len0);
    assert_int_equal(relocate(s, ji, 0, NULL, NULL), JL_DEPOT_E_OK);
    uint8_t *back = jl_test_read_file(ji, &len2);
    assert_int_equal(len0, len2);
    assert_memory_equal(tok, back, len0); // byte for byte what the generator wrote
    free(tok);
    free(abs);
    free(back);
    free(prefix);
    jl_depot_stack_free(s);
    free(ji);
    rm_depot(depot);
}

// A file changed between plan and write is not overwritten.
static void test_changed_before_write(void **state)
{
    (void)state;
    char *depot;
    char *ji = abs_cache("", "Stats", &depot);
    jl_depot_stack_t *s = stack_of(depot);
    jl_cache_reloc_t *r = NULL;
    assert_int_equal(jl_cache_relocate_plan(s, ji, 0, &r, NULL), JL_DEPOT_E_OK);
    assert_non_null(r->out);
    set_mtime(ji, 1000000000);
    assert_int_equal(jl_cache_relocate_apply(r), JL_DEPOT_E_RELOCATE_CHANGED);
    jl_cache_relocate_free(r);
    jl_cachefile_t *cf = parse_file(ji);
    char *prefix = jl_test_fmt("%s/", depot);
    assert_all_names(cf, prefix); // still the absolute file
    jl_cachefile_free(cf);
    free(prefix);
    jl_depot_stack_free(s);
    free(ji);
    rm_depot(depot);
}

// A same-size edit in place whose mtime was put back is seen by its ctime.
static void test_changed_mtime_restored(void **state)
{
    (void)state;
    char *depot;
    char *ji = abs_cache("", "Stats", &depot);
    jl_depot_stack_t *s = stack_of(depot);
    jl_cache_reloc_t *r = NULL;
    assert_int_equal(jl_cache_relocate_plan(s, ji, 0, &r, NULL), JL_DEPOT_E_OK);
    assert_non_null(r->out);
    struct stat before, after;
    assert_int_equal(stat(ji, &before), 0);
    size_t len;
    uint8_t *bytes = jl_test_read_file(ji, &len);
    bytes[len / 2] ^= 0x20; // the same size, another byte
    usleep(20000);          // a ctime tick apart
    FILE *f = fopen(ji, "r+b");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    assert_int_equal(utimensat(AT_FDCWD, ji, ts, 0), 0);
    assert_int_equal(stat(ji, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
    assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    assert_int_equal(jl_cache_relocate_apply(r), JL_DEPOT_E_RELOCATE_CHANGED);
    size_t len2;
    uint8_t *back = jl_test_read_file(ji, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(back, bytes, len); // the edit survives
    free(back);
    free(bytes);
    jl_cache_relocate_free(r);
    jl_depot_stack_free(s);
    free(ji);
    rm_depot(depot);
}

static void test_old_depot_forms(void **state)
{
    (void)state;
    static const struct {
        const char *entry, *want;
    } cases[] = {
        {"/a/b/packages/Foo/AbCdE/src/Foo.jl", "/a/b"},
        {"/a/b/packages/Foo/src/Foo.jl", "/a/b"},
        {"/x/dev/Foo/src/Foo.jl", "/x"},
        {"/x/y/Foo/src/Foo.jl", NULL},
        {"/a/packages/Bar/AbCdE/src/Foo.jl", NULL},
        {"/a/packages/Foo/AbCdE/lib/Foo.jl", NULL},
        {"@depot/packages/Foo/AbCdE/src/Foo.jl", NULL},
        {"/packages/Foo/AbCdE/src/Foo.jl", NULL},
        {"src/Foo.jl", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        jl_cachefile_t cf;
        memset(&cf, 0, sizeof(cf));
        jl_cache_worklist_t wl;
        memset(&wl, 0, sizeof(wl));
        wl.name = (jl_cache_str_t){"Foo", 3};
        jl_cache_dep_t dep;
        memset(&dep, 0, sizeof(dep));
        dep.path = (jl_cache_str_t){cases[i].entry, strlen(cases[i].entry)};
        cf.worklist = &wl;
        cf.nworklist = 1;
        cf.deps = &dep;
        cf.ndeps = 1;
        char *got = jl_cache_relocate_old_depot(&cf);
        if (cases[i].want) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].want);
        }
        else {
            assert_null(got);
        }
        free(got);
    }
}

static void test_temp_files(void **state)
{
    (void)state;
    assert_true(jl_cache_relocate_is_temp(".abc_DEF.ji.tmp0a1b2c"));
    assert_false(jl_cache_relocate_is_temp("abc_DEF.ji.tmp0a1b2c"));
    assert_false(jl_cache_relocate_is_temp(".abc_DEF.ji.tmp0a1b2"));
    assert_false(jl_cache_relocate_is_temp(".abc_DEF.ji.tmp0a1b2G"));
    assert_false(jl_cache_relocate_is_temp(".abc_DEF.so.tmp0a1b2c"));
    assert_false(jl_cache_relocate_is_temp("abc_DEF.ji"));
    char *dir = jl_test_mkdtemp("reloc-tmp");
    char *old = jl_test_fmt("%s/.X_y.ji.tmp00ff00", dir);
    char *young = jl_test_fmt("%s/.X_y.ji.tmp00ff01", dir);
    char *other = jl_test_fmt("%s/X_y.ji", dir);
    jl_test_write_file(old, "x", 1);
    jl_test_write_file(young, "x", 1);
    jl_test_write_file(other, "x", 1);
    set_mtime(old, 1000000000);
    set_mtime(other, 1000000000);
    set_mtime(young, 2000000000);
    size_t removed = 0;
    assert_int_equal(jl_cache_relocate_clean_temps(dir, 1500000000, 0, &removed), JL_DEPOT_E_OK);
    assert_int_equal(removed, 1);
    struct stat st;
    assert_int_not_equal(stat(old, &st), 0);
    assert_int_equal(stat(young, &st), 0);
    assert_int_equal(stat(other, &st), 0);
    jl_test_rmtree(dir);
    free(old);
    free(young);
    free(other);
    free(dir);
}

JL_TEST_MAIN(cmocka_unit_test(test_r12_in_place), cmocka_unit_test(test_m13_in_place),
             cmocka_unit_test(test_r12_pkgimage_in_place), cmocka_unit_test(test_r12_moved_depot),
             cmocka_unit_test(test_l10_moved_depot), cmocka_unit_test(test_l10_no_old_depot),
             cmocka_unit_test(test_real_fixtures_unchanged), cmocka_unit_test(test_refuse_crc_ji),
             cmocka_unit_test(test_refuse_crc_so), cmocka_unit_test(test_outside_and_role_tokens),
             cmocka_unit_test(test_absolute_roundtrip), cmocka_unit_test(test_changed_before_write),
             cmocka_unit_test(test_changed_mtime_restored), cmocka_unit_test(test_old_depot_forms),
             cmocka_unit_test(test_temp_files))
