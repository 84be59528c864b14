// This file is a part of the jldepot project. License is MIT.

/*
  bench-depotpath.c: tokenize + resolve (NOSTAT) of realistic depot paths
  against a stack of 3 depots, as a ratio against a naive baseline measured
  in the same run: upstream's replace_depot_path rule (strncmp of each
  DEPOT_PATH entry + separator check, first match wins, then building the
  output string) and its restore_depot_path (prefix check + building the
  path).  Also the memoized namemap: ns per repeated lookup.
  A report, not a test: nothing is asserted.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "depotpath_namemap.h"
#include "jldepot_upstream.h"
#include "bench/bench-stack.h"

#define NPATHS  300000
#define NROUNDS 5

static const char *const depots[3] = {"/home/someuser/.julia", "/opt/site/julia/depot",
                                      "/usr/local/share/julia"};

static uint64_t rng = 12345;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33) % n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *const names[] = {"DataFrames",  "CSV",   "Plots", "StaticArrays", "Makie",
                                    "ForwardDiff", "JSON3", "HTTP",  "Zygote",       "CUDA"};
static const char *const subs[] = {"src", "src/abstractdataframe", "ext", "src/backends", "test"};
static const char *const files[] = {"file.jl", "utils.jl",        "DataFrames.jl",
                                    "show.jl", "broadcasting.jl", "precompile.jl"};

// The naive baseline: upstream's rule, byte for byte.
static size_t naive_tokenize(const char *p, size_t n, char *out)
{
    for (int i = 0; i < 3; i++) {
        size_t dl = strlen(depots[i]);
        if (strncmp(p, depots[i], dl) == 0 && (p[dl] == '/' || p[dl] == '\0')) {
            memcpy(out, "@depot", 6);
            memcpy(out + 6, p + dl, n - dl + 1);
            return 6 + n - dl;
        }
    }
    memcpy(out, p, n + 1);
    return n;
}

static size_t naive_resolve(const char *t, size_t n, int depot, char *out)
{
    if (strncmp(t, "@depot", 6) == 0 && (t[6] == '/' || t[6] == '\0')) {
        size_t dl = strlen(depots[depot]);
        memcpy(out, depots[depot], dl);
        memcpy(out + dl, t + 6, n - 6 + 1);
        return dl + n - 6;
    }
    memcpy(out, t, n + 1);
    return n;
}

int main(void)
{
    char list[1024];
    snprintf(list, sizeof(list), "%s:%s:%s", depots[0], depots[1], depots[2]);
    jl_depot_stack_t *s = classic_stack(list);
    if (s == NULL)
        return 2;

    char **paths = (char **)malloc(NPATHS * sizeof(char *));
    size_t *lens = (size_t *)malloc(NPATHS * sizeof(size_t));
    int *which = (int *)malloc(NPATHS * sizeof(int));
    size_t total_bytes = 0;
    for (int i = 0; i < NPATHS; i++) {
        char buf[512];
        int d = (int)rnd(3);
        which[i] = d;
        int kind = (int)rnd(10);
        if (kind < 8)
            snprintf(buf, sizeof(buf), "%s/packages/%s/%c%c%c%c%c/%s/%s", depots[d], names[rnd(10)],
                     'a' + rnd(26), 'A' + rnd(26), '0' + rnd(10), 'a' + rnd(26), 'X' + rnd(3),
                     subs[rnd(5)], files[rnd(6)]);
        else if (kind == 8)
            snprintf(buf, sizeof(buf), "%s/compiled/v1.11/%s/%c%c%c%c%c_%u.ji", depots[d],
                     names[rnd(10)], 'a' + rnd(26), 'b' + rnd(20), 'c' + rnd(20), 'Q' + rnd(5),
                     'z' - rnd(5), rnd(100000));
        else
            snprintf(buf, sizeof(buf), "%s/artifacts/%08x%08x/lib/lib%s.so", depots[d], rnd(~0u),
                     rnd(~0u), names[rnd(10)]);
        paths[i] = strdup(buf);
        lens[i] = strlen(buf);
        total_bytes += lens[i];
    }

    char tok[JL_DEPOT_PATH_MAX + 1], res[JL_DEPOT_PATH_MAX + 1];
    // --- ours ---
    double best_ours = 1e30;
    size_t sink = 0;
    for (int r = 0; r < NROUNDS; r++) {
        double t0 = now();
        for (int i = 0; i < NPATHS; i++) {
            size_t tl, rl;
            long depot;
            jl_depot_tokenize_buf(s, -1, paths[i], lens[i], tok, sizeof(tok), &tl, &depot);
            jl_depot_resolve_buf(s, depot, JL_DEPOT_RESOLVE_NOSTAT, tok, tl, res, sizeof(res), &rl,
                                 NULL);
            sink += rl;
        }
        double dt = now() - t0;
        if (dt < best_ours)
            best_ours = dt;
    }
    // --- the tool's upstream form ---
    jldepot_upstream_t *up = NULL;
    if (jldepot_upstream_new(s, 0, &up) != JL_DEPOT_E_OK)
        return 1;
    double best_up = 1e30;
    for (int r = 0; r < NROUNDS; r++) {
        double t0 = now();
        for (int i = 0; i < NPATHS; i++) {
            size_t tl, rl;
            long depot;
            jldepot_upstream_tokenize(up, -1, paths[i], lens[i], tok, sizeof(tok), &tl, &depot);
            jl_depot_resolve_buf(s, depot, JL_DEPOT_RESOLVE_NOSTAT, tok, tl, res, sizeof(res), &rl,
                                 NULL);
            sink += rl;
        }
        double dt = now() - t0;
        if (dt < best_up)
            best_up = dt;
    }
    // --- baseline ---
    double best_naive = 1e30;
    for (int r = 0; r < NROUNDS; r++) {
        double t0 = now();
        for (int i = 0; i < NPATHS; i++) {
            size_t tl = naive_tokenize(paths[i], lens[i], tok);
            size_t rl = naive_resolve(tok, tl, which[i], res);
            sink += rl;
        }
        double dt = now() - t0;
        if (dt < best_naive)
            best_naive = dt;
    }
    // check that both produced the same round trip on a sample
    int mismatches = 0;
    for (int i = 0; i < NPATHS; i += 97) {
        size_t tl, rl;
        long depot;
        jl_depot_tokenize_buf(s, -1, paths[i], lens[i], tok, sizeof(tok), &tl, &depot);
        jl_depot_resolve_buf(s, depot, JL_DEPOT_RESOLVE_NOSTAT, tok, tl, res, sizeof(res), &rl,
                             NULL);
        mismatches += strcmp(res, paths[i]) != 0;
    }

    printf("paths: %d (%.1f bytes avg), 3 depots, best of %d rounds\n", NPATHS,
           (double)total_bytes / NPATHS, NROUNDS);
    printf("baseline (upstream replace/restore_depot_path rule):  %7.2f M paths/s  %6.1f ns/path\n",
           NPATHS / best_naive / 1e6, best_naive / NPATHS * 1e9);
    printf("jl_depot tokenize+resolve (role tokens, NOSTAT):      %7.2f M paths/s  %6.1f ns/path  "
           "ratio %.2fx baseline time\n",
           NPATHS / best_ours / 1e6, best_ours / NPATHS * 1e9, best_ours / best_naive);
    printf("jldepot upstream form + resolve (tool, NOSTAT):       %7.2f M paths/s  %6.1f ns/path  "
           "ratio %.2fx baseline time\n",
           NPATHS / best_up / 1e6, best_up / NPATHS * 1e9, best_up / best_naive);
    printf("round-trip mismatches in sample: %d\n", mismatches);

    // --- namemap: repeated lookups ---
    jl_depot_namemap_t *m = NULL;
    char cache[256];
    snprintf(cache, sizeof(cache), "%s/compiled/v1.11/DataFrames/abcde_12345.ji", depots[1]);
    if (jl_depot_namemap_new(s, cache, JL_DEPOT_NAMEMAP_NOSTAT, &m) != JL_DEPOT_E_OK)
        return 2;
    enum { NDISTINCT = 4000, NLOOKUPS = 10000000 };
    const char **toks = (const char **)malloc(NDISTINCT * sizeof(char *));
    for (int i = 0; i < NDISTINCT; i++)
        jl_depot_namemap_tokenize_n(m, paths[i], lens[i], &toks[i]);
    uint32_t *idx = (uint32_t *)malloc(NLOOKUPS * sizeof(uint32_t));
    for (int k = 0; k < NLOOKUPS; k++)
        idx[k] = rnd(NDISTINCT);
    double t0 = now();
    for (int k = 0; k < NLOOKUPS; k++) {
        const char *o;
        if (k & 1)
            jl_depot_namemap_tokenize_n(m, paths[idx[k]], lens[idx[k]], &o);
        else
            jl_depot_namemap_resolve_n(m, toks[idx[k]], strlen(toks[idx[k]]), &o);
        sink += (size_t)(o != NULL);
    }
    double dt = now() - t0;
    // the same lookups done for real each time
    t0 = now();
    for (int k = 0; k < NLOOKUPS / 10; k++) {
        size_t ol;
        int i = (int)idx[k];
        if (k & 1)
            jl_depot_tokenize_buf(s, 1, paths[i], lens[i], tok, sizeof(tok), &ol, NULL);
        else
            jl_depot_resolve_buf(s, 1, JL_DEPOT_RESOLVE_NOSTAT, toks[i], strlen(toks[i]), res,
                                 sizeof(res), &ol, NULL);
        sink += ol;
    }
    double dt_direct = (now() - t0) * 10;
    printf("namemap: %d lookups over %d distinct names: %.1f ns/lookup (direct calls: %.1f ns)\n",
           NLOOKUPS, NDISTINCT, dt / NLOOKUPS * 1e9, dt_direct / NLOOKUPS * 1e9);
    jl_depot_namemap_free(m);
    free(idx);
    free(toks);
    for (int i = 0; i < NPATHS; i++)
        free(paths[i]);
    free(paths);
    free(lens);
    free(which);
    jldepot_upstream_free(up);
    jl_depot_stack_free(s);
    fprintf(stderr, "(sink %zu)\n", sink);
    return 0;
}
