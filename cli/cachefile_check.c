// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cachefile_check.c: the integrity checks of the cache-file codec
  (cachefile.h): crc_ji, the data checksum of a non-split `.ji`, and the ties
  between a `.ji` and its pkgimage (crc_so, the blob header, the checksum word
  and the required modules), in Julia's order (spec sections 7 and 12).
*/

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cachefile.h"
#include "crc32c.h"
#include "pkgimage.h"

JL_DLLEXPORT char *jl_cachefile_so_path(const char *jipath)
{
    size_t n = strlen(jipath);
    if (n < 3 || strcmp(jipath + n - 3, ".ji") != 0)
        return NULL;
    char *so = (char *)malloc(n + 1);
    if (!so)
        return NULL;
    memcpy(so, jipath, n - 3);
    memcpy(so + n - 3, ".so", 4);
    return so;
}

static int str_eq(jl_cache_str_t a, jl_cache_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

// crc32c of [off, off+len) of a file, streamed.
static int crc_file_range(const char *path, uint64_t off, uint64_t len, uint32_t *crc)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? (int)JL_DEPOT_E_NOT_FOUND : JL_DEPOT_E_IO;
    enum { BLK = 1 << 16 };
    char *b = (char *)malloc(BLK);
    if (!b) {
        close(fd);
        return JL_DEPOT_E_NOMEM;
    }
    uint32_t c = 0;
    int err = JL_DEPOT_E_OK;
    while (len > 0) {
        size_t want = len > BLK ? BLK : (size_t)len;
        ssize_t k = pread(fd, b, want, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            err = k == 0 ? (int)JL_DEPOT_E_TRUNCATED : JL_DEPOT_E_IO;
            break;
        }
        c = jl_crc32c(c, b, (size_t)k);
        off += (uint64_t)k;
        len -= (uint64_t)k;
    }
    free(b);
    close(fd);
    *crc = c;
    return err;
}

static int check_blob(const jl_cachefile_t *cf, const jl_pkgimage_t *img, jl_cache_check_t *res)
{
    jl_cache_blob_t b;
    int err = jl_cache_blob_parse(img->blob, img->blob_size, cf->has_syntax, &b);
    if (err)
        return err == JL_DEPOT_E_DATA_RANGE ? err : JL_DEPOT_E_PKGIMAGE_BLOB;
    if (b.format_version != cf->format_version || b.pointer_size != cf->pointer_size ||
        !str_eq(b.build_os, cf->build_os) || !str_eq(b.build_arch, cf->build_arch) ||
        !str_eq(b.julia_version, cf->julia_version) || !str_eq(b.git_branch, cf->git_branch) ||
        !str_eq(b.git_commit, cf->git_commit) || b.flags != cf->flags ||
        (cf->has_syntax && b.syntax_version != cf->syntax_version))
        err = JL_DEPOT_E_PKGIMAGE_HEADER;
    else if (b.nreqmods != cf->nreqmods)
        err = JL_DEPOT_E_PKGIMAGE_MODULES;
    for (size_t i = 0; !err && i < b.nreqmods; i++) {
        const jl_cache_reqmod_t *x = &b.reqmods[i], *y = &cf->reqmods[i];
        if (!str_eq(x->name, y->name) || x->uuid.hi != y->uuid.hi || x->uuid.lo != y->uuid.lo ||
            x->build_id.hi != y->build_id.hi || x->build_id.lo != y->build_id.lo)
            err = JL_DEPOT_E_PKGIMAGE_MODULES;
    }
    if (!err && b.checksum != cf->checksum)
        err = JL_DEPOT_E_CHECKSUM_MISMATCH;
    if (!err) {
        uint32_t c = jl_crc32c(0, (const char *)img->blob + b.datastartpos,
                               (size_t)(b.dataendpos - b.datastartpos));
        if (c != (uint32_t)b.checksum)
            err = JL_DEPOT_E_CHECKSUM_MISMATCH;
    }
    jl_cache_blob_free(&b);
    (void)res;
    return err;
}

static int check_so_image(const jl_cachefile_t *cf, const jl_pkgimage_t *img, jl_cache_check_t *res)
{
    res->so_checked = 1;
    res->crc_so_computed = img->file_crc;
    if (img->file_crc != cf->crc_so)
        return JL_DEPOT_E_CRC_SO;
    return check_blob(cf, img, res);
}

static void check_init(jl_cache_check_t *res, const jl_cachefile_t *cf)
{
    memset(res, 0, sizeof(*res));
    res->crc_ji_ok = -1;
    res->data_crc_ok = -1;
    res->has_pkgimage = cf->clone_len > 0;
}

JL_DLLEXPORT int jl_cachefile_check_pkgimage_mem(const jl_cachefile_t *cf, const uint8_t *so,
                                                 size_t so_len, jl_cache_check_t *res)
{
    jl_cache_check_t local;
    if (!res)
        res = &local;
    check_init(res, cf);
    // crc_so first, as Julia does before it loads anything
    res->crc_so_computed = jl_crc32c(0, (const char *)so, so_len);
    int err = JL_DEPOT_E_CRC_SO;
    if (res->crc_so_computed == cf->crc_so) {
        jl_pkgimage_t img;
        err = jl_pkgimage_parse(so, so_len, &img);
        if (!err)
            err = check_so_image(cf, &img, res);
    }
    res->so_error = err;
    return err;
}

JL_DLLEXPORT int jl_cachefile_check(const jl_cachefile_t *cf, const char *jipath, unsigned flags,
                                    jl_cache_check_t *res)
{
    jl_cache_check_t local;
    if (!res)
        res = &local;
    check_init(res, cf);
    int want_so = res->has_pkgimage && !(flags & JL_CACHEFILE_CHECK_NO_SO);
    char *so = NULL;
    int err = JL_DEPOT_E_OK;
    // 1. a pkgimage is expected: it must exist (spec 12, step 3)
    if (want_so) {
        if (!jipath || !(so = jl_cachefile_so_path(jipath)))
            return res->so_error = JL_DEPOT_E_PKGIMAGE_MISSING;
        struct stat st;
        if (stat(so, &st) != 0) {
            free(so);
            return res->so_error = JL_DEPOT_E_PKGIMAGE_MISSING;
        }
    }
    // 2. crc_ji over everything before it
    if (cf->file_size < 4) {
        err = JL_DEPOT_E_TRUNCATED;
        goto out;
    }
    if (!cf->header_only) {
        res->crc_ji_computed = jl_crc32c(0, (const char *)cf->buf, cf->file_size - 4);
    }
    else {
        if (!jipath) {
            err = JL_DEPOT_E_NOT_WHOLE_FILE;
            goto out;
        }
        if ((err = crc_file_range(jipath, 0, cf->file_size - 4, &res->crc_ji_computed)))
            goto out;
    }
    res->crc_ji_ok = res->crc_ji_computed == cf->crc_ji;
    if (!res->crc_ji_ok) {
        err = JL_DEPOT_E_CRC_JI;
        goto out;
    }
    // 3. the data section of a non-split file against its checksum word
    if (!cf->clone_len) {
        uint32_t c;
        if (cf->data)
            c = jl_crc32c(0, (const char *)cf->data, cf->data_len);
        else if (!jipath)
            c = ~(uint32_t)cf->checksum;
        else if ((err = crc_file_range(jipath, cf->datastartpos, cf->dataendpos - cf->datastartpos,
                                       &c)))
            goto out;
        res->data_crc_ok = c == (uint32_t)cf->checksum;
        if (!res->data_crc_ok) {
            err = JL_DEPOT_E_DATA_CRC;
            goto out;
        }
    }
    // 4. crc_so and the blob
    if (want_so) {
        jl_pkgimage_t img;
        err = jl_pkgimage_open(so, &img);
        if (err == JL_DEPOT_E_NOT_FOUND)
            err = JL_DEPOT_E_PKGIMAGE_MISSING;
        if (!err) {
            err = check_so_image(cf, &img, res);
            jl_pkgimage_close(&img);
        }
        else if (err != JL_DEPOT_E_PKGIMAGE_MISSING) {
            // not a readable image: a changed file is reported as such first
            uint32_t c;
            struct stat st;
            if (stat(so, &st) == 0 &&
                crc_file_range(so, 0, (uint64_t)st.st_size, &c) == JL_DEPOT_E_OK) {
                res->crc_so_computed = c;
                if (c != cf->crc_so)
                    err = JL_DEPOT_E_CRC_SO;
            }
        }
        res->so_error = err;
    }
out:
    free(so);
    return err;
}
