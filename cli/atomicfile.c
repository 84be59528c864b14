// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  atomicfile.c: atomic file replacement (atomicfile.h): temporary file in the
  target's directory, full write, fsync, rename, fsync of the directory (the
  fsyncs left out for files that only cache a verdict); the
  mapping of errno values to the named errors of depot_errors.h.
*/

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"

JL_DLLEXPORT int jl_depot_errno_code(int e)
{
    switch (e) {
    case EROFS:
    case EACCES: // for a write: the location is read-only to this user
    case EPERM:
        return JL_DEPOT_E_READ_ONLY;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
    case EFBIG:
        return JL_DEPOT_E_NO_SPACE;
    case ENOENT:
    case ENOTDIR:
        return JL_DEPOT_E_NOT_FOUND;
    case ENOMEM:
        return JL_DEPOT_E_NOMEM;
    case ENAMETOOLONG:
        return JL_DEPOT_E_PATH_TOO_LONG;
    case ELOOP:
        return JL_DEPOT_E_SYMLINK_LOOP;
    case EMFILE:
    case ENFILE:
        return JL_DEPOT_E_TOO_MANY_FILES;
    case EEXIST:
    case ENOTEMPTY:
        return JL_DEPOT_E_FILE_EXISTS;
    case EXDEV:
        return JL_DEPOT_E_CROSS_DEVICE;
    case EISDIR:
        return JL_DEPOT_E_IS_DIRECTORY;
    default:
        return JL_DEPOT_E_IO;
    }
}

JL_DLLEXPORT int jl_depot_read_errno_code(int e)
{
    return e == EACCES || e == EPERM ? JL_DEPOT_E_PERMISSION_DENIED : jl_depot_errno_code(e);
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        size_t chunk = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : len;
        ssize_t k = write(fd, p, chunk);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return ENOSPC;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

JL_DLLEXPORT int jl_depot_write_atomic(const char *path, const void *buf, size_t len, int mode)
{
    return jl_depot_write_atomic_flags(path, buf, len, mode, 0);
}

JL_DLLEXPORT int jl_depot_write_atomic_flags(const char *path, const void *buf, size_t len,
                                             int mode, unsigned flags)
{
    int sync = !(flags & JL_DEPOT_WRITE_NOSYNC);
    if (!path || !*path || (!buf && len))
        return JL_DEPOT_E_INVALID_ARGUMENT;
    size_t n = strlen(path);
    if (path[n - 1] == '/')
        return JL_DEPOT_E_INVALID_ARGUMENT;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    char *dir = (char *)malloc(dirlen + 2);
    char *tmp = (char *)malloc(n + 32);
    if (!dir || !tmp) {
        free(dir);
        free(tmp);
        return JL_DEPOT_E_NOMEM;
    }
    if (slash == path)
        strcpy(dir, "/");
    else if (slash) {
        memcpy(dir, path, dirlen);
        dir[dirlen] = '\0';
    }
    else
        strcpy(dir, ".");

    // the mode of the file being replaced, if any
    struct stat st;
    int have_old = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    mode_t cmode = have_old ? (st.st_mode & 07777) : mode < 0 ? 0666 : (mode_t)mode;

    // a fresh temporary name next to the target
    static unsigned counter;
    int fd = -1, e = 0;
    for (int attempt = 0; attempt < 100; attempt++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        unsigned long r = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16) ^
                          (unsigned long)(++counter * 2654435761u);
        snprintf(tmp, n + 32, "%s%s.%s.tmp%06lx", slash ? dir : "", slash ? "/" : "", base,
                 r & 0xffffff);
        if (slash == path) // "/name": dir is "/"
            snprintf(tmp, n + 32, "/.%s.tmp%06lx", base, r & 0xffffff);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, cmode);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        e = errno;
        free(dir);
        free(tmp);
        return jl_depot_errno_code(e);
    }
    if (have_old && fchmod(fd, cmode) != 0)
        e = errno;
    if (!e)
        e = write_all(fd, (const char *)buf, len);
    if (!e && sync && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        free(dir);
        free(tmp);
        return jl_depot_errno_code(e);
    }
    // make the rename itself durable
    int err = JL_DEPOT_E_OK;
    int dfd = sync ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        if (fsync(dfd) != 0 && errno != EINVAL && errno != EROFS)
            err = JL_DEPOT_E_IO;
        close(dfd);
    }
    free(dir);
    free(tmp);
    return err;
}
