// This file is a part of the jldepot project. License is MIT.

/*
  preload-fault.c: a test-only LD_PRELOAD library that makes one call of a
  file-system function fail, so the tests can show what a command does when
  the disk fills up, a directory cannot be written or a rename crosses file
  systems, deterministically and as root (whom permissions do not stop).

    JLDEPOT_FAULT="FUNC:N:ERRNO[,FUNC:N:ERRNO...]"

  makes the N-th call (counted from 1 in each process; a forked child
  inherits the count) of FUNC fail with ERRNO; "N+" fails the N-th call and
  every later one.  FUNC is one of renameat2, linkat, mkdirat, write,
  fdatasync, fsync, creat (an open or openat with O_CREAT) or open (one
  without); ERRNO one of EPERM, EACCES, ENOSPC, EDQUOT, EXDEV, EIO, EMFILE,
  ENFILE, EROFS, ELOOP, ENAMETOOLONG.  Every other call
  goes to the C library.  Built as a shared object of its own (the Makefile's
  test/tools/preload-*.c rule), never linked into a program.
*/

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { F_RENAMEAT2, F_LINKAT, F_MKDIRAT, F_WRITE, F_FDATASYNC, F_FSYNC, F_CREAT, F_OPEN, F_N };
static const char *const fnames[F_N] = {"renameat2", "linkat", "mkdirat", "write",
                                        "fdatasync", "fsync",  "creat",   "open"};

typedef struct {
    unsigned long at; // 0: no fault
    int from_on;      // "N+"
    int err;
} fault_t;

static fault_t faults[F_N];
static unsigned long counts[F_N];
static int parsed;

static int errno_named(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int value;
    } tab[] = {{"EPERM", EPERM},
               {"EACCES", EACCES},
               {"ENOSPC", ENOSPC},
               {"EDQUOT", EDQUOT},
               {"EXDEV", EXDEV},
               {"EIO", EIO},
               {"EMFILE", EMFILE},
               {"EROFS", EROFS},
               {"ENFILE", ENFILE},
               {"ELOOP", ELOOP},
               {"ENAMETOOLONG", ENAMETOOLONG}};
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strlen(tab[i].name) == n && !memcmp(tab[i].name, s, n))
            return tab[i].value;
    return 0;
}

static void parse(void)
{
    if (parsed)
        return;
    parsed = 1;
    const char *spec = getenv("JLDEPOT_FAULT");
    while (spec && *spec) {
        const char *end = strchr(spec, ',');
        size_t len = end ? (size_t)(end - spec) : strlen(spec);
        const char *c1 = memchr(spec, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - spec)) : NULL;
        if (c1 && c2) {
            for (int f = 0; f < F_N; f++) {
                if (strlen(fnames[f]) != (size_t)(c1 - spec) ||
                    memcmp(fnames[f], spec, (size_t)(c1 - spec)) != 0)
                    continue;
                char *e;
                faults[f].at = strtoul(c1 + 1, &e, 10);
                faults[f].from_on = *e == '+';
                faults[f].err = errno_named(c2 + 1, len - (size_t)(c2 + 1 - spec));
                if (!faults[f].err)
                    faults[f].at = 0;
            }
        }
        spec = end ? end + 1 : NULL;
    }
}

// Whether this call of f fails (errno set).
static int fails(int f)
{
    parse();
    unsigned long n = ++counts[f];
    if (!faults[f].at || n < faults[f].at || (n > faults[f].at && !faults[f].from_on))
        return 0;
    errno = faults[f].err;
    return 1;
}

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

int renameat2(int od, const char *op, int nd, const char *np, unsigned int flags)
{
    if (fails(F_RENAMEAT2))
        return -1;
    int (*real)(int, const char *, int, const char *, unsigned int) = next("renameat2");
    return real(od, op, nd, np, flags);
}

int linkat(int od, const char *op, int nd, const char *np, int flags)
{
    if (fails(F_LINKAT))
        return -1;
    int (*real)(int, const char *, int, const char *, int) = next("linkat");
    return real(od, op, nd, np, flags);
}

int mkdirat(int d, const char *p, mode_t m)
{
    if (fails(F_MKDIRAT))
        return -1;
    int (*real)(int, const char *, mode_t) = next("mkdirat");
    return real(d, p, m);
}

ssize_t write(int fd, const void *b, size_t n)
{
    if (fails(F_WRITE))
        return -1;
    ssize_t (*real)(int, const void *, size_t) = next("write");
    return real(fd, b, n);
}

int fdatasync(int fd)
{
    if (fails(F_FDATASYNC))
        return -1;
    int (*real)(int) = next("fdatasync");
    return real(fd);
}

int fsync(int fd)
{
    if (fails(F_FSYNC))
        return -1;
    int (*real)(int) = next("fsync");
    return real(fd);
}

int openat(int d, const char *p, int flags, ...)
{
    mode_t m = 0;
    if (flags & (O_CREAT | __O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        m = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_CREAT) ? fails(F_CREAT) : fails(F_OPEN))
        return -1;
    int (*real)(int, const char *, int, ...) = next("openat");
    return real(d, p, flags, m);
}

int openat64(int d, const char *p, int flags, ...)
{
    mode_t m = 0;
    if (flags & (O_CREAT | __O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        m = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_CREAT) ? fails(F_CREAT) : fails(F_OPEN))
        return -1;
    int (*real)(int, const char *, int, ...) = next("openat64");
    return real(d, p, flags, m);
}

int open(const char *p, int flags, ...)
{
    mode_t m = 0;
    if (flags & (O_CREAT | __O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        m = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_CREAT) ? fails(F_CREAT) : fails(F_OPEN))
        return -1;
    int (*real)(const char *, int, ...) = next("open");
    return real(p, flags, m);
}

int open64(const char *p, int flags, ...)
{
    mode_t m = 0;
    if (flags & (O_CREAT | __O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        m = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_CREAT) ? fails(F_CREAT) : fails(F_OPEN))
        return -1;
    int (*real)(const char *, int, ...) = next("open64");
    return real(p, flags, m);
}
