// This file is a part of the jldepot project. License is MIT.

/*
  jldepot_stack.h: DEPOT_PATH from the environment, as the tool builds it.
  Owns: the inputs of the depot stack (JULIA_DEPOT_PATH, JULIA_BINDIR, the
  home directory, the XDG variables, JULIA_DEPOT_LAYOUT), the classic and XDG
  layouts of the user depot, and building the runtime's stack exactly as
  Julia's init_depot_path / append_bundled_depot_path! build DEPOT_PATH
  (base/initdefs.jl, 1.11+).  The runtime (src/depotpath.h) takes each
  depot's role roots as Base gives them; this file computes them, then hands
  them over with jl_depot_stack_add.
*/

#ifndef JLDEPOT_STACK_H
#define JLDEPOT_STACK_H

#include "depotpath.h"
#include "jldepot_errors.h"

// The separator of the entries of JULIA_DEPOT_PATH.
#ifndef JL_PATH_LIST_SEP
#ifdef _WIN32
#define JL_PATH_LIST_SEP ';'
#else
#define JL_PATH_LIST_SEP ':'
#endif
#endif

typedef enum { JLDEPOT_LAYOUT_CLASSIC = 0, JLDEPOT_LAYOUT_XDG = 1 } jldepot_layout_t;

// The sub-directory of each role's root in a classic depot ("" for @depot,
// "/artifacts", "/compiled", "/scratchspaces").
extern const char *const jldepot_classic_sub[JL_DEPOT_NROLES];

// Inputs from which the depot stack is built.  jldepot_config_from_env fills
// it from the process environment; tests and the tool's options fill it by
// hand.
typedef struct {
    const char *depot_path;     // JULIA_DEPOT_PATH; NULL when unset
    const char *julia_bindir;   // Sys.BINDIR (for the bundled depots); may be NULL
    const char *home;           // the user's home directory; may be NULL
    const char *xdg_data_home;  // NULL or "" when unset
    const char *xdg_cache_home; // NULL or "" when unset
    const char *layout;         // JULIA_DEPOT_LAYOUT ("classic" or "xdg"); NULL when unset
    char list_sep;              // ':' (';' on Windows)
    int casefold;               // -1: platform default, 0: off, 1: on
    // Storage jldepot_config_from_env uses for the home directory.
    char home_storage[1024];
} jldepot_config_t;

// The environment variable of the XDG opt-in switch: "classic" (default) or "xdg".
#define JLDEPOT_LAYOUT_ENV "JULIA_DEPOT_LAYOUT"

void jldepot_config_from_env(jldepot_config_t *cfg);
// Parse a layout name: NULL or "" or "classic" -> classic, "xdg" -> xdg;
// anything else JL_DEPOT_E_UNKNOWN_LAYOUT.
int jldepot_layout_parse(const char *name, jldepot_layout_t *layout);
// The stack of `cfg`, as init_depot_path builds DEPOT_PATH: entries split on
// `list_sep`, `~` expanded, made absolute against the current directory and
// normalized; every empty entry appends the bundled depots, the user depot
// comes first when JULIA_DEPOT_PATH is unset or its first entry is empty; a
// depot already on the stack is not added again.  A JL_DEPOT_E_* code; *out
// is NULL on error.
int jldepot_stack_new(const jldepot_config_t *cfg, jl_depot_stack_t **out);

#endif // JLDEPOT_STACK_H
