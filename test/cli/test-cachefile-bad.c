// This file is a part of the jldepot project. License is MIT.

/*
  test-cachefile-bad.c: bad input.  Every truncation point of real and
  generated files of each layout, single-bit flips across the header (never
  a crash; an accepted flip is caught by crc_ji), wrong magic, BOM, version,
  pointer size and pkgimage byte, lengths past the end, negative lengths,
  missing terminators, an S or srctextpos that does not land, a 2 GiB length
  in a 100-byte file, and a .ji whose pkgimage is missing or does not match.
  Each gives a named error and no result.
*/

#include "test-cachefile-util.h"
#include "jldepot_model.h"

static int parse_err(const uint8_t *b, size_t len)
{
    jl_cachefile_t *cf = (jl_cachefile_t *)1;
    int err = jl_cachefile_parse(b, len, 0, &cf);
    if (err) {
        assert_null(cf);
        assert_string_not_equal(jldepot_errname(err), "UNKNOWN");
    }
    else {
        jl_cachefile_free(cf);
    }
    return err;
}

static void all_prefixes(const uint8_t *b, size_t len)
{
    assert_int_equal(parse_err(b, len), JL_DEPOT_E_OK);
    for (size_t n = 0; n < len; n++) {
        uint8_t *c = malloc(n ? n : 1); // exact size, so ASan sees any over-read
        memcpy(c, b, n);
        assert_int_not_equal(parse_err(c, n), JL_DEPOT_E_OK);
        free(c);
    }
}

static void test_truncation_real(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREAL; i++) {
        size_t len;
        uint8_t *b = read_fixture(real_fixtures[i], &len);
        all_prefixes(b, len);
        free(b);
    }
}

static void test_truncation_generated(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfbad");
    const char *opts[] = {"--layout m13", "--layout m13 --pkgimage --prefs-hash", "--layout l10",
                          "", "--pkgimage"};
    for (size_t i = 0; i < 5; i++) {
        char *ji = run_mkcache(d, opts[i], "Greeter");
        assert_non_null(ji);
        size_t len;
        uint8_t *b = jl_test_read_file(ji, &len);
        all_prefixes(b, len);
        // the header-only reader on truncated files
        for (size_t n = 0; n < len; n += 97) {
            jl_test_write_file(ji, b, n);
            jl_cachefile_t *cf = (jl_cachefile_t *)1;
            assert_int_not_equal(jl_cachefile_read_header(ji, 0, &cf), JL_DEPOT_E_OK);
            assert_null(cf);
        }
        free(b);
        free(ji);
    }
    rm_depot(d);
}

static void flips(const uint8_t *b0, size_t len, size_t nbytes)
{
    uint8_t *b = malloc(len);
    memcpy(b, b0, len);
    int accepted = 0, rejected = 0;
    for (size_t i = 0; i < nbytes && i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            jl_cachefile_t *cf = NULL;
            int err = jl_cachefile_parse(b, len, 0, &cf);
            if (err == JL_DEPOT_E_OK) {
                accepted++;
                jl_cache_check_t r;
                int cerr = jl_cachefile_check(cf, NULL, JL_CACHEFILE_CHECK_NO_SO, &r);
                // the trailer's crc_so is not covered by... itself: a flip
                // there is only caught when the .so is checked
                if (i < len - 8 || i >= len - 4)
                    assert_int_equal(cerr, JL_DEPOT_E_CRC_JI);
                jl_cachefile_free(cf);
            }
            else {
                rejected++;
                assert_null(cf);
            }
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    // flips land both in opaque values (accepted) and in structure (rejected)
    assert_true(accepted > 0);
    assert_true(rejected > 0);
    free(b);
}

static void test_bitflips(void **state)
{
    (void)state;
    for (size_t i = 0; i < NREAL; i++) {
        size_t len;
        uint8_t *b = read_fixture(real_fixtures[i], &len);
        flips(b, len, len); // every bit of these small files
        free(b);
    }
    char *d = copy_depot("sample-depot", "cfflip");
    const char *opts[] = {"--layout m13", "--layout l10", "--pkgimage"};
    for (size_t i = 0; i < 3; i++) {
        char *ji = run_mkcache(d, opts[i], "Stats");
        size_t len;
        uint8_t *b = jl_test_read_file(ji, &len);
        flips(b, len, 900);
        free(b);
        free(ji);
    }
    rm_depot(d);
}

// Offsets of the RelocBar fixture (see its hex dump in doc/cache-format.md).
enum {
    OFF_VERSION = 8,
    OFF_BOM = 10,
    OFF_PTRSIZE = 12,
    OFF_PKGIMAGE = 39,
    OFF_CHECKSUM = 40,
    OFF_WORKLIST = 65,
    OFF_S = 105,
    OFF_DEP0 = 113,
    OFF_DEP0_PROVIDES = 113 + 4 + 40 + 20,
};

static uint8_t *bar(size_t *len)
{
    uint8_t *b = read_fixture(real_fixtures[1], len);
    // check the offsets
    assert_int_equal(rd32(b + OFF_WORKLIST), 8);
    assert_memory_equal(b + OFF_WORKLIST + 4, "RelocBar", 8);
    assert_int_equal(rd64(b + OFF_S), 289);
    assert_int_equal(rd32(b + OFF_DEP0), 40);
    assert_int_equal(rd32(b + OFF_DEP0_PROVIDES), 0);
    return b;
}

static void expect(uint8_t *b, size_t len, int err, int fixcrc)
{
    if (fixcrc)
        fix_crc_ji(b, len);
    assert_int_equal(parse_err(b, len), err);
}

static void test_prefix_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = bar(&len);
    b[0] ^= 1;
    expect(b, len, JL_DEPOT_E_BAD_MAGIC, 0);
    b[0] ^= 1;
    assert_int_equal(parse_err(b, 5), JL_DEPOT_E_TRUNCATED);
    uint8_t junk[5] = {'h', 'e', 'l', 'l', 'o'};
    assert_int_equal(parse_err(junk, 5), JL_DEPOT_E_BAD_MAGIC);
    b[OFF_VERSION] = 11;
    expect(b, len, JL_DEPOT_E_BAD_FORMAT_VERSION, 0);
    b[OFF_VERSION] = 14;
    expect(b, len, JL_DEPOT_E_BAD_FORMAT_VERSION, 0);
    b[OFF_VERSION] = 12;
    b[OFF_BOM] = 0xFE;
    b[OFF_BOM + 1] = 0xFF;
    expect(b, len, JL_DEPOT_E_BAD_BOM, 0);
    b[OFF_BOM] = 0xFF;
    b[OFF_BOM + 1] = 0xFE;
    b[OFF_PTRSIZE] = 3;
    expect(b, len, JL_DEPOT_E_BAD_POINTER_SIZE, 0);
    b[OFF_PTRSIZE] = 8;
    b[OFF_PKGIMAGE] = 1;
    expect(b, len, JL_DEPOT_E_PKGIMAGE_BYTE, 1);
    b[OFF_PKGIMAGE] = 0;
    uint64_t ck = rd64(b + OFF_CHECKSUM);
    wr64(b + OFF_CHECKSUM, 0);
    expect(b, len, JL_DEPOT_E_BAD_CHECKSUM_WORD, 1);
    wr64(b + OFF_CHECKSUM, ck ^ ((uint64_t)1 << 40));
    expect(b, len, JL_DEPOT_E_BAD_CHECKSUM_WORD, 1);
    wr64(b + OFF_CHECKSUM, ck);
    expect(b, len, JL_DEPOT_E_OK, 1);
    // a header string without its NUL before the end of the file
    uint8_t nonul[40];
    memcpy(nonul, b, 13);
    memset(nonul + 13, 'L', sizeof(nonul) - 13);
    assert_int_equal(parse_err(nonul, sizeof(nonul)), JL_DEPOT_E_NO_TERMINATOR);
    free(b);
}

static void test_lengths(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = bar(&len);
    static const uint32_t bad[] = {0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffb, 2000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *c = malloc(len);
        memcpy(c, b, len);
        wr32(c + OFF_WORKLIST, bad[i]); // module name
        expect(c, len, JL_DEPOT_E_BAD_LENGTH, 1);
        memcpy(c, b, len);
        wr32(c + OFF_DEP0, bad[i]); // first dependency path
        int e = parse_err(c, len);
        // the ambiguous 1.11.0-DEV file: no candidate layout lands
        assert_int_equal(e, JL_DEPOT_E_LAYOUT_UNKNOWN);
        jl_cachefile_t *cf;
        assert_int_equal(jl_cachefile_parse(c, len, JL_CACHEFILE_LAYOUT(JL_CACHE_LAYOUT_R12), &cf),
                         JL_DEPOT_E_BAD_LENGTH);
        free(c);
    }
    // a 2 GiB length in a 100-byte file is an error, not an allocation
    uint8_t small[100];
    memcpy(small, b, 100);
    wr32(small + OFF_WORKLIST, 0x7fffffff);
    assert_int_equal(parse_err(small, 100), JL_DEPOT_E_BAD_LENGTH);
    wr32(small + OFF_WORKLIST, 0x80000000);
    assert_int_equal(parse_err(small, 100), JL_DEPOT_E_BAD_LENGTH);
    // S of 2^63 in a small file
    uint8_t *c = malloc(len);
    memcpy(c, b, len);
    wr64(c + OFF_S, (uint64_t)1 << 63);
    expect(c, len, JL_DEPOT_E_LAYOUT_UNKNOWN, 1);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(c, len, JL_CACHEFILE_LAYOUT(JL_CACHE_LAYOUT_R12), &cf),
                     JL_DEPOT_E_DEPBLOCK_SIZE);
    free(c);
    free(b);
}

// Structure errors in a generated R12 file whose layout the version string
// decides (so the precise error is reported, not "layout unknown").
static void test_structure(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfstruct");
    char *ji = run_mkcache(d, "--pkgimage --julia-version 1.12.0", "Shapes");
    assert_null(ji); // Greeter's cache is missing: the generator refuses
    free(run_mkcache(d, "--pkgimage --julia-version 1.12.0", "Greeter"));
    ji = run_mkcache(d, "--pkgimage --julia-version 1.12.0", "Shapes");
    assert_non_null(ji);
    size_t len;
    uint8_t *b = jl_test_read_file(ji, &len);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(b, len, 0, &cf), JL_DEPOT_E_OK);
    size_t s_pos = cf->depblock_pos, st_pos = cf->srctextpos_pos, clone = cf->clone_pos;
    uint64_t S = cf->depblock_size, stp = cf->srctextpos;
    // the require key of Greeter (second entry): offsets of its fields
    size_t dep1 = s_pos + 8 + 4 + cf->deps[0].path.len + 8 + 4 + 8 + 4;
    assert_int_equal(rd32(b + dep1), cf->deps[1].path.len);
    size_t dep1_prov = dep1 + 4 + cf->deps[1].path.len + 8 + 4 + 8;
    assert_int_equal(rd32(b + dep1_prov), 1);
    jl_cachefile_free(cf);
    uint8_t *c = malloc(len);
#define RESET() memcpy(c, b, len)
    RESET();
    wr64(c + s_pos, S + 1);
    expect(c, len, JL_DEPOT_E_DEPBLOCK_SIZE, 1);
    RESET();
    wr64(c + s_pos, S - 1);
    expect(c, len, JL_DEPOT_E_DEPBLOCK_SIZE, 1);
    RESET();
    wr64(c + s_pos, 4);
    expect(c, len, JL_DEPOT_E_DEPBLOCK_SIZE, 1);
    RESET();
    wr64(c + st_pos, stp + 1);
    expect(c, len, JL_DEPOT_E_SRCTEXTPOS_RANGE, 1);
    RESET();
    wr64(c + st_pos, (uint64_t)-1);
    expect(c, len, JL_DEPOT_E_SRCTEXTPOS_RANGE, 1);
    RESET();
    wr32(c + dep1_prov, 2); // only one module is provided
    expect(c, len, JL_DEPOT_E_BAD_PROVIDES, 1);
    RESET();
    wr32(c + dep1_prov, 0xffffffff);
    expect(c, len, JL_DEPOT_E_BAD_PROVIDES, 1);
    RESET();
    wr32(c + dep1, 5); // a require key shorter than NUL + UUID (rest re-framed)
    assert_int_not_equal(parse_err(c, len), JL_DEPOT_E_OK);
    RESET();
    wr32(c + clone, 0x7ffffff0);
    expect(c, len, JL_DEPOT_E_BAD_LENGTH, 1);
    RESET();
    wr32(c + clone + 4, 1000); // 1000 targets in a few bytes
    expect(c, len, JL_DEPOT_E_BAD_CLONE_TARGETS, 1);
    RESET();
    wr32(c + stp, 0x7fffffff); // first source-text name
    expect(c, len, JL_DEPOT_E_BAD_LENGTH, 1);
    // the source-text list without its terminator: runs into the trailer
    RESET();
    assert_int_equal(parse_err(c, len - 12), JL_DEPOT_E_BAD_LENGTH);
    // bytes after the source text
    uint8_t *e = malloc(len + 3);
    memcpy(e, b, len - 8);
    memset(e + len - 8, 0, 3);
    memcpy(e + len - 5, b + len - 8, 8);
    assert_int_equal(parse_err(e, len + 3), JL_DEPOT_E_TRAILING_BYTES);
    free(e);
#undef RESET
    free(c);
    free(b);
    free(ji);
    rm_depot(d);
}

static void test_nonsplit_data(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfdata");
    char *ji = run_mkcache(d, "--julia-version 1.12.0", "Stats");
    size_t len;
    uint8_t *b = jl_test_read_file(ji, &len);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(b, len, 0, &cf), JL_DEPOT_E_OK);
    size_t cpos = cf->checksum_pos, ds = (size_t)cf->datastartpos, he = cf->header_end;
    uint64_t de = cf->dataendpos;
    jl_cachefile_free(cf);
    uint8_t *c = malloc(len);
    memcpy(c, b, len);
    c[ds + 10] ^= 0x40; // data byte: caught by the data checksum
    fix_crc_ji(c, len);
    assert_int_equal(jl_cachefile_parse(c, len, 0, &cf), JL_DEPOT_E_OK);
    assert_int_equal(jl_cachefile_check(cf, NULL, 0, NULL), JL_DEPOT_E_DATA_CRC);
    jl_cachefile_free(cf);
    memcpy(c, b, len);
    wr64(c + cpos + 8, ds + 8); // datastartpos moved
    expect(c, len, JL_DEPOT_E_DATA_RANGE, 1);
    memcpy(c, b, len);
    wr64(c + cpos + 16, len + 100); // dataendpos past the end
    expect(c, len, JL_DEPOT_E_DATA_RANGE, 1);
    memcpy(c, b, len);
    wr64(c + cpos + 8, de + 1); // start after end
    expect(c, len, JL_DEPOT_E_DATA_RANGE, 1);
    if (ds > he) { // non-zero padding
        memcpy(c, b, len);
        c[he] = 1;
        expect(c, len, JL_DEPOT_E_DATA_RANGE, 1);
    }
    free(c);
    free(b);
    free(ji);
    rm_depot(d);
}

static void test_pkgimage_checks(void **state)
{
    (void)state;
    char *d = copy_depot("sample-depot", "cfso");
    char *ji = run_mkcache(d, "--pkgimage", "Greeter");
    assert_non_null(ji);
    char *so = jl_cachefile_so_path(ji);
    size_t jlen, slen;
    uint8_t *jb = jl_test_read_file(ji, &jlen), *sb = jl_test_read_file(so, &slen);
    jl_cachefile_t *cf;
    assert_int_equal(jl_cachefile_parse(jb, jlen, 0, &cf), JL_DEPOT_E_OK);
    jl_cache_check_t r;
    assert_int_equal(jl_cachefile_check(cf, ji, 0, &r), JL_DEPOT_E_OK);
    assert_int_equal(r.so_checked, 1);
    assert_int_equal(r.crc_so_computed, cf->crc_so);
    // the .so changed by one byte: crc_so
    sb[slen / 2] ^= 1;
    jl_test_write_file(so, sb, slen);
    assert_int_equal(jl_cachefile_check(cf, ji, 0, &r), JL_DEPOT_E_CRC_SO);
    assert_int_equal(jl_cachefile_check(cf, ji, JL_CACHEFILE_CHECK_NO_SO, &r), JL_DEPOT_E_OK);
    sb[slen / 2] ^= 1;
    // missing
    unlink(so);
    assert_int_equal(jl_cachefile_check(cf, ji, 0, &r), JL_DEPOT_E_PKGIMAGE_MISSING);
    assert_int_equal(r.so_error, JL_DEPOT_E_PKGIMAGE_MISSING);
    // a .so built from other data (another seed): crc_so fixed up in the .ji,
    // but the checksum word differs
    char *other = run_mkcache(d, "--pkgimage --seed 7", "Greeter");
    assert_non_null(other);
    size_t olen;
    uint8_t *ob = jl_test_read_file(so, &olen);
    uint8_t *j2 = malloc(jlen);
    memcpy(j2, jb, jlen);
    wr32(j2 + jlen - 8, jl_crc32c(0, (const char *)ob, olen));
    fix_crc_ji(j2, jlen);
    jl_test_write_file(ji, j2, jlen);
    jl_cachefile_t *cf2;
    assert_int_equal(jl_cachefile_parse(j2, jlen, 0, &cf2), JL_DEPOT_E_OK);
    assert_int_equal(jl_cachefile_check(cf2, ji, 0, &r), JL_DEPOT_E_CHECKSUM_MISMATCH);
    assert_int_equal(jl_cachefile_check_pkgimage_mem(cf2, ob, olen, &r),
                     JL_DEPOT_E_CHECKSUM_MISMATCH);
    jl_cachefile_free(cf2);
    // required modules differ: change one build id in the .ji
    memcpy(j2, jb, jlen);
    jl_cachefile_t *x;
    assert_int_equal(jl_cachefile_parse(jb, jlen, 0, &x), JL_DEPOT_E_OK);
    size_t rm = x->srctextpos_pos + 8 + 4 + 4 + 16; // Core's build_id.hi
    jl_cachefile_free(x);
    assert_memory_equal(j2 + rm - 20, "Core", 4);
    j2[rm + 8] ^= 1;
    fix_crc_ji(j2, jlen);
    assert_int_equal(jl_cachefile_parse(j2, jlen, 0, &cf2), JL_DEPOT_E_OK);
    assert_int_equal(jl_cachefile_check_pkgimage_mem(cf2, sb, slen, &r),
                     JL_DEPOT_E_PKGIMAGE_MODULES);
    jl_cachefile_free(cf2);
    jl_cachefile_free(cf);
    // same .so bytes, .ji flags changed: the blob's header no longer matches
    memcpy(j2, jb, jlen);
    assert_int_equal(jl_cachefile_parse(jb, jlen, 0, &x), JL_DEPOT_E_OK);
    size_t flags_pos = x->checksum_pos + 24;
    jl_cachefile_free(x);
    j2[flags_pos] ^= 0x08; // check-bounds
    fix_crc_ji(j2, jlen);
    assert_int_equal(jl_cachefile_parse(j2, jlen, 0, &cf2), JL_DEPOT_E_OK);
    assert_int_equal(jl_cachefile_check_pkgimage_mem(cf2, sb, slen, &r),
                     JL_DEPOT_E_PKGIMAGE_HEADER);
    jl_cachefile_free(cf2);
    // the .so changed after the .ji was written: crc_so
    sb[0] ^= 1;
    assert_int_equal(jl_cachefile_parse(jb, jlen, 0, &cf2), JL_DEPOT_E_OK);
    assert_int_equal(jl_cachefile_check_pkgimage_mem(cf2, sb, slen, &r), JL_DEPOT_E_CRC_SO);
    sb[0] ^= 1;
    jl_cachefile_free(cf2);
    // the blob parser rejects a .ji prefix (pkgimage byte 0) and a .so blob is
    // not a .ji (pkgimage byte 1)
    jl_cache_blob_t blob;
    assert_int_equal(jl_cache_blob_parse(jb, jlen, -1, &blob), JL_DEPOT_E_PKGIMAGE_BLOB);
    free(j2);
    free(ob);
    free(other);
    free(jb);
    free(sb);
    free(so);
    free(ji);
    rm_depot(d);
}

JL_TEST_MAIN(cmocka_unit_test(test_truncation_real), cmocka_unit_test(test_truncation_generated),
             cmocka_unit_test(test_bitflips), cmocka_unit_test(test_prefix_fields),
             cmocka_unit_test(test_lengths), cmocka_unit_test(test_structure),
             cmocka_unit_test(test_nonsplit_data), cmocka_unit_test(test_pkgimage_checks))
