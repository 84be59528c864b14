// This file is a part of the jldepot project. License is MIT.

/*
  mkdiso.c: the debug-info test bed.  It plays Julia's codegen for one
  package of a depot, without Julia, and links a real pkgimage-like shared
  object whose DWARF names the package's real files and real lines.

    mkdiso [--dwarf 4|5] [--no-map] [--obj OUT.o] [--image-id HEX16]
           [--inline NAME2] --depot-path LIST DEPOT NAME

  For every function definition line of DEPOT/packages/NAME/<slug>/src (recursively, *.jl)
  (`function name(` or `name(...) =` at the start of a line) it emits one
  non-inlined function `julia_<name>_<n>` with a DISubprogram at that file
  and line and its instructions at that line; the exported entry
  `jl_test_entry_<NAME>(int)` calls them all and returns the sum.  With
  --inline NAME2 (a package found in a depot of LIST), the first function
  carries a call inlined from NAME2's first function line (a DILocation with
  inlinedAt), which calls the non-inlined leaf `jl_test_leaf_<NAME2>`.

  DIFiles are made as Julia's codegen makes them: DIBuilder::createFile
  with the absolute path and directory ".", one per distinct path (memoized
  here); the compile unit's file is ("julia", ".").  With --dwarf 5 every
  DIFile also carries the MD5 of the file's bytes, read once when its
  DIFile is made (the compile unit's: the MD5 of no bytes, since a DWARF 5
  line table has an MD5 for every file or for none), through
  dimap-testbed.cpp; Julia writes none, but a debugger then tells a source
  edited after the build.  Then the depot map (src/llvm-depotmap.h) scans
  the module and its text is embedded, as Julia does for a pkgimage;
  --no-map embeds no map (Julia without the series).  Julia's conventions:
  one compile unit, producer "julia", DW_LANG_Julia.  The object (x86-64,
  PIC, O0, noinline + optnone) is linked with `cc -shared` in a temporary
  directory into DEPOT/compiled/v1.11/NAME/<slug>.so.  The image id is a
  hash of NAME, its UUID and its sources (never a path) unless --image-id
  is given.

  Prints the manifest on stdout:
    so      <path of the .so>
    func    <symbol> <token path> <line>
    inline  <caller symbol> <token path in NAME2's depot> <line>
*/

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "depotpath.h"
#include "dimap-testbed.h"
#include "jldepot_stack.h"
#include "llvm-depotmap.h"

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mkdiso: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

// Everything this short-lived program allocates and keeps stays reachable
// from here (so the leak checker of the sanitizer build stays quiet).
static void **kept;
static size_t nkept, capkept;

static void *keep(void *p)
{
    if (p == NULL)
        die("out of memory");
    if (nkept == capkept) {
        capkept = capkept ? capkept * 2 : 64;
        kept = realloc(kept, capkept * sizeof(void *));
        if (kept == NULL)
            die("out of memory");
    }
    kept[nkept++] = p;
    return p;
}

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        die("out of memory");
    va_end(ap);
    return keep(s);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    if (buf == NULL)
        die("out of memory");
    buf[n] = '\0';
    *len = n;
    return buf;
}

// ---- the package's sources -------------------------------------------------

typedef struct {
    char **v;
    size_t n, cap;
} strlist_t;

static void sl_add(strlist_t *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(char *));
        if (l->v == NULL)
            die("out of memory");
    }
    l->v[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Every *.jl under dir, recursively, sorted.
static void find_jl(const char *dir, strlist_t *out)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *p = xfmt("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(p, &st) != 0)
            continue;
        size_t nl = strlen(de->d_name);
        if (S_ISDIR(st.st_mode))
            find_jl(p, out);
        else if (nl > 3 && strcmp(de->d_name + nl - 3, ".jl") == 0)
            sl_add(out, p);
    }
    closedir(d);
    qsort(out->v, out->n, sizeof(char *), cmp_str);
}

// The one slug directory under DEPOT/packages/NAME; NULL when none.
static char *find_pkgdir(const char *depot, const char *name)
{
    char *base = xfmt("%s/packages/%s", depot, name);
    DIR *d = opendir(base);
    if (d == NULL)
        return NULL;
    strlist_t slugs = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *p = xfmt("%s/%s", base, de->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            sl_add(&slugs, p);
    }
    closedir(d);
    if (slugs.n != 1) {
        free(slugs.v);
        return NULL;
    }
    char *r = slugs.v[0];
    free(slugs.v);
    return r;
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '!';
}

// The name of a function defined on this line (`function name(` or
// `name(...) =`), malloc'ed; NULL when the line defines none.
static char *def_name(const char *line, size_t len)
{
    const char *p = line, *end = line + len;
    int longform = 0;
    if (len > 9 && memcmp(p, "function ", 9) == 0) {
        p += 9;
        longform = 1;
    }
    if (p >= end || !is_ident_start(*p))
        return NULL;
    const char *name = p;
    while (p < end && is_ident(*p))
        p++;
    size_t nl = (size_t)(p - name);
    if (p >= end || *p != '(')
        return NULL;
    if (!longform) {
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '(')
                depth++;
            else if (*p == ')' && --depth == 0)
                break;
        }
        if (p >= end)
            return NULL;
        p++;
        while (p < end && *p == ' ')
            p++;
        if (p + 1 >= end || p[0] != '=' || p[1] == '=')
            return NULL;
    }
    char *r = keep(malloc(nl + 1));
    memcpy(r, name, nl);
    r[nl] = '\0';
    for (char *q = r; *q; q++)
        if (*q == '!')
            *q = '_';
    return r;
}

typedef struct {
    size_t file; // index into the file list
    unsigned line;
    char *name;
} jdef_t;

typedef struct {
    jdef_t *v;
    size_t n, cap;
} deflist_t;

static void scan_defs(strlist_t *files, deflist_t *defs, uint64_t *h1, uint64_t *h2, size_t prefix)
{
    for (size_t i = 0; i < files->n; i++) {
        size_t len;
        char *text = read_all(files->v[i], &len);
        if (text == NULL)
            die("%s: %s", files->v[i], strerror(errno));
        // the build id: the package's relative file names and bytes
        const char *rel = files->v[i] + prefix;
        for (const char *q = rel; *q; q++) {
            *h1 = (*h1 ^ (uint8_t)*q) * 0x100000001b3ULL;
            *h2 = (*h2 ^ (uint8_t)*q) * 0x100000001b3ULL + 1;
        }
        for (size_t j = 0; j < len; j++) {
            *h1 = (*h1 ^ (uint8_t)text[j]) * 0x100000001b3ULL;
            *h2 = (*h2 ^ (uint8_t)text[j]) * 0x100000001b3ULL + 1;
        }
        unsigned lineno = 1;
        size_t start = 0;
        for (size_t j = 0; j <= len; j++) {
            if (j == len || text[j] == '\n') {
                char *name = def_name(text + start, j - start);
                if (name != NULL) {
                    if (defs->n == defs->cap) {
                        defs->cap = defs->cap ? defs->cap * 2 : 16;
                        defs->v = realloc(defs->v, defs->cap * sizeof(jdef_t));
                        if (defs->v == NULL)
                            die("out of memory");
                    }
                    defs->v[defs->n].file = i;
                    defs->v[defs->n].line = lineno;
                    defs->v[defs->n].name = name;
                    defs->n++;
                }
                lineno++;
                start = j + 1;
            }
        }
        free(text);
    }
}

static int parse_uuid(const char *projfile, uint8_t uuid[16])
{
    size_t len;
    char *t = read_all(projfile, &len);
    if (t == NULL)
        return -1;
    char *p = strstr(t, "uuid = \"");
    int ok = 0;
    if (p != NULL) {
        p += 8;
        int k = 0;
        for (; *p && *p != '"' && k < 32; p++) {
            if (*p == '-')
                continue;
            int v = (*p >= '0' && *p <= '9')   ? *p - '0'
                    : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                    : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
                                               : -1;
            if (v < 0)
                break;
            if (k % 2 == 0)
                uuid[k / 2] = (uint8_t)(v << 4);
            else
                uuid[k / 2] |= (uint8_t)v;
            k++;
        }
        ok = k == 32;
    }
    free(t);
    return ok ? 0 : -1;
}

// ---- LLVM ------------------------------------------------------------------

// the package's files and definitions, and those of the inlined package
static strlist_t files, files2;
static deflist_t defs, defs2;

// One memoized DIFile.
typedef struct {
    const char *path; // NULL: an empty slot
    LLVMMetadataRef f;
} fmemo_t;

typedef struct {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMDIBuilderRef dib;
    jl_dimap_t *map; // NULL: --no-map
    int dwarf;
    fmemo_t *memo; // open addressing, mask + 1 slots
    size_t mask, nmemo;
} cg_t;

static size_t path_slot(const char *path, size_t mask)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = path; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
    return (size_t)(h ^ (h >> 32)) & mask;
}

static void memo_grow(cg_t *cg)
{
    size_t nmask = cg->mask ? cg->mask * 2 + 1 : 63;
    fmemo_t *nm = calloc(nmask + 1, sizeof(fmemo_t));
    if (nm == NULL)
        die("out of memory");
    for (size_t i = 0; cg->memo != NULL && i <= cg->mask; i++) {
        if (cg->memo[i].path == NULL)
            continue;
        size_t j = path_slot(cg->memo[i].path, nmask);
        while (nm[j].path != NULL)
            j = (j + 1) & nmask;
        nm[j] = cg->memo[i];
    }
    free(cg->memo);
    cg->memo = nm;
    cg->mask = nmask;
}

// The DIFile of an absolute path, as Julia's codegen makes it (the path,
// directory "."), made once per distinct path; with DWARF 5 it carries the
// MD5 of the file's bytes.
static LLVMMetadataRef cg_file(cg_t *cg, const char *path)
{
    if ((cg->nmemo + 1) * 2 > cg->mask + 1)
        memo_grow(cg);
    size_t j = path_slot(path, cg->mask);
    while (cg->memo[j].path != NULL) {
        if (strcmp(cg->memo[j].path, path) == 0)
            return cg->memo[j].f;
        j = (j + 1) & cg->mask;
    }
    LLVMMetadataRef f;
    if (cg->dwarf >= 5) {
        char md5[33];
        if (tb_md5_file(path, md5) != 0)
            die("%s: %s", path, strerror(errno));
        f = tb_difile_md5(cg->dib, path, strlen(path), ".", 1, md5);
    }
    else {
        f = LLVMDIBuilderCreateFile(cg->dib, path, strlen(path), ".", 1);
    }
    if (f == NULL)
        die("out of memory");
    cg->memo[j].path = path; // the file lists outlive the codegen
    cg->memo[j].f = f;
    cg->nmemo++;
    return f;
}

static void add_attrs(cg_t *cg, LLVMValueRef fn, int noinline)
{
    const char *names[] = {"noinline", "optnone"};
    for (int i = 0; i < (noinline ? 2 : 0); i++) {
        unsigned kind = LLVMGetEnumAttributeKindForName(names[i], strlen(names[i]));
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(cg->ctx, kind, 0));
    }
    unsigned uw = LLVMGetEnumAttributeKindForName("uwtable", 7);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(cg->ctx, uw, 2));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(cg->ctx, "frame-pointer", 13, "all", 3));
}

static LLVMMetadataRef cg_subprogram(cg_t *cg, LLVMMetadataRef file, const char *name,
                                     const char *linkage, unsigned line)
{
    LLVMMetadataRef ty = LLVMDIBuilderCreateSubroutineType(cg->dib, file, NULL, 0, LLVMDIFlagZero);
    return LLVMDIBuilderCreateFunction(cg->dib, file, name, strlen(name), linkage, strlen(linkage),
                                       file, line, ty, 0, 1, line, LLVMDIFlagZero, 0);
}

// Spawn argv with cwd `dir`; returns the exit status.
static int run_in(const char *dir, char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            die("waitpid: %s", strerror(errno));
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = read_all(from, &len);
    if (data == NULL)
        return -1;
    FILE *f = fopen(to, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    free(data);
    return ok ? 0 : -1;
}

static void mkdirs(const char *path)
{
    char *p = strdup(path);
    for (char *q = p + 1; *q; q++) {
        if (*q == '/') {
            *q = '\0';
            mkdir(p, 0777);
            *q = '/';
        }
    }
    mkdir(p, 0777);
    free(p);
}

static int contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    return m > 0 && memmem(hay, n, needle, m) != NULL;
}

static char *tokenized(jl_depot_stack_t *s, long target, const char *path)
{
    char *out = NULL;
    int err = jl_depot_tokenize_n(s, target, path, strlen(path), &out);
    if (err != JL_DEPOT_E_OK && err != JL_DEPOT_E_NOT_RELOCATABLE)
        die("%s: %s", path, jl_depot_strerror(err));
    return out;
}

int main(int argc, char **argv)
{
    int dwarf = 4, nomap = 0;
    const char *objout = NULL, *image_id = NULL, *inline_pkg = NULL, *depot_path = NULL;
    static const struct option opts[] = {
        {"dwarf", required_argument, NULL, 'd'},  {"no-map", no_argument, NULL, 'n'},
        {"obj", required_argument, NULL, 'o'},    {"image-id", required_argument, NULL, 'i'},
        {"inline", required_argument, NULL, 'I'}, {"depot-path", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dwarf = atoi(optarg);
            break;
        case 'n':
            nomap = 1;
            break;
        case 'o':
            objout = optarg;
            break;
        case 'i':
            image_id = optarg;
            break;
        case 'I':
            inline_pkg = optarg;
            break;
        case 'p':
            depot_path = optarg;
            break;
        default:
            fprintf(stderr, "usage: mkdiso [--dwarf 4|5] [--no-map] [--obj OUT.o] "
                            "[--image-id HEX16] [--inline NAME2] --depot-path LIST DEPOT NAME\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (argc - optind != 2 || depot_path == NULL || (dwarf != 4 && dwarf != 5))
        die("usage: mkdiso [--dwarf 4|5] [--no-map] [--obj OUT.o] [--image-id HEX16] "
            "[--inline NAME2] --depot-path LIST DEPOT NAME");
    const char *depot_arg = argv[optind], *name = argv[optind + 1];
    char *depot = NULL;
    int err = jl_depot_normalize_n(depot_arg, strlen(depot_arg), &depot);
    if (err)
        die("%s: %s", depot_arg, jl_depot_strerror(err));

    // the build's DEPOT_PATH and the depot that will hold the image
    jldepot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.depot_path = depot_path;
    cfg.home = getenv("HOME");
    cfg.list_sep = ':';
    cfg.casefold = -1;
    jl_depot_stack_t *stack;
    if ((err = jldepot_stack_new(&cfg, &stack)) != JL_DEPOT_E_OK)
        die("--depot-path: %s", jl_depot_strerror(err));
    long target = -1;
    for (size_t i = 0; i < jl_depot_stack_size(stack); i++)
        if (strcmp(jl_depot_root(stack, i, JL_DEPOT_ROLE_DEPOT), depot) == 0) {
            target = (long)i;
            break;
        }
    if (target < 0)
        die("%s is not on --depot-path", depot);

    // the package
    char *pkgdir = find_pkgdir(depot, name);
    if (pkgdir == NULL)
        die("%s/packages/%s has no single slug directory", depot, name);
    const char *slug = strrchr(pkgdir, '/') + 1;
    char *srcdir = xfmt("%s/src", pkgdir);
    find_jl(srcdir, &files);
    uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
    scan_defs(&files, &defs, &h1, &h2, strlen(pkgdir));
    if (defs.n == 0)
        die("%s: no function definitions", srcdir);
    uint8_t uuid[16];
    char *proj = xfmt("%s/Project.toml", pkgdir);
    if (parse_uuid(proj, uuid) != 0)
        die("%s: no uuid", proj);
    char idbuf[17];
    if (image_id == NULL) {
        jl_dimap_image_id(name, uuid, h1, h2, idbuf);
        image_id = idbuf;
    }

    // the inlined package, in the first depot of the stack that has it
    if (inline_pkg != NULL) {
        char *pd2 = NULL;
        for (size_t i = 0; i < jl_depot_stack_size(stack) && pd2 == NULL; i++)
            pd2 = find_pkgdir(jl_depot_root(stack, i, JL_DEPOT_ROLE_DEPOT), inline_pkg);
        if (pd2 == NULL)
            die("package %s is in no depot of --depot-path", inline_pkg);
        char *src2 = xfmt("%s/src", pd2);
        find_jl(src2, &files2);
        uint64_t u1 = 0, u2 = 0;
        scan_defs(&files2, &defs2, &u1, &u2, strlen(pd2));
        if (defs2.n == 0)
            die("%s: no function definitions", src2);
    }

    // codegen
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    cg_t cg;
    memset(&cg, 0, sizeof(cg));
    cg.dwarf = dwarf;
    cg.ctx = LLVMContextCreate();
    char *mainfile = xfmt("%s/%s.jl", srcdir, name);
    cg.mod = LLVMModuleCreateWithNameInContext(mainfile, cg.ctx);
    LLVMSetSourceFileName(cg.mod, mainfile, strlen(mainfile));
    if (!nomap && (err = jl_dimap_new(stack, target, image_id, &cg.map)) != JL_DEPOT_E_OK)
        die("--image-id: %s", jl_depot_strerror(err));
    const char *triple = "x86_64-pc-linux-gnu";
    LLVMTargetRef tgt;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(triple, &tgt, &msg))
        die("%s", msg);
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(
        tgt, triple, "x86-64", "", LLVMCodeGenLevelNone, LLVMRelocPIC, LLVMCodeModelDefault);
    LLVMSetTarget(cg.mod, triple);
    LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(cg.mod, dl);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(cg.ctx);
    LLVMAddModuleFlag(cg.mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
                      LLVMValueAsMetadata(LLVMConstInt(i32, (unsigned)dwarf, 0)));
    LLVMAddModuleFlag(cg.mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i32, LLVMDebugMetadataVersion(), 0)));
    cg.dib = LLVMCreateDIBuilder(cg.mod);
    LLVMMetadataRef cufile = dwarf >= 5 ? tb_difile_md5(cg.dib, "julia", 5, ".", 1, TB_EMPTY_MD5)
                                        : LLVMDIBuilderCreateFile(cg.dib, "julia", 5, ".", 1);
    LLVMDIBuilderCreateCompileUnit(cg.dib, LLVMDWARFSourceLanguageJulia, cufile, "julia", 5, 0, "",
                                   0, 0, "", 0, LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
    LLVMTypeRef fnty = LLVMFunctionType(i32, &i32, 1, 0);
    LLVMBuilderRef bld = LLVMCreateBuilderInContext(cg.ctx);

    // the leaf the inlined code calls
    LLVMValueRef leaf = NULL;
    if (inline_pkg != NULL) {
        char *lname = xfmt("jl_test_leaf_%s", inline_pkg);
        leaf = LLVMAddFunction(cg.mod, lname, fnty);
        add_attrs(&cg, leaf, 1);
        LLVMPositionBuilderAtEnd(bld, LLVMAppendBasicBlockInContext(cg.ctx, leaf, "top"));
        LLVMValueRef r = LLVMBuildMul(bld, LLVMGetParam(leaf, 0), LLVMConstInt(i32, 3, 0), "r");
        LLVMBuildRet(bld, r);
    }

    char **syms = keep(calloc(defs.n, sizeof(char *)));
    LLVMValueRef *fns = keep(calloc(defs.n, sizeof(LLVMValueRef)));
    char *inline_tok = NULL;
    unsigned inline_line = 0;
    for (size_t i = 0; i < defs.n; i++) {
        jdef_t *d = &defs.v[i];
        syms[i] = xfmt("julia_%s_%zu", d->name, i + 1);
        LLVMValueRef fn = LLVMAddFunction(cg.mod, syms[i], fnty);
        fns[i] = fn;
        add_attrs(&cg, fn, 1);
        LLVMMetadataRef file = cg_file(&cg, files.v[d->file]);
        LLVMMetadataRef sp = cg_subprogram(&cg, file, d->name, syms[i], d->line);
        LLVMSetSubprogram(fn, sp);
        LLVMMetadataRef loc = LLVMDIBuilderCreateDebugLocation(cg.ctx, d->line, 5, sp, NULL);
        LLVMPositionBuilderAtEnd(bld, LLVMAppendBasicBlockInContext(cg.ctx, fn, "top"));
        LLVMSetCurrentDebugLocation2(bld, loc);
        LLVMValueRef x = LLVMGetParam(fn, 0);
        LLVMValueRef slot = LLVMBuildAlloca(bld, i32, "x");
        LLVMBuildStore(bld, x, slot);
        LLVMValueRef v = LLVMBuildLoad2(bld, i32, slot, "v");
        v = LLVMBuildAdd(bld, v, LLVMConstInt(i32, (unsigned long long)(i + 1), 0), "r");
        if (i == 0 && leaf != NULL) {
            jdef_t *d2 = &defs2.v[0];
            LLVMMetadataRef file2 = cg_file(&cg, files2.v[d2->file]);
            char *lname2 = xfmt("julia_%s_inlined", d2->name);
            LLVMMetadataRef sp2 = cg_subprogram(&cg, file2, d2->name, lname2, d2->line);
            LLVMMetadataRef iloc = LLVMDIBuilderCreateDebugLocation(cg.ctx, d2->line, 5, sp2, loc);
            LLVMSetCurrentDebugLocation2(bld, iloc);
            LLVMValueRef w = LLVMBuildCall2(bld, fnty, leaf, &v, 1, "w");
            LLVMSetCurrentDebugLocation2(bld, loc);
            v = LLVMBuildAdd(bld, v, w, "s");
            inline_tok = tokenized(stack, target, files2.v[d2->file]);
            inline_line = d2->line;
        }
        LLVMBuildRet(bld, v);
    }

    // the exported entry
    char *ename = xfmt("jl_test_entry_%s", name);
    LLVMValueRef entry = LLVMAddFunction(cg.mod, ename, fnty);
    add_attrs(&cg, entry, 1);
    LLVMSetCurrentDebugLocation2(bld, NULL);
    LLVMPositionBuilderAtEnd(bld, LLVMAppendBasicBlockInContext(cg.ctx, entry, "top"));
    LLVMValueRef sum = LLVMConstInt(i32, 0, 0);
    LLVMValueRef arg = LLVMGetParam(entry, 0);
    for (size_t i = 0; i < defs.n; i++) {
        LLVMValueRef r = LLVMBuildCall2(bld, fnty, fns[i], &arg, 1, "");
        sum = LLVMBuildAdd(bld, sum, r, "");
    }
    LLVMBuildRet(bld, sum);
    LLVMDisposeBuilder(bld);
    LLVMDIBuilderFinalize(cg.dib);

    if (cg.map != NULL) {
        // what Julia does at the end of a pkgimage: scan, then embed the text
        char *maptext = NULL;
        size_t maplen = 0;
        if ((err = jl_dimap_scan_module(cg.map, cg.mod)) != JL_DEPOT_E_OK ||
            (err = jl_dimap_text(cg.map, &maptext, &maplen)) != JL_DEPOT_E_OK ||
            (err = jl_dimap_embed_text(cg.mod, maptext, maplen)) != JL_DEPOT_E_OK)
            die("depot map: %s", jl_depot_strerror(err));
        free(maptext);
    }
    if (LLVMVerifyModule(cg.mod, LLVMReturnStatusAction, &msg))
        die("invalid module: %s", msg);
    LLVMDisposeMessage(msg);

    // emit and link in a temporary directory, with relative names
    const char *tmpdir = getenv("TMPDIR");
    char *tmp = xfmt("%s/mkdiso-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    if (mkdtemp(tmp) == NULL)
        die("mkdtemp: %s", strerror(errno));
    char *objpath = xfmt("%s/%s.o", tmp, name);
    if (LLVMTargetMachineEmitToFile(tm, cg.mod, objpath, LLVMObjectFile, &msg))
        die("emit: %s", msg);
    char *objname = xfmt("%s.o", name);
    char *soname = xfmt("%s.so", name);
    const char *cc = getenv("CC_FOR_MKDISO");
    char *argv_cc[] = {(char *)(cc && cc[0] ? cc : "cc"), "-shared", "-o", soname, objname, NULL};
    if (run_in(tmp, argv_cc) != 0)
        die("cc -shared failed");
    char *outdir = xfmt("%s/compiled/v1.11/%s", depot, name);
    mkdirs(outdir);
    char *sopath = xfmt("%s/%s.so", outdir, slug);
    char *tmpso = xfmt("%s/%s", tmp, soname);
    size_t solen;
    char *sobytes = read_all(tmpso, &solen);
    if (sobytes == NULL)
        die("%s: %s", tmpso, strerror(errno));
    if (contains(sobytes, solen, tmp))
        die("the linker wrote the temporary directory into the shared object");
    if (!contains(sobytes, solen, depot))
        die("the shared object does not name the depot's files by their paths");
    free(sobytes);
    if (copy_file(tmpso, sopath) != 0)
        die("%s: %s", sopath, strerror(errno));
    if (objout != NULL && copy_file(objpath, objout) != 0)
        die("%s: %s", objout, strerror(errno));
    unlink(objpath);
    unlink(tmpso);
    rmdir(tmp);

    // the manifest
    printf("so\t%s\n", sopath);
    for (size_t i = 0; i < defs.n; i++) {
        char *tok = tokenized(stack, target, files.v[defs.v[i].file]);
        printf("func\t%s\t%s\t%u\n", syms[i], tok, defs.v[i].line);
        free(tok);
    }
    if (inline_tok != NULL)
        printf("inline\t%s\t%s\t%u\n", syms[0], inline_tok, inline_line);

    jl_dimap_free(cg.map);
    free(cg.memo);
    LLVMDisposeDIBuilder(cg.dib);
    LLVMDisposeModule(cg.mod);
    LLVMDisposeTargetData(dl);
    LLVMDisposeTargetMachine(tm);
    LLVMContextDispose(cg.ctx);
    jl_depot_stack_free(stack);
    free(inline_tok);
    free(depot);
    for (size_t i = 0; i < nkept; i++)
        free(kept[i]);
    free(kept);
    free(files.v);
    free(files2.v);
    free(defs.v);
    free(defs2.v);
    return 0;
}
