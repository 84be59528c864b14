// This file is a part of the jldepot project. License is MIT.

/*
  test-atomicfile.c: jl_depot_write_atomic: the new content in place with the
  old file's mode; after a read-only directory or a full disk (EFBIG through
  RLIMIT_FSIZE) the target is unchanged and no temporary file is left.
*/

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "atomicfile.h"

// The number of entries in `dir` (without . and ..).
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void assert_content(const char *path, const char *want)
{
    size_t len;
    uint8_t *b = jl_test_read_file(path, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(b, want, len);
    free(b);
}

static void test_success(void **state)
{
    (void)state;
    char *d = jl_test_mkdtemp("atomic");
    char *p = jl_test_fmt("%s/file.ji", d);
    // a new file: the given mode (less the umask)
    mode_t old = umask(022);
    assert_int_equal(jl_depot_write_atomic(p, "first", 5, 0640), JL_DEPOT_E_OK);
    assert_content(p, "first");
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    // replacing keeps the old file's mode, even one the umask would clear
    assert_int_equal(chmod(p, 0606), 0);
    ino_t ino = st.st_ino;
    assert_int_equal(jl_depot_write_atomic(p, "second, longer", 14, 0644), JL_DEPOT_E_OK);
    assert_content(p, "second, longer");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0606);
    assert_true(st.st_ino != ino); // a new file was renamed over it
    // empty content
    assert_int_equal(jl_depot_write_atomic(p, "", 0, -1), JL_DEPOT_E_OK);
    assert_content(p, "");
    umask(old);
    assert_int_equal(count_entries(d), 1); // no temporary file left
    // bad arguments and a missing directory
    assert_int_equal(jl_depot_write_atomic(NULL, "x", 1, -1), JL_DEPOT_E_INVALID_ARGUMENT);
    assert_int_equal(jl_depot_write_atomic("", "x", 1, -1), JL_DEPOT_E_INVALID_ARGUMENT);
    char *dirpath = jl_test_fmt("%s/", d);
    assert_int_equal(jl_depot_write_atomic(dirpath, "x", 1, -1), JL_DEPOT_E_INVALID_ARGUMENT);
    char *nodir = jl_test_fmt("%s/nodir/file", d);
    assert_int_equal(jl_depot_write_atomic(nodir, "x", 1, -1), JL_DEPOT_E_NOT_FOUND);
    assert_int_equal(jl_depot_errno_code(EDQUOT), JL_DEPOT_E_NO_SPACE);
    assert_int_equal(jl_depot_errno_code(EROFS), JL_DEPOT_E_READ_ONLY);
    assert_int_equal(jl_depot_errno_code(EIO), JL_DEPOT_E_IO);
    // every errno a user can act on has its own name
    assert_int_equal(jl_depot_errno_code(EACCES), JL_DEPOT_E_READ_ONLY); // writing
    assert_int_equal(jl_depot_read_errno_code(EACCES), JL_DEPOT_E_PERMISSION_DENIED);
    assert_int_equal(jl_depot_read_errno_code(ENOENT), JL_DEPOT_E_NOT_FOUND);
    assert_int_equal(jl_depot_errno_code(EMFILE), JL_DEPOT_E_TOO_MANY_FILES);
    assert_int_equal(jl_depot_errno_code(ENFILE), JL_DEPOT_E_TOO_MANY_FILES);
    assert_int_equal(jl_depot_errno_code(ENAMETOOLONG), JL_DEPOT_E_PATH_TOO_LONG);
    assert_int_equal(jl_depot_errno_code(ELOOP), JL_DEPOT_E_SYMLINK_LOOP);
    assert_int_equal(jl_depot_errno_code(EEXIST), JL_DEPOT_E_FILE_EXISTS);
    assert_int_equal(jl_depot_errno_code(EXDEV), JL_DEPOT_E_CROSS_DEVICE);
    assert_int_equal(jl_depot_errno_code(EISDIR), JL_DEPOT_E_IS_DIRECTORY);
    free(nodir);
    free(dirpath);
    free(p);
    assert_int_equal(jl_test_rmtree(d), 0);
    free(d);
}

// Run jl_depot_write_atomic in a child (so rlimits and uids stay there);
// returns its result code.
static int write_in_child(const char *path, const void *buf, size_t len, int drop_root,
                          rlim_t fsize)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (drop_root && geteuid() == 0) {
            // root ignores directory modes: become nobody
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(100);
        }
        if (fsize) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {fsize, fsize};
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                _exit(101);
        }
        _exit(jl_depot_write_atomic(path, buf, len, -1));
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_read_only_directory(void **state)
{
    (void)state;
    char *d = jl_test_mkdtemp("atomic-ro");
    char *sub = jl_test_fmt("%s/ro", d);
    jl_test_mkdirs(sub);
    char *p = jl_test_fmt("%s/cache.ji", sub);
    jl_test_write_file(p, "original", 8);
    assert_int_equal(chmod(d, 0755), 0);
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(chmod(sub, 0555), 0);
    int rc = write_in_child(p, "replacement", 11, 1, 0);
    assert_int_equal(rc, JL_DEPOT_E_READ_ONLY);
    assert_content(p, "original");
    assert_int_equal(count_entries(sub), 1);
    assert_int_equal(chmod(sub, 0755), 0);
    free(p);
    free(sub);
    assert_int_equal(jl_test_rmtree(d), 0);
    free(d);
}

static void test_full_disk(void **state)
{
    (void)state;
    char *d = jl_test_mkdtemp("atomic-full");
    char *p = jl_test_fmt("%s/cache.ji", d);
    jl_test_write_file(p, "original", 8);
    size_t big = 1 << 16;
    char *buf = malloc(big);
    memset(buf, 'x', big);
    // files may not grow past 4 KiB: write() fails with EFBIG
    int rc = write_in_child(p, buf, big, 0, 4096);
    assert_int_equal(rc, JL_DEPOT_E_NO_SPACE);
    assert_content(p, "original");
    assert_int_equal(count_entries(d), 1);
    // under the limit it succeeds
    rc = write_in_child(p, buf, 1000, 0, 4096);
    assert_int_equal(rc, JL_DEPOT_E_OK);
    size_t len;
    uint8_t *b = jl_test_read_file(p, &len);
    assert_int_equal(len, 1000);
    free(b);
    assert_int_equal(count_entries(d), 1);
    free(buf);
    free(p);
    assert_int_equal(jl_test_rmtree(d), 0);
    free(d);
}

// NOSYNC: the same replacement and the same errors, without the fsyncs.
static void test_nosync(void **state)
{
    (void)state;
    char *d = jl_test_mkdtemp("atomic-nosync");
    char *p = jl_test_fmt("%s/x.stamp", d);
    assert_int_equal(jl_depot_write_atomic_flags(p, "one", 3, 0644, JL_DEPOT_WRITE_NOSYNC),
                     JL_DEPOT_E_OK);
    assert_content(p, "one");
    assert_int_equal(jl_depot_write_atomic_flags(p, "two!", 4, 0644, JL_DEPOT_WRITE_NOSYNC),
                     JL_DEPOT_E_OK);
    assert_content(p, "two!");
    assert_int_equal(count_entries(d), 1); // no temporary file left
    assert_int_equal(jl_depot_write_atomic_flags(d, "x", 1, 0644, JL_DEPOT_WRITE_NOSYNC) ==
                         JL_DEPOT_E_OK,
                     0); // a directory cannot be replaced
    assert_int_equal(count_entries(d), 1);
    jl_test_rmtree(d);
    free(p);
    free(d);
}

JL_TEST_MAIN(cmocka_unit_test(test_success), cmocka_unit_test(test_read_only_directory),
             cmocka_unit_test(test_full_disk), cmocka_unit_test(test_nosync))
