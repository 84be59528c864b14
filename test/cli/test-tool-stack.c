// This file is a part of the jldepot project. License is MIT.

/*
  test-tool-stack.c: the tool's DEPOT_PATH builder (cli/jldepot_stack.h):
  DEPOT_PATH is built exactly as Julia's init_depot_path /
  append_bundled_depot_path! build it (base/initdefs.jl, 1.11+), plus the XDG
  opt-in layout of the user depot, the layout switch and the configuration
  from the environment.
*/

#include <unistd.h>

#include "testutil.h"
#include "depotpath.h"
#include "jldepot_model.h"
#include "jldepot_stack.h"
#include "jldepot_upstream.h"

static void base_cfg(jldepot_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->home = "/home/u";
    cfg->julia_bindir = "/opt/julia/bin";
    cfg->list_sep = ':';
    cfg->casefold = 0;
}

// The @depot roots joined by '|', and the layouts as a string of 'c'/'x'.
static void check_stack_cfg(const jldepot_config_t *cfg, const char *want, const char *layouts)
{
    jl_depot_stack_t *s = NULL;
    assert_int_equal(jldepot_stack_new(cfg, &s), JL_DEPOT_E_OK);
    char got[4096] = "", lay[64] = "";
    for (size_t i = 0; i < jl_depot_stack_size(s); i++) {
        if (i)
            strcat(got, "|");
        strcat(got, jl_depot_root(s, i, JL_DEPOT_ROLE_DEPOT));
        lay[i] = jldepot_layout_of(s, i) == JLDEPOT_LAYOUT_XDG ? 'x' : 'c';
    }
    if (strcmp(got, want) != 0)
        fail_msg("JULIA_DEPOT_PATH=%s: got '%s', want '%s'",
                 cfg->depot_path ? cfg->depot_path : "(unset)", got, want);
    if (layouts)
        assert_string_equal(lay, layouts);
    jl_depot_stack_free(s);
}

static void check_stack(const char *dp, const char *want)
{
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.depot_path = dp;
    check_stack_cfg(&cfg, want, NULL);
}

#define USER    "/home/u/.julia"
#define BUNDLED "/opt/julia/local/share/julia|/opt/julia/share/julia"

static void test_julia_rules(void **state)
{
    (void)state;
    check_stack(NULL, USER "|" BUNDLED);        // unset
    check_stack("", "");                        // empty: no depot at all
    check_stack(":", USER "|" BUNDLED);         // only empty entries: the defaults
    check_stack("::", USER "|" BUNDLED);        // duplicates are not added twice
    check_stack(":/x", USER "|" BUNDLED "|/x"); // leading empty: user + bundled first
    check_stack("/x:", "/x|" BUNDLED);          // trailing empty: bundled only
    check_stack("/x::/y", "/x|" BUNDLED "|/y"); // middle empty: bundled only
    check_stack("/x", "/x");                    // no empty entry: exactly the list
    check_stack("/x:/y", "/x|/y");              // order kept
    check_stack("/x/:/y//", "/x|/y");           // trailing separators dropped
    check_stack("/x:/x/", "/x");                // the same depot once
    check_stack("/a/./b/../c", "/a/c");         // normalized
    check_stack("~/d:~", "/home/u/d|/home/u");  // expanduser
    check_stack(":" USER, USER "|" BUNDLED);    // the user depot listed again
    check_stack("/opt/julia/share/julia:", "/opt/julia/share/julia|/opt/julia/local/share/julia");
}

static void test_bindir(void **state)
{
    (void)state;
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.julia_bindir = NULL; // without a bindir the bundled depots are omitted
    cfg.depot_path = NULL;
    check_stack_cfg(&cfg, USER, "c");
    cfg.depot_path = "/x:";
    check_stack_cfg(&cfg, "/x", "c");
    cfg.julia_bindir = "";
    cfg.depot_path = ":/x";
    check_stack_cfg(&cfg, USER "|/x", "cc");
    cfg.julia_bindir = "/usr/bin/"; // normalized: <bindir>/../local/share/julia
    cfg.depot_path = "/x:";
    check_stack_cfg(&cfg, "/x|/usr/local/share/julia|/usr/share/julia", "ccc");
}

static void test_relative_entries(void **state)
{
    (void)state;
    char *tmp = jl_test_mkdtemp("depotpath-cwd");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmp), 0);
    char *want = jl_test_fmt("%s/rel/d|/abs|%s", tmp, tmp);
    check_stack("rel/d/:/abs:.", want);
    free(want);
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.depot_path = NULL;
    cfg.julia_bindir = "bin"; // a relative bindir, like abspath(Sys.BINDIR, ...)
    want = jl_test_fmt(USER "|%s/local/share/julia|%s/share/julia", tmp, tmp);
    check_stack_cfg(&cfg, want, "ccc");
    free(want);
    assert_int_equal(chdir(cwd), 0);
    jl_test_rmtree(tmp);
    free(tmp);
}

static void test_list_separator(void **state)
{
    (void)state;
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.list_sep = ';';
    cfg.depot_path = "/x;/y:z;";
    check_stack_cfg(&cfg, "/x|/y:z|" BUNDLED, "cccc");
}

static void test_xdg_layout(void **state)
{
    (void)state;
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.layout = "xdg";
    // both XDG variables unset: the spec defaults
    check_stack_cfg(&cfg, "/home/u/.local/share/julia|" BUNDLED, "xcc");
    jl_depot_stack_t *s = NULL;
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_ARTIFACTS),
                        "/home/u/.local/share/julia/artifacts");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED),
                        "/home/u/.cache/julia/compiled");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_CACHE),
                        "/home/u/.cache/julia/scratchspaces");
    jl_depot_stack_free(s);
    // set values win; relative and empty values are ignored (XDG spec)
    cfg.xdg_data_home = "/xd/";
    cfg.xdg_cache_home = "relative/cache";
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_DEPOT), "/xd/julia");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_ARTIFACTS), "/xd/julia/artifacts");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED),
                        "/home/u/.cache/julia/compiled");
    jl_depot_stack_free(s);
    cfg.xdg_data_home = "";
    cfg.xdg_cache_home = "/xc";
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_DEPOT), "/home/u/.local/share/julia");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED), "/xc/julia/compiled");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_CACHE), "/xc/julia/scratchspaces");
    jl_depot_stack_free(s);
    // other explicit entries stay classic; the empty-entry rules are unchanged
    cfg.xdg_cache_home = NULL;
    cfg.depot_path = "/x";
    check_stack_cfg(&cfg, "/x", "c");
    cfg.depot_path = ":/x";
    check_stack_cfg(&cfg, "/home/u/.local/share/julia|" BUNDLED "|/x", "xccc");
    cfg.depot_path = "/x:";
    check_stack_cfg(&cfg, "/x|" BUNDLED, "ccc");
    // ...but the user depot named explicitly is the XDG user depot, as Julia's
    // Base.compiled_root sees it: its compiled files are in the cache home
    cfg.depot_path = "/x:/home/u/.local/share/julia/";
    check_stack_cfg(&cfg, "/x|/home/u/.local/share/julia", "cx");
    cfg.depot_path = "~/.local/share/./julia";
    check_stack_cfg(&cfg, "/home/u/.local/share/julia", "x");
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED),
                        "/home/u/.cache/julia/compiled");
    jl_depot_stack_free(s);
    cfg.layout = "classic"; // the same entry in the classic layout: a plain depot
    check_stack_cfg(&cfg, "/home/u/.local/share/julia", "c");
    cfg.layout = "xdg";
    cfg.depot_path = "/home/u/.local/share/julia2:/home/u/.local/share";
    check_stack_cfg(&cfg, "/home/u/.local/share/julia2|/home/u/.local/share", "cc");
    // no home: the XDG user depot needs both variables
    cfg.home = NULL;
    cfg.depot_path = NULL;
    check_stack_cfg(&cfg, BUNDLED, "cc");
    cfg.xdg_data_home = "/xd"; // the data directory alone is not enough
    check_stack_cfg(&cfg, BUNDLED, "cc");
    cfg.xdg_cache_home = "/xc";
    check_stack_cfg(&cfg, "/xd/julia|" BUNDLED, "xcc");
    // classic without home: no user depot
    cfg.layout = "classic";
    check_stack_cfg(&cfg, BUNDLED, "cc");
}

static void test_layout_switch(void **state)
{
    (void)state;
    jldepot_layout_t l;
    assert_int_equal(jldepot_layout_parse(NULL, &l), JL_DEPOT_E_OK);
    assert_int_equal(l, JLDEPOT_LAYOUT_CLASSIC);
    assert_int_equal(jldepot_layout_parse("", &l), JL_DEPOT_E_OK);
    assert_int_equal(l, JLDEPOT_LAYOUT_CLASSIC);
    assert_int_equal(jldepot_layout_parse("xdg", &l), JL_DEPOT_E_OK);
    assert_int_equal(l, JLDEPOT_LAYOUT_XDG);
    assert_int_equal(jldepot_layout_parse("Xdg", &l), JL_DEPOT_E_UNKNOWN_LAYOUT);
    assert_int_equal(jldepot_layout_parse("classic ", &l), JL_DEPOT_E_UNKNOWN_LAYOUT);
    assert_string_equal(jldepot_layout_name(JLDEPOT_LAYOUT_XDG), "xdg");
    assert_string_equal(jldepot_layout_name(JLDEPOT_LAYOUT_CLASSIC), "classic");
}

static void test_config_from_env(void **state)
{
    (void)state;
    setenv("HOME", "/home/envuser", 1);
    setenv("JULIA_DEPOT_PATH", ":/e", 1);
    setenv("JULIA_BINDIR", "/j/bin", 1);
    setenv("XDG_DATA_HOME", "/xdata", 1);
    unsetenv("XDG_CACHE_HOME");
    setenv(JLDEPOT_LAYOUT_ENV, "xdg", 1);
    jldepot_config_t cfg;
    jldepot_config_from_env(&cfg);
    assert_string_equal(cfg.home, "/home/envuser");
    assert_string_equal(cfg.depot_path, ":/e");
    assert_string_equal(cfg.layout, "xdg");
    assert_null(cfg.xdg_cache_home);
    assert_int_equal(cfg.casefold, -1);
    assert_int_equal(cfg.list_sep, JL_PATH_LIST_SEP);
    jl_depot_stack_t *s = NULL;
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_stack_size(s), 4);
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_DEPOT), "/xdata/julia");
    assert_string_equal(jl_depot_root(s, 0, JL_DEPOT_ROLE_COMPILED),
                        "/home/envuser/.cache/julia/compiled");
    assert_string_equal(jl_depot_root(s, 1, JL_DEPOT_ROLE_DEPOT), "/j/local/share/julia");
    assert_string_equal(jl_depot_root(s, 3, JL_DEPOT_ROLE_DEPOT), "/e");
    // the platform's default: names fold only on macOS and Windows
    char *folded = NULL;
    int fold_err = jldepot_tokenize(s, -1, "/E/x", &folded);
#if defined(__APPLE__) || defined(_WIN32)
    assert_int_equal(fold_err, JL_DEPOT_E_OK);
#else
    assert_int_equal(fold_err, JL_DEPOT_E_NOT_RELOCATABLE);
#endif
    free(folded);
    jl_depot_stack_free(s);
    setenv(JLDEPOT_LAYOUT_ENV, "flat", 1);
    jldepot_config_from_env(&cfg);
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_UNKNOWN_LAYOUT);
    unsetenv("JULIA_DEPOT_PATH");
    unsetenv(JLDEPOT_LAYOUT_ENV);
    jldepot_config_from_env(&cfg);
    assert_null(cfg.depot_path);
    assert_null(cfg.layout);
}

// The user depot put first (the first entry empty) and also listed later keeps
// its first place only; no other depot moves.
static void test_user_depot_first(void **state)
{
    (void)state;
    check_stack(":/a:" USER ":/b", USER "|" BUNDLED "|/a|/b");
    check_stack(":/a:" USER "/:/a:/home/u/./.julia", USER "|" BUNDLED "|/a");
    check_stack("/a:" USER "::/b", "/a|" USER "|" BUNDLED "|/b"); // entry 1 given: no move
    check_stack(":/opt/julia/share/julia", USER "|" BUNDLED);     // a bundled depot again
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.layout = "xdg"; // the XDG user depot, named explicitly later
    cfg.depot_path = ":/x:/home/u/.local/share/julia";
    check_stack_cfg(&cfg, "/home/u/.local/share/julia|" BUNDLED "|/x", "xccc");
    cfg.home = NULL; // no user depot to put first
    check_stack_cfg(&cfg, BUNDLED "|/x|/home/u/.local/share/julia", "cccc");
}

// Every depot reaches the runtime with its four role roots, normalized.
static void test_role_roots(void **state)
{
    (void)state;
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.depot_path = "/x/./y/:~";
    jl_depot_stack_t *s = NULL;
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    assert_int_equal(jl_depot_stack_size(s), 2);
    const char *want[2][JL_DEPOT_NROLES] = {
        {"/x/y", "/x/y/artifacts", "/x/y/compiled", "/x/y/scratchspaces"},
        {"/home/u", "/home/u/artifacts", "/home/u/compiled", "/home/u/scratchspaces"}};
    for (size_t i = 0; i < 2; i++)
        for (int r = 0; r < JL_DEPOT_NROLES; r++)
            assert_string_equal(jl_depot_root(s, i, (jl_depot_role_t)r), want[i][r]);
    // classic depots: upstream's @depot form applies to them
    char buf[256];
    size_t ol;
    assert_int_equal(jldepot_tokenize_upstream(s, cfg.casefold, -1, "/x/y/compiled/a", 15, buf,
                                               sizeof(buf), &ol, NULL),
                     JL_DEPOT_E_OK);
    assert_string_equal(buf, "@depot/compiled/a");
    jl_depot_stack_free(s);
    // the XDG user depot is not a classic one
    cfg.layout = "xdg";
    cfg.depot_path = NULL;
    assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
    const char *xp = "/home/u/.local/share/julia/packages/a";
    assert_int_equal(
        jldepot_tokenize_upstream(s, cfg.casefold, -1, xp, strlen(xp), buf, sizeof(buf), &ol, NULL),
        JL_DEPOT_E_NOT_RELOCATABLE);
    char *out = NULL;
    assert_int_equal(jldepot_tokenize(s, -1, "/home/u/.local/share/julia/packages/a", &out),
                     JL_DEPOT_E_OK);
    assert_string_equal(out, "@depot/packages/a");
    free(out);
    jl_depot_stack_free(s);
}

static void test_casefold(void **state)
{
    (void)state;
    jldepot_config_t cfg;
    base_cfg(&cfg);
    cfg.depot_path = "/Users/Me/.Julia";
    for (int fold = 0; fold <= 2; fold++) { // any non-zero value is "on"
        cfg.casefold = fold;
        jl_depot_stack_t *s = NULL;
        assert_int_equal(jldepot_stack_new(&cfg, &s), JL_DEPOT_E_OK);
        char *out = NULL;
        int err = jldepot_tokenize(s, -1, "/users/me/.julia/a", &out);
        assert_int_equal(err, fold ? JL_DEPOT_E_OK : JL_DEPOT_E_NOT_RELOCATABLE);
        assert_string_equal(out, fold ? "@depot/a" : "/users/me/.julia/a");
        free(out);
        assert_int_equal(jldepot_casefold(&cfg), fold != 0);
        jl_depot_stack_free(s);
    }
}

static void test_errors(void **state)
{
    (void)state;
    // an unknown layout, before anything is built
    jldepot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.layout = "XDG";
    jl_depot_stack_t *t = (jl_depot_stack_t *)1;
    assert_int_equal(jldepot_stack_new(&cfg, &t), JL_DEPOT_E_UNKNOWN_LAYOUT);
    assert_null(t);
    // the code is the tool's (no runtime code), with its own names and message
    assert_true((int)JL_DEPOT_E_UNKNOWN_LAYOUT >= (int)JL_DEPOT_E__COUNT);
    assert_string_equal(jldepot_errname(JL_DEPOT_E_UNKNOWN_LAYOUT), "UNKNOWN_LAYOUT");
    assert_string_equal(jldepot_errjson(JL_DEPOT_E_UNKNOWN_LAYOUT), "unknown_layout");
    assert_string_equal(jldepot_strerror(JL_DEPOT_E_UNKNOWN_LAYOUT),
                        "the depot layout is neither classic nor xdg");
    // an entry too long, after depots that were fine: nothing is returned
    size_t big = JL_DEPOT_PATH_MAX;
    char *dp = (char *)malloc(big + 8);
    assert_non_null(dp);
    memcpy(dp, "/ok::/", 6);
    memset(dp + 6, 'a', big - 6);
    dp[big] = '\0';
    base_cfg(&cfg);
    cfg.depot_path = dp;
    t = (jl_depot_stack_t *)1;
    assert_int_equal(jldepot_stack_new(&cfg, &t), JL_DEPOT_E_PATH_TOO_LONG);
    assert_null(t);
    // a home too long: the user depot, added last to be put first, fails
    memmove(dp, dp + 5, big - 5 + 1);
    cfg.home = dp;
    cfg.depot_path = ":/ok";
    assert_int_equal(jldepot_stack_new(&cfg, &t), JL_DEPOT_E_PATH_TOO_LONG);
    assert_null(t);
    free(dp);
    // a relative entry when the current directory cannot be read
    char *tmp = jl_test_mkdtemp("tool-stack-gone");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmp), 0);
    assert_int_equal(rmdir(tmp), 0);
    base_cfg(&cfg);
    cfg.depot_path = "/ok:rel";
    int err = jldepot_stack_new(&cfg, &t);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(err, JL_DEPOT_E_IO);
    assert_null(t);
    free(tmp);
}

JL_TEST_MAIN(cmocka_unit_test(test_julia_rules), cmocka_unit_test(test_bindir),
             cmocka_unit_test(test_relative_entries), cmocka_unit_test(test_list_separator),
             cmocka_unit_test(test_xdg_layout), cmocka_unit_test(test_layout_switch),
             cmocka_unit_test(test_config_from_env), cmocka_unit_test(test_user_depot_first),
             cmocka_unit_test(test_role_roots), cmocka_unit_test(test_casefold),
             cmocka_unit_test(test_errors))
