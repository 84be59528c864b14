// This file is a part of the jldepot project. License is MIT.

/*
  test-depotpath-props.c: properties over generated paths (fixed seed):
  resolve(tokenize(p)) == normalize(p) for every p under a root, tokenize is
  idempotent, no token for a non-component prefix; and the memoized namemap
  (one real tokenize/resolve per distinct string, stable results).
*/

#include <utf8proc.h>

#include "testutil.h"
#include "depotpath.h"
#include "jldepot_model.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

// Roots: a classic depot, a non-ASCII one, a depot nested in the first.
#define D0     "/r/alpha"
#define D1     "/r/b\xc3\xa9ta/depot" // "béta", NFC
#define D2     "/r/alpha/nested"
#define D1_NFD "/r/be\xcc\x81ta/depot"

static jl_depot_stack_t *props_stack(void)
{
    return jl_test_classic_stack(D0 ":" D1 ":" D2, 0);
}

static const char *const comps[] = {"packages",
                                    "src",
                                    "Foo",
                                    "Bar.jl",
                                    "compiled",
                                    "artifacts",
                                    "scratchspaces",
                                    "v1.11",
                                    "x\ny",
                                    "\xc3\xa9t\xc3\xa9",
                                    "..",
                                    ".",
                                    "",
                                    "a b",
                                    "@depot",
                                    "nested",
                                    "abc_XyZ",
                                    "\\",
                                    "depot"};
static const char *const prefixes[] = {
    D0, D1, D2, D1_NFD, D0 "/compiled", D0 "/artifacts", D2 "/scratchspaces", "/r", "/elsewhere"};

// A random absolute path; *under is set when it lies under some depot root
// after normalization (the caller double-checks through the results).
static char *gen_path(int *which_prefix)
{
    char buf[1024];
    int pi = (int)rnd(sizeof(prefixes) / sizeof(prefixes[0]));
    *which_prefix = pi;
    size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", prefixes[pi]);
    int k = (int)rnd(7);
    for (int i = 0; i < k; i++) {
        const char *c = comps[rnd(sizeof(comps) / sizeof(comps[0]))];
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "/%s", c);
    }
    if (rnd(8) == 0)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "/");
    return strdup(buf);
}

static char *nfc(const char *s)
{
    return (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
}

static void test_round_trip_property(void **state)
{
    (void)state;
    rng_state = 20240531;
    jl_depot_stack_t *s = props_stack();
    int ok = 0, notreloc = 0;
    for (int iter = 0; iter < 20000; iter++) {
        int pi;
        char *p = gen_path(&pi);
        char *norm = NULL;
        assert_int_equal(jldepot_normalize(p, &norm), JL_DEPOT_E_OK);
        long target = (long)rnd(4) - 1;
        char tok[2048], res[2048], tok2[2048];
        size_t tl, rl, tl2;
        long depot = -2;
        int err = jl_depot_tokenize_buf(s, target, p, strlen(p), tok, sizeof(tok), &tl, &depot);
        if (err == JL_DEPOT_E_OK) {
            ok++;
            assert_int_equal(tok[0], '@');
            assert_true(depot >= 0 && depot < 3);
            // resolve(tokenize(p)) == normalize(p), in the depot that matched
            assert_int_equal(jl_depot_resolve_buf(s, depot, JL_DEPOT_RESOLVE_NOSTAT, tok, tl, res,
                                                  sizeof(res), &rl, NULL),
                             JL_DEPOT_E_OK);
            char *a = nfc(res), *b = nfc(norm);
            if (strcmp(a, b) != 0)
                fail_msg("round trip of '%s': token '%s' resolved to '%s', normalized '%s'", p, tok,
                         res, norm);
            free(a);
            free(b);
            if (pi != 3) // as-given spellings resolve byte for byte
                assert_string_equal(res, norm);
            // idempotent: a token form is returned as is
            assert_int_equal(
                jl_depot_tokenize_buf(s, target, tok, tl, tok2, sizeof(tok2), &tl2, NULL),
                JL_DEPOT_E_OK);
            assert_string_equal(tok2, tok);
            // a path under a root never stays absolute
            assert_true(pi <= 6);
        }
        else {
            assert_int_equal(err, JL_DEPOT_E_NOT_RELOCATABLE);
            notreloc++;
            assert_string_equal(tok, norm);
            // only paths outside every root (or climbing out with `..`) stay absolute
            assert_true(pi >= 7 || strstr(p, "..") != NULL);
        }
        free(norm);
        free(p);
    }
    assert_true(ok > 10000);
    assert_true(notreloc > 100);
    jl_depot_stack_free(s);
}

static void test_non_component_prefix(void **state)
{
    (void)state;
    rng_state = 7;
    jl_depot_stack_t *s = props_stack();
    const char *roots[] = {"/r/alph",       D0 "x",      D0 "-1.11", D1 "s",
                           D0 "/compiledx", "/r/alpha.", "/r/alphA"};
    for (int iter = 0; iter < 5000; iter++) {
        const char *r = roots[rnd(sizeof(roots) / sizeof(roots[0]))];
        char p[512];
        size_t n = (size_t)snprintf(p, sizeof(p), "%s", r);
        int k = (int)rnd(4);
        for (int i = 0; i < k; i++)
            n += (size_t)snprintf(p + n, sizeof(p) - n, "/%s", comps[rnd(3)]);
        char *out = NULL;
        int err = jldepot_tokenize(s, -1, p, &out);
        if (strncmp(r, D0 "/", strlen(D0) + 1) == 0) {
            // under D0 itself, but not under its @compiled root
            assert_int_equal(err, JL_DEPOT_E_OK);
            assert_true(strncmp(out, "@compiled", 9) != 0);
        }
        else {
            if (err != JL_DEPOT_E_NOT_RELOCATABLE)
                fail_msg("'%s' tokenized to '%s'", p, out);
        }
        free(out);
    }
    jl_depot_stack_free(s);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int nm_tokenize(jl_depot_namemap_t *m, const char *path, const char **out)
{
    return jl_depot_namemap_tokenize_n(m, path, strlen(path), out);
}

static int nm_resolve(jl_depot_namemap_t *m, const char *tokenized, const char **out)
{
    return jl_depot_namemap_resolve_n(m, tokenized, strlen(tokenized), out);
}

// A memoized answer is the map's own string: the same address every time.
static void test_namemap_memoizes(void **state)
{
    (void)state;
    rng_state = 99;
    jl_depot_stack_t *s = props_stack();
    jl_depot_namemap_t *m = NULL;
    assert_int_equal(
        jl_depot_namemap_new(s, D1 "/compiled/v1.11/Foo/abc.ji", JL_DEPOT_NAMEMAP_NOSTAT, &m),
        JL_DEPOT_E_OK);
    enum { NDISTINCT = 3000 };
    char **paths = (char **)calloc(NDISTINCT, sizeof(char *));
    const char **first = (const char **)calloc(NDISTINCT, sizeof(char *));
    const char **firstres = (const char **)calloc(NDISTINCT, sizeof(char *));
    char **toks = (char **)calloc(NDISTINCT, sizeof(char *));
    for (int i = 0; i < NDISTINCT; i++) {
        const char *root = i % 3 == 0 ? D0 : i % 3 == 1 ? D1 : D2;
        paths[i] = jl_test_fmt("%s/packages/P%d/s%d/src/f%d.jl", root, i % 97, i % 13, i);
    }
    // one pass to record the first answers and check them against direct calls
    for (int i = 0; i < NDISTINCT; i++) {
        const char *t = NULL;
        assert_int_equal(nm_tokenize(m, paths[i], &t), JL_DEPOT_E_OK);
        char *direct = NULL;
        assert_int_equal(jldepot_tokenize(s, 1, paths[i], &direct), JL_DEPOT_E_OK);
        assert_string_equal(t, direct);
        free(direct);
        first[i] = t;
        toks[i] = strdup(t);
        assert_int_equal(nm_resolve(m, t, &firstres[i]), JL_DEPOT_E_OK);
        assert_non_null(firstres[i]);
    }
    // equal token forms are one entry: the same resolved string
    qsort(toks, NDISTINCT, sizeof(char *), cmpstr);
    for (int i = 1; i < NDISTINCT; i++) {
        const char *a = NULL, *b = NULL;
        if (strcmp(toks[i], toks[i - 1]) != 0)
            continue;
        assert_int_equal(nm_resolve(m, toks[i], &a), JL_DEPOT_E_OK);
        assert_int_equal(nm_resolve(m, toks[i - 1], &b), JL_DEPOT_E_OK);
        assert_ptr_equal(a, b);
    }
    // a million lookups
    for (int k = 0; k < 1000000; k++) {
        int i = (int)rnd(NDISTINCT);
        const char *t = NULL, *r = NULL;
        if (k & 1) {
            assert_int_equal(nm_tokenize(m, paths[i], &t), JL_DEPOT_E_OK);
            if (t != first[i]) // the same string at the same address
                fail_msg("unstable result for %s", paths[i]);
        }
        else {
            assert_int_equal(nm_resolve(m, first[i], &r), JL_DEPOT_E_OK);
            if (r != firstres[i])
                fail_msg("unstable result for %s", first[i]);
        }
    }
    // resolve answers: containing depot (1) for its own names, NOSTAT
    const char *r = NULL;
    assert_int_equal(nm_resolve(m, "@depot/packages/x.jl", &r), JL_DEPOT_E_OK);
    assert_string_equal(r, D1 "/packages/x.jl");
    // errors are memoized too, with their outputs
    const char *e = (const char *)1, *outside = NULL;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(nm_resolve(m, "@foo/x", &e), JL_DEPOT_E_UNKNOWN_TOKEN);
        assert_null(e);
        assert_int_equal(nm_tokenize(m, "/outside/x", &e), JL_DEPOT_E_NOT_RELOCATABLE);
        assert_string_equal(e, "/outside/x");
        if (k > 0)
            assert_ptr_equal(e, outside);
        outside = e;
        assert_int_equal(jl_depot_namemap_tokenize_n(m, "/a\0b", 4, &e), JL_DEPOT_E_NUL_BYTE);
        assert_null(e);
    }
    jl_depot_namemap_free(m);
    for (int i = 0; i < NDISTINCT; i++) {
        free(paths[i]);
        free(toks[i]);
    }
    free(paths);
    free(toks);
    free(first);
    free(firstres);
    jl_depot_stack_free(s);
}

static void test_namemap_flags(void **state)
{
    (void)state;
    jl_depot_stack_t *s = props_stack();
    jl_depot_namemap_t *m = NULL;
    assert_int_equal(jl_depot_namemap_new(s, NULL, 0, &m), JL_DEPOT_E_OK);
    const char *t = NULL;
    assert_int_equal(nm_tokenize(m, D0 "/compiled/v1.11/x.ji", &t), JL_DEPOT_E_OK);
    assert_string_equal(t, "@compiled/v1.11/x.ji");
    // with stat: no file exists here, so the first candidate and UNRESOLVED_TOKEN
    assert_int_equal(nm_resolve(m, "@depot/none", &t), JL_DEPOT_E_UNRESOLVED_TOKEN);
    assert_string_equal(t, D0 "/none");
    jl_depot_namemap_free(m);
    jl_depot_stack_free(s);
}

JL_TEST_MAIN(cmocka_unit_test(test_round_trip_property),
             cmocka_unit_test(test_non_component_prefix), cmocka_unit_test(test_namemap_memoizes),
             cmocka_unit_test(test_namemap_flags))
