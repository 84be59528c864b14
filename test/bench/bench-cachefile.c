// This file is a part of the jldepot project. License is MIT.

/*
  bench-cachefile.c: the cache-file codec on a large header: an R12 cache
  (built in memory with the codec's writer) with 5,000 dependencies with
  realistic path lengths (4,000 include()d sources with their text, 600
  include_dependency files, 400 require keys).  Reports the time per parse,
  per header rewrite (every name mapped) and per plain write, with bytes/s,
  as ratios against the baseline of one crc32c pass over the same bytes
  (what Julia's own crc_ji check costs).  A report, not a pass/fail test.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cachefile.h"
#include "crc32c.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int map_depot(void *ctx, const char *name, size_t len, char **out, size_t *outlen)
{
    const char *to = ctx;
    if (len < 7 || memcmp(name, "@depot/", 7) != 0)
        return JL_DEPOT_E_OK;
    size_t tl = strlen(to);
    *outlen = tl + len - 6;
    *out = malloc(*outlen);
    if (!*out)
        return JL_DEPOT_E_NOMEM;
    memcpy(*out, to, tl);
    memcpy(*out + tl, name + 6, len - 6);
    return JL_DEPOT_E_OK;
}

int main(void)
{
    enum { NDEPS = 5000, NINC = 4000, NIDEP = 600 };
    jl_cachefile_t cf;
    memset(&cf, 0, sizeof(cf));
    cf.layout = JL_CACHE_LAYOUT_R12;
    cf.format_version = 12;
    cf.pointer_size = 8;
    cf.build_os = (jl_cache_str_t){"Linux", 5};
    cf.build_arch = (jl_cache_str_t){"x86_64", 6};
    cf.julia_version = (jl_cache_str_t){"1.12.0", 6};
    cf.git_branch = (jl_cache_str_t){"release-1.12", 12};
    cf.git_commit = (jl_cache_str_t){"b907bd0600f7041cce39a028cd63a1e154b42d62", 40};
    cf.checksum = 0xFAFBFCFD12345678ULL;
    cf.flags = 0xA3;
    jl_cache_worklist_t wl = {{"BigPackage", 10}, {0x1234, 0x5678}, 0x3ee0c758550ULL};
    cf.worklist = &wl;
    cf.nworklist = 1;
    cf.deps = calloc(NDEPS, sizeof(jl_cache_dep_t));
    cf.srctext = calloc(NINC, sizeof(jl_cache_srctext_t));
    static char text[240];
    memset(text, 'x', sizeof(text));
    for (int i = 0; i < NDEPS; i++) {
        jl_cache_dep_t *d = &cf.deps[cf.ndeps++];
        char *p = malloc(128);
        int n;
        if (i < NINC) {
            n = snprintf(p, 128, "@depot/packages/Pkg%03d/Ab%03d/src/component_%d/file_%05d.jl",
                         i / 40, i / 40, i % 7, i);
            d->kind = JL_CACHE_DEP_INCLUDE;
            d->provides = i ? 1 : 0;
            d->fsize = 240;
            d->hash = (uint32_t)i * 2654435761u;
            d->mtime = -1.0;
            jl_cache_srctext_t *s = &cf.srctext[cf.nsrctext++];
            s->name = (jl_cache_str_t){p, (size_t)n};
            s->text = (const uint8_t *)text;
            s->len = sizeof(text);
        }
        else if (i < NINC + NIDEP) {
            n = snprintf(p, 128, "@depot/artifacts/%040x/share/data_%05d.bin", i, i);
            d->kind = JL_CACHE_DEP_INCLUDE_DEPENDENCY;
            d->fsize = 1000 + (uint64_t)i;
            d->hash = (uint32_t)i;
            d->mtime = -1.0;
        }
        else {
            p[0] = 0;
            memset(p + 1, i & 0xff, 16);
            n = 17 + snprintf(p + 17, 110, "Dependency%04d", i);
            d->kind = JL_CACHE_DEP_REQUIRE;
            d->provides = 1;
        }
        d->path = (jl_cache_str_t){p, (size_t)n};
    }
    cf.srctextpos = 1;
    static uint8_t clone[114];
    clone[0] = 1;
    clone[8] = 11;
    clone[8 + 4 + 88] = 6;
    memcpy(clone + 8 + 4 + 88 + 4, "znver4", 6);
    cf.clone_targets = clone;
    cf.clone_len = sizeof(clone);
    uint8_t *file;
    size_t len;
    if (jl_cachefile_write(&cf, 64, &file, &len)) {
        fprintf(stderr, "bench-cachefile: cannot build the header\n");
        return 1;
    }
    jl_cachefile_t *p;
    if (jl_cachefile_parse(file, len, 0, &p)) {
        fprintf(stderr, "bench-cachefile: cannot parse the header\n");
        return 1;
    }
    size_t header = p->srctextpos; // up to the source text
    printf("file: %zu bytes (%zu header bytes before the source text), %zu dependencies, "
           "%zu source texts\n",
           len, header, p->ndeps, p->nsrctext);
    jl_cachefile_free(p);

    // baseline: one crc32c pass over the whole file
    int reps = 400;
    volatile uint32_t sink = 0;
    double t0 = now();
    for (int r = 0; r < reps; r++)
        sink += jl_crc32c(0, (const char *)file, len);
    double t_crc = (now() - t0) / reps;

    t0 = now();
    for (int r = 0; r < reps; r++) {
        jl_cachefile_parse(file, len, 0, &p);
        jl_cachefile_free(p);
    }
    double t_parse = (now() - t0) / reps;

    jl_cachefile_parse(file, len, 0, &p);
    int wreps = 100;
    t0 = now();
    for (int r = 0; r < wreps; r++) {
        uint8_t *o;
        size_t ol;
        jl_cachefile_write(p, 0, &o, &ol);
        free(o);
    }
    double t_write = (now() - t0) / wreps;
    t0 = now();
    for (int r = 0; r < wreps; r++) {
        uint8_t *o;
        size_t ol;
        jl_cachefile_rewrite_names(p, map_depot, "/opt/relocated/julia/depot", &o, &ol);
        free(o);
    }
    double t_rewrite = (now() - t0) / wreps;
    jl_cachefile_free(p);

    printf("baseline crc32c of the file (%s): %.1f us (%.0f MB/s)\n", jl_crc32c_impl(), t_crc * 1e6,
           (double)len / t_crc / 1e6);
    printf("parse (5,000 deps):         %.1f us per parse, %.0f MB/s, %.2fx the baseline\n",
           t_parse * 1e6, (double)len / t_parse / 1e6, t_parse / t_crc);
    printf("write (no change):          %.1f us per write, %.0f MB/s, %.2fx the baseline\n",
           t_write * 1e6, (double)len / t_write / 1e6, t_write / t_crc);
    printf("rewrite names (5,000 deps): %.1f us per rewrite, %.0f MB/s, %.2fx the baseline\n",
           t_rewrite * 1e6, (double)len / t_rewrite / 1e6, t_rewrite / t_crc);
    printf("target: parse under 1 ms: %s\n", t_parse < 1e-3 ? "met" : "NOT met");
    for (size_t i = 0; i < cf.ndeps; i++)
        free((void *)cf.deps[i].path.ptr);
    free(cf.deps);
    free(cf.srctext);
    free(file);
    return (int)(sink & 0);
}
