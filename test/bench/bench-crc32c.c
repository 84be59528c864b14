// This file is a part of the jldepot project. License is MIT.

/*
  bench-crc32c.c: in-process CRC-32C throughput on a 256 MiB buffer, best of
  several rounds: jl_crc32c (the dispatched implementation), jl_crc32c_sw (the
  portable tables), and memcpy of the same buffer (the memory bandwidth, the
  physical limit of any pass over the bytes).  Prints GB/s and the ratios
  hw/memcpy and hw/sw.  A report, not a test: nothing is asserted.
  BENCH_CRC32C_MIB and BENCH_ROUNDS override the size and the round count.
*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc32c.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static volatile uint32_t sink;

int main(void)
{
    size_t mib = 256;
    int rounds = 7;
    const char *e = getenv("BENCH_CRC32C_MIB");
    if (e && atoi(e) > 0)
        mib = (size_t)atoi(e);
    e = getenv("BENCH_ROUNDS");
    if (e && atoi(e) > 0)
        rounds = atoi(e);
    size_t n = mib << 20;
    char *src = malloc(n), *dst = malloc(n);
    if (!src || !dst) {
        fprintf(stderr, "bench-crc32c: out of memory\n");
        return 1;
    }
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        src[i] = (char)x;
    }
    memset(dst, 0, n); // fault the pages in before timing

    double best_hw = 1e30, best_sw = 1e30, best_cp = 1e30;
    uint32_t hw = 0, sw = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        hw = jl_crc32c(0, src, n);
        double t1 = now();
        memcpy(dst, src, n);
        double t2 = now();
        sink = (uint32_t)dst[r % n];
        if (t1 - t0 < best_hw)
            best_hw = t1 - t0;
        if (t2 - t1 < best_cp)
            best_cp = t2 - t1;
        if (r < 3) { // the table code is slow; three rounds suffice
            double t3 = now();
            sw = jl_crc32c_sw(0, src, n);
            double t4 = now();
            if (t4 - t3 < best_sw)
                best_sw = t4 - t3;
        }
    }
    sink = hw ^ sw;
    double gb = (double)n / 1e9;
    printf("buffer %zu MiB, best of %d rounds, impl %s%s\n", mib, rounds, jl_crc32c_impl(),
           hw == sw ? "" : "  (MISMATCH between hw and sw!)");
    printf("  jl_crc32c (%s)  %7.2f GB/s\n", jl_crc32c_impl(), gb / best_hw);
    printf("  jl_crc32c_sw      %7.2f GB/s\n", gb / best_sw);
    printf("  memcpy            %7.2f GB/s\n", gb / best_cp);
    printf("ratio hw/memcpy = %.2f\n", best_cp / best_hw);
    printf("ratio hw/sw     = %.2f\n", best_sw / best_hw);
    free(src);
    free(dst);
    return 0;
}
