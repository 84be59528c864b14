// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot.c: the command-line entry point; dispatches to the subcommands
  listed in jldepot.h; the error line every command prints, with what to do.
*/

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "atomicfile.h"
#include "jldepot.h"
#include "jldepot_model.h"

#ifndef JLDEPOT_VERSION
#define JLDEPOT_VERSION "0.1.0"
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
#define XX(name, summary) {#name, jldepot_cmd_##name, summary},
    JLDEPOT_COMMANDS(XX)
#undef XX
};

void jldepot_error(const char *fmt, ...)
{
    va_list ap;
    fputs("jldepot: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *jldepot_hint(int err)
{
    switch (err) {
    case JL_DEPOT_E_NOT_FOUND:
        return "check the path";
    case JL_DEPOT_E_PERMISSION_DENIED:
        return "check the permissions of the file and of its directories";
    case JL_DEPOT_E_READ_ONLY:
        return "use a writable location (or remount the file system read-write)";
    case JL_DEPOT_E_NO_SPACE:
        return "free space or inodes on that file system (or raise the quota), then retry";
    case JL_DEPOT_E_NOMEM:
        return "free memory, then retry";
    case JL_DEPOT_E_PATH_TOO_LONG:
        return "use a shorter path";
    case JL_DEPOT_E_SYMLINK_LOOP:
        return "fix the symbolic links along the path";
    case JL_DEPOT_E_TOO_MANY_FILES:
        return "raise the open-file limit (ulimit -n), then retry";
    case JL_DEPOT_E_FILE_EXISTS:
        return "remove or move the file in the way, then retry";
    case JL_DEPOT_E_CROSS_DEVICE:
        return "keep the directory and its target on one file system";
    case JL_DEPOT_E_IS_DIRECTORY:
    case JL_DEPOT_E_NOT_REGULAR:
        return "give a regular file (see the command's --help for the order of its arguments)";
    case JL_DEPOT_E_IO:
        return "check the device and the system log (dmesg), then retry";
    default:
        return NULL;
    }
}

int jldepot_is_system_error(int err)
{
    switch (err) {
    case JL_DEPOT_E_IO:
    case JL_DEPOT_E_NOT_FOUND:
    case JL_DEPOT_E_NOMEM:
    case JL_DEPOT_E_READ_ONLY:
    case JL_DEPOT_E_NO_SPACE:
    case JL_DEPOT_E_PATH_TOO_LONG:
    case JL_DEPOT_E_PERMISSION_DENIED:
    case JL_DEPOT_E_IS_DIRECTORY:
    case JL_DEPOT_E_NOT_REGULAR:
    case JL_DEPOT_E_TOO_MANY_FILES:
    case JL_DEPOT_E_SYMLINK_LOOP:
    case JL_DEPOT_E_FILE_EXISTS:
    case JL_DEPOT_E_CROSS_DEVICE:
        return 1;
    default:
        return 0;
    }
}

void jldepot_file_error(const char *cmd, const char *path, int err, int eno)
{
    const char *hint = jldepot_hint(err);
    fprintf(stderr, "jldepot: %s: %s: %s", cmd, path, jldepot_strerror(err));
    if (eno)
        fprintf(stderr, " (%s)", strerror(eno));
    if (hint)
        fprintf(stderr, "; %s", hint);
    fprintf(stderr, " [%s]\n", jldepot_errjson(err));
}

void jldepot_errno_error(const char *cmd, const char *path, int eno, int writing)
{
    jldepot_file_error(cmd, path,
                       writing ? jl_depot_errno_code(eno) : jl_depot_read_errno_code(eno), eno);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: jldepot COMMAND [OPTIONS] [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'jldepot COMMAND --help' shows a command's options; see doc/jldepot.1.md.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return JLDEPOT_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return JLDEPOT_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("jldepot %s\n", JLDEPOT_VERSION);
        return JLDEPOT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    }
    jldepot_error("unknown command '%s'", argv[1]);
    usage(stderr);
    return JLDEPOT_EXIT_USAGE;
}
