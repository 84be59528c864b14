// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_unpack.c: `jldepot unpack BUNDLE [DEPOT]`, and the unpack that
  `fetch` shares.  The work runs in a child process of its own session (the
  worker); the command's process only waits for it and passes a stop on.
  The worker:
    1. reads each bundle once without writing anything: every entry's name,
       type and declared size against the limits (the whole bundle's, and
       its expansion over the bundle's own size) before its data is read,
       the data hashed (SHA-256, CRC-32C) and the caches' .ji kept; then the
       manifest, every SHA-256, the key of every cache recomputed from the
       manifest and again from the .ji, each .ji's own checksum and its tie
       to its .so (crc_so), the closure, and the rule of what a bundle may
       write: the .ji and .so of its caches and the files of the package
       trees they record as their sources, after role aliases are resolved;
    2. checks the depot: no symbolic link below its role directories, no
       read-only directory to write, no file that differs, no file added to
       a package tree already there, the space the files need;
    3. takes the depot lock (jldepot_txn.h), checks the depot again, reads
       each bundle a second time and stages every new file as a temporary
       sibling in its final directory (synced, then closed), checks each
       staged pkgimage against its .ji, and commits: renames in a fixed
       order (sources, then per cache its .so and its .ji, dependencies
       first) that never replace a file, then the directories are synced.
       Any failure undoes everything; a stop asked for before the commit
       (a signal to the command, or its death) undoes everything too;
    4. seals each cache so its first check is stat-only.
*/

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "atomicfile.h"
#include "crc32c.h"
#include "jldepot.h"
#include "jldepot_bundle.h"
#include "jldepot_sigfile.h"
#include "jldepot_sign.h"
#include "jldepot_trust.h"
#include "jldepot_txn.h"
#include "jldepot_model.h"

static const char unpack_help[] =
    "usage: jldepot unpack [--max-entry BYTES] [--max-total BYTES] [--max-ratio N]\n"
    "                      [--no-seal] [-q] [OPTIONS] BUNDLE [DEPOT]\n"
    "       jldepot unpack [OPTIONS] BUNDLE... DEPOT\n"
    "       jldepot unpack [OPTIONS] --depot DEPOT BUNDLE...\n"
    "\n"
    "Unpack a bundle written by 'jldepot pack' into DEPOT (default: the first depot on\n"
    "DEPOT_PATH).  Every SHA-256, the key, each cache's checksum and its pkgimage are\n"
    "verified before anything is written; a bundle may write only the caches of its\n"
    "closure and the package trees they record as sources.  Entries that escape the\n"
    "depot, links, device files, FIFOs, duplicates and oversize entries are refused,\n"
    "and so is a depot with a symbolic link below its role directories.  New files\n"
    "are staged beside their final names, then renamed into place (an existing\n"
    "identical file is kept, a different one is an error) under the depot lock; each\n"
    "cache is then sealed so its first check reads no source.  On any error, or when\n"
    "stopped before the commit, the depot is left as it was.  Several bundles (the\n"
    "last of several operands is DEPOT when it is a directory) are all checked before\n"
    "any is written: one refused leaves the depot as it was.  See doc/serving.md.\n"
    "\n"
    "options:\n"
    "  --max-entry BYTES    the largest entry accepted (default 4 GiB)\n"
    "  --max-total BYTES    the largest total accepted (default 32 GiB)\n"
    "  --max-ratio N        the total may not exceed N times the bundle's size plus\n"
    "                       64 MiB (default 128; 0: no such limit)\n"
    "  --depot DEPOT        the depot (every operand is then a bundle)\n"
    "  --no-seal            do not seal the unpacked caches\n"
    "  -q, --quiet          no summary line\n"
    "  --depot-path LIST    the depots after DEPOT (default JULIA_DEPOT_PATH)\n"
    "  --layout classic|xdg the depots' layout\n"
    "  --julia-home DIR     Julia's bindir, for the bundled depots\n"
    "exit status: 0 unpacked, 1 the bundle was refused, 2 usage or I/O error\n";

static void phase_time(const char *what);

void jldepot_unpack_opts_init(jldepot_unpack_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->max_entry = JLDEPOT_BUNDLE_MAX_ENTRY;
    o->max_total = JLDEPOT_BUNDLE_MAX_TOTAL;
    o->max_ratio = JLDEPOT_BUNDLE_MAX_RATIO;
}

// A stop was asked for (a signal passed on by the command, or its death);
// honoured until the commit begins.
static volatile sig_atomic_t unpack_stop;

// The write roots of the depot: the @compiled root (the lock is there) and
// the @depot root's packages/ (or their XDG counterparts).
enum { WR_COMPILED, WR_PACKAGES, WR_N };

// What the seal needs of a cache's header (kept from the check, so the
// commit does not read the header again).
typedef struct {
    char *v[5]; // julia_version, commit, branch, os, arch
    int flags, pointer_size, format_version;
} starget_t;

typedef struct {
    char *name;    // the entry's name in the bundle
    int role;      // its role, aliases resolved (jldepot_normalize_role)
    size_t root;   // WR_COMPILED or WR_PACKAGES
    char *rel;     // below that root
    char *final;   // absolute, for messages and the seal
    uint64_t size; // declared by its tar header (the manifest must agree)
    char sha[65];  // SHA-256 of the content
    uint32_t crc;  // CRC-32C of the content (a pkgimage's crc_so)
    mode_t mode;   // 0755 or 0644
    struct timespec mtime;
    uint8_t *data;  // a @compiled .ji: its bytes, for the checks
    int listed;     // in the manifest's files
    int skip;       // the same file is already in the depot
    int dup;        // ... or in a bundle before this one in the run
    int seen;       // read again by the second pass
    int order;      // commit order within its bundle
    int bidx;       // which bundle of the run
    size_t handle;  // its staged file (jldepot_txn), or (size_t)-1
    starget_t *tgt; // a cache's .ji: its target (from the check)
} sentry_t;

// One bundle of a run.
typedef struct {
    const char *path;
    int bidx, fd, err;
    uint64_t fsize; // the bundle's own size
    sentry_t *v;    // the entries, sorted by name after the first pass
    size_t n, cap;
    char *manifest;
    size_t manifest_len;
    int have_manifest;
    json_object *m;
    size_t ncaches;        // the manifest's caches, in its order:
    jl_cachefile_t **cfs;  //   parsed .ji (their bytes stay in the entry)
    sentry_t **cji, **cso; //   their .ji and .so entries (.so may be NULL)
    char **trees;          // package trees "NAME/SLUG" the caches record as sources
    size_t ntrees;
    char *detail; // what an error is about
    int64_t newest;
    char signed_key[65]; // the output key its signature vouches for, or ""
} bundle_t;

static void set_detail(bundle_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(bundle_t *b, const char *fmt, ...)
{
    if (b->detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&b->detail, fmt, ap) < 0)
        b->detail = NULL;
    va_end(ap);
}

static void bundle_free(bundle_t *b)
{
    for (size_t i = 0; i < b->ncaches; i++)
        if (b->cfs && b->cfs[i])
            jl_cachefile_free(b->cfs[i]);
    free(b->cfs);
    for (size_t i = 0; i < b->n; i++) {
        sentry_t *e = &b->v[i];
        free(e->name);
        free(e->rel);
        free(e->final);
        free(e->data);
        if (e->tgt) {
            for (int k = 0; k < 5; k++)
                free(e->tgt->v[k]);
            free(e->tgt);
        }
    }
    free(b->v);
    free(b->cji);
    free(b->cso);
    for (size_t i = 0; i < b->ntrees; i++)
        free(b->trees[i]);
    free(b->trees);
    free(b->manifest);
    if (b->m)
        json_object_put(b->m);
    free(b->detail);
    if (b->fd >= 0)
        close(b->fd);
}

static void hex32(const unsigned char *md, char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = '\0';
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a > b && !strcmp(s + a - b, suf);
}

// The most a bundle of `fsize` bytes may expand to; *why names the limit.
static uint64_t total_limit(const jldepot_unpack_opts_t *o, uint64_t fsize, const char **why)
{
    uint64_t lim = o->max_total;
    *why = "--max-total";
    if (o->max_ratio) {
        uint64_t r = fsize > (UINT64_MAX - JLDEPOT_BUNDLE_RATIO_FLOOR) / o->max_ratio
                         ? UINT64_MAX
                         : fsize * o->max_ratio + JLDEPOT_BUNDLE_RATIO_FLOOR;
        if (r < lim) {
            lim = r;
            *why = "--max-ratio";
        }
    }
    return lim;
}

// ---- pass 1: read and check, nothing written -----------------------------------------

// Read the bundle: each entry's name, type and declared size are checked
// before its data is read; the data is hashed, a @compiled .ji kept.
static int read_bundle(bundle_t *b, const jldepot_unpack_opts_t *o)
{
    if (lseek(b->fd, 0, SEEK_SET) != 0)
        return JL_DEPOT_E_IO;
    struct archive *a = archive_read_new();
    if (!a)
        return JL_DEPOT_E_NOMEM;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int err = JL_DEPOT_E_OK;
    uint64_t total = 0;
    const char *why;
    uint64_t limit = total_limit(o, b->fsize, &why);
    size_t bufsz = 1 << 20;
    char *buf = malloc(bufsz);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    if (!buf || !sha) {
        err = JL_DEPOT_E_NOMEM;
        goto out;
    }
    if (archive_read_open_fd(a, b->fd, 1 << 20) != ARCHIVE_OK) {
        err = JL_DEPOT_E_BUNDLE_CORRUPT;
        set_detail(b, "%s", archive_error_string(a) ? archive_error_string(a) : "");
        goto out;
    }
    struct archive_entry *ae;
    for (;;) {
        if (unpack_stop) {
            err = JL_DEPOT_E_UNPACK_INTERRUPTED;
            goto out;
        }
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            set_detail(b, "%s", archive_error_string(a) ? archive_error_string(a) : "");
            goto out;
        }
        const char *name = archive_entry_pathname(ae);
        if (!name) {
            err = JL_DEPOT_E_BUNDLE_ESCAPE;
            set_detail(b, "an entry without a name");
            goto out;
        }
        mode_t type = archive_entry_filetype(ae);
        char *nm = strdup(name);
        if (!nm) {
            err = JL_DEPOT_E_NOMEM;
            goto out;
        }
        size_t nl = strlen(nm);
        if (type == AE_IFDIR && nl > 1 && nm[nl - 1] == '/')
            nm[nl - 1] = '\0';
        if (type == AE_IFDIR && (!strcmp(nm, "@compiled") || !strcmp(nm, "@depot"))) {
            free(nm); // a role root itself
            continue;
        }
        int role;
        const char *rest;
        err = jldepot_bundle_entry_name(nm, &role, &rest);
        if (err) {
            set_detail(b, "entry '%s'", name);
            free(nm);
            goto out;
        }
        if (archive_entry_hardlink(ae) || type == AE_IFLNK) {
            err = JL_DEPOT_E_BUNDLE_LINK;
            set_detail(b, "entry '%s'", name);
            free(nm);
            goto out;
        }
        if (type == AE_IFDIR) { // directories are made as needed
            free(nm);
            continue;
        }
        if (type != AE_IFREG) {
            err = JL_DEPOT_E_BUNDLE_SPECIAL;
            set_detail(b, "entry '%s'", name);
            free(nm);
            goto out;
        }
        // the declared size, before a byte of the data is read
        int64_t sz = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
        if (sz < 0 || (uint64_t)sz > o->max_entry) {
            err = JL_DEPOT_E_BUNDLE_OVERSIZE;
            set_detail(b, "entry '%s' of %lld bytes (--max-entry %llu)", name, (long long)sz,
                       (unsigned long long)o->max_entry);
            free(nm);
            goto out;
        }
        if ((uint64_t)sz > limit - total) {
            err = JL_DEPOT_E_BUNDLE_OVERSIZE;
            set_detail(b, "more than %llu bytes in a bundle of %llu bytes (%s)",
                       (unsigned long long)limit, (unsigned long long)b->fsize, why);
            free(nm);
            goto out;
        }
        if (role < 0 && (uint64_t)sz > JLDEPOT_BUNDLE_MAX_MANIFEST) {
            err = JL_DEPOT_E_BUNDLE_OVERSIZE;
            set_detail(b, "entry '%s' of %lld bytes", name, (long long)sz);
            free(nm);
            goto out;
        }
        total += (uint64_t)sz;
        if (role < 0) { // the manifest, into memory
            if (b->have_manifest) {
                err = JL_DEPOT_E_BUNDLE_DUPLICATE;
                set_detail(b, "entry '%s'", name);
                free(nm);
                goto out;
            }
            free(nm);
            b->have_manifest = 1;
            b->manifest = malloc((size_t)sz + 1);
            if (!b->manifest) {
                err = JL_DEPOT_E_NOMEM;
                goto out;
            }
            la_ssize_t k, got = 0;
            while (got < sz &&
                   (k = archive_read_data(a, b->manifest + got, (size_t)sz - (size_t)got)) > 0)
                got += k;
            if (got != sz) {
                err = JL_DEPOT_E_BUNDLE_CORRUPT;
                set_detail(b, "%s", archive_error_string(a) ? archive_error_string(a) : "");
                goto out;
            }
            b->manifest[got] = '\0';
            b->manifest_len = (size_t)got;
            continue;
        }
        if (b->n == b->cap) {
            size_t nc = b->cap ? 2 * b->cap : 64;
            sentry_t *nv = realloc(b->v, nc * sizeof(sentry_t));
            if (!nv) {
                free(nm);
                err = JL_DEPOT_E_NOMEM;
                goto out;
            }
            b->v = nv;
            b->cap = nc;
        }
        sentry_t *e = &b->v[b->n++];
        memset(e, 0, sizeof(*e));
        e->handle = (size_t)-1;
        e->bidx = b->bidx;
        e->name = nm;
        e->role = role;
        e->size = (uint64_t)sz;
        e->mode = (archive_entry_perm(ae) & 0111) ? 0755 : 0644;
        e->mtime.tv_sec = archive_entry_mtime(ae);
        e->mtime.tv_nsec = archive_entry_mtime_nsec(ae);
        if ((int64_t)e->mtime.tv_sec > b->newest)
            b->newest = (int64_t)e->mtime.tv_sec;
        if (role == JL_DEPOT_ROLE_COMPILED && has_suffix(nm, ".ji")) {
            if (e->size > JL_CACHEFILE_MAX_SIZE) {
                err = JL_DEPOT_E_BUNDLE_CACHE;
                set_detail(b, "%s: %s", name, jldepot_strerror(JL_DEPOT_E_TOO_LARGE));
                goto out;
            }
            if (!(e->data = malloc(e->size ? e->size : 1))) {
                err = JL_DEPOT_E_NOMEM;
                goto out;
            }
        }
        EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
        uint32_t crc = 0;
        la_ssize_t k = 0;
        uint64_t got = 0;
        while (got < e->size && (k = archive_read_data(a, buf, bufsz)) > 0) {
            if ((uint64_t)k > e->size - got)
                break; // more than declared: stopped here
            EVP_DigestUpdate(sha, buf, (size_t)k);
            crc = jl_crc32c(crc, buf, (size_t)k);
            if (e->data)
                memcpy(e->data + got, buf, (size_t)k);
            got += (uint64_t)k;
        }
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdl;
        EVP_DigestFinal_ex(sha, md, &mdl);
        if (k < 0 || got != e->size) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            set_detail(b, "entry '%s': %s", name,
                       k < 0 && archive_error_string(a) ? archive_error_string(a)
                                                        : "size mismatch");
            goto out;
        }
        hex32(md, e->sha);
        e->crc = crc;
    }
out:
    EVP_MD_CTX_free(sha);
    free(buf);
    archive_read_free(a);
    return err;
}

static int se_cmp(const void *a, const void *b)
{
    return strcmp(((const sentry_t *)a)->name, ((const sentry_t *)b)->name);
}

static sentry_t *find_entry(bundle_t *b, const char *name)
{
    sentry_t key;
    key.name = (char *)name;
    return b->n ? bsearch(&key, b->v, b->n, sizeof(sentry_t), se_cmp) : NULL;
}

typedef struct {
    jl_cache_u128_t *ids;
    const char **keys;
    size_t n;
} idmap_t;

static const char *idmap_lookup(void *ctx, jl_cache_u128_t id)
{
    idmap_t *m = ctx;
    for (size_t i = 0; i < m->n; i++)
        if (m->ids[i].hi == id.hi && m->ids[i].lo == id.lo)
            return m->keys[i];
    return NULL;
}

static const char *jget_str(json_object *o, const char *k)
{
    json_object *x;
    if (!o || !json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_string))
        return NULL;
    return json_object_get_string(x);
}

// Keep what the seal needs of a cache's header (e->tgt).
static int set_target(sentry_t *e, const jl_cachefile_t *cf)
{
    jl_cache_str_t f[5] = {cf->julia_version, cf->git_commit, cf->git_branch, cf->build_os,
                           cf->build_arch};
    starget_t *t = calloc(1, sizeof(*t));
    if (!t)
        return JL_DEPOT_E_NOMEM;
    int err = JL_DEPOT_E_OK;
    for (int k = 0; k < 5; k++)
        if (!(t->v[k] = strndup(f[k].ptr ? f[k].ptr : "", f[k].len)))
            err = JL_DEPOT_E_NOMEM;
    if (err) {
        for (int k = 0; k < 5; k++)
            free(t->v[k]);
        free(t);
        return err;
    }
    t->flags = cf->flags;
    t->pointer_size = cf->pointer_size;
    t->format_version = cf->format_version;
    e->tgt = t;
    return JL_DEPOT_E_OK;
}

// A cache's .ji must be `@compiled/vX.Y/NAME/FILE.ji` or `@compiled/vX.Y/FILE.ji`
// (where Julia looks for caches), and its .so the same name with `.so`.
static int cache_name_ok(const char *ji)
{
    if (strncmp(ji, "@compiled/v", 11) != 0 || !has_suffix(ji, ".ji"))
        return 0;
    const char *p = ji + 11;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p++ != '.' || *p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p != '/')
        return 0;
    int slashes = 0;
    for (const char *q = p + 1; *q; q++)
        slashes += *q == '/';
    return slashes <= 1;
}

static int add_tree(bundle_t *b, const char *tree, size_t len)
{
    for (size_t i = 0; i < b->ntrees; i++)
        if (strlen(b->trees[i]) == len && !memcmp(b->trees[i], tree, len))
            return JL_DEPOT_E_OK;
    char **nv = realloc(b->trees, (b->ntrees + 1) * sizeof(char *));
    if (!nv)
        return JL_DEPOT_E_NOMEM;
    b->trees = nv;
    if (!(b->trees[b->ntrees] = strndup(tree, len)))
        return JL_DEPOT_E_NOMEM;
    b->ntrees++;
    return JL_DEPOT_E_OK;
}

static int check_bundle(bundle_t *b, const jldepot_unpack_opts_t *o)
{
    if (!b->have_manifest) {
        set_detail(b, "no %s in the bundle", JLDEPOT_BUNDLE_MANIFEST);
        return JL_DEPOT_E_BUNDLE_MANIFEST;
    }
    // strictly: one document, every field of its type (jldepot_parse.c)
    json_object *m = NULL, *files = NULL, *caches = NULL;
    char *why = NULL;
    int perr = jldepot_manifest_parse(b->manifest, b->manifest_len, &m, &why);
    if (perr) {
        set_detail(b, "%s: %s", JLDEPOT_BUNDLE_MANIFEST, why ? why : "");
        free(why);
        return perr;
    }
    json_object_object_get_ex(m, "files", &files);
    json_object_object_get_ex(m, "caches", &caches);
    b->m = m;
    // duplicates (and a file that is also a directory of another)
    if (b->n)
        qsort(b->v, b->n, sizeof(sentry_t), se_cmp);
    for (size_t i = 1; i < b->n; i++) {
        size_t a = strlen(b->v[i - 1].name);
        if (!strcmp(b->v[i - 1].name, b->v[i].name) ||
            (!strncmp(b->v[i - 1].name, b->v[i].name, a) && b->v[i].name[a] == '/')) {
            set_detail(b, "entry '%s'", b->v[i].name);
            return JL_DEPOT_E_BUNDLE_DUPLICATE;
        }
    }
    // every file listed, with its size and SHA-256; nothing else
    size_t nlisted = 0;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        json_object *f = json_object_array_get_idx(files, i);
        const char *name = jget_str(f, "name"), *sha = jget_str(f, "sha256");
        json_object *sz;
        if (!name || !sha || !json_object_object_get_ex(f, "size", &sz)) {
            set_detail(b, "files[%zu]", i);
            return JL_DEPOT_E_BUNDLE_MANIFEST;
        }
        sentry_t *e = find_entry(b, name);
        if (!e) {
            set_detail(b, "'%s' is missing", name);
            return JL_DEPOT_E_BUNDLE_UNLISTED;
        }
        if (e->listed) {
            set_detail(b, "'%s' listed twice", name);
            return JL_DEPOT_E_BUNDLE_DUPLICATE;
        }
        e->listed = 1;
        nlisted++;
        // a size that differs is named as such, with both sizes
        int ferr = jldepot_file_check(name, e->size, e->sha, json_object_get_uint64(sz), sha,
                                      "the manifest", &why);
        if (ferr) {
            set_detail(b, "%s", why ? why : name);
            free(why);
            return ferr;
        }
    }
    if (nlisted != b->n) {
        for (size_t i = 0; i < b->n; i++)
            if (!b->v[i].listed) {
                set_detail(b, "entry '%s' is not in the manifest", b->v[i].name);
                break;
            }
        return JL_DEPOT_E_BUNDLE_UNLISTED;
    }
    // the caches: keys from the manifest's key inputs and again from the
    // .ji headers; each .ji's own checksum; its tie to its .so
    size_t nc = json_object_array_length(caches);
    idmap_t map = {calloc(nc ? nc : 1, sizeof(jl_cache_u128_t)),
                   calloc(nc ? nc : 1, sizeof(char *)), 0};
    b->cfs = calloc(nc ? nc : 1, sizeof(*b->cfs));
    b->cji = calloc(nc ? nc : 1, sizeof(*b->cji));
    b->cso = calloc(nc ? nc : 1, sizeof(*b->cso));
    int err = JL_DEPOT_E_OK;
    size_t top = nc;
    const char *mkey = jget_str(m, "key");
    if (!map.ids || !map.keys || !b->cfs || !b->cji || !b->cso) {
        err = JL_DEPOT_E_NOMEM;
        goto done;
    }
    b->ncaches = nc;
    for (size_t i = 0; i < nc && !err; i++) {
        json_object *c = json_object_array_get_idx(caches, i), *in = NULL;
        const char *key = jget_str(c, "key"), *ji = jget_str(c, "ji"),
                   *pkg = jget_str(c, "package");
        if (!key || !ji || !pkg || !json_object_object_get_ex(c, "key_input", &in)) {
            set_detail(b, "caches[%zu]", i);
            err = JL_DEPOT_E_BUNDLE_MANIFEST;
            break;
        }
        char k[65];
        err = jldepot_key_compute(in, k);
        if (err) {
            set_detail(b, "caches[%zu].key_input", i);
            break;
        }
        if (strcmp(k, key) != 0) {
            set_detail(b, "%s: key %s, recomputed %s", pkg, key, k);
            err = JL_DEPOT_E_BUNDLE_KEY;
            break;
        }
        if (top == nc && !strcmp(key, mkey) && !strcmp(pkg, jget_str(m, "package")))
            top = i;
        sentry_t *e = find_entry(b, ji);
        if (!e || e->role != JL_DEPOT_ROLE_COMPILED) {
            set_detail(b, "'%s' is missing", ji);
            err = JL_DEPOT_E_BUNDLE_UNLISTED;
            break;
        }
        if (!cache_name_ok(ji)) {
            set_detail(b, "'%s' is not where Julia looks for a cache", ji);
            err = JL_DEPOT_E_BUNDLE_NOT_ALLOWED;
            break;
        }
        if (e->order) {
            set_detail(b, "'%s' is listed as a cache twice", ji);
            err = JL_DEPOT_E_BUNDLE_DUPLICATE;
            break;
        }
        b->cji[i] = e;
        e->order = 3 + 2 * (int)i + 1; // .ji after its .so
        const char *so = jget_str(c, "so");
        sentry_t *se = so ? find_entry(b, so) : NULL;
        if (so && !se) {
            set_detail(b, "'%s' is missing", so);
            err = JL_DEPOT_E_BUNDLE_UNLISTED;
            break;
        }
        if (se) {
            size_t l = strlen(ji);
            if (strlen(so) != l || strncmp(so, ji, l - 3) != 0 || strcmp(so + l - 3, ".so") != 0 ||
                se->order) {
                set_detail(b, "'%s' is not the pkgimage of '%s'", so, ji);
                err = JL_DEPOT_E_BUNDLE_PKGIMAGE;
                break;
            }
            se->order = 3 + 2 * (int)i;
            b->cso[i] = se;
        }
        err = jl_cachefile_parse(e->data, e->size, 0, &b->cfs[i]);
        if (err) {
            set_detail(b, "%s: %s", ji, jldepot_strerror(err));
            err = JL_DEPOT_E_BUNDLE_CACHE;
            break;
        }
        const jl_cachefile_t *cf = b->cfs[i];
        // the .ji's own checksum (and the data checksum of a non-split one)
        jl_cache_check_t res;
        int ce = jl_cachefile_check(cf, NULL, JL_CACHEFILE_CHECK_NO_SO, &res);
        if (ce) {
            set_detail(b, "%s: %s", ji, jldepot_strerror(ce));
            err = JL_DEPOT_E_BUNDLE_CACHE;
            break;
        }
        // the pkgimage: present exactly when the .ji expects one, and the
        // one it records (crc_so; the image itself is checked once staged)
        if (cf->clone_len > 0 && !se) {
            set_detail(b, "%s expects a pkgimage the bundle does not have", ji);
            err = JL_DEPOT_E_BUNDLE_PKGIMAGE;
            break;
        }
        if (cf->clone_len == 0 && se) {
            set_detail(b, "%s has no pkgimage, yet %s comes with it", ji, so);
            err = JL_DEPOT_E_BUNDLE_PKGIMAGE;
            break;
        }
        if (se && se->crc != cf->crc_so) {
            set_detail(b, "%s: %s (crc32c 0x%08x, the cache file records 0x%08x)", so,
                       jldepot_strerror(JL_DEPOT_E_CRC_SO), (unsigned)se->crc,
                       (unsigned)cf->crc_so);
            err = JL_DEPOT_E_BUNDLE_PKGIMAGE;
            break;
        }
        // what the seal needs, so it does not read the header again
        if ((err = set_target(e, cf)) != JL_DEPOT_E_OK)
            break;
        map.ids[i] = jl_cachefile_build_id(cf);
        map.keys[i] = key;
        map.n = i + 1;
        // the header itself must give the same key input
        json_object *hin = jldepot_key_input(cf, idmap_lookup, &map);
        char *c1 = NULL, *c2 = NULL;
        size_t l1 = 0, l2 = 0;
        int same = hin && !jldepot_key_canonical(hin, &c1, &l1) &&
                   !jldepot_key_canonical(in, &c2, &l2) && l1 == l2 && !memcmp(c1, c2, l1);
        free(c1);
        free(c2);
        if (hin)
            json_object_put(hin);
        if (!same) {
            set_detail(b, "%s: the cache header does not give the manifest's key input", ji);
            err = JL_DEPOT_E_BUNDLE_KEY;
            break;
        }
        // the package tree it records as its sources (none: no source of
        // it may come with the bundle)
        const char *tree;
        size_t tlen;
        if (jldepot_cache_tree(cf, &tree, &tlen) == JL_DEPOT_E_OK)
            err = add_tree(b, tree, tlen);
    }
    if (!err && top == nc) {
        set_detail(b, "no cache of %s has the bundle key %s", jget_str(m, "package"), mkey);
        err = JL_DEPOT_E_BUNDLE_KEY;
    }
    if (!err && o->expect_key && strcmp(o->expect_key, mkey) != 0) {
        set_detail(b, "key %s, expected %s", mkey, o->expect_key);
        err = JL_DEPOT_E_BUNDLE_KEY;
    }
    if (!err && b->signed_key[0] && strcmp(b->signed_key, mkey) != 0) {
        set_detail(b, "key %s, signed for %s", mkey, b->signed_key);
        err = JL_DEPOT_E_BUNDLE_KEY;
    }
    if (!err && b->path) { // NAME-KEY16.tar.*: the name's key must be the manifest's
        const char *bn = strrchr(b->path, '/');
        bn = bn ? bn + 1 : b->path;
        const char *dash = strrchr(bn, '-'), *dot = dash ? strchr(dash, '.') : NULL;
        if (dash && dot && dot - dash == 17 && !strncmp(dot, ".tar", 4)) {
            int hex = 1;
            for (const char *p = dash + 1; p < dot; p++)
                hex &= (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
            if (hex && strncmp(dash + 1, mkey, 16) != 0) {
                set_detail(b, "file name %s, key %s", bn, mkey);
                err = JL_DEPOT_E_BUNDLE_KEY;
            }
        }
    }
    // the closure: every cache is the bundle's own or required by it, by
    // exact build id, transitively
    if (!err) {
        unsigned char *in = calloc(nc ? nc : 1, 1);
        size_t *queue = malloc((nc ? nc : 1) * sizeof(size_t));
        size_t qn = 0;
        if (!in || !queue)
            err = JL_DEPOT_E_NOMEM;
        if (!err) {
            in[top] = 1;
            queue[qn++] = top;
        }
        for (size_t q = 0; q < qn; q++) {
            const jl_cachefile_t *cf = b->cfs[queue[q]];
            for (size_t r = 0; r < cf->nreqmods; r++)
                for (size_t j = 0; j < nc; j++)
                    if (!in[j] && map.ids[j].hi == cf->reqmods[r].build_id.hi &&
                        map.ids[j].lo == cf->reqmods[r].build_id.lo) {
                        in[j] = 1;
                        queue[qn++] = j;
                    }
        }
        for (size_t j = 0; !err && j < nc; j++)
            if (!in[j]) {
                set_detail(b, "%s: not required by %s", b->cji[j]->name, b->cji[top]->name);
                err = JL_DEPOT_E_BUNDLE_NOT_ALLOWED;
            }
        free(in);
        free(queue);
    }
done:
    free(map.ids);
    free(map.keys);
    return err;
}

// Where each entry goes: role aliases resolved, then the rule of what a
// bundle may write: a @compiled entry is the .ji or .so of one of its
// caches, a @depot entry a file of a package tree they record as sources.
static int place_entries(bundle_t *b, jl_depot_stack_t *s, size_t depot, char *const *wroots)
{
    for (size_t i = 0; i < b->n; i++) {
        sentry_t *e = &b->v[i];
        int role;
        const char *rest;
        int err = jldepot_bundle_entry_name(e->name, &role, &rest);
        char *nrest = NULL;
        if (!err)
            err = jldepot_normalize_role(s, depot, role, rest, &e->role, &nrest);
        if (err) {
            set_detail(b, "entry '%s'", e->name);
            return err;
        }
        int ok = 0;
        if (e->role == JL_DEPOT_ROLE_COMPILED) {
            // exactly an entry the manifest names as a cache's .ji or .so
            for (size_t c = 0; !ok && c < b->ncaches; c++)
                ok = b->cji[c] == e || b->cso[c] == e;
            e->root = WR_COMPILED;
            e->rel = nrest;
        }
        else if (e->role == JL_DEPOT_ROLE_DEPOT && !strncmp(nrest, "packages/", 9)) {
            ok = jldepot_source_allowed(nrest + 9, b->trees, b->ntrees);
            e->root = WR_PACKAGES;
            e->rel = strdup(nrest + 9);
            free(nrest);
            if (!e->rel)
                return JL_DEPOT_E_NOMEM;
        }
        else
            free(nrest);
        if (!ok) {
            set_detail(b, "entry '%s'", e->name);
            return JL_DEPOT_E_BUNDLE_NOT_ALLOWED;
        }
        if (asprintf(&e->final, "%s/%s", wroots[e->root], e->rel) < 0) {
            e->final = NULL;
            return JL_DEPOT_E_NOMEM;
        }
    }
    return JL_DEPOT_E_OK;
}

// Seal a cache so its next check is stat-only (jl_cacheverify_seal_file).
// One verifier per target Julia is kept across the caches a sealing process
// handles, so the caches a cache requires are checked once, not once per
// dependant.  The target comes from the header parsed by the check (not
// read again).
typedef struct {
    const starget_t *t;
    jl_cacheverify_t *ver;
} sealer_t;

static int same_target(const starget_t *a, const starget_t *b)
{
    if (a->flags != b->flags || a->pointer_size != b->pointer_size ||
        a->format_version != b->format_version)
        return 0;
    for (int k = 0; k < 5; k++)
        if (strcmp(a->v[k], b->v[k]) != 0)
            return 0;
    return 1;
}

static int seal_cache(jl_depot_stack_t *s, sealer_t *z, sentry_t *e, int *sealed)
{
    *sealed = 0;
    int err = JL_DEPOT_E_OK;
    if (!e->tgt) { // a .ji the manifest does not list as a cache: read its header
        jl_cachefile_t *cf = NULL;
        err = jl_cachefile_read_header(e->final, 0, &cf);
        if (!err)
            err = set_target(e, cf);
        jl_cachefile_free(cf);
        if (err)
            return err;
    }
    if (!z->ver || !same_target(z->t, e->tgt)) {
        jl_cacheverify_free(z->ver);
        z->ver = NULL;
        z->t = e->tgt;
        jl_verify_target_t t;
        memset(&t, 0, sizeof(t));
        t.julia_version = e->tgt->v[0];
        t.julia_commit = e->tgt->v[1];
        t.julia_branch = e->tgt->v[2];
        t.os = e->tgt->v[3];
        t.arch = e->tgt->v[4];
        t.pointer_size = e->tgt->pointer_size;
        t.format_version = e->tgt->format_version;
        t.flags = e->tgt->flags;
        // the seals are written whatever this says; a required cache that
        // another sealing process has not sealed yet gets no stamp either
        t.options = JL_VERIFY_NO_STAMP_WRITE;
        err = jl_cacheverify_new(s, &t, &z->ver);
    }
    jl_verify_result_t *r = NULL;
    if (!err)
        err = jl_cacheverify_seal_file(z->ver, e->final, &r);
    if (!err && r && r->status == JL_DEPOT_E_OK)
        *sealed = 1;
    else if (!err && r)
        err = r->status;
    jl_verify_result_free(r);
    return err;
}

// Seal the caches `c[0..n)` (dependencies first).  Each seal writes its file
// atomically and durably (two fsyncs), so they are spread over a few
// processes, cache i to process i % W: the fsyncs of one overlap the checks
// of the others, and the block layer merges their cache flushes.  A cache
// whose required cache is not sealed yet checks it by content (one verifier
// per process).  sealed[i] is set for each cache sealed.
static void seal_all(jl_depot_stack_t *s, sentry_t **c, size_t n, unsigned char *sealed)
{
    enum { MAXW = 4 };
    size_t w = n < MAXW ? n : MAXW;
    if (w == 0)
        return;
    // the results, shared with the sealing processes
    unsigned char *res =
        w > 1 ? mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
              : MAP_FAILED;
    if (res == MAP_FAILED)
        w = 1;
    pid_t pids[MAXW];
    size_t started = 0;
    for (size_t k = 1; k < w; k++) {
        fflush(stdout);
        fflush(stderr);
        pid_t p = fork();
        if (p < 0)
            break;
        if (p == 0) {
            sealer_t z;
            memset(&z, 0, sizeof(z));
            for (size_t i = k; i < n; i += w) {
                int ok = 0;
                int e = seal_cache(s, &z, c[i], &ok);
                if (e)
                    jldepot_error("unpack: %s: not sealed: %s", c[i]->final, jldepot_strerror(e));
                res[i] = (unsigned char)ok;
            }
            jl_cacheverify_free(z.ver);
            fflush(stderr);
            _exit(0);
        }
        pids[started++] = p;
    }
    // this process: its own share, and the shares of processes not started
    sealer_t z;
    memset(&z, 0, sizeof(z));
    for (size_t i = 0; i < n; i++) {
        size_t k = i % w;
        if (k != 0 && k <= started)
            continue;
        int ok = 0;
        int e = seal_cache(s, &z, c[i], &ok);
        if (e)
            jldepot_error("unpack: %s: not sealed: %s", c[i]->final, jldepot_strerror(e));
        sealed[i] = (unsigned char)ok;
    }
    jl_cacheverify_free(z.ver);
    for (size_t k = 0; k < started; k++) {
        int status;
        while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
            ;
    }
    for (size_t i = 0; i < n && res != MAP_FAILED; i++)
        if (i % w != 0 && i % w <= started)
            sealed[i] = res[i];
    if (res != MAP_FAILED)
        munmap(res, n);
}


// ---- the depot: what is there, what may be written -----------------------------------

// The package tree ("NAME/SLUG") of a path below packages/: its length.
static size_t tree_len(const char *rel)
{
    const char *s1 = strchr(rel, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    return s2 ? (size_t)(s2 - rel) : strlen(rel);
}

// Each entry against the depot: a file already there must be the same
// (then it is kept: skip) or it is a conflict; a file is never added to a
// package tree already in the depot (an installed tree is complete: Pkg's
// slug addresses its content); no symbolic link below a role directory; no
// directory to write that is read-only.
static int check_targets(bundle_t *b, jldepot_txn_t *t, char *const *wroots)
{
    char *last_tree = NULL;
    int last_exists = 0;
    int err = JL_DEPOT_E_OK;
    for (size_t i = 0; i < b->n && !err; i++) {
        sentry_t *e = &b->v[i];
        e->skip = 0;
        e->dup = 0;
        char *where = NULL;
        jldepot_txn_probe_t p;
        err = jldepot_txn_probe(t, e->root, e->rel, 1, &p, &where);
        if (err) {
            set_detail(b, "%s", where ? where : e->final);
            free(where);
            break;
        }
        if (p.exists) {
            char sha[65];
            struct stat st;
            int same = fstat(p.fd, &st) == 0 && (uint64_t)st.st_size == e->size &&
                       jldepot_sha256_fd(p.fd, sha) == JL_DEPOT_E_OK && !strcmp(sha, e->sha);
            close(p.fd);
            if (!same) {
                set_detail(b, "%s", e->final);
                err = JL_DEPOT_E_BUNDLE_CONFLICT;
                break;
            }
            e->skip = 1;
            continue;
        }
        if (e->root != WR_PACKAGES)
            continue;
        size_t tl = tree_len(e->rel);
        if (!last_tree || strlen(last_tree) != tl || memcmp(last_tree, e->rel, tl) != 0) {
            free(last_tree);
            if (!(last_tree = strndup(e->rel, tl))) {
                err = JL_DEPOT_E_NOMEM;
                break;
            }
            err = jldepot_txn_probe_dir(t, WR_PACKAGES, last_tree, &last_exists, &where);
            if (err) {
                set_detail(b, "%s", where ? where : e->final);
                free(where);
                break;
            }
        }
        if (last_exists) {
            set_detail(b, "%s would be added to the package tree %s/%s already in the depot",
                       e->final, wroots[WR_PACKAGES], last_tree);
            err = JL_DEPOT_E_BUNDLE_CONFLICT;
        }
    }
    free(last_tree);
    return err;
}

static int fin_cmp(const void *a, const void *b)
{
    const sentry_t *x = *(sentry_t *const *)a, *y = *(sentry_t *const *)b;
    int c = strcmp(x->final, y->final);
    if (c)
        return c;
    return x->bidx < y->bidx ? -1 : x->bidx > y->bidx;
}

// The same file in several bundles of the run (or twice in one, through an
// alias): written once.  A different file at the same path, or a file where
// another bundle has a directory, is a conflict.
static int check_across(bundle_t *bs, size_t nb, size_t *bad)
{
    size_t total = 0;
    for (size_t b = 0; b < nb; b++)
        total += bs[b].n;
    sentry_t **v = malloc((total ? total : 1) * sizeof(sentry_t *));
    if (!v)
        return JL_DEPOT_E_NOMEM;
    size_t n = 0;
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < bs[b].n; i++)
            if (!bs[b].v[i].skip)
                v[n++] = &bs[b].v[i];
    qsort(v, n, sizeof(sentry_t *), fin_cmp);
    int err = JL_DEPOT_E_OK;
    for (size_t i = 1; i < n && !err; i++) {
        sentry_t *a = v[i - 1], *e = v[i];
        size_t al = strlen(a->final);
        if (!strcmp(a->final, e->final)) {
            if (strcmp(a->sha, e->sha) != 0 || a->mode != e->mode || a->bidx == e->bidx) {
                err = a->bidx == e->bidx ? JL_DEPOT_E_BUNDLE_DUPLICATE : JL_DEPOT_E_BUNDLE_CONFLICT;
                *bad = (size_t)e->bidx;
                set_detail(&bs[e->bidx], "%s differs in %s", e->final, bs[a->bidx].path);
            }
            else
                e->skip = e->dup = 1; // v[i - 1] is written (or already there)
        }
        else if (!strncmp(a->final, e->final, al) && e->final[al] == '/') {
            err = JL_DEPOT_E_BUNDLE_CONFLICT;
            *bad = (size_t)e->bidx;
            set_detail(&bs[e->bidx], "%s is a file in %s", a->final, bs[a->bidx].path);
        }
    }
    free(v);
    return err;
}

// Room for what is to be written: the bytes (in blocks) and the inodes, on
// the file system of each write root.
static int check_space(bundle_t *bs, size_t nb, jldepot_txn_t *t, size_t *bad)
{
    uint64_t need[WR_N] = {0}, files[WR_N] = {0};
    size_t who[WR_N] = {0};
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < bs[b].n; i++) {
            sentry_t *e = &bs[b].v[i];
            if (e->skip)
                continue;
            need[e->root] += (e->size + 4095) / 4096 * 4096;
            files[e->root]++;
            who[e->root] = b;
        }
    struct statvfs sv[WR_N];
    int have[WR_N] = {0};
    for (size_t r = 0; r < WR_N; r++) {
        char *p = files[r] ? jldepot_txn_existing_root(t, r) : NULL;
        have[r] = p && statvfs(p, &sv[r]) == 0;
        free(p);
    }
    if (have[0] && have[1] && !memcmp(&sv[0].f_fsid, &sv[1].f_fsid, sizeof(sv[0].f_fsid))) {
        need[0] += need[1];
        files[0] += files[1];
        have[1] = 0;
    }
    for (size_t r = 0; r < WR_N; r++) {
        if (!have[r])
            continue;
        uint64_t avail = (uint64_t)sv[r].f_bavail * sv[r].f_frsize;
        int inodes = sv[r].f_files != 0 && (uint64_t)sv[r].f_favail < files[r];
        if (need[r] > avail || inodes) {
            *bad = who[r];
            set_detail(&bs[who[r]],
                       "%llu bytes and %llu files to write, %llu bytes and %llu files free",
                       (unsigned long long)need[r], (unsigned long long)files[r],
                       (unsigned long long)avail, (unsigned long long)sv[r].f_favail);
            return JL_DEPOT_E_NO_SPACE;
        }
    }
    return JL_DEPOT_E_OK;
}

// packages/ and compiled/ must not lead into each other (administrators'
// symlinks): a source could otherwise land at a cache path unchecked.
static int check_roots(bundle_t *bs, size_t nb, jldepot_txn_t *t, char *const *wroots, size_t *bad)
{
    sentry_t *src = NULL;
    for (size_t b = 0; b < nb && !src; b++)
        for (size_t i = 0; i < bs[b].n && !src; i++)
            if (bs[b].v[i].root == WR_PACKAGES && !bs[b].v[i].skip)
                src = &bs[b].v[i];
    if (!src)
        return JL_DEPOT_E_OK;
    char *c = jldepot_txn_root_realpath(t, WR_COMPILED),
         *p = jldepot_txn_root_realpath(t, WR_PACKAGES);
    int err = JL_DEPOT_E_OK;
    if (c && p) {
        size_t nc = strlen(c), np = strlen(p);
        if (!strcmp(c, p) || (!strncmp(p, c, nc) && p[nc] == '/') ||
            (!strncmp(c, p, np) && c[np] == '/')) {
            *bad = (size_t)src->bidx;
            set_detail(&bs[src->bidx], "entry '%s': %s and %s lead into each other", src->name,
                       wroots[WR_PACKAGES], wroots[WR_COMPILED]);
            err = JL_DEPOT_E_BUNDLE_NOT_ALLOWED;
        }
    }
    free(c);
    free(p);
    return err;
}

// ---- pass 2: stage under the lock --------------------------------------------------------

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return ENOSPC;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

// Read the bundle again and stage every file to write; each must be the one
// checked (name, size, SHA-256).
static int stage_bundle(bundle_t *b, jldepot_txn_t *t)
{
    if (lseek(b->fd, 0, SEEK_SET) != 0)
        return JL_DEPOT_E_IO;
    struct archive *a = archive_read_new();
    if (!a)
        return JL_DEPOT_E_NOMEM;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int err = JL_DEPOT_E_OK;
    size_t bufsz = 1 << 20;
    char *buf = malloc(bufsz);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    if (!buf || !sha) {
        err = JL_DEPOT_E_NOMEM;
        goto out;
    }
    if (archive_read_open_fd(a, b->fd, 1 << 20) != ARCHIVE_OK) {
        err = JL_DEPOT_E_BUNDLE_CORRUPT;
        goto changed;
    }
    struct archive_entry *ae;
    for (;;) {
        if (unpack_stop) {
            err = JL_DEPOT_E_UNPACK_INTERRUPTED;
            goto out;
        }
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        const char *name = r == ARCHIVE_OK || r == ARCHIVE_WARN ? archive_entry_pathname(ae) : NULL;
        if (!name) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            goto changed;
        }
        mode_t type = archive_entry_filetype(ae);
        if (type == AE_IFDIR || !strcmp(name, JLDEPOT_BUNDLE_MANIFEST))
            continue;
        sentry_t *e = find_entry(b, name);
        if (!e || e->seen || type != AE_IFREG || archive_entry_hardlink(ae) ||
            !archive_entry_size_is_set(ae) || (uint64_t)archive_entry_size(ae) != e->size) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            goto changed;
        }
        e->seen = 1;
        if (e->skip)
            continue;
        char *where = NULL;
        int fd;
        err = jldepot_txn_stage(t, e->root, e->rel, e->mode, &fd, &e->handle, &where);
        if (err) {
            set_detail(b, "staging %s", where ? where : e->final);
            free(where);
            goto out;
        }
        EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
        la_ssize_t k = 0;
        uint64_t got = 0;
        while (got < e->size && (k = archive_read_data(a, buf, bufsz)) > 0) {
            if ((uint64_t)k > e->size - got)
                break; // more than declared: stopped here
            EVP_DigestUpdate(sha, buf, (size_t)k);
            int we = write_all(fd, buf, (size_t)k);
            if (we) {
                err = jl_depot_errno_code(we);
                set_detail(b, "staging %s: %s", e->final, strerror(we));
                goto out;
            }
            got += (uint64_t)k;
        }
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdl;
        char hex[65];
        EVP_DigestFinal_ex(sha, md, &mdl);
        hex32(md, hex);
        if (k < 0 || got != e->size) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            goto changed;
        }
        if (strcmp(hex, e->sha) != 0) {
            err = JL_DEPOT_E_BUNDLE_SHA256;
            goto changed;
        }
        // (no fchmod: the open gave the mode less the umask, as tar does)
        struct timespec ts[2] = {e->mtime, e->mtime};
        futimens(fd, ts);
        err = jldepot_txn_staged(t, e->handle, &where);
        if (err) {
            set_detail(b, "syncing %s", where ? where : e->final);
            free(where);
            goto out;
        }
    }
    for (size_t i = 0; i < b->n; i++)
        if (!b->v[i].seen && !b->v[i].skip) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            goto changed;
        }
    goto out;
changed:
    set_detail(b, "the bundle changed after it was checked");
out:
    EVP_MD_CTX_free(sha);
    free(buf);
    archive_read_free(a);
    return err;
}

// Each pkgimage to be put in place against its cache file (the blob: the
// header, the required modules, the checksum word), as Julia checks it.
static int check_pkgimages(bundle_t *b, jldepot_txn_t *t)
{
    for (size_t c = 0; c < b->ncaches; c++) {
        sentry_t *se = b->cso[c], *je = b->cji[c];
        if (!se || se->dup || (se->skip && je->skip))
            continue;
        int fd = -1;
        if (se->skip) {
            jldepot_txn_probe_t p;
            if (jldepot_txn_probe(t, se->root, se->rel, 0, &p, NULL) == JL_DEPOT_E_OK)
                fd = p.fd;
        }
        else
            fd = jldepot_txn_open_staged(t, se->handle);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            if (fd >= 0)
                close(fd);
            set_detail(b, "%s", se->final);
            return JL_DEPOT_E_IO;
        }
        void *map = st.st_size > 0 ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                                   : MAP_FAILED;
        close(fd);
        int ce = map == MAP_FAILED
                     ? JL_DEPOT_E_PKGIMAGE_BLOB
                     : jl_cachefile_check_pkgimage_mem(b->cfs[c], map, (size_t)st.st_size, NULL);
        if (map != MAP_FAILED)
            munmap(map, (size_t)st.st_size);
        if (ce) {
            set_detail(b, "%s: %s", se->name, jldepot_strerror(ce));
            return JL_DEPOT_E_BUNDLE_PKGIMAGE;
        }
    }
    return JL_DEPOT_E_OK;
}

static int ord_cmp(const void *a, const void *b)
{
    const sentry_t *x = *(sentry_t *const *)a, *y = *(sentry_t *const *)b;
    if (x->root != y->root) // sources first
        return x->root == WR_PACKAGES ? -1 : 1;
    if (x->bidx != y->bidx)
        return x->bidx < y->bidx ? -1 : 1;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}


// ---- the worker ---------------------------------------------------------------------------

// JLDEPOT_UNPACK_TIMES=1: the wall time of each phase, on stderr
static int times_on = -1;
static struct timespec times_t0;

static void phase_time(const char *what)
{
    if (times_on < 0) {
        const char *v = getenv("JLDEPOT_UNPACK_TIMES");
        times_on = v && *v && strcmp(v, "0") != 0;
        clock_gettime(CLOCK_MONOTONIC, &times_t0);
    }
    if (!times_on)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double ms =
        (double)(t.tv_sec - times_t0.tv_sec) * 1e3 + (double)(t.tv_nsec - times_t0.tv_nsec) / 1e6;
    fprintf(stderr, "unpack times: %-10s %8.2f ms\n", what, ms);
    times_t0 = t;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void report(const bundle_t *b, int err)
{
    // what to do only where the system refused: a rejected bundle is not
    // the user's to fix
    const char *hint = jldepot_is_system_error(err) ? jldepot_hint(err) : NULL;
    jldepot_error("unpack: %s: %s%s%s%s%s [%s]", b->path, jldepot_strerror(err),
                  b->detail ? ": " : "", b->detail ? b->detail : "", hint ? "; " : "",
                  hint ? hint : "", jldepot_errjson(err));
}

// Pass 1 of the bundles of a run: a thread per bundle up to the number of CPUs.
typedef struct {
    bundle_t *bs;
    size_t n, next;
    pthread_mutex_t mu;
    const jldepot_unpack_opts_t *o;
} bpool_t;

static void *read_worker(void *arg)
{
    bpool_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        bundle_t *b = &p->bs[i];
        b->err = read_bundle(b, p->o);
        if (!b->err)
            b->err = check_bundle(b, p->o);
    }
}

// The entry of the run whose final path is `where`, for messages.
static size_t bundle_of(bundle_t *bs, size_t nb, const char *where)
{
    for (size_t b = 0; where && b < nb; b++)
        for (size_t i = 0; i < bs[b].n; i++)
            if (bs[b].v[i].final && !strcmp(bs[b].v[i].final, where))
                return b;
    return 0;
}

// Everything after the bundles are open, in the worker process.
static int unpack_worker(bundle_t *bs, size_t nb, jl_depot_stack_t *s, size_t depot,
                         const jldepot_unpack_opts_t *o)
{
    // 1. read and check each bundle, nothing written
    bpool_t pool = {bs, nb, 0, PTHREAD_MUTEX_INITIALIZER, o};
    enum { MAXT = 8 };
    pthread_t th[MAXT];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = ncpu < 1 ? 1 : (size_t)ncpu, started = 0;
    if (nt > MAXT)
        nt = MAXT;
    if (nt > nb)
        nt = nb;
    for (; started + 1 < nt; started++)
        if (pthread_create(&th[started], NULL, read_worker, &pool) != 0)
            break;
    read_worker(&pool);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&pool.mu);
    phase_time("read+check");
    int err = JL_DEPOT_E_OK;
    size_t bad = 0;
    for (size_t b = 0; b < nb && !err; b++)
        if ((err = bs[b].err))
            bad = b;
    // 2. where each file goes, and the depot as it is
    char *wroots[WR_N] = {NULL, NULL};
    jldepot_txn_t *t = NULL;
    size_t *nlinked = calloc(nb, sizeof(size_t)), *nsealed = calloc(nb, sizeof(size_t));
    sentry_t **ord = NULL;
    size_t *handles = NULL;
    unsigned char *kept = NULL, *sealed = NULL;
    if (!nlinked || !nsealed) {
        err = JL_DEPOT_E_NOMEM;
        goto out;
    }
    if (err)
        goto refused;
    wroots[WR_COMPILED] = strdup(jl_depot_root(s, depot, JL_DEPOT_ROLE_COMPILED));
    if (asprintf(&wroots[WR_PACKAGES], "%s/packages",
                 jl_depot_root(s, depot, JL_DEPOT_ROLE_DEPOT)) < 0)
        wroots[WR_PACKAGES] = NULL;
    if (!wroots[WR_COMPILED] || !wroots[WR_PACKAGES] ||
        jldepot_txn_new((const char *const *)wroots, WR_N, &t) != JL_DEPOT_E_OK) {
        err = JL_DEPOT_E_NOMEM;
        goto out;
    }
    for (size_t b = 0; b < nb && !err; b++)
        if ((err = place_entries(&bs[b], s, depot, wroots)))
            bad = b;
    if (!err) {
        char *where = NULL;
        if ((err = jldepot_txn_writable(t, WR_COMPILED, &where)))
            set_detail(&bs[0], "%s", where ? where : wroots[WR_COMPILED]);
        free(where);
    }
    for (size_t b = 0; b < nb && !err; b++)
        if ((err = check_targets(&bs[b], t, wroots)))
            bad = b;
    if (!err && nb > 1)
        err = check_across(bs, nb, &bad);
    if (!err)
        err = check_roots(bs, nb, t, wroots, &bad);
    if (!err)
        err = check_space(bs, nb, t, &bad);
    phase_time("targets");
    if (err)
        goto refused;
    // 3. under the depot lock: check again, stage, commit
    if (unpack_stop) {
        err = JL_DEPOT_E_UNPACK_INTERRUPTED;
        goto refused;
    }
    {
        char *where = NULL;
        err = jldepot_txn_lock(t, &unpack_stop, &where);
        if (err) {
            set_detail(&bs[0], "%s the depot lock %s/%s",
                       err == JL_DEPOT_E_UNPACK_INTERRUPTED ? "waiting for" : "taking",
                       wroots[WR_COMPILED], JLDEPOT_TXN_LOCK);
            free(where);
            goto refused;
        }
    }
    phase_time("lock");
    for (size_t b = 0; b < nb && !err; b++)
        if ((err = check_targets(&bs[b], t, wroots)))
            bad = b;
    if (!err && nb > 1)
        err = check_across(bs, nb, &bad);
    for (size_t b = 0; b < nb && !err; b++)
        if ((err = stage_bundle(&bs[b], t)))
            bad = b;
    if (!err) {
        char *where = NULL;
        err = jldepot_txn_flush(t, &where);
        if (err) {
            bad = bundle_of(bs, nb, where);
            set_detail(&bs[bad], "syncing %s", where ? where : "");
        }
        free(where);
    }
    for (size_t b = 0; b < nb && !err; b++)
        if ((err = check_pkgimages(&bs[b], t)))
            bad = b;
    phase_time("stage");
    if (!err && unpack_stop)
        err = JL_DEPOT_E_UNPACK_INTERRUPTED;
    if (err)
        goto refused;
    // the commit: from here on a stop is not honoured
    size_t total = 0, n = 0;
    for (size_t b = 0; b < nb; b++)
        total += bs[b].n;
    ord = malloc((total ? total : 1) * sizeof(sentry_t *));
    handles = malloc((total ? total : 1) * sizeof(size_t));
    kept = calloc(total ? total : 1, 1);
    sealed = calloc(total ? total : 1, 1);
    if (!ord || !handles || !kept || !sealed) {
        err = JL_DEPOT_E_NOMEM;
        goto out;
    }
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < bs[b].n; i++)
            if (!bs[b].v[i].skip)
                ord[n++] = &bs[b].v[i];
    qsort(ord, n, sizeof(sentry_t *), ord_cmp);
    for (size_t k = 0; k < n; k++)
        handles[k] = ord[k]->handle;
    {
        char *where = NULL;
        err = jldepot_txn_commit(t, handles, n, kept, &where);
        if (err) {
            bad = bundle_of(bs, nb, where);
            set_detail(&bs[bad], "%s", where ? where : "");
            free(where);
            goto refused;
        }
    }
    for (size_t k = 0; k < n; k++) {
        if (kept[k])
            ord[k]->skip = 1;
        else
            nlinked[ord[k]->bidx]++;
    }
    phase_time("commit");
    // The directories made got their mtime from the names just made: a
    // directory that is a dependency would look "racy" to the seal (changed
    // in the tick it was examined) and be re-read on the first check.  Date
    // them with the newest file of the bundles (at least a second back), as
    // tar dates the directories it extracts.
    {
        int64_t newest = 0;
        for (size_t b = 0; b < nb; b++)
            if (bs[b].newest > newest)
                newest = bs[b].newest;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        time_t when = (time_t)newest;
        if (when <= 0 || when > now.tv_sec - 1)
            when = now.tv_sec - 1;
        jldepot_txn_date_dirs(t, when);
    }
    // 4. seal, dependencies first (the order of the caches in the manifests)
    if (!o->no_seal) {
        size_t nc = 0;
        for (size_t b = 0; b < nb; b++)
            for (size_t i = 0; i < bs[b].n; i++) {
                sentry_t *e = &bs[b].v[i];
                if (e->root == WR_COMPILED && !e->dup && has_suffix(e->rel, ".ji"))
                    ord[nc++] = e;
            }
        qsort(ord, nc, sizeof(sentry_t *), ord_cmp);
        seal_all(s, ord, nc, sealed);
        for (size_t i = 0; i < nc; i++)
            nsealed[ord[i]->bidx] += sealed[i];
    }
    phase_time("seal");
    jldepot_txn_free(t); // the lock is released
    t = NULL;
    for (size_t b = 0; b < nb && !o->quiet; b++) {
        const char *bn = strrchr(bs[b].path, '/');
        printf("unpacked %s into %s: %zu files, %zu already there, %zu caches sealed\n",
               bn ? bn + 1 : bs[b].path, jl_depot_root(s, depot, JL_DEPOT_ROLE_DEPOT), nlinked[b],
               bs[b].n - nlinked[b], nsealed[b]);
    }
    goto out;
refused:
    report(&bs[bad], err);
out:
    jldepot_txn_free(t); // undoes what was not committed
    free(wroots[0]);
    free(wroots[1]);
    free(nlinked);
    free(nsealed);
    free(ord);
    free(handles);
    free(kept);
    free(sealed);
    return err;
}

// The command's process: opens and share-locks each bundle (the lock is
// held by the worker until it is done, so `flock -x BUNDLE true` waits for
// an unpack under way), starts the worker in a session of its own and
// passes a SIGINT, SIGTERM or SIGHUP on to it as a stop.
static volatile sig_atomic_t worker_pid;

static void on_stop(int sig)
{
    (void)sig;
    unpack_stop = 1;
}

static void pass_on(int sig)
{
    (void)sig;
    if (worker_pid > 0)
        kill((pid_t)worker_pid, SIGUSR1);
}

// The signature check of one bundle, before anything is written: its
// signature file must hold a signature the client trusts of a statement
// naming the bundle's exact size and SHA-256 (read through the open
// descriptor, so the bytes checked are the bytes unpacked).
static int check_signature(bundle_t *x, size_t nb, const jldepot_unpack_opts_t *o)
{
    char *sp = NULL, *text = NULL, *perr = NULL, *fdpath = NULL;
    size_t len = 0;
    int err = JL_DEPOT_E_OK;
    const char *hint = NULL;
    jldepot_bundle_sig_t st;
    memset(&st, 0, sizeof(st));
    if (o->sig_mem) {
        if (!(text = malloc(o->sig_len + 1)))
            return JL_DEPOT_E_NOMEM;
        memcpy(text, o->sig_mem, o->sig_len);
        text[len = o->sig_len] = '\0';
        sp = strdup("the downloaded signature file");
    }
    else {
        if ((o->sig && nb == 1 ? !(sp = strdup(o->sig)) : asprintf(&sp, "%s.sig", x->path) < 0))
            return JL_DEPOT_E_NOMEM;
        if (!(text = jldepot_read_small(sp, 1 << 20, &len))) {
            err = errno == ENOENT ? JL_DEPOT_E_UNSIGNED : JL_DEPOT_E_SIG_MALFORMED;
            perr = strdup(errno == ENOENT ? "no signature file" : strerror(errno));
            hint = "get the bundle's .sig from its server, or pass --allow-unsigned for "
                   "a bundle you made yourself";
        }
    }
    if (!err && jldepot_bundle_sig_parse(text, len, &st, &perr))
        err = JL_DEPOT_E_SIG_MALFORMED;
    char sha[65];
    if (!err && (asprintf(&fdpath, "/proc/self/fd/%d", x->fd) < 0 ||
                 jldepot_sha256_file(fdpath, sha) != JL_DEPOT_E_OK))
        err = JL_DEPOT_E_IO;
    if (!err) {
        err = jldepot_bundle_sig_check((const jldepot_source_t *)o->trust, &st, x->fsize, sha);
        if (err == JL_DEPOT_E_BUNDLE_SHA256 &&
            asprintf(&perr, "%llu bytes with SHA-256 %s; signed: %llu bytes with SHA-256 %s",
                     (unsigned long long)x->fsize, sha, (unsigned long long)st.bundle_size,
                     st.bundle_sha256) < 0)
            perr = NULL;
        if (err == JL_DEPOT_E_SIG_UNTRUSTED || err == JL_DEPOT_E_KEY_REVOKED)
            hint = "trust the server's public key in config/jldepot/sources.toml (see "
                   "doc/serving.md)";
    }
    if (!err)
        memcpy(x->signed_key, st.output_key, 65);
    else
        jldepot_error("unpack: %s: %s [%s] (%s%s%s)", x->path, jldepot_strerror(err),
                      jldepot_errjson(err), perr ? perr : "",
                      perr ? "; signature: " : "signature: ", sp ? sp : "");
    if (err && hint)
        fprintf(stderr, "jldepot: unpack: %s\n", hint);
    jldepot_bundle_sig_free(&st);
    free(text);
    free(sp);
    free(perr);
    free(fdpath);
    return err;
}

static int unpack_bundles(const char *const *paths, size_t nb, jl_depot_stack_t *s, size_t depot,
                          const jldepot_unpack_opts_t *o)
{
    raise_nofile();
    phase_time("start");
    bundle_t *bs = calloc(nb ? nb : 1, sizeof(bundle_t));
    if (!bs)
        return JL_DEPOT_E_NOMEM;
    int err = JL_DEPOT_E_OK;
    for (size_t b = 0; b < nb; b++) {
        bs[b].path = paths[b];
        bs[b].bidx = (int)b;
        bs[b].fd = -1;
    }
    for (size_t b = 0; b < nb && !err; b++) {
        bundle_t *x = &bs[b];
        struct stat st;
        x->fd = open(x->path, O_RDONLY | O_CLOEXEC);
        if (x->fd < 0) {
            int e = errno;
            err = jl_depot_read_errno_code(e);
            jldepot_file_error("unpack", x->path, err, e);
        }
        else if (fstat(x->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            // a bundle is read twice: once to check it, once to write it
            err = S_ISDIR(st.st_mode) ? JL_DEPOT_E_IS_DIRECTORY : JL_DEPOT_E_NOT_REGULAR;
            jldepot_file_error("unpack", x->path, err, 0);
            if (S_ISDIR(st.st_mode))
                jldepot_error("unpack: the bundles come first and the depot last: "
                              "jldepot unpack BUNDLE... DEPOT");
        }
        else {
            x->fsize = (uint64_t)st.st_size;
            flock(x->fd, LOCK_SH);
        }
    }
    for (size_t b = 0; b < nb && !err && !o->allow_unsigned; b++)
        err = check_signature(&bs[b], nb, o);
    int *res =
        err ? MAP_FAILED
            : mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!err && res == MAP_FAILED)
        err = JL_DEPOT_E_NOMEM;
    if (err)
        goto out;
    jl_depot_stack_prepare(s); // the worker's threads only read it
    *res = JL_DEPOT_E_IO;
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        jldepot_error("unpack: fork: %s; %s", strerror(errno), jldepot_hint(JL_DEPOT_E_NOMEM));
        err = JL_DEPOT_E_IO;
        goto out;
    }
    if (pid == 0) {
        setsid();
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        // the command's death is a stop too (a kill -9 of it before the
        // commit leaves the depot as it was)
        prctl(PR_SET_PDEATHSIG, SIGUSR1);
        if (getppid() != parent)
            unpack_stop = 1;
        int e = unpack_worker(bs, nb, s, depot, o);
        *res = e;
        fflush(stdout);
        fflush(stderr);
        _exit(e ? 3 : 0);
    }
    worker_pid = pid;
    struct sigaction sa, old[3];
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = pass_on;
    sigemptyset(&sa.sa_mask);
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int k = 0; k < 3; k++)
        sigaction(sigs[k], &sa, &old[k]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    for (int k = 0; k < 3; k++)
        sigaction(sigs[k], &old[k], NULL);
    worker_pid = 0;
    phase_time("worker");
    if (WIFEXITED(status))
        err = WEXITSTATUS(status) == 0 ? JL_DEPOT_E_OK : *res;
    else {
        jldepot_error("unpack: the worker process ended by signal %d", WTERMSIG(status));
        err = JL_DEPOT_E_IO;
    }
out:
    if (res != MAP_FAILED)
        munmap(res, sizeof(int));
    for (size_t b = 0; b < nb; b++)
        bundle_free(&bs[b]);
    free(bs);
    return err;
}

int jldepot_unpack_bundle(const char *bundle, jl_depot_stack_t *s, size_t depot,
                          const jldepot_unpack_opts_t *o)
{
    return unpack_bundles(&bundle, 1, s, depot, o);
}

// ---- the command ------------------------------------------------------------------------

static int parse_bytes(const char *s, uint64_t *out)
{
    // digits and one K, M or G; no sign, no space, no overflow (jldepot_parse.c)
    int err = jldepot_parse_bytes(s, out);
    if (err)
        jldepot_error("unpack: '%s': %s [%s]", s, jldepot_strerror(err), jldepot_errjson(err));
    return err ? -1 : 0;
}

// A plain count (the --max-ratio): digits only, no overflow.
static int parse_count(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

jl_depot_stack_t *jldepot_target_stack(jldepot_stack_opts_t *so, const char *depot, char **dp)
{
    *dp = NULL;
    if (depot) {
        char *abs = NULL;
        if (depot[0] == '/')
            abs = strdup(depot);
        else {
            char cwd[PATH_MAX];
            if (getcwd(cwd, sizeof(cwd)) && asprintf(&abs, "%s/%s", cwd, depot) < 0)
                abs = NULL;
        }
        if (!abs || asprintf(dp, "%s%s%s", abs, so->cfg.depot_path ? ":" : "",
                             so->cfg.depot_path ? so->cfg.depot_path : "") < 0) {
            free(abs);
            return NULL;
        }
        free(abs);
        so->cfg.depot_path = *dp;
    }
    jl_depot_stack_t *s = jldepot_stack_build(so);
    if (s && jl_depot_stack_size(s) == 0) {
        jldepot_error("%s", jldepot_strerror(JL_DEPOT_E_EMPTY_DEPOT_PATH));
        jl_depot_stack_free(s);
        return NULL;
    }
    return s;
}

int jldepot_cmd_unpack(int argc, char **argv)
{
    phase_time("main");
    jldepot_stack_opts_t so;
    jldepot_stack_opts_init(&so);
    jldepot_unpack_opts_t o;
    jldepot_unpack_opts_init(&o);
    const char *depot = NULL;
    const char **ops = calloc((size_t)argc, sizeof(char *));
    size_t nops = 0;
    int depot_opt = 0;
    if (!ops)
        return JLDEPOT_EXIT_USAGE;
    for (int i = 1; i < argc;) {
        int r = jldepot_stack_option(&so, argc, argv, &i);
        if (r < 0) {
            free(ops);
            return JLDEPOT_EXIT_USAGE;
        }
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(unpack_help, stdout);
            free(ops);
            return JLDEPOT_EXIT_OK;
        }
        if (!strcmp(a, "--depot")) {
            if (i + 1 >= argc || depot_opt) {
                jldepot_error("unpack: --depot needs a directory (once)");
                free(ops);
                return JLDEPOT_EXIT_USAGE;
            }
            depot = argv[++i];
            depot_opt = 1;
        }
        else if (!strcmp(a, "--allow-unsigned"))
            o.allow_unsigned = 1;
        else if (!strcmp(a, "--sig")) {
            if (i + 1 >= argc) {
                jldepot_error("unpack: option '--sig' requires an argument");
                free(ops);
                return JLDEPOT_EXIT_USAGE;
            }
            o.sig = argv[++i];
        }
        else if (!strcmp(a, "--no-seal"))
            o.no_seal = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
            o.quiet = 1;
        else if (!strcmp(a, "--max-entry") || !strcmp(a, "--max-total")) {
            if (i + 1 >= argc ||
                parse_bytes(argv[i + 1], a[6] == 'e' ? &o.max_entry : &o.max_total)) {
                jldepot_error("unpack: %s needs a size in bytes (K, M, G suffixes)", a);
                free(ops);
                return JLDEPOT_EXIT_USAGE;
            }
            i++;
        }
        else if (!strcmp(a, "--max-ratio")) {
            if (i + 1 >= argc || parse_count(argv[i + 1], &o.max_ratio)) {
                jldepot_error("unpack: --max-ratio needs a whole number (0: no limit)");
                free(ops);
                return JLDEPOT_EXIT_USAGE;
            }
            i++;
        }
        else if (a[0] == '-' && a[1]) {
            jldepot_error("unpack: unknown option '%s'", a);
            fprintf(stderr, "see 'jldepot unpack --help'\n");
            free(ops);
            return JLDEPOT_EXIT_USAGE;
        }
        else
            ops[nops++] = a;
        i++;
    }
    // BUNDLE [DEPOT], or BUNDLE... DEPOT: the last of several operands is the
    // depot when it is a directory (two operands: unless it is another file)
    if (!depot_opt && nops >= 2) {
        struct stat sb;
        int r = stat(ops[nops - 1], &sb);
        if (nops == 2 ? (r != 0 || S_ISDIR(sb.st_mode)) : (r == 0 && S_ISDIR(sb.st_mode)))
            depot = ops[--nops];
    }
    if (nops == 0) {
        jldepot_error("unpack: a BUNDLE is required");
        fprintf(stderr, "see 'jldepot unpack --help'\n");
        free(ops);
        return JLDEPOT_EXIT_USAGE;
    }
    char *dp = NULL;
    jl_depot_stack_t *s = jldepot_target_stack(&so, depot, &dp);
    if (!s) {
        free(dp);
        free(ops);
        return JLDEPOT_EXIT_USAGE;
    }
    if (o.sig && nops > 1) {
        jldepot_error("unpack: --sig names the signature of one bundle, not of %zu", nops);
        jl_depot_stack_free(s);
        free(dp);
        free(ops);
        return JLDEPOT_EXIT_USAGE;
    }
    // the keys this client trusts: its own configuration, never the bundle's
    jldepot_trust_t *t = NULL;
    jldepot_source_t merged;
    memset(&merged, 0, sizeof(merged));
    char *terr = NULL;
    int err = o.allow_unsigned ? JL_DEPOT_E_OK : jldepot_trust_load(s, &t, &terr);
    if (err)
        jldepot_error("unpack: %s [%s]", terr ? terr : jldepot_strerror(err), jldepot_errjson(err));
    else if (!o.allow_unsigned && !(err = jldepot_trust_merged(t, &merged)))
        o.trust = &merged;
    free(terr);
    if (!err)
        err = unpack_bundles(ops, nops, s, 0, &o);
    jldepot_trust_merged_free(&merged);
    jldepot_trust_free(t);
    jl_depot_stack_free(s);
    free(dp);
    free(ops);
    if (err == JL_DEPOT_E_OK)
        return JLDEPOT_EXIT_OK;
    return (jldepot_is_system_error(err) || err == JL_DEPOT_E_INVALID_ARGUMENT ||
            err == JL_DEPOT_E_UNPACK_INTERRUPTED)
               ? JLDEPOT_EXIT_USAGE
               : JLDEPOT_EXIT_REJECTED;
}
