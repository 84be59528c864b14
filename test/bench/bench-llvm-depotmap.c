// This file is a part of the jldepot project. License is MIT.

/*
  bench-llvm-depotmap.c: what the debug-info path mapper costs codegen.  A
  generated module of 10,000 functions (each a few instructions with their
  own locations) over 1,000 distinct source files of a temporary depot is
  emitted to an x86-64 object in memory, in the same run:
    baseline  DIFiles as Julia writes them today (absolute path, ".")
    mapped    DIFiles through the mapper (tokenize + MD5 of each file once),
              then the rewrite pass over the whole module, then the map
              embedded in .jl_depot_map
  Prints the median of 3 of each (module build + emission), the mapper's own
  share, and the ratio mapped / baseline.  Figures, not a pass/fail test.

    bench-llvm-depotmap [NFUNCS [NFILES]]
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

#include "llvm-depotmap.h"

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

// Build and emit one module; returns the total seconds, *mapper the part
// spent in the mapper (0 for the baseline), *objsize the object's size.
static double last_rewrite; // seconds of the rewrite pass in the last mapped run

static double run_once(bench_t *B, int mapped, double *mapper, size_t *objsize)
{
    double t0 = now(), tm_map = 0;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("julia", ctx);
    LLVMSetTarget(mod, "x86_64-pc-linux-gnu");
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
                      LLVMValueAsMetadata(LLVMConstInt(i64, 4, 0)));
    LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
                      LLVMValueAsMetadata(LLVMConstInt(i64, LLVMDebugMetadataVersion(), 0)));
    LLVMDIBuilderRef b = LLVMCreateDIBuilder(mod);
    jl_dimap_t *m = NULL;
    LLVMMetadataRef cuf;
    if (mapped) {
        double t = now();
        if (jl_dimap_new(B->stack, 0, "0123456789abcdef", &m) != JL_DEPOT_E_OK)
            abort();
        cuf = jl_dimap_cu_file(m, b, 0);
        tm_map += now() - t;
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
        if (mapped) {
            double t = now();
            file = jl_dimap_file(m, b, path, strlen(path), 0);
            tm_map += now() - t;
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
    if (mapped) {
        double t = now();
        if (jl_dimap_rewrite_module(m, mod) != JL_DEPOT_E_OK)
            abort();
        last_rewrite = now() - t;
        if (jl_dimap_embed(m, mod) != JL_DEPOT_E_OK)
            abort();
        tm_map += now() - t;
    }
    char *msg = NULL;
    LLVMMemoryBufferRef buf = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(B->tm, mod, LLVMObjectFile, &msg, &buf)) {
        fprintf(stderr, "emit: %s\n", msg);
        abort();
    }
    *objsize = LLVMGetBufferSize(buf);
    LLVMDisposeMemoryBuffer(buf);
    LLVMDisposeDIBuilder(b);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    jl_dimap_free(m);
    *mapper = tm_map;
    return now() - t0;
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
    jl_depot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.depot_path = tmp;
    cfg.home = "/nonexistent-home";
    cfg.list_sep = ':';
    cfg.casefold = 0;
    if (jl_depot_stack_new(&cfg, &B.stack) != JL_DEPOT_E_OK)
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
    enum { N = 3 };
    double base[N], map[N], share[N], rw[N];
    size_t sbase = 0, smap = 0;
    for (int r = 0; r < N; r++) { // interleaved, so drift hits both alike
        double unused;
        base[r] = run_once(&B, 0, &unused, &sbase);
        map[r] = run_once(&B, 1, &share[r], &smap);
        rw[r] = last_rewrite;
    }
    qsort(base, N, sizeof(double), cmp_double);
    qsort(map, N, sizeof(double), cmp_double);
    qsort(share, N, sizeof(double), cmp_double);
    qsort(rw, N, sizeof(double), cmp_double);
    printf("bench-llvm-depotmap: %zu functions, %zu files, x86-64 object in memory, median of %d\n",
           B.nfuncs, B.nfiles, N);
    printf("  baseline (absolute DIFiles):            %8.1f ms  (object %zu bytes)\n",
           base[N / 2] * 1e3, sbase);
    printf("  mapped (mapper + rewrite pass + embed): %8.1f ms  (object %zu bytes)\n",
           map[N / 2] * 1e3, smap);
    printf("  of which in the mapper:                 %8.1f ms  (%.2f %% of baseline)\n",
           share[N / 2] * 1e3, 100.0 * share[N / 2] / base[N / 2]);
    printf("  of which in the rewrite pass:           %8.1f ms\n", rw[N / 2] * 1e3);
    printf("  ratio mapped / baseline: %.4f  (overhead %+.2f %%; target under 1 %%)\n",
           map[N / 2] / base[N / 2], 100.0 * (map[N / 2] / base[N / 2] - 1.0));
    LLVMDisposeTargetMachine(B.tm);
    jl_depot_stack_free(B.stack);
    for (size_t i = 0; i < B.nfiles; i++)
        free(B.files[i]);
    free(B.files);
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
