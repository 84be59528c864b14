// This file is a part of the jldepot project. License is MIT.

/*
  test-llvm-depotmap.c: the debug-info depot map as Julia's codegen uses it.
  The test makes the DIFiles itself, as codegen does
  (DIBuilder::createFile(<absolute path>, "."), compile unit ("julia",
  ".")), with a DWARF 5 MD5 through the test bed's helper
  (test/tools/dimap-testbed.h) where a test needs one; then the map scans
  the module and its text is checked: the roots (role, depot index k,
  anchor, the build's directory), one file line per distinct path with its
  virtual path and the MD5 its DIFiles carry ("-" when none), no line for
  paths outside every depot or relative names; the scan of merged nodes,
  lexical blocks, inlinedAt chains and globals, which changes nothing and
  reads no source file; the map embedded in and read back from an emitted
  object; the image id.
*/

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/Object.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "test-cachefile-util.h"
#include "llvm-depotmap.h"
#include "tools/dimap-testbed.h"

static const char *ID = "00112233aabbccdd";

// An independent MD5 (OpenSSL's) to check the test bed's and the map's.
static void md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    assert_int_equal(EVP_Digest(data, len, d, &dl, EVP_md5(), NULL), 1);
    assert_int_equal(dl, 16);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

// How many times `needle` occurs in `hay`.
static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

// ---- a module as Julia's codegen makes it ------------------------------------------

typedef struct {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMDIBuilderRef b;
    LLVMMetadataRef cufile;
    unsigned nfn;
} dimod_t;

// A module with Julia's compile unit; `dwarf` 4 or 5 (its file then with
// the MD5 of no bytes, as every file of a DWARF 5 line table has one).
static void dimod_init(dimod_t *t, int dwarf)
{
    memset(t, 0, sizeof(*t));
    t->ctx = LLVMContextCreate();
    t->mod = LLVMModuleCreateWithNameInContext("julia", t->ctx);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(t->ctx);
    LLVMAddModuleFlag(t->mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
                      LLVMValueAsMetadata(LLVMConstInt(i32, (unsigned)dwarf, 0)));
    LLVMAddModuleFlag(t->mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i32, LLVMDebugMetadataVersion(), 0)));
    t->b = LLVMCreateDIBuilder(t->mod);
    t->cufile = dwarf >= 5 ? tb_difile_md5(t->b, "julia", 5, ".", 1, TB_EMPTY_MD5)
                           : LLVMDIBuilderCreateFile(t->b, "julia", 5, ".", 1);
    assert_non_null(t->cufile);
    LLVMDIBuilderCreateCompileUnit(t->b, LLVMDWARFSourceLanguageJulia, t->cufile, "julia", 5, 0, "",
                                   0, 0, "", 0, LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
}

// The DIFile codegen makes for an absolute path.
static LLVMMetadataRef difile(dimod_t *t, const char *path)
{
    return LLVMDIBuilderCreateFile(t->b, path, strlen(path), ".", 1);
}

// A DIFile (name, dir) of any spelling.
static LLVMMetadataRef difile_in(dimod_t *t, const char *name, const char *dir)
{
    return LLVMDIBuilderCreateFile(t->b, name, strlen(name), dir, strlen(dir));
}

// The same with an MD5 checksum (test bed's helper).
static LLVMMetadataRef difile_md5(dimod_t *t, const char *name, const char *dir, const char *md5)
{
    LLVMMetadataRef f = tb_difile_md5(t->b, name, strlen(name), dir, strlen(dir), md5);
    assert_non_null(f);
    return f;
}

// A function `julia_f_<n>` whose DISubprogram lies in `file`, with one
// instruction located there: what the scan follows to the file.
static void use_file(dimod_t *t, LLVMMetadataRef file)
{
    char name[32];
    snprintf(name, sizeof(name), "julia_f_%u", ++t->nfn);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(t->ctx);
    LLVMTypeRef fnty = LLVMFunctionType(i32, &i32, 1, 0);
    LLVMValueRef fn = LLVMAddFunction(t->mod, name, fnty);
    LLVMMetadataRef ty = LLVMDIBuilderCreateSubroutineType(t->b, file, NULL, 0, LLVMDIFlagZero);
    LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(t->b, file, name, strlen(name), name,
                                                     strlen(name), file, 3, ty, 0, 1, 3, 0, 0);
    LLVMSetSubprogram(fn, sp);
    LLVMBuilderRef bld = LLVMCreateBuilderInContext(t->ctx);
    LLVMPositionBuilderAtEnd(bld, LLVMAppendBasicBlockInContext(t->ctx, fn, "top"));
    LLVMSetCurrentDebugLocation2(bld, LLVMDIBuilderCreateDebugLocation(t->ctx, 4, 1, sp, NULL));
    LLVMBuildRet(bld, LLVMBuildAdd(bld, LLVMGetParam(fn, 0), LLVMConstInt(i32, t->nfn, 0), "r"));
    LLVMDisposeBuilder(bld);
}

static void dimod_finish(dimod_t *t)
{
    LLVMDIBuilderFinalize(t->b);
    char *msg = NULL;
    assert_false(LLVMVerifyModule(t->mod, LLVMReturnStatusAction, &msg));
    LLVMDisposeMessage(msg);
}

static void dimod_free(dimod_t *t)
{
    LLVMDisposeDIBuilder(t->b);
    LLVMDisposeModule(t->mod);
    LLVMContextDispose(t->ctx);
}

// The text of a map of the stack `s` (target depot `target`) after a scan
// of `mod`; the scan must leave the module as it was.
static char *scan_text(jl_depot_stack_t *s, long target, LLVMModuleRef mod)
{
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, target, ID, &m), JL_DEPOT_E_OK);
    char *before = LLVMPrintModuleToString(mod);
    assert_int_equal(jl_dimap_scan_module(m, mod), JL_DEPOT_E_OK);
    char *after = LLVMPrintModuleToString(mod);
    assert_string_equal(after, before);
    LLVMDisposeMessage(before);
    LLVMDisposeMessage(after);
    char *text;
    size_t len;
    assert_int_equal(jl_dimap_text(m, &text, &len), JL_DEPOT_E_OK);
    assert_int_equal(len, strlen(text));
    jl_dimap_free(m);
    return text;
}

// ---- roots, virtual paths, what gets no line ---------------------------------------

static void test_file_roles_and_k(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/dp/one:/dp/two");
    dimod_t t;
    dimod_init(&t, 4);
    // codegen's (absolute path, "."), met by the scan in this order
    const char *paths[] = {
        "/dp/one/packages/A/x1/src/A.jl",
        "/dp/two/packages/B/y2/src/B.jl",
        "/dp/one/artifacts/0a1b/lib/x.h",
        "/dp/two/compiled/v1.11/B/y.jl",
        "/dp/one/scratchspaces/u/gen.jl",
        // normalized component-wise in the map
        "/dp/one/./packages//A/x1/src/../src/C.jl",
        // not under /dp/one, nor under any depot: no line
        "/dp/one-rc2/packages/A/x.jl",
        "/usr/share/julia/stdlib/v1.11/Test/src/Test.jl",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        use_file(&t, difile(&t, paths[i]));
    // a relative name in an absolute directory is that directory's file
    use_file(&t, difile_in(&t, "D.jl", "/dp/two/packages/B/y2/src"));
    // relative names stay as they are: no line
    use_file(&t, difile_in(&t, "array.jl", "."));
    use_file(&t, difile_in(&t, "none", ""));
    use_file(&t, difile_in(&t, "sub/e.jl", "rel/dir"));
    dimod_finish(&t);
    char *text = scan_text(s, 0, t.mod);
    // each root, with its anchor (the first file met under it) and the
    // directory the build spells it with; one line per file, in the order met
    const char *want =
        "julia-depot-map\t2\n"
        "image\t00112233aabbccdd\n"
        "root\t/@depot-00112233aabbccdd-1\t@depot\tpackages/A/x1/src/A.jl\t/dp/one\n"
        "root\t/@depot-00112233aabbccdd-2\t@depot\tpackages/B/y2/src/B.jl\t/dp/two\n"
        "root\t/@artifacts-00112233aabbccdd-1\t@artifacts\t0a1b/lib/x.h\t/dp/one/artifacts\n"
        "root\t/@compiled-00112233aabbccdd-2\t@compiled\tv1.11/B/y.jl\t/dp/two/compiled\n"
        "root\t/@cache-00112233aabbccdd-1\t@cache\tu/gen.jl\t/dp/one/scratchspaces\n"
        "file\t/@depot-00112233aabbccdd-1/packages/A/x1/src/A.jl\t-\n"
        "file\t/@depot-00112233aabbccdd-2/packages/B/y2/src/B.jl\t-\n"
        "file\t/@artifacts-00112233aabbccdd-1/0a1b/lib/x.h\t-\n"
        "file\t/@compiled-00112233aabbccdd-2/v1.11/B/y.jl\t-\n"
        "file\t/@cache-00112233aabbccdd-1/u/gen.jl\t-\n"
        "file\t/@depot-00112233aabbccdd-1/packages/A/x1/src/C.jl\t-\n"
        "file\t/@depot-00112233aabbccdd-2/packages/B/y2/src/D.jl\t-\n";
    assert_string_equal(text, want);
    assert_false(contains(text, "one-rc2"));
    assert_false(contains(text, "/usr/share"));
    assert_false(contains(text, "array.jl"));
    assert_false(contains(text, "e.jl"));
    free(text);
    dimod_free(&t);

    // the target depot is tried first: of the nested depots /dp and /dp/one,
    // the file lies in the one that holds the image
    jl_depot_stack_t *s2 = stack_of("/dp:/dp/one");
    dimod_init(&t, 4);
    use_file(&t, difile(&t, "/dp/one/packages/A/x1/src/A.jl"));
    dimod_finish(&t);
    text = scan_text(s2, 1, t.mod);
    assert_true(contains(text, "\nroot\t/@depot-00112233aabbccdd-2\t@depot\tpackages/A/x1/src/A.jl"
                               "\t/dp/one\n"));
    assert_true(contains(text, "\nfile\t/@depot-00112233aabbccdd-2/packages/A/x1/src/A.jl\t-\n"));
    assert_int_equal(count(text, "\nfile\t"), 1);
    free(text);
    // with the other target, the map agrees with the path model's tokenize
    char tok[256];
    size_t tl;
    long depot = -1;
    assert_int_equal(jl_depot_tokenize_buf(s2, 0, "/dp/one/packages/A/x1/src/A.jl", 30, tok,
                                           sizeof(tok), &tl, &depot),
                     JL_DEPOT_E_OK);
    assert_true(strncmp(tok, "@depot/", 7) == 0);
    char *line = jl_test_fmt("\nfile\t/@depot-00112233aabbccdd-%ld/%s\t-\n", depot + 1, tok + 7);
    text = scan_text(s2, 0, t.mod);
    assert_true(contains(text, line));
    assert_int_equal(count(text, "\nfile\t"), 1);
    free(text);
    free(line);
    dimod_free(&t);
    jl_depot_stack_free(s2);

    // a root first met through a path the tokenizer normalized gets the
    // depot's own directory
    dimod_init(&t, 4);
    use_file(&t, difile(&t, "/dp/one/packages/A/../A/x1/src/A.jl"));
    dimod_finish(&t);
    text = scan_text(s, 0, t.mod);
    assert_string_equal(
        text, "julia-depot-map\t2\n"
              "image\t00112233aabbccdd\n"
              "root\t/@depot-00112233aabbccdd-1\t@depot\tpackages/A/x1/src/A.jl\t/dp/one\n"
              "file\t/@depot-00112233aabbccdd-1/packages/A/x1/src/A.jl\t-\n");
    free(text);
    dimod_free(&t);
    jl_depot_stack_free(s);
}

// However many DIFile nodes name one path, and however many modules the map
// scans, the path has one line (the map memoizes per path).
static void test_one_line_per_path(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/dp/one");
    dimod_t t;
    dimod_init(&t, 4);
    const char *p = "/dp/one/packages/A/x1/src/A.jl";
    const char *upper = "0123456789ABCDEF0123456789ABCDEF";
    LLVMMetadataRef fa[] = {
        difile(&t, p),
        difile_in(&t, p, ""),
        difile_in(&t, p, "/elsewhere"), // an absolute name ignores the directory
        difile_in(&t, "A.jl", "/dp/one/packages/A/x1/src"),
        difile_in(&t, "src/A.jl", "/dp/one/packages/A/x1"),
        difile_md5(&t, p, ".", upper),
        difile_md5(&t, p, "", "0123456789abcdef0123456789abcdef"),
    };
    size_t nfa = sizeof(fa) / sizeof(fa[0]);
    // distinct nodes (LLVM uniques equal ones)
    for (size_t i = 0; i < nfa; i++)
        for (size_t j = 0; j < i; j++)
            assert_ptr_not_equal(fa[i], fa[j]);
    LLVMMetadataRef fb = difile(&t, "/dp/one/packages/A/x1/src/b.jl");
    for (size_t i = 0; i < 100; i++)
        use_file(&t, i % 3 == 2 ? fb : fa[i % nfa]);
    dimod_finish(&t);
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
    assert_int_equal(jl_dimap_scan_module(m, t.mod), JL_DEPOT_E_OK);
    char *text;
    size_t len;
    assert_int_equal(jl_dimap_text(m, &text, &len), JL_DEPOT_E_OK);
    // one root, each file once; the MD5 some of the path's DIFiles carry
    // (lower case), whichever node the scan met first
    const char *want = "julia-depot-map\t2\n"
                       "image\t00112233aabbccdd\n"
                       "root\t/@depot-00112233aabbccdd-1\t@depot\tpackages/A/x1/src/A.jl\t/dp/one\n"
                       "file\t/@depot-00112233aabbccdd-1/packages/A/x1/src/A.jl\t"
                       "0123456789abcdef0123456789abcdef\n"
                       "file\t/@depot-00112233aabbccdd-1/packages/A/x1/src/b.jl\t-\n";
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(text));
    // scanned again: the same text
    assert_int_equal(jl_dimap_scan_module(m, t.mod), JL_DEPOT_E_OK);
    char *text2;
    assert_int_equal(jl_dimap_text(m, &text2, NULL), JL_DEPOT_E_OK);
    assert_string_equal(text2, want);
    free(text2);
    // a module of another context naming the same files adds no line; its
    // one new file adds one
    dimod_t t2;
    dimod_init(&t2, 4);
    use_file(&t2, difile(&t2, "/dp/one/packages/A/x1/src/b.jl"));
    use_file(&t2, difile(&t2, p));
    use_file(&t2, difile(&t2, "/dp/one/packages/A/x1/src/c.jl"));
    use_file(&t2, difile(&t2, p));
    dimod_finish(&t2);
    assert_int_equal(jl_dimap_scan_module(m, t2.mod), JL_DEPOT_E_OK);
    assert_int_equal(jl_dimap_text(m, &text2, NULL), JL_DEPOT_E_OK);
    char *want2 =
        jl_test_fmt("%sfile\t/@depot-00112233aabbccdd-1/packages/A/x1/src/c.jl\t-\n", want);
    assert_string_equal(text2, want2);
    free(want2);
    free(text2);
    free(text);
    dimod_free(&t2);
    dimod_free(&t);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
}

static void test_image_id(void **state)
{
    (void)state;
    uint8_t u1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t u2[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17};
    char a[17], b[17], c[17], d[17], e[17], f[17];
    jl_dimap_image_id("Shapes", u1, 1, 2, a);
    jl_dimap_image_id("Shapes", u1, 1, 2, b);
    jl_dimap_image_id("Shapes", u2, 1, 2, c);
    jl_dimap_image_id("Shapes", u1, 1, 3, d);
    jl_dimap_image_id("Shapes", u1, 2, 2, e);
    jl_dimap_image_id("Stats", u1, 1, 2, f);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 16);
    for (int i = 0; i < 16; i++)
        assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
    const char *all[] = {a, c, d, e, f};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(all[i], all[j]);
    // an id is accepted only as 16 lower-case hex digits
    jl_depot_stack_t *s = stack_of("/dp/one");
    jl_dimap_t *m = NULL;
    const char *bad[] = {"0123", "00112233AABBCCDD", "00112233aabbccdd0", "00112233aabbccdg", NULL};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(jl_dimap_new(s, 0, bad[i], &m), JL_DEPOT_E_DIMAP_IMAGE_ID);
        assert_null(m);
    }
    assert_int_equal(jl_dimap_new(s, 1, a, &m), JL_DEPOT_E_INVALID_ARGUMENT);
    assert_null(m);
    assert_int_equal(jl_dimap_new(s, 0, a, &m), JL_DEPOT_E_OK);
    // the map of no file: its header, with the id it was made with
    char *text;
    size_t len;
    assert_int_equal(jl_dimap_text(m, &text, &len), JL_DEPOT_E_OK);
    char *want = jl_test_fmt("julia-depot-map\t2\nimage\t%s\n", a);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    free(want);
    free(text);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
}

// ---- the scan ---------------------------------------------------------------------------

// A module as codegen writes it: absolute paths everywhere, each file
// reachable only one way.
typedef struct {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMDIBuilderRef b;
} absmod_t;

static void build_absolute_module(absmod_t *t)
{
    LLVMContextRef ctx = t->ctx = LLVMContextCreate();
    LLVMModuleRef mod = t->mod =
        LLVMModuleCreateWithNameInContext("/dp/one/packages/A/x1/src/A.jl", ctx);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i32, LLVMDebugMetadataVersion(), 0)));
    LLVMDIBuilderRef b = t->b = LLVMCreateDIBuilder(mod);
    // the compile unit as Julia writes it, with a build sysroot
    LLVMMetadataRef cuf = LLVMDIBuilderCreateFile(b, "julia", 5, ".", 1);
    LLVMDIBuilderCreateCompileUnit(b, LLVMDWARFSourceLanguageJulia, cuf, "julia", 5, 0, "", 0, 0,
                                   "/dp/one/compiled/v1.11/A/x.dwo", 30, LLVMDWARFEmissionFull, 0,
                                   0, 0, "/dp/one/artifacts/sysroot", 25, "", 0);
    // merged nodes: the same file as (abs, ".") for the subprogram and as
    // (rel, abs dir) for its lexical block
    LLVMMetadataRef fa = LLVMDIBuilderCreateFile(b, "/dp/one/packages/A/x1/src/A.jl", 30, ".", 1);
    LLVMMetadataRef fa2 = LLVMDIBuilderCreateFile(b, "A.jl", 4, "/dp/one/packages/A/x1/src", 25);
    // reached only through a lexical block nested in the first
    LLVMMetadataRef fi = LLVMDIBuilderCreateFile(b, "inner.jl", 8, "/dp/one/packages/A/x1/src", 25);
    // reached only through the inlinedAt chain
    LLVMMetadataRef fb = LLVMDIBuilderCreateFile(b, "/dp/two/packages/B/y2/src/B.jl", 30, ".", 1);
    LLVMMetadataRef fc = LLVMDIBuilderCreateFile(b, "/dp/two/packages/C/z3/src/C.jl", 30, "", 0);
    // outside every depot
    LLVMMetadataRef fo = LLVMDIBuilderCreateFile(b, "/opt/other/o.jl", 15, "/build/dir", 10);
    // in the context, reachable from nothing in the module
    LLVMDIBuilderCreateFile(b, "/dp/one/packages/A/x1/src/unused.jl", 35, ".", 1);
    LLVMMetadataRef ty = LLVMDIBuilderCreateSubroutineType(b, fa, NULL, 0, LLVMDIFlagZero);
    LLVMTypeRef fnty = LLVMFunctionType(i32, &i32, 1, 0);
    LLVMValueRef fn = LLVMAddFunction(mod, "julia_f_1", fnty);
    LLVMMetadataRef sp =
        LLVMDIBuilderCreateFunction(b, fa, "f", 1, "julia_f_1", 9, fa, 3, ty, 0, 1, 3, 0, 0);
    LLVMSetSubprogram(fn, sp);
    LLVMMetadataRef blk = LLVMDIBuilderCreateLexicalBlock(b, sp, fa2, 4, 1);
    LLVMMetadataRef blk2 = LLVMDIBuilderCreateLexicalBlock(b, blk, fi, 5, 1);
    LLVMMetadataRef spb =
        LLVMDIBuilderCreateFunction(b, fb, "g", 1, "julia_g", 7, fb, 10, ty, 0, 1, 10, 0, 0);
    LLVMMetadataRef spc =
        LLVMDIBuilderCreateFunction(b, fc, "h", 1, "julia_h", 7, fc, 20, ty, 0, 1, 20, 0, 0);
    LLVMMetadataRef spo =
        LLVMDIBuilderCreateFunction(b, fo, "o", 1, "julia_o", 7, fo, 30, ty, 0, 1, 30, 0, 0);
    LLVMMetadataRef l_f = LLVMDIBuilderCreateDebugLocation(ctx, 4, 1, blk, NULL);
    LLVMMetadataRef l_i = LLVMDIBuilderCreateDebugLocation(ctx, 5, 1, blk2, NULL);
    LLVMMetadataRef l_g = LLVMDIBuilderCreateDebugLocation(ctx, 11, 1, spb, l_f);
    LLVMMetadataRef l_h = LLVMDIBuilderCreateDebugLocation(ctx, 21, 1, spc, l_g);
    LLVMMetadataRef l_o = LLVMDIBuilderCreateDebugLocation(ctx, 31, 1, spo, l_f);
    LLVMBuilderRef bld = LLVMCreateBuilderInContext(ctx);
    LLVMPositionBuilderAtEnd(bld, LLVMAppendBasicBlockInContext(ctx, fn, "top"));
    LLVMSetCurrentDebugLocation2(bld, l_f);
    LLVMValueRef x = LLVMBuildAdd(bld, LLVMGetParam(fn, 0), LLVMConstInt(i32, 1, 0), "x");
    LLVMSetCurrentDebugLocation2(bld, l_i);
    x = LLVMBuildAdd(bld, x, LLVMConstInt(i32, 5, 0), "i");
    LLVMSetCurrentDebugLocation2(bld, l_h); // a two-level inlinedAt chain
    LLVMValueRef y = LLVMBuildMul(bld, x, LLVMConstInt(i32, 3, 0), "y");
    LLVMSetCurrentDebugLocation2(bld, l_o);
    y = LLVMBuildSub(bld, y, LLVMConstInt(i32, 2, 0), "z");
    LLVMSetCurrentDebugLocation2(bld, l_f);
    LLVMBuildRet(bld, y);
    LLVMDisposeBuilder(bld);
    // a global with a !dbg attachment whose file is absolute
    LLVMValueRef g = LLVMAddGlobal(mod, i32, "jl_global_1");
    LLVMSetInitializer(g, LLVMConstInt(i32, 7, 0));
    LLVMMetadataRef gty = LLVMDIBuilderCreateBasicType(b, "Int32", 5, 32, 5, LLVMDIFlagZero);
    LLVMMetadataRef fg = LLVMDIBuilderCreateFile(b, "/dp/one/packages/A/x1/src/g.jl", 30, ".", 1);
    LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
        b, fg, "G", 1, "jl_global_1", 11, fg, 2, gty, 0, LLVMDIBuilderCreateExpression(b, NULL, 0),
        NULL, 0);
    LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(ctx, "dbg", 3), gve);
    LLVMDIBuilderFinalize(b);
}

static void test_scan_module(void **state)
{
    (void)state;
    // premap: the map has scanned another module naming A.jl before
    for (int premap = 0; premap < 2; premap++) {
        jl_depot_stack_t *s = stack_of("/dp/one:/dp/two");
        jl_dimap_t *m;
        assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
        if (premap) {
            dimod_t pre;
            dimod_init(&pre, 4);
            use_file(&pre, difile(&pre, "/dp/one/packages/A/x1/src/A.jl"));
            dimod_finish(&pre);
            assert_int_equal(jl_dimap_scan_module(m, pre.mod), JL_DEPOT_E_OK);
            dimod_free(&pre);
        }
        absmod_t t;
        build_absolute_module(&t);
        char *before = LLVMPrintModuleToString(t.mod);
        assert_true(contains(before, "/dp/one/packages"));
        assert_int_equal(jl_dimap_scan_module(m, t.mod), JL_DEPOT_E_OK);
        char *msg = NULL;
        assert_false(LLVMVerifyModule(t.mod, LLVMReturnStatusAction, &msg));
        LLVMDisposeMessage(msg);
        // the debug info keeps the build's paths: nothing changed
        char *ir = LLVMPrintModuleToString(t.mod);
        assert_string_equal(ir, before);
        LLVMDisposeMessage(before);
        // every DIFile reachable from the module, each only one way: the
        // subprogram's and its lexical block's (the relative name in its
        // absolute directory is the same file: one line), the nested block's,
        // the whole inlinedAt chain's and the global's
        char *text;
        assert_int_equal(jl_dimap_text(m, &text, NULL), JL_DEPOT_E_OK);
        const char *lines[] = {
            "\nroot\t/@depot-00112233aabbccdd-1\t@depot\t",
            "\t/dp/one\n",
            "\nroot\t/@depot-00112233aabbccdd-2\t@depot\t",
            "\t/dp/two\n",
            "\nfile\t/@depot-00112233aabbccdd-1/packages/A/x1/src/A.jl\t-\n",
            "\nfile\t/@depot-00112233aabbccdd-1/packages/A/x1/src/inner.jl\t-\n",
            "\nfile\t/@depot-00112233aabbccdd-1/packages/A/x1/src/g.jl\t-\n",
            "\nfile\t/@depot-00112233aabbccdd-2/packages/B/y2/src/B.jl\t-\n",
            "\nfile\t/@depot-00112233aabbccdd-2/packages/C/z3/src/C.jl\t-\n",
        };
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
            assert_true(contains(text, lines[i]));
        assert_int_equal(count(text, "\nroot\t"), 2);
        assert_int_equal(count(text, "\nfile\t"), 5);
        if (premap) // the root's anchor is the file it was first met with
            assert_true(contains(text, "\nroot\t/@depot-00112233aabbccdd-1\t@depot\t"
                                       "packages/A/x1/src/A.jl\t/dp/one\n"));
        // a file outside every depot, or reachable from nothing: no line
        assert_false(contains(text, "/opt/other"));
        assert_false(contains(text, "o.jl"));
        assert_false(contains(text, "unused.jl"));
        // a second scan finds the same files and adds none
        assert_int_equal(jl_dimap_scan_module(m, t.mod), JL_DEPOT_E_OK);
        char *text2;
        assert_int_equal(jl_dimap_text(m, &text2, NULL), JL_DEPOT_E_OK);
        assert_string_equal(text, text2);
        free(text2);
        free(text);
        LLVMDisposeMessage(ir);
        LLVMDisposeDIBuilder(t.b);
        LLVMDisposeModule(t.mod);
        LLVMContextDispose(t.ctx);
        jl_dimap_free(m);
        jl_depot_stack_free(s);
    }
}

// ---- the embedded map ----------------------------------------------------------------------

static void init_x86(void)
{
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
}

// Emit `mod` to an ELF object in memory; returns the contents of `section`.
static char *emit_section(LLVMModuleRef mod, const char *section, size_t *len)
{
    init_x86();
    LLVMTargetRef tgt;
    char *msg = NULL;
    assert_int_equal(LLVMGetTargetFromTriple("x86_64-pc-linux-gnu", &tgt, &msg), 0);
    LLVMTargetMachineRef tm =
        LLVMCreateTargetMachine(tgt, "x86_64-pc-linux-gnu", "x86-64", "", LLVMCodeGenLevelNone,
                                LLVMRelocPIC, LLVMCodeModelDefault);
    LLVMSetTarget(mod, "x86_64-pc-linux-gnu");
    LLVMMemoryBufferRef buf = NULL;
    assert_int_equal(LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &buf), 0);
    LLVMBinaryRef bin = LLVMCreateBinary(buf, LLVMGetModuleContext(mod), &msg);
    assert_non_null(bin);
    LLVMSectionIteratorRef it = LLVMObjectFileCopySectionIterator(bin);
    char *out = NULL;
    while (!LLVMObjectFileIsSectionIteratorAtEnd(bin, it)) {
        const char *name = LLVMGetSectionName(it);
        if (name && strcmp(name, section) == 0) {
            *len = (size_t)LLVMGetSectionSize(it);
            out = malloc(*len + 1);
            memcpy(out, LLVMGetSectionContents(it), *len);
            out[*len] = '\0';
        }
        LLVMMoveToNextSection(it);
    }
    LLVMDisposeSectionIterator(it);
    LLVMDisposeBinary(bin);
    LLVMDisposeMemoryBuffer(buf);
    LLVMDisposeTargetMachine(tm);
    return out;
}

static void test_embed_and_read_back(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("dimap-embed");
    char *d1 = jl_test_fmt("%s/one", tmp), *d2 = jl_test_fmt("%s/two", tmp);
    char *fa = jl_test_fmt("%s/packages/A/x1/src/A.jl", d1);
    char *fb = jl_test_fmt("%s/packages/B/y2/src/we%%ird\tname.jl", d2);
    const char *ca = "a(x) = x + 1\n", *cb = "b(x) = 2x\n";
    jl_test_write_file(fa, ca, strlen(ca));
    jl_test_write_file(fb, cb, strlen(cb));
    char *list = jl_test_fmt("%s:%s", d1, d2);
    jl_depot_stack_t *s = stack_of(list);
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
    // DWARF 5: every DIFile with the MD5 of its file's bytes
    char ma[33], mb[33];
    md5_hex(ca, strlen(ca), ma);
    md5_hex(cb, strlen(cb), mb);
    dimod_t t;
    dimod_init(&t, 5);
    use_file(&t, difile_md5(&t, fa, ".", ma));
    use_file(&t, difile_md5(&t, fb, ".", mb));
    use_file(&t, difile_md5(&t, "/opt/o.jl", ".", TB_EMPTY_MD5)); // not in the map
    // an existing llvm.used is kept
    LLVMTypeRef i32 = LLVMInt32TypeInContext(t.ctx);
    LLVMValueRef keepme = LLVMAddGlobal(t.mod, i32, "keepme");
    LLVMSetInitializer(keepme, LLVMConstInt(i32, 1, 0));
    LLVMSetLinkage(keepme, LLVMInternalLinkage);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(t.ctx, 0);
    LLVMValueRef used = LLVMAddGlobal(t.mod, LLVMArrayType2(ptr, 1), "llvm.used");
    LLVMSetInitializer(used, LLVMConstArray2(ptr, &keepme, 1));
    LLVMSetLinkage(used, LLVMAppendingLinkage);
    LLVMSetSection(used, "llvm.metadata");
    dimod_finish(&t);
    // as Julia does at the end of an image: scan, text, embed
    assert_int_equal(jl_dimap_scan_module(m, t.mod), JL_DEPOT_E_OK);
    char *want;
    size_t wlen;
    assert_int_equal(jl_dimap_text(m, &want, &wlen), JL_DEPOT_E_OK);
    assert_int_equal(jl_dimap_embed_text(t.mod, want, wlen), JL_DEPOT_E_OK);
    char *msg = NULL;
    assert_int_equal(LLVMVerifyModule(t.mod, LLVMReturnStatusAction, &msg), 0);
    LLVMDisposeMessage(msg);
    LLVMValueRef nu = LLVMGetNamedGlobal(t.mod, "llvm.used");
    assert_non_null(nu);
    assert_int_equal(LLVMGetNumOperands(LLVMGetInitializer(nu)), 2);
    // an exported constant the loader finds by name
    LLVMValueRef gm = LLVMGetNamedGlobal(t.mod, JL_DIMAP_SYMBOL);
    assert_non_null(gm);
    assert_int_equal(LLVMGetLinkage(gm), LLVMExternalLinkage);
    assert_true(LLVMIsGlobalConstant(gm));
    size_t len = 0;
    char *sec = emit_section(t.mod, JL_DIMAP_SECTION, &len);
    assert_non_null(sec);
    assert_int_equal(len, wlen + 1); // NUL-terminated
    assert_memory_equal(sec, want, wlen + 1);
    // the expected text, field by field (`%` and TAB escaped)
    char *expect =
        jl_test_fmt("julia-depot-map\t2\n"
                    "image\t%s\n"
                    "root\t/@depot-%s-1\t@depot\tpackages/A/x1/src/A.jl\t%s\n"
                    "root\t/@depot-%s-2\t@depot\tpackages/B/y2/src/we%%25ird%%09name.jl\t%s\n"
                    "file\t/@depot-%s-1/packages/A/x1/src/A.jl\t%s\n"
                    "file\t/@depot-%s-2/packages/B/y2/src/we%%25ird%%09name.jl\t%s\n",
                    ID, ID, d1, ID, d2, ID, ma, ID, mb);
    assert_string_equal(sec, expect);
    // the same text embedded later into a module of another context
    LLVMContextRef ctx2 = LLVMContextCreate();
    LLVMModuleRef mod2 = LLVMModuleCreateWithNameInContext("metadata", ctx2);
    assert_int_equal(jl_dimap_embed_text(mod2, want, wlen), JL_DEPOT_E_OK);
    assert_int_equal(LLVMVerifyModule(mod2, LLVMReturnStatusAction, &msg), 0);
    LLVMDisposeMessage(msg);
    size_t len2 = 0;
    char *sec2 = emit_section(mod2, JL_DIMAP_SECTION, &len2);
    assert_non_null(sec2);
    assert_int_equal(len2, wlen + 1);
    assert_memory_equal(sec2, want, wlen + 1);
    assert_int_equal(LLVMGetNumOperands(LLVMGetInitializer(LLVMGetNamedGlobal(mod2, "llvm.used"))),
                     1);
    free(sec2);
    LLVMDisposeModule(mod2);
    LLVMContextDispose(ctx2);
    free(expect);
    free(want);
    free(sec);
    dimod_free(&t);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(list);
    free(fa);
    free(fb);
    free(d1);
    free(d2);
    free(tmp);
}

// ---- DWARF 5 checksums -------------------------------------------------------------------

// The test bed's DWARF 5 DIFiles carry the MD5 of the file's bytes (its
// llvm::MD5 agrees with OpenSSL's, in chunks too), the object's line table
// has them, and the map carries each into its file line.
static void test_dwarf5_md5(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("dimap-md5");
    char *fa = jl_test_fmt("%s/packages/A/x1/src/A.jl", tmp);
    const char *ca = "module A\nf(x) = x\nend\n";
    jl_test_write_file(fa, ca, strlen(ca));
    // a file larger than one read is hashed in chunks; a small one after it
    size_t bl = ((size_t)8 << 20) + 12345;
    char *big = malloc(bl);
    for (size_t i = 0; i < bl; i++)
        big[i] = (char)(i * 7 + (i >> 13));
    char *fbig = jl_test_fmt("%s/packages/A/x1/src/big.jl", tmp);
    char *fsmall = jl_test_fmt("%s/packages/A/x1/src/small.jl", tmp);
    jl_test_write_file(fbig, big, bl);
    jl_test_write_file(fsmall, "s\n", 2);
    char ma[33], mbig[33], msmall[33], got[33];
    md5_hex(ca, strlen(ca), ma);
    md5_hex(big, bl, mbig);
    md5_hex("s\n", 2, msmall);
    assert_int_equal(tb_md5_file(fa, got), 0);
    assert_string_equal(got, ma);
    assert_int_equal(tb_md5_file(fbig, got), 0);
    assert_string_equal(got, mbig);
    assert_int_equal(tb_md5_file(fsmall, got), 0);
    assert_string_equal(got, msmall);
    tb_md5(big, bl, got);
    assert_string_equal(got, mbig);
    tb_md5("", 0, got);
    assert_string_equal(got, TB_EMPTY_MD5);
    // no file, a directory: no MD5
    char *missing = jl_test_fmt("%s/packages/A/x1/src/missing.jl", tmp);
    assert_int_equal(tb_md5_file(missing, got), -1);
    assert_string_equal(got, "");
    assert_int_equal(tb_md5_file(tmp, got), -1);
    assert_string_equal(got, "");
    free(missing);

    jl_depot_stack_t *s = stack_of(tmp);
    dimod_t t;
    dimod_init(&t, 5);
    LLVMMetadataRef f5 = difile_md5(&t, fa, ".", ma);
    char shortsum[33] = "0123"; // not an MD5
    assert_null(tb_difile_md5(t.b, fa, strlen(fa), ".", 1, shortsum));
    assert_null(tb_difile_md5(t.b, fa, strlen(fa), ".", 1, "0123456789abcdef0123456789abcdeg"));
    use_file(&t, f5);
    use_file(&t, difile_md5(&t, fbig, ".", mbig));
    use_file(&t, difile_md5(&t, fsmall, ".", msmall));
    dimod_finish(&t);
    char *ir = LLVMPrintModuleToString(t.mod);
    char *want = jl_test_fmt("!DIFile(filename: \"%s\", directory: \".\", checksumkind: "
                             "CSK_MD5, checksum: \"%s\")",
                             fa, ma);
    assert_true(contains(ir, want));
    assert_true(contains(ir, "!DIFile(filename: \"julia\", directory: \".\", checksumkind: "
                             "CSK_MD5, checksum: \"d41d8cd98f00b204e9800998ecf8427e\")"));
    assert_int_equal(jl_dimap_difile_get_md5(f5, got), 1);
    assert_string_equal(got, ma);
    assert_int_equal(jl_dimap_difile_get_md5(t.cufile, got), 1);
    assert_string_equal(got, TB_EMPTY_MD5);
    LLVMMetadataRef f4 = LLVMDIBuilderCreateFile(t.b, fa, strlen(fa), ".", 1);
    assert_ptr_not_equal(f4, f5);
    assert_int_equal(jl_dimap_difile_get_md5(f4, got), 0);
    assert_string_equal(got, "");
    // the map carries each DIFile's MD5
    char *text = scan_text(s, 0, t.mod);
    char *lines = jl_test_fmt("file\t/@depot-%s-1/packages/A/x1/src/A.jl\t%s\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/big.jl\t%s\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/small.jl\t%s\n",
                              ID, ma, ID, mbig, ID, msmall);
    assert_true(contains(text, lines));
    assert_int_equal(count(text, "\nfile\t"), 3);
    free(lines);
    free(text);
    // the emitted DWARF 5 line table holds the MD5s (16 bytes each)
    size_t dl = 0;
    char *line_table = emit_section(t.mod, ".debug_line", &dl);
    assert_non_null(line_table);
    const char *sums[] = {ma, mbig, msmall, TB_EMPTY_MD5};
    for (size_t i = 0; i < 4; i++) {
        unsigned char raw[16];
        for (int k = 0; k < 16; k++) {
            unsigned v;
            assert_int_equal(sscanf(sums[i] + 2 * k, "%2x", &v), 1);
            raw[k] = (unsigned char)v;
        }
        assert_non_null(memmem(line_table, dl, raw, 16));
    }
    free(line_table);
    LLVMDisposeMessage(ir);
    free(want);
    dimod_free(&t);
    jl_depot_stack_free(s);
    free(big);
    free(fbig);
    free(fsmall);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(fa);
    free(tmp);
}

// ---- the scan reads no source file ----------------------------------------------------------

static struct timespec atime_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_atim;
}

// Back-date a file's access (2 days) and modification (3 days) times, so
// that a read updates its access time even under `relatime`.
static void backdate(const char *path)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct timespec ts[2] = {{now.tv_sec - 2 * 86400, 0}, {now.tv_sec - 3 * 86400, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

// The map's MD5 is the one a DIFile carries, taken as it is (lower case),
// else `-`: the scan opens no source file.  A FIFO it opened would block, an
// unreadable file could give no MD5, a read would update the access time,
// and a depot removed after codegen gives the same map.
static void test_scan_reads_nothing(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("dimap-noread");
    char *fa = jl_test_fmt("%s/packages/A/x1/src/A.jl", tmp);
    char *fb = jl_test_fmt("%s/packages/A/x1/src/B.jl", tmp);
    char *fu = jl_test_fmt("%s/packages/A/x1/src/unreadable.jl", tmp);
    char *ff = jl_test_fmt("%s/packages/A/x1/src/fifo.jl", tmp);
    char *fc = jl_test_fmt("%s/packages/A/x1/src/control.jl", tmp);
    const char *c1 = "first bytes\n", *c2 = "the bytes after codegen\n";
    jl_test_write_file(fa, c1, strlen(c1));
    jl_test_write_file(fb, "b\n", 2);
    jl_test_write_file(fu, c1, strlen(c1));
    jl_test_write_file(fc, c1, strlen(c1));
    assert_int_equal(chmod(fu, 0), 0);
    assert_int_equal(mkfifo(ff, 0600), 0); // opening it (blocking) would hang
    jl_depot_stack_t *s = stack_of(tmp);

    // DWARF 4, as Julia writes it: no DIFile carries an MD5, every line says -
    dimod_t t4;
    dimod_init(&t4, 4);
    use_file(&t4, difile(&t4, fa));
    use_file(&t4, difile(&t4, fu));
    use_file(&t4, difile(&t4, ff));
    dimod_finish(&t4);
    // DWARF 5: A.jl's DIFile carries the MD5 of the bytes it had at codegen;
    // B.jl's a checksum that is not its file's, in upper case
    char m1[33], m2[33];
    md5_hex(c1, strlen(c1), m1);
    md5_hex(c2, strlen(c2), m2);
    const char *sum = "0123456789ABCDEF0123456789abcdef";
    dimod_t t5;
    dimod_init(&t5, 5);
    use_file(&t5, difile_md5(&t5, fa, ".", m1));
    use_file(&t5, difile_md5(&t5, fb, ".", sum));
    use_file(&t5, difile_md5(&t5, ff, ".", TB_EMPTY_MD5));
    dimod_finish(&t5);
    // the bytes change after codegen
    jl_test_write_file(fa, c2, strlen(c2));
    backdate(fa);
    backdate(fb);
    backdate(fc);
    struct timespec a0 = atime_of(fa), b0 = atime_of(fb);

    char *text4 = scan_text(s, 0, t4.mod);
    char *want4 = jl_test_fmt("julia-depot-map\t2\n"
                              "image\t%s\n"
                              "root\t/@depot-%s-1\t@depot\tpackages/A/x1/src/A.jl\t%s\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/A.jl\t-\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/unreadable.jl\t-\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/fifo.jl\t-\n",
                              ID, ID, tmp, ID, ID, ID);
    assert_string_equal(text4, want4);
    char *text5 = scan_text(s, 0, t5.mod);
    char *want5 = jl_test_fmt("julia-depot-map\t2\n"
                              "image\t%s\n"
                              "root\t/@depot-%s-1\t@depot\tpackages/A/x1/src/A.jl\t%s\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/A.jl\t%s\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/B.jl\t"
                              "0123456789abcdef0123456789abcdef\n"
                              "file\t/@depot-%s-1/packages/A/x1/src/fifo.jl\t%s\n",
                              ID, ID, tmp, ID, m1, ID, ID, TB_EMPTY_MD5);
    assert_string_equal(text5, want5);
    assert_false(contains(text5, m2)); // not the file's bytes of now
    // the DIFile's checksum is kept as it was
    char *ir = LLVMPrintModuleToString(t5.mod);
    assert_true(contains(ir, "checksum: \"0123456789ABCDEF0123456789abcdef\""));
    LLVMDisposeMessage(ir);
    // no access time moved; a read does move one (unless the file system
    // keeps none: then the checks above stand alone)
    struct timespec a1 = atime_of(fa), b1 = atime_of(fb), c0 = atime_of(fc);
    assert_true(a1.tv_sec == a0.tv_sec && a1.tv_nsec == a0.tv_nsec);
    assert_true(b1.tv_sec == b0.tv_sec && b1.tv_nsec == b0.tv_nsec);
    size_t clen;
    free(jl_test_read_file(fc, &clen));
    struct timespec c1t = atime_of(fc);
    if (c1t.tv_sec == c0.tv_sec && c1t.tv_nsec == c0.tv_nsec)
        print_message("note: %s keeps no access times (noatime)\n", tmp);
    // the depot removed after codegen: the same maps
    assert_int_equal(chmod(fu, 0600), 0);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    char *again = scan_text(s, 0, t4.mod);
    assert_string_equal(again, want4);
    free(again);
    again = scan_text(s, 0, t5.mod);
    assert_string_equal(again, want5);
    free(again);
    free(text4);
    free(text5);
    free(want4);
    free(want5);
    dimod_free(&t4);
    dimod_free(&t5);
    jl_depot_stack_free(s);
    free(fa);
    free(fb);
    free(fu);
    free(ff);
    free(fc);
    free(tmp);
}

JL_TEST_MAIN(cmocka_unit_test(test_file_roles_and_k), cmocka_unit_test(test_one_line_per_path),
             cmocka_unit_test(test_image_id), cmocka_unit_test(test_scan_module),
             cmocka_unit_test(test_embed_and_read_back), cmocka_unit_test(test_dwarf5_md5),
             cmocka_unit_test(test_scan_reads_nothing))
