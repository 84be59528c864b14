// This file is a part of the jldepot project. License is MIT.

/*
  fuzz-pkgimage.c: libFuzzer target for the pkgimage ELF parser
  (jl_pkgimage_parse) on arbitrary bytes.

  Seeds (corpus/pkgimage/): a 24-byte `jl_system_image_data` array (aligned
  64) and `const size_t jl_system_image_size = sizeof(...)` built with
    cc -shared -fPIC -Os -nostdlib -s -Wl,-z,noseparate-code,--build-id=none \
       -Wl,-z,max-page-size=64,-z,common-page-size=64,-z,norelro
  plus -Wl,--hash-style=gnu (gnu-hash.so) or =sysv (sysv-hash.so);
  no-sections.so is gnu-hash.so with e_shoff, e_shentsize, e_shnum and
  e_shstrndx zeroed (the PT_DYNAMIC path).
*/

#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "jldepot_errors.h"
#include "pkgimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jl_pkgimage_t img;
    int err = jl_pkgimage_parse(data, size, &img);
    if (err == JL_DEPOT_E_OK) {
        // The blob lies inside the input, and every byte of it can be read.
        if (img.file != NULL || img.file_size != size || img.blob < data || img.blob_size > size ||
            (size_t)(img.blob - data) > size - img.blob_size)
            abort();
        if (img.file_crc != jl_crc32c(0, (const char *)data, size))
            abort();
        volatile uint32_t c = jl_crc32c(0, (const char *)img.blob, img.blob_size);
        (void)c;
    }
    else if (img.blob != NULL || img.blob_size != 0 || img.file != NULL ||
             err >= JLDEPOT_E__COUNT || err < 0) {
        abort();
    }
    jl_pkgimage_close(&img);
    return 0;
}
