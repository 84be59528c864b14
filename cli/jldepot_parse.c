// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_parse.c: strict parsing of untrusted inputs from a buffer
  (jldepot_parse.h): byte sizes, the bundle manifest, index.json, the choice
  of a bundle in an index, and the comparison of a file with its record.

  JSON is read in three steps.  json-c parses the document (leniently
  first, to find where the first document ends: anything but white space
  after it is refused; then with JSON_TOKENER_STRICT).  A scan of the raw
  text then refuses what json-c's strict mode still lets through (single
  quotes, raw control characters in strings, NaN and Infinity) and counts
  the members of every object in document order; an object of the parsed
  tree with fewer members than the text had a key twice (json-c keeps the
  last one silently).  Only then is the schema checked, field by field.
*/

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jldepot_parse.h"

#define MANIFEST_FORMAT "jldepot-bundle 1"
#define INDEX_FORMAT    "jldepot-index 1"

// ---- sizes -------------------------------------------------------------------------

int jldepot_parse_bytes(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return JL_DEPOT_E_BAD_SIZE; // empty, a sign, a space, junk
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return JL_DEPOT_E_BAD_SIZE;
        v = v * 10 + d;
    }
    uint64_t mul = 1;
    if (*p == 'K' || *p == 'k')
        mul = (uint64_t)1 << 10;
    else if (*p == 'M')
        mul = (uint64_t)1 << 20;
    else if (*p == 'G')
        mul = (uint64_t)1 << 30;
    if (mul > 1)
        p++;
    if (*p || v > UINT64_MAX / mul)
        return JL_DEPOT_E_BAD_SIZE;
    *out = v * mul;
    return JL_DEPOT_E_OK;
}

// ---- messages ----------------------------------------------------------------------

char *jldepot_printable(const char *s, size_t n, size_t max)
{
    char *o = malloc((max < n ? max : n) + 4);
    if (!o)
        return NULL;
    size_t k = 0;
    int space = 0, cut = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = k > 0;
            continue;
        }
        if (k + space + 1 > max) {
            cut = 1;
            break;
        }
        if (space)
            o[k++] = ' ';
        space = 0;
        o[k++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    if (cut)
        memcpy(o + k, "...", 3), k += 3;
    o[k] = '\0';
    return o;
}

static void set_detail(char **detail, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(char **detail, const char *fmt, ...)
{
    if (!detail || *detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(detail, fmt, ap) < 0)
        *detail = NULL;
    va_end(ap);
}

// ---- strict JSON --------------------------------------------------------------------

typedef struct {
    size_t *v;
    size_t n, cap;
} counts_t;

static int counts_push(counts_t *c)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 64;
        size_t *nv = realloc(c->v, nc * sizeof(size_t));
        if (!nv)
            return -1;
        c->v = nv;
        c->cap = nc;
    }
    c->v[c->n++] = 0;
    return 0;
}

// The raw text of a document json-c accepted: refuse what RFC 8259 does not
// allow but json-c does, and count each object's members (document order).
static int scan_text(const char *b, size_t n, counts_t *cnt, char **detail, int bad)
{
    enum { MAXDEPTH = 256 };
    size_t stack[MAXDEPTH]; // index into cnt->v, or SIZE_MAX for an array
    int want_key[MAXDEPTH];
    size_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '"') {
            int key = depth > 0 && stack[depth - 1] != SIZE_MAX && want_key[depth - 1];
            size_t start = i;
            for (i++; i < n && b[i] != '"'; i++) {
                if ((unsigned char)b[i] < 0x20) {
                    set_detail(detail, "a control character in the string at byte %zu", start);
                    return bad;
                }
                if (b[i] == '\\')
                    i++;
            }
            if (key) {
                cnt->v[stack[depth - 1]]++;
                want_key[depth - 1] = 0;
            }
            continue;
        }
        switch (c) {
        case '{':
        case '[':
            if (depth == MAXDEPTH) {
                set_detail(detail, "nesting deeper than %d at byte %zu", MAXDEPTH, i);
                return bad;
            }
            if (c == '{') {
                if (counts_push(cnt))
                    return JL_DEPOT_E_NOMEM;
                stack[depth] = cnt->n - 1;
            }
            else
                stack[depth] = SIZE_MAX;
            want_key[depth++] = 1;
            break;
        case '}':
        case ']':
            if (depth > 0)
                depth--;
            break;
        case ',':
            if (depth > 0)
                want_key[depth - 1] = 1;
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
        case ':':
        case '-':
        case '+':
        case '.':
            break;
        default:
            if ((c >= '0' && c <= '9') || c == 'e' || c == 'E')
                break;
            // the letters of true, false and null; not NaN, Infinity
            if (c && strchr("truefalsn", c))
                break;
            set_detail(detail, "'%c' at byte %zu is not JSON", c >= 0x20 && c < 0x7f ? c : '?', i);
            return bad;
        }
    }
    return JL_DEPOT_E_OK;
}

// The parsed tree has as many members in each object as the text had.
static int same_counts(json_object *o, const counts_t *cnt, size_t *k)
{
    if (json_object_is_type(o, json_type_object)) {
        if (*k >= cnt->n || (size_t)json_object_object_length(o) != cnt->v[*k])
            return 0;
        (*k)++;
        json_object_object_foreach(o, name, v)
        {
            (void)name;
            if (!same_counts(v, cnt, k))
                return 0;
        }
    }
    else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            if (!same_counts(json_object_array_get_idx(o, i), cnt, k))
                return 0;
    }
    return 1;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Exactly one strict JSON document in buf[0..len), an object.  `bad` is the
// caller's "malformed" code.
static int strict_json(const char *buf, size_t len, int bad, json_object **out, char **detail)
{
    *out = NULL;
    if (len == 0 || !buf) {
        set_detail(detail, "the document is empty");
        return bad;
    }
    if (len > INT_MAX) {
        set_detail(detail, "the document is larger than 2 GiB");
        return bad;
    }
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        set_detail(detail, "a NUL byte at byte %zu", (size_t)(nul - buf));
        return bad;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return JL_DEPOT_E_NOMEM;
    // where the first document ends: only white space may follow
    json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (o) {
        json_object_put(o);
        o = NULL;
        size_t i = end;
        while (i < len && is_ws(buf[i]))
            i++;
        if (i < len) {
            json_tokener_free(tok);
            set_detail(detail, "more after the end of the JSON document (at byte %zu)", i);
            return bad;
        }
        // strictly, now
        json_tokener_reset(tok);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, buf, (int)len);
        e = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
    }
    json_tokener_free(tok);
    if (!o) {
        if (e == json_tokener_success)
            set_detail(detail, "the document is null, not an object");
        else if (e == json_tokener_continue)
            set_detail(detail, "the document ends before its JSON value does");
        else
            set_detail(detail, "not JSON: %s at byte %zu", json_tokener_error_desc(e), end);
        return bad;
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        set_detail(detail, "the document is not a JSON object");
        return bad;
    }
    counts_t cnt = {NULL, 0, 0};
    int err = scan_text(buf, len, &cnt, detail, bad);
    size_t k = 0;
    if (!err && (!same_counts(o, &cnt, &k) || k != cnt.n)) {
        set_detail(detail, "an object has the same key twice");
        err = bad;
    }
    free(cnt.v);
    if (err) {
        json_object_put(o);
        return err;
    }
    *out = o;
    return JL_DEPOT_E_OK;
}

// ---- schema checks ----------------------------------------------------------------------

typedef struct {
    int bad;       // the caller's "malformed" code
    char **detail; // may be NULL
} chk_t;

// o[k]: 1 when present (*v may be NULL: a JSON null), 0 when absent.
static int has(json_object *o, const char *k, json_object **v)
{
    *v = NULL;
    return json_object_object_get_ex(o, k, v) ? 1 : 0;
}

// What a value is, for "expected X, not <this>".
static const char *what_is(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "a boolean";
    case json_type_double:
        return "a number with a fraction or an exponent";
    case json_type_int:
        return "an integer";
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    case json_type_string:
        return "a string";
    }
    return "a value of another type";
}

// "PATHK: expected EXPECTED, not GOT", or "PATHK is missing (expected ...)"
// when got is NULL.
static int fail(chk_t *c, const char *path, const char *k, const char *expected, const char *got)
{
    if (got)
        set_detail(c->detail, "%s%s: expected %s, not %s", path, k, expected, got);
    else
        set_detail(c->detail, "%s%s is missing (expected %s)", path, k, expected);
    return c->bad;
}

// ... not "<the string, shortened>"
static int fail_value(chk_t *c, const char *path, const char *k, const char *expected,
                      const char *s)
{
    char *p = jldepot_printable(s, strlen(s), 24), *q = NULL;
    if (!p || asprintf(&q, "\"%s\"", p) < 0)
        q = NULL;
    int err = fail(c, path, k, expected, q ? q : "another string");
    free(p);
    free(q);
    return err;
}

enum { S_OPTIONAL = 1, S_NONEMPTY = 2 };

static int get_string(chk_t *c, json_object *o, const char *path, const char *k, int flags,
                      const char **s)
{
    json_object *v;
    int p = has(o, k, &v);
    *s = NULL;
    if (!p && (flags & S_OPTIONAL))
        return JL_DEPOT_E_OK;
    const char *exp = (flags & S_NONEMPTY) ? "a non-empty string" : "a string";
    if (!p || !json_object_is_type(v, json_type_string))
        return fail(c, path, k, exp, p ? what_is(v) : NULL);
    const char *x = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (strlen(x) != n)
        return fail(c, path, k, exp, "a string with a NUL character");
    if ((flags & S_NONEMPTY) && n == 0)
        return fail(c, path, k, exp, "an empty string");
    *s = x;
    return JL_DEPOT_E_OK;
}

static int is_hex64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 64;
}

static const char hex64[] = "64 lower-case hexadecimal digits";

static int get_hex64(chk_t *c, json_object *o, const char *path, const char *k, const char **s)
{
    int err = get_string(c, o, path, k, 0, s);
    if (err)
        return err;
    if (!is_hex64(*s))
        return fail_value(c, path, k, hex64, *s);
    return JL_DEPOT_E_OK;
}

// A size: an integer from `min` (0 or 1) to JLDEPOT_JSON_SIZE_MAX.
static int get_size(chk_t *c, json_object *o, const char *path, const char *k, int min,
                    uint64_t *size)
{
    json_object *v;
    int p = has(o, k, &v);
    const char *exp = min ? "a whole number of bytes from 1 to 2^53-1"
                          : "a whole number of bytes from 0 to 2^53-1";
    if (!p || !json_object_is_type(v, json_type_int))
        return fail(c, path, k, exp, p ? what_is(v) : NULL);
    if (json_object_get_int64(v) < min)
        return fail(c, path, k, exp, json_object_get_int64(v) < 0 ? "a negative number" : "0");
    uint64_t u = json_object_get_uint64(v);
    if (u > JLDEPOT_JSON_SIZE_MAX)
        return fail(c, path, k, exp, "a larger number");
    *size = u;
    return JL_DEPOT_E_OK;
}

static int get_typed(chk_t *c, json_object *o, const char *path, const char *k, json_type t,
                     int optional, json_object **v)
{
    static const char *const names[] = {"null",      "a boolean", "a number", "an integer",
                                        "an object", "an array",  "a string"};
    int p = has(o, k, v);
    if (!p && optional)
        return JL_DEPOT_E_OK;
    if (!p || !json_object_is_type(*v, t))
        return fail(c, path, k, names[t], p ? what_is(*v) : NULL);
    return JL_DEPOT_E_OK;
}

static int get_strings(chk_t *c, json_object *o, const char *path, const char *k)
{
    json_object *a;
    int err = get_typed(c, o, path, k, json_type_array, 1, &a);
    if (err || !a)
        return err;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (!json_object_is_type(e, json_type_string))
            return fail(c, path, k, "an array of strings", "an array holding another value");
    }
    return JL_DEPOT_E_OK;
}

// ---- the manifest ---------------------------------------------------------------------------

static int manifest_check(chk_t *c, json_object *m)
{
    const char *s;
    json_object *files, *caches, *x;
    int err;
    char path[64];
    if ((err = get_string(c, m, "", "format", 0, &s)))
        return err;
    if (strcmp(s, MANIFEST_FORMAT) != 0)
        return fail_value(c, "", "format", "\"" MANIFEST_FORMAT "\"", s);
    if ((err = get_hex64(c, m, "", "key", &s)) ||
        (err = get_string(c, m, "", "package", S_NONEMPTY, &s)) ||
        (err = get_string(c, m, "", "uuid", S_OPTIONAL, &s)) ||
        (err = get_string(c, m, "", "julia_version", S_OPTIONAL, &s)) ||
        (err = get_string(c, m, "", "julia_commit", S_OPTIONAL, &s)) ||
        (err = get_string(c, m, "", "flags", S_OPTIONAL, &s)) ||
        (err = get_strings(c, m, "", "cpu_targets")) ||
        (err = get_typed(c, m, "", "sources", json_type_boolean, 1, &x)) ||
        (err = get_typed(c, m, "", "files", json_type_array, 0, &files)) ||
        (err = get_typed(c, m, "", "caches", json_type_array, 0, &caches)))
        return err;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        json_object *f = json_object_array_get_idx(files, i);
        uint64_t size;
        snprintf(path, sizeof(path), "files[%zu]", i);
        if (!json_object_is_type(f, json_type_object))
            return fail(c, path, "", "an object", what_is(f));
        snprintf(path, sizeof(path), "files[%zu].", i);
        if ((err = get_string(c, f, path, "name", S_NONEMPTY, &s)) ||
            (err = get_size(c, f, path, "size", 0, &size)) ||
            (err = get_hex64(c, f, path, "sha256", &s)))
            return err;
    }
    for (size_t i = 0; i < json_object_array_length(caches); i++) {
        json_object *f = json_object_array_get_idx(caches, i);
        snprintf(path, sizeof(path), "caches[%zu]", i);
        if (!json_object_is_type(f, json_type_object))
            return fail(c, path, "", "an object", what_is(f));
        snprintf(path, sizeof(path), "caches[%zu].", i);
        if ((err = get_string(c, f, path, "package", S_NONEMPTY, &s)) ||
            (err = get_string(c, f, path, "uuid", S_OPTIONAL, &s)) ||
            (err = get_hex64(c, f, path, "key", &s)) ||
            (err = get_string(c, f, path, "ji", S_NONEMPTY, &s)) ||
            (err = get_string(c, f, path, "so", S_OPTIONAL | S_NONEMPTY, &s)) ||
            (err = get_strings(c, f, path, "cpu_targets")) ||
            (err = get_typed(c, f, path, "key_input", json_type_object, 0, &x)))
            return err;
    }
    return JL_DEPOT_E_OK;
}

int jldepot_manifest_parse(const char *buf, size_t len, json_object **out, char **detail)
{
    if (detail)
        *detail = NULL;
    json_object *m;
    int err = strict_json(buf, len, JL_DEPOT_E_BUNDLE_MANIFEST, &m, detail);
    if (err) {
        *out = NULL;
        return err;
    }
    chk_t c = {JL_DEPOT_E_BUNDLE_MANIFEST, detail};
    err = manifest_check(&c, m);
    if (err) {
        json_object_put(m);
        m = NULL;
    }
    *out = m;
    return err;
}

int jldepot_file_check(const char *name, uint64_t size, const char *sha, uint64_t want_size,
                       const char *want_sha, const char *what, char **detail)
{
    if (detail)
        *detail = NULL;
    if (size != want_size) {
        set_detail(detail, "%s: %llu bytes, %s says %llu", name, (unsigned long long)size, what,
                   (unsigned long long)want_size);
        return JL_DEPOT_E_BUNDLE_SIZE;
    }
    if (strcmp(sha, want_sha) != 0) {
        set_detail(detail, "%s: SHA-256 %s, %s says %s", name, sha, what, want_sha);
        return JL_DEPOT_E_BUNDLE_SHA256;
    }
    return JL_DEPOT_E_OK;
}

// ---- the index ----------------------------------------------------------------------------------

static int is_uuid(const char *s)
{
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        }
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return s[36] == '\0';
}

static int is_file_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255 || s[0] == '.')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("/\\?#%", *p))
            return 0;
    return 1;
}

static int index_check(chk_t *c, json_object *idx)
{
    const char *s;
    json_object *pkgs;
    int err;
    if ((err = get_string(c, idx, "", "format", 0, &s)))
        return err;
    if (strcmp(s, INDEX_FORMAT) != 0)
        return fail_value(c, "", "format", "\"" INDEX_FORMAT "\"", s);
    if ((err = get_typed(c, idx, "", "packages", json_type_object, 0, &pkgs)))
        return err;
    json_object_object_foreach(pkgs, uuid, p)
    {
        char *pu = jldepot_printable(uuid, strlen(uuid), 40);
        char *path = NULL;
        json_object *bundles;
        if (!pu || asprintf(&path, "packages[\"%s\"].", pu) < 0) {
            free(pu);
            return JL_DEPOT_E_NOMEM;
        }
        if (!is_uuid(uuid)) {
            set_detail(c->detail, "packages: the key \"%s\" is not a lower-case UUID", pu);
            err = c->bad;
        }
        else if (!json_object_is_type(p, json_type_object)) {
            path[strlen(path) - 1] = '\0';
            err = fail(c, path, "", "an object", what_is(p));
        }
        else if (!(err = get_string(c, p, path, "name", S_NONEMPTY, &s)))
            err = get_typed(c, p, path, "bundles", json_type_object, 0, &bundles);
        if (!err) {
            json_object_object_foreach(bundles, key, b)
            {
                char *pk = jldepot_printable(key, strlen(key), 70), *bpath = NULL;
                uint64_t size;
                if (!pk || asprintf(&bpath, "%sbundles[\"%s\"].", path, pk) < 0)
                    err = JL_DEPOT_E_NOMEM;
                else if (!is_hex64(key)) {
                    set_detail(c->detail, "%sbundles: the key \"%s\" is not %s", path, pk, hex64);
                    err = c->bad;
                }
                else if (!json_object_is_type(b, json_type_object)) {
                    bpath[strlen(bpath) - 1] = '\0';
                    err = fail(c, bpath, "", "an object", what_is(b));
                }
                else if (!(err = get_string(c, b, bpath, "file", 0, &s)) && !is_file_name(s))
                    err = fail_value(c, bpath, "file",
                                     "a file name (no '/', '\\', '?', '#', '%', space or control "
                                     "character, not starting with '.')",
                                     s);
                if (!err && !(err = get_size(c, b, bpath, "size", 1, &size)) &&
                    !(err = get_hex64(c, b, bpath, "sha256", &s)) &&
                    !(err = get_string(c, b, bpath, "julia_version", 0, &s)))
                    err = get_strings(c, b, bpath, "cpu_targets");
                free(pk);
                free(bpath);
                if (err)
                    break;
            }
        }
        free(pu);
        free(path);
        if (err)
            return err;
    }
    return JL_DEPOT_E_OK;
}

int jldepot_index_parse(const char *buf, size_t len, json_object **out, char **detail)
{
    if (detail)
        *detail = NULL;
    json_object *idx;
    int err = strict_json(buf, len, JL_DEPOT_E_INDEX_MALFORMED, &idx, detail);
    if (err) {
        *out = NULL;
        return err;
    }
    chk_t c = {JL_DEPOT_E_INDEX_MALFORMED, detail};
    err = index_check(&c, idx);
    if (err) {
        json_object_put(idx);
        idx = NULL;
    }
    *out = idx;
    return err;
}

static const char *str_of(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int jldepot_index_pick(json_object *idx, const char *pkg, const char *key, const char *jv,
                       jldepot_index_choice_t *out, char **detail)
{
    memset(out, 0, sizeof(*out));
    if (detail)
        *detail = NULL;
    json_object *pkgs = NULL, *p = NULL, *bundles = NULL, *chosen = NULL;
    const char *ckey = NULL;
    if (!json_object_object_get_ex(idx, "packages", &pkgs) ||
        !json_object_is_type(pkgs, json_type_object)) {
        set_detail(detail, "packages: an object is expected");
        return JL_DEPOT_E_INDEX_MALFORMED;
    }
    // a UUID names one package; a name may be given to several
    if (!json_object_object_get_ex(pkgs, pkg, &p) || !json_object_is_type(p, json_type_object)) {
        int np = 0;
        p = NULL;
        json_object_object_foreach(pkgs, uuid, val)
        {
            (void)uuid;
            const char *n = json_object_is_type(val, json_type_object) ? str_of(val, "name") : NULL;
            if (n && !strcmp(n, pkg)) {
                p = val;
                np++;
            }
        }
        if (np > 1) {
            set_detail(detail, "%d packages are named %s: give the UUID of one with --package", np,
                       pkg);
            return JL_DEPOT_E_INDEX_NO_BUNDLE;
        }
    }
    if (!p) {
        set_detail(detail, "no package is named %s or has that UUID", pkg);
        return JL_DEPOT_E_INDEX_NO_BUNDLE;
    }
    if (!json_object_object_get_ex(p, "bundles", &bundles) ||
        !json_object_is_type(bundles, json_type_object)) {
        set_detail(detail, "%s: bundles: an object is expected", pkg);
        return JL_DEPOT_E_INDEX_MALFORMED;
    }
    int n = 0, all = 0;
    json_object_object_foreach(bundles, k, b)
    {
        all++;
        if (key && strncmp(k, key, strlen(key)) != 0)
            continue;
        const char *v =
            json_object_is_type(b, json_type_object) ? str_of(b, "julia_version") : NULL;
        if (jv && (!v || strcmp(v, jv) != 0))
            continue;
        ckey = k;
        chosen = b;
        n++;
    }
    if (n != 1) {
        if (n == 0 && all == 0)
            set_detail(detail, "%s has no bundle", pkg);
        else if (n == 0)
            set_detail(detail, "none of the %d bundle%s of %s matches%s%s%s%s", all,
                       all == 1 ? "" : "s", pkg, key ? " --key " : "", key ? key : "",
                       jv ? " --julia-version " : "", jv ? jv : "");
        else
            set_detail(detail, "%d bundles of %s match: choose one with --key or --julia-version",
                       n, pkg);
        return JL_DEPOT_E_INDEX_NO_BUNDLE;
    }
    json_object *sz;
    const char *file = str_of(chosen, "file"), *sha = str_of(chosen, "sha256");
    if (!file || !sha || !is_hex64(sha) || !is_hex64(ckey) || !is_file_name(file) ||
        !json_object_object_get_ex(chosen, "size", &sz) ||
        !json_object_is_type(sz, json_type_int) || json_object_get_int64(sz) < 1 ||
        json_object_get_uint64(sz) > JLDEPOT_JSON_SIZE_MAX) {
        set_detail(detail, "%s: the bundle's entry is malformed", pkg);
        return JL_DEPOT_E_INDEX_MALFORMED;
    }
    out->file = strdup(file);
    if (!out->file)
        return JL_DEPOT_E_NOMEM;
    out->size = json_object_get_uint64(sz);
    memcpy(out->sha256, sha, 65);
    memcpy(out->key, ckey, 65);
    return JL_DEPOT_E_OK;
}

int jldepot_index_bundle_url(const char *index_url, const char *file, char **out)
{
    size_t end = strcspn(index_url, "?#"), base = 0;
    for (size_t i = 0; i < end; i++)
        if (index_url[i] == '/')
            base = i + 1;
    if (asprintf(out, "%.*s%s", (int)base, index_url, file) < 0) {
        *out = NULL;
        return JL_DEPOT_E_NOMEM;
    }
    return JL_DEPOT_E_OK;
}
