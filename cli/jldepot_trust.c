// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_trust.c: the client's sources and trusted keys, URL rules,
  signature checks against them, and the signed statements
  (jldepot_trust.h).
*/

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "jldepot_errors.h"
#include "jldepot_toml.h"
#include "jldepot_trust.h"

#define CONFIG_MAX_BYTES (1 << 20)

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

static void source_free(jldepot_source_t *s)
{
    free(s->url);
    free(s->ca_file);
    free(s->keys);
    for (size_t i = 0; i < s->nrevoked; i++)
        free(s->revoked[i]);
    free(s->revoked);
    free(s->origin);
}

void jldepot_trust_free(jldepot_trust_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        source_free(&t->sources[i]);
    free(t->sources);
    free(t);
}

// scheme://host[:port][/path] -> lower-case scheme and host; 0 when malformed.
static int split_url(const char *url, char *scheme, size_t ns, char *host, size_t nh)
{
    const char *p = strstr(url, "://");
    if (!p || (size_t)(p - url) >= ns || p == url)
        return 0;
    for (const char *c = url; c < p; c++)
        scheme[c - url] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    scheme[p - url] = '\0';
    const char *h = p + 3, *end = h;
    size_t auth = strcspn(h, "/?#");
    if (memchr(h, '@', auth))
        return 0;    // credentials in the URL
    if (*h == '[') { // [v6]
        end = strchr(h, ']');
        if (!end)
            return 0;
        h++;
    }
    else {
        while (*end && *end != '/' && *end != ':' && *end != '?' && *end != '#')
            end++;
    }
    if (end == h || (size_t)(end - h) >= nh)
        return 0; // no host
    for (const char *c = h; c < end; c++)
        host[c - h] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    host[end - h] = '\0';
    return 1;
}

static int loopback(const char *host)
{
    return !strcmp(host, "localhost") || !strcmp(host, "::1") || !strncmp(host, "127.", 4);
}

int jldepot_trust_url_ok(const jldepot_source_t *src, const char *url)
{
    char scheme[16], host[256];
    if (!url || strchr(url, ' ') || strchr(url, '\n') ||
        !split_url(url, scheme, sizeof(scheme), host, sizeof(host)))
        return JL_DEPOT_E_URL_REFUSED;
    if (!strcmp(scheme, "https"))
        return JL_DEPOT_E_OK;
    if (!strcmp(scheme, "http") && (loopback(host) || (src && src->allow_http)))
        return JL_DEPOT_E_OK;
    return JL_DEPOT_E_URL_REFUSED;
}

const jldepot_source_t *jldepot_trust_source(const jldepot_trust_t *t, const char *url)
{
    const jldepot_source_t *best = NULL;
    size_t bestn = 0;
    for (size_t i = 0; t && i < t->n; i++) {
        const char *u = t->sources[i].url;
        size_t n = strlen(u);
        if (strncmp(url, u, n) == 0 && (url[n] == '\0' || url[n] == '/') && n > bestn) {
            best = &t->sources[i];
            bestn = n;
        }
    }
    return best;
}

static int is_revoked(const jldepot_source_t *s, const char *name)
{
    for (size_t i = 0; i < s->nrevoked; i++)
        if (!strcmp(s->revoked[i], name))
            return 1;
    return 0;
}

int jldepot_trust_verify(const jldepot_source_t *src, const char *domain, const void *msg,
                         size_t len, char *const *sigs, size_t nsig)
{
    if (nsig == 0)
        return JL_DEPOT_E_UNSIGNED;
    if (!src)
        return JL_DEPOT_E_SIG_UNTRUSTED;
    int worst = JL_DEPOT_E_SIG_UNTRUSTED, revoked = 0;
    for (size_t i = 0; i < nsig; i++) {
        const char *colon = sigs[i] ? strchr(sigs[i], ':') : NULL;
        if (colon && (size_t)(colon - sigs[i]) <= JLDEPOT_KEY_NAME_MAX) {
            char name[JLDEPOT_KEY_NAME_MAX + 1];
            memcpy(name, sigs[i], (size_t)(colon - sigs[i]));
            name[colon - sigs[i]] = '\0';
            if (is_revoked(src, name)) {
                revoked = 1;
                continue;
            }
        }
        int r = jldepot_verify(src->keys, src->nkeys, domain, msg, len, sigs[i]);
        if (r == JL_DEPOT_E_OK)
            return r;
        if (r == JL_DEPOT_E_NOMEM)
            return r;
        if (r == JL_DEPOT_E_SIG_INVALID)
            worst = r;
    }
    if (worst == JL_DEPOT_E_SIG_INVALID)
        return worst;
    return revoked ? JL_DEPOT_E_KEY_REVOKED : JL_DEPOT_E_SIG_UNTRUSTED;
}

// ---- configuration -----------------------------------------------------------------

static int strings_of(json_object *a, const char *file, const char *what, char ***out, size_t *n,
                      char **err)
{
    *out = NULL;
    *n = 0;
    if (!a)
        return JL_DEPOT_E_OK;
    if (!json_object_is_type(a, json_type_array)) {
        *err = fmt("%s: `%s` must be an array of strings", file, what);
        return JL_DEPOT_E_TRUST_CONFIG;
    }
    size_t len = json_object_array_length(a);
    if (len && (*out = (char **)calloc(len, sizeof(char *))) == NULL)
        return JL_DEPOT_E_NOMEM;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_string)) {
            *err = fmt("%s: `%s` must be an array of strings", file, what);
            return JL_DEPOT_E_TRUST_CONFIG;
        }
        if (((*out)[i] = strdup(json_object_get_string(e))) == NULL)
            return JL_DEPOT_E_NOMEM;
        (*n)++;
    }
    return JL_DEPOT_E_OK;
}

static int bool_of(json_object *src, const char *key, int dflt, int *out, const char *file,
                   char **err)
{
    json_object *v;
    *out = dflt;
    if (!json_object_object_get_ex(src, key, &v))
        return JL_DEPOT_E_OK;
    if (!json_object_is_type(v, json_type_boolean)) {
        *err = fmt("%s: `%s` must be true or false", file, key);
        return JL_DEPOT_E_TRUST_CONFIG;
    }
    *out = json_object_get_boolean(v);
    return JL_DEPOT_E_OK;
}

static int parse_source(json_object *o, const char *file, jldepot_source_t *s, char **err)
{
    static const char *const known[] = {"url",          "priority",           "trusted-keys",
                                        "revoked-keys", "require-signatures", "allow-http",
                                        "ca-file"};
    json_object_object_foreach(o, k, val)
    {
        (void)val;
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(k, known[i]))
            i++;
        if (i == sizeof(known) / sizeof(known[0])) {
            *err = fmt("%s: unknown key `%s` in a [[source]]", file, k);
            return JL_DEPOT_E_TRUST_CONFIG;
        }
    }
    json_object *v;
    if (!json_object_object_get_ex(o, "url", &v) || !json_object_is_type(v, json_type_string)) {
        *err = fmt("%s: a [[source]] has no `url` string", file);
        return JL_DEPOT_E_TRUST_CONFIG;
    }
    const char *url = json_object_get_string(v);
    char scheme[16], host[256];
    if (!split_url(url, scheme, sizeof(scheme), host, sizeof(host)) ||
        (strcmp(scheme, "https") && strcmp(scheme, "http"))) {
        *err = fmt("%s: source url `%s` is not an https:// (or http://) URL", file, url);
        return JL_DEPOT_E_TRUST_CONFIG;
    }
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if ((s->url = strndup(url, n)) == NULL)
        return JL_DEPOT_E_NOMEM;
    s->priority = 50;
    if (json_object_object_get_ex(o, "priority", &v)) {
        if (!json_object_is_type(v, json_type_int)) {
            *err = fmt("%s: `priority` of %s must be an integer", file, s->url);
            return JL_DEPOT_E_TRUST_CONFIG;
        }
        s->priority = (long)json_object_get_int64(v);
    }
    char **keys = NULL;
    size_t nk = 0;
    json_object *a = NULL;
    json_object_object_get_ex(o, "trusted-keys", &a);
    int e = strings_of(a, file, "trusted-keys", &keys, &nk, err);
    if (!e && nk && (s->keys = (jldepot_pubkey_t *)calloc(nk, sizeof(jldepot_pubkey_t))) == NULL)
        e = JL_DEPOT_E_NOMEM;
    for (size_t i = 0; !e && i < nk; i++) {
        int pe = jldepot_pubkey_parse(keys[i], strlen(keys[i]), &s->keys[i]);
        if (pe) {
            *err =
                fmt("%s: trusted key `%s` of %s: %s", file, keys[i], s->url, jldepot_strerror(pe));
            e = JL_DEPOT_E_TRUST_CONFIG;
        }
        else {
            s->nkeys++;
        }
    }
    for (size_t i = 0; i < nk; i++)
        free(keys[i]);
    free(keys);
    if (e)
        return e;
    a = NULL;
    json_object_object_get_ex(o, "revoked-keys", &a);
    if ((e = strings_of(a, file, "revoked-keys", &s->revoked, &s->nrevoked, err)))
        return e;
    for (size_t i = 0; i < s->nrevoked; i++) {
        if (!jldepot_key_name_ok(s->revoked[i])) {
            *err = fmt("%s: revoked key `%s` of %s is not a key name (NAME-N)", file, s->revoked[i],
                       s->url);
            return JL_DEPOT_E_TRUST_CONFIG;
        }
    }
    if ((e = bool_of(o, "require-signatures", 1, &s->require_signatures, file, err)) ||
        (e = bool_of(o, "allow-http", 0, &s->allow_http, file, err)))
        return e;
    if (s->require_signatures && s->nkeys == 0) {
        *err = fmt("%s: source %s trusts no key; add its public keys to `trusted-keys` (or, "
                   "for this source only, set require-signatures = false)",
                   file, s->url);
        return JL_DEPOT_E_TRUST_CONFIG;
    }
    if (json_object_object_get_ex(o, "ca-file", &v)) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string(v)[0] != '/') {
            *err = fmt("%s: `ca-file` of %s must be the absolute path of a PEM file", file, s->url);
            return JL_DEPOT_E_TRUST_CONFIG;
        }
        if ((s->ca_file = strdup(json_object_get_string(v))) == NULL)
            return JL_DEPOT_E_NOMEM;
    }
    if ((s->origin = strdup(file)) == NULL)
        return JL_DEPOT_E_NOMEM;
    return JL_DEPOT_E_OK;
}

int jldepot_trust_load_file(jldepot_trust_t *t, const char *path, char **err)
{
    *err = NULL;
    struct stat st;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        *err = fmt("%s: %s", path, strerror(errno));
        return JL_DEPOT_E_NOT_FOUND;
    }
    json_object *root = jldepot_toml_parse_file(path, CONFIG_MAX_BYTES, err);
    if (!root)
        return JL_DEPOT_E_TRUST_CONFIG;
    int e = JL_DEPOT_E_OK;
    json_object_object_foreach(root, k, v)
    {
        (void)v;
        if (strcmp(k, "source")) {
            *err = fmt("%s: unknown key `%s` (only [[source]] tables belong here)", path, k);
            e = JL_DEPOT_E_TRUST_CONFIG;
            break;
        }
    }
    json_object *arr = NULL;
    if (!e && json_object_object_get_ex(root, "source", &arr) &&
        !json_object_is_type(arr, json_type_array)) {
        *err = fmt("%s: `source` must be written as [[source]] tables", path);
        e = JL_DEPOT_E_TRUST_CONFIG;
    }
    size_t n = !e && arr ? json_object_array_length(arr) : 0;
    if (n) {
        jldepot_source_t *ns =
            (jldepot_source_t *)realloc(t->sources, (t->n + n) * sizeof(jldepot_source_t));
        if (!ns)
            e = JL_DEPOT_E_NOMEM;
        else
            t->sources = ns;
    }
    for (size_t i = 0; !e && i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        jldepot_source_t *s = &t->sources[t->n];
        memset(s, 0, sizeof(*s));
        if (!json_object_is_type(o, json_type_object)) {
            *err = fmt("%s: `source` must be written as [[source]] tables", path);
            e = JL_DEPOT_E_TRUST_CONFIG;
        }
        else if ((e = parse_source(o, path, s, err)) != JL_DEPOT_E_OK) {
            source_free(s);
        }
        else {
            t->n++;
        }
    }
    json_object_put(root);
    if (e == JL_DEPOT_E_NOMEM && !*err)
        *err = fmt("%s: %s", path, jldepot_strerror(e));
    return e;
}

static int by_priority(const void *a, const void *b)
{
    const jldepot_source_t *x = (const jldepot_source_t *)a, *y = (const jldepot_source_t *)b;
    return x->priority < y->priority ? -1 : x->priority > y->priority;
}

int jldepot_trust_load(const jl_depot_stack_t *stack, jldepot_trust_t **out, char **err)
{
    *err = NULL;
    jldepot_trust_t *t = (jldepot_trust_t *)calloc(1, sizeof(*t));
    if (!t)
        return JL_DEPOT_E_NOMEM;
    int e = JL_DEPOT_E_OK;
    const char *env = getenv("JLDEPOT_SOURCES");
    if (env && *env) {
        e = jldepot_trust_load_file(t, env, err); // named explicitly: must exist
    }
    else {
        size_t nd = stack ? jl_depot_stack_size(stack) : 0;
        for (size_t i = 0; !e && i < nd; i++) {
            const char *root = jl_depot_root(stack, i, JL_DEPOT_ROLE_DEPOT);
            char *p = root ? fmt("%s/config/jldepot/sources.toml", root) : NULL;
            if (!p)
                continue;
            e = jldepot_trust_load_file(t, p, err);
            if (e == JL_DEPOT_E_NOT_FOUND) {
                free(*err);
                *err = NULL;
                e = JL_DEPOT_E_OK;
            }
            free(p);
        }
    }
    if (e) {
        jldepot_trust_free(t);
        return e;
    }
    // stable: equal priorities keep configuration order
    for (size_t i = 1; i < t->n; i++) {
        for (size_t j = i; j > 0 && by_priority(&t->sources[j - 1], &t->sources[j]) > 0; j--) {
            jldepot_source_t tmp = t->sources[j];
            t->sources[j] = t->sources[j - 1];
            t->sources[j - 1] = tmp;
        }
    }
    *out = t;
    return JL_DEPOT_E_OK;
}

// ---- statements --------------------------------------------------------------------

char *jldepot_statement_bundle(const char *output_key, const char *input_key,
                               const char *manifest_sha256, const char *bundle_sha256,
                               uint64_t bundle_size, const char *const *closure, size_t nclosure)
{
    size_t n = 1;
    for (size_t i = 0; i < nclosure; i++)
        n += strlen(closure[i]) + 1;
    char *cl = (char *)malloc(n);
    if (!cl)
        return NULL;
    cl[0] = '\0';
    for (size_t i = 0; i < nclosure; i++) {
        if (i)
            strcat(cl, " ");
        strcat(cl, closure[i]);
    }
    char *s = fmt("output-key %s\ninput-key %s\nmanifest-sha256 %s\nbundle-sha256 %s\n"
                  "bundle-size %" PRIu64 "\nclosure %s\n",
                  output_key, input_key ? input_key : "", manifest_sha256, bundle_sha256,
                  bundle_size, cl);
    free(cl);
    return s;
}

char *jldepot_statement_index(uint64_t version, int64_t expires, const char *index_sha256)
{
    return fmt("version %" PRIu64 "\nexpires %" PRId64 "\nindex-sha256 %s\n", version, expires,
               index_sha256);
}

int jldepot_trust_merged(const jldepot_trust_t *t, jldepot_source_t *out)
{
    memset(out, 0, sizeof(*out));
    out->require_signatures = 1;
    size_t nk = 0, nr = 0;
    for (size_t i = 0; t && i < t->n; i++) {
        nk += t->sources[i].nkeys;
        nr += t->sources[i].nrevoked;
    }
    out->keys = (jldepot_pubkey_t *)calloc(nk ? nk : 1, sizeof(jldepot_pubkey_t));
    out->revoked = (char **)calloc(nr ? nr : 1, sizeof(char *));
    if (!out->keys || !out->revoked) {
        free(out->keys);
        free(out->revoked);
        return JL_DEPOT_E_NOMEM;
    }
    for (size_t i = 0; t && i < t->n; i++) {
        const jldepot_source_t *s = &t->sources[i];
        memcpy(out->keys + out->nkeys, s->keys, s->nkeys * sizeof(jldepot_pubkey_t));
        out->nkeys += s->nkeys;
        for (size_t k = 0; k < s->nrevoked; k++)
            out->revoked[out->nrevoked++] = s->revoked[k]; // borrowed
    }
    return JL_DEPOT_E_OK;
}

void jldepot_trust_merged_free(jldepot_source_t *src)
{
    free(src->keys);
    free(src->revoked);
    memset(src, 0, sizeof(*src));
}
