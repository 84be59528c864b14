// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacheverify_stamp.c: stamps and seals, the stat-only steady state of the
  loader checks (cacheverify.h).  Owns the on-disk format of
  `<slug>.stamp` and `<slug>.seal`, reading and validating one against a
  parsed cache, matching a file's stat against it, and writing one after a
  content check (atomically, and only into a writable depot).

  Format (little-endian; the one Julia's loader reads and writes, base/stamps.jl):
     0  8  magic "JLSTAMP2" (stamp) or "JLSEAL_2" (seal)
     8  4  flags: bit 0 a pkgimage record is present
    12  4  crc_ji of the cache the record was made for
    16  4  n, the number of files in the cache's dependency list (require
           keys are not files and have no record)
    20 32  the .ji's record
    52 32  the .so's record
    84 36n per file, in the list's order: u32 flags, 32-byte record
        4  crc32c of every byte before it
  A record is what Julia's `stat` reports: size (u64), mtime and ctime
  (f64, seconds + nanoseconds * 1e-9), inode and device (u32, low bits).
  Flag bit 0: a file record; bit 1: "racy", the file changed too close to
  the moment it was examined to trust its timestamps (git's racy-clean rule),
  so it is checked by content next time.  Records are matched by their
  position: the list is part of the .ji, whose checksum the record names.
  A stamp matches on size, mtime, ctime, inode and device; a seal on size
  and mtime only (it must survive chmod, cp -a, tar and read-only mounts).
  The .ji is the exception: Julia's loader touches it after every successful
  load (its recently-used order), so its timestamps say nothing.  It matches
  on size, inode and device (a seal: size) together with its own trailer
  checksum, crc_ji; Julia replaces a cache file by renaming a new one into
  place, never by writing it in place.  A record never stands for the .ji's
  bytes: the caller verifies crc_ji whatever the record says.

  Which record counts: a stamp describes this machine's files and is the
  stronger record.  When a stamp made for this cache (same crc_ji and
  dependency count, valid checksum) exists, it alone is used: if it does not
  match (for example, the depot was copied and the .ji has another inode),
  everything is checked by content and the seal is not consulted.  A seal is
  used only where no stamp for this cache exists; `jldepot seal` removes the
  stamps of the caches it seals, so that a sealed depot that is then copied
  or mounted read-only is checked by its seals.
  What a seal vouches for: that files with the recorded size and mtime had,
  when the seal was written, the content the cache records.  It is no
  stronger than the depot's permissions: whoever can write the cache can
  write its seal, so a seal is used only when its owner is the .ji's owner
  (or root) and it is writable by no one who cannot also write the .ji.  It
  does not detect a same-size edit whose mtime was restored on purpose.
*/

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cacheverify_int.h"
#include "crc32c.h"

#define STAMP_HEAD  20
#define STAMP_REC   32
#define STAMP_DEP   (4 + STAMP_REC)
#define STAMP_FIXED (STAMP_HEAD + 2 * STAMP_REC + 4)

#define DEP_PRESENT 0x1
#define DEP_RACY    0x2

// A file changed less than this before it was examined is racy.
#define RACY_NS 50000000LL

static const char stamp_magic[8] = {'J', 'L', 'S', 'T', 'A', 'M', 'P', '2'};
static const char seal_magic[8] = {'J', 'L', 'S', 'E', 'A', 'L', '_', '2'};

JL_DLLEXPORT const char *jl_verify_stamp_use_name(int use)
{
    static const char *const names[] = {"none", "used", "seal", "written"};
    return use >= 0 && use < 4 ? names[use] : "none";
}

JL_DLLEXPORT char *jl_cachefile_stamp_path(const char *jipath, int seal)
{
    size_t n = jipath ? strlen(jipath) : 0;
    if (n < 4 || strcmp(jipath + n - 3, ".ji") != 0)
        return NULL;
    const char *ext = seal ? ".seal" : ".stamp";
    char *p = (char *)malloc(n - 3 + strlen(ext) + 1);
    if (!p)
        return NULL;
    memcpy(p, jipath, n - 3);
    strcpy(p + n - 3, ext);
    return p;
}

void jl_verify_fstat_set_(jl_verify_fstat_t *o, const struct stat *st)
{
    o->size = (uint64_t)st->st_size;
    o->ino = (uint64_t)st->st_ino;
    o->dev = (uint64_t)st->st_dev;
    o->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    o->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
    o->ctime_sec = (int64_t)st->st_ctim.tv_sec;
    o->ctime_nsec = (uint32_t)st->st_ctim.tv_nsec;
}

int64_t jl_verify_now_ns_(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// ---- encoding ----------------------------------------------------------------------

static void put32(uint8_t *p, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static void put64(uint8_t *p, uint64_t x)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

// A record as Julia's `stat` reports the file (base/stat.jl, jl_stat_mtime).
static void put_rec(uint8_t *p, const jl_verify_fstat_t *s)
{
    double m = (double)s->mtime_sec + (double)s->mtime_nsec * 1e-9;
    double c = (double)s->ctime_sec + (double)s->ctime_nsec * 1e-9;
    uint64_t mb, cb;
    memcpy(&mb, &m, 8);
    memcpy(&cb, &c, 8);
    put64(p, s->size);
    put64(p + 8, mb);
    put64(p + 16, cb);
    put32(p + 24, (uint32_t)s->ino);
    put32(p + 28, (uint32_t)s->dev);
}

static int racy(const jl_verify_fstat_t *s, int64_t seen_ns, int seal)
{
    int64_t m = s->mtime_sec * 1000000000LL + s->mtime_nsec;
    int64_t c = s->ctime_sec * 1000000000LL + s->ctime_nsec;
    int64_t t = seal || c < m ? m : c;
    return seen_ns - t < RACY_NS;
}

// The .ji's record: no timestamps (see the top of this file); crc_ji is
// compared with the header's when the record is read.
static int ji_match(const uint8_t *rec, const jl_verify_fstat_t *now, int seal)
{
    uint8_t n[STAMP_REC];
    put_rec(n, now);
    return memcmp(rec, n, 8) == 0 && (seal || memcmp(rec + 24, n + 24, 8) == 0);
}

int jl_verify_fstat_match_(const uint8_t *rec, const jl_verify_fstat_t *now, int seal)
{
    uint8_t n[STAMP_REC];
    put_rec(n, now);
    return memcmp(rec, n, seal ? 16 : STAMP_REC) == 0;
}

// ---- reading -----------------------------------------------------------------------

void jl_verify_stamp_free_(jl_verify_stamp_t *s)
{
    if (s) {
        free(s->buf);
        free(s->index);
        free(s);
    }
}

// A seal may be written only by those who may write the .ji (see the top of
// this file).
static int seal_trusted(const struct stat *seal, const struct stat *ji)
{
    if (seal->st_uid != ji->st_uid && seal->st_uid != 0)
        return 0;
    if ((seal->st_mode & S_IWGRP) && !(ji->st_mode & S_IWGRP))
        return 0;
    return !(seal->st_mode & S_IWOTH) || (ji->st_mode & S_IWOTH);
}

// Read and validate one stamp or seal file; NULL when absent or invalid
// (*rejected set when a file was there).
static jl_verify_stamp_t *load_one(const char *path, int seal, const jl_cachefile_t *cf,
                                   const struct stat *jist, int *rejected)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return NULL;
    size_t nfiles = 0;
    for (size_t i = 0; i < cf->ndeps; i++)
        nfiles += cf->deps[i].kind != JL_CACHE_DEP_REQUIRE;
    size_t want = STAMP_FIXED + STAMP_DEP * nfiles;
    struct stat st;
    jl_verify_stamp_t *s = NULL;
    uint8_t *b = NULL;
    *rejected = 1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != want ||
        cf->ndeps > 0xFFFFFFFFu || (seal && (!jist || !seal_trusted(&st, jist))))
        goto out;
    if ((b = (uint8_t *)malloc(want)) == NULL)
        goto out;
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(fd, b + got, want - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            goto out;
        got += (size_t)k;
    }
    if (memcmp(b, seal ? seal_magic : stamp_magic, 8) != 0 || get32(b + 12) != cf->crc_ji ||
        get32(b + 16) != (uint32_t)nfiles ||
        get32(b + want - 4) != jl_crc32c(0, (const char *)b, want - 4))
        goto out;
    if ((s = (jl_verify_stamp_t *)calloc(1, sizeof(*s))) == NULL)
        goto out;
    // the record of dependency i: files are numbered without the require keys
    if ((s->index = (size_t *)malloc((cf->ndeps ? cf->ndeps : 1) * sizeof(size_t))) == NULL) {
        free(s);
        s = NULL;
        goto out;
    }
    for (size_t i = 0, k = 0; i < cf->ndeps; i++)
        s->index[i] = cf->deps[i].kind == JL_CACHE_DEP_REQUIRE ? nfiles : k++;
    s->seal = seal;
    s->has_so = (get32(b + 8) & 1) != 0;
    s->ji = b + STAMP_HEAD;
    s->so = b + STAMP_HEAD + STAMP_REC;
    s->ndeps = cf->ndeps;
    s->nfiles = nfiles;
    s->buf = b;
    b = NULL;
    *rejected = 0;
out:
    free(b);
    close(fd);
    return s;
}

jl_verify_stamp_t *jl_verify_stamp_load_(const char *jipath, const jl_cachefile_t *cf,
                                         const jl_verify_fstat_t *ji_now, int *rejected)
{
    *rejected = 0;
    struct stat jist;
    int have_jist = stat(jipath, &jist) == 0;
    for (int seal = 0; seal <= 1; seal++) {
        char *p = jl_cachefile_stamp_path(jipath, seal);
        if (!p)
            return NULL;
        int rej = 0;
        jl_verify_stamp_t *s = load_one(p, seal, cf, have_jist ? &jist : NULL, &rej);
        free(p);
        if (s && !ji_match(s->ji, ji_now, seal)) {
            jl_verify_stamp_free_(s);
            // a stamp for this cache made for another copy of it: never
            // fall back to the weaker seal
            *rejected = 1;
            return NULL;
        }
        if (s)
            return s;
        *rejected |= rej;
    }
    return NULL;
}

int jl_verify_stamp_dep_(const jl_verify_stamp_t *s, size_t i, const jl_verify_dep_t *d)
{
    if (!s || i >= s->ndeps || !d->have_st || !d->resolved)
        return 0;
    size_t k = s->index[i];
    if (k >= s->nfiles)
        return 0;
    const uint8_t *p = s->buf + STAMP_HEAD + 2 * STAMP_REC + STAMP_DEP * k;
    return get32(p) == DEP_PRESENT && jl_verify_fstat_match_(p + 4, &d->st, s->seal);
}

// ---- writing -----------------------------------------------------------------------

// Whether the directory of `path` may be written: never try a read-only one.
static int dir_writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return 0;
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = jl_verify_strndup_(path, n);
    if (!dir)
        return 0;
    // access() answers for the user (EROFS for a read-only mount); a
    // directory nobody may write is read-only even for root, who could
    struct stat st;
    int ok = access(dir, W_OK) == 0 && stat(dir, &st) == 0 && (st.st_mode & 0222) != 0;
    free(dir);
    return ok;
}

int jl_verify_stamp_write_(const char *jipath, const jl_cachefile_t *cf,
                           const jl_verify_result_t *r, const jl_verify_fstat_t *ji,
                           const jl_verify_fstat_t *so, int64_t seen_ns, int seal, int *written)
{
    *written = 0;
    if (cf->ndeps != r->ndeps || cf->ndeps > 0xFFFFFFFFu)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    // the .so must be steady, or nothing is worth recording (the .ji is
    // known by its inode and checksum, not by its timestamps)
    if (so && racy(so, seen_ns, seal))
        return JL_DEPOT_E_OK;
    char *path = jl_cachefile_stamp_path(jipath, seal);
    if (!path)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    if (!dir_writable(path)) {
        free(path);
        return JL_DEPOT_E_READ_ONLY;
    }
    size_t nfiles = 0;
    for (size_t i = 0; i < r->ndeps; i++)
        nfiles += r->deps[i].kind != JL_CACHE_DEP_REQUIRE;
    size_t len = STAMP_FIXED + STAMP_DEP * nfiles;
    uint8_t *b = (uint8_t *)calloc(1, len);
    if (!b) {
        free(path);
        return JL_DEPOT_E_NOMEM;
    }
    memcpy(b, seal ? seal_magic : stamp_magic, 8);
    put32(b + 8, so ? 1 : 0);
    put32(b + 12, cf->crc_ji);
    put32(b + 16, (uint32_t)nfiles);
    put_rec(b + STAMP_HEAD, ji);
    if (so)
        put_rec(b + STAMP_HEAD + STAMP_REC, so);
    uint8_t *p = b + STAMP_HEAD + 2 * STAMP_REC - STAMP_DEP;
    for (size_t i = 0; i < r->ndeps; i++) {
        const jl_verify_dep_t *d = &r->deps[i];
        if (d->kind == JL_CACHE_DEP_REQUIRE)
            continue;
        p += STAMP_DEP;
        if (!d->have_st || !d->resolved)
            continue;
        if (d->verdict != JL_VERIFY_DEP_FRESH && d->verdict != JL_VERIFY_DEP_MTIME_OK)
            continue;
        uint32_t flags = DEP_PRESENT;
        if (racy(&d->st, seen_ns, seal))
            flags |= DEP_RACY;
        put32(p, flags);
        put_rec(p + 4, &d->st);
    }
    put32(b + len - 4, jl_crc32c(0, (const char *)b, len - 4));
    // a stamp only caches a verdict and is checked when read: atomic, not durable
    int err = jl_depot_write_atomic_flags(path, b, len, 0644, JL_DEPOT_WRITE_NOSYNC);
    *written = err == JL_DEPOT_E_OK;
    free(b);
    free(path);
    if (seal && *written) {
        // the stamp describes this machine's copy only and would overrule the
        // seal wherever the depot goes next
        char *stamp = jl_cachefile_stamp_path(jipath, 0);
        if (stamp && unlink(stamp) != 0 && errno != ENOENT)
            err = JL_DEPOT_E_IO;
        free(stamp);
    }
    return err;
}
