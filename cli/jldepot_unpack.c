// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_unpack.c: `jldepot unpack BUNDLE [DEPOT]`, and the unpack that
  `fetch` shares.  Three phases:
    1. stage: every entry is checked (name, type, size limits) and written to
       an unnamed temporary file (O_TMPFILE) in the target depot's @compiled
       root (or the nearest existing directory above it), hashed on the way;
       nothing is visible in the depot, and a killed process leaves nothing;
    2. check: the manifest, every SHA-256, the key of every cache recomputed
       from the manifest and again from the staged .ji header, no duplicate,
       no unlisted entry, no file in the depot that differs;
    3. commit, in a child process of its own session (a kill of the unpack
       cannot stop a commit half-way): each file linked into place (linkat
       never replaces a file; identical files are skipped), sources first,
       then per cache its .so and its .ji, dependencies first; directories
       fsync'ed; then each cache sealed so its first check is stat-only.
  Durability without a file-system-wide sync (dpkg's order): writeback of
  each staged file is started as soon as it is written
  (sync_file_range(SYNC_FILE_RANGE_WRITE)), every staged file is
  fdatasync'ed before the commit, and after the links each directory that
  got a new entry is fsync'ed.  Other processes' dirty pages are not
  flushed, and the writeback of the files overlaps the checks.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "atomicfile.h"
#include "jldepot.h"
#include "jldepot_bundle.h"

static const char unpack_help[] =
    "usage: jldepot unpack [--max-entry BYTES] [--max-total BYTES] [--no-seal] [-q]\n"
    "                      [OPTIONS] BUNDLE [DEPOT]\n"
    "       jldepot unpack [OPTIONS] BUNDLE... DEPOT\n"
    "       jldepot unpack [OPTIONS] --depot DEPOT BUNDLE...\n"
    "\n"
    "Unpack a bundle written by 'jldepot pack' into DEPOT (default: the first depot on\n"
    "DEPOT_PATH).  Every SHA-256 and the key are verified before anything is used;\n"
    "entries that escape the depot, links, device files, FIFOs, duplicates and\n"
    "oversize entries are refused.  Files are staged invisibly in the depot, then\n"
    "linked into place (an existing identical file is kept, a different one is an\n"
    "error); each cache is then sealed so its first check reads no source.  On any\n"
    "error, or when killed, the depot is left as it was.  Several bundles (the last\n"
    "of several operands is DEPOT when it is a directory) are all checked before\n"
    "any is linked: one refused leaves the depot as it was.  See doc/serving.md.\n"
    "\n"
    "options:\n"
    "  --max-entry BYTES    the largest entry accepted (default 4 GiB)\n"
    "  --max-total BYTES    the largest total accepted (default 32 GiB)\n"
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
}

// What the seal needs of a cache's header (kept from the check, so the
// commit does not read the header again).
typedef struct {
    char *v[5]; // julia_version, commit, branch, os, arch
    int flags, pointer_size, format_version;
} starget_t;

typedef struct {
    char *name;
    int role;
    const char *rest;
    int fd;        // the staged file
    char *tmpname; // named fallback, else NULL
    uint64_t size;
    char sha[65];
    mode_t mode;
    char *final;
    int skip; // the same file is already in the depot
    int dup;  // ... or in a bundle before this one in the run (linked and sealed there)
    int order;
    int bidx;       // which bundle of the run
    starget_t *tgt; // a cache's .ji: its target (from the check)
} sentry_t;

typedef struct {
    sentry_t *v;
    size_t n, cap;
    char *manifest;
    size_t manifest_len;
    int have_manifest;
    // staging directories, per role (nearest existing directory of the role root)
    int stagefd[JL_DEPOT_NROLES];
    char *stagedir[JL_DEPOT_NROLES];
    char *named[JL_DEPOT_NROLES]; // named fallback directory, else NULL
    char *detail;                 // what the error is about
    int64_t newest;               // the newest mtime of an entry (seconds)
} stage_t;

static void set_detail(stage_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(stage_t *st, const char *fmt, ...)
{
    if (st->detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&st->detail, fmt, ap) < 0)
        st->detail = NULL;
    va_end(ap);
}

static void stage_free(stage_t *st)
{
    for (size_t i = 0; i < st->n; i++) {
        if (st->v[i].fd >= 0)
            close(st->v[i].fd);
        if (st->v[i].tmpname) {
            unlink(st->v[i].tmpname);
            free(st->v[i].tmpname);
        }
        free(st->v[i].name);
        free(st->v[i].final);
        if (st->v[i].tgt) {
            for (int k = 0; k < 5; k++)
                free(st->v[i].tgt->v[k]);
            free(st->v[i].tgt);
        }
    }
    free(st->v);
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        if (st->stagefd[r] >= 0)
            close(st->stagefd[r]);
        if (st->named[r]) {
            rmdir(st->named[r]);
            free(st->named[r]);
        }
        free(st->stagedir[r]);
    }
    free(st->manifest);
    free(st->detail);
}

// The nearest existing directory at or above `path`.
static char *existing_dir(const char *path)
{
    char *p = strdup(path);
    while (p) {
        struct stat s;
        if (stat(p, &s) == 0 && S_ISDIR(s.st_mode))
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

static int stage_open(stage_t *st, jl_depot_stack_t *s, size_t depot, int role, mode_t mode,
                      sentry_t *e)
{
    if (!st->stagedir[role]) {
        st->stagedir[role] = existing_dir(jl_depot_root(s, depot, (jl_depot_role_t)role));
        if (!st->stagedir[role])
            return JL_DEPOT_E_NOMEM;
        st->stagefd[role] = open(st->stagedir[role], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (st->stagefd[role] < 0)
            return jl_depot_errno_code(errno);
    }
    if (!st->named[role]) {
        e->fd = openat(st->stagefd[role], ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
        if (e->fd >= 0)
            return JL_DEPOT_E_OK;
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return jl_depot_errno_code(errno);
        // no O_TMPFILE here: a named staging directory
        if (asprintf(&st->named[role], "%s/.jldepot-unpack-XXXXXX", st->stagedir[role]) < 0)
            return JL_DEPOT_E_NOMEM;
        if (!mkdtemp(st->named[role])) {
            int e2 = errno;
            free(st->named[role]);
            st->named[role] = NULL;
            return jl_depot_errno_code(e2);
        }
    }
    if (asprintf(&e->tmpname, "%s/e%zu", st->named[role], st->n) < 0)
        return JL_DEPOT_E_NOMEM;
    e->fd = open(e->tmpname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (e->fd < 0) {
        int e2 = errno;
        free(e->tmpname);
        e->tmpname = NULL;
        return jl_depot_errno_code(e2);
    }
    return JL_DEPOT_E_OK;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

// ---- phase 1: stage ---------------------------------------------------------------

static int stage_bundle(stage_t *st, int bfd, jl_depot_stack_t *s, size_t depot,
                        const jldepot_unpack_opts_t *o, int bidx)
{
    struct archive *a = archive_read_new();
    if (!a)
        return JL_DEPOT_E_NOMEM;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int err = JL_DEPOT_E_OK;
    uint64_t total = 0;
    size_t bufsz = 1 << 20;
    char *buf = malloc(bufsz);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    if (!buf || !sha) {
        err = JL_DEPOT_E_NOMEM;
        goto out;
    }
    if (archive_read_open_fd(a, bfd, 1 << 20) != ARCHIVE_OK) {
        err = JL_DEPOT_E_BUNDLE_CORRUPT;
        set_detail(st, "%s", archive_error_string(a) ? archive_error_string(a) : "");
        goto out;
    }
    struct archive_entry *ae;
    for (;;) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            set_detail(st, "%s", archive_error_string(a) ? archive_error_string(a) : "");
            goto out;
        }
        const char *name = archive_entry_pathname(ae);
        if (!name) {
            err = JL_DEPOT_E_BUNDLE_ESCAPE;
            set_detail(st, "an entry without a name");
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
            set_detail(st, "entry '%s'", name);
            free(nm);
            goto out;
        }
        if (archive_entry_hardlink(ae) || type == AE_IFLNK) {
            err = JL_DEPOT_E_BUNDLE_LINK;
            set_detail(st, "entry '%s'", name);
            free(nm);
            goto out;
        }
        if (type == AE_IFDIR) { // directories are made as needed
            free(nm);
            continue;
        }
        if (type != AE_IFREG) {
            err = JL_DEPOT_E_BUNDLE_SPECIAL;
            set_detail(st, "entry '%s'", name);
            free(nm);
            goto out;
        }
        int64_t sz = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
        if (sz < 0 || (uint64_t)sz > o->max_entry || total + (uint64_t)sz > o->max_total ||
            (role < 0 && (uint64_t)sz > JLDEPOT_BUNDLE_MAX_MANIFEST)) {
            err = JL_DEPOT_E_BUNDLE_OVERSIZE;
            set_detail(st, "entry '%s' of %lld bytes", name, (long long)sz);
            free(nm);
            goto out;
        }
        total += (uint64_t)sz;
        if (role < 0) { // the manifest, into memory
            if (st->have_manifest) {
                err = JL_DEPOT_E_BUNDLE_DUPLICATE;
                set_detail(st, "entry '%s'", name);
                free(nm);
                goto out;
            }
            free(nm);
            st->have_manifest = 1;
            st->manifest = malloc((size_t)sz + 1);
            if (!st->manifest) {
                err = JL_DEPOT_E_NOMEM;
                goto out;
            }
            la_ssize_t k, got = 0;
            while ((k = archive_read_data(a, st->manifest + got, (size_t)sz - (size_t)got)) > 0)
                got += k;
            if (k < 0 || got != sz) {
                err = JL_DEPOT_E_BUNDLE_CORRUPT;
                set_detail(st, "%s", archive_error_string(a) ? archive_error_string(a) : "");
                goto out;
            }
            st->manifest[got] = '\0';
            st->manifest_len = (size_t)got;
            continue;
        }
        if (st->n == st->cap) {
            size_t nc = st->cap ? 2 * st->cap : 64;
            sentry_t *nv = realloc(st->v, nc * sizeof(sentry_t));
            if (!nv) {
                free(nm);
                err = JL_DEPOT_E_NOMEM;
                goto out;
            }
            st->v = nv;
            st->cap = nc;
        }
        sentry_t *e = &st->v[st->n];
        memset(e, 0, sizeof(*e));
        e->fd = -1;
        e->bidx = bidx;
        e->name = nm;
        e->role = role;
        e->rest = nm + (rest - nm);
        e->mode = (archive_entry_perm(ae) & 0111) ? 0755 : 0644;
        err = stage_open(st, s, depot, role, e->mode, e);
        if (err) {
            set_detail(st, "staging in %s", st->stagedir[role] ? st->stagedir[role] : "");
            free(nm);
            goto out;
        }
        st->n++;
        EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
        la_ssize_t k;
        uint64_t got = 0;
        while ((k = archive_read_data(a, buf, bufsz)) > 0) {
            got += (uint64_t)k;
            if (got > (uint64_t)sz)
                break;
            EVP_DigestUpdate(sha, buf, (size_t)k);
            int we = write_all(e->fd, buf, (size_t)k);
            if (we) {
                err = jl_depot_errno_code(we);
                set_detail(st, "staging '%s'", name);
                break;
            }
        }
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdl;
        EVP_DigestFinal_ex(sha, md, &mdl);
        if (!err && (k < 0 || got != (uint64_t)sz)) {
            err = JL_DEPOT_E_BUNDLE_CORRUPT;
            set_detail(st, "entry '%s': %s", name,
                       archive_error_string(a) ? archive_error_string(a) : "size mismatch");
        }
        if (err)
            goto out;
        e->size = got;
        static const char hx[] = "0123456789abcdef";
        for (int i = 0; i < 32; i++) {
            e->sha[2 * i] = hx[md[i] >> 4];
            e->sha[2 * i + 1] = hx[md[i] & 15];
        }
        e->sha[64] = '\0';
        // (no fchmod: the open gave the mode less the umask, as tar does)
        struct timespec ts[2];
        ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(ae);
        if ((int64_t)ts[0].tv_sec > st->newest)
            st->newest = (int64_t)ts[0].tv_sec;
        ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(ae);
        futimens(e->fd, ts);
        // start the writeback now: the fdatasync before the commit then
        // mostly waits for I/O already under way
        sync_file_range(e->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
out:
    EVP_MD_CTX_free(sha);
    free(buf);
    archive_read_free(a);
    return err;
}

// ---- phase 2: check -----------------------------------------------------------------

static int se_cmp(const void *a, const void *b)
{
    return strcmp(((const sentry_t *)a)->name, ((const sentry_t *)b)->name);
}

static sentry_t *find_entry(stage_t *st, const char *name)
{
    sentry_t key;
    key.name = (char *)name;
    return bsearch(&key, st->v, st->n, sizeof(sentry_t), se_cmp);
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

static int read_staged(sentry_t *e, uint8_t **buf)
{
    *buf = malloc(e->size ? e->size : 1);
    if (!*buf)
        return JL_DEPOT_E_NOMEM;
    uint64_t got = 0;
    while (got < e->size) {
        ssize_t k = pread(e->fd, *buf + got, e->size - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(*buf);
            *buf = NULL;
            return JL_DEPOT_E_IO;
        }
        got += (uint64_t)k;
    }
    return JL_DEPOT_E_OK;
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

static int check_bundle(stage_t *st, json_object **mout, const char *bundle,
                        const jldepot_unpack_opts_t *o)
{
    *mout = NULL;
    if (!st->have_manifest) {
        set_detail(st, "no %s in the bundle", JLDEPOT_BUNDLE_MANIFEST);
        return JL_DEPOT_E_BUNDLE_MANIFEST;
    }
    json_tokener *tok = json_tokener_new();
    json_object *m = tok ? json_tokener_parse_ex(tok, st->manifest, (int)st->manifest_len) : NULL;
    if (tok)
        json_tokener_free(tok);
    const char *fmt = jget_str(m, "format");
    json_object *files, *caches;
    if (!m || !fmt || strcmp(fmt, JLDEPOT_BUNDLE_FORMAT) != 0 || !jget_str(m, "key") ||
        !jget_str(m, "package") || !json_object_object_get_ex(m, "files", &files) ||
        !json_object_is_type(files, json_type_array) ||
        !json_object_object_get_ex(m, "caches", &caches) ||
        !json_object_is_type(caches, json_type_array)) {
        if (m)
            json_object_put(m);
        set_detail(st, "%s", JLDEPOT_BUNDLE_MANIFEST);
        return JL_DEPOT_E_BUNDLE_MANIFEST;
    }
    *mout = m;
    // duplicates (and a file that is also a directory of another)
    if (st->n)
        qsort(st->v, st->n, sizeof(sentry_t), se_cmp);
    for (size_t i = 1; i < st->n; i++) {
        size_t a = strlen(st->v[i - 1].name);
        if (!strcmp(st->v[i - 1].name, st->v[i].name) ||
            (!strncmp(st->v[i - 1].name, st->v[i].name, a) && st->v[i].name[a] == '/')) {
            set_detail(st, "entry '%s'", st->v[i].name);
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
            set_detail(st, "files[%zu]", i);
            return JL_DEPOT_E_BUNDLE_MANIFEST;
        }
        sentry_t *e = find_entry(st, name);
        if (!e) {
            set_detail(st, "'%s' is missing", name);
            return JL_DEPOT_E_BUNDLE_UNLISTED;
        }
        if (e->order) {
            set_detail(st, "'%s' listed twice", name);
            return JL_DEPOT_E_BUNDLE_DUPLICATE;
        }
        e->order = 1;
        nlisted++;
        if (strcmp(e->sha, sha) != 0 || e->size != json_object_get_uint64(sz)) {
            set_detail(st, "%s (SHA-256 %s, expected %s)", name, e->sha, sha);
            return JL_DEPOT_E_BUNDLE_SHA256;
        }
    }
    if (nlisted != st->n) {
        for (size_t i = 0; i < st->n; i++)
            if (!st->v[i].order) {
                set_detail(st, "entry '%s' is not in the manifest", st->v[i].name);
                break;
            }
        return JL_DEPOT_E_BUNDLE_UNLISTED;
    }
    // the keys: from the manifest's key inputs, then from the staged headers
    size_t nc = json_object_array_length(caches);
    idmap_t map = {calloc(nc ? nc : 1, sizeof(jl_cache_u128_t)),
                   calloc(nc ? nc : 1, sizeof(char *)), 0};
    jl_cachefile_t **cfs = calloc(nc ? nc : 1, sizeof(*cfs));
    uint8_t **bufs = calloc(nc ? nc : 1, sizeof(*bufs));
    int err = JL_DEPOT_E_OK;
    int top = 0;
    const char *mkey = jget_str(m, "key");
    if (!map.ids || !map.keys || !cfs || !bufs) {
        err = JL_DEPOT_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < nc && !err; i++) {
        json_object *c = json_object_array_get_idx(caches, i), *in = NULL;
        const char *key = jget_str(c, "key"), *ji = jget_str(c, "ji"),
                   *pkg = jget_str(c, "package");
        if (!key || !ji || !pkg || !json_object_object_get_ex(c, "key_input", &in)) {
            set_detail(st, "caches[%zu]", i);
            err = JL_DEPOT_E_BUNDLE_MANIFEST;
            break;
        }
        char k[65];
        err = jldepot_key_compute(in, k);
        if (err) {
            set_detail(st, "caches[%zu].key_input", i);
            break;
        }
        if (strcmp(k, key) != 0) {
            set_detail(st, "%s: key %s, recomputed %s", pkg, key, k);
            err = JL_DEPOT_E_BUNDLE_KEY;
            break;
        }
        if (!strcmp(key, mkey) && !strcmp(pkg, jget_str(m, "package")))
            top = 1;
        sentry_t *e = find_entry(st, ji);
        if (!e || e->role != JL_DEPOT_ROLE_COMPILED) {
            set_detail(st, "'%s' is missing", ji);
            err = JL_DEPOT_E_BUNDLE_UNLISTED;
            break;
        }
        e->order = 3 + 2 * (int)i + 1; // .ji after its .so
        const char *so = jget_str(c, "so");
        sentry_t *se = so ? find_entry(st, so) : NULL;
        if (so && !se) {
            set_detail(st, "'%s' is missing", so);
            err = JL_DEPOT_E_BUNDLE_UNLISTED;
            break;
        }
        if (se)
            se->order = 3 + 2 * (int)i;
        err = read_staged(e, &bufs[i]);
        if (!err)
            err = jl_cachefile_parse(bufs[i], e->size, 0, &cfs[i]);
        if (err) {
            set_detail(st, "%s", ji);
            break;
        }
        // what the seal needs, so it does not read the header again
        if (!e->tgt && (err = set_target(e, cfs[i])) != JL_DEPOT_E_OK)
            break;
        map.ids[i] = jl_cachefile_build_id(cfs[i]);
        map.keys[i] = key;
        map.n = i + 1;
        // the header itself must give the same key input
        json_object *hin = jldepot_key_input(cfs[i], idmap_lookup, &map);
        char *c1 = NULL, *c2 = NULL;
        size_t l1 = 0, l2 = 0;
        int same = hin && !jldepot_key_canonical(hin, &c1, &l1) &&
                   !jldepot_key_canonical(in, &c2, &l2) && l1 == l2 && !memcmp(c1, c2, l1);
        free(c1);
        free(c2);
        if (hin)
            json_object_put(hin);
        if (!same) {
            set_detail(st, "%s: the cache header does not give the manifest's key input", ji);
            err = JL_DEPOT_E_BUNDLE_KEY;
        }
    }
    if (!err && !top) {
        set_detail(st, "no cache of %s has the bundle key %s", jget_str(m, "package"), mkey);
        err = JL_DEPOT_E_BUNDLE_KEY;
    }
    if (!err && o->expect_key && strcmp(o->expect_key, mkey) != 0) {
        set_detail(st, "key %s, expected %s", mkey, o->expect_key);
        err = JL_DEPOT_E_BUNDLE_KEY;
    }
    if (!err && bundle) { // NAME-KEY16.tar.*: the name's key must be the manifest's
        const char *b = strrchr(bundle, '/');
        b = b ? b + 1 : bundle;
        const char *dash = strrchr(b, '-'), *dot = dash ? strchr(dash, '.') : NULL;
        if (dash && dot && dot - dash == 17 && !strncmp(dot, ".tar", 4)) {
            int hex = 1;
            for (const char *p = dash + 1; p < dot; p++)
                hex &= (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
            if (hex && strncmp(dash + 1, mkey, 16) != 0) {
                set_detail(st, "file name %s, key %s", b, mkey);
                err = JL_DEPOT_E_BUNDLE_KEY;
            }
        }
    }
done:
    for (size_t i = 0; i < nc; i++) {
        if (cfs && cfs[i])
            jl_cachefile_free(cfs[i]);
        if (bufs)
            free(bufs[i]);
    }
    free(cfs);
    free(bufs);
    free(map.ids);
    free(map.keys);
    return err;
}

// Final paths; files already there: identical (skip) or a conflict.
static int check_targets(stage_t *st, jl_depot_stack_t *s, size_t depot)
{
    for (size_t i = 0; i < st->n; i++) {
        sentry_t *e = &st->v[i];
        if (asprintf(&e->final, "%s/%s", jl_depot_root(s, depot, (jl_depot_role_t)e->role),
                     e->rest) < 0)
            return JL_DEPOT_E_NOMEM;
        struct stat sb;
        if (lstat(e->final, &sb) != 0) {
            if (errno == ENOENT)
                continue;
            if (errno == ENOTDIR) {
                set_detail(st, "a parent of %s is not a directory", e->final);
                return JL_DEPOT_E_BUNDLE_CONFLICT;
            }
            set_detail(st, "%s", e->final);
            return jl_depot_errno_code(errno);
        }
        char sha[65];
        if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != e->size ||
            jldepot_sha256_file(e->final, sha) != JL_DEPOT_E_OK || strcmp(sha, e->sha) != 0) {
            set_detail(st, "%s", e->final);
            return JL_DEPOT_E_BUNDLE_CONFLICT;
        }
        e->skip = 1;
    }
    return JL_DEPOT_E_OK;
}

// ---- phase 3: commit ------------------------------------------------------------------

typedef struct {
    char **v;
    size_t n, cap;
} dirlist_t;

static int dl_add(dirlist_t *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 32;
        char **nv = realloc(l->v, nc * sizeof(char *));
        if (!nv)
            return ENOMEM;
        l->v = nv;
        l->cap = nc;
    }
    char *c = strndup(s, len);
    if (!c)
        return ENOMEM;
    l->v[l->n++] = c;
    return 0;
}

static void dl_free(dirlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

// mkdir -p, from the deepest directory up: an existing directory costs one
// mkdir.  The directories made are recorded in `made`.
static int mkdirs(char *p, size_t len, dirlist_t *made)
{
    char c = p[len];
    p[len] = '\0';
    int rc = 0;
    if (mkdir(p, 0777) == 0)
        rc = dl_add(made, p, len);
    else if (errno == ENOENT) {
        char *sl = len > 1 ? memrchr(p, '/', len) : NULL;
        if (sl && sl != p)
            rc = mkdirs(p, (size_t)(sl - p), made);
        if (!rc) {
            if (mkdir(p, 0777) == 0)
                rc = dl_add(made, p, len);
            else if (errno != EEXIST)
                rc = errno;
        }
    }
    else if (errno != EEXIST)
        rc = errno;
    p[len] = c;
    return rc;
}

typedef struct {
    dirlist_t made;   // directories made by the commit
    dirlist_t synced; // directories that got a new entry (fsync'ed after the links)
    char *last;       // the directory ensured last
    size_t lastlen;
} linkctx_t;

static int link_staged(sentry_t *e, linkctx_t *lc)
{
    const char *sl = strrchr(e->final, '/');
    size_t dl = sl ? (size_t)(sl - e->final) : 0;
    int rc = 0;
    // the entries come sorted: most share the directory of the one before
    if (dl && !(lc->last && lc->lastlen == dl && !memcmp(lc->last, e->final, dl))) {
        char *dir = strndup(e->final, dl);
        if (!dir)
            return ENOMEM;
        size_t n0 = lc->made.n;
        rc = mkdirs(dir, dl, &lc->made);
        // a directory made here is a new entry of its parent
        for (size_t i = n0; !rc && i < lc->made.n; i++) {
            const char *m = lc->made.v[i], *ps = strrchr(m, '/');
            if (ps && ps != m)
                rc = dl_add(&lc->synced, m, (size_t)(ps - m));
        }
        if (!rc)
            rc = dl_add(&lc->synced, dir, dl);
        if (rc) {
            free(dir);
            return rc;
        }
        free(lc->last);
        lc->last = dir;
        lc->lastlen = dl;
    }
    if (e->tmpname)
        rc = link(e->tmpname, e->final) == 0 ? 0 : errno;
    else {
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", e->fd);
        rc = linkat(AT_FDCWD, proc, AT_FDCWD, e->final, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
        if (rc == ENOENT || rc == EXDEV || rc == EPERM) // no /proc
            rc = linkat(e->fd, "", AT_FDCWD, e->final, AT_EMPTY_PATH) == 0 ? 0 : errno;
    }
    if (rc == EEXIST) { // appeared since the check: the same file is fine
        char sha[65];
        if (jldepot_sha256_file(e->final, sha) == JL_DEPOT_E_OK && !strcmp(sha, e->sha)) {
            e->skip = 1;
            return 0;
        }
    }
    return rc;
}

// fdatasync (or fsync) of many files at once, from a few threads: the block
// layer merges the cache flushes of concurrent syncs, so N files cost a few
// device flushes instead of N one after the other.
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

// 0 or an errno value
static int sync_many(const int *fds, size_t n, int datasync)
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

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// fsync each directory of the list once
static int sync_dirs(dirlist_t *l)
{
    if (l->n)
        qsort(l->v, l->n, sizeof(char *), str_cmp);
    int *fds = malloc((l->n ? l->n : 1) * sizeof(int));
    if (!fds)
        return JL_DEPOT_E_NOMEM;
    size_t nf = 0;
    int err = JL_DEPOT_E_OK;
    for (size_t i = 0; i < l->n; i++) {
        if (i > 0 && !strcmp(l->v[i], l->v[i - 1]))
            continue;
        int fd = open(l->v[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            jldepot_error("unpack: %s: %s", l->v[i], strerror(errno));
            err = jl_depot_errno_code(errno);
            break;
        }
        fds[nf++] = fd;
    }
    int e = err ? 0 : sync_many(fds, nf, 0);
    if (e) {
        jldepot_error("unpack: fsync of the directories: %s", strerror(e));
        err = jl_depot_errno_code(e);
    }
    for (size_t i = 0; i < nf; i++)
        close(fds[i]);
    free(fds);
    return err;
}

static int ord_cmp(const void *a, const void *b)
{
    const sentry_t *x = *(sentry_t *const *)a, *y = *(sentry_t *const *)b;
    if (x->role != y->role) // @depot (sources) first
        return x->role == JL_DEPOT_ROLE_DEPOT ? -1 : 1;
    if (x->bidx != y->bidx)
        return x->bidx < y->bidx ? -1 : 1;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
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
                    jldepot_error("unpack: %s: not sealed: %s", c[i]->final, jl_depot_strerror(e));
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
            jldepot_error("unpack: %s: not sealed: %s", c[i]->final, jl_depot_strerror(e));
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

// Link the staged files of every bundle, make the links durable, date the
// new directories, seal.  nlinked[b] and nsealed[b] count per bundle.
static int commit(stage_t *sts, size_t nb, jl_depot_stack_t *s, const jldepot_unpack_opts_t *o,
                  size_t *nlinked, size_t *nsealed)
{
    size_t total = 0;
    int64_t newest = 0;
    for (size_t b = 0; b < nb; b++) {
        total += sts[b].n;
        if (sts[b].newest > newest)
            newest = sts[b].newest;
    }
    sentry_t **ord = malloc((total ? total : 1) * sizeof(sentry_t *));
    unsigned char *sealed = calloc(total ? total : 1, 1);
    if (!ord || !sealed) {
        free(ord);
        free(sealed);
        return JL_DEPOT_E_NOMEM;
    }
    size_t n = 0;
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < sts[b].n; i++)
            ord[n++] = &sts[b].v[i];
    qsort(ord, n, sizeof(sentry_t *), ord_cmp);
    int err = JL_DEPOT_E_OK;
    linkctx_t lc;
    memset(&lc, 0, sizeof(lc));
    for (size_t i = 0; i < n && !err; i++) {
        if (ord[i]->skip)
            continue;
        int e = link_staged(ord[i], &lc);
        if (e) {
            err = jl_depot_errno_code(e);
            jldepot_error("unpack: %s: %s", ord[i]->final, strerror(e));
        }
        else if (!ord[i]->skip)
            nlinked[ord[i]->bidx]++;
    }
    phase_time("c:link");
    // durable: the links (each directory with a new entry, once)
    if (!err)
        err = sync_dirs(&lc.synced);
    phase_time("c:dirsync");
    // The directories made here got their mtime from the links just made: a
    // directory that is a dependency would look "racy" to the seal (changed
    // in the tick it was examined) and be re-read on the first check.  Date
    // them with the newest file of the bundles (at least a second back), as
    // tar dates the directories it extracts.
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t when = (time_t)newest;
    if (when <= 0 || when > now.tv_sec - 1)
        when = now.tv_sec - 1;
    struct timespec ts[2] = {{when, 0}, {when, 0}};
    for (size_t i = 0; i < lc.made.n; i++)
        utimensat(AT_FDCWD, lc.made.v[i], ts, 0);
    dl_free(&lc.made);
    dl_free(&lc.synced);
    free(lc.last);
    // seal, dependencies first (the order of the caches in the manifests)
    if (!err && !o->no_seal) {
        size_t nc = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(ord[i]->final);
            if (ord[i]->role == JL_DEPOT_ROLE_COMPILED && !ord[i]->dup && l >= 3 &&
                !strcmp(ord[i]->final + l - 3, ".ji"))
                ord[nc++] = ord[i];
        }
        seal_all(s, ord, nc, sealed);
        for (size_t i = 0; i < nc; i++)
            nsealed[ord[i]->bidx] += sealed[i];
    }
    phase_time("c:seal");
    free(sealed);
    free(ord);
    return err;
}

// Durable before the commit: every staged file's data (its writeback was
// started when it was staged).
static int sync_staged(stage_t *sts, size_t nb)
{
    size_t total = 0;
    for (size_t b = 0; b < nb; b++)
        total += sts[b].n;
    int *fds = malloc((total ? total : 1) * sizeof(int));
    if (!fds)
        return JL_DEPOT_E_NOMEM;
    size_t nf = 0;
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < sts[b].n; i++)
            if (!sts[b].v[i].skip && sts[b].v[i].fd >= 0)
                fds[nf++] = sts[b].v[i].fd;
    int e = sync_many(fds, nf, 1);
    free(fds);
    if (e) {
        jldepot_error("unpack: fdatasync of the staged files: %s", strerror(e));
        return jl_depot_errno_code(e);
    }
    return JL_DEPOT_E_OK;
}

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

// One bundle of a run: staged and checked by a worker thread.
typedef struct {
    const char *bundle;
    int bidx, bfd, err;
    stage_t st;
    json_object *m;
} bjob_t;

typedef struct {
    bjob_t *jobs;
    size_t n, next;
    pthread_mutex_t mu;
    jl_depot_stack_t *s;
    size_t depot;
    const jldepot_unpack_opts_t *o;
} bpool_t;

static void stage_one(bpool_t *p, bjob_t *j)
{
    j->bfd = open(j->bundle, O_RDONLY | O_CLOEXEC);
    if (j->bfd < 0) {
        int e = errno;
        set_detail(&j->st, "%s", strerror(e));
        j->err = e == ENOENT ? JL_DEPOT_E_NOT_FOUND : JL_DEPOT_E_IO;
        return;
    }
    // held (shared) until the commit is over, also by the committing child:
    // `flock -x BUNDLE true` waits for an unpack that was killed mid-commit
    flock(j->bfd, LOCK_SH);
    j->err = stage_bundle(&j->st, j->bfd, p->s, p->depot, p->o, j->bidx);
    if (!j->err)
        j->err = check_bundle(&j->st, &j->m, j->bundle, p->o);
}

static void *stage_worker(void *arg)
{
    bpool_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        stage_one(p, &p->jobs[i]);
    }
}

static int fin_cmp(const void *a, const void *b)
{
    const sentry_t *x = *(sentry_t *const *)a, *y = *(sentry_t *const *)b;
    int c = strcmp(x->final, y->final);
    if (c)
        return c;
    return x->bidx < y->bidx ? -1 : x->bidx > y->bidx;
}

// The same file in several bundles of the run: linked once.  A different
// file at the same path, or a file where another bundle has a directory, is
// a conflict.
static int check_across(bjob_t *jobs, size_t nb, size_t *bad)
{
    size_t total = 0;
    for (size_t b = 0; b < nb; b++)
        total += jobs[b].st.n;
    sentry_t **v = malloc((total ? total : 1) * sizeof(sentry_t *));
    if (!v)
        return JL_DEPOT_E_NOMEM;
    size_t n = 0;
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < jobs[b].st.n; i++)
            if (!jobs[b].st.v[i].skip)
                v[n++] = &jobs[b].st.v[i];
    qsort(v, n, sizeof(sentry_t *), fin_cmp);
    int err = JL_DEPOT_E_OK;
    for (size_t i = 1; i < n && !err; i++) {
        sentry_t *a = v[i - 1], *e = v[i];
        size_t al = strlen(a->final);
        if (!strcmp(a->final, e->final)) {
            if (strcmp(a->sha, e->sha) != 0 || a->mode != e->mode) {
                err = JL_DEPOT_E_BUNDLE_CONFLICT;
                *bad = (size_t)e->bidx;
                set_detail(&jobs[e->bidx].st, "%s differs in %s", e->final, jobs[a->bidx].bundle);
            }
            else
                e->skip = e->dup = 1; // v[i - 1] is linked (or already there)
        }
        else if (!strncmp(a->final, e->final, al) && e->final[al] == '/') {
            err = JL_DEPOT_E_BUNDLE_CONFLICT;
            *bad = (size_t)e->bidx;
            set_detail(&jobs[e->bidx].st, "%s is a file in %s", a->final, jobs[a->bidx].bundle);
        }
    }
    free(v);
    return err;
}

// Unpack the bundles `bundles[0..nb)` into depot `depot` of `s`: all are
// staged and checked (in threads, a bundle each) before any is committed,
// and one commit links them all, so a bundle refused leaves the depot as it
// was.
static int unpack_bundles(const char *const *bundles, size_t nb, jl_depot_stack_t *s, size_t depot,
                          const jldepot_unpack_opts_t *o)
{
    raise_nofile();
    phase_time("start");
    bjob_t *jobs = calloc(nb ? nb : 1, sizeof(bjob_t));
    stage_t *sts = calloc(nb ? nb : 1, sizeof(stage_t));
    size_t *nlinked = calloc(nb ? nb : 1, sizeof(size_t));
    size_t *nsealed = calloc(nb ? nb : 1, sizeof(size_t));
    if (!jobs || !sts || !nlinked || !nsealed) {
        free(jobs);
        free(sts);
        free(nlinked);
        free(nsealed);
        return JL_DEPOT_E_NOMEM;
    }
    for (size_t b = 0; b < nb; b++) {
        jobs[b].bundle = bundles[b];
        jobs[b].bidx = (int)b;
        jobs[b].bfd = -1;
        for (int r = 0; r < JL_DEPOT_NROLES; r++)
            jobs[b].st.stagefd[r] = -1;
    }
    // phases 1 and 2, a thread per bundle up to the number of CPUs
    bpool_t pool = {jobs, nb, 0, PTHREAD_MUTEX_INITIALIZER, s, depot, o};
    enum { MAXT = 8 };
    pthread_t th[MAXT];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = ncpu < 1 ? 1 : (size_t)ncpu, started = 0;
    if (nt > MAXT)
        nt = MAXT;
    if (nt > nb)
        nt = nb;
    for (; started + 1 < nt; started++)
        if (pthread_create(&th[started], NULL, stage_worker, &pool) != 0)
            break;
    stage_worker(&pool);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&pool.mu);
    phase_time("stage+check");
    int err = JL_DEPOT_E_OK;
    size_t bad = 0;
    for (size_t b = 0; b < nb && !err; b++) {
        err = jobs[b].err;
        if (!err)
            err = check_targets(&jobs[b].st, s, depot);
        bad = b;
    }
    if (!err && nb > 1)
        err = check_across(jobs, nb, &bad);
    phase_time("targets");
    if (err) {
        stage_t *st = &jobs[bad].st;
        if (err == JL_DEPOT_E_NOT_FOUND || (err == JL_DEPOT_E_IO && jobs[bad].bfd < 0))
            jldepot_error("unpack: %s: %s", bundles[bad], st->detail ? st->detail : "");
        else
            jldepot_error("unpack: %s: %s%s%s [%s]", bundles[bad], jl_depot_strerror(err),
                          st->detail ? ": " : "", st->detail ? st->detail : "",
                          jl_depot_errjson(err));
        goto out;
    }
    for (size_t b = 0; b < nb; b++)
        sts[b] = jobs[b].st; // the commit's view (the jobs keep ownership)
    // durable before the commit: the data of every staged file
    err = sync_staged(sts, nb);
    phase_time("fdatasync");
    if (err)
        goto out;
    fflush(stdout);
    fflush(stderr);
    // the commit runs in a session of its own: once begun, it completes
    pid_t pid = fork();
    if (pid < 0) {
        err = JL_DEPOT_E_IO;
        jldepot_error("unpack: fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        setsid();
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        int e = commit(sts, nb, s, o, nlinked, nsealed);
        for (size_t b = 0; b < nb && !e && !o->quiet; b++) {
            const char *bn = strrchr(bundles[b], '/');
            printf("unpacked %s into %s: %zu files, %zu already there, %zu caches sealed\n",
                   bn ? bn + 1 : bundles[b], jl_depot_root(s, depot, JL_DEPOT_ROLE_DEPOT),
                   nlinked[b], sts[b].n - nlinked[b], nsealed[b]);
        }
        fflush(stdout);
        fflush(stderr);
        _exit(e ? 3 : 0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    phase_time("commit");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        err = JL_DEPOT_E_IO;
out:
    for (size_t b = 0; b < nb; b++) {
        if (jobs[b].m)
            json_object_put(jobs[b].m);
        stage_free(&jobs[b].st);
        if (jobs[b].bfd >= 0)
            close(jobs[b].bfd);
    }
    free(jobs);
    free(sts);
    free(nlinked);
    free(nsealed);
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
        jldepot_error("unpack: '%s': %s [%s]", s, jl_depot_strerror(err), jl_depot_errjson(err));
    return err ? -1 : 0;
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
        jldepot_error("%s", jl_depot_strerror(JL_DEPOT_E_EMPTY_DEPOT_PATH));
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
    int err = unpack_bundles(ops, nops, s, 0, &o);
    jl_depot_stack_free(s);
    free(dp);
    free(ops);
    if (err == JL_DEPOT_E_OK)
        return JLDEPOT_EXIT_OK;
    return (err == JL_DEPOT_E_IO || err == JL_DEPOT_E_NOT_FOUND || err == JL_DEPOT_E_NOMEM ||
            err == JL_DEPOT_E_READ_ONLY || err == JL_DEPOT_E_NO_SPACE)
               ? JLDEPOT_EXIT_USAGE
               : JLDEPOT_EXIT_REJECTED;
}
