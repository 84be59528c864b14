// This file is a part of the jldepot project. License is MIT.

/*
  test-parse.c: the strict parsers of fetch and unpack (cli/jldepot_parse.h):
  byte sizes of the command line, the bundle manifest and index.json from a
  buffer (every field type-checked, exactly one document, no NUL, no
  duplicate key), the choice of a bundle in an index and its URL, the size
  and SHA-256 comparison of a file with its record, and the shortening of
  untrusted text.  The seeds of the fuzz corpora test/fuzz/corpus/manifest
  and .../index are run too: ok-* must parse, bad-* must not.
*/

#include <dirent.h>

#include "testutil.h"
#include "jldepot_parse.h"

#define H_A   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H_B   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define H_C   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define UUID1 "3e97c4e1-0739-42a5-a221-d68078fd441d"
#define UUID2 "0a02c509-b82e-49bd-b306-61972eda4a83"

// ---- sizes -----------------------------------------------------------------------

static void test_parse_bytes(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t v;
    } good[] = {
        {"0", 0},
        {"123", 123},
        {"4K", 4096},
        {"4k", 4096},
        {"16M", 16 << 20},
        {"8G", (uint64_t)8 << 30},
        {"18446744073709551615", UINT64_MAX},
        {"17179869183G", (uint64_t)17179869183 << 30},
        {"007", 7},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t v = 1;
        if (jldepot_parse_bytes(good[i].s, &v) != JL_DEPOT_E_OK || v != good[i].v)
            fail_msg("'%s' gave %llu", good[i].s, (unsigned long long)v);
    }
    static const char *const bad[] = {
        "",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1KB",
        "1T",
        "K",
        "1m",
        "1.5M",
        "0x10",
        "17179869184G", // 2^64: the old parser wrapped it to 0
        "18446744073709551616",
        "99999999999999999999999",
        "-0",
        "1\n",
        "\t2",
        "1kk",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 42;
        if (jldepot_parse_bytes(bad[i], &v) != JL_DEPOT_E_BAD_SIZE || v != 42)
            fail_msg("accepted '%s'", bad[i]);
    }
    uint64_t v = 42;
    assert_int_equal(jldepot_parse_bytes(NULL, &v), JL_DEPOT_E_BAD_SIZE);
}

// ---- the manifest ---------------------------------------------------------------------

// A manifest with `files[0].size` = SIZE and EXTRA members at the top.
static char *manifest(const char *size, const char *extra)
{
    return jl_test_fmt(
        "{\"format\": \"jldepot-bundle 1\", \"key\": \"" H_A "\", \"package\": \"A\",%s\n"
        " \"files\": [{\"name\": \"@compiled/v1.11/A/x.ji\", \"size\": %s, \"sha256\": \"" H_B
        "\"}],\n"
        " \"caches\": [{\"package\": \"A\", \"key\": \"" H_A
        "\", \"ji\": \"@compiled/v1.11/A/x.ji\", \"key_input\": {}}]}\n",
        extra, size);
}

static int parse_m(const char *s, size_t n, char **detail)
{
    json_object *m = (json_object *)1;
    int err = jldepot_manifest_parse(s, n, &m, detail);
    if (err == JL_DEPOT_E_OK) {
        assert_non_null(m);
        json_object_put(m);
    }
    else
        assert_null(m);
    return err;
}

static void expect_bad_manifest(const char *s, size_t n, const char *needle)
{
    char *detail = NULL;
    int err = parse_m(s, n, &detail);
    if (err != JL_DEPOT_E_BUNDLE_MANIFEST)
        fail_msg("accepted (%d): %.*s", err, (int)n, s);
    assert_non_null(detail);
    if (needle && !strstr(detail, needle))
        fail_msg("detail '%s' does not say '%s'", detail, needle);
    free(detail);
}

static void test_manifest_good(void **state)
{
    (void)state;
    char *s = manifest("10", "");
    char *detail = NULL;
    assert_int_equal(parse_m(s, strlen(s), &detail), JL_DEPOT_E_OK);
    assert_null(detail);
    free(s);
    // unknown fields are ignored; the optional known ones are type-checked
    s = manifest("0", " \"uuid\": \"" UUID1 "\", \"sources\": true, \"cpu_targets\": [\"generic\"],"
                      " \"signature\": {\"by\": \"x\"}, \"flags\": \"0xa3\",");
    assert_int_equal(parse_m(s, strlen(s), NULL), JL_DEPOT_E_OK);
    free(s);
    s = manifest("9007199254740991", ""); // 2^53 - 1
    assert_int_equal(parse_m(s, strlen(s), NULL), JL_DEPOT_E_OK);
    free(s);
}

static void test_manifest_strict_document(void **state)
{
    (void)state;
    char *s = manifest("10", "");
    size_t n = strlen(s);
    // trailing garbage, a second document, a NUL byte (after it and inside)
    char *t = jl_test_fmt("%sx", s);
    expect_bad_manifest(t, strlen(t), "more after the end");
    free(t);
    t = jl_test_fmt("%s{}", s);
    expect_bad_manifest(t, strlen(t), "more after the end");
    free(t);
    t = jl_test_fmt("%s%s", s, s);
    expect_bad_manifest(t, strlen(t), "more after the end");
    free(t);
    t = malloc(n + 2);
    memcpy(t, s, n);
    t[n] = '\0';
    t[n + 1] = ' ';
    expect_bad_manifest(t, n + 2, "NUL byte");
    memcpy(t, s, n);
    t[20] = '\0';
    expect_bad_manifest(t, n, "NUL byte");
    free(t);
    // white space after the document is fine
    t = jl_test_fmt("%s \t\r\n\n", s);
    assert_int_equal(parse_m(t, strlen(t), NULL), JL_DEPOT_E_OK);
    free(t);
    // not a whole document, not an object, nothing at all
    expect_bad_manifest(s, n / 2, "ends before");
    expect_bad_manifest("", 0, "empty");
    expect_bad_manifest("[]", 2, "not a JSON object");
    expect_bad_manifest("null\n", 5, "null");
    expect_bad_manifest("\"x\"", 3, "not a JSON object");
    // what json-c would let through
    t = manifest("10", " 'single': 1,");
    expect_bad_manifest(t, strlen(t), NULL);
    free(t);
    t = manifest("10", " \"n\": NaN,");
    expect_bad_manifest(t, strlen(t), "not JSON");
    free(t);
    t = manifest("10", " \"n\": Infinity,");
    expect_bad_manifest(t, strlen(t), "not JSON");
    free(t);
    t = manifest("10", " \"n\": \"a\tb\",");
    expect_bad_manifest(t, strlen(t), "control character");
    free(t);
    t = manifest("10", " \"n\": [1,],");
    expect_bad_manifest(t, strlen(t), NULL);
    free(t);
    t = manifest("10", " /* c */");
    expect_bad_manifest(t, strlen(t), NULL);
    free(t);
    // a key twice (json-c would keep the last one): at the top and deeper
    t = manifest("10", " \"key\": \"" H_C "\",");
    expect_bad_manifest(t, strlen(t), "same key twice");
    free(t);
    t = manifest("10", " \"x\": {\"a\": 1, \"b\": {\"c\": 1, \"c\": 2}},");
    expect_bad_manifest(t, strlen(t), "same key twice");
    free(t);
    t = manifest("10", " \"x\": [{\"a\": 1}, {\"a\": 1, \"\\u0061\": 2}],");
    expect_bad_manifest(t, strlen(t), "same key twice");
    free(t);
    // the same key in different objects is fine
    t = manifest("10", " \"x\": [{\"a\": 1}, {\"a\": {\"a\": 1}}],");
    assert_int_equal(parse_m(t, strlen(t), NULL), JL_DEPOT_E_OK);
    free(t);
    free(s);
}

static void test_manifest_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *size, *needle;
    } bad[] = {
        {"\"10\"",
         "files[0].size: expected a whole number of bytes from 0 to 2^53-1, not a string"},
        {"10.0", "not a number with a fraction"},
        {"1e1", "not a number with a fraction"},
        {"-1", "not a negative number"},
        {"-9223372036854775809", "not a negative number"},
        {"9007199254740992", "not a larger number"}, // 2^53
        {"18446744073709551615", "not a larger number"},
        {"99999999999999999999", "not a larger number"}, // json-c clamps it
        {"null", "not null"},
        {"true", "not a boolean"},
        {"[10]", "not an array"},
        {"{}", "not an object"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *s = manifest(bad[i].size, "");
        expect_bad_manifest(s, strlen(s), bad[i].needle);
        free(s);
    }
}

static void test_manifest_fields(void **state)
{
    (void)state;
    // each required field missing, or of the wrong type
    static const struct {
        const char *from, *to, *needle;
    } edits[] = {
        {"\"format\": \"jldepot-bundle 1\"", "\"format\": \"jldepot-bundle 2\"",
         "format: expected"},
        {"\"format\": \"jldepot-bundle 1\"", "\"format\": null", "format: expected a string"},
        {"\"format\": \"jldepot-bundle 1\", ", "", "format is missing"},
        {"\"key\": \"" H_A "\", \"package\"", "\"key\": \"" H_C "x\", \"package\"",
         "key: expected 64"},
        {"\"key\": \"" H_A "\", \"package\"", "\"key\": 1, \"package\"", "key: expected a string"},
        {"\"package\": \"A\",", "\"package\": \"\",", "package: expected a non-empty string"},
        {"\"package\": \"A\",", "\"package\": [\"A\"],", "package: expected"},
        {"\"files\": [", "\"files\": null, \"x\": [", "files: expected an array, not null"},
        {"\"files\": [", "\"x\": [", "files is missing"},
        {"\"caches\": [", "\"caches\": {\"a\": [", NULL},
        {"[{\"name\"", "[null, {\"name\"", "files[0]: expected an object, not null"},
        {"\"name\": \"@compiled/v1.11/A/x.ji\"", "\"name\": null", "files[0].name: expected"},
        {"\"name\": \"@compiled/v1.11/A/x.ji\"", "\"name\": \"a\\u0000b\"", "NUL character"},
        {"\"name\": \"@compiled/v1.11/A/x.ji\"", "\"name\": \"\"", "empty"},
        {"\"sha256\": \"" H_B "\"", "\"sha256\": \"" H_B "0\"", "files[0].sha256: expected 64"},
        {"\"sha256\": \"" H_B "\"", "\"sha256\": null", "files[0].sha256"},
        {"\"sha256\": \"" H_B "\"",
         "\"sha256\": \"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\"",
         "sha256"},
        {"\"ji\": \"@compiled/v1.11/A/x.ji\"", "\"ji\": 7", "caches[0].ji: expected"},
        {"\"key_input\": {}", "\"key_input\": null", "caches[0].key_input: expected an object"},
        {", \"key_input\": {}", "", "caches[0].key_input is missing"},
        {"\"key_input\": {}", "\"key_input\": {}, \"so\": null", "caches[0].so: expected"},
        {"[{\"package\": \"A\"", "[7, {\"package\": \"A\"", "caches[0]: expected an object"},
        {"\"package\": \"A\",", "\"package\": \"A\", \"sources\": \"yes\",", "sources: expected"},
        {"\"package\": \"A\",", "\"package\": \"A\", \"cpu_targets\": [1],", "cpu_targets"},
        {"\"package\": \"A\",", "\"package\": \"A\", \"uuid\": null,", "uuid: expected"},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        char *s = manifest("10", "");
        char *at = strstr(s, edits[i].from);
        assert_non_null(at);
        char *t =
            jl_test_fmt("%.*s%s%s", (int)(at - s), s, edits[i].to, at + strlen(edits[i].from));
        expect_bad_manifest(t, strlen(t), edits[i].needle);
        free(t);
        free(s);
    }
}

static void test_file_check(void **state)
{
    (void)state;
    char *d = NULL;
    assert_int_equal(jldepot_file_check("f", 10, H_B, 10, H_B, "the manifest", &d), 0);
    assert_null(d);
    assert_int_equal(jldepot_file_check("@depot/x", 9, H_B, 10, H_B, "the manifest", &d),
                     JL_DEPOT_E_BUNDLE_SIZE);
    assert_string_equal(d, "@depot/x: 9 bytes, the manifest says 10");
    free(d);
    // the size is reported even when the hashes differ too
    assert_int_equal(jldepot_file_check("f", 11, H_C, 10, H_B, "the index", &d),
                     JL_DEPOT_E_BUNDLE_SIZE);
    assert_string_equal(d, "f: 11 bytes, the index says 10");
    free(d);
    assert_int_equal(jldepot_file_check("f", 10, H_C, 10, H_B, "the manifest", &d),
                     JL_DEPOT_E_BUNDLE_SHA256);
    assert_string_equal(d, "f: SHA-256 " H_C ", the manifest says " H_B);
    free(d);
    assert_int_equal(jldepot_file_check("f", 1, H_C, 10, H_B, "the manifest", NULL),
                     JL_DEPOT_E_BUNDLE_SIZE);
}

// ---- the index ----------------------------------------------------------------------------

static const char index_good[] =
    "{\"format\": \"jldepot-index 1\", \"packages\": {\n"
    " \"" UUID1 "\": {\"name\": \"Shapes\", \"bundles\": {\n"
    "  \"" H_A "\": {\"file\": \"Shapes-aaaaaaaaaaaaaaaa.tar.zst\", \"julia_version\": \"1.11.0\","
    " \"cpu_targets\": [\"generic\"], \"size\": 17666, \"sha256\": \"" H_B "\"},\n"
    "  \"" H_C "\": {\"file\": \"Shapes-cccccccccccccccc.tar.zst\", \"julia_version\": \"1.12.0\","
    " \"size\": 100, \"sha256\": \"" H_C "\", \"future\": 1}}},\n"
    " \"" UUID2 "\": {\"name\": \"Greeter\", \"bundles\": {\n"
    "  \"" H_B "\": {\"file\": \"Greeter-bbbbbbbbbbbbbbbb.tar.zst\", \"julia_version\": \"1.11.0\","
    " \"size\": 1, \"sha256\": \"" H_A "\"}}}}}\n";

static char *index_edit(const char *from, const char *to)
{
    const char *at = strstr(index_good, from);
    assert_non_null(at);
    return jl_test_fmt("%.*s%s%s", (int)(at - index_good), index_good, to, at + strlen(from));
}

static void expect_bad_index(const char *s, const char *needle)
{
    json_object *idx = (json_object *)1;
    char *detail = NULL;
    int err = jldepot_index_parse(s, strlen(s), &idx, &detail);
    if (err != JL_DEPOT_E_INDEX_MALFORMED)
        fail_msg("accepted (%d): %s", err, s);
    assert_null(idx);
    assert_non_null(detail);
    if (needle && !strstr(detail, needle))
        fail_msg("detail '%s' does not say '%s'", detail, needle);
    free(detail);
}

static json_object *good_index(void)
{
    json_object *idx = NULL;
    char *detail = NULL;
    assert_int_equal(jldepot_index_parse(index_good, strlen(index_good), &idx, &detail), 0);
    assert_null(detail);
    return idx;
}

static void test_index_pick(void **state)
{
    (void)state;
    json_object *idx = good_index();
    jldepot_index_choice_t ch;
    char *d = NULL;
    assert_int_equal(jldepot_index_pick(idx, "Greeter", NULL, NULL, &ch, &d), 0);
    assert_string_equal(ch.file, "Greeter-bbbbbbbbbbbbbbbb.tar.zst");
    assert_int_equal(ch.size, 1);
    assert_string_equal(ch.sha256, H_A);
    assert_string_equal(ch.key, H_B);
    free(ch.file);
    assert_int_equal(jldepot_index_pick(idx, UUID2, NULL, NULL, &ch, NULL), 0);
    free(ch.file);
    // two bundles: choose with a key prefix or the Julia version
    assert_int_equal(jldepot_index_pick(idx, "Shapes", NULL, NULL, &ch, &d),
                     JL_DEPOT_E_INDEX_NO_BUNDLE);
    assert_non_null(strstr(d, "2 bundles of Shapes match"));
    free(d);
    assert_int_equal(jldepot_index_pick(idx, "Shapes", "ccc", NULL, &ch, NULL), 0);
    assert_int_equal(ch.size, 100);
    free(ch.file);
    assert_int_equal(jldepot_index_pick(idx, UUID1, NULL, "1.11.0", &ch, NULL), 0);
    assert_int_equal(ch.size, 17666);
    free(ch.file);
    assert_int_equal(jldepot_index_pick(idx, "Shapes", NULL, "1.99", &ch, &d),
                     JL_DEPOT_E_INDEX_NO_BUNDLE);
    assert_non_null(strstr(d, "none of the 2 bundles of Shapes matches --julia-version 1.99"));
    free(d);
    assert_int_equal(jldepot_index_pick(idx, "Nothing", NULL, NULL, &ch, &d),
                     JL_DEPOT_E_INDEX_NO_BUNDLE);
    assert_non_null(strstr(d, "no package is named Nothing"));
    free(d);
    json_object_put(idx);
    // two packages of one name: the UUID decides
    char *s = index_edit("\"name\": \"Greeter\"", "\"name\": \"Shapes\"");
    char *detail = NULL;
    assert_int_equal(jldepot_index_parse(s, strlen(s), &idx, &detail), 0);
    assert_int_equal(jldepot_index_pick(idx, "Shapes", "ccc", NULL, &ch, &d),
                     JL_DEPOT_E_INDEX_NO_BUNDLE);
    assert_non_null(strstr(d, "2 packages are named Shapes: give the UUID"));
    free(d);
    assert_int_equal(jldepot_index_pick(idx, UUID2, NULL, NULL, &ch, NULL), 0);
    assert_string_equal(ch.file, "Greeter-bbbbbbbbbbbbbbbb.tar.zst");
    free(ch.file);
    json_object_put(idx);
    free(s);
}

static void test_index_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *needle;
    } edits[] = {
        // null (or another type) where the crash was
        {"\"name\": \"Greeter\"", "\"name\": null", ".name: expected a non-empty string, not null"},
        {"\"name\": \"Greeter\"", "\"name\": 7",
         ".name: expected a non-empty string, not an integer"},
        {"\"name\": \"Greeter\", ", "", ".name is missing"},
        {"\"file\": \"Greeter-bbbbbbbbbbbbbbbb.tar.zst\"", "\"file\": null",
         ".file: expected a string, not null"},
        {"\"sha256\": \"" H_A "\"", "\"sha256\": null", ".sha256: expected a string, not null"},
        {"\"sha256\": \"" H_A "\"", "\"sha256\": \"" H_A "0\"", ".sha256: expected 64"},
        {"\"julia_version\": \"1.12.0\"", "\"julia_version\": null",
         ".julia_version: expected a string, not null"},
        {"\"julia_version\": \"1.12.0\"", "\"julia_version\": 1.12",
         ".julia_version: expected a string"},
        {"\"size\": 1,", "\"size\": null,", ".size: expected a whole number of bytes from 1"},
        {"\"size\": 1,", "\"size\": \"1\",", "not a string"},
        {"\"size\": 1,", "\"size\": -1,", "not a negative number"},
        {"\"size\": 1,", "\"size\": 0,", "not 0"},
        {"\"size\": 1,", "\"size\": 1.5,", "not a number with a fraction"},
        {"\"cpu_targets\": [\"generic\"]", "\"cpu_targets\": [null]", "cpu_targets"},
        {"\"cpu_targets\": [\"generic\"]", "\"cpu_targets\": \"generic\"", "cpu_targets"},
        {"{\"name\": \"Greeter\", \"bundles\": {", "{\"name\": \"Greeter\", \"bundles\": [{", NULL},
        {"\"bundles\": {\n  \"" H_B "\": {\"file\": \"Greeter-bbbbbbbbbbbbbbbb.tar.zst\", "
         "\"julia_version\": \"1.11.0\", \"size\": 1, \"sha256\": \"" H_A "\"}}",
         "\"bundles\": \"none\"", "bundles: expected an object, not a string"},
        {"\"bundles\": {\n  \"" H_B "\": {\"file\": \"Greeter-bbbbbbbbbbbbbbbb.tar.zst\", "
         "\"julia_version\": \"1.11.0\", \"size\": 1, \"sha256\": \"" H_A "\"}}",
         "\"bundles\": null", "bundles: expected an object, not null"},
        {"\"" H_B "\": {\"file\"", "\"" H_B "\": null, \"x\": {\"file\"",
         "expected an object, not null"},
        {"\"" H_B "\": {\"file\"", "\"ABC\": {\"file\"", "is not 64 lower-case"},
        {"\"" UUID2 "\": {", "\"" UUID2 "\": null, \"" UUID1 "x\": {", NULL},
        {"\"" UUID2 "\": {", "\"not-a-uuid\": {", "is not a lower-case UUID"},
        {"\"" UUID2 "\": {", "\"" UUID2 "\": [], \"x\": {", NULL},
        {"\"packages\": {", "\"packages\": null, \"x\": {",
         "packages: expected an object, not null"},
        {"\"format\": \"jldepot-index 1\"", "\"format\": \"jldepot-bundle 1\"", "format: expected"},
        {"\"format\": \"jldepot-index 1\", ", "", "format is missing"},
        // file names that would climb out or change the URL
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "../x.tar.zst", ".file: expected a file name"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "a/b.tar.zst", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "..", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", ".hidden", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "x?y=1", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "x#y", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "x%2Fy", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "x y", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "x\\\\y", ".file"},
        {"Greeter-bbbbbbbbbbbbbbbb.tar.zst", "x\\ny", ".file"},
        // a key twice
        {"\"size\": 1,", "\"size\": 1, \"size\": 2,", "same key twice"},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        char *s = index_edit(edits[i].from, edits[i].to);
        expect_bad_index(s, edits[i].needle);
        free(s);
    }
    expect_bad_index("[]", "not a JSON object");
    char *s = jl_test_fmt("%s{}", index_good);
    expect_bad_index(s, "more after the end");
    free(s);
}

static void test_index_bundle_url(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"http://h/d/index.json", "f.tar.zst", "http://h/d/f.tar.zst"},
        {"https://h:8080/a/b/index.json", "f", "https://h:8080/a/b/f"},
        {"http://h/d/index.json?token=a/b", "f", "http://h/d/f"},
        {"http://h/index.json#x/y", "f", "http://h/f"},
        {"http://h/", "f", "http://h/f"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *u = NULL;
        assert_int_equal(jldepot_index_bundle_url(cases[i][0], cases[i][1], &u), 0);
        assert_string_equal(u, cases[i][2]);
        free(u);
    }
}

static void test_printable(void **state)
{
    (void)state;
    const char *page = "  <html>\n\t<b>Bad</b>\r\n  gateway \x01\xff end  ";
    char *p = jldepot_printable(page, strlen(page), 100);
    assert_string_equal(p, "<html> <b>Bad</b> gateway ?? end");
    free(p);
    p = jldepot_printable("abcdefghij", 10, 4);
    assert_string_equal(p, "abcd...");
    free(p);
    p = jldepot_printable("abcd", 4, 4);
    assert_string_equal(p, "abcd");
    free(p);
    p = jldepot_printable("", 0, 4);
    assert_string_equal(p, "");
    free(p);
    p = jldepot_printable("a\0b", 3, 10);
    assert_string_equal(p, "a?b");
    free(p);
}

// ---- the seeds of the fuzz corpora ------------------------------------------------------------

static void run_seeds(const char *corpus, int index)
{
    char *dir = jl_test_fmt("%s/../fuzz/corpus/%s", jl_test_fixtures(), corpus);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int nok = 0, nbad = 0;
    while ((e = readdir(d)) != NULL) {
        int ok = !strncmp(e->d_name, "ok-", 3), bad = !strncmp(e->d_name, "bad-", 4);
        if (!ok && !bad)
            continue;
        char *p = jl_test_fmt("%s/%s", dir, e->d_name);
        size_t n = 0;
        uint8_t *b = jl_test_read_file(p, &n);
        json_object *o = NULL;
        char *detail = NULL;
        int err = index ? jldepot_index_parse((const char *)b, n, &o, &detail)
                        : jldepot_manifest_parse((const char *)b, n, &o, &detail);
        if (ok != (err == JL_DEPOT_E_OK))
            fail_msg("%s: %s", e->d_name, detail ? detail : "accepted");
        if (bad && !detail)
            fail_msg("%s: refused without a detail", e->d_name);
        nok += ok;
        nbad += bad;
        if (o)
            json_object_put(o);
        free(detail);
        free(b);
        free(p);
    }
    closedir(d);
    free(dir);
    assert_true(nok >= 1 && nbad >= 3);
}

static void test_seeds_manifest(void **state)
{
    (void)state;
    run_seeds("manifest", 0);
}

static void test_seeds_index(void **state)
{
    (void)state;
    run_seeds("index", 1);
}

JL_TEST_MAIN(cmocka_unit_test(test_parse_bytes), cmocka_unit_test(test_manifest_good),
             cmocka_unit_test(test_manifest_strict_document), cmocka_unit_test(test_manifest_sizes),
             cmocka_unit_test(test_manifest_fields), cmocka_unit_test(test_file_check),
             cmocka_unit_test(test_index_pick), cmocka_unit_test(test_index_malformed),
             cmocka_unit_test(test_index_bundle_url), cmocka_unit_test(test_printable),
             cmocka_unit_test(test_seeds_manifest), cmocka_unit_test(test_seeds_index))
