// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_out.c: escaped text and strict UTF-8 JSON for names that may hold
  any byte (jldepot_out.h); UTF-8 decoding with utf8proc.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "jldepot_out.h"

// The length of the valid UTF-8 sequence at s[i..n) (no NUL), or 0.
static size_t valid_at(const char *s, size_t i, size_t n)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t k =
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
    return k > 0 && c != 0 ? (size_t)k : 0;
}

int jldepot_utf8_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = valid_at(s, i, n);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

char *jldepot_escape_n(const char *s, size_t n)
{
    char *out = (char *)malloc(4 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = valid_at(s, i, n);
        if (k > 1) { // a valid multi-byte character
            memcpy(o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        const char *e = NULL;
        switch (c) {
        case '\\':
            e = "\\\\";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\t':
            e = "\\t";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\a':
            e = "\\a";
            break;
        case '\b':
            e = "\\b";
            break;
        case '\f':
            e = "\\f";
            break;
        case '\v':
            e = "\\v";
            break;
        case 0x1b:
            e = "\\e";
            break;
        default:
            break;
        }
        if (e) {
            size_t el = strlen(e);
            memcpy(o, e, el);
            o += el;
        }
        else if (k == 0 || c < 0x20 || c == 0x7f) {
            o += sprintf(o, "\\x%02x", c);
        }
        else {
            *o++ = (char)c;
        }
        i++;
    }
    *o = '\0';
    return out;
}

char *jldepot_escape(const char *s)
{
    return jldepot_escape_n(s ? s : "", s ? strlen(s) : 0);
}

void jldepot_put_name(const char *s, size_t n, void *file)
{
    char *e = jldepot_escape_n(s, n);
    if (e)
        fputs(e, (FILE *)file);
    free(e);
}

json_object *jldepot_jstr_n(const char *s, size_t n)
{
    if (!s)
        return NULL;
    if (jldepot_utf8_ok(s, n))
        return json_object_new_string_len(s, (int)n);
    char *out = (char *)malloc(3 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = valid_at(s, i, n);
        if (k) {
            memcpy(o, s + i, k);
            o += k;
            i += k;
        }
        else {
            memcpy(o, "\xef\xbf\xbd", 3); // U+FFFD
            o += 3;
            i++;
        }
    }
    json_object *j = json_object_new_string_len(out, (int)(o - out));
    free(out);
    return j;
}

json_object *jldepot_jstr(const char *s)
{
    return s ? jldepot_jstr_n(s, strlen(s)) : NULL;
}

void jldepot_json_add_name_n(json_object *o, const char *key, const char *s, size_t n)
{
    json_object_object_add(o, key, jldepot_jstr_n(s, n));
    if (s && !jldepot_utf8_ok(s, n)) {
        char *hex = (char *)malloc(2 * n + 1);
        char *k = (char *)malloc(strlen(key) + 5);
        if (hex && k) {
            for (size_t i = 0; i < n; i++)
                sprintf(hex + 2 * i, "%02x", (unsigned char)s[i]);
            hex[2 * n] = '\0';
            sprintf(k, "%s_hex", key);
            json_object_object_add(o, k, json_object_new_string(hex));
        }
        free(hex);
        free(k);
    }
}

void jldepot_json_add_name(json_object *o, const char *key, const char *s)
{
    jldepot_json_add_name_n(o, key, s, s ? strlen(s) : 0);
}

// ---- streamed JSON -----------------------------------------------------------------

// Strings json-c prints as they are, and that no name can produce: control
// bytes are always printed escaped.  Hole k is "\001jldepot-stream-<k>\001".
#define STREAM_HOLE      "\001jldepot-stream-%zu\001"
#define STREAM_HOLE_JSON "\"\\u0001jldepot-stream-%zu\\u0001\""

void jldepot_json_print_holes(FILE *f, json_object *o, int flags, const char *const *keys,
                              size_t nkeys, void (*emit)(FILE *f, void *ctx, size_t k), void *ctx)
{
    char hole[64];
    for (size_t k = 0; k < nkeys; k++) {
        snprintf(hole, sizeof(hole), STREAM_HOLE, k);
        json_object_object_add(o, keys[k], json_object_new_string(hole));
    }
    const char *s = json_object_to_json_string_ext(o, flags);
    for (;;) {
        // the next hole in the text (json-c keeps the members in order)
        const char *next = NULL;
        size_t nk = 0, nlen = 0;
        for (size_t k = 0; k < nkeys; k++) {
            snprintf(hole, sizeof(hole), STREAM_HOLE_JSON, k);
            const char *h = strstr(s, hole);
            if (h && (!next || h < next)) {
                next = h;
                nk = k;
                nlen = strlen(hole);
            }
        }
        if (!next)
            break;
        fwrite(s, 1, (size_t)(next - s), f);
        emit(f, ctx, nk);
        s = next + nlen;
    }
    fputs(s, f);
}

typedef struct {
    void (*emit)(FILE *f, void *ctx);
    void *ctx;
} one_hole_t;

static void emit_one(FILE *f, void *ctx, size_t k)
{
    (void)k;
    ((one_hole_t *)ctx)->emit(f, ((one_hole_t *)ctx)->ctx);
}

void jldepot_json_print_with(FILE *f, json_object *o, const char *key, int flags,
                             void (*emit)(FILE *f, void *ctx), void *ctx)
{
    one_hole_t h = {emit, ctx};
    jldepot_json_print_holes(f, o, flags, &key, 1, emit_one, &h);
}

void jldepot_json_print_element(FILE *f, json_object *e, size_t i, int flags)
{
    fputs(i ? ",\n" : "\n", f);
    fputs(json_object_to_json_string_ext(e, flags), f);
    json_object_put(e);
}
