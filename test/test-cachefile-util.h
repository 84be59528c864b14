// This file is a part of the jldepot project. License is MIT.

/*
  test-cachefile-util.h: what the cache-file codec tests share: the paths of
  the real Julia 1.11 fixtures, running the test-only generator (mkcache) on
  a scratch copy of the sample depot, and small byte functions.
*/

#ifndef JL_TEST_CACHEFILE_UTIL_H
#define JL_TEST_CACHEFILE_UTIL_H

#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "cachefile.h"
#include "crc32c.h"
#include "depotpath.h"
#include "jldepot_errors.h"

static const char *const real_fixtures[] = {
    "julia-1.11/depotA/compiled/v1.11/RelocFoo/8A4ya_5Tr1P.ji",
    "julia-1.11/depotA/compiled/v1.11/RelocBar/aMJaA_5Tr1P.ji",
    "julia-1.11/depotA/compiled/v1.11/RelocBaz/K9VsW_5Tr1P.ji",
    "julia-1.11/depotB-recompiled/compiled/v1.11/RelocFoo/8A4ya_5Tr1P.ji",
    "julia-1.11/depotB-recompiled/compiled/v1.11/RelocBar/aMJaA_5Tr1P.ji",
};
#define NREAL (sizeof(real_fixtures) / sizeof(real_fixtures[0]))

static inline char *fixture_path(const char *rel)
{
    return jl_test_fmt("%s/%s", jl_test_fixtures(), rel);
}

static inline uint8_t *read_fixture(const char *rel, size_t *len)
{
    char *p = fixture_path(rel);
    uint8_t *b = jl_test_read_file(p, len);
    free(p);
    return b;
}

// The test-only generator, from the build directory the runner names.
static inline const char *mkcache_bin(void)
{
    static char *bin;
    if (!bin) {
        const char *bd = getenv("BUILDDIR");
        bin = jl_test_fmt("%s/test/tools/mkcache", bd && *bd ? bd : "build/release");
    }
    return bin;
}

// A scratch copy of test/fixtures/<rel> (a depot), realpath'ed.
static inline char *copy_depot(const char *rel, const char *tag)
{
    char *tmp = jl_test_mkdtemp(tag);
    char *cmd = jl_test_fmt("cp -r '%s/%s' '%s/depot'", jl_test_fixtures(), rel, tmp);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    char *d = jl_test_fmt("%s/depot", tmp);
    free(tmp);
    return d;
}

// Remove a depot made by copy_depot, with its scratch directory.
static inline void rm_depot(char *depot)
{
    char *slash = strrchr(depot, '/');
    assert_non_null(slash);
    *slash = 0;
    assert_int_equal(jl_test_rmtree(depot), 0);
    free(depot);
}

// Run mkcache with `opts` on `pkg`; returns the .ji path (malloc'ed) or NULL
// when the generator failed.
static inline char *run_mkcache(const char *depot, const char *opts, const char *pkg)
{
    char *cmd = jl_test_fmt("'%s' --print %s '%s' %s 2>/dev/null", mkcache_bin(), opts, depot, pkg);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[4096] = "";
    char *got = fgets(line, sizeof(line), f);
    int rc = pclose(f);
    free(cmd);
    if (rc != 0 || !got)
        return NULL;
    line[strcspn(line, "\n")] = 0;
    return strdup(line);
}

static inline uint32_t rd32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t rd64(const uint8_t *b)
{
    return (uint64_t)rd32(b) | (uint64_t)rd32(b + 4) << 32;
}

static inline void wr32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static inline void wr64(uint8_t *b, uint64_t v)
{
    wr32(b, (uint32_t)v);
    wr32(b + 4, (uint32_t)(v >> 32));
}

// Recompute the crc_ji of a whole file in place.
static inline void fix_crc_ji(uint8_t *b, size_t len)
{
    wr32(b + len - 4, jl_crc32c(0, (const char *)b, len - 4));
}

static inline int str_is(jl_cache_str_t s, const char *c)
{
    return s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

// A depot stack of the classic depots of the list `dp` (no case folding),
// built through the runtime's API as Base hands it the depots.
static inline jl_depot_stack_t *stack_of(const char *dp)
{
    return jl_test_classic_stack(dp, 0);
}

#endif // JL_TEST_CACHEFILE_UTIL_H
