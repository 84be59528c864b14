// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_walk.h: what the subcommands share to find cache files: a sorted
  string list and the walk of a depot's compiled root.
*/

#ifndef JLDEPOT_WALK_H
#define JLDEPOT_WALK_H

#include <stddef.h>

typedef struct {
    char **v;
    size_t n;
} jldepot_strlist_t;

// Append `s` (taken over; NULL is an allocation failure).  0, or -1 when out
// of memory (then `s` is freed).
int jldepot_strlist_push(jldepot_strlist_t *l, char *s);
void jldepot_strlist_free(jldepot_strlist_t *l);
// `a` + "/" + `b` (malloc'ed).
char *jldepot_join(const char *a, const char *b);
int jldepot_is_dir(const char *p);

// Every cache file under a compiled root, as Julia lays them out:
// <root>/vX.Y/<Name>/*.ji and <root>/vX.Y/<Name>.ji, sorted by version
// directory, then by path.  A missing root adds nothing.  0, or -1 when out
// of memory.
int jldepot_scan_compiled(const char *root, jldepot_strlist_t *out);

#endif // JLDEPOT_WALK_H
