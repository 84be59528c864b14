// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_relocate.c: `jldepot relocate [--dry-run] [--json] [--role-tokens]
  [--refresh-mtimes] [--absolute] [depot options] DEPOT|CACHEFILE...`:
  rewrites the caches of depots (compiled/vX.Y/<Name>/NAME.ji) or the cache files
  given so that they are valid where they now are (cacherelocate.h).  One line
  per cache and a summary; exit 0 when no cache was refused, 1 when one was,
  2 on usage errors.  Manual: doc/relocate.md.
*/

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "atomicfile.h"
#include "cacherelocate.h"
#include "jldepot.h"
#include "jldepot_out.h"
#include "jldepot_walk.h"
#include "jldepot_model.h"

static void usage(FILE *f)
{
    fprintf(
        f, "usage: jldepot relocate [--dry-run] [--json] [--role-tokens] [--refresh-mtimes]\n"
           "                        [--depot-path LIST] [--layout classic|xdg] [--julia-home DIR]\n"
           "                        DEPOT|CACHEFILE...\n"
           "\n"
           "Rewrite the headers of cache files (every compiled/vX.Y/<Name>/*.ji of each DEPOT,\n"
           "or the files given) so that they are valid where they now are.  A DEPOT, or the\n"
           "depot holding a CACHEFILE, that is not on DEPOT_PATH is put in front of it.\n"
           "\n"
           "  --dry-run         print the plan (each path old -> new); write nothing\n"
           "  --json            print the result as JSON\n"
           "  --role-tokens     write role tokens (@artifacts, ...) for the patched Julia;\n"
           "                    by default only @depot, which an unpatched Julia 1.11+ reads\n"
           "  --refresh-mtimes  record the current mtimes of mtime-tracked dependencies\n"
           "                    (asserts the sources are unchanged; see doc/relocate.md)\n"
           "  --absolute        the reverse: token forms become absolute paths in the\n"
           "                    containing depot (what Julia writes outside DEPOT_PATH)\n");
}

// Every cache file of `depot` (its classic compiled root).
static int scan_depot(const char *depot, jldepot_strlist_t *files)
{
    char *compiled = jldepot_join(depot, "compiled");
    int rc = compiled ? jldepot_scan_compiled(compiled, files) : -1;
    free(compiled);
    return rc;
}

// Print bytes that may hold anything (NUL, control bytes) readably.
static void put_bytes(FILE *f, const char *p, size_t n)
{
    jldepot_put_name(p, n, f);
}

typedef struct {
    int dry_run, json;
    unsigned flags;
    size_t relocated, unchanged, refused, absolute;
    size_t njson; // caches printed (--json)
} run_t;

static void report_plan(run_t *run, const jl_cache_reloc_t *r)
{
    for (size_t i = 0; i < r->nnames; i++) {
        const jl_cache_reloc_name_t *e = &r->names[i];
        if (e->new_ && run->dry_run) {
            printf("  ");
            put_bytes(stdout, e->old.ptr, e->old.len);
            printf(" -> ");
            put_bytes(stdout, e->new_, e->newlen);
            printf("\n");
        }
        else if (e->action == JL_CACHE_RELOC_NOT_RELOCATABLE) {
            printf("  not relocatable: ");
            put_bytes(stdout, e->old.ptr, e->old.len);
            printf(" (%s)\n", jldepot_strerror(e->err));
        }
    }
    if (run->dry_run) {
        for (size_t i = 0; i < r->nmtimes; i++) {
            const jl_cache_reloc_mtime_t *m = &r->mtimes[i];
            printf("  mtime ");
            put_bytes(stdout, r->cf->deps[m->dep].path.ptr, r->cf->deps[m->dep].path.len);
            printf(": %.17g -> %.17g\n", m->old_mtime, m->new_mtime);
        }
    }
}

#define RELOC_JSON_FLAGS \
    (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

// A plan's lists of paths and of mtimes, streamed: a hostile header may
// have millions of names.
static void emit_plan(FILE *f, void *ctx, size_t which)
{
    const jl_cache_reloc_t *r = (const jl_cache_reloc_t *)ctx;
    size_t n = which == 0 ? r->nnames : r->nmtimes;
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        if (which == 0) {
            const jl_cache_reloc_name_t *e = &r->names[i];
            jldepot_json_add_name_n(o, "old", e->old.ptr, e->old.len);
            if (e->new_)
                jldepot_json_add_name_n(o, "new", e->new_, e->newlen);
            else
                jldepot_json_add_name_n(o, "new", e->old.ptr, e->old.len);
            jldepot_json_add_name(o, "action", jl_cache_reloc_action_name(e->action));
            if (e->action == JL_CACHE_RELOC_NOT_RELOCATABLE)
                jldepot_json_add_name(o, "reason", jldepot_errjson(e->err));
        }
        else {
            json_object_object_add(o, "dependency", json_object_new_uint64(r->mtimes[i].dep));
            json_object_object_add(o, "old", json_object_new_double(r->mtimes[i].old_mtime));
            json_object_object_add(o, "new", json_object_new_double(r->mtimes[i].new_mtime));
        }
        jldepot_json_print_element(f, o, i, RELOC_JSON_FLAGS);
    }
    fputs(n ? "\n]" : "]", f);
}

static void do_cache(run_t *run, jl_depot_stack_t *s, const char *file)
{
    jl_cache_reloc_t *r = NULL;
    int detail = 0;
    int err = jl_cache_relocate_plan(s, file, run->flags, &r, &detail);
    const char *status;
    if (!err && !run->dry_run)
        err = detail = jl_cache_relocate_apply(r);
    if (err) {
        status = "refused";
        run->refused++;
        if (detail && detail != err)
            jldepot_error("relocate: %s: %s (%s) [%s]", file, jldepot_strerror(err),
                          jldepot_strerror(detail), jldepot_errjson(err));
        else
            jldepot_file_error("relocate", file, err, 0);
    }
    else if (!r->out) {
        status = "unchanged";
        run->unchanged++;
    }
    else {
        status = run->dry_run ? "would_relocate" : "relocated";
        run->relocated++;
    }
    if (r)
        run->absolute += r->nabsolute;
    if (run->json) {
        json_object *o = json_object_new_object();
        jldepot_json_add_name(o, "file", file);
        jldepot_json_add_name(o, "status", status);
        if (err) {
            jldepot_json_add_name(o, "error", jldepot_errjson(err));
            jldepot_json_add_name(o, "message", jldepot_strerror(err));
            if (detail && detail != err)
                jldepot_json_add_name(o, "detail", jldepot_errjson(detail));
        }
        if (r) {
            jldepot_json_add_name(o, "layout", jl_cache_layout_name(r->cf->layout));
            json_object_object_add(o, "changed", json_object_new_uint64(r->nchanged));
            json_object_object_add(o, "not_relocatable", json_object_new_uint64(r->nabsolute));
            if (r->old_depot)
                jldepot_json_add_name(o, "old_depot", r->old_depot);
        }
        // one cache at a time: the document is streamed
        static const char *const keys[] = {"paths", "mtimes"};
        fputs(run->njson++ ? ",\n" : "\n", stdout);
        if (r)
            jldepot_json_print_holes(stdout, o, RELOC_JSON_FLAGS, keys, 2, emit_plan, r);
        else
            fputs(json_object_to_json_string_ext(o, RELOC_JSON_FLAGS), stdout);
        json_object_put(o);
    }
    else if (!err) {
        if (r->out)
            printf("%s %s (%zu paths%s)\n", run->dry_run ? "would relocate" : "relocated", file,
                   r->nchanged, r->nmtimes ? ", mtimes refreshed" : "");
        else
            printf("unchanged %s\n", file);
        report_plan(run, r);
    }
    fflush(stdout);
    jl_cache_relocate_free(r);
}

int jldepot_cmd_relocate(int argc, char **argv)
{
    run_t run;
    memset(&run, 0, sizeof(run));
    jldepot_stack_opts_t so;
    jldepot_stack_opts_init(&so);
    jldepot_strlist_t inputs = {0};
    for (int i = 1; i < argc; i++) {
        int r = jldepot_stack_option(&so, argc, argv, &i);
        if (r < 0)
            return JLDEPOT_EXIT_USAGE;
        if (r > 0) { // i is now past the option and its value
            i--;
            continue;
        }
        const char *a = argv[i];
        if (!strcmp(a, "--dry-run"))
            run.dry_run = 1;
        else if (!strcmp(a, "--json"))
            run.json = 1;
        else if (!strcmp(a, "--role-tokens"))
            run.flags |= JL_CACHE_RELOCATE_ROLE_TOKENS;
        else if (!strcmp(a, "--refresh-mtimes"))
            run.flags |= JL_CACHE_RELOCATE_REFRESH_MTIMES;
        else if (!strcmp(a, "--absolute"))
            run.flags |= JL_CACHE_RELOCATE_ABSOLUTE;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            jldepot_strlist_free(&inputs);
            return JLDEPOT_EXIT_OK;
        }
        else if (a[0] == '-' && a[1]) {
            jldepot_error("relocate: unknown option '%s'", a);
            usage(stderr);
            jldepot_strlist_free(&inputs);
            return JLDEPOT_EXIT_USAGE;
        }
        else if (jldepot_strlist_push(&inputs, strdup(a))) {
            jldepot_error("relocate: %s", jldepot_strerror(JL_DEPOT_E_NOMEM));
            return JLDEPOT_EXIT_USAGE;
        }
    }
    if (inputs.n == 0) {
        usage(stderr);
        return JLDEPOT_EXIT_USAGE;
    }
    if ((run.flags & JL_CACHE_RELOCATE_ABSOLUTE) &&
        (run.flags & (JL_CACHE_RELOCATE_ROLE_TOKENS | JL_CACHE_RELOCATE_REFRESH_MTIMES))) {
        jldepot_error("relocate: --absolute excludes --role-tokens and --refresh-mtimes");
        jldepot_strlist_free(&inputs);
        return JLDEPOT_EXIT_USAGE;
    }
    if (jldepot_casefold(&so.cfg)) // the stack's, for upstream's form
        run.flags |= JL_CACHE_RELOCATE_CASEFOLD;
    int rc = JLDEPOT_EXIT_USAGE;
    jldepot_strlist_t files = {0}, depots = {0};
    jl_depot_stack_t *s = NULL;
    // 1. the caches, and the depots they are in
    for (size_t i = 0; i < inputs.n; i++) {
        const char *in = inputs.v[i];
        struct stat st;
        if (stat(in, &st) != 0) {
            jldepot_errno_error("relocate", in, errno, 0);
            goto done;
        }
        char *depot;
        if (S_ISDIR(st.st_mode)) {
            depot = realpath(in, NULL);
            if (!depot || scan_depot(depot, &files)) {
                free(depot);
                jldepot_file_error("relocate", in, JL_DEPOT_E_IO, errno);
                goto done;
            }
        }
        else {
            depot = jldepot_cache_depot(in);
            if (jldepot_strlist_push(&files, jldepot_abspath(in))) {
                free(depot);
                goto done;
            }
        }
        if (depot && jldepot_strlist_push(&depots, depot))
            goto done;
    }
    // 2. the stack: the depots not on DEPOT_PATH go in front of it
    if (!(s = jldepot_stack_with(&so, &depots)))
        goto done;
    jl_depot_stack_prepare(s);
    // 3. temporary files an interrupted run left behind (older than this run)
    struct timespec start;
    clock_gettime(CLOCK_REALTIME, &start);
    if (!run.dry_run) {
        jldepot_strlist_t dirs = {0};
        for (size_t i = 0; i < files.n; i++) {
            char *d = strdup(files.v[i]);
            if (!d)
                break;
            char *sl = strrchr(d, '/');
            if (sl)
                *(sl == d ? sl + 1 : sl) = '\0';
            else
                strcpy(d, ".");
            int seen = 0;
            for (size_t k = 0; !seen && k < dirs.n; k++)
                seen = !strcmp(dirs.v[k], d);
            if (seen || jldepot_strlist_push(&dirs, d)) {
                if (seen)
                    free(d);
                continue;
            }
            size_t removed = 0;
            jl_cache_relocate_clean_temps(d, (int64_t)start.tv_sec, (int64_t)start.tv_nsec,
                                          &removed);
            if (removed && !run.json)
                printf("removed %zu stale temporary file%s in %s\n", removed,
                       removed == 1 ? "" : "s", d);
        }
        jldepot_strlist_free(&dirs);
    }
    // 4. each cache
    if (run.json)
        printf("{\n\"dry_run\": %s,\n\"caches\": [", run.dry_run ? "true" : "false");
    for (size_t i = 0; i < files.n; i++)
        do_cache(&run, s, files.v[i]);
    if (run.json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, run.dry_run ? "would_relocate" : "relocated",
                               json_object_new_uint64(run.relocated));
        json_object_object_add(o, "unchanged", json_object_new_uint64(run.unchanged));
        json_object_object_add(o, "refused", json_object_new_uint64(run.refused));
        json_object_object_add(o, "not_relocatable", json_object_new_uint64(run.absolute));
        // the rest of the document after the caches: the members of `o`
        const char *rest = strchr(json_object_to_json_string_ext(o, RELOC_JSON_FLAGS), '{');
        printf("%s],%s\n", run.njson ? "\n" : "", rest ? rest + 1 : "}");
        json_object_put(o);
    }
    else {
        printf("%zu %s, %zu unchanged, %zu refused, %zu paths not relocatable\n", run.relocated,
               run.dry_run ? "to relocate" : "relocated", run.unchanged, run.refused, run.absolute);
    }
    rc = run.refused ? JLDEPOT_EXIT_REJECTED : JLDEPOT_EXIT_OK;
done:
    if (s)
        jl_depot_stack_free(s);
    jldepot_strlist_free(&inputs);
    jldepot_strlist_free(&files);
    jldepot_strlist_free(&depots);
    return rc;
}
