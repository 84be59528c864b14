// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_sign.c: Ed25519 key pairs, their text forms, signing and
  verifying (jldepot_sign.h), on OpenSSL's EVP interface.
*/

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "jldepot_errors.h"
#include "jldepot_sign.h"

int jldepot_key_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 3 || n > JLDEPOT_KEY_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(isalnum(c) || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    // NAME-N: a non-empty name, a dash, decimal digits
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1])
        return 0;
    for (const char *p = dash + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return 1;
}

// ---- base64 (EVP's encoder; strict decoding) ---------------------------------------

static char *b64_encode(const unsigned char *b, size_t n)
{
    char *out = (char *)malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, b, (int)n);
    return out;
}

// Decode exactly `want` bytes from padded base64 text of length `len`.
static int b64_decode(const char *text, size_t len, unsigned char *out, size_t want)
{
    if (len != 4 * ((want + 2) / 3) || len > 256)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!(isalnum(c) || c == '+' || c == '/' || (c == '=' && i >= len - 2)))
            return 0;
    }
    unsigned char buf[192];
    int got = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)len);
    size_t pad = (text[len - 1] == '=') + (text[len - 2] == '=');
    if (got < 0 || (size_t)got - pad != want)
        return 0;
    memcpy(out, buf, want);
    return 1;
}

// Split "NAME-N:BASE64" (white space around allowed) and decode `want` bytes.
static int parse_named(const char *text, size_t len, char *name, unsigned char *out, size_t want,
                       int bad)
{
    while (len && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    if (memchr(text, '\0', len))
        return bad;
    const char *colon = memchr(text, ':', len);
    if (!colon || (size_t)(colon - text) > JLDEPOT_KEY_NAME_MAX)
        return bad;
    size_t nl = (size_t)(colon - text);
    memcpy(name, text, nl);
    name[nl] = '\0';
    if (!jldepot_key_name_ok(name))
        return bad == JL_DEPOT_E_KEY_MALFORMED ? JL_DEPOT_E_KEY_NAME : bad;
    if (!b64_decode(colon + 1, len - nl - 1, out, want))
        return bad;
    return JL_DEPOT_E_OK;
}

static char *format_named(const char *name, const unsigned char *b, size_t n)
{
    char *enc = b64_encode(b, n);
    if (!enc)
        return NULL;
    size_t nl = strlen(name), el = strlen(enc);
    char *out = (char *)malloc(nl + 1 + el + 1);
    if (out) {
        memcpy(out, name, nl);
        out[nl] = ':';
        memcpy(out + nl + 1, enc, el + 1);
    }
    free(enc);
    return out;
}

// ---- keys --------------------------------------------------------------------------

int jldepot_key_generate(const char *name, jldepot_seckey_t *out)
{
    if (!jldepot_key_name_ok(name))
        return JL_DEPOT_E_KEY_NAME;
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!pk)
        return JL_DEPOT_E_NOMEM;
    size_t sl = 32, pl = 32;
    int ok = EVP_PKEY_get_raw_private_key(pk, out->seed, &sl) == 1 &&
             EVP_PKEY_get_raw_public_key(pk, out->pub, &pl) == 1 && sl == 32 && pl == 32;
    EVP_PKEY_free(pk);
    if (!ok)
        return JL_DEPOT_E_IO;
    strcpy(out->name, name);
    return JL_DEPOT_E_OK;
}

int jldepot_pubkey_parse(const char *text, size_t len, jldepot_pubkey_t *out)
{
    return parse_named(text, len, out->name, out->pub, 32, JL_DEPOT_E_KEY_MALFORMED);
}

int jldepot_seckey_parse(const char *text, size_t len, jldepot_seckey_t *out)
{
    unsigned char b[64];
    int err = parse_named(text, len, out->name, b, 64, JL_DEPOT_E_KEY_MALFORMED);
    if (err)
        return err;
    // the public half must be the seed's
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, b, 32);
    unsigned char pub[32];
    size_t pl = 32;
    int ok = pk && EVP_PKEY_get_raw_public_key(pk, pub, &pl) == 1 && pl == 32 &&
             memcmp(pub, b + 32, 32) == 0;
    EVP_PKEY_free(pk);
    if (!ok)
        return JL_DEPOT_E_KEY_MALFORMED;
    memcpy(out->seed, b, 32);
    memcpy(out->pub, b + 32, 32);
    return JL_DEPOT_E_OK;
}

char *jldepot_pubkey_format(const jldepot_pubkey_t *k)
{
    return format_named(k->name, k->pub, 32);
}

char *jldepot_seckey_format(const jldepot_seckey_t *k)
{
    unsigned char b[64];
    memcpy(b, k->seed, 32);
    memcpy(b + 32, k->pub, 32);
    return format_named(k->name, b, 64);
}

void jldepot_seckey_public(const jldepot_seckey_t *k, jldepot_pubkey_t *out)
{
    strcpy(out->name, k->name);
    memcpy(out->pub, k->pub, 32);
}

// ---- signatures --------------------------------------------------------------------

static unsigned char *framed(const char *domain, const void *msg, size_t len, size_t *n)
{
    size_t dl = strlen(domain);
    unsigned char *b = (unsigned char *)malloc(dl + 1 + len + 1);
    if (!b)
        return NULL;
    memcpy(b, domain, dl + 1);
    if (len)
        memcpy(b + dl + 1, msg, len);
    *n = dl + 1 + len;
    return b;
}

int jldepot_sign(const jldepot_seckey_t *k, const char *domain, const void *msg, size_t len,
                 char **sig)
{
    *sig = NULL;
    size_t n;
    unsigned char *b = framed(domain, msg, len, &n);
    if (!b)
        return JL_DEPOT_E_NOMEM;
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char s[64];
    size_t sl = sizeof(s);
    int ok = pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
             EVP_DigestSign(ctx, s, &sl, b, n) == 1 && sl == 64;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    free(b);
    if (!ok)
        return JL_DEPOT_E_IO;
    if ((*sig = format_named(k->name, s, 64)) == NULL)
        return JL_DEPOT_E_NOMEM;
    return JL_DEPOT_E_OK;
}

int jldepot_verify(const jldepot_pubkey_t *keys, size_t nkeys, const char *domain, const void *msg,
                   size_t len, const char *sig)
{
    char name[JLDEPOT_KEY_NAME_MAX + 1];
    unsigned char s[64];
    if (!sig || parse_named(sig, strlen(sig), name, s, 64, JL_DEPOT_E_SIG_MALFORMED))
        return JL_DEPOT_E_SIG_MALFORMED;
    const jldepot_pubkey_t *k = NULL;
    for (size_t i = 0; i < nkeys && !k; i++)
        if (!strcmp(keys[i].name, name))
            k = &keys[i];
    if (!k)
        return JL_DEPOT_E_SIG_UNTRUSTED;
    size_t n;
    unsigned char *b = framed(domain, msg, len, &n);
    if (!b)
        return JL_DEPOT_E_NOMEM;
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k->pub, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
             EVP_DigestVerify(ctx, s, 64, b, n) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    free(b);
    return ok ? JL_DEPOT_E_OK : JL_DEPOT_E_SIG_INVALID;
}
