// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_fetch.c: `jldepot fetch URL [DEPOT]`: download a bundle (or look
  it up in an index.json first, jldepot_parse.c) with libcurl into a
  temporary file in the target depot, check its size and SHA-256 against
  the index, then unpack it (jldepot_unpack.c).
  The temporary file, `.jldepot-fetch-<hash of the URL>.part`, lives in the
  depot's @compiled root (made when missing, and removed again when the
  fetch fails); it is opened relative to that directory with O_NOFOLLOW (a
  symbolic link, a non-regular file or a file with other links there is
  refused and left alone), and a lock file next to it
  (`.jldepot-fetch-<hash>.lock`, flock) keeps a second fetch of the same
  URL out.  A part file left by an earlier fetch is resumed with an HTTP
  Range request only with --keep-partial, and discarded otherwise.
  Limits: the index document (--max-index), each bundle (its size in the
  index, and --max-size), an HTTP error page (kept up to 4 KiB and shown
  shortened), the connection (--connect-timeout), a stall
  (--stall-timeout), the whole transfer (--timeout); only http and https,
  also for redirects.
  The SHA-256 is computed as the bytes arrive (a resumed download hashes
  the part already there first), not in a second pass over the file.
  Every error has its name and leaves the depot as it was.
*/

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "atomicfile.h"
#include "jldepot.h"
#include "jldepot_bundle.h"
#include "jldepot_parse.h"
#include "jldepot_sigfile.h"
#include "jldepot_sign.h"
#include "jldepot_trust.h"
#include "jldepot_model.h"

// Defaults of the limits (doc/jldepot.1.md, FETCH).
#define FETCH_MAX_INDEX       ((uint64_t)16 << 20)
#define FETCH_MAX_SIZE        ((uint64_t)8 << 30)
#define FETCH_CONNECT_TIMEOUT 30L
#define FETCH_STALL_TIMEOUT   30L
#define FETCH_MAX_ERRBODY     4096
#define FETCH_MAX_SECONDS     1000000L

static const char fetch_help[] =
    "usage: jldepot fetch [--package NAME|UUID] [--key KEY] [--julia-version V]\n"
    "                     [--timeout SECONDS] [--keep-partial] [-q] [OPTIONS] URL [DEPOT]\n"
    "\n"
    "Download the bundle at URL, or, with --package (or a URL ending in .json), look\n"
    "the package up in the index.json at URL, download its bundle and check its size\n"
    "and SHA-256; then unpack it into DEPOT (default: the first depot on DEPOT_PATH)\n"
    "as 'jldepot unpack' does.  The download goes to a temporary file in the depot's\n"
    "compiled directory (made when missing); a second fetch of the same URL into the\n"
    "same depot is refused while one runs.  On every error the depot is left as it\n"
    "was.  URL must be http:// or https://.  See doc/serving.md.\n"
    "\n"
    "options:\n"
    "  --package NAME|UUID  the package to look up in the index\n"
    "  --key KEY            the bundle's key (or its first hex digits)\n"
    "  --julia-version V    choose the package's bundle built by this Julia version\n"
    "  --allow-unsigned     accept a bundle (and index) with no signature a trusted\n"
    "                       key made, for this command only\n"
    "  --keep-partial       keep a partial download after a timeout or a broken\n"
    "                       connection, and resume one kept by an earlier fetch\n"
    "                       (without it, a partial download left behind is discarded)\n"
    "  --max-index BYTES    the largest index document accepted (default 16M)\n"
    "  --max-size BYTES     the largest bundle downloaded (default 8G); a bundle is\n"
    "                       also never longer than the size its index gives\n"
    "  --connect-timeout S  give up when no connection is made in S seconds (default 30)\n"
    "  --stall-timeout S    give up when less than 1 byte per second arrives over S\n"
    "                       seconds (default 30)\n"
    "  --timeout S          give up when a transfer takes longer than S seconds in all\n"
    "                       (default: no limit)\n"
    "  -q, --quiet          no progress bar, no summary line\n"
    "  --depot-path LIST    the depots after DEPOT (default JULIA_DEPOT_PATH)\n"
    "  --layout classic|xdg the depots' layout\n"
    "  --julia-home DIR     Julia's bindir, for the bundled depots\n"
    "BYTES: digits, optionally followed by K, M or G (powers of 1024).\n"
    "exit status: 0 fetched and unpacked, 1 refused (HTTP error, mismatch, limit,\n"
    "timeout, another fetch running), 2 usage or I/O error\n";

typedef struct {
    const char *url, *depot, *pkg, *key, *jv;
    long timeout, connect_timeout, stall_timeout;
    uint64_t max_index, max_size;
    int keep;
    int allow_unsigned;             // --allow-unsigned, or the source does not require signatures
    const jldepot_source_t *source; // the configured source of the URL, or NULL
    const char *redir;              // the schemes redirects may use: the URL's own
    char *seen_path;                // where the last signed index version is kept, or NULL
    uint64_t seen_version;          // the version kept there (0: none)
    uint64_t index_version;         // the version of the signed index just checked
} fetch_opts_t;

// ---- messages ---------------------------------------------------------------------

// What to do about an error, when the caller has nothing more precise.
static const char *hint_for(int err)
{
    switch (err) {
    case JL_DEPOT_E_HTTP_NOT_FOUND:
        return "check the URL, and that the server has every file its index names";
    case JL_DEPOT_E_HTTP_STATUS:
        return "try again later, or ask the server's operator";
    case JL_DEPOT_E_DOWNLOAD_TRUNCATED:
        return "run fetch again (with --keep-partial it resumes where this one stopped)";
    case JL_DEPOT_E_DOWNLOAD_TIMEOUT:
        return "check that the server is up and reachable; --connect-timeout, "
               "--stall-timeout and --timeout set the limits";
    case JL_DEPOT_E_DOWNLOAD_FAILED:
        return "check the URL and the network";
    case JL_DEPOT_E_BUNDLE_SHA256:
    case JL_DEPOT_E_BUNDLE_SIZE:
        return "the server's file is not the one its index describes; ask its operator "
               "to run jldepot pack again";
    case JL_DEPOT_E_INDEX_MALFORMED:
        return "the URL must be an index.json written by jldepot pack";
    case JL_DEPOT_E_FETCH_BUSY:
        return "another jldepot fetch of the same URL into this depot holds its lock: wait "
               "until it has finished, then run this one again";
    case JL_DEPOT_E_FETCH_PART_UNSAFE:
        return "jldepot did not make it, so it is left alone: remove it if you know what it "
               "is, then run fetch again";
    case JL_DEPOT_E_READ_ONLY:
        return "the depot must be writable: check its permissions, or choose another DEPOT";
    case JL_DEPOT_E_NO_SPACE:
        return "free some space in the depot's file system, then run fetch again";
    case JL_DEPOT_E_NOT_FOUND:
    case JL_DEPOT_E_IO:
        return "check the depot's directories and their permissions";
    case JL_DEPOT_E_NOMEM:
        return "free some memory, then run fetch again";
    default:
        return jldepot_hint(err);
    }
}

// jldepot: fetch: SUBJECT: REASON[: DETAIL][; WHAT TO DO] [json_name]
static void fetch_error(int err, const char *subject, const char *detail, const char *hint)
{
    if (!hint)
        hint = hint_for(err);
    jldepot_error("fetch: %s: %s%s%s%s%s [%s]", subject, jldepot_strerror(err),
                  detail && *detail ? ": " : "", detail ? detail : "", hint ? "; " : "",
                  hint ? hint : "", jldepot_errjson(err));
}

// ---- one transfer -------------------------------------------------------------------

typedef struct {
    int fd;           // the file written, or -1 (memory)
    char *mem;        // memory target (the index)
    size_t mem_len;   // bytes in mem
    uint64_t limit;   // refuse more bytes than this in all (0: none)
    uint64_t written; // bytes written by this transfer
    int resumed;      // a Range request was made
    int restarted;    // the server ignored the range: the file was truncated
    int too_long;     // more than the limit arrived
    int io_errno;     // a write to the file failed
    CURLcode res;     // what libcurl said
    char errbody[FETCH_MAX_ERRBODY];
    size_t errbody_len; // the start of an HTTP error page
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
    if (code >= 400) { // an error page: its start is kept for the message
        size_t room = sizeof(x->errbody) - x->errbody_len;
        size_t k = n < room ? n : room;
        memcpy(x->errbody + x->errbody_len, p, k);
        x->errbody_len += k;
        return k < n ? 0 : n; // stop reading once the buffer is full
    }
    if (x->resumed && code == 200 && !x->restarted && x->fd >= 0) {
        // the server ignored the Range request: start over
        if (ftruncate(x->fd, 0) != 0 || lseek(x->fd, 0, SEEK_SET) != 0) {
            x->io_errno = errno;
            return 0;
        }
        x->restarted = 1;
        x->base = 0;
        if (x->sha)
            EVP_DigestInit_ex(x->sha, EVP_sha256(), NULL);
    }
    if (x->limit && (x->base + x->written > x->limit || n > x->limit - x->base - x->written)) {
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
            if (k <= 0) {
                x->io_errno = k < 0 ? errno : EIO;
                return 0;
            }
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
        if (f > w)
            f = w;
        fprintf(stderr, "\r[%.*s%*s] %3d%% %llu/%llu bytes", f,
                "########################################", w - f, "",
                (int)(100 * now / (total ? total : 1)), (unsigned long long)now,
                (unsigned long long)total);
    }
    else
        fprintf(stderr, "\r%llu bytes", (unsigned long long)now);
    return 0;
}

// One GET.  Returns a JL_DEPOT_E_* code; *http receives the status, errbuf
// (CURL_ERROR_SIZE bytes) what went wrong in words.
static int transfer(const char *url, xfer_t *x, const fetch_opts_t *fo, int quiet, long *http,
                    char *errbuf)
{
    CURL *c = curl_easy_init();
    if (!c)
        return JL_DEPOT_E_NOMEM;
    x->curl = c;
    x->progress = !quiet && isatty(2);
    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, fo->redir);
    if (fo->source && fo->source->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, fo->source->ca_file);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "jldepot-fetch/1");
    // large writes into the file (libcurl's default is 16 KiB)
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, fo->connect_timeout);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, fo->stall_timeout);
    if (fo->timeout > 0)
        curl_easy_setopt(c, CURLOPT_TIMEOUT, fo->timeout);
    if (x->progress) {
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    }
    if (x->base > 0) {
        curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->base);
        x->resumed = 1;
    }
    // a Content-Length over the limit is refused before the body is read
    // (the whole limit even when resuming: a server may ignore the Range)
    if (x->limit)
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->limit);
    CURLcode res = x->res = curl_easy_perform(c);
    if (x->progress)
        fputc('\n', stderr);
    *http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
    curl_easy_cleanup(c);
    x->curl = NULL;
    if (*http == 404)
        return JL_DEPOT_E_HTTP_NOT_FOUND;
    if (*http >= 400)
        return JL_DEPOT_E_HTTP_STATUS; // 416 after a Range request: the caller restarts
    if (x->too_long || res == CURLE_FILESIZE_EXCEEDED) {
        x->too_long = 1;
        return JL_DEPOT_E_DOWNLOAD_TOO_LARGE;
    }
    if (x->io_errno) {
        snprintf(errbuf, CURL_ERROR_SIZE, "writing the download: %s", strerror(x->io_errno));
        return jl_depot_errno_code(x->io_errno);
    }
    switch (res) {
    case CURLE_OK:
        return JL_DEPOT_E_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return JL_DEPOT_E_DOWNLOAD_TIMEOUT;
    case CURLE_UNSUPPORTED_PROTOCOL: // a redirect to another scheme
        return JL_DEPOT_E_URL_REFUSED;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
        return JL_DEPOT_E_DOWNLOAD_TRUNCATED;
    case CURLE_WRITE_ERROR:
        if (!errbuf[0])
            snprintf(errbuf, CURL_ERROR_SIZE, "out of memory");
        return JL_DEPOT_E_NOMEM; // (the file's errors are io_errno above)
    default:
        if (!errbuf[0])
            snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(res));
        return JL_DEPOT_E_DOWNLOAD_FAILED;
    }
}

// The message of a failed transfer of `url`.
static void transfer_error(int err, const char *url, const xfer_t *x, long http, const char *errbuf,
                           const char *too_large_hint)
{
    char *d = NULL;
    if (err == JL_DEPOT_E_HTTP_STATUS || err == JL_DEPOT_E_HTTP_NOT_FOUND) {
        char *body = x->errbody_len ? jldepot_printable(x->errbody, x->errbody_len, 160) : NULL;
        if (asprintf(&d, "HTTP status %ld%s%s%s", http, body && *body ? ", the server said \"" : "",
                     body && *body ? body : "", body && *body ? "\"" : "") < 0)
            d = NULL;
        free(body);
    }
    else if (err == JL_DEPOT_E_DOWNLOAD_TOO_LARGE) {
        if (asprintf(&d, "more than %llu bytes", (unsigned long long)x->limit) < 0)
            d = NULL;
    }
    const char *hint = NULL;
    if (err == JL_DEPOT_E_DOWNLOAD_TOO_LARGE)
        hint = too_large_hint;
    else if (x->res == CURLE_UNSUPPORTED_PROTOCOL)
        hint = "a redirect is followed only to the scheme of the URL given (https:// to https://)";
    else if (x->res == CURLE_TOO_MANY_REDIRECTS)
        hint = "the server redirects in a loop; ask its operator";
    fetch_error(err, url, d ? d : errbuf, hint);
    free(d);
}

// ---- the index -------------------------------------------------------------------------

// Download and read the index at fo->url; choose the bundle of fo->pkg.
#define FETCH_MAX_SIG ((uint64_t)1 << 20)

// Download the signature file `<url>.sig` into memory (*buf, *len).
static int fetch_sig(const fetch_opts_t *fo, const char *url, char **buf, size_t *len)
{
    char errbuf[CURL_ERROR_SIZE], *surl = NULL;
    long http = 0;
    xfer_t x;
    memset(&x, 0, sizeof(x));
    x.fd = -1;
    x.limit = FETCH_MAX_SIG;
    if (asprintf(&surl, "%s.sig", url) < 0)
        return JL_DEPOT_E_NOMEM;
    int err = transfer(surl, &x, fo, 1, &http, errbuf);
    if (err == JL_DEPOT_E_HTTP_NOT_FOUND) {
        err = JL_DEPOT_E_UNSIGNED;
        fetch_error(err, url, "the server has no signature file for it (404)",
                    "ask the server's operator to pack with --sign; --allow-unsigned accepts "
                    "unsigned material for this one command");
    }
    else if (err)
        transfer_error(err, surl, &x, http, errbuf, "a signature file is at most 1 MiB");
    free(surl);
    if (err) {
        free(x.mem);
        return err;
    }
    *buf = x.mem;
    *len = x.mem_len;
    return JL_DEPOT_E_OK;
}

int jldepot_fetch_small(const char *url, const jldepot_source_t *src, uint64_t max, char **buf,
                        size_t *len, char **detail)
{
    fetch_opts_t fo;
    memset(&fo, 0, sizeof(fo));
    fo.source = src;
    fo.connect_timeout = FETCH_CONNECT_TIMEOUT;
    fo.stall_timeout = FETCH_STALL_TIMEOUT;
    fo.timeout = 300;
    fo.redir = !strncasecmp(url, "https://", 8) ? "https" : "http";
    char errbuf[CURL_ERROR_SIZE];
    long http = 0;
    xfer_t x;
    memset(&x, 0, sizeof(x));
    x.fd = -1;
    x.limit = max;
    *buf = NULL;
    *len = 0;
    *detail = NULL;
    int err = transfer(url, &x, &fo, 1, &http, errbuf);
    if (err) {
        free(x.mem);
        if (err != JL_DEPOT_E_HTTP_NOT_FOUND) {
            char *d = NULL;
            if (http >= 400 ? asprintf(&d, "HTTP %ld", http) : asprintf(&d, "%s", errbuf) < 0)
                d = NULL;
            *detail = d;
        }
        return err;
    }
    *buf = x.mem;
    *len = x.mem_len;
    return JL_DEPOT_E_OK;
}

static const char *trust_hint(int err)
{
    switch (err) {
    case JL_DEPOT_E_SIG_UNTRUSTED:
        return "trust the server's public key for this URL in config/jldepot/sources.toml "
               "(see doc/serving.md)";
    case JL_DEPOT_E_KEY_REVOKED:
        return "the server must sign with a key this client has not revoked";
    case JL_DEPOT_E_INDEX_EXPIRED:
        return "the server must sign its index again (jldepot pack --sign)";
    case JL_DEPOT_E_INDEX_ROLLBACK:
        return "the server (or something between) serves an older index than before; "
               "if the server's operator really started over, remove the file named";
    default:
        return NULL;
    }
}

// The signed index: its signature file must vouch for these exact bytes,
// not be expired, and be signed by a key the URL's source trusts.
static int check_index_sig(fetch_opts_t *fo, const char *buf, size_t len)
{
    char *sig = NULL, *perr = NULL, sha[65];
    size_t slen = 0;
    int err = fetch_sig(fo, fo->url, &sig, &slen);
    if (err)
        return err;
    jldepot_index_sig_t st;
    memset(&st, 0, sizeof(st));
    jldepot_sha256_mem(buf, len, sha);
    if (jldepot_index_sig_parse(sig, slen, &st, &perr))
        err = JL_DEPOT_E_SIG_MALFORMED;
    else
        err = jldepot_index_sig_check(fo->source, &st, sha, (int64_t)time(NULL), fo->seen_version);
    if (err == JL_DEPOT_E_INDEX_ROLLBACK &&
        asprintf(&perr, "version %llu, and this depot has seen version %llu (%s)",
                 (unsigned long long)st.version, (unsigned long long)fo->seen_version,
                 fo->seen_path) < 0)
        perr = NULL;
    if (!err)
        fo->index_version = st.version;
    if (err == JL_DEPOT_E_BUNDLE_SHA256 && !perr)
        perr = strdup("the index is not the one its signature names");
    if (err)
        fetch_error(err, fo->url, perr,
                    err == JL_DEPOT_E_BUNDLE_SHA256
                        ? "the index changed after it was signed; ask the server's operator to "
                          "run jldepot pack --sign again"
                        : trust_hint(err));
    jldepot_index_sig_free(&st);
    free(sig);
    free(perr);
    return err;
}

static int from_index(fetch_opts_t *fo, char **burl, jldepot_index_choice_t *ch)
{
    char errbuf[CURL_ERROR_SIZE];
    long http = 0;
    xfer_t x;
    memset(&x, 0, sizeof(x));
    x.fd = -1;
    x.limit = fo->max_index;
    int err = transfer(fo->url, &x, fo, 1, &http, errbuf);
    if (err) {
        transfer_error(err, fo->url, &x, http, errbuf,
                       "an index this large is refused; raise --max-index if it is expected");
        free(x.mem);
        return err;
    }
    if (!fo->allow_unsigned && (err = check_index_sig(fo, x.mem, x.mem_len))) {
        free(x.mem);
        return err;
    }
    json_object *idx = NULL;
    char *detail = NULL;
    err = jldepot_index_parse(x.mem, x.mem_len, &idx, &detail);
    free(x.mem);
    if (!err)
        err = jldepot_index_pick(idx, fo->pkg, fo->key, fo->jv, ch, &detail);
    if (!err)
        err = jldepot_index_bundle_url(fo->url, ch->file, burl);
    if (idx)
        json_object_put(idx);
    if (err == JL_DEPOT_E_INDEX_NO_BUNDLE)
        fetch_error(err, fo->url, detail, "see the index for the packages and bundles it has");
    else if (err)
        fetch_error(err, fo->url, detail, NULL);
    free(detail);
    return err;
}

// ---- the part file, its lock, the depot's directories ----------------------------------

typedef struct {
    char *dir;          // the depot's @compiled root
    int dfd;            // it, opened
    char *made;         // the topmost directory this fetch made, or NULL
    char name[64];      // .jldepot-fetch-<hash>.part
    char lockname[64];  // .jldepot-fetch-<hash>.lock
    char *path;         // dir/name
    char *lockpath;     // dir/lockname
    int fd, lockfd;     // the part file, the lock file
    struct stat st;     // the part file's identity
    uint64_t discarded; // bytes of an earlier fetch's part file that were discarded
} part_t;

// mkdir -p `dir`; *made is the topmost directory made (NULL when none was),
// *eno the errno of a failure.
static int make_dirs(const char *dir, char **made, int *eno)
{
    *made = NULL;
    *eno = 0;
    char *p = strdup(dir);
    if (!p)
        return JL_DEPOT_E_NOMEM;
    int err = JL_DEPOT_E_OK;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char save = *s;
        *s = '\0';
        if (mkdir(p, 0777) == 0) {
            if (!*made && !(*made = strdup(p)))
                err = JL_DEPOT_E_NOMEM;
        }
        else if (errno != EEXIST) {
            *eno = errno;
            err = errno == ENOTDIR ? JL_DEPOT_E_IO : jl_depot_errno_code(errno);
        }
        *s = save;
        if (err || !save)
            break;
    }
    free(p);
    return err;
}

// Remove the directories make_dirs made, deepest first, while they are empty.
static void unmake_dirs(const char *dir, const char *made)
{
    if (!made)
        return;
    char *p = strdup(dir);
    while (p && strlen(p) >= strlen(made) && rmdir(p) == 0 && strcmp(p, made) != 0) {
        char *sl = strrchr(p, '/');
        if (!sl || sl == p)
            break;
        *sl = '\0';
    }
    free(p);
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

// Take the lock of this URL's part file: the lock file, created when
// missing, locked with flock (never waiting).
static int lock_part(part_t *pt, char **detail)
{
    for (int tries = 0; tries < 16; tries++) {
        struct stat sb, fb;
        if (fstatat(pt->dfd, pt->lockname, &sb, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(sb.st_mode))
            return JL_DEPOT_E_FETCH_PART_UNSAFE;
        int fd = openat(pt->dfd, pt->lockname,
                        O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
        if (fd < 0) {
            int e = errno;
            if (e == ELOOP)
                return JL_DEPOT_E_FETCH_PART_UNSAFE;
            if (asprintf(detail, "creating the lock file: %s", strerror(e)) < 0)
                *detail = NULL;
            return jl_depot_errno_code(e);
        }
        if (fstat(fd, &fb) != 0 || !S_ISREG(fb.st_mode)) {
            close(fd);
            return JL_DEPOT_E_FETCH_PART_UNSAFE;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK)
                return JL_DEPOT_E_FETCH_BUSY;
            if (asprintf(detail, "locking: %s", strerror(e)) < 0)
                *detail = NULL;
            return JL_DEPOT_E_IO;
        }
        // the fetch that held it may have removed it meanwhile: lock the new one
        if (fstatat(pt->dfd, pt->lockname, &sb, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&sb, &fb)) {
            pt->lockfd = fd;
            return JL_DEPOT_E_OK;
        }
        close(fd);
    }
    return JL_DEPOT_E_FETCH_BUSY;
}

// Open the part file (under the lock): a regular file with one link, never
// through a symbolic link; an earlier fetch's is resumed with --keep-partial
// and discarded without it.
static int open_part(part_t *pt, int keep, char **detail)
{
    for (int tries = 0; tries < 2; tries++) {
        struct stat sb;
        if (fstatat(pt->dfd, pt->name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
            if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1)
                return JL_DEPOT_E_FETCH_PART_UNSAFE;
            int fd = openat(pt->dfd, pt->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
            if (fd < 0) {
                int e = errno;
                if (e == ENOENT)
                    continue;
                if (e == ELOOP)
                    return JL_DEPOT_E_FETCH_PART_UNSAFE;
                if (asprintf(detail, "opening it: %s", strerror(e)) < 0)
                    *detail = NULL;
                return jl_depot_errno_code(e);
            }
            if (fstat(fd, &pt->st) != 0 || !S_ISREG(pt->st.st_mode) || pt->st.st_nlink != 1 ||
                !same_file(&sb, &pt->st)) {
                close(fd);
                return JL_DEPOT_E_FETCH_PART_UNSAFE;
            }
            pt->fd = fd;
            if (!keep && pt->st.st_size > 0) {
                pt->discarded = (uint64_t)pt->st.st_size;
                if (ftruncate(fd, 0) != 0) {
                    int e = errno;
                    if (asprintf(detail, "discarding an earlier partial download: %s",
                                 strerror(e)) < 0)
                        *detail = NULL;
                    return jl_depot_errno_code(e);
                }
            }
            return JL_DEPOT_E_OK;
        }
        if (errno != ENOENT) {
            int e = errno;
            if (asprintf(detail, "%s", strerror(e)) < 0)
                *detail = NULL;
            return jl_depot_errno_code(e);
        }
        int fd =
            openat(pt->dfd, pt->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            int e = errno;
            if (e == EEXIST)
                continue; // made meanwhile (not by a fetch: we hold the lock): look again
            if (asprintf(detail, "creating it: %s", strerror(e)) < 0)
                *detail = NULL;
            return jl_depot_errno_code(e);
        }
        fstat(fd, &pt->st);
        pt->fd = fd;
        return JL_DEPOT_E_OK;
    }
    return JL_DEPOT_E_FETCH_PART_UNSAFE;
}

// The part file of `burl` in the depot's @compiled root `croot`, open and
// locked.  On error a message was printed.
static int part_begin(part_t *pt, const char *croot, const char *burl, int keep)
{
    char uh[65], *detail = NULL;
    jldepot_sha256_mem(burl, strlen(burl), uh);
    snprintf(pt->name, sizeof(pt->name), ".jldepot-fetch-%.16s.part", uh);
    snprintf(pt->lockname, sizeof(pt->lockname), ".jldepot-fetch-%.16s.lock", uh);
    pt->dir = strdup(croot);
    if (!pt->dir || asprintf(&pt->path, "%s/%s", croot, pt->name) < 0 ||
        asprintf(&pt->lockpath, "%s/%s", croot, pt->lockname) < 0) {
        pt->path = pt->lockpath = NULL;
        fetch_error(JL_DEPOT_E_NOMEM, croot, NULL, NULL);
        return JL_DEPOT_E_NOMEM;
    }
    int eno = 0, err = make_dirs(croot, &pt->made, &eno);
    if (err) {
        if (asprintf(&detail, "making the depot's compiled directory: %s",
                     eno ? strerror(eno) : "out of memory") < 0)
            detail = NULL;
        fetch_error(err, croot, detail, NULL);
        free(detail);
        return err;
    }
    pt->dfd = open(croot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pt->dfd < 0) {
        int e = errno;
        err = e == ENOTDIR ? JL_DEPOT_E_IO : jl_depot_errno_code(e);
        if (asprintf(&detail, "opening the depot's compiled directory: %s", strerror(e)) < 0)
            detail = NULL;
        fetch_error(err, croot, detail, NULL);
        free(detail);
        return err;
    }
    err = lock_part(pt, &detail);
    if (err) {
        fetch_error(err, err == JL_DEPOT_E_FETCH_BUSY ? pt->path : pt->lockpath, detail, NULL);
        free(detail);
        return err;
    }
    err = open_part(pt, keep, &detail);
    if (err) {
        fetch_error(err, pt->path, detail, NULL);
        free(detail);
    }
    return err;
}

// Remove the part file when it is still the one this fetch opened.
static void part_remove(part_t *pt)
{
    struct stat sb;
    if (pt->fd >= 0 && pt->dfd >= 0 && fstatat(pt->dfd, pt->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        same_file(&sb, &pt->st))
        unlinkat(pt->dfd, pt->name, 0);
}

// Release the lock (the lock file is removed while still held) and close;
// after a failure, remove the directories this fetch made (when empty).
static void part_end(part_t *pt, int failed)
{
    if (pt->fd >= 0)
        close(pt->fd);
    if (pt->lockfd >= 0) {
        unlinkat(pt->dfd, pt->lockname, 0);
        close(pt->lockfd);
    }
    if (pt->dfd >= 0)
        close(pt->dfd);
    if (failed)
        unmake_dirs(pt->dir, pt->made);
    free(pt->dir);
    free(pt->made);
    free(pt->path);
    free(pt->lockpath);
}

// ---- the download ----------------------------------------------------------------------

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

// Download `burl` into the part file: resumed when something is there,
// no more than `limit` bytes.  On error a message was printed.
static int download(part_t *pt, const char *burl, const fetch_opts_t *fo, int quiet, uint64_t limit,
                    int declared, EVP_MD_CTX *sha)
{
    char errbuf[CURL_ERROR_SIZE];
    long http = 0;
    int err = JL_DEPOT_E_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct stat sb;
        xfer_t x;
        memset(&x, 0, sizeof(x));
        x.fd = pt->fd;
        x.limit = limit;
        x.sha = sha;
        if (fstat(pt->fd, &sb) != 0) {
            err = JL_DEPOT_E_IO;
            fetch_error(err, pt->path, strerror(errno), NULL);
            return err;
        }
        x.base = (uint64_t)sb.st_size;
        if (x.base >= limit) // nothing left to ask for: start over
            x.base = 0;
        if ((x.base == 0 && ftruncate(pt->fd, 0) != 0) ||
            lseek(pt->fd, (off_t)x.base, SEEK_SET) < 0) {
            err = jl_depot_errno_code(errno);
            fetch_error(err, pt->path, strerror(errno), NULL);
            return err;
        }
        if (sha && (err = sha_prefix(sha, pt->fd, x.base)) != JL_DEPOT_E_OK) {
            fetch_error(err, pt->path, "reading the partial download", NULL);
            return err;
        }
        err = transfer(burl, &x, fo, quiet, &http, errbuf);
        // a partial file that is no prefix (416), or a server that ignores the
        // Range (libcurl refuses its 200): start over, once
        if (x.resumed && attempt == 0 &&
            ((err == JL_DEPOT_E_HTTP_STATUS && http == 416) || x.res == CURLE_RANGE_ERROR)) {
            if (ftruncate(pt->fd, 0) != 0) {
                err = jl_depot_errno_code(errno);
                fetch_error(err, pt->path, strerror(errno), NULL);
                return err;
            }
            continue;
        }
        if (err) {
            transfer_error(err, burl, &x, http, errbuf,
                           declared ? "the server sent more than the index says: the "
                                      "index or the server is wrong"
                                    : "a bundle this large is refused; raise "
                                      "--max-size if it is expected");
            return err;
        }
        if (x.resumed && !quiet)
            fprintf(stderr, "jldepot: fetch: resumed at byte %llu (HTTP %ld)\n",
                    (unsigned long long)x.base, http);
        return JL_DEPOT_E_OK;
    }
    return err;
}

// ---- the command -------------------------------------------------------------------------

// --timeout and friends: whole seconds, 1 to FETCH_MAX_SECONDS.
static int parse_seconds(const char *opt, const char *v, long *out)
{
    char *end;
    errno = 0;
    long t = strtol(v, &end, 10);
    if (errno || end == v || *end || v[0] < '0' || v[0] > '9' || t <= 0 || t > FETCH_MAX_SECONDS) {
        jldepot_error("fetch: %s '%s': a whole number of seconds from 1 to %ld is expected", opt, v,
                      FETCH_MAX_SECONDS);
        return -1;
    }
    *out = t;
    return 0;
}

static int parse_size_opt(const char *opt, const char *v, uint64_t *out)
{
    uint64_t n = 0;
    int err = jldepot_parse_bytes(v, &n);
    if (!err && n == 0) // a limit of nothing would refuse everything
        err = JL_DEPOT_E_BAD_SIZE;
    if (!err)
        *out = n;
    else
        jldepot_error("fetch: %s '%s': %s; for example 500M or 2G [%s]", opt, v,
                      jldepot_strerror(err), jldepot_errjson(err));
    return err ? -1 : 0;
}

static int is_http_url(const char *u)
{
    return !strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8);
}

int jldepot_cmd_fetch(int argc, char **argv)
{
    jldepot_stack_opts_t so;
    jldepot_stack_opts_init(&so);
    jldepot_unpack_opts_t uo;
    jldepot_unpack_opts_init(&uo);
    fetch_opts_t fo;
    memset(&fo, 0, sizeof(fo));
    fo.connect_timeout = FETCH_CONNECT_TIMEOUT;
    fo.stall_timeout = FETCH_STALL_TIMEOUT;
    fo.max_index = FETCH_MAX_INDEX;
    fo.max_size = FETCH_MAX_SIZE;
    int allow_unsigned = 0;
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
            fo.keep = 1;
        else if (!strcmp(a, "--allow-unsigned"))
            allow_unsigned = 1;
        else if (!strcmp(a, "--package") || !strcmp(a, "--key") || !strcmp(a, "--julia-version") ||
                 !strcmp(a, "--timeout") || !strcmp(a, "--connect-timeout") ||
                 !strcmp(a, "--stall-timeout") || !strcmp(a, "--max-index") ||
                 !strcmp(a, "--max-size")) {
            if (i + 1 >= argc) {
                jldepot_error("fetch: option '%s' requires an argument", a);
                return JLDEPOT_EXIT_USAGE;
            }
            const char *v = argv[++i];
            int bad = 0;
            if (!strcmp(a, "--package"))
                fo.pkg = v;
            else if (!strcmp(a, "--key"))
                fo.key = v;
            else if (!strcmp(a, "--julia-version"))
                fo.jv = v;
            else if (!strcmp(a, "--timeout"))
                bad = parse_seconds(a, v, &fo.timeout);
            else if (!strcmp(a, "--connect-timeout"))
                bad = parse_seconds(a, v, &fo.connect_timeout);
            else if (!strcmp(a, "--stall-timeout"))
                bad = parse_seconds(a, v, &fo.stall_timeout);
            else if (!strcmp(a, "--max-index"))
                bad = parse_size_opt(a, v, &fo.max_index);
            else
                bad = parse_size_opt(a, v, &fo.max_size);
            if (bad)
                return JLDEPOT_EXIT_USAGE;
        }
        else if (a[0] == '-' && a[1]) {
            jldepot_error("fetch: unknown option '%s'", a);
            fprintf(stderr, "see 'jldepot fetch --help'\n");
            return JLDEPOT_EXIT_USAGE;
        }
        else if (!fo.url)
            fo.url = a;
        else if (!fo.depot)
            fo.depot = a;
        else {
            jldepot_error("fetch: too many arguments");
            return JLDEPOT_EXIT_USAGE;
        }
        i++;
    }
    if (!fo.url) {
        jldepot_error("fetch: a URL is required");
        fprintf(stderr, "see 'jldepot fetch --help'\n");
        return JLDEPOT_EXIT_USAGE;
    }
    if (!is_http_url(fo.url)) {
        fetch_error(JL_DEPOT_E_URL_SCHEME, fo.url, NULL,
                    "give the http:// or https:// URL of a bundle or of an index.json");
        return JLDEPOT_EXIT_USAGE;
    }
    size_t ul = strlen(fo.url);
    int via_index = fo.pkg || (ul > 5 && !strcmp(fo.url + ul - 5, ".json"));
    if (via_index && !fo.pkg) {
        jldepot_error("fetch: an index URL needs --package NAME|UUID");
        return JLDEPOT_EXIT_USAGE;
    }
    char *dp = NULL;
    jl_depot_stack_t *s = jldepot_target_stack(&so, fo.depot, &dp);
    if (!s) {
        free(dp);
        return JLDEPOT_EXIT_USAGE;
    }
    // the client's own configuration says which servers and keys it trusts
    jldepot_trust_t *trust = NULL;
    char *terr = NULL, *sigbuf = NULL;
    size_t siglen = 0;
    int err = jldepot_trust_load(s, &trust, &terr);
    if (err) {
        jldepot_error("fetch: %s [%s]", terr ? terr : jldepot_strerror(err), jldepot_errjson(err));
        free(terr);
        jl_depot_stack_free(s);
        free(dp);
        return JLDEPOT_EXIT_USAGE;
    }
    fo.source = jldepot_trust_source(trust, fo.url);
    fo.allow_unsigned = allow_unsigned || (fo.source && !fo.source->require_signatures);
    fo.redir = !strncasecmp(fo.url, "https://", 8) ? "https" : "http";
    if ((err = jldepot_trust_url_ok(fo.source, fo.url))) {
        fetch_error(err, fo.url, NULL,
                    "use https://, or allow plain http for this source in "
                    "config/jldepot/sources.toml (allow-http = true)");
        jldepot_trust_free(trust);
        jl_depot_stack_free(s);
        free(dp);
        return JLDEPOT_EXIT_REJECTED;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int unpacked = 0, curl_done = 0;
    char *burl = NULL;
    uint64_t limit = fo.max_size;
    EVP_MD_CTX *sha = NULL;
    jldepot_index_choice_t ch;
    memset(&ch, 0, sizeof(ch));
    part_t pt;
    memset(&pt, 0, sizeof(pt));
    pt.fd = pt.lockfd = pt.dfd = -1;
    if (via_index && !fo.allow_unsigned) {
        // the newest signed index version this depot has seen from this URL:
        // an older one is a replay (a stale mirror, or an attacker)
        char uh[65], *txt;
        size_t tl = 0;
        jldepot_sha256_mem(fo.url, strlen(fo.url), uh);
        if (asprintf(&fo.seen_path, "%s/.jldepot-index-%.16s.version",
                     jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED), uh) < 0)
            fo.seen_path = NULL;
        if (fo.seen_path && (txt = jldepot_read_small(fo.seen_path, 64, &tl))) {
            fo.seen_version = strtoull(txt, NULL, 10);
            free(txt);
        }
    }
    if (via_index) {
        err = from_index(&fo, &burl, &ch);
        if (err)
            goto out;
        if (ch.size > fo.max_size) { // refused before anything is downloaded
            err = JL_DEPOT_E_DOWNLOAD_TOO_LARGE;
            char *d = NULL;
            if (asprintf(&d, "the index gives %llu bytes, --max-size is %llu",
                         (unsigned long long)ch.size, (unsigned long long)fo.max_size) < 0)
                d = NULL;
            fetch_error(err, burl, d, "raise --max-size if a bundle this large is expected");
            free(d);
            goto out;
        }
        limit = ch.size;
        uo.expect_key = ch.key;
        if (!(sha = EVP_MD_CTX_new())) {
            err = JL_DEPOT_E_NOMEM;
            fetch_error(err, burl, NULL, NULL);
            goto out;
        }
    }
    else {
        if (!(burl = strdup(fo.url))) {
            err = JL_DEPOT_E_NOMEM;
            goto out;
        }
        if (fo.key && strlen(fo.key) == 64)
            uo.expect_key = fo.key;
    }
    // the bundle's signature before the bundle: nothing is downloaded into
    // the depot for a bundle that could not be accepted anyway
    if (!fo.allow_unsigned) {
        err = fetch_sig(&fo, burl, &sigbuf, &siglen);
        if (err)
            goto out;
        uo.sig_mem = sigbuf;
        uo.sig_len = siglen;
        uo.trust = fo.source;
    }
    uo.allow_unsigned = fo.allow_unsigned;
    err = part_begin(&pt, jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED), burl, fo.keep);
    if (err)
        goto out;
    if (pt.discarded && !uo.quiet)
        fprintf(stderr,
                "jldepot: fetch: %s: discarded %llu bytes left by an earlier fetch "
                "(--keep-partial resumes such a download instead)\n",
                pt.path, (unsigned long long)pt.discarded);
    err = download(&pt, burl, &fo, uo.quiet, limit, via_index, sha);
    if (err)
        goto out;
    // No fsync of the download: it is only the input of the unpack, which
    // makes its own files durable; a part damaged by a crash fails the
    // SHA-256 check below.
    if (via_index) {
        struct stat sb;
        if (fstat(pt.fd, &sb) != 0) {
            err = JL_DEPOT_E_IO;
            fetch_error(err, pt.path, strerror(errno), NULL);
            goto out;
        }
        if ((uint64_t)sb.st_size < ch.size) {
            err = JL_DEPOT_E_DOWNLOAD_TRUNCATED;
            char *d = NULL;
            if (asprintf(&d, "%llu of %llu bytes", (unsigned long long)sb.st_size,
                         (unsigned long long)ch.size) < 0)
                d = NULL;
            fetch_error(err, burl, d, NULL);
            free(d);
            goto out;
        }
        char hex[65], *d = NULL;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdl = 0;
        EVP_DigestFinal_ex(sha, md, &mdl);
        static const char hx[] = "0123456789abcdef";
        for (int i = 0; i < 32; i++) {
            hex[2 * i] = hx[md[i] >> 4];
            hex[2 * i + 1] = hx[md[i] & 15];
        }
        hex[64] = '\0';
        err = jldepot_file_check(ch.file, (uint64_t)sb.st_size, hex, ch.size, ch.sha256,
                                 "the index", &d);
        if (err)
            fetch_error(err, burl, d, NULL);
        free(d);
        if (err)
            goto out;
    }
    curl_global_cleanup(); // before the unpack forks
    curl_done = 1;
    err = jldepot_unpack_bundle(pt.path, s, 0, &uo);
    unpacked = 1;
    if (!err && fo.seen_path && fo.index_version > fo.seen_version) {
        char v[32];
        int n = snprintf(v, sizeof(v), "%llu\n", (unsigned long long)fo.index_version);
        // a record only: a failure to keep it loses no data
        jl_depot_write_atomic(fo.seen_path, v, (size_t)n, 0644);
    }
out:
    EVP_MD_CTX_free(sha);
    if (pt.fd >= 0) {
        if (err && fo.keep && is_resumable(err) && !unpacked) {
            if (!uo.quiet)
                fprintf(stderr,
                        "jldepot: fetch: partial download kept in %s; run the same fetch with "
                        "--keep-partial to resume it\n",
                        pt.path);
        }
        else
            part_remove(&pt);
    }
    part_end(&pt, err != JL_DEPOT_E_OK);
    if (!curl_done)
        curl_global_cleanup();
    free(ch.file);
    free(burl);
    free(sigbuf);
    free(fo.seen_path);
    jldepot_trust_free(trust);
    jl_depot_stack_free(s);
    free(dp);
    if (err == JL_DEPOT_E_OK)
        return JLDEPOT_EXIT_OK;
    return jldepot_is_system_error(err) ? JLDEPOT_EXIT_USAGE : JLDEPOT_EXIT_REJECTED;
}
