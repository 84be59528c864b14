// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depotpath_filenames.c: method and debug-info file names (see
  depotpath_filenames.h): which names are paths, the debug-info virtual roots
  `/@<role>-<id16>-<k>/rest`, and the memoized tokenize/resolve of
  depotpath_namemap underneath.
*/

#include <stdlib.h>
#include <string.h>

#include "depotpath_filenames.h"

struct jl_depot_filenames_t {
    jl_depot_namemap_t *map;
    char *buf; // JL_DEPOT_PATH_MAX + 1 bytes: a virtual name as a token form
};

JL_DLLEXPORT int jl_depot_filenames_new(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                                        jl_depot_filenames_t **out) JL_NOTSAFEPOINT
{
    *out = NULL;
    jl_depot_filenames_t *f = (jl_depot_filenames_t *)calloc(1, sizeof(*f));
    if (f == NULL)
        return JL_DEPOT_E_NOMEM;
    f->buf = (char *)malloc(JL_DEPOT_PATH_MAX + 1);
    if (f->buf == NULL) {
        free(f);
        return JL_DEPOT_E_NOMEM;
    }
    int err = jl_depot_namemap_new(
        s, cachefile, flags & JL_DEPOT_FILENAMES_NOSTAT ? JL_DEPOT_NAMEMAP_NOSTAT : 0, &f->map);
    if (err) {
        jl_depot_filenames_free(f);
        return err;
    }
    *out = f;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT void jl_depot_filenames_free(jl_depot_filenames_t *f) JL_NOTSAFEPOINT
{
    if (f == NULL)
        return;
    jl_depot_namemap_free(f->map);
    free(f->buf);
    free(f);
}

void jl_depot_filenames_found(jl_depot_filenames_t *f, const char *path) JL_NOTSAFEPOINT
{
    jl_depot_namemap_found(f->map, path);
}

// A name that is a path: absolute, a drive-letter path, or a token form.
static int is_pathlike(const char *name, size_t len) JL_NOTSAFEPOINT
{
    if (len == 0)
        return 0;
    if (name[0] == '/' || name[0] == '@' || name[0] == '\\')
        return 1;
    return len >= 3 && ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')) &&
           name[1] == ':' && (name[2] == '\\' || name[2] == '/');
}

int jl_depot_filename_save(jl_depot_filenames_t *f, const char *name, size_t len,
                           const char **out) JL_NOTSAFEPOINT
{
    *out = NULL;
    if (name == NULL)
        name = "", len = 0;
    if (memchr(name, '\0', len) != NULL)
        return JL_DEPOT_E_NUL_BYTE;
    if (!is_pathlike(name, len)) {
        *out = name;
        return JL_DEPOT_E_OK;
    }
    return jl_depot_namemap_tokenize_n(f->map, name, len, out);
}

static int hexdigit(char c) JL_NOTSAFEPOINT
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// `/@<word>-...`: 1 and the token form `@<word>/rest` in f->buf when it is a
// virtual root of a known role; 0 when it is an ordinary absolute path;
// < 0: -error code.
static int virtual_to_token(jl_depot_filenames_t *f, const char *image_id16, const char *name,
                            size_t len, size_t *outlen) JL_NOTSAFEPOINT
{
    if (len < 3 || name[0] != '/' || name[1] != '@')
        return 0;
    const char *end = name + len;
    const char *w = name + 2, *dash = w;
    while (dash < end && *dash != '-' && *dash != '/')
        dash++;
    if (dash >= end || *dash != '-')
        return 0;
    // is <word> a role?
    size_t wl = (size_t)(dash - w);
    int role = -1;
    for (int r = 0; r < JL_DEPOT_NROLES; r++) {
        const char *tok = jl_depot_token_name((jl_depot_role_t)r);
        if (strlen(tok + 1) == wl && memcmp(tok + 1, w, wl) == 0)
            role = r;
    }
    if (role < 0)
        return 0;
    // -<16 hex>-<k> then `/` or the end
    const char *id = dash + 1;
    if (end - id < 18 || id[16] != '-')
        return -JL_DEPOT_E_DIMAP_BAD_ROOT;
    for (int i = 0; i < 16; i++)
        if (!hexdigit(id[i]))
            return -JL_DEPOT_E_DIMAP_BAD_ROOT;
    const char *k = id + 17, *ke = k;
    while (ke < end && *ke >= '0' && *ke <= '9')
        ke++;
    if (ke == k || ke - k > 9 || *k == '0' || (ke < end && *ke != '/'))
        return -JL_DEPOT_E_DIMAP_BAD_ROOT;
    if (image_id16 != NULL && memcmp(id, image_id16, 16) != 0)
        return -JL_DEPOT_E_DIMAP_FOREIGN_ROOT;
    const char *tok = jl_depot_token_name((jl_depot_role_t)role);
    size_t tl = strlen(tok), rest = (size_t)(end - ke);
    if (tl + rest > JL_DEPOT_PATH_MAX)
        return -JL_DEPOT_E_PATH_TOO_LONG;
    memcpy(f->buf, tok, tl);
    memcpy(f->buf + tl, ke, rest);
    f->buf[tl + rest] = '\0';
    *outlen = tl + rest;
    return 1;
}

JL_DLLEXPORT int jl_depot_filename_load(jl_depot_filenames_t *f, const char *image_id16,
                                        const char *name, size_t len,
                                        const char **out) JL_NOTSAFEPOINT
{
    *out = NULL;
    if (name == NULL)
        name = "", len = 0;
    if (memchr(name, '\0', len) != NULL)
        return JL_DEPOT_E_NUL_BYTE;
    size_t tl;
    int v = virtual_to_token(f, image_id16, name, len, &tl);
    if (v < 0)
        return -v;
    if (v > 0)
        return jl_depot_namemap_resolve_n(f->map, f->buf, tl, out);
    if (len > 0 && name[0] == '@')
        return jl_depot_namemap_resolve_n(f->map, name, len, out);
    *out = name; // not a token form: printed as it is
    return JL_DEPOT_E_OK;
}
