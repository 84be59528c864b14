// This file is a part of the jldepot project. License is MIT.

/*
  mkhostile.c: writes a cache file with a hostile header for the scaling
  tests: a real cache (IN, e.g. written by mkcache) with its dependency list
  replaced by N include_dependency entries
  `@depot/packages/<Name>/hostl/src/fNNNNNNNN.jl` (content tracked, none of
  them on disk), written with the codec in the real format.

    mkhostile IN.ji N OUT.ji
*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachefile.h"
#include "jldepot_errors.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mkhostile IN.ji N OUT.ji\n");
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10);
    jl_cachefile_t *cf = NULL;
    int err = jl_cachefile_read(argv[1], 0, &cf);
    if (err || cf->nworklist == 0) {
        fprintf(stderr, "mkhostile: %s: %s\n", argv[1], jldepot_strerror(err));
        return 1;
    }
    const jl_cache_str_t name = cf->worklist[0].name;
    const size_t plen = 64 + name.len;
    char *names = (char *)malloc(n * plen);
    jl_cache_dep_t *deps = (jl_cache_dep_t *)calloc(n ? n : 1, sizeof(*deps));
    jl_cache_str_t *modpath = (jl_cache_str_t *)malloc(sizeof(*modpath));
    if (!names || !deps || !modpath) {
        fprintf(stderr, "mkhostile: %s\n", jldepot_strerror(JL_DEPOT_E_NOMEM));
        return 1;
    }
    modpath[0] = name;
    for (size_t i = 0; i < n; i++) {
        char *p = names + i * plen;
        int k = snprintf(p, plen, "@depot/packages/%.*s/hostl/src/f%08zu.jl", (int)name.len,
                         name.ptr, i);
        deps[i].path.ptr = p;
        deps[i].path.len = (size_t)k;
        deps[i].kind = JL_CACHE_DEP_INCLUDE_DEPENDENCY;
        deps[i].fsize = 100 + i % 1000;
        deps[i].hash = (uint32_t)(i * 2654435761u);
        deps[i].mtime = -1.0;
        deps[i].provides = 1;
        deps[i].modpath_first = 0;
        deps[i].modpath_count = 1;
    }
    jl_cache_dep_t *odeps = cf->deps;
    jl_cache_str_t *omodpath = cf->modpath;
    size_t ondeps = cf->ndeps, onmodpath = cf->nmodpath;
    cf->deps = deps;
    cf->ndeps = n;
    cf->modpath = modpath;
    cf->nmodpath = 1;
    uint8_t *out = NULL;
    size_t outlen = 0;
    if ((err = jl_cachefile_write(cf, 0, &out, &outlen))) {
        fprintf(stderr, "mkhostile: writing: %s\n", jldepot_strerror(err));
        return 1;
    }
    FILE *f = fopen(argv[3], "wb");
    if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0) {
        fprintf(stderr, "mkhostile: %s: cannot write\n", argv[3]);
        return 1;
    }
    printf("%s: %zu dependencies, %zu bytes\n", argv[3], n, outlen);
    cf->deps = odeps;
    cf->ndeps = ondeps;
    cf->modpath = omodpath;
    cf->nmodpath = onmodpath;
    jl_cachefile_free(cf);
    free(out);
    free(names);
    free(deps);
    free(modpath);
    return 0;
}
