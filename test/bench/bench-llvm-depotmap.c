// This file is a part of the jldepot project. License is MIT.

/*
  bench-llvm-depotmap.c: what the debug-info depot map costs codegen.  A
  generated module of 10,000 functions (each a few instructions with their
  own locations) over 1,000 distinct source files of a temporary depot is
  emitted to an x86-64 object in memory, in the same run, interleaved:
    baseline     DIFiles as Julia writes them (absolute path, "."), one
                 createFile per function, for DWARF 4 and for DWARF 5 (no
                 checksums)
    codegen      DIFiles as the test bed (mkdiso) makes them: one per
                 distinct path, memoized by the codegen; with DWARF 5 each
                 carries the MD5 of its file, read once
                 (test/tools/dimap-testbed.cpp); then the map: the scan of
                 the module, its text, embedded in .jl_depot_map; DWARF 4
                 and DWARF 5, each against the baseline of its version
    scan         the DWARF 4 baseline module, then the scan, the text and
                 the embedded map: what Julia's codegen does for a pkgimage
  Prints the median of 5 of each: module build + emission (CPU time), the
  ratio against the baseline, and the map's own time (wall time: the
  DIFiles made in codegen mode, jl_dimap_new, jl_dimap_scan_module,
  jl_dimap_text, jl_dimap_embed_text, jl_dimap_free) in % of the baseline,
  with its parts: in codegen mode the DIFiles and the embedded map (scan,
  text and embedding), in scan mode the scan and the embedded map (text and
  embedding).  Figures, not a pass/fail test.

    bench-llvm-depotmap [NFUNCS [NFILES [REPS]]]
*/

#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "bench/bench-stack.h"
#include "llvm-depotmap.h"
#include "tools/dimap-testbed.h"

static void write_file(const char *path, const char *text)
{
    char *p = strdup(path);
    for (char *q = p + 1; *q; q++)
        if (*q == '/') {
            *q = '\0';
            mkdir(p, 0777);
            *q = '/';
        }
    free(p);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

// The process's CPU time: the totals, which a loaded machine disturbs less
// than wall time.  (The mapper's own parts are many short intervals, timed
// with the cheap monotonic clock; preemption can only make them larger.)
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    char **files;
    size_t nfiles, nfuncs;
    jl_depot_stack_t *stack;
    LLVMTargetMachineRef tm;
} bench_t;

enum { BASE, CODEGEN, REWRITE };

typedef struct {
    double total;   // module build + emission, CPU time
    double mapper;  // of which in the map (0 for the baseline)
    double rewrite; // of which in jl_dimap_scan_module
    double files;   // of which in making the memoized DIFiles (codegen mode)
    double embed;   // of which in jl_dimap_text and jl_dimap_embed_text
    size_t objsize;
} sample_t;

// The DIFile of file `i` in codegen mode: made on first use, as the test
// bed does (with DWARF 5 carrying the MD5 of the file's bytes).
static LLVMMetadataRef codegen_file(bench_t *B, LLVMDIBuilderRef b, LLVMMetadataRef *memo, size_t i,
                                    int dwarf5)
{
    if (memo[i] != NULL)
        return memo[i];
    const char *path = B->files[i];
    if (dwarf5) {
        char md5[33];
        if (tb_md5_file(path, md5) != 0)
            abort();
        memo[i] = tb_difile_md5(b, path, strlen(path), ".", 1, md5);
    }
    else {
        memo[i] = LLVMDIBuilderCreateFile(b, path, strlen(path), ".", 1);
    }
    if (memo[i] == NULL)
        abort();
    return memo[i];
}

// Build and emit one module in `mode` with DWARF `dwarf`.
static sample_t run_once(bench_t *B, int mode, int dwarf)
{
    sample_t S = {0, 0, 0, 0, 0, 0};
    double t0 = cpu_now(), t;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("julia", ctx);
    LLVMSetTarget(mod, "x86_64-pc-linux-gnu");
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
                      LLVMValueAsMetadata(LLVMConstInt(i64, (unsigned)dwarf, 0)));
    LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i64, LLVMDebugMetadataVersion(), 0)));
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    jl_dimap_t *m = NULL;
    LLVMMetadataRef cuf;
    LLVMMetadataRef *memo = NULL;
    int dwarf5 = dwarf >= 5;
    if (mode != BASE) {
        t = now();
        if (jl_dimap_new(B->stack, 0, "0123456789abcdef", &m) != JL_DEPOT_E_OK)
            abort();
        S.mapper += now() - t;
    }
    if (mode == CODEGEN) {
        t = now();
        memo = calloc(B->nfiles, sizeof(LLVMMetadataRef));
        if (memo == NULL)
            abort();
        // a DWARF 5 line table has an MD5 for every file or for none
        cuf = dwarf5 ? tb_difile_md5(b, "julia", 5, ".", 1, TB_EMPTY_MD5)
                     : LLVMDIBuilderCreateFile(b, "julia", 5, ".", 1);
        S.files += now() - t;
    }
    else {
        cuf = LLVMDIBuilderCreateFile(b, "julia", 5, ".", 1);
    }
    LLVMDIBuilderCreateCompileUnit(b, LLVMDWARFSourceLanguageJulia, cuf, "julia", 5, 1, "", 0, 0,
                                   "", 0, LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
    LLVMTypeRef fnty = LLVMFunctionType(i64, &i64, 1, 0);
    LLVMBuilderRef bld = LLVMCreateBuilderInContext(ctx);
    char name[64];
    for (size_t i = 0; i < B->nfuncs; i++) {
        const char *path = B->files[i % B->nfiles];
        LLVMMetadataRef file;
        if (mode == CODEGEN) {
            t = now();
            file = codegen_file(B, b, memo, i % B->nfiles, dwarf5);
            S.files += now() - t;
        }
        else {
            file = LLVMDIBuilderCreateFile(b, path, strlen(path), ".", 1);
        }
        snprintf(name, sizeof(name), "julia_f_%zu", i);
        LLVMValueRef fn = LLVMAddFunction(mod, name, fnty);
        unsigned line = (unsigned)(1 + i % 97);
        LLVMMetadataRef ty = LLVMDIBuilderCreateSubroutineType(b, file, NULL, 0, LLVMDIFlagZero);
        LLVMMetadataRef sp =
            LLVMDIBuilderCreateFunction(b, file, name, strlen(name), name, strlen(name), file, line,
                                        ty, 0, 1, line, LLVMDIFlagZero, 1);
        LLVMSetSubprogram(fn, sp);
        LLVMPositionBuilderAtEnd(bld, LLVMAppendBasicBlockInContext(ctx, fn, "top"));
        LLVMValueRef v = LLVMGetParam(fn, 0);
        for (unsigned k = 0; k < 4; k++) {
            LLVMSetCurrentDebugLocation2(
                bld, LLVMDIBuilderCreateDebugLocation(ctx, line + k, 5, sp, NULL));
            v = LLVMBuildAdd(bld, LLVMBuildMul(bld, v, LLVMConstInt(i64, 3 + k, 0), ""),
                             LLVMConstInt(i64, i + k, 0), "");
        }
        LLVMBuildRet(bld, v);
    }
    LLVMDisposeBuilder(bld);
    LLVMDIBuilderFinalize(b);
    free(memo);
    if (mode != BASE) {
        // what Julia does at the end of an image: scan, text, embed
        t = now();
        if (jl_dimap_scan_module(m, mod) != JL_DEPOT_E_OK)
            abort();
        S.rewrite = now() - t;
        t = now();
        char *text = NULL;
        size_t len = 0;
        if (jl_dimap_text(m, &text, &len) != JL_DEPOT_E_OK ||
            jl_dimap_embed_text(mod, text, len) != JL_DEPOT_E_OK)
            abort();
        free(text);
        S.embed = now() - t;
        S.mapper += S.rewrite + S.embed + S.files;
    }
    char *msg = NULL;
    LLVMMemoryBufferRef buf = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(B->tm, mod, LLVMObjectFile, &msg, &buf)) {
        fprintf(stderr, "emit: %s\n", msg);
        abort();
    }
    S.objsize = LLVMGetBufferSize(buf);
    LLVMDisposeMemoryBuffer(buf);
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    t = now();
    jl_dimap_free(m);
    S.mapper += now() - t;
    S.total = cpu_now() - t0;
    return S;
}

enum { NRUNS = 5 };
static const struct {
    int mode, dwarf, base; // base: index of the baseline run
    const char *label;
} runs[NRUNS] = {
    {BASE, 4, 0, "baseline DWARF 4 (absolute DIFiles)"},
    {BASE, 5, 1, "baseline DWARF 5 (absolute DIFiles)"},
    {CODEGEN, 4, 0, "codegen mode DWARF 4 (mapper + embed)"},
    {CODEGEN, 5, 1, "codegen mode DWARF 5 (mapper + MD5s + embed)"},
    {REWRITE, 4, 0, "scan mode DWARF 4 (scan + embed)"},
};

static double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    bench_t B;
    memset(&B, 0, sizeof(B));
    B.nfuncs = argc > 1 ? (size_t)atol(argv[1]) : 10000;
    B.nfiles = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    if (B.nfuncs == 0 || B.nfiles == 0)
        return 2;
    const char *td = getenv("TMPDIR");
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%.200s/bench-dimap-XXXXXX", td && td[0] ? td : "/tmp");
    if (mkdtemp(tmp) == NULL)
        return 1;
    B.files = calloc(B.nfiles, sizeof(char *));
    for (size_t i = 0; i < B.nfiles; i++) {
        char path[4096], text[64];
        snprintf(path, sizeof(path), "%s/packages/P%zu/ab%03zu/src/file%zu.jl", tmp, i % 50, i % 50,
                 i);
        snprintf(text, sizeof(text), "f%zu(x) = x + %zu\n", i, i);
        write_file(path, text);
        B.files[i] = strdup(path);
    }
    // the one classic depot, as Base hands it to the runtime
    B.stack = classic_stack(tmp);
    if (B.stack == NULL)
        return 1;
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMTargetRef tgt;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple("x86_64-pc-linux-gnu", &tgt, &msg))
        return 1;
    B.tm = LLVMCreateTargetMachine(tgt, "x86_64-pc-linux-gnu", "x86-64", "", LLVMCodeGenLevelNone,
                                   LLVMRelocPIC, LLVMCodeModelDefault);
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (reps < 1)
        return 2;
    double *tot = calloc((size_t)(NRUNS * reps), sizeof(double));
    double *map = calloc((size_t)(NRUNS * reps), sizeof(double));
    double *rw = calloc((size_t)(NRUNS * reps), sizeof(double));
    double *fi = calloc((size_t)(NRUNS * reps), sizeof(double));
    double *em = calloc((size_t)(NRUNS * reps), sizeof(double));
    double *se = calloc((size_t)(NRUNS * reps), sizeof(double));
    size_t objsize[NRUNS];
    sample_t warm = run_once(&B, BASE, 4); // not counted: first allocations, page faults
    (void)warm;
    for (int r = 0; r < reps; r++) {
        // interleaved, so drift hits all alike, and each rep starts with
        // another run, so no run always follows the same one
        for (int j = 0; j < NRUNS; j++) {
            int k = (r + j) % NRUNS;
            sample_t S = run_once(&B, runs[k].mode, runs[k].dwarf);
            tot[k * reps + r] = S.total;
            map[k * reps + r] = S.mapper;
            objsize[k] = S.objsize;
            rw[k * reps + r] = S.rewrite;
            fi[k * reps + r] = S.files;
            em[k * reps + r] = S.embed;
            se[k * reps + r] = S.rewrite + S.embed;
        }
    }
    double mtot[NRUNS], mmap[NRUNS];
    for (int k = 0; k < NRUNS; k++) {
        mtot[k] = median(tot + k * reps, reps);
        mmap[k] = median(map + k * reps, reps);
    }
    printf("bench-llvm-depotmap: %zu functions, %zu files, x86-64 object in memory, median of %d\n"
           "  (build + emission in CPU time; the mapper's own time in wall time)\n",
           B.nfuncs, B.nfiles, reps);
    for (int k = 0; k < NRUNS; k++) {
        printf("  %-46s %8.1f ms  (object %zu bytes)\n", runs[k].label, mtot[k] * 1e3, objsize[k]);
        if (runs[k].mode == BASE)
            continue;
        double base = mtot[runs[k].base];
        printf("      ratio / baseline DWARF %d: %.4f;  in the mapper %6.2f ms = %.2f %% of "
               "baseline\n",
               runs[k].dwarf, mtot[k] / base, mmap[k] * 1e3, 100.0 * mmap[k] / base);
        if (runs[k].mode == REWRITE)
            printf("      of which the scan %.2f ms, the embedded map %.2f ms\n",
                   median(rw + k * reps, reps) * 1e3, median(em + k * reps, reps) * 1e3);
        else // the map made and embedded: its scan, its text, the constant
            printf("      of which the DIFiles %.2f ms, the embedded map %.2f ms\n",
                   median(fi + k * reps, reps) * 1e3, median(se + k * reps, reps) * 1e3);
    }
    printf("  (target: the mapper under 1 %% of the baseline)\n");
    free(tot);
    free(map);
    free(rw);
    free(fi);
    free(em);
    free(se);
    LLVMDisposeTargetMachine(B.tm);
    jl_depot_stack_free(B.stack);
    for (size_t i = 0; i < B.nfiles; i++)
        free(B.files[i]);
    free(B.files);
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
