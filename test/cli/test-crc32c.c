// This file is a part of the jldepot project. License is MIT.

/*
  test-crc32c.c: CRC-32C: the spec's vectors, chaining, and the hardware,
  table and a bitwise reference (written here) agreeing on every length and
  alignment, on long buffers across the three-stream block boundaries, from
  several threads at once, and under JL_CRC32C_IMPL=sw.
*/

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "crc32c.h"

// The definition, one bit at a time (reflected polynomial 0x82F63B78).
static uint32_t crc_ref(uint32_t crc, const uint8_t *p, size_t len)
{
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return ~crc;
}

// A fixed-seed pseudo-random buffer (xorshift64*).
static uint8_t *random_buf(size_t len, uint64_t seed)
{
    uint8_t *b = malloc(len ? len : 1);
    assert_non_null(b);
    uint64_t x = seed;
    for (size_t i = 0; i < len; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        b[i] = (uint8_t)((x * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return b;
}

static void check_all(uint32_t crc, const uint8_t *p, size_t len)
{
    uint32_t want = crc_ref(crc, p, len);
    uint32_t hw = jl_crc32c(crc, (const char *)p, len);
    uint32_t sw = jl_crc32c_sw(crc, (const char *)p, len);
    if (hw != want || sw != want)
        fail_msg("len %zu at %p, crc %08x: hw %08x sw %08x, want %08x", len, (const void *)p, crc,
                 hw, sw, want);
}

static void test_spec_vectors(void **state)
{
    (void)state;
    const char *s = "123456789";
    assert_int_equal(jl_crc32c(0, s, 9), 0xE3069283u);
    assert_int_equal(jl_crc32c_sw(0, s, 9), 0xE3069283u);
    assert_int_equal(crc_ref(0, (const uint8_t *)s, 9), 0xE3069283u);
    // chaining "12345" then "6789"
    assert_int_equal(jl_crc32c(jl_crc32c(0, s, 5), s + 5, 4), 0xE3069283u);
    assert_int_equal(jl_crc32c_sw(jl_crc32c_sw(0, s, 5), s + 5, 4), 0xE3069283u);
    // empty -> 0, and length 0 leaves any crc unchanged
    assert_int_equal(jl_crc32c(0, "", 0), 0);
    assert_int_equal(jl_crc32c_sw(0, "", 0), 0);
    assert_int_equal(jl_crc32c(0, NULL, 0), 0);
    assert_int_equal(jl_crc32c(0xE3069283u, s, 0), 0xE3069283u);
    assert_int_equal(jl_crc32c_sw(0xDEADBEEFu, s, 0), 0xDEADBEEFu);
    assert_int_equal(jl_crc32c(0xFFFFFFFFu, NULL, 0), 0xFFFFFFFFu);
}

// The iSCSI vectors of RFC 3720, appendix B.4 (32-byte buffers).
static void test_rfc3720_vectors(void **state)
{
    (void)state;
    uint8_t b[32];
    const struct {
        int fill;
        uint32_t crc;
    } cases[] = {{0, 0x8A9136AAu}, {1, 0x62A8AB43u}, {2, 0x46DD794Eu}, {3, 0x113FDB5Cu}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (int i = 0; i < 32; i++)
            b[i] = cases[c].fill == 0   ? 0
                   : cases[c].fill == 1 ? 0xFF
                   : cases[c].fill == 2 ? i
                                        : 31 - i;
        assert_int_equal(crc_ref(0, b, 32), cases[c].crc);
        assert_int_equal(jl_crc32c(0, (const char *)b, 32), cases[c].crc);
        assert_int_equal(jl_crc32c_sw(0, (const char *)b, 32), cases[c].crc);
    }
}

static void test_impl_name(void **state)
{
    (void)state;
    const char *impl = jl_crc32c_impl();
    assert_non_null(impl);
    assert_true(!strcmp(impl, "sse4.2") || !strcmp(impl, "armv8") || !strcmp(impl, "sw"));
    const char *force = getenv("JL_CRC32C_IMPL");
    if (force && !strcmp(force, "sw")) {
        assert_string_equal(impl, "sw");
        return;
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    assert_string_equal(impl, __builtin_cpu_supports("sse4.2") ? "sse4.2" : "sw");
#endif
}

// Every length 0..1024 at every start offset 0..15, from two start values.
static void test_every_length_and_offset(void **state)
{
    (void)state;
    uint8_t *b = random_buf(1024 + 16, 0x9E3779B97F4A7C15ULL);
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len <= 1024; len++) {
            check_all(0, b + off, len);
            check_all(0x5A17C3E1u ^ (uint32_t)(len * 2654435761u), b + off, len);
        }
    free(b);
}

// Long buffers: lengths around the 3 x 256 and 3 x 8192 byte blocks of the
// three-stream code and their sums, odd sizes up to 1 MiB, several offsets.
static void test_long_buffers(void **state)
{
    (void)state;
    const size_t mib = (size_t)1 << 20;
    uint8_t *b = random_buf(mib + 16, 42);
    const size_t bases[] = {768,    24576,  2 * 24576, 24576 + 768, 24576 + 1536, 3 * 24576 + 768,
                            100000, 262143, 524289,    mib - 24576, mib - 1,      mib};
    const long deltas[] = {-9, -8, -7, -1, 0, 1, 7, 8, 9};
    for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
        for (size_t d = 0; d < sizeof(deltas) / sizeof(deltas[0]); d++) {
            size_t len = (size_t)((long)bases[i] + deltas[d]);
            if (len > mib)
                continue;
            size_t off = (i + d) % 16;
            check_all((uint32_t)(i * 77 + d), b + off, len);
        }
    free(b);
}

// Chaining: split a 300-byte buffer at every point, mixing implementations.
static void test_chaining_every_split(void **state)
{
    (void)state;
    uint8_t *b = random_buf(300, 7);
    const char *p = (const char *)b;
    uint32_t whole = crc_ref(0, b, 300);
    for (size_t k = 0; k <= 300; k++) {
        assert_int_equal(jl_crc32c(jl_crc32c(0, p, k), p + k, 300 - k), whole);
        assert_int_equal(jl_crc32c_sw(jl_crc32c_sw(0, p, k), p + k, 300 - k), whole);
        assert_int_equal(jl_crc32c_sw(jl_crc32c(0, p, k), p + k, 300 - k), whole);
        assert_int_equal(jl_crc32c(jl_crc32c_sw(0, p, k), p + k, 300 - k), whole);
    }
    // and a long buffer in 4097-byte pieces
    uint8_t *l = random_buf(200000, 8);
    uint32_t c = 0;
    for (size_t at = 0; at < 200000; at += 4097)
        c = jl_crc32c(c, (const char *)l + at, at + 4097 <= 200000 ? 4097 : 200000 - at);
    assert_int_equal(c, crc_ref(0, l, 200000));
    free(l);
    free(b);
}

typedef struct {
    const uint8_t *buf;
    size_t len;
    uint32_t hw, sw;
} thread_job_t;

static void *thread_crc(void *arg)
{
    thread_job_t *j = (thread_job_t *)arg;
    j->hw = jl_crc32c(0, (const char *)j->buf, j->len);
    j->sw = jl_crc32c_sw(0, (const char *)j->buf, j->len);
    return NULL;
}

// The first calls may race from several threads (the tables are built once).
static void test_threads(void **state)
{
    (void)state;
    enum { N = 8 };
    uint8_t *b = random_buf(100003, 11);
    uint32_t want = crc_ref(0, b, 100003);
    pthread_t t[N];
    thread_job_t jobs[N];
    for (int i = 0; i < N; i++) {
        jobs[i] = (thread_job_t){b, 100003, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, thread_crc, &jobs[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].hw, want);
        assert_int_equal(jobs[i].sw, want);
    }
    free(b);
}

// JL_CRC32C_IMPL=sw forces the table code.  The choice is made once per
// process, so the test runs itself again with the variable set.
static void test_env_override_sw(void **state)
{
    (void)state;
    const char *force = getenv("JL_CRC32C_IMPL");
    if (force && !strcmp(force, "sw")) {
        assert_string_equal(jl_crc32c_impl(), "sw");
        uint8_t *b = random_buf(70001, 5);
        assert_int_equal(jl_crc32c(0, (const char *)b, 70001), crc_ref(0, b, 70001));
        free(b);
        return;
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("JL_CRC32C_IMPL", "sw", 1);
        execl("/proc/self/exe", "test-crc32c", "test_env_override_sw", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

JL_TEST_MAIN(cmocka_unit_test(test_spec_vectors), cmocka_unit_test(test_rfc3720_vectors),
             cmocka_unit_test(test_impl_name), cmocka_unit_test(test_every_length_and_offset),
             cmocka_unit_test(test_long_buffers), cmocka_unit_test(test_chaining_every_split),
             cmocka_unit_test(test_threads), cmocka_unit_test(test_env_override_sw))
