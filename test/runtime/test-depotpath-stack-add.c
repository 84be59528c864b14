// This file is a part of the jldepot project. License is MIT.

/*
  test-depotpath-stack-add.c: the runtime's depot stack as Base fills it
  (jl_depot_stack_new + jl_depot_stack_add): the role roots normalized, bad
  roots rejected with the stack unchanged, a depot listed twice keeping its
  first place, case folding, and role roots anywhere (a depot need not be
  classic).  Which depots are classic matters only to the tool's upstream
  form (test/cli/test-tool-upstream.c).
*/

#include "testutil.h"
#include "depotpath.h"
#include "jldepot_model.h"

static int add4(jl_depot_stack_t *s, const char *d, const char *a, const char *c, const char *k)
{
    const char *roots[JL_DEPOT_NROLES] = {d, a, c, k};
    return jl_depot_stack_add(s, roots);
}

static void check_roots(jl_depot_stack_t *s, size_t i, const char *d, const char *a, const char *c,
                        const char *k)
{
    const char *want[JL_DEPOT_NROLES] = {d, a, c, k};
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        const char *got = jl_depot_root(s, i, (jl_depot_role_t)r);
        if (got == NULL || strcmp(got, want[r]) != 0)
            fail_msg("depot %zu, %s: got '%s', want '%s'", i,
                     jl_depot_token_name((jl_depot_role_t)r), got ? got : "(null)", want[r]);
    }
}

// tokenize `path` and check the error code, output and depot.
static void check_tok(jl_depot_stack_t *s, const char *path, int want_err, const char *want,
                      long want_depot)
{
    char buf[1024];
    size_t ol = 0;
    long depot = -1;
    int err = jl_depot_tokenize_buf(s, -1, path, strlen(path), buf, sizeof(buf), &ol, &depot);
    if (err != want_err || strcmp(buf, want) != 0 || (err == JL_DEPOT_E_OK && depot != want_depot))
        fail_msg("tokenize(%s): got %s '%s' (depot %ld), want %s '%s' (depot %ld)", path,
                 jldepot_errname(err), buf, depot, jldepot_errname(want_err), want, want_depot);
}

static void test_new_is_empty(void **state)
{
    (void)state;
    for (int fold = -1; fold <= 1; fold++) {
        jl_depot_stack_t *s = jl_depot_stack_new(fold);
        assert_non_null(s);
        assert_int_equal(jl_depot_stack_size(s), 0);
        assert_null(jl_depot_root(s, 0, JL_DEPOT_ROLE_DEPOT));
        char *out = NULL;
        assert_int_equal(jldepot_resolve(s, NULL, 0, "@depot/x", &out),
                         JL_DEPOT_E_EMPTY_DEPOT_PATH);
        assert_null(out);
        check_tok(s, "/d/x", JL_DEPOT_E_NOT_RELOCATABLE, "/d/x", -1);
        jl_depot_stack_free(s);
    }
    jl_depot_stack_free(NULL);
}

static void test_add_normalizes(void **state)
{
    (void)state;
    jl_depot_stack_t *s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(add4(s, "/d/", "/d/./artifacts", "/d//compiled/", "/d/x/../scratchspaces"),
                     JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_stack_size(s), 1);
    check_roots(s, 0, "/d", "/d/artifacts", "/d/compiled", "/d/scratchspaces");
    assert_null(jl_depot_root(s, 0, JL_DEPOT_NROLES));
    assert_null(jl_depot_root(s, 1, JL_DEPOT_ROLE_DEPOT));
    check_tok(s, "/d/compiled/v1.11/A.ji", JL_DEPOT_E_OK, "@compiled/v1.11/A.ji", 0);
    char *out = NULL;
    assert_int_equal(jldepot_resolve(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@cache/u/f", &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, "/d/scratchspaces/u/f");
    free(out);
    // roots in any directories: Base decides where each role lives
    assert_int_equal(add4(s, "/e", "/art", "/var/cache/c/", "/s/./t"), JL_DEPOT_E_OK);
    check_roots(s, 1, "/e", "/art", "/var/cache/c", "/s/t");
    check_tok(s, "/var/cache/c/v1.11/B.ji", JL_DEPOT_E_OK, "@compiled/v1.11/B.ji", 1);
    check_tok(s, "/art/h/lib", JL_DEPOT_E_OK, "@artifacts/h/lib", 1);
    jl_depot_stack_free(s);
}

// A rejected depot leaves the stack as it was, whichever role root is bad.
static void test_add_rejects(void **state)
{
    (void)state;
    jl_depot_stack_t *s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(jl_test_add_classic(s, "/d"), JL_DEPOT_E_OK);
    size_t big = JL_DEPOT_PATH_MAX + 1;
    char *longp = (char *)malloc(big + 1);
    assert_non_null(longp);
    memset(longp, 'a', big);
    longp[0] = '/';
    longp[big] = '\0';
    struct {
        const char *root;
        int err;
    } bad[] = {
        {"rel/x", JL_DEPOT_E_RELATIVE_PATH}, {"e", JL_DEPOT_E_RELATIVE_PATH},
        {"./e", JL_DEPOT_E_RELATIVE_PATH},   {"@depot/e", JL_DEPOT_E_RELATIVE_PATH},
        {"", JL_DEPOT_E_EMPTY_PATH},         {NULL, JL_DEPOT_E_EMPTY_PATH},
        {longp, JL_DEPOT_E_PATH_TOO_LONG},
    };
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            const char *roots[JL_DEPOT_NROLES] = {"/e", "/e/artifacts", "/e/compiled",
                                                  "/e/scratchspaces"};
            roots[r] = bad[k].root;
            int err = jl_depot_stack_add(s, roots);
            if (err != bad[k].err)
                fail_msg("role %d, root '%s': got %s, want %s", r,
                         bad[k].root ? bad[k].root : "(null)", jldepot_errname(err),
                         jldepot_errname(bad[k].err));
            assert_int_equal(jl_depot_stack_size(s), 1);
        }
    }
    free(longp);
    check_roots(s, 0, "/d", "/d/artifacts", "/d/compiled", "/d/scratchspaces");
    check_tok(s, "/e/x", JL_DEPOT_E_NOT_RELOCATABLE, "/e/x", -1);
    // a root at the longest length is fine
    char *maxp = (char *)malloc(JL_DEPOT_PATH_MAX + 1);
    assert_non_null(maxp);
    memset(maxp, 'b', JL_DEPOT_PATH_MAX);
    maxp[0] = '/';
    maxp[JL_DEPOT_PATH_MAX] = '\0';
    assert_int_equal(add4(s, "/m", maxp, "/m/compiled", "/m/scratchspaces"), JL_DEPOT_E_OK);
    assert_string_equal(jl_depot_root(s, 1, JL_DEPOT_ROLE_ARTIFACTS), maxp);
    free(maxp);
    // the depot, rejected before, was not taken as present
    assert_int_equal(jl_test_add_classic(s, "/e"), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_stack_size(s), 3);
    check_tok(s, "/e/x", JL_DEPOT_E_OK, "@depot/x", 2);
    // a depot already present is still checked: bad roots are an error
    assert_int_equal(add4(s, "/d", "rel", "/d/compiled", "/d/scratchspaces"),
                     JL_DEPOT_E_RELATIVE_PATH);
    assert_int_equal(jl_depot_stack_size(s), 3);
    jl_depot_stack_free(s);
}

// A depot whose @depot root is already on the stack is dropped (Julia's
// `path in DEPOT_PATH || push!(...)`): the first one keeps its place and
// its roots.
static void test_add_duplicates(void **state)
{
    (void)state;
    jl_depot_stack_t *s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(jl_test_add_classic(s, "/a"), JL_DEPOT_E_OK);
    assert_int_equal(jl_test_add_classic(s, "/b"), JL_DEPOT_E_OK);
    // the same @depot root, spelled otherwise, with other role roots
    assert_int_equal(add4(s, "/a/", "/x/artifacts", "/x/compiled", "/x/scratchspaces"),
                     JL_DEPOT_E_OK);
    assert_int_equal(jl_test_add_classic(s, "/b/./"), JL_DEPOT_E_OK);
    assert_int_equal(jl_test_add_classic(s, "/c/../a"), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_stack_size(s), 2);
    check_roots(s, 0, "/a", "/a/artifacts", "/a/compiled", "/a/scratchspaces");
    check_roots(s, 1, "/b", "/b/artifacts", "/b/compiled", "/b/scratchspaces");
    check_tok(s, "/x/compiled/v1.11/A.ji", JL_DEPOT_E_NOT_RELOCATABLE, "/x/compiled/v1.11/A.ji",
              -1);
    // only the @depot root names a depot: the same other roots are no duplicate
    assert_int_equal(add4(s, "/c", "/a/artifacts", "/a/compiled", "/a/scratchspaces"),
                     JL_DEPOT_E_OK);
    // nor is a depot inside another
    assert_int_equal(jl_test_add_classic(s, "/a/compiled"), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_stack_size(s), 4);
    check_roots(s, 2, "/c", "/a/artifacts", "/a/compiled", "/a/scratchspaces");
    check_roots(s, 3, "/a/compiled", "/a/compiled/artifacts", "/a/compiled/compiled",
                "/a/compiled/scratchspaces");
    jl_depot_stack_free(s);
    // compared byte for byte after normalization, as Julia compares the
    // entries of DEPOT_PATH, even on a stack that folds case
    s = jl_depot_stack_new(1);
    assert_non_null(s);
    assert_int_equal(jl_test_add_classic(s, "/Users/Me/.julia"), JL_DEPOT_E_OK);
    assert_int_equal(jl_test_add_classic(s, "/users/me/.julia"), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_stack_size(s), 2);
    jl_depot_stack_free(s);
}

static void test_casefold(void **state)
{
    (void)state;
    const char *p = "/users/me/.julia/Packages/Foo/src/Foo.jl";
    for (int fold = -1; fold <= 2; fold++) {
        jl_depot_stack_t *s = jl_depot_stack_new(fold);
        assert_non_null(s);
        assert_int_equal(jl_test_add_classic(s, "/Users/Me/.Julia"), JL_DEPOT_E_OK);
        int on = fold > 0;
#if defined(__APPLE__) || defined(_WIN32)
        on |= fold < 0; // the platform's default
#endif
        if (on)
            check_tok(s, p, JL_DEPOT_E_OK, "@depot/Packages/Foo/src/Foo.jl", 0);
        else
            check_tok(s, p, JL_DEPOT_E_NOT_RELOCATABLE, p, -1);
        jl_depot_stack_free(s);
    }
}

// Role roots anywhere: each role's root matches its own paths, whether or
// not the depot is classic.
static void test_split_depots(void **state)
{
    (void)state;
    // any one role root elsewhere
    const char *moved[JL_DEPOT_NROLES] = {NULL, "/t/artifacts2", "/t/compiled/x",
                                          "/c/scratchspaces"};
    const char *want[JL_DEPOT_NROLES] = {NULL, "@artifacts/h", "@compiled/h", "@cache/h"};
    for (int r = 1; r < JL_DEPOT_NROLES; r++) {
        const char *roots[JL_DEPOT_NROLES] = {"/t", "/t/artifacts", "/t/compiled",
                                              "/t/scratchspaces"};
        roots[r] = moved[r];
        jl_depot_stack_t *s = jl_depot_stack_new(0);
        assert_non_null(s);
        assert_int_equal(jl_depot_stack_add(s, roots), JL_DEPOT_E_OK);
        check_tok(s, "/t/packages/A/a.jl", JL_DEPOT_E_OK, "@depot/packages/A/a.jl", 0);
        char *p = jl_test_fmt("%s/h", moved[r]);
        check_tok(s, p, JL_DEPOT_E_OK, want[r], 0);
        free(p);
        jl_depot_stack_free(s);
    }
    // the roles swapped
    jl_depot_stack_t *s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(add4(s, "/t", "/t/compiled", "/t/artifacts", "/t/scratchspaces"),
                     JL_DEPOT_E_OK);
    check_tok(s, "/t/a", JL_DEPOT_E_OK, "@depot/a", 0);
    check_tok(s, "/t/compiled/x", JL_DEPOT_E_OK, "@artifacts/x", 0);
    jl_depot_stack_free(s);
    // the XDG split depot, and a classic depot nested in it
    s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(add4(s, "/h/.local/share/julia", "/h/.local/share/julia/artifacts",
                          "/h/.cache/julia/compiled", "/h/.cache/julia/scratchspaces"),
                     JL_DEPOT_E_OK);
    assert_int_equal(jl_test_add_classic(s, "/h/.local/share/julia/inner"), JL_DEPOT_E_OK);
    check_tok(s, "/h/.local/share/julia/inner/packages/A/a.jl", JL_DEPOT_E_OK,
              "@depot/packages/A/a.jl", 1);
    check_tok(s, "/h/.local/share/julia/packages/A/a.jl", JL_DEPOT_E_OK, "@depot/packages/A/a.jl",
              0);
    check_tok(s, "/h/.cache/julia/compiled/v1.11/A.ji", JL_DEPOT_E_OK, "@compiled/v1.11/A.ji", 0);
    jl_depot_stack_free(s);
}

JL_TEST_MAIN(cmocka_unit_test(test_new_is_empty), cmocka_unit_test(test_add_normalizes),
             cmocka_unit_test(test_add_rejects), cmocka_unit_test(test_add_duplicates),
             cmocka_unit_test(test_casefold), cmocka_unit_test(test_split_depots))
