// This file is a part of the jldepot project. License is MIT.

/*
  test-depotpath.c: the path model: normalization, the token grammar,
  tokenize and resolve (upstream's tag cases from test/relocatedepot.jl, and
  ours: symlinks, NFC/NFD, case folding, nested depots, Windows-style input,
  XDG <-> classic round trips, every rejection).
*/

#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "depotpath.h"
#include "jldepot_model.h"

// The classic depots of the ':'-separated list `dp`, as Base hands them to
// the runtime (jl_depot_stack_new + jl_depot_stack_add).
static jl_depot_stack_t *mkstack_fold(const char *dp, int fold)
{
    return jl_test_classic_stack(dp, fold);
}

static jl_depot_stack_t *mkstack(const char *dp)
{
    return mkstack_fold(dp, 0);
}

// tokenize `path` and check the error code and output (NULL: no output).
static void check_tok(jl_depot_stack_t *s, long target, const char *path, int want_err,
                      const char *want)
{
    char *out = NULL;
    int err = jldepot_tokenize(s, target, path, &out);
    if (err != want_err || (want == NULL) != (out == NULL) || (want && strcmp(want, out) != 0))
        fail_msg("tokenize(%s): got %s '%s', want %s '%s'", path, jldepot_errname(err),
                 out ? out : "(null)", jldepot_errname(want_err), want ? want : "(null)");
    free(out);
}

static void check_res(jl_depot_stack_t *s, const char *cachefile, unsigned flags, const char *tok,
                      int want_err, const char *want)
{
    char *out = NULL;
    int err = jldepot_resolve(s, cachefile, flags, tok, &out);
    if (err != want_err || (want == NULL) != (out == NULL) || (want && strcmp(want, out) != 0))
        fail_msg("resolve(%s): got %s '%s', want %s '%s'", tok, jldepot_errname(err),
                 out ? out : "(null)", jldepot_errname(want_err), want ? want : "(null)");
    free(out);
}

static void check_norm(const char *in, const char *want)
{
    char *out = NULL;
    assert_int_equal(jldepot_normalize(in, &out), JL_DEPOT_E_OK);
    assert_string_equal(out, want);
    free(out);
}

static void touch(const char *path)
{
    jl_test_write_file(path, "x", 1);
}

// ---- normalization and grammar -------------------------------------------------------

static void test_normalize(void **state)
{
    (void)state;
    check_norm("/", "/");
    check_norm("//", "/");
    check_norm("/a/b/", "/a/b");
    check_norm("/a//b///c", "/a/b/c");
    check_norm("/a/./b/.", "/a/b");
    check_norm("/a/b/../c", "/a/c");
    check_norm("/a/b/../../..", "/");
    check_norm("/../a", "/a");
    check_norm("/a/..b/.c/...", "/a/..b/.c/...");
    check_norm("/a\\b", "/a\\b"); // a backslash is a file-name byte on POSIX
    check_norm("C:\\Users\\x", "C:\\Users\\x");
    char *out = (char *)1;
    assert_int_equal(jldepot_normalize("a/b", &out), JL_DEPOT_E_RELATIVE_PATH);
    assert_null(out);
    assert_int_equal(jldepot_normalize("", &out), JL_DEPOT_E_EMPTY_PATH);
    assert_int_equal(jl_depot_normalize_n("/a\0b", 4, &out), JL_DEPOT_E_NUL_BYTE);
    assert_null(out);
}

static void test_token_grammar(void **state)
{
    (void)state;
    jl_depot_role_t r;
    assert_int_equal(jl_depot_token_role("@depot", 6, &r), JL_DEPOT_E_OK);
    assert_int_equal(r, JL_DEPOT_ROLE_DEPOT);
    assert_int_equal(jl_depot_token_role("@artifacts/x", 12, &r), JL_DEPOT_E_OK);
    assert_int_equal(r, JL_DEPOT_ROLE_ARTIFACTS);
    assert_int_equal(jl_depot_token_role("@compiled\\x", 11, &r), JL_DEPOT_E_OK);
    assert_int_equal(r, JL_DEPOT_ROLE_COMPILED);
    assert_int_equal(jl_depot_token_role("@cache/", 7, &r), JL_DEPOT_E_OK);
    assert_int_equal(r, JL_DEPOT_ROLE_CACHE);
    assert_int_equal(jl_depot_token_role("@foo/x", 6, &r), JL_DEPOT_E_UNKNOWN_TOKEN);
    assert_int_equal(jl_depot_token_role("@depots/x", 9, &r), JL_DEPOT_E_UNKNOWN_TOKEN);
    assert_int_equal(jl_depot_token_role("@depot-1.11/x", 13, &r), JL_DEPOT_E_RELATIVE_PATH);
    assert_int_equal(jl_depot_token_role("no@depot/x", 10, &r), JL_DEPOT_E_RELATIVE_PATH);
    assert_int_equal(jl_depot_token_role("@/x", 3, &r), JL_DEPOT_E_RELATIVE_PATH);
    for (int i = 0; i < JL_DEPOT_NROLES; i++)
        assert_int_equal(jl_depot_token_name((jl_depot_role_t)i)[0], '@');
    assert_null(jl_depot_token_name(JL_DEPOT_NROLES));
}

// ---- upstream's tag cases (test/relocatedepot.jl, first pass) ---------------------

static void test_upstream_tags(void **state)
{
    (void)state;
    // #55340: the sibling julia-rc2 of the depot julia is not tokenized.
    // (The `@depot`-only form upstream writes is the tool's:
    // test/cli/test-tool-upstream.c.)
    jl_depot_stack_t *s = mkstack("/tmp/x/julia");
    check_tok(s, -1, "/tmp/x/julia-rc2/share/a.jl", JL_DEPOT_E_NOT_RELOCATABLE,
              "/tmp/x/julia-rc2/share/a.jl");
    check_tok(s, -1, "/tmp/x/julia-rc2", JL_DEPOT_E_NOT_RELOCATABLE, "/tmp/x/julia-rc2");
    check_tok(s, -1, "/tmp/x/julia", JL_DEPOT_E_OK, "@depot");
    check_tok(s, -1, "/tmp/x/julia/", JL_DEPOT_E_OK, "@depot");
    // only the leading occurrence is replaced
    check_tok(s, -1, "/tmp/x/julia/a/tmp/x/julia", JL_DEPOT_E_OK, "@depot/a/tmp/x/julia");
    jl_depot_stack_free(s);

    // #51892: depot entries with and without trailing separator give the same token.
    jl_depot_stack_t *a = mkstack("/tmp/x/julia");
    jl_depot_stack_t *b = mkstack("/tmp/x/julia/");
    jl_depot_stack_t *c = mkstack("/tmp/x/julia//");
    const char *p = "/tmp/x/julia/packages/Foo/abcde/src/Foo.jl";
    check_tok(a, -1, p, JL_DEPOT_E_OK, "@depot/packages/Foo/abcde/src/Foo.jl");
    check_tok(b, -1, p, JL_DEPOT_E_OK, "@depot/packages/Foo/abcde/src/Foo.jl");
    check_tok(c, -1, p, JL_DEPOT_E_OK, "@depot/packages/Foo/abcde/src/Foo.jl");
    jl_depot_stack_free(a);
    jl_depot_stack_free(b);
    jl_depot_stack_free(c);

    // a depot removed from DEPOT_PATH gives no token
    s = mkstack("/tmp/other");
    check_tok(s, -1, p, JL_DEPOT_E_NOT_RELOCATABLE, p);
    jl_depot_stack_free(s);

    // restore_depot_path
    s = mkstack("/tmp/x/julia");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/foo/bar", JL_DEPOT_E_OK,
              "/tmp/x/julia/foo/bar");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "no@depot/foo/bar", JL_DEPOT_E_RELATIVE_PATH, NULL);
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/foo/@depot/bar", JL_DEPOT_E_OK,
              "/tmp/x/julia/foo/@depot/bar");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/foo\nbar/baz", JL_DEPOT_E_OK,
              "/tmp/x/julia/foo\nbar/baz");
    // a newline inside a component survives tokenize too
    check_tok(s, -1, "/tmp/x/julia/foo\nbar/baz", JL_DEPOT_E_OK, "@depot/foo\nbar/baz");
    // #55340 on read: `@depot-1.11/...` is not a token
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot-1.11/x", JL_DEPOT_E_RELATIVE_PATH, NULL);
    jl_depot_stack_free(s);
}

// ---- roles, nesting, ties, roots -------------------------------------------------------

static void test_roles_and_roots(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d1:/d2");
    check_tok(s, -1, "/d1/packages/A/x/src/A.jl", JL_DEPOT_E_OK, "@depot/packages/A/x/src/A.jl");
    check_tok(s, -1, "/d2/artifacts/0123abc/lib/l.so", JL_DEPOT_E_OK,
              "@artifacts/0123abc/lib/l.so");
    check_tok(s, -1, "/d1/compiled/v1.11/A/x.ji", JL_DEPOT_E_OK, "@compiled/v1.11/A/x.ji");
    check_tok(s, -1, "/d1/scratchspaces/uuid/f", JL_DEPOT_E_OK, "@cache/uuid/f");
    // a path equal to a root gives the bare token
    check_tok(s, -1, "/d2", JL_DEPOT_E_OK, "@depot");
    check_tok(s, -1, "/d2/compiled", JL_DEPOT_E_OK, "@compiled");
    check_tok(s, -1, "/d2/compiled/", JL_DEPOT_E_OK, "@compiled");
    // no token for a non-component prefix
    check_tok(s, -1, "/d2x/a", JL_DEPOT_E_NOT_RELOCATABLE, "/d2x/a");
    check_tok(s, -1, "/d1/compiledx/a", JL_DEPOT_E_OK, "@depot/compiledx/a");
    // normalization first
    check_tok(s, -1, "/d1/./packages//A/../B/", JL_DEPOT_E_OK, "@depot/packages/B");
    check_tok(s, -1, "/x/../d1/a", JL_DEPOT_E_OK, "@depot/a");
    // the depot index
    long depot = -7;
    char buf[256];
    size_t ol;
    assert_int_equal(jl_depot_tokenize_buf(s, -1, "/d2/a", 5, buf, sizeof(buf), &ol, &depot),
                     JL_DEPOT_E_OK);
    assert_int_equal(depot, 1);
    assert_int_equal(ol, strlen("@depot/a"));
    // roots
    assert_int_equal(jl_depot_stack_size(s), 2);
    assert_string_equal(jl_depot_root(s, 1, JL_DEPOT_ROLE_CACHE), "/d2/scratchspaces");
    assert_null(jl_depot_root(s, 2, JL_DEPOT_ROLE_DEPOT));
    jl_depot_stack_free(s);

    // a depot at the file-system root
    s = mkstack("/");
    check_tok(s, -1, "/", JL_DEPOT_E_OK, "@depot");
    check_tok(s, -1, "/a/b", JL_DEPOT_E_OK, "@depot/a/b");
    check_tok(s, -1, "/compiled/x", JL_DEPOT_E_OK, "@compiled/x");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/a/b", JL_DEPOT_E_OK, "/a/b");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot", JL_DEPOT_E_OK, "/");
    jl_depot_stack_free(s);
}

static void test_nested_and_ties(void **state)
{
    (void)state;
    // a nested depot wins for its paths, in either DEPOT_PATH order
    const char *orders[2] = {"/t/outer:/t/outer/inner", "/t/outer/inner:/t/outer"};
    for (int k = 0; k < 2; k++) {
        jl_depot_stack_t *s = mkstack(orders[k]);
        long inner = k == 0 ? 1 : 0;
        long depot;
        char buf[256];
        size_t ol;
        const char *p = "/t/outer/inner/packages/X/s/src/X.jl";
        assert_int_equal(jl_depot_tokenize_buf(s, -1, p, strlen(p), buf, sizeof(buf), &ol, &depot),
                         JL_DEPOT_E_OK);
        assert_string_equal(buf, "@depot/packages/X/s/src/X.jl");
        assert_int_equal(depot, inner);
        check_tok(s, -1, "/t/outer/packages/Y/a.jl", JL_DEPOT_E_OK, "@depot/packages/Y/a.jl");
        jl_depot_stack_free(s);
    }
    // a tie (A's @compiled root is B's @depot root): the target wins, else DEPOT_PATH order
    jl_depot_stack_t *s = mkstack("/t/a:/t/a/compiled");
    check_tok(s, -1, "/t/a/compiled/v1.11/X.ji", JL_DEPOT_E_OK, "@compiled/v1.11/X.ji");
    check_tok(s, 0, "/t/a/compiled/v1.11/X.ji", JL_DEPOT_E_OK, "@compiled/v1.11/X.ji");
    check_tok(s, 1, "/t/a/compiled/v1.11/X.ji", JL_DEPOT_E_OK, "@depot/v1.11/X.ji");
    // an out-of-range target is ignored
    check_tok(s, 9, "/t/a/compiled/v1.11/X.ji", JL_DEPOT_E_OK, "@compiled/v1.11/X.ji");
    jl_depot_stack_free(s);
}

// ---- token forms as tokenize input: idempotence -------------------------------------

static void test_idempotent_token_input(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d1:/d2");
    check_tok(s, -1, "@depot/packages/A/src/A.jl", JL_DEPOT_E_OK, "@depot/packages/A/src/A.jl");
    check_tok(s, -1, "@compiled//v1.11/./A", JL_DEPOT_E_OK, "@compiled/v1.11/A");
    check_tok(s, -1, "@cache", JL_DEPOT_E_OK, "@cache");
    check_tok(s, -1, "@depot\\packages\\A", JL_DEPOT_E_OK, "@depot/packages/A");
    check_tok(s, -1, "@depot/../x", JL_DEPOT_E_TOKEN_ESCAPE, NULL);
    check_tok(s, -1, "@nope/x", JL_DEPOT_E_UNKNOWN_TOKEN, NULL);
    // whatever the target
    check_tok(s, 1, "@compiled/v1.11/A.ji", JL_DEPOT_E_OK, "@compiled/v1.11/A.ji");
    jl_depot_stack_free(s);
}

// ---- Windows-style input -------------------------------------------------------------------

static void test_windows_input(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot\\packages\\X\\src\\a.jl", JL_DEPOT_E_OK,
              "/d/packages/X/src/a.jl");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@compiled\\v1.11\\X\\a.ji", JL_DEPOT_E_OK,
              "/d/compiled/v1.11/X/a.ji");
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot\\..\\x", JL_DEPOT_E_TOKEN_ESCAPE, NULL);
    // after `@depot/` a backslash is a file-name byte (POSIX), both ways
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/a\\b", JL_DEPOT_E_OK, "/d/a\\b");
    check_tok(s, -1, "/d/a\\b/..", JL_DEPOT_E_OK, "@depot");
    check_tok(s, -1, "/d/a\\..\\c", JL_DEPOT_E_OK, "@depot/a\\..\\c");
    check_tok(s, -1, "@depot/a\\..\\c", JL_DEPOT_E_OK, "@depot/a\\..\\c");
    check_tok(s, -1, "@depot\\a\\..\\c", JL_DEPOT_E_OK, "@depot/c");
    // a drive-letter path is never under a POSIX root
    check_tok(s, -1, "C:\\Users\\u\\.julia\\packages\\X\\a.jl", JL_DEPOT_E_NOT_RELOCATABLE,
              "C:\\Users\\u\\.julia\\packages\\X\\a.jl");
    check_tok(s, -1, "d:/x/y", JL_DEPOT_E_NOT_RELOCATABLE, "d:/x/y");
    check_res(s, NULL, 0, "C:\\Users\\u\\a.jl", JL_DEPOT_E_OK, "C:\\Users\\u\\a.jl");
    check_res(s, NULL, 0, "C:/x", JL_DEPOT_E_OK, "C:/x");
    size_t d;
    assert_int_equal(jl_depot_containing(s, "C:\\x\\compiled\\a.ji", &d),
                     JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS);
    jl_depot_stack_free(s);
}

// ---- Unicode: NFC / NFD, case folding ------------------------------------------------

#define CAFE_NFC "caf\xc3\xa9"  // "café", U+00E9
#define CAFE_NFD "cafe\xcc\x81" // "café", e + U+0301

static void test_nfc_nfd(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/t/" CAFE_NFC "/depot");
    // the remainder keeps the input's own bytes
    check_tok(s, -1, "/t/" CAFE_NFD "/depot/packages/" CAFE_NFD "/a.jl", JL_DEPOT_E_OK,
              "@depot/packages/" CAFE_NFD "/a.jl");
    check_tok(s, -1, "/t/" CAFE_NFC "/depot/packages/x", JL_DEPOT_E_OK, "@depot/packages/x");
    check_tok(s, -1, "/t/" CAFE_NFD "/depot", JL_DEPOT_E_OK, "@depot");
    check_tok(s, -1, "/t/" CAFE_NFD "/depotx", JL_DEPOT_E_NOT_RELOCATABLE,
              "/t/" CAFE_NFD "/depotx");
    // invalid UTF-8 compares bytewise
    check_tok(s, -1, "/t/caf\xe9/depot/a", JL_DEPOT_E_NOT_RELOCATABLE, "/t/caf\xe9/depot/a");
    jl_depot_stack_free(s);

    s = mkstack("/t/" CAFE_NFD "/depot");
    check_tok(s, -1, "/t/" CAFE_NFC "/depot/compiled/v1.11/A.ji", JL_DEPOT_E_OK,
              "@compiled/v1.11/A.ji");
    jl_depot_stack_free(s);

    s = mkstack("/t/caf\xe9/depot"); // a root that is not valid UTF-8 matches bytewise
    check_tok(s, -1, "/t/caf\xe9/depot/a", JL_DEPOT_E_OK, "@depot/a");
    check_tok(s, -1, "/t/" CAFE_NFC "/depot/a", JL_DEPOT_E_NOT_RELOCATABLE,
              "/t/" CAFE_NFC "/depot/a");
    jl_depot_stack_free(s);
}

static void test_casefold(void **state)
{
    (void)state;
    jl_depot_stack_t *on = mkstack_fold("/Users/Me/.Julia", 1);
    jl_depot_stack_t *off = mkstack_fold("/Users/Me/.Julia", 0);
    const char *p = "/users/me/.julia/Packages/Foo/src/Foo.jl";
    check_tok(on, -1, p, JL_DEPOT_E_OK, "@depot/Packages/Foo/src/Foo.jl");
    check_tok(off, -1, p, JL_DEPOT_E_NOT_RELOCATABLE, p);
    // the role roots fold too
    check_tok(on, -1, "/USERS/ME/.JULIA/COMPILED/v1.11/x.ji", JL_DEPOT_E_OK,
              "@compiled/v1.11/x.ji");
    // folding and NFC together
    jl_depot_stack_t *u = mkstack_fold("/t/CAF\xc3\x89", 1); // "CAFÉ"
    check_tok(u, -1, "/t/" CAFE_NFD "/x", JL_DEPOT_E_OK, "@depot/x");
    size_t d;
    assert_int_equal(jl_depot_containing(on, "/users/ME/.julia/compiled/v1.11/A/x.ji", &d),
                     JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_containing(off, "/users/ME/.julia/compiled/v1.11/A/x.ji", &d),
                     JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS);
    jl_depot_stack_free(on);
    jl_depot_stack_free(off);
    jl_depot_stack_free(u);
}

// ---- symlinks (real ones, in a scratch directory) --------------------------------------

static void test_symlinked_depot(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("depotpath-symlink");
    char *real = jl_test_fmt("%s/real", tmp);
    char *link = jl_test_fmt("%s/link", tmp);
    char *file = jl_test_fmt("%s/packages/X/abc/src/X.jl", real);
    touch(file);
    char *cache = jl_test_fmt("%s/compiled/v1.11/X/abc.ji", real);
    touch(cache);
    assert_int_equal(symlink(real, link), 0);

    // DEPOT_PATH names the link; the path is given through the real directory
    jl_depot_stack_t *s = mkstack(link);
    check_tok(s, -1, file, JL_DEPOT_E_OK, "@depot/packages/X/abc/src/X.jl");
    // a file that does not exist yet, under an existing directory
    char *newf = jl_test_fmt("%s/packages/X/abc/src/new.jl", real);
    check_tok(s, -1, newf, JL_DEPOT_E_OK, "@depot/packages/X/abc/src/new.jl");
    size_t d = 9;
    assert_int_equal(jl_depot_containing(s, cache, &d), JL_DEPOT_E_OK);
    assert_int_equal(d, 0);
    char *want = jl_test_fmt("%s/packages/X/abc/src/X.jl", link);
    check_res(s, cache, 0, "@depot/packages/X/abc/src/X.jl", JL_DEPOT_E_OK, want);
    jl_depot_stack_free(s);

    // DEPOT_PATH names the real directory; the path is given through the link
    s = mkstack(real);
    char *vialink = jl_test_fmt("%s/packages/X/abc/src/X.jl", link);
    check_tok(s, -1, vialink, JL_DEPOT_E_OK, "@depot/packages/X/abc/src/X.jl");
    char *cachelink = jl_test_fmt("%s/compiled/v1.11/X/abc.ji", link);
    assert_int_equal(jl_depot_containing(s, cachelink, &d), JL_DEPOT_E_OK);
    jl_depot_stack_free(s);

    free(cachelink);
    free(vialink);
    free(want);
    free(newf);
    free(cache);
    free(file);
    free(link);
    free(real);
    jl_test_rmtree(tmp);
    free(tmp);
}

static void test_symlinked_package_dir(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("depotpath-pkglink");
    char *depot = jl_test_fmt("%s/depot", tmp);
    char *outside = jl_test_fmt("%s/elsewhere/X", tmp);
    char *f = jl_test_fmt("%s/src/X.jl", outside);
    touch(f);
    char *pkgs = jl_test_fmt("%s/packages", depot);
    jl_test_mkdirs(pkgs);
    char *pkglink = jl_test_fmt("%s/packages/X", depot);
    assert_int_equal(symlink(outside, pkglink), 0);
    jl_depot_stack_t *s = mkstack(depot);
    // through the depot: tokenized as given, no realpath involved
    char *p = jl_test_fmt("%s/src/X.jl", pkglink);
    check_tok(s, -1, p, JL_DEPOT_E_OK, "@depot/packages/X/src/X.jl");
    // resolves to the path through the link, which exists
    check_res(s, NULL, 0, "@depot/packages/X/src/X.jl", JL_DEPOT_E_OK, p);
    // the link's target itself lies outside the depot
    check_tok(s, -1, f, JL_DEPOT_E_NOT_RELOCATABLE, f);
    jl_depot_stack_free(s);
    free(p);
    free(pkglink);
    free(pkgs);
    free(f);
    free(outside);
    free(depot);
    jl_test_rmtree(tmp);
    free(tmp);
}

// ---- resolve: containing depot first, fallback, stat ---------------------------------

static void test_resolve_order(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("depotpath-resolve");
    char *d1 = jl_test_fmt("%s/d1", tmp), *d2 = jl_test_fmt("%s/d2", tmp);
    char *both1 = jl_test_fmt("%s/packages/B/src/B.jl", d1);
    char *both2 = jl_test_fmt("%s/packages/B/src/B.jl", d2);
    char *only1 = jl_test_fmt("%s/packages/O/src/O.jl", d1);
    char *cache2 = jl_test_fmt("%s/compiled/v1.11/B/x.ji", d2);
    touch(both1);
    touch(both2);
    touch(only1);
    touch(cache2);
    char *dp = jl_test_fmt("%s:%s", d1, d2);
    jl_depot_stack_t *s = mkstack(dp);
    // without a cache file: the first depot where it exists
    check_res(s, NULL, 0, "@depot/packages/B/src/B.jl", JL_DEPOT_E_OK, both1);
    // the containing depot first
    check_res(s, cache2, 0, "@depot/packages/B/src/B.jl", JL_DEPOT_E_OK, both2);
    // a file not in the containing depot: the others in DEPOT_PATH order
    check_res(s, cache2, 0, "@depot/packages/O/src/O.jl", JL_DEPOT_E_OK, only1);
    // NOSTAT: the candidate in the containing depot, or DEPOT_PATH[1]
    char *c2 = jl_test_fmt("%s/packages/O/src/O.jl", d2);
    check_res(s, cache2, JL_DEPOT_RESOLVE_NOSTAT, "@depot/packages/O/src/O.jl", JL_DEPOT_E_OK, c2);
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/packages/B/src/B.jl", JL_DEPOT_E_OK, both1);
    // nowhere: UNRESOLVED_TOKEN naming the first candidate
    char *miss = jl_test_fmt("%s/packages/M/m.jl", d2);
    check_res(s, cache2, 0, "@depot/packages/M/m.jl", JL_DEPOT_E_UNRESOLVED_TOKEN, miss);
    // absolute paths are returned normalized
    check_res(s, cache2, 0, "/a//b/../c/", JL_DEPOT_E_OK, "/a/c");
    // a cache file outside every depot is no error for resolve: DEPOT_PATH order
    check_res(s, "/elsewhere/x.ji", 0, "@depot/packages/B/src/B.jl", JL_DEPOT_E_OK, both1);
    // the buffer variant reports the depot
    char buf[4096];
    size_t ol;
    long dep = -5;
    assert_int_equal(jl_depot_resolve_buf(s, 1, 0, "@depot/packages/O/src/O.jl", 26, buf,
                                          sizeof(buf), &ol, &dep),
                     JL_DEPOT_E_OK);
    assert_int_equal(dep, 0);
    assert_string_equal(buf, only1);
    jl_depot_stack_free(s);
    free(miss);
    free(c2);
    free(dp);
    free(cache2);
    free(only1);
    free(both2);
    free(both1);
    free(d1);
    free(d2);
    jl_test_rmtree(tmp);
    free(tmp);
}

// ---- the namemap: one lookup per package directory ------------------------------------

// Once a file of a package directory (three components after the token) is
// found in a depot, the other names under it resolve there without a stat.
static void test_namemap_package_dir(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("depotpath-pkgdir");
    char *d1 = jl_test_fmt("%s/d1", tmp), *d2 = jl_test_fmt("%s/d2", tmp);
    char *a2 = jl_test_fmt("%s/packages/P/s/src/a.jl", d2);
    char *b1 = jl_test_fmt("%s/packages/P/s/src/b.jl", d1);
    char *b2 = jl_test_fmt("%s/packages/P/s/src/b.jl", d2);
    char *q1 = jl_test_fmt("%s/packages/Q/t/src/q.jl", d1);
    char *top1 = jl_test_fmt("%s/packages/top.jl", d1);
    char *cache1 = jl_test_fmt("%s/compiled/v1.11/P/x.ji", d1);
    touch(a2);
    touch(b1);
    touch(b2);
    touch(q1);
    touch(top1);
    touch(cache1);
    char *dp = jl_test_fmt("%s:%s", d1, d2);
    jl_depot_stack_t *s = mkstack(dp);
    jl_depot_namemap_t *m = NULL;
    const char *out = NULL;
    // b.jl first: found in the containing depot d1
    assert_int_equal(jl_depot_namemap_new(s, cache1, 0, &m), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/packages/P/s/src/b.jl", 28, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, b1);
    jl_depot_namemap_free(m);
    // a.jl first: only in d2, and then b.jl is taken there too, unlooked
    assert_int_equal(jl_depot_namemap_new(s, cache1, 0, &m), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/packages/P/s/src/a.jl", 28, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, a2);
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/packages/P/s/src/b.jl", 28, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, b2);
    // another package directory, and a name with no package directory, look on their own
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/packages/Q/t/src/q.jl", 28, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, q1);
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/packages/top.jl", 22, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, top1);
    jl_depot_namemap_free(m);
    jl_depot_stack_free(s);
    char *all[] = {dp, cache1, top1, q1, b2, b1, a2, d1, d2};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
    jl_test_rmtree(tmp);
    free(tmp);
}

// A file known to exist (the package's entry file Base located) places its package
// directory without any lookup: the names there resolve into its depot even where
// nothing is on disk; a spelling that matches no depot's candidate is no hint.
static void test_namemap_found(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("depotpath-found");
    char *d1 = jl_test_fmt("%s/d1", tmp), *d2 = jl_test_fmt("%s/d2", tmp);
    char *entry2 = jl_test_fmt("%s/dev/P/src/P.jl", d2);
    char *a2 = jl_test_fmt("%s/dev/P/src/a.jl", d2);
    char *q1 = jl_test_fmt("%s/dev/Q/src/q.jl", d1);
    char *cache1 = jl_test_fmt("%s/compiled/v1.11/P/x.ji", d1);
    char *other = jl_test_fmt("%s/elsewhere/dev/P/src/P.jl", tmp);
    touch(q1);
    touch(cache1);
    char *dp = jl_test_fmt("%s:%s", d1, d2);
    jl_depot_stack_t *s = mkstack(dp);
    jl_depot_namemap_t *m = NULL;
    const char *out = NULL;
    assert_int_equal(jl_depot_namemap_new(s, cache1, 0, &m), JL_DEPOT_E_OK);
    jl_depot_namemap_found(m, entry2);
    // d2, though no file of dev/P exists anywhere: the hint is taken, not checked
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/dev/P/src/a.jl", 21, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, a2);
    // another directory is looked up: found in d1
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/dev/Q/src/q.jl", 21, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, q1);
    jl_depot_namemap_free(m);
    // a hint in no depot is ignored: dev/P is looked up, found nowhere
    assert_int_equal(jl_depot_namemap_new(s, cache1, 0, &m), JL_DEPOT_E_OK);
    jl_depot_namemap_found(m, other);
    assert_int_equal(jl_depot_namemap_resolve_n(m, "@depot/dev/P/src/a.jl", 21, &out),
                     JL_DEPOT_E_UNRESOLVED_TOKEN);
    jl_depot_namemap_free(m);
    jl_depot_stack_free(s);
    char *all[] = {dp, other, cache1, q1, a2, entry2, d1, d2};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
    jl_test_rmtree(tmp);
    free(tmp);
}

// ---- XDG <-> classic round trips -------------------------------------------------------

// The XDG split depot of the home directory `tmp`: @depot and @artifacts in
// ~/.local/share/julia, @compiled and @cache in ~/.cache/julia.
static jl_depot_stack_t *xdg_stack(const char *tmp)
{
    jl_depot_stack_t *s = jl_depot_stack_new(0);
    assert_non_null(s);
    char *roots[JL_DEPOT_NROLES] = {
        jl_test_fmt("%s/.local/share/julia", tmp),
        jl_test_fmt("%s/.local/share/julia/artifacts", tmp),
        jl_test_fmt("%s/.cache/julia/compiled", tmp),
        jl_test_fmt("%s/.cache/julia/scratchspaces", tmp),
    };
    assert_int_equal(jl_depot_stack_add(s, (const char *const *)roots), JL_DEPOT_E_OK);
    for (int r = 0; r < JL_DEPOT_NROLES; r++)
        free(roots[r]);
    return s;
}

static void test_xdg_classic_round_trip(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("depotpath-xdg");
    jl_depot_stack_t *x = xdg_stack(tmp);
    assert_int_equal(jldepot_layout_of(x, 0), JLDEPOT_LAYOUT_XDG);
    char *classic = jl_test_fmt("%s/classic", tmp);
    jl_depot_stack_t *c = mkstack(classic);
    struct {
        const char *xdg_rel, *classic_rel, *token;
    } files[] = {
        {".local/share/julia/packages/X/s/src/X.jl", "packages/X/s/src/X.jl",
         "@depot/packages/X/s/src/X.jl"},
        {".local/share/julia/artifacts/abc/lib/x.so", "artifacts/abc/lib/x.so",
         "@artifacts/abc/lib/x.so"},
        {".cache/julia/compiled/v1.11/X/s.ji", "compiled/v1.11/X/s.ji", "@compiled/v1.11/X/s.ji"},
        {".cache/julia/scratchspaces/u/f", "scratchspaces/u/f", "@cache/u/f"},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *xp = jl_test_fmt("%s/%s", tmp, files[i].xdg_rel);
        char *cp = jl_test_fmt("%s/%s", classic, files[i].classic_rel);
        touch(xp);
        touch(cp);
        // XDG -> classic
        check_tok(x, 0, xp, JL_DEPOT_E_OK, files[i].token);
        check_res(c, NULL, 0, files[i].token, JL_DEPOT_E_OK, cp);
        // classic -> XDG
        check_tok(c, 0, cp, JL_DEPOT_E_OK, files[i].token);
        check_res(x, NULL, 0, files[i].token, JL_DEPOT_E_OK, xp);
        free(xp);
        free(cp);
    }
    // the XDG depot's cache file is contained by its @compiled root
    char *cache = jl_test_fmt("%s/.cache/julia/compiled/v1.11/X/s.ji", tmp);
    size_t d = 7;
    assert_int_equal(jl_depot_containing(x, cache, &d), JL_DEPOT_E_OK);
    assert_int_equal(d, 0);
    free(cache);
    jl_depot_stack_free(x);
    jl_depot_stack_free(c);
    free(classic);
    jl_test_rmtree(tmp);
    free(tmp);
}

// ---- the word-at-a-time scanner: every pattern at every offset ---------------------

static void test_scanner_offsets(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d");
    const char *pats[] = {"/./",  "//",  "/../", "/.",        "/..",      "/",   "/.x",
                          "/..x", "/x.", "/...", "/\xc3\xa9", "/.julia/", "///", "/./."};
    for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
        for (size_t pad = 0; pad < 24; pad++) {
            char p[128], want_norm[128];
            size_t n = (size_t)snprintf(p, sizeof(p), "/d/%.*s%s%s", (int)pad,
                                        "aaaaaaaaaaaaaaaaaaaaaaaa", pats[k], pad & 1 ? "z/y" : "");
            (void)n;
            // the reference: the byte-at-a-time normalizer
            char *norm = NULL;
            assert_int_equal(jldepot_normalize(p, &norm), JL_DEPOT_E_OK);
            snprintf(want_norm, sizeof(want_norm), "%s", norm);
            char *tok = NULL;
            int err = jldepot_tokenize(s, -1, p, &tok);
            char *res = NULL;
            if (err == JL_DEPOT_E_OK) {
                assert_int_equal(jldepot_resolve(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, tok, &res),
                                 JL_DEPOT_E_OK);
                if (strcmp(res, want_norm) != 0)
                    fail_msg("'%s': token '%s' resolved to '%s', want '%s'", p, tok, res,
                             want_norm);
                // the token form itself, with the pattern in its rest, resolves the same
                char t2[160];
                snprintf(t2, sizeof(t2), "@depot%s", p + 2);
                char *res2 = NULL;
                int e2 = jldepot_resolve(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, t2, &res2);
                if (e2 == JL_DEPOT_E_OK && strcmp(res2, want_norm) != 0)
                    fail_msg("'%s' resolved to '%s', want '%s'", t2, res2, want_norm);
                if (e2 != JL_DEPOT_E_OK)
                    assert_int_equal(e2, JL_DEPOT_E_TOKEN_ESCAPE);
                free(res2);
            }
            else {
                assert_int_equal(err, JL_DEPOT_E_NOT_RELOCATABLE);
                assert_string_equal(tok, want_norm);
            }
            // a NUL at this offset is always found
            char withnul[128];
            memcpy(withnul, p, strlen(p) + 1);
            size_t at = 3 + pad < strlen(p) ? 3 + pad : strlen(p) - 1;
            withnul[at] = '\0';
            char *o2 = NULL;
            assert_int_equal(jl_depot_tokenize_n(s, -1, withnul, strlen(p), &o2),
                             JL_DEPOT_E_NUL_BYTE);
            char tn[160];
            size_t tnl = (size_t)snprintf(tn, sizeof(tn), "@depot%s", p + 2);
            tn[6 + at - 2 < tnl ? 6 + at - 2 : tnl - 1] = '\0';
            assert_int_equal(jldepot_resolve_n(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, tn, tnl, &o2),
                             JL_DEPOT_E_NUL_BYTE);
            free(norm);
            free(tok);
            free(res);
        }
    }
    jl_depot_stack_free(s);
}

// ---- every rejection ---------------------------------------------------------------------

static void test_rejections(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d");
    char *out = (char *)1;
    // EMPTY_PATH
    assert_int_equal(jldepot_tokenize(s, -1, "", &out), JL_DEPOT_E_EMPTY_PATH);
    assert_null(out);
    assert_int_equal(jldepot_resolve(s, NULL, 0, "", &out), JL_DEPOT_E_EMPTY_PATH);
    assert_int_equal(jldepot_tokenize(s, -1, NULL, &out), JL_DEPOT_E_EMPTY_PATH);
    // NUL_BYTE
    assert_int_equal(jl_depot_tokenize_n(s, -1, "/d/a\0b", 6, &out), JL_DEPOT_E_NUL_BYTE);
    assert_null(out);
    assert_int_equal(jldepot_resolve_n(s, NULL, 0, "@depot/a\0b", 10, &out), JL_DEPOT_E_NUL_BYTE);
    assert_null(out);
    // RELATIVE_PATH
    check_tok(s, -1, "packages/X", JL_DEPOT_E_RELATIVE_PATH, NULL);
    check_res(s, NULL, 0, "packages/X", JL_DEPOT_E_RELATIVE_PATH, NULL);
    check_res(s, NULL, 0, "@depotX/y", JL_DEPOT_E_UNKNOWN_TOKEN, NULL);
    // PATH_TOO_LONG
    size_t big = JL_DEPOT_PATH_MAX + 1;
    char *longp = (char *)malloc(big + 1);
    memset(longp, 'a', big);
    longp[0] = '/';
    longp[big] = '\0';
    check_tok(s, -1, longp, JL_DEPOT_E_PATH_TOO_LONG, NULL);
    check_res(s, NULL, 0, longp, JL_DEPOT_E_PATH_TOO_LONG, NULL);
    free(longp);
    char small[8];
    size_t ol;
    assert_int_equal(
        jl_depot_tokenize_buf(s, -1, "/d/abcdefgh", 11, small, sizeof(small), &ol, NULL),
        JL_DEPOT_E_PATH_TOO_LONG);
    assert_int_equal(jl_depot_resolve_buf(s, -1, JL_DEPOT_RESOLVE_NOSTAT, "@depot/abcdefgh", 15,
                                          small, sizeof(small), &ol, NULL),
                     JL_DEPOT_E_PATH_TOO_LONG);
    // UNKNOWN_TOKEN
    check_res(s, NULL, 0, "@foo/x", JL_DEPOT_E_UNKNOWN_TOKEN, NULL);
    check_tok(s, -1, "@foo", JL_DEPOT_E_UNKNOWN_TOKEN, NULL);
    // TOKEN_ESCAPE
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/a/../../x", JL_DEPOT_E_TOKEN_ESCAPE, NULL);
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/..", JL_DEPOT_E_TOKEN_ESCAPE, NULL);
    check_res(s, NULL, JL_DEPOT_RESOLVE_NOSTAT, "@depot/a/../b", JL_DEPOT_E_OK, "/d/b");
    // UNRESOLVED_TOKEN
    check_res(s, NULL, 0, "@depot/definitely/not/here", JL_DEPOT_E_UNRESOLVED_TOKEN,
              "/d/definitely/not/here");
    // NOT_RELOCATABLE
    check_tok(s, -1, "/e/x", JL_DEPOT_E_NOT_RELOCATABLE, "/e/x");
    // CACHE_OUTSIDE_DEPOTS
    size_t d;
    assert_int_equal(jl_depot_containing(s, "/e/compiled/x.ji", &d),
                     JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS);
    assert_int_equal(jl_depot_containing(s, "/d/packages/x.ji", &d),
                     JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS);
    assert_int_equal(jl_depot_containing(s, "rel/x.ji", &d), JL_DEPOT_E_RELATIVE_PATH);
    jl_depot_namemap_t *m = NULL;
    assert_int_equal(jl_depot_namemap_new(s, "/e/compiled/x.ji", 0, &m),
                     JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS);
    assert_null(m);
    jl_depot_stack_free(s);
    // EMPTY_DEPOT_PATH
    s = mkstack("");
    assert_int_equal(jl_depot_stack_size(s), 0);
    check_res(s, NULL, 0, "@depot/x", JL_DEPOT_E_EMPTY_DEPOT_PATH, NULL);
    check_tok(s, -1, "/d/x", JL_DEPOT_E_NOT_RELOCATABLE, "/d/x");
    jl_depot_stack_free(s);
    // the stack's own rejections are in test-depotpath-stack-add.c; the
    // tool's UNKNOWN_LAYOUT in test/cli/test-tool-stack.c
}

JL_TEST_MAIN(cmocka_unit_test(test_normalize), cmocka_unit_test(test_token_grammar),
             cmocka_unit_test(test_upstream_tags), cmocka_unit_test(test_roles_and_roots),
             cmocka_unit_test(test_nested_and_ties), cmocka_unit_test(test_idempotent_token_input),
             cmocka_unit_test(test_windows_input), cmocka_unit_test(test_nfc_nfd),
             cmocka_unit_test(test_casefold), cmocka_unit_test(test_symlinked_depot),
             cmocka_unit_test(test_symlinked_package_dir), cmocka_unit_test(test_resolve_order),
             cmocka_unit_test(test_namemap_package_dir), cmocka_unit_test(test_namemap_found),
             cmocka_unit_test(test_xdg_classic_round_trip), cmocka_unit_test(test_scanner_offsets),
             cmocka_unit_test(test_rejections))
