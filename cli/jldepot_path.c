// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_path.c: the path-model subcommands `layout`, `tokenize` and
  `resolve`, and the depot-stack options every command shares
  (jldepot_stack_opts_init / jldepot_stack_option / jldepot_stack_build /
  jldepot_stack_with, with the depot a cache file is in).
*/

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jldepot.h"
#include "jldepot_out.h"
#include "jldepot_model.h"
#include "jldepot_upstream.h"

// ---- shared depot-stack options ----------------------------------------------

void jldepot_stack_opts_init(jldepot_stack_opts_t *o)
{
    jldepot_config_from_env(&o->cfg);
}

// Match `--name VALUE` or `--name=VALUE` at argv[*i]: 1 and *val when it
// matches, 0 when argv[*i] is another option, -1 when the value is missing.
static int opt_value(const char *name, int argc, char **argv, int *i, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        jldepot_error("option '%s' requires an argument", name);
        return -1;
    }
    *i += 1;
    *val = argv[*i];
    return 1;
}

int jldepot_stack_option(jldepot_stack_opts_t *o, int argc, char **argv, int *i)
{
    const char *v;
    int r;
    if ((r = opt_value("--depot-path", argc, argv, i, &v)) != 0) {
        if (r < 0)
            return -1;
        o->cfg.depot_path = v;
        *i += 1;
        return 1;
    }
    if ((r = opt_value("--layout", argc, argv, i, &v)) != 0) {
        if (r < 0)
            return -1;
        jldepot_layout_t layout;
        if (v[0] == '\0' || jldepot_layout_parse(v, &layout) != JL_DEPOT_E_OK) {
            jldepot_error("invalid argument to --layout={classic|xdg} (%s)", v);
            return -1;
        }
        o->cfg.layout = v;
        *i += 1;
        return 1;
    }
    if ((r = opt_value("--julia-home", argc, argv, i, &v)) != 0) {
        if (r < 0)
            return -1;
        o->cfg.julia_bindir = v;
        *i += 1;
        return 1;
    }
    return 0;
}

jl_depot_stack_t *jldepot_stack_build(const jldepot_stack_opts_t *o)
{
    jl_depot_stack_t *s = NULL;
    int err = jldepot_stack_new(&o->cfg, &s);
    if (err == JL_DEPOT_E_UNKNOWN_LAYOUT) {
        jldepot_error("%s=%s: %s", JLDEPOT_LAYOUT_ENV, o->cfg.layout ? o->cfg.layout : "",
                      jldepot_strerror(err));
        return NULL;
    }
    if (err != JL_DEPOT_E_OK) {
        jldepot_error("DEPOT_PATH: %s", jldepot_strerror(err));
        return NULL;
    }
    return s;
}

char *jldepot_abspath(const char *p)
{
    if (p[0] == '/')
        return strdup(p);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        return strdup(p); // the caller reports the relative path
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    return jldepot_join(strcmp(cwd, "/") ? cwd : "", p);
}

char *jldepot_cache_depot(const char *file)
{
    char *r = realpath(file, NULL);
    if (!r)
        return NULL;
    for (int k = 0; k < 3; k++) {
        char *sl = strrchr(r, '/');
        if (!sl || sl == r) {
            free(r);
            return NULL;
        }
        *sl = '\0';
    }
    char *sl = strrchr(r, '/');
    if (!sl || sl == r || strcmp(sl + 1, "compiled") != 0) {
        free(r);
        return NULL;
    }
    *sl = '\0';
    return r;
}

// `depot` (a real path) is the depot root of an entry of `s`.
static int on_stack(jl_depot_stack_t *s, const char *depot)
{
    for (size_t i = 0; i < jl_depot_stack_size(s); i++) {
        const char *root = jl_depot_root(s, i, JL_DEPOT_ROLE_DEPOT);
        if (!root)
            continue;
        if (!strcmp(root, depot))
            return 1;
        char *rr = realpath(root, NULL);
        int eq = rr && !strcmp(rr, depot);
        free(rr);
        if (eq)
            return 1;
    }
    return 0;
}

jl_depot_stack_t *jldepot_stack_with(jldepot_stack_opts_t *o, const jldepot_strlist_t *depots)
{
    jl_depot_stack_t *s = jldepot_stack_build(o);
    if (!s)
        return NULL;
    size_t len = 2 + (o->cfg.depot_path ? strlen(o->cfg.depot_path) : 0), nextra = 0;
    for (size_t i = 0; i < depots->n; i++)
        len += strlen(depots->v[i]) + 1;
    char *dp = (char *)malloc(len);
    if (!dp) {
        jldepot_error("%s", jldepot_strerror(JL_DEPOT_E_NOMEM));
        jl_depot_stack_free(s);
        return NULL;
    }
    dp[0] = '\0';
    for (size_t i = 0; i < depots->n; i++) {
        int seen = on_stack(s, depots->v[i]);
        for (size_t k = 0; !seen && k < i; k++)
            seen = !strcmp(depots->v[k], depots->v[i]);
        if (!seen) {
            strcat(dp, depots->v[i]);
            strcat(dp, ":");
            nextra++;
        }
    }
    if (nextra) {
        // "A:" keeps Julia's rule: an empty entry expands to the default depots
        strcat(dp, o->cfg.depot_path ? o->cfg.depot_path : "");
        jl_depot_stack_free(s);
        const char *saved = o->cfg.depot_path;
        o->cfg.depot_path = dp;
        s = jldepot_stack_build(o);
        o->cfg.depot_path = saved;
    }
    free(dp);
    return s;
}

// ---- common argument loop ---------------------------------------------------------

#define STACK_OPTIONS_HELP \
    "  --depot-path LIST    use LIST instead of JULIA_DEPOT_PATH (':'-separated; an empty\n" \
    "                       entry expands to the bundled depots, a leading one also adds\n" \
    "                       the user depot)\n" \
    "  --layout classic|xdg the user depot's layout (overrides JULIA_DEPOT_LAYOUT)\n" \
    "  --julia-home DIR     Julia's bindir, for the bundled depots (overrides JULIA_BINDIR)\n"

static void json_print(json_object *j)
{
    puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
}

// Parse a 1-based depot index (as printed by `jldepot layout`).
static int parse_index(const char *v, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || x < 1)
        return -1;
    *out = x;
    return 0;
}

// ---- layout --------------------------------------------------------------------------

static const char layout_help[] =
    "usage: jldepot layout [--json] [OPTIONS]\n"
    "\n"
    "Print the depot stack (DEPOT_PATH, built as Julia builds it) and the root of\n"
    "every role: @depot, @artifacts, @compiled, @cache.  Depot 1 is the writable one.\n"
    "\n"
    "options:\n"
    "  --json               print a JSON array\n" STACK_OPTIONS_HELP;

int jldepot_cmd_layout(int argc, char **argv)
{
    jldepot_stack_opts_t o;
    jldepot_stack_opts_init(&o);
    int json = 0;
    for (int i = 1; i < argc;) {
        int r = jldepot_stack_option(&o, argc, argv, &i);
        if (r < 0)
            return JLDEPOT_EXIT_USAGE;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(layout_help, stdout);
            return JLDEPOT_EXIT_OK;
        }
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            i++;
            continue;
        }
        jldepot_error("layout: unexpected argument '%s'", argv[i]);
        fprintf(stderr, "see 'jldepot layout --help'\n");
        return JLDEPOT_EXIT_USAGE;
    }
    jl_depot_stack_t *s = jldepot_stack_build(&o);
    if (s == NULL)
        return JLDEPOT_EXIT_USAGE;
    size_t n = jl_depot_stack_size(s);
    json_object *arr = json ? json_object_new_array() : NULL;
    if (!json && n == 0)
        printf("(DEPOT_PATH is empty)\n");
    for (size_t i = 0; i < n; i++) {
        const char *layout = jldepot_layout_name(jldepot_layout_of(s, i));
        int fold = jldepot_casefold(&o.cfg);
        if (json) {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "index", json_object_new_int64((int64_t)i + 1));
            json_object_object_add(d, "writable", json_object_new_boolean(i == 0));
            jldepot_json_add_name(d, "layout", layout);
            json_object_object_add(d, "casefold", json_object_new_boolean(fold));
            json_object *roots = json_object_new_object();
            for (int r = 0; r < JL_DEPOT_NROLES; r++)
                json_object_object_add(roots, jl_depot_token_name((jl_depot_role_t)r),
                                       jldepot_jstr(jl_depot_root(s, i, r)));
            json_object_object_add(d, "roots", roots);
            json_object_array_add(arr, d);
        }
        else {
            printf("%zu%s %s (%s, casefold %s)\n", i + 1, i == 0 ? " *" : "  ",
                   jl_depot_root(s, i, JL_DEPOT_ROLE_DEPOT), layout, fold ? "on" : "off");
            for (int r = 0; r < JL_DEPOT_NROLES; r++)
                printf("    %-11s %s\n", jl_depot_token_name((jl_depot_role_t)r),
                       jl_depot_root(s, i, r));
        }
    }
    if (json) {
        json_print(arr);
        json_object_put(arr);
    }
    jl_depot_stack_free(s);
    return JLDEPOT_EXIT_OK;
}

// ---- tokenize / resolve ------------------------------------------------------------

static const char tokenize_help[] =
    "usage: jldepot tokenize [--json] [--target N] [--upstream] [OPTIONS] PATH...\n"
    "\n"
    "Print the role-token form (@depot/..., @artifacts/..., @compiled/..., @cache/...)\n"
    "of each absolute PATH, one per line.  A path under no depot is printed\n"
    "unchanged and reported on stderr (exit status 1).\n"
    "\n"
    "options:\n"
    "  --json               print a JSON array of {input, output, status, depot}\n"
    "  --target N           the depot (1-based, see `jldepot layout`) that will hold the\n"
    "                       cache; tried first on ties\n"
    "  --upstream           write only @depot/..., byte for byte as Julia 1.11-1.13 "
    "does\n" STACK_OPTIONS_HELP;

static const char resolve_help[] =
    "usage: jldepot resolve [--json] [--cachefile F] [--no-stat] [OPTIONS] TOKENIZED...\n"
    "\n"
    "Print the absolute path of each token form, one per line: in the depot that\n"
    "contains the cache file F first, then in DEPOT_PATH order; the first that\n"
    "exists wins.  When none exists the first candidate is printed and reported\n"
    "on stderr (exit status 1).\n"
    "\n"
    "options:\n"
    "  --json               print a JSON array of {input, output, status, depot}\n"
    "  --cachefile F        resolve in the depot whose compiled directory holds F first\n"
    "  --no-stat            no file-system access: the candidate in the containing depot\n"
    "                       (or in DEPOT_PATH[1])\n" STACK_OPTIONS_HELP;

static int path_cmd(int argc, char **argv, int resolve)
{
    const char *cmd = resolve ? "resolve" : "tokenize";
    const char *help = resolve ? resolve_help : tokenize_help;
    jldepot_stack_opts_t o;
    jldepot_stack_opts_init(&o);
    int json = 0, upstream = 0, nostat = 0, dashdash = 0;
    long target = 0;
    const char *cachefile = NULL;
    char **inputs = (char **)calloc((size_t)argc + 1, sizeof(char *));
    int ninputs = 0;
    if (inputs == NULL)
        return JLDEPOT_EXIT_USAGE;
    for (int i = 1; i < argc;) {
        const char *a = argv[i];
        if (dashdash || a[0] != '-' || a[1] == '\0') {
            inputs[ninputs++] = argv[i++];
            continue;
        }
        if (!strcmp(a, "--")) {
            dashdash = 1;
            i++;
            continue;
        }
        int r = jldepot_stack_option(&o, argc, argv, &i);
        if (r < 0)
            goto usage_err;
        if (r > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            free(inputs);
            return JLDEPOT_EXIT_OK;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            i++;
            continue;
        }
        if (!resolve && !strcmp(a, "--upstream")) {
            upstream = 1;
            i++;
            continue;
        }
        if (resolve && !strcmp(a, "--no-stat")) {
            nostat = 1;
            i++;
            continue;
        }
        const char *v;
        if (!resolve && (r = opt_value("--target", argc, argv, &i, &v)) != 0) {
            if (r < 0)
                goto usage_err;
            if (parse_index(v, &target) != 0) {
                jldepot_error("invalid argument to --target=N (%s)", v);
                goto usage_err;
            }
            i++;
            continue;
        }
        if (resolve && (r = opt_value("--cachefile", argc, argv, &i, &v)) != 0) {
            if (r < 0)
                goto usage_err;
            cachefile = v;
            i++;
            continue;
        }
        jldepot_error("%s: unknown option '%s'", cmd, a);
        goto usage_err;
    }
    if (ninputs == 0) {
        jldepot_error("%s: no %s given", cmd, resolve ? "token form" : "path");
        goto usage_err;
    }
    jl_depot_stack_t *s = jldepot_stack_build(&o);
    if (s == NULL) {
        free(inputs);
        return JLDEPOT_EXIT_USAGE;
    }
    if (target > 0 && (size_t)target > jl_depot_stack_size(s)) {
        jldepot_error("invalid argument to --target=N (%ld): DEPOT_PATH has %zu entries", target,
                      jl_depot_stack_size(s));
        jl_depot_stack_free(s);
        free(inputs);
        return JLDEPOT_EXIT_USAGE;
    }
    long containing = -1;
    if (resolve && cachefile != NULL) {
        size_t c;
        int err = jl_depot_containing(s, cachefile, &c);
        if (err != JL_DEPOT_E_OK)
            jldepot_error("%s: %s: %s", cmd, cachefile, jldepot_strerror(err));
        else
            containing = (long)c;
    }
    char *buf = (char *)malloc(JL_DEPOT_PATH_MAX + 1);
    jldepot_upstream_t *up = NULL;
    if (buf == NULL ||
        (upstream && jldepot_upstream_new(s, o.cfg.casefold, &up) != JL_DEPOT_E_OK)) {
        free(buf);
        jl_depot_stack_free(s);
        free(inputs);
        return JLDEPOT_EXIT_USAGE;
    }
    json_object *arr = json ? json_object_new_array() : NULL;
    int rc = JLDEPOT_EXIT_OK;
    for (int k = 0; k < ninputs; k++) {
        const char *in = inputs[k];
        size_t ol = 0;
        long depot = -1;
        int err;
        if (resolve)
            err = jl_depot_resolve_buf(s, containing, nostat ? JL_DEPOT_RESOLVE_NOSTAT : 0, in,
                                       strlen(in), buf, JL_DEPOT_PATH_MAX + 1, &ol, &depot);
        else if (up)
            err = jldepot_upstream_tokenize(up, target - 1, in, strlen(in), buf,
                                            JL_DEPOT_PATH_MAX + 1, &ol, &depot);
        else
            err = jl_depot_tokenize_buf(s, target - 1, in, strlen(in), buf, JL_DEPOT_PATH_MAX + 1,
                                        &ol, &depot);
        int have_out = err == JL_DEPOT_E_OK || err == JL_DEPOT_E_NOT_RELOCATABLE ||
                       err == JL_DEPOT_E_UNRESOLVED_TOKEN;
        if (err != JL_DEPOT_E_OK) {
            rc = JLDEPOT_EXIT_REJECTED;
            jldepot_error("%s: %s: %s", cmd, in, jldepot_strerror(err));
        }
        if (json) {
            json_object *r = json_object_new_object();
            jldepot_json_add_name(r, "input", in);
            if (have_out)
                jldepot_json_add_name_n(r, "output", buf, ol);
            else
                json_object_object_add(r, "output", NULL);
            jldepot_json_add_name(r, "status", jldepot_errjson(err));
            json_object_object_add(r, "depot",
                                   depot >= 0 ? json_object_new_int64(depot + 1) : NULL);
            json_object_array_add(arr, r);
        }
        else {
            // one line per input: the result, or the input itself when there is none
            puts(have_out ? buf : in);
        }
    }
    if (json) {
        json_print(arr);
        json_object_put(arr);
    }
    free(buf);
    jldepot_upstream_free(up);
    jl_depot_stack_free(s);
    free(inputs);
    return rc;
usage_err:
    fprintf(stderr, "see 'jldepot %s --help'\n", cmd);
    free(inputs);
    return JLDEPOT_EXIT_USAGE;
}

int jldepot_cmd_tokenize(int argc, char **argv)
{
    return path_cmd(argc, argv, 0);
}

int jldepot_cmd_resolve(int argc, char **argv)
{
    return path_cmd(argc, argv, 1);
}
