// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_verify.c: `jldepot verify`: check caches the way Julia's loader
  would (cacheverify.h), one line per cache, Julia's rejection lines, a
  per-dependency breakdown with -v, JSON with --json.  The only thing it
  writes is a cache's stamp, into a writable depot (--no-stamp: nothing).
  `jldepot seal` is the same walk, writing seals (doc/stamps.md).
*/

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cacheverify.h"
#include "jldepot.h"
#include "jldepot_out.h"
#include "jldepot_walk.h"
#include "jldepot_model.h"

static const char verify_help[] =
    "usage: jldepot verify [--json] [-v] [TARGET] [--flags 0xNN] [--ignore-pkgimage]\n"
    "                      [OPTIONS] [DEPOT|CACHEFILE...]\n"
    "\n"
    "Check caches the way Julia's loader would, in its order: the header against the\n"
    "target Julia, the flags, the pkgimage's presence, the module, the required\n"
    "modules, every dependency (size + CRC-32C, or mtime), crc_ji, crc_so.  Prints\n"
    "'fresh PATH' or Julia's 'Rejecting cache file PATH because REASON' per cache,\n"
    "the reasons a cache is not relocatable, and a summary line.  Every cache in the\n"
    "DEPOTs (compiled/v*/NAME/*.ji and compiled/v*/NAME.ji); every depot on\n"
    "DEPOT_PATH when no argument is given.  Without --depot-path the depot stack is\n"
    "the arguments' depots, then JULIA_DEPOT_PATH when it is set.  See doc/verify.md.\n"
    "\n"
    "target (default: taken from the first cache checked, and said so):\n"
    "  --julia-version V --julia-commit C [--julia-branch B] [--os OS] [--arch ARCH]\n"
    "  --like FILE.ji       take version, commit, branch, OS, arch, pointer size and\n"
    "                       format version from this cache's header\n"
    "options:\n"
    "  --flags 0xNN         the requested cache-flags byte (default 0xa3: Julia's\n"
    "                       default options with pkgimages)\n"
    "  --ignore-pkgimage    skip the pkgimage (.so) checks, check the rest\n"
    "  --no-stamp           neither use nor write stamps and seals (read everything)\n"
    "  --no-stamp-write     use stamps and seals, never write one\n"
    "  -v, --verbose        one line per dependency and per required module\n"
    "  --json               one JSON document\n"
    "exit status: 0 all fresh, 1 some cache rejected, 2 usage error or unreadable input\n"
    "depot options:\n"
    "  --depot-path LIST    use LIST instead of JULIA_DEPOT_PATH\n"
    "  --layout classic|xdg the user depot's layout\n"
    "  --julia-home DIR     Julia's bindir, for the bundled depots\n";

static const char seal_help[] =
    "usage: jldepot seal [--json] [TARGET] [--flags 0xNN] [--ignore-pkgimage]\n"
    "                    [OPTIONS] [DEPOT|CACHEFILE...]\n"
    "\n"
    "Check every cache by its content, as 'jldepot verify --no-stamp' does, and\n"
    "write the seal <slug>.seal next to each fresh one, atomically, so that later\n"
    "checks need one stat per dependency and read no source byte, even after the\n"
    "depot is made read-only.  A seal records sizes and mtimes (doc/stamps.md).\n"
    "Prints 'sealed PATH' or the rejection line per cache, then a summary.\n"
    "Target, depot options and operands as for 'jldepot verify'.\n"
    "exit status: 0 all sealed, 1 some cache rejected (not sealed), 2 usage error,\n"
    "unreadable input, or a seal that could not be written\n";

typedef jldepot_strlist_t list_t;

static void list_push(list_t *l, char *s)
{
    if (jldepot_strlist_push(l, s)) {
        fprintf(stderr, "jldepot: out of memory\n");
        exit(JLDEPOT_EXIT_USAGE);
    }
}

static void scan_compiled(const char *root, list_t *out)
{
    if (jldepot_scan_compiled(root, out)) {
        fprintf(stderr, "jldepot: out of memory\n");
        exit(JLDEPOT_EXIT_USAGE);
    }
}

// The depot of a cache file laid out as DEPOT/compiled/vX.Y/...: NULL otherwise.
static char *depot_of_cache(const char *abs)
{
    const char *p = strstr(abs, "/compiled/v");
    const char *last = NULL;
    while (p) {
        last = p;
        p = strstr(p + 1, "/compiled/v");
    }
    if (!last || last == abs)
        return NULL;
    return strndup(abs, (size_t)(last - abs));
}

// `p` is a depot root or compiled root of `s`, or lies under one.
static int in_stack(jl_depot_stack_t *s, const char *p)
{
    static const jl_depot_role_t roles[] = {JL_DEPOT_ROLE_DEPOT, JL_DEPOT_ROLE_COMPILED};
    for (size_t i = 0; i < jl_depot_stack_size(s); i++) {
        for (int k = 0; k < 2; k++) {
            const char *root = jl_depot_root(s, i, roles[k]);
            size_t n = root ? strlen(root) : 0;
            if (n && !strncmp(p, root, n) && (p[n] == '\0' || p[n] == '/'))
                return 1;
        }
    }
    return 0;
}

static char *make_abs(const char *p)
{
    char *norm = NULL;
    if (p[0] == '/') {
        if (jldepot_normalize(p, &norm) == JL_DEPOT_E_OK)
            return norm;
        return strdup(p);
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd)))
        return strdup(p);
    char *j = jldepot_join(cwd, p);
    if (j && jldepot_normalize(j, &norm) == JL_DEPOT_E_OK) {
        free(j);
        return norm;
    }
    return j;
}

static json_object *jhex(uint64_t v, int w)
{
    char b[40];
    snprintf(b, sizeof(b), "0x%0*llx", w, (unsigned long long)v);
    return jldepot_jstr(b);
}

static json_object *juuid(jl_cache_u128_t u)
{
    char b[37];
    jl_cache_uuid_format(u, b);
    return jldepot_jstr(b);
}


static json_object *result_json(const jl_verify_result_t *r, jl_depot_stack_t *s)
{
    json_object *o = json_object_new_object();
    jldepot_json_add_name(o, "file", r->path);
    // a file whose header cannot be parsed is unreadable: whether it would be
    // relocatable is unknown, not "no"
    int unreadable = r->layout == JL_CACHE_LAYOUT_UNKNOWN && r->status != JL_DEPOT_E_OK;
    jldepot_json_add_name(o, "verdict",
                          r->status == JL_DEPOT_E_OK ? "fresh"
                          : unreadable               ? "unreadable"
                                                     : "stale");
    jldepot_json_add_name(o, "status", jldepot_errjson(r->status));
    jldepot_json_add_name(o, "reason", r->reason);
    json_object_object_add(o, "stale_check", json_object_new_boolean(r->stale));
    jldepot_json_add_name(o, "package", r->pkgname);
    json_object_object_add(
        o, "depot",
        r->depot >= 0 ? jldepot_jstr(jl_depot_root(s, (size_t)r->depot, JL_DEPOT_ROLE_DEPOT))
                      : NULL);
    jldepot_json_add_name(o, "layout", jl_cache_layout_name(r->layout));
    json_object_object_add(o, "relocatable",
                           unreadable ? NULL : json_object_new_boolean(r->relocatable));
    jldepot_json_add_name(o, "stamp", jl_verify_stamp_use_name(r->stamp));
    json_object_object_add(o, "stamp_rejected", json_object_new_boolean(r->stamp_rejected));
    json_object *mods = json_object_new_array();
    for (size_t i = 0; i < r->nmods; i++) {
        const jl_verify_mod_t *m = &r->mods[i];
        json_object *x = json_object_new_object();
        jldepot_json_add_name(x, "name", m->name);
        json_object_object_add(x, "uuid", juuid(m->uuid));
        json_object_object_add(x, "build_id", juuid(m->build_id));
        jldepot_json_add_name(x, "verdict", jl_verify_mod_verdict_name(m->verdict));
        jldepot_json_add_name(x, "cache", m->cache);
        json_object_array_add(mods, x);
    }
    json_object_object_add(o, "modules", mods);
    return o;
}

#define VERIFY_JSON_FLAGS \
    (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

typedef struct {
    const jl_verify_result_t *r;
    jl_depot_stack_t *s;
} deps_ctx_t;

// A cache's lists of reasons and of dependencies, streamed: a hostile header
// may have millions.
static void emit_lists(FILE *f, void *ctx, size_t which)
{
    const jl_verify_result_t *r = ((deps_ctx_t *)ctx)->r;
    jl_depot_stack_t *s = ((deps_ctx_t *)ctx)->s;
    fputc('[', f);
    if (which == 0) {
        for (size_t i = 0; i < r->nreloc; i++) {
            json_object *x = json_object_new_object();
            jldepot_json_add_name(x, "reason", jldepot_errjson(r->reloc[i].code));
            jldepot_json_add_name(x, "path", r->reloc[i].path);
            jldepot_json_add_name(x, "text", r->reloc[i].text);
            jldepot_json_print_element(f, x, i, VERIFY_JSON_FLAGS);
        }
        fputs(r->nreloc ? "\n]" : "]", f);
        return;
    }
    for (size_t i = 0; i < r->ndeps; i++) {
        const jl_verify_dep_t *d = &r->deps[i];
        json_object *x = json_object_new_object();
        jldepot_json_add_name(x, "kind", jl_cache_dep_kind_name(d->kind));
        jldepot_json_add_name(x, "verdict", jl_verify_dep_verdict_name(d->verdict));
        jldepot_json_add_name(x, "stored", d->stored ? d->stored : "");
        if (d->kind == JL_CACHE_DEP_REQUIRE) {
            json_object_object_add(x, "uuid", juuid(d->req_uuid));
            jldepot_json_print_element(f, x, i, VERIFY_JSON_FLAGS);
            continue;
        }
        jldepot_json_add_name(x, "resolved", d->resolved);
        json_object_object_add(
            x, "depot",
            d->depot >= 0 ? jldepot_jstr(jl_depot_root(s, (size_t)d->depot, JL_DEPOT_ROLE_DEPOT))
                          : NULL);
        json_object_object_add(x, "tokenized", json_object_new_boolean(d->tokenized));
        json_object_object_add(x, "outside_depots", json_object_new_boolean(d->outside));
        json_object_object_add(x, "mtime_tracked", json_object_new_boolean(d->mtime_tracked));
        if (d->mtime_tracked) {
            json_object_object_add(x, "mtime", json_object_new_double(d->mtime));
            json_object_object_add(x, "mtime_now", json_object_new_double(d->mtime_now));
        }
        else {
            json_object_object_add(x, "size", json_object_new_uint64(d->fsize));
            json_object_object_add(x, "size_now", json_object_new_uint64(d->fsize_now));
            json_object_object_add(x, "crc32c", jhex(d->hash, 8));
            json_object_object_add(x, "crc32c_now", jhex(d->hash_now, 8));
        }
        jldepot_json_print_element(f, x, i, VERIFY_JSON_FLAGS);
    }
    fputs(r->ndeps ? "\n]" : "]", f);
}

// One cache of the JSON document, printed at once (then `r` can be freed).
static void print_result_json(const jl_verify_result_t *r, jl_depot_stack_t *s, size_t i)
{
    json_object *o = result_json(r, s);
    deps_ctx_t dc = {r, s};
    static const char *const keys[] = {"relocatable_reasons", "dependencies"};
    fputs(i ? ",\n" : "\n", stdout);
    jldepot_json_print_holes(stdout, o, VERIFY_JSON_FLAGS, keys, 2, emit_lists, &dc);
    json_object_put(o);
}

static void print_target(const jl_cacheverify_t *v, FILE *f)
{
    const jl_verify_target_t *t = jl_cacheverify_target(v);
    const char *src = jl_cacheverify_target_source(v);
    fprintf(f, "target: Julia %s, commit \"%s\"", t->julia_version ? t->julia_version : "?",
            t->julia_commit ? t->julia_commit : "");
    if (t->julia_branch)
        fprintf(f, ", branch \"%s\"", t->julia_branch);
    fprintf(f, ", %s %s, flags 0x%02x", t->os ? t->os : "?", t->arch ? t->arch : "?",
            (unsigned)t->flags);
    if (src) {
        char *es = jldepot_escape(src);
        fprintf(f, " (taken from the first cache checked, %s)", es ? es : "");
        free(es);
    }
    fputc('\n', f);
}

static void print_verbose(const jl_verify_result_t *r)
{
    for (size_t i = 0; i < r->nmods; i++) {
        const jl_verify_mod_t *m = &r->mods[i];
        char u[37];
        jl_cache_uuid_format(m->uuid, u);
        const char *what = m->verdict == JL_VERIFY_MOD_SYSIMAGE
                               ? "assumed from the sysimage"
                               : jl_verify_mod_verdict_name(m->verdict);
        char *en = jldepot_escape(m->name), *ec = jldepot_escape(m->cache);
        if (m->uuid.hi == 0 && m->uuid.lo == 0)
            printf("    module %s: %s%s%s\n", en ? en : "", what, m->cache ? " " : "",
                   m->cache && ec ? ec : "");
        else
            printf("    module %s [%s]: %s%s%s\n", en ? en : "", u, what, m->cache ? " " : "",
                   m->cache && ec ? ec : "");
        free(en);
        free(ec);
    }
    for (size_t i = 0; i < r->ndeps; i++) {
        const jl_verify_dep_t *d = &r->deps[i];
        char *es = jldepot_escape(d->stored);
        if (d->kind == JL_CACHE_DEP_REQUIRE) {
            printf("    require %s\n", es ? es : "");
            free(es);
            continue;
        }
        char *er = jldepot_escape(d->resolved ? d->resolved : "(unresolved)");
        printf("    %s %s %s -> %s%s%s\n", jl_verify_dep_verdict_name(d->verdict),
               jl_cache_dep_kind_name(d->kind), es ? es : "", er ? er : "",
               d->outside ? " (outside every depot)" : "",
               d->mtime_tracked ? " (mtime-tracked)" : "");
        free(es);
        free(er);
    }
}

static int parse_flags(const char *s, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 0);
    if (errno || end == s || *end || x < 0 || x > 255)
        return -1;
    *out = (int)x;
    return 0;
}

static int run_verify(int argc, char **argv, int seal)
{
    const char *cmd = seal ? "seal" : "verify";
    jldepot_stack_opts_t o;
    jldepot_stack_opts_init(&o);
    const char *env_dp = o.cfg.depot_path;
    int json = 0, verbose = 0;
    const char *like = NULL;
    jl_verify_target_t t;
    memset(&t, 0, sizeof(t));
    t.flags = -1;
    list_t ops = {0}, caches = {0}, opdepots = {0};
    int rc = JLDEPOT_EXIT_OK;
    char *dp = NULL;
    char *like_strs[5] = {0};
    jl_depot_stack_t *s = NULL;
    jl_cacheverify_t *v = NULL;
    for (int i = 1; i < argc;) {
        int r = jldepot_stack_option(&o, argc, argv, &i);
        if (r < 0) {
            rc = JLDEPOT_EXIT_USAGE;
            goto out;
        }
        if (r > 0)
            continue;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(seal ? seal_help : verify_help, stdout);
            goto out;
        }
        if (!strcmp(a, "--json")) {
            json = 1;
            i++;
            continue;
        }
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbose = 1;
            i++;
            continue;
        }
        if (!strcmp(a, "--ignore-pkgimage")) {
            t.options |= JL_VERIFY_IGNORE_PKGIMAGE;
            i++;
            continue;
        }
        if (!seal && !strcmp(a, "--no-stamp")) {
            t.options |= JL_VERIFY_NO_STAMP;
            i++;
            continue;
        }
        if (!seal && !strcmp(a, "--no-stamp-write")) {
            t.options |= JL_VERIFY_NO_STAMP_WRITE;
            i++;
            continue;
        }
        static const char *const valopts[] = {
            "--julia-version", "--julia-commit", "--julia-branch", "--os",
            "--arch",          "--like",         "--flags"};
        int matched = -1;
        const char *val = NULL;
        for (size_t k = 0; k < sizeof(valopts) / sizeof(valopts[0]); k++) {
            size_t n = strlen(valopts[k]);
            if (!strncmp(a, valopts[k], n) && (a[n] == '\0' || a[n] == '=')) {
                matched = (int)k;
                if (a[n] == '=')
                    val = a + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                break;
            }
        }
        if (matched >= 0) {
            if (!val) {
                jldepot_error("%s: option '%s' requires an argument", cmd, a);
                rc = JLDEPOT_EXIT_USAGE;
                goto out;
            }
            switch (matched) {
            case 0:
                t.julia_version = val;
                break;
            case 1:
                t.julia_commit = val;
                break;
            case 2:
                t.julia_branch = val;
                break;
            case 3:
                t.os = val;
                break;
            case 4:
                t.arch = val;
                break;
            case 5:
                like = val;
                break;
            case 6:
                if (parse_flags(val, &t.flags)) {
                    jldepot_error("%s: invalid --flags value '%s' (a byte, e.g. 0xa3)", cmd, val);
                    rc = JLDEPOT_EXIT_USAGE;
                    goto out;
                }
                break;
            }
            i++;
            continue;
        }
        if (a[0] == '-' && a[1]) {
            jldepot_error("%s: unknown option '%s'", cmd, a);
            fprintf(stderr, "see 'jldepot %s --help'\n", cmd);
            rc = JLDEPOT_EXIT_USAGE;
            goto out;
        }
        list_push(&ops, make_abs(a));
        i++;
    }
    if ((t.julia_version != NULL) != (t.julia_commit != NULL)) {
        jldepot_error("%s: --julia-version and --julia-commit go together", cmd);
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    if (like && t.julia_version) {
        jldepot_error("%s: give either --like or --julia-version/--julia-commit", cmd);
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    jl_cachefile_t *likecf = NULL;
    if (like) {
        int err = jl_cachefile_read_header(like, 0, &likecf);
        if (err) {
            jldepot_error("%s: %s: %s", cmd, like, jldepot_strerror(err));
            rc = JLDEPOT_EXIT_USAGE;
            goto out;
        }
        jl_cache_str_t f[5] = {likecf->julia_version, likecf->git_commit, likecf->git_branch,
                               likecf->build_os, likecf->build_arch};
        for (int k = 0; k < 5; k++)
            like_strs[k] = strndup(f[k].ptr ? f[k].ptr : "", f[k].len);
        t.julia_version = like_strs[0];
        t.julia_commit = like_strs[1];
        t.julia_branch = like_strs[2];
        t.os = like_strs[3];
        t.arch = like_strs[4];
        t.pointer_size = likecf->pointer_size;
        t.format_version = likecf->format_version;
        jl_cachefile_free(likecf);
    }

    // the depot stack: --depot-path, else the operands' depots (then
    // JULIA_DEPOT_PATH when set); operands inside a depot of the stack the
    // environment gives (an XDG layout splits a depot) add none
    jl_depot_stack_t *env_s = o.cfg.depot_path == env_dp ? jldepot_stack_build(&o) : NULL;
    for (size_t k = 0; k < ops.n; k++) {
        struct stat st;
        if (stat(ops.v[k], &st) != 0) {
            jldepot_errno_error(cmd, ops.v[k], errno, 0);
            rc = JLDEPOT_EXIT_USAGE;
            continue;
        }
        if (env_s && in_stack(env_s, ops.v[k]))
            continue;
        if (S_ISDIR(st.st_mode))
            list_push(&opdepots, strdup(ops.v[k]));
        else {
            char *d = depot_of_cache(ops.v[k]);
            if (d)
                list_push(&opdepots, d);
        }
    }
    if (o.cfg.depot_path == env_dp && opdepots.n > 0) {
        size_t n = 1;
        for (size_t k = 0; k < opdepots.n; k++)
            n += strlen(opdepots.v[k]) + 1;
        n += env_dp ? strlen(env_dp) + 1 : 0;
        dp = malloc(n);
        if (!dp) {
            rc = JLDEPOT_EXIT_USAGE;
            goto out;
        }
        dp[0] = '\0';
        for (size_t k = 0; k < opdepots.n; k++) {
            if (k)
                strcat(dp, ":");
            strcat(dp, opdepots.v[k]);
        }
        if (env_dp) {
            strcat(dp, ":");
            strcat(dp, env_dp);
        }
        o.cfg.depot_path = dp;
    }
    if (env_s)
        jl_depot_stack_free(env_s);
    s = jldepot_stack_build(&o);
    if (!s) {
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    size_t nd = jl_depot_stack_size(s);
    if (ops.n == 0) {
        for (size_t i = 0; i < nd; i++)
            scan_compiled(jl_depot_root(s, i, JL_DEPOT_ROLE_COMPILED), &caches);
    }
    for (size_t k = 0; k < ops.n; k++) {
        if (!jldepot_is_dir(ops.v[k])) {
            if (access(ops.v[k], F_OK) == 0)
                list_push(&caches, strdup(ops.v[k]));
            continue;
        }
        // a depot operand: its compiled root in the stack (XDG layouts put it elsewhere)
        const char *root = NULL;
        for (size_t i = 0; i < nd; i++)
            if (!strcmp(jl_depot_root(s, i, JL_DEPOT_ROLE_DEPOT), ops.v[k]))
                root = jl_depot_root(s, i, JL_DEPOT_ROLE_COMPILED);
        char *fallback = root ? NULL : jldepot_join(ops.v[k], "compiled");
        scan_compiled(root ? root : fallback, &caches);
        free(fallback);
    }

    if (jl_cacheverify_new(s, &t, &v) != JL_DEPOT_E_OK) {
        jldepot_error("%s: out of memory", cmd);
        rc = JLDEPOT_EXIT_USAGE;
        goto out;
    }
    size_t nfresh = 0, nstale = 0, nnotreloc = 0, nerr = 0, nunreadable = 0;
    size_t njson = 0; // caches printed: the document is streamed, cache by cache
    if (json)
        fputs("{\n\"caches\": [", stdout);
    int target_printed = 0;
    if (!json && jl_cacheverify_target(v)->julia_version) {
        print_target(v, stdout);
        target_printed = 1;
    }
    for (size_t k = 0; k < caches.n; k++) {
        jl_verify_result_t *r;
        int err = seal ? jl_cacheverify_seal_file(v, caches.v[k], &r)
                       : jl_cacheverify_file(v, caches.v[k], &r);
        if (err && r) {
            // fresh, but its seal could not be written
            jldepot_error("seal: %s: %s", r->path, jldepot_strerror(err));
            nerr++;
            if (json)
                print_result_json(r, s, njson++);
            jl_verify_result_free(r);
            continue;
        }
        if (err) {
            jldepot_error("%s: %s: %s", cmd, caches.v[k], jldepot_strerror(err));
            nerr++;
            continue;
        }
        if (!json && !target_printed) {
            print_target(v, stdout);
            target_printed = 1;
        }
        if (r->status == JL_DEPOT_E_NOT_FOUND || r->status == JL_DEPOT_E_IO) {
            jldepot_error("%s: %s: %s", cmd, r->path, jldepot_strerror(r->status));
            nerr++;
        }
        else if (r->status == JL_DEPOT_E_OK)
            nfresh++;
        else if (r->layout == JL_CACHE_LAYOUT_UNKNOWN)
            nunreadable++;
        else
            nstale++;
        if (!r->relocatable && r->layout != JL_CACHE_LAYOUT_UNKNOWN)
            nnotreloc++;
        if (json)
            print_result_json(r, s, njson++);
        else {
            // one record, one line: names are escaped (jldepot_out.h)
            char *ep = jldepot_escape(r->path);
            char *er = jldepot_escape(r->reason ? r->reason : jldepot_strerror(r->status));
            if (r->status == JL_DEPOT_E_OK)
                printf("%s %s\n", seal ? "sealed" : "fresh", ep ? ep : "");
            else
                printf("Rejecting %scache file %s because %s\n", r->stale ? "stale " : "",
                       ep ? ep : "", er ? er : "");
            free(ep);
            free(er);
            for (size_t i = 0; i < r->nreloc; i++) {
                char *et = jldepot_escape(r->reloc[i].text);
                printf("  not relocatable: %s\n", et ? et : "");
                free(et);
            }
            if (verbose) {
                if (!seal)
                    printf("    stamp: %s%s\n", jl_verify_stamp_use_name(r->stamp),
                           r->stamp_rejected ? " (a stamp or seal did not match)" : "");
                print_verbose(r);
            }
        }
        jl_verify_result_free(r);
    }
    if (json) {
        json_object *doc = json_object_new_object();
        const jl_verify_target_t *tt = jl_cacheverify_target(v);
        json_object *jt = json_object_new_object();
        jldepot_json_add_name(jt, "julia_version", tt->julia_version);
        jldepot_json_add_name(jt, "julia_commit", tt->julia_commit);
        jldepot_json_add_name(jt, "julia_branch", tt->julia_branch);
        jldepot_json_add_name(jt, "os", tt->os);
        jldepot_json_add_name(jt, "arch", tt->arch);
        json_object_object_add(jt, "pointer_size", json_object_new_int(tt->pointer_size));
        json_object_object_add(jt, "flags", jhex((uint64_t)tt->flags, 2));
        jldepot_json_add_name(jt, "source", jl_cacheverify_target_source(v));
        json_object_object_add(doc, "target", jt);
        json_object *sum = json_object_new_object();
        json_object_object_add(sum, "fresh", json_object_new_uint64(nfresh));
        json_object_object_add(sum, "stale", json_object_new_uint64(nstale));
        json_object_object_add(sum, "not_relocatable", json_object_new_uint64(nnotreloc));
        json_object_object_add(sum, "unreadable", json_object_new_uint64(nunreadable));
        json_object_object_add(sum, "errors", json_object_new_uint64(nerr));
        json_object_object_add(doc, "summary", sum);
        // the rest of the document after the caches: the members of `doc`
        const char *rest = strchr(json_object_to_json_string_ext(doc, VERIFY_JSON_FLAGS), '{');
        printf("%s],%s\n", njson ? "\n" : "", rest ? rest + 1 : "}");
        json_object_put(doc);
    }
    else {
        if (!target_printed)
            printf("no cache file found\n");
        printf("%zu %s, %zu stale, %zu not relocatable", nfresh, seal ? "sealed" : "fresh", nstale,
               nnotreloc);
        if (nunreadable)
            printf(", %zu unreadable", nunreadable);
        printf("\n");
    }
    if (rc == JLDEPOT_EXIT_OK)
        rc = nerr                    ? JLDEPOT_EXIT_USAGE
             : nstale || nunreadable ? JLDEPOT_EXIT_REJECTED
                                     : JLDEPOT_EXIT_OK;
out:
    jl_cacheverify_free(v);
    if (s)
        jl_depot_stack_free(s);
    jldepot_strlist_free(&caches);
    jldepot_strlist_free(&ops);
    jldepot_strlist_free(&opdepots);
    for (int k = 0; k < 5; k++)
        free(like_strs[k]);
    free(dp);
    return rc;
}

int jldepot_cmd_verify(int argc, char **argv)
{
    return run_verify(argc, argv, 0);
}

int jldepot_cmd_seal(int argc, char **argv)
{
    return run_verify(argc, argv, 1);
}
