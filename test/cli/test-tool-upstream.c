// This file is a part of the jldepot project. License is MIT.

/*
  test-tool-upstream.c: the tool's upstream form of names
  (cli/jldepot_upstream.h): `@depot/...` only, byte for byte as an unpatched
  Julia 1.11-1.13 writes it (upstream's tag cases from test/relocatedepot.jl),
  classic depots only, the first one in DEPOT_PATH order, a trailing
  separator kept, role tokens turned into `@depot` forms through the target
  depot, symlinks, case folding, every rejection; and, over generated
  paths, resolve(upstream(p)) == normalize(p).
*/

#include <sys/stat.h>
#include <unistd.h>

#include <utf8proc.h>

#include "testutil.h"
#include "depotpath.h"
#include "jldepot_model.h"
#include "jldepot_upstream.h"

static jl_depot_stack_t *mkstack_fold(const char *dp, int fold)
{
    return jl_test_classic_stack(dp, fold);
}

static jl_depot_stack_t *mkstack(const char *dp)
{
    return mkstack_fold(dp, 0);
}

static int add4(jl_depot_stack_t *s, const char *d, const char *a, const char *c, const char *k)
{
    const char *roots[JL_DEPOT_NROLES] = {d, a, c, k};
    return jl_depot_stack_add(s, roots);
}

// The upstream form of `path` on `s` (made with `fold`), through a context
// and in one call (both must agree): error code, output (NULL: none) and
// depot (-2: any).
static void check_fold(jl_depot_stack_t *s, int fold, long target, const char *path, int want_err,
                       const char *want, long want_depot)
{
    char buf[1024], buf2[1024];
    size_t ol = 7, ol2 = 7;
    long depot = -9, depot2 = -9;
    size_t n = path ? strlen(path) : 0;
    jldepot_upstream_t *u = NULL;
    assert_int_equal(jldepot_upstream_new(s, fold, &u), JL_DEPOT_E_OK);
    int err = jldepot_upstream_tokenize(u, target, path, n, buf, sizeof(buf), &ol, &depot);
    jldepot_upstream_free(u);
    int err2 =
        jldepot_tokenize_upstream(s, fold, target, path, n, buf2, sizeof(buf2), &ol2, &depot2);
    assert_int_equal(err2, err);
    assert_string_equal(buf2, buf);
    assert_int_equal(depot2, depot);
    int have = err == JL_DEPOT_E_OK || err == JL_DEPOT_E_NOT_RELOCATABLE;
    if (err != want_err || (want == NULL) != !have || (want && strcmp(want, buf) != 0) ||
        (want_depot != -2 && depot != want_depot))
        fail_msg("upstream(%s): got %s '%s' (depot %ld), want %s '%s' (depot %ld)",
                 path ? path : "(null)", jldepot_errname(err), buf, depot,
                 jldepot_errname(want_err), want ? want : "(null)", want_depot);
    assert_int_equal(ol, strlen(buf));
    if (!have)
        assert_string_equal(buf, "");
    if (err != JL_DEPOT_E_OK)
        assert_int_equal(depot, -1);
}

static void check(jl_depot_stack_t *s, long target, const char *path, int want_err,
                  const char *want)
{
    check_fold(s, 0, target, path, want_err, want, -2);
}

static void touch(const char *path)
{
    jl_test_write_file(path, "x", 1);
}

// ---- upstream's tag cases (test/relocatedepot.jl, first pass) ---------------------

static void test_upstream_tags(void **state)
{
    (void)state;
    // #55340: the sibling julia-rc2 of the depot julia is not tokenized.
    jl_depot_stack_t *s = mkstack("/tmp/x/julia");
    check(s, -1, "/tmp/x/julia-rc2/share/a.jl", JL_DEPOT_E_NOT_RELOCATABLE,
          "/tmp/x/julia-rc2/share/a.jl");
    check(s, -1, "/tmp/x/julia", JL_DEPOT_E_OK, "@depot");
    check(s, -1, "/tmp/x/julia/", JL_DEPOT_E_OK, "@depot/");
    // only the leading occurrence is replaced
    check(s, -1, "/tmp/x/julia/a/tmp/x/julia", JL_DEPOT_E_OK, "@depot/a/tmp/x/julia");
    jl_depot_stack_free(s);

    // #51892: depot entries with and without trailing separator give the same token.
    jl_depot_stack_t *a = mkstack("/tmp/x/julia");
    jl_depot_stack_t *b = mkstack("/tmp/x/julia/");
    const char *p = "/tmp/x/julia/packages/Foo/abcde/src/Foo.jl";
    check(a, -1, p, JL_DEPOT_E_OK, "@depot/packages/Foo/abcde/src/Foo.jl");
    check(b, -1, p, JL_DEPOT_E_OK, "@depot/packages/Foo/abcde/src/Foo.jl");
    jl_depot_stack_free(a);
    jl_depot_stack_free(b);

    // a depot removed from DEPOT_PATH gives no token
    s = mkstack("/tmp/other");
    check(s, -1, p, JL_DEPOT_E_NOT_RELOCATABLE, p);
    jl_depot_stack_free(s);
}

// ---- roles, nesting, trailing separators ------------------------------------------------

static void test_roles(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d1:/d2");
    // every role is written as `@depot/<its sub-directory>`
    check_fold(s, 0, -1, "/d1/compiled/v1.11/A/x.ji", JL_DEPOT_E_OK, "@depot/compiled/v1.11/A/x.ji",
               0);
    check_fold(s, 0, -1, "/d2/artifacts/h/lib/l.so", JL_DEPOT_E_OK, "@depot/artifacts/h/lib/l.so",
               1);
    check_fold(s, 0, -1, "/d2/scratchspaces/u/f", JL_DEPOT_E_OK, "@depot/scratchspaces/u/f", 1);
    check_fold(s, 0, -1, "/d2/compiled", JL_DEPOT_E_OK, "@depot/compiled", 1);
    // the target has no say for a path
    check_fold(s, 1, 1, "/d1/packages/A/a.jl", JL_DEPOT_E_OK, "@depot/packages/A/a.jl", 0);
    // normalized first; a trailing separator of the input is kept
    check(s, -1, "/d1/./packages//A/../B/", JL_DEPOT_E_OK, "@depot/packages/B/");
    check(s, -1, "/d1/x//", JL_DEPOT_E_OK, "@depot/x/");
    check(s, -1, "/x/../d1/a", JL_DEPOT_E_OK, "@depot/a");
    check(s, -1, "/d1/a/..", JL_DEPOT_E_OK, "@depot");
    check(s, -1, "/d2x/a/", JL_DEPOT_E_NOT_RELOCATABLE, "/d2x/a");
    check(s, -1, "/d1/a\\b", JL_DEPOT_E_OK, "@depot/a\\b");
    jl_depot_stack_free(s);

    // a depot at the file-system root
    s = mkstack("/");
    check_fold(s, 0, -1, "/", JL_DEPOT_E_OK, "@depot", 0);
    check_fold(s, 0, -1, "/a/b", JL_DEPOT_E_OK, "@depot/a/b", 0);
    check_fold(s, 0, -1, "/compiled/x", JL_DEPOT_E_OK, "@depot/compiled/x", 0);
    jl_depot_stack_free(s);
}

static void test_first_match(void **state)
{
    (void)state;
    // replace_depot_path's first match in DEPOT_PATH order, not the nested depot
    const char *orders[2] = {"/t/outer:/t/outer/inner", "/t/outer/inner:/t/outer"};
    const char *p = "/t/outer/inner/packages/X/s/src/X.jl";
    for (int k = 0; k < 2; k++) {
        jl_depot_stack_t *s = mkstack(orders[k]);
        check_fold(s, 0, -1, p, JL_DEPOT_E_OK,
                   k == 0 ? "@depot/inner/packages/X/s/src/X.jl" : "@depot/packages/X/s/src/X.jl",
                   0);
        check_fold(s, 0, 1, "/t/outer/packages/Y/a.jl", JL_DEPOT_E_OK, "@depot/packages/Y/a.jl",
                   k == 0 ? 0 : 1);
        jl_depot_stack_free(s);
    }
    // a depot that is another's @compiled root: still the first one
    jl_depot_stack_t *s = mkstack("/t/a:/t/a/compiled");
    check_fold(s, 0, 1, "/t/a/compiled/v1.11/X.ji", JL_DEPOT_E_OK, "@depot/compiled/v1.11/X.ji", 0);
    jl_depot_stack_free(s);
}

// ---- token forms as input ------------------------------------------------------------

static void test_token_input(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d1:/d2");
    // @depot forms are returned normalized, with a trailing separator kept
    check(s, -1, "@depot/packages/A/src/A.jl", JL_DEPOT_E_OK, "@depot/packages/A/src/A.jl");
    check(s, -1, "@depot//x/./y", JL_DEPOT_E_OK, "@depot/x/y");
    check(s, -1, "@depot/", JL_DEPOT_E_OK, "@depot/");
    check(s, -1, "@depot\\packages\\A", JL_DEPOT_E_OK, "@depot/packages/A");
    check_fold(s, 0, 1, "@depot/x", JL_DEPOT_E_OK, "@depot/x", -1);
    // role tokens go through the path they name in the target depot
    check_fold(s, 0, 1, "@compiled/v1.11/A.ji", JL_DEPOT_E_OK, "@depot/compiled/v1.11/A.ji", 1);
    check_fold(s, 0, -1, "@compiled/v1.11/A.ji", JL_DEPOT_E_OK, "@depot/compiled/v1.11/A.ji", 0);
    check_fold(s, 0, 0, "@cache/", JL_DEPOT_E_OK, "@depot/scratchspaces/", 0);
    check_fold(s, 0, 1, "@artifacts\\h\\lib", JL_DEPOT_E_OK, "@depot/artifacts/h/lib", 1);
    check(s, 0, "@compiled/../x", JL_DEPOT_E_TOKEN_ESCAPE, NULL);
    check(s, 0, "@depot/../x", JL_DEPOT_E_TOKEN_ESCAPE, NULL);
    check(s, -1, "@nope/x", JL_DEPOT_E_UNKNOWN_TOKEN, NULL);
    check(s, -1, "@depot-1.11/x", JL_DEPOT_E_RELATIVE_PATH, NULL);
    jl_depot_stack_free(s);
    // the target's role root under no classic depot: not relocatable
    s = jl_depot_stack_new(0);
    assert_int_equal(
        add4(s, "/x/data", "/x/data/artifacts", "/x/cache/compiled", "/x/cache/scratchspaces"),
        JL_DEPOT_E_OK);
    check(s, 0, "@compiled/v1.11/A.ji", JL_DEPOT_E_NOT_RELOCATABLE, "/x/cache/compiled/v1.11/A.ji");
    jl_depot_stack_free(s);
    // no depot at all
    s = mkstack("");
    check(s, -1, "@compiled/x", JL_DEPOT_E_NOT_RELOCATABLE, "");
    check(s, -1, "@depot/x", JL_DEPOT_E_OK, "@depot/x");
    check(s, -1, "/d/x", JL_DEPOT_E_NOT_RELOCATABLE, "/d/x");
    jl_depot_stack_free(s);
    char buf[64];
    size_t ol;
    long depot;
    assert_int_equal(
        jldepot_tokenize_upstream(NULL, 0, -1, "@cache/x", 8, buf, sizeof(buf), &ol, &depot),
        JL_DEPOT_E_NOT_RELOCATABLE);
    assert_int_equal(
        jldepot_tokenize_upstream(NULL, 0, -1, "/a//b", 5, buf, sizeof(buf), &ol, &depot),
        JL_DEPOT_E_NOT_RELOCATABLE);
    assert_string_equal(buf, "/a/b");
}

// ---- classic depots only ---------------------------------------------------------------

static void test_classic_detection(void **state)
{
    (void)state;
    // spelled otherwise, still classic once normalized
    jl_depot_stack_t *s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(add4(s, "/t/", "/t//artifacts", "/t/./compiled", "/t/x/../scratchspaces"),
                     JL_DEPOT_E_OK);
    check_fold(s, 0, -1, "/t/packages/A/a.jl", JL_DEPOT_E_OK, "@depot/packages/A/a.jl", 0);
    check_fold(s, 0, -1, "/t/compiled/v1.11/A.ji", JL_DEPOT_E_OK, "@depot/compiled/v1.11/A.ji", 0);
    jl_depot_stack_free(s);
    // any one role root elsewhere: not classic
    const char *moved[JL_DEPOT_NROLES] = {NULL, "/t/artifacts2", "/t/compiled/x",
                                          "/c/scratchspaces"};
    for (int r = 1; r < JL_DEPOT_NROLES; r++) {
        const char *roots[JL_DEPOT_NROLES] = {"/t", "/t/artifacts", "/t/compiled",
                                              "/t/scratchspaces"};
        roots[r] = moved[r];
        s = jl_depot_stack_new(0);
        assert_non_null(s);
        assert_int_equal(jl_depot_stack_add(s, roots), JL_DEPOT_E_OK);
        check_fold(s, 0, -1, "/t/packages/A/a.jl", JL_DEPOT_E_NOT_RELOCATABLE, "/t/packages/A/a.jl",
                   -1);
        jl_depot_stack_free(s);
    }
    // the roles swapped: not classic either
    s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(add4(s, "/t", "/t/compiled", "/t/artifacts", "/t/scratchspaces"),
                     JL_DEPOT_E_OK);
    check_fold(s, 0, -1, "/t/a", JL_DEPOT_E_NOT_RELOCATABLE, "/t/a", -1);
    jl_depot_stack_free(s);
    // the XDG split depot is not classic; a classic depot nested in it is,
    // and upstream's first match in DEPOT_PATH order skips the split one
    s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(add4(s, "/h/.local/share/julia", "/h/.local/share/julia/artifacts",
                          "/h/.cache/julia/compiled", "/h/.cache/julia/scratchspaces"),
                     JL_DEPOT_E_OK);
    assert_int_equal(jl_test_add_classic(s, "/h/.local/share/julia/inner"), JL_DEPOT_E_OK);
    const char *p = "/h/.local/share/julia/inner/packages/A/a.jl";
    check_fold(s, 0, -1, p, JL_DEPOT_E_OK, "@depot/packages/A/a.jl", 1);
    check_fold(s, 0, -1, "/h/.local/share/julia/packages/A/a.jl", JL_DEPOT_E_NOT_RELOCATABLE,
               "/h/.local/share/julia/packages/A/a.jl", -1);
    jl_depot_stack_free(s);
    // the root directory as a depot is classic too
    s = jl_depot_stack_new(0);
    assert_non_null(s);
    assert_int_equal(jl_test_add_classic(s, "/"), JL_DEPOT_E_OK);
    check_fold(s, 0, -1, "/a/b", JL_DEPOT_E_OK, "@depot/a/b", 0);
    jl_depot_stack_free(s);
    // the same two depots, both classic: the outer one matches first
    s = jl_test_classic_stack("/h/.local/share/julia:/h/.local/share/julia/inner", 0);
    check_fold(s, 0, -1, p, JL_DEPOT_E_OK, "@depot/inner/packages/A/a.jl", 0);
    jl_depot_stack_free(s);
}

// The XDG user depot of a real home directory is ignored.
static void test_xdg_ignored(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("upstream-xdg");
    char *roots[JL_DEPOT_NROLES] = {
        jl_test_fmt("%s/.local/share/julia", tmp),
        jl_test_fmt("%s/.local/share/julia/artifacts", tmp),
        jl_test_fmt("%s/.cache/julia/compiled", tmp),
        jl_test_fmt("%s/.cache/julia/scratchspaces", tmp),
    };
    jl_depot_stack_t *x = jl_depot_stack_new(0);
    assert_int_equal(jl_depot_stack_add(x, (const char *const *)roots), JL_DEPOT_E_OK);
    char *xp = jl_test_fmt("%s/.local/share/julia/packages/X/s/src/X.jl", tmp);
    char *xc = jl_test_fmt("%s/.cache/julia/compiled/v1.11/X/s.ji", tmp);
    touch(xp);
    touch(xc);
    check_fold(x, 0, 0, xp, JL_DEPOT_E_NOT_RELOCATABLE, xp, -1);
    check_fold(x, 0, 0, xc, JL_DEPOT_E_NOT_RELOCATABLE, xc, -1);
    check_fold(x, 0, 0, "@compiled/v1.11/X/s.ji", JL_DEPOT_E_NOT_RELOCATABLE, xc, -1);
    jl_depot_stack_free(x);
    for (int r = 0; r < JL_DEPOT_NROLES; r++)
        free(roots[r]);
    free(xp);
    free(xc);
    jl_test_rmtree(tmp);
    free(tmp);
}

// ---- symlinks, Unicode, case folding ----------------------------------------------------

static void test_symlinks(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("upstream-symlink");
    char *real = jl_test_fmt("%s/real", tmp);
    char *link = jl_test_fmt("%s/link", tmp);
    char *file = jl_test_fmt("%s/packages/X/abc/src/X.jl", real);
    char *vialink = jl_test_fmt("%s/packages/X/abc/src/X.jl", link);
    touch(file);
    assert_int_equal(symlink(real, link), 0);
    // DEPOT_PATH names the link; the path is given through the real directory
    jl_depot_stack_t *s = mkstack(link);
    check_fold(s, 0, -1, file, JL_DEPOT_E_OK, "@depot/packages/X/abc/src/X.jl", 0);
    char *newf = jl_test_fmt("%s/packages/X/abc/src/new.jl/", real);
    check_fold(s, 0, -1, newf, JL_DEPOT_E_OK, "@depot/packages/X/abc/src/new.jl/", 0);
    jl_depot_stack_free(s);
    // a depot that holds the path as given wins over an earlier one that
    // holds it only by realpath
    char *dp = jl_test_fmt("%s:%s", real, link);
    s = mkstack(dp);
    check_fold(s, 0, -1, vialink, JL_DEPOT_E_OK, "@depot/packages/X/abc/src/X.jl", 1);
    check_fold(s, 0, -1, file, JL_DEPOT_E_OK, "@depot/packages/X/abc/src/X.jl", 0);
    jl_depot_stack_free(s);
    // the compiled directory a link elsewhere: its files are under no @depot root
    char *d4 = jl_test_fmt("%s/d4", tmp);
    char *elsewhere = jl_test_fmt("%s/elsewhere", tmp);
    char *cache = jl_test_fmt("%s/v1.11/X/s.ji", elsewhere);
    char *d4c = jl_test_fmt("%s/compiled", d4);
    touch(cache);
    jl_test_mkdirs(d4);
    assert_int_equal(symlink(elsewhere, d4c), 0);
    s = mkstack(d4);
    check_fold(s, 0, -1, cache, JL_DEPOT_E_NOT_RELOCATABLE, cache, -1);
    char *c4 = jl_test_fmt("%s/v1.11/X/s.ji", d4c);
    check_fold(s, 0, -1, c4, JL_DEPOT_E_OK, "@depot/compiled/v1.11/X/s.ji", 0);
    jl_depot_stack_free(s);
    free(c4);
    free(d4c);
    free(cache);
    free(elsewhere);
    free(d4);
    free(dp);
    free(newf);
    free(vialink);
    free(file);
    free(link);
    free(real);
    jl_test_rmtree(tmp);
    free(tmp);
}

#define CAFE_NFC "caf\xc3\xa9"  // "café", U+00E9
#define CAFE_NFD "cafe\xcc\x81" // "café", e + U+0301

static void test_unicode_casefold(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/t/" CAFE_NFC "/depot");
    // the rest keeps the input's own bytes
    check(s, -1, "/t/" CAFE_NFD "/depot/packages/" CAFE_NFD "/a.jl", JL_DEPOT_E_OK,
          "@depot/packages/" CAFE_NFD "/a.jl");
    check(s, -1, "/t/caf\xe9/depot/a", JL_DEPOT_E_NOT_RELOCATABLE, "/t/caf\xe9/depot/a");
    jl_depot_stack_free(s);
    const char *p = "/users/me/.julia/Packages/Foo/src/Foo.jl";
    for (int fold = -1; fold <= 2; fold++) {
        s = mkstack_fold("/Users/Me/.Julia", fold);
        int on = fold > 0;
#if defined(__APPLE__) || defined(_WIN32)
        on |= fold < 0; // the platform's default
#endif
        if (on) {
            check_fold(s, fold, -1, p, JL_DEPOT_E_OK, "@depot/Packages/Foo/src/Foo.jl", 0);
            // the input's own bytes, for the compiled directory too
            check_fold(s, fold, -1, "/USERS/ME/.JULIA/COMPILED/v1.11/x.ji", JL_DEPOT_E_OK,
                       "@depot/COMPILED/v1.11/x.ji", 0);
        }
        else {
            check_fold(s, fold, -1, p, JL_DEPOT_E_NOT_RELOCATABLE, p, -1);
        }
        jl_depot_stack_free(s);
    }
}

// ---- every rejection -------------------------------------------------------------------

static void test_rejections(void **state)
{
    (void)state;
    jl_depot_stack_t *s = mkstack("/d");
    check(s, -1, "", JL_DEPOT_E_EMPTY_PATH, NULL);
    check(s, -1, NULL, JL_DEPOT_E_EMPTY_PATH, NULL);
    check(s, -1, "packages/X", JL_DEPOT_E_RELATIVE_PATH, NULL);
    check(s, -1, "@foo", JL_DEPOT_E_UNKNOWN_TOKEN, NULL);
    check(s, -1, "C:\\Users\\u\\.julia\\a.jl", JL_DEPOT_E_NOT_RELOCATABLE,
          "C:\\Users\\u\\.julia\\a.jl");
    char buf[16];
    size_t ol;
    long depot;
    assert_int_equal(
        jldepot_tokenize_upstream(s, 0, -1, "/d/a\0b", 6, buf, sizeof(buf), &ol, &depot),
        JL_DEPOT_E_NUL_BYTE);
    assert_int_equal(
        jldepot_tokenize_upstream(s, 0, -1, "@depot\0", 7, buf, sizeof(buf), &ol, &depot),
        JL_DEPOT_E_NUL_BYTE);
    // too long: the input, the output for the buffer, the kept separator
    size_t big = JL_DEPOT_PATH_MAX + 1;
    char *longp = (char *)malloc(big + 1);
    memset(longp, 'a', big);
    longp[0] = '/';
    longp[big] = '\0';
    check(s, -1, longp, JL_DEPOT_E_PATH_TOO_LONG, NULL);
    free(longp);
    assert_int_equal(
        jldepot_tokenize_upstream(s, 0, -1, "/d/abcdefghijk", 14, buf, 12, &ol, &depot),
        JL_DEPOT_E_PATH_TOO_LONG);
    assert_int_equal(depot, -1);
    assert_int_equal(
        jldepot_tokenize_upstream(s, 0, -1, "/e/abcdefghijklmn", 17, buf, 12, &ol, &depot),
        JL_DEPOT_E_PATH_TOO_LONG);
    assert_int_equal(jldepot_tokenize_upstream(s, 0, -1, "/d/abcd/", 8, buf, 13, &ol, &depot),
                     JL_DEPOT_E_OK);
    assert_string_equal(buf, "@depot/abcd/");
    assert_int_equal(jldepot_tokenize_upstream(s, 0, -1, "/d/abcde/", 9, buf, 13, &ol, &depot),
                     JL_DEPOT_E_PATH_TOO_LONG);
    jl_depot_stack_free(s);
}

// ---- a property over generated paths ------------------------------------------------------

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

static const char *const comps[] = {
    "packages", "src", "Foo", "Bar.jl", "compiled", "artifacts", "v1.11", "x\ny", "\xc3\xa9t",
    "..",       ".",   "",    "a b",    "@depot",   "nested",    "\\",    "depot"};
static const char *const prefixes[] = {
    D0, D1, D2, D1_NFD, D0 "/compiled", D0 "/artifacts", "/r", "/elsewhere"};

static char *nfc(const char *s)
{
    return (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
}

// resolve(upstream(p)) == normalize(p), in the depot that holds it, and the
// form is idempotent.
static void test_round_trip_property(void **state)
{
    (void)state;
    rng_state = 20240531;
    jl_depot_stack_t *s = jl_test_classic_stack(D0 ":" D1 ":" D2, 0);
    jldepot_upstream_t *u = NULL;
    assert_int_equal(jldepot_upstream_new(s, 0, &u), JL_DEPOT_E_OK);
    int ok = 0, notreloc = 0;
    for (int iter = 0; iter < 10000; iter++) {
        char p[1024];
        int pi = (int)rnd(sizeof(prefixes) / sizeof(prefixes[0]));
        size_t n = (size_t)snprintf(p, sizeof(p), "%s", prefixes[pi]);
        int k = (int)rnd(7);
        for (int i = 0; i < k; i++)
            n += (size_t)snprintf(p + n, sizeof(p) - n, "/%s",
                                  comps[rnd(sizeof(comps) / sizeof(comps[0]))]);
        int slash = rnd(8) == 0;
        if (slash)
            n += (size_t)snprintf(p + n, sizeof(p) - n, "/");
        char *norm = NULL;
        assert_int_equal(jldepot_normalize(p, &norm), JL_DEPOT_E_OK);
        long target = (long)rnd(4) - 1;
        char tok[2048], res[2048], tok2[2048];
        size_t tl, rl, tl2;
        long depot = -2;
        int err = jldepot_upstream_tokenize(u, target, p, n, tok, sizeof(tok), &tl, &depot);
        if (err == JL_DEPOT_E_OK) {
            ok++;
            assert_true(strncmp(tok, "@depot", 6) == 0);
            assert_true(depot >= 0 && depot < 3);
            // D2 is reached only through D0, which comes first
            assert_true(depot != 2);
            assert_int_equal(jl_depot_resolve_buf(s, depot, JL_DEPOT_RESOLVE_NOSTAT, tok, tl, res,
                                                  sizeof(res), &rl, NULL),
                             JL_DEPOT_E_OK);
            char *a = nfc(res), *b = nfc(norm);
            if (strcmp(a, b) != 0)
                fail_msg("round trip of '%s': '%s' resolved to '%s', normalized '%s'", p, tok, res,
                         norm);
            free(a);
            free(b);
            if (pi != 3)
                assert_string_equal(res, norm);
            // a kept separator, exactly when the input ends with one
            assert_int_equal(tok[tl - 1] == '/', p[n - 1] == '/');
            assert_int_equal(
                jldepot_upstream_tokenize(u, target, tok, tl, tok2, sizeof(tok2), &tl2, NULL),
                JL_DEPOT_E_OK);
            assert_string_equal(tok2, tok);
        }
        else {
            assert_int_equal(err, JL_DEPOT_E_NOT_RELOCATABLE);
            notreloc++;
            assert_string_equal(tok, norm);
            assert_true(pi >= 6 || strstr(p, "..") != NULL);
        }
        free(norm);
    }
    assert_true(ok > 5000);
    assert_true(notreloc > 50);
    jldepot_upstream_free(u);
    jl_depot_stack_free(s);
}

JL_TEST_MAIN(cmocka_unit_test(test_upstream_tags), cmocka_unit_test(test_roles),
             cmocka_unit_test(test_first_match), cmocka_unit_test(test_token_input),
             cmocka_unit_test(test_classic_detection), cmocka_unit_test(test_xdg_ignored),
             cmocka_unit_test(test_symlinks), cmocka_unit_test(test_unicode_casefold),
             cmocka_unit_test(test_rejections), cmocka_unit_test(test_round_trip_property))
