// This file is a part of the jldepot project. License is MIT.

/*
  test-treehash.c: the git tree hash of a package directory
  (jldepot_treehash.c) equals what git itself computes (`git add -A`, `git
  write-tree`) for trees with nested directories, names that sort
  differently as directories, executable files, symbolic links, empty files
  and empty directories; `.git` is left out; an empty tree, a FIFO and a
  missing directory are refused by name.
*/

#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "jldepot_errors.h"
#include "jldepot_treehash.h"

// git's own tree hash of `dir` (a scratch repository outside it).
static char *git_tree(const char *dir)
{
    char *cmd = jl_test_fmt("d=$(mktemp -d) && GIT_DIR=$d/g GIT_WORK_TREE='%s' git init -q && "
                            "GIT_DIR=$d/g GIT_WORK_TREE='%s' git -c core.fileMode=true add -A && "
                            "GIT_DIR=$d/g GIT_WORK_TREE='%s' git write-tree; rm -rf $d",
                            dir, dir, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[64] = {0};
    char *got = fgets(buf, sizeof(buf), p);
    assert_int_equal(pclose(p), 0);
    assert_non_null(got);
    buf[strcspn(buf, "\n")] = '\0';
    free(cmd);
    return strdup(buf);
}

static void put(const char *dir, const char *rel, const char *text)
{
    char *p = jl_test_fmt("%s/%s", dir, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    jl_test_mkdirs(p);
    *slash = '/';
    jl_test_write_file(p, text, strlen(text));
    free(p);
}

static void test_matches_git(void **state)
{
    char *d = jl_test_mkdtemp("treehash");
    put(d, "Project.toml", "name = \"Shapes\"\nuuid = \"12345678-0000-4000-8000-000000000001\"\n");
    put(d, "src/Shapes.jl", "module Shapes\ninclude(\"shapes/circle.jl\")\nend\n");
    put(d, "src/shapes/circle.jl", "area(r) = pi * r^2\n");
    put(d, "src/shapes.jl", "# a file that sorts before the directory shapes/\n");
    put(d, "src/shapes-x/a.jl", "# '-' sorts before '/'\n");
    put(d, "empty.txt", "");
    put(d, "bin/run.sh", "#!/bin/sh\necho hi\n");
    char *x = jl_test_fmt("%s/bin/run.sh", d);
    assert_int_equal(chmod(x, 0755), 0);
    char *l = jl_test_fmt("%s/src/link.jl", d);
    assert_int_equal(symlink("shapes/circle.jl", l), 0);
    char *e = jl_test_fmt("%s/deps/empty/inside", d);
    jl_test_mkdirs(e);
    char out[41];
    assert_int_equal(jldepot_tree_hash(d, out), JL_DEPOT_E_OK);
    char *want = git_tree(d);
    assert_string_equal(out, want);
    // .git is left out
    put(d, ".git/HEAD", "ref: refs/heads/main\n");
    char out2[41];
    assert_int_equal(jldepot_tree_hash(d, out2), JL_DEPOT_E_OK);
    assert_string_equal(out2, out);
    // one byte changed, or a mode, changes the hash, as in git
    put(d, "src/shapes/circle.jl", "area(r) = pi * r^3\n");
    assert_int_equal(jldepot_tree_hash(d, out2), JL_DEPOT_E_OK);
    assert_string_not_equal(out2, out);
    free(want);
    want = git_tree(d);
    assert_string_equal(out2, want);
    assert_int_equal(chmod(x, 0644), 0);
    assert_int_equal(jldepot_tree_hash(d, out), JL_DEPOT_E_OK);
    assert_string_not_equal(out2, out);
    free(want);
    want = git_tree(d);
    assert_string_equal(out, want);
    free(want);
    free(e);
    free(l);
    free(x);
    jl_test_rmtree(d);
    free(d);
}

static void test_refusals(void **state)
{
    char *d = jl_test_mkdtemp("treehash-bad");
    char out[41];
    assert_int_equal(jldepot_tree_hash(d, out), JL_DEPOT_E_INVALID_ARGUMENT); // empty
    char *e = jl_test_fmt("%s/only/empty/dirs", d);
    jl_test_mkdirs(e);
    assert_int_equal(jldepot_tree_hash(d, out), JL_DEPOT_E_INVALID_ARGUMENT);
    put(d, "a.jl", "x\n");
    char *f = jl_test_fmt("%s/pipe", d);
    assert_int_equal(mkfifo(f, 0644), 0);
    assert_int_equal(jldepot_tree_hash(d, out), JL_DEPOT_E_IO); // never opened, never waited on
    char *m = jl_test_fmt("%s/no-such-dir", d);
    assert_int_equal(jldepot_tree_hash(m, out), JL_DEPOT_E_NOT_FOUND);
    free(m);
    free(f);
    free(e);
    jl_test_rmtree(d);
    free(d);
}

JL_TEST_MAIN(cmocka_unit_test(test_matches_git), cmocka_unit_test(test_refusals))
