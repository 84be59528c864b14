// This file is a part of the jldepot project. License is MIT.

/*
  test-tool-bundle.c: the bundle model (src/jldepot_bundle.h): SHA-256
  against the FIPS 180-2 vectors, entry-name rules, the content key:
  stable, sensitive to every field it covers, refusing malformed inputs;
  and what a bundle may write: role aliases resolved, the package tree a
  cache records, the sources allowed below packages/.
*/

#include <stdarg.h>

#include "testutil.h"
#include "jldepot_bundle.h"
#include "jldepot_stack.h"

// The tool's main() is not linked into unit tests: its error printer is.
void jldepot_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    char h[65];
    jldepot_sha256_mem("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    jldepot_sha256_mem("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    char *dir = jl_test_mkdtemp("sha");
    char *p = jl_test_fmt("%s/f", dir);
    const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    jl_test_write_file(p, msg, strlen(msg));
    assert_int_equal(jldepot_sha256_file(p, h), JL_DEPOT_E_OK);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *q = jl_test_fmt("%s/missing", dir);
    assert_int_equal(jldepot_sha256_file(q, h), JL_DEPOT_E_NOT_FOUND);
    jl_test_rmtree(dir);
    free(p);
    free(q);
    free(dir);
}

static void test_entry_names(void **state)
{
    (void)state;
    int role;
    const char *rest;
    assert_int_equal(jldepot_bundle_entry_name("@compiled/v1.11/A/x.ji", &role, &rest), 0);
    assert_int_equal(role, JL_DEPOT_ROLE_COMPILED);
    assert_string_equal(rest, "v1.11/A/x.ji");
    assert_int_equal(jldepot_bundle_entry_name("@depot/packages/A/s/src/A.jl", &role, &rest), 0);
    assert_int_equal(role, JL_DEPOT_ROLE_DEPOT);
    assert_int_equal(jldepot_bundle_entry_name(JLDEPOT_BUNDLE_MANIFEST, &role, &rest), 0);
    assert_int_equal(role, -1);
    static const char *const bad[] = {
        "/etc/passwd",  "../x",           "@depot/../x",   "@depot/a/../../x",
        "@depot/a/./b", "@depot//a",      "@depot/a/",     "@depot/",
        "@depot",       "@artifacts/x",   "compiled/v1/x", "@compiled\\..\\x",
        "@depotx/a",    "jldepot-bundle", "@compiled/..",  "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (jldepot_bundle_entry_name(bad[i], &role, &rest) != JL_DEPOT_E_BUNDLE_ESCAPE)
            fail_msg("accepted '%s'", bad[i]);
    }
    assert_int_equal(jldepot_bundle_entry_name(NULL, &role, &rest), JL_DEPOT_E_BUNDLE_ESCAPE);
}

static json_object *sample_input(void)
{
    const char *txt =
        "{\"julia_version\":\"1.11.0\",\"julia_commit\":\"abc\",\"julia_branch\":\"\","
        "\"os\":\"Linux\",\"arch\":\"x86_64\",\"pointer_size\":8,\"format_version\":12,"
        "\"flags\":163,\"syntax_version\":-1,\"layout\":\"R12\",\"clone_targets\":\"0100\","
        "\"package\":\"A\",\"uuid\":\"6d3b1c2a-1f0e-4b7a-9c41-0a1b2c3d4e51\","
        "\"preferences\":\"hash:0000000000000000\","
        "\"dependencies\":[{\"kind\":\"include\",\"path\":\"@depot/packages/A/s/src/A.jl\","
        "\"size\":10,\"crc32c\":\"0x12345678\",\"mtime_tracked\":false},"
        "{\"kind\":\"require\",\"name\":\"B\",\"uuid\":\"6d3b1c2a-1f0e-4b7a-9c41-0a1b2c3d4e52\"}],"
        "\"requires\":[{\"name\":\"Base\",\"uuid\":\"00000000-0000-0000-0000-000000000000\","
        "\"sysimage_build_id\":\"0123\"},{\"name\":\"B\",\"uuid\":"
        "\"6d3b1c2a-1f0e-4b7a-9c41-0a1b2c3d4e52\",\"key\":"
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}";
    json_object *o = json_tokener_parse(txt);
    assert_non_null(o);
    return o;
}

static void key_of(json_object *o, char out[65], int expect)
{
    assert_int_equal(jldepot_key_compute(o, out), expect);
}

static void test_key_stable_and_sensitive(void **state)
{
    (void)state;
    json_object *a = sample_input(), *b = sample_input();
    char ka[65], kb[65];
    key_of(a, ka, 0);
    key_of(b, kb, 0);
    assert_string_equal(ka, kb);
    assert_int_equal(strlen(ka), 64);
    // a field order change in the JSON does not matter; each value does
    static const char *const strfields[] = {
        "julia_version", "julia_commit", "julia_branch", "os",         "arch",
        "clone_targets", "package",      "uuid",         "preferences"};
    for (size_t i = 0; i < sizeof(strfields) / sizeof(strfields[0]); i++) {
        json_object *c = sample_input();
        json_object_object_add(c, strfields[i], json_object_new_string("changed"));
        char kc[65];
        key_of(c, kc, 0);
        if (!strcmp(kc, ka))
            fail_msg("the key ignores %s", strfields[i]);
        json_object_put(c);
    }
    static const char *const intfields[] = {"pointer_size", "format_version", "flags",
                                            "syntax_version"};
    for (size_t i = 0; i < sizeof(intfields) / sizeof(intfields[0]); i++) {
        json_object *c = sample_input();
        json_object_object_add(c, intfields[i], json_object_new_int(99));
        char kc[65];
        key_of(c, kc, 0);
        if (!strcmp(kc, ka))
            fail_msg("the key ignores %s", intfields[i]);
        json_object_put(c);
    }
    // a dependency's hash, size, mtime tracking; a required key
    static const char *const depfields[] = {"crc32c", "size", "mtime_tracked", "path"};
    for (size_t i = 0; i < 4; i++) {
        json_object *c = sample_input(), *deps, *d;
        json_object_object_get_ex(c, "dependencies", &deps);
        d = json_object_array_get_idx(deps, 0);
        json_object_object_add(d, depfields[i],
                               i == 1   ? json_object_new_int(11)
                               : i == 2 ? json_object_new_boolean(1)
                                        : json_object_new_string("0x00000000"));
        char kc[65];
        key_of(c, kc, 0);
        if (!strcmp(kc, ka))
            fail_msg("the key ignores the dependency's %s", depfields[i]);
        json_object_put(c);
    }
    json_object *c = sample_input(), *reqs;
    json_object_object_get_ex(c, "requires", &reqs);
    json_object_object_add(json_object_array_get_idx(reqs, 1), "key",
                           json_object_new_string("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                                                  "bbbbbbbbbbbbbbbb"));
    char kc[65];
    key_of(c, kc, 0);
    assert_string_not_equal(kc, ka);
    json_object_put(c);
    // informational fields do not enter the key
    c = sample_input();
    json_object_object_add(c, "cpu_targets", json_object_new_string("znver4"));
    key_of(c, kc, 0);
    assert_string_equal(kc, ka);
    json_object_put(c);
    json_object_put(a);
    json_object_put(b);
}

static void test_key_malformed(void **state)
{
    (void)state;
    char k[65];
    static const char *const drop[] = {"julia_version", "flags",         "dependencies",
                                       "requires",      "clone_targets", "uuid"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        json_object *c = sample_input();
        json_object_object_del(c, drop[i]);
        key_of(c, k, JL_DEPOT_E_BUNDLE_MANIFEST);
        json_object_put(c);
    }
    json_object *c = sample_input();
    json_object_object_add(c, "flags", json_object_new_string("0xa3")); // wrong type
    key_of(c, k, JL_DEPOT_E_BUNDLE_MANIFEST);
    json_object_put(c);
    c = sample_input();
    json_object *reqs;
    json_object_object_get_ex(c, "requires", &reqs);
    json_object_object_add(json_object_array_get_idx(reqs, 1), "key",
                           json_object_new_string("not-a-key"));
    key_of(c, k, JL_DEPOT_E_BUNDLE_MANIFEST);
    json_object_put(c);
    key_of(NULL, k, JL_DEPOT_E_BUNDLE_MANIFEST);
    json_object *arr = json_object_new_array();
    key_of(arr, k, JL_DEPOT_E_BUNDLE_MANIFEST);
    json_object_put(arr);
}

static void test_key_no_ambiguity(void **state)
{
    (void)state;
    // moving bytes between two adjacent strings must change the key
    json_object *a = sample_input(), *b = sample_input();
    json_object_object_add(a, "julia_version", json_object_new_string("1.11.0x"));
    json_object_object_add(a, "julia_commit", json_object_new_string("abc"));
    json_object_object_add(b, "julia_version", json_object_new_string("1.11.0"));
    json_object_object_add(b, "julia_commit", json_object_new_string("xabc"));
    char ka[65], kb[65];
    key_of(a, ka, 0);
    key_of(b, kb, 0);
    assert_string_not_equal(ka, kb);
    json_object_put(a);
    json_object_put(b);
}

static jl_depot_stack_t *stack_of(const char *dp, const char *layout)
{
    jldepot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.home = "/home/u";
    cfg.list_sep = ':';
    cfg.casefold = 0;
    cfg.depot_path = dp;
    cfg.layout = layout;
    cfg.xdg_data_home = "/xd";
    cfg.xdg_cache_home = "/xc";
    jl_depot_stack_t *s = NULL;
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    return s;
}

static void expect_role(jl_depot_stack_t *s, int role, const char *rest, int want,
                        const char *wantrest)
{
    int nrole = -1;
    char *nrest = NULL;
    assert_int_equal(jldepot_normalize_role(s, 0, role, rest, &nrole, &nrest), JL_DEPOT_E_OK);
    if (nrole != want || strcmp(nrest, wantrest) != 0)
        fail_msg("%s/%s: got %s/%s, want %s/%s", jl_depot_token_name((jl_depot_role_t)role), rest,
                 jl_depot_token_name((jl_depot_role_t)nrole), nrest,
                 jl_depot_token_name((jl_depot_role_t)want), wantrest);
    free(nrest);
}

static void test_normalize_role(void **state)
{
    (void)state;
    // classic: compiled/, artifacts/ and scratchspaces/ lie in the @depot
    // root, so @depot/compiled/... IS @compiled/...
    jl_depot_stack_t *s = stack_of("/d", NULL);
    expect_role(s, JL_DEPOT_ROLE_DEPOT, "compiled/v1.11/A/x.ji", JL_DEPOT_ROLE_COMPILED,
                "v1.11/A/x.ji");
    expect_role(s, JL_DEPOT_ROLE_DEPOT, "artifacts/0123/lib/x.so", JL_DEPOT_ROLE_ARTIFACTS,
                "0123/lib/x.so");
    expect_role(s, JL_DEPOT_ROLE_DEPOT, "scratchspaces/u/x", JL_DEPOT_ROLE_CACHE, "u/x");
    expect_role(s, JL_DEPOT_ROLE_DEPOT, "packages/A/s/src/A.jl", JL_DEPOT_ROLE_DEPOT,
                "packages/A/s/src/A.jl");
    expect_role(s, JL_DEPOT_ROLE_DEPOT, "compiledx/v1.11/x.ji", JL_DEPOT_ROLE_DEPOT,
                "compiledx/v1.11/x.ji");
    expect_role(s, JL_DEPOT_ROLE_COMPILED, "v1.11/A/x.ji", JL_DEPOT_ROLE_COMPILED, "v1.11/A/x.ji");
    jl_depot_stack_free(s);
    // xdg: the caches live elsewhere; @depot/compiled/... is just a path
    s = stack_of(NULL, "xdg");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED), "/xc/julia/compiled");
    expect_role(s, JL_DEPOT_ROLE_DEPOT, "compiled/v1.11/A/x.ji", JL_DEPOT_ROLE_DEPOT,
                "compiled/v1.11/A/x.ji");
    expect_role(s, JL_DEPOT_ROLE_COMPILED, "v1.11/A/x.ji", JL_DEPOT_ROLE_COMPILED, "v1.11/A/x.ji");
    jl_depot_stack_free(s);
}

static int tree_of(const char *const *paths, const int *kinds, size_t n, char *out, size_t cap)
{
    jl_cache_dep_t deps[8];
    jl_cachefile_t cf;
    memset(&cf, 0, sizeof(cf));
    memset(deps, 0, sizeof(deps));
    for (size_t i = 0; i < n; i++) {
        deps[i].path.ptr = paths[i];
        deps[i].path.len = strlen(paths[i]);
        deps[i].kind = kinds[i];
    }
    cf.deps = deps;
    cf.ndeps = n;
    const char *tree;
    size_t len;
    int err = jldepot_cache_tree(&cf, &tree, &len);
    if (!err)
        snprintf(out, cap, "%.*s", (int)len, tree);
    return err;
}

static void test_cache_tree(void **state)
{
    (void)state;
    char t[256];
    const int inc1[] = {JL_CACHE_DEP_INCLUDE};
    const int req_inc[] = {JL_CACHE_DEP_REQUIRE, JL_CACHE_DEP_INCLUDE_DEPENDENCY,
                           JL_CACHE_DEP_INCLUDE};
    const char *ok1[] = {"@depot/packages/A/s1/src/A.jl"};
    assert_int_equal(tree_of(ok1, inc1, 1, t, sizeof(t)), JL_DEPOT_E_OK);
    assert_string_equal(t, "A/s1");
    // an extension: its entry file is in the parent's tree
    const char *ext[] = {"@depot/packages/A/s1/ext/AExt/AExt.jl"};
    assert_int_equal(tree_of(ext, inc1, 1, t, sizeof(t)), JL_DEPOT_E_OK);
    assert_string_equal(t, "A/s1");
    // the first include() decides, not a require key or an include_dependency
    const char *first[] = {"\0req", "@depot/environments/x.txt", "@depot/packages/B/s2/src/B.jl"};
    assert_int_equal(tree_of(first, req_inc, 3, t, sizeof(t)), JL_DEPOT_E_OK);
    assert_string_equal(t, "B/s2");
    static const char *const bad[] = {
        "@depot/dev/A/src/A.jl",          // a developed package
        "@depot/packages/A/src.jl",       // no slug
        "@depot/packages/A/s1",           // nothing below the slug
        "@depot/packages/A/s1/",          // nothing below the slug
        "@depot/packages/../s1/src/A.jl", // a dot name
        "@depot/packages/A/../src/A.jl",
        "@depot/stdlib/v1.11/A/src/A.jl", // a stdlib of a bundled depot
        "/abs/packages/A/s1/src/A.jl",    // not a token
        "@depot/packages\\A\\s1\\src\\A.jl",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *p[] = {bad[i]};
        if (tree_of(p, inc1, 1, t, sizeof(t)) != JL_DEPOT_E_NOT_SERVABLE_TREE)
            fail_msg("accepted '%s' as a package tree", bad[i]);
    }
    assert_int_equal(tree_of(NULL, NULL, 0, t, sizeof(t)), JL_DEPOT_E_NOT_SERVABLE_TREE);
}

static void test_source_allowed(void **state)
{
    (void)state;
    char a[] = "A/s1", b[] = "Bb/s2";
    char *trees[] = {a, b};
    assert_true(jldepot_source_allowed("A/s1/src/A.jl", trees, 2));
    assert_true(jldepot_source_allowed("A/s1/Project.toml", trees, 2));
    assert_true(jldepot_source_allowed("Bb/s2/deps/other.jl", trees, 2));
    assert_false(jldepot_source_allowed("A/s1/deps/build.jl", trees, 2));
    assert_false(jldepot_source_allowed("A/s1", trees, 2));
    assert_false(jldepot_source_allowed("A/s1/", trees, 2));
    assert_false(jldepot_source_allowed("A/s10/src/A.jl", trees, 2));
    assert_false(jldepot_source_allowed("A/s2/src/A.jl", trees, 2));
    assert_false(jldepot_source_allowed("B/s2/src/B.jl", trees, 2));
    assert_false(jldepot_source_allowed("A/s1/src/A.jl", trees, 0));
}

JL_TEST_MAIN(cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_entry_names),
             cmocka_unit_test(test_key_stable_and_sensitive), cmocka_unit_test(test_key_malformed),
             cmocka_unit_test(test_key_no_ambiguity), cmocka_unit_test(test_normalize_role),
             cmocka_unit_test(test_cache_tree), cmocka_unit_test(test_source_allowed))
