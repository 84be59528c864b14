// This file is a part of the jldepot project. License is MIT.

/*
  mkcache.c: a test-only generator of precompile cache files in the real
  format, for packages of a depot, without Julia.

    mkcache [options] DEPOT NAME

  reads <DEPOT>/packages/<NAME>/<slug>/src/<NAME>.jl (or
  <DEPOT>/packages/<NAME>/src/<NAME>.jl) and its Project.toml, and writes
  <DEPOT>/compiled/vX.Y/<NAME>/<pkgslug>_<projslug>.ji the way Julia lays it
  out: the dependency list (entry file, literal include("...") recursively,
  include_dependency("...") files and directories, `using`/`import` require
  keys) in evaluation order, paths tokenized to upstream's `@depot/...`,
  the required modules (the sysimage modules of the real Julia 1.11 fixture,
  then the package's dependencies with the build ids read from their caches,
  which must therefore be generated first: packages of DEPOT, and stdlibs
  <d>/stdlib/vX.Y/NAME of the depots of --depot-path with their caches in
  <d>/compiled), the source text and the trailer.

  The data section is opaque test bytes (deterministic, never Julia's), and
  its checksum word is 0xFAFBFCFD << 32 | crc32c(data).  Without --pkgimage
  the .ji is non-split (clone targets `i32 0`, padding, data inline); with
  --pkgimage a small shared object exporting jl_system_image_data /
  jl_system_image_size is built with the system C compiler, the .ji gets one
  plausible generic x86-64 clone target, and crc_so is the crc32c of the .so.

  Options:
    --layout r12|m13|l10   (default r12)
    --julia-version STR    the header's version string (default per layout)
    --pkgimage             build the .so as well (split pair)
    --mtime-deps           record include_dependency entries by mtime (Julia 1.11's default)
    --seed N               seed of the build id (default 1)
    --prefs-hash           M13: write the older names + hash preferences form
    --print                print the path of the written .ji
    --depot-path LIST      the DEPOT_PATH in force while "Julia" writes the cache
                           (`:`-separated, Julia's rules): paths are tokenized against
                           it, first match in order, as upstream's replace_depot_path
                           does.  Default: DEPOT alone.  A DEPOT left out of LIST
                           gives a cache with absolute paths (upstream's
                           RelocationTestPkg4); other depots in LIST let an
                           include_dependency("/abs/path/in/depot2/...") tokenize.
    --pkgdir DIR           the package's root (DIR/Project.toml, DIR/src/NAME.jl)
                           instead of DEPOT/packages/NAME: a stdlib of a bundled
                           depot (<depot>/stdlib/vX.Y/NAME) or a package developed
                           outside every depot.  The cache still goes to
                           DEPOT/compiled.
*/

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cachefile.h"
#include "crc32c.h"
#include "jldepot_model.h"
#include "jldepot_upstream.h"

// A short-lived tool that exits right after writing its output: it does not
// free what it allocates, so LeakSanitizer is told to stay quiet.
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
    return 1;
}

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("mkcache: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        die("out of memory");
    return p;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        die("out of memory");
    va_end(ap);
    return s;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = xmalloc(cap);
    size_t k;
    while ((k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            b = realloc(b, cap *= 2);
        if (!b)
            die("out of memory");
    }
    fclose(f);
    *len = n;
    return b;
}

static void write_all(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0)
        die("cannot write %s: %s", path, strerror(errno));
}

static void mkdirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0777);
            *s = '/';
        }
    }
    mkdir(p, 0777);
    free(p);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

// ---- UUIDs, slugs -------------------------------------------------------------

static int parse_uuid(const char *s, jl_cache_u128_t *u)
{
    uint64_t v[2] = {0, 0};
    int nd = 0;
    for (; *s && *s != '"'; s++) {
        if (*s == '-')
            continue;
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return 0;
        if (nd >= 32)
            return 0;
        v[nd / 16] = v[nd / 16] << 4 | (uint64_t)d;
        nd++;
    }
    if (nd != 32)
        return 0;
    u->hi = v[0];
    u->lo = v[1];
    return 1;
}

static void le16(uint8_t b[16], jl_cache_u128_t u)
{
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(u.lo >> (8 * i));
        b[8 + i] = (uint8_t)(u.hi >> (8 * i));
    }
}

// Base.slug: base-62 digits of `x`, least significant first.
static void slug(uint32_t x, char out[6])
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < 5; i++) {
        out[i] = chars[x % 62];
        x /= 62;
    }
    out[5] = 0;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// ---- packages in the depot -------------------------------------------------------

typedef struct {
    char *name;
    char *dir; // the package root (holds Project.toml and src/)
    jl_cache_u128_t uuid;
    int has_uuid;
} pkg_t;

// The top-level `uuid = "..."` of <p->dir>/Project.toml, if any.
static void read_project(pkg_t *p)
{
    char *proj = fmt("%s/Project.toml", p->dir);
    size_t len;
    char *t = read_all(proj, &len);
    free(proj);
    if (t) {
        t = realloc(t, len + 1);
        t[len] = 0;
        // the top-level `uuid = "..."` (before any [section])
        for (char *line = t; line && *line;) {
            char *nl = strchr(line, '\n');
            if (*line == '[')
                break;
            if (!strncmp(line, "uuid", 4)) {
                char *q = strchr(line, '"');
                if (q && parse_uuid(q + 1, &p->uuid))
                    p->has_uuid = 1;
            }
            line = nl ? nl + 1 : NULL;
        }
        free(t);
    }
}

static int find_pkg(const char *depot, const char *name, pkg_t *p)
{
    memset(p, 0, sizeof(*p));
    char *base = fmt("%s/packages/%s", depot, name);
    char *cand = fmt("%s/src/%s.jl", base, name);
    if (is_file(cand)) {
        p->dir = xstrdup(base);
    }
    else {
        DIR *d = opendir(base);
        struct dirent *e;
        char *best = NULL;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char *c = fmt("%s/%s/src/%s.jl", base, e->d_name, name);
            if (is_file(c) && (!best || strcmp(e->d_name, best) < 0)) {
                free(best);
                best = xstrdup(e->d_name);
            }
            free(c);
        }
        if (d)
            closedir(d);
        if (best)
            p->dir = fmt("%s/%s", base, best);
        free(best);
    }
    free(cand);
    free(base);
    if (!p->dir)
        return 0;
    p->name = xstrdup(name);
    read_project(p);
    return 1;
}

// ---- scanning sources ---------------------------------------------------------------

typedef struct {
    char *abspath; // the recorded absolute path, or the require key
    size_t keylen; // require keys: the key's length (it starts with NUL)
    int kind;      // jl_cache_dep_kind_t
    int provides;
} rdep_t;

typedef struct {
    rdep_t *v;
    size_t n, cap;
} rdeps_t;

static void push_dep(rdeps_t *d, rdep_t x)
{
    for (size_t i = 0; i < d->n; i++) // unique(), keeping the first
        if (d->v[i].keylen == x.keylen && !memcmp(d->v[i].abspath, x.abspath, x.keylen) &&
            d->v[i].kind == x.kind)
            return;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = realloc(d->v, d->cap * sizeof(rdep_t));
        if (!d->v)
            die("out of memory");
    }
    d->v[d->n++] = x;
}

static char *dirname_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? strndup(p, (size_t)(s - p)) : xstrdup(".");
}

static char *join_norm(const char *dir, const char *rel)
{
    char *j = rel[0] == '/' ? xstrdup(rel) : fmt("%s/%s", dir, rel);
    char *n = NULL;
    if (jldepot_normalize(j, &n) != JL_DEPOT_E_OK)
        die("cannot normalize %s", j);
    free(j);
    return n;
}

// The string literal after `word(` at `s`, or NULL.
static char *literal_arg(const char *s)
{
    while (*s == ' ')
        s++;
    if (*s != '"')
        return NULL;
    const char *e = strchr(s + 1, '"');
    return e ? strndup(s + 1, (size_t)(e - s - 1)) : NULL;
}

typedef struct {
    const char *depot;
    rdeps_t deps;
    char **usings;
    size_t nusings;
    int depth;
} scan_t;

static void scan_file(scan_t *sc, const char *path);

static int word_at(const char *line, const char *p, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(p, w, n))
        return 0;
    if (p > line && (p[-1] == '_' || p[-1] == '.' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                     (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9')))
        return 0;
    return 1;
}

static void add_using(scan_t *sc, const char *name)
{
    static const char *builtin[] = {"Base", "Core", "Main"};
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(name, builtin[i]))
            return;
    pkg_t p;
    jl_cache_u128_t u = {0, 0};
    if (find_pkg(sc->depot, name, &p)) {
        if (p.has_uuid)
            u = p.uuid;
        free(p.name);
        free(p.dir);
    }
    size_t nl = strlen(name);
    char *key = xmalloc(17 + nl);
    key[0] = 0;
    le16((uint8_t *)key + 1, u);
    memcpy(key + 17, name, nl);
    rdep_t d = {key, 17 + nl, JL_CACHE_DEP_REQUIRE, 1};
    push_dep(&sc->deps, d);
    sc->usings = realloc(sc->usings, (sc->nusings + 1) * sizeof(char *));
    sc->usings[sc->nusings++] = xstrdup(name);
}

static void scan_line(scan_t *sc, const char *dir, const char *line)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '#')
        return;
    if (word_at(line, p, "using ") || word_at(line, p, "import ")) {
        p = strchr(p, ' ') + 1;
        // `using A, B` / `using A: x` / `import A.b`
        for (;;) {
            while (*p == ' ')
                p++;
            const char *s = p;
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || *p == '_')
                p++;
            if (p > s && *s != '.') {
                char *name = strndup(s, (size_t)(p - s));
                add_using(sc, name);
                free(name);
            }
            while (*p && *p != ',' && *p != ':' && *p != '\n')
                p++;
            if (*p != ',')
                break;
            p++;
        }
        return;
    }
    for (const char *q = p; (q = strstr(q, "include")); q++) {
        if (!word_at(line, q, "include"))
            continue;
        int dep = !strncmp(q, "include_dependency(", 19);
        const char *a = dep ? q + 19 : (q[7] == '(' ? q + 8 : NULL);
        if (!a)
            continue;
        char *lit = literal_arg(a);
        if (!lit)
            continue;
        char *abs = join_norm(dir, lit);
        free(lit);
        if (dep) {
            struct stat st;
            if (stat(abs, &st) != 0)
                die("include_dependency on a missing path: %s", abs);
            rdep_t d = {abs, strlen(abs), JL_CACHE_DEP_INCLUDE_DEPENDENCY, 0};
            push_dep(&sc->deps, d);
        }
        else {
            if (!is_file(abs))
                die("include of a missing file: %s", abs);
            rdep_t d = {abs, strlen(abs), JL_CACHE_DEP_INCLUDE, 1};
            push_dep(&sc->deps, d);
            scan_file(sc, abs);
        }
    }
}

static void scan_file(scan_t *sc, const char *path)
{
    if (++sc->depth > 64)
        die("include nesting too deep at %s", path);
    size_t len;
    char *t = read_all(path, &len);
    if (!t)
        die("cannot read %s", path);
    t = realloc(t, len + 1);
    t[len] = 0;
    char *dir = dirname_of(path);
    for (char *line = t; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        scan_line(sc, dir, line);
        line = nl ? nl + 1 : NULL;
    }
    free(dir);
    free(t);
    sc->depth--;
}

// ---- fsize / hash / mtime ---------------------------------------------------------------

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void content_of(const char *path, uint64_t *fsize, uint32_t *hash, double *mtime)
{
    struct stat st;
    if (stat(path, &st) != 0)
        die("cannot stat %s", path);
    *mtime = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
    *fsize = (uint64_t)st.st_size;
    if (S_ISDIR(st.st_mode)) {
        // upstream: crc32c(join(readdir(dir))), readdir being sorted names
        DIR *d = opendir(path);
        char **names = NULL;
        size_t n = 0;
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            names = realloc(names, (n + 1) * sizeof(char *));
            names[n++] = xstrdup(e->d_name);
        }
        if (d)
            closedir(d);
        qsort(names, n, sizeof(char *), cmpstr);
        uint32_t c = 0;
        for (size_t i = 0; i < n; i++) {
            c = jl_crc32c(c, names[i], strlen(names[i]));
            free(names[i]);
        }
        free(names);
        *hash = c;
        return;
    }
    size_t len;
    char *t = read_all(path, &len);
    if (!t)
        die("cannot read %s", path);
    *hash = jl_crc32c(0, t, len);
    free(t);
}

// ---- the sysimage modules of the real Julia 1.11 fixture ----------------------------------

#include "julia111_sysmods.h"

typedef struct {
    jl_cache_reqmod_t *v;
    size_t n, cap;
} reqs_t;

static void add_req(reqs_t *r, jl_cache_reqmod_t m)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].name.len == m.name.len && !memcmp(r->v[i].name.ptr, m.name.ptr, m.name.len) &&
            r->v[i].uuid.hi == m.uuid.hi && r->v[i].uuid.lo == m.uuid.lo)
            return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
        if (!r->v)
            die("out of memory");
    }
    jl_cache_reqmod_t c = m;
    c.name.ptr = strndup(m.name.ptr, m.name.len);
    r->v[r->n++] = c;
}

// The cache of package `p` in `compiled`: <pkgslug>_*.ji.
static char *find_cache(const char *compiled, const pkg_t *p)
{
    uint8_t u[16];
    le16(u, p->uuid);
    char ps[6];
    slug(jl_crc32c(0, (const char *)u, 16), ps);
    char *dir = fmt("%s/%s", compiled, p->name);
    DIR *d = opendir(dir);
    struct dirent *e;
    char *found = NULL;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (!strncmp(e->d_name, ps, 5) && e->d_name[5] == '_' && n > 3 &&
            !strcmp(e->d_name + n - 3, ".ji")) {
            free(found);
            found = fmt("%s/%s", dir, e->d_name);
        }
    }
    if (d)
        closedir(d);
    free(dir);
    return found;
}

// ---- the pkgimage ---------------------------------------------------------------------------

static void put(uint8_t **b, size_t *n, size_t *cap, const void *src, size_t len)
{
    if (*n + len > *cap) {
        while (*n + len > *cap)
            *cap = *cap ? *cap * 2 : 4096;
        *b = realloc(*b, *cap);
        if (!*b)
            die("out of memory");
    }
    memcpy(*b + *n, src, len);
    *n += len;
}

static void put_u(uint8_t **b, size_t *n, size_t *cap, uint64_t v, unsigned k)
{
    uint8_t t[8];
    for (unsigned i = 0; i < k; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    put(b, n, cap, t, k);
}

static void put_cz(uint8_t **b, size_t *n, size_t *cap, jl_cache_str_t s)
{
    put(b, n, cap, s.ptr, s.len);
    put_u(b, n, cap, 0, 1);
}

// The image blob: prefix (pkgimage 1) + flags + [syntax] + required modules +
// zero padding to 64 + data.
static uint8_t *make_blob(const jl_cachefile_t *cf, size_t *len)
{
    static const uint8_t magic[8] = {0xFB, 'j', 'l', 'i', '\r', '\n', 0x1A, '\n'};
    uint8_t *b = NULL;
    size_t n = 0, cap = 0;
    put(&b, &n, &cap, magic, 8);
    put_u(&b, &n, &cap, cf->layout == JL_CACHE_LAYOUT_M13 ? 13 : 12, 2);
    put_u(&b, &n, &cap, 0xFEFF, 2);
    put_u(&b, &n, &cap, 8, 1);
    put_cz(&b, &n, &cap, cf->build_os);
    put_cz(&b, &n, &cap, cf->build_arch);
    put_cz(&b, &n, &cap, cf->julia_version);
    put_cz(&b, &n, &cap, cf->git_branch);
    put_cz(&b, &n, &cap, cf->git_commit);
    put_u(&b, &n, &cap, 1, 1);
    size_t cpos = n;
    put_u(&b, &n, &cap, cf->checksum, 8);
    put_u(&b, &n, &cap, 0, 8);
    put_u(&b, &n, &cap, 0, 8);
    put_u(&b, &n, &cap, cf->flags, 1);
    if (cf->layout == JL_CACHE_LAYOUT_M13)
        put_u(&b, &n, &cap, cf->syntax_version, 1);
    for (size_t i = 0; i < cf->nreqmods; i++) {
        put_u(&b, &n, &cap, cf->reqmods[i].name.len, 4);
        put(&b, &n, &cap, cf->reqmods[i].name.ptr, cf->reqmods[i].name.len);
        put_u(&b, &n, &cap, cf->reqmods[i].uuid.hi, 8);
        put_u(&b, &n, &cap, cf->reqmods[i].uuid.lo, 8);
        put_u(&b, &n, &cap, cf->reqmods[i].build_id.hi, 8);
        put_u(&b, &n, &cap, cf->reqmods[i].build_id.lo, 8);
    }
    put_u(&b, &n, &cap, 0, 4);
    while (n % 64)
        put_u(&b, &n, &cap, 0, 1);
    size_t ds = n;
    put(&b, &n, &cap, cf->data, cf->data_len);
    for (int i = 0; i < 8; i++) {
        b[cpos + 8 + i] = (uint8_t)((uint64_t)ds >> (8 * i));
        b[cpos + 16 + i] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    *len = n;
    return b;
}

static uint32_t build_so(const char *sopath, const uint8_t *blob, size_t len)
{
    const char *td = getenv("TMPDIR");
    char *dir = fmt("%s/mkcache-XXXXXX", td && *td ? td : P_tmpdir);
    if (!mkdtemp(dir))
        die("mkdtemp: %s", strerror(errno));
    char *cpath = fmt("%s/image.c", dir);
    FILE *f = fopen(cpath, "w");
    if (!f)
        die("cannot write %s", cpath);
    fprintf(f,
            "/* generated by mkcache: opaque test bytes, not Julia's */\n"
            "#include <stddef.h>\n"
            "__attribute__((aligned(64))) const unsigned char jl_system_image_data[%zu] = {",
            len);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%s%u", i == 0 ? "\n" : i % 32 ? "," : ",\n", blob[i]);
    fprintf(f, "};\nconst size_t jl_system_image_size = %zu;\n", len);
    fclose(f);
    const char *cc = getenv("MKCACHE_CC");
    if (!cc || !*cc)
        cc = "cc";
    char *cmd = fmt("%s -shared -fPIC -O0 -o '%s' '%s'", cc, sopath, cpath);
    if (system(cmd) != 0)
        die("compiler failed: %s", cmd);
    free(cmd);
    unlink(cpath);
    rmdir(dir);
    free(cpath);
    free(dir);
    size_t n;
    char *so = read_all(sopath, &n);
    if (!so)
        die("cannot read %s", sopath);
    uint32_t c = jl_crc32c(0, so, n);
    free(so);
    return c;
}

// ---- main ---------------------------------------------------------------------------------

int main(int argc, char **argv)
{
    const char *layout_s = "r12", *version = NULL;
    const char *depot_path = NULL, *pkgdir = NULL;
    int pkgimage = 0, mtime_deps = 0, print = 0, prefs_hash = 0;
    uint64_t seed = 1;
    static const struct option opts[] = {
        {"layout", required_argument, 0, 'l'}, {"julia-version", required_argument, 0, 'v'},
        {"pkgimage", no_argument, 0, 'p'},     {"mtime-deps", no_argument, 0, 'm'},
        {"seed", required_argument, 0, 's'},   {"prefs-hash", no_argument, 0, 'H'},
        {"print", no_argument, 0, 'P'},        {"depot-path", required_argument, 0, 'D'},
        {"pkgdir", required_argument, 0, 'K'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            layout_s = optarg;
            break;
        case 'v':
            version = optarg;
            break;
        case 'p':
            pkgimage = 1;
            break;
        case 'm':
            mtime_deps = 1;
            break;
        case 's':
            seed = strtoull(optarg, NULL, 0);
            break;
        case 'H':
            prefs_hash = 1;
            break;
        case 'P':
            print = 1;
            break;
        case 'D':
            depot_path = optarg;
            break;
        case 'K':
            pkgdir = optarg;
            break;
        default:
            die("usage: mkcache [options] DEPOT NAME");
        }
    }
    if (argc - optind != 2)
        die("usage: mkcache [options] DEPOT NAME");
    int layout = !strcmp(layout_s, "r12")   ? JL_CACHE_LAYOUT_R12
                 : !strcmp(layout_s, "m13") ? JL_CACHE_LAYOUT_M13
                 : !strcmp(layout_s, "l10") ? JL_CACHE_LAYOUT_L10
                                            : 0;
    if (!layout)
        die("unknown layout %s", layout_s);
    if (!version)
        version = layout == JL_CACHE_LAYOUT_L10   ? "1.10.0"
                  : layout == JL_CACHE_LAYOUT_M13 ? "1.14.0-DEV"
                                                  : "1.11.0";
    int major = 1, minor = 11;
    if (sscanf(version, "%d.%d", &major, &minor) != 2)
        die("bad version string %s", version);
    char depot[PATH_MAX];
    if (!realpath(argv[optind], depot))
        die("no depot %s", argv[optind]);
    const char *name = argv[optind + 1];
    pkg_t pkg;
    if (pkgdir) {
        char dir[PATH_MAX];
        if (!realpath(pkgdir, dir))
            die("no package directory %s", pkgdir);
        memset(&pkg, 0, sizeof(pkg));
        pkg.name = xstrdup(name);
        pkg.dir = xstrdup(dir);
        read_project(&pkg);
        char *e = fmt("%s/src/%s.jl", dir, name);
        if (!is_file(e))
            die("no %s", e);
        free(e);
    }
    else if (!find_pkg(depot, name, &pkg))
        die("no package %s in %s/packages", name, depot);
    if (!pkg.has_uuid)
        die("%s has no uuid in its Project.toml", name);

    // dependencies, in evaluation order; the entry file first (provides 0)
    scan_t sc;
    memset(&sc, 0, sizeof(sc));
    sc.depot = depot;
    char *entry = fmt("%s/src/%s.jl", pkg.dir, name);
    char *entry_n = join_norm("/", entry);
    rdep_t e0 = {entry_n, strlen(entry_n), JL_CACHE_DEP_INCLUDE, 0};
    push_dep(&sc.deps, e0);
    scan_file(&sc, entry_n);

    jldepot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.depot_path = depot_path ? depot_path : depot;
    cfg.list_sep = ':';
    cfg.casefold = 0;
    jl_depot_stack_t *stack = NULL;
    int err = jldepot_stack_new(&cfg, &stack);
    if (err)
        die("depot stack: %s", jldepot_strerror(err));

    jl_cachefile_t cf;
    memset(&cf, 0, sizeof(cf));
    cf.layout = layout;
    cf.format_version = layout == JL_CACHE_LAYOUT_M13 ? 13 : 12;
    cf.pointer_size = 8;
    cf.build_os = (jl_cache_str_t){"Linux", 5};
    cf.build_arch = (jl_cache_str_t){"x86_64", 6};
    cf.julia_version = (jl_cache_str_t){version, strlen(version)};
    cf.git_branch = (jl_cache_str_t){"", 0};
    cf.git_commit = (jl_cache_str_t){"", 0};
    cf.flags = pkgimage ? 0xA3 : 0xA2; // default options; --pkgimages=no clears bit 0
    cf.has_syntax = layout == JL_CACHE_LAYOUT_M13;
    cf.syntax_version = (uint8_t)(minor - 13 < 0 ? 0 : minor - 13 > 255 ? 255 : minor - 13);
    cf.prefs_form =
        layout == JL_CACHE_LAYOUT_M13 && !prefs_hash ? JL_CACHE_PREFS_BLOB : JL_CACHE_PREFS_HASH;
    cf.prefs_blob = (jl_cache_str_t){"", 0};
    cf.data_align = 64;

    uint64_t rs = seed ^ ((uint64_t)jl_crc32c(0, name, strlen(name)) << 17);
    jl_cache_worklist_t wl;
    wl.name = (jl_cache_str_t){name, strlen(name)};
    wl.uuid = pkg.uuid;
    do
        wl.build_id_lo = splitmix(&rs);
    while (wl.build_id_lo == 0);
    cf.worklist = &wl;
    cf.nworklist = 1;

    cf.deps = xmalloc(sc.deps.n * sizeof(jl_cache_dep_t));
    cf.srctext = xmalloc(sc.deps.n * sizeof(jl_cache_srctext_t));
    for (size_t i = 0; i < sc.deps.n; i++) {
        rdep_t *r = &sc.deps.v[i];
        jl_cache_dep_t *d = &cf.deps[cf.ndeps++];
        memset(d, 0, sizeof(*d));
        d->kind = r->kind;
        d->provides = r->provides;
        if (r->kind == JL_CACHE_DEP_REQUIRE) {
            d->path = (jl_cache_str_t){r->abspath, r->keylen};
            d->mtime = 0.0;
            continue;
        }
        char *tok = NULL;
        if (layout == JL_CACHE_LAYOUT_L10) {
            tok = xstrdup(r->abspath); // 1.10 records absolute paths
        }
        else {
            char buf[JL_DEPOT_PATH_MAX + 1];
            size_t tl;
            err = jldepot_tokenize_upstream(stack, cfg.casefold, 0, r->abspath, strlen(r->abspath),
                                            buf, sizeof(buf), &tl, NULL);
            if (err != JL_DEPOT_E_OK && err != JL_DEPOT_E_NOT_RELOCATABLE)
                die("tokenize %s: %s", r->abspath, jldepot_strerror(err));
            tok = xstrdup(buf);
        }
        d->path = (jl_cache_str_t){tok, strlen(tok)};
        uint64_t fsize;
        uint32_t hash;
        double mtime;
        content_of(r->abspath, &fsize, &hash, &mtime);
        if (layout == JL_CACHE_LAYOUT_L10 ||
            (mtime_deps && r->kind == JL_CACHE_DEP_INCLUDE_DEPENDENCY)) {
            d->mtime = mtime; // mtime-tracked: fsize and hash stay 0
        }
        else {
            d->fsize = fsize;
            d->hash = hash;
            d->mtime = -1.0;
        }
        if (r->kind == JL_CACHE_DEP_INCLUDE) {
            size_t len;
            char *text = read_all(r->abspath, &len);
            if (!text)
                die("cannot read %s", r->abspath);
            jl_cache_srctext_t *s = &cf.srctext[cf.nsrctext++];
            memset(s, 0, sizeof(*s));
            s->name = d->path;
            s->text = (const uint8_t *)text;
            s->len = len;
        }
    }
    cf.srctextpos = 1; // present (the writer computes the real position)

    // required modules: the sysimage's, then the dependencies' (in load order)
    char *compiled = fmt("%s/compiled/v%d.%d", depot, major, minor);
    reqs_t reqs;
    memset(&reqs, 0, sizeof(reqs));
    for (size_t i = 0; i < JULIA111_NSYSMODS; i++) {
        jl_cache_reqmod_t m;
        memset(&m, 0, sizeof(m));
        m.name = (jl_cache_str_t){julia111_sysmods[i].name, strlen(julia111_sysmods[i].name)};
        if (julia111_sysmods[i].uuid)
            parse_uuid(julia111_sysmods[i].uuid, &m.uuid);
        m.build_id.hi = julia111_sysmods[i].hi;
        m.build_id.lo = julia111_sysmods[i].lo;
        add_req(&reqs, m);
    }
    for (size_t i = 0; i < sc.nusings; i++) {
        pkg_t dp;
        char *dcompiled = NULL;
        if (!find_pkg(depot, sc.usings[i], &dp)) {
            // a stdlib with a cache in a depot of --depot-path (a bundled
            // depot: <d>/stdlib/vX.Y/NAME, its cache in <d>/compiled/vX.Y)
            // is pinned by build id like a package; any other is the sysimage's
            for (size_t k = 0; k < jl_depot_stack_size(stack) && !dcompiled; k++) {
                const char *r = jl_depot_root(stack, k, JL_DEPOT_ROLE_DEPOT);
                char *sd = fmt("%s/stdlib/v%d.%d/%s", r, major, minor, sc.usings[i]);
                char *pj = fmt("%s/Project.toml", sd);
                if (is_file(pj)) {
                    memset(&dp, 0, sizeof(dp));
                    dp.dir = sd;
                    sd = NULL;
                    dp.name = xstrdup(sc.usings[i]);
                    read_project(&dp);
                    dcompiled = fmt("%s/compiled/v%d.%d", r, major, minor);
                }
                free(sd);
                free(pj);
            }
            if (!dcompiled)
                continue; // nothing to pin
        }
        char *path = find_cache(dcompiled ? dcompiled : compiled, &dp);
        free(dcompiled);
        if (!path)
            die("the cache of dependency %s is missing: generate it first", dp.name);
        jl_cachefile_t *dcf;
        if ((err = jl_cachefile_read_header(path, 0, &dcf)))
            die("%s: %s", path, jldepot_strerror(err));
        for (size_t k = 0; k < dcf->nreqmods; k++)
            add_req(&reqs, dcf->reqmods[k]);
        jl_cache_reqmod_t m;
        m.name = (jl_cache_str_t){dp.name, strlen(dp.name)};
        m.uuid = dp.uuid;
        m.build_id = jl_cachefile_build_id(dcf);
        add_req(&reqs, m);
        jl_cachefile_free(dcf);
        free(path);
    }
    cf.reqmods = reqs.v;
    cf.nreqmods = reqs.n;

    // the data section: opaque test bytes, deterministic per package and seed
    size_t dlen = 4096 + (size_t)(splitmix(&rs) % 2048);
    uint8_t *data = xmalloc(dlen);
    for (size_t i = 0; i < dlen; i += 8) {
        uint64_t v = splitmix(&rs);
        for (size_t k = 0; k < 8 && i + k < dlen; k++)
            data[i + k] = (uint8_t)(v >> (8 * k));
    }
    cf.data = data;
    cf.data_len = dlen;
    cf.checksum = (uint64_t)0xFAFBFCFD << 32 | jl_crc32c(0, (const char *)data, dlen);

    // file name (spec 10): pkgslug from the UUID; projslug from a CRC chain over
    // fixed stand-in inputs (no Julia here: a fixed project path, image file,
    // julia binary and CPU target), the flags byte and the preferences.
    uint8_t u16[16];
    le16(u16, pkg.uuid);
    char pslug[6], jslug[6];
    slug(jl_crc32c(0, (const char *)u16, 16), pslug);
    uint32_t chain = 0;
    static const char *standins[] = {"@stdlib/Project.toml", "sys.so", "julia"};
    for (int i = 0; i < 3; i++)
        chain = jl_crc32c(chain, standins[i], strlen(standins[i]));
    chain = jl_crc32c(chain, (const char *)&cf.flags, 1);
    chain = jl_crc32c(chain, "native", 6);
    if (cf.prefs_form == JL_CACHE_PREFS_HASH) {
        uint8_t h[8] = {0};
        chain = jl_crc32c(chain, (const char *)h, 8);
    }
    slug(chain, jslug);
    char *outdir = fmt("%s/%s", compiled, name);
    mkdirs(outdir);
    char *jipath = fmt("%s/%s_%s.ji", outdir, pslug, jslug);

    uint8_t clone[256];
    size_t clen = 0;
    if (pkgimage) {
        // one generic x86-64 target; inner layout of the cache's version
        uint8_t *p = clone;
#define PUTU(v, k) \
    do { \
        for (unsigned i_ = 0; i_ < (k); i_++) \
            *p++ = (uint8_t)((uint64_t)(v) >> (8 * i_)); \
    } while (0)
        unsigned ws = layout == JL_CACHE_LAYOUT_M13 ? 8 : 4, nw = ws == 8 ? 6 : 11;
        PUTU(1, 4);  // ntargets
        PUTU(0, 4);  // flags
        if (ws == 8) // base
            PUTU(0, 4);
        PUTU(nw, 4);
        for (unsigned i = 0; i < 2 * nw; i++)
            PUTU(0, ws);
        PUTU(7, 4);
        memcpy(p, "generic", 7);
        p += 7;
        PUTU(0, 4);
#undef PUTU
        clen = (size_t)(p - clone);
        cf.clone_targets = clone;
        cf.clone_len = clen;
        size_t blen;
        uint8_t *blob = make_blob(&cf, &blen);
        char *sopath = jl_cachefile_so_path(jipath);
        cf.crc_so = build_so(sopath, blob, blen);
        free(blob);
        free(sopath);
        cf.data = NULL; // the data lives in the .so
        cf.data_len = 0;
    }
    uint8_t *out;
    size_t outlen;
    if ((err = jl_cachefile_write(&cf, 64, &out, &outlen)))
        die("write: %s", jldepot_strerror(err));
    write_all(jipath, out, outlen);
    if (print)
        printf("%s\n", jipath);
    free(out);
    return 0;
}
