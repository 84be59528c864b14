// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_substitute.c: `jldepot substitute [PROJECT] [DEPOT]`: before
  anything is built, find the caches of an environment on the configured
  servers and unpack them.

  The environment's Manifest.toml (read with toml++, jldepot_toml.h) gives
  every package's UUID, git tree hash and dependencies; the platform (Julia
  version and commit, sysimage, flags, CPU targets) comes from a cache the
  same Julia wrote (--platform, or the first stdlib cache under
  --julia-home).  Each package's input key (jldepot_inputkey.h) is then
  looked up, in dependency order, at `<source url>/inputs/<key>.json` on the
  sources of the client's configuration (jldepot_trust.h), by priority.  An
  entry is used only when its bundle's signature is by a key that source
  trusts and signs this exact input key; the bundle is then fetched and
  unpacked exactly as `jldepot fetch` does (its signature checked again
  against the bytes, the output key pinned).

  Every package is reported: substituted, not on any server, not servable
  (a stdlib ships with Julia and is left out; dev'd or path packages, no
  tree hash, a deps/build.jl, preferences, or a dependency that is not
  servable), or refused (the error's name).  What is left is what
  Pkg.precompile() builds.
*/

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jldepot.h"
#include "jldepot_bundle.h"
#include "jldepot_inputkey.h"
#include "jldepot_out.h"
#include "jldepot_sigfile.h"
#include "jldepot_sign.h"
#include "jldepot_toml.h"
#include "jldepot_treehash.h"
#include "jldepot_trust.h"
#include "jldepot_model.h"

#define SUB_MAX_TOML  ((size_t)64 << 20)
#define SUB_MAX_ENTRY ((uint64_t)1 << 20)

static const char sub_help[] =
    "usage: jldepot substitute (--platform CACHE.ji | --julia-home DIR) [--json] [-q]\n"
    "                          [--allow-unsigned] [OPTIONS] [PROJECT] [DEPOT]\n"
    "\n"
    "Compute the input key of every package of the environment PROJECT (a directory\n"
    "with Project.toml and Manifest.toml, default .), ask the servers of the client's\n"
    "configuration (config/jldepot/sources.toml, see doc/serving.md) in priority\n"
    "order for a bundle built from exactly those inputs, and fetch and unpack what\n"
    "they have into DEPOT (default: the first depot on DEPOT_PATH), dependencies\n"
    "first.  Each package is reported: substituted, not on any server, not servable\n"
    "(dev'd or path packages, deps/build.jl, preferences) or refused (signature).\n"
    "Pkg.precompile() builds the rest.\n"
    "\n"
    "options:\n"
    "  --platform CACHE.ji  a cache written by the Julia that will load these caches,\n"
    "                       with the same options (its version, commit, sysimage,\n"
    "                       flags and CPU targets)\n"
    "  --julia-home DIR     Julia's bindir: its identity from its bundled stdlib caches,\n"
    "                       the cache flags and CPU target of a session of DIR/julia\n"
    "  --json               one JSON document instead of the text report\n"
    "  -q, --quiet          the summary line only\n"
    "  --allow-unsigned     accept unsigned bundles, for this command only\n"
    "  --depot-path LIST    the depots after DEPOT (default JULIA_DEPOT_PATH)\n"
    "exit status: 0 nothing refused, 1 some package refused, 2 usage or I/O error\n";

typedef enum { S_PENDING, S_STDLIB, S_NOT_SERVABLE, S_MISSING, S_SUBSTITUTED, S_REFUSED } state_t;

static const char *state_json[] = {"pending",           "stdlib",      "not_servable",
                                   "not_on_any_server", "substituted", "refused"};

typedef struct {
    char *name, *uuid, *tree, *path;
    char **deps; // names (or UUIDs, when the manifest gives a table)
    size_t ndeps;
    state_t state;
    char *why;       // not servable / refused: the reason
    int err;         // refused: the error
    char key[65];    // input key
    char *source;    // substituted: the source URL
    char outkey[65]; // substituted: the output key
    int visiting;
} pkg_t;

typedef struct {
    pkg_t *p;
    size_t n;
} env_t;

static char *jstrdup(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return strdup(json_object_get_string(v));
}

static void env_free(env_t *e)
{
    for (size_t i = 0; i < e->n; i++) {
        pkg_t *p = &e->p[i];
        free(p->name);
        free(p->uuid);
        free(p->tree);
        free(p->path);
        for (size_t k = 0; k < p->ndeps; k++)
            free(p->deps[k]);
        free(p->deps);
        free(p->why);
        free(p->source);
    }
    free(e->p);
}

// One manifest entry (a table of `[[deps.NAME]]`).
static int add_entry(env_t *e, const char *name, json_object *t)
{
    pkg_t *v = realloc(e->p, (e->n + 1) * sizeof(pkg_t));
    if (!v)
        return JL_DEPOT_E_NOMEM;
    e->p = v;
    pkg_t *p = &e->p[e->n++];
    memset(p, 0, sizeof(*p));
    p->name = strdup(name);
    p->uuid = jstrdup(t, "uuid");
    p->tree = jstrdup(t, "git-tree-sha1");
    p->path = jstrdup(t, "path");
    json_object *d;
    if (json_object_object_get_ex(t, "deps", &d)) {
        if (json_object_is_type(d, json_type_array)) {
            size_t n = json_object_array_length(d);
            p->deps = calloc(n ? n : 1, sizeof(char *));
            for (size_t k = 0; p->deps && k < n; k++) {
                json_object *x = json_object_array_get_idx(d, k);
                if (json_object_is_type(x, json_type_string))
                    p->deps[p->ndeps++] = strdup(json_object_get_string(x));
            }
        }
        else if (json_object_is_type(d, json_type_object)) { // NAME = UUID
            p->deps = calloc((size_t)json_object_object_length(d) + 1, sizeof(char *));
            json_object_object_foreach(d, k, x)
            {
                (void)k;
                if (p->deps && json_object_is_type(x, json_type_string))
                    p->deps[p->ndeps++] = strdup(json_object_get_string(x));
            }
        }
    }
    return !p->name ? JL_DEPOT_E_NOMEM : p->uuid ? JL_DEPOT_E_OK : JL_DEPOT_E_ENV_MALFORMED;
}

// Manifest format 2 (`[[deps.NAME]]`) and the older format 1 (`[[NAME]]`).
static int read_manifest(const char *project, env_t *e, char **err)
{
    char *path = NULL;
    json_object *m = NULL;
    static const char *const names[] = {"JuliaManifest.toml", "Manifest.toml"};
    for (size_t i = 0; i < 2 && !m; i++) {
        free(path);
        if (asprintf(&path, "%s/%s", project, names[i]) < 0)
            return JL_DEPOT_E_NOMEM;
        if (access(path, F_OK) == 0 || i == 1) {
            free(*err);
            *err = NULL;
            m = jldepot_toml_parse_file(path, SUB_MAX_TOML, err);
            if (!m) {
                free(path);
                return JL_DEPOT_E_ENV_MALFORMED;
            }
        }
    }
    free(path);
    json_object *deps = m, *fmt;
    if (json_object_object_get_ex(m, "manifest_format", &fmt) &&
        !json_object_object_get_ex(m, "deps", &deps))
        deps = NULL;
    int rc = JL_DEPOT_E_OK;
    if (deps) {
        json_object_object_foreach(deps, name, arr)
        {
            if (!json_object_is_type(arr, json_type_array))
                continue; // julia_version = ..., project_hash = ... (format 1 has none)
            for (size_t i = 0; i < json_object_array_length(arr) && !rc; i++) {
                rc = add_entry(e, name, json_object_array_get_idx(arr, i));
                if (rc == JL_DEPOT_E_ENV_MALFORMED &&
                    asprintf(err, "%s/Manifest.toml: the entry of %s has no uuid", project, name) <
                        0)
                    *err = NULL;
            }
        }
    }
    json_object_put(m);
    return rc;
}

static pkg_t *find_dep(env_t *e, const char *ref)
{
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->p[i].name, ref) || !strcmp(e->p[i].uuid, ref))
            return &e->p[i];
    return NULL;
}

static void set_why(pkg_t *p, state_t st, const char *fmt, const char *arg)
{
    p->state = st;
    free(p->why);
    if (asprintf(&p->why, fmt, arg) < 0)
        p->why = NULL;
}

// Whether the project's preferences name the package (compile-time ones
// enter the cache's key in a way only Julia can compute).
static int has_preferences(const char *project, const char *name)
{
    static const char *const files[] = {"LocalPreferences.toml", "JuliaLocalPreferences.toml",
                                        "Project.toml"};
    int found = 0;
    for (size_t i = 0; i < 3 && !found; i++) {
        char *path = NULL, *err = NULL;
        if (asprintf(&path, "%s/%s", project, files[i]) < 0)
            return 0;
        json_object *t =
            access(path, F_OK) == 0 ? jldepot_toml_parse_file(path, SUB_MAX_TOML, &err) : NULL;
        json_object *prefs = t;
        if (t && i == 2 && !json_object_object_get_ex(t, "preferences", &prefs))
            prefs = NULL;
        json_object *x;
        found = prefs && json_object_object_get_ex(prefs, name, &x);
        if (t)
            json_object_put(t);
        free(path);
        free(err);
    }
    return found;
}

// An installed tree of the package with a deps/build.jl: packages/NAME/*
// in every depot, the tree hash compared only for trees that have one.
static int has_build_jl(jl_depot_stack_t *s, const pkg_t *p)
{
    for (size_t d = 0; d < jl_depot_stack_size(s); d++) {
        const char *root = jl_depot_root(s, d, JL_DEPOT_ROLE_DEPOT);
        char *pat = NULL;
        if (!root || asprintf(&pat, "%s/packages/%s/*/deps/build.jl", root, p->name) < 0)
            continue;
        glob_t g;
        int found = 0;
        if (glob(pat, 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc && !found; i++) {
                char *tree = strdup(g.gl_pathv[i]), h[41];
                if (tree && strlen(tree) > 14) {
                    tree[strlen(tree) - 14] = '\0'; // "/deps/build.jl"
                    found = jldepot_tree_hash(tree, h) == JL_DEPOT_E_OK && !strcmp(h, p->tree);
                }
                free(tree);
            }
            globfree(&g);
        }
        free(pat);
        if (found)
            return 1;
    }
    return 0;
}

// Classify and key package p, its dependencies first.
static void key_pkg(env_t *e, pkg_t *p, const jldepot_platform_t *pf, const char *project,
                    jl_depot_stack_t *s)
{
    if (p->state != S_PENDING || p->visiting)
        return;
    if (!p->tree && !p->path) {
        p->state = S_STDLIB; // ships with Julia
        return;
    }
    if (p->path) {
        set_why(p, S_NOT_SERVABLE, "it is developed at %s (path), not an exact version", p->path);
        return;
    }
    p->visiting = 1;
    char **reqs = calloc(e->n + 1, sizeof(char *));
    size_t nreq = 0;
    // every package it loads, transitively: its dependencies' keys
    for (size_t k = 0; reqs && k < p->ndeps && p->state == S_PENDING; k++) {
        pkg_t *q = find_dep(e, p->deps[k]);
        if (!q) {
            set_why(p, S_NOT_SERVABLE, "its dependency %s is not in the manifest", p->deps[k]);
            break;
        }
        key_pkg(e, q, pf, project, s);
        if (q->state == S_STDLIB)
            continue;
        if (q->state == S_NOT_SERVABLE || !q->key[0]) {
            set_why(p, S_NOT_SERVABLE, "it requires %s, which is not servable", q->name);
            break;
        }
    }
    // the transitive closure (each once; stdlibs come with Julia)
    char *seen = calloc(e->n + 1, 1);
    size_t *stack = calloc(e->n + 1, sizeof(size_t)), ns = 0;
    if (p->state == S_PENDING && reqs && seen && stack) {
        stack[ns++] = (size_t)(p - e->p);
        seen[p - e->p] = 1;
        while (ns) {
            pkg_t *x = &e->p[stack[--ns]];
            for (size_t k = 0; k < x->ndeps; k++) {
                pkg_t *q = find_dep(e, x->deps[k]);
                if (!q || seen[q - e->p])
                    continue;
                seen[q - e->p] = 1;
                if (q->state == S_STDLIB)
                    continue;
                if (asprintf(&reqs[nreq], "%s %s", q->uuid, q->key) >= 0)
                    nreq++;
                stack[ns++] = (size_t)(q - e->p);
            }
        }
    }
    free(seen);
    free(stack);
    if (p->state == S_PENDING && has_preferences(project, p->name))
        set_why(p, S_NOT_SERVABLE, "%s", "it has preferences, which may be compile-time ones");
    if (p->state == S_PENDING && has_build_jl(s, p))
        set_why(p, S_NOT_SERVABLE, "%s", "it has a deps/build.jl");
    if (p->state == S_PENDING && jldepot_input_key(pf, p->name, p->uuid, p->tree, "none", reqs,
                                                   nreq, p->key) != JL_DEPOT_E_OK)
        set_why(p, S_NOT_SERVABLE, "%s", "its input key could not be computed");
    for (size_t k = 0; k < nreq; k++)
        free(reqs[k]);
    free(reqs);
    p->visiting = 0;
}

// Look p up on the sources, by priority; fetch the first signed match.
static void substitute_pkg(pkg_t *p, const jldepot_trust_t *t, const char *depot,
                           int allow_unsigned, const char *depot_path)
{
    // every source by priority until one has it: a refusal by one does not
    // hide a good bundle on the next
    for (size_t i = 0; t && i < t->n && p->state == S_PENDING; i++) {
        const jldepot_source_t *src = &t->sources[i];
        char *url = NULL, *buf = NULL, *detail = NULL;
        size_t len = 0;
        if (asprintf(&url, "%s/inputs/%s.json", src->url, p->key) < 0)
            continue;
        int err = jldepot_trust_url_ok(src, url);
        if (!err)
            err = jldepot_fetch_small(url, src, SUB_MAX_ENTRY, &buf, &len, &detail);
        free(url);
        if (err == JL_DEPOT_E_HTTP_NOT_FOUND || err) {
            free(detail);
            continue; // not there (or that server is down): the next one
        }
        json_object *doc = json_tokener_parse(buf), *arr = NULL;
        free(buf);
        int refused = 0;
        char why[256] = "";
        if (doc && json_object_object_get_ex(doc, "bundles", &arr) &&
            json_object_is_type(arr, json_type_array)) {
            for (size_t b = 0; b < json_object_array_length(arr) && p->state == S_PENDING; b++) {
                json_object *x = json_object_array_get_idx(arr, b), *sig;
                char *file = jstrdup(x, "file"), *perr = NULL;
                jldepot_bundle_sig_t st;
                memset(&st, 0, sizeof(st));
                const char *text = json_object_object_get_ex(x, "signature", &sig)
                                       ? json_object_to_json_string_ext(sig, JSON_C_TO_STRING_PLAIN)
                                       : "";
                int e = file && !strchr(file, '/') && file[0] != '.' ? JL_DEPOT_E_OK
                                                                     : JL_DEPOT_E_INDEX_MALFORMED;
                if (!e && jldepot_bundle_sig_parse(text, strlen(text), &st, &perr))
                    e = JL_DEPOT_E_SIG_MALFORMED;
                // the statement must be signed by a key this source trusts
                // and name this input key; unsigned only when allowed
                if (!e && !(allow_unsigned || !src->require_signatures))
                    e = jldepot_bundle_sig_check(src, &st, st.bundle_size, st.bundle_sha256);
                if (!e && strcmp(st.input_key, p->key))
                    e = JL_DEPOT_E_BUNDLE_KEY;
                if (!e) {
                    char *burl = NULL;
                    if (asprintf(&burl, "%s/%s", src->url, file) >= 0) {
                        char *argv[12];
                        int argc = 0;
                        argv[argc++] = "fetch";
                        argv[argc++] = "-q";
                        argv[argc++] = "--key";
                        argv[argc++] = st.output_key;
                        if (allow_unsigned)
                            argv[argc++] = "--allow-unsigned";
                        if (depot_path) {
                            argv[argc++] = "--depot-path";
                            argv[argc++] = (char *)depot_path;
                        }
                        argv[argc++] = burl;
                        argv[argc++] = (char *)depot;
                        argv[argc] = NULL;
                        fflush(stdout);
                        if (jldepot_cmd_fetch(argc, argv) == JLDEPOT_EXIT_OK) {
                            p->state = S_SUBSTITUTED;
                            p->source = strdup(src->url);
                            memcpy(p->outkey, st.output_key, 65);
                        }
                        else {
                            e = JL_DEPOT_E_DOWNLOAD_FAILED;
                            snprintf(why, sizeof(why), "the fetch of %s failed (see above)", file);
                        }
                        free(burl);
                    }
                }
                if (e && p->state == S_PENDING) {
                    refused = 1;
                    p->err = e;
                    if (!why[0])
                        snprintf(why, sizeof(why), "%s: %s", src->url, jldepot_strerror(e));
                }
                jldepot_bundle_sig_free(&st);
                free(file);
                free(perr);
            }
        }
        if (doc)
            json_object_put(doc);
        if (refused && p->state == S_PENDING && !p->why)
            p->why = strdup(why); // the first refusal; a later source may still have it
    }
    if (p->state == S_PENDING)
        p->state = p->err ? S_REFUSED : S_MISSING;
}

// What a default session of `julia` writes into a new cache: its cache flags
// and the names of its CPU targets (JULIA_CPU_TARGET, else -C, "native" being
// the host CPU), as loading.jl passes them to the precompile process.  0, or
// -1 when it cannot be run.
static const char session_script[] =
    "t = get(ENV, \"JULIA_CPU_TARGET\", unsafe_string(Base.JLOptions().cpu_target));"
    "n = [(s = String(first(split(x, ','))); s == \"native\" ? Sys.CPU_NAME : s)"
    " for x in split(t, ';')];"
    "print(Int(ccall(:jl_cache_flags, UInt8, ())), ' ', join(n, ';'))";

static int session_platform(const char *julia, jldepot_platform_t *pf)
{
    int fds[2];
    if (access(julia, X_OK) != 0 || pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(julia, julia, "--startup-file=no", "--history-file=no", "-e", session_script,
              (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(buf) - 1 &&
           ((k = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0 || (k < 0 && errno == EINTR)))
        n += k > 0 ? (size_t)k : 0;
    buf[n] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char *sp = strchr(buf, ' ');
    char *end = NULL;
    long flags = strtol(buf, &end, 10);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !sp || end != sp || flags < 0 ||
        flags > 255 || !sp[1] || strpbrk(sp + 1, " \n\r"))
        return -1;
    char *targets = strdup(sp + 1);
    if (!targets)
        return -1;
    free(pf->cpu_targets);
    pf->cpu_targets = targets;
    pf->flags = (int)flags;
    return 0;
}

// The platform: --platform, or Julia's identity from the first stdlib cache of
// --julia-home with the flags and CPU target of a session of its julia.
static int platform_from(const char *platform, const char *julia_home, jldepot_platform_t *pf)
{
    char *path = platform ? strdup(platform) : NULL;
    if (!platform) {
        char *pat = NULL;
        glob_t g;
        if (asprintf(&pat, "%s/../share/julia/compiled/v*/*/*.ji", julia_home) < 0)
            return JL_DEPOT_E_NOMEM;
        if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0)
            path = strdup(g.gl_pathv[0]);
        else
            jldepot_error("substitute: no stdlib cache under %s/../share/julia/compiled; give "
                          "--platform CACHE.ji",
                          julia_home);
        free(pat);
        if (!path)
            return JL_DEPOT_E_NOT_FOUND;
        globfree(&g);
    }
    jl_cachefile_t *cf = NULL;
    int err = jl_cachefile_read_header(path, 0, &cf);
    if (!err)
        err = jldepot_platform_of(cf, pf);
    if (err)
        jldepot_error("substitute: %s: %s [%s]", path, jldepot_strerror(err), jldepot_errjson(err));
    // the stdlib caches were built with the build's own options (-O3 -g2,
    // JULIA_CPU_TARGET); a user's session writes its own
    char *julia = NULL;
    if (!err && !platform && asprintf(&julia, "%s/julia", julia_home) >= 0 &&
        session_platform(julia, pf) != 0)
        jldepot_error("substitute: warning: %s could not be run: the cache flags and CPU "
                      "target of its stdlib caches are used",
                      julia);
    free(julia);
    jl_cachefile_free(cf);
    free(path);
    return err;
}

int jldepot_cmd_substitute(int argc, char **argv)
{
    jldepot_stack_opts_t so;
    jldepot_stack_opts_init(&so);
    const char *platform = NULL, *julia_home = NULL, *project = NULL, *depot = NULL;
    int json = 0, quiet = 0, allow_unsigned = 0;
    for (int i = 1; i < argc;) {
        int r = jldepot_stack_option(&so, argc, argv, &i);
        if (r < 0)
            return JLDEPOT_EXIT_USAGE;
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(sub_help, stdout);
            return JLDEPOT_EXIT_OK;
        }
        if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
            quiet = 1;
        else if (!strcmp(a, "--allow-unsigned"))
            allow_unsigned = 1;
        else if (!strcmp(a, "--platform") || !strcmp(a, "--julia-home")) {
            if (i + 1 >= argc) {
                jldepot_error("substitute: option '%s' requires an argument", a);
                return JLDEPOT_EXIT_USAGE;
            }
            *(a[2] == 'p' ? &platform : &julia_home) = argv[++i];
        }
        else if (a[0] == '-' && a[1]) {
            jldepot_error("substitute: unknown option '%s'", a);
            fprintf(stderr, "see 'jldepot substitute --help'\n");
            return JLDEPOT_EXIT_USAGE;
        }
        else if (!project)
            project = a;
        else if (!depot)
            depot = a;
        else {
            jldepot_error("substitute: too many arguments");
            return JLDEPOT_EXIT_USAGE;
        }
        i++;
    }
    if (!platform && !julia_home)
        julia_home = so.cfg.julia_bindir;
    if (!platform && !julia_home) {
        jldepot_error("substitute: the Julia that will load the caches is needed: give "
                      "--platform CACHE.ji or --julia-home DIR");
        return JLDEPOT_EXIT_USAGE;
    }
    if (!project)
        project = ".";
    struct stat st;
    if (stat(project, &st) == 0 && S_ISREG(st.st_mode)) {
        jldepot_error("substitute: %s is a file; give the environment's directory (the one "
                      "with Project.toml and Manifest.toml)",
                      project);
        return JLDEPOT_EXIT_USAGE;
    }
    const char *user_dp = so.cfg.depot_path;
    char *dp = NULL;
    jl_depot_stack_t *s = jldepot_target_stack(&so, depot, &dp);
    if (!s) {
        free(dp);
        return JLDEPOT_EXIT_USAGE;
    }
    const char *target = jl_depot_root(s, 0, JL_DEPOT_ROLE_DEPOT);
    env_t e = {0};
    jldepot_platform_t pf;
    memset(&pf, 0, sizeof(pf));
    jldepot_trust_t *t = NULL;
    char *err = NULL;
    int rc = JLDEPOT_EXIT_OK, ec;
    if ((ec = read_manifest(project, &e, &err))) {
        jldepot_error("substitute: %s [%s]", err ? err : jldepot_strerror(ec), jldepot_errjson(ec));
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    if (platform_from(platform, julia_home, &pf)) {
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    if ((ec = jldepot_trust_load(s, &t, &err))) {
        jldepot_error("substitute: %s [%s]", err ? err : jldepot_strerror(ec), jldepot_errjson(ec));
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < e.n; i++)
        key_pkg(&e, &e.p[i], &pf, project, s);
    // dependencies first: a package is tried once every dependency is done
    for (int progress = 1; progress;) {
        progress = 0;
        for (size_t i = 0; i < e.n; i++) {
            pkg_t *p = &e.p[i];
            if (p->state != S_PENDING)
                continue;
            int ready = 1;
            for (size_t k = 0; k < p->ndeps; k++) {
                pkg_t *q = find_dep(&e, p->deps[k]);
                ready &= !q || q->state != S_PENDING;
            }
            if (!ready)
                continue;
            substitute_pkg(p, t, target, allow_unsigned, user_dp);
            progress = 1;
        }
    }
    size_t count[6] = {0};
    json_object *arr = json ? json_object_new_array() : NULL;
    for (size_t i = 0; i < e.n; i++) {
        pkg_t *p = &e.p[i];
        count[p->state]++;
        if (p->state == S_REFUSED)
            rc = JLDEPOT_EXIT_REJECTED;
        if (p->state == S_STDLIB)
            continue;
        if (json) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "package", jldepot_jstr(p->name));
            json_object_object_add(x, "uuid", jldepot_jstr(p->uuid));
            json_object_object_add(x, "state", json_object_new_string(state_json[p->state]));
            json_object_object_add(x, "input_key",
                                   p->key[0] ? json_object_new_string(p->key) : NULL);
            json_object_object_add(x, "output_key",
                                   p->outkey[0] ? json_object_new_string(p->outkey) : NULL);
            json_object_object_add(x, "source",
                                   p->source ? json_object_new_string(p->source) : NULL);
            json_object_object_add(x, "reason", jldepot_jstr(p->why));
            json_object_object_add(x, "error",
                                   p->err ? json_object_new_string(jldepot_errjson(p->err)) : NULL);
            json_object_array_add(arr, x);
            continue;
        }
        if (quiet)
            continue;
        // names and reasons come from the manifest: one record, one line
        char *en = jldepot_escape(p->name), *ew = jldepot_escape(p->why ? p->why : ""),
             *es = jldepot_escape(p->source ? p->source : "");
        switch (p->state) {
        case S_SUBSTITUTED:
            printf("substituted %s (input %.16s, output %.16s) from %s\n", en, p->key, p->outkey,
                   es);
            break;
        case S_MISSING:
            printf("not on any server %s (input %.16s)\n", en, p->key);
            break;
        case S_NOT_SERVABLE:
            printf("not servable %s: %s\n", en, ew);
            break;
        case S_REFUSED:
            printf("refused %s: %s [%s]\n", en, ew, jldepot_errjson(p->err));
            break;
        default:
            break;
        }
        free(en);
        free(ew);
        free(es);
    }
    if (json) {
        json_object *doc = json_object_new_object();
        json_object_object_add(doc, "depot", json_object_new_string(target));
        json_object_object_add(doc, "packages", arr);
        puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
    }
    else
        printf("%zu substituted, %zu not on any server, %zu not servable, %zu refused (%zu "
               "stdlibs come with Julia); Pkg.precompile() builds the rest\n",
               count[S_SUBSTITUTED], count[S_MISSING], count[S_NOT_SERVABLE], count[S_REFUSED],
               count[S_STDLIB]);
out:
    free(err);
    env_free(&e);
    jldepot_platform_free(&pf);
    jldepot_trust_free(t);
    jl_depot_stack_free(s);
    free(dp);
    return rc;
}
