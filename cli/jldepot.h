// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot.h: what the jldepot subcommands share: the command table, the exit
  codes, and the depot-stack options every command accepts.
  Not a runtime file: the tool may use json-c and other Debian libraries.
*/

#ifndef JLDEPOT_H
#define JLDEPOT_H

#include <stdio.h>
#include "depotpath.h"
#include "jldepot_errors.h"
#include "jldepot_stack.h"
#include "jldepot_walk.h"

// Exit codes of every subcommand.
#define JLDEPOT_EXIT_OK       0 // success / all fresh / valid
#define JLDEPOT_EXIT_REJECTED 1 // an input was rejected, a check failed
#define JLDEPOT_EXIT_USAGE    2 // usage error, or an input that cannot be parsed

// XX(name, one-line summary)
#define JLDEPOT_COMMANDS(XX) \
    XX(layout, "print the depot stack and every role root") \
    XX(tokenize, "turn absolute paths into role-token form") \
    XX(resolve, "turn role-token paths into absolute paths") \
    XX(inspect, "show every field of a cache file (.ji)") \
    XX(crc32c, "print the CRC-32C of files, as Julia computes it") \
    XX(verify, "check caches the way Julia's loader would") \
    XX(seal, "check caches by content and seal them for stat-only checks") \
    XX(relocate, "rewrite caches so they are valid where they now are") \
    XX(pack, "write servable bundles of caches, their closure and sources") \
    XX(unpack, "verify a bundle and unpack it into a depot") \
    XX(fetch, "download a bundle over HTTP and unpack it") \
    XX(substitute, "find an environment's caches on the servers before building") \
    XX(key, "generate and show the Ed25519 keys that sign bundles")

#define XX(name, summary) int jldepot_cmd_##name(int argc, char **argv);
JLDEPOT_COMMANDS(XX)
#undef XX

// The options every command that needs a depot stack accepts:
//   --depot-path LIST   use LIST instead of JULIA_DEPOT_PATH
//   --layout classic|xdg
//   --julia-home DIR    Julia's bindir, for the bundled depots
// jldepot_stack_option() consumes one such option from argv at *i (advancing
// *i past its value) and returns 1, or returns 0 when argv[*i] is not one of
// them, or -1 after printing a usage error.
typedef struct {
    jldepot_config_t cfg;
} jldepot_stack_opts_t;

void jldepot_stack_opts_init(jldepot_stack_opts_t *o);
int jldepot_stack_option(jldepot_stack_opts_t *o, int argc, char **argv, int *i);
// Builds the stack; prints "jldepot: <message>" and returns NULL on error.
jl_depot_stack_t *jldepot_stack_build(const jldepot_stack_opts_t *o);
// The same, with each of `depots` (real paths) that is not a depot of the
// stack put in front of it, in order.
jl_depot_stack_t *jldepot_stack_with(jldepot_stack_opts_t *o, const jldepot_strlist_t *depots);
// The depot (a real path) of a cache file laid out as
// DEPOT/compiled/vX.Y/NAME/FILE.ji, or NULL (malloc'ed).
char *jldepot_cache_depot(const char *file);
// `p` made absolute against the working directory, no link resolved (malloc'ed).
char *jldepot_abspath(const char *p);

// "jldepot: " + formatted message + newline on stderr.
void jldepot_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// `err` comes from the system (a file, memory, the file system), not from
// what was checked: such errors exit 2, rejections 1.
int jldepot_is_system_error(int err);
// What a user can do about the named error `err`, or NULL.
const char *jldepot_hint(int err);
// "jldepot: CMD: PATH: <reason> (<strerror(eno)>); <what to do> [json_name]"
// (the parenthesis when eno is not 0, the hint when there is one).
void jldepot_file_error(const char *cmd, const char *path, int err, int eno);
// The same for the errno value of a failed system call on PATH that was
// reading (EACCES: permission denied) or writing (EACCES: read-only).
void jldepot_errno_error(const char *cmd, const char *path, int eno, int writing);

#endif // JLDEPOT_H
