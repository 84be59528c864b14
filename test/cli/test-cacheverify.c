// This file is a part of the jldepot project. License is MIT.

/*
  test-cacheverify.c: the loader checks (cacheverify.h): each rejection
  reason triggered on real-format caches (mkcache on a scratch copy of the
  sample depot) and on the real Julia 1.11 caches, the flag rules, the mtime
  tolerances, resolution (containing depot first, include() sources in one
  depot) and the relocatable verdict.
*/

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-cachefile-util.h"
#include "atomicfile.h"
#include "cacheverify.h"

// ---- utilities ---------------------------------------------------------------------

// Verify `path` over the stack `dp` with `options` (target from the cache
// unless `t` is given); returns the result.
static jl_verify_result_t *verify_with(const char *dp, const char *path,
                                       const jl_verify_target_t *t, unsigned options)
{
    jl_depot_stack_t *s = stack_of(dp);
    jl_verify_target_t tt;
    if (t)
        tt = *t;
    else {
        memset(&tt, 0, sizeof(tt));
        tt.flags = -1;
    }
    tt.options |= options;
    jl_cacheverify_t *v;
    assert_int_equal(jl_cacheverify_new(s, &tt, &v), JL_DEPOT_E_OK);
    jl_verify_result_t *r = NULL;
    assert_int_equal(jl_cacheverify_file(v, path, &r), JL_DEPOT_E_OK);
    assert_non_null(r);
    jl_cacheverify_free(v);
    jl_depot_stack_free(s);
    return r;
}

static jl_verify_result_t *verify_in(const char *depot, const char *path)
{
    return verify_with(depot, path, NULL, 0);
}

// Greeter, Stats and Shapes (which uses Greeter), with pkgimages.
typedef struct {
    char *depot, *greeter, *stats, *shapes;
} sample_t;

static sample_t gen_sample(const char *tag, const char *greeter_opts)
{
    sample_t s;
    s.depot = copy_depot("sample-depot", tag);
    char *o = jl_test_fmt("--pkgimage %s", greeter_opts ? greeter_opts : "");
    s.greeter = run_mkcache(s.depot, o, "Greeter");
    free(o);
    s.stats = run_mkcache(s.depot, "--pkgimage", "Stats");
    s.shapes = run_mkcache(s.depot, "--pkgimage", "Shapes");
    assert_non_null(s.greeter);
    assert_non_null(s.stats);
    assert_non_null(s.shapes);
    return s;
}

static void free_sample(sample_t *s)
{
    free(s->greeter);
    free(s->stats);
    free(s->shapes);
    rm_depot(s->depot);
}

static char *find_file(const char *dir, const char *name)
{
    char *cmd = jl_test_fmt("find '%s' -name '%s' | head -n 1", dir, name);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[4096] = "";
    char *got = fgets(line, sizeof(line), f);
    pclose(f);
    free(cmd);
    assert_non_null(got);
    line[strcspn(line, "\n")] = 0;
    assert_true(line[0] == '/');
    return strdup(line);
}

static void sh(const char *cmd)
{
    assert_int_equal(system(cmd), 0);
}

static const jl_verify_dep_t *dep_named(const jl_verify_result_t *r, const char *suffix)
{
    size_t n = strlen(suffix);
    for (size_t i = 0; i < r->ndeps; i++) {
        const char *s = r->deps[i].stored;
        size_t k = s ? strlen(s) : 0;
        if (k >= n && !strcmp(s + k - n, suffix))
            return &r->deps[i];
    }
    fail_msg("no dependency ending in %s", suffix);
    return NULL;
}

// ---- pure rules --------------------------------------------------------------------

static void test_flags_rules(void **state)
{
    (void)state;
    const char *v111 = "1.11.3", *v112 = "1.12.0";
    int R12 = JL_CACHE_LAYOUT_R12, L10 = JL_CACHE_LAYOUT_L10, M13 = JL_CACHE_LAYOUT_M13;
    // identical flags always match
    assert_true(jl_verify_flags_match(R12, v111, 6, 0xA3, 0xA3));
    assert_true(jl_verify_flags_match(L10, "1.10.0", 6, 0xA3, 0xA3));
    // neither side uses pkgimages: ignored
    assert_true(jl_verify_flags_match(R12, v111, 6, 0x02, 0xF0));
    // the pkgimage bit must agree otherwise
    assert_false(jl_verify_flags_match(R12, v111, 6, 0xA3, 0xA2));
    assert_false(jl_verify_flags_match(M13, "1.14.0-DEV", 10, 0xA2, 0xA3));
    // a higher opt level in the file is fine, a lower one is not
    assert_true(jl_verify_flags_match(R12, v111, 6, 0xA3, 0xE3));
    assert_false(jl_verify_flags_match(R12, v111, 6, 0xA3, 0x63));
    assert_false(jl_verify_flags_match(L10, "1.10.0", 6, 0xA3, 0x63));
    // debug level: exact in 1.10/1.11, >= in 1.12+
    assert_false(jl_verify_flags_match(L10, "1.10.0", 6, 0xA3, 0xA5));
    assert_false(jl_verify_flags_match(R12, v111, 6, 0xA3, 0xA5));
    assert_false(jl_verify_flags_match(R12, "1.11.0-DEV", 10, 0xA3, 0xA5));
    assert_true(jl_verify_flags_match(R12, v112, 6, 0xA3, 0xA5));
    assert_true(jl_verify_flags_match(M13, "1.14.0-DEV", 10, 0xA3, 0xA5));
    assert_false(jl_verify_flags_match(R12, v112, 6, 0xA5, 0xA3));
    // check-bounds and inline exact everywhere
    assert_false(jl_verify_flags_match(R12, v112, 6, 0xA3, 0xAB));
    assert_false(jl_verify_flags_match(M13, "1.14.0-DEV", 10, 0xA3, 0x83));
    // "1.110.0" is not 1.11
    assert_true(jl_verify_flags_match(R12, "1.110.0", 7, 0xA3, 0xA5));
}

static void test_mtime_tolerances(void **state)
{
    (void)state;
    double t = 1795569764.3420377;
    assert_true(jl_verify_mtime_matches(t, t));
    assert_true(jl_verify_mtime_matches(t, floor(t)));          // 1-second file systems
    assert_true(jl_verify_mtime_matches(t, ceil(t)));           // CircleCI
    assert_true(jl_verify_mtime_matches(t, 1795569764.342037)); // 6 decimals
    assert_true(jl_verify_mtime_matches(t, 1.0));               // Nix
    assert_true(jl_verify_mtime_matches(t, t - 5e-7));          // Windows tar: stored <1us above
    assert_false(jl_verify_mtime_matches(t, t - 2e-6));
    assert_false(jl_verify_mtime_matches(t, t + 5e-7)); // stored below the current one
    assert_false(jl_verify_mtime_matches(t, t + 1));
    assert_false(jl_verify_mtime_matches(t, 0.0));
    assert_false(jl_verify_mtime_matches(1795569764.0, 1795569765.5));
    // Julia's formula for st_mtim
    assert_true(jl_verify_stat_mtime(1795569764, 342037700) ==
                (double)1795569764 + (double)342037700 * 1e-9);
}

static void test_float_repr(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *s;
    } cases[] = {{1.7955697696832032e9, "1.7955697696832032e9"},
                 {1.7955697643420377e9, "1.7955697643420377e9"},
                 {-1.0, "-1.0"},
                 {0.0, "0.0"},
                 {100000.0, "100000.0"},
                 {123456.5, "123456.5"},
                 {1e6, "1.0e6"},
                 {0.0001, "0.0001"},
                 {1e-5, "1.0e-5"},
                 {0.5, "0.5"},
                 {1795569764.0, "1.795569764e9"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char b[32];
        jl_verify_float_repr(cases[i].x, b);
        assert_string_equal(b, cases[i].s);
    }
}

static void test_dir_crc(void **state)
{
    (void)state;
    char *d = jl_test_mkdtemp("vdir");
    static const char *names[] = {"b.txt", "a.txt", "Zed", "c"};
    for (int i = 0; i < 4; i++) {
        char *p = jl_test_fmt("%s/%s", d, names[i]);
        jl_test_write_file(p, "x", 1);
        free(p);
    }
    uint32_t c;
    assert_int_equal(jl_verify_dir_crc(d, &c), JL_DEPOT_E_OK);
    // sorted by bytes, concatenated, no separator (Julia: join(readdir(dir)))
    const char *joined = "Zeda.txtb.txtc";
    assert_int_equal(c, jl_crc32c(0, joined, strlen(joined)));
    char *missing = jl_test_fmt("%s/nope", d);
    assert_int_equal(jl_verify_dir_crc(missing, &c), JL_DEPOT_E_NOT_FOUND);
    free(missing);
    assert_int_equal(jl_test_rmtree(d), 0);
    free(d);
}

// ---- the real Julia 1.11 caches ------------------------------------------------------

// The reason of a "Rejecting ... because <reason>" line of a real log, with
// <build>/depotB replaced by `depot`.
static char *log_reason(const char *logname, const char *pkg, const char *depot)
{
    size_t len;
    char *rel = jl_test_fmt("julia-1.11/logs/%s", logname);
    char *log = (char *)read_fixture(rel, &len);
    free(rel);
    log = realloc(log, len + 1);
    log[len] = 0;
    char *key = jl_test_fmt("/compiled/v1.11/%s/", pkg);
    char *p = strstr(log, key);
    assert_non_null(p);
    char *b = strstr(p, " because ");
    assert_non_null(b);
    b += 9;
    char *e = strchr(b, '\n');
    *e = 0;
    // replace every "<build>/depotB" by depot
    char *out = strdup("");
    const char *tag = "<build>/depotB";
    for (char *q = b;;) {
        char *h = strstr(q, tag);
        char *next =
            h ? jl_test_fmt("%s%.*s%s", out, (int)(h - q), q, depot) : jl_test_fmt("%s%s", out, q);
        free(out);
        out = next;
        if (!h)
            break;
        q = h + strlen(tag);
    }
    free(key);
    free(log);
    return out;
}

static void test_real_cp_r(void **state)
{
    (void)state;
    // cp -r of depotA, as upstream's cp -r run (logs_depotB_cp_r.txt)
    char *depot = copy_depot("julia-1.11/depotA", "vreal");
    char *foo = jl_test_fmt("%s/compiled/v1.11/RelocFoo/8A4ya_5Tr1P.ji", depot);
    char *bar = jl_test_fmt("%s/compiled/v1.11/RelocBar/aMJaA_5Tr1P.ji", depot);
    char *baz = jl_test_fmt("%s/compiled/v1.11/RelocBaz/K9VsW_5Tr1P.ji", depot);

    // the pkgimages are not in the fixtures: Julia would reject all three
    const char *all[] = {foo, bar, baz};
    for (int i = 0; i < 3; i++) {
        jl_verify_result_t *r = verify_in(depot, all[i]);
        assert_int_equal(r->status, JL_DEPOT_E_PKGIMAGE_MISSING);
        assert_non_null(strstr(r->reason, ".so was not found"));
        assert_int_equal(r->stale, 0);
        jl_verify_result_free(r);
    }

    // the rest, with the pkgimage checks off
    jl_verify_result_t *r = verify_with(depot, foo, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_MTIME_CHANGED);
    assert_int_equal(r->stale, 1);
    char *want = log_reason("logs_depotB_cp_r.txt", "RelocFoo", depot);
    // the current mtime differs from the log's; the stored one is Julia's
    char *cut = strstr(want, "(mtime ");
    assert_non_null(cut);
    *cut = 0;
    assert_memory_equal(r->reason, want, strlen(want));
    assert_non_null(strstr(r->reason, ", before 1.7955697643420377e9)"));
    assert_int_equal(r->relocatable, 0);
    assert_int_equal(r->nreloc, 1);
    assert_int_equal(r->reloc[0].code, JL_DEPOT_E_MTIME_TRACKED);
    assert_string_equal(r->reloc[0].path, "@depot/packages/RelocFoo/src/data.txt");
    free(want);
    jl_verify_result_free(r);

    // RelocBar: rejected through RelocFoo's build id, in Julia's exact words
    r = verify_with(depot, bar, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_DEPENDENCY_MISSING);
    want = log_reason("logs_depotB_cp_r.txt", "RelocBar", depot);
    assert_string_equal(r->reason, want);
    free(want);
    int seen = 0;
    for (size_t i = 0; i < r->nmods; i++) {
        if (!strcmp(r->mods[i].name, "RelocFoo")) {
            assert_int_equal(r->mods[i].verdict, JL_VERIFY_MOD_STALE);
            assert_string_equal(r->mods[i].cache, foo);
            seen = 1;
        }
        else if (i < 3) // Core, Base, Main
            assert_int_equal(r->mods[i].verdict, JL_VERIFY_MOD_SYSIMAGE);
    }
    assert_true(seen);
    jl_verify_result_free(r);

    // RelocBaz: fully content-tracked, fresh and relocatable
    r = verify_with(depot, baz, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_null(r->reason);
    assert_int_equal(r->relocatable, 1);
    assert_int_equal(r->check.crc_ji_ok, 1);
    for (size_t i = 0; i < r->ndeps; i++)
        assert_int_equal(r->deps[i].verdict, JL_VERIFY_DEP_FRESH);
    jl_verify_result_free(r);

    // RelocFoo with its data.txt mtime restored (as `cp -a` would): fresh
    char *data = jl_test_fmt("%s/packages/RelocFoo/src/data.txt", depot);
    struct timespec ts[2] = {{1795569764, 342037700}, {1795569764, 342037700}};
    assert_int_equal(utimensat(AT_FDCWD, data, ts, 0), 0);
    r = verify_with(depot, foo, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(dep_named(r, "data.txt")->verdict, JL_VERIFY_DEP_MTIME_OK);
    assert_int_equal(r->relocatable, 0);
    jl_verify_result_free(r);
    // and to whole seconds (a 1-second file system): fresh by the floor rule
    struct timespec ts2[2] = {{1795569764, 0}, {1795569764, 0}};
    assert_int_equal(utimensat(AT_FDCWD, data, ts2, 0), 0);
    r = verify_with(depot, foo, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);
    // then RelocBar is fresh too (its RelocFoo cache is)
    r = verify_with(depot, bar, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);

    free(data);
    free(foo);
    free(bar);
    free(baz);
    rm_depot(depot);
}

// ---- generated caches ---------------------------------------------------------------

static void test_fresh_and_prefix(void **state)
{
    (void)state;
    sample_t s = gen_sample("vprefix", NULL);
    jl_verify_result_t *r = verify_in(s.depot, s.shapes);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->relocatable, 1);
    assert_int_equal(r->target_from_cache, 1);
    assert_string_equal(r->pkgname, "Shapes");
    assert_int_equal(r->depot, 0);
    assert_int_equal(r->check.so_checked, 1);
    int found = 0;
    for (size_t i = 0; i < r->nmods; i++)
        if (!strcmp(r->mods[i].name, "Greeter")) {
            assert_int_equal(r->mods[i].verdict, JL_VERIFY_MOD_FOUND);
            assert_string_equal(r->mods[i].cache, s.greeter);
            found = 1;
        }
    assert_true(found);
    jl_verify_result_free(r);

    // each prefix field against a target that differs in it alone
    jl_verify_target_t base;
    memset(&base, 0, sizeof(base));
    base.julia_version = "1.11.0";
    base.julia_commit = "";
    base.os = "Linux";
    base.arch = "x86_64";
    base.flags = -1;
    r = verify_with(s.depot, s.stats, &base, 0);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->target_from_cache, 0);
    jl_verify_result_free(r);
    struct {
        int code;
        jl_verify_target_t t;
    } cases[8];
    for (int i = 0; i < 8; i++)
        cases[i].t = base;
    cases[0].code = JL_DEPOT_E_JULIA_VERSION_MISMATCH;
    cases[0].t.julia_version = "1.11.1";
    cases[1].code = JL_DEPOT_E_JULIA_COMMIT_MISMATCH;
    cases[1].t.julia_commit = "aecd8fd379a53afa780bc8a8404728b6aa22d6bc";
    cases[2].code = JL_DEPOT_E_JULIA_BRANCH_MISMATCH;
    cases[2].t.julia_branch = "release-1.11";
    cases[3].code = JL_DEPOT_E_OS_MISMATCH;
    cases[3].t.os = "Darwin";
    cases[4].code = JL_DEPOT_E_ARCH_MISMATCH;
    cases[4].t.arch = "aarch64";
    cases[5].code = JL_DEPOT_E_POINTER_SIZE_MISMATCH;
    cases[5].t.pointer_size = 4;
    cases[6].code = JL_DEPOT_E_FORMAT_VERSION_MISMATCH;
    cases[6].t.format_version = 13;
    cases[7].code = JL_DEPOT_E_FLAGS_MISMATCH;
    cases[7].t.flags = 0xA2; // --pkgimages=no against a pkgimage cache
    for (int i = 0; i < 8; i++) {
        r = verify_with(s.depot, s.stats, &cases[i].t, 0);
        assert_int_equal(r->status, cases[i].code);
        assert_non_null(r->reason);
        assert_int_equal(strncmp(r->reason, jldepot_strerror(cases[i].code),
                                 strlen(jldepot_strerror(cases[i].code))),
                         0);
        assert_int_equal(r->stale, 0);
        jl_verify_result_free(r);
    }
    free_sample(&s);
}

static void test_module_identity(void **state)
{
    (void)state;
    sample_t s = gen_sample("vmodule", NULL);
    // a cache stored under another package's name
    char *dir = jl_test_fmt("%s/compiled/v1.11/Other", s.depot);
    jl_test_mkdirs(dir);
    char *cmd = jl_test_fmt("cp '%s' '%s/x.ji'", s.stats, dir);
    sh(cmd);
    free(cmd);
    char *other = jl_test_fmt("%s/x.ji", dir);
    jl_verify_result_t *r = verify_with(s.depot, other, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_WRONG_MODULE);
    assert_string_equal(r->reason, "it is for module Stats instead of Other");
    jl_verify_result_free(r);
    // the UUID, when the caller knows it
    jl_depot_stack_t *st = stack_of(s.depot);
    jl_verify_target_t t;
    memset(&t, 0, sizeof(t));
    t.flags = -1;
    jl_cacheverify_t *v;
    assert_int_equal(jl_cacheverify_new(st, &t, &v), JL_DEPOT_E_OK);
    jl_cache_u128_t wrong = {1, 2};
    assert_int_equal(jl_cacheverify_file_pkg(v, s.stats, NULL, &wrong, &r), JL_DEPOT_E_OK);
    assert_int_equal(r->status, JL_DEPOT_E_WRONG_UUID);
    jl_verify_result_free(r);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_read_header(s.stats, 0, &cf), JL_DEPOT_E_OK);
    assert_int_equal(jl_cacheverify_file_pkg(v, s.stats, "Stats", &cf->worklist[0].uuid, &r),
                     JL_DEPOT_E_OK);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);
    jl_cachefile_free(cf);
    jl_cacheverify_free(v);
    jl_depot_stack_free(st);
    free(other);
    free(dir);
    free_sample(&s);
}

static void test_required_modules(void **state)
{
    (void)state;
    sample_t s = gen_sample("vreq", NULL);
    // Greeter's source edited: its cache is stale, so Shapes loses it
    char *g = find_file(s.depot, "greetings.jl");
    FILE *f = fopen(g, "a");
    fputs("# edit\n", f);
    fclose(f);
    jl_verify_result_t *r = verify_in(s.depot, s.shapes);
    assert_int_equal(r->status, JL_DEPOT_E_DEPENDENCY_MISSING);
    assert_non_null(strstr(r->reason, "\"Greeter\") with build ID fafbfcfd-"));
    int seen = 0;
    for (size_t i = 0; i < r->nmods; i++)
        if (!strcmp(r->mods[i].name, "Greeter")) {
            assert_int_equal(r->mods[i].verdict, JL_VERIFY_MOD_STALE);
            seen = 1;
        }
    assert_true(seen);
    jl_verify_result_free(r);
    // Greeter rebuilt with another build id: present, but not the one required
    char *ng = run_mkcache(s.depot, "--pkgimage --seed 7", "Greeter");
    assert_non_null(ng);
    r = verify_in(s.depot, s.greeter);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);
    r = verify_in(s.depot, s.shapes);
    assert_int_equal(r->status, JL_DEPOT_E_DEPENDENCY_MISSING);
    for (size_t i = 0; i < r->nmods; i++)
        if (!strcmp(r->mods[i].name, "Greeter"))
            assert_int_equal(r->mods[i].verdict, JL_VERIFY_MOD_MISSING);
    jl_verify_result_free(r);
    // no cache of Greeter at all, but its sources in the depot: missing
    char *cmd = jl_test_fmt("rm -rf '%s/compiled/v1.11/Greeter'", s.depot);
    sh(cmd);
    free(cmd);
    r = verify_in(s.depot, s.shapes);
    assert_int_equal(r->status, JL_DEPOT_E_DEPENDENCY_MISSING);
    jl_verify_result_free(r);
    // neither: assumed from the sysimage (as a stdlib would be)
    cmd = jl_test_fmt("mv '%s/packages/Greeter' '%s/Greeter.away'", s.depot, s.depot);
    sh(cmd);
    free(cmd);
    r = verify_with(s.depot, s.shapes, NULL, JL_VERIFY_NO_DEPS);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    for (size_t i = 0; i < r->nmods; i++)
        if (!strcmp(r->mods[i].name, "Greeter"))
            assert_int_equal(r->mods[i].verdict, JL_VERIFY_MOD_SYSIMAGE);
    jl_verify_result_free(r);
    free(ng);
    free(g);
    free_sample(&s);
}

static void test_pkgimage_and_crc(void **state)
{
    (void)state;
    sample_t s = gen_sample("vcrc", NULL);
    char *so = jl_cachefile_so_path(s.stats);
    char *gso = jl_cachefile_so_path(s.greeter);
    char *away = jl_test_fmt("%s.away", so);
    assert_int_equal(rename(so, away), 0);
    jl_verify_result_t *r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_PKGIMAGE_MISSING);
    jl_verify_result_free(r);
    r = verify_with(s.depot, s.stats, NULL, JL_VERIFY_IGNORE_PKGIMAGE);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);
    // another package's pkgimage in its place
    char *cmd = jl_test_fmt("cp '%s' '%s'", gso, so);
    sh(cmd);
    free(cmd);
    r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_CRC_SO);
    char *want = jl_test_fmt("%s has an invalid checksum", so);
    assert_string_equal(r->reason, want);
    free(want);
    jl_verify_result_free(r);
    assert_int_equal(rename(away, so), 0);
    // a byte of the source text flipped: crc_ji
    size_t len;
    uint8_t *b = jl_test_read_file(s.stats, &len);
    b[len - 20] ^= 0x20;
    jl_test_write_file(s.stats, b, len);
    r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_CRC_JI);
    assert_string_equal(r->reason, "it has an invalid checksum");
    assert_int_equal(r->check.crc_ji_ok, 0);
    jl_verify_result_free(r);
    free(b);
    free(away);
    free(so);
    free(gso);
    free_sample(&s);
}

static void test_dependency_verdicts(void **state)
{
    (void)state;
    sample_t s = gen_sample("vdeps", NULL);
    char *moments = find_file(s.depot, "moments.jl");
    size_t len;
    uint8_t *orig = jl_test_read_file(moments, &len);
    // same size, other bytes: hash
    uint8_t *b = malloc(len);
    memcpy(b, orig, len);
    b[0] ^= 1;
    jl_test_write_file(moments, b, len);
    jl_verify_result_t *r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_FILE_HASH_CHANGED);
    assert_int_equal(r->stale, 1);
    const jl_verify_dep_t *d = dep_named(r, "moments.jl");
    assert_int_equal(d->verdict, JL_VERIFY_DEP_HASH_CHANGED);
    assert_string_equal(d->resolved, moments);
    char *want =
        jl_test_fmt("hash of %s has changed (hash 0x%08x, before 0x%08x)", moments,
                    jl_crc32c(0, (const char *)b, len), jl_crc32c(0, (const char *)orig, len));
    assert_string_equal(r->reason, want);
    free(want);
    assert_int_equal(r->relocatable, 1); // staleness is not a relocation matter
    jl_verify_result_free(r);
    // longer: size
    jl_test_write_file(moments, orig, len - 1);
    r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_FILE_SIZE_CHANGED);
    want = jl_test_fmt("file size of %s has changed (file size %zu, before %zu)", moments, len - 1,
                       len);
    assert_string_equal(r->reason, want);
    free(want);
    jl_verify_result_free(r);
    // gone: missing
    assert_int_equal(unlink(moments), 0);
    r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_FILE_MISSING);
    want = jl_test_fmt("file %s does not exist", moments);
    assert_string_equal(r->reason, want);
    free(want);
    jl_verify_result_free(r);
    jl_test_write_file(moments, orig, len);
    r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);

    // a content-tracked directory: a new entry changes the hash of its names
    char *tdir = find_file(s.depot, "templates");
    struct stat st0, st1;
    assert_int_equal(stat(tdir, &st0), 0);
    char *nf = jl_test_fmt("%s/new.txt", tdir);
    jl_test_write_file(nf, "n", 1);
    assert_int_equal(stat(tdir, &st1), 0);
    r = verify_in(s.depot, s.greeter);
    d = dep_named(r, "/templates");
    assert_int_equal(r->status, st0.st_size == st1.st_size ? JL_DEPOT_E_FILE_HASH_CHANGED
                                                           : JL_DEPOT_E_FILE_SIZE_CHANGED);
    assert_int_equal(d->kind, JL_CACHE_DEP_INCLUDE_DEPENDENCY);
    assert_string_equal(d->resolved, tdir);
    jl_verify_result_free(r);
    assert_int_equal(unlink(nf), 0);
    r = verify_in(s.depot, s.greeter);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);

    // the sources gone: tokens resolve nowhere
    char *cmd = jl_test_fmt("mv '%s/packages' '%s/packages.away'", s.depot, s.depot);
    sh(cmd);
    free(cmd);
    r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_DEPOT_UNRESOLVED);
    assert_int_equal(r->relocatable, 0);
    assert_int_equal(r->reloc[0].code, JL_DEPOT_E_UNRESOLVED_TOKEN);
    assert_int_equal(r->deps[0].verdict, JL_VERIFY_DEP_UNRESOLVED);
    jl_verify_result_free(r);

    free(nf);
    free(tdir);
    free(b);
    free(orig);
    free(moments);
    free_sample(&s);
}

static void test_mtime_tracked(void **state)
{
    (void)state;
    sample_t s = gen_sample("vmtime", "--mtime-deps");
    jl_verify_result_t *r = verify_in(s.depot, s.greeter);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->relocatable, 0);
    assert_int_equal(r->nreloc, 2); // salutations.txt and templates
    for (size_t i = 0; i < r->nreloc; i++)
        assert_int_equal(r->reloc[i].code, JL_DEPOT_E_MTIME_TRACKED);
    const jl_verify_dep_t *d = dep_named(r, "salutations.txt");
    assert_int_equal(d->verdict, JL_VERIFY_DEP_MTIME_OK);
    double stored = d->mtime;
    char *path = strdup(d->resolved);
    jl_verify_result_free(r);
    // each tolerated mtime keeps it fresh; others make it stale
    double ok[] = {floor(stored), ceil(stored), trunc(stored * 1e6) / 1e6, 1.0};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct timespec ts[2];
        ts[0].tv_sec = ts[1].tv_sec = (time_t)ok[i];
        ts[0].tv_nsec = ts[1].tv_nsec = (long)llround((ok[i] - floor(ok[i])) * 1e9);
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
        r = verify_in(s.depot, s.greeter);
        if (r->status != JL_DEPOT_E_OK)
            fail_msg("mtime %.9f (stored %.9f): %s", ok[i], stored, r->reason);
        jl_verify_result_free(r);
    }
    struct timespec ts[2] = {{(time_t)stored + 5, 0}, {(time_t)stored + 5, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    r = verify_in(s.depot, s.greeter);
    assert_int_equal(r->status, JL_DEPOT_E_MTIME_CHANGED);
    assert_int_equal(r->stale, 1);
    char a[32], b[32];
    jl_verify_float_repr((double)((time_t)stored + 5), a);
    jl_verify_float_repr(stored, b);
    char *want =
        jl_test_fmt("mtime of include_dependency %s has changed (mtime %s, before %s)", path, a, b);
    assert_string_equal(r->reason, want);
    free(want);
    jl_verify_result_free(r);
    // Shapes depends on it: rejected through the build id
    r = verify_in(s.depot, s.shapes);
    assert_int_equal(r->status, JL_DEPOT_E_DEPENDENCY_MISSING);
    jl_verify_result_free(r);
    free(path);
    free_sample(&s);
}

static void test_containing_depot_first(void **state)
{
    (void)state;
    // the same sources in two depots; the cache in the second
    char *d1 = copy_depot("sample-depot", "vcont1");
    char *d2 = copy_depot("sample-depot", "vcont2");
    char *stats = run_mkcache(d2, "--pkgimage", "Stats");
    assert_non_null(stats);
    char *dp = jl_test_fmt("%s:%s", d1, d2);
    // D1's copy edited: D2's sources are the ones checked
    char *m1 = find_file(d1, "moments.jl");
    FILE *f = fopen(m1, "a");
    fputs("# edit\n", f);
    fclose(f);
    jl_verify_result_t *r = verify_in(dp, stats);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->depot, 1);
    for (size_t i = 0; i < r->ndeps; i++)
        if (r->deps[i].kind != JL_CACHE_DEP_REQUIRE) {
            assert_int_equal(r->deps[i].depot, 1);
            assert_int_equal(strncmp(r->deps[i].resolved, d2, strlen(d2)), 0);
        }
    jl_verify_result_free(r);
    // D2's copy edited instead: stale, whatever D1 holds
    char *m2 = find_file(d2, "moments.jl");
    f = fopen(m2, "a");
    fputs("# edit\n", f);
    fclose(f);
    r = verify_in(dp, stats);
    assert_int_equal(r->status, JL_DEPOT_E_FILE_SIZE_CHANGED);
    assert_non_null(strstr(r->reason, m2));
    jl_verify_result_free(r);

    // include() sources split over two depots: moments.jl only in D1
    assert_int_equal(unlink(m2), 0);
    r = verify_in(dp, stats);
    assert_int_equal(r->status, JL_DEPOT_E_INCLUDE_DEPOTS_DIFFER);
    assert_non_null(strstr(r->reason, "include() sources resolve to different depots"));
    assert_int_equal(dep_named(r, "moments.jl")->verdict, JL_VERIFY_DEP_DEPOT_CONFLICT);
    assert_int_equal(r->relocatable, 0);
    assert_int_equal(r->reloc[0].code, JL_DEPOT_E_INCLUDE_DEPOTS_DIFFER);
    jl_verify_result_free(r);
    // without D1 on the stack, the missing include is looked for in D2
    r = verify_in(d2, stats);
    assert_int_equal(r->status, JL_DEPOT_E_FILE_MISSING);
    assert_string_equal(dep_named(r, "moments.jl")->resolved, m2);
    jl_verify_result_free(r);

    free(m1);
    free(m2);
    free(dp);
    free(stats);
    rm_depot(d1);
    rm_depot(d2);
}

// Rewrite every `@depot/...` name of a cache to `prefix/...` (both lists).
typedef struct {
    const char *prefix;
} absmap_t;

static int to_abs(void *ctx, const char *name, size_t len, char **newname, size_t *newlen)
{
    absmap_t *m = (absmap_t *)ctx;
    if (len > 7 && !memcmp(name, "@depot/", 7)) {
        *newname = jl_test_fmt("%s/%.*s", m->prefix, (int)(len - 7), name + 7);
        *newlen = strlen(*newname);
    }
    return JL_DEPOT_E_OK;
}

static void rewrite_abs(const char *ji, const char *prefix)
{
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_read(ji, 0, &cf), JL_DEPOT_E_OK);
    absmap_t m = {prefix};
    uint8_t *out;
    size_t outlen;
    assert_int_equal(jl_cachefile_rewrite_names(cf, to_abs, &m, &out, &outlen), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_write_atomic(ji, out, outlen, -1), JL_DEPOT_E_OK);
    free(out);
    jl_cachefile_free(cf);
}

static void test_absolute_paths(void **state)
{
    (void)state;
    // absolute paths inside the depot: fresh, not relocatable (ABSOLUTE_PATH)
    sample_t s = gen_sample("vabs", NULL);
    rewrite_abs(s.stats, s.depot);
    jl_verify_result_t *r = verify_in(s.depot, s.stats);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->relocatable, 0);
    assert_true(r->nreloc >= 2);
    for (size_t i = 0; i < r->nreloc; i++) {
        assert_int_equal(r->reloc[i].code, JL_DEPOT_E_ABSOLUTE_PATH);
        assert_int_equal(strncmp(r->reloc[i].path, s.depot, strlen(s.depot)), 0);
    }
    jl_verify_result_free(r);

    // a package outside every depot: fresh in place, not relocatable, path named
    char *outside = jl_test_mkdtemp("voutside");
    char *cmd = jl_test_fmt("cp -r '%s/packages' '%s/packages'", s.depot, outside);
    sh(cmd);
    free(cmd);
    rewrite_abs(s.greeter, outside);
    r = verify_in(s.depot, s.greeter);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->relocatable, 0);
    for (size_t i = 0; i < r->nreloc; i++) {
        assert_int_equal(r->reloc[i].code, JL_DEPOT_E_NOT_RELOCATABLE);
        assert_int_equal(strncmp(r->reloc[i].path, outside, strlen(outside)), 0);
        assert_non_null(strstr(r->reloc[i].text, "outside every depot"));
    }
    assert_true(r->deps[0].outside);
    jl_verify_result_free(r);
    // and stale when the outside file changes
    char *sal = jl_test_fmt("%s/packages/Greeter/Xk3pQ/src/salutations.txt", outside);
    jl_test_write_file(sal, "Howdy\n", 6);
    r = verify_in(s.depot, s.greeter);
    assert_true(r->status == JL_DEPOT_E_FILE_SIZE_CHANGED ||
                r->status == JL_DEPOT_E_FILE_HASH_CHANGED);
    assert_non_null(strstr(r->reason, sal));
    jl_verify_result_free(r);
    free(sal);
    assert_int_equal(jl_test_rmtree(outside), 0);
    free(outside);
    free_sample(&s);
}

static void test_layouts(void **state)
{
    (void)state;
    // L10: absolute paths compared verbatim, mtime rules, not relocatable
    char *d = copy_depot("sample-depot", "vl10");
    char *ji = run_mkcache(d, "--layout l10", "Stats");
    assert_non_null(ji);
    jl_verify_target_t t;
    memset(&t, 0, sizeof(t));
    t.flags = 0xA2;
    jl_verify_result_t *r = verify_with(d, ji, &t, 0);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->layout, JL_CACHE_LAYOUT_L10);
    assert_int_equal(r->relocatable, 0);
    assert_true(r->deps[0].mtime_tracked);
    assert_int_equal(r->deps[0].verdict, JL_VERIFY_DEP_MTIME_OK);
    assert_int_equal(r->reloc[0].code, JL_DEPOT_E_ABSOLUTE_PATH);
    jl_verify_result_free(r);
    // the default request (pkgimages) does not match a .ji-only cache
    r = verify_in(d, ji);
    assert_int_equal(r->status, JL_DEPOT_E_FLAGS_MISMATCH);
    jl_verify_result_free(r);
    // touched: stale by mtime
    char *src = find_file(d, "Stats.jl");
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, src, ts, 0), 0);
    r = verify_with(d, ji, &t, 0);
    assert_int_equal(r->status, JL_DEPOT_E_MTIME_CHANGED);
    jl_verify_result_free(r);
    free(src);
    free(ji);
    rm_depot(d);

    // M13 with a pkgimage: fresh, relocatable
    d = copy_depot("sample-depot", "vm13");
    ji = run_mkcache(d, "--layout m13 --pkgimage", "Stats");
    assert_non_null(ji);
    r = verify_in(d, ji);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    assert_int_equal(r->layout, JL_CACHE_LAYOUT_M13);
    assert_int_equal(r->relocatable, 1);
    jl_verify_result_free(r);
    free(ji);
    rm_depot(d);
}

static void test_bad_input(void **state)
{
    (void)state;
    char *d = jl_test_mkdtemp("vbad");
    jl_depot_stack_t *s = stack_of(d);
    jl_verify_target_t t;
    memset(&t, 0, sizeof(t));
    t.flags = -1;
    jl_cacheverify_t *v;
    assert_int_equal(jl_cacheverify_new(s, &t, &v), JL_DEPOT_E_OK);
    jl_verify_result_t *r;
    char *missing = jl_test_fmt("%s/compiled/v1.11/X/x.ji", d);
    assert_int_equal(jl_cacheverify_file(v, missing, &r), JL_DEPOT_E_OK);
    assert_int_equal(r->status, JL_DEPOT_E_NOT_FOUND);
    jl_verify_result_free(r);
    char *junk = jl_test_fmt("%s/junk.ji", d);
    jl_test_write_file(junk, "not a cache file at all", 23);
    assert_int_equal(jl_cacheverify_file(v, junk, &r), JL_DEPOT_E_OK);
    assert_int_equal(r->status, JL_DEPOT_E_BAD_MAGIC);
    assert_non_null(r->reason);
    jl_verify_result_free(r);
    assert_int_equal(jl_cacheverify_file(v, "", &r), JL_DEPOT_E_INVALID_ARGUMENT);
    assert_null(r);
    assert_int_equal(jl_cacheverify_file(v, NULL, &r), JL_DEPOT_E_INVALID_ARGUMENT);
    jl_cacheverify_free(v);
    jl_depot_stack_free(s);
    free(junk);
    free(missing);
    assert_int_equal(jl_test_rmtree(d), 0);
    free(d);
}

JL_TEST_MAIN(cmocka_unit_test(test_flags_rules), cmocka_unit_test(test_mtime_tolerances),
             cmocka_unit_test(test_float_repr), cmocka_unit_test(test_dir_crc),
             cmocka_unit_test(test_real_cp_r), cmocka_unit_test(test_fresh_and_prefix),
             cmocka_unit_test(test_module_identity), cmocka_unit_test(test_required_modules),
             cmocka_unit_test(test_pkgimage_and_crc), cmocka_unit_test(test_dependency_verdicts),
             cmocka_unit_test(test_mtime_tracked), cmocka_unit_test(test_containing_depot_first),
             cmocka_unit_test(test_absolute_paths), cmocka_unit_test(test_layouts),
             cmocka_unit_test(test_bad_input))
