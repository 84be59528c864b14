// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_fetch.c: `jldepot fetch URL [DEPOT]`: download a bundle (or look
  it up in an index.json first) with libcurl into a temporary file in the
  target depot, resuming a partial one with an HTTP Range request, check its
  size and SHA-256 against the index, then unpack it (jldepot_unpack.c).
  The SHA-256 is computed as the bytes arrive (a resumed download hashes
  the part already there first), not in a second pass over the file.
  Every error has its name (HTTP 404, other statuses, a truncated body, a
  SHA-256 or key mismatch, a timeout) and leaves the depot as it was.
*/

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "atomicfile.h"
#include "jldepot.h"
#include "jldepot_bundle.h"

static const char fetch_help[] =
    "usage: jldepot fetch [--package NAME|UUID] [--key KEY] [--julia-version V]\n"
    "                     [--timeout SECONDS] [--keep-partial] [-q] [OPTIONS] URL [DEPOT]\n"
    "\n"
    "Download the bundle at URL, or, with --package (or a URL ending in .json), look\n"
    "the package up in the index.json at URL, download its bundle and check its size\n"
    "and SHA-256; then unpack it into DEPOT (default: the first depot on DEPOT_PATH)\n"
    "as 'jldepot unpack' does.  The download goes to a temporary file in the depot;\n"
    "a partial one left by an interrupted fetch is resumed with an HTTP Range request.\n"
    "On every error the depot is left as it was.  See doc/serving.md.\n"
    "\n"
    "options:\n"
    "  --package NAME|UUID  the package to look up in the index\n"
    "  --key KEY            the bundle's key (or its first 16 hex digits)\n"
    "  --julia-version V    choose the package's bundle built by this Julia version\n"
    "  --timeout SECONDS    give up when a transfer takes longer, or stalls that long\n"
    "  --keep-partial       keep a partial download after a timeout or a broken\n"
    "                       connection, for a later fetch to resume\n"
    "  -q, --quiet          no progress bar, no summary line\n"
    "  --depot-path LIST    the depots after DEPOT (default JULIA_DEPOT_PATH)\n"
    "  --layout classic|xdg the depots' layout\n"
    "  --julia-home DIR     Julia's bindir, for the bundled depots\n"
    "exit status: 0 fetched and unpacked, 1 refused (HTTP error, mismatch, timeout),\n"
    "2 usage or I/O error\n";

typedef struct {
    int fd;           // the file written, or -1 (memory)
    char *mem;        // memory target (the index)
    size_t mem_len;   // bytes in mem
    uint64_t limit;   // refuse more bytes than this (0: none)
    uint64_t written; // bytes written by this transfer
    int resumed;      // a Range request was made
    int restarted;    // the server ignored the range: the file was truncated
    int too_long;     // more than the limit arrived
    CURL *curl;
    int progress;
    uint64_t base;   // bytes already there when resuming
    EVP_MD_CTX *sha; // when set: the SHA-256 of the file, as it is written
} xfer_t;

static size_t on_data(char *p, size_t sz, size_t nm, void *ctx)
{
    xfer_t *x = ctx;
    size_t n = sz * nm;
    long code = 0;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 400)
        return n; // an error page: not kept
    if (x->resumed && code == 200 && !x->restarted && x->fd >= 0) {
        // the server ignored the Range request: start over
        if (ftruncate(x->fd, 0) != 0 || lseek(x->fd, 0, SEEK_SET) != 0)
            return 0;
        x->restarted = 1;
        x->base = 0;
        if (x->sha)
            EVP_DigestInit_ex(x->sha, EVP_sha256(), NULL);
    }
    if (x->limit && x->base + x->written + n > x->limit) {
        x->too_long = 1;
        return 0;
    }
    if (x->fd < 0) {
        char *m = realloc(x->mem, x->mem_len + n + 1);
        if (!m)
            return 0;
        x->mem = m;
        memcpy(x->mem + x->mem_len, p, n);
        x->mem_len += n;
        x->mem[x->mem_len] = '\0';
    }
    else {
        size_t left = n;
        while (left > 0) {
            ssize_t k = write(x->fd, p + (n - left), left);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return 0;
            left -= (size_t)k;
        }
        if (x->sha)
            EVP_DigestUpdate(x->sha, p, n);
    }
    x->written += n;
    return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ult,
                       curl_off_t ulnow)
{
    (void)ult;
    (void)ulnow;
    xfer_t *x = ctx;
    if (!x->progress)
        return 0;
    uint64_t now = x->base + (uint64_t)dlnow, total = x->base + (uint64_t)dltotal;
    if (dltotal > 0) {
        int w = 40, f = (int)(w * now / (total ? total : 1));
        fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu bytes", f,
                "########################################", w - f, "",
                (int)(100 * now / (total ? total : 1)), (unsigned long long)now,
                (unsigned long long)total);
    }
    else
        fprintf(stderr, "\r%llu bytes", (unsigned long long)now);
    return 0;
}

// One GET.  Returns a JL_DEPOT_E_* code; *http receives the status.
static int transfer(const char *url, xfer_t *x, long timeout, int quiet, long *http, char *errbuf)
{
    CURL *c = curl_easy_init();
    if (!c)
        return JL_DEPOT_E_NOMEM;
    x->curl = c;
    x->progress = !quiet && isatty(2);
    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "jldepot-fetch/1");
    // large writes into the file (libcurl's default is 16 KiB)
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
    if (timeout > 0) {
        curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
    }
    if (x->progress) {
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    }
    if (x->base > 0) {
        curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->base);
        x->resumed = 1;
    }
    CURLcode res = curl_easy_perform(c);
    if (x->progress)
        fputc('\n', stderr);
    *http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
    curl_easy_cleanup(c);
    x->curl = NULL;
    if (x->too_long)
        return JL_DEPOT_E_BUNDLE_OVERSIZE;
    if (*http == 404)
        return JL_DEPOT_E_HTTP_NOT_FOUND;
    if (*http == 416 && x->resumed)
        return JL_DEPOT_E_HTTP_STATUS; // the caller restarts
    if (*http >= 400)
        return JL_DEPOT_E_HTTP_STATUS;
    switch (res) {
    case CURLE_OK:
        return JL_DEPOT_E_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return JL_DEPOT_E_DOWNLOAD_TIMEOUT;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
        return JL_DEPOT_E_DOWNLOAD_TRUNCATED;
    case CURLE_WRITE_ERROR:
        return JL_DEPOT_E_IO;
    default:
        if (!errbuf[0])
            snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(res));
        return JL_DEPOT_E_DOWNLOAD_FAILED;
    }
}

static int is_hex(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

// Choose a bundle of `pkg` in the index; sets the URL, size, SHA-256, key.
static int index_pick(json_object *idx, const char *index_url, const char *pkg, const char *key,
                      const char *jv, char **url, uint64_t *size, char sha[65], char kout[65])
{
    json_object *pkgs, *p = NULL, *bundles;
    const char *fmt = NULL;
    json_object *f;
    if (json_object_object_get_ex(idx, "format", &f))
        fmt = json_object_get_string(f);
    if (!fmt || strcmp(fmt, JLDEPOT_INDEX_FORMAT) != 0 ||
        !json_object_object_get_ex(idx, "packages", &pkgs) ||
        !json_object_is_type(pkgs, json_type_object)) {
        jldepot_error("fetch: %s is not a jldepot index", index_url);
        return JL_DEPOT_E_BUNDLE_MANIFEST;
    }
    json_object_object_foreach(pkgs, uuid, val)
    {
        json_object *n;
        if (!strcmp(uuid, pkg) ||
            (json_object_object_get_ex(val, "name", &n) && !strcmp(json_object_get_string(n), pkg)))
            p = val;
    }
    if (!p || !json_object_object_get_ex(p, "bundles", &bundles)) {
        jldepot_error("fetch: %s: %s: %s [index_no_bundle]", index_url, pkg,
                      jl_depot_strerror(JL_DEPOT_E_INDEX_NO_BUNDLE));
        return JL_DEPOT_E_INDEX_NO_BUNDLE;
    }
    const char *chosen = NULL;
    json_object *cb = NULL;
    int n = 0;
    json_object_object_foreach(bundles, k, b)
    {
        json_object *v;
        if (key && strncmp(k, key, strlen(key)) != 0)
            continue;
        if (jv && (!json_object_object_get_ex(b, "julia_version", &v) ||
                   strcmp(json_object_get_string(v), jv) != 0))
            continue;
        chosen = k;
        cb = b;
        n++;
    }
    if (n != 1) {
        jldepot_error("fetch: %s: %s: %s (%d match%s; choose with --key or --julia-version) "
                      "[index_no_bundle]",
                      index_url, pkg, jl_depot_strerror(JL_DEPOT_E_INDEX_NO_BUNDLE), n,
                      n == 1 ? "" : "es");
        return JL_DEPOT_E_INDEX_NO_BUNDLE;
    }
    json_object *fi, *sz, *sh;
    if (!json_object_object_get_ex(cb, "file", &fi) ||
        !json_object_object_get_ex(cb, "size", &sz) ||
        !json_object_object_get_ex(cb, "sha256", &sh) || strlen(chosen) != 64 || !is_hex(chosen) ||
        strlen(json_object_get_string(sh)) != 64) {
        jldepot_error("fetch: %s: malformed entry for %s", index_url, pkg);
        return JL_DEPOT_E_BUNDLE_MANIFEST;
    }
    const char *file = json_object_get_string(fi);
    if (strchr(file, '/') || !strcmp(file, "..") || !file[0]) {
        jldepot_error("fetch: %s: bad bundle file name '%s'", index_url, file);
        return JL_DEPOT_E_BUNDLE_ESCAPE;
    }
    const char *slash = strrchr(index_url, '/');
    size_t base = slash ? (size_t)(slash - index_url + 1) : 0;
    if (asprintf(url, "%.*s%s", (int)base, index_url, file) < 0)
        return JL_DEPOT_E_NOMEM;
    *size = json_object_get_uint64(sz);
    snprintf(sha, 65, "%s", json_object_get_string(sh));
    snprintf(kout, 65, "%s", chosen);
    return JL_DEPOT_E_OK;
}

// The SHA-256 context over the first `n` bytes of fd (a resumed download's
// part already there).
static int sha_prefix(EVP_MD_CTX *sha, int fd, uint64_t n)
{
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    size_t bufsz = 1 << 20;
    char *buf = n ? malloc(bufsz) : NULL;
    if (n && !buf)
        return JL_DEPOT_E_NOMEM;
    uint64_t off = 0;
    while (off < n) {
        size_t want = n - off < bufsz ? (size_t)(n - off) : bufsz;
        ssize_t k = pread(fd, buf, want, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(buf);
            return JL_DEPOT_E_IO;
        }
        EVP_DigestUpdate(sha, buf, (size_t)k);
        off += (uint64_t)k;
    }
    free(buf);
    return JL_DEPOT_E_OK;
}

static int is_resumable(int err)
{
    return err == JL_DEPOT_E_DOWNLOAD_TIMEOUT || err == JL_DEPOT_E_DOWNLOAD_TRUNCATED ||
           err == JL_DEPOT_E_DOWNLOAD_FAILED;
}

int jldepot_cmd_fetch(int argc, char **argv)
{
    jldepot_stack_opts_t so;
    jldepot_stack_opts_init(&so);
    jldepot_unpack_opts_t uo;
    jldepot_unpack_opts_init(&uo);
    const char *url = NULL, *depot = NULL, *pkg = NULL, *key = NULL, *jv = NULL;
    long timeout = 0;
    int keep = 0;
    for (int i = 1; i < argc;) {
        int r = jldepot_stack_option(&so, argc, argv, &i);
        if (r < 0)
            return JLDEPOT_EXIT_USAGE;
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(fetch_help, stdout);
            return JLDEPOT_EXIT_OK;
        }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
            uo.quiet = 1;
        else if (!strcmp(a, "--keep-partial"))
            keep = 1;
        else if (!strcmp(a, "--package") || !strcmp(a, "--key") || !strcmp(a, "--julia-version") ||
                 !strcmp(a, "--timeout")) {
            if (i + 1 >= argc) {
                jldepot_error("fetch: option '%s' requires an argument", a);
                return JLDEPOT_EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (a[2] == 'p')
                pkg = v;
            else if (a[2] == 'k')
                key = v;
            else if (a[2] == 'j')
                jv = v;
            else {
                char *end;
                timeout = strtol(v, &end, 10);
                if (*end || timeout <= 0) {
                    jldepot_error("fetch: --timeout needs a positive number of seconds");
                    return JLDEPOT_EXIT_USAGE;
                }
            }
        }
        else if (a[0] == '-' && a[1]) {
            jldepot_error("fetch: unknown option '%s'", a);
            fprintf(stderr, "see 'jldepot fetch --help'\n");
            return JLDEPOT_EXIT_USAGE;
        }
        else if (!url)
            url = a;
        else if (!depot)
            depot = a;
        else {
            jldepot_error("fetch: too many arguments");
            return JLDEPOT_EXIT_USAGE;
        }
        i++;
    }
    if (!url) {
        jldepot_error("fetch: a URL is required");
        fprintf(stderr, "see 'jldepot fetch --help'\n");
        return JLDEPOT_EXIT_USAGE;
    }
    size_t ul = strlen(url);
    int via_index = pkg || (ul > 5 && !strcmp(url + ul - 5, ".json"));
    if (via_index && !pkg) {
        jldepot_error("fetch: an index URL needs --package NAME|UUID");
        return JLDEPOT_EXIT_USAGE;
    }
    char *dp = NULL;
    jl_depot_stack_t *s = jldepot_target_stack(&so, depot, &dp);
    if (!s) {
        free(dp);
        return JLDEPOT_EXIT_USAGE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int err = JL_DEPOT_E_OK;
    char *burl = NULL, *part = NULL, *sdir = NULL;
    char errbuf[CURL_ERROR_SIZE];
    uint64_t want_size = 0;
    char want_sha[65] = "", want_key[65] = "";
    long http = 0;
    int fd = -1;
    EVP_MD_CTX *sha = NULL;
    if (via_index) {
        xfer_t x = {.fd = -1, .limit = JLDEPOT_BUNDLE_MAX_MANIFEST};
        err = transfer(url, &x, timeout, 1, &http, errbuf);
        json_object *idx = NULL;
        if (!err) {
            json_tokener *tok = json_tokener_new();
            idx = x.mem ? json_tokener_parse_ex(tok, x.mem, (int)x.mem_len) : NULL;
            json_tokener_free(tok);
            if (!idx) {
                jldepot_error("fetch: %s is not a jldepot index", url);
                err = JL_DEPOT_E_BUNDLE_MANIFEST;
            }
            else
                err = index_pick(idx, url, pkg, key, jv, &burl, &want_size, want_sha, want_key);
        }
        else {
            if (err == JL_DEPOT_E_HTTP_STATUS || err == JL_DEPOT_E_HTTP_NOT_FOUND)
                snprintf(errbuf, CURL_ERROR_SIZE, "HTTP status %ld", http);
            jldepot_error("fetch: %s: %s%s%s [%s]", url, jl_depot_strerror(err),
                          errbuf[0] ? ": " : "", errbuf, jl_depot_errjson(err));
        }
        if (idx)
            json_object_put(idx);
        free(x.mem);
        if (err)
            goto out;
        uo.expect_key = want_key;
    }
    else {
        burl = strdup(url);
        if (key && strlen(key) == 64)
            uo.expect_key = key;
    }
    // the temporary file: in the depot's @compiled root (or the nearest
    // existing directory above it), named after the URL so a later fetch
    // finds and resumes it
    {
        const char *croot = jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED);
        sdir = strdup(croot);
        struct stat sb;
        while (sdir && (stat(sdir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
            char *sl = strrchr(sdir, '/');
            if (!sl || sl == sdir) {
                free(sdir);
                sdir = strdup("/");
                break;
            }
            *sl = '\0';
        }
        char uh[65];
        jldepot_sha256_mem(burl, strlen(burl), uh);
        if (!sdir || asprintf(&part, "%s/.jldepot-fetch-%.16s.part", sdir, uh) < 0) {
            err = JL_DEPOT_E_NOMEM;
            goto out;
        }
    }
    fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = jl_depot_errno_code(errno);
        jldepot_error("fetch: %s: %s", part, strerror(errno));
        goto out;
    }
    if (via_index && !(sha = EVP_MD_CTX_new())) {
        err = JL_DEPOT_E_NOMEM;
        goto out;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        struct stat sb;
        fstat(fd, &sb);
        xfer_t x = {.fd = fd, .limit = want_size ? want_size : uo.max_total, .sha = sha};
        x.base = (uint64_t)sb.st_size;
        if (want_size && x.base >= want_size) // nothing left to ask for: start over
            x.base = 0;
        if (x.base == 0 && ftruncate(fd, 0) != 0) {
            err = JL_DEPOT_E_IO;
            break;
        }
        if (sha && (err = sha_prefix(sha, fd, x.base)) != JL_DEPOT_E_OK)
            break;
        lseek(fd, 0, SEEK_END);
        err = transfer(burl, &x, timeout, uo.quiet, &http, errbuf);
        if (err == JL_DEPOT_E_HTTP_STATUS && http == 416 && attempt == 0) {
            if (ftruncate(fd, 0) != 0)
                break;
            continue; // the partial file is no prefix: start over
        }
        if (!err && x.resumed && !uo.quiet)
            fprintf(stderr, "jldepot: fetch: resumed at byte %llu (HTTP %ld)\n",
                    (unsigned long long)x.base, http);
        break;
    }
    if (err) {
        if (err == JL_DEPOT_E_HTTP_STATUS || err == JL_DEPOT_E_HTTP_NOT_FOUND)
            snprintf(errbuf, CURL_ERROR_SIZE, "HTTP status %ld", http);
        jldepot_error("fetch: %s: %s%s%s [%s]", burl, jl_depot_strerror(err), errbuf[0] ? ": " : "",
                      errbuf, jl_depot_errjson(err));
        goto out;
    }
    // No fsync of the download: it is only the input of the unpack, which
    // makes its own files durable; a part damaged by a crash fails the
    // SHA-256 check below.
    if (via_index) {
        struct stat sb;
        fstat(fd, &sb);
        if ((uint64_t)sb.st_size < want_size) {
            err = JL_DEPOT_E_DOWNLOAD_TRUNCATED;
            jldepot_error("fetch: %s: %s (%llu of %llu bytes) [download_truncated]", burl,
                          jl_depot_strerror(err), (unsigned long long)sb.st_size,
                          (unsigned long long)want_size);
            goto out;
        }
        char hex[65];
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdl = 0;
        EVP_DigestFinal_ex(sha, md, &mdl);
        static const char hx[] = "0123456789abcdef";
        for (int i = 0; i < 32; i++) {
            hex[2 * i] = hx[md[i] >> 4];
            hex[2 * i + 1] = hx[md[i] & 15];
        }
        hex[64] = '\0';
        if ((uint64_t)sb.st_size != want_size || strcmp(hex, want_sha) != 0) {
            err = JL_DEPOT_E_BUNDLE_SHA256;
            jldepot_error("fetch: %s: %s (SHA-256 %s, the index says %s) [bundle_sha256_mismatch]",
                          burl, jl_depot_strerror(err), hex, want_sha);
        }
        if (err)
            goto out;
    }
    close(fd);
    fd = -1;
    curl_global_cleanup();
    err = jldepot_unpack_bundle(part, s, 0, &uo);
out:
    EVP_MD_CTX_free(sha);
    if (fd >= 0)
        close(fd);
    if (part && !(err && keep && is_resumable(err)))
        unlink(part);
    else if (part && !uo.quiet)
        fprintf(stderr, "jldepot: fetch: partial download kept in %s\n", part);
    free(part);
    free(sdir);
    free(burl);
    jl_depot_stack_free(s);
    free(dp);
    if (err == JL_DEPOT_E_OK)
        return JLDEPOT_EXIT_OK;
    return (err == JL_DEPOT_E_IO || err == JL_DEPOT_E_NOMEM || err == JL_DEPOT_E_READ_ONLY ||
            err == JL_DEPOT_E_NO_SPACE)
               ? JLDEPOT_EXIT_USAGE
               : JLDEPOT_EXIT_REJECTED;
}
