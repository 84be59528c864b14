// This file is a part of the jldepot project. License is MIT.

/*
  jldepot_errors.h: the error and rejection-reason codes of the tool and its
  codec.  They continue the runtime's table (src/depot_errors.h): one
  numbering, one name space (JL_DEPOT_E_<NAME>), the same three columns, the
  same rule (rows are only ever appended within their section; names never
  change).  A message completes a command's "<command>: <input>: <message>"
  and the verifier's "Rejecting cache file <path> because <message>".
*/

#ifndef JLDEPOT_ERRORS_H
#define JLDEPOT_ERRORS_H

#include "depot_errors.h"

#define JLDEPOT_ERRORS(XX) \
    /* general */ \
    XX(NOT_FOUND, "not_found", "the file does not exist") \
    XX(READ_ONLY, "read_only", "the location is read-only") \
    XX(NO_SPACE, "no_space", "the file system is full") \
    XX(UNKNOWN_LAYOUT, "unknown_layout", "the depot layout is neither classic nor xdg") \
    /* cache-file codec */ \
    XX(TRUNCATED, "truncated", "the cache file is truncated") \
    XX(BAD_MAGIC, "bad_magic", "the file is not a Julia cache file") \
    XX(BAD_FORMAT_VERSION, "bad_format_version", \
       "the cache file format version is not supported by this reader") \
    XX(BAD_BOM, "bad_bom", "the cache file was written with a different byte order") \
    XX(BAD_POINTER_SIZE, "bad_pointer_size", \
       "the cache file records a pointer size other than 4 or 8") \
    XX(BAD_LENGTH, "bad_length", \
       "a length in the cache file is negative or runs past the end of the file") \
    XX(NO_TERMINATOR, "no_terminator", \
       "a string or list in the cache file has no terminator before the end") \
    XX(BAD_CHECKSUM_WORD, "bad_checksum_word", "the cache file has no valid checksum word") \
    XX(EMPTY_WORKLIST, "empty_worklist", "the cache file provides no module") \
    XX(BAD_PROVIDES, "bad_provides", \
       "a dependency names a module the cache file does not provide") \
    XX(BAD_REQUIRE_KEY, "bad_require_key", "a require key is shorter than its UUID") \
    XX(DEPBLOCK_SIZE, "depblock", "the dependency block size does not match its contents") \
    XX(LAYOUT_UNKNOWN, "layout_unknown", "the cache file layout could not be determined") \
    XX(SRCTEXTPOS_RANGE, "srctextpos_range", "the source-text position is out of range") \
    XX(DATA_RANGE, "data_range", "the data section bounds are invalid") \
    XX(BAD_CLONE_TARGETS, "bad_clone_targets", "the clone-target list is malformed") \
    XX(TRAILING_BYTES, "trailing_bytes", "the source text does not end at the trailer") \
    XX(PKGIMAGE_BYTE, "pkgimage_byte", "the cache file claims to be a pkgimage blob") \
    XX(TOO_LARGE, "too_large", "the cache file is too large") \
    XX(CRC_JI, "crc_ji", "the cache file checksum is invalid") \
    XX(DATA_CRC, "data_crc", "the data section does not match its checksum word") \
    XX(PKGIMAGE_MISSING, "pkgimage_missing", "the pkgimage file is missing") \
    XX(CRC_SO, "crc_so", "the pkgimage checksum does not match the cache file") \
    XX(PKGIMAGE_BLOB, "pkgimage_blob", "the pkgimage image header is invalid") \
    XX(PKGIMAGE_HEADER, "pkgimage_header", \
       "the pkgimage was built by a different Julia or with different flags") \
    XX(PKGIMAGE_MODULES, "pkgimage_modules", \
       "the pkgimage requires different modules than the cache file") \
    XX(CHECKSUM_MISMATCH, "checksum_mismatch", \
       "the pkgimage data checksum does not match the cache file") \
    XX(NOT_WHOLE_FILE, "not_whole_file", \
       "the cache file was read without its data and source text") \
    /* pkgimage (ELF) */ \
    XX(ELF_TOO_LARGE, "elf_too_large", "the pkgimage is larger than 4 GiB") \
    XX(ELF_NOT_ELF, "elf_not_elf", "the pkgimage is not an ELF file") \
    XX(ELF_CLASS, "elf_class", "the pkgimage is not a 64-bit little-endian ELF file") \
    XX(ELF_BAD, "elf_bad", "the pkgimage is not a valid ELF shared object") \
    XX(ELF_NO_DYNSYM, "elf_no_dynsym", "the pkgimage has no dynamic symbol table") \
    XX(ELF_NO_IMAGE, "elf_no_image", \
       "the pkgimage does not export jl_system_image_data and jl_system_image_size") \
    XX(ELF_IMAGE_RANGE, "elf_image_range", "the pkgimage's image data lies outside the file") \
    /* loader checks */ \
    XX(JULIA_VERSION_MISMATCH, "julia_version_mismatch", \
       "it was built by a different Julia version") \
    XX(JULIA_COMMIT_MISMATCH, "julia_commit_mismatch", "it was built by a different Julia commit") \
    XX(JULIA_BRANCH_MISMATCH, "julia_branch_mismatch", \
       "it was built from a different Julia branch") \
    XX(OS_MISMATCH, "os_mismatch", "it was built for a different operating system") \
    XX(ARCH_MISMATCH, "arch_mismatch", "it was built for a different architecture") \
    XX(POINTER_SIZE_MISMATCH, "pointer_size_mismatch", \
       "it was built for a different pointer size") \
    XX(FORMAT_VERSION_MISMATCH, "format_version_mismatch", \
       "it contains an incompatible cache header") \
    XX(FLAGS_MISMATCH, "flags_mismatch", "the flags are mismatched") \
    XX(WRONG_MODULE, "wrong_module", "it is for a different module") \
    XX(WRONG_UUID, "wrong_uuid", "it is for a package with a different UUID") \
    XX(DEPENDENCY_MISSING, "dependency_missing", \
       "a required dependency with its build ID is missing from the cache") \
    XX(INCLUDE_DEPOTS_DIFFER, "include_depots_differ", \
       "include() sources resolve to different depots") \
    XX(DEPOT_UNRESOLVED, "depot_unresolved", "its depot could not be resolved") \
    XX(FILE_MISSING, "file_missing", "a dependency file does not exist") \
    XX(FILE_SIZE_CHANGED, "file_size_changed", "the size of a dependency file has changed") \
    XX(FILE_HASH_CHANGED, "file_hash_changed", "the hash of a dependency file has changed") \
    XX(MTIME_CHANGED, "mtime_changed", "the mtime of a dependency file has changed") \
    XX(MTIME_TRACKED, "mtime_tracked", "the dependency is tracked by mtime, not by content") \
    XX(ABSOLUTE_PATH, "absolute_path", "the dependency is recorded by its absolute path") \
    XX(FILE_NOT_REGULAR, "file_not_regular", \
       "a dependency file is a FIFO, socket or device, not a regular file") \
    /* relocation */ \
    XX(RELOCATE_CRC, "relocate_crc", \
       "the cache file does not pass its own checks, so it is not rewritten") \
    XX(RELOCATE_CRC_SO, "relocate_crc_so", \
       "its pkgimage does not match it, so it is not rewritten") \
    XX(RELOCATE_NO_OLD_DEPOT, "relocate_no_old_depot", \
       "the depot the cache was written in cannot be determined") \
    XX(RELOCATE_VERIFY, "relocate_verify", \
       "the rewritten cache file did not verify, so it was not written") \
    XX(RELOCATE_CHANGED, "relocate_changed", \
       "the cache file changed while it was being relocated") \
    /* bundles */ \
    XX(BUNDLE_SHA256, "bundle_sha256_mismatch", \
       "a file's SHA-256 does not match the one recorded for it") \
    XX(BUNDLE_KEY, "bundle_key_mismatch", "the bundle's key does not match its manifest") \
    XX(BUNDLE_ESCAPE, "bundle_entry_escapes", \
       "a bundle entry is absolute, climbs out with `..` or names no depot role") \
    XX(BUNDLE_LINK, "bundle_entry_link", "a bundle entry is a symbolic or hard link") \
    XX(BUNDLE_SPECIAL, "bundle_entry_special", \
       "a bundle entry is a device file, a FIFO or a socket") \
    XX(BUNDLE_DUPLICATE, "bundle_entry_duplicate", "two bundle entries have the same name") \
    XX(BUNDLE_OVERSIZE, "bundle_entry_oversize", \
       "a bundle entry or the whole bundle exceeds the size limit") \
    XX(BUNDLE_UNLISTED, "bundle_entry_unlisted", \
       "a bundle entry is not in the manifest, or a file of the manifest is missing") \
    XX(BUNDLE_MANIFEST, "bundle_manifest", "the bundle manifest is missing or malformed") \
    XX(BUNDLE_CORRUPT, "bundle_corrupt", "the bundle is not a readable archive") \
    XX(BUNDLE_CONFLICT, "bundle_conflict", \
       "a file already in the depot differs from the bundle's copy") \
    XX(HTTP_NOT_FOUND, "http_not_found", "the server answered 404 Not Found") \
    XX(HTTP_STATUS, "http_status", "the server answered with an HTTP error status") \
    XX(DOWNLOAD_TRUNCATED, "download_truncated", \
       "the download ended before the whole file arrived") \
    XX(DOWNLOAD_TIMEOUT, "download_timeout", "the download timed out") \
    XX(DOWNLOAD_FAILED, "download_failed", "the download failed") \
    XX(INDEX_NO_BUNDLE, "index_no_bundle", "the index has no single bundle for the package") \
    XX(NOT_SERVABLE_ABSOLUTE, "not_servable_absolute", \
       "it records a dependency by its absolute path, so it cannot be served") \
    XX(NOT_SERVABLE_MTIME, "not_servable_mtime", \
       "it tracks a dependency by mtime, so it cannot be served") \
    XX(NOT_SERVABLE_BUILD, "not_servable_build_jl", \
       "its package has a deps/build.jl, so it cannot be served") \
    XX(NOT_SERVABLE_REQUIRES, "not_servable_requires", \
       "it requires a cache that cannot be served") \
    XX(NOT_SERVABLE_MISSING, "not_servable_missing", \
       "it requires a cache that is not in the depot being packed") \
    XX(NOT_SERVABLE_STALE, "not_servable_stale", "it is not fresh in its depot") \
    /* tool: signatures and trust */ \
    XX(KEY_NAME, "key_name", "the key name is not of the form NAME-N") \
    XX(KEY_MALFORMED, "key_malformed", \
       "the key is not of the form NAME-N:BASE64 of the right length") \
    XX(SIG_MALFORMED, "signature_malformed", \
       "the signature is not of the form NAME-N:BASE64 of 64 bytes") \
    XX(SIG_UNTRUSTED, "signature_untrusted", "it is not signed by any key this client trusts") \
    XX(SIG_INVALID, "signature_invalid", "a signature by a trusted key does not verify") \
    XX(UNSIGNED, "unsigned", "it carries no signature, and its source requires one") \
    XX(KEY_REVOKED, "key_revoked", "it is signed only by keys this client has revoked") \
    XX(URL_REFUSED, "url_refused", \
       "the URL is not https:// (plain http:// only to loopback or a source that allows it)") \
    XX(TRUST_CONFIG, "trust_config", "the sources configuration is malformed") \
    XX(INDEX_EXPIRED, "index_expired", "the signed index has expired") \
    XX(INDEX_ROLLBACK, "index_rollback", "the signed index is older than one already seen") \
    XX(ENV_MALFORMED, "environment_malformed", \
       "the environment's Manifest.toml is missing or malformed") \
    /* tool: fetch and bundle parsing */ \
    XX(INDEX_MALFORMED, "index_malformed", "the index is malformed") \
    XX(DOWNLOAD_TOO_LARGE, "download_too_large", "the file is larger than the size limit") \
    XX(FETCH_BUSY, "fetch_busy", "another fetch is writing this file") \
    XX(FETCH_PART_UNSAFE, "fetch_part_unsafe", \
       "the temporary download file is a symbolic link, not a regular file, or has other links") \
    XX(BAD_SIZE, "bad_size", \
       "the size is not a byte count within range (digits, optionally followed by K, M or G)") \
    XX(BUNDLE_SIZE, "bundle_size_mismatch", \
       "a file's size does not match the one recorded for it") \
    XX(URL_SCHEME, "url_scheme", "the URL is not an http:// or https:// URL") \
    /* tool: unpack and pack */ \
    XX(BUNDLE_NOT_ALLOWED, "bundle_entry_not_allowed", \
       "a bundle entry is neither a cache of the bundle's closure nor a file of a package " \
       "tree its caches record as their sources") \
    XX(DEPOT_SYMLINK, "depot_symlink", \
       "a directory of the depot below its role directories is a symbolic link") \
    XX(BUNDLE_PKGIMAGE, "bundle_pkgimage_mismatch", \
       "a cache's pkgimage is missing from the bundle or does not match its cache file") \
    XX(BUNDLE_CACHE, "bundle_cache_invalid", "a cache file of the bundle fails its own checks") \
    XX(UNPACK_INTERRUPTED, "unpack_interrupted", \
       "the unpack was interrupted before its commit, so nothing was written") \
    XX(NOT_SERVABLE_TREE, "not_servable_tree", \
       "it records a source outside its installed package tree (packages/NAME/SLUG), " \
       "so it cannot be served") \
    XX(NOT_SERVABLE_LINK, "not_servable_link", \
       "it includes a file through a symbolic link that leads out of its package tree, " \
       "so it cannot be served") \
    /* tool: system errors */ \
    XX(PERMISSION_DENIED, "permission_denied", "permission to access the file is denied") \
    XX(IS_DIRECTORY, "is_directory", "the path is a directory, not a file") \
    XX(NOT_REGULAR, "not_regular_file", \
       "the path is a FIFO, socket or device, not a regular file") \
    XX(TOO_MANY_FILES, "too_many_open_files", "the limit on open files was reached") \
    XX(SYMLINK_LOOP, "symlink_loop", "the path has too many levels of symbolic links") \
    XX(FILE_EXISTS, "file_exists", "a file already exists where one was to be created") \
    XX(CROSS_DEVICE, "cross_device", \
       "the file would have to be moved to another file system, which rename() cannot do")

typedef enum {
    JLDEPOT_E__FIRST = JL_DEPOT_E__COUNT - 1,
#define XX(name, json, msg) JL_DEPOT_E_##name,
    JLDEPOT_ERRORS(XX)
#undef XX
        JLDEPOT_E__COUNT
} jldepot_err_t;

// The reason phrase of a code of either table ("an unknown error occurred"
// for none), its stable name without prefix ("NUL_BYTE"; "UNKNOWN") and its
// JSON name ("nul_byte"; "unknown").
const char *jldepot_strerror(int err);
const char *jldepot_errname(int err);
const char *jldepot_errjson(int err);

#endif // JLDEPOT_ERRORS_H
