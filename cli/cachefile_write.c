// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cachefile_write.c: the writing half of the cache-file codec (cachefile.h):
  serializes a jl_cachefile_t in its layout (L10, R12, M13) with every length,
  S, srctextpos, the padding and data offsets of a non-split file and the
  trailer (crc_ji last); and the header rewrite that maps dependency names and
  source-text names through one callback.
*/

#include <stdlib.h>
#include <string.h>

#include "cachefile.h"
#include "crc32c.h"

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int err;
} wbuf_t;

static void w_reserve(wbuf_t *w, size_t n)
{
    if (w->err)
        return;
    if (n > SIZE_MAX - w->len) {
        w->err = JL_DEPOT_E_TOO_LARGE;
        return;
    }
    if (w->len + n <= w->cap)
        return;
    size_t ncap = w->cap ? w->cap : 4096;
    while (ncap < w->len + n)
        ncap = ncap > SIZE_MAX / 2 ? w->len + n : ncap * 2;
    uint8_t *np = (uint8_t *)realloc(w->p, ncap);
    if (!np) {
        w->err = JL_DEPOT_E_NOMEM;
        return;
    }
    w->p = np;
    w->cap = ncap;
}

static void w_bytes(wbuf_t *w, const void *b, size_t n)
{
    w_reserve(w, n);
    if (w->err || n == 0)
        return;
    memcpy(w->p + w->len, b, n);
    w->len += n;
}

static void w_zeros(wbuf_t *w, size_t n)
{
    w_reserve(w, n);
    if (w->err)
        return;
    memset(w->p + w->len, 0, n);
    w->len += n;
}

static void le_store(uint8_t *b, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void w_uint(wbuf_t *w, uint64_t v, unsigned n)
{
    uint8_t b[8];
    le_store(b, v, n);
    w_bytes(w, b, n);
}

static void w_f64(wbuf_t *w, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    w_uint(w, v, 8);
}

static void w_lp(wbuf_t *w, jl_cache_str_t s)
{
    if (s.len > INT32_MAX) {
        if (!w->err)
            w->err = JL_DEPOT_E_BAD_LENGTH;
        return;
    }
    w_uint(w, (uint32_t)s.len, 4);
    w_bytes(w, s.ptr, s.len);
}

static void w_cz(wbuf_t *w, jl_cache_str_t s)
{
    if (s.len && memchr(s.ptr, 0, s.len)) {
        if (!w->err)
            w->err = JL_DEPOT_E_INVALID_ARGUMENT;
        return;
    }
    w_bytes(w, s.ptr, s.len);
    w_uint(w, 0, 1);
}

static void w_reqmods(wbuf_t *w, const jl_cache_reqmod_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].name.len == 0 && !w->err)
            w->err = JL_DEPOT_E_INVALID_ARGUMENT;
        w_lp(w, m[i].name);
        w_uint(w, m[i].uuid.hi, 8);
        w_uint(w, m[i].uuid.lo, 8);
        w_uint(w, m[i].build_id.hi, 8);
        w_uint(w, m[i].build_id.lo, 8);
    }
    w_uint(w, 0, 4);
}

static void patch_u64(wbuf_t *w, size_t at, uint64_t v)
{
    if (!w->err)
        le_store(w->p + at, v, 8);
}

JL_DLLEXPORT int jl_cachefile_write(const jl_cachefile_t *cf, unsigned align, uint8_t **out,
                                    size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (cf->header_only)
        return JL_DEPOT_E_NOT_WHOLE_FILE;
    if (cf->layout != JL_CACHE_LAYOUT_L10 && cf->layout != JL_CACHE_LAYOUT_R12 &&
        cf->layout != JL_CACHE_LAYOUT_M13)
        return JL_DEPOT_E_LAYOUT_UNKNOWN;
    if (cf->nworklist == 0)
        return JL_DEPOT_E_EMPTY_WORKLIST;
    if (!align)
        align = cf->data_align ? cf->data_align : 64;
    if (align & (align - 1))
        return JL_DEPOT_E_INVALID_ARGUMENT;
    int split = cf->clone_len > 0;
    if (!split && cf->data_len && !cf->data)
        return JL_DEPOT_E_NOT_WHOLE_FILE;
    wbuf_t w = {NULL, 0, 0, 0};
    static const uint8_t magic[8] = {0xFB, 'j', 'l', 'i', '\r', '\n', 0x1A, '\n'};
    w_bytes(&w, magic, 8);
    w_uint(&w, cf->layout == JL_CACHE_LAYOUT_M13 ? 13 : 12, 2);
    w_uint(&w, 0xFEFF, 2);
    w_uint(&w, cf->pointer_size ? cf->pointer_size : 8, 1);
    w_cz(&w, cf->build_os);
    w_cz(&w, cf->build_arch);
    w_cz(&w, cf->julia_version);
    w_cz(&w, cf->git_branch);
    w_cz(&w, cf->git_commit);
    w_uint(&w, 0, 1); // pkgimage: 0 in every .ji
    size_t checksum_pos = w.len;
    w_uint(&w, cf->checksum, 8);
    w_uint(&w, split ? cf->datastartpos : 0, 8);
    w_uint(&w, split ? cf->dataendpos : 0, 8);
    w_uint(&w, cf->flags, 1);
    if (cf->layout == JL_CACHE_LAYOUT_M13)
        w_uint(&w, cf->syntax_version, 1);
    for (size_t i = 0; i < cf->nworklist; i++) {
        if (cf->worklist[i].name.len == 0 && !w.err)
            w.err = JL_DEPOT_E_INVALID_ARGUMENT;
        w_lp(&w, cf->worklist[i].name);
        w_uint(&w, cf->worklist[i].uuid.hi, 8);
        w_uint(&w, cf->worklist[i].uuid.lo, 8);
        w_uint(&w, cf->worklist[i].build_id_lo, 8);
    }
    w_uint(&w, 0, 4);
    size_t s_pos = w.len;
    w_uint(&w, 0, 8); // S, patched below
    for (size_t i = 0; i < cf->ndeps; i++) {
        const jl_cache_dep_t *d = &cf->deps[i];
        if ((d->path.len == 0 || d->provides < 0 || (size_t)d->provides > cf->nworklist ||
             d->modpath_first + d->modpath_count > cf->nmodpath ||
             d->modpath_first + d->modpath_count < d->modpath_first) &&
            !w.err)
            w.err = JL_DEPOT_E_INVALID_ARGUMENT;
        if (w.err)
            break;
        w_lp(&w, d->path);
        if (cf->layout != JL_CACHE_LAYOUT_L10) {
            w_uint(&w, d->fsize, 8);
            w_uint(&w, d->hash, 4);
        }
        w_f64(&w, d->mtime);
        w_uint(&w, (uint32_t)d->provides, 4);
        if (d->provides > 0) {
            for (size_t k = 0; k < d->modpath_count; k++) {
                jl_cache_str_t c = cf->modpath[d->modpath_first + k];
                if (c.len == 0 && !w.err)
                    w.err = JL_DEPOT_E_INVALID_ARGUMENT;
                w_lp(&w, c);
            }
            w_uint(&w, 0, 4);
        }
    }
    w_uint(&w, 0, 4);
    if (cf->prefs_form == JL_CACHE_PREFS_BLOB) {
        w_lp(&w, cf->prefs_blob);
    }
    else {
        for (size_t i = 0; i < cf->npref_names; i++) {
            if (cf->pref_names[i].len == 0 && !w.err)
                w.err = JL_DEPOT_E_INVALID_ARGUMENT;
            w_lp(&w, cf->pref_names[i]);
        }
        w_uint(&w, 0, 4);
        w_uint(&w, cf->prefs_hash, 8);
    }
    size_t srctextpos_pos = w.len;
    patch_u64(&w, s_pos, (uint64_t)(srctextpos_pos - s_pos));
    w_uint(&w, 0, 8); // srctextpos, patched below
    w_reqmods(&w, cf->reqmods, cf->nreqmods);
    if (cf->clone_len > INT32_MAX && !w.err)
        w.err = JL_DEPOT_E_BAD_LENGTH;
    w_uint(&w, (uint32_t)cf->clone_len, 4);
    w_bytes(&w, cf->clone_targets, cf->clone_len);
    if (!split) {
        size_t pad = (size_t)((w.len + align - 1) / align * align - w.len);
        w_zeros(&w, pad);
        size_t ds = w.len;
        w_bytes(&w, cf->data, cf->data_len);
        patch_u64(&w, checksum_pos + 8, ds);
        patch_u64(&w, checksum_pos + 16, w.len);
    }
    int has_srctext = cf->srctextpos != 0 || cf->nsrctext != 0;
    patch_u64(&w, srctextpos_pos, has_srctext ? w.len : 0);
    for (size_t i = 0; i < cf->nsrctext; i++) {
        const jl_cache_srctext_t *e = &cf->srctext[i];
        if (e->name.len == 0 && !w.err)
            w.err = JL_DEPOT_E_INVALID_ARGUMENT;
        if (e->len && !e->text && !w.err)
            w.err = JL_DEPOT_E_NOT_WHOLE_FILE;
        if (w.err)
            break;
        w_lp(&w, e->name);
        w_uint(&w, e->len, 8);
        w_bytes(&w, e->text, (size_t)e->len);
    }
    w_uint(&w, 0, 4);
    w_uint(&w, cf->crc_so, 4);
    if (!w.err)
        w_uint(&w, jl_crc32c(0, (const char *)w.p, w.len), 4);
    if (w.err) {
        free(w.p);
        return w.err;
    }
    *out = w.p;
    *outlen = w.len;
    return JL_DEPOT_E_OK;
}

// ---- header rewrite -------------------------------------------------------------

typedef struct {
    const char *old;
    size_t oldlen;
    char *new_; // NULL: unchanged
    size_t newlen;
} memo_t;

typedef struct {
    memo_t *tab;
    size_t cap;
} memo_map_t;

// Map one name through the memo (so equal names always map equally).
static int memo_map(memo_map_t *m, jl_cache_name_mapper_t map, void *ctx, jl_cache_str_t in,
                    jl_cache_str_t *out)
{
    size_t h = (size_t)jl_cache_name_hash(in.ptr, in.len) & (m->cap - 1);
    while (m->tab[h].old) {
        memo_t *e = &m->tab[h];
        if (e->oldlen == in.len && memcmp(e->old, in.ptr, in.len) == 0)
            goto found;
        h = (h + 1) & (m->cap - 1);
    }
    {
        memo_t *e = &m->tab[h];
        char *nn = NULL;
        size_t nl = 0;
        int err = map(ctx, in.ptr, in.len, &nn, &nl);
        if (err) {
            free(nn);
            return err;
        }
        if (nn && nl == 0) {
            free(nn);
            return JL_DEPOT_E_EMPTY_PATH; // an empty name would end the list
        }
        e->old = in.ptr;
        e->oldlen = in.len;
        e->new_ = nn;
        e->newlen = nl;
    }
found:
    if (m->tab[h].new_) {
        out->ptr = m->tab[h].new_;
        out->len = m->tab[h].newlen;
    }
    else {
        *out = in;
    }
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_cachefile_rewrite_names(const jl_cachefile_t *cf, jl_cache_name_mapper_t map,
                                            void *ctx, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (cf->header_only)
        return JL_DEPOT_E_NOT_WHOLE_FILE;
    jl_cachefile_t copy = *cf;
    jl_cache_dep_t *deps = NULL;
    jl_cache_srctext_t *src = NULL;
    memo_map_t m = {NULL, 16};
    size_t total = cf->ndeps + cf->nsrctext;
    while (m.cap < total * 2)
        m.cap *= 2;
    int err = JL_DEPOT_E_NOMEM;
    m.tab = (memo_t *)calloc(m.cap, sizeof(memo_t));
    deps = (jl_cache_dep_t *)malloc((cf->ndeps ? cf->ndeps : 1) * sizeof(*deps));
    src = (jl_cache_srctext_t *)malloc((cf->nsrctext ? cf->nsrctext : 1) * sizeof(*src));
    if (!m.tab || !deps || !src)
        goto done;
    err = JL_DEPOT_E_OK;
    for (size_t i = 0; i < cf->ndeps && !err; i++) {
        deps[i] = cf->deps[i];
        if (deps[i].kind != JL_CACHE_DEP_REQUIRE) // require keys are never mapped
            err = memo_map(&m, map, ctx, cf->deps[i].path, &deps[i].path);
    }
    for (size_t i = 0; i < cf->nsrctext && !err; i++) {
        src[i] = cf->srctext[i];
        err = memo_map(&m, map, ctx, cf->srctext[i].name, &src[i].name);
    }
    if (!err) {
        copy.deps = deps;
        copy.srctext = src;
        err = jl_cachefile_write(&copy, 0, out, outlen);
    }
done:
    if (m.tab)
        for (size_t i = 0; i < m.cap; i++)
            free(m.tab[i].new_);
    free(m.tab);
    free(deps);
    free(src);
    return err;
}
