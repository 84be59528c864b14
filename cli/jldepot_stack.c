// This file is a part of the jldepot project. License is MIT.

/*
  jldepot_stack.c: DEPOT_PATH from the environment (jldepot_stack.h).  Owns
  the role roots of every depot Julia's init_depot_path would put on
  DEPOT_PATH (explicit entries, the bundled depots, the classic or XDG user
  depot), collected in DEPOT_PATH order and then appended to a runtime stack
  (jl_depot_stack_new + jl_depot_stack_add, which drops a depot already on
  it).  Building the list makes no system call beyond reading the current
  directory for relative entries.
*/

#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "jldepot_stack.h"

const char *const jldepot_classic_sub[JL_DEPOT_NROLES] = {"", "/artifacts", "/compiled",
                                                          "/scratchspaces"};

void jldepot_config_from_env(jldepot_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->depot_path = getenv("JULIA_DEPOT_PATH");
    cfg->julia_bindir = getenv("JULIA_BINDIR");
    size_t sz = sizeof(cfg->home_storage);
    if (uv_os_homedir(cfg->home_storage, &sz) == 0)
        cfg->home = cfg->home_storage;
    cfg->xdg_data_home = getenv("XDG_DATA_HOME");
    cfg->xdg_cache_home = getenv("XDG_CACHE_HOME");
    cfg->layout = getenv(JLDEPOT_LAYOUT_ENV);
    cfg->list_sep = JL_PATH_LIST_SEP;
    cfg->casefold = -1;
}

int jldepot_layout_parse(const char *name, jldepot_layout_t *layout)
{
    if (name == NULL || name[0] == '\0' || strcmp(name, "classic") == 0) {
        *layout = JLDEPOT_LAYOUT_CLASSIC;
        return JL_DEPOT_E_OK;
    }
    if (strcmp(name, "xdg") == 0) {
        *layout = JLDEPOT_LAYOUT_XDG;
        return JL_DEPOT_E_OK;
    }
    return JL_DEPOT_E_UNKNOWN_LAYOUT;
}

// ---- paths ---------------------------------------------------------------------

// Join up to three pieces and normalize; a relative result is made absolute
// against the current directory.  NULL on error (*err set).
static char *mkpath3(const char *a, size_t alen, const char *b, size_t blen, const char *c,
                     int *err, size_t *outlen)
{
    size_t clen = c ? strlen(c) : 0;
    char cwd[JL_DEPOT_PATH_MAX + 1];
    size_t cwdlen = 0;
    if (alen == 0 || a[0] != '/') {
        size_t sz = sizeof(cwd);
        if (uv_cwd(cwd, &sz) != 0) {
            *err = JL_DEPOT_E_IO;
            return NULL;
        }
        cwdlen = sz;
    }
    size_t total = cwdlen + 1 + alen + blen + clen;
    if (total > JL_DEPOT_PATH_MAX) {
        *err = JL_DEPOT_E_PATH_TOO_LONG;
        return NULL;
    }
    char *raw = (char *)malloc(total + 1);
    if (raw == NULL) {
        *err = JL_DEPOT_E_NOMEM;
        return NULL;
    }
    size_t k = 0;
    if (cwdlen) {
        memcpy(raw, cwd, cwdlen);
        k = cwdlen;
        raw[k++] = '/';
    }
    memcpy(raw + k, a, alen);
    k += alen;
    if (blen)
        memcpy(raw + k, b, blen);
    k += blen;
    if (clen)
        memcpy(raw + k, c, clen);
    k += clen;
    // raw is absolute (it starts with the current directory or with `a`)
    char *dst = NULL;
    int e = jl_depot_normalize_n(raw, k, &dst);
    free(raw);
    if (e != JL_DEPOT_E_OK) {
        *err = e;
        return NULL;
    }
    *outlen = strlen(dst);
    return dst;
}

static char *mkpath(const char *a, size_t alen, const char *b, const char *c, int *err,
                    size_t *outlen)
{
    return mkpath3(a, alen, b, b ? strlen(b) : 0, c, err, outlen);
}

// ---- the depots, in DEPOT_PATH order -----------------------------------------------

// The role roots of one depot (normalized, absolute, malloc'ed).
typedef struct {
    char *roots[JL_DEPOT_NROLES];
} depot_roots_t;

typedef struct {
    depot_roots_t *v;
    size_t n, cap;
} depot_list_t;

static void roots_free(char *roots[JL_DEPOT_NROLES])
{
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        free(roots[r]);
        roots[r] = NULL;
    }
}

static void list_free(depot_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        roots_free(l->v[i].roots);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

// Append (or, with `front`, put first) a depot with the given role roots
// (taken over, freed on error).  Duplicates stay in the list: the stack drops
// a depot whose @depot root it already has, keeping the first, as
// init_depot_path does with `path in DEPOT_PATH || push!(...)`; so a depot
// put first that is also listed later keeps only its first place.
static int list_add(depot_list_t *l, char *roots[JL_DEPOT_NROLES], int front)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        depot_roots_t *v = (depot_roots_t *)realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            roots_free(roots);
            return JL_DEPOT_E_NOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    depot_roots_t *e = l->v + l->n;
    if (front) {
        memmove(l->v + 1, l->v, l->n * sizeof(*l->v));
        e = l->v;
    }
    for (int r = 0; r < JL_DEPOT_NROLES; r++)
        e->roots[r] = roots[r];
    l->n++;
    return JL_DEPOT_E_OK;
}

static int add_classic(depot_list_t *l, const char *a, size_t alen, const char *b, size_t blen,
                       int front)
{
    char *roots[JL_DEPOT_NROLES] = {NULL};
    size_t lens[JL_DEPOT_NROLES] = {0};
    int err = JL_DEPOT_E_OK;
    roots[0] = mkpath3(a, alen, b, blen, NULL, &err, &lens[0]);
    if (roots[0] == NULL)
        return err;
    for (int r = 1; r < JL_DEPOT_NROLES; r++) {
        roots[r] = mkpath(roots[0], lens[0], jldepot_classic_sub[r], NULL, &err, &lens[r]);
        if (roots[r] == NULL) {
            roots_free(roots);
            return err;
        }
    }
    return list_add(l, roots, front);
}

static int usable(const char *v)
{
    return v != NULL && v[0] == '/';
}

// The data root of the XDG user depot, $XDG_DATA_HOME/julia (unset, empty
// and relative values are ignored, as the XDG Base Directory spec says), or
// NULL when its location cannot be known (*err stays OK then).
static char *xdg_data_root(const jldepot_config_t *cfg, int *err, size_t *len)
{
    const char *home = cfg->home && cfg->home[0] ? cfg->home : NULL;
    const char *data = usable(cfg->xdg_data_home) ? cfg->xdg_data_home : NULL;
    const char *cache = usable(cfg->xdg_cache_home) ? cfg->xdg_cache_home : NULL;
    if ((data == NULL || cache == NULL) && home == NULL)
        return NULL;
    if (data)
        return mkpath(data, strlen(data), "/julia", NULL, err, len);
    return mkpath(home, strlen(home), "/.local/share", "/julia", err, len);
}

// The user depot: ~/.julia, or the XDG split depot.  Omitted (returns OK)
// when its location cannot be known (no home directory and no XDG values).
static int add_user(depot_list_t *l, const jldepot_config_t *cfg, jldepot_layout_t layout,
                    int front)
{
    const char *home = cfg->home && cfg->home[0] ? cfg->home : NULL;
    if (layout == JLDEPOT_LAYOUT_CLASSIC) {
        if (home == NULL)
            return JL_DEPOT_E_OK;
        return add_classic(l, home, strlen(home), "/.julia", 7, front);
    }
    const char *cache = usable(cfg->xdg_cache_home) ? cfg->xdg_cache_home : NULL;
    char *roots[JL_DEPOT_NROLES] = {NULL};
    size_t lens[JL_DEPOT_NROLES] = {0};
    int err = JL_DEPOT_E_OK;
    roots[0] = xdg_data_root(cfg, &err, &lens[0]);
    if (roots[0] == NULL)
        return err;
    char *croot;
    size_t crootlen;
    if (cache)
        croot = mkpath(cache, strlen(cache), "/julia", NULL, &err, &crootlen);
    else if (home != NULL)
        croot = mkpath(home, strlen(home), "/.cache", "/julia", &err, &crootlen);
    else
        croot = NULL; // no cache directory: no user depot, as without a home
    if (croot == NULL) {
        free(roots[0]);
        return err;
    }
    roots[1] = mkpath(roots[0], lens[0], "/artifacts", NULL, &err, &lens[1]);
    if (roots[1])
        roots[2] = mkpath(croot, crootlen, "/compiled", NULL, &err, &lens[2]);
    if (roots[2])
        roots[3] = mkpath(croot, crootlen, "/scratchspaces", NULL, &err, &lens[3]);
    free(croot);
    if (roots[3] == NULL) {
        roots_free(roots);
        return err;
    }
    return list_add(l, roots, front);
}

// Whether the DEPOT_PATH entry a+b names the XDG user depot: Julia keeps that
// depot's compiled files in $XDG_CACHE_HOME/julia/compiled however it got on
// DEPOT_PATH (Base.compiled_root), so the stack must describe it the same way.
static int is_xdg_user(const jldepot_config_t *cfg, const char *a, size_t alen, const char *b,
                       size_t blen)
{
    int err = JL_DEPOT_E_OK;
    size_t rlen = 0, dlen = 0;
    char *root = mkpath3(a, alen, b, blen, NULL, &err, &rlen);
    char *data = root ? xdg_data_root(cfg, &err, &dlen) : NULL;
    int same = data != NULL && rlen == dlen && memcmp(root, data, rlen) == 0;
    free(root);
    free(data);
    return same;
}

// append_bundled_depot_path!: <bindir>/../local/share/julia, <bindir>/../share/julia.
static int add_bundled(depot_list_t *l, const jldepot_config_t *cfg)
{
    const char *b = cfg->julia_bindir;
    if (b == NULL || b[0] == '\0')
        return JL_DEPOT_E_OK;
    int err = add_classic(l, b, strlen(b), "/../local/share/julia", 21, 0);
    if (err)
        return err;
    return add_classic(l, b, strlen(b), "/../share/julia", 15, 0);
}

// The depots of `cfg` in DEPOT_PATH order, duplicates included.
static int collect(const jldepot_config_t *cfg, jldepot_layout_t layout, depot_list_t *l)
{
    char sep = cfg->list_sep ? cfg->list_sep : JL_PATH_LIST_SEP;
    const char *str = cfg->depot_path;
    int err = JL_DEPOT_E_OK;
    if (str == NULL) {
        // JULIA_DEPOT_PATH unset: [user depot, bundled depots...]
        err = add_user(l, cfg, layout, 0);
        if (!err)
            err = add_bundled(l, cfg);
        return err;
    }
    if (str[0] == '\0')
        return JL_DEPOT_E_OK; // empty: no depot at all
    // Every empty entry appends the bundled depots; the user depot is put
    // first only when the first entry is empty (base/initdefs.jl, 1.11+).
    int first_given = 0;
    const char *home = cfg->home && cfg->home[0] ? cfg->home : NULL;
    const char *p = str;
    for (size_t i = 0;; i++) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0) {
            err = add_bundled(l, cfg);
        }
        else {
            if (i == 0)
                first_given = 1;
            const char *a = p, *b = NULL;
            size_t alen = len, blen = 0;
            if (p[0] == '~' && (len == 1 || p[1] == '/') && home != NULL) { // expanduser
                a = home;
                alen = strlen(home);
                b = p + 1;
                blen = len - 1;
            }
            if (layout == JLDEPOT_LAYOUT_XDG && is_xdg_user(cfg, a, alen, b, blen))
                err = add_user(l, cfg, layout, 0);
            else
                err = add_classic(l, a, alen, b, blen, 0);
        }
        if (err || e == NULL)
            break;
        p = e + 1;
    }
    if (!err && !first_given)
        err = add_user(l, cfg, layout, 1);
    return err;
}

int jldepot_stack_new(const jldepot_config_t *cfg, jl_depot_stack_t **out)
{
    *out = NULL;
    jldepot_layout_t layout;
    int err = jldepot_layout_parse(cfg->layout, &layout);
    if (err)
        return err;
    depot_list_t l;
    memset(&l, 0, sizeof(l));
    err = collect(cfg, layout, &l);
    jl_depot_stack_t *s = NULL;
    if (!err && (s = jl_depot_stack_new(cfg->casefold)) == NULL)
        err = JL_DEPOT_E_NOMEM;
    for (size_t i = 0; !err && i < l.n; i++)
        err = jl_depot_stack_add(s, (const char *const *)l.v[i].roots);
    list_free(&l);
    if (err) {
        jl_depot_stack_free(s);
        return err;
    }
    *out = s;
    return JL_DEPOT_E_OK;
}
