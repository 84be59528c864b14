// This file is a part of the jldepot project. License is MIT.

/*
  test-depotpath-filenames.c: method and debug-info file names: every file
  of the sample depot's packages tokenizes on save and resolves on load,
  also after the depot is copied to a path of another length; non-path
  names pass through; rejections equal the path model's; debug-info virtual
  roots resolve like their tokens; one real resolution per distinct name;
  the package's entry file places its directory without a lookup.
*/

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-cachefile-util.h"
#include "depotpath_filenames.h"
#include "jldepot_model.h"

typedef struct {
    char **v;
    size_t n;
} names_t;

static void collect(const char *dir, names_t *out)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = jl_test_fmt("%s/%s", dir, de->d_name);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            collect(p, out);
            free(p);
        }
        else {
            out->v = realloc(out->v, (out->n + 1) * sizeof(char *));
            out->v[out->n++] = p;
        }
    }
    closedir(d);
}

static void names_free(names_t *n)
{
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
}

// A copy of the sample depot under `parent` + a cache file in it.
static char *make_depot(const char *parent, const char *sub)
{
    char *depot = jl_test_fmt("%s/%s", parent, sub);
    jl_test_mkdirs(depot);
    char *cmd = jl_test_fmt("cp -r '%s/sample-depot/.' '%s'", jl_test_fixtures(), depot);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    char *cache = jl_test_fmt("%s/compiled/v1.11/Shapes/x_y.ji", depot);
    jl_test_write_file(cache, "ji", 2);
    free(cache);
    return depot;
}

static void test_round_trip_and_move(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("fnames");
    char *d1 = make_depot(tmp, "a");
    char *d2 = make_depot(tmp, "a-depot-at-a-much-longer-path/after/moving");
    jl_depot_stack_t *s1 = stack_of(d1);
    char *cache1 = jl_test_fmt("%s/compiled/v1.11/Shapes/x_y.ji", d1);
    jl_depot_filenames_t *f1;
    assert_int_equal(jl_depot_filenames_new(s1, cache1, 0, &f1), JL_DEPOT_E_OK);
    char *pk = jl_test_fmt("%s/packages", d1);
    names_t names = {0};
    collect(pk, &names);
    assert_true(names.n >= 10);
    char **tokens = calloc(names.n, sizeof(char *));
    for (size_t i = 0; i < names.n; i++) {
        const char *tok;
        assert_int_equal(jl_depot_filename_save(f1, names.v[i], strlen(names.v[i]), &tok),
                         JL_DEPOT_E_OK);
        // "@depot" + the path below the depot
        assert_true(strncmp(tok, "@depot/packages/", 16) == 0);
        assert_string_equal(tok + 6, names.v[i] + strlen(d1));
        tokens[i] = strdup(tok);
        const char *back;
        assert_int_equal(jl_depot_filename_load(f1, NULL, tok, strlen(tok), &back), JL_DEPOT_E_OK);
        assert_string_equal(back, names.v[i]);
    }
    // after the move: the same tokens resolve into the copy, and the files exist
    jl_depot_stack_t *s2 = stack_of(d2);
    char *cache2 = jl_test_fmt("%s/compiled/v1.11/Shapes/x_y.ji", d2);
    jl_depot_filenames_t *f2;
    assert_int_equal(jl_depot_filenames_new(s2, cache2, 0, &f2), JL_DEPOT_E_OK);
    for (size_t i = 0; i < names.n; i++) {
        const char *p;
        assert_int_equal(jl_depot_filename_load(f2, NULL, tokens[i], strlen(tokens[i]), &p),
                         JL_DEPOT_E_OK);
        char *want = jl_test_fmt("%s%s", d2, names.v[i] + strlen(d1));
        assert_string_equal(p, want);
        assert_int_equal(access(p, R_OK), 0);
        free(want);
        free(tokens[i]);
    }
    free(tokens);
    names_free(&names);
    jl_depot_filenames_free(f1);
    jl_depot_filenames_free(f2);
    jl_depot_stack_free(s1);
    jl_depot_stack_free(s2);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(pk);
    free(cache1);
    free(cache2);
    free(d1);
    free(d2);
    free(tmp);
}

static void test_non_paths_and_absolute(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/depots/one:/depots/two");
    jl_depot_filenames_t *f;
    assert_int_equal(jl_depot_filenames_new(s, NULL, JL_DEPOT_FILENAMES_NOSTAT, &f), JL_DEPOT_E_OK);
    const char *plain[] = {"array.jl", "none", "REPL[1]", "", "./boot.jl"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        const char *out;
        assert_int_equal(jl_depot_filename_save(f, plain[i], strlen(plain[i]), &out),
                         JL_DEPOT_E_OK);
        assert_ptr_equal(out, plain[i]);
        assert_int_equal(jl_depot_filename_load(f, NULL, plain[i], strlen(plain[i]), &out),
                         JL_DEPOT_E_OK);
        assert_ptr_equal(out, plain[i]);
    }
    const char *out;
    const char *outside = "/buildbot/julia/usr/share/julia/stdlib/v1.11/Test/src/Test.jl";
    assert_int_equal(jl_depot_filename_save(f, outside, strlen(outside), &out),
                     JL_DEPOT_E_NOT_RELOCATABLE);
    assert_string_equal(out, outside);
    // the second depot's files tokenize too
    const char *second = "/depots/two/packages/Units/Qm4tV/src/Units.jl";
    assert_int_equal(jl_depot_filename_save(f, second, strlen(second), &out), JL_DEPOT_E_OK);
    assert_string_equal(out, "@depot/packages/Units/Qm4tV/src/Units.jl");
    // an absolute name is printed as it is on load
    assert_int_equal(jl_depot_filename_load(f, NULL, outside, strlen(outside), &out),
                     JL_DEPOT_E_OK);
    assert_ptr_equal(out, outside);
    jl_depot_filenames_free(f);
    jl_depot_stack_free(s);
}

// Bad names are rejected with exactly the path model's codes.
static void test_rejections_match_path_model(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("fnames-bad");
    char *d = make_depot(tmp, "d");
    jl_depot_stack_t *s = stack_of(d);
    char *cache = jl_test_fmt("%s/compiled/v1.11/Shapes/x_y.ji", d);
    jl_depot_filenames_t *f;
    assert_int_equal(jl_depot_filenames_new(s, cache, 0, &f), JL_DEPOT_E_OK);
    struct {
        const char *s;
        size_t len;
        int want;
    } bad[] = {
        {"@nosuch/packages/x.jl", 21, JL_DEPOT_E_UNKNOWN_TOKEN},
        {"@depot/../x.jl", 14, JL_DEPOT_E_TOKEN_ESCAPE},
        {"@depot/packages/../../etc/passwd", 32, JL_DEPOT_E_TOKEN_ESCAPE},
        {"@depot/pack\0ages/x.jl", 21, JL_DEPOT_E_NUL_BYTE},
        {"@depot/packages/Missing/src/gone.jl", 35, JL_DEPOT_E_UNRESOLVED_TOKEN},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *model = NULL;
        int merr = jldepot_resolve_n(s, cache, 0, bad[i].s, bad[i].len, &model);
        assert_int_equal(merr, bad[i].want);
        const char *out;
        int err = jl_depot_filename_load(f, NULL, bad[i].s, bad[i].len, &out);
        assert_int_equal(err, merr);
        if (model != NULL) // the unresolved case names the candidate, like the model
            assert_string_equal(out, model);
        else
            assert_null(out);
        free(model);
    }
    // saving: NUL and unknown tokens as jl_depot_tokenize_n says
    const char *nul = "/x/a\0b.jl";
    char *model = NULL;
    const char *out;
    assert_int_equal(jl_depot_filename_save(f, nul, 9, &out),
                     jl_depot_tokenize_n(s, 0, nul, 9, &model));
    assert_null(out);
    free(model);
    assert_int_equal(jl_depot_filename_save(f, "@nosuch/x", 9, &out),
                     jl_depot_tokenize_n(s, 0, "@nosuch/x", 9, &model));
    assert_int_equal(jl_depot_filename_save(f, "@nosuch/x", 9, &out), JL_DEPOT_E_UNKNOWN_TOKEN);
    free(model);
    jl_depot_filenames_free(f);
    jl_depot_stack_free(s);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(cache);
    free(d);
    free(tmp);
}

static void test_virtual_roots(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("fnames-virt");
    char *d = make_depot(tmp, "d");
    jl_depot_stack_t *s = stack_of(d);
    char *cache = jl_test_fmt("%s/compiled/v1.11/Shapes/x_y.ji", d);
    jl_depot_filenames_t *f;
    assert_int_equal(jl_depot_filenames_new(s, cache, 0, &f), JL_DEPOT_E_OK);
    const char *id = "0123456789abcdef";
    const char *v = "/@depot-0123456789abcdef-1/packages/Shapes/b7RtZ/src/Shapes.jl";
    const char *out;
    assert_int_equal(jl_depot_filename_load(f, id, v, strlen(v), &out), JL_DEPOT_E_OK);
    char *want = jl_test_fmt("%s/packages/Shapes/b7RtZ/src/Shapes.jl", d);
    assert_string_equal(out, want);
    // the same answer without an image id to check against
    assert_int_equal(jl_depot_filename_load(f, NULL, v, strlen(v), &out), JL_DEPOT_E_OK);
    assert_string_equal(out, want);
    // and the token form resolves to the same string (memoized: one resolution,
    // so the very same string)
    const char *tok = "@depot/packages/Shapes/b7RtZ/src/Shapes.jl", *viatok;
    assert_int_equal(jl_depot_filename_load(f, NULL, tok, strlen(tok), &viatok), JL_DEPOT_E_OK);
    assert_ptr_equal(viatok, out);
    // another image's root, malformed roots, escapes
    assert_int_equal(jl_depot_filename_load(f, "fedcba9876543210", v, strlen(v), &out),
                     JL_DEPOT_E_DIMAP_FOREIGN_ROOT);
    const char *malformed[] = {"/@depot-0123/x.jl", "/@depot-0123456789ABCDEF-1/x.jl",
                               "/@depot-0123456789abcdef-/x.jl", "/@depot-0123456789abcdef-0/x.jl",
                               "/@depot-0123456789abcdef-1x/x.jl"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
        assert_int_equal(jl_depot_filename_load(f, NULL, malformed[i], strlen(malformed[i]), &out),
                         JL_DEPOT_E_DIMAP_BAD_ROOT);
    const char *esc = "/@depot-0123456789abcdef-1/../../etc/passwd";
    assert_int_equal(jl_depot_filename_load(f, NULL, esc, strlen(esc), &out),
                     JL_DEPOT_E_TOKEN_ESCAPE);
    // `/@` followed by no role word is an ordinary absolute path
    const char *plain = "/@home/user/x.jl";
    assert_int_equal(jl_depot_filename_load(f, NULL, plain, strlen(plain), &out), JL_DEPOT_E_OK);
    assert_ptr_equal(out, plain);
    // the other roles map to their tokens
    const char *art = "/@artifacts-0123456789abcdef-1/0123abcd/lib/libfoo.so";
    char *model = NULL;
    assert_int_equal(jldepot_resolve_n(s, cache, JL_DEPOT_RESOLVE_NOSTAT,
                                       "@artifacts/0123abcd/lib/libfoo.so", 33, &model),
                     JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_filename_load(f, NULL, art, strlen(art), &out),
                     JL_DEPOT_E_UNRESOLVED_TOKEN);
    assert_string_equal(out, model);
    free(model);
    free(want);
    jl_depot_filenames_free(f);
    jl_depot_stack_free(s);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(cache);
    free(d);
    free(tmp);
}

static void test_memoized(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/depots/one");
    jl_depot_filenames_t *f;
    assert_int_equal(jl_depot_filenames_new(s, NULL, JL_DEPOT_FILENAMES_NOSTAT, &f), JL_DEPOT_E_OK);
    const char *names[] = {"/depots/one/packages/A/x/src/A.jl", "/depots/one/packages/A/x/src/b.jl",
                           "/depots/one/packages/B/y/src/B.jl"};
    const char *first[3];
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 3; i++) {
            const char *tok, *back;
            assert_int_equal(jl_depot_filename_save(f, names[i], strlen(names[i]), &tok),
                             JL_DEPOT_E_OK);
            assert_int_equal(jl_depot_filename_load(f, NULL, tok, strlen(tok), &back),
                             JL_DEPOT_E_OK);
            assert_string_equal(back, names[i]);
            if (round == 0)
                first[i] = back;
            else
                assert_ptr_equal(back, first[i]); // the same memoized string
        }
    }
    jl_depot_filenames_free(f);
    jl_depot_stack_free(s);
}

static void test_cache_outside(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/depots/one");
    jl_depot_filenames_t *f = NULL;
    assert_int_equal(jl_depot_filenames_new(s, "/elsewhere/x.ji", 0, &f),
                     JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS);
    assert_null(f);
    jl_depot_stack_free(s);
}

// The package's entry file, as Base located it, places the names of its directory
// in its depot without a lookup (nothing of these depots exists on disk).
static void test_found_entry_file(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/depots/one:/depots/two");
    jl_depot_filenames_t *f = NULL;
    const char *out = NULL;
    assert_int_equal(jl_depot_filenames_new(s, "/depots/one/compiled/v1.11/P/x.ji", 0, &f),
                     JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_filename_load(f, NULL, "@depot/packages/P/s/src/a.jl", 28, &out),
                     JL_DEPOT_E_UNRESOLVED_TOKEN);
    jl_depot_filenames_free(f);
    assert_int_equal(jl_depot_filenames_new(s, "/depots/one/compiled/v1.11/P/x.ji", 0, &f),
                     JL_DEPOT_E_OK);
    jl_depot_filenames_found(f, "/depots/two/packages/P/s/src/P.jl");
    assert_int_equal(jl_depot_filename_load(f, NULL, "@depot/packages/P/s/src/a.jl", 28, &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, "/depots/two/packages/P/s/src/a.jl");
    jl_depot_filenames_free(f);
    jl_depot_stack_free(s);
}

JL_TEST_MAIN(cmocka_unit_test(test_round_trip_and_move),
             cmocka_unit_test(test_non_paths_and_absolute),
             cmocka_unit_test(test_rejections_match_path_model),
             cmocka_unit_test(test_virtual_roots), cmocka_unit_test(test_memoized),
             cmocka_unit_test(test_cache_outside), cmocka_unit_test(test_found_entry_file))
