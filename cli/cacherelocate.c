// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacherelocate.c: planning and applying the relocation of one precompile
  cache file (cacherelocate.h): the integrity checks before anything is
  touched, the one name mapping shared by dependency names and source-text
  names, the optional mtime refresh, the in-memory verification of the new
  bytes against the old ones, the atomic write, and the clean-up of temporary
  files an interrupted write left behind.
*/

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cacherelocate.h"
#include "atomicfile.h"
#include "crc32c.h"
#include "jldepot_upstream.h"

#define PATHBUF (JL_DEPOT_PATH_MAX + 1)

JL_DLLEXPORT const char *jl_cache_reloc_action_name(int action)
{
    switch (action) {
    case JL_CACHE_RELOC_KEEP:
        return "keep";
    case JL_CACHE_RELOC_TOKENIZED:
        return "tokenized";
    case JL_CACHE_RELOC_MOVED:
        return "moved";
    case JL_CACHE_RELOC_ABSOLUTE:
        return "absolute";
    case JL_CACHE_RELOC_NOT_RELOCATABLE:
        return "not_relocatable";
    default:
        return "unknown";
    }
}

static int str_eq(jl_cache_str_t a, jl_cache_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int str_is(jl_cache_str_t a, const char *s, size_t n)
{
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

static char *dup_n(const char *p, size_t n)
{
    char *s = (char *)malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

// ---- the old depot, from the entry file ------------------------------------------

// The component of `p[0, end)` that ends at `end` (no separators): its start.
static size_t comp_start(const char *p, size_t end)
{
    size_t i = end;
    while (i > 0 && p[i - 1] != '/')
        i--;
    return i;
}

JL_DLLEXPORT char *jl_cache_relocate_old_depot(const jl_cachefile_t *cf)
{
    if (!cf || cf->nworklist == 0)
        return NULL;
    const jl_cache_dep_t *entry = NULL;
    for (size_t i = 0; i < cf->ndeps && !entry; i++)
        if (cf->deps[i].kind != JL_CACHE_DEP_REQUIRE)
            entry = &cf->deps[i];
    if (!entry || entry->path.len < 2 || entry->path.ptr[0] != '/' ||
        memchr(entry->path.ptr, 0, entry->path.len))
        return NULL;
    const char *p = entry->path.ptr;
    size_t n = entry->path.len;
    jl_cache_str_t name = cf->worklist[0].name;
    // ".../src/<Name>.jl"
    size_t c = comp_start(p, n);
    if (n - c != name.len + 3 || memcmp(p + c, name.ptr, name.len) != 0 ||
        memcmp(p + c + name.len, ".jl", 3) != 0 || c < 1)
        return NULL;
    size_t e = c - 1; // end of the src component
    size_t s = comp_start(p, e);
    if (!(e - s == 3 && memcmp(p + s, "src", 3) == 0) || s < 1)
        return NULL;
    // the package directory: <Name>/<slug>, or <Name>
    size_t e1 = s - 1, s1 = comp_start(p, e1);
    if (s1 < 1)
        return NULL;
    size_t e2 = s1 - 1, s2 = comp_start(p, e2);
    jl_cache_str_t c1 = {p + s1, e1 - s1}, c2 = {p + s2, e2 - s2};
    size_t old_end = 0;
    if (str_eq(c1, name) && (str_is(c2, "packages", 8) || str_is(c2, "dev", 3))) {
        old_end = s2; // <old>/packages/<Name>/src/<Name>.jl or <old>/dev/<Name>/src/<Name>.jl
    }
    else if (str_eq(c2, name) && s2 >= 1) {
        size_t e3 = s2 - 1, s3 = comp_start(p, e3);
        if (str_is((jl_cache_str_t){p + s3, e3 - s3}, "packages", 8))
            old_end = s3; // <old>/packages/<Name>/<slug>/src/<Name>.jl
    }
    if (old_end < 2) // the depot "/" itself is not accepted
        return NULL;
    return dup_n(p, old_end - 1);
}

// ---- temporary files -------------------------------------------------------------

static int ishex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

JL_DLLEXPORT int jl_cache_relocate_is_temp(const char *name)
{
    static const char mid[] = ".ji.tmp";
    size_t n = strlen(name), m = sizeof(mid) - 1;
    if (n < 1 + 1 + m + 6 || name[0] != '.')
        return 0;
    for (size_t i = n - 6; i < n; i++)
        if (!ishex(name[i]))
            return 0;
    return memcmp(name + n - 6 - m, mid, m) == 0;
}

JL_DLLEXPORT int jl_cache_relocate_clean_temps(const char *dir, int64_t before_sec,
                                               int64_t before_nsec, size_t *removed)
{
    if (removed)
        *removed = 0;
    DIR *d = opendir(dir);
    if (!d)
        return jl_depot_errno_code(errno);
    int err = JL_DEPOT_E_OK;
    size_t dl = strlen(dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!jl_cache_relocate_is_temp(de->d_name))
            continue;
        size_t nl = strlen(de->d_name);
        char *p = (char *)malloc(dl + nl + 2);
        if (!p) {
            err = JL_DEPOT_E_NOMEM;
            break;
        }
        memcpy(p, dir, dl);
        p[dl] = '/';
        memcpy(p + dl + 1, de->d_name, nl + 1);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
            ((int64_t)st.st_mtim.tv_sec < before_sec ||
             ((int64_t)st.st_mtim.tv_sec == before_sec &&
              (int64_t)st.st_mtim.tv_nsec < before_nsec))) {
            if (unlink(p) == 0) {
                if (removed)
                    (*removed)++;
            }
            else if (errno != ENOENT && !err) {
                err = jl_depot_errno_code(errno);
            }
        }
        free(p);
    }
    closedir(d);
    return err;
}

// ---- planning ----------------------------------------------------------------------

typedef struct {
    jl_depot_stack_t *s;
    jl_cache_reloc_t *r;
    const char *root; // the containing depot's @depot root
    size_t rootlen;
    char *buf;              // PATHBUF bytes
    char *buf2;             // PATHBUF bytes
    jldepot_upstream_t *up; // upstream's form of names; NULL with role tokens
} planner_t;

// `n` bytes of `p` in token form into pl->buf: upstream's `@depot/...`
// unless role tokens are asked for.
static int tokenize(planner_t *pl, const char *p, size_t n, size_t *outlen)
{
    if (pl->up)
        return jldepot_upstream_tokenize(pl->up, pl->r->depot, p, n, pl->buf, PATHBUF, outlen,
                                         NULL);
    return jl_depot_tokenize_buf(pl->s, pl->r->depot, p, n, pl->buf, PATHBUF, outlen, NULL);
}

static int path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

// Find the entry of `name`; NULL when absent.
static uint64_t name_hash(jl_cache_str_t s)
{
    uint64_t h = 14695981039346656037ull; // FNV-1a
    for (size_t i = 0; i < s.len; i++)
        h = (h ^ (uint8_t)s.ptr[i]) * 1099511628211ull;
    return h;
}

// The slot of `name` in the index: the one holding it, or the empty one
// where it belongs.
static size_t *index_slot(const jl_cache_reloc_t *r, jl_cache_str_t name)
{
    size_t mask = r->index_cap_ - 1;
    for (size_t i = (size_t)name_hash(name) & mask;; i = (i + 1) & mask) {
        size_t *slot = &r->index_[i];
        if (*slot == 0 || str_eq(r->names[*slot - 1].old, name))
            return slot;
    }
}

static jl_cache_reloc_name_t *find_name(const jl_cache_reloc_t *r, jl_cache_str_t name)
{
    if (!r->index_)
        return NULL;
    size_t *slot = index_slot(r, name);
    return *slot ? &r->names[*slot - 1] : NULL;
}

// Room for one more name, in `names` and in the index (kept at most half full).
static int reserve_name(jl_cache_reloc_t *r)
{
    if (r->nnames == r->names_cap_) {
        size_t cap = r->names_cap_ ? 2 * r->names_cap_ : 16;
        jl_cache_reloc_name_t *nn = (jl_cache_reloc_name_t *)realloc(r->names, cap * sizeof(*nn));
        if (!nn)
            return JL_DEPOT_E_NOMEM;
        r->names = nn;
        r->names_cap_ = cap;
    }
    if (2 * (r->nnames + 1) > r->index_cap_) {
        size_t cap = r->index_cap_ ? 2 * r->index_cap_ : 32;
        size_t *idx = (size_t *)calloc(cap, sizeof(*idx));
        if (!idx)
            return JL_DEPOT_E_NOMEM;
        free(r->index_);
        r->index_ = idx;
        r->index_cap_ = cap;
        for (size_t i = 0; i < r->nnames; i++)
            *index_slot(r, r->names[i].old) = i + 1;
    }
    return JL_DEPOT_E_OK;
}

static int set_new(jl_cache_reloc_name_t *e, const char *p, size_t n, int action)
{
    if (str_is(e->old, p, n))
        return JL_DEPOT_E_OK; // the same bytes: nothing to rewrite
    e->new_ = dup_n(p, n);
    if (!e->new_)
        return JL_DEPOT_E_NOMEM;
    e->newlen = n;
    e->action = action;
    return JL_DEPOT_E_OK;
}

// The mapping of one name in R12 / M13.
static int map_tokens(planner_t *pl, jl_cache_reloc_name_t *e)
{
    jl_cache_reloc_t *r = pl->r;
    const char *p = e->old.ptr;
    size_t n = e->old.len;
    size_t outlen = 0;
    if (r->flags & JL_CACHE_RELOCATE_ABSOLUTE) {
        jl_depot_role_t role;
        if (jl_depot_token_role(p, n, &role) != JL_DEPOT_E_OK)
            return JL_DEPOT_E_OK;
        int err = jl_depot_resolve_buf(pl->s, r->depot, JL_DEPOT_RESOLVE_NOSTAT, p, n, pl->buf,
                                       PATHBUF, &outlen, NULL);
        if (err != JL_DEPOT_E_OK && err != JL_DEPOT_E_UNRESOLVED_TOKEN) {
            e->err = err;
            return JL_DEPOT_E_OK;
        }
        return set_new(e, pl->buf, outlen, JL_CACHE_RELOC_ABSOLUTE);
    }
    if (n == 0 || p[0] != '/')
        return JL_DEPOT_E_OK; // a token form already, or a relative name
    int err = tokenize(pl, p, n, &outlen);
    if (err == JL_DEPOT_E_OK)
        return set_new(e, pl->buf, outlen, JL_CACHE_RELOC_TOKENIZED);
    if (err == JL_DEPOT_E_NOMEM)
        return err;
    e->err = err;
    if (err == JL_DEPOT_E_NOT_RELOCATABLE && r->old_depot) {
        // written in a depot that has moved: the same suffix in the containing depot
        size_t ol = strlen(r->old_depot);
        if (n > ol + 1 && memcmp(p, r->old_depot, ol) == 0 && p[ol] == '/' &&
            pl->rootlen + (n - ol) < PATHBUF) {
            memcpy(pl->buf2, p, n);
            pl->buf2[n] = '\0';
            if (!path_exists(pl->buf2)) {
                memcpy(pl->buf2, pl->root, pl->rootlen);
                memcpy(pl->buf2 + pl->rootlen, p + ol, n - ol);
                pl->buf2[pl->rootlen + n - ol] = '\0';
                if (path_exists(pl->buf2) &&
                    tokenize(pl, pl->buf2, pl->rootlen + n - ol, &outlen) == JL_DEPOT_E_OK) {
                    e->err = JL_DEPOT_E_OK;
                    return set_new(e, pl->buf, outlen, JL_CACHE_RELOC_MOVED);
                }
            }
        }
    }
    e->action = JL_CACHE_RELOC_NOT_RELOCATABLE;
    r->nabsolute++;
    return JL_DEPOT_E_OK;
}

// The mapping of one name in L10: the old depot's prefix becomes the
// containing depot's path.
static int map_l10(planner_t *pl, jl_cache_reloc_name_t *e)
{
    jl_cache_reloc_t *r = pl->r;
    const char *p = e->old.ptr;
    size_t n = e->old.len;
    if (!r->old_depot || n == 0 || p[0] != '/' || memchr(p, 0, n))
        return JL_DEPOT_E_OK;
    size_t ol = strlen(r->old_depot);
    if (!(n > ol + 1 && memcmp(p, r->old_depot, ol) == 0 && p[ol] == '/'))
        return JL_DEPOT_E_OK;
    if (pl->rootlen + (n - ol) >= PATHBUF) {
        e->err = JL_DEPOT_E_PATH_TOO_LONG;
        return JL_DEPOT_E_OK;
    }
    memcpy(pl->buf, pl->root, pl->rootlen);
    memcpy(pl->buf + pl->rootlen, p + ol, n - ol);
    return set_new(e, pl->buf, pl->rootlen + n - ol, JL_CACHE_RELOC_MOVED);
}

static int add_name(planner_t *pl, jl_cache_str_t name)
{
    jl_cache_reloc_t *r = pl->r;
    if (find_name(r, name))
        return JL_DEPOT_E_OK;
    int err = reserve_name(r);
    if (err)
        return err;
    jl_cache_reloc_name_t *e = &r->names[r->nnames++];
    memset(e, 0, sizeof(*e));
    e->old = name;
    *index_slot(r, name) = r->nnames;
    err = r->cf->layout == JL_CACHE_LAYOUT_L10 && !(r->flags & JL_CACHE_RELOCATE_ABSOLUTE)
              ? map_l10(pl, e)
              : map_tokens(pl, e);
    if (!err && e->new_)
        r->nchanged++;
    return err;
}

static double stat_mtime(const struct stat *st)
{
    return (double)st->st_mtim.tv_sec + (double)st->st_mtim.tv_nsec * 1e-9;
}

// The current mtime of the file a (mapped) dependency names.
static int current_mtime(planner_t *pl, jl_cache_str_t name, double *mt)
{
    jl_depot_role_t role;
    size_t outlen = 0;
    if (name.len == 0 || memchr(name.ptr, 0, name.len) || name.len >= PATHBUF)
        return 0;
    if (jl_depot_token_role(name.ptr, name.len, &role) == JL_DEPOT_E_OK) {
        if (jl_depot_resolve_buf(pl->s, pl->r->depot, 0, name.ptr, name.len, pl->buf2, PATHBUF,
                                 &outlen, NULL) != JL_DEPOT_E_OK)
            return 0;
    }
    else {
        memcpy(pl->buf2, name.ptr, name.len);
        pl->buf2[name.len] = '\0';
    }
    struct stat st;
    if (stat(pl->buf2, &st) != 0)
        return 0;
    *mt = stat_mtime(&st);
    return 1;
}

static jl_cache_str_t mapped(const jl_cache_reloc_t *r, jl_cache_str_t name)
{
    const jl_cache_reloc_name_t *e = find_name(r, name);
    if (e && e->new_)
        return (jl_cache_str_t){e->new_, e->newlen};
    return name;
}

// The mapper of jl_cachefile_rewrite_names: looks the name up in the plan.
static int plan_mapper(void *ctx, const char *name, size_t len, char **newname, size_t *newlen)
{
    const jl_cache_reloc_t *r = (const jl_cache_reloc_t *)ctx;
    const jl_cache_reloc_name_t *e = find_name(r, (jl_cache_str_t){name, len});
    if (!e)
        return JL_DEPOT_E_INVALID_ARGUMENT; // a name the plan never saw
    if (e->new_) {
        if (!(*newname = dup_n(e->new_, e->newlen)))
            return JL_DEPOT_E_NOMEM;
        *newlen = e->newlen;
    }
    return JL_DEPOT_E_OK;
}

static int bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int mtime_eq(double a, double b)
{
    return memcmp(&a, &b, sizeof(double)) == 0;
}

// Check the new bytes against the old file: everything but the mapped names,
// the refreshed mtimes and the derived offsets must be identical.
static int verify(const jl_cache_reloc_t *r, const double *mt, const uint8_t *buf, size_t len)
{
    const jl_cachefile_t *o = r->cf;
    jl_cachefile_t *n = NULL;
    if (jl_cachefile_parse(buf, len, 0, &n) != JL_DEPOT_E_OK)
        return JL_DEPOT_E_RELOCATE_VERIFY;
    int ok = n->layout == o->layout && len >= 8 &&
             jl_crc32c(0, (const char *)buf, len - 4) == n->crc_ji && n->crc_so == o->crc_so &&
             n->checksum == o->checksum && n->checksum_pos == o->checksum_pos;
    // prefix and checksum word, byte for byte
    ok = ok && memcmp(buf, o->buf, o->checksum_pos + 8) == 0;
    // flags, syntax byte and worklist (names, UUIDs, build ids), byte for byte
    size_t wl = o->checksum_pos + 24;
    ok = ok && n->depblock_pos == o->depblock_pos &&
         memcmp(buf + wl, o->buf + wl, o->depblock_pos - wl) == 0;
    // required modules and clone targets, byte for byte
    ok = ok && n->header_end - n->srctextpos_pos == o->header_end - o->srctextpos_pos &&
         memcmp(buf + n->srctextpos_pos + 8, o->buf + o->srctextpos_pos + 8,
                o->header_end - o->srctextpos_pos - 8) == 0;
    ok = ok && n->nreqmods == o->nreqmods && n->clone_len == o->clone_len;
    // data section (non-split)
    ok = ok && bytes_eq(n->data, n->data_len, o->data, o->data_len);
    // preferences
    ok = ok && n->prefs_form == o->prefs_form && n->prefs_hash == o->prefs_hash &&
         str_eq(n->prefs_blob, o->prefs_blob) && n->npref_names == o->npref_names;
    for (size_t i = 0; ok && i < o->npref_names; i++)
        ok = str_eq(n->pref_names[i], o->pref_names[i]);
    // dependencies: the mapped names, everything else unchanged
    ok = ok && n->ndeps == o->ndeps;
    for (size_t i = 0; ok && i < o->ndeps; i++) {
        const jl_cache_dep_t *a = &o->deps[i], *b = &n->deps[i];
        jl_cache_str_t want = a->kind == JL_CACHE_DEP_REQUIRE ? a->path : mapped(r, a->path);
        ok = a->kind == b->kind && str_eq(want, b->path) && a->fsize == b->fsize &&
             a->hash == b->hash && mtime_eq(mt[i], b->mtime) && a->provides == b->provides &&
             a->modpath_count == b->modpath_count && a->req_uuid.hi == b->req_uuid.hi &&
             a->req_uuid.lo == b->req_uuid.lo && str_eq(a->req_name, b->req_name);
        for (size_t k = 0; ok && k < a->modpath_count; k++)
            ok = str_eq(o->modpath[a->modpath_first + k], n->modpath[b->modpath_first + k]);
    }
    // source text: the mapped names, the same texts
    ok = ok && n->nsrctext == o->nsrctext;
    for (size_t i = 0; ok && i < o->nsrctext; i++) {
        const jl_cache_srctext_t *a = &o->srctext[i], *b = &n->srctext[i];
        ok = str_eq(mapped(r, a->name), b->name) &&
             bytes_eq(a->text, (size_t)a->len, b->text, (size_t)b->len);
    }
    jl_cachefile_free(n);
    return ok ? (int)JL_DEPOT_E_OK : JL_DEPOT_E_RELOCATE_VERIFY;
}

static int check_integrity(const jl_cachefile_t *cf, const char *jipath, int *detail)
{
    jl_cache_check_t chk;
    int err = jl_cachefile_check(cf, jipath, JL_CACHEFILE_CHECK_NO_SO, &chk);
    if (err) {
        *detail = err;
        return JL_DEPOT_E_RELOCATE_CRC;
    }
    if (cf->clone_len > 0) {
        char *so = jl_cachefile_so_path(jipath);
        struct stat st;
        if (so && stat(so, &st) == 0) {
            err = jl_cachefile_check(cf, jipath, 0, &chk);
            if (err) {
                *detail = err;
                free(so);
                return JL_DEPOT_E_RELOCATE_CRC_SO;
            }
        }
        free(so);
    }
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT void jl_cache_relocate_free(jl_cache_reloc_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i].new_);
    free(r->names);
    free(r->index_);
    free(r->mtimes);
    free(r->out);
    free(r->old_depot);
    free(r->path);
    jl_cachefile_free(r->cf);
    free(r);
}

JL_DLLEXPORT int jl_cache_relocate_plan(jl_depot_stack_t *s, const char *jipath, unsigned flags,
                                        jl_cache_reloc_t **out, int *detail)
{
    int dummy;
    if (!detail)
        detail = &dummy;
    *out = NULL;
    *detail = JL_DEPOT_E_OK;
    if (!s || !jipath || !*jipath)
        return *detail = JL_DEPOT_E_INVALID_ARGUMENT;
    jl_cache_reloc_t *r = (jl_cache_reloc_t *)calloc(1, sizeof(*r));
    planner_t pl = {s, r, NULL, 0, (char *)malloc(PATHBUF), (char *)malloc(PATHBUF), NULL};
    double *mt = NULL;
    jl_cache_dep_t *deps = NULL;
    int err = JL_DEPOT_E_NOMEM;
    if (!r || !pl.buf || !pl.buf2 || !(r->path = strdup(jipath)))
        goto fail;
    r->flags = flags;
    struct stat st;
    if (stat(jipath, &st) != 0) {
        err = jl_depot_errno_code(errno);
        goto fail;
    }
    r->st_size = (uint64_t)st.st_size;
    r->st_ino = (uint64_t)st.st_ino;
    r->st_dev = (uint64_t)st.st_dev;
    r->st_mtime_sec = (int64_t)st.st_mtim.tv_sec;
    r->st_mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
    r->st_ctime_sec = (int64_t)st.st_ctim.tv_sec;
    r->st_ctime_nsec = (int64_t)st.st_ctim.tv_nsec;
    if ((err = jl_cachefile_read(jipath, 0, &r->cf)))
        goto fail;
    if ((err = check_integrity(r->cf, jipath, detail)))
        goto fail_detail;
    size_t depot;
    if ((err = jl_depot_containing(s, jipath, &depot)))
        goto fail;
    r->depot = (long)depot;
    pl.root = jl_depot_root(s, depot, JL_DEPOT_ROLE_DEPOT);
    if (!pl.root) {
        err = JL_DEPOT_E_CACHE_OUTSIDE_DEPOTS;
        goto fail;
    }
    pl.rootlen = strlen(pl.root);
    const jl_cachefile_t *cf = r->cf;
    int l10 = cf->layout == JL_CACHE_LAYOUT_L10;
    if (!(flags & JL_CACHE_RELOCATE_ABSOLUTE)) {
        r->old_depot = jl_cache_relocate_old_depot(cf);
        if (r->old_depot && strcmp(r->old_depot, pl.root) == 0) {
            free(r->old_depot); // written where it is: nothing moved
            r->old_depot = NULL;
        }
        if (l10 && !r->old_depot) {
            // a moved 1.10 cache whose old depot cannot be found
            for (size_t i = 0; i < cf->ndeps; i++) {
                jl_cache_str_t p = cf->deps[i].path;
                if (cf->deps[i].kind == JL_CACHE_DEP_REQUIRE)
                    continue;
                if (p.len && p.ptr[0] == '/' && p.len < PATHBUF && !memchr(p.ptr, 0, p.len)) {
                    memcpy(pl.buf, p.ptr, p.len);
                    pl.buf[p.len] = '\0';
                    if (!path_exists(pl.buf)) {
                        err = JL_DEPOT_E_RELOCATE_NO_OLD_DEPOT;
                        goto fail;
                    }
                }
                break; // the entry file decides
            }
        }
    }
    // 1. one mapping for every distinct name (dependencies, then source text)
    if (!(flags & (JL_CACHE_RELOCATE_ROLE_TOKENS | JL_CACHE_RELOCATE_ABSOLUTE)) &&
        (err = jldepot_upstream_new(s, (flags & JL_CACHE_RELOCATE_CASEFOLD) != 0, &pl.up)))
        goto fail;
    for (size_t i = 0; i < cf->ndeps; i++)
        if (cf->deps[i].kind != JL_CACHE_DEP_REQUIRE && (err = add_name(&pl, cf->deps[i].path)))
            goto fail;
    for (size_t i = 0; i < cf->nsrctext; i++)
        if ((err = add_name(&pl, cf->srctext[i].name)))
            goto fail;
    // 2. the mtimes of the files found (on request)
    err = JL_DEPOT_E_NOMEM;
    if (!(mt = (double *)malloc((cf->ndeps ? cf->ndeps : 1) * sizeof(double))) ||
        !(deps = (jl_cache_dep_t *)malloc((cf->ndeps ? cf->ndeps : 1) * sizeof(*deps))))
        goto fail;
    for (size_t i = 0; i < cf->ndeps; i++) {
        const jl_cache_dep_t *d = &cf->deps[i];
        deps[i] = *d;
        mt[i] = d->mtime;
        if (!(flags & JL_CACHE_RELOCATE_REFRESH_MTIMES) || d->kind == JL_CACHE_DEP_REQUIRE ||
            (!l10 && !(d->mtime >= 0)))
            continue;
        double now;
        if (!current_mtime(&pl, mapped(r, d->path), &now) || mtime_eq(now, d->mtime))
            continue;
        size_t n = r->nmtimes; // capacity doubles at each power of two
        if ((n & (n - 1)) == 0) {
            jl_cache_reloc_mtime_t *nm =
                (jl_cache_reloc_mtime_t *)realloc(r->mtimes, (n ? 2 * n : 1) * sizeof(*nm));
            if (!nm)
                goto fail;
            r->mtimes = nm;
        }
        r->mtimes[r->nmtimes++] = (jl_cache_reloc_mtime_t){i, d->mtime, now};
        deps[i].mtime = mt[i] = now;
    }
    err = JL_DEPOT_E_OK;
    // 3. the new bytes, verified in memory
    if (r->nchanged || r->nmtimes) {
        jl_cachefile_t copy = *cf;
        copy.deps = deps;
        if ((err = jl_cachefile_rewrite_names(&copy, plan_mapper, r, &r->out, &r->outlen)))
            goto fail;
        if ((err = verify(r, mt, r->out, r->outlen))) {
            *detail = err;
            goto fail_detail;
        }
        if (bytes_eq(r->out, r->outlen, cf->buf, cf->file_size)) {
            free(r->out); // the same bytes: nothing to write
            r->out = NULL;
            r->outlen = 0;
        }
    }
    free(mt);
    free(deps);
    free(pl.buf);
    free(pl.buf2);
    jldepot_upstream_free(pl.up);
    *out = r;
    return JL_DEPOT_E_OK;
fail:
    *detail = err;
fail_detail:
    free(mt);
    free(deps);
    free(pl.buf);
    free(pl.buf2);
    jldepot_upstream_free(pl.up);
    jl_cache_relocate_free(r);
    return err;
}

JL_DLLEXPORT int jl_cache_relocate_apply(const jl_cache_reloc_t *r)
{
    if (!r)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    if (!r->out)
        return JL_DEPOT_E_OK;
    // a directory nobody may write is read-only, even for root (the rule of
    // verify and seal, doc/stamps.md)
    const char *sl = strrchr(r->path, '/');
    char *dir = sl ? strndup(r->path, sl == r->path ? 1 : (size_t)(sl - r->path)) : strdup(".");
    if (!dir)
        return JL_DEPOT_E_NOMEM;
    struct stat st;
    int err = stat(dir, &st) != 0                                  ? jl_depot_errno_code(errno)
              : (st.st_mode & 0222) == 0 || access(dir, W_OK) != 0 ? JL_DEPOT_E_READ_ONLY
                                                                   : (int)JL_DEPOT_E_OK;
    free(dir);
    if (err)
        return err;
    if (stat(r->path, &st) != 0)
        return jl_depot_errno_code(errno);
    // ctime too: an in-place edit of the same size with its mtime restored
    if ((uint64_t)st.st_size != r->st_size || (uint64_t)st.st_ino != r->st_ino ||
        (uint64_t)st.st_dev != r->st_dev || (int64_t)st.st_mtim.tv_sec != r->st_mtime_sec ||
        (int64_t)st.st_mtim.tv_nsec != r->st_mtime_nsec ||
        (int64_t)st.st_ctim.tv_sec != r->st_ctime_sec ||
        (int64_t)st.st_ctim.tv_nsec != r->st_ctime_nsec)
        return JL_DEPOT_E_RELOCATE_CHANGED;
    return jl_depot_write_atomic(r->path, r->out, r->outlen, -1);
}
