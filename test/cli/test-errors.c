// This file is a part of the jldepot project. License is MIT.

/*
  test-errors.c: the error/reason table is complete and its names are unique.
*/

#include "testutil.h"
#include "jldepot_errors.h"
#include "jldepot_model.h"

static void test_names_unique_and_nonempty(void **state)
{
    (void)state;
    for (int i = 0; i < JLDEPOT_E__COUNT; i++) {
        assert_true(strlen(jldepot_strerror(i)) > 0);
        assert_true(strlen(jldepot_errname(i)) > 0);
        assert_true(strlen(jldepot_errjson(i)) > 0);
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(jldepot_errname(i), jldepot_errname(j));
            assert_string_not_equal(jldepot_errjson(i), jldepot_errjson(j));
        }
        // JSON names are lower_snake_case.
        for (const char *p = jldepot_errjson(i); *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
        // Messages are phrases that complete "... because <message>".
        assert_false(jldepot_strerror(i)[0] >= 'A' && jldepot_strerror(i)[0] <= 'Z');
    }
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(jldepot_errname(-1), "UNKNOWN");
    assert_string_equal(jldepot_errjson(JLDEPOT_E__COUNT), "unknown");
    assert_string_equal(jldepot_errname(JL_DEPOT_E_NUL_BYTE), "NUL_BYTE");
    assert_string_equal(jldepot_errjson(JL_DEPOT_E_NUL_BYTE), "nul_byte");
}

JL_TEST_MAIN(cmocka_unit_test(test_names_unique_and_nonempty), cmocka_unit_test(test_out_of_range))
