// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_toml.h: reading TOML files (Julia's Project.toml and
  Manifest.toml, the tool's own configuration) with Debian's toml++, as a
  json-c tree the C code walks: tables become objects, arrays arrays,
  strings, integers, floats and booleans the same json-c types, and dates
  and times their TOML text.  Debian has no C TOML library; this file's
  implementation is the tool's only C++ (jldepot_toml.cpp).
*/

#ifndef JLDEPOT_TOML_H
#define JLDEPOT_TOML_H

#include <json.h>

#ifdef __cplusplus
extern "C" {
#endif

// Parse the TOML file at `path` (at most `max_bytes`; a FIFO, device or
// directory is refused without being read).  Returns a new json-c object,
// or NULL with *err set to a malloc'ed message naming the file and, for a
// syntax error, the line and column.
json_object *jldepot_toml_parse_file(const char *path, size_t max_bytes, char **err);

#ifdef __cplusplus
}
#endif

#endif // JLDEPOT_TOML_H
