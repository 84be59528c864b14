// This file is a part of the jldepot project. License is MIT.

/*
  test-cachefile-gen.c: the test-only generator (test/tools/mkcache) writes
  what Julia writes.  Run on a copy of the real fixture's depot, it reproduces
  the real headers' dependency lists, require keys, required modules and file
  name slugs; on the sample depot it records include_dependency files and
  directories as upstream does and pins the dependencies' build ids.
*/

#include <dirent.h>

#include "test-cachefile-util.h"

static jl_cachefile_t *read_path(const char *p)
{
    jl_cachefile_t *cf = NULL;
    assert_non_null(p);
    assert_int_equal(jl_cachefile_read(p, 0, &cf), JL_DEPOT_E_OK);
    return cf;
}

static const char *base(const char *p)
{
    return strrchr(p, '/') + 1;
}

// mkcache on the real fixture's sources gives the real header's dependency
// list (paths, sizes, hashes, provides, require keys) and required modules.
static void test_matches_real_julia(void **state)
{
    (void)state;
    char *d = copy_depot("julia-1.11/depotA", "cfgen");
    char *cmd = jl_test_fmt("rm -rf '%s/compiled'", d);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    const char *opts = "--pkgimage --mtime-deps --julia-version 1.11.0-DEV";
    char *foo = run_mkcache(d, opts, "RelocFoo");
    char *bar = run_mkcache(d, opts, "RelocBar");
    assert_non_null(foo);
    assert_non_null(bar);
    // pkgslug = slug(crc32c(UUID)), as on disk in the real depot
    assert_memory_equal(base(foo), "8A4ya_", 6);
    assert_memory_equal(base(bar), "aMJaA_", 6);
    jl_cachefile_t *g = read_path(bar);
    char *rp = fixture_path(real_fixtures[1]);
    jl_cachefile_t *r = read_path(rp);
    assert_int_equal(g->layout, r->layout);
    assert_int_equal(g->flags, r->flags);
    assert_int_equal(g->ndeps, 4);
    // RelocBar's include_dependency is content-tracked explicitly in its source;
    // mkcache --mtime-deps tracks it by mtime, so compare all but that entry's
    // tracking fields
    for (size_t i = 0; i < g->ndeps; i++) {
        assert_int_equal(g->deps[i].path.len, r->deps[i].path.len);
        assert_memory_equal(g->deps[i].path.ptr, r->deps[i].path.ptr, r->deps[i].path.len);
        assert_int_equal(g->deps[i].kind, r->deps[i].kind);
        assert_int_equal(g->deps[i].provides, r->deps[i].provides);
        if (g->deps[i].kind == JL_CACHE_DEP_INCLUDE) {
            assert_true(g->deps[i].fsize == r->deps[i].fsize);
            assert_int_equal(g->deps[i].hash, r->deps[i].hash);
            assert_true(g->deps[i].mtime == -1.0);
        }
    }
    // the same sysimage modules with the same build ids, then RelocFoo with
    // the build id of the cache just generated
    assert_int_equal(g->nreqmods, r->nreqmods);
    for (size_t i = 0; i + 1 < r->nreqmods; i++) {
        assert_true(str_is(g->reqmods[i].name, "") ||
                    g->reqmods[i].name.len == r->reqmods[i].name.len);
        assert_memory_equal(g->reqmods[i].name.ptr, r->reqmods[i].name.ptr, r->reqmods[i].name.len);
        assert_true(g->reqmods[i].uuid.hi == r->reqmods[i].uuid.hi &&
                    g->reqmods[i].uuid.lo == r->reqmods[i].uuid.lo);
        assert_true(g->reqmods[i].build_id.hi == r->reqmods[i].build_id.hi &&
                    g->reqmods[i].build_id.lo == r->reqmods[i].build_id.lo);
    }
    jl_cachefile_t *gf = read_path(foo);
    jl_cache_u128_t id = jl_cachefile_build_id(gf);
    const jl_cache_reqmod_t *last = &g->reqmods[g->nreqmods - 1];
    assert_true(str_is(last->name, "RelocFoo"));
    assert_true(last->build_id.hi == id.hi && last->build_id.lo == id.lo);
    // the source text is the same
    assert_int_equal(g->nsrctext, r->nsrctext);
    for (size_t i = 0; i < g->nsrctext; i++) {
        assert_int_equal(g->srctext[i].len, r->srctext[i].len);
        assert_memory_equal(g->srctext[i].text, r->srctext[i].text, r->srctext[i].len);
    }
    // RelocFoo: the mtime-tracked data.txt as 1.11 records it
    char *rfp = fixture_path(real_fixtures[0]);
    jl_cachefile_t *rf = read_path(rfp);
    free(rfp);
    assert_int_equal(gf->ndeps, rf->ndeps);
    const jl_cache_dep_t *dd = &gf->deps[2];
    assert_int_equal(dd->kind, JL_CACHE_DEP_INCLUDE_DEPENDENCY);
    assert_true(dd->fsize == 0 && dd->hash == 0 && dd->mtime > 0);
    char *data = jl_test_fmt("%s/packages/RelocFoo/src/data.txt", d);
    struct stat st;
    assert_int_equal(stat(data, &st), 0);
    assert_true(dd->mtime == (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9);
    free(data);
    // the split pair checks out: crc_so, blob, checksum word, modules
    jl_cache_check_t ck;
    assert_int_equal(jl_cachefile_check(gf, foo, 0, &ck), JL_DEPOT_E_OK);
    assert_int_equal(ck.so_checked, 1);
    jl_cachefile_free(rf);
    jl_cachefile_free(gf);
    jl_cachefile_free(g);
    jl_cachefile_free(r);
    free(rp);
    free(foo);
    free(bar);
    rm_depot(d);
}

static void test_sample_depot(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfsample");
    char *gr = run_mkcache(d, "", "Greeter");
    char *st = run_mkcache(d, "", "Stats");
    char *sh = run_mkcache(d, "", "Shapes");
    jl_cachefile_t *g = read_path(gr), *s = read_path(sh), *t = read_path(st);
    // Greeter: entry, greetings.jl, salutations.txt, the templates directory
    assert_int_equal(g->ndeps, 4);
    assert_true(str_is(g->deps[0].path, "@depot/packages/Greeter/Xk3pQ/src/Greeter.jl"));
    assert_int_equal(g->deps[0].provides, 0);
    assert_true(str_is(g->deps[1].path, "@depot/packages/Greeter/Xk3pQ/src/greetings.jl"));
    assert_int_equal(g->deps[1].provides, 1);
    assert_int_equal(g->deps[1].kind, JL_CACHE_DEP_INCLUDE);
    assert_true(str_is(g->deps[2].path, "@depot/packages/Greeter/Xk3pQ/src/salutations.txt"));
    assert_int_equal(g->deps[2].kind, JL_CACHE_DEP_INCLUDE_DEPENDENCY);
    assert_int_equal(g->deps[2].hash, jl_crc32c(0, "Hello\nHi\nGood day\n", 18));
    assert_int_equal(g->deps[2].fsize, 18);
    // a directory: crc32c of its sorted entry names, fsize = st_size
    const jl_cache_dep_t *dir = &g->deps[3];
    assert_true(str_is(dir->path, "@depot/packages/Greeter/Xk3pQ/src/templates"));
    assert_int_equal(dir->hash, jl_crc32c(0, "letter.txtshort.txt", 19));
    char *tp = jl_test_fmt("%s/packages/Greeter/Xk3pQ/src/templates", d);
    struct stat sb;
    assert_int_equal(stat(tp, &sb), 0);
    assert_true(dir->fsize == (uint64_t)sb.st_size);
    assert_true(dir->mtime == -1.0);
    free(tp);
    assert_int_equal(g->nsrctext, 2);
    assert_int_equal(g->clone_len, 0);
    assert_int_equal(g->flags, 0xA2);
    // Shapes: the require key of Greeter with Greeter's UUID, the two files of
    // the subfolder, and Greeter's build id pinned last
    assert_int_equal(s->ndeps, 4);
    assert_int_equal(s->deps[1].kind, JL_CACHE_DEP_REQUIRE);
    assert_true(str_is(s->deps[1].req_name, "Greeter"));
    assert_true(s->deps[1].req_uuid.hi == g->worklist[0].uuid.hi &&
                s->deps[1].req_uuid.lo == g->worklist[0].uuid.lo);
    assert_true(str_is(s->deps[2].path, "@depot/packages/Shapes/b7RtZ/src/shapes/circle.jl"));
    assert_true(str_is(s->deps[3].path, "@depot/packages/Shapes/b7RtZ/src/shapes/rectangle.jl"));
    const jl_cache_reqmod_t *last = &s->reqmods[s->nreqmods - 1];
    assert_true(str_is(last->name, "Greeter"));
    jl_cache_u128_t gid = jl_cachefile_build_id(g);
    assert_true(last->build_id.hi == gid.hi && last->build_id.lo == gid.lo);
    assert_int_equal(t->ndeps, 2);
    // --mtime-deps: include_dependency entries are mtime-tracked
    char *gm = run_mkcache(d, "--mtime-deps", "Greeter");
    jl_cachefile_t *m = read_path(gm);
    assert_true(m->deps[2].fsize == 0 && m->deps[2].hash == 0 && m->deps[2].mtime > 0);
    assert_true(m->deps[1].mtime == -1.0); // include() stays content-tracked
    // the build id is seeded: same seed, same id; another seed, another id
    assert_true(m->worklist[0].build_id_lo == g->worklist[0].build_id_lo);
    char *g7 = run_mkcache(d, "--seed 7", "Greeter");
    jl_cachefile_t *m7 = read_path(g7);
    assert_true(m7->worklist[0].build_id_lo != g->worklist[0].build_id_lo);
    assert_true(m7->checksum != g->checksum);
    jl_cachefile_free(m7);
    jl_cachefile_free(m);
    free(g7);
    free(gm);
    jl_cachefile_free(g);
    jl_cachefile_free(s);
    jl_cachefile_free(t);
    free(gr);
    free(st);
    free(sh);
    rm_depot(d);
}

JL_TEST_MAIN(cmocka_unit_test(test_matches_real_julia), cmocka_unit_test(test_sample_depot))
