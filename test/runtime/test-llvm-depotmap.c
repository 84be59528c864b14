// This file is a part of the jldepot project. License is MIT.

/*
  test-llvm-depotmap.c: the debug-info depot map: one DIFile per file with
  its absolute path, recorded under the right root (role, depot index k,
  the build's directory), absolute and relative names, memoization; the
  scan of a module built with absolute paths (merged nodes, lexical blocks,
  inlinedAt chains, globals) records every file and changes nothing; the map
  embedded in and read back from an emitted object; the image id; DWARF 5
  MD5 checksums; DWARF 4 and the scan read no source file.
*/

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/Object.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "test-cachefile-util.h"
#include "llvm-depotmap.h"

static const char *ID = "00112233aabbccdd";

static char *file_name(LLVMMetadataRef f)
{
    unsigned n = 0;
    const char *s = LLVMDIFileGetFilename(f, &n);
    char *r = malloc(n + 1);
    if (n > 0) // an empty string may come back as NULL
        memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static char *file_dir(LLVMMetadataRef f)
{
    unsigned n = 0;
    const char *s = LLVMDIFileGetDirectory(f, &n);
    char *r = malloc(n + 1);
    if (n > 0) // an empty string may come back as NULL
        memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static void assert_file(LLVMMetadataRef f, const char *name, const char *dir)
{
    char *n = file_name(f), *d = file_dir(f);
    assert_string_equal(n, name);
    assert_string_equal(d, dir);
    free(n);
    free(d);
}

static void md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    assert_int_equal(EVP_Digest(data, len, d, &dl, EVP_md5(), NULL), 1);
    assert_int_equal(dl, 16);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_file_roles_and_k(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/dp/one:/dp/two");
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("t", ctx);
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    struct {
        const char *path, *name, *dir, *vpath;
    } cases[] = {
        {"/dp/one/packages/A/x1/src/A.jl", "/dp/one/packages/A/x1/src/A.jl", "",
         "/@depot-00112233aabbccdd-1/packages/A/x1/src/A.jl"},
        {"/dp/two/packages/B/y2/src/B.jl", "/dp/two/packages/B/y2/src/B.jl", "",
         "/@depot-00112233aabbccdd-2/packages/B/y2/src/B.jl"},
        {"/dp/one/artifacts/0a1b/lib/x.h", "/dp/one/artifacts/0a1b/lib/x.h", "",
         "/@artifacts-00112233aabbccdd-1/0a1b/lib/x.h"},
        {"/dp/two/compiled/v1.11/B/y.jl", "/dp/two/compiled/v1.11/B/y.jl", "",
         "/@compiled-00112233aabbccdd-2/v1.11/B/y.jl"},
        {"/dp/one/scratchspaces/u/gen.jl", "/dp/one/scratchspaces/u/gen.jl", "",
         "/@cache-00112233aabbccdd-1/u/gen.jl"},
        // normalized, component-wise, and spelled under its root's directory
        {"/dp/one/./packages//A/x1/src/../src/C.jl", "/dp/one/packages/A/x1/src/C.jl", "",
         "/@depot-00112233aabbccdd-1/packages/A/x1/src/C.jl"},
        // not under /dp/one
        {"/dp/one-rc2/packages/A/x.jl", "/dp/one-rc2/packages/A/x.jl", "", NULL},
        {"/usr/share/julia/stdlib/v1.11/Test/src/Test.jl",
         "/usr/share/julia/stdlib/v1.11/Test/src/Test.jl", "", NULL},
        {"array.jl", "array.jl", ".", NULL},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    for (size_t i = 0; i < n; i++) {
        LLVMMetadataRef f = jl_dimap_file(m, b, cases[i].path, strlen(cases[i].path), 0);
        assert_non_null(f);
        assert_file(f, cases[i].name, cases[i].dir);
        jl_dimap_kind_t kind;
        const char *vpath;
        assert_int_equal(jl_dimap_file_info(m, i, NULL, &kind, &vpath, NULL), JL_DEPOT_E_OK);
        assert_int_equal(kind == JL_DIMAP_MAPPED, cases[i].vpath != NULL);
        if (cases[i].vpath != NULL)
            assert_string_equal(vpath, cases[i].vpath);
    }
    // each root, with the directory the build spells it with
    char *text;
    assert_int_equal(jl_dimap_text(m, &text, NULL), JL_DEPOT_E_OK);
    const char *roots[] = {
        "\nroot\t/@depot-00112233aabbccdd-1\t@depot\tpackages/A/x1/src/A.jl\t/dp/one\n",
        "\nroot\t/@depot-00112233aabbccdd-2\t@depot\tpackages/B/y2/src/B.jl\t/dp/two\n",
        "\nroot\t/@artifacts-00112233aabbccdd-1\t@artifacts\t0a1b/lib/x.h\t/dp/one/artifacts\n",
        "\nroot\t/@compiled-00112233aabbccdd-2\t@compiled\tv1.11/B/y.jl\t/dp/two/compiled\n",
        "\nroot\t/@cache-00112233aabbccdd-1\t@cache\tu/gen.jl\t/dp/one/scratchspaces\n",
    };
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
        assert_non_null(strstr(text, roots[i]));
    free(text);
    // the absolute names are recorded, in order; the relative one is not
    assert_int_equal(jl_dimap_nabsolute(m), 2);
    assert_string_equal(jl_dimap_absolute(m, 0), "/dp/one-rc2/packages/A/x.jl");
    assert_string_equal(jl_dimap_absolute(m, 1), "/usr/share/julia/stdlib/v1.11/Test/src/Test.jl");
    assert_null(jl_dimap_absolute(m, 2));
    jl_dimap_kind_t kind;
    const char *vpath, *md5, *path;
    assert_int_equal(jl_dimap_file_info(m, 1, &path, &kind, &vpath, &md5), JL_DEPOT_E_OK);
    assert_int_equal(kind, JL_DIMAP_MAPPED);
    assert_string_equal(vpath, "/@depot-00112233aabbccdd-2/packages/B/y2/src/B.jl");
    assert_string_equal(md5, ""); // the file does not exist
    assert_int_equal(jl_dimap_file_info(m, n - 1, NULL, &kind, NULL, NULL), JL_DEPOT_E_OK);
    assert_int_equal(kind, JL_DIMAP_RELATIVE);
    assert_int_equal(jl_dimap_file_info(m, n, NULL, &kind, NULL, NULL),
                     JL_DEPOT_E_INVALID_ARGUMENT);
    // the target depot is tried first: of the nested depots /dp and /dp/one,
    // the file lies in the one that holds the image
    jl_depot_stack_t *s2 = stack_of("/dp:/dp/one");
    jl_dimap_t *m2, *m3;
    assert_int_equal(jl_dimap_new(s2, 1, ID, &m2), JL_DEPOT_E_OK);
    const char *vp;
    assert_file(jl_dimap_file(m2, b, "/dp/one/packages/A/x1/src/A.jl", 30, 0),
                "/dp/one/packages/A/x1/src/A.jl", "");
    assert_int_equal(jl_dimap_file_info(m2, 0, NULL, NULL, &vp, NULL), JL_DEPOT_E_OK);
    assert_string_equal(vp, "/@depot-00112233aabbccdd-2/packages/A/x1/src/A.jl");
    // with the other target, the mapper agrees with the path model's tokenize
    assert_int_equal(jl_dimap_new(s2, 0, ID, &m3), JL_DEPOT_E_OK);
    char tok[256];
    size_t tl;
    long depot = -1;
    assert_int_equal(jl_depot_tokenize_buf(s2, 0, 0, "/dp/one/packages/A/x1/src/A.jl", 30, tok,
                                           sizeof(tok), &tl, &depot),
                     JL_DEPOT_E_OK);
    assert_true(strncmp(tok, "@depot/", 7) == 0);
    char *vpath3 = jl_test_fmt("/@depot-00112233aabbccdd-%ld/%s", depot + 1, tok + 7);
    jl_dimap_file(m3, b, "/dp/one/packages/A/x1/src/A.jl", 30, 0);
    assert_int_equal(jl_dimap_file_info(m3, 0, NULL, NULL, &vp, NULL), JL_DEPOT_E_OK);
    assert_string_equal(vp, vpath3);
    free(vpath3);
    // a root first met through a path the tokenizer normalized gets the
    // depot's own directory
    jl_dimap_t *m4;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m4), JL_DEPOT_E_OK);
    assert_file(jl_dimap_file(m4, b, "/dp/one/packages/A/../A/x1/src/A.jl", 35, 0),
                "/dp/one/packages/A/x1/src/A.jl", "");
    jl_dimap_free(m4);
    jl_dimap_free(m3);
    jl_dimap_free(m2);
    jl_depot_stack_free(s2);
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
}

static void test_memoized(void **state)
{
    (void)state;
    jl_depot_stack_t *s = stack_of("/dp/one");
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("t", ctx);
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    const char *p = "/dp/one/packages/A/x1/src/A.jl";
    LLVMMetadataRef f1 = jl_dimap_file(m, b, p, strlen(p), 0);
    for (int i = 0; i < 100; i++)
        assert_ptr_equal(jl_dimap_file(m, b, p, strlen(p), 0), f1);
    assert_int_equal(jl_dimap_created(m), 1);
    assert_int_equal(jl_dimap_nfiles(m), 1);
    // a second path, and the same path asked for with DWARF 5 (its own DIFile)
    jl_dimap_file(m, b, "/dp/one/packages/A/x1/src/b.jl", 30, 0);
    jl_dimap_file(m, b, p, strlen(p), 1);
    assert_int_equal(jl_dimap_nfiles(m), 2);
    assert_int_equal(jl_dimap_created(m), 3);
    // the map lists one root and each file once
    char *text;
    size_t len;
    assert_int_equal(jl_dimap_text(m, &text, &len), JL_DEPOT_E_OK);
    assert_string_equal(text, "julia-depot-map\t2\n"
                              "image\t00112233aabbccdd\n"
                              "root\t/@depot-00112233aabbccdd-1\t@depot\tpackages/A/x1/src/A.jl\t"
                              "/dp/one\n"
                              "file\t/@depot-00112233aabbccdd-1/packages/A/x1/src/A.jl\t-\n"
                              "file\t/@depot-00112233aabbccdd-1/packages/A/x1/src/b.jl\t-\n");
    assert_int_equal(len, strlen(text));
    free(text);
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
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
    assert_int_equal(jl_dimap_new(s, 0, a, &m), JL_DEPOT_E_OK);
    assert_string_equal(jl_dimap_id(m), a);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
}

// A module as codegen writes it today: absolute paths everywhere.
typedef struct {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMValueRef fn;
    LLVMValueRef inlined_call; // the instruction with a two-level inlinedAt chain
} absmod_t;

static void build_absolute_module(absmod_t *t, LLVMDIBuilderRef *bout, jl_dimap_t *premap)
{
    LLVMContextRef ctx = t->ctx = LLVMContextCreate();
    LLVMModuleRef mod = t->mod =
        LLVMModuleCreateWithNameInContext("/dp/one/packages/A/x1/src/A.jl", ctx);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i32, LLVMDebugMetadataVersion(), 0)));
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    *bout = b;
    // the compile unit as Julia writes it, with a build sysroot
    LLVMMetadataRef cuf = LLVMDIBuilderCreateFile(b, "julia", 5, ".", 1);
    LLVMDIBuilderCreateCompileUnit(b, LLVMDWARFSourceLanguageJulia, cuf, "julia", 5, 0, "", 0, 0,
                                   "/dp/one/compiled/v1.11/A/x.dwo", 30, LLVMDWARFEmissionFull, 0,
                                   0, 0, "/dp/one/artifacts/sysroot", 25, "", 0);
    // the same file three ways: (abs, "."), (rel, abs dir), and (if premap)
    // the mapper's own node, unused, in the context
    LLVMMetadataRef fa = LLVMDIBuilderCreateFile(b, "/dp/one/packages/A/x1/src/A.jl", 30, ".", 1);
    LLVMMetadataRef fa2 = LLVMDIBuilderCreateFile(b, "A.jl", 4, "/dp/one/packages/A/x1/src", 25);
    if (premap != NULL)
        jl_dimap_file(premap, b, "/dp/one/packages/A/x1/src/A.jl", 30, 0);
    LLVMMetadataRef fb = LLVMDIBuilderCreateFile(b, "/dp/two/packages/B/y2/src/B.jl", 30, ".", 1);
    LLVMMetadataRef fc = LLVMDIBuilderCreateFile(b, "/dp/two/packages/C/z3/src/C.jl", 30, "", 0);
    LLVMMetadataRef fo = LLVMDIBuilderCreateFile(b, "/opt/other/o.jl", 15, "/build/dir", 10);
    LLVMMetadataRef ty = LLVMDIBuilderCreateSubroutineType(b, fa, NULL, 0, LLVMDIFlagZero);
    LLVMTypeRef fnty = LLVMFunctionType(i32, &i32, 1, 0);
    LLVMValueRef fn = t->fn = LLVMAddFunction(mod, "julia_f_1", fnty);
    LLVMMetadataRef sp =
        LLVMDIBuilderCreateFunction(b, fa, "f", 1, "julia_f_1", 9, fa, 3, ty, 0, 1, 3, 0, 0);
    LLVMSetSubprogram(fn, sp);
    LLVMMetadataRef blk = LLVMDIBuilderCreateLexicalBlock(b, sp, fa2, 4, 1);
    LLVMMetadataRef spb =
        LLVMDIBuilderCreateFunction(b, fb, "g", 1, "julia_g", 7, fb, 10, ty, 0, 1, 10, 0, 0);
    LLVMMetadataRef spc =
        LLVMDIBuilderCreateFunction(b, fc, "h", 1, "julia_h", 7, fc, 20, ty, 0, 1, 20, 0, 0);
    LLVMMetadataRef spo =
        LLVMDIBuilderCreateFunction(b, fo, "o", 1, "julia_o", 7, fo, 30, ty, 0, 1, 30, 0, 0);
    LLVMMetadataRef l_f = LLVMDIBuilderCreateDebugLocation(ctx, 4, 1, blk, NULL);
    LLVMMetadataRef l_g = LLVMDIBuilderCreateDebugLocation(ctx, 11, 1, spb, l_f);
    LLVMMetadataRef l_h = LLVMDIBuilderCreateDebugLocation(ctx, 21, 1, spc, l_g);
    LLVMMetadataRef l_o = LLVMDIBuilderCreateDebugLocation(ctx, 31, 1, spo, l_f);
    LLVMBuilderRef bld = LLVMCreateBuilderInContext(ctx);
    LLVMPositionBuilderAtEnd(bld, LLVMAppendBasicBlockInContext(ctx, fn, "top"));
    LLVMSetCurrentDebugLocation2(bld, l_f);
    LLVMValueRef x = LLVMBuildAdd(bld, LLVMGetParam(fn, 0), LLVMConstInt(i32, 1, 0), "x");
    LLVMSetCurrentDebugLocation2(bld, l_h);
    LLVMValueRef y = LLVMBuildMul(bld, x, LLVMConstInt(i32, 3, 0), "y");
    t->inlined_call = y;
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

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

static void test_scan_module(void **state)
{
    (void)state;
    for (int premap = 0; premap < 2; premap++) {
        jl_depot_stack_t *s = stack_of("/dp/one:/dp/two");
        jl_dimap_t *m;
        assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
        absmod_t t;
        LLVMDIBuilderRef b;
        build_absolute_module(&t, &b, premap ? m : NULL);
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
        // a file outside every depot is recorded as not relocatable
        assert_int_equal(jl_dimap_nabsolute(m), 1);
        assert_string_equal(jl_dimap_absolute(m, 0), "/opt/other/o.jl");
        // every DIFile reachable from the module: the subprograms', the lexical
        // block's (the relative name in its absolute directory is the same
        // file), the whole inlinedAt chain's and the global's
        assert_int_equal(jl_dimap_scanned(m), 5);
        char *text;
        assert_int_equal(jl_dimap_text(m, &text, NULL), JL_DEPOT_E_OK);
        const char *lines[] = {
            "\nroot\t/@depot-00112233aabbccdd-1\t@depot\t",
            "\t/dp/one\n",
            "\nroot\t/@depot-00112233aabbccdd-2\t@depot\t",
            "\t/dp/two\n",
            "\nfile\t/@depot-00112233aabbccdd-1/packages/A/x1/src/A.jl\t-\n",
            "\nfile\t/@depot-00112233aabbccdd-1/packages/A/x1/src/g.jl\t-\n",
            "\nfile\t/@depot-00112233aabbccdd-2/packages/B/y2/src/B.jl\t-\n",
            "\nfile\t/@depot-00112233aabbccdd-2/packages/C/z3/src/C.jl\t-\n",
        };
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
            assert_non_null(strstr(text, lines[i]));
        assert_null(strstr(text, "/opt/other"));
        // a second scan finds the same files and adds none
        size_t nf = jl_dimap_nfiles(m);
        assert_int_equal(jl_dimap_scan_module(m, t.mod), JL_DEPOT_E_OK);
        assert_int_equal(jl_dimap_scanned(m), 10);
        assert_int_equal(jl_dimap_nfiles(m), nf);
        char *text2;
        assert_int_equal(jl_dimap_text(m, &text2, NULL), JL_DEPOT_E_OK);
        assert_string_equal(text, text2);
        free(text2);
        free(text);
        LLVMDisposeMessage(ir);
        LLVMDisposeDIBuilder(b);
        LLVMDisposeModule(t.mod);
        LLVMContextDispose(t.ctx);
        jl_dimap_free(m);
        jl_depot_stack_free(s);
    }
}

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
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("julia", ctx);
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    jl_dimap_file(m, b, fa, strlen(fa), 1); // DWARF 5: with the MD5s
    jl_dimap_file(m, b, fb, strlen(fb), 1);
    jl_dimap_file(m, b, "/opt/o.jl", 9, 0); // not in the map
    // an existing llvm.used is kept
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    LLVMValueRef keepme = LLVMAddGlobal(mod, i32, "keepme");
    LLVMSetInitializer(keepme, LLVMConstInt(i32, 1, 0));
    LLVMSetLinkage(keepme, LLVMInternalLinkage);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMValueRef used = LLVMAddGlobal(mod, LLVMArrayType2(ptr, 1), "llvm.used");
    LLVMSetInitializer(used, LLVMConstArray2(ptr, &keepme, 1));
    LLVMSetLinkage(used, LLVMAppendingLinkage);
    LLVMSetSection(used, "llvm.metadata");
    LLVMDIBuilderFinalize(b);
    assert_int_equal(jl_dimap_embed(m, mod), JL_DEPOT_E_OK);
    char *msg = NULL;
    assert_int_equal(LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg), 0);
    LLVMDisposeMessage(msg);
    LLVMValueRef nu = LLVMGetNamedGlobal(mod, "llvm.used");
    assert_non_null(nu);
    assert_int_equal(LLVMGetNumOperands(LLVMGetInitializer(nu)), 2);
    // an exported constant the loader finds by name
    LLVMValueRef gm = LLVMGetNamedGlobal(mod, JL_DIMAP_SYMBOL);
    assert_non_null(gm);
    assert_int_equal(LLVMGetLinkage(gm), LLVMExternalLinkage);
    assert_true(LLVMIsGlobalConstant(gm));
    size_t len = 0;
    char *sec = emit_section(mod, JL_DIMAP_SECTION, &len);
    assert_non_null(sec);
    char *want;
    size_t wlen;
    assert_int_equal(jl_dimap_text(m, &want, &wlen), JL_DEPOT_E_OK);
    assert_int_equal(len, wlen + 1); // NUL-terminated
    assert_memory_equal(sec, want, wlen + 1);
    // the expected text, field by field
    char ma[33], mb[33];
    md5_hex(ca, strlen(ca), ma);
    md5_hex(cb, strlen(cb), mb);
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
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
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

static void test_dwarf5_md5(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("dimap-md5");
    char *fa = jl_test_fmt("%s/packages/A/x1/src/A.jl", tmp);
    const char *ca = "module A\nf(x) = x\nend\n";
    jl_test_write_file(fa, ca, strlen(ca));
    jl_depot_stack_t *s = stack_of(tmp);
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("julia", ctx);
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    LLVMMetadataRef f5 = jl_dimap_file(m, b, fa, strlen(fa), 1);
    LLVMMetadataRef f4 = jl_dimap_file(m, b, fa, strlen(fa), 0);
    LLVMMetadataRef cu5 = jl_dimap_cu_file(m, b, 1);
    assert_ptr_not_equal(f5, f4);
    assert_ptr_equal(jl_dimap_cu_file(m, b, 1), cu5);
    LLVMAddNamedMetadataOperand(mod, "test.files", LLVMMetadataAsValue(ctx, f5));
    LLVMAddNamedMetadataOperand(mod, "test.files", LLVMMetadataAsValue(ctx, f4));
    LLVMAddNamedMetadataOperand(mod, "test.files", LLVMMetadataAsValue(ctx, cu5));
    char *ir = LLVMPrintModuleToString(mod);
    char md5[33];
    md5_hex(ca, strlen(ca), md5);
    char *want = jl_test_fmt("!DIFile(filename: \"%s\", directory: \"\", checksumkind: "
                             "CSK_MD5, checksum: \"%s\")",
                             fa, md5);
    assert_true(contains(ir, want));
    char *want4 = jl_test_fmt("!DIFile(filename: \"%s\", directory: \"\")\n", fa);
    assert_true(contains(ir, want4));
    assert_true(contains(ir, "!DIFile(filename: \"julia\", directory: \".\", checksumkind: "
                             "CSK_MD5, checksum: \"d41d8cd98f00b204e9800998ecf8427e\")"));
    const char *info_md5;
    assert_int_equal(jl_dimap_file_info(m, 0, NULL, NULL, NULL, &info_md5), JL_DEPOT_E_OK);
    assert_string_equal(info_md5, md5);
    // a file larger than one read (8 MiB) is hashed in chunks; a small one
    // after it reuses the buffer
    size_t bl = ((size_t)8 << 20) + 12345;
    char *big = malloc(bl);
    for (size_t i = 0; i < bl; i++)
        big[i] = (char)(i * 7 + (i >> 13));
    char *fbig = jl_test_fmt("%s/packages/A/x1/src/big.jl", tmp);
    char *fsmall = jl_test_fmt("%s/packages/A/x1/src/small.jl", tmp);
    jl_test_write_file(fbig, big, bl);
    jl_test_write_file(fsmall, "s\n", 2);
    char got[33];
    md5_hex(big, bl, md5);
    assert_int_equal(jl_dimap_difile_get_md5(jl_dimap_file(m, b, fbig, strlen(fbig), 1), got), 1);
    assert_string_equal(got, md5);
    md5_hex("s\n", 2, md5);
    assert_int_equal(jl_dimap_difile_get_md5(jl_dimap_file(m, b, fsmall, strlen(fsmall), 1), got),
                     1);
    assert_string_equal(got, md5);
    free(big);
    free(fbig);
    free(fsmall);
    LLVMDisposeMessage(ir);
    free(want);
    free(want4);
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(fa);
    free(tmp);
}

// DWARF 4 needs no MD5: no source file is read, the map says `-`, and a file
// that cannot be read is mapped like any other.  DWARF 5 then reads it, once.
static void test_dwarf4_reads_nothing(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("dimap-dwarf4");
    char *fa = jl_test_fmt("%s/packages/A/x1/src/A.jl", tmp);
    char *fu = jl_test_fmt("%s/packages/A/x1/src/unreadable.jl", tmp);
    char *ff = jl_test_fmt("%s/packages/A/x1/src/fifo.jl", tmp);
    const char *c1 = "first bytes\n", *c2 = "the bytes at DWARF 5 time\n";
    jl_test_write_file(fa, c1, strlen(c1));
    jl_test_write_file(fu, c1, strlen(c1));
    assert_int_equal(chmod(fu, 0), 0);
    assert_int_equal(mkfifo(ff, 0600), 0); // opening it (blocking) would hang
    jl_depot_stack_t *s = stack_of(tmp);
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("julia", ctx);
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    assert_file(jl_dimap_file(m, b, fa, strlen(fa), 0), fa, "");
    assert_file(jl_dimap_file(m, b, fu, strlen(fu), 0), fu, "");
    assert_file(jl_dimap_file(m, b, ff, strlen(ff), 0), ff, "");
    assert_file(jl_dimap_cu_file(m, b, 0), "julia", ".");
    for (size_t i = 0; i < 3; i++) {
        jl_dimap_kind_t kind;
        const char *md5;
        assert_int_equal(jl_dimap_file_info(m, i, NULL, &kind, NULL, &md5), JL_DEPOT_E_OK);
        assert_int_equal(kind, JL_DIMAP_MAPPED);
        assert_string_equal(md5, "");
    }
    assert_int_equal(jl_dimap_nabsolute(m), 0);
    char *text;
    assert_int_equal(jl_dimap_text(m, &text, NULL), JL_DEPOT_E_OK);
    char *want = jl_test_fmt("julia-depot-map\t2\n"
                             "image\t%s\n"
                             "root\t/@depot-%s-1\t@depot\tpackages/A/x1/src/A.jl\t%s\n"
                             "file\t/@depot-%s-1/packages/A/x1/src/A.jl\t-\n"
                             "file\t/@depot-%s-1/packages/A/x1/src/unreadable.jl\t-\n"
                             "file\t/@depot-%s-1/packages/A/x1/src/fifo.jl\t-\n",
                             ID, ID, tmp, ID, ID, ID);
    assert_string_equal(text, want);
    free(text);
    free(want);
    // the bytes change; DWARF 5 reads them now (so DWARF 4 had not read them)
    jl_test_write_file(fa, c2, strlen(c2));
    LLVMMetadataRef f5 = jl_dimap_file(m, b, fa, strlen(fa), 1);
    assert_file(f5, fa, "");
    char md5[33], got[33];
    md5_hex(c2, strlen(c2), md5);
    assert_int_equal(jl_dimap_difile_get_md5(f5, got), 1);
    assert_string_equal(got, md5);
    const char *info;
    assert_int_equal(jl_dimap_file_info(m, 0, NULL, NULL, NULL, &info), JL_DEPOT_E_OK);
    assert_string_equal(info, md5);
    // read once: a later change is not seen
    jl_test_write_file(fa, c1, strlen(c1));
    LLVMDIBuilderRef b2 = LLVMCreateDIBuilder(mod); // a new builder: a new DIFile
    assert_int_equal(jl_dimap_difile_get_md5(jl_dimap_file(m, b2, fa, strlen(fa), 1), got), 1);
    assert_string_equal(got, md5);
    // a FIFO is no source: no MD5, and no wait; likewise an unreadable file
    // (unless this runs as root)
    LLVMMetadataRef ffifo = jl_dimap_file(m, b, ff, strlen(ff), 1);
    assert_non_null(ffifo);
    assert_int_equal(jl_dimap_difile_get_md5(ffifo, got), 0);
    assert_string_equal(got, "");
    LLVMMetadataRef funr = jl_dimap_file(m, b, fu, strlen(fu), 1);
    assert_non_null(funr);
    if (geteuid() != 0)
        assert_int_equal(jl_dimap_difile_get_md5(funr, got), 0);
    LLVMDisposeDIBuilder(b2);
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
    assert_int_equal(chmod(fu, 0600), 0);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(fa);
    free(fu);
    free(ff);
    free(tmp);
}

// The scan reads no source file either: the map's MD5 is the one the DIFile
// carries (DWARF 5), else `-`; and no DIFile changes.
static void test_scan_reads_nothing(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("dimap-rwmd5");
    char *fa = jl_test_fmt("%s/packages/A/x1/src/A.jl", tmp);
    char *fb = jl_test_fmt("%s/packages/A/x1/src/B.jl", tmp);
    jl_test_write_file(fa, "a\n", 2);
    jl_test_write_file(fb, "b\n", 2);
    jl_depot_stack_t *s = stack_of(tmp);
    jl_dimap_t *m;
    assert_int_equal(jl_dimap_new(s, 0, ID, &m), JL_DEPOT_E_OK);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("julia", ctx);
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    const char *sum = "0123456789ABCDEF0123456789abcdef"; // not the file's: taken as is
    LLVMMetadataRef f1 = jl_dimap_difile_md5(b, fa, strlen(fa), ".", 1, sum);
    LLVMMetadataRef f2 = LLVMDIBuilderCreateFile(b, "B.jl", 4, fb, strlen(fb) - 5);
    LLVMAddNamedMetadataOperand(
        mod, "llvm.dbg.cu",
        LLVMMetadataAsValue(ctx, LLVMDIBuilderCreateCompileUnit(
                                     b, LLVMDWARFSourceLanguageJulia, f1, "julia", 5, 0, "", 0, 0,
                                     "", 0, LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0)));
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    LLVMValueRef g = LLVMAddGlobal(mod, i32, "g");
    LLVMSetInitializer(g, LLVMConstInt(i32, 0, 0));
    LLVMMetadataRef gty = LLVMDIBuilderCreateBasicType(b, "Int32", 5, 32, 5, LLVMDIFlagZero);
    LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(ctx, "dbg", 3),
                          LLVMDIBuilderCreateGlobalVariableExpression(
                              b, f2, "G", 1, "g", 1, f2, 2, gty, 0,
                              LLVMDIBuilderCreateExpression(b, NULL, 0), NULL, 0));
    LLVMDIBuilderFinalize(b);
    assert_int_equal(jl_dimap_scan_module(m, mod), JL_DEPOT_E_OK);
    assert_int_equal(jl_dimap_scanned(m), 2);
    assert_file(f1, fa, ".");
    char *dir = jl_test_fmt("%.*s", (int)(strlen(fb) - 5), fb);
    assert_file(f2, "B.jl", dir);
    free(dir);
    char got[33];
    assert_int_equal(jl_dimap_difile_get_md5(f1, got), 1); // the checksum is kept
    assert_string_equal(got, "0123456789abcdef0123456789abcdef");
    char *text;
    assert_int_equal(jl_dimap_text(m, &text, NULL), JL_DEPOT_E_OK);
    // (in the order the walk met them)
    char *la = jl_test_fmt("\nfile\t/@depot-%s-1/packages/A/x1/src/A.jl\t"
                           "0123456789abcdef0123456789abcdef\n",
                           ID);
    char *lb = jl_test_fmt("\nfile\t/@depot-%s-1/packages/A/x1/src/B.jl\t-\n", ID);
    assert_true(contains(text, la));
    assert_true(contains(text, lb));
    free(text);
    free(la);
    free(lb);
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    jl_dimap_free(m);
    jl_depot_stack_free(s);
    assert_int_equal(jl_test_rmtree(tmp), 0);
    free(fa);
    free(fb);
    free(tmp);
}

JL_TEST_MAIN(cmocka_unit_test(test_file_roles_and_k), cmocka_unit_test(test_memoized),
             cmocka_unit_test(test_image_id), cmocka_unit_test(test_scan_module),
             cmocka_unit_test(test_embed_and_read_back), cmocka_unit_test(test_dwarf5_md5),
             cmocka_unit_test(test_dwarf4_reads_nothing), cmocka_unit_test(test_scan_reads_nothing))
