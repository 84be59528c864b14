// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depot_errors.c: the messages of the codes in depot_errors.h.
*/

#include "depot_errors.h"

static const char *const err_msgs[] = {
#define XX(name, json, msg) msg,
    JL_DEPOT_ERRORS(XX)
#undef XX
};

JL_DLLEXPORT const char *jl_depot_strerror(int err) JL_NOTSAFEPOINT
{
    return err >= 0 && err < JL_DEPOT_E__COUNT ? err_msgs[err] : "an unknown error occurred";
}
