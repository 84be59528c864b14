// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_inputkey.c: the platform of a cache and the input key of a
  package (jldepot_inputkey.h), the same code for `pack` and `substitute`.
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jldepot_errors.h"
#include "jldepot_bundle.h"
#include "jldepot_inputkey.h"

static char *dupn(jl_cache_str_t s)
{
    char *p = malloc(s.len + 1);
    if (p) {
        if (s.len)
            memcpy(p, s.ptr, s.len);
        p[s.len] = '\0';
    }
    return p;
}

void jldepot_platform_free(jldepot_platform_t *p)
{
    free(p->julia_version);
    free(p->julia_commit);
    free(p->os);
    free(p->arch);
    free(p->cpu_targets);
    memset(p, 0, sizeof(*p));
}

int jldepot_platform_of(const jl_cachefile_t *cf, jldepot_platform_t *out)
{
    memset(out, 0, sizeof(*out));
    out->julia_version = dupn(cf->julia_version);
    out->julia_commit = dupn(cf->git_commit);
    out->os = dupn(cf->build_os);
    out->arch = dupn(cf->build_arch);
    out->flags = cf->flags;
    size_t n = 1;
    for (size_t i = 0; i < cf->ntargets; i++)
        n += cf->targets[i].name.len + 1;
    if ((out->cpu_targets = malloc(n)))
        out->cpu_targets[0] = '\0';
    for (size_t i = 0; out->cpu_targets && i < cf->ntargets; i++) {
        if (i)
            strcat(out->cpu_targets, ";");
        strncat(out->cpu_targets, cf->targets[i].name.ptr, cf->targets[i].name.len);
    }
    for (size_t i = 0; i < cf->nreqmods; i++)
        if (cf->reqmods[i].name.len == 4 && !memcmp(cf->reqmods[i].name.ptr, "Base", 4))
            snprintf(out->sysimage, sizeof(out->sysimage), "%016llx%016llx",
                     (unsigned long long)cf->reqmods[i].build_id.hi,
                     (unsigned long long)cf->reqmods[i].build_id.lo);
    if (!out->julia_version || !out->julia_commit || !out->os || !out->arch || !out->cpu_targets) {
        jldepot_platform_free(out);
        return JL_DEPOT_E_NOMEM;
    }
    return JL_DEPOT_E_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int jldepot_input_key(const jldepot_platform_t *p, const char *name, const char *uuid,
                      const char *tree_sha1, const char *prefs, char *const *requires,
                      size_t nrequires, char out[65])
{
    out[0] = '\0';
    char **sorted = calloc(nrequires ? nrequires : 1, sizeof(char *));
    json_object *o = json_object_new_object(), *r = json_object_new_array();
    if (!sorted || !o || !r) {
        free(sorted);
        json_object_put(o);
        json_object_put(r);
        return JL_DEPOT_E_NOMEM;
    }
    // a client knows its dependencies as a set: sorted, and each once
    if (nrequires)
        memcpy(sorted, requires, nrequires * sizeof(char *));
    qsort(sorted, nrequires, sizeof(char *), cmp_str);
    for (size_t i = 0; i < nrequires; i++)
        if (i == 0 || strcmp(sorted[i], sorted[i - 1]))
            json_object_array_add(r, json_object_new_string(sorted[i]));
    free(sorted);
    json_object_object_add(o, "format", json_object_new_string(JLDEPOT_INPUT_FORMAT));
    json_object_object_add(o, "julia_version", json_object_new_string(p->julia_version));
    json_object_object_add(o, "julia_commit", json_object_new_string(p->julia_commit));
    json_object_object_add(o, "os", json_object_new_string(p->os));
    json_object_object_add(o, "arch", json_object_new_string(p->arch));
    json_object_object_add(o, "flags", json_object_new_int(p->flags));
    json_object_object_add(o, "cpu_targets", json_object_new_string(p->cpu_targets));
    json_object_object_add(o, "sysimage", json_object_new_string(p->sysimage));
    json_object_object_add(o, "package", json_object_new_string(name));
    json_object_object_add(o, "uuid", json_object_new_string(uuid));
    json_object_object_add(o, "git_tree_sha1", json_object_new_string(tree_sha1));
    json_object_object_add(o, "preferences", json_object_new_string(prefs));
    json_object_object_add(o, "requires", r);
    const char *text =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    int err = text ? JL_DEPOT_E_OK : JL_DEPOT_E_NOMEM;
    if (text)
        jldepot_sha256_mem(text, strlen(text), out);
    json_object_put(o);
    return err;
}
