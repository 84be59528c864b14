// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  crc32c.h: CRC-32C (Castagnoli), the checksum of Julia's cache files.
  Same contract as Julia's own jl_crc32c: the crc is inverted on entry and
  exit, so crc = 0 starts a stream and a previous result continues it.
*/

#ifndef JL_DEPOT_CRC32C_H
#define JL_DEPOT_CRC32C_H

#include "depot_support.h"

// Fastest implementation this CPU supports (chosen once, at first call).
JL_DLLEXPORT uint32_t jl_crc32c(uint32_t crc, const char *buf, size_t len) JL_NOTSAFEPOINT;
// The portable table implementation (always available; the reference).
JL_DLLEXPORT uint32_t jl_crc32c_sw(uint32_t crc, const char *buf, size_t len) JL_NOTSAFEPOINT;
// Name of the implementation jl_crc32c uses ("sse4.2", "armv8", "sw").
JL_DLLEXPORT const char *jl_crc32c_impl(void) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_CRC32C_H
