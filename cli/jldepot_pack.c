// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_pack.c: `jldepot pack`: one bundle per package cache (its .ji and
  .so, the closure of caches it requires by build id, the package sources,
  and a manifest with the content key and every file's SHA-256), written
  through libarchive as tar + zstd, and the out directory's index.json
  updated atomically.  `--explain` prints each cache's servability verdict.
*/

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "atomicfile.h"
#include "jldepot.h"
#include "jldepot_bundle.h"
#include "jldepot_sigfile.h"
#include "jldepot_sign.h"
#include "jldepot_trust.h"
#include "jldepot_model.h"

static const char pack_help[] =
    "usage: jldepot pack [--out DIR] [--explain] [--json] [--no-sources] [OPTIONS]\n"
    "                    DEPOT PKG...|all\n"
    "\n"
    "Write one bundle per cache of each package PKG (its directory under\n"
    "compiled/vX.Y/; 'all': every cache of the depot): the .ji and .so, the caches\n"
    "it requires by exact build id (transitively), the package sources, and a\n"
    "manifest with the content key and each file's SHA-256.  Bundles are named\n"
    "NAME-KEY16.tar.zst; DIR/index.json maps package UUID and key to them.\n"
    "Caches that record absolute or mtime-tracked dependencies, packages with a\n"
    "deps/build.jl, and caches requiring such a cache are not servable: the tool\n"
    "says why.  See doc/serving.md.\n"
    "\n"
    "options:\n"
    "  --out DIR            where bundles and index.json go (default: .)\n"
    "  --explain            print each cache's verdict (servable or why not), write nothing\n"
    "  --json               with --explain: one JSON document\n"
    "  --no-sources         leave the package sources out (layered depots that share them)\n"
    "  --sign SECRET        sign each bundle (NAME.tar.zst.sig) and the index\n"
    "                       (index.json.sig) with this key; repeat for more keys\n"
    "  --index-valid DAYS   the signed index expires after DAYS days (default 7)\n"
    "  --depot-path LIST    the depots after DEPOT (default JULIA_DEPOT_PATH)\n"
    "  --layout classic|xdg the depots' layout\n"
    "  --julia-home DIR     Julia's bindir, for the bundled depots\n"
    "exit status: 0 every requested cache packed, 1 some not servable, 2 usage or I/O error\n";

typedef struct {
    char *name; // entry name (@compiled/..., @depot/...)
    char *path; // absolute source file
} pfile_t;

typedef struct {
    pfile_t *v;
    size_t n;
} pfiles_t;

static int pf_add(pfiles_t *l, const char *name, const char *path)
{
    pfile_t *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (!nv)
        return -1;
    l->v = nv;
    l->v[l->n].name = strdup(name);
    l->v[l->n].path = strdup(path);
    if (!l->v[l->n].name || !l->v[l->n].path)
        return -1;
    l->n++;
    return 0;
}

static void pf_free(pfiles_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].path);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int pf_cmp(const void *a, const void *b)
{
    return strcmp(((const pfile_t *)a)->name, ((const pfile_t *)b)->name);
}

// Whether a symbolic link leads to a regular file inside the package tree
// whose real path is `treereal`: such a link is bundled as a regular file
// with its target's content (a bundle holds no links, and an include()d
// link must arrive with the content the cache recorded).  A link that leads
// out of the tree is left out; when a cache records it as a dependency, the
// cache is not servable (NOT_SERVABLE_LINK, jldepot_bundle.c).
static int link_in_tree(const char *path, const char *treereal)
{
    if (!treereal)
        return 0;
    struct stat st;
    char *rp = realpath(path, NULL);
    size_t n = strlen(treereal);
    int ok = rp && stat(rp, &st) == 0 && S_ISREG(st.st_mode) && !strncmp(rp, treereal, n) &&
             rp[n] == '/';
    free(rp);
    return ok;
}

// Add `path` (a file, or a directory's regular files recursively) under
// `name`.  `type` is the entry's d_type when the walk knows it (DT_UNKNOWN:
// lstat it), so a walk costs no stat per file.
static int add_tree_t(pfiles_t *l, const char *name, const char *path, int depth, int type,
                      const char *treereal)
{
    if (type == DT_UNKNOWN) {
        struct stat st;
        if (lstat(path, &st) != 0)
            return 0; // vanished: the manifest lists what is there
        type = S_ISREG(st.st_mode)   ? DT_REG
               : S_ISDIR(st.st_mode) ? DT_DIR
               : S_ISLNK(st.st_mode) ? DT_LNK
                                     : DT_UNKNOWN;
    }
    if (type == DT_REG)
        return pf_add(l, name, path);
    if (type == DT_LNK && link_in_tree(path, treereal))
        return pf_add(l, name, path);
    if (type != DT_DIR || depth > 64)
        return 0; // other links and special files are not bundled
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *n2 = NULL, *p2 = NULL;
        if (asprintf(&n2, "%s/%s", name, e->d_name) < 0 ||
            asprintf(&p2, "%s/%s", path, e->d_name) < 0)
            rc = -1;
        else
            rc = add_tree_t(l, n2, p2, depth + 1, e->d_type, treereal);
        free(n2);
        free(p2);
    }
    closedir(d);
    return rc;
}

static int add_tree(pfiles_t *l, const char *name, const char *path, int depth,
                    const char *treereal)
{
    return add_tree_t(l, name, path, depth, DT_UNKNOWN, treereal);
}

// Sort by name, each name once.
static void pf_sort_unique(pfiles_t *files)
{
    if (files->n)
        qsort(files->v, files->n, sizeof(pfile_t), pf_cmp);
    size_t w = 0;
    for (size_t i = 0; i < files->n; i++) {
        if (w > 0 && !strcmp(files->v[w - 1].name, files->v[i].name)) {
            free(files->v[i].name);
            free(files->v[i].path);
            continue;
        }
        files->v[w++] = files->v[i];
    }
    files->n = w;
}

static int pf_has(const pfiles_t *l, size_t n, const char *name, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(l->v[mid].name, name, len);
        if (c == 0 && l->v[mid].name[len] != '\0')
            c = 1;
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

// `abs` in token form relative to the packed depot's @depot root, as an entry name.
static char *depot_entry(jl_depot_stack_t *s, size_t depot, const char *abs)
{
    const char *root = jl_depot_root(s, depot, JL_DEPOT_ROLE_DEPOT);
    size_t n = strlen(root);
    if (strncmp(abs, root, n) != 0 || abs[n] != '/')
        return NULL;
    char *e = NULL;
    if (asprintf(&e, "@depot/%s", abs + n + 1) < 0)
        return NULL;
    return e;
}

static int collect_files(jldepot_depot_t *d, const size_t *cl, size_t ncl, int sources,
                         pfiles_t *files)
{
    const char *croot = jl_depot_root(d->stack, d->depot, JL_DEPOT_ROLE_COMPILED);
    for (size_t k = 0; k < ncl; k++) {
        jldepot_cache_t *c = &d->caches[cl[k]];
        char *n = NULL;
        if (asprintf(&n, "@compiled/%s", c->relji) < 0 || pf_add(files, n, c->ji)) {
            free(n);
            return -1;
        }
        if (c->so) {
            size_t len = strlen(n);
            memcpy(n + len - 3, ".so", 3);
            if (pf_add(files, n, c->so)) {
                free(n);
                return -1;
            }
        }
        free(n);
        if (!sources)
            continue;
        if (c->pkgroot) {
            char *e = depot_entry(d->stack, d->depot, c->pkgroot);
            char *treereal = realpath(c->pkgroot, NULL);
            if (e && add_tree(files, e, c->pkgroot, 0, treereal)) {
                free(e);
                free(treereal);
                return -1;
            }
            free(e);
            free(treereal);
        }
    }
    // the dependencies the package trees did not hold (one walk per tree:
    // a dependency found there is not resolved and stat'ed again)
    pf_sort_unique(files);
    size_t nwalked = files->n;
    for (size_t k = 0; sources && k < ncl; k++) {
        jldepot_cache_t *c = &d->caches[cl[k]];
        char *treereal = c->pkgroot ? realpath(c->pkgroot, NULL) : NULL;
        for (size_t j = 0; j < c->cf->ndeps; j++) {
            const jl_cache_dep_t *dep = &c->cf->deps[j];
            if (dep->kind == JL_CACHE_DEP_REQUIRE || dep->path.len < 7 ||
                memcmp(dep->path.ptr, "@depot/", 7) != 0 ||
                pf_has(files, nwalked, dep->path.ptr, dep->path.len))
                continue;
            char *abs = NULL;
            if (jldepot_resolve_n(d->stack, c->ji, 0, dep->path.ptr, dep->path.len, &abs) ==
                JL_DEPOT_E_OK) {
                char *e = strndup(dep->path.ptr, dep->path.len);
                if (!e || add_tree(files, e, abs, 0, treereal)) {
                    free(e);
                    free(abs);
                    free(treereal);
                    return -1;
                }
                free(e);
            }
            free(abs);
        }
        free(treereal);
    }
    (void)croot;
    pf_sort_unique(files);
    return 0;
}

// ---- writing the archive ------------------------------------------------------------

typedef struct {
    int fd;
    EVP_MD_CTX *sha;
    uint64_t size;
    int err;
} sink_t;

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    sink_t *s = ctx;
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t k = write(s->fd, p, left);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            s->err = errno;
            archive_set_error(a, errno, "write: %s", strerror(errno));
            return -1;
        }
        p += k;
        left -= (size_t)k;
    }
    EVP_DigestUpdate(s->sha, buf, n);
    s->size += n;
    return (la_ssize_t)n;
}

static int sink_close(struct archive *a, void *ctx)
{
    (void)a;
    (void)ctx;
    return ARCHIVE_OK;
}

static void hexmd(const unsigned char *d, char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

// Stream one file into the archive, hashing it on the way.
static int write_file(struct archive *a, const pfile_t *f, json_object *jfiles, char *buf,
                      size_t bufsz)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        jldepot_errno_error("pack", f->path, errno, 0);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        jldepot_error("pack: %s: not a regular file", f->path);
        close(fd);
        return -1;
    }
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, f->name);
    archive_entry_set_size(e, st.st_size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, (st.st_mode & 0111) ? 0755 : 0644);
    archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    int rc = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -1;
    archive_entry_free(e);
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    uint64_t total = 0;
    while (rc == 0) {
        // one byte more than is left: a short read is the end of the file
        // (no extra read to find it), a full one means it grew
        uint64_t left = (uint64_t)st.st_size - total;
        size_t want = left < bufsz ? (size_t)left + 1 : bufsz;
        ssize_t k = read(fd, buf, want);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = -1;
            break;
        }
        if (k == 0)
            break;
        if (total + (uint64_t)k > (uint64_t)st.st_size) {
            rc = -1; // grew while being packed
            break;
        }
        EVP_DigestUpdate(sha, buf, (size_t)k);
        if (archive_write_data(a, buf, (size_t)k) != k)
            rc = -1;
        total += (uint64_t)k;
        if ((size_t)k < want)
            break;
    }
    close(fd);
    if (rc == 0 && total != (uint64_t)st.st_size)
        rc = -1;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdl;
    EVP_DigestFinal_ex(sha, md, &mdl);
    EVP_MD_CTX_free(sha);
    if (rc) {
        jldepot_error("pack: %s: %s", f->path,
                      archive_errno(a) ? archive_error_string(a) : "changed while being packed");
        return -1;
    }
    char hex[65];
    hexmd(md, hex);
    json_object *x = json_object_new_object();
    json_object_object_add(x, "name", json_object_new_string(f->name));
    json_object_object_add(x, "size", json_object_new_uint64(total));
    json_object_object_add(x, "sha256", json_object_new_string(hex));
    json_object_array_add(jfiles, x);
    return 0;
}

static json_object *make_manifest(jldepot_depot_t *d, size_t i, const size_t *cl, size_t ncl,
                                  int sources)
{
    jldepot_cache_t *c = &d->caches[i];
    json_object *m = json_object_new_object();
    json_object_object_add(m, "format", json_object_new_string(JLDEPOT_BUNDLE_FORMAT));
    json_object_object_add(m, "key", json_object_new_string(c->key));
    json_object_object_add(m, "package", json_object_new_string(c->name));
    json_object_object_add(m, "uuid", json_object_new_string(c->uuid));
    json_object_object_add(
        m, "julia_version",
        json_object_new_string_len(c->cf->julia_version.ptr, (int)c->cf->julia_version.len));
    json_object_object_add(
        m, "julia_commit",
        json_object_new_string_len(c->cf->git_commit.ptr ? c->cf->git_commit.ptr : "",
                                   (int)c->cf->git_commit.len));
    char fl[8];
    snprintf(fl, sizeof(fl), "0x%02x", (unsigned)c->cf->flags);
    json_object_object_add(m, "flags", json_object_new_string(fl));
    json_object_object_add(m, "cpu_targets", jldepot_cpu_targets(c->cf));
    json_object_object_add(m, "sources", json_object_new_boolean(sources));
    json_object *caches = json_object_new_array();
    for (size_t k = 0; k < ncl; k++) {
        jldepot_cache_t *q = &d->caches[cl[k]];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "package", json_object_new_string(q->name));
        json_object_object_add(x, "uuid", json_object_new_string(q->uuid));
        json_object_object_add(x, "key", json_object_new_string(q->key));
        char *n = NULL;
        if (asprintf(&n, "@compiled/%s", q->relji) >= 0) {
            json_object_object_add(x, "ji", json_object_new_string(n));
            if (q->so) {
                memcpy(n + strlen(n) - 3, ".so", 3);
                json_object_object_add(x, "so", json_object_new_string(n));
            }
            free(n);
        }
        json_object_object_add(x, "cpu_targets", jldepot_cpu_targets(q->cf));
        json_object_object_add(x, "key_input", json_object_get(q->key_input));
        json_object_array_add(caches, x);
    }
    json_object_object_add(m, "caches", caches);
    return m;
}

static int write_bundle(jldepot_depot_t *d, size_t i, const char *outdir, int sources, char **fname,
                        char sha[65], uint64_t *size, char msha[65])
{
    jldepot_cache_t *c = &d->caches[i];
    size_t *cl = NULL, ncl = 0;
    pfiles_t files = {0};
    int rc = -1;
    char *tmp = NULL, *final = NULL;
    int fd = -1;
    struct archive *a = NULL;
    json_object *m = NULL;
    char *buf = NULL;
    sink_t sink = {0};
    *fname = jldepot_bundle_filename(c);
    if (!*fname || jldepot_depot_closure(d, i, &cl, &ncl) ||
        collect_files(d, cl, ncl, sources, &files))
        goto out;
    if (asprintf(&final, "%s/%s", outdir, *fname) < 0 ||
        asprintf(&tmp, "%s/.%s.tmpXXXXXX", outdir, *fname) < 0)
        goto out;
    fd = mkstemp(tmp);
    if (fd < 0) {
        jldepot_errno_error("pack", outdir, errno, 1);
        free(tmp);
        tmp = NULL;
        goto out;
    }
    fchmod(fd, 0644);
    sink.fd = fd;
    sink.sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sink.sha, EVP_sha256(), NULL);
    a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (archive_write_add_filter_zstd(a) != ARCHIVE_OK) {
        jldepot_error("pack: libarchive has no zstd: %s", archive_error_string(a));
        goto out;
    }
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open2(a, &sink, NULL, sink_write, sink_close, NULL) != ARCHIVE_OK) {
        jldepot_error("pack: %s", archive_error_string(a));
        goto out;
    }
    m = make_manifest(d, i, cl, ncl, sources);
    json_object *jfiles = json_object_new_array();
    json_object_object_add(m, "files", jfiles);
    size_t bufsz = 1 << 20;
    buf = malloc(bufsz);
    if (!buf)
        goto out;
    for (size_t k = 0; k < files.n; k++)
        if (write_file(a, &files.v[k], jfiles, buf, bufsz))
            goto out;
    // the manifest last: every SHA-256 is known by then
    const char *ms = json_object_to_json_string_ext(
        m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    jldepot_sha256_mem(ms, strlen(ms), msha);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, JLDEPOT_BUNDLE_MANIFEST);
    archive_entry_set_size(e, (la_int64_t)strlen(ms));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    int ok = archive_write_header(a, e) == ARCHIVE_OK &&
             archive_write_data(a, ms, strlen(ms)) == (la_ssize_t)strlen(ms);
    archive_entry_free(e);
    if (!ok || archive_write_close(a) != ARCHIVE_OK || sink.err) {
        jldepot_error("pack: %s: %s", tmp, archive_error_string(a));
        goto out;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        jldepot_errno_error("pack", tmp, errno, 1);
        goto out;
    }
    fd = -1;
    if (rename(tmp, final) != 0) {
        jldepot_errno_error("pack", final, errno, 1);
        goto out;
    }
    free(tmp);
    tmp = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdl;
    EVP_DigestFinal_ex(sink.sha, md, &mdl);
    hexmd(md, sha);
    *size = sink.size;
    printf("packed %s %s (%zu caches, %zu files, %llu bytes)\n", c->name, *fname, ncl, files.n,
           (unsigned long long)sink.size);
    rc = 0;
out:
    if (a)
        archive_write_free(a);
    if (sink.sha)
        EVP_MD_CTX_free(sink.sha);
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    if (m)
        json_object_put(m);
    free(buf);
    free(final);
    free(cl);
    pf_free(&files);
    return rc;
}

// ---- index.json -----------------------------------------------------------------------

typedef struct {
    jldepot_cache_t *c;
    char *fname;
    char sha[65];
    uint64_t size;
    char msha[65]; // of the manifest
} packed_t;

// Add the bundles written to DIR/index.json: one read and one atomic write
// per pack, whatever the number of bundles.
static int index_update(const char *outdir, const packed_t *pk, size_t npk)
{
    char *path = NULL;
    if (asprintf(&path, "%s/index.json", outdir) < 0)
        return -1;
    json_object *idx = NULL;
    struct stat st;
    if (stat(path, &st) == 0) {
        idx = json_object_from_file(path);
        json_object *f;
        if (!idx || !json_object_object_get_ex(idx, "format", &f) ||
            strcmp(json_object_get_string(f), JLDEPOT_INDEX_FORMAT) != 0) {
            jldepot_error("pack: %s is not a jldepot index", path);
            if (idx)
                json_object_put(idx);
            free(path);
            return -1;
        }
    }
    else {
        idx = json_object_new_object();
        json_object_object_add(idx, "format", json_object_new_string(JLDEPOT_INDEX_FORMAT));
    }
    json_object *pkgs, *p, *bundles;
    if (!json_object_object_get_ex(idx, "packages", &pkgs)) {
        pkgs = json_object_new_object();
        json_object_object_add(idx, "packages", pkgs);
    }
    for (size_t k = 0; k < npk; k++) {
        const jldepot_cache_t *c = pk[k].c;
        const char *fname = pk[k].fname, *sha = pk[k].sha;
        uint64_t size = pk[k].size;
        if (!json_object_object_get_ex(pkgs, c->uuid, &p)) {
            p = json_object_new_object();
            json_object_object_add(pkgs, c->uuid, p);
        }
        json_object_object_add(p, "name", json_object_new_string(c->name));
        if (!json_object_object_get_ex(p, "bundles", &bundles)) {
            bundles = json_object_new_object();
            json_object_object_add(p, "bundles", bundles);
        }
        json_object *b = json_object_new_object();
        json_object_object_add(b, "file", json_object_new_string(fname));
        json_object_object_add(
            b, "julia_version",
            json_object_new_string_len(c->cf->julia_version.ptr, (int)c->cf->julia_version.len));
        json_object_object_add(b, "cpu_targets", jldepot_cpu_targets(c->cf));
        json_object_object_add(b, "size", json_object_new_uint64(size));
        json_object_object_add(b, "sha256", json_object_new_string(sha));
        if (c->input_key[0])
            json_object_object_add(b, "input_key", json_object_new_string(c->input_key));
        json_object_object_add(bundles, c->key, b);
    }
    int err = jldepot_json_write_atomic(path, idx);
    if (err)
        jldepot_file_error("pack", path, err, 0);
    json_object_put(idx);
    free(path);
    return err ? -1 : 0;
}

// ---- signatures (--sign) ---------------------------------------------------------------

#define PACK_MAX_KEYS 8
#define PACK_SIG_MAX  (1 << 20)

// Add the signatures of `keys` to the signature file `path` of `stmt`: an
// existing file for the same statement keeps its signatures (one per key
// name; a key signing again replaces its own); one for another statement
// (an older bundle of that name) is replaced.  Written atomically.
static int sign_bundle(const char *path, jldepot_bundle_sig_t *stmt, const jldepot_seckey_t *keys,
                       size_t nkeys)
{
    size_t len = 0;
    char *old = jldepot_read_small(path, PACK_SIG_MAX, &len), *err = NULL;
    jldepot_bundle_sig_t prev;
    memset(&prev, 0, sizeof(prev));
    if (old && jldepot_bundle_sig_parse(old, len, &prev, &err) == JL_DEPOT_E_OK) {
        char *a = jldepot_statement_bundle(prev.output_key, prev.input_key, prev.manifest_sha256,
                                           prev.bundle_sha256, prev.bundle_size,
                                           (const char *const *)prev.closure, prev.nclosure);
        char *b = jldepot_statement_bundle(stmt->output_key, stmt->input_key, stmt->manifest_sha256,
                                           stmt->bundle_sha256, stmt->bundle_size,
                                           (const char *const *)stmt->closure, stmt->nclosure);
        for (size_t i = 0; a && b && !strcmp(a, b) && i < prev.nsigs; i++) {
            int mine = 0;
            for (size_t k = 0; k < nkeys; k++) {
                size_t nl = strlen(keys[k].name);
                mine |= !strncmp(prev.sigs[i], keys[k].name, nl) && prev.sigs[i][nl] == ':';
            }
            if (!mine) {
                char **v = realloc(stmt->sigs, (stmt->nsigs + 1) * sizeof(char *));
                if (!v)
                    break;
                stmt->sigs = v;
                stmt->sigs[stmt->nsigs++] = prev.sigs[i];
                prev.sigs[i] = NULL;
            }
        }
        free(a);
        free(b);
    }
    jldepot_bundle_sig_free(&prev);
    free(old);
    free(err);
    int e = JL_DEPOT_E_OK;
    for (size_t k = 0; k < nkeys && !e; k++)
        e = jldepot_bundle_sig_sign(stmt, &keys[k]);
    char *text = e ? NULL : jldepot_bundle_sig_format(stmt);
    if (!e && !text)
        e = JL_DEPOT_E_NOMEM;
    if (!e)
        e = jl_depot_write_atomic(path, text, strlen(text), 0644);
    free(text);
    if (e)
        jldepot_file_error("pack", path, e, 0);
    return e;
}

static int sign_packed(const jldepot_depot_t *d, const packed_t *x, const char *outdir,
                       const jldepot_seckey_t *keys, size_t nkeys)
{
    const jldepot_cache_t *c = x->c;
    jldepot_bundle_sig_t st;
    memset(&st, 0, sizeof(st));
    strcpy(st.output_key, c->key);
    strcpy(st.input_key, c->input_key);
    strcpy(st.manifest_sha256, x->msha);
    strcpy(st.bundle_sha256, x->sha);
    st.bundle_size = x->size;
    size_t *cl = NULL, ncl = 0;
    int e = jldepot_depot_closure(d, (size_t)(c - d->caches), &cl, &ncl);
    if (!e && !(st.closure = calloc(ncl ? ncl : 1, sizeof(char *))))
        e = JL_DEPOT_E_NOMEM;
    for (size_t k = 0; !e && k < ncl; k++)
        if (&d->caches[cl[k]] != c && !(st.closure[st.nclosure++] = strdup(d->caches[cl[k]].key)))
            e = JL_DEPOT_E_NOMEM;
    free(cl);
    char *path = NULL;
    if (!e && asprintf(&path, "%s/%s.sig", outdir, x->fname) < 0)
        e = JL_DEPOT_E_NOMEM;
    if (!e)
        e = sign_bundle(path, &st, keys, nkeys);
    else
        jldepot_file_error("pack", x->fname, e, 0);
    free(path);
    jldepot_bundle_sig_free(&st);
    return e;
}

// The client's lookup by input key: DIR/inputs/<input key>.json lists the
// bundles built from those inputs, each with its signature document (whose
// signed statement names the input key, so the entry needs no signature of
// its own).  Entries for other bundles of the same inputs are kept.
static int input_entry_update(const char *outdir, const packed_t *x)
{
    char *dir = NULL, *path = NULL, *sigpath = NULL;
    int e = JL_DEPOT_E_NOMEM;
    json_object *doc = NULL, *sig = NULL;
    if (asprintf(&dir, "%s/inputs", outdir) < 0 ||
        asprintf(&path, "%s/%s.json", dir, x->c->input_key) < 0 ||
        asprintf(&sigpath, "%s/%s.sig", outdir, x->fname) < 0) {
        dir = path = sigpath = NULL;
        goto out;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        e = jl_depot_errno_code(errno);
        goto out;
    }
    e = JL_DEPOT_E_IO;
    if (!(sig = json_object_from_file(sigpath)))
        goto out;
    size_t len = 0;
    char *old = jldepot_read_small(path, PACK_SIG_MAX, &len);
    doc = old ? json_tokener_parse(old) : NULL;
    free(old);
    json_object *arr = NULL;
    if (!doc || !json_object_object_get_ex(doc, "bundles", &arr) ||
        !json_object_is_type(arr, json_type_array)) {
        if (doc)
            json_object_put(doc);
        doc = json_object_new_object();
        json_object_object_add(doc, "format", json_object_new_string("jldepot-input-entry 1"));
        json_object_object_add(doc, "input_key", json_object_new_string(x->c->input_key));
        json_object_object_add(doc, "package", json_object_new_string(x->c->name));
        json_object_object_add(doc, "uuid", json_object_new_string(x->c->uuid));
        arr = json_object_new_array();
        json_object_object_add(doc, "bundles", arr);
    }
    json_object *fresh = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *b = json_object_array_get_idx(arr, i), *f;
        if (json_object_object_get_ex(b, "file", &f) &&
            !strcmp(json_object_get_string(f), x->fname))
            continue;
        json_object_array_add(fresh, json_object_get(b));
    }
    json_object *b = json_object_new_object();
    json_object_object_add(b, "file", json_object_new_string(x->fname));
    json_object_object_add(b, "signature", sig);
    sig = NULL;
    json_object_array_add(fresh, b);
    json_object_object_add(doc, "bundles", fresh);
    e = jldepot_json_write_atomic(path, doc);
out:
    if (e)
        jldepot_file_error("pack", path ? path : outdir, e, 0);
    if (doc)
        json_object_put(doc);
    if (sig)
        json_object_put(sig);
    free(dir);
    free(path);
    free(sigpath);
    return e;
}

// Sign DIR/index.json: version one above the last signed one, expiring
// `valid_days` from now.
static int sign_index(const char *outdir, const jldepot_seckey_t *keys, size_t nkeys,
                      long valid_days)
{
    char *ipath = NULL, *spath = NULL, *old = NULL, *err = NULL, *text = NULL;
    jldepot_index_sig_t st;
    memset(&st, 0, sizeof(st));
    int e = JL_DEPOT_E_NOMEM;
    if (asprintf(&ipath, "%s/index.json", outdir) < 0 || asprintf(&spath, "%s.sig", ipath) < 0)
        goto out;
    e = jldepot_sha256_file(ipath, st.index_sha256);
    if (e)
        goto out;
    size_t len = 0;
    uint64_t version = 1;
    if ((old = jldepot_read_small(spath, PACK_SIG_MAX, &len))) {
        jldepot_index_sig_t prev;
        memset(&prev, 0, sizeof(prev));
        if (jldepot_index_sig_parse(old, len, &prev, &err) == JL_DEPOT_E_OK)
            version = prev.version + 1;
        jldepot_index_sig_free(&prev);
    }
    st.version = version;
    st.expires = (int64_t)time(NULL) + (int64_t)valid_days * 86400;
    for (size_t k = 0; k < nkeys && !e; k++)
        e = jldepot_index_sig_sign(&st, &keys[k]);
    if (!e && !(text = jldepot_index_sig_format(&st)))
        e = JL_DEPOT_E_NOMEM;
    if (!e)
        e = jl_depot_write_atomic(spath, text, strlen(text), 0644);
    if (!e)
        printf("signed %s (version %llu, valid %ld days)\n", spath, (unsigned long long)version,
               valid_days);
out:
    if (e)
        jldepot_file_error("pack", spath ? spath : outdir, e, 0);
    jldepot_index_sig_free(&st);
    free(ipath);
    free(spath);
    free(old);
    free(err);
    free(text);
    return e;
}

// ---- the command ----------------------------------------------------------------------

static json_object *verdict_json(const jldepot_depot_t *d, const jldepot_cache_t *c)
{
    json_object *x = json_object_new_object();
    json_object_object_add(x, "package", json_object_new_string(c->name));
    json_object_object_add(x, "uuid", json_object_new_string(c->uuid));
    json_object_object_add(x, "cache", json_object_new_string(c->ji));
    json_object_object_add(x, "servable", json_object_new_boolean(c->servable));
    json_object_object_add(x, "reason", json_object_new_string(jldepot_errjson(c->reason)));
    json_object_object_add(x, "reason_text",
                           c->reason_text ? json_object_new_string(c->reason_text) : NULL);
    json_object_object_add(x, "key", c->servable ? json_object_new_string(c->key) : NULL);
    json_object_object_add(x, "cpu_targets", jldepot_cpu_targets(c->cf));
    json_object *r = json_object_new_array();
    for (size_t k = 0; k < c->nreqs; k++)
        json_object_array_add(r, json_object_new_string(d->caches[c->reqs[k]].name));
    json_object_object_add(x, "requires", r);
    return x;
}

static void print_targets(const jldepot_cache_t *c)
{
    printf(" [cpu:");
    if (c->cf->ntargets == 0)
        printf(" none");
    for (size_t t = 0; t < c->cf->ntargets; t++)
        printf(" %.*s", (int)c->cf->targets[t].name.len, c->cf->targets[t].name.ptr);
    printf("]");
}

int jldepot_cmd_pack(int argc, char **argv)
{
    jldepot_stack_opts_t o;
    jldepot_stack_opts_init(&o);
    const char *outdir = ".";
    int explain = 0, json = 0, sources = 1;
    const char *depot = NULL;
    jldepot_seckey_t keys[PACK_MAX_KEYS];
    size_t nkeys = 0;
    long valid_days = 7;
    const char **pkgs = calloc((size_t)argc + 1, sizeof(char *));
    size_t npkgs = 0;
    int rc = JLDEPOT_EXIT_OK;
    char *dp = NULL, *absdepot = NULL;
    jl_depot_stack_t *s = NULL;
    jldepot_depot_t *d = NULL;
    char *sel = NULL;
    if (!pkgs)
        return JLDEPOT_EXIT_USAGE;
    for (int i = 1; i < argc;) {
        int r = jldepot_stack_option(&o, argc, argv, &i);
        if (r < 0) {
            rc = JLDEPOT_EXIT_USAGE;
            goto out;
        }
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(pack_help, stdout);
            goto out;
        }
        if (!strcmp(a, "--explain"))
            explain = 1;
        else if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--no-sources"))
            sources = 0;
        else if (!strcmp(a, "--sign") || !strcmp(a, "--index-valid")) {
            if (i + 1 >= argc) {
                jldepot_error("pack: option '%s' requires an argument", a);
                rc = JLDEPOT_EXIT_USAGE;
                goto out;
            }
            const char *v = argv[++i];
            char *err = NULL, *end = NULL;
            if (!strcmp(a, "--index-valid")) {
                errno = 0;
                valid_days = strtol(v, &end, 10);
                if (errno || end == v || *end || valid_days < 1 || valid_days > 3660) {
                    jldepot_error("pack: --index-valid: '%s' is not a number of days from 1 to "
                                  "3660",
                                  v);
                    rc = JLDEPOT_EXIT_USAGE;
                    goto out;
                }
            }
            else if (nkeys == PACK_MAX_KEYS) {
                jldepot_error("pack: at most %d keys sign at once", PACK_MAX_KEYS);
                rc = JLDEPOT_EXIT_USAGE;
                goto out;
            }
            else if (jldepot_seckey_read(v, &keys[nkeys], &err)) {
                jldepot_error("pack: --sign %s; give a secret key file written by 'jldepot key "
                              "generate'",
                              err ? err : v);
                free(err);
                rc = JLDEPOT_EXIT_USAGE;
                goto out;
            }
            else
                nkeys++;
        }
        else if (!strcmp(a, "--out") || !strncmp(a, "--out=", 6)) {
            if (a[5] == '=')
                outdir = a + 6;
            else if (i + 1 < argc)
                outdir = argv[++i];
            else {
                jldepot_error("pack: option '--out' requires an argument");
                rc = JLDEPOT_EXIT_USAGE;
                goto out;
            }
        }
        else if (a[0] == '-' && a[1]) {
            jldepot_error("pack: unknown option '%s'", a);
            fprintf(stderr, "see 'jldepot pack --help'\n");
            rc = JLDEPOT_EXIT_USAGE;
            goto out;
        }
        else if (!depot)
            depot = a;
        else
            pkgs[npkgs++] = a;
        i++;
    }
    if (!depot || npkgs == 0) {
        jldepot_error("pack: a DEPOT and at least one PKG (or 'all') are required");
        fprintf(stderr, "see 'jldepot pack --help'\n");
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    absdepot = realpath(depot, NULL);
    if (!absdepot) {
        jldepot_errno_error("pack", depot, errno, 0);
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    if (asprintf(&dp, "%s%s%s", absdepot, o.cfg.depot_path ? ":" : "",
                 o.cfg.depot_path ? o.cfg.depot_path : "") < 0) {
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    o.cfg.depot_path = dp;
    s = jldepot_stack_build(&o);
    if (!s) {
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    int err = jldepot_depot_analyze(s, 0, o.cfg.julia_bindir, &d);
    if (err) {
        jldepot_error("pack: %s: %s", depot, jldepot_strerror(err));
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    sel = calloc(d->ncaches ? d->ncaches : 1, 1);
    if (!sel) {
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    for (size_t k = 0; k < npkgs; k++) {
        int found = 0;
        for (size_t i = 0; i < d->ncaches; i++)
            if (!strcmp(pkgs[k], "all") || !strcmp(pkgs[k], d->caches[i].name)) {
                sel[i] = 1;
                found = 1;
            }
        if (!found) {
            jldepot_error("pack: %s: no cache of package %s in %s/compiled", pkgs[k], pkgs[k],
                          absdepot);
            rc = JLDEPOT_EXIT_USAGE;
        }
    }
    if (rc)
        goto out;
    if (explain) {
        json_object *arr = json ? json_object_new_array() : NULL;
        size_t nserv = 0, nnot = 0;
        for (size_t i = 0; i < d->ncaches; i++) {
            if (!sel[i])
                continue;
            jldepot_cache_t *c = &d->caches[i];
            c->servable ? nserv++ : nnot++;
            if (json) {
                json_object_array_add(arr, verdict_json(d, c));
                continue;
            }
            if (c->servable) {
                printf("servable %s %s key %.16s", c->name, c->relji, c->key);
                print_targets(c);
                printf("\n");
            }
            else
                printf("not servable %s %s: %s\n", c->name, c->relji, c->reason_text);
        }
        if (json) {
            json_object *doc = json_object_new_object();
            json_object_object_add(doc, "depot", json_object_new_string(absdepot));
            json_object_object_add(doc, "caches", arr);
            puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
            json_object_put(doc);
        }
        else
            printf("%zu servable, %zu not servable\n", nserv, nnot);
        rc = nnot ? JLDEPOT_EXIT_REJECTED : JLDEPOT_EXIT_OK;
        goto out;
    }
    char *od = strdup(outdir);
    for (char *q = od ? od + 1 : NULL; q && *q; q++)
        if (*q == '/') {
            *q = '\0';
            mkdir(od, 0777);
            *q = '/';
        }
    free(od);
    struct stat st;
    if (stat(outdir, &st) != 0 && mkdir(outdir, 0777) != 0) {
        jldepot_errno_error("pack", outdir, errno, 1);
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    // one pack at a time updates the index
    int lockfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lockfd < 0 || flock(lockfd, LOCK_EX) != 0) {
        jldepot_errno_error("pack", outdir, errno, 1);
        if (lockfd >= 0)
            close(lockfd);
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    // a signed index stays signed: an unsigned pack would leave a signature
    // that no longer matches, which every client refuses
    char *isig = NULL;
    if (!nkeys && asprintf(&isig, "%s/index.json.sig", outdir) >= 0 && access(isig, F_OK) == 0) {
        jldepot_error("pack: %s: the index is signed; pack with --sign SECRET (or remove the "
                      "signature to publish unsigned bundles)",
                      isig);
        free(isig);
        close(lockfd);
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    free(isig);
    packed_t *pk = calloc(d->ncaches ? d->ncaches : 1, sizeof(*pk));
    size_t npk = 0;
    if (!pk)
        rc = JLDEPOT_EXIT_USAGE;
    for (size_t i = 0; pk && i < d->ncaches; i++) {
        if (!sel[i])
            continue;
        jldepot_cache_t *c = &d->caches[i];
        if (!c->servable) {
            printf("not servable %s %s: %s\n", c->name, c->relji, c->reason_text);
            if (rc == JLDEPOT_EXIT_OK)
                rc = JLDEPOT_EXIT_REJECTED;
            continue;
        }
        packed_t *x = &pk[npk];
        x->c = c;
        if (write_bundle(d, i, outdir, sources, &x->fname, x->sha, &x->size, x->msha)) {
            rc = JLDEPOT_EXIT_USAGE;
            free(x->fname);
            x->fname = NULL;
            continue;
        }
        int e = jldepot_depot_input_key(d, i);
        if (e && nkeys) {
            jldepot_error("pack: %s: no input key (%s); it cannot be signed", c->name,
                          jldepot_strerror(e));
            rc = JLDEPOT_EXIT_USAGE;
            free(x->fname);
            x->fname = NULL;
            continue;
        }
        if (nkeys && (sign_packed(d, x, outdir, keys, nkeys) || input_entry_update(outdir, x))) {
            rc = JLDEPOT_EXIT_USAGE;
            free(x->fname);
            x->fname = NULL;
            continue;
        }
        npk++;
    }
    // every bundle written (each durable and in place, with its signature)
    // goes into the index, which is signed last
    if (npk && index_update(outdir, pk, npk))
        rc = JLDEPOT_EXIT_USAGE;
    else if (npk && nkeys && sign_index(outdir, keys, nkeys, valid_days))
        rc = JLDEPOT_EXIT_USAGE;
    for (size_t k = 0; k < npk; k++)
        free(pk[k].fname);
    free(pk);
    close(lockfd);
out:
    jldepot_depot_free(d);
    if (s)
        jl_depot_stack_free(s);
    free(sel);
    free(dp);
    free(absdepot);
    free(pkgs);
    explicit_bzero(keys, sizeof(keys));
    return rc;
}
