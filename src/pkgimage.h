// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  pkgimage.h: finding the image blob inside a pkgimage shared object without
  loading it.  The blob is the bytes of the exported symbol
  `jl_system_image_data`, its length the value of `jl_system_image_size`; both
  are found through the ELF dynamic symbol table.  No dlopen of the file.
*/

#ifndef JL_DEPOT_PKGIMAGE_H
#define JL_DEPOT_PKGIMAGE_H

#include "depot_support.h"

typedef struct {
    uint8_t *file; // the whole file, read into memory (owned)
    size_t file_size;
    uint32_t file_crc;   // crc32c of the whole file (what a .ji's crc_so records)
    const uint8_t *blob; // points into `file`: jl_system_image_data
    size_t blob_size;    // the value of jl_system_image_size
} jl_pkgimage_t;

// Read `path` and locate the blob.  Returns a JL_DEPOT_E_* code; on error
// `img` is left empty (nothing to close).
JL_DLLEXPORT int jl_pkgimage_open(const char *path, jl_pkgimage_t *img) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_pkgimage_close(jl_pkgimage_t *img) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_PKGIMAGE_H
