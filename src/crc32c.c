// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  crc32c.c: CRC-32C.  (Portable version; the hardware paths follow.)
*/

#include "crc32c.h"

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
        crc_table[i] = c;
    }
    crc_table_ready = 1;
}

JL_DLLEXPORT uint32_t jl_crc32c_sw(uint32_t crc, const char *buf, size_t len)
{
    if (!crc_table_ready)
        crc_table_init();
    crc = ~crc;
    const unsigned char *p = (const unsigned char *)buf;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

JL_DLLEXPORT uint32_t jl_crc32c(uint32_t crc, const char *buf, size_t len)
{
    return jl_crc32c_sw(crc, buf, len);
}

JL_DLLEXPORT const char *jl_crc32c_impl(void)
{
    return "sw";
}
