// This file is a part of the jldepot project. License is MIT.

/*
  dihost.c: the host program of the debug-info test bed: a plain C program
  (built with -g) that loads the shared objects mkdiso links, the way Julia
  loads pkgimages, and runs their code, so that debuggers and symbolizers
  have real frames to look at.

    dihost [--arg N] SO...

  For each SO, in order: dlopen it, derive the package name from its
  directory (DEPOT/compiled/vX.Y/<Name>/<slug>.so), dlsym
  `jl_test_entry_<Name>` and call it with N (default 1); prints
  `<Name>\t<result>` per object.  Exit status 1 when an object cannot be
  loaded or has no entry.
*/

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*jl_test_entry_t)(int);

// The package name: the last directory component before the file name.
static int package_name(const char *path, char *out, size_t outsize)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return -1;
    const char *start = slash;
    while (start > path && start[-1] != '/')
        start--;
    size_t n = (size_t)(slash - start);
    if (n == 0 || n >= outsize)
        return -1;
    memcpy(out, start, n);
    out[n] = '\0';
    return 0;
}

// A separate, non-inlined frame, so a backtrace shows the host below the image.
__attribute__((noinline)) static int call_entry(jl_test_entry_t f, int arg)
{
    int r = f(arg);
    __asm__ volatile("" ::: "memory");
    return r;
}

int main(int argc, char **argv)
{
    int arg = 1, first = 1, status = 0;
    if (argc > 2 && strcmp(argv[1], "--arg") == 0) {
        arg = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: dihost [--arg N] SO...\n");
        return 2;
    }
    for (int i = first; i < argc; i++) {
        char name[256], sym[300];
        if (package_name(argv[i], name, sizeof(name)) != 0) {
            fprintf(stderr, "dihost: %s: no package directory in the path\n", argv[i]);
            status = 1;
            continue;
        }
        void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
        if (h == NULL) {
            fprintf(stderr, "dihost: %s\n", dlerror());
            status = 1;
            continue;
        }
        snprintf(sym, sizeof(sym), "jl_test_entry_%s", name);
        void *f = dlsym(h, sym);
        if (f == NULL) {
            fprintf(stderr, "dihost: %s: no symbol %s\n", argv[i], sym);
            status = 1;
            continue;
        }
        jl_test_entry_t entry;
        memcpy(&entry, &f, sizeof(entry));
        printf("%s\t%d\n", name, call_entry(entry, arg));
        fflush(stdout);
        // kept loaded: a debugger attached at exit still sees every image
    }
    return status;
}
