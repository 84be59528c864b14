// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  cachefile.h: the precompile cache-file codec.  Reads and writes the `.ji`
  header of the three layouts (L10: Julia 1.10, R12: 1.11-1.13, M13: master),
  the image-blob header inside a pkgimage, and checks a `.ji` against itself
  (crc_ji, data checksum) and against its pkgimage (crc_so, checksum word,
  required modules).

  Parsing is zero-copy: every name is a (pointer, length) pair into the parsed
  buffer (names may hold any byte, NUL included).  Every length read from the
  file is checked against the bytes that remain before it is used, and no
  allocation is sized by a length read from the file: lists grow one entry at
  a time, so their size is bounded by the input.

  Every function returns a JL_DEPOT_E_* code (depot_errors.h) unless noted.
*/

#ifndef JL_DEPOT_CACHEFILE_H
#define JL_DEPOT_CACHEFILE_H

#include <string.h>

#include "depot_support.h"
#include "jldepot_errors.h"

typedef enum {
    JL_CACHE_LAYOUT_UNKNOWN = 0,
    JL_CACHE_LAYOUT_L10, // Julia 1.10: format 12, mtime-only dependency entries
    JL_CACHE_LAYOUT_R12, // Julia 1.11-1.13: format 12, fsize + crc32c per entry
    JL_CACHE_LAYOUT_M13, // master: format 13, syntax byte after the flags
} jl_cache_layout_t;

// How the layout was decided (spec section 11).
typedef enum {
    JL_CACHE_DETECT_NONE = 0,
    JL_CACHE_DETECT_FORMAT_VERSION, // the format version alone (13)
    JL_CACHE_DETECT_VERSION_STRING, // format 12 + the Julia version string
    JL_CACHE_DETECT_TRIAL,          // the version string was ambiguous; one trial parse landed on S
    JL_CACHE_DETECT_FORCED,         // the caller named the layout
} jl_cache_detect_t;

// The preferences section.
typedef enum {
    JL_CACHE_PREFS_HASH = 0, // names list + u64 hash (L10, R12, M13 before 1.14.0-DEV.1854)
    JL_CACHE_PREFS_BLOB = 1, // one TOML text (M13 from 1.14.0-DEV.1854)
} jl_cache_prefs_form_t;

typedef enum {
    JL_CACHE_DEP_INCLUDE = 0,        // an include()d source (its name is in the source text)
    JL_CACHE_DEP_INCLUDE_DEPENDENCY, // include_dependency (or an include whose text is absent)
    JL_CACHE_DEP_REQUIRE,            // a require key: NUL + 16-byte UUID + name
} jl_cache_dep_kind_t;

typedef struct {
    const char *ptr; // not NUL-terminated; may contain NUL
    size_t len;
} jl_cache_str_t;

typedef struct {
    uint64_t hi, lo;
} jl_cache_u128_t;

typedef struct {
    jl_cache_str_t name;
    jl_cache_u128_t uuid;
    uint64_t build_id_lo; // the full build id is checksum << 64 | build_id_lo
} jl_cache_worklist_t;

typedef struct {
    jl_cache_str_t path; // the stored bytes (tokenized form, absolute path or require key)
    int kind;            // jl_cache_dep_kind_t
    uint64_t fsize;      // R12/M13 only (0 in L10)
    uint32_t hash;       // crc32c; R12/M13 only
    double mtime;        // -1.0: content tracked (R12+)
    int32_t provides;    // 0, or the 1-based index into the worklist
    size_t modpath_first, modpath_count; // into jl_cachefile_t.modpath
    // require keys only:
    jl_cache_u128_t req_uuid; // from the 16 little-endian bytes after the NUL
    jl_cache_str_t req_name;
} jl_cache_dep_t;

typedef struct {
    jl_cache_str_t name;
    jl_cache_u128_t uuid;
    jl_cache_u128_t build_id;
} jl_cache_reqmod_t;

typedef struct {
    jl_cache_str_t name;
    uint64_t offset; // absolute offset of the text in the file
    uint64_t len;
    const uint8_t *text; // NULL after a header-only read
} jl_cache_srctext_t;

// One decoded clone target (the inner layout of the clone-target bytes).
typedef struct {
    uint32_t flags;
    int32_t base;        // M13 inner layout only; -1 otherwise
    uint32_t nwords;     // features_en / features_dis word count
    unsigned word_size;  // 4 (L10/R12 inner layout) or 8 (M13)
    const uint8_t *en;   // nwords * word_size bytes, little-endian words
    const uint8_t *dis;  // likewise
    jl_cache_str_t name; // e.g. "znver4", "generic"
    jl_cache_str_t ext_features;
} jl_cache_target_t;

// The decoded cache-flags byte (layout OOICCDDP).
typedef struct {
    int use_pkgimages, debug_level, check_bounds, inline_, opt_level;
} jl_cache_flags_t;

typedef struct jl_cachefile_t {
    // the bytes parsed; `buf` is owned when `owned` is set
    const uint8_t *buf;
    size_t len;       // bytes in buf
    size_t file_size; // size of the whole file (len, unless header_only)
    int owned;
    int header_only; // data and source text were not read (only the names)

    // fixed prefix (spec 3)
    uint16_t format_version;
    uint8_t pointer_size;
    jl_cache_str_t build_os, build_arch, julia_version, git_branch, git_commit;
    uint8_t pkgimage;
    size_t checksum_pos; // offset of the checksum word
    uint64_t checksum;   // 0xFAFBFCFD << 32 | crc32c(data)
    uint64_t datastartpos, dataendpos;

    // layout and how it was decided
    int layout;       // jl_cache_layout_t
    int detected_by;  // jl_cache_detect_t
    int prefs_form;   // jl_cache_prefs_form_t
    char reason[160]; // human-readable: why this layout

    uint8_t flags;
    int has_syntax; // M13
    uint8_t syntax_version;

    jl_cache_worklist_t *worklist;
    size_t nworklist;

    size_t depblock_pos; // offset of S
    uint64_t depblock_size;
    jl_cache_dep_t *deps;
    size_t ndeps;
    jl_cache_str_t *modpath; // all module-path components, referenced by deps
    size_t nmodpath;

    jl_cache_str_t *pref_names; // JL_CACHE_PREFS_HASH
    size_t npref_names;
    uint64_t prefs_hash;
    jl_cache_str_t prefs_blob; // JL_CACHE_PREFS_BLOB

    size_t srctextpos_pos; // offset of the srctextpos field
    uint64_t srctextpos;

    jl_cache_reqmod_t *reqmods;
    size_t nreqmods;

    size_t clone_pos;             // offset of the i32 length
    const uint8_t *clone_targets; // the raw bytes (copied unchanged by the writer)
    size_t clone_len;             // 0: no pkgimage (non-split file)
    jl_cache_target_t *targets;   // decoded
    size_t ntargets;
    unsigned target_word_size; // 4 or 8: which inner layout decoded
    size_t header_end;         // end of the clone targets

    // non-split files: alignment reproducing the padding before the data
    unsigned data_align;
    const uint8_t *data; // [datastartpos, dataendpos); NULL when split or header-only
    size_t data_len;

    jl_cache_srctext_t *srctext;
    size_t nsrctext;
    size_t srctext_end; // offset just after the `i32 0` that ends the source text

    uint32_t crc_so, crc_ji; // the trailer

    // private
    void *arena_; // owned name bytes of a header-only read
} jl_cachefile_t;

// Parse flags.
#define JL_CACHEFILE_COPY 0x1 // copy `buf` (otherwise it must outlive the result)
// A layout passed with JL_CACHEFILE_LAYOUT(l) skips detection (used by tests).
#define JL_CACHEFILE_LAYOUT(l) ((unsigned)(l) << 8)

// The largest cache file read from disk (1 GiB of header+data).
#define JL_CACHEFILE_MAX_SIZE ((uint64_t)1 << 30)

// Parse a whole `.ji` in memory.  On success *out is a new parsed file (free
// with jl_cachefile_free); on error *out is NULL.
JL_DLLEXPORT int jl_cachefile_parse(const uint8_t *buf, size_t len, unsigned flags,
                                    jl_cachefile_t **out) JL_NOTSAFEPOINT;
// Read and parse a whole `.ji` (needed for crc_ji checks and for writing).
JL_DLLEXPORT int jl_cachefile_read(const char *path, unsigned flags,
                                   jl_cachefile_t **out) JL_NOTSAFEPOINT;
// Read only the header of a `.ji`: everything up to the end of the clone
// targets, then the source-text names and lengths (not the texts) and the
// trailer.  The data section and the texts are skipped with seeks.
JL_DLLEXPORT int jl_cachefile_read_header(const char *path, unsigned flags,
                                          jl_cachefile_t **out) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_cachefile_free(jl_cachefile_t *cf) JL_NOTSAFEPOINT;

JL_DLLEXPORT const char *jl_cache_layout_name(int layout) JL_NOTSAFEPOINT;   // "R12"
JL_DLLEXPORT const char *jl_cache_detect_name(int detected) JL_NOTSAFEPOINT; // "trial_parse"
JL_DLLEXPORT const char *jl_cache_dep_kind_name(int kind) JL_NOTSAFEPOINT;   // "include"
JL_DLLEXPORT jl_cache_flags_t jl_cache_flags_decode(uint8_t flags) JL_NOTSAFEPOINT;
// The module's full build id: checksum << 64 | worklist[0].build_id_lo.
JL_DLLEXPORT jl_cache_u128_t jl_cachefile_build_id(const jl_cachefile_t *cf) JL_NOTSAFEPOINT;
// The 36-character UUID text (plus NUL) of `u`.
JL_DLLEXPORT void jl_cache_uuid_format(jl_cache_u128_t u, char out[37]) JL_NOTSAFEPOINT;

// ---- the image blob inside a pkgimage --------------------------------------

typedef struct {
    uint16_t format_version;
    uint8_t pointer_size;
    jl_cache_str_t build_os, build_arch, julia_version, git_branch, git_commit;
    uint8_t pkgimage;
    uint64_t checksum, datastartpos, dataendpos;
    uint8_t flags;
    int has_syntax;
    uint8_t syntax_version;
    jl_cache_reqmod_t *reqmods;
    size_t nreqmods;
    size_t header_end; // end of the required-modules list
} jl_cache_blob_t;

// Parse the header of an image blob.  `has_syntax`: the blob of an M13 cache
// carries the syntax byte (decided from the format version when -1).
JL_DLLEXPORT int jl_cache_blob_parse(const uint8_t *buf, size_t len, int has_syntax,
                                     jl_cache_blob_t *out) JL_NOTSAFEPOINT;
JL_DLLEXPORT void jl_cache_blob_free(jl_cache_blob_t *b) JL_NOTSAFEPOINT;

// ---- checks ------------------------------------------------------------------

// Check flags.
#define JL_CACHEFILE_CHECK_NO_SO 0x1 // skip every pkgimage check

// What the checks found (filled as far as they got).
typedef struct {
    int crc_ji_ok; // 1 valid, 0 invalid, -1 not checked
    uint32_t crc_ji_computed;
    int data_crc_ok;  // non-split files: crc32c(data) == low32(checksum); -1 n/a
    int has_pkgimage; // clone targets non-empty: a pkgimage is expected
    int so_checked;   // the pkgimage was opened and checked
    uint32_t crc_so_computed;
    int so_error; // first pkgimage error (JL_DEPOT_E_OK when fine)
} jl_cache_check_t;

// The pkgimage path of `jipath`: `.ji` replaced by `.so` (malloc'ed; NULL
// when the name does not end in `.ji`).
JL_DLLEXPORT char *jl_cachefile_so_path(const char *jipath) JL_NOTSAFEPOINT;

// Check a parsed `.ji` as Julia does, in Julia's order: the pkgimage exists
// (when clone targets are non-empty), crc_ji, the data checksum (non-split),
// crc_so, then the pkgimage blob (pkgimage byte 1, same prefix and flags,
// same required modules, data bounds, checksum word).  `jipath` is the file
// the cache was read from; when `cf` is a header-only read, crc_ji is
// computed by streaming the file.  Returns the first failure.
JL_DLLEXPORT int jl_cachefile_check(const jl_cachefile_t *cf, const char *jipath, unsigned flags,
                                    jl_cache_check_t *res) JL_NOTSAFEPOINT;
// Check a pkgimage held in memory against `cf` (crc_so and the blob).
JL_DLLEXPORT int jl_cachefile_check_pkgimage_mem(const jl_cachefile_t *cf, const uint8_t *so,
                                                 size_t so_len,
                                                 jl_cache_check_t *res) JL_NOTSAFEPOINT;

// ---- writing -----------------------------------------------------------------

// Serialize `cf` in its layout (cf->layout, cf->prefs_form, cf->has_syntax):
// every length, S, srctextpos, the padding before the data of a non-split
// file (to cf->data_align, or `align` when non-zero), datastartpos and
// dataendpos of a non-split file, and the trailer: crc_so as stored in
// cf->crc_so, crc_ji computed last.  The checksum word, build ids and every
// opaque field are written as they are.  `cf` must hold the data and the
// source texts (not a header-only read).  *out is malloc'ed.
JL_DLLEXPORT int jl_cachefile_write(const jl_cachefile_t *cf, unsigned align, uint8_t **out,
                                    size_t *outlen) JL_NOTSAFEPOINT;

// The name mapper of a header rewrite.  Called once per distinct name (a
// dependency path that is not a require key, or a source-text name); sets
// *newname (malloc'ed, owned by the caller of the mapper) or leaves it NULL
// to keep the name.  Returns a JL_DEPOT_E_* code; a failure stops the rewrite.
typedef int (*jl_cache_name_mapper_t)(void *ctx, const char *name, size_t len, char **newname,
                                      size_t *newlen);

// Rewrite the dependency names and the source-text names through ONE mapper
// (so both lists stay in the same form), then write the file: the checksum
// word, build ids and data bytes are unchanged, so dependants stay valid.
JL_DLLEXPORT int jl_cachefile_rewrite_names(const jl_cachefile_t *cf, jl_cache_name_mapper_t map,
                                            void *ctx, uint8_t **out,
                                            size_t *outlen) JL_NOTSAFEPOINT;

// The hash of a name, shared by the reader's and the writer's name sets (and
// the debug-info mapper of codegen, so it is inline: no symbol crosses from
// libjulia-internal to libjulia-codegen).  A word at a time (names are long
// and alike), then a final mix.
static inline uint64_t jl_cache_name_hash(const char *p, size_t n) JL_NOTSAFEPOINT
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 32;
    return h;
}

#endif // JL_DEPOT_CACHEFILE_H
