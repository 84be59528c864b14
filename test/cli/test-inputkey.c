// This file is a part of the jldepot project. License is MIT.

/*
  test-inputkey.c: the input key (jldepot_inputkey.c).  The platform of a
  cache written by our codec (mkcache) carries its Julia version, commit,
  OS, architecture, flags, CPU target names and the build id of the
  sysimage's Base; the key is the SHA-256 of exactly the documented plain
  JSON text (checked against OpenSSL's digest of that text written out
  here); it does not depend on the order or repetition of the
  dependencies; every field changes it.
*/

#include <openssl/evp.h>

#include "testutil.h"
#include "test-cachefile-util.h"
#include "jldepot_errors.h"
#include "jldepot_inputkey.h"

static jldepot_platform_t platform_of_sample(void)
{
    char *depot = copy_depot("sample-depot", "inputkey");
    char *ji = run_mkcache(depot, "--pkgimage", "Greeter");
    assert_non_null(ji);
    jl_cachefile_t *cf = NULL;
    assert_int_equal(jl_cachefile_read_header(ji, 0, &cf), JL_DEPOT_E_OK);
    jldepot_platform_t p;
    assert_int_equal(jldepot_platform_of(cf, &p), JL_DEPOT_E_OK);
    // what the header says, field by field
    assert_int_equal(strlen(p.julia_version), cf->julia_version.len);
    assert_memory_equal(p.julia_version, cf->julia_version.ptr, cf->julia_version.len);
    assert_int_equal(p.flags, cf->flags);
    assert_int_equal(strlen(p.sysimage), 32);
    int found = 0;
    for (size_t i = 0; i < cf->nreqmods; i++)
        if (cf->reqmods[i].name.len == 4 && !memcmp(cf->reqmods[i].name.ptr, "Base", 4)) {
            char want[33];
            snprintf(want, sizeof(want), "%016llx%016llx",
                     (unsigned long long)cf->reqmods[i].build_id.hi,
                     (unsigned long long)cf->reqmods[i].build_id.lo);
            assert_string_equal(p.sysimage, want);
            found = 1;
        }
    assert_true(found);
    assert_true(cf->ntargets > 0);
    assert_int_equal(strncmp(p.cpu_targets, cf->targets[0].name.ptr, cf->targets[0].name.len), 0);
    jl_cachefile_free(cf);
    free(ji);
    rm_depot(depot);
    return p;
}

static void sha256_hex(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_platform_and_document(void **state)
{
    jldepot_platform_t p = platform_of_sample();
    char *reqs[] = {"b-uuid 2222", "a-uuid 1111", "b-uuid 2222"};
    char key[65], want[65];
    assert_int_equal(jldepot_input_key(&p, "Shapes", "the-uuid", "abc123", "none", reqs, 3, key),
                     JL_DEPOT_E_OK);
    char *doc = jl_test_fmt(
        "{\"format\":\"jldepot-input 1\",\"julia_version\":\"%s\",\"julia_commit\":\"%s\","
        "\"os\":\"%s\",\"arch\":\"%s\",\"flags\":%d,\"cpu_targets\":\"%s\",\"sysimage\":\"%s\","
        "\"package\":\"Shapes\",\"uuid\":\"the-uuid\",\"git_tree_sha1\":\"abc123\","
        "\"preferences\":\"none\",\"requires\":[\"a-uuid 1111\",\"b-uuid 2222\"]}",
        p.julia_version, p.julia_commit, p.os, p.arch, p.flags, p.cpu_targets, p.sysimage);
    sha256_hex(doc, want);
    assert_string_equal(key, want);
    free(doc);
    jldepot_platform_free(&p);
}

static void test_every_field_counts(void **state)
{
    jldepot_platform_t p = platform_of_sample();
    char *reqs[] = {"a-uuid 1111"};
    char base[65], k[65];
    assert_int_equal(jldepot_input_key(&p, "N", "U", "T", "none", reqs, 1, base), 0);
    // order and repetition of the dependencies do not count
    char *twice[] = {"a-uuid 1111", "a-uuid 1111"};
    assert_int_equal(jldepot_input_key(&p, "N", "U", "T", "none", twice, 2, k), 0);
    assert_string_equal(k, base);
    // every input does
    assert_int_equal(jldepot_input_key(&p, "M", "U", "T", "none", reqs, 1, k), 0);
    assert_string_not_equal(k, base);
    assert_int_equal(jldepot_input_key(&p, "N", "V", "T", "none", reqs, 1, k), 0);
    assert_string_not_equal(k, base);
    assert_int_equal(jldepot_input_key(&p, "N", "U", "S", "none", reqs, 1, k), 0);
    assert_string_not_equal(k, base);
    assert_int_equal(jldepot_input_key(&p, "N", "U", "T", "hash:1", reqs, 1, k), 0);
    assert_string_not_equal(k, base);
    assert_int_equal(jldepot_input_key(&p, "N", "U", "T", "none", NULL, 0, k), 0);
    assert_string_not_equal(k, base);
    p.flags ^= 1;
    assert_int_equal(jldepot_input_key(&p, "N", "U", "T", "none", reqs, 1, k), 0);
    assert_string_not_equal(k, base);
    p.flags ^= 1;
    p.sysimage[0] = p.sysimage[0] == '0' ? '1' : '0';
    assert_int_equal(jldepot_input_key(&p, "N", "U", "T", "none", reqs, 1, k), 0);
    assert_string_not_equal(k, base);
    jldepot_platform_free(&p);
}

JL_TEST_MAIN(cmocka_unit_test(test_platform_and_document),
             cmocka_unit_test(test_every_field_counts))
