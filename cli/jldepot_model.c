// This file is a part of the jldepot project. License is MIT.

/*
  jldepot_model.c: the tool's conveniences over the depot path model (see
  jldepot_model.h).
*/

#include <stdlib.h>
#include <string.h>

#include "jldepot_model.h"

#define XX(name, json, msg) #name,
static const char *const err_names[] = {JL_DEPOT_ERRORS(XX) JLDEPOT_ERRORS(XX)};
#undef XX
#define XX(name, json, msg) json,
static const char *const err_json[] = {JL_DEPOT_ERRORS(XX) JLDEPOT_ERRORS(XX)};
#undef XX
#define XX(name, json, msg) msg,
static const char *const err_msgs[] = {JL_DEPOT_ERRORS(XX) JLDEPOT_ERRORS(XX)};
#undef XX

static int err_valid(int err)
{
    return err >= 0 && err < JLDEPOT_E__COUNT;
}

const char *jldepot_strerror(int err)
{
    return err_valid(err) ? err_msgs[err] : "an unknown error occurred";
}

const char *jldepot_errname(int err)
{
    return err_valid(err) ? err_names[err] : "UNKNOWN";
}

const char *jldepot_errjson(int err)
{
    return err_valid(err) ? err_json[err] : "unknown";
}

int jldepot_normalize(const char *path, char **out)
{
    return jl_depot_normalize_n(path, path ? strlen(path) : 0, out);
}

int jldepot_tokenize(jl_depot_stack_t *s, long target, const char *path, char **out)
{
    return jl_depot_tokenize_n(s, target, path, path ? strlen(path) : 0, out);
}

int jldepot_resolve_n(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                      const char *tokenized, size_t len, char **out)
{
    *out = NULL;
    long containing = -1;
    size_t c;
    if (cachefile != NULL && jl_depot_containing(s, cachefile, &c) == JL_DEPOT_E_OK)
        containing = (long)c;
    // the longest root, a separator, the name and its NUL
    size_t cap = len + 2;
    for (size_t i = 0; i < jl_depot_stack_size(s); i++)
        for (int r = 0; r < JL_DEPOT_NROLES; r++) {
            const char *root = jl_depot_root(s, i, (jl_depot_role_t)r);
            if (root != NULL && strlen(root) + len + 2 > cap)
                cap = strlen(root) + len + 2;
        }
    char *buf = (char *)malloc(cap);
    if (buf == NULL)
        return JL_DEPOT_E_NOMEM;
    size_t ol;
    int err = jl_depot_resolve_buf(s, containing, flags, tokenized, len, buf, cap, &ol, NULL);
    if (err == JL_DEPOT_E_OK || err == JL_DEPOT_E_UNRESOLVED_TOKEN)
        *out = buf;
    else
        free(buf);
    return err;
}

int jldepot_resolve(jl_depot_stack_t *s, const char *cachefile, unsigned flags,
                    const char *tokenized, char **out)
{
    return jldepot_resolve_n(s, cachefile, flags, tokenized, tokenized ? strlen(tokenized) : 0,
                             out);
}

jldepot_layout_t jldepot_layout_of(const jl_depot_stack_t *s, size_t i)
{
    const char *d = jl_depot_root(s, i, JL_DEPOT_ROLE_DEPOT);
    const char *c = jl_depot_root(s, i, JL_DEPOT_ROLE_COMPILED);
    if (d == NULL || c == NULL)
        return JLDEPOT_LAYOUT_CLASSIC;
    size_t n = strlen(d);
    if (n == 1 && d[0] == '/')
        n = 0;
    int classic = strncmp(c, d, n) == 0 && strcmp(c + n, "/compiled") == 0;
    return classic ? JLDEPOT_LAYOUT_CLASSIC : JLDEPOT_LAYOUT_XDG;
}

const char *jldepot_layout_name(jldepot_layout_t layout)
{
    switch (layout) {
    case JLDEPOT_LAYOUT_CLASSIC:
        return "classic";
    case JLDEPOT_LAYOUT_XDG:
        return "xdg";
    }
    return NULL;
}

int jldepot_casefold(const jldepot_config_t *cfg)
{
    if (cfg->casefold >= 0)
        return cfg->casefold != 0;
#if defined(_WIN32) || defined(__APPLE__)
    return 1;
#else
    return 0;
#endif
}
