// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_bundle.c: the bundle model (jldepot_bundle.h): SHA-256 through
  OpenSSL EVP, the key input of a cache and its canonical serialization, the
  entry-name rules, and the analysis of a depot: which caches it holds, which
  caches each requires by exact build id (the closure), whether each can be
  served and why not, and the key of each servable one.
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

#include "atomicfile.h"
#include "jldepot_inputkey.h"
#include "jldepot_treehash.h"
#include "jldepot_bundle.h"
#include "jldepot_model.h"

// ---- SHA-256 --------------------------------------------------------------------

static void hexify(const unsigned char *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void jldepot_sha256_mem(const void *buf, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);
    hexify(md, 32, out);
}

int jldepot_sha256_fd(int fd, char out[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return JL_DEPOT_E_NOMEM;
    size_t bufsz = 1 << 20;
    char *buf = malloc(bufsz);
    if (!buf) {
        EVP_MD_CTX_free(ctx);
        return JL_DEPOT_E_NOMEM;
    }
    int err = JL_DEPOT_E_OK;
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    off_t off = 0;
    for (;;) {
        ssize_t k = pread(fd, buf, bufsz, off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            err = JL_DEPOT_E_IO;
            break;
        }
        if (k == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)k);
        off += k;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    if (!err)
        hexify(md, 32, out);
    free(buf);
    EVP_MD_CTX_free(ctx);
    return err;
}

int jldepot_sha256_file(const char *path, char out[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? JL_DEPOT_E_NOT_FOUND : JL_DEPOT_E_IO;
    int err = jldepot_sha256_fd(fd, out);
    close(fd);
    return err;
}

// ---- key input and canonical form ----------------------------------------------

static json_object *jstrn(jl_cache_str_t s)
{
    return json_object_new_string_len(s.ptr ? s.ptr : "", (int)s.len);
}

static json_object *juuid(jl_cache_u128_t u)
{
    char b[37];
    jl_cache_uuid_format(u, b);
    return json_object_new_string(b);
}

static void u128_hex(jl_cache_u128_t u, char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)u.hi, (unsigned long long)u.lo);
}

json_object *jldepot_cpu_targets(const jl_cachefile_t *cf)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < cf->ntargets; i++)
        json_object_array_add(a, jstrn(cf->targets[i].name));
    return a;
}

// The header's record of the compile-time preferences, as text.
static void prefs_record(const jl_cachefile_t *cf, char out[80])
{
    if (cf->prefs_form == JL_CACHE_PREFS_BLOB) {
        char sha[65];
        jldepot_sha256_mem(cf->prefs_blob.ptr ? cf->prefs_blob.ptr : "", cf->prefs_blob.len, sha);
        snprintf(out, 80, "toml-sha256:%s", sha);
    }
    else
        snprintf(out, 80, "hash:%016llx", (unsigned long long)cf->prefs_hash);
}

json_object *jldepot_key_input(const jl_cachefile_t *cf, jldepot_key_lookup_t lookup, void *ctx)
{
    if (cf->nworklist == 0)
        return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "julia_version", jstrn(cf->julia_version));
    json_object_object_add(o, "julia_commit", jstrn(cf->git_commit));
    json_object_object_add(o, "julia_branch", jstrn(cf->git_branch));
    json_object_object_add(o, "os", jstrn(cf->build_os));
    json_object_object_add(o, "arch", jstrn(cf->build_arch));
    json_object_object_add(o, "pointer_size", json_object_new_int(cf->pointer_size));
    json_object_object_add(o, "format_version", json_object_new_int(cf->format_version));
    json_object_object_add(o, "layout", json_object_new_string(jl_cache_layout_name(cf->layout)));
    json_object_object_add(o, "flags", json_object_new_int(cf->flags));
    json_object_object_add(o, "syntax_version",
                           json_object_new_int(cf->has_syntax ? cf->syntax_version : -1));
    // the CPU targets: the clone-target bytes, whole
    char *hex = malloc(2 * cf->clone_len + 1);
    if (!hex) {
        json_object_put(o);
        return NULL;
    }
    hexify(cf->clone_targets ? cf->clone_targets : (const uint8_t *)"", cf->clone_len, hex);
    json_object_object_add(o, "clone_targets", json_object_new_string(hex));
    free(hex);
    json_object_object_add(o, "package", jstrn(cf->worklist[0].name));
    json_object_object_add(o, "uuid", juuid(cf->worklist[0].uuid));
    char pref[80];
    prefs_record(cf, pref);
    json_object_object_add(o, "preferences", json_object_new_string(pref));
    json_object *deps = json_object_new_array();
    for (size_t i = 0; i < cf->ndeps; i++) {
        const jl_cache_dep_t *d = &cf->deps[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "kind", json_object_new_string(jl_cache_dep_kind_name(d->kind)));
        if (d->kind == JL_CACHE_DEP_REQUIRE) {
            json_object_object_add(x, "name", jstrn(d->req_name));
            json_object_object_add(x, "uuid", juuid(d->req_uuid));
        }
        else {
            json_object_object_add(x, "path", jstrn(d->path));
            json_object_object_add(x, "size", json_object_new_uint64(d->fsize));
            char c[16];
            snprintf(c, sizeof(c), "0x%08x", (unsigned)d->hash);
            json_object_object_add(x, "crc32c", json_object_new_string(c));
            json_object_object_add(x, "mtime_tracked", json_object_new_boolean(d->mtime >= 0));
        }
        json_object_array_add(deps, x);
    }
    json_object_object_add(o, "dependencies", deps);
    json_object *reqs = json_object_new_array();
    for (size_t i = 0; i < cf->nreqmods; i++) {
        const jl_cache_reqmod_t *m = &cf->reqmods[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "name", jstrn(m->name));
        json_object_object_add(x, "uuid", juuid(m->uuid));
        const char *k = lookup ? lookup(ctx, m->build_id) : NULL;
        if (k)
            json_object_object_add(x, "key", json_object_new_string(k));
        else {
            char b[33];
            u128_hex(m->build_id, b);
            json_object_object_add(x, "sysimage_build_id", json_object_new_string(b));
        }
        json_object_array_add(reqs, x);
    }
    json_object_object_add(o, "requires", reqs);
    return o;
}

typedef struct {
    char *p;
    size_t n, cap;
    int err;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->err)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 1024;
        while (c < b->n + n + 1)
            c *= 2;
        char *q = realloc(b->p, c);
        if (!q) {
            b->err = JL_DEPOT_E_NOMEM;
            return;
        }
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

// field=<len>:<bytes>\n  (unambiguous whatever the bytes)
static void sb_field(sbuf_t *b, const char *name, const char *v, size_t n)
{
    char hdr[64];
    int k = snprintf(hdr, sizeof(hdr), "%s=%zu:", name, n);
    sb_put(b, hdr, (size_t)k);
    sb_put(b, v, n);
    sb_put(b, "\n", 1);
}

static int get_str(json_object *o, const char *name, const char **v, size_t *n)
{
    json_object *x;
    if (!json_object_object_get_ex(o, name, &x) || !json_object_is_type(x, json_type_string))
        return -1;
    *v = json_object_get_string(x);
    *n = (size_t)json_object_get_string_len(x);
    return 0;
}

static int put_str(sbuf_t *b, json_object *o, const char *name)
{
    const char *v;
    size_t n;
    if (get_str(o, name, &v, &n))
        return -1;
    sb_field(b, name, v, n);
    return 0;
}

static int put_int(sbuf_t *b, json_object *o, const char *name)
{
    json_object *x;
    if (!json_object_object_get_ex(o, name, &x) || !json_object_is_type(x, json_type_int))
        return -1;
    char v[32];
    int k = snprintf(v, sizeof(v), "%lld", (long long)json_object_get_int64(x));
    sb_field(b, name, v, (size_t)k);
    return 0;
}

static int is_hex64(const char *s, size_t n)
{
    if (n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int jldepot_key_canonical(json_object *in, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!in || !json_object_is_type(in, json_type_object))
        return JL_DEPOT_E_BUNDLE_MANIFEST;
    sbuf_t b = {0};
    sb_put(&b, "jldepot-bundle-key 1\n", 21);
    static const char *const strs1[] = {"julia_version", "julia_commit", "julia_branch", "os",
                                        "arch"};
    static const char *const ints[] = {"pointer_size", "format_version", "flags", "syntax_version"};
    static const char *const strs2[] = {"layout", "clone_targets", "package", "uuid",
                                        "preferences"};
    int bad = 0;
    for (size_t i = 0; i < sizeof(strs1) / sizeof(strs1[0]); i++)
        bad |= put_str(&b, in, strs1[i]);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        bad |= put_int(&b, in, ints[i]);
    for (size_t i = 0; i < sizeof(strs2) / sizeof(strs2[0]); i++)
        bad |= put_str(&b, in, strs2[i]);
    json_object *deps, *reqs;
    if (bad || !json_object_object_get_ex(in, "dependencies", &deps) ||
        !json_object_is_type(deps, json_type_array) ||
        !json_object_object_get_ex(in, "requires", &reqs) ||
        !json_object_is_type(reqs, json_type_array))
        goto malformed;
    for (size_t i = 0; i < json_object_array_length(deps); i++) {
        json_object *d = json_object_array_get_idx(deps, i);
        const char *kind;
        size_t kn;
        if (!json_object_is_type(d, json_type_object) || get_str(d, "kind", &kind, &kn))
            goto malformed;
        sb_field(&b, "dep", kind, kn);
        if (!strcmp(kind, "require")) {
            if (put_str(&b, d, "name") || put_str(&b, d, "uuid"))
                goto malformed;
            continue;
        }
        json_object *mt, *sz;
        if (put_str(&b, d, "path") || put_str(&b, d, "crc32c") ||
            !json_object_object_get_ex(d, "size", &sz) || !json_object_is_type(sz, json_type_int) ||
            !json_object_object_get_ex(d, "mtime_tracked", &mt) ||
            !json_object_is_type(mt, json_type_boolean))
            goto malformed;
        char v[32];
        int k = snprintf(v, sizeof(v), "%llu", (unsigned long long)json_object_get_uint64(sz));
        sb_field(&b, "size", v, (size_t)k);
        sb_field(&b, "mtime_tracked", json_object_get_boolean(mt) ? "1" : "0", 1);
    }
    for (size_t i = 0; i < json_object_array_length(reqs); i++) {
        json_object *r = json_object_array_get_idx(reqs, i);
        if (!json_object_is_type(r, json_type_object) || put_str(&b, r, "name") ||
            put_str(&b, r, "uuid"))
            goto malformed;
        const char *k;
        size_t kn;
        if (!get_str(r, "key", &k, &kn)) {
            if (!is_hex64(k, kn))
                goto malformed;
            sb_field(&b, "key", k, kn);
        }
        else if (put_str(&b, r, "sysimage_build_id"))
            goto malformed;
    }
    if (b.err) {
        free(b.p);
        return b.err;
    }
    *out = b.p;
    *len = b.n;
    return JL_DEPOT_E_OK;
malformed:
    free(b.p);
    return JL_DEPOT_E_BUNDLE_MANIFEST;
}

int jldepot_key_compute(json_object *in, char out[65])
{
    char *c;
    size_t n;
    int err = jldepot_key_canonical(in, &c, &n);
    if (err)
        return err;
    jldepot_sha256_mem(c, n, out);
    free(c);
    return JL_DEPOT_E_OK;
}

// ---- entry names --------------------------------------------------------------------

int jldepot_bundle_entry_name(const char *name, int *role, const char **rest)
{
    *role = -1;
    *rest = NULL;
    if (!name)
        return JL_DEPOT_E_BUNDLE_ESCAPE;
    if (!strcmp(name, JLDEPOT_BUNDLE_MANIFEST)) {
        *rest = name;
        return JL_DEPOT_E_OK;
    }
    static const struct {
        const char *tok;
        int role;
    } roles[] = {{"@compiled/", JL_DEPOT_ROLE_COMPILED}, {"@depot/", JL_DEPOT_ROLE_DEPOT}};
    const char *r = NULL;
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(roles[i].tok);
        if (!strncmp(name, roles[i].tok, n)) {
            *role = roles[i].role;
            r = name + n;
        }
    }
    if (!r || !*r || strchr(name, '\\'))
        return JL_DEPOT_E_BUNDLE_ESCAPE;
    // every component non-empty, not "." or ".."
    const char *p = r;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return JL_DEPOT_E_BUNDLE_ESCAPE;
        p += n;
        if (*p == '/') {
            p++;
            if (!*p) // trailing slash
                return JL_DEPOT_E_BUNDLE_ESCAPE;
        }
    }
    *rest = r;
    return JL_DEPOT_E_OK;
}

int jldepot_normalize_role(const jl_depot_stack_t *s, size_t depot, int role, const char *rest,
                           int *nrole, char **nrest)
{
    *nrole = role;
    *nrest = NULL;
    const char *root = jl_depot_root(s, depot, (jl_depot_role_t)role);
    if (!root)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    char *abs = NULL;
    if (asprintf(&abs, "%s/%s", root, rest) < 0)
        return JL_DEPOT_E_NOMEM;
    size_t best = 0;
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        const char *rr = jl_depot_root(s, depot, (jl_depot_role_t)r);
        size_t n = rr ? strlen(rr) : 0;
        if (n > 1 && n > best && !strncmp(abs, rr, n) && abs[n] == '/') {
            best = n;
            *nrole = r;
        }
    }
    *nrest = best ? strdup(abs + best + 1) : NULL;
    free(abs);
    return *nrest ? JL_DEPOT_E_OK : JL_DEPOT_E_NOMEM;
}

static int is_dot_name(const char *p, size_t n)
{
    return n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
}

int jldepot_cache_tree(const jl_cachefile_t *cf, const char **tree, size_t *len)
{
    *tree = NULL;
    *len = 0;
    static const char pre[] = "@depot/packages/";
    const size_t np = sizeof(pre) - 1;
    for (size_t i = 0; i < cf->ndeps; i++) {
        const jl_cache_dep_t *d = &cf->deps[i];
        if (d->kind != JL_CACHE_DEP_INCLUDE)
            continue;
        const char *p = d->path.ptr;
        size_t n = d->path.len;
        if (!p || n <= np || memcmp(p, pre, np) != 0 || memchr(p, '\\', n) || memchr(p, 0, n))
            return JL_DEPOT_E_NOT_SERVABLE_TREE;
        const char *a = p + np, *end = p + n;
        const char *s1 = memchr(a, '/', (size_t)(end - a));
        const char *s2 = s1 ? memchr(s1 + 1, '/', (size_t)(end - s1 - 1)) : NULL;
        if (!s2 || s2 + 1 >= end || is_dot_name(a, (size_t)(s1 - a)) ||
            is_dot_name(s1 + 1, (size_t)(s2 - s1 - 1)))
            return JL_DEPOT_E_NOT_SERVABLE_TREE;
        *tree = a;
        *len = (size_t)(s2 - a);
        return JL_DEPOT_E_OK;
    }
    return JL_DEPOT_E_NOT_SERVABLE_TREE;
}

int jldepot_source_allowed(const char *rel, char *const *trees, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(trees[i]);
        if (strncmp(rel, trees[i], k) != 0 || rel[k] != '/' || !rel[k + 1])
            continue;
        return strcmp(rel + k + 1, "deps/build.jl") != 0;
    }
    return 0;
}

// ---- depot analysis -------------------------------------------------------------------

typedef struct {
    char *v[5];
    int flags;
    jl_cacheverify_t *ver;
} verifier_t;

typedef struct {
    verifier_t *v;
    size_t n;
} verifiers_t;

static char *strn(jl_cache_str_t s)
{
    return strndup(s.ptr ? s.ptr : "", s.len);
}

static jl_cacheverify_t *verifier_for(jldepot_depot_t *d, const jl_cachefile_t *cf)
{
    verifiers_t *vs = d->verifiers_;
    jl_cache_str_t f[5] = {cf->julia_version, cf->git_commit, cf->git_branch, cf->build_os,
                           cf->build_arch};
    for (size_t i = 0; i < vs->n; i++) {
        int same = vs->v[i].flags == cf->flags;
        for (int k = 0; same && k < 5; k++)
            same = strlen(vs->v[i].v[k]) == f[k].len &&
                   !memcmp(vs->v[i].v[k], f[k].ptr ? f[k].ptr : "", f[k].len);
        if (same)
            return vs->v[i].ver;
    }
    verifier_t *nv = realloc(vs->v, (vs->n + 1) * sizeof(*nv));
    if (!nv)
        return NULL;
    vs->v = nv;
    verifier_t *x = &vs->v[vs->n];
    memset(x, 0, sizeof(*x));
    for (int k = 0; k < 5; k++)
        x->v[k] = strn(f[k]);
    x->flags = cf->flags;
    jl_verify_target_t t;
    memset(&t, 0, sizeof(t));
    t.julia_version = x->v[0];
    t.julia_commit = x->v[1];
    t.julia_branch = x->v[2];
    t.os = x->v[3];
    t.arch = x->v[4];
    t.pointer_size = cf->pointer_size;
    t.format_version = cf->format_version;
    t.flags = cf->flags;
    if (jl_cacheverify_new(d->stack, &t, &x->ver) != JL_DEPOT_E_OK) {
        for (int k = 0; k < 5; k++)
            free(x->v[k]);
        return NULL;
    }
    vs->n++;
    return x->ver;
}

static int is_vdir(const char *s)
{
    if (s[0] != 'v' || s[1] < '0' || s[1] > '9')
        return 0;
    const char *p = s + 1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p++ != '.' || *p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    return *p == '\0';
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a > b && !strcmp(s + a - b, suf);
}

static char *join2(const char *a, const char *b)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s", a, b) < 0)
        return NULL;
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// every "vX.Y/Name/x.ji" and "vX.Y/Name.ji" under root, sorted
static int list_caches(const char *root, char ***out, size_t *nout)
{
    char **v = NULL;
    size_t n = 0;
    DIR *d = opendir(root);
    if (!d) {
        *out = NULL;
        *nout = 0;
        return errno == ENOENT ? JL_DEPOT_E_OK : JL_DEPOT_E_IO;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_vdir(e->d_name))
            continue;
        char *vd = join2(root, e->d_name);
        DIR *d2 = vd ? opendir(vd) : NULL;
        struct dirent *f;
        while (d2 && (f = readdir(d2)) != NULL) {
            if (f->d_name[0] == '.')
                continue;
            char *p = join2(vd, f->d_name);
            struct stat st;
            if (p && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
                DIR *d3 = opendir(p);
                struct dirent *g;
                while (d3 && (g = readdir(d3)) != NULL) {
                    if (g->d_name[0] != '.' && has_suffix(g->d_name, ".ji")) {
                        char *q = NULL;
                        if (asprintf(&q, "%s/%s/%s", e->d_name, f->d_name, g->d_name) >= 0) {
                            char **nv = realloc(v, (n + 1) * sizeof(char *));
                            if (nv) {
                                v = nv;
                                v[n++] = q;
                            }
                            else
                                free(q);
                        }
                    }
                }
                if (d3)
                    closedir(d3);
            }
            else if (p && has_suffix(f->d_name, ".ji")) {
                char *q = join2(e->d_name, f->d_name);
                char **nv = q ? realloc(v, (n + 1) * sizeof(char *)) : NULL;
                if (nv) {
                    v = nv;
                    v[n++] = q;
                }
                else
                    free(q);
            }
            free(p);
        }
        if (d2)
            closedir(d2);
        free(vd);
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof(char *), cmp_str);
    *out = v;
    *nout = n;
    return JL_DEPOT_E_OK;
}

static void set_reason(jldepot_cache_t *c, int code, const char *detail)
{
    if (!c->servable && c->reason)
        return; // the first reason stays
    c->servable = 0;
    c->reason = code;
    free(c->reason_text);
    c->reason_text = NULL;
    if (asprintf(&c->reason_text, "%s%s%s", jldepot_strerror(code), detail ? ": " : "",
                 detail ? detail : "") < 0)
        c->reason_text = NULL;
}

// Whether the cache file `path` lies in one of Julia's bundled depots
// (<bindir>/../local/share/julia, <bindir>/../share/julia): a stdlib cache
// that ships with that Julia build, part of the platform like the sysimage.
static int in_bundled_depot(const jldepot_depot_t *d, const char *path)
{
    size_t k;
    if (!d->julia_bindir || !path || jl_depot_containing(d->stack, path, &k) != JL_DEPOT_E_OK)
        return 0;
    const char *root = jl_depot_root(d->stack, k, JL_DEPOT_ROLE_DEPOT);
    static const char *const rel[] = {"/../local/share/julia", "/../share/julia"};
    int found = 0;
    for (size_t i = 0; i < 2 && root && !found; i++) {
        char *b = NULL, *n = NULL;
        if (asprintf(&b, "%s%s", d->julia_bindir, rel[i]) >= 0 &&
            jldepot_normalize(b, &n) == JL_DEPOT_E_OK)
            found = !strcmp(n, root);
        free(b);
        free(n);
    }
    return found;
}

static const char *key_lookup(void *ctx, jl_cache_u128_t id)
{
    jldepot_depot_t *d = ctx;
    for (size_t i = 0; i < d->ncaches; i++)
        if (d->caches[i].servable && d->caches[i].build_id.hi == id.hi &&
            d->caches[i].build_id.lo == id.lo)
            return d->caches[i].key;
    return NULL;
}

// The package tree: packages/NAME/SLUG of the entry file when it lies in
// one (jldepot_cache_tree), else the directory above the entry file's
// directory.
static char *package_root(jldepot_depot_t *d, jldepot_cache_t *c)
{
    const char *tree;
    size_t tlen;
    if (jldepot_cache_tree(c->cf, &tree, &tlen) == JL_DEPOT_E_OK) {
        // resolved as the entry file is: the cache's own depot first
        char *tok = NULL, *abs = NULL;
        if (asprintf(&tok, "@depot/packages/%.*s", (int)tlen, tree) < 0)
            return NULL;
        if (jldepot_resolve_n(d->stack, c->ji, 0, tok, strlen(tok), &abs) != JL_DEPOT_E_OK &&
            !abs) {
            free(tok);
            return NULL;
        }
        free(tok);
        return abs;
    }
    for (size_t i = 0; i < c->cf->ndeps; i++) {
        const jl_cache_dep_t *dep = &c->cf->deps[i];
        if (dep->kind != JL_CACHE_DEP_INCLUDE)
            continue;
        char *abs = NULL;
        if (jldepot_resolve_n(d->stack, c->ji, 0, dep->path.ptr, dep->path.len, &abs) !=
                JL_DEPOT_E_OK &&
            !abs)
            return NULL;
        char *s = strrchr(abs, '/');
        if (s && s != abs) {
            *s = '\0';
            s = strrchr(abs, '/');
            if (s && s != abs)
                *s = '\0';
        }
        return abs;
    }
    return NULL;
}

static void analyze_one(jldepot_depot_t *d, size_t i)
{
    jldepot_cache_t *c = &d->caches[i];
    if (c->state_ == 2)
        return;
    if (c->state_ == 1) { // a cycle of build ids cannot happen; be safe
        set_reason(c, JL_DEPOT_E_NOT_SERVABLE_REQUIRES, "a cycle of required caches");
        return;
    }
    c->state_ = 1;
    const jl_cachefile_t *cf = c->cf;
    // own reasons, in the order of the dependency list: a source must be
    // in the cache's package tree (unpack writes nothing else), and reach
    // it through no symbolic link that leads out of it (pack takes the
    // target's content only from inside the tree)
    const char *tree;
    size_t tlen;
    int has_tree = jldepot_cache_tree(cf, &tree, &tlen) == JL_DEPOT_E_OK;
    char *realroot = has_tree && c->pkgroot ? realpath(c->pkgroot, NULL) : NULL;
    for (size_t k = 0; k < cf->ndeps; k++) {
        const jl_cache_dep_t *dep = &cf->deps[k];
        if (dep->kind == JL_CACHE_DEP_REQUIRE)
            continue;
        char *p = strn(dep->path);
        if (dep->path.len == 0 || dep->path.ptr[0] != '@')
            set_reason(c, JL_DEPOT_E_NOT_SERVABLE_ABSOLUTE, p);
        else if (dep->mtime >= 0)
            set_reason(c, JL_DEPOT_E_NOT_SERVABLE_MTIME, p);
        else if (p && !strncmp(p, "@depot/", 7)) {
            if (!has_tree || strncmp(p, "@depot/packages/", 16) != 0 ||
                strncmp(p + 16, tree, tlen) != 0 || p[16 + tlen] != '/')
                set_reason(c, JL_DEPOT_E_NOT_SERVABLE_TREE, p);
            else if (realroot) {
                char *abs = NULL;
                if (jldepot_resolve_n(d->stack, c->ji, 0, dep->path.ptr, dep->path.len, &abs) ==
                    JL_DEPOT_E_OK) {
                    char *ra = realpath(abs, NULL);
                    size_t rn = strlen(realroot);
                    if (ra && (strncmp(ra, realroot, rn) != 0 || ra[rn] != '/'))
                        set_reason(c, JL_DEPOT_E_NOT_SERVABLE_LINK, p);
                    free(ra);
                }
                free(abs);
            }
        }
        free(p);
    }
    free(realroot);
    if (c->pkgroot) {
        char *b = join2(c->pkgroot, "deps/build.jl");
        struct stat st;
        if (b && stat(b, &st) == 0)
            set_reason(c, JL_DEPOT_E_NOT_SERVABLE_BUILD, b);
        free(b);
    }
    // fresh where it is, and the caches it requires
    jl_cacheverify_t *v = verifier_for(d, cf);
    jl_verify_result_t *r = NULL;
    if (v && jl_cacheverify_file(v, c->ji, &r) == JL_DEPOT_E_OK) {
        if (r->status != JL_DEPOT_E_OK)
            set_reason(c, JL_DEPOT_E_NOT_SERVABLE_STALE, r->reason ? r->reason : "");
        for (size_t m = 0; m < r->nmods; m++) {
            const jl_verify_mod_t *mod = &r->mods[m];
            if (mod->verdict == JL_VERIFY_MOD_SYSIMAGE || mod->verdict == JL_VERIFY_MOD_NOT_CHECKED)
                continue;
            if (mod->verdict == JL_VERIFY_MOD_FOUND && in_bundled_depot(d, mod->cache))
                continue; // a stdlib cache of this Julia: the client's Julia has it too
            size_t found = d->ncaches;
            for (size_t j = 0; j < d->ncaches; j++)
                if (d->caches[j].build_id.hi == mod->build_id.hi &&
                    d->caches[j].build_id.lo == mod->build_id.lo)
                    found = j;
            if (found == d->ncaches) {
                set_reason(c, JL_DEPOT_E_NOT_SERVABLE_MISSING, mod->name);
                continue;
            }
            size_t *nr = realloc(c->reqs, (c->nreqs + 1) * sizeof(size_t));
            if (!nr)
                continue;
            c->reqs = nr;
            c->reqs[c->nreqs++] = found;
        }
    }
    else
        set_reason(c, JL_DEPOT_E_NOT_SERVABLE_STALE, "it could not be checked");
    jl_verify_result_free(r);
    for (size_t k = 0; k < c->nreqs; k++) {
        analyze_one(d, c->reqs[k]);
        jldepot_cache_t *q = &d->caches[c->reqs[k]];
        if (!q->servable) {
            char *t = NULL;
            if (asprintf(&t, "%s (%s)", q->name, q->reason_text ? q->reason_text : "") >= 0) {
                set_reason(c, JL_DEPOT_E_NOT_SERVABLE_REQUIRES, t);
                free(t);
            }
        }
    }
    if (c->servable) {
        c->key_input = jldepot_key_input(cf, key_lookup, d);
        if (!c->key_input || jldepot_key_compute(c->key_input, c->key) != JL_DEPOT_E_OK)
            set_reason(c, JL_DEPOT_E_NOMEM, NULL);
    }
    c->state_ = 2;
}

int jldepot_depot_analyze(jl_depot_stack_t *stack, size_t depot, const char *julia_bindir,
                          jldepot_depot_t **out)
{
    *out = NULL;
    const char *root = jl_depot_root(stack, depot, JL_DEPOT_ROLE_COMPILED);
    if (!root)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    jldepot_depot_t *d = calloc(1, sizeof(*d));
    verifiers_t *vs = calloc(1, sizeof(*vs));
    if (!d || !vs) {
        free(d);
        free(vs);
        return JL_DEPOT_E_NOMEM;
    }
    d->stack = stack;
    d->depot = depot;
    d->julia_bindir = julia_bindir;
    d->verifiers_ = vs;
    char **rel = NULL;
    size_t nrel = 0;
    int err = list_caches(root, &rel, &nrel);
    if (err) {
        jldepot_depot_free(d);
        return err;
    }
    d->caches = calloc(nrel ? nrel : 1, sizeof(jldepot_cache_t));
    if (!d->caches) {
        jldepot_depot_free(d);
        return JL_DEPOT_E_NOMEM;
    }
    for (size_t i = 0; i < nrel; i++) {
        jldepot_cache_t *c = &d->caches[d->ncaches];
        c->relji = rel[i];
        c->ji = join2(root, rel[i]);
        c->servable = 1;
        const char *s1 = strchr(rel[i], '/');
        const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
        c->name = s2 ? strndup(s1 + 1, (size_t)(s2 - s1 - 1))
                     : strndup(s1 + 1, strlen(s1 + 1) - 3); // vX.Y/Name.ji
        int e = jl_cachefile_read_header(c->ji, 0, &c->cf);
        if (e || c->cf->nworklist == 0) {
            fprintf(stderr, "jldepot: %s: %s\n", c->ji,
                    jldepot_strerror(e ? e : JL_DEPOT_E_EMPTY_WORKLIST));
            jl_cachefile_free(c->cf);
            free(c->relji);
            free(c->ji);
            free(c->name);
            memset(c, 0, sizeof(*c));
            continue;
        }
        char *so = jl_cachefile_so_path(c->ji);
        if (so && access(so, F_OK) == 0)
            c->so = so;
        else
            free(so);
        c->build_id = jl_cachefile_build_id(c->cf);
        jl_cache_uuid_format(c->cf->worklist[0].uuid, c->uuid);
        d->ncaches++;
    }
    free(rel);
    for (size_t i = 0; i < d->ncaches; i++)
        d->caches[i].pkgroot = package_root(d, &d->caches[i]);
    for (size_t i = 0; i < d->ncaches; i++)
        analyze_one(d, i);
    *out = d;
    return JL_DEPOT_E_OK;
}

void jldepot_depot_free(jldepot_depot_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ncaches; i++) {
        jldepot_cache_t *c = &d->caches[i];
        free(c->ji);
        free(c->so);
        free(c->name);
        free(c->relji);
        free(c->pkgroot);
        jl_cachefile_free(c->cf);
        free(c->reason_text);
        free(c->reqs);
        if (c->key_input)
            json_object_put(c->key_input);
    }
    free(d->caches);
    verifiers_t *vs = d->verifiers_;
    if (vs) {
        for (size_t i = 0; i < vs->n; i++) {
            jl_cacheverify_free(vs->v[i].ver);
            for (int k = 0; k < 5; k++)
                free(vs->v[i].v[k]);
        }
        free(vs->v);
        free(vs);
    }
    free(d);
}

static void closure_visit(const jldepot_depot_t *d, size_t i, char *seen, size_t *idx, size_t *n)
{
    if (seen[i])
        return;
    seen[i] = 1;
    for (size_t k = 0; k < d->caches[i].nreqs; k++)
        closure_visit(d, d->caches[i].reqs[k], seen, idx, n);
    idx[(*n)++] = i;
}

int jldepot_depot_closure(const jldepot_depot_t *d, size_t i, size_t **idx, size_t *n)
{
    *idx = NULL;
    *n = 0;
    char *seen = calloc(d->ncaches ? d->ncaches : 1, 1);
    size_t *v = malloc((d->ncaches ? d->ncaches : 1) * sizeof(size_t));
    if (!seen || !v) {
        free(seen);
        free(v);
        return JL_DEPOT_E_NOMEM;
    }
    closure_visit(d, i, seen, v, n);
    free(seen);
    *idx = v;
    return JL_DEPOT_E_OK;
}

char *jldepot_bundle_filename(const jldepot_cache_t *c)
{
    char *s = NULL;
    if (asprintf(&s, "%s-%.16s%s", c->name, c->key, JLDEPOT_BUNDLE_EXT) < 0)
        return NULL;
    return s;
}

int jldepot_json_write_atomic(const char *path, json_object *obj)
{
    const char *s = json_object_to_json_string_ext(
        obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t n = strlen(s);
    char *b = malloc(n + 2);
    if (!b)
        return JL_DEPOT_E_NOMEM;
    memcpy(b, s, n);
    b[n] = '\n';
    int err = jl_depot_write_atomic(path, b, n + 1, 0644);
    free(b);
    return err;
}

// ---- input keys ---------------------------------------------------------------------

int jldepot_depot_input_key(jldepot_depot_t *d, size_t i)
{
    jldepot_cache_t *c = &d->caches[i];
    if (c->input_key[0])
        return JL_DEPOT_E_OK;
    if (!c->servable || !c->pkgroot)
        return JL_DEPOT_E_NOT_SERVABLE_TREE;
    if (c->input_state_)
        return JL_DEPOT_E_INVALID_ARGUMENT; // a cycle: no cache requires itself
    c->input_state_ = 1;
    int err = JL_DEPOT_E_OK;
    char **reqs = calloc(c->nreqs ? c->nreqs : 1, sizeof(char *));
    if (!reqs)
        err = JL_DEPOT_E_NOMEM;
    for (size_t k = 0; k < c->nreqs && !err; k++) {
        const jldepot_cache_t *q = &d->caches[c->reqs[k]];
        if (!(err = jldepot_depot_input_key(d, c->reqs[k])) &&
            asprintf(&reqs[k], "%s %s", q->uuid, q->input_key) < 0) {
            reqs[k] = NULL;
            err = JL_DEPOT_E_NOMEM;
        }
    }
    char tree[41], prefs[80] = "none";
    const jl_cachefile_t *cf = c->cf;
    if (cf->npref_names > 0 || cf->prefs_blob.len > 0) // compile-time preferences
        prefs_record(cf, prefs);
    jldepot_platform_t p;
    memset(&p, 0, sizeof(p));
    if (!err)
        err = jldepot_tree_hash(c->pkgroot, tree);
    if (!err)
        err = jldepot_platform_of(cf, &p);
    if (!err)
        err = jldepot_input_key(&p, c->name, c->uuid, tree, prefs, reqs, c->nreqs, c->input_key);
    jldepot_platform_free(&p);
    for (size_t k = 0; reqs && k < c->nreqs; k++)
        free(reqs[k]);
    free(reqs);
    if (err)
        c->input_key[0] = '\0';
    c->input_state_ = 0;
    return err;
}
