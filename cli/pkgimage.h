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

// Read `path` and locate the blob.  Returns a JL_DEPOT_E_* code: OK,
// NOT_FOUND, IO, NOMEM, ELF_TOO_LARGE (over JL_PKGIMAGE_MAX_SIZE), ELF_NOT_ELF,
// ELF_CLASS (not ELF64 little-endian), ELF_BAD (damaged headers or tables),
// ELF_NO_DYNSYM, ELF_NO_IMAGE (the two symbols are not both exported) or
// ELF_IMAGE_RANGE (the size or the data lies outside the file).  On error
// `img` is left empty (nothing to close).
JL_DLLEXPORT int jl_pkgimage_open(const char *path, jl_pkgimage_t *img) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_pkgimage_close(jl_pkgimage_t *img) JL_NOTSAFEPOINT;

// Locate the blob in the `len` bytes at `buf` (a whole pkgimage file already
// in memory), without taking ownership: on success `img->file` is NULL,
// `img->blob` points into `buf` and `img->file_crc` is the crc32c of `buf`.
// Returns a JL_DEPOT_E_* code; on error `img` is left empty.
JL_DLLEXPORT int jl_pkgimage_parse(const uint8_t *buf, size_t len,
                                   jl_pkgimage_t *img) JL_NOTSAFEPOINT;

// The largest pkgimage file jl_pkgimage_open reads (4 GiB); larger files get
// JL_DEPOT_E_ELF_TOO_LARGE.
#define JL_PKGIMAGE_MAX_SIZE ((uint64_t)1 << 32)

#endif // JL_DEPOT_PKGIMAGE_H
