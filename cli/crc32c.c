// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  crc32c.c: CRC-32C (Castagnoli; reflected polynomial 0x82F63B78), the
  checksum of Julia's cache files, with the contract of Julia's jl_crc32c:
  the crc is inverted on entry and exit, so crc = 0 starts a stream and a
  previous result continues it.

  Implementations, chosen once at the first call:
    "sse4.2"  x86-64 `crc32` instruction, three interleaved streams on long
              buffers, joined with precomputed "append n zero bytes" tables;
    "armv8"   AArch64 CRC32C instructions (one stream);
    "sw"      portable slicing-by-8 tables (always available; the reference).
  JL_CRC32C_IMPL=sw in the environment forces the portable code.
  The tables are built once under uv_once (no data race).
*/

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "crc32c.h"

#define CRC32C_POLY 0x82F63B78u // reflected

// --- portable: slicing-by-8 ------------------------------------------------

// crc_sw[0] is the classic byte table; crc_sw[k][i] is the crc register of
// byte i followed by k zero bytes.
static uint32_t crc_sw[8][256];

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

// The crc register (not inverted) after `len` more bytes.
static uint32_t crc32c_sw_raw(uint32_t c, const unsigned char *p, size_t len)
{
    while (len && ((uintptr_t)p & 7)) {
        c = crc_sw[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t w = load_le64(p) ^ c;
        c = crc_sw[7][w & 0xff] ^ crc_sw[6][(w >> 8) & 0xff] ^ crc_sw[5][(w >> 16) & 0xff] ^
            crc_sw[4][(w >> 24) & 0xff] ^ crc_sw[3][(w >> 32) & 0xff] ^
            crc_sw[2][(w >> 40) & 0xff] ^ crc_sw[1][(w >> 48) & 0xff] ^ crc_sw[0][w >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = crc_sw[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c;
}

static uint32_t crc32c_sw(uint32_t crc, const char *buf, size_t len)
{
    return ~crc32c_sw_raw(~crc, (const unsigned char *)buf, len);
}

// --- GF(2) arithmetic for the "zeros" operators ------------------------------
// In the reflected representation bit 31 is the coefficient of x^0.

// a * b mod P
static uint32_t gf2_mulmod(uint32_t a, uint32_t b)
{
    uint32_t p = 0;
    for (int k = 0; k < 32; k++) {
        if (a & (0x80000000u >> k))
            p ^= b;
        b = (b >> 1) ^ (CRC32C_POLY & (0u - (b & 1))); // b *= x
    }
    return p;
}

// x^(8 n) mod P: the factor that appends n zero bytes to a crc register.
static uint32_t gf2_zeros_factor(uint64_t n)
{
    uint32_t p = 0x80000000u;  // x^0
    uint32_t sq = 0x00800000u; // x^8
    while (n) {
        if (n & 1)
            p = gf2_mulmod(p, sq);
        sq = gf2_mulmod(sq, sq);
        n >>= 1;
    }
    return p;
}

// Table form of "append n zero bytes": shift(c) = xor of t[k][byte k of c].
static void zeros_table(uint32_t t[4][256], uint64_t n)
{
    uint32_t f = gf2_zeros_factor(n);
    for (int k = 0; k < 4; k++)
        for (uint32_t i = 0; i < 256; i++)
            t[k][i] = gf2_mulmod(f, i << (8 * k));
}

static inline uint32_t zeros_shift(const uint32_t t[4][256], uint32_t c)
{
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

// --- x86-64: SSE4.2 ------------------------------------------------------------

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define JL_CRC32C_X86 1
#include <nmmintrin.h>

// Block lengths of the three-stream loops: each stream covers one third of
// 3*CRC_LONG (then 3*CRC_SHORT) bytes; the parts are joined with the tables.
#define CRC_LONG  8192
#define CRC_SHORT 256
static uint32_t crc_long[4][256], crc_short[4][256];

// Three streams over [p, p + 3*blk): returns the register after all of it.
#define CRC32C_SSE42_3WAY(c0, p, blk, table) \
    do { \
        uint64_t c1_ = 0, c2_ = 0; \
        const unsigned char *end_ = (p) + (blk); \
        do { \
            c0 = _mm_crc32_u64(c0, load_le64(p)); \
            c1_ = _mm_crc32_u64(c1_, load_le64((p) + (blk))); \
            c2_ = _mm_crc32_u64(c2_, load_le64((p) + 2 * (blk))); \
            (p) += 8; \
        } while ((p) < end_); \
        c0 = zeros_shift(table, (uint32_t)c0) ^ (uint32_t)c1_; \
        c0 = zeros_shift(table, (uint32_t)c0) ^ (uint32_t)c2_; \
        (p) += 2 * (blk); \
    } while (0)

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const char *buf,
                                                               size_t len)
{
    const unsigned char *p = (const unsigned char *)buf;
    uint64_t c0 = (uint32_t)~crc;
    while (len && ((uintptr_t)p & 7)) {
        c0 = _mm_crc32_u8((uint32_t)c0, *p++);
        len--;
    }
    while (len >= 3 * CRC_LONG) {
        CRC32C_SSE42_3WAY(c0, p, CRC_LONG, crc_long);
        len -= 3 * CRC_LONG;
    }
    while (len >= 3 * CRC_SHORT) {
        CRC32C_SSE42_3WAY(c0, p, CRC_SHORT, crc_short);
        len -= 3 * CRC_SHORT;
    }
    while (len >= 8) {
        c0 = _mm_crc32_u64(c0, load_le64(p));
        p += 8;
        len -= 8;
    }
    while (len--)
        c0 = _mm_crc32_u8((uint32_t)c0, *p++);
    return ~(uint32_t)c0;
}
#endif

// --- AArch64: ARMv8 CRC32 extension -------------------------------------------------

#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define JL_CRC32C_ARM 1
#include <arm_acle.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif

__attribute__((target("crc"))) static uint32_t crc32c_armv8(uint32_t crc, const char *buf,
                                                            size_t len)
{
    const unsigned char *p = (const unsigned char *)buf;
    uint32_t c = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        c = __crc32cb(c, *p++);
        len--;
    }
    while (len >= 8) {
        c = __crc32cd(c, load_le64(p));
        p += 8;
        len -= 8;
    }
    while (len--)
        c = __crc32cb(c, *p++);
    return ~c;
}

static int have_armv8_crc(void)
{
#if defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#elif defined(__APPLE__)
    return 1; // every Apple-silicon CPU has it
#else
    return 0;
#endif
}
#endif

// --- dispatch --------------------------------------------------------------------

typedef uint32_t (*crc32c_fn)(uint32_t, const char *, size_t);
static uv_once_t crc_once = UV_ONCE_INIT;
static crc32c_fn crc_impl = crc32c_sw;
static const char *crc_impl_name = "sw";

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
        crc_sw[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            crc_sw[k][i] = (crc_sw[k - 1][i] >> 8) ^ crc_sw[0][crc_sw[k - 1][i] & 0xff];

    const char *force = getenv("JL_CRC32C_IMPL");
    if (force && !strcmp(force, "sw"))
        return;
#if defined(JL_CRC32C_X86)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) {
        zeros_table(crc_long, CRC_LONG);
        zeros_table(crc_short, CRC_SHORT);
        crc_impl = crc32c_sse42;
        crc_impl_name = "sse4.2";
    }
#elif defined(JL_CRC32C_ARM)
    if (have_armv8_crc()) {
        crc_impl = crc32c_armv8;
        crc_impl_name = "armv8";
    }
#endif
}

JL_DLLEXPORT uint32_t jl_crc32c_sw(uint32_t crc, const char *buf, size_t len)
{
    uv_once(&crc_once, crc_init);
    return crc32c_sw(crc, buf, len);
}

JL_DLLEXPORT uint32_t jl_crc32c(uint32_t crc, const char *buf, size_t len)
{
    uv_once(&crc_once, crc_init);
    return crc_impl(crc, buf, len);
}

JL_DLLEXPORT const char *jl_crc32c_impl(void)
{
    uv_once(&crc_once, crc_init);
    return crc_impl_name;
}
