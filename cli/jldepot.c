// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot.c: the command-line entry point; dispatches to the subcommands
  listed in jldepot.h.
*/

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jldepot.h"

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
