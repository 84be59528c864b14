// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_inspect.c: `jldepot inspect FILE.ji [--json] [--resolve] [--no-so]`:
  every field of a cache file, the layout detected and why, and the result of
  the integrity checks (crc_ji, data checksum, pkgimage).  Exit 0 valid,
  1 parses but a check fails, 2 cannot be parsed.  Output: doc/inspect.md.
*/

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cachefile.h"
#include "jldepot.h"
#include "jldepot_out.h"
#include "jldepot_model.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: jldepot inspect FILE.ji [--json] [--resolve] [--no-so]\n"
               "                       [--depot-path LIST] [--layout classic|xdg] "
               "[--julia-home DIR]\n"
               "  --json      print every field as JSON (doc/inspect.md)\n"
               "  --resolve   also show each path resolved against the depot holding FILE\n"
               "  --no-so     do not check the pkgimage (.so)\n");
}

static void hex64(char *b, uint64_t v)
{
    snprintf(b, 19, "0x%016" PRIx64, v);
}

static void hex128(char *b, jl_cache_u128_t v)
{
    snprintf(b, 35, "0x%016" PRIx64 "%016" PRIx64, v.hi, v.lo);
}

static int uuid_zero(jl_cache_u128_t u)
{
    return u.hi == 0 && u.lo == 0;
}

// Print bytes that may hold anything (NUL, control bytes) readably.
static void put_bytes(FILE *f, jl_cache_str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

typedef struct {
    jl_depot_stack_t *stack;
    const char *file;
} resolver_t;

// The resolved form of `path` (malloc'ed) or NULL with *err set.
static char *resolve(resolver_t *r, jl_cache_str_t path, int *err)
{
    char *out = NULL;
    *err = jldepot_resolve_n(r->stack, r->file, 0, path.ptr, path.len, &out);
    return out;
}

static json_object *jhex64(uint64_t v)
{
    char b[20];
    hex64(b, v);
    return jldepot_jstr(b);
}

static json_object *jhex32(uint32_t v)
{
    char b[12];
    snprintf(b, sizeof(b), "0x%08" PRIx32, v);
    return jldepot_jstr(b);
}

static json_object *jhex128(jl_cache_u128_t v)
{
    char b[40];
    hex128(b, v);
    return jldepot_jstr(b);
}

static json_object *juuid(jl_cache_u128_t u)
{
    if (uuid_zero(u))
        return NULL;
    char b[37];
    jl_cache_uuid_format(u, b);
    return jldepot_jstr(b);
}

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

static json_object *jcheck(int v)
{
    return v < 0 ? NULL : json_object_new_boolean(v);
}

typedef struct {
    const jl_cachefile_t *cf;
    resolver_t *res;
} deps_ctx_t;

// The dependency list, streamed: a hostile header may have millions.
static void emit_deps(FILE *f, void *ctx)
{
    const jl_cachefile_t *cf = ((deps_ctx_t *)ctx)->cf;
    resolver_t *res = ((deps_ctx_t *)ctx)->res;
    fputc('[', f);
    for (size_t i = 0; i < cf->ndeps; i++) {
        const jl_cache_dep_t *d = &cf->deps[i];
        json_object *j = json_object_new_object();
        jldepot_json_add_name(j, "kind", jl_cache_dep_kind_name(d->kind));
        // a require entry's stored path is a binary key (NUL, 16 UUID bytes,
        // name): it is given decoded, as `name` and `uuid`
        if (d->kind == JL_CACHE_DEP_REQUIRE)
            json_object_object_add(j, "path", NULL);
        else
            jldepot_json_add_name_n(j, "path", d->path.ptr, d->path.len);
        if (d->kind == JL_CACHE_DEP_REQUIRE) {
            jldepot_json_add_name_n(j, "name", d->req_name.ptr, d->req_name.len);
            json_object_object_add(j, "uuid", juuid(d->req_uuid));
        }
        json_object_object_add(j, "fsize", json_object_new_uint64(d->fsize));
        json_object_object_add(j, "hash", jhex32(d->hash));
        json_object_object_add(j, "mtime", json_object_new_double(d->mtime));
        json_object_object_add(j, "content_tracked", json_object_new_boolean(d->mtime == -1.0));
        json_object_object_add(j, "provides", json_object_new_int(d->provides));
        json_object *mp = json_object_new_array();
        for (size_t k = 0; k < d->modpath_count; k++)
            json_object_array_add(mp, jldepot_jstr_n(cf->modpath[d->modpath_first + k].ptr,
                                                     cf->modpath[d->modpath_first + k].len));
        json_object_object_add(j, "module_path", mp);
        if (res && d->kind != JL_CACHE_DEP_REQUIRE) {
            int err;
            char *r = resolve(res, d->path, &err);
            json_object_object_add(j, "resolved", r ? jldepot_jstr(r) : NULL);
            jldepot_json_add_name(j, "resolve_status", jldepot_errjson(err));
            free(r);
        }
        jldepot_json_print_element(f, j, i, JSON_FLAGS);
    }
    fputs(cf->ndeps ? "\n]" : "]", f);
}

static void print_json(const jl_cachefile_t *cf, const char *file, int status,
                       const jl_cache_check_t *chk, resolver_t *res, int no_so)
{
    json_object *o = json_object_new_object();
    jldepot_json_add_name(o, "file", file);
    jldepot_json_add_name(o, "status", jldepot_errjson(status));
    if (status)
        jldepot_json_add_name(o, "message", jldepot_strerror(status));
    if (!cf) {
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return;
    }
    jldepot_json_add_name(o, "layout", jl_cache_layout_name(cf->layout));
    jldepot_json_add_name(o, "layout_detected_by", jl_cache_detect_name(cf->detected_by));
    jldepot_json_add_name(o, "layout_reason", cf->reason);
    json_object_object_add(o, "file_size", json_object_new_uint64(cf->file_size));
    json_object_object_add(o, "format_version", json_object_new_int(cf->format_version));
    json_object_object_add(o, "pointer_size", json_object_new_int(cf->pointer_size));
    jldepot_json_add_name_n(o, "build_os", cf->build_os.ptr, cf->build_os.len);
    jldepot_json_add_name_n(o, "build_arch", cf->build_arch.ptr, cf->build_arch.len);
    jldepot_json_add_name_n(o, "julia_version", cf->julia_version.ptr, cf->julia_version.len);
    jldepot_json_add_name_n(o, "git_branch", cf->git_branch.ptr, cf->git_branch.len);
    jldepot_json_add_name_n(o, "git_commit", cf->git_commit.ptr, cf->git_commit.len);
    json_object_object_add(o, "pkgimage_byte", json_object_new_int(cf->pkgimage));
    json_object_object_add(o, "checksum", jhex64(cf->checksum));
    json_object_object_add(o, "datastartpos", json_object_new_uint64(cf->datastartpos));
    json_object_object_add(o, "dataendpos", json_object_new_uint64(cf->dataendpos));
    jl_cache_flags_t fl = jl_cache_flags_decode(cf->flags);
    json_object *jf = json_object_new_object();
    json_object_object_add(jf, "value", json_object_new_int(cf->flags));
    json_object_object_add(jf, "use_pkgimages", json_object_new_int(fl.use_pkgimages));
    json_object_object_add(jf, "debug_level", json_object_new_int(fl.debug_level));
    json_object_object_add(jf, "check_bounds", json_object_new_int(fl.check_bounds));
    json_object_object_add(jf, "inline", json_object_new_int(fl.inline_));
    json_object_object_add(jf, "opt_level", json_object_new_int(fl.opt_level));
    json_object_object_add(o, "flags", jf);
    json_object_object_add(o, "syntax_version",
                           cf->has_syntax ? json_object_new_int(cf->syntax_version) : NULL);
    json_object_object_add(o, "build_id", jhex128(jl_cachefile_build_id(cf)));
    json_object *mods = json_object_new_array();
    for (size_t i = 0; i < cf->nworklist; i++) {
        json_object *m = json_object_new_object();
        jldepot_json_add_name_n(m, "name", cf->worklist[i].name.ptr, cf->worklist[i].name.len);
        json_object_object_add(m, "uuid", juuid(cf->worklist[i].uuid));
        json_object_object_add(m, "build_id_lo", jhex64(cf->worklist[i].build_id_lo));
        jl_cache_u128_t id = {cf->checksum, cf->worklist[i].build_id_lo};
        json_object_object_add(m, "build_id", jhex128(id));
        json_object_array_add(mods, m);
    }
    json_object_object_add(o, "modules", mods);
    json_object_object_add(o, "depblock_size", json_object_new_uint64(cf->depblock_size));
    json_object *pr = json_object_new_object();
    if (cf->prefs_form == JL_CACHE_PREFS_BLOB) {
        jldepot_json_add_name(pr, "form", "toml_blob");
        jldepot_json_add_name_n(pr, "blob", cf->prefs_blob.ptr, cf->prefs_blob.len);
    }
    else {
        jldepot_json_add_name(pr, "form", "names_hash");
        json_object *names = json_object_new_array();
        for (size_t i = 0; i < cf->npref_names; i++)
            json_object_array_add(names,
                                  jldepot_jstr_n(cf->pref_names[i].ptr, cf->pref_names[i].len));
        json_object_object_add(pr, "names", names);
        json_object_object_add(pr, "hash", jhex64(cf->prefs_hash));
    }
    json_object_object_add(o, "preferences", pr);
    json_object_object_add(o, "srctextpos", json_object_new_uint64(cf->srctextpos));
    json_object *rq = json_object_new_array();
    for (size_t i = 0; i < cf->nreqmods; i++) {
        json_object *m = json_object_new_object();
        jldepot_json_add_name_n(m, "name", cf->reqmods[i].name.ptr, cf->reqmods[i].name.len);
        json_object_object_add(m, "uuid", juuid(cf->reqmods[i].uuid));
        json_object_object_add(m, "build_id", jhex128(cf->reqmods[i].build_id));
        json_object_array_add(rq, m);
    }
    json_object_object_add(o, "required_modules", rq);
    json_object *ct = json_object_new_object();
    json_object_object_add(ct, "bytes", json_object_new_uint64(cf->clone_len));
    json_object_object_add(ct, "word_size",
                           cf->clone_len ? json_object_new_int((int)cf->target_word_size) : NULL);
    json_object *ts = json_object_new_array();
    for (size_t i = 0; i < cf->ntargets; i++) {
        const jl_cache_target_t *t = &cf->targets[i];
        json_object *j = json_object_new_object();
        jldepot_json_add_name_n(j, "name", t->name.ptr, t->name.len);
        json_object_object_add(j, "flags", json_object_new_int64(t->flags));
        json_object_object_add(j, "base", t->word_size == 8 ? json_object_new_int(t->base) : NULL);
        json_object_object_add(j, "feature_words", json_object_new_int64(t->nwords));
        jldepot_json_add_name_n(j, "ext_features", t->ext_features.ptr, t->ext_features.len);
        json_object_array_add(ts, j);
    }
    json_object_object_add(ct, "targets", ts);
    json_object_object_add(o, "clone_targets", ct);
    json_object_object_add(o, "split", json_object_new_boolean(cf->clone_len > 0));
    if (!cf->clone_len) {
        json_object *dj = json_object_new_object();
        json_object_object_add(dj, "start", json_object_new_uint64(cf->datastartpos));
        json_object_object_add(dj, "end", json_object_new_uint64(cf->dataendpos));
        json_object_object_add(dj, "size",
                               json_object_new_uint64(cf->dataendpos - cf->datastartpos));
        json_object_object_add(dj, "align", json_object_new_int((int)cf->data_align));
        json_object_object_add(o, "data", dj);
    }
    else {
        json_object_object_add(o, "data", NULL);
    }
    json_object *st = json_object_new_array();
    for (size_t i = 0; i < cf->nsrctext; i++) {
        json_object *j = json_object_new_object();
        jldepot_json_add_name_n(j, "name", cf->srctext[i].name.ptr, cf->srctext[i].name.len);
        json_object_object_add(j, "offset", json_object_new_uint64(cf->srctext[i].offset));
        json_object_object_add(j, "size", json_object_new_uint64(cf->srctext[i].len));
        json_object_array_add(st, j);
    }
    json_object_object_add(o, "source_text", st);
    json_object_object_add(o, "crc_so", jhex32(cf->crc_so));
    json_object_object_add(o, "crc_ji", jhex32(cf->crc_ji));
    json_object *ck = json_object_new_object();
    json_object_object_add(ck, "crc_ji", jcheck(chk->crc_ji_ok));
    json_object_object_add(ck, "data_crc", jcheck(chk->data_crc_ok));
    json_object_object_add(ck, "pkgimage_expected", json_object_new_boolean(chk->has_pkgimage));
    const char *so_state = !chk->has_pkgimage ? "none"
                           : no_so            ? "skipped"
                           : chk->so_error    ? jldepot_errjson(chk->so_error)
                           : chk->so_checked  ? "ok"
                                              : "not_checked";
    jldepot_json_add_name(ck, "pkgimage", so_state);
    char *so = chk->has_pkgimage ? jl_cachefile_so_path(file) : NULL;
    json_object_object_add(ck, "pkgimage_path", so ? jldepot_jstr(so) : NULL);
    free(so);
    json_object_object_add(o, "checks", ck);
    deps_ctx_t dc = {cf, res};
    jldepot_json_print_with(stdout, o, "dependencies", JSON_FLAGS, emit_deps, &dc);
    fputc('\n', stdout);
    json_object_put(o);
}

static void print_path(const jl_cache_str_t p, resolver_t *res)
{
    put_bytes(stdout, p);
    if (res) {
        int err;
        char *r = resolve(res, p, &err);
        if (err == JL_DEPOT_E_OK)
            printf("\n      -> %s", r);
        else
            printf("\n      -> (%s%s%s)", jldepot_strerror(err), r ? ": " : "", r ? r : "");
        free(r);
    }
}

static void print_human(const jl_cachefile_t *cf, const char *file, int status,
                        const jl_cache_check_t *chk, resolver_t *res, int no_so)
{
    char b[64], u[37];
    printf("cache file   %s (%zu bytes)\n", file, cf->file_size);
    printf("layout       %s (%s)\n", jl_cache_layout_name(cf->layout), cf->reason);
    printf("julia        ");
    put_bytes(stdout, cf->julia_version);
    printf(" on ");
    put_bytes(stdout, cf->build_os);
    printf(" ");
    put_bytes(stdout, cf->build_arch);
    printf(", branch \"");
    put_bytes(stdout, cf->git_branch);
    printf("\", commit \"");
    put_bytes(stdout, cf->git_commit);
    printf("\", format version %u, pointer size %u\n", cf->format_version, cf->pointer_size);
    for (size_t i = 0; i < cf->nworklist; i++) {
        printf("module       ");
        put_bytes(stdout, cf->worklist[i].name);
        jl_cache_uuid_format(cf->worklist[i].uuid, u);
        printf(" [%s]\n", u);
        jl_cache_u128_t id = {cf->checksum, cf->worklist[i].build_id_lo};
        hex128(b, id);
        printf("build id     %s\n", b);
    }
    hex64(b, cf->checksum);
    printf("checksum     %s\n", b);
    jl_cache_flags_t fl = jl_cache_flags_decode(cf->flags);
    static const char *cb[] = {"default", "yes", "no", "3"};
    printf("flags        0x%02x: pkgimages=%s debug-level=%d check-bounds=%s inline=%s "
           "optimize=%d\n",
           cf->flags, fl.use_pkgimages ? "yes" : "no", fl.debug_level, cb[fl.check_bounds],
           fl.inline_ ? "yes" : "no", fl.opt_level);
    if (cf->has_syntax)
        printf("syntax       %u (syntax version 1.%u)\n", cf->syntax_version,
               13u + cf->syntax_version);
    if (cf->clone_len)
        printf("pkgimage     split: native code in the .so (%zu clone-target bytes)\n",
               cf->clone_len);
    else
        printf("pkgimage     none: data inline [%" PRIu64 ", %" PRIu64 ") (%" PRIu64
               " bytes, aligned to %u)\n",
               cf->datastartpos, cf->dataendpos, cf->dataendpos - cf->datastartpos, cf->data_align);
    printf("dependencies (%zu; block size S = %" PRIu64 ")\n", cf->ndeps, cf->depblock_size);
    for (size_t i = 0; i < cf->ndeps; i++) {
        const jl_cache_dep_t *d = &cf->deps[i];
        if (d->kind == JL_CACHE_DEP_REQUIRE) {
            printf("  require             ");
            put_bytes(stdout, d->req_name);
            if (uuid_zero(d->req_uuid))
                printf(" [no uuid]");
            else {
                jl_cache_uuid_format(d->req_uuid, u);
                printf(" [%s]", u);
            }
        }
        else {
            printf("  %-19s ", jl_cache_dep_kind_name(d->kind));
            print_path(d->path, res);
            printf("\n      ");
            if (cf->layout != JL_CACHE_LAYOUT_L10)
                printf("size %" PRIu64 ", crc 0x%08" PRIx32 ", ", d->fsize, d->hash);
            if (d->mtime == -1.0)
                printf("content");
            else
                printf("mtime %.6f", d->mtime);
        }
        printf(", provides %d", d->provides);
        if (d->modpath_count) {
            printf(", module path ");
            for (size_t k = 0; k < d->modpath_count; k++) {
                if (k)
                    printf(".");
                put_bytes(stdout, cf->modpath[d->modpath_first + k]);
            }
        }
        printf("\n");
    }
    if (cf->prefs_form == JL_CACHE_PREFS_BLOB) {
        printf("preferences  TOML blob, %zu bytes\n", cf->prefs_blob.len);
        if (cf->prefs_blob.len) {
            put_bytes(stdout, cf->prefs_blob);
            printf("\n");
        }
    }
    else {
        printf("preferences  %zu names, hash 0x%016" PRIx64 "\n", cf->npref_names, cf->prefs_hash);
        for (size_t i = 0; i < cf->npref_names; i++) {
            printf("  ");
            put_bytes(stdout, cf->pref_names[i]);
            printf("\n");
        }
    }
    printf("srctextpos   %" PRIu64 "\n", cf->srctextpos);
    printf("required modules (%zu)\n", cf->nreqmods);
    for (size_t i = 0; i < cf->nreqmods; i++) {
        printf("  ");
        put_bytes(stdout, cf->reqmods[i].name);
        if (!uuid_zero(cf->reqmods[i].uuid)) {
            jl_cache_uuid_format(cf->reqmods[i].uuid, u);
            printf(" [%s]", u);
        }
        hex128(b, cf->reqmods[i].build_id);
        printf(" build id %s\n", b);
    }
    printf("clone targets (%zu bytes, %zu targets)\n", cf->clone_len, cf->ntargets);
    for (size_t i = 0; i < cf->ntargets; i++) {
        const jl_cache_target_t *t = &cf->targets[i];
        printf("  ");
        put_bytes(stdout, t->name);
        printf(" flags 0x%x, %u feature words of %u bytes", t->flags, t->nwords, t->word_size);
        if (t->word_size == 8)
            printf(", base %d", t->base);
        if (t->ext_features.len) {
            printf(", ext features ");
            put_bytes(stdout, t->ext_features);
        }
        printf("\n");
    }
    printf("source text (%zu files)\n", cf->nsrctext);
    for (size_t i = 0; i < cf->nsrctext; i++) {
        printf("  ");
        put_bytes(stdout, cf->srctext[i].name);
        printf(" (%" PRIu64 " bytes at %" PRIu64 ")\n", cf->srctext[i].len, cf->srctext[i].offset);
    }
    printf("trailer      crc_so 0x%08" PRIx32 ", crc_ji 0x%08" PRIx32 "\n", cf->crc_so, cf->crc_ji);
    printf("checks       crc_ji %s", chk->crc_ji_ok < 0 ? "not checked"
                                     : chk->crc_ji_ok   ? "valid"
                                                        : "INVALID");
    if (chk->data_crc_ok >= 0)
        printf(", data checksum %s", chk->data_crc_ok ? "valid" : "INVALID");
    if (!chk->has_pkgimage)
        printf(", no pkgimage expected");
    else if (no_so)
        printf(", pkgimage not checked (--no-so)");
    else if (chk->so_error)
        printf(", pkgimage: %s", jldepot_strerror(chk->so_error));
    else if (chk->so_checked)
        printf(", pkgimage valid");
    printf("\nstatus       %s\n", status ? jldepot_strerror(status) : "valid");
}

int jldepot_cmd_inspect(int argc, char **argv)
{
    int json = 0, do_resolve = 0, no_so = 0;
    const char *file = NULL;
    jldepot_stack_opts_t so;
    jldepot_stack_opts_init(&so);
    for (int i = 1; i < argc; i++) {
        int r = jldepot_stack_option(&so, argc, argv, &i);
        if (r < 0)
            return JLDEPOT_EXIT_USAGE;
        if (r > 0) { // *i is now past the option and its value
            i--;
            continue;
        }
        const char *a = argv[i];
        if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--resolve"))
            do_resolve = 1;
        else if (!strcmp(a, "--no-so"))
            no_so = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return JLDEPOT_EXIT_OK;
        }
        else if (a[0] == '-' && a[1]) {
            jldepot_error("inspect: unknown option '%s'", a);
            usage(stderr);
            return JLDEPOT_EXIT_USAGE;
        }
        else if (file) {
            jldepot_error("inspect: one cache file at a time");
            return JLDEPOT_EXIT_USAGE;
        }
        else
            file = a;
    }
    if (!file) {
        usage(stderr);
        return JLDEPOT_EXIT_USAGE;
    }
    jl_cachefile_t *cf = NULL;
    int err = jl_cachefile_read(file, 0, &cf);
    if (err) {
        if (json)
            print_json(NULL, file, err, NULL, NULL, no_so);
        jldepot_file_error("inspect", file, err, 0);
        return JLDEPOT_EXIT_USAGE;
    }
    resolver_t rv = {NULL, file}, *res = NULL;
    if (do_resolve) {
        // the depot holding the file first when DEPOT_PATH does not name it
        jldepot_strlist_t here = {0};
        char *d = jldepot_cache_depot(file);
        if (d)
            jldepot_strlist_push(&here, d);
        rv.stack = jldepot_stack_with(&so, &here);
        jldepot_strlist_free(&here);
        if (!rv.stack) {
            jl_cachefile_free(cf);
            return JLDEPOT_EXIT_USAGE;
        }
        res = &rv;
    }
    jl_cache_check_t chk;
    int status = jl_cachefile_check(cf, file, no_so ? JL_CACHEFILE_CHECK_NO_SO : 0, &chk);
    if (json)
        print_json(cf, file, status, &chk, res, no_so);
    else
        print_human(cf, file, status, &chk, res, no_so);
    fflush(stdout);
    if (status)
        jldepot_error("inspect: %s: %s", file, jldepot_strerror(status));
    if (rv.stack)
        jl_depot_stack_free(rv.stack);
    jl_cachefile_free(cf);
    return status ? JLDEPOT_EXIT_REJECTED : JLDEPOT_EXIT_OK;
}
