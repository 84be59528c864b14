// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_sign.h: Ed25519 keys and signatures of the jldepot tool, through
  OpenSSL's EVP interface (no hand-written cryptography).

  Text forms (those of Nix's binary caches):
    public key   NAME-N:<base64 of the 32-byte public key>
    secret key   NAME-N:<base64 of the 32-byte seed and the 32-byte public key>
    signature    NAME-N:<base64 of the 64-byte signature>
  NAME is the key's owner (letters, digits, `.`, `_`, `-`), N its number,
  raised at each rotation.  A signature names the key that made it, so a
  verifier looks the key up by name among those it trusts.

  Every signature covers a domain string and the message, as
  `<domain>\0<message>`, so that a signature made for one kind of statement
  (a bundle, an index) can never be taken for another.
*/

#ifndef JLDEPOT_SIGN_H
#define JLDEPOT_SIGN_H

#include <stddef.h>

#define JLDEPOT_KEY_NAME_MAX 128

typedef struct {
    char name[JLDEPOT_KEY_NAME_MAX + 1];
    unsigned char pub[32];
} jldepot_pubkey_t;

typedef struct {
    char name[JLDEPOT_KEY_NAME_MAX + 1];
    unsigned char seed[32];
    unsigned char pub[32];
} jldepot_seckey_t;

// Whether `name` is a valid key name, NAME-N.
int jldepot_key_name_ok(const char *name);

// A new key pair named `name`.  Returns a JL_DEPOT_E_* code.
int jldepot_key_generate(const char *name, jldepot_seckey_t *out);

// Parse the text forms (surrounding white space allowed, nothing else).
int jldepot_pubkey_parse(const char *text, size_t len, jldepot_pubkey_t *out);
int jldepot_seckey_parse(const char *text, size_t len, jldepot_seckey_t *out);

// The text forms, NUL-terminated, malloc'ed; NULL when out of memory.
char *jldepot_pubkey_format(const jldepot_pubkey_t *k);
char *jldepot_seckey_format(const jldepot_seckey_t *k);

// Read a secret key file (a regular file of at most 4096 bytes).  *err
// (malloc'ed) names the file and the problem.
int jldepot_seckey_read(const char *path, jldepot_seckey_t *out, char **err);
// The contents of a regular file of at most `max` bytes, NUL-terminated
// (malloc'ed); NULL with errno set (EINVAL: not regular, or too large).
char *jldepot_read_small(const char *path, size_t max, size_t *len);

// The public half of a secret key.
void jldepot_seckey_public(const jldepot_seckey_t *k, jldepot_pubkey_t *out);

// Sign `<domain>\0<msg>`; *sig is the text form, malloc'ed.
int jldepot_sign(const jldepot_seckey_t *k, const char *domain, const void *msg, size_t len,
                 char **sig);

// Verify one signature (text form) against the keys in `keys`.  Returns
// JL_DEPOT_E_OK when a key of that name is among them and the signature
// verifies; SIG_MALFORMED when the text is not a signature; SIG_UNTRUSTED
// when no key of that name is among them; SIG_INVALID when the key is there
// and the signature does not verify.
int jldepot_verify(const jldepot_pubkey_t *keys, size_t nkeys, const char *domain, const void *msg,
                   size_t len, const char *sig);

#endif // JLDEPOT_SIGN_H
