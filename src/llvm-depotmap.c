// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  llvm-depotmap.c: the debug-info depot map (see llvm-depotmap.h for its
  format).  Owns: the image id, the memo of files (one tokenize per distinct
  path), the roots (virtual name `/@<role>-<id>-<k>`, token, and the build
  machine's directory), the scan over the DIFile nodes of a module, and the
  `jl_depot_map` constant.

  The debug info itself keeps the absolute paths of the machine that built
  the image, as Julia always wrote them: tools find the sources of an image
  whose depot did not move with no configuration at all.  The map says which
  of those paths lie under which depot role root, so a moved image's paths
  can be found again.

  The scan reads no file and changes no node; a file's MD5 in the map is
  the one its DIFile carries, if any.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llvm-depotmap.h"

// What became of one file given to the mapper.
typedef enum {
    JL_DIMAP_MAPPED = 0,   // under a depot role root
    JL_DIMAP_ABSOLUTE = 1, // absolute, under no depot root: not relocatable
    JL_DIMAP_RELATIVE = 2, // a relative name (`array.jl`, `none`): left as it is
} jl_dimap_kind_t;

typedef struct {
    char *path; // as given (NUL-terminated copy; may contain NUL bytes before len)
    size_t len;
    uint64_t hash;
    jl_dimap_kind_t kind;
    int err;         // the tokenizer's answer
    int role;        // mapped: the role
    long k;          // mapped: 1-based depot index
    char *vpath;     // mapped: "/@<role>-<id>-<k>/<rest>"
    size_t vrootlen; // mapped: length of the virtual root in vpath
    size_t root;     // mapped: index of its root in roots
    char md5[33];    // "" when its DIFile carries none
} jl_dimap_entry_t;

typedef struct {
    int role;
    long k;
    size_t entry; // the file whose rest is the anchor
    char *dir;    // the role root as the build's paths spell it (no trailing `/`)
} jl_dimap_root_t;

struct jl_dimap_t {
    jl_depot_stack_t *stack;
    long target;
    char id[17];
    jl_dimap_entry_t *e;
    size_t n, cap;
    uint32_t *slots; // index + 1 into e; 0 = empty
    size_t mask;
    jl_dimap_root_t *roots;
    size_t nroots, caproots;
    char *buf; // JL_DEPOT_PATH_MAX + 1 bytes of scratch
};

// ---- small helpers -------------------------------------------------------------

// A 64-bit hash of n bytes (FNV-1a, then a final mix).
static uint64_t dm_hash(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t dm_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

#define DM_FNV_BASIS 0xcbf29ce484222325ULL

static int grow(void **p, size_t *cap, size_t need, size_t elsize)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elsize);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[in[i] >> 4];
        out[2 * i + 1] = hexdig[in[i] & 15];
    }
    out[2 * n] = '\0';
}

// The role's name without `@` ("depot", "artifacts", ...).
static const char *role_word(int role)
{
    return jl_depot_token_name((jl_depot_role_t)role) + 1;
}

// ---- public: id ----------------------------------------------------------------

int jl_dimap_image_id(const char *pkgname, const uint8_t uuid[16], uint64_t build_id_hi,
                      uint64_t build_id_lo, char out[17])
{
    uint8_t tail[32];
    static const uint8_t zero[16] = {0};
    memcpy(tail, uuid ? uuid : zero, 16);
    for (int i = 0; i < 8; i++) {
        tail[16 + i] = (uint8_t)(build_id_hi >> (8 * i));
        tail[24 + i] = (uint8_t)(build_id_lo >> (8 * i));
    }
    uint64_t h = DM_FNV_BASIS;
    if (pkgname != NULL)
        h = dm_hash(h, pkgname, strlen(pkgname));
    h = dm_hash(h, "", 1); // separator: the name cannot run into the UUID
    h = dm_mix(dm_hash(h, tail, sizeof(tail)));
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(h >> (56 - 8 * i));
    to_hex(be, 8, out);
    return JL_DEPOT_E_OK;
}

static int valid_id(const char *id)
{
    if (id == NULL)
        return 0;
    for (int i = 0; i < 16; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return id[16] == '\0';
}

// ---- the map object ------------------------------------------------------------

int jl_dimap_new(jl_depot_stack_t *stack, long target_depot, const char *image_id16,
                 jl_dimap_t **out)
{
    *out = NULL;
    if (!valid_id(image_id16))
        return JL_DEPOT_E_DIMAP_IMAGE_ID;
    if (stack == NULL || target_depot < -1 ||
        (target_depot >= 0 && (size_t)target_depot >= jl_depot_stack_size(stack)))
        return JL_DEPOT_E_INVALID_ARGUMENT;
    jl_dimap_t *m = (jl_dimap_t *)calloc(1, sizeof(*m));
    if (m == NULL)
        return JL_DEPOT_E_NOMEM;
    m->stack = stack;
    m->target = target_depot;
    memcpy(m->id, image_id16, 17);
    m->mask = 63;
    m->slots = (uint32_t *)calloc(m->mask + 1, sizeof(uint32_t));
    m->buf = (char *)malloc(JL_DEPOT_PATH_MAX + 1);
    if (m->slots == NULL || m->buf == NULL) {
        jl_dimap_free(m);
        return JL_DEPOT_E_NOMEM;
    }
    *out = m;
    return JL_DEPOT_E_OK;
}

void jl_dimap_free(jl_dimap_t *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].path);
        free(m->e[i].vpath);
    }
    free(m->e);
    free(m->slots);
    for (size_t i = 0; i < m->nroots; i++)
        free(m->roots[i].dir);
    free(m->roots);
    free(m->buf);
    free(m);
}

// The directory a root stands for, as the build spells it: the path of its
// first file without `/<rest>`, or (a token form, or a path the tokenizer
// normalized) the role root of depot k in the stack.
static char *root_dir(jl_dimap_t *m, const jl_dimap_entry_t *e, size_t restlen)
{
    const char *rest = e->vpath + e->vrootlen + 1;
    const char *p = e->path;
    size_t n = 0;
    if (p[0] == '/' && e->len > restlen + 1 && p[e->len - restlen - 1] == '/' &&
        memcmp(p + e->len - restlen, rest, restlen) == 0 && memchr(p, '\0', e->len) == NULL)
        n = e->len - restlen - 1;
    else if ((p = jl_depot_root(m->stack, e->k - 1, (jl_depot_role_t)e->role)) != NULL)
        n = strlen(p);
    else
        p = "";
    while (n > 1 && p[n - 1] == '/')
        n--;
    char *d = (char *)malloc(n + 1);
    if (d != NULL) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

// The index of the root of (role, k), added with e as its anchor when new;
// -1 when memory runs out.
static long add_root(jl_dimap_t *m, jl_dimap_entry_t *e, size_t entry, size_t restlen)
{
    for (size_t i = 0; i < m->nroots; i++)
        if (m->roots[i].role == e->role && m->roots[i].k == e->k)
            return (long)i;
    if (grow((void **)&m->roots, &m->caproots, m->nroots + 1, sizeof(*m->roots)))
        return -1;
    jl_dimap_root_t *r = &m->roots[m->nroots];
    r->role = e->role;
    r->k = e->k;
    r->entry = entry;
    r->dir = root_dir(m, e, restlen);
    if (r->dir == NULL)
        return -1;
    return (long)m->nroots++;
}

// Fill a fresh entry: tokenize, virtual path.
static int classify(jl_dimap_t *m, jl_dimap_entry_t *e, size_t index)
{
    size_t ol = 0;
    long depot = -1;
    int err = jl_depot_tokenize_buf(m->stack, m->target, e->path, e->len, m->buf,
                                    JL_DEPOT_PATH_MAX + 1, &ol, &depot);
    e->err = err;
    jl_depot_role_t role;
    if (err == JL_DEPOT_E_OK && jl_depot_token_role(m->buf, ol, &role) == JL_DEPOT_E_OK) {
        size_t tl = strlen(jl_depot_token_name(role));
        const char *rest = ol > tl ? m->buf + tl + 1 : "";
        size_t restlen = ol > tl ? ol - tl - 1 : 0;
        // a token form given as input lies in the target depot
        long k = depot >= 0 ? depot + 1 : (m->target >= 0 ? m->target + 1 : 1);
        char root[96];
        int rl = snprintf(root, sizeof(root), "/@%s-%s-%ld", role_word(role), m->id, k);
        e->vpath = (char *)malloc((size_t)rl + 1 + restlen + 1);
        if (e->vpath == NULL)
            return JL_DEPOT_E_NOMEM;
        memcpy(e->vpath, root, (size_t)rl);
        e->vpath[rl] = '/';
        memcpy(e->vpath + rl + 1, rest, restlen);
        e->vpath[rl + 1 + restlen] = '\0';
        e->vrootlen = (size_t)rl;
        e->kind = JL_DIMAP_MAPPED;
        e->role = role;
        e->k = k;
        long r = add_root(m, e, index, restlen);
        if (r < 0)
            return JL_DEPOT_E_NOMEM;
        e->root = (size_t)r;
        return JL_DEPOT_E_OK;
    }
    if (err == JL_DEPOT_E_RELATIVE_PATH) {
        e->kind = JL_DIMAP_RELATIVE;
        return JL_DEPOT_E_OK;
    }
    // under no root (or not a usable path at all): not relocatable
    e->kind = JL_DIMAP_ABSOLUTE;
    return JL_DEPOT_E_OK;
}

static int rehash(jl_dimap_t *m)
{
    size_t nmask = m->mask * 2 + 1;
    uint32_t *ns = (uint32_t *)calloc(nmask + 1, sizeof(uint32_t));
    if (ns == NULL)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = (size_t)m->e[i].hash & nmask;
        while (ns[j])
            j = (j + 1) & nmask;
        ns[j] = (uint32_t)(i + 1);
    }
    free(m->slots);
    m->slots = ns;
    m->mask = nmask;
    return 0;
}

// The memo entry of `path`, classified on first sight; NULL when memory runs out.
static jl_dimap_entry_t *lookup(jl_dimap_t *m, const char *path, size_t len)
{
    uint64_t h = dm_mix(dm_hash(DM_FNV_BASIS, path, len));
    size_t j = (size_t)h & m->mask;
    while (m->slots[j]) {
        jl_dimap_entry_t *e = &m->e[m->slots[j] - 1];
        if (e->hash == h && e->len == len && memcmp(e->path, path, len) == 0)
            return e;
        j = (j + 1) & m->mask;
    }
    if (m->n >= UINT32_MAX - 1)
        return NULL;
    if ((m->n + 1) * 2 > m->mask + 1) {
        if (rehash(m))
            return NULL;
        return lookup(m, path, len);
    }
    if (grow((void **)&m->e, &m->cap, m->n + 1, sizeof(*m->e)))
        return NULL;
    jl_dimap_entry_t *e = &m->e[m->n];
    memset(e, 0, sizeof(*e));
    e->path = (char *)malloc(len + 1);
    if (e->path == NULL)
        return NULL;
    memcpy(e->path, path, len);
    e->path[len] = '\0';
    e->len = len;
    e->hash = h;
    if (classify(m, e, m->n) != JL_DEPOT_E_OK) {
        free(e->path);
        free(e->vpath);
        return NULL;
    }
    m->slots[j] = (uint32_t)(m->n + 1);
    m->n++;
    return e;
}

// ---- the scan of a module ----------------------------------------------------------

typedef struct {
    uintptr_t *slots;
    size_t mask, count;
} ptrset_t;

static int ptrset_init(ptrset_t *s)
{
    s->mask = 1023;
    s->count = 0;
    s->slots = (uintptr_t *)calloc(s->mask + 1, sizeof(uintptr_t));
    return s->slots ? 0 : -1;
}

static size_t ptr_slot(uintptr_t p, size_t mask)
{
    return (size_t)dm_mix((uint64_t)p) & mask;
}

// 1 when inserted, 0 when present, -1 out of memory.
static int ptrset_add(ptrset_t *s, const void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if ((s->count + 1) * 2 > s->mask + 1) {
        size_t nm = s->mask * 2 + 1;
        uintptr_t *ns = (uintptr_t *)calloc(nm + 1, sizeof(uintptr_t));
        if (ns == NULL)
            return -1;
        for (size_t i = 0; i <= s->mask; i++) {
            if (!s->slots[i])
                continue;
            size_t j = ptr_slot(s->slots[i], nm);
            while (ns[j])
                j = (j + 1) & nm;
            ns[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = ns;
        s->mask = nm;
    }
    size_t j = ptr_slot(p, s->mask);
    while (s->slots[j]) {
        if (s->slots[j] == p)
            return 0;
        j = (j + 1) & s->mask;
    }
    s->slots[j] = p;
    s->count++;
    return 1;
}

typedef struct {
    ptrset_t seen;
    LLVMMetadataRef *stack; // nodes to visit
    size_t nstack, capstack;
    LLVMMetadataRef *files; // DIFiles found
    size_t nfiles, capfiles;
    LLVMMetadataRef *ops; // operand scratch
    size_t capops;
    int oom;
} walk_t;

static void walk_push(walk_t *w, LLVMMetadataRef md)
{
    if (md == NULL || w->oom)
        return;
    int r = ptrset_add(&w->seen, md);
    if (r < 0 ||
        (r == 1 && grow((void **)&w->stack, &w->capstack, w->nstack + 1, sizeof(*w->stack)))) {
        w->oom = 1;
        return;
    }
    if (r == 1)
        w->stack[w->nstack++] = md;
}

static void walk_run(walk_t *w)
{
    while (w->nstack > 0 && !w->oom) {
        LLVMMetadataRef md = w->stack[--w->nstack];
        switch (LLVMGetMetadataKind(md)) {
        case LLVMMDStringMetadataKind:
        case LLVMConstantAsMetadataMetadataKind:
        case LLVMLocalAsMetadataMetadataKind:
        case LLVMDistinctMDOperandPlaceholderMetadataKind:
        case LLVMDIArgListMetadataKind:
            continue;
        case LLVMDIFileMetadataKind:
            if (grow((void **)&w->files, &w->capfiles, w->nfiles + 1, sizeof(*w->files)))
                w->oom = 1;
            else
                w->files[w->nfiles++] = md;
            continue; // a DIFile's operands are strings
        case LLVMDILocationMetadataKind:
            walk_push(w, LLVMDILocationGetScope(md));
            walk_push(w, LLVMDILocationGetInlinedAt(md));
            continue;
        default:
            break;
        }
        // the operands that are nodes, without wrapping each as a value
        unsigned n = jl_dimap_md_node_operands(md, w->ops, (unsigned)w->capops);
        if (n > w->capops) {
            if (grow((void **)&w->ops, &w->capops, n, sizeof(*w->ops))) {
                w->oom = 1;
                return;
            }
            n = jl_dimap_md_node_operands(md, w->ops, (unsigned)w->capops);
        }
        for (unsigned i = 0; i < n; i++)
            walk_push(w, w->ops[i]);
    }
}

static void walk_attachments(walk_t *w, LLVMValueRef g)
{
    size_t n = 0;
    LLVMValueMetadataEntry *ents = LLVMGlobalCopyAllMetadata(g, &n);
    for (size_t i = 0; i < n; i++)
        walk_push(w, LLVMValueMetadataEntriesGetMetadata(ents, (unsigned)i));
    if (ents)
        LLVMDisposeValueMetadataEntries(ents);
}

static void walk_location(void *arg, LLVMMetadataRef scope, LLVMMetadataRef inlined_at)
{
    walk_t *w = (walk_t *)arg;
    walk_push(w, scope);
    walk_push(w, inlined_at);
}

// Collect every DIFile reachable from `mod`.
static void walk_module(walk_t *w, LLVMModuleRef mod)
{
    unsigned ncu = LLVMGetNamedMetadataNumOperands(mod, "llvm.dbg.cu");
    if (ncu > 0) {
        LLVMValueRef *cus = (LLVMValueRef *)malloc(ncu * sizeof(LLVMValueRef));
        if (cus == NULL) {
            w->oom = 1;
            return;
        }
        LLVMGetNamedMetadataOperands(mod, "llvm.dbg.cu", cus);
        for (unsigned i = 0; i < ncu; i++)
            walk_push(w, LLVMValueAsMetadata(cus[i]));
        free(cus);
    }
    for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f)) {
        // The scopes and inlinedAt chains of the instructions' locations (a
        // location itself is not remembered: there are as many as
        // instructions), through which the function's subprogram (codegen
        // attaches only !dbg to functions).
        jl_dimap_function_locations(f, walk_location, w);
        walk_run(w);
    }
    for (LLVMValueRef g = LLVMGetFirstGlobal(mod); g; g = LLVMGetNextGlobal(g))
        walk_attachments(w, g);
    walk_run(w);
}

static void walk_free(walk_t *w)
{
    free(w->seen.slots);
    free(w->stack);
    free(w->files);
    free(w->ops);
}

// Record one DIFile: the absolute path it names (its name, or a relative name
// in an absolute directory) and, when the map does not know it yet, the MD5
// the DIFile carries (no file is read).  Returns 0, or -1 when memory ran out.
static int scan_file(jl_dimap_t *m, LLVMMetadataRef f)
{
    unsigned nl = 0, dl = 0;
    const char *name = LLVMDIFileGetFilename(f, &nl);
    const char *dir = LLVMDIFileGetDirectory(f, &dl);
    if (name == NULL || nl == 0)
        return 0;
    const char *full = name;
    size_t fl = nl;
    char small[512], *heap = NULL;
    if (name[0] != '/') {
        if (dir == NULL || dl == 0 || dir[0] != '/')
            return 0; // relative: Julia's compile unit, `array.jl`, `none`
        fl = (size_t)dl + 1 + nl;
        char *p = small;
        if (fl >= sizeof(small) && (p = heap = (char *)malloc(fl + 1)) == NULL)
            return -1;
        memcpy(p, dir, dl);
        p[dl] = '/';
        memcpy(p + dl + 1, name, nl);
        p[fl] = '\0';
        full = p;
    }
    jl_dimap_entry_t *e = lookup(m, full, fl);
    free(heap);
    if (e == NULL)
        return -1;
    if (e->kind != JL_DIMAP_RELATIVE && e->md5[0] == '\0')
        jl_dimap_difile_get_md5(f, e->md5);
    return 0;
}

int jl_dimap_scan_module(jl_dimap_t *m, LLVMModuleRef mod)
{
    walk_t w;
    memset(&w, 0, sizeof(w));
    if (ptrset_init(&w.seen))
        return JL_DEPOT_E_NOMEM;
    walk_module(&w, mod);
    int err = w.oom ? JL_DEPOT_E_NOMEM : JL_DEPOT_E_OK;
    for (size_t i = 0; i < w.nfiles && !err; i++)
        if (scan_file(m, w.files[i]) < 0)
            err = JL_DEPOT_E_NOMEM;
    walk_free(&w);
    return err;
}

// ---- the map -------------------------------------------------------------------

typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (b->oom || grow((void **)&b->p, &b->cap, b->n + n + 1, 1) || b->p == NULL) {
        b->oom = 1;
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(sbuf_t *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

// A field: `%`, TAB, LF, CR escaped as %25, %09, %0A, %0D.
static void sb_field(sbuf_t *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '%':
            esc = "%25";
            break;
        case '\t':
            esc = "%09";
            break;
        case '\n':
            esc = "%0A";
            break;
        case '\r':
            esc = "%0D";
            break;
        default:
            continue;
        }
        sb_put(b, s + start, i - start);
        sb_put(b, esc, 3);
        start = i + 1;
    }
    sb_put(b, s + start, n - start);
}

int jl_dimap_text(jl_dimap_t *m, char **out, size_t *len)
{
    sbuf_t b = {NULL, 0, 0, 0};
    char line[64];
    snprintf(line, sizeof(line), "%s\t%d\nimage\t%s\n", JL_DIMAP_MAGIC, JL_DIMAP_VERSION, m->id);
    sb_str(&b, line);
    for (size_t i = 0; i < m->nroots; i++) {
        const jl_dimap_root_t *r = &m->roots[i];
        const jl_dimap_entry_t *e = &m->e[r->entry];
        sb_str(&b, "root\t");
        sb_field(&b, e->vpath, e->vrootlen);
        sb_str(&b, "\t");
        sb_str(&b, jl_depot_token_name((jl_depot_role_t)r->role));
        sb_str(&b, "\t");
        const char *rest = e->vpath + e->vrootlen + 1;
        sb_field(&b, rest, strlen(rest));
        sb_str(&b, "\t");
        sb_field(&b, r->dir, strlen(r->dir));
        sb_str(&b, "\n");
    }
    for (size_t i = 0; i < m->n; i++) {
        const jl_dimap_entry_t *e = &m->e[i];
        if (e->kind != JL_DIMAP_MAPPED)
            continue;
        sb_str(&b, "file\t");
        sb_field(&b, e->vpath, strlen(e->vpath));
        sb_str(&b, "\t");
        sb_str(&b, e->md5[0] ? e->md5 : "-");
        sb_str(&b, "\n");
    }
    if (b.oom) {
        free(b.p);
        *out = NULL;
        return JL_DEPOT_E_NOMEM;
    }
    *out = b.p;
    if (len)
        *len = b.n;
    return JL_DEPOT_E_OK;
}

int jl_dimap_embed_text(LLVMModuleRef mod, const char *text, size_t len)
{
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMValueRef old = LLVMGetNamedGlobal(mod, "llvm.used");
    unsigned n = 0;
    LLVMValueRef init = old ? LLVMGetInitializer(old) : NULL;
    if (init != NULL)
        n = (unsigned)LLVMGetNumOperands(init);
    LLVMValueRef *elts = (LLVMValueRef *)malloc((n + 1) * sizeof(LLVMValueRef));
    if (elts == NULL)
        return JL_DEPOT_E_NOMEM;
    // NUL-terminated, under a symbol the loader finds with dlsym
    LLVMTypeRef ty = LLVMArrayType2(LLVMInt8TypeInContext(ctx), len + 1);
    LLVMValueRef g = LLVMAddGlobal(mod, ty, JL_DIMAP_SYMBOL);
    LLVMSetInitializer(g, LLVMConstStringInContext2(ctx, text, len, 0));
    LLVMSetGlobalConstant(g, 1);
    const char *triple = LLVMGetTarget(mod);
    if (strstr(triple, "windows") != NULL)
        LLVMSetDLLStorageClass(g, LLVMDLLExportStorageClass);
    else if (strstr(triple, "apple") == NULL) // an ELF section for debuggers
        LLVMSetSection(g, JL_DIMAP_SECTION);
    LLVMSetAlignment(g, 1);
    // keep it: append to llvm.used
    for (unsigned i = 0; i < n; i++)
        elts[i] = LLVMGetOperand(init, i);
    elts[n] = g;
    if (old != NULL)
        LLVMDeleteGlobal(old);
    LLVMValueRef arr = LLVMConstArray2(ptr, elts, n + 1);
    free(elts);
    LLVMValueRef used = LLVMAddGlobal(mod, LLVMTypeOf(arr), "llvm.used");
    LLVMSetInitializer(used, arr);
    LLVMSetLinkage(used, LLVMAppendingLinkage);
    LLVMSetSection(used, "llvm.metadata");
    return JL_DEPOT_E_OK;
}
