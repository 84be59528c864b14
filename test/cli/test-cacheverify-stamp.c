// This file is a part of the jldepot project. License is MIT.

/*
  test-cacheverify-stamp.c: stamps and seals (cacheverify_stamp.c): written
  after a content check in a writable depot, used for a stat-only check,
  ignored (full check) when missing, truncated, damaged, made for another
  cache, or when any stat changed; never written into a read-only depot;
  seals survive chmod and a move of the depot; racy files are re-read; a
  stamp is never overruled by a seal; a seal written by someone who cannot
  write the .ji is ignored; the .ji's checksum is verified whatever the
  record says.
*/

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test-cachefile-util.h"
#include "cacheverify.h"

// Files younger than the racy window are not trusted by a stamp: age them
// the only way ctime allows, by waiting.
static void settle(void)
{
    struct timespec ts = {0, 80 * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct {
    char *depot, *greeter, *shapes;
} fx_t;

static fx_t make_fx(const char *tag)
{
    fx_t f;
    f.depot = copy_depot("sample-depot", tag);
    f.greeter = run_mkcache(f.depot, "--pkgimage", "Greeter");
    f.shapes = run_mkcache(f.depot, "--pkgimage", "Shapes");
    assert_non_null(f.greeter);
    assert_non_null(f.shapes);
    settle();
    return f;
}

static void free_fx(fx_t *f)
{
    char *cmd = jl_test_fmt("chmod -R u+w '%s'", f->depot);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f->greeter);
    free(f->shapes);
    rm_depot(f->depot);
}

// One check of `path` over the stack `dp` with `options`.
static jl_verify_result_t *check(const char *dp, const char *path, unsigned options)
{
    jl_depot_stack_t *s = stack_of(dp);
    jl_verify_target_t t;
    memset(&t, 0, sizeof(t));
    t.flags = -1;
    t.options = options;
    jl_cacheverify_t *v;
    assert_int_equal(jl_cacheverify_new(s, &t, &v), JL_DEPOT_E_OK);
    jl_verify_result_t *r = NULL;
    assert_int_equal(jl_cacheverify_file(v, path, &r), JL_DEPOT_E_OK);
    jl_cacheverify_free(v);
    jl_depot_stack_free(s);
    return r;
}

// The stamp use of one check; asserts the verdict.
static int use_of(const char *dp, const char *path, unsigned options, int want_status,
                  int *rejected)
{
    jl_verify_result_t *r = check(dp, path, options);
    assert_int_equal(r->status, want_status);
    int u = r->stamp;
    if (rejected)
        *rejected = r->stamp_rejected;
    jl_verify_result_free(r);
    return u;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static char *stamp_of(const char *ji, int seal)
{
    char *p = jl_cachefile_stamp_path(ji, seal);
    assert_non_null(p);
    return p;
}

static void sh(const char *cmd)
{
    assert_int_equal(system(cmd), 0);
}

// Seal `path` over the stack `dp`; the call must return `want_err`, and the
// content check must have found the cache fresh either way.
static void seal(const char *dp, const char *path, int want_err)
{
    jl_depot_stack_t *s = stack_of(dp);
    jl_verify_target_t t;
    memset(&t, 0, sizeof(t));
    t.flags = -1;
    jl_cacheverify_t *v;
    assert_int_equal(jl_cacheverify_new(s, &t, &v), JL_DEPOT_E_OK);
    jl_verify_result_t *r = NULL;
    assert_int_equal(jl_cacheverify_seal_file(v, path, &r), want_err);
    assert_non_null(r);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    jl_verify_result_free(r);
    jl_cacheverify_free(v);
    jl_depot_stack_free(s);
}

static void test_written_then_used(void **state)
{
    fx_t f = make_fx("stamp-used");
    char *st = stamp_of(f.shapes, 0);
    assert_false(exists(st));
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    assert_true(exists(st));
    // the required Greeter cache was checked (and stamped) on the way
    char *gst = stamp_of(f.greeter, 0);
    assert_true(exists(gst));
    int rej = -1;
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, &rej), JL_VERIFY_STAMP_USED);
    assert_int_equal(rej, 0);
    // the dependencies were judged from it: no content read
    jl_verify_result_t *r = check(f.depot, f.shapes, 0);
    size_t nfile = 0;
    for (size_t i = 0; i < r->ndeps; i++) {
        if (r->deps[i].kind == JL_CACHE_DEP_REQUIRE)
            continue;
        nfile++;
        assert_true(r->deps[i].by_stamp);
    }
    assert_true(nfile >= 3);
    // the .ji's own checksum is verified even so: a record never stands for it
    assert_int_equal(r->check.crc_ji_ok, 1);
    jl_verify_result_free(r);
    // --no-stamp: neither used nor written
    unlink(st);
    assert_int_equal(use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP, JL_DEPOT_E_OK, NULL),
                     JL_VERIFY_STAMP_NONE);
    assert_false(exists(st));
    assert_int_equal(use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE, JL_DEPOT_E_OK, NULL),
                     JL_VERIFY_STAMP_NONE);
    assert_false(exists(st));
    free(gst);
    free(st);
    free_fx(&f);
}

// A damaged stamp (each way) only means a full check, and a fresh stamp.
static void damage(const char *st, int how, const char *other)
{
    size_t len;
    uint8_t *b = jl_test_read_file(st, &len);
    if (how == 0) { // truncated
        jl_test_write_file(st, b, len / 2);
    }
    else if (how == 1) { // a flipped byte in a dependency record
        b[len - 20] ^= 0x40;
        jl_test_write_file(st, b, len);
    }
    else if (how == 2) { // a flipped byte with its own CRC fixed: a forged record
        b[len - 20] ^= 0x40;
        wr32(b + len - 4, jl_crc32c(0, (const char *)b, len - 4));
        jl_test_write_file(st, b, len);
    }
    else { // another cache's stamp
        size_t olen;
        uint8_t *o = jl_test_read_file(other, &olen);
        jl_test_write_file(st, o, olen);
        free(o);
    }
    free(b);
}

static void test_damaged_stamps(void **state)
{
    fx_t f = make_fx("stamp-damaged");
    char *st = stamp_of(f.shapes, 0), *gst = stamp_of(f.greeter, 0);
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    for (int how = 0; how < 4; how++) {
        damage(st, how, gst);
        settle();
        int rej = 0;
        int u = use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, &rej);
        // a forged record (how 2) that still matches the file's stats is
        // harmless: it says what is true; the others are rejected
        if (how != 2) {
            assert_int_equal(rej, 1);
            assert_int_equal(u, JL_VERIFY_STAMP_WRITTEN);
        }
        assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_USED);
    }
    free(st);
    free(gst);
    free_fx(&f);
}

// An edit that keeps size and mtime still changes ctime: the stamp is not
// trusted and the content check finds the change.
static void test_edit_keeping_size_and_mtime(void **state)
{
    fx_t f = make_fx("stamp-edit");
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    char *src = jl_test_fmt("%s/packages/Shapes/b7RtZ/src/shapes/circle.jl", f.depot);
    char *cmd = jl_test_fmt("cp -p '%s' '%s.keep' && sed -i 's/a/b/' '%s' && touch -r '%s.keep' "
                            "'%s' && rm '%s.keep'",
                            src, src, src, src, src, src);
    sh(cmd);
    settle();
    jl_verify_result_t *r = check(f.depot, f.shapes, 0);
    assert_int_equal(r->status, JL_DEPOT_E_FILE_HASH_CHANGED);
    assert_int_not_equal(r->stamp, JL_VERIFY_STAMP_USED);
    jl_verify_result_free(r);
    free(cmd);
    free(src);
    free_fx(&f);
}

// A file that changed within the racy window is recorded as racy and read
// again next time; once it is old enough the stamp covers it.
static void test_racy_files(void **state)
{
    fx_t f = make_fx("stamp-racy");
    char *src = jl_test_fmt("%s/packages/Shapes/b7RtZ/src/shapes/circle.jl", f.depot);
    char *cmd = jl_test_fmt("touch '%s'", src); // same content, new mtime and ctime
    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    sh(cmd);
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    clock_gettime(CLOCK_REALTIME, &t1);
    // stamped within 50 ms of the touch (the racy window): the file is racy,
    // so checking again reads it again and rewrites the stamp; a machine too
    // loaded to stamp that quickly has left the window and uses the stamp
    int64_t took = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    jl_verify_result_t *r = check(f.depot, f.shapes, 0);
    assert_int_equal(r->status, JL_DEPOT_E_OK);
    int read_circle = -1;
    for (size_t i = 0; i < r->ndeps; i++)
        if (r->deps[i].stored && strstr(r->deps[i].stored, "circle.jl"))
            read_circle = !r->deps[i].by_stamp;
    assert_int_not_equal(read_circle, -1);
    if (took < 40000000LL) {
        assert_int_equal(r->stamp, JL_VERIFY_STAMP_WRITTEN);
        assert_true(read_circle);
    }
    else {
        assert_true(r->stamp == JL_VERIFY_STAMP_WRITTEN || r->stamp == JL_VERIFY_STAMP_USED);
        assert_int_equal(read_circle, r->stamp == JL_VERIFY_STAMP_WRITTEN);
    }
    jl_verify_result_free(r);
    settle();
    // the stamp written just above was racy (rewritten now) or, on a loaded
    // machine, already past the racy window (used now); after that it is used
    int u = use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL);
    assert_true(u == JL_VERIFY_STAMP_WRITTEN || u == JL_VERIFY_STAMP_USED);
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_USED);
    free(cmd);
    free(src);
    free_fx(&f);
}

// A read-only depot is never written, and the check still succeeds; a seal
// written before it was made read-only serves instead.
static void test_read_only_and_seal(void **state)
{
    fx_t f = make_fx("stamp-ro");
    char *st = stamp_of(f.shapes, 0), *se = stamp_of(f.shapes, 1);
    char *cmd = jl_test_fmt("chmod -R a-w '%s'", f.depot);
    sh(cmd);
    settle(); // so that only the mode stops the stamp
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_NONE);
    assert_false(exists(st));
    // sealing a read-only depot fails with a named error, nothing written
    seal(f.depot, f.shapes, JL_DEPOT_E_READ_ONLY);
    assert_false(exists(se));
    // writable again: seal, then read-only (chmod changes every ctime)
    free(cmd);
    cmd = jl_test_fmt("chmod -R u+w '%s'", f.depot);
    sh(cmd);
    seal(f.depot, f.shapes, JL_DEPOT_E_OK);
    assert_true(exists(se));
    assert_false(exists(st)); // sealing writes no stamp
    free(cmd);
    cmd = jl_test_fmt("chmod -R a-w '%s'", f.depot);
    sh(cmd);
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_SEAL);
    assert_false(exists(st));
    free(cmd);
    // a sealed depot stays sealed after a move (mv keeps sizes and mtimes)
    char *moved = jl_test_fmt("%s-moved-further", f.depot);
    cmd = jl_test_fmt("chmod -R u+w '%s' && mv '%s' '%s' && chmod -R a-w '%s'", f.depot, f.depot,
                      moved, moved);
    sh(cmd);
    char *mshapes = jl_test_fmt("%s%s", moved, f.shapes + strlen(f.depot));
    assert_int_equal(use_of(moved, mshapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_SEAL);
    // but not when a sealed source changes size
    free(cmd);
    cmd =
        jl_test_fmt("chmod -R u+w '%s' && echo '# more' >> '%s/packages/Shapes/b7RtZ/src/Shapes.jl'"
                    " && chmod -R a-w '%s'",
                    moved, moved, moved);
    sh(cmd);
    settle();
    assert_int_equal(use_of(moved, mshapes, 0, JL_DEPOT_E_FILE_SIZE_CHANGED, NULL),
                     JL_VERIFY_STAMP_NONE);
    free(cmd);
    cmd = jl_test_fmt("chmod -R u+w '%s' && mv '%s' '%s'", moved, moved, f.depot);
    sh(cmd);
    free(cmd);
    free(mshapes);
    free(moved);
    free(st);
    free(se);
    free_fx(&f);
}

// A stamp knows each file by its inode and device: after a `mv` within one
// file system they are the same files, unchanged, and the stamp holds; the
// .so swapped under a stamp is caught.
static void test_move_and_pkgimage(void **state)
{
    fx_t f = make_fx("stamp-move");
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    char *moved = jl_test_fmt("%s-m", f.depot);
    char *cmd = jl_test_fmt("mv '%s' '%s'", f.depot, moved);
    sh(cmd);
    char *mshapes = jl_test_fmt("%s%s", moved, f.shapes + strlen(f.depot));
    int rej = 0;
    assert_int_equal(use_of(moved, mshapes, 0, JL_DEPOT_E_OK, &rej), JL_VERIFY_STAMP_USED);
    assert_int_equal(rej, 0);
    // the Greeter pkgimage put in place of Shapes': crc_so is checked again
    char *mgreeter = jl_test_fmt("%s%s", moved, f.greeter + strlen(f.depot));
    char *gso = jl_cachefile_so_path(mgreeter), *sso = jl_cachefile_so_path(mshapes);
    free(cmd);
    cmd = jl_test_fmt("cp '%s' '%s'", gso, sso);
    sh(cmd);
    settle();
    jl_verify_result_t *r = check(moved, mshapes, 0);
    assert_int_equal(r->status, JL_DEPOT_E_CRC_SO);
    jl_verify_result_free(r);
    free(cmd);
    cmd = jl_test_fmt("mv '%s' '%s'", moved, f.depot);
    sh(cmd);
    free(cmd);
    free(gso);
    free(sso);
    free(mgreeter);
    free(mshapes);
    free(moved);
    free_fx(&f);
}

// Julia's loader touches the .ji after every successful load (its
// recently-used order): that must not cost the steady state, for a stamp or
// a seal.  A .ji replaced by another file (a new inode) or of another size
// is not trusted.
static void test_ji_touched_by_loader(void **state)
{
    fx_t f = make_fx("stamp-touch");
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    char *cmd = jl_test_fmt("touch '%s'", f.shapes);
    for (int i = 0; i < 2; i++) { // right after the touch, and once it is old
        sh(cmd);
        int rej = -1;
        assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, &rej), JL_VERIFY_STAMP_USED);
        assert_int_equal(rej, 0);
        settle();
    }
    free(cmd);
    // the same bytes under a new inode: a full check, then a new stamp
    cmd = jl_test_fmt("cp -p '%s' '%s.new' && mv '%s.new' '%s'", f.shapes, f.shapes, f.shapes,
                      f.shapes);
    sh(cmd);
    int rej = 0;
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, &rej), JL_VERIFY_STAMP_WRITTEN);
    assert_int_equal(rej, 1);
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_USED);
    free(cmd);
    // a seal on a read-only depot whose .ji was touched before it was frozen
    char *st = stamp_of(f.shapes, 0);
    unlink(st);
    seal(f.depot, f.shapes, JL_DEPOT_E_OK);
    cmd = jl_test_fmt("touch -d '2001-01-01' '%s' && chmod -R a-w '%s'", f.shapes, f.depot);
    sh(cmd);
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_SEAL);
    free(cmd);
    // a .ji of another size is never vouched for, whatever its trailer says
    cmd = jl_test_fmt("chmod -R u+w '%s' && truncate -s -1 '%s'", f.depot, f.shapes);
    sh(cmd);
    jl_verify_result_t *r = check(f.depot, f.shapes, 0);
    assert_int_not_equal(r->status, JL_DEPOT_E_OK);
    assert_int_not_equal(r->stamp, JL_VERIFY_STAMP_SEAL);
    assert_int_not_equal(r->stamp, JL_VERIFY_STAMP_USED);
    jl_verify_result_free(r);
    free(cmd);
    free(st);
    free_fx(&f);
}

static void test_names(void **state)
{
    assert_string_equal(jl_verify_stamp_use_name(JL_VERIFY_STAMP_NONE), "none");
    assert_string_equal(jl_verify_stamp_use_name(JL_VERIFY_STAMP_USED), "used");
    assert_string_equal(jl_verify_stamp_use_name(JL_VERIFY_STAMP_SEAL), "seal");
    assert_string_equal(jl_verify_stamp_use_name(JL_VERIFY_STAMP_WRITTEN), "written");
    char *p = jl_cachefile_stamp_path("/d/compiled/v1.11/A/x_y.ji", 0);
    assert_string_equal(p, "/d/compiled/v1.11/A/x_y.stamp");
    free(p);
    p = jl_cachefile_stamp_path("/d/compiled/v1.11/A/x_y.ji", 1);
    assert_string_equal(p, "/d/compiled/v1.11/A/x_y.seal");
    free(p);
    assert_null(jl_cachefile_stamp_path("/d/x.so", 0));
}

// A stamp made for this cache is the stronger record: when the .ji was
// replaced by a copy (another inode) and a dependency was edited keeping its
// size and mtime, the stale stamp is not replaced by the weaker seal, so the
// edit is found by content.  Without the stamp the seal vouches for it.
static void test_stamp_never_overruled_by_seal(void **state)
{
    fx_t f = make_fx("stamp-over-seal");
    char *st = stamp_of(f.shapes, 0), *se = stamp_of(f.shapes, 1);
    seal(f.depot, f.shapes, JL_DEPOT_E_OK);
    assert_true(exists(se));
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_SEAL);
    // a stamp appears (a load on this machine while the seal was away),
    // then the seal is back beside it
    char *hold = jl_test_fmt("%s.held", se);
    assert_int_equal(rename(se, hold), 0);
    settle();
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    assert_int_equal(rename(hold, se), 0);
    assert_true(exists(st));
    // the .ji copied into place (new inode, same bytes); a source edited
    // keeping its size and mtime
    char *cmd =
        jl_test_fmt("cp -p '%s' '%s.tmp' && mv '%s.tmp' '%s' && "
                    "f='%s/packages/Shapes/b7RtZ/src/Shapes.jl' && cp -p \"$f\" \"$f.ref\" && "
                    "sed -i '1s/^./#/' \"$f\" && touch -r \"$f.ref\" \"$f\" && rm \"$f.ref\"",
                    f.shapes, f.shapes, f.shapes, f.shapes, f.depot);
    sh(cmd);
    int rej = 0;
    assert_int_equal(
        use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE, JL_DEPOT_E_FILE_HASH_CHANGED, &rej),
        JL_VERIFY_STAMP_NONE);
    assert_int_equal(rej, 1);
    // the same depot with the stamp gone: the seal vouches (all a seal can do)
    unlink(st);
    assert_int_equal(use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE, JL_DEPOT_E_OK, NULL),
                     JL_VERIFY_STAMP_SEAL);
    free(cmd);
    free(hold);
    free(se);
    free(st);
    free_fx(&f);
}

// Sealing removes the cache's stamp (it describes this machine's copy only);
// a seal that others may write but the .ji's writers may not is ignored.
static void test_seal_removes_stamp_and_needs_owner(void **state)
{
    fx_t f = make_fx("seal-owner");
    char *st = stamp_of(f.shapes, 0), *se = stamp_of(f.shapes, 1);
    settle();
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    assert_true(exists(st));
    seal(f.depot, f.shapes, JL_DEPOT_E_OK);
    assert_true(exists(se));
    assert_false(exists(st));
    assert_int_equal(use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE, JL_DEPOT_E_OK, NULL),
                     JL_VERIFY_STAMP_SEAL);
    // a world-writable seal beside a .ji only its owner may write: ignored
    assert_int_equal(chmod(f.shapes, 0644), 0);
    assert_int_equal(chmod(se, 0666), 0);
    int rej = 0;
    assert_int_equal(use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE, JL_DEPOT_E_OK, &rej),
                     JL_VERIFY_STAMP_NONE);
    assert_int_equal(rej, 1);
    // a seal owned by another user: ignored
    assert_int_equal(chmod(se, 0644), 0);
    assert_int_equal(chown(se, 12345, 12345), 0);
    assert_int_equal(use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE, JL_DEPOT_E_OK, NULL),
                     JL_VERIFY_STAMP_NONE);
    // back to the .ji's owner: used again
    assert_int_equal(chown(se, getuid(), getgid()), 0);
    assert_int_equal(use_of(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE, JL_DEPOT_E_OK, NULL),
                     JL_VERIFY_STAMP_SEAL);
    free(se);
    free(st);
    free_fx(&f);
}

// A .ji whose bytes changed in place (same size and inode) is refused even
// though its stamp matches every stat.
static void test_ji_checksum_always_verified(void **state)
{
    fx_t f = make_fx("ji-crc");
    settle();
    assert_int_equal(use_of(f.depot, f.shapes, 0, JL_DEPOT_E_OK, NULL), JL_VERIFY_STAMP_WRITTEN);
    int fd = open(f.shapes, O_RDWR);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    unsigned char c;
    off_t mid = sb.st_size / 2;
    assert_int_equal(pread(fd, &c, 1, mid), 1);
    c ^= 0x5a;
    assert_int_equal(pwrite(fd, &c, 1, mid), 1);
    close(fd);
    jl_verify_result_t *r = check(f.depot, f.shapes, JL_VERIFY_NO_STAMP_WRITE);
    assert_int_equal(r->status, JL_DEPOT_E_CRC_JI);
    assert_int_equal(r->check.crc_ji_ok, 0);
    jl_verify_result_free(r);
    free_fx(&f);
}

JL_TEST_MAIN(cmocka_unit_test(test_names), cmocka_unit_test(test_written_then_used),
             cmocka_unit_test(test_damaged_stamps),
             cmocka_unit_test(test_edit_keeping_size_and_mtime), cmocka_unit_test(test_racy_files),
             cmocka_unit_test(test_read_only_and_seal),
             cmocka_unit_test(test_stamp_never_overruled_by_seal),
             cmocka_unit_test(test_seal_removes_stamp_and_needs_owner),
             cmocka_unit_test(test_ji_checksum_always_verified),
             cmocka_unit_test(test_move_and_pkgimage), cmocka_unit_test(test_ji_touched_by_loader))
