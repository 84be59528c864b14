// This file is a part of the jldepot project. License is MIT.

/*
  test-txn.c: the all-or-nothing depot writer (cli/jldepot_txn.h): files
  staged beside their final names and renamed into place in order; a
  transaction freed before its commit, or whose commit meets a file that
  differs, leaves the roots as they were (files, temporaries and the
  directories it made all gone); symbolic links below a root are refused,
  at a root allowed; probes write nothing; the lock file is made and removed
  (or found and kept).
*/

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "jldepot_errors.h"
#include "jldepot_txn.h"

// A formatted path in one of a few static buffers (no allocation to free).
static const char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *P(const char *fmt, ...)
{
    static char buf[8][4096];
    static int k;
    char *b = buf[k++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(buf[0]), fmt, ap);
    va_end(ap);
    return b;
}

static int exists(const char *dir, const char *rel)
{
    struct stat st;
    return lstat(P("%s/%s", dir, rel), &st) == 0;
}

static size_t count_entries(const char *dir)
{
    const char *cmd = P("find '%s' | wc -l", dir);
    FILE *f = popen(cmd, "r");
    size_t n = 0;
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%zu", &n), 1);
    pclose(f);
    return n;
}

static size_t stage_text(jldepot_txn_t *t, size_t r, const char *rel, const char *text)
{
    int fd;
    size_t h;
    char *where = NULL;
    int err = jldepot_txn_stage(t, r, rel, 0644, &fd, &h, &where);
    if (err)
        fail_msg("staging %s: %s (%s)", rel, jldepot_strerror(err), where ? where : "");
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(jldepot_txn_staged(t, h, NULL), JL_DEPOT_E_OK);
    return h;
}

static void test_commit_in_order(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("txn");
    char *ra = strdup(P("%s/compiled", dir)), *rb = strdup(P("%s/packages", dir));
    const char *roots[] = {ra, rb};
    jldepot_txn_t *t;
    assert_int_equal(jldepot_txn_new(roots, 2, &t), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_txn_lock(t, NULL, NULL), JL_DEPOT_E_OK);
    assert_true(exists(ra, JLDEPOT_TXN_LOCK));
    size_t h[3];
    h[0] = stage_text(t, 1, "A/s1/src/A.jl", "module A end\n");
    h[1] = stage_text(t, 0, "v1.11/A/x.so", "so");
    h[2] = stage_text(t, 0, "v1.11/A/x.ji", "ji");
    // staged beside their final names, not yet there
    assert_false(exists(ra, "v1.11/A/x.ji"));
    assert_true(exists(ra, "v1.11/A"));
    unsigned char kept[3] = {0};
    size_t order[3] = {h[0], h[1], h[2]};
    assert_int_equal(jldepot_txn_commit(t, order, 3, kept, NULL), JL_DEPOT_E_OK);
    jldepot_txn_free(t);
    size_t len;
    uint8_t *b = jl_test_read_file(P("%s/A/s1/src/A.jl", rb), &len);
    assert_int_equal(len, 13);
    free(b);
    assert_true(exists(ra, "v1.11/A/x.ji") && exists(ra, "v1.11/A/x.so"));
    assert_false(exists(ra, JLDEPOT_TXN_LOCK)); // made by it, removed by it
    // the directory, its 2 roots, A s1 src A.jl, v1.11 A x.so x.ji: no temporary left
    assert_int_equal(count_entries(dir), 11);
    jl_test_rmtree(dir);
    free(ra);
    free(rb);
    free(dir);
}

static void test_free_before_commit_undoes(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("txn");
    char *ra = strdup(P("%s/compiled", dir)), *rb = strdup(P("%s/packages", dir));
    jl_test_mkdirs(rb);
    jl_test_write_file(P("%s/Old/s0/x", rb), "old", 3);
    size_t before = count_entries(dir);
    const char *roots[] = {ra, rb};
    jldepot_txn_t *t;
    assert_int_equal(jldepot_txn_new(roots, 2, &t), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_txn_lock(t, NULL, NULL), JL_DEPOT_E_OK);
    stage_text(t, 1, "A/s1/src/deep/A.jl", "a");
    stage_text(t, 0, "v1.11/A/x.ji", "ji");
    assert_true(exists(rb, "A/s1/src/deep"));
    jldepot_txn_free(t); // no commit: everything it did is undone
    assert_int_equal(count_entries(dir), before);
    assert_false(exists(dir, "compiled")); // made for the lock, gone with it
    jl_test_rmtree(dir);
    free(ra);
    free(rb);
    free(dir);
}

static void test_conflict_in_commit_undoes(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("txn");
    char *ra = strdup(P("%s/compiled", dir));
    const char *roots[] = {ra};
    jldepot_txn_t *t;
    assert_int_equal(jldepot_txn_new(roots, 1, &t), JL_DEPOT_E_OK);
    size_t h1 = stage_text(t, 0, "v1.11/A/a.so", "one");
    size_t h2 = stage_text(t, 0, "v1.11/A/a.ji", "two");
    size_t h3 = stage_text(t, 0, "v1.11/B/b.ji", "three");
    // appears meanwhile: the same content is kept, a different one refused
    jl_test_write_file(P("%s/v1.11/A/a.ji", ra), "two", 3);
    jl_test_write_file(P("%s/v1.11/B/b.ji", ra), "other", 5);
    size_t before = count_entries(dir);
    size_t order[3] = {h1, h2, h3};
    unsigned char kept[3] = {0};
    char *where = NULL;
    assert_int_equal(jldepot_txn_commit(t, order, 3, kept, &where), JL_DEPOT_E_BUNDLE_CONFLICT);
    assert_non_null(strstr(where, "v1.11/B/b.ji"));
    free(where);
    assert_true(kept[1]);
    // a.so (renamed before the conflict) is gone again; the others' files stay
    assert_false(exists(ra, "v1.11/A/a.so"));
    assert_true(exists(ra, "v1.11/A/a.ji") && exists(ra, "v1.11/B/b.ji"));
    jldepot_txn_free(t);
    assert_int_equal(count_entries(dir), before - 3 /* the three staged files */);
    jl_test_rmtree(dir);
    free(ra);
    free(dir);
}

static void test_symlinks(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("txn");
    char *real = strdup(P("%s/real", dir)), *out = strdup(P("%s/out", dir));
    jl_test_mkdirs(P("%s/pk", real));
    jl_test_mkdirs(out);
    // the root itself may be a symlink
    char *ra = strdup(P("%s/packages", dir));
    assert_int_equal(symlink(P("%s/pk", real), ra), 0);
    // below it, not
    assert_int_equal(symlink(out, P("%s/pk/Evil", real)), 0);
    const char *roots[] = {ra};
    jldepot_txn_t *t;
    assert_int_equal(jldepot_txn_new(roots, 1, &t), JL_DEPOT_E_OK);
    jldepot_txn_probe_t p;
    char *where = NULL;
    assert_int_equal(jldepot_txn_probe(t, 0, "Evil/s/x.jl", 1, &p, &where),
                     JL_DEPOT_E_DEPOT_SYMLINK);
    assert_string_equal(where, P("%s/Evil", ra));
    free(where);
    int fd;
    size_t h;
    assert_int_equal(jldepot_txn_stage(t, 0, "Evil/s/x.jl", 0644, &fd, &h, NULL),
                     JL_DEPOT_E_DEPOT_SYMLINK);
    assert_int_equal(count_entries(out), 1); // nothing written through the link
    // a probe writes nothing, and finds a file at a root that is a symlink
    jl_test_write_file(P("%s/pk/A/s/x.jl", real), "x", 1);
    assert_int_equal(jldepot_txn_probe(t, 0, "A/s/x.jl", 1, &p, NULL), JL_DEPOT_E_OK);
    assert_true(p.exists && p.fd >= 0);
    close(p.fd);
    assert_int_equal(jldepot_txn_probe(t, 0, "A/s/y/z.jl", 1, &p, NULL), JL_DEPOT_E_OK);
    assert_false(p.exists);
    assert_false(exists(real, "pk/A/s/y"));
    // a file where a directory is expected
    assert_int_equal(jldepot_txn_probe(t, 0, "A/s/x.jl/z", 0, &p, NULL),
                     JL_DEPOT_E_BUNDLE_CONFLICT);
    jldepot_txn_free(t);
    jl_test_rmtree(dir);
    free(real);
    free(out);
    free(ra);
    free(dir);
}

static void test_read_only_and_kept_lock(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("txn");
    char *ra = strdup(P("%s/compiled", dir));
    jl_test_mkdirs(P("%s/v1.11", ra));
    const char *roots[] = {ra};
    jldepot_txn_t *t;
    // no write bits: read-only, for root too
    assert_int_equal(chmod(P("%s/v1.11", ra), 0555), 0);
    assert_int_equal(jldepot_txn_new(roots, 1, &t), JL_DEPOT_E_OK);
    jldepot_txn_probe_t p;
    assert_int_equal(jldepot_txn_probe(t, 0, "v1.11/A/x.ji", 1, &p, NULL), JL_DEPOT_E_READ_ONLY);
    assert_int_equal(jldepot_txn_probe(t, 0, "v1.11/A/x.ji", 0, &p, NULL), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_txn_writable(t, 0, NULL), JL_DEPOT_E_OK);
    jldepot_txn_free(t);
    assert_int_equal(chmod(ra, 0555), 0);
    assert_int_equal(jldepot_txn_new(roots, 1, &t), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_txn_writable(t, 0, NULL), JL_DEPOT_E_READ_ONLY);
    jldepot_txn_free(t);
    assert_int_equal(chmod(ra, 0755), 0);
    assert_int_equal(chmod(P("%s/v1.11", ra), 0755), 0);
    // a lock file found there is used and kept
    jl_test_write_file(P("%s/%s", ra, JLDEPOT_TXN_LOCK), "", 0);
    assert_int_equal(jldepot_txn_new(roots, 1, &t), JL_DEPOT_E_OK);
    assert_int_equal(jldepot_txn_lock(t, NULL, NULL), JL_DEPOT_E_OK);
    jldepot_txn_free(t);
    assert_true(exists(ra, JLDEPOT_TXN_LOCK));
    jl_test_rmtree(dir);
    free(ra);
    free(dir);
}

JL_TEST_MAIN(cmocka_unit_test(test_commit_in_order),
             cmocka_unit_test(test_free_before_commit_undoes),
             cmocka_unit_test(test_conflict_in_commit_undoes), cmocka_unit_test(test_symlinks),
             cmocka_unit_test(test_read_only_and_kept_lock))
