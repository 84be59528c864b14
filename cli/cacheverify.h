// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cacheverify.h: the loader checks.  Decides, without loading anything,
  whether Julia's loader would accept a precompile cache file, in Julia's
  order (stale_cachefile, spec section 12), and whether the cache is
  relocatable.  One verdict per cache: fresh, or the FIRST rejection with its
  reason code (depot_errors.h, section "loader checks") and a Julia-style
  reason text that completes "Rejecting cache file <path> because <reason>".

  The order of the checks:
    1. the fixed prefix against the target Julia: version string, git commit
       (and branch when given), OS, arch, pointer size (and the format
       version when the target came from a cache file);
    2. the worklist is non-empty (a parse error) and the flags match (spec 8:
       the L10 and 1.11 one-argument rules, the 1.12+/M13 two-argument rules);
    3. clone targets non-empty: the pkgimage (.so) exists;
    4. the first worklist module is the package the cache is stored for (its
       directory name under compiled/vX.Y/), and has the expected UUID;
    5. each required package module is provided, with its exact 128-bit build
       id, by a fresh cache in a depot (containing depot first, then the
       stack); modules with no UUID and modules without any cache in any depot
       (stdlibs) are assumed to come from the sysimage;
    6. every dependency (dependency list order): tokens resolved against the
       containing depot first, then DEPOT_PATH order, include() sources all
       into one depot; content-tracked entries by size then CRC-32C,
       mtime-tracked entries by mtime with upstream's tolerances;
    7. crc_ji, then crc_so and the pkgimage blob.

  Plain C structs, no callbacks: usable through ccall.  Runtime file: libc,
  libuv, utf8proc only.  Every function returns a JL_DEPOT_E_* code unless
  noted.
*/

#ifndef JL_DEPOT_CACHEVERIFY_H
#define JL_DEPOT_CACHEVERIFY_H

#include "depot_support.h"
#include "jldepot_errors.h"
#include "depotpath.h"
#include "cachefile.h"

// ---- the target Julia --------------------------------------------------------

typedef struct {
    // Prefix fields.  julia_version == NULL: take the whole target from the
    // first cache checked (jl_verify_result_t.target_from_cache says so).
    const char *julia_version;
    const char *julia_commit; // compared whenever julia_version is set ("" is a value)
    const char *julia_branch; // NULL: not compared
    const char *os;           // NULL: this machine's (uname sysname)
    const char *arch;         // NULL: this machine's (uname machine)
    int pointer_size;         // 0: sizeof(void*)
    int format_version;       // 0: not compared
    int flags;                // the requested cache-flags byte; -1: 0xA3 (default options)
    unsigned options;         // JL_VERIFY_*
} jl_verify_target_t;

// Options.
// IGNORE_PKGIMAGE: skip every pkgimage (.so) check (its presence, crc_so and
// the blob); the rest is checked as usual.
#define JL_VERIFY_IGNORE_PKGIMAGE 0x1
// NO_DEPS: do not check the dependency files (steps 6).
#define JL_VERIFY_NO_DEPS 0x2
// NO_STAMP: neither use nor write stamps and seals: every check reads every
// dependency and the whole .ji and .so (upstream's behaviour).
#define JL_VERIFY_NO_STAMP 0x4
// NO_STAMP_WRITE: use stamps and seals, never write one.
#define JL_VERIFY_NO_STAMP_WRITE 0x8

// Julia's flag matching (spec 8).  `layout` and `julia_version` are those of
// the cache file: L10, and R12 whose version string starts with "1.11", use
// the one-argument rules; other R12 and M13 the two-argument rules.
JL_DLLEXPORT int jl_verify_flags_match(int layout, const char *julia_version, size_t version_len,
                                       uint8_t requested, uint8_t actual) JL_NOTSAFEPOINT;

// Upstream's mtime comparison with its tolerances: equal, floor, ceil,
// truncation to 6 decimals, a current mtime of exactly 1.0 (Nix), a stored
// value up to 1 microsecond above the current one.  1 when unchanged.
JL_DLLEXPORT int jl_verify_mtime_matches(double stored, double current) JL_NOTSAFEPOINT;

// A file's mtime as Julia computes it: sec + nsec * 1e-9.
JL_DLLEXPORT double jl_verify_stat_mtime(int64_t sec, long nsec) JL_NOTSAFEPOINT;

// The CRC-32C Julia records for a directory: of its sorted entry names
// (without `.` and `..`), concatenated.
JL_DLLEXPORT int jl_verify_dir_crc(const char *path, uint32_t *crc) JL_NOTSAFEPOINT;

// ---- results -------------------------------------------------------------------

// Per-dependency verdicts.
typedef enum {
    JL_VERIFY_DEP_FRESH = 0,      // content (size + CRC-32C) unchanged
    JL_VERIFY_DEP_MTIME_OK,       // mtime-tracked, mtime unchanged (within tolerance)
    JL_VERIFY_DEP_SIZE_CHANGED,   // content-tracked, size differs
    JL_VERIFY_DEP_HASH_CHANGED,   // content-tracked, same size, CRC-32C differs
    JL_VERIFY_DEP_MTIME_CHANGED,  // mtime-tracked, mtime differs
    JL_VERIFY_DEP_MISSING,        // the resolved file does not exist
    JL_VERIFY_DEP_UNRESOLVED,     // a token that resolves in no depot
    JL_VERIFY_DEP_DEPOT_CONFLICT, // an include() source in another depot than the others
    JL_VERIFY_DEP_REQUIRE,        // a require key (name + uuid): reported, not checked
    JL_VERIFY_DEP_UNREADABLE,     // the file exists but could not be read
    JL_VERIFY_DEP_NOT_CHECKED,    // JL_VERIFY_NO_DEPS
    JL_VERIFY_DEP_SPECIAL,        // a FIFO, socket or device: never read
} jl_verify_dep_verdict_t;

// What a stamp records of a file (and what the checks saw of it).
typedef struct {
    uint64_t size, ino, dev;
    int64_t mtime_sec, ctime_sec;
    uint32_t mtime_nsec, ctime_nsec;
} jl_verify_fstat_t;

typedef struct {
    int kind;          // jl_cache_dep_kind_t
    int verdict;       // jl_verify_dep_verdict_t
    char *stored;      // as stored (token form or absolute path); "Name [uuid]" for a require key
    char *resolved;    // the file checked (NULL for a require key or when unresolvable)
    long depot;        // the depot it resolved into; -1 (absolute path, unresolved)
    int tokenized;     // stored in token form
    int outside;       // an absolute path outside every depot on DEPOT_PATH
    int mtime_tracked; // mtime >= 0 (every L10 entry)
    uint64_t fsize, fsize_now;
    uint32_t hash, hash_now;
    double mtime, mtime_now;
    jl_cache_u128_t req_uuid; // require keys
    int have_st;              // st holds the file's stat, taken before its content was read
    int by_stamp;             // judged fresh from the stamp or seal, no byte read
    jl_verify_fstat_t st;
} jl_verify_dep_t;

// Required-module verdicts.
typedef enum {
    JL_VERIFY_MOD_SYSIMAGE = 0, // no UUID, or no cache in any depot: assumed from the sysimage
    JL_VERIFY_MOD_FOUND,        // a fresh cache with the exact build id
    JL_VERIFY_MOD_STALE,        // caches with the exact build id exist, none is fresh
    JL_VERIFY_MOD_MISSING,      // caches exist (or the package's sources), none with that build id
    JL_VERIFY_MOD_NOT_CHECKED,  // an earlier check rejected the cache
} jl_verify_mod_verdict_t;

typedef struct {
    char *name;
    jl_cache_u128_t uuid, build_id;
    int verdict; // jl_verify_mod_verdict_t
    char *cache; // the cache file that provides it (FOUND), or the stale one (STALE)
} jl_verify_mod_t;

// One reason why a cache is not relocatable.
typedef struct {
    int code; // NOT_RELOCATABLE, ABSOLUTE_PATH, MTIME_TRACKED, UNRESOLVED_TOKEN, INCLUDE_DEPOTS_DIFFER, ...
    char *path; // the dependency it is about (may be NULL)
    char *text; // "<message>: <path>"
} jl_verify_reloc_t;

typedef struct {
    char *path;    // the cache file, absolute
    int status;    // JL_DEPOT_E_OK (fresh) or the first rejection
    int stale;     // the rejection came from the dependency checks ("Rejecting stale cache file")
    char *reason;  // completes "Rejecting cache file <path> because "; NULL when fresh
    char *pkgname; // the package the cache is stored for (from its path); may be NULL
    long depot;    // the containing depot; -1 when the cache lies outside every depot
    int layout;    // jl_cache_layout_t (UNKNOWN when the file could not be parsed)
    int target_from_cache; // the target was taken from this cache (no target given)
    int relocatable;       // 1: every include() tokenized and resolving, every
                           // include_dependency tokenized and content-tracked
    jl_verify_reloc_t *reloc;
    size_t nreloc;
    jl_verify_dep_t *deps;
    size_t ndeps;
    jl_verify_mod_t *mods;
    size_t nmods;
    jl_cache_check_t check; // what the crc_ji / pkgimage checks found
    int stamp;              // jl_verify_stamp_use_t
    int stamp_rejected;     // a stamp or seal was there but did not match (full check made)
} jl_verify_result_t;

// How a check used stamps and seals (jl_verify_result_t.stamp).
typedef enum {
    JL_VERIFY_STAMP_NONE = 0, // content checked, nothing written (read-only, disabled, rejected)
    JL_VERIFY_STAMP_USED,     // the stamp matched: stat-only, no source or cache byte read
    JL_VERIFY_STAMP_SEAL,     // the seal matched: the same
    JL_VERIFY_STAMP_WRITTEN,  // content checked (what no stamp covered), then a stamp written
} jl_verify_stamp_use_t;

// ---- the checks ------------------------------------------------------------------

typedef struct jl_cacheverify_t jl_cacheverify_t;

// A verifier over `stack` (borrowed: it must outlive the verifier) for the
// target `t` (copied).  Verdicts of caches checked as dependencies are
// memoized in the verifier.
JL_DLLEXPORT int jl_cacheverify_new(jl_depot_stack_t *stack, const jl_verify_target_t *t,
                                    jl_cacheverify_t **out) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_cacheverify_free(jl_cacheverify_t *v) JL_NOTSAFEPOINT;
// The target in use (after the first check when it was taken from a cache);
// strings are owned by the verifier.
JL_DLLEXPORT const jl_verify_target_t *
jl_cacheverify_target(const jl_cacheverify_t *v) JL_NOTSAFEPOINT;
// Where the target came from: NULL (given by the caller) or the cache file.
JL_DLLEXPORT const char *jl_cacheverify_target_source(const jl_cacheverify_t *v) JL_NOTSAFEPOINT;

// Check the cache file at `path` (absolute, or relative to the working
// directory).  Returns JL_DEPOT_E_OK with *out set (free it with
// jl_verify_result_free) whatever the verdict; (*out)->status holds the
// verdict.  A file that cannot be opened gives status NOT_FOUND or IO, one
// that cannot be parsed the codec's code.  Other return values: NOMEM,
// INVALID_ARGUMENT.
JL_DLLEXPORT int jl_cacheverify_file(jl_cacheverify_t *v, const char *path,
                                     jl_verify_result_t **out) JL_NOTSAFEPOINT;
// The same, for the package `name` (NULL: the cache's directory name under
// compiled/vX.Y/) with the UUID `uuid` (NULL: not checked).
JL_DLLEXPORT int jl_cacheverify_file_pkg(jl_cacheverify_t *v, const char *path, const char *name,
                                         const jl_cache_u128_t *uuid,
                                         jl_verify_result_t **out) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_verify_result_free(jl_verify_result_t *r) JL_NOTSAFEPOINT;

// Step 6 alone, on a parsed cache: fills r->deps, r->reloc, r->relocatable,
// and returns the first dependency rejection (JL_DEPOT_E_OK when every
// dependency is fresh), with its text in r->reason.  `containing` is the
// index of the depot holding the cache, or -1.
JL_DLLEXPORT int jl_cacheverify_deps(jl_cacheverify_t *v, const jl_cachefile_t *cf, long containing,
                                     jl_verify_result_t *r) JL_NOTSAFEPOINT;

// ---- stamps and seals --------------------------------------------------------------
//
// A stamp `<slug>.stamp` next to `<slug>.ji` records, after a check found the
// cache fresh by its content, the stat of the .ji, the .so and every
// dependency (size, mtime, ctime, inode, device), tied to the cache's crc_ji.
// It is written atomically, only into a writable depot.  A later check whose
// stats all match reads no source byte and does not re-read the .ji and .so.
// A seal `<slug>.seal` (jl_cacheverify_seal_file, on request or after unpacking)
// records size and mtime only, so it survives chmod, cp -a, tar and a
// read-only mount.  Either is only an optimisation: a missing, stale,
// truncated or damaged one means a full check.

// Check `path` by its content (stamps and seals ignored) and, when it is
// fresh, write its seal.  Returns what jl_cacheverify_file returns; when the
// cache is fresh but the seal cannot be written, (*out)->status stays OK and
// the return value is READ_ONLY, NO_SPACE or IO.
JL_DLLEXPORT int jl_cacheverify_seal_file(jl_cacheverify_t *v, const char *path,
                                          jl_verify_result_t **out) JL_NOTSAFEPOINT;
// "none", "used", "seal", "written".
JL_DLLEXPORT const char *jl_verify_stamp_use_name(int use) JL_NOTSAFEPOINT;
// The stamp and seal paths of a cache file (malloc'ed; NULL when `jipath`
// does not end in `.ji`).
JL_DLLEXPORT char *jl_cachefile_stamp_path(const char *jipath, int seal) JL_NOTSAFEPOINT;

// Names of the verdicts ("fresh", "size_changed", ...; "sysimage", "found", ...).
JL_DLLEXPORT const char *jl_verify_dep_verdict_name(int verdict) JL_NOTSAFEPOINT;
JL_DLLEXPORT const char *jl_verify_mod_verdict_name(int verdict) JL_NOTSAFEPOINT;

// Julia's `repr` of a Float64 ("1.7955697696832032e9", "-1.0", "100000.0").
JL_DLLEXPORT void jl_verify_float_repr(double x, char out[32]) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_CACHEVERIFY_H
