// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_walk.c: the walk of a depot's compiled root that verify, seal,
  relocate and pack share (jldepot_walk.h).
*/

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jldepot_walk.h"

int jldepot_strlist_push(jldepot_strlist_t *l, char *s)
{
    char **nv = s ? (char **)realloc(l->v, (l->n + 1) * sizeof(char *)) : NULL;
    if (!nv) {
        free(s);
        return -1;
    }
    l->v = nv;
    l->v[l->n++] = s;
    return 0;
}

void jldepot_strlist_free(jldepot_strlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

char *jldepot_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = (char *)malloc(la + lb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

int jldepot_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && !strcmp(s + n - k, suf);
}

// vX.Y (Julia's compiled/v1.11)
static int is_vdir(const char *s)
{
    return s[0] == 'v' && s[1] >= '0' && s[1] <= '9' && strchr(s, '.') != NULL;
}

// The sorted entries of `dir` whose names pass `want` (hidden ones never).
static int list_dir(const char *dir, int (*want)(const char *), jldepot_strlist_t *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t first = out->n;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && (!want || want(e->d_name)))
            rc = jldepot_strlist_push(out, jldepot_join(dir, e->d_name));
    closedir(d);
    if (out->n > first)
        qsort(out->v + first, out->n - first, sizeof(char *), cmp_str);
    return rc;
}

static int is_ji(const char *s)
{
    return has_suffix(s, ".ji");
}

int jldepot_scan_compiled(const char *root, jldepot_strlist_t *out)
{
    jldepot_strlist_t vdirs = {0}, entries = {0};
    int rc = list_dir(root, is_vdir, &vdirs);
    for (size_t i = 0; !rc && i < vdirs.n; i++) {
        size_t first = out->n;
        jldepot_strlist_free(&entries);
        rc = list_dir(vdirs.v[i], NULL, &entries);
        for (size_t k = 0; !rc && k < entries.n; k++) {
            if (jldepot_is_dir(entries.v[k]))
                rc = list_dir(entries.v[k], is_ji, out);
            else if (is_ji(entries.v[k]))
                rc = jldepot_strlist_push(out, strdup(entries.v[k]));
        }
        if (out->n > first)
            qsort(out->v + first, out->n - first, sizeof(char *), cmp_str);
    }
    jldepot_strlist_free(&vdirs);
    jldepot_strlist_free(&entries);
    return rc;
}
