// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_txn.c: the all-or-nothing depot writer (jldepot_txn.h): walks
  below a write root with openat(O_NOFOLLOW|O_DIRECTORY) per component,
  the depot lock, temporary siblings closed once written and synced in
  batches, the
  commit (renameat2(RENAME_NOREPLACE), or link and unlink where the file
  system has no such rename) and the undo, in reverse order, of every name
  and directory the transaction made.
*/

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "jldepot_errors.h"
#include "jldepot_txn.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

enum { F_OPEN, F_CLOSED, F_COMMITTED, F_KEPT, F_GONE };

typedef struct {
    size_t root;
    char *rel; // final name, relative to the root
    char *tmp; // the staged file's name in the same directory
    int fd;
    int state;
    int synced; // its data is durable
} tfile_t;

typedef struct {
    size_t root; // (size_t)-1: an absolute path (a root or a directory above it)
    char *rel;
} tdir_t;

typedef struct {
    tdir_t *v;
    size_t n, cap;
} dirs_t;

struct jldepot_txn_t {
    char **roots;
    size_t nroots;
    int *rootfd;
    tfile_t *f;
    size_t nf, capf;
    dirs_t made;       // directories made, in the order made
    size_t maxbatch;   // descriptors synced at once
    size_t cache_root; // the directory walked last (a borrowed descriptor)
    char *cache_rel;
    int cache_fd;
    int lockfd;
    int lock_created; // the lock file was made by this transaction: it removes it
    int committed;
    unsigned long counter;
};

static char *where_of(jldepot_txn_t *t, size_t r, const char *rel, size_t len)
{
    char *s = NULL;
    if (len == 0) {
        s = strdup(t->roots[r]);
        return s;
    }
    if (asprintf(&s, "%s/%.*s", t->roots[r], (int)len, rel) < 0)
        return NULL;
    return s;
}

static void set_where(char **where, char *s)
{
    if (where && !*where)
        *where = s;
    else
        free(s);
}

static int dirs_add(dirs_t *d, size_t root, const char *rel, size_t len)
{
    if (d->n == d->cap) {
        size_t nc = d->cap ? 2 * d->cap : 32;
        tdir_t *nv = realloc(d->v, nc * sizeof(*nv));
        if (!nv)
            return JL_DEPOT_E_NOMEM;
        d->v = nv;
        d->cap = nc;
    }
    char *c = strndup(rel, len);
    if (!c)
        return JL_DEPOT_E_NOMEM;
    d->v[d->n].root = root;
    d->v[d->n].rel = c;
    d->n++;
    return JL_DEPOT_E_OK;
}

static void dirs_free(dirs_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].rel);
    free(d->v);
    memset(d, 0, sizeof(*d));
}

int jldepot_txn_new(const char *const *roots, size_t nroots, jldepot_txn_t **out)
{
    *out = NULL;
    jldepot_txn_t *t = calloc(1, sizeof(*t));
    if (!t)
        return JL_DEPOT_E_NOMEM;
    t->roots = calloc(nroots ? nroots : 1, sizeof(char *));
    t->rootfd = malloc((nroots ? nroots : 1) * sizeof(int));
    if (!t->roots || !t->rootfd) {
        free(t->roots);
        free(t->rootfd);
        free(t);
        return JL_DEPOT_E_NOMEM;
    }
    t->nroots = nroots;
    for (size_t i = 0; i < nroots; i++) {
        t->rootfd[i] = -1;
        if (!(t->roots[i] = strdup(roots[i]))) {
            t->nroots = i;
            jldepot_txn_free(t);
            return JL_DEPOT_E_NOMEM;
        }
    }
    t->cache_fd = -1;
    t->lockfd = -1;
    // the syncs hold a bounded number of descriptors at once: a share of
    // those this process may have (at least 1, at most 512)
    struct rlimit rl;
    size_t lim = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                     ? (size_t)rl.rlim_cur
                     : 1024;
    t->maxbatch = lim / 4;
    if (t->maxbatch < 1)
        t->maxbatch = 1;
    if (t->maxbatch > 512)
        t->maxbatch = 512;
    *out = t;
    return JL_DEPOT_E_OK;
}

// ---- roots and walks --------------------------------------------------------------

// mkdir -p of an absolute path above or at a root (these may be symlinks);
// the directories made are recorded.
static int mkdir_abs(jldepot_txn_t *t, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return S_ISDIR(st.st_mode) ? JL_DEPOT_E_OK : JL_DEPOT_E_BUNDLE_CONFLICT;
    if (errno != ENOENT)
        return jl_depot_errno_code(errno);
    const char *sl = strrchr(path, '/');
    if (sl && sl != path) {
        char *parent = strndup(path, (size_t)(sl - path));
        if (!parent)
            return JL_DEPOT_E_NOMEM;
        int err = mkdir_abs(t, parent);
        free(parent);
        if (err)
            return err;
    }
    if (mkdir(path, 0777) != 0)
        return errno == EEXIST ? JL_DEPOT_E_OK : jl_depot_errno_code(errno);
    return dirs_add(&t->made, (size_t)-1, path, strlen(path));
}

// The descriptor of root r: -1 with OK when it does not exist and `create`
// is 0.
static int root_fd(jldepot_txn_t *t, size_t r, int create, int *fd, char **where)
{
    *fd = -1;
    if (t->rootfd[r] >= 0) {
        *fd = t->rootfd[r];
        return JL_DEPOT_E_OK;
    }
    int f = open(t->roots[r], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f < 0 && errno == ENOENT && create) {
        int err = mkdir_abs(t, t->roots[r]);
        if (err) {
            set_where(where, strdup(t->roots[r]));
            return err;
        }
        f = open(t->roots[r], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (f < 0) {
        if (errno == ENOENT && !create)
            return JL_DEPOT_E_OK;
        int e = errno;
        set_where(where, strdup(t->roots[r]));
        return e == ENOTDIR ? JL_DEPOT_E_BUNDLE_CONFLICT : jl_depot_errno_code(e);
    }
    t->rootfd[r] = f;
    *fd = f;
    return JL_DEPOT_E_OK;
}

// What is at `name` in `dfd` that is not a directory: a symlink is
// DEPOT_SYMLINK, anything else BUNDLE_CONFLICT.
static int not_a_dir(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return S_ISLNK(st.st_mode) ? JL_DEPOT_E_DEPOT_SYMLINK : JL_DEPOT_E_BUNDLE_CONFLICT;
    return jl_depot_errno_code(errno);
}

static void cache_drop(jldepot_txn_t *t)
{
    if (t->cache_fd >= 0)
        close(t->cache_fd);
    t->cache_fd = -1;
    free(t->cache_rel);
    t->cache_rel = NULL;
}

// Walk the directories rel[0..dlen) below root r, one component at a time
// with O_NOFOLLOW; with `create`, make the missing ones (recorded).  *dfd is
// the deepest directory reached (borrowed: do not close it; -1 when the root
// does not exist) and *reached the length of the prefix that exists.
static int walk(jldepot_txn_t *t, size_t r, const char *rel, size_t dlen, int create, int *dfd,
                size_t *reached, char **where)
{
    *dfd = -1;
    *reached = 0;
    int rfd;
    int err = root_fd(t, r, create, &rfd, where);
    if (err || rfd < 0)
        return err;
    if (dlen == 0) {
        *dfd = rfd;
        return JL_DEPOT_E_OK;
    }
    if (t->cache_fd >= 0 && t->cache_root == r && strlen(t->cache_rel) == dlen &&
        !memcmp(t->cache_rel, rel, dlen)) {
        *dfd = t->cache_fd;
        *reached = dlen;
        return JL_DEPOT_E_OK;
    }
    int cur = rfd;
    size_t pos = 0;
    char comp[NAME_MAX + 1];
    while (pos < dlen) {
        const char *s = rel + pos;
        const char *e = memchr(s, '/', dlen - pos);
        size_t n = e ? (size_t)(e - s) : dlen - pos;
        if (n == 0 || n > NAME_MAX) {
            err = JL_DEPOT_E_INVALID_ARGUMENT;
            break;
        }
        memcpy(comp, s, n);
        comp[n] = '\0';
        int fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            if (!create)
                break; // the rest is missing
            if (mkdirat(cur, comp, 0777) == 0) {
                err = dirs_add(&t->made, r, rel, pos + n);
                if (err)
                    break;
            }
            else if (errno != EEXIST) {
                err = jl_depot_errno_code(errno);
                set_where(where, where_of(t, r, rel, pos + n));
                break;
            }
            fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            err = errno == ELOOP || errno == ENOTDIR ? not_a_dir(cur, comp)
                                                     : jl_depot_errno_code(errno);
            set_where(where, where_of(t, r, rel, pos + n));
            break;
        }
        if (cur != rfd)
            close(cur);
        cur = fd;
        pos += n + (e ? 1 : 0);
        *reached = pos < dlen ? pos - 1 : dlen;
    }
    if (err) {
        if (cur != rfd)
            close(cur);
        *reached = 0;
        return err;
    }
    if (*reached < dlen) { // missing below cur: hand cur over through the cache
        cache_drop(t);
        if (cur != rfd) {
            t->cache_fd = cur;
            t->cache_root = r;
            t->cache_rel = strndup(rel, *reached);
            if (!t->cache_rel) {
                cache_drop(t);
                return JL_DEPOT_E_NOMEM;
            }
        }
        *dfd = cur;
        return JL_DEPOT_E_OK;
    }
    cache_drop(t);
    t->cache_fd = cur;
    t->cache_root = r;
    t->cache_rel = strndup(rel, dlen);
    if (!t->cache_rel) {
        cache_drop(t);
        return JL_DEPOT_E_NOMEM;
    }
    *dfd = cur;
    return JL_DEPOT_E_OK;
}

static size_t dir_len(const char *rel)
{
    const char *sl = strrchr(rel, '/');
    return sl ? (size_t)(sl - rel) : 0;
}

static const char *base_of(const char *rel)
{
    const char *sl = strrchr(rel, '/');
    return sl ? sl + 1 : rel;
}

// Whether a directory may be written: access() answers for the user (EROFS
// for a read-only mount); a directory nobody may write is read-only even for
// root, who could (the rule of verify and seal, doc/stamps.md).
static int fd_writable(int dfd)
{
    struct stat st;
    return fstat(dfd, &st) == 0 && (st.st_mode & 0222) != 0 && faccessat(dfd, ".", W_OK, 0) == 0;
}

char *jldepot_txn_existing_root(jldepot_txn_t *t, size_t r)
{
    char *p = strdup(t->roots[r]);
    while (p) {
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            return p;
        char *sl = strrchr(p, '/');
        if (!sl || sl == p) {
            free(p);
            return strdup("/");
        }
        *sl = '\0';
    }
    return NULL;
}

char *jldepot_txn_root_realpath(jldepot_txn_t *t, size_t r)
{
    return realpath(t->roots[r], NULL);
}

int jldepot_txn_writable(jldepot_txn_t *t, size_t r, char **where)
{
    int rfd;
    int err = root_fd(t, r, 0, &rfd, where);
    if (err)
        return err;
    if (rfd >= 0) {
        if (fd_writable(rfd))
            return JL_DEPOT_E_OK;
        set_where(where, strdup(t->roots[r]));
        return JL_DEPOT_E_READ_ONLY;
    }
    char *p = jldepot_txn_existing_root(t, r);
    if (!p)
        return JL_DEPOT_E_NOMEM;
    struct stat st;
    if (access(p, W_OK) == 0 && stat(p, &st) == 0 && (st.st_mode & 0222) != 0) {
        free(p);
        return JL_DEPOT_E_OK;
    }
    set_where(where, p);
    return JL_DEPOT_E_READ_ONLY;
}

int jldepot_txn_probe(jldepot_txn_t *t, size_t r, const char *rel, int want_write,
                      jldepot_txn_probe_t *p, char **where)
{
    p->exists = 0;
    p->fd = -1;
    size_t dl = dir_len(rel), reached;
    int dfd;
    int err = walk(t, r, rel, dl, 0, &dfd, &reached, where);
    if (err)
        return err;
    if (dfd < 0) // the root does not exist
        return want_write ? jldepot_txn_writable(t, r, where) : JL_DEPOT_E_OK;
    if (reached == dl) {
        const char *base = base_of(rel);
        struct stat st;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (!S_ISREG(st.st_mode)) {
                set_where(where, where_of(t, r, rel, strlen(rel)));
                return JL_DEPOT_E_BUNDLE_CONFLICT;
            }
            int fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                set_where(where, where_of(t, r, rel, strlen(rel)));
                return jl_depot_errno_code(errno);
            }
            p->exists = 1;
            p->fd = fd;
            return JL_DEPOT_E_OK;
        }
        if (errno != ENOENT) {
            set_where(where, where_of(t, r, rel, strlen(rel)));
            return jl_depot_errno_code(errno);
        }
    }
    if (want_write && !fd_writable(dfd)) {
        set_where(where, where_of(t, r, rel, reached));
        return JL_DEPOT_E_READ_ONLY;
    }
    return JL_DEPOT_E_OK;
}

int jldepot_txn_probe_dir(jldepot_txn_t *t, size_t r, const char *rel, int *exists, char **where)
{
    *exists = 0;
    size_t n = strlen(rel), reached;
    int dfd;
    int err = walk(t, r, rel, n, 0, &dfd, &reached, where);
    if (!err && dfd >= 0 && reached == n)
        *exists = 1;
    return err;
}

// ---- the lock -----------------------------------------------------------------------

int jldepot_txn_lock(jldepot_txn_t *t, volatile sig_atomic_t *stop, char **where)
{
    if (t->lockfd >= 0)
        return JL_DEPOT_E_OK;
    for (;;) {
        int rfd;
        int err = root_fd(t, 0, 1, &rfd, where);
        if (err)
            return err;
        // made here (then removed when done), or there already: a lock file
        // left by a writer that died, or made by someone else, is only used
        int created = 1;
        int fd =
            openat(rfd, JLDEPOT_TXN_LOCK, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) {
            created = 0;
            fd = openat(rfd, JLDEPOT_TXN_LOCK, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 && errno == ENOENT)
                continue; // removed meanwhile: make it
        }
        if (fd < 0 && errno == ENOENT) { // the root went with the lock of the holder before
            if (t->cache_root == 0)
                cache_drop(t);
            close(t->rootfd[0]);
            t->rootfd[0] = -1;
            continue;
        }
        if (fd < 0) {
            int e = errno;
            set_where(where, where_of(t, 0, JLDEPOT_TXN_LOCK, strlen(JLDEPOT_TXN_LOCK)));
            return e == ELOOP ? JL_DEPOT_E_DEPOT_SYMLINK : jl_depot_errno_code(e);
        }
        while (flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR || (stop && *stop)) {
                int e = errno;
                close(fd);
                if (e == EINTR)
                    return JL_DEPOT_E_UNPACK_INTERRUPTED;
                set_where(where, where_of(t, 0, JLDEPOT_TXN_LOCK, strlen(JLDEPOT_TXN_LOCK)));
                return jl_depot_errno_code(e);
            }
        }
        // the holder before us removes the file when done: the lock is ours
        // only if the name still leads to the file we locked
        struct stat a, b;
        if (fstat(fd, &a) == 0 && fstatat(rfd, JLDEPOT_TXN_LOCK, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            t->lockfd = fd;
            t->lock_created = created;
            return JL_DEPOT_E_OK;
        }
        close(fd);
        // the root itself may have been removed with it: open it again
        if (t->rootfd[0] >= 0) {
            struct stat rs;
            if (fstat(t->rootfd[0], &rs) != 0 || rs.st_nlink == 0) {
                if (t->cache_root == 0)
                    cache_drop(t);
                close(t->rootfd[0]);
                t->rootfd[0] = -1;
            }
        }
    }
}

// ---- staging ------------------------------------------------------------------------

int jldepot_txn_stage(jldepot_txn_t *t, size_t r, const char *rel, mode_t mode, int *fd,
                      size_t *handle, char **where)
{
    *fd = -1;
    if (t->nf == t->capf) {
        size_t nc = t->capf ? 2 * t->capf : 64;
        tfile_t *nv = realloc(t->f, nc * sizeof(*nv));
        if (!nv)
            return JL_DEPOT_E_NOMEM;
        t->f = nv;
        t->capf = nc;
    }
    size_t dl = dir_len(rel), reached;
    int dfd;
    int err = walk(t, r, rel, dl, 1, &dfd, &reached, where);
    if (err)
        return err;
    tfile_t *f = &t->f[t->nf];
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->root = r;
    if (!(f->rel = strdup(rel)))
        return JL_DEPOT_E_NOMEM;
    for (int tries = 0; tries < 1000; tries++) {
        free(f->tmp);
        f->tmp = NULL;
        if (asprintf(&f->tmp, "%s%ld-%lu", JLDEPOT_TXN_TMP_PREFIX, (long)getpid(), t->counter++) <
            0) {
            f->tmp = NULL;
            err = JL_DEPOT_E_NOMEM;
            break;
        }
        f->fd = openat(dfd, f->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (f->fd >= 0 || errno != EEXIST)
            break;
    }
    if (f->fd < 0) {
        if (!err) {
            err = jl_depot_errno_code(errno);
            set_where(where, where_of(t, r, rel, strlen(rel)));
        }
        free(f->rel);
        free(f->tmp);
        return err;
    }
    f->state = F_OPEN;
    *fd = f->fd;
    *handle = t->nf++;
    return JL_DEPOT_E_OK;
}

int jldepot_txn_staged(jldepot_txn_t *t, size_t handle, char **where)
{
    tfile_t *f = &t->f[handle];
    if (f->state != F_OPEN)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    // start the writeback now: the sync then mostly waits for I/O already
    // under way; the descriptor is not kept
    sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    int e = close(f->fd) != 0 ? errno : 0;
    f->fd = -1;
    f->state = F_CLOSED;
    if (e) {
        set_where(where, where_of(t, f->root, f->rel, strlen(f->rel)));
        return jl_depot_errno_code(e);
    }
    return JL_DEPOT_E_OK;
}

// Sync a batch of staged files (open for reading: fdatasync needs no more)
// from a few threads, then close them.
static int sync_batch(jldepot_txn_t *t, int *fds, const size_t *hs, size_t n, char **where)
{
    int e = jldepot_sync_many(fds, n, 1);
    for (size_t k = 0; k < n; k++) {
        close(fds[k]);
        if (!e)
            t->f[hs[k]].synced = 1;
    }
    if (!e)
        return JL_DEPOT_E_OK;
    tfile_t *f = &t->f[hs[0]];
    set_where(where, where_of(t, f->root, f->rel, strlen(f->rel)));
    return jl_depot_errno_code(e);
}

int jldepot_txn_flush(jldepot_txn_t *t, char **where)
{
    int *fds = malloc(t->maxbatch * sizeof(int));
    size_t *hs = malloc(t->maxbatch * sizeof(size_t));
    if (!fds || !hs) {
        free(fds);
        free(hs);
        return JL_DEPOT_E_NOMEM;
    }
    size_t n = 0;
    int err = JL_DEPOT_E_OK;
    for (size_t i = 0; i < t->nf && !err; i++) {
        tfile_t *f = &t->f[i];
        if (f->state != F_CLOSED || f->synced)
            continue;
        size_t dl = dir_len(f->rel), reached;
        int dfd;
        errno = 0;
        err = walk(t, f->root, f->rel, dl, 0, &dfd, &reached, where);
        int fd = err || dfd < 0 || reached != dl
                     ? -1
                     : openat(dfd, f->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (!err)
                err = jl_depot_errno_code(errno ? errno : ENOENT);
            set_where(where, where_of(t, f->root, f->rel, strlen(f->rel)));
            break;
        }
        fds[n] = fd;
        hs[n++] = i;
        if (n == t->maxbatch) {
            err = sync_batch(t, fds, hs, n, where);
            n = 0;
        }
    }
    if (n && !err)
        err = sync_batch(t, fds, hs, n, where);
    else
        for (size_t k = 0; k < n; k++)
            close(fds[k]);
    free(fds);
    free(hs);
    return err;
}

int jldepot_txn_open_staged(jldepot_txn_t *t, size_t handle)
{
    tfile_t *f = &t->f[handle];
    if (f->state != F_OPEN && f->state != F_CLOSED)
        return -1;
    size_t reached;
    int dfd;
    if (walk(t, f->root, f->rel, dir_len(f->rel), 0, &dfd, &reached, NULL) || dfd < 0 ||
        reached != dir_len(f->rel))
        return -1;
    return openat(dfd, f->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

// ---- commit and undo --------------------------------------------------------------------

static int same_content(int dfd, const char *a, const char *b)
{
    int fa = openat(dfd, a, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int fb = openat(dfd, b, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sa, sb;
    int same = fa >= 0 && fb >= 0 && fstat(fa, &sa) == 0 && fstat(fb, &sb) == 0 &&
               S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode) && sa.st_size == sb.st_size;
    enum { BLK = 1 << 16 };
    char *ba = same ? malloc(BLK) : NULL, *bb = same ? malloc(BLK) : NULL;
    if (!ba || !bb)
        same = 0;
    off_t off = 0;
    while (same) {
        ssize_t ka = pread(fa, ba, BLK, off), kb = pread(fb, bb, BLK, off);
        if (ka < 0 || ka != kb || memcmp(ba, bb, (size_t)ka) != 0)
            same = 0;
        if (ka <= 0)
            break;
        off += ka;
    }
    free(ba);
    free(bb);
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    return same;
}

static void undo(jldepot_txn_t *t)
{
    for (size_t i = t->nf; i-- > 0;) {
        tfile_t *f = &t->f[i];
        if (f->state == F_OPEN) {
            close(f->fd);
            f->fd = -1;
            f->state = F_CLOSED;
        }
        if (f->state != F_CLOSED && f->state != F_COMMITTED)
            continue;
        size_t dl = dir_len(f->rel), reached;
        int dfd;
        if (walk(t, f->root, f->rel, dl, 0, &dfd, &reached, NULL) == JL_DEPOT_E_OK && dfd >= 0 &&
            reached == dl)
            unlinkat(dfd, f->state == F_COMMITTED ? base_of(f->rel) : f->tmp, 0);
        f->state = F_GONE;
    }
    for (size_t i = t->made.n; i-- > 0;) {
        tdir_t *d = &t->made.v[i];
        if (d->root == (size_t)-1) {
            if (t->lockfd < 0)
                rmdir(d->rel);
            continue;
        }
        size_t dl = dir_len(d->rel), reached;
        int dfd;
        if (walk(t, d->root, d->rel, dl, 0, &dfd, &reached, NULL) == JL_DEPOT_E_OK && dfd >= 0 &&
            reached == dl)
            unlinkat(dfd, base_of(d->rel), AT_REMOVEDIR);
    }
    cache_drop(t);
}

static int tdir_cmp(const void *a, const void *b)
{
    const tdir_t *x = a, *y = b;
    if (x->root != y->root)
        return x->root < y->root ? -1 : 1;
    return strcmp(x->rel, y->rel);
}

// fsync each directory that got a new name, once, a batch at a time
static int sync_dirs(jldepot_txn_t *t, dirs_t *d, char **where)
{
    if (d->n)
        qsort(d->v, d->n, sizeof(tdir_t), tdir_cmp);
    int *fds = malloc(t->maxbatch * sizeof(int));
    if (!fds)
        return JL_DEPOT_E_NOMEM;
    size_t nf = 0;
    int err = JL_DEPOT_E_OK;
    for (size_t i = 0; i <= d->n && !err; i++) {
        if (i < d->n) {
            tdir_t *x = &d->v[i];
            if (i > 0 && !tdir_cmp(x, &d->v[i - 1]))
                continue;
            int fd;
            if (x->root == (size_t)-1)
                fd = open(x->rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            else {
                size_t n = strlen(x->rel), reached;
                int dfd;
                err = walk(t, x->root, x->rel, n, 0, &dfd, &reached, where);
                if (!err && (dfd < 0 || reached != n))
                    err = JL_DEPOT_E_IO;
                fd = err ? -1 : fcntl(dfd, F_DUPFD_CLOEXEC, 0);
            }
            if (fd < 0) {
                if (!err)
                    err = jl_depot_errno_code(errno);
                break;
            }
            fds[nf++] = fd;
        }
        if (nf == t->maxbatch || (i == d->n && nf)) {
            int e = jldepot_sync_many(fds, nf, 0);
            for (size_t k = 0; k < nf; k++)
                close(fds[k]);
            nf = 0;
            if (e) {
                err = jl_depot_errno_code(e);
                tdir_t *x = &d->v[i < d->n ? i : d->n - 1];
                set_where(where, x->root == (size_t)-1
                                     ? strdup(x->rel)
                                     : where_of(t, x->root, x->rel, strlen(x->rel)));
            }
        }
    }
    for (size_t k = 0; k < nf; k++)
        close(fds[k]);
    free(fds);
    return err;
}

int jldepot_txn_commit(jldepot_txn_t *t, const size_t *order, size_t n, unsigned char *kept,
                       char **where)
{
    int err = jldepot_txn_flush(t, where);
    dirs_t touched = {0};
    for (size_t k = 0; k < n && !err; k++) {
        tfile_t *f = &t->f[order[k]];
        if (f->state != F_CLOSED) {
            err = JL_DEPOT_E_INVALID_ARGUMENT;
            break;
        }
        size_t dl = dir_len(f->rel), reached;
        int dfd;
        err = walk(t, f->root, f->rel, dl, 0, &dfd, &reached, where);
        if (!err && (dfd < 0 || reached != dl))
            err = JL_DEPOT_E_NOT_FOUND;
        if (err) {
            set_where(where, where_of(t, f->root, f->rel, strlen(f->rel)));
            break;
        }
        const char *base = base_of(f->rel);
        int rc = renameat2(dfd, f->tmp, dfd, base, RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            // no RENAME_NOREPLACE here (NFS, ...): link, which never replaces
            rc = linkat(dfd, f->tmp, dfd, base, 0);
            if (rc == 0)
                unlinkat(dfd, f->tmp, 0);
        }
        if (rc != 0 && errno == EEXIST) { // appeared since the check
            if (same_content(dfd, f->tmp, base)) {
                unlinkat(dfd, f->tmp, 0);
                f->state = F_KEPT;
                if (kept)
                    kept[k] = 1;
                continue;
            }
            err = JL_DEPOT_E_BUNDLE_CONFLICT;
            set_where(where, where_of(t, f->root, f->rel, strlen(f->rel)));
            break;
        }
        if (rc != 0) {
            err = jl_depot_errno_code(errno);
            set_where(where, where_of(t, f->root, f->rel, strlen(f->rel)));
            break;
        }
        f->state = F_COMMITTED;
        err = dirs_add(&touched, f->root, f->rel, dl);
    }
    // durable: every directory with a new name (the parents of those made too)
    for (size_t i = 0; i < t->made.n && !err; i++) {
        tdir_t *d = &t->made.v[i];
        if (d->root == (size_t)-1) {
            const char *sl = strrchr(d->rel, '/');
            if (sl && sl != d->rel)
                err = dirs_add(&touched, (size_t)-1, d->rel, (size_t)(sl - d->rel));
        }
        else if (dir_len(d->rel) > 0)
            err = dirs_add(&touched, d->root, d->rel, dir_len(d->rel));
        else { // made right below the root: the root itself
            err = dirs_add(&touched, (size_t)-1, t->roots[d->root], strlen(t->roots[d->root]));
        }
    }
    if (!err)
        err = sync_dirs(t, &touched, where);
    dirs_free(&touched);
    if (err) {
        undo(t);
        return err;
    }
    t->committed = 1;
    return JL_DEPOT_E_OK;
}

void jldepot_txn_date_dirs(jldepot_txn_t *t, time_t when)
{
    struct timespec ts[2] = {{when, 0}, {when, 0}};
    for (size_t i = 0; i < t->made.n; i++) {
        tdir_t *d = &t->made.v[i];
        if (d->root == (size_t)-1) {
            utimensat(AT_FDCWD, d->rel, ts, 0);
            continue;
        }
        size_t dl = dir_len(d->rel), reached;
        int dfd;
        if (walk(t, d->root, d->rel, dl, 0, &dfd, &reached, NULL) == JL_DEPOT_E_OK && dfd >= 0 &&
            reached == dl)
            utimensat(dfd, base_of(d->rel), ts, AT_SYMLINK_NOFOLLOW);
    }
}

void jldepot_txn_free(jldepot_txn_t *t)
{
    if (!t)
        return;
    if (!t->committed)
        undo(t);
    cache_drop(t);
    if (t->lockfd >= 0) {
        // removed while still held: a writer waiting on it finds the name
        // gone and makes a new one (jldepot_txn_lock)
        if (t->lock_created && t->rootfd[0] >= 0)
            unlinkat(t->rootfd[0], JLDEPOT_TXN_LOCK, 0);
        close(t->lockfd);
        t->lockfd = -1;
        // a root made for the lock alone goes too
        if (!t->committed)
            for (size_t i = t->made.n; i-- > 0;)
                if (t->made.v[i].root == (size_t)-1)
                    rmdir(t->made.v[i].rel);
    }
    for (size_t i = 0; i < t->nf; i++) {
        if (t->f[i].fd >= 0)
            close(t->f[i].fd);
        free(t->f[i].rel);
        free(t->f[i].tmp);
    }
    free(t->f);
    for (size_t i = 0; i < t->nroots; i++) {
        if (t->rootfd[i] >= 0)
            close(t->rootfd[i]);
        free(t->roots[i]);
    }
    free(t->roots);
    free(t->rootfd);
    dirs_free(&t->made);
    free(t);
}

// ---- many syncs at once -----------------------------------------------------------------

// The block layer merges the cache flushes of concurrent syncs, so N files
// cost a few device flushes instead of N one after the other.
typedef struct {
    const int *fds;
    size_t n, next;
    int datasync, err;
    pthread_mutex_t mu;
} syncjob_t;

static void *sync_worker(void *arg)
{
    syncjob_t *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        size_t i = j->next++;
        int stop = i >= j->n || j->err;
        pthread_mutex_unlock(&j->mu);
        if (stop)
            return NULL;
        if ((j->datasync ? fdatasync(j->fds[i]) : fsync(j->fds[i])) != 0) {
            pthread_mutex_lock(&j->mu);
            if (!j->err)
                j->err = errno ? errno : EIO;
            pthread_mutex_unlock(&j->mu);
        }
    }
}

int jldepot_sync_many(const int *fds, size_t n, int datasync)
{
    syncjob_t j = {fds, n, 0, datasync, 0, PTHREAD_MUTEX_INITIALIZER};
    enum { MAXT = 32 };
    pthread_t th[MAXT];
    size_t nt = n < MAXT ? n : MAXT, started = 0;
    if (nt > 1)
        for (; started < nt - 1; started++)
            if (pthread_create(&th[started], NULL, sync_worker, &j) != 0)
                break;
    sync_worker(&j);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&j.mu);
    return j.err;
}
