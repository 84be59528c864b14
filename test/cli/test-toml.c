// This file is a part of the jldepot project. License is MIT.

/*
  test-toml.c: TOML files as json-c trees (jldepot_toml.cpp): a Manifest.toml
  in Julia's v2 format with every kind of value the tool reads, a syntax
  error reported with its line and column, and the refusals (missing file,
  FIFO, over the size limit) with nothing read.
*/

#include <sys/stat.h>

#include "testutil.h"
#include "jldepot_toml.h"

static const char manifest[] =
    "# This file is machine-generated - editing it directly is not advised\n"
    "\n"
    "julia_version = \"1.11.0\"\n"
    "manifest_format = \"2.0\"\n"
    "project_hash = \"0123456789abcdef0123456789abcdef01234567\"\n"
    "\n"
    "[[deps.Greeter]]\n"
    "git-tree-sha1 = \"d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3\"\n"
    "uuid = \"12345678-0000-4000-8000-000000000002\"\n"
    "version = \"0.1.0\"\n"
    "\n"
    "[[deps.Shapes]]\n"
    "deps = [\"Greeter\"]\n"
    "path = \"dev/Shapes\"\n"
    "uuid = \"12345678-0000-4000-8000-000000000001\"\n"
    "version = \"1.2.3\"\n"
    "weight = 1.5\n"
    "pinned = true\n"
    "built = 1979-05-27T07:32:00Z\n";

static void test_manifest(void **state)
{
    char *d = jl_test_mkdtemp("toml");
    char *p = jl_test_fmt("%s/Manifest.toml", d);
    jl_test_write_file(p, manifest, strlen(manifest));
    char *err = NULL;
    json_object *o = jldepot_toml_parse_file(p, 1 << 20, &err);
    assert_null(err);
    assert_non_null(o);
    json_object *v, *deps, *arr, *e;
    assert_true(json_object_object_get_ex(o, "manifest_format", &v));
    assert_string_equal(json_object_get_string(v), "2.0");
    assert_true(json_object_object_get_ex(o, "deps", &deps));
    assert_true(json_object_object_get_ex(deps, "Shapes", &arr));
    assert_true(json_object_is_type(arr, json_type_array));
    assert_int_equal(json_object_array_length(arr), 1);
    e = json_object_array_get_idx(arr, 0);
    assert_true(json_object_object_get_ex(e, "deps", &v));
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "Greeter");
    assert_true(json_object_object_get_ex(e, "weight", &v));
    assert_true(json_object_is_type(v, json_type_double));
    assert_true(json_object_object_get_ex(e, "pinned", &v));
    assert_true(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(e, "built", &v));
    assert_true(json_object_is_type(v, json_type_string));
    assert_non_null(strstr(json_object_get_string(v), "1979-05-27"));
    assert_true(json_object_object_get_ex(deps, "Greeter", &arr));
    e = json_object_array_get_idx(arr, 0);
    assert_true(json_object_object_get_ex(e, "git-tree-sha1", &v));
    assert_string_equal(json_object_get_string(v), "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3");
    json_object_put(o);
    free(p);
    jl_test_rmtree(d);
    free(d);
}

static void test_refusals(void **state)
{
    char *d = jl_test_mkdtemp("toml-bad");
    char *p = jl_test_fmt("%s/Project.toml", d);
    const char bad[] = "name = \"X\"\nuuid = \n";
    jl_test_write_file(p, bad, strlen(bad));
    char *err = NULL;
    assert_null(jldepot_toml_parse_file(p, 1 << 20, &err));
    assert_non_null(err);
    char *want = jl_test_fmt("%s:2:", p);
    assert_non_null(strstr(err, want));
    free(want);
    free(err);
    // duplicate keys are an error in TOML
    const char dup[] = "a = 1\na = 2\n";
    jl_test_write_file(p, dup, strlen(dup));
    assert_null(jldepot_toml_parse_file(p, 1 << 20, &err));
    free(err);
    // over the limit: refused before it is parsed
    jl_test_write_file(p, manifest, strlen(manifest));
    assert_null(jldepot_toml_parse_file(p, 100, &err));
    assert_non_null(strstr(err, "larger than 100 bytes"));
    free(err);
    char *f = jl_test_fmt("%s/fifo.toml", d);
    assert_int_equal(mkfifo(f, 0644), 0);
    assert_null(jldepot_toml_parse_file(f, 1 << 20, &err));
    assert_non_null(strstr(err, "not a regular file"));
    free(err);
    char *m = jl_test_fmt("%s/missing.toml", d);
    assert_null(jldepot_toml_parse_file(m, 1 << 20, &err));
    assert_non_null(strstr(err, "No such file"));
    free(err);
    free(m);
    free(f);
    free(p);
    jl_test_rmtree(d);
    free(d);
}

JL_TEST_MAIN(cmocka_unit_test(test_manifest), cmocka_unit_test(test_refusals))
