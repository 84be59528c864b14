// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_sigfile.c: bundle and index signature files: strict parsing,
  writing, signing and checking (jldepot_sigfile.h), with json-c.
*/

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "jldepot_errors.h"
#include "jldepot_sigfile.h"

#define SIGFILE_MAX (1 << 20)

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

static int hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
            return 0;
    return 1;
}

// One strict JSON document: no NUL, nothing but white space after it.
static json_object *parse_doc(const char *buf, size_t len, char **err)
{
    if (len > SIGFILE_MAX || memchr(buf, '\0', len)) {
        *err = fmt("it is larger than 1 MiB or holds a NUL byte");
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
    size_t used = (size_t)json_tokener_get_parse_end(tok);
    enum json_tokener_error e = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!o || e != json_tokener_success) {
        json_object_put(o);
        *err = fmt("it is not valid JSON (%s)", json_tokener_error_desc(e));
        return NULL;
    }
    for (size_t i = used; i < len; i++) {
        if (!isspace((unsigned char)buf[i])) {
            json_object_put(o);
            *err = fmt("it has bytes after its JSON document");
            return NULL;
        }
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        *err = fmt("it is not a JSON object");
        return NULL;
    }
    return o;
}

static int only_keys(json_object *o, const char *const *keys, size_t n, char **err)
{
    json_object_object_foreach(o, k, v)
    {
        (void)v;
        size_t i = 0;
        while (i < n && strcmp(k, keys[i]))
            i++;
        if (i == n) {
            *err = fmt("it has an unknown field `%s`", k);
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!json_object_object_get_ex(o, keys[i], NULL)) {
            *err = fmt("it has no field `%s`", keys[i]);
            return 0;
        }
    }
    return 1;
}

static int get_hex(json_object *o, const char *key, char out[65], int allow_empty, char **err)
{
    json_object *v;
    json_object_object_get_ex(o, key, &v);
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    if (!s || !((allow_empty && !*s) || hex64(s))) {
        *err = fmt("`%s` is not 64 lower-case hexadecimal digits", key);
        return 0;
    }
    strcpy(out, s);
    return 1;
}

static int get_u64(json_object *o, const char *key, uint64_t *out, char **err)
{
    json_object *v;
    json_object_object_get_ex(o, key, &v);
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
        *err = fmt("`%s` is not a non-negative integer", key);
        return 0;
    }
    *out = json_object_get_uint64(v);
    return 1;
}

// An array of strings; `check` validates each (NULL: any non-empty string).
static int get_strings(json_object *o, const char *key, int (*check)(const char *), char ***out,
                       size_t *n, char **err)
{
    json_object *a;
    json_object_object_get_ex(o, key, &a);
    *out = NULL;
    *n = 0;
    if (!json_object_is_type(a, json_type_array)) {
        *err = fmt("`%s` is not an array of strings", key);
        return 0;
    }
    size_t len = json_object_array_length(a);
    if (len > 4096) {
        *err = fmt("`%s` has more than 4096 entries", key);
        return 0;
    }
    if (len && (*out = (char **)calloc(len, sizeof(char *))) == NULL)
        return 0;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
        if (!s || !*s || (check && !check(s))) {
            *err = fmt("`%s` entry %zu is not valid", key, i + 1);
            return 0;
        }
        if (((*out)[i] = strdup(s)) == NULL)
            return 0;
        (*n)++;
    }
    return 1;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int format_is(json_object *o, const char *want, char **err)
{
    json_object *v;
    json_object_object_get_ex(o, "format", &v);
    if (!json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), want)) {
        *err = fmt("its format is not \"%s\"", want);
        return 0;
    }
    return 1;
}

void jldepot_bundle_sig_free(jldepot_bundle_sig_t *s)
{
    free_strings(s->closure, s->nclosure);
    free_strings(s->sigs, s->nsigs);
    memset(s, 0, sizeof(*s));
}

void jldepot_index_sig_free(jldepot_index_sig_t *s)
{
    free_strings(s->sigs, s->nsigs);
    memset(s, 0, sizeof(*s));
}

int jldepot_bundle_sig_parse(const char *buf, size_t len, jldepot_bundle_sig_t *out, char **err)
{
    static const char *const keys[] = {"format",          "output_key",    "input_key",
                                       "manifest_sha256", "bundle_sha256", "bundle_size",
                                       "closure",         "signatures"};
    memset(out, 0, sizeof(*out));
    *err = NULL;
    json_object *o = parse_doc(buf, len, err);
    if (!o)
        return *err ? JL_DEPOT_E_SIG_MALFORMED : JL_DEPOT_E_NOMEM;
    int ok = only_keys(o, keys, sizeof(keys) / sizeof(keys[0]), err) &&
             format_is(o, "jldepot-bundle-signature 1", err) &&
             get_hex(o, "output_key", out->output_key, 0, err) &&
             get_hex(o, "input_key", out->input_key, 1, err) &&
             get_hex(o, "manifest_sha256", out->manifest_sha256, 0, err) &&
             get_hex(o, "bundle_sha256", out->bundle_sha256, 0, err) &&
             get_u64(o, "bundle_size", &out->bundle_size, err) &&
             get_strings(o, "closure", hex64, &out->closure, &out->nclosure, err) &&
             get_strings(o, "signatures", NULL, &out->sigs, &out->nsigs, err);
    json_object_put(o);
    if (!ok) {
        jldepot_bundle_sig_free(out);
        return *err ? JL_DEPOT_E_SIG_MALFORMED : JL_DEPOT_E_NOMEM;
    }
    return JL_DEPOT_E_OK;
}

int jldepot_index_sig_parse(const char *buf, size_t len, jldepot_index_sig_t *out, char **err)
{
    static const char *const keys[] = {"format", "version", "expires", "index_sha256",
                                       "signatures"};
    memset(out, 0, sizeof(*out));
    *err = NULL;
    json_object *o = parse_doc(buf, len, err);
    if (!o)
        return *err ? JL_DEPOT_E_SIG_MALFORMED : JL_DEPOT_E_NOMEM;
    uint64_t expires = 0;
    int ok = only_keys(o, keys, sizeof(keys) / sizeof(keys[0]), err) &&
             format_is(o, "jldepot-index-signature 1", err) &&
             get_u64(o, "version", &out->version, err) && get_u64(o, "expires", &expires, err) &&
             get_hex(o, "index_sha256", out->index_sha256, 0, err) &&
             get_strings(o, "signatures", NULL, &out->sigs, &out->nsigs, err);
    json_object_put(o);
    if (!ok || expires > (uint64_t)INT64_MAX) {
        if (ok)
            *err = fmt("`expires` is out of range");
        jldepot_index_sig_free(out);
        return *err ? JL_DEPOT_E_SIG_MALFORMED : JL_DEPOT_E_NOMEM;
    }
    out->expires = (int64_t)expires;
    return JL_DEPOT_E_OK;
}

static json_object *strings_json(char *const *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}

static char *to_text(json_object *o)
{
    const char *t =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *s = t ? fmt("%s\n", t) : NULL;
    json_object_put(o);
    return s;
}

char *jldepot_bundle_sig_format(const jldepot_bundle_sig_t *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string("jldepot-bundle-signature 1"));
    json_object_object_add(o, "output_key", json_object_new_string(s->output_key));
    json_object_object_add(o, "input_key", json_object_new_string(s->input_key));
    json_object_object_add(o, "manifest_sha256", json_object_new_string(s->manifest_sha256));
    json_object_object_add(o, "bundle_sha256", json_object_new_string(s->bundle_sha256));
    json_object_object_add(o, "bundle_size", json_object_new_uint64(s->bundle_size));
    json_object_object_add(o, "closure", strings_json(s->closure, s->nclosure));
    json_object_object_add(o, "signatures", strings_json(s->sigs, s->nsigs));
    return to_text(o);
}

char *jldepot_index_sig_format(const jldepot_index_sig_t *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string("jldepot-index-signature 1"));
    json_object_object_add(o, "version", json_object_new_uint64(s->version));
    json_object_object_add(o, "expires", json_object_new_int64(s->expires));
    json_object_object_add(o, "index_sha256", json_object_new_string(s->index_sha256));
    json_object_object_add(o, "signatures", strings_json(s->sigs, s->nsigs));
    return to_text(o);
}

static char *bundle_statement(const jldepot_bundle_sig_t *s)
{
    return jldepot_statement_bundle(s->output_key, s->input_key, s->manifest_sha256,
                                    s->bundle_sha256, s->bundle_size,
                                    (const char *const *)s->closure, s->nclosure);
}

static int add_sig(char ***sigs, size_t *n, char *sig)
{
    char **v = (char **)realloc(*sigs, (*n + 1) * sizeof(char *));
    if (!v) {
        free(sig);
        return JL_DEPOT_E_NOMEM;
    }
    v[(*n)++] = sig;
    *sigs = v;
    return JL_DEPOT_E_OK;
}

int jldepot_bundle_sig_sign(jldepot_bundle_sig_t *s, const jldepot_seckey_t *k)
{
    char *st = bundle_statement(s), *sig = NULL;
    if (!st)
        return JL_DEPOT_E_NOMEM;
    int e = jldepot_sign(k, JLDEPOT_DOMAIN_BUNDLE, st, strlen(st), &sig);
    free(st);
    return e ? e : add_sig(&s->sigs, &s->nsigs, sig);
}

int jldepot_index_sig_sign(jldepot_index_sig_t *s, const jldepot_seckey_t *k)
{
    char *st = jldepot_statement_index(s->version, s->expires, s->index_sha256), *sig = NULL;
    if (!st)
        return JL_DEPOT_E_NOMEM;
    int e = jldepot_sign(k, JLDEPOT_DOMAIN_INDEX, st, strlen(st), &sig);
    free(st);
    return e ? e : add_sig(&s->sigs, &s->nsigs, sig);
}

int jldepot_bundle_sig_check(const jldepot_source_t *src, const jldepot_bundle_sig_t *s,
                             uint64_t bundle_size, const char *bundle_sha256)
{
    char *st = bundle_statement(s);
    if (!st)
        return JL_DEPOT_E_NOMEM;
    int e = jldepot_trust_verify(src, JLDEPOT_DOMAIN_BUNDLE, st, strlen(st), s->sigs, s->nsigs);
    free(st);
    if (e)
        return e;
    if (bundle_size != s->bundle_size || strcmp(bundle_sha256, s->bundle_sha256))
        return JL_DEPOT_E_BUNDLE_SHA256;
    return JL_DEPOT_E_OK;
}

int jldepot_index_sig_check(const jldepot_source_t *src, const jldepot_index_sig_t *s,
                            const char *index_sha256, int64_t now, uint64_t min_version)
{
    char *st = jldepot_statement_index(s->version, s->expires, s->index_sha256);
    if (!st)
        return JL_DEPOT_E_NOMEM;
    int e = jldepot_trust_verify(src, JLDEPOT_DOMAIN_INDEX, st, strlen(st), s->sigs, s->nsigs);
    free(st);
    if (e)
        return e;
    if (strcmp(index_sha256, s->index_sha256))
        return JL_DEPOT_E_BUNDLE_SHA256;
    if (s->expires <= now)
        return JL_DEPOT_E_INDEX_EXPIRED;
    if (s->version < min_version)
        return JL_DEPOT_E_INDEX_ROLLBACK;
    return JL_DEPOT_E_OK;
}
