// This file is a part of the jldepot project. License is MIT.

/*
  test-pkgimage.c: locating the image blob in pkgimage shared objects.  The
  shared objects are real: built here with the system compiler (`cc -shared
  -fPIC`), exporting jl_system_image_data / jl_system_image_size like a
  pkgimage does, then stripped, truncated and damaged.  Every damaged file
  must give a named error, never a crash (the parser runs on exact-size heap
  copies, so the sanitizer build catches any read past the end).
*/

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "crc32c.h"
#include "jldepot_errors.h"
#include "pkgimage.h"
#include "jldepot_model.h"

// --- building shared objects -----------------------------------------------------

static uint8_t pattern_byte(size_t i)
{
    return (uint8_t)((i * 131 + 7) ^ (i >> 8));
}

// C source of a pkgimage-like shared object with an n-byte blob.  `size_decl`
// is the declaration of jl_system_image_size (or "" for none); `data_attr`
// goes in front of `unsigned char jl_system_image_data[]` (DATA_CONST as in
// a pkgimage, or "" for writable data in another segment).
static char *image_source(size_t n, const char *data_attr, const char *size_decl)
{
    size_t cap = n * 5 + 4096, at = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    at += (size_t)snprintf(s + at, cap - at,
                           "#include <stddef.h>\n"
                           "const char jl_other_data[] = \"something before the image\";\n"
                           "int jl_other_function(int x) { return x * 3 + 1; }\n"
                           "%s unsigned char jl_system_image_data[] "
                           "__attribute__((aligned(64))) = {",
                           data_attr);
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, cap - at, "%u,", pattern_byte(i));
    at += (size_t)snprintf(s + at, cap - at,
                           "};\n%s\n"
                           "const char jl_more_data[] = \"something after the image\";\n",
                           size_decl);
    assert_true(at < cap);
    return s;
}

#define DATA_CONST        "const"
#define DEFAULT_SIZE_DECL "const size_t jl_system_image_size = sizeof(jl_system_image_data);"

// Compile `src` into DIR/NAME.so with extra linker/compiler `flags`.
static char *build_so(const char *dir, const char *name, const char *src, const char *flags)
{
    char *c = jl_test_fmt("%s/%s.c", dir, name);
    char *so = jl_test_fmt("%s/%s.so", dir, name);
    jl_test_write_file(c, src, strlen(src));
    char *cmd = jl_test_fmt("cc -shared -fPIC -O1 %s -o '%s' '%s'", flags, so, c);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("could not build a shared object: %s", cmd);
    free(cmd);
    free(c);
    return so;
}

static char *build_image(const char *dir, const char *name, size_t n, const char *flags)
{
    char *src = image_source(n, DATA_CONST, DEFAULT_SIZE_DECL);
    char *so = build_so(dir, name, src, flags);
    free(src);
    return so;
}

// --- reading ELF fields in the test itself -----------------------------------------

static uint64_t rd(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void wr(uint8_t *p, int n, uint64_t v)
{
    for (int i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint8_t *shdr(uint8_t *f, unsigned i)
{
    return f + rd(f + 40, 8) + (size_t)i * 64;
}

static unsigned shnum(const uint8_t *f)
{
    return (unsigned)rd(f + 60, 2);
}

static uint8_t *find_section(uint8_t *f, uint32_t type)
{
    for (unsigned i = 1; i < shnum(f); i++)
        if (rd(shdr(f, i) + 4, 4) == type)
            return shdr(f, i);
    fail_msg("no section of type %u", type);
    return NULL;
}

// The dynamic symbol table entry named `name`.
static uint8_t *find_dynsym(uint8_t *f, const char *name)
{
    uint8_t *dynsym = find_section(f, 11);
    uint8_t *str = shdr(f, (unsigned)rd(dynsym + 40, 4));
    uint64_t n = rd(dynsym + 32, 8) / 24;
    for (uint64_t i = 1; i < n; i++) {
        uint8_t *s = f + rd(dynsym + 24, 8) + i * 24;
        if (!strcmp((const char *)f + rd(str + 24, 8) + rd(s, 4), name))
            return s;
    }
    fail_msg("no dynamic symbol %s", name);
    return NULL;
}

// Parse an exact-size heap copy of `len` bytes of `f`.
static int parse_copy(const uint8_t *f, size_t len, jl_pkgimage_t *img, uint8_t **copy)
{
    *copy = malloc(len ? len : 1);
    assert_non_null(*copy);
    memcpy(*copy, f, len);
    return jl_pkgimage_parse(*copy, len, img);
}

static int parse_err(const uint8_t *f, size_t len)
{
    jl_pkgimage_t img;
    uint8_t *copy;
    int err = parse_copy(f, len, &img, &copy);
    if (err == JL_DEPOT_E_OK) {
        assert_true(img.blob >= copy && img.blob_size <= len &&
                    (size_t)(img.blob - copy) <= len - img.blob_size);
    }
    else {
        assert_null(img.blob);
        assert_int_equal(img.blob_size, 0);
    }
    free(copy);
    return err;
}

static int is_elf_error(int err)
{
    return err == JL_DEPOT_E_ELF_NOT_ELF || err == JL_DEPOT_E_ELF_CLASS ||
           err == JL_DEPOT_E_ELF_BAD || err == JL_DEPOT_E_ELF_NO_DYNSYM ||
           err == JL_DEPOT_E_ELF_NO_IMAGE || err == JL_DEPOT_E_ELF_IMAGE_RANGE;
}

static void check_blob(const jl_pkgimage_t *img, size_t n)
{
    assert_non_null(img->blob);
    assert_int_equal(img->blob_size, n);
    for (size_t i = 0; i < n; i++)
        if (img->blob[i] != pattern_byte(i))
            fail_msg("blob byte %zu is %u, want %u", i, img->blob[i], pattern_byte(i));
}

// Open `so`, check blob, size, crc and alignment, and the same through
// jl_pkgimage_parse on the file's bytes.
static void check_image_file(const char *so, size_t n)
{
    size_t len;
    uint8_t *bytes = jl_test_read_file(so, &len);
    jl_pkgimage_t img;
    assert_int_equal(jl_pkgimage_open(so, &img), JL_DEPOT_E_OK);
    check_blob(&img, n);
    assert_non_null(img.file);
    assert_int_equal(img.file_size, len);
    assert_memory_equal(img.file, bytes, len);
    assert_int_equal(img.file_crc, jl_crc32c_sw(0, (const char *)bytes, len));
    assert_int_equal(img.file_crc, jl_crc32c(0, (const char *)bytes, len));
    size_t off = (size_t)(img.blob - img.file);
    assert_true(off + n <= len);
    assert_int_equal(off % 64, 0); // aligned(64) in memory, and so in the file
    jl_pkgimage_close(&img);
    assert_null(img.file);
    assert_null(img.blob);
    jl_pkgimage_close(&img); // twice is harmless

    jl_pkgimage_t mem;
    assert_int_equal(jl_pkgimage_parse(bytes, len, &mem), JL_DEPOT_E_OK);
    assert_null(mem.file); // not owned
    assert_ptr_equal(mem.blob, bytes + off);
    assert_int_equal(mem.blob_size, n);
    assert_int_equal(mem.file_size, len);
    assert_int_equal(mem.file_crc, jl_crc32c_sw(0, (const char *)bytes, len));
    jl_pkgimage_close(&mem); // frees nothing it does not own
    free(bytes);
}

// --- tests -----------------------------------------------------------------------

static void test_finds_blob(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    const size_t sizes[] = {1, 1000, 100000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *name = jl_test_fmt("img%zu", sizes[i]);
        char *so = build_image(dir, name, sizes[i], "");
        check_image_file(so, sizes[i]);
        free(so);
        free(name);
    }
    jl_test_rmtree(dir);
    free(dir);
}

static void test_stripped(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    char *so = build_image(dir, "img", 3000, "-g");
    char *stripped = jl_test_fmt("%s/stripped.so", dir);
    char *cmd = jl_test_fmt("strip --strip-all -o '%s' '%s'", stripped, so);
    assert_int_equal(system(cmd), 0);
    size_t a, b;
    free(jl_test_read_file(so, &a));
    free(jl_test_read_file(stripped, &b));
    assert_true(b < a); // strip removed something (the debug info, .symtab)
    check_image_file(stripped, 3000);
    free(cmd);
    free(stripped);
    free(so);
    jl_test_rmtree(dir);
    free(dir);
}

// The image in writable data: its segment's file offset differs from its
// virtual address, so the address must go through the program headers.
static void test_writable_data(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    char *src =
        image_source(5000, "", "size_t jl_system_image_size = sizeof(jl_system_image_data);");
    char *so = build_so(dir, "rw", src, "");
    check_image_file(so, 5000);
    size_t len;
    uint8_t *f = jl_test_read_file(so, &len);
    jl_pkgimage_t img;
    assert_int_equal(jl_pkgimage_parse(f, len, &img), JL_DEPOT_E_OK);
    uint64_t vaddr = rd(find_dynsym(f, "jl_system_image_data") + 8, 8);
    assert_int_not_equal(vaddr, (uint64_t)(img.blob - f)); // the test means something
    free(f);
    free(so);
    free(src);
    jl_test_rmtree(dir);
    free(dir);
}

// Without section headers the dynamic symbol table is found through
// PT_DYNAMIC (DT_GNU_HASH or DT_HASH give the number of symbols).
#define EXPORTED "__attribute__((visibility(\"default\")))"

// `minimal`: only the two image symbols are exported (so that one of them is
// the last symbol the hash table counts).
static void check_without_sections(const char *dir, const char *flags, int minimal)
{
    char *so;
    if (minimal) {
        char *src = image_source(2000, EXPORTED " const", EXPORTED " " DEFAULT_SIZE_DECL);
        char *fl = jl_test_fmt("%s -fvisibility=hidden", flags);
        so = build_so(dir, "img", src, fl);
        free(fl);
        free(src);
        size_t n;
        uint8_t *g = jl_test_read_file(so, &n);
        uint8_t *dynsym = find_section(g, 11);
        unsigned defined = 0;
        for (uint64_t i = 1; i < rd(dynsym + 32, 8) / 24; i++)
            defined += rd(g + rd(dynsym + 24, 8) + i * 24 + 6, 2) != 0;
        assert_int_equal(defined, 2);
        free(g);
    }
    else {
        so = build_image(dir, "img", 2000, flags);
    }
    size_t len;
    uint8_t *f = jl_test_read_file(so, &len);
    wr(f + 40, 8, 0); // e_shoff
    wr(f + 58, 2, 0); // e_shentsize
    wr(f + 60, 2, 0); // e_shnum
    wr(f + 62, 2, 0); // e_shstrndx
    char *nosec = jl_test_fmt("%s/nosec.so", dir);
    jl_test_write_file(nosec, f, len);
    check_image_file(nosec, 2000);

    // With the hash tables' tags gone there is no way to count the symbols.
    uint64_t phoff = rd(f + 32, 8);
    unsigned phnum = (unsigned)rd(f + 56, 2), hashes = 0;
    for (unsigned i = 0; i < phnum; i++) {
        uint8_t *ph = f + phoff + i * 56;
        if (rd(ph, 4) != 2) // PT_DYNAMIC
            continue;
        for (uint64_t d = 0; d < rd(ph + 32, 8) / 16; d++) {
            uint8_t *dyn = f + rd(ph + 8, 8) + d * 16;
            if (rd(dyn, 8) == 4 || rd(dyn, 8) == 0x6ffffef5) { // DT_HASH, DT_GNU_HASH
                wr(dyn, 8, 21);                                // DT_DEBUG
                hashes++;
            }
        }
    }
    assert_true(hashes > 0);
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_NO_DYNSYM);
    free(nosec);
    free(f);
    free(so);
}

static void test_without_sections_gnu_hash(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    check_without_sections(dir, "-Wl,--hash-style=gnu", 0);
    check_without_sections(dir, "-Wl,--hash-style=gnu", 1);
    jl_test_rmtree(dir);
    free(dir);
}

static void test_without_sections_sysv_hash(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    check_without_sections(dir, "-Wl,--hash-style=sysv", 0);
    check_without_sections(dir, "-Wl,--hash-style=sysv", 1);
    jl_test_rmtree(dir);
    free(dir);
}

static void test_not_elf(void **state)
{
    (void)state;
    const char *text = "this is not a shared object\n";
    assert_int_equal(parse_err((const uint8_t *)text, strlen(text)), JL_DEPOT_E_ELF_NOT_ELF);
    assert_int_equal(parse_err((const uint8_t *)"", 0), JL_DEPOT_E_ELF_NOT_ELF);
    assert_int_equal(parse_err((const uint8_t *)"\x7f"
                                                "EL",
                               3),
                     JL_DEPOT_E_ELF_NOT_ELF);
    assert_int_equal(parse_err((const uint8_t *)"\x7f"
                                                "ELF\2\1\1",
                               7),
                     JL_DEPOT_E_ELF_BAD);

    char *dir = jl_test_mkdtemp("pkgimage");
    char *so = build_image(dir, "img", 100, "");
    size_t len;
    uint8_t *f = jl_test_read_file(so, &len);
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_OK);
    const struct {
        size_t at;
        uint8_t value;
        int err;
    } cases[] = {
        {4, 1, JL_DEPOT_E_ELF_CLASS}, // ELFCLASS32
        {5, 2, JL_DEPOT_E_ELF_CLASS}, // big-endian
        {4, 7, JL_DEPOT_E_ELF_BAD},   // no such class
        {5, 0, JL_DEPOT_E_ELF_BAD},   // no such byte order
        {6, 2, JL_DEPOT_E_ELF_BAD},   // EI_VERSION
        {16, 2, JL_DEPOT_E_ELF_BAD},  // ET_EXEC
        {16, 1, JL_DEPOT_E_ELF_BAD},  // ET_REL
        {0, 0x7e, JL_DEPOT_E_ELF_NOT_ELF},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t old = f[cases[i].at];
        f[cases[i].at] = cases[i].value;
        assert_int_equal(parse_err(f, len), cases[i].err);
        f[cases[i].at] = old;
    }
    free(f);
    free(so);
    jl_test_rmtree(dir);
    free(dir);
}

// Every proper prefix of a small shared object is rejected with a named error
// (its section header table is at the end), and none crashes.
static void test_truncated(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    char *so = build_image(dir, "img", 500, "");
    size_t len;
    uint8_t *f = jl_test_read_file(so, &len);
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_OK);
    for (size_t n = 0; n < len; n++) {
        int err = parse_err(f, n);
        if (err == JL_DEPOT_E_OK || !is_elf_error(err))
            fail_msg("prefix of %zu of %zu bytes: %s", n, len, jldepot_errname(err));
    }
    // Without section headers the tail past the segments is not needed, so
    // some prefixes may still be complete enough; none may crash, and any
    // blob found must be the right one.
    wr(f + 40, 8, 0);
    wr(f + 58, 2, 0);
    wr(f + 60, 2, 0);
    wr(f + 62, 2, 0);
    for (size_t n = 0; n < len; n++) {
        jl_pkgimage_t img;
        uint8_t *copy;
        int err = parse_copy(f, n, &img, &copy);
        if (err == JL_DEPOT_E_OK)
            check_blob(&img, 500);
        else if (!is_elf_error(err))
            fail_msg("prefix of %zu bytes: %s", n, jldepot_errname(err));
        free(copy);
    }
    free(f);
    free(so);
    jl_test_rmtree(dir);
    free(dir);
}

static void test_missing_symbols(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    const struct {
        const char *data_attr, *size_decl;
    } cases[] = {
        {DATA_CONST, ""}, // no size symbol
        {DATA_CONST, "static const size_t jl_system_image_size = 100; "
                     "const size_t *jl_keep = &jl_system_image_size;"}, // local only
        {DATA_CONST,
         "__attribute__((visibility(\"hidden\"))) const size_t jl_system_image_size = 100; "
         "const size_t *jl_keep = &jl_system_image_size;"}, // not exported
        {DATA_CONST, "extern const size_t jl_system_image_size; "
                     "const size_t *jl_keep = &jl_system_image_size;"}, // undefined here
        {"static const",
         DEFAULT_SIZE_DECL " const unsigned char *jl_keep = jl_system_image_data;"}, // data local
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *src = image_source(100, cases[i].data_attr, cases[i].size_decl);
        char *name = jl_test_fmt("case%zu", i);
        char *so = build_so(dir, name, src, "");
        jl_pkgimage_t img;
        int err = jl_pkgimage_open(so, &img);
        if (err != JL_DEPOT_E_ELF_NO_IMAGE)
            fail_msg("case %zu: %s", i, jldepot_errname(err));
        assert_null(img.file);
        assert_null(img.blob);
        free(so);
        free(name);
        free(src);
    }
    // The size symbol marked local in the dynamic symbol table.
    char *imgso = build_image(dir, "img", 100, "");
    size_t len;
    uint8_t *f = jl_test_read_file(imgso, &len);
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_OK);
    uint8_t *sym = find_dynsym(f, "jl_system_image_size");
    sym[4] = (uint8_t)(sym[4] & 0x0f); // STB_LOCAL
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_NO_IMAGE);
    sym[4] = (uint8_t)(sym[4] | 0x20); // STB_WEAK is fine
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_OK);
    wr(sym + 6, 2, 0); // SHN_UNDEF
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_NO_IMAGE);
    free(f);
    free(imgso);

    // A shared object with nothing of the sort.
    char *so = build_so(dir, "plain", "int f(int x) { return x; }\n", "");
    jl_pkgimage_t img;
    assert_int_equal(jl_pkgimage_open(so, &img), JL_DEPOT_E_ELF_NO_IMAGE);
    free(so);
    jl_test_rmtree(dir);
    free(dir);
}

static void test_image_out_of_range(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    // sizes that reach past the segment and the file
    const char *decls[] = {
        "const size_t jl_system_image_size = sizeof(jl_system_image_data) + (1 << 20);",
        "const size_t jl_system_image_size = (size_t)-1;",
        "const size_t jl_system_image_size = (size_t)1 << 40;",
    };
    for (size_t i = 0; i < sizeof(decls) / sizeof(decls[0]); i++) {
        char *src = image_source(100, DATA_CONST, decls[i]);
        char *name = jl_test_fmt("range%zu", i);
        char *so = build_so(dir, name, src, "");
        jl_pkgimage_t img;
        assert_int_equal(jl_pkgimage_open(so, &img), JL_DEPOT_E_ELF_IMAGE_RANGE);
        free(so);
        free(name);
        free(src);
    }
    // symbol addresses outside every segment and section
    char *so = build_image(dir, "img", 100, "");
    size_t len;
    uint8_t *f = jl_test_read_file(so, &len);
    const char *names[] = {"jl_system_image_size", "jl_system_image_data"};
    const uint64_t values[] = {0xFFFFFFFFFFFFF000ULL, 0x40000000ULL, 0};
    for (size_t i = 0; i < 2; i++) {
        uint8_t *sym = find_dynsym(f, names[i]);
        uint64_t old = rd(sym + 8, 8);
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            wr(sym + 8, 8, values[v]);
            int err = parse_err(f, len);
            if (err != JL_DEPOT_E_ELF_IMAGE_RANGE && !(values[v] == 0 && err == JL_DEPOT_E_OK))
                fail_msg("%s = %#llx: %s", names[i], (unsigned long long)values[v],
                         jldepot_errname(err));
        }
        wr(sym + 8, 8, old);
    }
    // the data symbol moved so that the blob runs off the end of its segment
    uint8_t *data = find_dynsym(f, "jl_system_image_data");
    uint64_t dataaddr = rd(data + 8, 8);
    uint64_t phoff = rd(f + 32, 8);
    for (unsigned i = 0; i < rd(f + 56, 2); i++) {
        uint8_t *ph = f + phoff + i * 56;
        uint64_t vaddr = rd(ph + 16, 8), filesz = rd(ph + 32, 8);
        if (rd(ph, 4) == 1 && dataaddr >= vaddr && dataaddr < vaddr + filesz) {
            wr(data + 8, 8, vaddr + filesz - 50); // 100 bytes do not fit
            break;
        }
    }
    assert_int_not_equal(rd(data + 8, 8), dataaddr);
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_IMAGE_RANGE);
    free(f);
    free(so);
    jl_test_rmtree(dir);
    free(dir);
}

// Damaged header tables and section offsets give ELF_BAD.
static void test_corrupt_headers(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    char *so = build_image(dir, "img", 300, "");
    size_t len;
    uint8_t *f = jl_test_read_file(so, &len);
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_OK);

    // every section with contents moved past the end of the file
    unsigned checked = 0;
    for (unsigned i = 1; i < shnum(f); i++) {
        uint8_t *s = shdr(f, i);
        if (rd(s + 4, 4) == 8) // SHT_NOBITS
            continue;
        uint64_t old = rd(s + 24, 8);
        const uint64_t bad[] = {len, UINT64_MAX - 3, (uint64_t)1 << 62};
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            wr(s + 24, 8, bad[b]);
            int err = parse_err(f, len);
            if (err != JL_DEPOT_E_ELF_BAD &&
                !(rd(s + 32, 8) == 0 && err == JL_DEPOT_E_OK && bad[b] <= len))
                fail_msg("section %u at %#llx: %s", i, (unsigned long long)bad[b],
                         jldepot_errname(err));
        }
        wr(s + 24, 8, old);
        // and its size overflowing
        old = rd(s + 32, 8);
        wr(s + 32, 8, UINT64_MAX - rd(s + 24, 8) + 2);
        assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_BAD);
        wr(s + 32, 8, old);
        checked++;
    }
    assert_true(checked >= 5);

    // header fields
    const struct {
        size_t at;
        int width;
        uint64_t value;
    } cases[] = {
        {40, 8, 0},               // e_shoff set to 0 while e_shnum is not
        {40, 8, len},             // e_shoff at the end
        {40, 8, UINT64_MAX - 10}, // e_shoff overflowing
        {32, 8, len},             // e_phoff at the end
        {32, 8, UINT64_MAX - 10}, // e_phoff overflowing
        {54, 2, 32},              // e_phentsize
        {58, 2, 40},              // e_shentsize
        {56, 2, 0},               // e_phnum = 0
        {56, 2, 0xffff},          // e_phnum = PN_XNUM without a section 0 count
        {60, 2, 0xfff0},          // e_shnum too large
        {52, 2, 10},              // e_ehsize
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t old = rd(f + cases[i].at, cases[i].width);
        wr(f + cases[i].at, cases[i].width, cases[i].value);
        int err = parse_err(f, len);
        if (err != JL_DEPOT_E_ELF_BAD)
            fail_msg("header case %zu: %s", i, jldepot_errname(err));
        wr(f + cases[i].at, cases[i].width, old);
    }

    // the dynamic symbol table's entry size and link
    uint8_t *dynsym = find_section(f, 11);
    const struct {
        size_t at;
        int width;
        uint64_t value;
    } symcases[] = {
        {56, 8, 16},         // sh_entsize
        {32, 8, 24 * 3 + 5}, // sh_size not a multiple of the entry size
        {40, 4, 0},          // sh_link to section 0
        {40, 4, 0xffff},     // sh_link out of range
        {40, 4, 0xfffffff0}, // sh_link far out of range
    };
    for (size_t i = 0; i < sizeof(symcases) / sizeof(symcases[0]); i++) {
        uint64_t old = rd(dynsym + symcases[i].at, symcases[i].width);
        wr(dynsym + symcases[i].at, symcases[i].width, symcases[i].value);
        int err = parse_err(f, len);
        if (err != JL_DEPOT_E_ELF_BAD)
            fail_msg("dynsym case %zu: %s", i, jldepot_errname(err));
        wr(dynsym + symcases[i].at, symcases[i].width, old);
    }
    // sh_link to a section that is not a string table (itself)
    uint64_t oldlink = rd(dynsym + 40, 4);
    wr(dynsym + 40, 4, (uint64_t)((dynsym - shdr(f, 0)) / 64));
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_BAD);
    wr(dynsym + 40, 4, oldlink);

    // every PT_LOAD's file image past the end
    uint64_t phoff = rd(f + 32, 8);
    for (unsigned i = 0; i < rd(f + 56, 2); i++) {
        uint8_t *ph = f + phoff + i * 56;
        if (rd(ph, 4) != 1 && rd(ph, 4) != 2)
            continue;
        uint64_t old = rd(ph + 32, 8);
        wr(ph + 32, 8, len + 1);
        assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_BAD);
        wr(ph + 32, 8, old);
        old = rd(ph + 8, 8);
        wr(ph + 8, 8, UINT64_MAX);
        assert_int_equal(parse_err(f, len), JL_DEPOT_E_ELF_BAD);
        wr(ph + 8, 8, old);
    }
    assert_int_equal(parse_err(f, len), JL_DEPOT_E_OK); // everything restored
    free(f);
    free(so);
    jl_test_rmtree(dir);
    free(dir);
}

// Random damage anywhere: a named error or a blob inside the buffer, never a crash.
static void test_random_damage(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    char *so = build_image(dir, "img", 200, "");
    size_t len;
    uint8_t *f = jl_test_read_file(so, &len);
    uint8_t *g = malloc(len);
    assert_non_null(g);
    uint64_t x = 0x243F6A8885A308D3ULL;
    int ok = 0, bad = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(g, f, len);
        int nflips = 1 + round % 4;
        for (int k = 0; k < nflips; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // half the damage in the headers and tables, where it matters most
            size_t at =
                (x & 1) ? (size_t)(x >> 8) % len : (size_t)(x >> 8) % (len < 4096 ? len : 4096);
            g[at] = (uint8_t)(x >> 40);
        }
        int err = parse_err(g, len);
        if (err == JL_DEPOT_E_OK)
            ok++;
        else if (is_elf_error(err))
            bad++;
        else
            fail_msg("round %d: %s", round, jldepot_errname(err));
    }
    assert_true(bad > 0);
    assert_int_equal(ok + bad, 3000);
    free(g);
    free(f);
    free(so);
    jl_test_rmtree(dir);
    free(dir);
}

static void test_open_errors(void **state)
{
    (void)state;
    char *dir = jl_test_mkdtemp("pkgimage");
    jl_pkgimage_t img;
    char *missing = jl_test_fmt("%s/missing.so", dir);
    assert_int_equal(jl_pkgimage_open(missing, &img), JL_DEPOT_E_NOT_FOUND);
    assert_null(img.file);
    assert_null(img.blob);
    assert_int_equal(img.blob_size, 0);
    jl_pkgimage_close(&img);
    char *nodir = jl_test_fmt("%s/nodir/x.so", dir);
    assert_int_equal(jl_pkgimage_open(nodir, &img), JL_DEPOT_E_NOT_FOUND);
    assert_int_equal(jl_pkgimage_open(dir, &img), JL_DEPOT_E_IO); // a directory
    assert_int_equal(jl_pkgimage_open("", &img), JL_DEPOT_E_INVALID_ARGUMENT);
    assert_int_equal(jl_pkgimage_open(NULL, &img), JL_DEPOT_E_INVALID_ARGUMENT);

    char *empty = jl_test_fmt("%s/empty.so", dir);
    jl_test_write_file(empty, "", 0);
    assert_int_equal(jl_pkgimage_open(empty, &img), JL_DEPOT_E_ELF_NOT_ELF);

    // Larger than 4 GiB: refused before anything is read (a sparse file).
    char *huge = jl_test_fmt("%s/huge.so", dir);
    int fd = open(huge, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)JL_PKGIMAGE_MAX_SIZE + 1), 0);
    close(fd);
    assert_int_equal(jl_pkgimage_open(huge, &img), JL_DEPOT_E_ELF_TOO_LARGE);
    assert_null(img.file);

    assert_int_equal(jl_pkgimage_parse(NULL, 10, &img), JL_DEPOT_E_INVALID_ARGUMENT);
    assert_int_equal(jl_pkgimage_parse(NULL, 0, &img), JL_DEPOT_E_ELF_NOT_ELF);
    jl_pkgimage_close(NULL);
    free(huge);
    free(empty);
    free(nodir);
    free(missing);
    jl_test_rmtree(dir);
    free(dir);
}

JL_TEST_MAIN(cmocka_unit_test(test_finds_blob), cmocka_unit_test(test_stripped),
             cmocka_unit_test(test_writable_data), cmocka_unit_test(test_without_sections_gnu_hash),
             cmocka_unit_test(test_without_sections_sysv_hash), cmocka_unit_test(test_not_elf),
             cmocka_unit_test(test_truncated), cmocka_unit_test(test_missing_symbols),
             cmocka_unit_test(test_image_out_of_range), cmocka_unit_test(test_corrupt_headers),
             cmocka_unit_test(test_random_damage), cmocka_unit_test(test_open_errors))
