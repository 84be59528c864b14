// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depotpath.c: the depot path model.  Owns lexical path normalization, the
  depot stack (the role roots of each depot, as Base gives them), tokenize
  (absolute path -> `@token/rest`), resolve (`@token/rest` -> absolute path,
  containing depot first) and the containing depot of a cache file.  The
  memoized map lives in depotpath_namemap.c.

  Comparison of a path against the role roots: bytes first; then, when the
  path or the root has non-ASCII bytes or the depot folds case, their NFC
  (and case-folded) forms via utf8proc; only when that matches no root, the
  realpath of the path against the realpaths of the roots (computed once per
  stack).  The remainder after a root keeps the input's own bytes.
*/

#include <stdlib.h>
#include <string.h>

#include <uv.h>
#include <utf8proc.h>

#include "depotpath.h"

#ifdef __clang_gcanalyzer__
// utf8proc never calls back into Julia: not a safepoint
utf8proc_ssize_t utf8proc_map(const utf8proc_uint8_t *str, utf8proc_ssize_t len,
                              utf8proc_uint8_t **dstptr, utf8proc_option_t options) JL_NOTSAFEPOINT;
#endif

#if defined(__APPLE__) || defined(_WIN32)
#define JL_DEPOT_CASEFOLD_DEFAULT 1
#else
#define JL_DEPOT_CASEFOLD_DEFAULT 0
#endif

static const char *const jl_depot_tokens[JL_DEPOT_NROLES] = {"@depot", "@artifacts", "@compiled",
                                                             "@cache"};
static const size_t jl_depot_token_lens[JL_DEPOT_NROLES] = {6, 10, 9, 6};

// One spelling of a root (as given, or its realpath).
typedef struct {
    char *path; // normalized, absolute; NULL when absent
    size_t len;
    size_t ncomp; // number of components ("/" has 0)
    char *key;    // NFC (+ casefold) form; NULL when not needed or not valid UTF-8
    size_t keylen;
    int ascii; // path is 7-bit
} jl_depot_spelling_t;

typedef struct {
    int casefold;
    jl_depot_spelling_t given[JL_DEPOT_NROLES];
    jl_depot_spelling_t real[JL_DEPOT_NROLES];
} jl_depot_entry_t;

struct jl_depot_stack_t {
    size_t n;
    size_t cap;
    jl_depot_entry_t *d;
    int casefold;
    int real_done;
};

// ---- small helpers ----------------------------------------------------------

static int is_ascii(const char *p, size_t n) JL_NOTSAFEPOINT
{
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (unsigned char)p[i];
    return acc < 0x80;
}

static size_t count_comps(const char *p, size_t n) JL_NOTSAFEPOINT
{
    if (n <= 1)
        return 0;
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += p[i] == '/';
    return c;
}

// NFC (and case-folded) form of p[0..n); malloc'ed, or NULL when p is not
// valid UTF-8 (such bytes compare bytewise only).
static char *mkkey(const char *p, size_t n, int fold, size_t *klen) JL_NOTSAFEPOINT
{
    utf8proc_uint8_t *dst = NULL;
    int opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE | (fold ? UTF8PROC_CASEFOLD : 0);
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, &dst,
                                      (utf8proc_option_t)opt);
    if (r < 0) {
        free(dst);
        return NULL;
    }
    *klen = (size_t)r;
    return (char *)dst;
}

static void spelling_set(jl_depot_spelling_t *sp, char *path, size_t len, int fold) JL_NOTSAFEPOINT
{
    sp->path = path;
    sp->len = len;
    sp->ncomp = count_comps(path, len);
    sp->ascii = is_ascii(path, len);
    sp->key = NULL;
    sp->keylen = 0;
    if (!sp->ascii || fold)
        sp->key = mkkey(path, len, fold, &sp->keylen);
}

static void spelling_free(jl_depot_spelling_t *sp) JL_NOTSAFEPOINT
{
    free(sp->path);
    free(sp->key);
    memset(sp, 0, sizeof(*sp));
}

// A drive-letter path: `C:\...`, `C:/...` or `C:`.
static int is_drive_path(const char *p, size_t n) JL_NOTSAFEPOINT
{
    return n >= 2 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
           p[1] == ':' && (n == 2 || p[2] == '\\' || p[2] == '/');
}

static int check_input(const char *p, size_t n) JL_NOTSAFEPOINT
{
    if (p == NULL || n == 0)
        return JL_DEPOT_E_EMPTY_PATH;
    if (n > JL_DEPOT_PATH_MAX)
        return JL_DEPOT_E_PATH_TOO_LONG;
    if (memchr(p, '\0', n) != NULL)
        return JL_DEPOT_E_NUL_BYTE;
    return JL_DEPOT_E_OK;
}

#define JL_DEPOT_SCAN_NUL      0x1 // a NUL byte
#define JL_DEPOT_SCAN_NONASCII 0x2 // a byte >= 0x80
#define JL_DEPOT_SCAN_UNNORMAL 0x4 // an empty, `.` or `..` component, or a trailing `/`

// Scan p[0..n) (which starts with '/' or is empty) for NUL bytes, non-ASCII
// bytes and anything normalization would change.
static unsigned scan_path(const char *p, size_t n) JL_NOTSAFEPOINT
{
    unsigned flags = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == 0)
            flags |= JL_DEPOT_SCAN_NUL;
        else if (c >= 0x80)
            flags |= JL_DEPOT_SCAN_NONASCII;
        else if (c == '/' && i + 1 < n && (p[i + 1] == '/' || p[i + 1] == '.')) {
            // an empty, `.` or `..` component starts after this '/'
            size_t j = i + 1;
            if (p[j] == '/' || j + 1 == n || p[j + 1] == '/' ||
                (p[j + 1] == '.' && (j + 2 == n || p[j + 2] == '/')))
                flags |= JL_DEPOT_SCAN_UNNORMAL;
        }
    }
    if (n > 1 && p[n - 1] == '/')
        flags |= JL_DEPOT_SCAN_UNNORMAL;
    return flags;
}

// Lexical normalization of the components of p[0..n) appended to dst (which
// holds *dlen bytes: "" or an absolute prefix with no trailing separator).
// `bslash` also splits on `\`.  `..` above the start: clamped when `floor` is
// 0 (like normpath("/..") == "/"), JL_DEPOT_E_TOKEN_ESCAPE otherwise.
// dst must have room for n + 1 bytes beyond *dlen.
static int normalize_into(const char *p, size_t n, int bslash, size_t floor, char *dst,
                          size_t *dlen) JL_NOTSAFEPOINT
{
    size_t d = *dlen;
    size_t i = 0;
    while (i < n) {
        while (i < n && (p[i] == '/' || (bslash && p[i] == '\\')))
            i++;
        if (i >= n)
            break;
        size_t st = i;
        while (i < n && !(p[i] == '/' || (bslash && p[i] == '\\')))
            i++;
        size_t cl = i - st;
        if (cl == 1 && p[st] == '.')
            continue;
        if (cl == 2 && p[st] == '.' && p[st + 1] == '.') {
            if (d <= floor) {
                if (floor)
                    return JL_DEPOT_E_TOKEN_ESCAPE;
                continue;
            }
            while (d > floor && dst[d - 1] != '/')
                d--;
            if (d > floor)
                d--; // drop the separator
            continue;
        }
        dst[d++] = '/';
        memcpy(dst + d, p + st, cl);
        d += cl;
    }
    *dlen = d;
    return JL_DEPOT_E_OK;
}

// Normalize the absolute path p[0..n) into dst (room for n + 1 bytes).
static size_t normalize_abs(const char *p, size_t n, char *dst) JL_NOTSAFEPOINT
{
    size_t d = 0;
    normalize_into(p, n, 0, 0, dst, &d);
    if (d == 0)
        dst[d++] = '/';
    dst[d] = '\0';
    return d;
}

JL_DLLEXPORT const char *jl_depot_token_name(jl_depot_role_t role) JL_NOTSAFEPOINT
{
    if ((unsigned)role >= JL_DEPOT_NROLES)
        return NULL;
    return jl_depot_tokens[role];
}

int jl_depot_normalize_n(const char *path, size_t len, char **out) JL_NOTSAFEPOINT
{
    *out = NULL;
    int err = check_input(path, len);
    if (err)
        return err;
    char *dst = (char *)malloc(len + 2);
    if (dst == NULL)
        return JL_DEPOT_E_NOMEM;
    if (is_drive_path(path, len)) {
        memcpy(dst, path, len);
        dst[len] = '\0';
    }
    else if (path[0] != '/') {
        free(dst);
        return JL_DEPOT_E_RELATIVE_PATH;
    }
    else {
        normalize_abs(path, len, dst);
    }
    *out = dst;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_depot_token_role(const char *p, size_t n, jl_depot_role_t *role) JL_NOTSAFEPOINT
{
    if (n < 2 || p[0] != '@')
        return JL_DEPOT_E_RELATIVE_PATH;
    size_t i = 1;
    while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
                     (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
        i++;
    if (i == 1 || (i < n && p[i] != '/' && p[i] != '\\'))
        return JL_DEPOT_E_RELATIVE_PATH; // `@depot-1.11/...`, `@/x`: not a token form
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        if (jl_depot_token_lens[r] == i && memcmp(p, jl_depot_tokens[r], i) == 0) {
            *role = (jl_depot_role_t)r;
            return JL_DEPOT_E_OK;
        }
    }
    return JL_DEPOT_E_UNKNOWN_TOKEN;
}

// ---- building the stack -------------------------------------------------------

static int stack_grow(jl_depot_stack_t *s) JL_NOTSAFEPOINT
{
    if (s->n < s->cap)
        return JL_DEPOT_E_OK;
    size_t cap = s->cap ? 2 * s->cap : 4;
    jl_depot_entry_t *d = (jl_depot_entry_t *)realloc(s->d, cap * sizeof(*d));
    if (d == NULL)
        return JL_DEPOT_E_NOMEM;
    s->d = d;
    s->cap = cap;
    return JL_DEPOT_E_OK;
}

static void entry_free(jl_depot_entry_t *e) JL_NOTSAFEPOINT
{
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        spelling_free(&e->given[r]);
        spelling_free(&e->real[r]);
    }
}

static int find_depot(const jl_depot_stack_t *s, const char *root, size_t len) JL_NOTSAFEPOINT
{
    for (size_t i = 0; i < s->n; i++) {
        const jl_depot_spelling_t *g = &s->d[i].given[JL_DEPOT_ROLE_DEPOT];
        if (g->len == len && memcmp(g->path, root, len) == 0)
            return (int)i;
    }
    return -1;
}

JL_DLLEXPORT void jl_depot_stack_free(jl_depot_stack_t *s) JL_NOTSAFEPOINT
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        entry_free(&s->d[i]);
    free(s->d);
    free(s);
}

jl_depot_stack_t *jl_depot_stack_new(int casefold) JL_NOTSAFEPOINT
{
    jl_depot_stack_t *s = (jl_depot_stack_t *)calloc(1, sizeof(*s));
    if (s != NULL)
        s->casefold = casefold < 0 ? JL_DEPOT_CASEFOLD_DEFAULT : casefold != 0;
    return s;
}

int jl_depot_stack_add(jl_depot_stack_t *s,
                       const char *const roots[JL_DEPOT_NROLES]) JL_NOTSAFEPOINT
{
    jl_depot_entry_t e;
    memset(&e, 0, sizeof(e));
    e.casefold = s->casefold;
    int err = JL_DEPOT_E_OK;
    for (int r = 0; r < JL_DEPOT_NROLES && !err; r++) {
        char *path = NULL;
        size_t len = roots[r] ? strlen(roots[r]) : 0;
        if ((err = jl_depot_normalize_n(roots[r], len, &path)) != JL_DEPOT_E_OK)
            break;
        spelling_set(&e.given[r], path, strlen(path), e.casefold);
    }
    // a depot listed twice keeps its first place
    if (!err && find_depot(s, e.given[0].path, e.given[0].len) >= 0)
        goto drop;
    if (!err && (err = stack_grow(s)) == JL_DEPOT_E_OK) {
        s->d[s->n++] = e;
        return JL_DEPOT_E_OK;
    }
drop:
    entry_free(&e);
    return err;
}

// ---- stack queries ------------------------------------------------------------

JL_DLLEXPORT size_t jl_depot_stack_size(const jl_depot_stack_t *s) JL_NOTSAFEPOINT
{
    return s ? s->n : 0;
}

JL_DLLEXPORT const char *jl_depot_root(const jl_depot_stack_t *s, size_t i,
                                       jl_depot_role_t role) JL_NOTSAFEPOINT
{
    if (s == NULL || i >= s->n || (unsigned)role >= JL_DEPOT_NROLES)
        return NULL;
    return s->d[i].given[role].path;
}

static char *sys_realpath(const char *p) JL_NOTSAFEPOINT
{
    uv_fs_t req;
    char *res = NULL;
    if (uv_fs_realpath(NULL, &req, p, NULL) == 0 && req.ptr != NULL)
        res = strdup((const char *)req.ptr);
    uv_fs_req_cleanup(&req);
    return res;
}

void jl_depot_stack_prepare(jl_depot_stack_t *s) JL_NOTSAFEPOINT
{
    if (s == NULL || s->real_done)
        return;
    s->real_done = 1;
    for (size_t i = 0; i < s->n; i++) {
        jl_depot_entry_t *e = &s->d[i];
        for (int r = 0; r < JL_DEPOT_NROLES; r++) {
            char *rp = sys_realpath(e->given[r].path);
            if (rp != NULL)
                spelling_set(&e->real[r], rp, strlen(rp), e->casefold);
        }
    }
}

// ---- matching -----------------------------------------------------------------

// A path being matched, with its NFC keys computed on demand.
typedef struct {
    const char *p;
    size_t n;
    int ascii;
    char *key[2];
    size_t keylen[2];
    signed char keystate[2]; // 0: not computed, 1: valid, -1: not valid UTF-8
} jl_depot_view_t;

static void view_init(jl_depot_view_t *v, const char *p, size_t n, int ascii) JL_NOTSAFEPOINT
{
    v->p = p;
    v->n = n;
    v->ascii = ascii < 0 ? is_ascii(p, n) : ascii;
    v->key[0] = v->key[1] = NULL;
    v->keylen[0] = v->keylen[1] = 0;
    v->keystate[0] = v->keystate[1] = 0;
}

static void view_free(jl_depot_view_t *v) JL_NOTSAFEPOINT
{
    if (v->keystate[0] | v->keystate[1]) {
        free(v->key[0]);
        free(v->key[1]);
    }
}

static const char *view_key(jl_depot_view_t *v, int fold, size_t *klen) JL_NOTSAFEPOINT
{
    if (v->keystate[fold] == 0) {
        v->key[fold] = mkkey(v->p, v->n, fold, &v->keylen[fold]);
        v->keystate[fold] = v->key[fold] ? 1 : -1;
    }
    *klen = v->keylen[fold];
    return v->keystate[fold] > 0 ? v->key[fold] : NULL;
}

// Is the normalized root r[0..rl) a component-wise prefix of p[0..n)?
static inline int prefix_match(const char *p, size_t n, const char *r, size_t rl) JL_NOTSAFEPOINT
{
    if (rl == 1)
        return n >= 1 && p[0] == '/';
    return n >= rl && (n == rl || p[rl] == '/') && memcmp(p, r, rl) == 0;
}

// The offset in p of what follows its first m components ("" or "/...").
static size_t comp_offset(const char *p, size_t n, size_t m) JL_NOTSAFEPOINT
{
    if (m == 0)
        return n == 1 ? 1 : 0;
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '/' && ++seen == m + 1)
            return i;
    }
    return n;
}

// Does the root spelling `sp` match v by its NFC (and case-folded) key?
static int key_match(jl_depot_view_t *v, const jl_depot_spelling_t *sp, int fold,
                     size_t *off) JL_NOTSAFEPOINT
{
    if (!fold && v->ascii && sp->ascii)
        return 0;
    size_t kl;
    const char *k = view_key(v, fold, &kl);
    if (k == NULL)
        return 0;
    const char *rk = sp->key ? sp->key : sp->path;
    size_t rkl = sp->key ? sp->keylen : sp->len;
    if (!prefix_match(k, kl, rk, rkl))
        return 0;
    *off = comp_offset(v->p, v->n, sp->ncomp);
    return 1;
}

// Does the root spelling `sp` match v: bytes first, then keys?
static int spelling_match(jl_depot_view_t *v, const jl_depot_spelling_t *sp, int fold,
                          size_t *off) JL_NOTSAFEPOINT
{
    if (sp->path == NULL)
        return 0;
    if (prefix_match(v->p, v->n, sp->path, sp->len)) {
        *off = sp->len == 1 ? (v->n == 1 ? 1 : 0) : sp->len;
        return 1;
    }
    return key_match(v, sp, fold, off);
}

typedef struct {
    long depot;
    int role;
    size_t off;
    size_t ncomp;
} jl_depot_match_t;

// The longest root (in components) among the roles in `mask`; ties go to
// `target`, then DEPOT_PATH order.
static int find_root(jl_depot_stack_t *s, jl_depot_view_t *v, long target, unsigned mask, int real,
                     jl_depot_match_t *best) JL_NOTSAFEPOINT
{
    int found = 0;
    size_t n = s->n;
    if (target >= 0 && (size_t)target >= n)
        target = -1;
    for (size_t k = 0; k <= n; k++) {
        long i;
        if (k == 0) {
            if (target < 0)
                continue;
            i = target;
        }
        else {
            i = (long)(k - 1);
            if (i == target)
                continue;
        }
        jl_depot_entry_t *e = &s->d[i];
        const jl_depot_spelling_t *sps = real ? e->real : e->given;
        size_t off;
        for (int r = 0; r < JL_DEPOT_NROLES; r++) {
            if (!(mask & (1u << r)) || !spelling_match(v, &sps[r], e->casefold, &off))
                continue;
            if (found && sps[r].ncomp <= best->ncomp)
                continue;
            best->depot = i;
            best->role = r;
            best->off = off;
            best->ncomp = sps[r].ncomp;
            found = 1;
        }
    }
    return found;
}

// The realpath of the normalized path p[0..n): of its longest existing
// prefix, with the rest appended.  NULL when nothing resolves.
static char *real_of_path(const char *p, size_t n) JL_NOTSAFEPOINT
{
    char *tmp = (char *)malloc(n + 1);
    if (tmp == NULL)
        return NULL;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    size_t cut = n;
    char *res = NULL;
    for (;;) {
        char *rp = sys_realpath(tmp);
        if (rp != NULL) {
            size_t rl = strlen(rp), tail = n - cut;
            if (rl == 1 && cut > 1)
                rl = 0; // realpath "/" followed by "/rest"
            if (rl + tail <= JL_DEPOT_PATH_MAX && (res = (char *)malloc(rl + tail + 1)) != NULL) {
                memcpy(res, rp, rl);
                memcpy(res + rl, p + cut, tail);
                res[rl + tail] = '\0';
            }
            free(rp);
            break;
        }
        if (cut <= 1)
            break;
        size_t j = cut;
        while (j > 0 && tmp[j - 1] != '/')
            j--;
        cut = j > 1 ? j - 1 : 1;
        tmp[cut] = '\0';
    }
    free(tmp);
    return res;
}

// Match as given, then (only when that fails) by realpath.  On success
// *src/*srclen is the spelling the match offset refers to; *real_out must be
// freed by the caller.
static int match_path(jl_depot_stack_t *s, const char *p, size_t n, int ascii, long target,
                      unsigned mask, jl_depot_match_t *m, const char **src, size_t *srclen,
                      char **real_out) JL_NOTSAFEPOINT
{
    *real_out = NULL;
    *src = p;
    *srclen = n;
    if (s == NULL || s->n == 0)
        return 0;
    jl_depot_view_t v;
    view_init(&v, p, n, ascii);
    int found = find_root(s, &v, target, mask, 0, m);
    view_free(&v);
    if (found)
        return 1;
    jl_depot_stack_prepare(s);
    char *rp = real_of_path(p, n);
    if (rp == NULL)
        return 0;
    size_t rl = strlen(rp);
    view_init(&v, rp, rl, -1);
    found = find_root(s, &v, target, mask, 1, m);
    view_free(&v);
    if (!found) {
        free(rp);
        return 0;
    }
    *real_out = rp;
    *src = rp;
    *srclen = rl;
    return 1;
}

static int emit2(char *buf, size_t bufsize, size_t *outlen, const char *a, size_t al, const char *b,
                 size_t bl) JL_NOTSAFEPOINT
{
    if (al + bl + 1 > bufsize || al + bl > JL_DEPOT_PATH_MAX)
        return JL_DEPOT_E_PATH_TOO_LONG;
    memcpy(buf, a, al);
    if (bl)
        memcpy(buf + al, b, bl);
    buf[al + bl] = '\0';
    *outlen = al + bl;
    return JL_DEPOT_E_OK;
}

// ---- tokenize -----------------------------------------------------------------

JL_DLLEXPORT int jl_depot_tokenize_buf(jl_depot_stack_t *s, long target, const char *path,
                                       size_t len, char *buf, size_t bufsize, size_t *outlen,
                                       long *depot) JL_NOTSAFEPOINT
{
    long dummy;
    if (depot == NULL)
        depot = &dummy;
    *depot = -1;
    *outlen = 0;
    if (bufsize)
        buf[0] = '\0';
    if (path == NULL || len == 0)
        return JL_DEPOT_E_EMPTY_PATH;
    if (len > JL_DEPOT_PATH_MAX)
        return JL_DEPOT_E_PATH_TOO_LONG;
    int err;
    // the hot path: an absolute path, scanned once
    unsigned scan = path[0] == '/' ? scan_path(path, len) : 0;
    if (scan & JL_DEPOT_SCAN_NUL)
        return JL_DEPOT_E_NUL_BYTE;
    if (path[0] != '/' && memchr(path, '\0', len) != NULL)
        return JL_DEPOT_E_NUL_BYTE;
    if (path[0] == '@') {
        // A token form is returned as is (normalized): tokenize is idempotent.
        jl_depot_role_t role;
        if ((err = jl_depot_token_role(path, len, &role)) != JL_DEPOT_E_OK)
            return err;
        size_t tl = jl_depot_token_lens[role];
        if (bufsize < len + 2)
            return JL_DEPOT_E_PATH_TOO_LONG;
        memcpy(buf, jl_depot_tokens[role], tl);
        size_t d = tl;
        err = normalize_into(path + tl, len - tl, tl < len && path[tl] == '\\', tl, buf, &d);
        if (err) {
            buf[0] = '\0';
            return err;
        }
        buf[d] = '\0';
        *outlen = d;
        return JL_DEPOT_E_OK;
    }
    if (is_drive_path(path, len)) {
        err = emit2(buf, bufsize, outlen, path, len, NULL, 0);
        return err ? err : JL_DEPOT_E_NOT_RELOCATABLE;
    }
    if (path[0] != '/')
        return JL_DEPOT_E_RELATIVE_PATH;
    const char *p = path;
    size_t n = len;
    char *norm = NULL;
    if (scan & JL_DEPOT_SCAN_UNNORMAL) {
        if ((norm = (char *)malloc(len + 2)) == NULL)
            return JL_DEPOT_E_NOMEM;
        n = normalize_abs(path, len, norm);
        p = norm;
    }
    unsigned mask = (1u << JL_DEPOT_NROLES) - 1;
    jl_depot_match_t m;
    const char *src;
    size_t srclen;
    char *real;
    int ascii = !(scan & JL_DEPOT_SCAN_NONASCII);
    if (match_path(s, p, n, ascii, target, mask, &m, &src, &srclen, &real)) {
        err = emit2(buf, bufsize, outlen, jl_depot_tokens[m.role], jl_depot_token_lens[m.role],
                    src + m.off, srclen - m.off);
        if (!err)
            *depot = m.depot;
    }
    else {
        err = emit2(buf, bufsize, outlen, p, n, NULL, 0);
        if (!err)
            err = JL_DEPOT_E_NOT_RELOCATABLE;
    }
    free(real);
    free(norm);
    return err;
}

int jl_depot_tokenize_n(jl_depot_stack_t *s, long target, const char *path, size_t len,
                        char **out) JL_NOTSAFEPOINT
{
    *out = NULL;
    int err = check_input(path, len);
    if (err)
        return err;
    size_t cap = len + 16;
    char *buf = (char *)malloc(cap);
    if (buf == NULL)
        return JL_DEPOT_E_NOMEM;
    size_t ol;
    err = jl_depot_tokenize_buf(s, target, path, len, buf, cap, &ol, NULL);
    if (err == JL_DEPOT_E_OK || err == JL_DEPOT_E_NOT_RELOCATABLE) {
        char *shrunk = (char *)realloc(buf, ol + 1);
        *out = shrunk ? shrunk : buf;
    }
    else {
        free(buf);
    }
    return err;
}

// ---- containing depot -----------------------------------------------------------

JL_DLLEXPORT int jl_depot_containing(jl_depot_stack_t *s, const char *cachefile,
                                     size_t *depot) JL_NOTSAFEPOINT
{
    size_t len = cachefile ? strlen(cachefile) : 0;
    int err = check_input(cachefile, len);
    if (err)
        return err;
    if (cachefile[0] != '/')
        return is_drive_path(cachefile, len) ? JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS
                                             : JL_DEPOT_E_RELATIVE_PATH;
    char *norm = (char *)malloc(len + 2);
    if (norm == NULL)
        return JL_DEPOT_E_NOMEM;
    size_t n = normalize_abs(cachefile, len, norm);
    jl_depot_match_t m;
    const char *src;
    size_t srclen;
    char *real;
    int found =
        match_path(s, norm, n, -1, -1, 1u << JL_DEPOT_ROLE_COMPILED, &m, &src, &srclen, &real);
    free(real);
    free(norm);
    if (!found)
        return JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS;
    *depot = (size_t)m.depot;
    return JL_DEPOT_E_OK;
}

// ---- resolve --------------------------------------------------------------------

static int path_exists(const char *p) JL_NOTSAFEPOINT
{
    uv_fs_t req;
    int r = uv_fs_stat(NULL, &req, p, NULL);
    uv_fs_req_cleanup(&req);
    return r == 0;
}

static int join_root(char *buf, size_t bufsize, size_t *outlen, const jl_depot_spelling_t *root,
                     const char *rest, size_t restlen) JL_NOTSAFEPOINT
{
    size_t rl = root->len;
    if (rl == 1 && restlen > 0)
        rl = 0; // "/" + "/rest"
    return emit2(buf, bufsize, outlen, root->path, rl, rest, restlen);
}

// `rest` behind the root of `role`: in depot `first`, then (unless NOSTAT)
// the first depot in DEPOT_PATH order where it exists.
static int resolve_in_stack(jl_depot_stack_t *s, long first, unsigned flags, jl_depot_role_t role,
                            const char *rest, size_t restlen, char *buf, size_t bufsize,
                            size_t *outlen, long *depot) JL_NOTSAFEPOINT
{
    int err = join_root(buf, bufsize, outlen, &s->d[first].given[role], rest, restlen);
    if (err)
        return err;
    if ((flags & JL_DEPOT_RESOLVE_NOSTAT) || path_exists(buf)) {
        *depot = first;
        return JL_DEPOT_E_OK;
    }
    for (size_t i = 0; i < s->n; i++) {
        if ((long)i == first)
            continue;
        err = join_root(buf, bufsize, outlen, &s->d[i].given[role], rest, restlen);
        if (err == JL_DEPOT_E_OK && path_exists(buf)) {
            *depot = (long)i;
            return JL_DEPOT_E_OK;
        }
    }
    // none exists: name the first candidate
    err = join_root(buf, bufsize, outlen, &s->d[first].given[role], rest, restlen);
    return err ? err : JL_DEPOT_E_UNRESOLVED_TOKEN;
}

JL_DLLEXPORT int jl_depot_resolve_buf(jl_depot_stack_t *s, long containing, unsigned flags,
                                      const char *tok, size_t len, char *buf, size_t bufsize,
                                      size_t *outlen, long *depot) JL_NOTSAFEPOINT
{
    long dummy;
    if (depot == NULL)
        depot = &dummy;
    *depot = -1;
    *outlen = 0;
    if (bufsize)
        buf[0] = '\0';
    if (tok == NULL || len == 0)
        return JL_DEPOT_E_EMPTY_PATH;
    if (len > JL_DEPOT_PATH_MAX)
        return JL_DEPOT_E_PATH_TOO_LONG;
    jl_depot_role_t role;
    int err = jl_depot_token_role(tok, len, &role);
    long first = s != NULL && containing >= 0 && (size_t)containing < s->n ? containing : 0;
    if (memchr(tok, '\0', len) != NULL)
        return JL_DEPOT_E_NUL_BYTE;
    if (err == JL_DEPOT_E_RELATIVE_PATH) {
        // not a token form: an absolute path is returned normalized, a
        // drive-letter path unchanged
        if (is_drive_path(tok, len))
            return emit2(buf, bufsize, outlen, tok, len, NULL, 0);
        if (tok[0] != '/')
            return JL_DEPOT_E_RELATIVE_PATH;
        if (bufsize < len + 2)
            return JL_DEPOT_E_PATH_TOO_LONG;
        *outlen = normalize_abs(tok, len, buf);
        return JL_DEPOT_E_OK;
    }
    if (err)
        return err;
    size_t tl = jl_depot_token_lens[role];
    // normalize the rest behind a one-byte floor, so `..` above the token's
    // root is detected as an escape
    char small[512];
    char *tmp = len - tl + 2 <= sizeof(small) ? small : (char *)malloc(len - tl + 2);
    if (tmp == NULL)
        return JL_DEPOT_E_NOMEM;
    tmp[0] = '@';
    size_t restlen = 1;
    // `\` separates only in a Windows-written name (`@depot\...`); after
    // `@depot/` it is a file-name byte, as on any POSIX file system
    err = normalize_into(tok + tl, len - tl, tl < len && tok[tl] == '\\', 1, tmp, &restlen);
    if (!err && (s == NULL || s->n == 0))
        err = JL_DEPOT_E_EMPTY_DEPOT_PATH;
    if (!err)
        err = resolve_in_stack(s, first, flags, role, tmp + 1, restlen - 1, buf, bufsize, outlen,
                               depot);
    if (err && err != JL_DEPOT_E_UNRESOLVED_TOKEN && bufsize) {
        buf[0] = '\0';
        *outlen = 0;
    }
    if (tmp != small)
        free(tmp);
    return err;
}
