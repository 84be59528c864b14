// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depot_errors.h: the table of the error codes of the depot path model (the
  path model, the file names of serialized methods and debug info).

  Each row is XX(NAME, json_name, message):
    NAME       the stable identifier; the C name is JL_DEPOT_E_<NAME>.
    json_name  the stable name used in JSON output.
    message    a Julia-style reason phrase.  It completes the loader's line
               "Unable to resolve <file> from cache file <path> because
               <message>".
  Rows are only ever appended within their section; names never change.
*/

#ifndef JL_DEPOT_ERRORS_H
#define JL_DEPOT_ERRORS_H

#include "depot_support.h"

#define JL_DEPOT_ERRORS(XX) \
    /* general */ \
    XX(OK, "ok", "no error occurred") \
    XX(NOMEM, "out_of_memory", "memory could not be allocated") \
    XX(INVALID_ARGUMENT, "invalid_argument", "an argument is invalid") \
    XX(IO, "io_error", "the file could not be read or written") \
    /* path model */ \
    XX(EMPTY_PATH, "empty_path", "the path is empty") \
    XX(NUL_BYTE, "nul_byte", "the path contains a NUL byte") \
    XX(RELATIVE_PATH, "relative_path", "the path is not absolute") \
    XX(PATH_TOO_LONG, "path_too_long", "the path is too long") \
    XX(UNKNOWN_TOKEN, "unknown_token", "the path starts with an unknown token") \
    XX(TOKEN_ESCAPE, "token_escape", "the path climbs above the root of its token with `..`") \
    XX(UNRESOLVED_TOKEN, "unresolved_token", \
       "the token could not be resolved in any depot on DEPOT_PATH") \
    XX(NOT_RELOCATABLE, "not_relocatable", "the path is outside every depot on DEPOT_PATH") \
    XX(CACHE_OUTSIDE_DEPOTS, "cache_outside_depots", \
       "the cache file is not inside the compiled directory of any depot on DEPOT_PATH") \
    XX(EMPTY_DEPOT_PATH, "empty_depot_path", "there is no depot on DEPOT_PATH") \
    /* debug-info file names */ \
    XX(DIMAP_IMAGE_ID, "dimap_image_id", \
       "the debug-info image id is not 16 lower-case hexadecimal digits") \
    XX(DIMAP_BAD_ROOT, "dimap_bad_root", "the file name has a malformed debug-info virtual root") \
    XX(DIMAP_FOREIGN_ROOT, "dimap_foreign_root", \
       "the file name lies under the debug-info virtual root of another image")

typedef enum {
#define XX(name, json, msg) JL_DEPOT_E_##name,
    JL_DEPOT_ERRORS(XX)
#undef XX
        JL_DEPOT_E__COUNT
} jl_depot_err_t;

// The reason phrase ("the path contains a NUL byte"); never NULL.
JL_DLLEXPORT const char *jl_depot_strerror(int err) JL_NOTSAFEPOINT;

#endif // JL_DEPOT_ERRORS_H
