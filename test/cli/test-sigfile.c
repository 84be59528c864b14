// This file is a part of the jldepot project. License is MIT.

/*
  test-sigfile.c: bundle and index signature files (jldepot_sigfile.c):
  written, parsed back and checked; each way a signed statement must be
  refused (another bundle, a field edited after signing, no signature, a
  key not trusted, an expired or rolled-back index); and strict parsing
  (unknown, missing or mistyped fields, trailing bytes, NUL, non-hex keys).
*/

#include <string.h>

#include "testutil.h"
#include "jldepot_errors.h"
#include "jldepot_sigfile.h"

#define H(c) \
    c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
        c c c c c c c c c c c c c c c c c

static void make_source(jldepot_seckey_t *k, jldepot_pubkey_t *p, jldepot_source_t *s)
{
    assert_int_equal(jldepot_key_generate("cache.example.org-1", k), 0);
    jldepot_seckey_public(k, p);
    memset(s, 0, sizeof(*s));
    s->keys = p;
    s->nkeys = 1;
}

static void fill(jldepot_bundle_sig_t *b)
{
    memset(b, 0, sizeof(*b));
    strcpy(b->output_key, H("a"));
    strcpy(b->input_key, H("b"));
    strcpy(b->manifest_sha256, H("c"));
    strcpy(b->bundle_sha256, H("d"));
    b->bundle_size = 17668;
    b->closure = (char **)calloc(1, sizeof(char *));
    b->closure[0] = strdup(H("e"));
    b->nclosure = 1;
}

static void test_bundle_round_trip_and_checks(void **state)
{
    jldepot_seckey_t k;
    jldepot_pubkey_t p;
    jldepot_source_t src;
    make_source(&k, &p, &src);
    jldepot_bundle_sig_t b, back;
    fill(&b);
    // unsigned: refused as such
    assert_int_equal(jldepot_bundle_sig_check(&src, &b, 17668, H("d")), JL_DEPOT_E_UNSIGNED);
    assert_int_equal(jldepot_bundle_sig_sign(&b, &k), 0);
    char *text = jldepot_bundle_sig_format(&b);
    char *err = NULL;
    assert_int_equal(jldepot_bundle_sig_parse(text, strlen(text), &back, &err), 0);
    assert_null(err);
    assert_string_equal(back.output_key, b.output_key);
    assert_int_equal(back.bundle_size, 17668);
    assert_int_equal(back.nsigs, 1);
    assert_int_equal(jldepot_bundle_sig_check(&src, &back, 17668, H("d")), 0);
    // the bundle is not the one signed: size or hash
    assert_int_equal(jldepot_bundle_sig_check(&src, &back, 17669, H("d")),
                     JL_DEPOT_E_BUNDLE_SHA256);
    assert_int_equal(jldepot_bundle_sig_check(&src, &back, 17668, H("f")),
                     JL_DEPOT_E_BUNDLE_SHA256);
    // a field edited after signing (the attacker re-hashed the manifest)
    strcpy(back.manifest_sha256, H("9"));
    assert_int_equal(jldepot_bundle_sig_check(&src, &back, 17668, H("d")), JL_DEPOT_E_SIG_INVALID);
    strcpy(back.manifest_sha256, b.manifest_sha256);
    back.closure[0][0] = 'f';
    assert_int_equal(jldepot_bundle_sig_check(&src, &back, 17668, H("d")), JL_DEPOT_E_SIG_INVALID);
    // a key the source does not trust
    jldepot_seckey_t other;
    jldepot_pubkey_t op;
    jldepot_source_t osrc;
    make_source(&other, &op, &osrc);
    assert_int_equal(jldepot_bundle_sig_check(&osrc, &b, 17668, H("d")), JL_DEPOT_E_SIG_INVALID);
    strcpy(op.name, "elsewhere.example-1");
    assert_int_equal(jldepot_bundle_sig_check(&osrc, &b, 17668, H("d")), JL_DEPOT_E_SIG_UNTRUSTED);
    // a second signature (rotation) keeps the first valid
    assert_int_equal(jldepot_bundle_sig_sign(&b, &other), 0);
    assert_int_equal(b.nsigs, 2);
    assert_int_equal(jldepot_bundle_sig_check(&src, &b, 17668, H("d")), 0);
    jldepot_bundle_sig_free(&back);
    jldepot_bundle_sig_free(&b);
    free(text);
}

static void test_index_checks(void **state)
{
    jldepot_seckey_t k;
    jldepot_pubkey_t p;
    jldepot_source_t src;
    make_source(&k, &p, &src);
    jldepot_index_sig_t s, back;
    memset(&s, 0, sizeof(s));
    s.version = 7;
    s.expires = 2000000000;
    strcpy(s.index_sha256, H("1"));
    assert_int_equal(jldepot_index_sig_sign(&s, &k), 0);
    char *text = jldepot_index_sig_format(&s);
    char *err = NULL;
    assert_int_equal(jldepot_index_sig_parse(text, strlen(text), &back, &err), 0);
    assert_int_equal(jldepot_index_sig_check(&src, &back, H("1"), 1900000000, 7), 0);
    assert_int_equal(jldepot_index_sig_check(&src, &back, H("2"), 1900000000, 7),
                     JL_DEPOT_E_BUNDLE_SHA256);
    assert_int_equal(jldepot_index_sig_check(&src, &back, H("1"), 2000000000, 0),
                     JL_DEPOT_E_INDEX_EXPIRED);
    assert_int_equal(jldepot_index_sig_check(&src, &back, H("1"), 1900000000, 8),
                     JL_DEPOT_E_INDEX_ROLLBACK);
    // extending the expiry without signing again
    back.expires = 2100000000;
    assert_int_equal(jldepot_index_sig_check(&src, &back, H("1"), 2050000000, 0),
                     JL_DEPOT_E_SIG_INVALID);
    // a bundle signature cannot pass for an index signature
    jldepot_bundle_sig_t b;
    fill(&b);
    assert_int_equal(jldepot_bundle_sig_sign(&b, &k), 0);
    back.expires = s.expires;
    char *saved = back.sigs[0];
    back.sigs[0] = b.sigs[0];
    assert_int_equal(jldepot_index_sig_check(&src, &back, H("1"), 1900000000, 0),
                     JL_DEPOT_E_SIG_INVALID);
    back.sigs[0] = saved;
    jldepot_bundle_sig_free(&b);
    jldepot_index_sig_free(&back);
    jldepot_index_sig_free(&s);
    free(text);
}

static void test_strict_parsing(void **state)
{
    const char *good = "{\"format\": \"jldepot-index-signature 1\", \"version\": 1, "
                       "\"expires\": 5, \"index_sha256\": \"" H("a") "\", \"signatures\": []}";
    jldepot_index_sig_t s;
    char *err = NULL;
    assert_int_equal(jldepot_index_sig_parse(good, strlen(good), &s, &err), 0);
    jldepot_index_sig_free(&s);
    struct {
        const char *text, *says;
    } bad[] = {
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": 1, \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": []} x",
         "JSON"}, // trailing bytes: refused by the strict tokenizer or after it
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": 1, \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": []}{}",
         "JSON"}, // trailing bytes: refused by the strict tokenizer or after it
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": \"1\", \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": []}",
         "`version`"},
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": 1.5, \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": []}",
         "`version`"},
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": -1, \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": []}",
         "`version`"},
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": 1, \"expires\": 5, "
         "\"index_sha256\": \"" H("A") "\", \"signatures\": []}",
         "`index_sha256`"},
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": 1, \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": [null]}",
         "`signatures` entry 1"},
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": 1, \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": [], \"extra\": 1}",
         "unknown field `extra`"},
        {"{\"format\": \"jldepot-index-signature 1\", \"version\": 1, \"expires\": 5, "
         "\"signatures\": []}",
         "no field `index_sha256`"},
        {"{\"format\": \"jldepot-index-signature 2\", \"version\": 1, \"expires\": 5, "
         "\"index_sha256\": \"" H("a") "\", \"signatures\": []}",
         "format"},
        {"[1, 2]", "not a JSON object"},
        {"{\"format\": ", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        int e = jldepot_index_sig_parse(bad[i].text, strlen(bad[i].text), &s, &err);
        if (e != JL_DEPOT_E_SIG_MALFORMED || !err || !strstr(err, bad[i].says))
            fail_msg("case %zu: %d %s", i, e, err ? err : "(no message)");
        free(err);
    }
    // a NUL inside
    char nul[] = "{\"format\": \"x\"}";
    nul[3] = '\0';
    err = NULL;
    assert_int_equal(jldepot_index_sig_parse(nul, sizeof(nul) - 1, &s, &err),
                     JL_DEPOT_E_SIG_MALFORMED);
    free(err);
    // a bundle signature file with a closure that is not a key
    const char *bb = "{\"format\": \"jldepot-bundle-signature 1\", \"output_key\": \"" H(
        "a") "\", "
             "\"input_key\": \"\", \"manifest_sha256\": \"" H(
                 "a") "\", "
                      "\"bundle_sha256\": \"" H("a") "\", \"bundle_size\": 3, "
                                                     "\"closure\": [\"../x\"], \"signatures\": []}";
    jldepot_bundle_sig_t b;
    err = NULL;
    assert_int_equal(jldepot_bundle_sig_parse(bb, strlen(bb), &b, &err), JL_DEPOT_E_SIG_MALFORMED);
    assert_non_null(strstr(err, "`closure` entry 1"));
    free(err);
}

JL_TEST_MAIN(cmocka_unit_test(test_bundle_round_trip_and_checks),
             cmocka_unit_test(test_index_checks), cmocka_unit_test(test_strict_parsing))
