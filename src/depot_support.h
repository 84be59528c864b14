// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  depot_support.h: the few definitions the relocation runtime files need from
  Julia's src/support/dtypes.h.  Inside Julia the real definitions win (they are
  included first); in a standalone build of these files these stand in.
*/

#ifndef JL_DEPOT_SUPPORT_H
#define JL_DEPOT_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#if defined(JL_LIBRARY_EXPORTS_INTERNAL) || defined(JL_LIBRARY_EXPORTS_CODEGEN)
// Built as part of Julia: its own JL_DLLEXPORT and JL_NOTSAFEPOINT, and the
// jl_ -> ijl_ renames of jl_exported_funcs.inc that julia.h applies, so these
// files and their callers agree on the names (files that include julia.h
// include it before these headers).
#include "support/dtypes.h"
#ifndef JULIA_H
#include <jl_internal_funcs.inc>
#endif
#endif

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

#endif // JL_DEPOT_SUPPORT_H
