// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacheverify_deps.c: the dependency checks of the loader (cacheverify.h,
  step 6) and the relocatable verdict.  Owns: resolving each stored name
  (containing depot first, then DEPOT_PATH order; every include() source
  into one depot; each include_dependency on its own), the content check
  (size, then CRC-32C of the file, or of a directory's sorted names), the
  mtime check with upstream's tolerances, and the reasons why a cache is not
  relocatable.
*/

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cacheverify_int.h"
#include "crc32c.h"

// ---- mtime ---------------------------------------------------------------------

JL_DLLEXPORT double jl_verify_stat_mtime(int64_t sec, long nsec)
{
    // Julia's jl_stat_mtime
    return (double)sec + (double)nsec * 1e-9;
}

JL_DLLEXPORT int jl_verify_mtime_matches(double stored, double current)
{
    // upstream's any_includes_stale: each tolerance names the issue it fixed
    if (current == stored)
        return 1;
    if (current == floor(stored)) // #13606: 1-second file systems
        return 1;
    if (current == ceil(stored)) // #47433: CircleCI rounds up
        return 1;
    if (current == trunc(stored * 1e6) / 1e6) // #20837: microsecond file systems
        return 1;
    if (current == 1.0) // #43090: Nix sets every mtime to 1
        return 1;
    double d = stored - current; // #45552: Windows tar, off by up to 1 us
    if (0 < d && d < 1e-6)
        return 1;
    return 0;
}

// ---- content ---------------------------------------------------------------------

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// crc32c of the sorted names of the directory open at `fd` (consumed).
static int dir_crc_fd(int fd, uint32_t *crc)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return JL_DEPOT_E_IO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int err = JL_DEPOT_E_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            char **nn = (char **)realloc(names, nc * sizeof(char *));
            if (!nn) {
                err = JL_DEPOT_E_NOMEM;
                break;
            }
            names = nn;
            cap = nc;
        }
        if ((names[n] = strdup(e->d_name)) == NULL) {
            err = JL_DEPOT_E_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (!err) {
        if (n > 1)
            qsort(names, n, sizeof(char *), cmp_names);
        uint32_t c = 0;
        for (size_t i = 0; i < n; i++)
            c = jl_crc32c(c, names[i], strlen(names[i]));
        *crc = c;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return err;
}

JL_DLLEXPORT int jl_verify_dir_crc(const char *path, uint32_t *crc)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? (int)JL_DEPOT_E_NOT_FOUND : JL_DEPOT_E_IO;
    return dir_crc_fd(fd, crc);
}

// crc32c of the file open at `fd`, read once in large blocks.
static int file_crc_fd(jl_cacheverify_t *v, int fd, uint64_t size, uint32_t *crc)
{
    if (!v->iobuf) {
        if ((v->iobuf = (char *)malloc(JL_VERIFY_IOBUF)) == NULL)
            return JL_DEPOT_E_NOMEM;
        v->iobuf_len = JL_VERIFY_IOBUF;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    uint32_t c = 0;
    // at most one byte more than its size: a file that grew while read hashes
    // differently, and one that never ends is not read forever
    uint64_t left = size + 1;
    while (left > 0) {
        size_t want = left < (uint64_t)v->iobuf_len ? (size_t)left : v->iobuf_len;
        ssize_t k = read(fd, v->iobuf, want);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return JL_DEPOT_E_IO;
        if (k == 0)
            break;
        c = jl_crc32c(c, v->iobuf, (size_t)k);
        left -= (uint64_t)k;
    }
    *crc = c;
    return JL_DEPOT_E_OK;
}

// ---- resolving -------------------------------------------------------------------

static int is_token(const jl_cache_str_t *p)
{
    jl_depot_role_t role;
    return p->len > 0 && p->ptr[0] == '@' &&
           jl_depot_token_role(p->ptr, p->len, &role) != JL_DEPOT_E_RELATIVE_PATH;
}

// Resolve a token form: containing depot first, then DEPOT_PATH order.
// Returns OK (resolved, *depot set) or UNRESOLVED_TOKEN (buf names the
// candidate in the first depot tried) or another error.
static int resolve_tok(jl_cacheverify_t *v, long first, const jl_cache_str_t *p, char *buf,
                       long *depot)
{
    size_t outlen;
    return jl_depot_resolve_buf(v->stack, first, 0, p->ptr, p->len, buf, JL_DEPOT_PATH_MAX + 1,
                                &outlen, depot);
}

// Where an absolute path lies: 1 inside a depot root, 0 outside every depot.
static int inside_depots(jl_cacheverify_t *v, const char *path, size_t len)
{
    char *tmp = (char *)malloc(JL_DEPOT_PATH_MAX + 1);
    if (!tmp)
        return 0;
    size_t outlen;
    long d;
    int err =
        jl_depot_tokenize_buf(v->stack, -1, path, len, tmp, JL_DEPOT_PATH_MAX + 1, &outlen, &d);
    free(tmp);
    return err == JL_DEPOT_E_OK;
}

// ---- one dependency ----------------------------------------------------------------

static void check_file(jl_cacheverify_t *v, jl_verify_dep_t *d)
{
    // O_NONBLOCK: a FIFO must not block the open; it is refused below
    int fd = open(d->resolved, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR) {
            d->verdict = JL_VERIFY_DEP_MISSING;
            return;
        }
        // not readable: an mtime check needs only stat
        if (d->mtime_tracked && stat(d->resolved, &st) == 0) {
            d->mtime_now = jl_verify_stat_mtime((int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
            d->verdict = jl_verify_mtime_matches(d->mtime, d->mtime_now)
                             ? JL_VERIFY_DEP_MTIME_OK
                             : JL_VERIFY_DEP_MTIME_CHANGED;
            return;
        }
        d->verdict = JL_VERIFY_DEP_UNREADABLE;
        return;
    }
    if (fstat(fd, &st) != 0) {
        close(fd);
        d->verdict = JL_VERIFY_DEP_UNREADABLE;
        return;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        // a FIFO, socket or device (say /dev/zero): never read, never vouched for
        close(fd);
        d->verdict = JL_VERIFY_DEP_SPECIAL;
        return;
    }
    // the stat a stamp records is the one taken before the bytes are read
    jl_verify_fstat_set_(&d->st, &st);
    d->have_st = 1;
    d->mtime_now = jl_verify_stat_mtime((int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    d->fsize_now = (uint64_t)st.st_size;
    if (d->mtime_tracked) {
        close(fd);
        d->verdict = jl_verify_mtime_matches(d->mtime, d->mtime_now) ? JL_VERIFY_DEP_MTIME_OK
                                                                     : JL_VERIFY_DEP_MTIME_CHANGED;
        return;
    }
    // content-tracked: size first (no byte read when it differs), then the CRC
    if (d->fsize_now != d->fsize) {
        close(fd);
        d->verdict = JL_VERIFY_DEP_SIZE_CHANGED;
        return;
    }
    int err;
    if (S_ISDIR(st.st_mode))
        err = dir_crc_fd(fd, &d->hash_now); // consumes fd
    else {
        err = file_crc_fd(v, fd, d->fsize_now, &d->hash_now);
        close(fd);
    }
    if (err)
        d->verdict = JL_VERIFY_DEP_UNREADABLE;
    else
        d->verdict = d->hash_now == d->hash ? JL_VERIFY_DEP_FRESH : JL_VERIFY_DEP_HASH_CHANGED;
}

// The rejection (code and text) a dependency verdict gives; OK when none.
static int dep_rejection(const jl_verify_dep_t *d, char **text)
{
    char a[32], b[32];
    *text = NULL;
    switch (d->verdict) {
    case JL_VERIFY_DEP_MISSING:
        *text = jl_verify_fmt_("file %s does not exist", d->resolved);
        return JL_DEPOT_E_FILE_MISSING;
    case JL_VERIFY_DEP_UNRESOLVED:
        *text = jl_verify_fmt_("its depot could not be resolved: %s is in no depot on DEPOT_PATH",
                               d->stored);
        return JL_DEPOT_E_DEPOT_UNRESOLVED;
    case JL_VERIFY_DEP_SIZE_CHANGED:
        *text =
            jl_verify_fmt_("file size of %s has changed (file size %llu, before %llu)", d->resolved,
                           (unsigned long long)d->fsize_now, (unsigned long long)d->fsize);
        return JL_DEPOT_E_FILE_SIZE_CHANGED;
    case JL_VERIFY_DEP_HASH_CHANGED:
        *text = jl_verify_fmt_("hash of %s has changed (hash 0x%08x, before 0x%08x)", d->resolved,
                               (unsigned)d->hash_now, (unsigned)d->hash);
        return JL_DEPOT_E_FILE_HASH_CHANGED;
    case JL_VERIFY_DEP_MTIME_CHANGED:
        jl_verify_float_repr(d->mtime_now, a);
        jl_verify_float_repr(d->mtime, b);
        *text = jl_verify_fmt_("mtime of include_dependency %s has changed (mtime %s, before %s)",
                               d->resolved, a, b);
        return JL_DEPOT_E_MTIME_CHANGED;
    case JL_VERIFY_DEP_UNREADABLE:
        *text = jl_verify_fmt_("file %s could not be read", d->resolved);
        return JL_DEPOT_E_IO;
    case JL_VERIFY_DEP_SPECIAL:
        *text =
            jl_verify_fmt_("file %s is a FIFO, socket or device, not a regular file", d->resolved);
        return JL_DEPOT_E_FILE_NOT_REGULAR;
    default:
        return JL_DEPOT_E_OK;
    }
}

// ---- the whole list -------------------------------------------------------------------

// Judge a dependency from a matching stamp or seal record: no byte read.
static void judge_by_stamp(jl_verify_dep_t *d)
{
    d->by_stamp = 1;
    d->fsize_now = d->st.size;
    d->mtime_now = jl_verify_stat_mtime(d->st.mtime_sec, (long)d->st.mtime_nsec);
    if (d->mtime_tracked) {
        d->verdict = jl_verify_mtime_matches(d->mtime, d->mtime_now) ? JL_VERIFY_DEP_MTIME_OK
                                                                     : JL_VERIFY_DEP_MTIME_CHANGED;
        return;
    }
    d->hash_now = d->hash;
    d->verdict = d->fsize_now == d->fsize ? JL_VERIFY_DEP_FRESH : JL_VERIFY_DEP_SIZE_CHANGED;
}

JL_DLLEXPORT int jl_cacheverify_deps(jl_cacheverify_t *v, const jl_cachefile_t *cf, long containing,
                                     jl_verify_result_t *r)
{
    return jl_cacheverify_deps_(v, cf, containing, r, NULL);
}

int jl_cacheverify_deps_(jl_cacheverify_t *v, const jl_cachefile_t *cf, long containing,
                         jl_verify_result_t *r, const jl_verify_stamp_t *stamp)
{
    if (!v || !cf || !r)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    size_t n = cf->ndeps;
    r->deps = (jl_verify_dep_t *)calloc(n ? n : 1, sizeof(jl_verify_dep_t));
    char *buf = (char *)malloc(JL_DEPOT_PATH_MAX + 1);
    if (!r->deps || !buf) {
        free(buf);
        return JL_DEPOT_E_NOMEM;
    }
    r->ndeps = n;
    int l10 = cf->layout == JL_CACHE_LAYOUT_L10;
    int nodeps = (v->target.options & JL_VERIFY_NO_DEPS) != 0;

    // pass 1: resolve.  include() sources first decide their one depot.
    long inc_depot = -1;          // the depot of the first resolved include() source
    const char *inc_first = NULL; // its resolved path, for the message
    int conflict = 0;
    const char *conflict_path = NULL;
    for (size_t i = 0; i < n; i++) {
        const jl_cache_dep_t *c = &cf->deps[i];
        jl_verify_dep_t *d = &r->deps[i];
        d->kind = c->kind;
        d->depot = -1;
        d->fsize = c->fsize;
        d->hash = c->hash;
        d->mtime = c->mtime;
        d->verdict = JL_VERIFY_DEP_NOT_CHECKED;
        if (c->kind == JL_CACHE_DEP_REQUIRE) {
            char u[37];
            jl_cache_uuid_format(c->req_uuid, u);
            d->req_uuid = c->req_uuid;
            d->verdict = JL_VERIFY_DEP_REQUIRE;
            d->stored = jl_verify_fmt_("%.*s [%s]", (int)c->req_name.len, c->req_name.ptr, u);
            if (!d->stored)
                goto nomem;
            continue;
        }
        if ((d->stored = jl_verify_strndup_(c->path.ptr, c->path.len)) == NULL)
            goto nomem;
        d->mtime_tracked = l10 || c->mtime >= 0;
        d->tokenized = !l10 && is_token(&c->path);
        if (!d->tokenized) {
            // an absolute path (or, in a damaged file, anything else): used verbatim
            if ((d->resolved = jl_verify_strndup_(c->path.ptr, c->path.len)) == NULL)
                goto nomem;
            d->outside = c->path.len > 0 && c->path.ptr[0] == '/' &&
                         !inside_depots(v, c->path.ptr, c->path.len);
            if (c->path.len == 0 || c->path.ptr[0] != '/' || memchr(c->path.ptr, 0, c->path.len))
                d->verdict = JL_VERIFY_DEP_MISSING;
            continue;
        }
        long dep = -1;
        int err = JL_DEPOT_E_UNRESOLVED_TOKEN;
        if (containing >= 0) {
            // the containing depot first, then DEPOT_PATH order, each probe
            // being the one stat the check needs anyway
            size_t nd = jl_depot_stack_size(v->stack);
            for (size_t k = 0; k <= nd && err != JL_DEPOT_E_OK; k++) {
                long at = k == 0 ? containing : (long)(k - 1);
                if (k > 0 && at == containing)
                    continue;
                size_t outlen;
                struct stat st;
                int e =
                    jl_depot_resolve_buf(v->stack, at, JL_DEPOT_RESOLVE_NOSTAT, c->path.ptr,
                                         c->path.len, buf, JL_DEPOT_PATH_MAX + 1, &outlen, &dep);
                if (e != JL_DEPOT_E_OK)
                    break; // a malformed token: the full resolve names the error
                if (stat(buf, &st) == 0) {
                    jl_verify_fstat_set_(&d->st, &st);
                    d->have_st = 1;
                    err = JL_DEPOT_E_OK;
                }
            }
        }
        if (err != JL_DEPOT_E_OK)
            err = resolve_tok(v, containing, &c->path, buf, &dep);
        if (err == JL_DEPOT_E_OK) {
            d->depot = dep;
            if ((d->resolved = strdup(buf)) == NULL)
                goto nomem;
            if (c->kind == JL_CACHE_DEP_INCLUDE) {
                if (inc_depot < 0) {
                    inc_depot = dep;
                    inc_first = d->resolved;
                }
                else if (dep != inc_depot && !conflict) {
                    conflict = 1;
                    conflict_path = d->resolved;
                }
                if (dep != inc_depot)
                    d->verdict = JL_VERIFY_DEP_DEPOT_CONFLICT;
            }
        }
        else {
            d->verdict = JL_VERIFY_DEP_UNRESOLVED;
        }
    }
    // include() sources that resolve nowhere are looked for in the one depot
    // of the others (upstream restores them there, then finds them missing)
    if (inc_depot >= 0) {
        for (size_t i = 0; i < n; i++) {
            jl_verify_dep_t *d = &r->deps[i];
            const jl_cache_dep_t *c = &cf->deps[i];
            if (d->kind != JL_CACHE_DEP_INCLUDE || d->verdict != JL_VERIFY_DEP_UNRESOLVED)
                continue;
            size_t outlen;
            long dep;
            if (jl_depot_resolve_buf(v->stack, inc_depot, JL_DEPOT_RESOLVE_NOSTAT, c->path.ptr,
                                     c->path.len, buf, JL_DEPOT_PATH_MAX + 1, &outlen,
                                     &dep) == JL_DEPOT_E_OK) {
                if ((d->resolved = strdup(buf)) == NULL)
                    goto nomem;
                d->depot = dep;
                d->verdict = JL_VERIFY_DEP_MISSING;
            }
        }
    }

    // pass 2: check each file, in the dependency list's order
    int status = JL_DEPOT_E_OK;
    if (conflict) {
        status = JL_DEPOT_E_INCLUDE_DEPOTS_DIFFER;
        r->reason = jl_verify_fmt_("include() sources resolve to different depots (%s and %s)",
                                   inc_first, conflict_path);
    }
    for (size_t i = 0; i < n; i++) {
        jl_verify_dep_t *d = &r->deps[i];
        if (d->verdict == JL_VERIFY_DEP_NOT_CHECKED && d->resolved && !nodeps) {
            if (stamp && !d->have_st) {
                struct stat st;
                if (stat(d->resolved, &st) == 0) {
                    jl_verify_fstat_set_(&d->st, &st);
                    d->have_st = 1;
                }
            }
            if (stamp && jl_verify_stamp_dep_(stamp, i, d))
                judge_by_stamp(d);
            else
                check_file(v, d);
        }
        if (status == JL_DEPOT_E_OK) {
            char *text;
            int rej = dep_rejection(d, &text);
            if (rej != JL_DEPOT_E_OK) {
                if (!text)
                    goto nomem;
                status = rej;
                r->reason = text;
            }
        }
    }

    // the relocatable verdict
    if (conflict && jl_verify_add_reloc_(r, JL_DEPOT_E_INCLUDE_DEPOTS_DIFFER, conflict_path))
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        jl_verify_dep_t *d = &r->deps[i];
        if (d->kind == JL_CACHE_DEP_REQUIRE)
            continue;
        int e = 0;
        if (!d->tokenized)
            e = jl_verify_add_reloc_(
                r, d->outside ? (int)JL_DEPOT_E_NOT_RELOCATABLE : JL_DEPOT_E_ABSOLUTE_PATH,
                d->stored);
        else if (d->verdict == JL_VERIFY_DEP_UNRESOLVED)
            e = jl_verify_add_reloc_(r, JL_DEPOT_E_UNRESOLVED_TOKEN, d->stored);
        if (!e && d->mtime_tracked && d->kind != JL_CACHE_DEP_INCLUDE)
            e = jl_verify_add_reloc_(r, JL_DEPOT_E_MTIME_TRACKED, d->stored);
        if (!e && d->mtime_tracked && d->kind == JL_CACHE_DEP_INCLUDE && d->tokenized)
            e = jl_verify_add_reloc_(r, JL_DEPOT_E_MTIME_TRACKED, d->stored);
        if (e)
            goto nomem;
    }
    r->relocatable = r->nreloc == 0;
    free(buf);
    return status;
nomem:
    free(buf);
    return JL_DEPOT_E_NOMEM;
}
