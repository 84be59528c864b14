// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_key.c: `jldepot key`, the signing keys of a cache server.

    jldepot key generate [--dir DIR] NAME-N
        writes DIR/NAME-N.secret (mode 0600) and DIR/NAME-N.public; never
        replaces an existing file
    jldepot key public SECRET-FILE
        prints the public key of a secret key file
*/

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jldepot_errors.h"
#include "jldepot.h"
#include "jldepot_sign.h"
#include "jldepot_model.h"

static const char key_usage[] =
    "usage: jldepot key generate [--dir DIR] NAME-N\n"
    "       jldepot key public SECRET-FILE\n"
    "\n"
    "  generate   write a new Ed25519 key pair: DIR/NAME-N.secret (mode 0600,\n"
    "             keep it on the machine that packs) and DIR/NAME-N.public (give\n"
    "             it to clients); N numbers the key, raise it when rotating\n"
    "  public     print the public key of a secret key file\n"
    "  --dir DIR  where to write the files (default: the current directory)\n";

// Write `text` to `path` with `mode`, durably, never replacing a file: a
// temporary file is written and fsync'ed, then hard-linked to `path`.
static int write_new(const char *path, const char *text, mode_t mode)
{
    size_t n = strlen(path);
    char *tmp = (char *)malloc(n + 16);
    if (!tmp)
        return JL_DEPOT_E_NOMEM;
    snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    size_t len = strlen(text), off = 0;
    int ok = fchmod(fd, mode) == 0;
    while (ok && off < len) {
        ssize_t k = write(fd, text + off, len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            ok = 0;
        else
            off += (size_t)k;
    }
    ok = ok && fsync(fd) == 0;
    int e = errno;
    close(fd);
    if (ok && link(tmp, path) != 0) {
        e = errno;
        ok = 0;
    }
    unlink(tmp);
    free(tmp);
    errno = e;
    return ok ? JL_DEPOT_E_OK : -1;
}

char *jldepot_read_small(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *b = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    if ((b = (char *)malloc((size_t)st.st_size + 1)) != NULL) {
        ssize_t k = read(fd, b, (size_t)st.st_size);
        if (k != st.st_size) {
            free(b);
            b = NULL;
            errno = EIO;
        }
        else {
            b[k] = '\0';
            *len = (size_t)k;
        }
    }
    close(fd);
    return b;
}

static int key_generate(int argc, char **argv)
{
    const char *dir = ".", *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) {
            jldepot_error("key generate: unknown option '%s'", argv[i]);
            fputs(key_usage, stderr);
            return JLDEPOT_EXIT_USAGE;
        }
        else if (!name)
            name = argv[i];
        else {
            jldepot_error("key generate: one key name only");
            return JLDEPOT_EXIT_USAGE;
        }
    }
    if (!name) {
        fputs(key_usage, stderr);
        return JLDEPOT_EXIT_USAGE;
    }
    jldepot_seckey_t k;
    int err = jldepot_key_generate(name, &k);
    if (err) {
        jldepot_error("key generate: %s: %s; for example cache.example.org-1 [%s]", name,
                      jldepot_strerror(err), jldepot_errjson(err));
        return JLDEPOT_EXIT_USAGE;
    }
    jldepot_pubkey_t p;
    jldepot_seckey_public(&k, &p);
    char *st = jldepot_seckey_format(&k), *pt = jldepot_pubkey_format(&p);
    size_t dl = strlen(dir), nl = strlen(name);
    char *sp = (char *)malloc(dl + nl + 9), *pp = (char *)malloc(dl + nl + 9);
    int rc = JLDEPOT_EXIT_OK;
    if (!st || !pt || !sp || !pp) {
        jldepot_error("key generate: %s", jldepot_strerror(JL_DEPOT_E_NOMEM));
        rc = JLDEPOT_EXIT_REJECTED;
        goto out;
    }
    snprintf(sp, dl + nl + 9, "%s/%s.secret", dir, name);
    snprintf(pp, dl + nl + 9, "%s/%s.public", dir, name);
    size_t sl = strlen(st), pl = strlen(pt);
    // newline-terminated files
    char *stn = (char *)malloc(sl + 2), *ptn = (char *)malloc(pl + 2);
    if (!stn || !ptn) {
        free(stn);
        free(ptn);
        rc = JLDEPOT_EXIT_REJECTED;
        goto out;
    }
    memcpy(stn, st, sl);
    memcpy(stn + sl, "\n", 2);
    memcpy(ptn, pt, pl);
    memcpy(ptn + pl, "\n", 2);
    struct stat sb;
    const char *exists = lstat(sp, &sb) == 0 ? sp : lstat(pp, &sb) == 0 ? pp : NULL;
    if (exists) {
        const char *dash = strrchr(name, '-');
        jldepot_error("key generate: %s already exists; keys are never replaced: to rotate, "
                      "generate %.*s-%llu",
                      exists, (int)(dash - name), name, strtoull(dash + 1, NULL, 10) + 1);
        rc = JLDEPOT_EXIT_REJECTED;
    }
    else if (write_new(sp, stn, 0600) != JL_DEPOT_E_OK) {
        jldepot_errno_error("key generate", sp, errno, 1);
        rc = JLDEPOT_EXIT_REJECTED;
    }
    else if (write_new(pp, ptn, 0644) != JL_DEPOT_E_OK) {
        jldepot_errno_error("key generate", pp, errno, 1);
        jldepot_error("key generate: %s was removed", sp);
        unlink(sp);
        rc = JLDEPOT_EXIT_REJECTED;
    }
    else {
        printf("%s\n", pt);
    }
    free(stn);
    free(ptn);
out:
    if (st)
        memset(st, 0, strlen(st));
    free(st);
    free(pt);
    free(sp);
    free(pp);
    memset(&k, 0, sizeof(k));
    return rc;
}

static int key_public(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fputs(key_usage, stderr);
        return JLDEPOT_EXIT_USAGE;
    }
    size_t len = 0;
    char *text = jldepot_read_small(argv[1], 4096, &len);
    if (!text) {
        if (errno == EINVAL)
            jldepot_file_error("key public", argv[1], JL_DEPOT_E_KEY_MALFORMED, 0);
        else
            jldepot_errno_error("key public", argv[1], errno, 0);
        return JLDEPOT_EXIT_REJECTED;
    }
    jldepot_seckey_t k;
    int err = jldepot_seckey_parse(text, len, &k);
    memset(text, 0, len);
    free(text);
    if (err) {
        jldepot_error("key public: %s: %s [%s]", argv[1], jldepot_strerror(err),
                      jldepot_errjson(err));
        return JLDEPOT_EXIT_REJECTED;
    }
    jldepot_pubkey_t p;
    jldepot_seckey_public(&k, &p);
    memset(&k, 0, sizeof(k));
    char *pt = jldepot_pubkey_format(&p);
    if (!pt)
        return JLDEPOT_EXIT_REJECTED;
    printf("%s\n", pt);
    free(pt);
    return JLDEPOT_EXIT_OK;
}

int jldepot_cmd_key(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "generate"))
        return key_generate(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "public"))
        return key_public(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(key_usage, stdout);
        return JLDEPOT_EXIT_OK;
    }
    if (argc >= 2)
        jldepot_error("key: unknown subcommand '%s'", argv[1]);
    fputs(key_usage, stderr);
    return JLDEPOT_EXIT_USAGE;
}

int jldepot_seckey_read(const char *path, jldepot_seckey_t *out, char **err)
{
    size_t len = 0;
    char *text = jldepot_read_small(path, 4096, &len);
    *err = NULL;
    if (!text) {
        int e = errno == ENOENT   ? JL_DEPOT_E_NOT_FOUND
                : errno == EINVAL ? JL_DEPOT_E_KEY_MALFORMED
                                  : JL_DEPOT_E_IO;
        if (asprintf(err, "%s: %s", path,
                     e == JL_DEPOT_E_KEY_MALFORMED ? "not a regular file of at most 4096 bytes"
                                                   : strerror(errno)) < 0)
            *err = NULL;
        return e;
    }
    int e = jldepot_seckey_parse(text, len, out);
    explicit_bzero(text, len);
    free(text);
    if (e && asprintf(err, "%s: %s", path, jldepot_strerror(e)) < 0)
        *err = NULL;
    return e;
}
