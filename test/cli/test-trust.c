// This file is a part of the jldepot project. License is MIT.

/*
  test-trust.c: the client's sources and trusted keys (jldepot_trust.c):
  configuration files (valid, refused with the file and the problem named),
  JLDEPOT_SOURCES, priority order, the source of a URL, the URL rules
  (https only, http to loopback or where allowed, no other scheme), and
  signature checks: trusted, rotated, revoked, unsigned, untrusted, forged;
  the statement texts.
*/

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jldepot_errors.h"
#include "jldepot_stack.h"
#include "jldepot_trust.h"

static char *conf(const char *dir, const char *name, const char *text)
{
    char *p = jl_test_fmt("%s/%s", dir, name);
    jl_test_write_file(p, text, strlen(text));
    return p;
}

static char *pubtext(const jldepot_seckey_t *k)
{
    jldepot_pubkey_t p;
    jldepot_seckey_public(k, &p);
    return jldepot_pubkey_format(&p);
}

static void test_config_and_urls(void **state)
{
    char *d = jl_test_mkdtemp("trust");
    jldepot_seckey_t a1, b1;
    assert_int_equal(jldepot_key_generate("a.example-1", &a1), 0);
    assert_int_equal(jldepot_key_generate("b.example-1", &b1), 0);
    char *pa = pubtext(&a1), *pb = pubtext(&b1);
    char *text = jl_test_fmt("[[source]]\nurl = \"https://b.example/julia/\"\npriority = 20\n"
                             "trusted-keys = [\"%s\"]\n\n"
                             "[[source]]\nurl = \"https://a.example\"\npriority = 10\n"
                             "trusted-keys = [\"%s\"]\nrevoked-keys = [\"a.example-0\"]\n\n"
                             "[[source]]\nurl = \"https://b.example/julia/nightly\"\n"
                             "trusted-keys = [\"%s\"]\n\n"
                             "[[source]]\nurl = \"http://lan.example:8080\"\nallow-http = true\n"
                             "require-signatures = false\n",
                             pb, pa, pb);
    char *p = conf(d, "sources.toml", text);
    jldepot_trust_t *t = (jldepot_trust_t *)calloc(1, sizeof(*t));
    char *err = NULL;
    assert_int_equal(jldepot_trust_load_file(t, p, &err), JL_DEPOT_E_OK);
    assert_null(err);
    assert_int_equal(t->n, 4);
    // the source of a URL: the longest prefix, on a `/` boundary
    const jldepot_source_t *s = jldepot_trust_source(t, "https://b.example/julia/index.json");
    assert_non_null(s);
    assert_string_equal(s->url, "https://b.example/julia");
    s = jldepot_trust_source(t, "https://b.example/julia/nightly/index.json");
    assert_string_equal(s->url, "https://b.example/julia/nightly");
    assert_null(jldepot_trust_source(t, "https://b.example/juliax/index.json"));
    assert_null(jldepot_trust_source(t, "https://evil.example/index.json"));
    // URL rules
    assert_int_equal(jldepot_trust_url_ok(NULL, "https://x.example/a"), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_trust_url_ok(NULL, "http://127.0.0.1:8080/a"), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_trust_url_ok(NULL, "http://localhost/a"), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_trust_url_ok(NULL, "http://[::1]:81/a"), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_trust_url_ok(NULL, "http://x.example/a"), JL_DEPOT_E_URL_REFUSED);
    const jldepot_source_t *lan = jldepot_trust_source(t, "http://lan.example:8080/i.json");
    assert_non_null(lan);
    assert_int_equal(jldepot_trust_url_ok(lan, "http://lan.example:8080/i.json"), JL_DEPOT_E_OK);
    assert_false(lan->require_signatures);
    const char *refused[] = {
        "file:///etc/passwd",  "ftp://x.example/a", "dict://x.example:2628/",
        "gopher://x.example/", "HTTPS//x.example",  "https://user:pw@x.example/a",
        "x.example/a",         "https:///a"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_int_equal(jldepot_trust_url_ok(lan, refused[i]), JL_DEPOT_E_URL_REFUSED);
    assert_int_equal(jldepot_trust_url_ok(NULL, "HTTPS://X.example/a"), JL_DEPOT_E_OK);
    jldepot_trust_free(t);

    // through the depot stack: priority order, missing files skipped
    char *dep1 = jl_test_fmt("%s/depot1", d), *dep2 = jl_test_fmt("%s/depot2", d);
    char *c1 = jl_test_fmt("%s/config/jldepot", dep1);
    jl_test_mkdirs(c1);
    jl_test_mkdirs(dep2);
    char *p1 = conf(c1, "sources.toml", text);
    char *dp = jl_test_fmt("%s:%s", dep1, dep2);
    jldepot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.depot_path = dp;
    cfg.list_sep = ':';
    cfg.casefold = -1;
    jl_depot_stack_t *st = NULL;
    assert_int_equal(jldepot_stack_new(&cfg, &st), JL_DEPOT_E_OK);
    unsetenv("JLDEPOT_SOURCES");
    assert_int_equal(jldepot_trust_load(st, &t, &err), JL_DEPOT_E_OK);
    assert_int_equal(t->n, 4);
    assert_string_equal(t->sources[0].url, "https://a.example"); // priority 10
    assert_string_equal(t->sources[1].url, "https://b.example/julia");
    assert_int_equal(t->sources[3].priority, 50); // the default, configuration order kept
    jldepot_trust_free(t);
    // JLDEPOT_SOURCES replaces the depots' files, and must exist
    char *only = conf(d, "only.toml",
                      "[[source]]\nurl = \"https://c.example\"\nrequire-signatures = false\n");
    setenv("JLDEPOT_SOURCES", only, 1);
    assert_int_equal(jldepot_trust_load(st, &t, &err), JL_DEPOT_E_OK);
    assert_int_equal(t->n, 1);
    assert_string_equal(t->sources[0].url, "https://c.example");
    jldepot_trust_free(t);
    char *gone = jl_test_fmt("%s/gone.toml", d);
    setenv("JLDEPOT_SOURCES", gone, 1);
    assert_int_equal(jldepot_trust_load(st, &t, &err), JL_DEPOT_E_NOT_FOUND);
    assert_non_null(strstr(err, gone));
    free(err);
    unsetenv("JLDEPOT_SOURCES");
    jl_depot_stack_free(st);
    free(gone);
    free(only);
    free(dp);
    free(p1);
    free(c1);
    free(dep1);
    free(dep2);
    free(p);
    free(text);
    free(pa);
    free(pb);
    jl_test_rmtree(d);
    free(d);
}

static void test_config_refusals(void **state)
{
    char *d = jl_test_mkdtemp("trust-bad");
    struct {
        const char *text, *says;
    } bad[] = {
        {"[[source]]\nurl = \"https://a.example\"\n", "trusts no key"},
        {"[[source]]\nurl = \"ftp://a.example\"\nrequire-signatures = false\n", "is not an https"},
        {"[[source]]\nurl = \"https://a.example\"\ntrusted-keys = [\"a-1:AAAA\"]\n",
         "trusted key `a-1:AAAA`"},
        {"[[source]]\nurl = \"https://a.example\"\nrequire-signatures = false\nkeys = []\n",
         "unknown key `keys`"},
        {"[[source]]\nurl = \"https://a.example\"\nrequire-signatures = \"no\"\n",
         "must be true or false"},
        {"[[source]]\nurl = \"https://a.example\"\nrequire-signatures = false\n"
         "revoked-keys = [\"not a name\"]\n",
         "is not a key name"},
        {"substituters = [\"https://a.example\"]\n", "unknown key `substituters`"},
        {"[source]\nurl = \"https://a.example\"\n", "[[source]] tables"},
        {"[[source]]\nurl = https://a.example\n", ":2:"},
        {"[[source]]\npriority = 1\n", "has no `url`"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *p = conf(d, "s.toml", bad[i].text);
        jldepot_trust_t *t = (jldepot_trust_t *)calloc(1, sizeof(*t));
        char *err = NULL;
        assert_int_equal(jldepot_trust_load_file(t, p, &err), JL_DEPOT_E_TRUST_CONFIG);
        assert_non_null(err);
        if (!strstr(err, bad[i].says) || !strstr(err, p))
            fail_msg("case %zu: %s", i, err);
        assert_int_equal(t->n, 0);
        free(err);
        jldepot_trust_free(t);
        free(p);
    }
    jl_test_rmtree(d);
    free(d);
}

static void test_verify(void **state)
{
    jldepot_seckey_t k1, k2, k0, evil;
    assert_int_equal(jldepot_key_generate("c.example-1", &k1), 0);
    assert_int_equal(jldepot_key_generate("c.example-2", &k2), 0);
    assert_int_equal(jldepot_key_generate("c.example-0", &k0), 0);
    assert_int_equal(jldepot_key_generate("c.example-1", &evil), 0); // same name, other key
    jldepot_source_t s;
    memset(&s, 0, sizeof(s));
    jldepot_pubkey_t keys[3];
    jldepot_seckey_public(&k1, &keys[0]);
    jldepot_seckey_public(&k2, &keys[1]);
    jldepot_seckey_public(&k0, &keys[2]);
    s.keys = keys;
    s.nkeys = 3;
    char *rev[] = {(char *)"c.example-0"};
    s.revoked = rev;
    s.nrevoked = 1;
    const char *closure[] = {"aa", "bb"};
    char *msg = jldepot_statement_bundle("k0", "i0", "m0", "b0", 1234, closure, 2);
    assert_string_equal(msg, "output-key k0\ninput-key i0\nmanifest-sha256 m0\n"
                             "bundle-sha256 b0\nbundle-size 1234\nclosure aa bb\n");
    size_t n = strlen(msg);
    char *s1, *s2, *s0, *se;
    assert_int_equal(jldepot_sign(&k1, JLDEPOT_DOMAIN_BUNDLE, msg, n, &s1), 0);
    assert_int_equal(jldepot_sign(&k2, JLDEPOT_DOMAIN_BUNDLE, msg, n, &s2), 0);
    assert_int_equal(jldepot_sign(&k0, JLDEPOT_DOMAIN_BUNDLE, msg, n, &s0), 0);
    assert_int_equal(jldepot_sign(&evil, JLDEPOT_DOMAIN_BUNDLE, msg, n, &se), 0);
    char *one[] = {s1}, *rot[] = {s0, s2}, *old[] = {s0}, *forged[] = {se}, *both[] = {se, s2};
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_BUNDLE, msg, n, one, 1), 0);
    // rotation: signed by the revoked and the new key: the new one counts
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_BUNDLE, msg, n, rot, 2), 0);
    // only a revoked key: refused, even though the key is listed as trusted
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_BUNDLE, msg, n, old, 1),
                     JL_DEPOT_E_KEY_REVOKED);
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_BUNDLE, msg, n, forged, 1),
                     JL_DEPOT_E_SIG_INVALID);
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_BUNDLE, msg, n, both, 2), 0);
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_BUNDLE, msg, n, NULL, 0),
                     JL_DEPOT_E_UNSIGNED);
    assert_int_equal(jldepot_trust_verify(NULL, JLDEPOT_DOMAIN_BUNDLE, msg, n, one, 1),
                     JL_DEPOT_E_SIG_UNTRUSTED);
    // a bundle signature is not an index signature
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_INDEX, msg, n, one, 1),
                     JL_DEPOT_E_SIG_INVALID);
    // a key the source does not list
    s.nkeys = 1;
    assert_int_equal(jldepot_trust_verify(&s, JLDEPOT_DOMAIN_BUNDLE, msg, n, rot + 1, 1),
                     JL_DEPOT_E_SIG_UNTRUSTED);
    char *ix = jldepot_statement_index(7, 1800000000, "ab");
    assert_string_equal(ix, "version 7\nexpires 1800000000\nindex-sha256 ab\n");
    free(ix);
    free(s1);
    free(s2);
    free(s0);
    free(se);
    free(msg);
}

JL_TEST_MAIN(cmocka_unit_test(test_config_and_urls), cmocka_unit_test(test_config_refusals),
             cmocka_unit_test(test_verify))
