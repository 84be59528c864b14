// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_treehash.c: the git tree hash of a package directory
  (jldepot_treehash.h), with OpenSSL's SHA-1.  Files are read with openat()
  below a directory descriptor and never through a symbolic link.
*/

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "jldepot_errors.h"
#include "jldepot_treehash.h"

#define MAX_DEPTH 256

typedef struct {
    char *name;
    int isdir;
    char mode[8];
    unsigned char sha[20];
} entry_t;

// git orders a tree's entries by name, a directory's name as if it ended in '/'.
static int entry_cmp(const void *a, const void *b)
{
    const entry_t *x = (const entry_t *)a, *y = (const entry_t *)b;
    const unsigned char *p = (const unsigned char *)x->name, *q = (const unsigned char *)y->name;
    while (*p && *p == *q) {
        p++;
        q++;
    }
    int c1 = *p ? *p : (x->isdir ? '/' : 0);
    int c2 = *q ? *q : (y->isdir ? '/' : 0);
    return c1 - c2;
}

// SHA-1 of "<kind> <len>\0" followed by the content, fed by `feed`.
typedef int (*feed_fn)(EVP_MD_CTX *, void *);

static int object_hash(const char *kind, unsigned long long len, feed_fn feed, void *arg,
                       unsigned char sha[20])
{
    char head[64];
    int hl = snprintf(head, sizeof(head), "%s %llu", kind, len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int err = JL_DEPOT_E_NOMEM;
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
        EVP_DigestUpdate(ctx, head, (size_t)hl + 1) == 1) {
        err = feed(ctx, arg);
        if (!err && (EVP_DigestFinal_ex(ctx, sha, &n) != 1 || n != 20))
            err = JL_DEPOT_E_IO;
    }
    EVP_MD_CTX_free(ctx);
    return err;
}

typedef struct {
    int fd;
    unsigned long long size;
} file_arg_t;

static int feed_file(EVP_MD_CTX *ctx, void *arg)
{
    file_arg_t *f = (file_arg_t *)arg;
    char buf[65536];
    unsigned long long left = f->size;
    while (left > 0) {
        ssize_t k = read(f->fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return JL_DEPOT_E_IO; // shorter than fstat said: changed while read
        EVP_DigestUpdate(ctx, buf, (size_t)k);
        left -= (unsigned long long)k;
    }
    return JL_DEPOT_E_OK;
}

typedef struct {
    const char *p;
    size_t n;
} mem_arg_t;

static int feed_mem(EVP_MD_CTX *ctx, void *arg)
{
    mem_arg_t *m = (mem_arg_t *)arg;
    return EVP_DigestUpdate(ctx, m->p, m->n) == 1 ? JL_DEPOT_E_OK : JL_DEPOT_E_IO;
}

static int add_entry(entry_t **v, size_t *n, size_t *cap, const char *name, int isdir,
                     const char *mode, const unsigned char sha[20])
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        entry_t *nv = (entry_t *)realloc(*v, nc * sizeof(entry_t));
        if (!nv)
            return JL_DEPOT_E_NOMEM;
        *v = nv;
        *cap = nc;
    }
    entry_t *e = &(*v)[*n];
    if ((e->name = strdup(name)) == NULL)
        return JL_DEPOT_E_NOMEM;
    e->isdir = isdir;
    strcpy(e->mode, mode);
    memcpy(e->sha, sha, 20);
    (*n)++;
    return JL_DEPOT_E_OK;
}

// The tree hash of the directory open at `dfd` (consumed).  *empty is set
// when it holds no file at any depth.
static int tree_of(int dfd, int depth, unsigned char sha[20], int *empty)
{
    *empty = 1;
    if (depth > MAX_DEPTH) {
        close(dfd);
        return JL_DEPOT_E_INVALID_ARGUMENT;
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return JL_DEPOT_E_IO;
    }
    entry_t *v = NULL;
    size_t n = 0, cap = 0;
    int err = JL_DEPOT_E_OK;
    struct dirent *de;
    while (!err && (errno = 0, de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, ".git"))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            err = JL_DEPOT_E_IO;
            break;
        }
        unsigned char h[20];
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                err = JL_DEPOT_E_IO;
                break;
            }
            int sub_empty;
            err = tree_of(sub, depth + 1, h, &sub_empty);
            if (!err && !sub_empty)
                err = add_entry(&v, &n, &cap, nm, 1, "40000", h);
        }
        else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t k = readlinkat(dirfd(d), nm, target, sizeof(target));
            if (k < 0 || (size_t)k >= sizeof(target)) {
                err = JL_DEPOT_E_IO;
                break;
            }
            mem_arg_t m = {target, (size_t)k};
            err = object_hash("blob", (unsigned long long)k, feed_mem, &m, h);
            if (!err)
                err = add_entry(&v, &n, &cap, nm, 0, "120000", h);
        }
        else if (S_ISREG(st.st_mode)) {
            int fd = openat(dirfd(d), nm, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
            struct stat fst;
            if (fd < 0 || fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
                if (fd >= 0)
                    close(fd);
                err = JL_DEPOT_E_IO;
                break;
            }
            file_arg_t f = {fd, (unsigned long long)fst.st_size};
            err = object_hash("blob", f.size, feed_file, &f, h);
            close(fd);
            if (!err)
                err = add_entry(&v, &n, &cap, nm, 0, (fst.st_mode & S_IXUSR) ? "100755" : "100644",
                                h);
        }
        else {
            err = JL_DEPOT_E_IO; // a device, FIFO or socket has no place in a package
        }
    }
    if (!err && errno != 0)
        err = JL_DEPOT_E_IO;
    closedir(d);
    if (!err && n > 0) {
        qsort(v, n, sizeof(entry_t), entry_cmp);
        size_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += strlen(v[i].mode) + 1 + strlen(v[i].name) + 1 + 20;
        char *buf = (char *)malloc(total ? total : 1);
        if (!buf) {
            err = JL_DEPOT_E_NOMEM;
        }
        else {
            size_t off = 0;
            for (size_t i = 0; i < n; i++) {
                off += (size_t)sprintf(buf + off, "%s %s", v[i].mode, v[i].name) + 1;
                memcpy(buf + off, v[i].sha, 20);
                off += 20;
            }
            mem_arg_t m = {buf, total};
            err = object_hash("tree", total, feed_mem, &m, sha);
            free(buf);
            *empty = 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return err;
}

int jldepot_tree_hash(const char *dir, char out[41])
{
    out[0] = '\0';
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return errno == ENOENT ? JL_DEPOT_E_NOT_FOUND : JL_DEPOT_E_IO;
    unsigned char sha[20];
    int empty;
    int err = tree_of(dfd, 0, sha, &empty);
    if (err)
        return err;
    if (empty)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    for (int i = 0; i < 20; i++)
        sprintf(out + 2 * i, "%02x", sha[i]);
    return JL_DEPOT_E_OK;
}
