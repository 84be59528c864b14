// This file is a part of the jldepot project. License is MIT.

/*
  bench-stack.h: the depot stack the benchmarks measure against, built with
  the tool's builder (cli/jldepot_stack.h).
*/

#ifndef JLDEPOT_BENCH_STACK_H
#define JLDEPOT_BENCH_STACK_H

#include <string.h>

#include "jldepot_stack.h"

// The stack of the classic depots `list` (':'-separated), as the tool builds it.
static jl_depot_stack_t *classic_stack(const char *list)
{
    jldepot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.depot_path = list;
    cfg.list_sep = ':';
    cfg.casefold = 0;
    jl_depot_stack_t *s = NULL;
    return jldepot_stack_new(&cfg, &s) == JL_DEPOT_E_OK ? s : NULL;
}

#endif // JLDEPOT_BENCH_STACK_H
