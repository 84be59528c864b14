// This file is a part of the jldepot project. License is MIT.

/*
  testutil.c: the shared test main and scratch-directory helpers (testutil.h).
*/

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

int jl_test_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n)
{
    if (argc > 1 && !strcmp(argv[1], "--list")) {
        for (size_t i = 0; i < n; i++)
            puts(tests[i].name);
        return 0;
    }
    if (argc > 1) {
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(argv[1], tests[i].name))
                return _cmocka_run_group_tests(argv[0], &tests[i], 1, NULL, NULL);
        }
        fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
        return 2;
    }
    return _cmocka_run_group_tests(argv[0], tests, n, NULL, NULL);
}

char *jl_test_fmt(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    assert_true(r >= 0);
    return s;
}

char *jl_test_mkdtemp(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char *templ = jl_test_fmt("%s/jldepot-%s-XXXXXX", tmp, tag);
    assert_non_null(mkdtemp(templ));
    char *real = realpath(templ, NULL);
    assert_non_null(real);
    free(templ);
    return real;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        chmod(path, 0700);
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int chmod_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D || flag == FTW_DNR)
        chmod(path, 0700);
    else if (flag == FTW_F)
        chmod(path, (st->st_mode & 07777) | 0600);
    return 0;
}

int jl_test_rmtree(const char *path)
{
    // Make everything writable first (read-only depot tests chmod a-w).
    nftw(path, chmod_one, 32, FTW_PHYS);
    return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

void jl_test_mkdirs(const char *path)
{
    char *p = strdup(path);
    assert_non_null(p);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0)
                assert_true(errno == EEXIST);
            *s = '/';
        }
    }
    if (mkdir(p, 0755) != 0)
        assert_true(errno == EEXIST);
    free(p);
}

void jl_test_write_file(const char *path, const void *data, size_t len)
{
    char *dir = strdup(path);
    assert_non_null(dir);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        jl_test_mkdirs(dir);
    }
    free(dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

uint8_t *jl_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

const char *jl_test_fixtures(void)
{
    static char dir[PATH_MAX];
    if (!dir[0]) {
        const char *env = getenv("JL_TEST_FIXTURES");
        if (env && *env) {
            snprintf(dir, sizeof(dir), "%s", env);
        }
        else {
            char *r = realpath("test/fixtures", NULL);
            assert_non_null(r);
            snprintf(dir, sizeof(dir), "%s", r);
            free(r);
        }
    }
    return dir;
}

int jl_test_add_classic(jl_depot_stack_t *s, const char *root)
{
    static const char *const sub[JL_DEPOT_NROLES] = {"", "/artifacts", "/compiled",
                                                     "/scratchspaces"};
    char *roots[JL_DEPOT_NROLES];
    for (int r = 0; r < JL_DEPOT_NROLES; r++)
        roots[r] = jl_test_fmt("%s%s", root, sub[r]);
    int err = jl_depot_stack_add(s, (const char *const *)roots);
    for (int r = 0; r < JL_DEPOT_NROLES; r++)
        free(roots[r]);
    return err;
}

jl_depot_stack_t *jl_test_classic_stack(const char *list, int casefold)
{
    jl_depot_stack_t *s = jl_depot_stack_new(casefold);
    assert_non_null(s);
    if (list == NULL || list[0] == '\0')
        return s;
    for (const char *p = list;;) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0)
            fail_msg("'%s': an empty entry", list);
        char *root = jl_test_fmt("%.*s", (int)len, p);
        int err = jl_test_add_classic(s, root);
        if (err != JL_DEPOT_E_OK)
            fail_msg("depot '%s': %s", root, jl_depot_strerror(err));
        free(root);
        if (e == NULL)
            break;
        p = e + 1;
    }
    return s;
}
