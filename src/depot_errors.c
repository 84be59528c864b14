// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depot_errors.c: names and messages of the codes in depot_errors.h.
*/

#include "depot_errors.h"

static const char *const err_names[] = {
#define XX(name, json, msg) #name,
    JL_DEPOT_ERRORS(XX)
#undef XX
};

static const char *const err_json[] = {
#define XX(name, json, msg) json,
    JL_DEPOT_ERRORS(XX)
#undef XX
};

static const char *const err_msgs[] = {
#define XX(name, json, msg) msg,
    JL_DEPOT_ERRORS(XX)
#undef XX
};

static int err_valid(int err)
{
    return err >= 0 && err < JL_DEPOT_E__COUNT;
}

JL_DLLEXPORT const char *jl_depot_strerror(int err)
{
    return err_valid(err) ? err_msgs[err] : "an unknown error occurred";
}

JL_DLLEXPORT const char *jl_depot_errname(int err)
{
    return err_valid(err) ? err_names[err] : "UNKNOWN";
}

JL_DLLEXPORT const char *jl_depot_errjson(int err)
{
    return err_valid(err) ? err_json[err] : "unknown";
}
