// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cachefile_read.c: the reading half of the cache-file codec (cachefile.h):
  the fixed prefix, layout detection (format version, version string, then a
  trial parse that must land exactly on S), the dependency block, the
  preferences, required modules, clone targets (framing and inner layout),
  the data-section bounds, the source-text entries and the trailer; the image
  blob header of a pkgimage; whole-file and header-only reads from disk.
*/

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cachefile.h"

static const uint8_t ji_magic[8] = {0xFB, 'j', 'l', 'i', '\r', '\n', 0x1A, '\n'};

// ---- bounded little-endian reader ----------------------------------------

typedef struct {
    const uint8_t *p;
    size_t pos, end; // every read stays below `end`
} rd_t;

static size_t rd_left(const rd_t *r)
{
    return r->end > r->pos ? r->end - r->pos : 0;
}

static int rd_bytes(rd_t *r, size_t n, const uint8_t **out)
{
    if (n > rd_left(r))
        return JL_DEPOT_E_TRUNCATED;
    *out = r->p + r->pos;
    r->pos += n;
    return JL_DEPOT_E_OK;
}

static uint64_t le_load(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static int rd_uint(rd_t *r, unsigned n, uint64_t *v)
{
    const uint8_t *b = NULL;
    *v = 0;
    int err = rd_bytes(r, n, &b);
    if (err)
        return err;
    *v = le_load(b, n);
    return JL_DEPOT_E_OK;
}

static int rd_u8(rd_t *r, uint8_t *v)
{
    uint64_t x = 0;
    int err = rd_uint(r, 1, &x);
    *v = (uint8_t)x;
    return err;
}

static int rd_u32(rd_t *r, uint32_t *v)
{
    uint64_t x = 0;
    int err = rd_uint(r, 4, &x);
    *v = (uint32_t)x;
    return err;
}

static int rd_i32(rd_t *r, int32_t *v)
{
    uint32_t x = 0;
    int err = rd_u32(r, &x);
    *v = (int32_t)x;
    return err;
}

static int rd_u64(rd_t *r, uint64_t *v)
{
    return rd_uint(r, 8, v);
}

static int rd_f64(rd_t *r, double *v)
{
    uint64_t x = 0;
    int err = rd_u64(r, &x);
    memcpy(v, &x, 8);
    return err;
}

// An i32-length-prefixed string.  *end is set when the length is 0 (a list
// terminator).  Negative lengths and lengths past `end` are BAD_LENGTH.
static int rd_lp(rd_t *r, jl_cache_str_t *s, int *end)
{
    int32_t n;
    int err = rd_i32(r, &n);
    if (err)
        return err;
    *end = n == 0;
    if (n < 0 || (size_t)n > rd_left(r))
        return JL_DEPOT_E_BAD_LENGTH;
    s->ptr = (const char *)r->p + r->pos;
    s->len = (size_t)n;
    r->pos += (size_t)n;
    return JL_DEPOT_E_OK;
}

// A NUL-terminated string (the prefix's CZ strings).
static int rd_cz(rd_t *r, jl_cache_str_t *s)
{
    const uint8_t *start = r->p + r->pos;
    const uint8_t *nul = rd_left(r) ? (const uint8_t *)memchr(start, 0, rd_left(r)) : NULL;
    if (!nul)
        return JL_DEPOT_E_NO_TERMINATOR;
    s->ptr = (const char *)start;
    s->len = (size_t)(nul - start);
    r->pos += s->len + 1;
    return JL_DEPOT_E_OK;
}

// Append one element to a growing array; the array never exceeds the number
// of entries parsed so far (times two), so its size is bounded by the input.
static int grow(void **arr, size_t *n, size_t *cap, size_t elsz)
{
    if (*n < *cap)
        return JL_DEPOT_E_OK;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, ncap * elsz);
    if (!p)
        return JL_DEPOT_E_NOMEM;
    *arr = p;
    *cap = ncap;
    return JL_DEPOT_E_OK;
}

#define PUSH(arr, n, cap, val) \
    do { \
        int e_ = grow((void **)&(arr), &(n), &(cap), sizeof(*(arr))); \
        if (e_) \
            return e_; \
        (arr)[(n)++] = (val); \
    } while (0)

// ---- names -----------------------------------------------------------------

JL_DLLEXPORT const char *jl_cache_layout_name(int layout)
{
    switch (layout) {
    case JL_CACHE_LAYOUT_L10:
        return "L10";
    case JL_CACHE_LAYOUT_R12:
        return "R12";
    case JL_CACHE_LAYOUT_M13:
        return "M13";
    default:
        return "unknown";
    }
}

JL_DLLEXPORT const char *jl_cache_detect_name(int d)
{
    switch (d) {
    case JL_CACHE_DETECT_FORMAT_VERSION:
        return "format_version";
    case JL_CACHE_DETECT_VERSION_STRING:
        return "version_string";
    case JL_CACHE_DETECT_TRIAL:
        return "trial_parse";
    case JL_CACHE_DETECT_FORCED:
        return "forced";
    default:
        return "none";
    }
}

JL_DLLEXPORT const char *jl_cache_dep_kind_name(int kind)
{
    switch (kind) {
    case JL_CACHE_DEP_INCLUDE:
        return "include";
    case JL_CACHE_DEP_INCLUDE_DEPENDENCY:
        return "include_dependency";
    case JL_CACHE_DEP_REQUIRE:
        return "require";
    default:
        return "unknown";
    }
}

JL_DLLEXPORT jl_cache_flags_t jl_cache_flags_decode(uint8_t f)
{
    jl_cache_flags_t d;
    d.use_pkgimages = f & 1;
    d.debug_level = (f >> 1) & 3;
    d.check_bounds = (f >> 3) & 3;
    d.inline_ = (f >> 5) & 1;
    d.opt_level = (f >> 6) & 3;
    return d;
}

JL_DLLEXPORT jl_cache_u128_t jl_cachefile_build_id(const jl_cachefile_t *cf)
{
    jl_cache_u128_t id = {cf->checksum, cf->nworklist ? cf->worklist[0].build_id_lo : 0};
    return id;
}

JL_DLLEXPORT void jl_cache_uuid_format(jl_cache_u128_t u, char out[37])
{
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(u.hi >> 32),
             (unsigned)((u.hi >> 16) & 0xffff), (unsigned)(u.hi & 0xffff), (unsigned)(u.lo >> 48),
             (unsigned long long)(u.lo & 0xffffffffffffULL));
}

// ---- the fixed prefix (shared by .ji and blob) -------------------------------

typedef struct {
    uint16_t format_version;
    uint8_t pointer_size;
    jl_cache_str_t s[5];
    uint8_t pkgimage;
    size_t checksum_pos;
    uint64_t checksum, datastartpos, dataendpos;
} prefix_t;

static int parse_prefix(rd_t *r, prefix_t *px)
{
    size_t avail = rd_left(r) < 8 ? rd_left(r) : 8;
    if (memcmp(r->p + r->pos, ji_magic, avail) != 0)
        return JL_DEPOT_E_BAD_MAGIC;
    const uint8_t *b;
    int err = rd_bytes(r, 8, &b);
    if (err)
        return err;
    uint64_t v;
    if ((err = rd_uint(r, 2, &v)))
        return err;
    px->format_version = (uint16_t)v;
    if (v != 12 && v != 13)
        return JL_DEPOT_E_BAD_FORMAT_VERSION;
    if ((err = rd_bytes(r, 2, &b)))
        return err;
    if (b[0] != 0xFF || b[1] != 0xFE)
        return JL_DEPOT_E_BAD_BOM;
    if ((err = rd_u8(r, &px->pointer_size)))
        return err;
    if (px->pointer_size != 4 && px->pointer_size != 8)
        return JL_DEPOT_E_BAD_POINTER_SIZE;
    for (int i = 0; i < 5; i++)
        if ((err = rd_cz(r, &px->s[i])))
            return err;
    if ((err = rd_u8(r, &px->pkgimage)))
        return err;
    px->checksum_pos = r->pos;
    if ((err = rd_u64(r, &px->checksum)) || (err = rd_u64(r, &px->datastartpos)) ||
        (err = rd_u64(r, &px->dataendpos)))
        return err;
    if (px->checksum == 0 || (px->checksum >> 32) != 0xFAFBFCFDu)
        return JL_DEPOT_E_BAD_CHECKSUM_WORD;
    return JL_DEPOT_E_OK;
}

static int parse_reqmods(rd_t *r, jl_cache_reqmod_t **arr, size_t *n)
{
    size_t cap = 0;
    *arr = NULL;
    *n = 0;
    for (;;) {
        jl_cache_reqmod_t m;
        int end, err = rd_lp(r, &m.name, &end);
        if (err)
            return err;
        if (end)
            return JL_DEPOT_E_OK;
        if ((err = rd_u64(r, &m.uuid.hi)) || (err = rd_u64(r, &m.uuid.lo)) ||
            (err = rd_u64(r, &m.build_id.hi)) || (err = rd_u64(r, &m.build_id.lo)))
            return err;
        PUSH(*arr, *n, cap, m);
    }
}

// ---- the dependency block ----------------------------------------------------

static void reset_depblock(jl_cachefile_t *cf)
{
    free(cf->deps);
    free(cf->modpath);
    free(cf->pref_names);
    cf->deps = NULL;
    cf->modpath = NULL;
    cf->pref_names = NULL;
    cf->ndeps = cf->nmodpath = cf->npref_names = 0;
    cf->prefs_hash = 0;
    cf->prefs_blob.ptr = NULL;
    cf->prefs_blob.len = 0;
}

// Parse the entries and preferences under `layout`/`prefs`, from just after S
// to the srctextpos field, which must be exactly at S's position + S.
static int parse_depblock_(jl_cachefile_t *cf, const rd_t *r0, int layout, int prefs);

static int parse_depblock(jl_cachefile_t *cf, const rd_t *r0, int layout, int prefs)
{
    int err = parse_depblock_(cf, r0, layout, prefs);
    // the block is read within [S, S + size): running out of bytes there means
    // the contents do not fit the size S records
    return err == JL_DEPOT_E_TRUNCATED ? JL_DEPOT_E_DEPBLOCK_SIZE : err;
}

static int parse_depblock_(jl_cachefile_t *cf, const rd_t *r0, int layout, int prefs)
{
    reset_depblock(cf);
    rd_t r = *r0;
    // The block may not run past the position S names.
    uint64_t land = (uint64_t)cf->depblock_pos + cf->depblock_size;
    if (cf->depblock_size < 8 || land < cf->depblock_pos || land > cf->file_size)
        return JL_DEPOT_E_DEPBLOCK_SIZE;
    if (land > r.end)
        return JL_DEPOT_E_TRUNCATED;
    r.end = (size_t)land;
    size_t capd = 0, capm = 0, capp = 0;
    int err;
    for (;;) {
        jl_cache_dep_t d;
        memset(&d, 0, sizeof(d));
        int end;
        if ((err = rd_lp(&r, &d.path, &end)))
            return err;
        if (end)
            break;
        if (layout != JL_CACHE_LAYOUT_L10) {
            if ((err = rd_u64(&r, &d.fsize)) || (err = rd_u32(&r, &d.hash)))
                return err;
        }
        if ((err = rd_f64(&r, &d.mtime)) || (err = rd_i32(&r, &d.provides)))
            return err;
        if (d.provides < 0 || (size_t)d.provides > cf->nworklist)
            return JL_DEPOT_E_BAD_PROVIDES;
        d.modpath_first = cf->nmodpath;
        if (d.provides > 0) {
            for (;;) {
                jl_cache_str_t c;
                if ((err = rd_lp(&r, &c, &end)))
                    return err;
                if (end)
                    break;
                PUSH(cf->modpath, cf->nmodpath, capm, c);
            }
        }
        d.modpath_count = cf->nmodpath - d.modpath_first;
        if (d.path.ptr[0] == '\0') {
            if (d.path.len < 17)
                return JL_DEPOT_E_BAD_REQUIRE_KEY;
            const uint8_t *u = (const uint8_t *)d.path.ptr + 1;
            d.kind = JL_CACHE_DEP_REQUIRE;
            d.req_uuid.lo = le_load(u, 8);
            d.req_uuid.hi = le_load(u + 8, 8);
            d.req_name.ptr = d.path.ptr + 17;
            d.req_name.len = d.path.len - 17;
        }
        else {
            d.kind = JL_CACHE_DEP_INCLUDE_DEPENDENCY; // refined after the source text
        }
        PUSH(cf->deps, cf->ndeps, capd, d);
    }
    if (prefs == JL_CACHE_PREFS_HASH) {
        for (;;) {
            jl_cache_str_t s;
            int end;
            if ((err = rd_lp(&r, &s, &end)))
                return err;
            if (end)
                break;
            PUSH(cf->pref_names, cf->npref_names, capp, s);
        }
        if ((err = rd_u64(&r, &cf->prefs_hash)))
            return err;
    }
    else {
        int end;
        if ((err = rd_lp(&r, &cf->prefs_blob, &end)))
            return err;
    }
    if (r.pos != r.end)
        return JL_DEPOT_E_DEPBLOCK_SIZE;
    return JL_DEPOT_E_OK;
}

// Major and minor of the version string ("1.11.0-DEV" -> 1, 11); 0 on failure.
static int parse_version(jl_cache_str_t v, int *major, int *minor, int *dev_patch0)
{
    size_t i = 0;
    int nums[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        size_t st = i;
        while (i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9' && i - st < 6)
            nums[k] = nums[k] * 10 + (v.ptr[i++] - '0');
        if (i == st)
            return 0;
        if (k < 2) {
            if (i >= v.len || v.ptr[i] != '.')
                return 0;
            i++;
        }
    }
    *major = nums[0];
    *minor = nums[1];
    *dev_patch0 = nums[2] == 0 && i < v.len && v.ptr[i] == '-';
    return 1;
}

static int detect_and_parse_depblock(jl_cachefile_t *cf, const rd_t *r, int forced)
{
    int cands[2], ncand = 0;
    int by = JL_CACHE_DETECT_NONE;
    char why[120] = "";
    if (forced) {
        cands[ncand++] = forced;
        by = JL_CACHE_DETECT_FORCED;
        snprintf(why, sizeof(why), "layout given by the caller");
    }
    else if (cf->format_version == 13) {
        cands[ncand++] = JL_CACHE_LAYOUT_M13;
        by = JL_CACHE_DETECT_FORMAT_VERSION;
        snprintf(why, sizeof(why), "format version 13");
    }
    else {
        int major, minor, dev0;
        if (!parse_version(cf->julia_version, &major, &minor, &dev0)) {
            cands[ncand++] = JL_CACHE_LAYOUT_R12;
            cands[ncand++] = JL_CACHE_LAYOUT_L10;
            by = JL_CACHE_DETECT_TRIAL;
            snprintf(why, sizeof(why), "format version 12, unreadable version string");
        }
        else if (major < 1 || (major == 1 && minor <= 10)) {
            cands[ncand++] = JL_CACHE_LAYOUT_L10;
            by = JL_CACHE_DETECT_VERSION_STRING;
            snprintf(why, sizeof(why), "format version 12, Julia %d.%d", major, minor);
        }
        else if (major == 1 && minor == 11 && dev0) {
            cands[ncand++] = JL_CACHE_LAYOUT_R12;
            cands[ncand++] = JL_CACHE_LAYOUT_L10;
            by = JL_CACHE_DETECT_TRIAL;
            snprintf(why, sizeof(why), "format version 12, Julia 1.11.0-DEV (ambiguous)");
        }
        else {
            cands[ncand++] = JL_CACHE_LAYOUT_R12;
            by = JL_CACHE_DETECT_VERSION_STRING;
            snprintf(why, sizeof(why), "format version 12, Julia %d.%d", major, minor);
        }
    }
    int first_err = JL_DEPOT_E_OK, landed = 0;
    for (int i = 0; i < ncand && !landed; i++) {
        int layout = cands[i];
        // M13 has two preference forms; the newest is tried first.
        int prefs[2] = {JL_CACHE_PREFS_HASH, JL_CACHE_PREFS_HASH};
        int nprefs = 1;
        if (layout == JL_CACHE_LAYOUT_M13) {
            prefs[0] = JL_CACHE_PREFS_BLOB;
            nprefs = 2;
        }
        for (int k = 0; k < nprefs; k++) {
            int err = parse_depblock(cf, r, layout, prefs[k]);
            if (err == JL_DEPOT_E_OK) {
                cf->layout = layout;
                cf->prefs_form = prefs[k];
                landed = 1;
                break;
            }
            if (!first_err)
                first_err = err;
        }
    }
    if (!landed) {
        reset_depblock(cf);
        if (ncand > 1)
            return JL_DEPOT_E_LAYOUT_UNKNOWN;
        return first_err;
    }
    cf->detected_by = by;
    if (by == JL_CACHE_DETECT_TRIAL)
        snprintf(cf->reason, sizeof(cf->reason), "%s; the %s trial parse landed on S", why,
                 jl_cache_layout_name(cf->layout));
    else if (cf->layout == JL_CACHE_LAYOUT_M13)
        snprintf(cf->reason, sizeof(cf->reason), "%s; preferences as %s (trial parse landed on S)",
                 why, cf->prefs_form == JL_CACHE_PREFS_BLOB ? "a TOML blob" : "names + hash");
    else
        snprintf(cf->reason, sizeof(cf->reason), "%s; the dependency block landed on S", why);
    return JL_DEPOT_E_OK;
}

// ---- clone targets -------------------------------------------------------------

static int decode_targets(jl_cachefile_t *cf, unsigned ws)
{
    free(cf->targets);
    cf->targets = NULL;
    cf->ntargets = 0;
    size_t cap = 0;
    rd_t r = {cf->clone_targets, 0, cf->clone_len};
    uint32_t nt;
    int err;
    if ((err = rd_u32(&r, &nt)))
        return err;
    if (nt > cf->clone_len / 16)
        return JL_DEPOT_E_BAD_CLONE_TARGETS;
    for (uint32_t i = 0; i < nt; i++) {
        jl_cache_target_t t;
        memset(&t, 0, sizeof(t));
        t.word_size = ws;
        t.base = -1;
        uint32_t nw, base;
        if ((err = rd_u32(&r, &t.flags)))
            return err;
        if (ws == 8 && (err = rd_u32(&r, &base)))
            return err;
        if (ws == 8)
            t.base = (int32_t)base;
        if ((err = rd_u32(&r, &nw)))
            return err;
        if (nw > rd_left(&r) / (2 * ws))
            return JL_DEPOT_E_BAD_CLONE_TARGETS;
        t.nwords = nw;
        if ((err = rd_bytes(&r, (size_t)nw * ws, &t.en)) ||
            (err = rd_bytes(&r, (size_t)nw * ws, &t.dis)))
            return err;
        int end;
        if ((err = rd_lp(&r, &t.name, &end)) || (err = rd_lp(&r, &t.ext_features, &end)))
            return err;
        PUSH(cf->targets, cf->ntargets, cap, t);
    }
    if (r.pos != r.end)
        return JL_DEPOT_E_BAD_CLONE_TARGETS;
    cf->target_word_size = ws;
    return JL_DEPOT_E_OK;
}

// ---- source text -----------------------------------------------------------------

// A reader of ranges of the file: from memory, or (header-only) by pread
// through a window.
typedef struct {
    const uint8_t *buf; // whole file in memory, or NULL
    int fd;
    uint64_t file_size;
    uint8_t *win;
    uint64_t win_off;
    size_t win_len, win_cap;
} src_t;

static int src_get(src_t *s, uint64_t off, size_t n, const uint8_t **out)
{
    if (off > s->file_size || n > s->file_size - off)
        return JL_DEPOT_E_TRUNCATED;
    if (s->buf) {
        *out = s->buf + off;
        return JL_DEPOT_E_OK;
    }
    if (off >= s->win_off && off + n <= s->win_off + s->win_len) {
        *out = s->win + (off - s->win_off);
        return JL_DEPOT_E_OK;
    }
    // source-text entries are visited by their names and lengths only: a
    // small window reads little more than those
    size_t want = n > 512 ? n : 512;
    if (want > s->file_size - off)
        want = (size_t)(s->file_size - off);
    if (want > s->win_cap) {
        uint8_t *w = (uint8_t *)realloc(s->win, want);
        if (!w)
            return JL_DEPOT_E_NOMEM;
        s->win = w;
        s->win_cap = want;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(s->fd, s->win + got, want - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k == 0 ? (int)JL_DEPOT_E_TRUNCATED : JL_DEPOT_E_IO;
        got += (size_t)k;
    }
    s->win_off = off;
    s->win_len = want;
    *out = s->win;
    return JL_DEPOT_E_OK;
}

typedef struct {
    void **p;
    size_t n, cap;
} arena_t;

static int arena_dup(jl_cachefile_t *cf, const uint8_t *b, size_t n, const char **out)
{
    arena_t *a = (arena_t *)cf->arena_;
    if (!a) {
        a = (arena_t *)calloc(1, sizeof(*a));
        if (!a)
            return JL_DEPOT_E_NOMEM;
        cf->arena_ = a;
    }
    char *c = (char *)malloc(n ? n : 1);
    if (!c)
        return JL_DEPOT_E_NOMEM;
    memcpy(c, b, n);
    int e = grow((void **)&a->p, &a->n, &a->cap, sizeof(void *));
    if (e) {
        free(c);
        return e;
    }
    a->p[a->n++] = c;
    *out = c;
    return JL_DEPOT_E_OK;
}

static int parse_srctext(jl_cachefile_t *cf, src_t *s, uint64_t pos)
{
    size_t cap = 0;
    const uint8_t *b;
    int err;
    // the trailer is not part of the source text
    uint64_t limit = s->file_size >= 8 ? s->file_size - 8 : 0;
    for (;;) {
        if (pos + 4 > limit)
            return JL_DEPOT_E_TRUNCATED;
        if ((err = src_get(s, pos, 4, &b)))
            return err;
        int32_t n = (int32_t)le_load(b, 4);
        pos += 4;
        if (n == 0)
            break;
        if (n < 0 || (uint64_t)n > limit - pos)
            return JL_DEPOT_E_BAD_LENGTH;
        jl_cache_srctext_t e;
        memset(&e, 0, sizeof(e));
        if ((err = src_get(s, pos, (size_t)n, &b)))
            return err;
        e.name.len = (size_t)n;
        if (s->buf)
            e.name.ptr = (const char *)b;
        else if ((err = arena_dup(cf, b, (size_t)n, &e.name.ptr)))
            return err;
        pos += (uint64_t)n;
        if (pos + 8 > limit)
            return JL_DEPOT_E_TRUNCATED;
        if ((err = src_get(s, pos, 8, &b)))
            return err;
        e.len = le_load(b, 8);
        pos += 8;
        if (e.len > limit - pos)
            return JL_DEPOT_E_BAD_LENGTH;
        e.offset = pos;
        e.text = s->buf ? s->buf + pos : NULL;
        pos += e.len;
        PUSH(cf->srctext, cf->nsrctext, cap, e);
    }
    cf->srctext_end = (size_t)pos;
    if (pos + 8 != s->file_size)
        return pos + 8 > s->file_size ? JL_DEPOT_E_TRUNCATED : JL_DEPOT_E_TRAILING_BYTES;
    if ((err = src_get(s, pos, 8, &b)))
        return err;
    cf->crc_so = (uint32_t)le_load(b, 4);
    cf->crc_ji = (uint32_t)le_load(b + 4, 4);
    return JL_DEPOT_E_OK;
}

// A small open-addressing set of the source-text names, to classify the
// dependencies (include() sources are exactly the names with source text).
typedef struct {
    uint32_t idx; // srctext index + 1; 0 = empty
    uint32_t h;   // high bits of the name hash
} slot_t;

static int str_eq(jl_cache_str_t a, jl_cache_str_t b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static int classify_deps(jl_cachefile_t *cf)
{
    if (cf->nsrctext == 0)
        return JL_DEPOT_E_OK;
    // Julia writes the source texts in the order of the include() entries, so
    // most entries match the next source text; the others are looked up in a
    // hash set built on first need.
    slot_t *tab = NULL;
    size_t cap = 16, next = 0;
    for (size_t i = 0; i < cf->ndeps; i++) {
        jl_cache_dep_t *d = &cf->deps[i];
        if (d->kind == JL_CACHE_DEP_REQUIRE)
            continue;
        if (next < cf->nsrctext && str_eq(cf->srctext[next].name, d->path)) {
            d->kind = JL_CACHE_DEP_INCLUDE;
            next++;
            continue;
        }
        if (!tab) {
            while (cap < cf->nsrctext * 2)
                cap *= 2;
            tab = (slot_t *)calloc(cap, sizeof(slot_t));
            if (!tab)
                return JL_DEPOT_E_NOMEM;
            for (size_t k = 0; k < cf->nsrctext && k < UINT32_MAX - 1; k++) {
                uint64_t h = jl_cache_name_hash(cf->srctext[k].name.ptr, cf->srctext[k].name.len);
                size_t at = (size_t)h & (cap - 1);
                while (tab[at].idx)
                    at = (at + 1) & (cap - 1);
                tab[at].idx = (uint32_t)k + 1;
                tab[at].h = (uint32_t)(h >> 32);
            }
        }
        uint64_t h = jl_cache_name_hash(d->path.ptr, d->path.len);
        for (size_t at = (size_t)h & (cap - 1); tab[at].idx; at = (at + 1) & (cap - 1)) {
            if (tab[at].h == (uint32_t)(h >> 32) &&
                str_eq(cf->srctext[tab[at].idx - 1].name, d->path)) {
                d->kind = JL_CACHE_DEP_INCLUDE;
                break;
            }
        }
    }
    free(tab);
    return JL_DEPOT_E_OK;
}

// ---- the whole parse ----------------------------------------------------------------

// The alignment that reproduces the padding Julia wrote (spec 2.6): the
// platform's value first, then the smallest power of two that fits.
static unsigned platform_align(const jl_cachefile_t *cf)
{
    const jl_cache_str_t *os = &cf->build_os, *arch = &cf->build_arch;
    int darwin = os->len == 6 && memcmp(os->ptr, "Darwin", 6) == 0;
    int aarch64 = arch->len == 7 && memcmp(arch->ptr, "aarch64", 7) == 0;
    int ppc64 = arch->len >= 7 && memcmp(arch->ptr, "powerpc", 7) == 0;
    if ((darwin && aarch64) || ppc64)
        return 128;
    return 64;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) / a * a;
}

// Parse everything up to the end of the clone targets and the data bounds.
// `r` spans the bytes available; `file_size` is the size of the whole file.
static int parse_header(jl_cachefile_t *cf, rd_t *r, uint64_t file_size, int forced)
{
    prefix_t px;
    int err = parse_prefix(r, &px);
    if (err)
        return err;
    cf->format_version = px.format_version;
    cf->pointer_size = px.pointer_size;
    cf->build_os = px.s[0];
    cf->build_arch = px.s[1];
    cf->julia_version = px.s[2];
    cf->git_branch = px.s[3];
    cf->git_commit = px.s[4];
    cf->pkgimage = px.pkgimage;
    cf->checksum_pos = px.checksum_pos;
    cf->checksum = px.checksum;
    cf->datastartpos = px.datastartpos;
    cf->dataendpos = px.dataendpos;
    if (px.pkgimage != 0)
        return JL_DEPOT_E_PKGIMAGE_BYTE;
    if ((err = rd_u8(r, &cf->flags)))
        return err;
    cf->has_syntax = cf->format_version >= 13;
    if (forced == JL_CACHE_LAYOUT_M13)
        cf->has_syntax = 1;
    else if (forced)
        cf->has_syntax = 0;
    if (cf->has_syntax && (err = rd_u8(r, &cf->syntax_version)))
        return err;
    size_t cap = 0;
    for (;;) {
        jl_cache_worklist_t w;
        int end;
        if ((err = rd_lp(r, &w.name, &end)))
            return err;
        if (end)
            break;
        if ((err = rd_u64(r, &w.uuid.hi)) || (err = rd_u64(r, &w.uuid.lo)) ||
            (err = rd_u64(r, &w.build_id_lo)))
            return err;
        PUSH(cf->worklist, cf->nworklist, cap, w);
    }
    if (cf->nworklist == 0)
        return JL_DEPOT_E_EMPTY_WORKLIST;
    cf->depblock_pos = r->pos;
    if ((err = rd_u64(r, &cf->depblock_size)))
        return err;
    if ((err = detect_and_parse_depblock(cf, r, forced)))
        return err;
    r->pos = cf->depblock_pos + (size_t)cf->depblock_size;
    cf->srctextpos_pos = r->pos;
    if ((err = rd_u64(r, &cf->srctextpos)))
        return err;
    if ((err = parse_reqmods(r, &cf->reqmods, &cf->nreqmods)))
        return err;
    cf->clone_pos = r->pos;
    int32_t L;
    if ((err = rd_i32(r, &L)))
        return err;
    if (L < 0 || (size_t)L > rd_left(r))
        return JL_DEPOT_E_BAD_LENGTH;
    cf->clone_len = (size_t)L;
    cf->clone_targets = r->p + r->pos;
    r->pos += (size_t)L;
    cf->header_end = r->pos;
    if (L > 0) {
        unsigned ws = cf->layout == JL_CACHE_LAYOUT_M13 ? 8 : 4;
        if (decode_targets(cf, ws) != JL_DEPOT_E_OK &&
            decode_targets(cf, ws == 8 ? 4 : 8) != JL_DEPOT_E_OK)
            return JL_DEPOT_E_BAD_CLONE_TARGETS;
        return JL_DEPOT_E_OK;
    }
    // Non-split: zero padding, then [datastartpos, dataendpos) before the source text.
    uint64_t ds = cf->datastartpos, de = cf->dataendpos;
    if (ds < cf->header_end || de < ds || de > file_size || ds - cf->header_end > 4096)
        return JL_DEPOT_E_DATA_RANGE;
    unsigned a = platform_align(cf);
    if (align_up(cf->header_end, a) != ds) {
        for (a = 1; a <= 4096 && align_up(cf->header_end, a) != ds; a *= 2)
            ;
        if (a > 4096)
            return JL_DEPOT_E_DATA_RANGE;
    }
    cf->data_align = a;
    size_t pad = (size_t)(ds - cf->header_end);
    if (pad > rd_left(r))
        return JL_DEPOT_E_TRUNCATED;
    for (size_t i = 0; i < pad; i++)
        if (r->p[r->pos + i] != 0)
            return JL_DEPOT_E_DATA_RANGE;
    return JL_DEPOT_E_OK;
}

static int finish_body(jl_cachefile_t *cf, src_t *s)
{
    uint64_t body_end = cf->clone_len ? cf->header_end : cf->dataendpos;
    if (!cf->clone_len && s->buf) {
        cf->data = s->buf + cf->datastartpos;
        cf->data_len = (size_t)(cf->dataendpos - cf->datastartpos);
    }
    if (cf->srctextpos != 0 && cf->srctextpos != body_end)
        return JL_DEPOT_E_SRCTEXTPOS_RANGE;
    int err = parse_srctext(cf, s, body_end);
    if (err)
        return err;
    if (cf->srctextpos == 0 && cf->nsrctext != 0)
        return JL_DEPOT_E_SRCTEXTPOS_RANGE;
    return classify_deps(cf);
}

static jl_cachefile_t *cf_new(void)
{
    jl_cachefile_t *cf = (jl_cachefile_t *)calloc(1, sizeof(*cf));
    if (cf)
        cf->target_word_size = 0;
    return cf;
}

JL_DLLEXPORT void jl_cachefile_free(jl_cachefile_t *cf)
{
    if (!cf)
        return;
    free(cf->worklist);
    free(cf->deps);
    free(cf->modpath);
    free(cf->pref_names);
    free(cf->reqmods);
    free(cf->targets);
    free(cf->srctext);
    if (cf->arena_) {
        arena_t *a = (arena_t *)cf->arena_;
        for (size_t i = 0; i < a->n; i++)
            free(a->p[i]);
        free(a->p);
        free(a);
    }
    if (cf->owned)
        free((void *)cf->buf);
    free(cf);
}

JL_DLLEXPORT int jl_cachefile_parse(const uint8_t *buf, size_t len, unsigned flags,
                                    jl_cachefile_t **out)
{
    *out = NULL;
    if (!buf && len)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    if ((uint64_t)len > JL_CACHEFILE_MAX_SIZE)
        return JL_DEPOT_E_TOO_LARGE;
    jl_cachefile_t *cf = cf_new();
    if (!cf)
        return JL_DEPOT_E_NOMEM;
    if (flags & JL_CACHEFILE_COPY) {
        uint8_t *c = (uint8_t *)malloc(len ? len : 1);
        if (!c) {
            free(cf);
            return JL_DEPOT_E_NOMEM;
        }
        if (len)
            memcpy(c, buf, len);
        buf = c;
        cf->owned = 1;
    }
    static const uint8_t empty[1] = {0};
    cf->buf = buf ? buf : empty;
    cf->len = cf->file_size = len;
    int forced = (int)((flags >> 8) & 0xff);
    // the trailer is not header
    rd_t r = {cf->buf, 0, len};
    int err = parse_header(cf, &r, len >= 8 ? len - 8 : 0, forced);
    if (!err) {
        src_t s = {cf->buf, -1, len, NULL, 0, 0, 0};
        err = finish_body(cf, &s);
    }
    if (err) {
        jl_cachefile_free(cf);
        return err;
    }
    *out = cf;
    return JL_DEPOT_E_OK;
}

static int open_file(const char *path, int *fd, uint64_t *size)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return jl_depot_read_errno_code(errno);
    struct stat st;
    int err = fstat(*fd, &st) != 0   ? jl_depot_read_errno_code(errno)
              : S_ISDIR(st.st_mode)  ? JL_DEPOT_E_IS_DIRECTORY
              : !S_ISREG(st.st_mode) ? JL_DEPOT_E_NOT_REGULAR
                                     : (int)JL_DEPOT_E_OK;
    if (err) {
        close(*fd);
        return err;
    }
    *size = (uint64_t)st.st_size;
    if (*size > JL_CACHEFILE_MAX_SIZE) {
        close(*fd);
        return JL_DEPOT_E_TOO_LARGE;
    }
    return JL_DEPOT_E_OK;
}

static int read_at(int fd, uint8_t *dst, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, dst + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return JL_DEPOT_E_IO;
        if (k == 0)
            return JL_DEPOT_E_TRUNCATED;
        got += (size_t)k;
    }
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_cachefile_read(const char *path, unsigned flags, jl_cachefile_t **out)
{
    *out = NULL;
    int fd;
    uint64_t size;
    int err = open_file(path, &fd, &size);
    if (err)
        return err;
    uint8_t *buf = (uint8_t *)malloc(size ? (size_t)size : 1);
    if (!buf) {
        close(fd);
        return JL_DEPOT_E_NOMEM;
    }
    err = read_at(fd, buf, (size_t)size, 0);
    close(fd);
    if (!err)
        err = jl_cachefile_parse(buf, (size_t)size, flags & ~JL_CACHEFILE_COPY, out);
    if (err) {
        free(buf);
        return err;
    }
    (*out)->owned = 1;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_cachefile_read_header(const char *path, unsigned flags, jl_cachefile_t **out)
{
    *out = NULL;
    int fd;
    uint64_t size;
    int err = open_file(path, &fd, &size);
    if (err)
        return err;
    int forced = (int)((flags >> 8) & 0xff);
    size_t want = 16384; // grows by 4x while the header is longer
    uint8_t *buf = NULL;
    jl_cachefile_t *cf = NULL;
    for (;;) {
        if (want > size)
            want = (size_t)size;
        uint8_t *nb = (uint8_t *)realloc(buf, want ? want : 1);
        if (!nb) {
            err = JL_DEPOT_E_NOMEM;
            break;
        }
        buf = nb;
        if ((err = read_at(fd, buf, want, 0)))
            break;
        jl_cachefile_free(cf);
        if (!(cf = cf_new())) {
            err = JL_DEPOT_E_NOMEM;
            break;
        }
        cf->buf = buf;
        cf->len = want;
        cf->file_size = (size_t)size;
        cf->header_only = 1;
        rd_t r = {buf, 0, want};
        err = parse_header(cf, &r, size >= 8 ? size - 8 : 0, forced);
        // Any failure with bytes still unread may only mean the header is
        // longer than what was read: read more and parse again.
        if (err && want < size) {
            want = want * 4 < want ? (size_t)size : want * 4;
            continue;
        }
        break;
    }
    if (!err) {
        src_t s = {NULL, fd, size, NULL, 0, 0, 0};
        err = finish_body(cf, &s);
        free(s.win);
    }
    close(fd);
    if (err) {
        if (cf)
            cf->buf = NULL;
        jl_cachefile_free(cf);
        free(buf);
        return err;
    }
    cf->owned = 1;
    *out = cf;
    return JL_DEPOT_E_OK;
}

// ---- the image blob ---------------------------------------------------------------

static int blob_parse(const uint8_t *buf, size_t len, int has_syntax, jl_cache_blob_t *b)
{
    memset(b, 0, sizeof(*b));
    rd_t r = {buf, 0, len};
    prefix_t px;
    int err = parse_prefix(&r, &px);
    if (err)
        return err;
    b->format_version = px.format_version;
    b->pointer_size = px.pointer_size;
    b->build_os = px.s[0];
    b->build_arch = px.s[1];
    b->julia_version = px.s[2];
    b->git_branch = px.s[3];
    b->git_commit = px.s[4];
    b->pkgimage = px.pkgimage;
    b->checksum = px.checksum;
    b->datastartpos = px.datastartpos;
    b->dataendpos = px.dataendpos;
    if (px.pkgimage != 1)
        return JL_DEPOT_E_PKGIMAGE_BLOB;
    if ((err = rd_u8(&r, &b->flags)))
        return err;
    b->has_syntax = has_syntax < 0 ? b->format_version >= 13 : has_syntax;
    if (b->has_syntax && (err = rd_u8(&r, &b->syntax_version)))
        return err;
    if ((err = parse_reqmods(&r, &b->reqmods, &b->nreqmods)))
        return err;
    b->header_end = r.pos;
    if (b->datastartpos < b->header_end || b->dataendpos < b->datastartpos || b->dataendpos > len)
        return JL_DEPOT_E_DATA_RANGE;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_cache_blob_parse(const uint8_t *buf, size_t len, int has_syntax,
                                     jl_cache_blob_t *b)
{
    int err = blob_parse(buf, len, has_syntax, b);
    if (err)
        jl_cache_blob_free(b);
    return err;
}

JL_DLLEXPORT void jl_cache_blob_free(jl_cache_blob_t *b)
{
    free(b->reqmods);
    b->reqmods = NULL;
    b->nreqmods = 0;
}
