// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depot_support.h: the few definitions the relocation runtime files need from
  Julia's src/support/dtypes.h.  Inside Julia the real definitions win (they are
  included first); standalone (the jldepot tool, the tests) these stand in.
*/

#ifndef JL_DEPOT_SUPPORT_H
#define JL_DEPOT_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#ifndef JL_DLLEXPORT
#if defined(_WIN32)
#define JL_DLLEXPORT __declspec(dllexport)
#else
#define JL_DLLEXPORT __attribute__((visibility("default")))
#endif
#endif

#ifndef JL_NOTSAFEPOINT
#define JL_NOTSAFEPOINT
#endif

#ifdef _WIN32
#define JL_PATH_LIST_SEP ';'
#else
#define JL_PATH_LIST_SEP ':'
#endif

#endif // JL_DEPOT_SUPPORT_H
