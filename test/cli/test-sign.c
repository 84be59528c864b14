// This file is a part of the jldepot project. License is MIT.

/*
  test-sign.c: Ed25519 keys and signatures (jldepot_sign.c): RFC 8032's
  first test vector through OpenSSL directly, round trips of the text forms,
  signatures that verify, and each way one must not: another message, another
  domain, another key of the same name, a key not trusted, a damaged text.
*/

#include <string.h>

#include <openssl/evp.h>

#include "testutil.h"
#include "jldepot_errors.h"
#include "jldepot_sign.h"

static void unhex(const char *h, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

// RFC 8032, 7.1, TEST 1: the secret key, its public key, and the signature
// of the empty message.
static const char rfc_seed[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char rfc_pub[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc_sig[] = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                              "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static char *text_of(const char *name, const unsigned char *b, size_t n)
{
    char enc[200];
    EVP_EncodeBlock((unsigned char *)enc, b, (int)n);
    return jl_test_fmt("%s:%s", name, enc);
}

static void test_rfc8032_vector(void **state)
{
    unsigned char seed[32], pub[32], sig[64], both[64];
    unhex(rfc_seed, seed, 32);
    unhex(rfc_pub, pub, 32);
    unhex(rfc_sig, sig, 64);
    memcpy(both, seed, 32);
    memcpy(both + 32, pub, 32);
    // the secret key text is accepted only with its own public half
    char *st = text_of("rfc8032-1", both, 64);
    jldepot_seckey_t k;
    assert_int_equal(jldepot_seckey_parse(st, strlen(st), &k), JL_DEPOT_E_OK);
    assert_memory_equal(k.pub, pub, 32);
    both[40] ^= 1;
    char *bad = text_of("rfc8032-1", both, 64);
    assert_int_equal(jldepot_seckey_parse(bad, strlen(bad), &k), JL_DEPOT_E_KEY_MALFORMED);
    // the vector's signature of the empty message, checked by OpenSSL as
    // jldepot_verify does it (the domain framing is ours; the curve is not)
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk), 1);
    assert_int_equal(EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)"", 0), 1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    free(st);
    free(bad);
}

static void test_round_trip_and_verify(void **state)
{
    jldepot_seckey_t k, k2;
    assert_int_equal(jldepot_key_generate("cache.example.org-1", &k), JL_DEPOT_E_OK);
    char *st = jldepot_seckey_format(&k);
    assert_int_equal(jldepot_seckey_parse(st, strlen(st), &k2), JL_DEPOT_E_OK);
    assert_string_equal(k.name, k2.name);
    assert_memory_equal(k.seed, k2.seed, 32);
    assert_memory_equal(k.pub, k2.pub, 32);
    jldepot_pubkey_t p, p2;
    jldepot_seckey_public(&k, &p);
    char *pt = jldepot_pubkey_format(&p);
    char *padded = jl_test_fmt("  %s\n", pt);
    assert_int_equal(jldepot_pubkey_parse(padded, strlen(padded), &p2), JL_DEPOT_E_OK);
    assert_string_equal(p2.name, "cache.example.org-1");
    assert_memory_equal(p.pub, p2.pub, 32);

    const char msg[] = "output-key abc\ninput-key def\n";
    char *sig;
    assert_int_equal(jldepot_sign(&k, "jldepot-bundle 1", msg, strlen(msg), &sig), JL_DEPOT_E_OK);
    assert_true(!strncmp(sig, "cache.example.org-1:", 20));
    assert_int_equal(jldepot_verify(&p, 1, "jldepot-bundle 1", msg, strlen(msg), sig),
                     JL_DEPOT_E_OK);
    // another message, another domain
    assert_int_equal(jldepot_verify(&p, 1, "jldepot-bundle 1", msg, strlen(msg) - 1, sig),
                     JL_DEPOT_E_SIG_INVALID);
    assert_int_equal(jldepot_verify(&p, 1, "jldepot-index 1", msg, strlen(msg), sig),
                     JL_DEPOT_E_SIG_INVALID);
    // a key of the same name that is not the signer's
    jldepot_seckey_t other;
    assert_int_equal(jldepot_key_generate("cache.example.org-1", &other), JL_DEPOT_E_OK);
    jldepot_pubkey_t po;
    jldepot_seckey_public(&other, &po);
    assert_int_equal(jldepot_verify(&po, 1, "jldepot-bundle 1", msg, strlen(msg), sig),
                     JL_DEPOT_E_SIG_INVALID);
    // not trusted at all; trusted among others
    assert_int_equal(jldepot_verify(NULL, 0, "jldepot-bundle 1", msg, strlen(msg), sig),
                     JL_DEPOT_E_SIG_UNTRUSTED);
    jldepot_pubkey_t two[2];
    assert_int_equal(jldepot_key_generate("mirror.example.org-3", &other), JL_DEPOT_E_OK);
    jldepot_seckey_public(&other, &two[0]);
    two[1] = p;
    assert_int_equal(jldepot_verify(two, 2, "jldepot-bundle 1", msg, strlen(msg), sig),
                     JL_DEPOT_E_OK);
    assert_int_equal(jldepot_verify(two, 1, "jldepot-bundle 1", msg, strlen(msg), sig),
                     JL_DEPOT_E_SIG_UNTRUSTED);
    // a damaged signature text: one character, truncated, no name
    char *dam = strdup(sig);
    size_t n = strlen(dam);
    dam[n - 5] = dam[n - 5] == 'A' ? 'B' : 'A';
    assert_int_equal(jldepot_verify(&p, 1, "jldepot-bundle 1", msg, strlen(msg), dam),
                     JL_DEPOT_E_SIG_INVALID);
    dam[n - 3] = '\0';
    assert_int_equal(jldepot_verify(&p, 1, "jldepot-bundle 1", msg, strlen(msg), dam),
                     JL_DEPOT_E_SIG_MALFORMED);
    assert_int_equal(
        jldepot_verify(&p, 1, "jldepot-bundle 1", msg, strlen(msg), strchr(sig, ':') + 1),
        JL_DEPOT_E_SIG_MALFORMED);
    free(dam);
    free(sig);
    free(padded);
    free(pt);
    free(st);
}

static void test_names_and_malformed_keys(void **state)
{
    assert_true(jldepot_key_name_ok("cache.example.org-1"));
    assert_true(jldepot_key_name_ok("a_b-12"));
    assert_false(jldepot_key_name_ok("cache"));
    assert_false(jldepot_key_name_ok("cache-"));
    assert_false(jldepot_key_name_ok("-1"));
    assert_false(jldepot_key_name_ok("cache-1a"));
    assert_false(jldepot_key_name_ok("ca che-1"));
    assert_false(jldepot_key_name_ok("ca:che-1"));
    jldepot_seckey_t k;
    assert_int_equal(jldepot_key_generate("nonumber", &k), JL_DEPOT_E_KEY_NAME);
    jldepot_pubkey_t p;
    const char *bad[] = {"",
                         "name-1",
                         "name-1:",
                         "name-1:AAAA",
                         "name-1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo",   // no padding
                         "name-1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=x", // trailing
                         "name-1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR*=",  // alphabet
                         "name-1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo= junk"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(jldepot_pubkey_parse(bad[i], strlen(bad[i]), &p),
                         JL_DEPOT_E_KEY_MALFORMED);
    assert_int_equal(
        jldepot_pubkey_parse("name:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 48, &p),
        JL_DEPOT_E_KEY_NAME);
    const char good[] = "rfc-1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    assert_int_equal(jldepot_pubkey_parse(good, strlen(good), &p), JL_DEPOT_E_OK);
    unsigned char pub[32];
    unhex(rfc_pub, pub, 32);
    assert_memory_equal(p.pub, pub, 32);
    // a NUL inside the text
    char withnul[sizeof(good)];
    memcpy(withnul, good, sizeof(good));
    withnul[10] = '\0';
    assert_int_equal(jldepot_pubkey_parse(withnul, sizeof(good) - 1, &p), JL_DEPOT_E_KEY_MALFORMED);
}

JL_TEST_MAIN(cmocka_unit_test(test_rfc8032_vector), cmocka_unit_test(test_round_trip_and_verify),
             cmocka_unit_test(test_names_and_malformed_keys))
