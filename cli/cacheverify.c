// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacheverify.c: the loader checks (cacheverify.h) in Julia's order: the
  prefix against the target Julia, the flags, the pkgimage's presence, the
  module identity, the required modules (through the caches of the depots,
  checked recursively and memoized), the dependencies (cacheverify_deps.c),
  then crc_ji and crc_so (the codec's jl_cachefile_check).  Owns the
  verifier, its target, the results and their reason texts.
*/

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cacheverify_int.h"
#include "jldepot_model.h"

// ---- small utilities ----------------------------------------------------------------

char *jl_verify_fmt_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = (char *)malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *jl_verify_strndup_(const char *s, size_t len)
{
    char *p = (char *)malloc(len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

int jl_verify_add_reloc_(jl_verify_result_t *r, int code, const char *path)
{
    // the capacity doubles when the count reaches a power of two: a header
    // with a million dependencies costs linear time, not quadratic copying
    jl_verify_reloc_t *nr = r->reloc;
    size_t n = r->nreloc;
    if ((n & (n - 1)) == 0) {
        nr = (jl_verify_reloc_t *)realloc(r->reloc, (n ? 2 * n : 1) * sizeof(*nr));
        if (!nr)
            return 1;
        r->reloc = nr;
    }
    jl_verify_reloc_t *x = &nr[r->nreloc];
    x->code = code;
    x->path = path ? strdup(path) : NULL;
    x->text = path ? jl_verify_fmt_("%s: %s", jldepot_strerror(code), path)
                   : strdup(jldepot_strerror(code));
    if ((path && !x->path) || !x->text) {
        free(x->path);
        free(x->text);
        return 1;
    }
    r->nreloc++;
    return 0;
}

static int str_is(jl_cache_str_t s, const char *c)
{
    size_t n = strlen(c);
    return s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0);
}

JL_DLLEXPORT void jl_verify_float_repr(double x, char out[32])
{
    if (x != x) {
        strcpy(out, "NaN");
        return;
    }
    if (x == 0) {
        strcpy(out, x < 0 || 1 / x < 0 ? "-0.0" : "0.0");
        return;
    }
    if (x > 1.7976931348623157e308 || x < -1.7976931348623157e308) {
        strcpy(out, x < 0 ? "-Inf" : "Inf");
        return;
    }
    // the shortest decimal that reads back as x (what Julia's Ryu prints)
    char e[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, x);
        if (strtod(e, NULL) == x)
            break;
    }
    const char *p = e;
    int neg = *p == '-';
    if (neg)
        p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof(digits) - 1)
            digits[nd++] = *p;
    int exp10 = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    char *o = out;
    if (neg)
        *o++ = '-';
    if (exp10 < -4 || exp10 >= 6) {
        // d.ddde<exp>, at least one decimal
        *o++ = digits[0];
        *o++ = '.';
        if (nd > 1) {
            memcpy(o, digits + 1, nd - 1);
            o += nd - 1;
        }
        else
            *o++ = '0';
        sprintf(o, "e%d", exp10);
        return;
    }
    if (exp10 < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -exp10 - 1; i++)
            *o++ = '0';
        memcpy(o, digits, nd);
        o[nd] = '\0';
        return;
    }
    // exp10 in [0, 5]: integer part of exp10 + 1 digits
    for (int i = 0; i <= exp10; i++)
        *o++ = (size_t)i < nd ? digits[i] : '0';
    *o++ = '.';
    if ((size_t)exp10 + 1 < nd) {
        memcpy(o, digits + exp10 + 1, nd - (size_t)exp10 - 1);
        o += nd - (size_t)exp10 - 1;
    }
    else
        *o++ = '0';
    *o = '\0';
}

static const char *const dep_verdict_names[] = {
    "fresh",      "mtime_ok",       "size_changed", "hash_changed", "mtime_changed", "missing",
    "unresolved", "depot_conflict", "require",      "unreadable",   "not_checked",   "special"};
static const char *const mod_verdict_names[] = {"sysimage", "found", "stale", "missing",
                                                "not_checked"};

JL_DLLEXPORT const char *jl_verify_dep_verdict_name(int verdict)
{
    if (verdict < 0 || (size_t)verdict >= sizeof(dep_verdict_names) / sizeof(char *))
        return "unknown";
    return dep_verdict_names[verdict];
}

JL_DLLEXPORT const char *jl_verify_mod_verdict_name(int verdict)
{
    if (verdict < 0 || (size_t)verdict >= sizeof(mod_verdict_names) / sizeof(char *))
        return "unknown";
    return mod_verdict_names[verdict];
}

// ---- target ----------------------------------------------------------------------

static char *dup_cstr(jl_cache_str_t s)
{
    return jl_verify_strndup_(s.ptr, s.len);
}

static void free_target_strings(jl_cacheverify_t *v)
{
    free(v->t_version);
    free(v->t_commit);
    free(v->t_branch);
    free(v->t_os);
    free(v->t_arch);
    v->t_version = v->t_commit = v->t_branch = v->t_os = v->t_arch = NULL;
}

static int set_target_from_cache(jl_cacheverify_t *v, const jl_cachefile_t *cf, const char *path)
{
    free_target_strings(v);
    v->t_version = dup_cstr(cf->julia_version);
    v->t_commit = dup_cstr(cf->git_commit);
    v->t_branch = dup_cstr(cf->git_branch);
    v->t_os = dup_cstr(cf->build_os);
    v->t_arch = dup_cstr(cf->build_arch);
    free(v->target_source);
    v->target_source = strdup(path);
    if (!v->t_version || !v->t_commit || !v->t_branch || !v->t_os || !v->t_arch ||
        !v->target_source)
        return JL_DEPOT_E_NOMEM;
    v->target.julia_version = v->t_version;
    v->target.julia_commit = v->t_commit;
    v->target.julia_branch = v->t_branch;
    v->target.os = v->t_os;
    v->target.arch = v->t_arch;
    v->target.pointer_size = cf->pointer_size;
    v->target.format_version = cf->format_version;
    v->target_set = 1;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_cacheverify_new(jl_depot_stack_t *stack, const jl_verify_target_t *t,
                                    jl_cacheverify_t **out)
{
    *out = NULL;
    if (!t)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    jl_cacheverify_t *v = (jl_cacheverify_t *)calloc(1, sizeof(*v));
    if (!v)
        return JL_DEPOT_E_NOMEM;
    v->stack = stack;
    v->target = *t;
    if (v->target.flags < 0)
        v->target.flags = 0xA3;
    if (!v->target.pointer_size)
        v->target.pointer_size = (int)sizeof(void *);
    struct utsname u;
    int have_uname = uname(&u) == 0;
#define COPY(field, store, dflt) \
    do { \
        const char *s_ = t->field ? t->field : (dflt); \
        if (s_ && (v->store = strdup(s_)) == NULL) { \
            jl_cacheverify_free(v); \
            return JL_DEPOT_E_NOMEM; \
        } \
        v->target.field = v->store; \
    } while (0)
    COPY(julia_version, t_version, NULL);
    COPY(julia_commit, t_commit, t->julia_version ? "" : NULL);
    COPY(julia_branch, t_branch, NULL);
    COPY(os, t_os, have_uname ? u.sysname : NULL);
    COPY(arch, t_arch, have_uname ? u.machine : NULL);
#undef COPY
    v->target_set = t->julia_version != NULL;
    *out = v;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT void jl_cacheverify_free(jl_cacheverify_t *v)
{
    if (!v)
        return;
    free_target_strings(v);
    free(v->target_source);
    for (size_t i = 0; i < v->nmemo; i++)
        free(v->memo[i].path);
    free(v->memo);
    for (size_t i = 0; i < v->nsysmods; i++)
        free(v->sysmods[i]);
    free(v->sysmods);
    free(v->iobuf);
    free(v);
}

JL_DLLEXPORT const jl_verify_target_t *jl_cacheverify_target(const jl_cacheverify_t *v)
{
    return &v->target;
}

JL_DLLEXPORT const char *jl_cacheverify_target_source(const jl_cacheverify_t *v)
{
    return v->target_source;
}

JL_DLLEXPORT void jl_verify_result_free(jl_verify_result_t *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->reason);
    free(r->pkgname);
    for (size_t i = 0; i < r->nreloc; i++) {
        free(r->reloc[i].path);
        free(r->reloc[i].text);
    }
    free(r->reloc);
    for (size_t i = 0; i < r->ndeps; i++) {
        free(r->deps[i].stored);
        free(r->deps[i].resolved);
    }
    free(r->deps);
    for (size_t i = 0; i < r->nmods; i++) {
        free(r->mods[i].name);
        free(r->mods[i].cache);
    }
    free(r->mods);
    free(r);
}

// ---- memo ----------------------------------------------------------------------------

static jl_verify_memo_t *memo_get(jl_cacheverify_t *v, const char *path, int create)
{
    for (size_t i = 0; i < v->nmemo; i++)
        if (!strcmp(v->memo[i].path, path))
            return &v->memo[i];
    if (!create)
        return NULL;
    if (v->nmemo == v->capmemo) {
        size_t nc = v->capmemo ? 2 * v->capmemo : 16;
        jl_verify_memo_t *nm = (jl_verify_memo_t *)realloc(v->memo, nc * sizeof(*nm));
        if (!nm)
            return NULL;
        v->memo = nm;
        v->capmemo = nc;
    }
    jl_verify_memo_t *m = &v->memo[v->nmemo];
    memset(m, 0, sizeof(*m));
    if ((m->path = strdup(path)) == NULL)
        return NULL;
    m->status = -2; // not checked yet
    v->nmemo++;
    return m;
}

// ---- paths -------------------------------------------------------------------------

static int is_vdir(const char *s, size_t n)
{
    // v<digits>.<digits>
    if (n < 4 || s[0] != 'v')
        return 0;
    size_t i = 1, a = 0, b = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, a++;
    if (i >= n || s[i] != '.' || !a)
        return 0;
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, b++;
    return i == n && b > 0;
}

// From an absolute cache path: the package name and the compiled/vX.Y
// directory (both malloc'ed; NULL when the path is not laid out so).
static void split_cache_path(const char *path, char **pkg, char **vdir)
{
    *pkg = *vdir = NULL;
    const char *base = strrchr(path, '/');
    if (!base || base == path)
        return;
    const char *p1 = base; // end of the parent
    const char *s1 = p1 - 1;
    while (s1 > path && *s1 != '/')
        s1--;
    // parent component: (s1, p1)
    if (is_vdir(s1 + 1, (size_t)(p1 - s1 - 1))) {
        size_t bl = strlen(base + 1);
        if (bl > 3 && !strcmp(base + 1 + bl - 3, ".ji")) {
            *pkg = jl_verify_strndup_(base + 1, bl - 3);
            *vdir = jl_verify_strndup_(path, (size_t)(p1 - path));
        }
        return;
    }
    if (s1 == path)
        return;
    const char *s2 = s1 - 1;
    while (s2 > path && *s2 != '/')
        s2--;
    if (is_vdir(s2 + 1, (size_t)(s1 - s2 - 1))) {
        *pkg = jl_verify_strndup_(s1 + 1, (size_t)(p1 - s1 - 1));
        *vdir = jl_verify_strndup_(path, (size_t)(s1 - path));
    }
}

static char *absolute_path(const char *path)
{
    char *norm = NULL;
    if (path[0] == '/') {
        if (jldepot_normalize(path, &norm) != JL_DEPOT_E_OK)
            return strdup(path);
        return norm;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd)))
        return strdup(path);
    char *j = jl_verify_fmt_("%s/%s", cwd, path);
    if (!j)
        return NULL;
    if (jldepot_normalize(j, &norm) != JL_DEPOT_E_OK)
        return j;
    free(j);
    return norm;
}

// ---- required modules ------------------------------------------------------------------

static int verify_status(jl_cacheverify_t *v, const char *path);

typedef struct {
    char **v;
    size_t n;
} strlist_t;

static int strlist_has(const strlist_t *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return 1;
    return 0;
}

static int strlist_push(strlist_t *l, char *s)
{
    if (!s)
        return 1;
    char **nv = (char **)realloc(l->v, (l->n + 1) * sizeof(char *));
    if (!nv) {
        free(s);
        return 1;
    }
    l->v = nv;
    l->v[l->n++] = s;
    return 0;
}

static void strlist_free(strlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Every `<dir>/*.ji` (sorted), appended to `out`.
static int list_ji(const char *dir, strlist_t *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t first = out->n;
    struct dirent *e;
    int err = 0;
    while (!err && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 3 && !strcmp(e->d_name + n - 3, ".ji"))
            err = strlist_push(out, jl_verify_fmt_("%s/%s", dir, e->d_name));
    }
    closedir(d);
    if (out->n > first)
        qsort(out->v + first, out->n - first, sizeof(char *), cmp_str);
    return err;
}

static int path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int check_module(jl_cacheverify_t *v, const char *vname, const char *own_vdir,
                        long containing, jl_verify_mod_t *m)
{
    // a module already found to have no cache and no sources anywhere (a
    // stdlib): the same search would give the same answer
    char *key =
        jl_verify_fmt_("%ld|%s|%s|%s", containing, own_vdir ? own_vdir : "", vname, m->name);
    if (!key)
        return JL_DEPOT_E_NOMEM;
    for (size_t i = 0; i < v->nsysmods; i++) {
        if (!strcmp(v->sysmods[i], key)) {
            free(key);
            m->verdict = JL_VERIFY_MOD_SYSIMAGE;
            return JL_DEPOT_E_OK;
        }
    }
    // the compiled/vX.Y directories to search: the cache's own, the
    // containing depot's, then the stack's
    strlist_t dirs = {0}, cands = {0};
    int err = 0;
    if (own_vdir)
        err |= strlist_push(&dirs, strdup(own_vdir));
    size_t nd = v->stack ? jl_depot_stack_size(v->stack) : 0;
    for (size_t k = 0; !err && k <= nd; k++) {
        long i = k == 0 ? containing : (long)k - 1;
        if (i < 0 || (k > 0 && i == containing))
            continue;
        const char *root = jl_depot_root(v->stack, (size_t)i, JL_DEPOT_ROLE_COMPILED);
        if (!root)
            continue;
        char *d = jl_verify_fmt_("%s/%s", root, vname);
        if (d && strlist_has(&dirs, d))
            free(d);
        else
            err |= strlist_push(&dirs, d);
    }
    for (size_t i = 0; !err && i < dirs.n; i++) {
        char *pd = jl_verify_fmt_("%s/%s", dirs.v[i], m->name);
        if (!pd) {
            err = 1;
            break;
        }
        err |= list_ji(pd, &cands);
        free(pd);
        // compiled/vX.Y/Name.ji (no UUID)
    }
    if (err)
        goto nomem;
    m->verdict = JL_VERIFY_MOD_SYSIMAGE;
    int any = cands.n > 0, stale_with_id = 0;
    for (size_t i = 0; i < cands.n; i++) {
        jl_verify_memo_t *me = memo_get(v, cands.v[i], 1);
        if (!me)
            goto nomem;
        if (!me->have_build_id) {
            jl_cachefile_t *cf;
            if (jl_cachefile_read_header(cands.v[i], 0, &cf) != JL_DEPOT_E_OK)
                continue;
            if (cf->nworklist > 0) {
                me->build_id = jl_cachefile_build_id(cf);
                me->have_build_id = 1;
            }
            jl_cachefile_free(cf);
            if (!me->have_build_id)
                continue;
        }
        if (me->build_id.hi != m->build_id.hi || me->build_id.lo != m->build_id.lo)
            continue;
        int st = verify_status(v, cands.v[i]);
        if (st == JL_DEPOT_E_NOMEM)
            goto nomem;
        free(m->cache);
        if ((m->cache = strdup(cands.v[i])) == NULL)
            goto nomem;
        if (st == JL_DEPOT_E_OK) {
            m->verdict = JL_VERIFY_MOD_FOUND;
            break;
        }
        stale_with_id = 1;
    }
    if (m->verdict != JL_VERIFY_MOD_FOUND) {
        if (stale_with_id)
            m->verdict = JL_VERIFY_MOD_STALE;
        else if (any)
            m->verdict = JL_VERIFY_MOD_MISSING;
        else {
            // no cache at all: a package whose sources are in a depot is
            // missing; anything else (a stdlib) comes from the sysimage
            for (size_t i = 0; i < nd; i++) {
                const char *root = jl_depot_root(v->stack, i, JL_DEPOT_ROLE_DEPOT);
                char *pp = root ? jl_verify_fmt_("%s/packages/%s", root, m->name) : NULL;
                int ex = pp && path_exists(pp);
                free(pp);
                if (ex) {
                    m->verdict = JL_VERIFY_MOD_MISSING;
                    break;
                }
            }
        }
    }
    if (m->verdict == JL_VERIFY_MOD_SYSIMAGE) {
        strlist_t l = {v->sysmods, v->nsysmods};
        if (strlist_push(&l, key))
            goto nomem_nokey;
        v->sysmods = l.v;
        v->nsysmods = l.n;
        key = NULL;
    }
    free(key);
    strlist_free(&dirs);
    strlist_free(&cands);
    return JL_DEPOT_E_OK;
nomem:
    free(key);
nomem_nokey:
    strlist_free(&dirs);
    strlist_free(&cands);
    return JL_DEPOT_E_NOMEM;
}

// ---- the checks ----------------------------------------------------------------------

static int reject(jl_verify_result_t *r, int code, char *text)
{
    r->status = code;
    free(r->reason);
    r->reason = text ? text : strdup(jldepot_strerror(code));
    return r->reason ? JL_DEPOT_E_OK : JL_DEPOT_E_NOMEM;
}

static int check_prefix(jl_cacheverify_t *v, const jl_cachefile_t *cf, jl_verify_result_t *r)
{
    const jl_verify_target_t *t = &v->target;
    struct {
        const char *want;
        jl_cache_str_t have;
        int code;
        const char *what;
    } fields[] = {
        {t->julia_version, cf->julia_version, JL_DEPOT_E_JULIA_VERSION_MISMATCH, "version"},
        {t->julia_commit, cf->git_commit, JL_DEPOT_E_JULIA_COMMIT_MISMATCH, "commit"},
        {t->julia_branch, cf->git_branch, JL_DEPOT_E_JULIA_BRANCH_MISMATCH, "branch"},
        {t->os, cf->build_os, JL_DEPOT_E_OS_MISMATCH, "OS"},
        {t->arch, cf->build_arch, JL_DEPOT_E_ARCH_MISMATCH, "arch"},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (!fields[i].want || str_is(fields[i].have, fields[i].want))
            continue;
        return reject(r, fields[i].code,
                      jl_verify_fmt_("%s (%s \"%.*s\", expected \"%s\")",
                                     jldepot_strerror(fields[i].code), fields[i].what,
                                     (int)fields[i].have.len, fields[i].have.ptr, fields[i].want));
    }
    if (t->pointer_size && cf->pointer_size != t->pointer_size)
        return reject(r, JL_DEPOT_E_POINTER_SIZE_MISMATCH,
                      jl_verify_fmt_("%s (%d, expected %d)",
                                     jldepot_strerror(JL_DEPOT_E_POINTER_SIZE_MISMATCH),
                                     cf->pointer_size, t->pointer_size));
    if (t->format_version && cf->format_version != t->format_version)
        return reject(r, JL_DEPOT_E_FORMAT_VERSION_MISMATCH,
                      jl_verify_fmt_("%s (format version %d, expected %d)",
                                     jldepot_strerror(JL_DEPOT_E_FORMAT_VERSION_MISMATCH),
                                     cf->format_version, t->format_version));
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_verify_flags_match(int layout, const char *ver, size_t vlen, uint8_t req,
                                       uint8_t act)
{
    // .ji-only on both sides: the other flags are ignored
    if (!(req & 1) && !(act & 1))
        return 1;
    int one_arg = layout == JL_CACHE_LAYOUT_L10 ||
                  (layout == JL_CACHE_LAYOUT_R12 && ver && vlen >= 4 && !memcmp(ver, "1.11", 4) &&
                   (vlen == 4 || ver[4] == '.' || ver[4] == '-'));
    if (one_arg) // bits 0-5 exact, the file's opt level >= the requested one
        return (req & 0x3f) == (act & 0x3f) && (act >> 6) >= (req >> 6);
    // 1.12+: bits 0, 3, 4, 5 exact; opt and debug level >= the requested ones
    return (req & 0x39) == (act & 0x39) && (act >> 6) >= (req >> 6) &&
           ((act >> 1) & 3) >= ((req >> 1) & 3);
}

static void flags_text(uint8_t f, char *out, size_t n)
{
    static const char *const cb[] = {"default", "yes", "no", "3"};
    jl_cache_flags_t d = jl_cache_flags_decode(f);
    snprintf(out, n, "0x%02x: pkgimages=%s debug-level=%d check-bounds=%s inline=%s optimize=%d", f,
             d.use_pkgimages ? "yes" : "no", d.debug_level, cb[d.check_bounds & 3],
             d.inline_ ? "yes" : "no", d.opt_level);
}

static int verify_one(jl_cacheverify_t *v, const char *path, const char *want_name,
                      const jl_cache_u128_t *want_uuid, jl_verify_result_t **out);

// The status of the cache at `path` (memoized), for a required module.
static int verify_status(jl_cacheverify_t *v, const char *path)
{
    jl_verify_memo_t *me = memo_get(v, path, 1);
    if (!me)
        return JL_DEPOT_E_NOMEM;
    if (me->status == -1)
        return JL_DEPOT_E_OK; // a cycle: Julia never writes one; do not recurse
    if (me->status != -2)
        return me->status;
    if (v->depth >= 64)
        return JL_DEPOT_E_OK;
    jl_verify_result_t *r;
    v->depth++;
    int err = verify_one(v, path, NULL, NULL, &r);
    v->depth--;
    if (err)
        return err;
    int st = r->status;
    jl_verify_result_free(r);
    return st;
}

// The stats a check takes of the cache's own files, before reading them.
typedef struct {
    int64_t seen_ns; // when
    int have_ji, have_so;
    jl_verify_fstat_t ji, so;
    jl_verify_stamp_t *stamp; // a valid stamp or seal, or NULL
} cache_stats_t;

static int run_checks(jl_cacheverify_t *v, const jl_cachefile_t *cf, jl_verify_result_t *r,
                      const char *vdir, const char *want_name, const jl_cache_u128_t *want_uuid,
                      cache_stats_t *cs)
{
    int err;
    int ignore_so = (v->target.options & JL_VERIFY_IGNORE_PKGIMAGE) != 0;
    // 1. the prefix
    if ((err = check_prefix(v, cf, r)) != JL_DEPOT_E_OK)
        return err;
    // 2. worklist and flags
    if (r->status == JL_DEPOT_E_OK && cf->nworklist == 0)
        if ((err = reject(r, JL_DEPOT_E_EMPTY_WORKLIST, NULL)))
            return err;
    if (r->status == JL_DEPOT_E_OK &&
        !jl_verify_flags_match(cf->layout, cf->julia_version.ptr, cf->julia_version.len,
                               (uint8_t)v->target.flags, cf->flags)) {
        char a[96], b[96];
        flags_text(cf->flags, a, sizeof(a));
        flags_text((uint8_t)v->target.flags, b, sizeof(b));
        if ((err =
                 reject(r, JL_DEPOT_E_FLAGS_MISMATCH,
                        jl_verify_fmt_("the flags are mismatched (cache %s; requested %s)", a, b))))
            return err;
    }
    // 3. the pkgimage exists
    if (r->status == JL_DEPOT_E_OK && cf->clone_len > 0 && !ignore_so) {
        char *so = jl_cachefile_so_path(r->path);
        if (!so)
            return JL_DEPOT_E_NOMEM;
        if (!cs->have_so && !path_exists(so))
            err = reject(r, JL_DEPOT_E_PKGIMAGE_MISSING,
                         jl_verify_fmt_("pkgimage %s was not found", so));
        free(so);
        if (err)
            return err;
    }
    // 4. the module is the package the cache is stored for
    const char *name = want_name ? want_name : r->pkgname;
    if (r->status == JL_DEPOT_E_OK && name && !str_is(cf->worklist[0].name, name)) {
        if ((err = reject(r, JL_DEPOT_E_WRONG_MODULE,
                          jl_verify_fmt_("it is for module %.*s instead of %s",
                                         (int)cf->worklist[0].name.len, cf->worklist[0].name.ptr,
                                         name))))
            return err;
    }
    if (r->status == JL_DEPOT_E_OK && want_uuid &&
        (cf->worklist[0].uuid.hi != want_uuid->hi || cf->worklist[0].uuid.lo != want_uuid->lo)) {
        char a[37], b[37];
        jl_cache_uuid_format(cf->worklist[0].uuid, a);
        jl_cache_uuid_format(*want_uuid, b);
        if ((err = reject(r, JL_DEPOT_E_WRONG_UUID,
                          jl_verify_fmt_("it is for %.*s [%s] instead of [%s]",
                                         (int)cf->worklist[0].name.len, cf->worklist[0].name.ptr, a,
                                         b))))
            return err;
    }
    // 5. required modules
    r->mods = (jl_verify_mod_t *)calloc(cf->nreqmods ? cf->nreqmods : 1, sizeof(jl_verify_mod_t));
    if (!r->mods)
        return JL_DEPOT_E_NOMEM;
    r->nmods = cf->nreqmods;
    char vname[64];
    if (vdir) {
        const char *b = strrchr(vdir, '/');
        snprintf(vname, sizeof(vname), "%s", b ? b + 1 : vdir);
    }
    else {
        int ma = 0, mi = 0;
        char vs[32];
        snprintf(vs, sizeof(vs), "%.*s",
                 (int)(cf->julia_version.len < 31 ? cf->julia_version.len : 31),
                 cf->julia_version.ptr);
        sscanf(vs, "%d.%d", &ma, &mi);
        snprintf(vname, sizeof(vname), "v%d.%d", ma, mi);
    }
    for (size_t i = 0; i < cf->nreqmods; i++) {
        const jl_cache_reqmod_t *q = &cf->reqmods[i];
        jl_verify_mod_t *m = &r->mods[i];
        if ((m->name = dup_cstr(q->name)) == NULL)
            return JL_DEPOT_E_NOMEM;
        m->uuid = q->uuid;
        m->build_id = q->build_id;
        m->verdict = JL_VERIFY_MOD_NOT_CHECKED;
        if (r->status != JL_DEPOT_E_OK)
            continue;
        if (q->uuid.hi == 0 && q->uuid.lo == 0) {
            m->verdict = JL_VERIFY_MOD_SYSIMAGE;
            continue;
        }
        if ((err = check_module(v, vname, vdir, r->depot, m)))
            return err;
        if (m->verdict == JL_VERIFY_MOD_STALE || m->verdict == JL_VERIFY_MOD_MISSING) {
            char u[37], b[37];
            jl_cache_uuid_format(m->uuid, u);
            jl_cache_uuid_format(m->build_id, b);
            // Julia's own words (loading.jl), PkgId shown as Julia shows it
            if ((err = reject(r, JL_DEPOT_E_DEPENDENCY_MISSING,
                              jl_verify_fmt_("required dependency Base.PkgId(Base.UUID(\"%s\"), "
                                             "\"%s\") with build ID %s is missing from the "
                                             "cache.",
                                             u, m->name, b))))
                return err;
        }
    }
    // 6. dependencies (always resolved: the relocatable verdict needs them)
    int before = r->status;
    char *before_reason = r->reason;
    r->reason = NULL;
    int dst = jl_cacheverify_deps_(v, cf, r->depot, r, cs->stamp);
    if (dst == JL_DEPOT_E_NOMEM) {
        free(before_reason);
        return dst;
    }
    if (before != JL_DEPOT_E_OK) {
        free(r->reason);
        r->reason = before_reason;
        r->status = before;
    }
    else if (dst != JL_DEPOT_E_OK && !(v->target.options & JL_VERIFY_NO_DEPS)) {
        r->status = dst;
        r->stale = 1;
        if (!r->reason && (r->reason = strdup(jldepot_strerror(dst))) == NULL)
            return JL_DEPOT_E_NOMEM;
    }
    else {
        free(r->reason);
        r->reason = NULL;
    }
    // 7. crc_ji, then crc_so and the blob.  A stamp or seal that matched every
    // dependency and both files stands for the dependencies and the .so, never
    // for the .ji: its checksum is always verified, so that no byte that was
    // not checked is ever deserialized.
    int want_so = cf->clone_len > 0 && !ignore_so;
    if (r->status == JL_DEPOT_E_OK && cs->stamp &&
        (!want_so || (cs->stamp->has_so && cs->have_so &&
                      jl_verify_fstat_match_(cs->stamp->so, &cs->so, cs->stamp->seal)))) {
        int all = 1;
        for (size_t i = 0; i < r->ndeps && all; i++)
            if (r->deps[i].kind != JL_CACHE_DEP_REQUIRE && !r->deps[i].by_stamp &&
                r->deps[i].verdict != JL_VERIFY_DEP_NOT_CHECKED)
                all = 0;
        if (all) {
            int c = jl_cachefile_check(cf, r->path, JL_CACHEFILE_CHECK_NO_SO, &r->check);
            if (c == JL_DEPOT_E_NOMEM)
                return c;
            if (c == JL_DEPOT_E_CRC_JI)
                return reject(r, c, strdup("it has an invalid checksum"));
            if (c != JL_DEPOT_E_OK)
                return reject(r, c, NULL);
            r->stamp = cs->stamp->seal ? JL_VERIFY_STAMP_SEAL : JL_VERIFY_STAMP_USED;
            r->check.has_pkgimage = cf->clone_len > 0;
            return JL_DEPOT_E_OK;
        }
    }
    if (r->status == JL_DEPOT_E_OK) {
        int c =
            jl_cachefile_check(cf, r->path, ignore_so ? JL_CACHEFILE_CHECK_NO_SO : 0, &r->check);
        if (c == JL_DEPOT_E_NOMEM)
            return c;
        if (c == JL_DEPOT_E_CRC_JI)
            return reject(r, c, strdup("it has an invalid checksum"));
        if (c == JL_DEPOT_E_CRC_SO || c == JL_DEPOT_E_PKGIMAGE_MISSING) {
            char *so = jl_cachefile_so_path(r->path);
            if (!so)
                return JL_DEPOT_E_NOMEM;
            err = reject(r, c,
                         c == JL_DEPOT_E_CRC_SO ? jl_verify_fmt_("%s has an invalid checksum", so)
                                                : jl_verify_fmt_("pkgimage %s was not found", so));
            free(so);
            return err;
        }
        if (c != JL_DEPOT_E_OK)
            return reject(r, c, NULL);
    }
    return JL_DEPOT_E_OK;
}

static int verify_one(jl_cacheverify_t *v, const char *path, const char *want_name,
                      const jl_cache_u128_t *want_uuid, jl_verify_result_t **out)
{
    *out = NULL;
    jl_verify_result_t *r = (jl_verify_result_t *)calloc(1, sizeof(*r));
    if (!r)
        return JL_DEPOT_E_NOMEM;
    r->depot = -1;
    if ((r->path = absolute_path(path)) == NULL) {
        free(r);
        return JL_DEPOT_E_NOMEM;
    }
    char *vdir = NULL;
    split_cache_path(r->path, &r->pkgname, &vdir);
    size_t dep;
    if (v->stack && jl_depot_containing(v->stack, r->path, &dep) == JL_DEPOT_E_OK)
        r->depot = (long)dep;
    jl_verify_memo_t *me = memo_get(v, r->path, 1);
    if (!me) {
        free(vdir);
        jl_verify_result_free(r);
        return JL_DEPOT_E_NOMEM;
    }
    me->status = -1;
    jl_cachefile_t *cf = NULL;
    int err = JL_DEPOT_E_OK;
    int sealing = v->sealing && v->depth == 0;
    int use_stamps = sealing || !(v->target.options & (JL_VERIFY_NO_STAMP | JL_VERIFY_NO_DEPS));
    cache_stats_t cs;
    memset(&cs, 0, sizeof(cs));
    if (use_stamps) {
        // the stats first: whatever is read afterwards is at least this new
        struct stat st;
        cs.seen_ns = jl_verify_now_ns_();
        if (stat(r->path, &st) == 0) {
            jl_verify_fstat_set_(&cs.ji, &st);
            cs.have_ji = 1;
        }
        char *so = jl_cachefile_so_path(r->path);
        if (so && stat(so, &st) == 0) {
            jl_verify_fstat_set_(&cs.so, &st);
            cs.have_so = 1;
        }
        free(so);
    }
    int perr = jl_cachefile_read_header(r->path, 0, &cf);
    if (perr != JL_DEPOT_E_OK) {
        err = reject(r, perr, NULL);
    }
    else {
        r->layout = cf->layout;
        if (!v->target_set) {
            err = set_target_from_cache(v, cf, r->path);
            r->target_from_cache = 1;
        }
        if (!err && use_stamps && cs.have_ji && !sealing)
            cs.stamp = jl_verify_stamp_load_(r->path, cf, &cs.ji, &r->stamp_rejected);
        if (!err)
            err = run_checks(v, cf, r, vdir, want_name, want_uuid, &cs);
        if (!err && use_stamps && cs.have_ji && r->status == JL_DEPOT_E_OK &&
            r->stamp == JL_VERIFY_STAMP_NONE && (r->depot >= 0 || sealing) &&
            (sealing || !(v->target.options & JL_VERIFY_NO_STAMP_WRITE))) {
            int want_so = cf->clone_len > 0 && !(v->target.options & JL_VERIFY_IGNORE_PKGIMAGE);
            if (!want_so || cs.have_so) {
                int written = 0;
                int w = jl_verify_stamp_write_(r->path, cf, r, &cs.ji, want_so ? &cs.so : NULL,
                                               cs.seen_ns, sealing, &written);
                if (written && !sealing)
                    r->stamp = JL_VERIFY_STAMP_WRITTEN;
                if (sealing)
                    v->seal_err = w;
                if (w == JL_DEPOT_E_NOMEM)
                    err = w;
            }
        }
        if (!err && cf->nworklist > 0) {
            me = memo_get(v, r->path, 0);
            if (me) {
                me->build_id = jl_cachefile_build_id(cf);
                me->have_build_id = 1;
            }
        }
    }
    jl_verify_stamp_free_(cs.stamp);
    jl_cachefile_free(cf);
    free(vdir);
    me = memo_get(v, r->path, 0);
    if (err) {
        if (me)
            me->status = -2;
        jl_verify_result_free(r);
        return err;
    }
    if (me)
        me->status = r->status;
    *out = r;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_cacheverify_file(jl_cacheverify_t *v, const char *path,
                                     jl_verify_result_t **out)
{
    if (!out)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    *out = NULL;
    if (!v || !path || !*path)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    return verify_one(v, path, NULL, NULL, out);
}

JL_DLLEXPORT int jl_cacheverify_file_pkg(jl_cacheverify_t *v, const char *path, const char *name,
                                         const jl_cache_u128_t *uuid, jl_verify_result_t **out)
{
    if (!out)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    *out = NULL;
    if (!v || !path || !*path)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    return verify_one(v, path, name, uuid, out);
}

JL_DLLEXPORT int jl_cacheverify_seal_file(jl_cacheverify_t *v, const char *path,
                                          jl_verify_result_t **out)
{
    if (!out)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    *out = NULL;
    if (!v || !path || !*path)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    v->sealing = 1;
    v->seal_err = JL_DEPOT_E_OK;
    int err = verify_one(v, path, NULL, NULL, out);
    v->sealing = 0;
    if (err)
        return err;
    return (*out)->status == JL_DEPOT_E_OK ? v->seal_err : JL_DEPOT_E_OK;
}
