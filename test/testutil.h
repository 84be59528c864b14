// This file is a part of the jldepot project. License is MIT.

/*
  testutil.h: what every unit test shares: cmocka, a main() that can list its
  tests and run one of them (the runner forks one process per test, so a
  crash in one test cannot hide the others), and scratch-directory helpers.
*/

#ifndef JL_TESTUTIL_H
#define JL_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "depotpath.h"

// JL_TEST_MAIN(cmocka_unit_test(a), cmocka_unit_test(b), ...)
//   prog           runs every test
//   prog --list    prints the test names, one per line
//   prog NAME      runs the test NAME alone
#define JL_TEST_MAIN(...) \
    int main(int argc, char **argv) \
    { \
        const struct CMUnitTest tests_[] = {__VA_ARGS__}; \
        return jl_test_main(argc, argv, tests_, sizeof(tests_) / sizeof(tests_[0])); \
    }

int jl_test_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n);

// A fresh scratch directory under $TMPDIR (or /tmp), removed by jl_test_rmtree.
// Returns a malloc'ed absolute path, realpath'ed.
char *jl_test_mkdtemp(const char *tag);
// rm -rf; returns 0 on success.
int jl_test_rmtree(const char *path);
// mkdir -p of the directory part of `path`, then write `len` bytes.
void jl_test_write_file(const char *path, const void *data, size_t len);
// Read a whole file; *len receives its size.  Fails the test when missing.
uint8_t *jl_test_read_file(const char *path, size_t *len);
// mkdir -p.
void jl_test_mkdirs(const char *path);
// snprintf into a fresh malloc'ed string.
char *jl_test_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// The directory holding the test fixtures (test/fixtures), absolute.
const char *jl_test_fixtures(void);

// Append the classic depot at `root` (its roots `root`, `root`/artifacts,
// `root`/compiled, `root`/scratchspaces) to the runtime's stack; the code of
// jl_depot_stack_add.
int jl_test_add_classic(jl_depot_stack_t *s, const char *root);
// A runtime stack (jl_depot_stack_new + jl_depot_stack_add) of the classic
// depots at the ':'-separated roots of `list` (NULL or "": no depot), in
// order; `casefold` as jl_depot_stack_new takes it.  Fails the test when an
// entry is empty or rejected.
jl_depot_stack_t *jl_test_classic_stack(const char *list, int casefold);

#endif // JL_TESTUTIL_H
