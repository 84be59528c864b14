// This file is a part of the jldepot project. License is MIT.

/*
  fuzz-depotpath.c: arbitrary bytes into normalize, tokenize (the runtime's
  role tokens, or the tool's upstream `@depot` form) and resolve (NOSTAT)
  against a fixed depot stack (classic, non-ASCII, nested, XDG,
  case-folding; built from a JULIA_DEPOT_PATH by the tool's
  jldepot_stack_new).  Input: one control byte (which form, target, which
  stack), then the path bytes, then (after the first 0x01 byte, if any) a
  token-form input.
  Aborts when a property breaks:
    - every call returns a known code; outputs only where the contract says;
    - resolve(tokenize(p)) == normalize(p) (in NFC, and case-folded on a
      folding stack; byte for byte when the path matched as given);
    - tokenize(tokenize(p)) == tokenize(p);
    - resolve of any input gives an absolute or drive-letter path.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "depotpath.h"
#include "jldepot_model.h"
#include "jldepot_stack.h"
#include "jldepot_upstream.h"

static jl_depot_stack_t *stacks[2];
static jldepot_upstream_t *upstreams[2];

// The folding stack has no depot at `/`, so paths can stay absolute (and the
// realpath fallback runs).
static jl_depot_stack_t *mk(int fold)
{
    jldepot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.depot_path =
        fold ? ":/fz/a:/fz/b\xc3\xa9t\xc3\xa1:/fz/a/n" : ":/fz/a:/fz/b\xc3\xa9t\xc3\xa1:/fz/a/n:/";
    cfg.home = "/fz/home";
    cfg.julia_bindir = "/fz/julia/bin";
    cfg.layout = "xdg";
    cfg.list_sep = ':';
    cfg.casefold = fold;
    jl_depot_stack_t *s = NULL;
    if (jldepot_stack_new(&cfg, &s) != JL_DEPOT_E_OK)
        abort();
    return s;
}

static void check(int cond, const char *what, const char *a, const char *b)
{
    if (!cond) {
        fprintf(stderr, "property violated: %s\n  '%s'\n  '%s'\n", what, a ? a : "(null)",
                b ? b : "(null)");
        abort();
    }
}

// NFC (+casefold) of a string; NULL when it is not valid UTF-8.
static char *key(const char *s, int fold)
{
    utf8proc_uint8_t *d = NULL;
    int opt =
        UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | (fold ? UTF8PROC_CASEFOLD : 0);
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &d, (utf8proc_option_t)opt) < 0) {
        free(d);
        return NULL;
    }
    return (char *)d;
}

// Tokenize p[0..n): the runtime's form, or (with `u`) upstream's.
static int tokenize(jl_depot_stack_t *s, jldepot_upstream_t *u, long target, const char *p,
                    size_t n, char *buf, size_t bufsize, size_t *outlen, long *depot)
{
    if (u)
        return jldepot_upstream_tokenize(u, target, p, n, buf, bufsize, outlen, depot);
    return jl_depot_tokenize_buf(s, target, p, n, buf, bufsize, outlen, depot);
}

static void run_path(jl_depot_stack_t *s, int fold, jldepot_upstream_t *u, long target,
                     const char *p, size_t n)
{
    char *norm = NULL;
    int nerr = jl_depot_normalize_n(p, n, &norm);
    check((nerr == JL_DEPOT_E_OK) == (norm != NULL), "normalize output iff ok", p, norm);
    static char tok[JL_DEPOT_PATH_MAX + 1], res[JL_DEPOT_PATH_MAX + 1], tok2[JL_DEPOT_PATH_MAX + 1];
    size_t tl = 0, rl = 0, tl2 = 0;
    long depot = -1;
    int err = tokenize(s, u, target, p, n, tok, sizeof(tok), &tl, &depot);
    check(err >= 0 && err < JLDEPOT_E__COUNT, "known code", p, NULL);
    check(strlen(tok) == tl, "length", tok, NULL);
    if (u == NULL) {
        // the malloc'ing variant agrees
        char *dup = NULL;
        int err2 = jl_depot_tokenize_n(s, target, p, n, &dup);
        check(err2 == err, "tokenize_n agrees", p, dup);
        check((dup != NULL) == (err == JL_DEPOT_E_OK || err == JL_DEPOT_E_NOT_RELOCATABLE),
              "tokenize_n output", p, dup);
        if (dup)
            check(strcmp(dup, tok) == 0, "tokenize_n output equal", dup, tok);
        free(dup);
    }
    else if (err == JL_DEPOT_E_OK && p[0] == '/') {
        check(strncmp(tok, "@depot", 6) == 0, "upstream writes @depot only", p, tok);
    }
    if (err == JL_DEPOT_E_OK && p[0] == '/') {
        check(nerr == JL_DEPOT_E_OK, "tokenized path normalizes", p, NULL);
        check(tok[0] == '@' && depot >= 0, "token form", tok, NULL);
        // idempotent
        int e2 = tokenize(s, u, target, tok, tl, tok2, sizeof(tok2), &tl2, NULL);
        check(e2 == JL_DEPOT_E_OK && strcmp(tok, tok2) == 0, "idempotent", tok, tok2);
        // round trip
        int e3 = jl_depot_resolve_buf(s, depot, JL_DEPOT_RESOLVE_NOSTAT, tok, tl, res, sizeof(res),
                                      &rl, NULL);
        check(e3 == JL_DEPOT_E_OK, "resolve of a token form", tok, jldepot_errname(e3));
        if (strcmp(res, norm) != 0) {
            char *a = key(res, fold), *b = key(norm, fold);
            check(a && b && strcmp(a, b) == 0, "resolve(tokenize(p)) == normalize(p)", res, norm);
            free(a);
            free(b);
        }
    }
    else if (err == JL_DEPOT_E_NOT_RELOCATABLE && p[0] == '/') {
        check(nerr == JL_DEPOT_E_OK && strcmp(tok, norm) == 0, "unrelocatable is normalized", tok,
              norm);
    }
    free(norm);
}

static void run_token(jl_depot_stack_t *s, long containing, const char *t, size_t n)
{
    static char res[JL_DEPOT_PATH_MAX + 1];
    size_t rl = 0;
    long depot = -1;
    int err = jl_depot_resolve_buf(s, containing, JL_DEPOT_RESOLVE_NOSTAT, t, n, res, sizeof(res),
                                   &rl, &depot);
    check(err >= 0 && err < JLDEPOT_E__COUNT, "known code", t, NULL);
    if (err == JL_DEPOT_E_OK) {
        check(strlen(res) == rl, "length", res, NULL);
        check(res[0] == '/' || (rl >= 2 && res[1] == ':'), "absolute result", t, res);
        if (res[0] == '/') {
            // the result tokenizes back into some token form or stays as it is
            char *again = NULL;
            int e2 = jl_depot_tokenize_n(s, depot, res, rl, &again);
            check(e2 == JL_DEPOT_E_OK || e2 == JL_DEPOT_E_NOT_RELOCATABLE, "re-tokenize", res,
                  again);
            free(again);
        }
    }
    else {
        check(rl == 0 && res[0] == '\0', "no output on error", t, res);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (stacks[0] == NULL) {
        stacks[0] = mk(0);
        stacks[1] = mk(1);
        if (jldepot_upstream_new(stacks[0], 0, &upstreams[0]) != JL_DEPOT_E_OK ||
            jldepot_upstream_new(stacks[1], 1, &upstreams[1]) != JL_DEPOT_E_OK)
            abort();
    }
    if (size < 1)
        return 0;
    uint8_t c = data[0];
    int fold = c & 1;
    jldepot_upstream_t *u = (c >> 1) & 1 ? upstreams[fold] : NULL;
    long target = (long)((c >> 2) & 7) - 1; // -1 .. 6 (some out of range)
    jl_depot_stack_t *s = stacks[fold];
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    const char *sep = (const char *)memchr(p, 1, n);
    size_t n1 = sep ? (size_t)(sep - p) : n;
    run_path(s, fold, u, target, p, n1);
    if (sep)
        run_token(s, target, sep + 1, n - n1 - 1);
    else
        run_token(s, target, p, n1);
    return 0;
}
