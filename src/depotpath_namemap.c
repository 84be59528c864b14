// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depotpath_namemap.c: the memoized reverse map of file names (see
  depotpath_namemap.h).  An open-addressing hash table (power-of-two size,
  linear probing, at most half full) per direction; each key is stored once,
  together with its result, in one allocation that never moves, so returned
  strings stay valid until the map is freed.  Not thread-safe.
*/

#include <stdlib.h>
#include <string.h>

#include "depotpath_namemap.h"

typedef struct {
    uint64_t hash;
    size_t klen;
    size_t vlen;
    int err;
    int has_value;
    char *value; // points into data, after the key; NULL when the call gave none
    char data[]; // key, NUL, value, NUL
} jl_depot_nm_entry_t;

typedef struct {
    jl_depot_nm_entry_t **slots;
    size_t mask; // size - 1
    size_t count;
} jl_depot_nm_table_t;

struct jl_depot_namemap_t {
    jl_depot_stack_t *stack;
    long depot; // containing depot of the cache file, or -1
    unsigned flags;
    jl_depot_nm_table_t tok;  // path -> token form
    jl_depot_nm_table_t res;  // token form -> path
    jl_depot_nm_table_t dirs; // package directory in token form -> its depot (in err)
    const char *found;        // a file known to exist (jl_depot_namemap_found), or NULL
    char *buf;                // JL_DEPOT_PATH_MAX + 1 bytes of scratch
};

// A fast 64-bit hash of n bytes (8 bytes at a time, multiply-xorshift mix).
static uint64_t nm_hash(const char *p, size_t n) JL_NOTSAFEPOINT
{
    const uint64_t m = 0x9e3779b97f4a7c15ULL;
    uint64_t h = 0x243f6a8885a308d3ULL ^ (n * m);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * m;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    h = (h ^ w) * m;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

static int nm_table_init(jl_depot_nm_table_t *t) JL_NOTSAFEPOINT
{
    t->mask = 63;
    t->count = 0;
    t->slots = (jl_depot_nm_entry_t **)calloc(t->mask + 1, sizeof(*t->slots));
    return t->slots ? JL_DEPOT_E_OK : JL_DEPOT_E_NOMEM;
}

static void nm_table_free(jl_depot_nm_table_t *t) JL_NOTSAFEPOINT
{
    if (t->slots == NULL)
        return;
    for (size_t i = 0; i <= t->mask; i++)
        free(t->slots[i]);
    free(t->slots);
    t->slots = NULL;
}

static jl_depot_nm_entry_t *nm_find(const jl_depot_nm_table_t *t, const char *k, size_t n,
                                    uint64_t h) JL_NOTSAFEPOINT
{
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        jl_depot_nm_entry_t *e = t->slots[i];
        if (e == NULL)
            return NULL;
        if (e->hash == h && e->klen == n && memcmp(e->data, k, n) == 0)
            return e;
    }
}

static int nm_grow(jl_depot_nm_table_t *t) JL_NOTSAFEPOINT
{
    size_t nsize = 2 * (t->mask + 1);
    jl_depot_nm_entry_t **ns = (jl_depot_nm_entry_t **)calloc(nsize, sizeof(*ns));
    if (ns == NULL)
        return JL_DEPOT_E_NOMEM;
    for (size_t i = 0; i <= t->mask; i++) {
        jl_depot_nm_entry_t *e = t->slots[i];
        if (e == NULL)
            continue;
        size_t j = (size_t)e->hash & (nsize - 1);
        while (ns[j] != NULL)
            j = (j + 1) & (nsize - 1);
        ns[j] = e;
    }
    free(t->slots);
    t->slots = ns;
    t->mask = nsize - 1;
    return JL_DEPOT_E_OK;
}

static int nm_insert(jl_depot_nm_table_t *t, jl_depot_nm_entry_t *e) JL_NOTSAFEPOINT
{
    if (2 * (t->count + 1) > t->mask + 1) {
        int err = nm_grow(t);
        if (err)
            return err;
    }
    size_t j = (size_t)e->hash & t->mask;
    while (t->slots[j] != NULL)
        j = (j + 1) & t->mask;
    t->slots[j] = e;
    t->count++;
    return JL_DEPOT_E_OK;
}

int jl_depot_namemap_new(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                         jl_depot_namemap_t **out) JL_NOTSAFEPOINT
{
    *out = NULL;
    long depot = -1;
    if (cachefile != NULL) {
        size_t d;
        int err = jl_depot_containing(s, cachefile, &d);
        if (err)
            return err;
        depot = (long)d;
    }
    jl_depot_namemap_t *m = (jl_depot_namemap_t *)calloc(1, sizeof(*m));
    if (m == NULL)
        return JL_DEPOT_E_NOMEM;
    m->stack = s;
    m->depot = depot;
    m->flags = flags;
    m->buf = (char *)malloc(JL_DEPOT_PATH_MAX + 1);
    if (m->buf == NULL || nm_table_init(&m->tok) || nm_table_init(&m->res) ||
        nm_table_init(&m->dirs)) {
        jl_depot_namemap_free(m);
        return JL_DEPOT_E_NOMEM;
    }
    *out = m;
    return JL_DEPOT_E_OK;
}

void jl_depot_namemap_free(jl_depot_namemap_t *m) JL_NOTSAFEPOINT
{
    if (m == NULL)
        return;
    nm_table_free(&m->tok);
    nm_table_free(&m->res);
    nm_table_free(&m->dirs);
    free(m->buf);
    free(m);
}

// The length of the package directory of the token form k[0..n): its first three
// components after the token (`@depot/packages/Name/slug`), when more follow; else 0.
static size_t nm_dir_len(const char *k, size_t n) JL_NOTSAFEPOINT
{
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (k[i] == '/' && ++seen == 4)
            return i + 1 < n ? i : 0;
    }
    return 0;
}

void jl_depot_namemap_found(jl_depot_namemap_t *m, const char *path) JL_NOTSAFEPOINT
{
    m->found = path;
}

// The depot whose candidate for the package directory k[0..dl) holds m->found, or -1.
static long nm_found_depot(jl_depot_namemap_t *m, const char *k, size_t dl) JL_NOTSAFEPOINT
{
    size_t i, n = jl_depot_stack_size(m->stack), fl = strlen(m->found), ol;
    for (i = 0; i < n; i++) {
        if (jl_depot_resolve_buf(m->stack, (long)i, JL_DEPOT_RESOLVE_NOSTAT, k, dl, m->buf,
                                 JL_DEPOT_PATH_MAX + 1, &ol, NULL) == JL_DEPOT_E_OK &&
            ol < fl && memcmp(m->buf, m->found, ol) == 0 && m->found[ol] == '/')
            return (long)i;
    }
    return -1;
}

// Resolve k[0..n) into m->buf.  The files of a package directory lie in one depot
// (#53905): once one of them is found there, the others are taken there unlooked.
static int nm_resolve(jl_depot_namemap_t *m, const char *k, size_t n, size_t *ol) JL_NOTSAFEPOINT
{
    unsigned flags = (m->flags & JL_DEPOT_NAMEMAP_NOSTAT) ? JL_DEPOT_RESOLVE_NOSTAT : 0;
    size_t dl = flags ? 0 : nm_dir_len(k, n);
    uint64_t h = nm_hash(k, dl);
    jl_depot_nm_entry_t *d = dl ? nm_find(&m->dirs, k, dl, h) : NULL;
    long known = d ? d->err : dl && m->found ? nm_found_depot(m, k, dl) : -1;
    long depot = -1;
    int err = jl_depot_resolve_buf(m->stack, known >= 0 ? known : m->depot,
                                   known >= 0 ? JL_DEPOT_RESOLVE_NOSTAT : flags, k, n, m->buf,
                                   JL_DEPOT_PATH_MAX + 1, ol, &depot);
    if (err == JL_DEPOT_E_OK && dl && d == NULL &&
        (d = (jl_depot_nm_entry_t *)calloc(1, sizeof(*d) + dl + 1)) != NULL) {
        d->hash = h;
        d->klen = dl;
        d->err = (int)depot;
        memcpy(d->data, k, dl);
        if (nm_insert(&m->dirs, d) != JL_DEPOT_E_OK)
            free(d);
    }
    return err;
}

static int nm_lookup(jl_depot_namemap_t *m, int resolve, const char *k, size_t n,
                     const char **out) JL_NOTSAFEPOINT
{
    *out = NULL;
    jl_depot_nm_table_t *t = resolve ? &m->res : &m->tok;
    uint64_t h = nm_hash(k, n);
    jl_depot_nm_entry_t *e = nm_find(t, k, n, h);
    if (e != NULL) {
        *out = e->value;
        return e->err;
    }
    size_t ol = 0;
    int err;
    if (resolve)
        err = nm_resolve(m, k, n, &ol);
    else
        err = jl_depot_tokenize_buf(m->stack, m->depot, k, n, m->buf, JL_DEPOT_PATH_MAX + 1, &ol,
                                    NULL);
    int has_value = err == JL_DEPOT_E_OK || err == JL_DEPOT_E_NOT_RELOCATABLE ||
                    err == JL_DEPOT_E_UNRESOLVED_TOKEN;
    if (err == JL_DEPOT_E_NOMEM)
        return err; // not memoized: a later call may succeed
    if (!has_value)
        ol = 0;
    e = (jl_depot_nm_entry_t *)malloc(sizeof(*e) + n + 1 + ol + 1);
    if (e == NULL)
        return JL_DEPOT_E_NOMEM;
    e->hash = h;
    e->klen = n;
    e->vlen = ol;
    e->err = err;
    e->has_value = has_value;
    memcpy(e->data, k, n);
    e->data[n] = '\0';
    e->value = NULL;
    if (has_value) {
        e->value = e->data + n + 1;
        memcpy(e->value, m->buf, ol);
        e->value[ol] = '\0';
    }
    if (nm_insert(t, e) != JL_DEPOT_E_OK) {
        free(e);
        return JL_DEPOT_E_NOMEM;
    }
    *out = e->value;
    return err;
}

int jl_depot_namemap_tokenize_n(jl_depot_namemap_t *m, const char *path, size_t len,
                                const char **out) JL_NOTSAFEPOINT
{
    return nm_lookup(m, 0, path ? path : "", path ? len : 0, out);
}

int jl_depot_namemap_resolve_n(jl_depot_namemap_t *m, const char *tokenized, size_t len,
                               const char **out) JL_NOTSAFEPOINT
{
    return nm_lookup(m, 1, tokenized ? tokenized : "", tokenized ? len : 0, out);
}
