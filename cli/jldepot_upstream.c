// This file is a part of the jldepot project. License is MIT.

/*
  jldepot_upstream.c: the upstream form of a file name (jldepot_upstream.h).
  Each classic depot gets two small stacks of its own, made with the case
  folding of the caller's stack, in which all four roles of the depot have
  its @depot root (so its form is always `@depot/...`, the rest being the
  input's own bytes after that root, as the runtime's tokenize keeps them):
    `given`  the depot, then a depot at `/`, which holds every absolute path
             as given, so the runtime never falls back to realpath: the
             depot holds a path as given exactly when jl_depot_containing
             names it (its root is the longer one, or comes first on a tie);
    `real`   the depot alone: as given, then by realpath.
  A path is tried against every classic depot as given, in DEPOT_PATH order,
  and only when none holds it so, by realpath, as the runtime's tokenize
  compares.
*/

#include <stdlib.h>
#include <string.h>

#include "jldepot_upstream.h"
#include "jldepot_stack.h"

#define PATHBUF (JL_DEPOT_PATH_MAX + 1)

typedef struct {
    size_t index;            // the depot's index in the caller's stack
    const char *root;        // its @depot root (owned by the caller's stack)
    jl_depot_stack_t *given; // the depot, then a depot at `/`
    jl_depot_stack_t *real;  // the depot alone
} classic_t;

struct jldepot_upstream_t {
    jl_depot_stack_t *s;
    jl_depot_stack_t *empty; // no depot: checks and normalizes a path
    classic_t *c;            // the classic depots, in DEPOT_PATH order
    size_t n;
    char *norm, *form, *named; // PATHBUF bytes each
};

// Whether every role root of depot `i` is its classic sub-directory of the
// @depot root.
static int is_classic(const jl_depot_stack_t *s, size_t i)
{
    const char *d = jl_depot_root(s, i, JL_DEPOT_ROLE_DEPOT);
    size_t dl = strcmp(d, "/") == 0 ? 0 : strlen(d);
    for (int r = 1; r < JL_DEPOT_NROLES; r++) {
        const char *root = jl_depot_root(s, i, (jl_depot_role_t)r);
        size_t sl = strlen(jldepot_classic_sub[r]);
        if (strlen(root) != dl + sl || memcmp(root, d, dl) != 0 ||
            memcmp(root + dl, jldepot_classic_sub[r], sl) != 0)
            return 0;
    }
    return 1;
}

// Add a depot whose four roles all have the root `root`.
static int add_as_depot(jl_depot_stack_t *s, const char *root)
{
    const char *roots[JL_DEPOT_NROLES] = {root, root, root, root};
    return jl_depot_stack_add(s, roots);
}

void jldepot_upstream_free(jldepot_upstream_t *u)
{
    if (u == NULL)
        return;
    for (size_t k = 0; k < u->n; k++) {
        jl_depot_stack_free(u->c[k].given);
        jl_depot_stack_free(u->c[k].real);
    }
    free(u->c);
    jl_depot_stack_free(u->empty);
    free(u->norm);
    free(u->form);
    free(u->named);
    free(u);
}

int jldepot_upstream_new(jl_depot_stack_t *s, int casefold, jldepot_upstream_t **out)
{
    *out = NULL;
    size_t n = jl_depot_stack_size(s);
    jldepot_upstream_t *u = (jldepot_upstream_t *)calloc(1, sizeof(*u));
    if (u == NULL)
        return JL_DEPOT_E_NOMEM;
    u->s = s;
    u->c = (classic_t *)calloc(n ? n : 1, sizeof(*u->c));
    u->norm = (char *)malloc(PATHBUF);
    u->form = (char *)malloc(PATHBUF);
    u->named = (char *)malloc(PATHBUF);
    u->empty = jl_depot_stack_new(casefold);
    int err = JL_DEPOT_E_NOMEM;
    if (u->c == NULL || u->norm == NULL || u->form == NULL || u->named == NULL || u->empty == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (!is_classic(s, i))
            continue;
        classic_t *c = &u->c[u->n++];
        c->index = i;
        c->root = jl_depot_root(s, i, JL_DEPOT_ROLE_DEPOT);
        err = JL_DEPOT_E_NOMEM;
        if ((c->given = jl_depot_stack_new(casefold)) == NULL ||
            (c->real = jl_depot_stack_new(casefold)) == NULL)
            goto fail;
        // a depot at `/` itself already holds every path: the second is dropped
        if ((err = add_as_depot(c->given, c->root)) != JL_DEPOT_E_OK ||
            (err = add_as_depot(c->given, "/")) != JL_DEPOT_E_OK ||
            (err = add_as_depot(c->real, c->root)) != JL_DEPOT_E_OK)
            goto fail;
    }
    *out = u;
    return JL_DEPOT_E_OK;
fail:
    jldepot_upstream_free(u);
    return err;
}

// Whether classic depot `c` holds the normalized path u->norm (`n` bytes) as
// given: JL_DEPOT_E_OK with its form in u->form, JL_DEPOT_E_NOT_RELOCATABLE
// when it does not, or the error of its form (PATH_TOO_LONG, NOMEM).  The
// question is put to jl_depot_containing, which writes no form that might
// not fit: the depot at `/` holds what `c` does not.
static int as_given(jldepot_upstream_t *u, const classic_t *c, size_t n, size_t *fl)
{
    size_t d = 1;
    int err = jl_depot_containing(c->given, u->norm, &d);
    if (err == JL_DEPOT_E_OK && d != 0)
        return JL_DEPOT_E_NOT_RELOCATABLE;
    if (err != JL_DEPOT_E_OK)
        return err;
    return jl_depot_tokenize_buf(c->given, 0, u->norm, n, u->form, PATHBUF, fl, NULL);
}

// `n` bytes of `p` into the caller's buffer.
static int emit(const char *p, size_t n, char *buf, size_t bufsize, size_t *outlen)
{
    if (n + 1 > bufsize)
        return JL_DEPOT_E_PATH_TOO_LONG;
    memcpy(buf, p, n);
    buf[n] = '\0';
    *outlen = n;
    return JL_DEPOT_E_OK;
}

// The upstream form of `path`, which is no token form.
static int tokenize_path(jldepot_upstream_t *u, const char *path, size_t len, char *buf,
                         size_t bufsize, size_t *outlen, long *depot)
{
    size_t n, fl;
    // checked and normalized: no depot of the empty stack holds it
    int err = jl_depot_tokenize_buf(u->empty, -1, path, len, u->norm, PATHBUF, &n, NULL);
    if (err != JL_DEPOT_E_NOT_RELOCATABLE)
        return err;
    if (u->norm[0] == '/') { // not a drive-letter path
        size_t k = 0;
        while (k < u->n && (err = as_given(u, &u->c[k], n, &fl)) == JL_DEPOT_E_NOT_RELOCATABLE)
            k++;
        if (k == u->n) {
            // held by no classic depot as given: by realpath
            k = 0;
            while (k < u->n &&
                   (err = jl_depot_tokenize_buf(u->c[k].real, 0, u->norm, n, u->form, PATHBUF, &fl,
                                                NULL)) == JL_DEPOT_E_NOT_RELOCATABLE)
                k++;
        }
        if (k < u->n) {
            if (err == JL_DEPOT_E_OK &&
                (err = emit(u->form, fl, buf, bufsize, outlen)) == JL_DEPOT_E_OK)
                *depot = (long)u->c[k].index;
            return err;
        }
    }
    err = emit(u->norm, n, buf, bufsize, outlen);
    return err ? err : JL_DEPOT_E_NOT_RELOCATABLE;
}

int jldepot_upstream_tokenize(jldepot_upstream_t *u, long target, const char *path, size_t len,
                              char *buf, size_t bufsize, size_t *outlen, long *depot)
{
    long dummy;
    if (depot == NULL)
        depot = &dummy;
    *depot = -1;
    *outlen = 0;
    if (bufsize)
        buf[0] = '\0';
    if (path == NULL || len == 0)
        return JL_DEPOT_E_EMPTY_PATH;
    if (len > JL_DEPOT_PATH_MAX)
        return JL_DEPOT_E_PATH_TOO_LONG;
    if (memchr(path, '\0', len) != NULL)
        return JL_DEPOT_E_NUL_BYTE;
    int err;
    jl_depot_role_t role;
    if (path[0] != '@') {
        err = tokenize_path(u, path, len, buf, bufsize, outlen, depot);
    }
    else if ((err = jl_depot_token_role(path, len, &role)) != JL_DEPOT_E_OK) {
        return err;
    }
    else if (role == JL_DEPOT_ROLE_DEPOT) {
        err = jl_depot_tokenize_buf(u->s, target, path, len, buf, bufsize, outlen, depot);
    }
    else {
        // upstream knows only @depot: go through the path the token names
        size_t nl;
        err = jl_depot_resolve_buf(u->s, target, JL_DEPOT_RESOLVE_NOSTAT, path, len, u->named,
                                   PATHBUF, &nl, NULL);
        if (err == JL_DEPOT_E_EMPTY_DEPOT_PATH)
            return JL_DEPOT_E_NOT_RELOCATABLE;
        if (err != JL_DEPOT_E_OK)
            return err;
        err = tokenize_path(u, u->named, nl, buf, bufsize, outlen, depot);
    }
    // upstream's names are normpath'ed, which keeps a trailing separator
    if (err == JL_DEPOT_E_OK && len > 1 && path[len - 1] == '/' && *outlen > 0 &&
        buf[*outlen - 1] != '/') {
        if (*outlen + 2 > bufsize || *outlen + 1 > JL_DEPOT_PATH_MAX)
            return JL_DEPOT_E_PATH_TOO_LONG;
        buf[(*outlen)++] = '/';
        buf[*outlen] = '\0';
    }
    return err;
}

int jldepot_tokenize_upstream(jl_depot_stack_t *s, int casefold, long target, const char *path,
                              size_t len, char *buf, size_t bufsize, size_t *outlen, long *depot)
{
    jldepot_upstream_t *u = NULL;
    int err = jldepot_upstream_new(s, casefold, &u);
    if (err != JL_DEPOT_E_OK) {
        if (depot != NULL)
            *depot = -1;
        *outlen = 0;
        if (bufsize)
            buf[0] = '\0';
        return err;
    }
    err = jldepot_upstream_tokenize(u, target, path, len, buf, bufsize, outlen, depot);
    jldepot_upstream_free(u);
    return err;
}
