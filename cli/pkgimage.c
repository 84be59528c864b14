// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  pkgimage.c: finding the image blob inside a pkgimage shared object (ELF64,
  little-endian) without loading it: reads the file, checksums it (the crc_so
  of a .ji trailer), finds the dynamic symbol table (section headers, or
  PT_DYNAMIC when the sections are gone), looks up `jl_system_image_data`
  and `jl_system_image_size`, maps their addresses to file offsets through
  the PT_LOAD segments and checks every offset and size against the file.
  libc only: no dlopen, no libelf, no <elf.h> (fields are read byte by byte,
  so the host's byte order and alignment do not matter).
*/

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "jldepot_errors.h"
#include "pkgimage.h"

#ifndef O_BINARY
#define O_BINARY 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

// ELF constants (from the System V gABI).
#define ELF_EHDR_SIZE 64 // Elf64_Ehdr
#define ELF_PHDR_SIZE 56 // Elf64_Phdr
#define ELF_SHDR_SIZE 64 // Elf64_Shdr
#define ELF_SYM_SIZE  24 // Elf64_Sym
#define ELF_DYN_SIZE  16 // Elf64_Dyn

#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define ELFDATA2MSB   2
#define EV_CURRENT    1
#define ET_DYN        3
#define PN_XNUM       0xffff

#define PT_LOAD       1
#define PT_DYNAMIC    2

#define SHT_STRTAB    3
#define SHT_NOBITS    8
#define SHT_DYNSYM    11
#define SHN_UNDEF     0
#define STB_LOCAL     0

#define DT_NULL       0
#define DT_HASH       4
#define DT_STRTAB     5
#define DT_SYMTAB     6
#define DT_STRSZ      10
#define DT_SYMENT     11
#define DT_GNU_HASH   0x6ffffef5

static const char image_data_name[] = "jl_system_image_data";
static const char image_size_name[] = "jl_system_image_size";

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32);
}

// Whether [off, off + size) lies inside [0, len); overflow-safe.
static int in_range(uint64_t off, uint64_t size, uint64_t len)
{
    return off <= len && size <= len - off;
}

typedef struct {
    const uint8_t *buf;
    uint64_t len;
    const uint8_t *ph; // program header table (validated)
    uint32_t phnum;
    const uint8_t *sh; // section header table (validated), or NULL
    uint32_t shnum;
    // the dynamic symbol table and its string table (file offsets)
    uint64_t symoff, nsyms;
    uint64_t stroff, strsz;
} elf_t;

typedef struct {
    uint64_t value;
    uint16_t shndx;
} elf_sym_t;

// Map `n` bytes at virtual address `vaddr` to a file offset, through the
// PT_LOAD segments' file images.  Returns 0 when no segment holds them all.
static int vaddr_to_off(const elf_t *e, uint64_t vaddr, uint64_t n, uint64_t *off)
{
    for (uint32_t i = 0; i < e->phnum; i++) {
        const uint8_t *p = e->ph + (size_t)i * ELF_PHDR_SIZE;
        if (ld32(p) != PT_LOAD)
            continue;
        uint64_t p_offset = ld64(p + 8), p_vaddr = ld64(p + 16), p_filesz = ld64(p + 32);
        if (vaddr < p_vaddr || vaddr - p_vaddr >= p_filesz)
            continue;
        if (n > p_filesz - (vaddr - p_vaddr))
            continue;
        *off = p_offset + (vaddr - p_vaddr); // within the file: segments are validated
        return 1;
    }
    return 0;
}

// The same through the section a symbol is defined in (for files whose
// segments do not cover it).
static int section_to_off(const elf_t *e, uint16_t shndx, uint64_t vaddr, uint64_t n, uint64_t *off)
{
    if (!e->sh || shndx == SHN_UNDEF || shndx >= e->shnum)
        return 0;
    const uint8_t *s = e->sh + (size_t)shndx * ELF_SHDR_SIZE;
    if (ld32(s + 4) == SHT_NOBITS)
        return 0;
    uint64_t sh_addr = ld64(s + 16), sh_offset = ld64(s + 24), sh_size = ld64(s + 32);
    if (vaddr < sh_addr || vaddr - sh_addr >= sh_size || n > sh_size - (vaddr - sh_addr))
        return 0;
    *off = sh_offset + (vaddr - sh_addr); // within the file: sections are validated
    return 1;
}

static int map_range(const elf_t *e, const elf_sym_t *sym, uint64_t n, uint64_t *off)
{
    if (vaddr_to_off(e, sym->value, n, off) || section_to_off(e, sym->shndx, sym->value, n, off))
        return in_range(*off, n, e->len); // always true; kept as a second guard
    return 0;
}

// The ELF header and the program and section header tables.
static int parse_headers(elf_t *e)
{
    const uint8_t *b = e->buf;
    if (e->len < 4 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
        return JL_DEPOT_E_ELF_NOT_ELF;
    if (e->len < 16)
        return JL_DEPOT_E_ELF_BAD;
    if ((b[4] != ELFCLASS32 && b[4] != ELFCLASS64) || (b[5] != ELFDATA2LSB && b[5] != ELFDATA2MSB))
        return JL_DEPOT_E_ELF_BAD;
    if (b[4] != ELFCLASS64 || b[5] != ELFDATA2LSB)
        return JL_DEPOT_E_ELF_CLASS;
    if (e->len < ELF_EHDR_SIZE || b[6] != EV_CURRENT || ld32(b + 20) != EV_CURRENT)
        return JL_DEPOT_E_ELF_BAD;
    if (ld16(b + 16) != ET_DYN || ld16(b + 52) < ELF_EHDR_SIZE)
        return JL_DEPOT_E_ELF_BAD;
    uint64_t phoff = ld64(b + 32), shoff = ld64(b + 40);
    uint16_t phentsize = ld16(b + 54), shentsize = ld16(b + 58);
    uint32_t phnum = ld16(b + 56), shnum = ld16(b + 60);

    // Section headers (optional).  Extended numbering keeps the real counts
    // in the first entry.
    e->sh = NULL;
    e->shnum = 0;
    if (shoff != 0) {
        if (shentsize != ELF_SHDR_SIZE || !in_range(shoff, ELF_SHDR_SIZE, e->len))
            return JL_DEPOT_E_ELF_BAD;
        const uint8_t *sh0 = b + shoff;
        if (shnum == 0) {
            uint64_t n = ld64(sh0 + 32);
            if (n > e->len / ELF_SHDR_SIZE)
                return JL_DEPOT_E_ELF_BAD;
            shnum = (uint32_t)n;
        }
        if (phnum == PN_XNUM)
            phnum = ld32(sh0 + 44);
        if (!in_range(shoff, (uint64_t)shnum * ELF_SHDR_SIZE, e->len))
            return JL_DEPOT_E_ELF_BAD;
        e->sh = sh0;
        e->shnum = shnum;
    }
    else if (shnum != 0) {
        return JL_DEPOT_E_ELF_BAD;
    }
    if (phnum == PN_XNUM)
        return JL_DEPOT_E_ELF_BAD;

    // Program headers: a shared object has them.
    if (phnum == 0 || phentsize != ELF_PHDR_SIZE ||
        !in_range(phoff, (uint64_t)phnum * ELF_PHDR_SIZE, e->len))
        return JL_DEPOT_E_ELF_BAD;
    e->ph = b + phoff;
    e->phnum = phnum;

    // Every loadable segment and every section with file contents lies
    // inside the file (a truncated or damaged file fails here).
    for (uint32_t i = 0; i < e->phnum; i++) {
        const uint8_t *p = e->ph + (size_t)i * ELF_PHDR_SIZE;
        uint32_t type = ld32(p);
        if (type != PT_LOAD && type != PT_DYNAMIC)
            continue;
        if (!in_range(ld64(p + 8), ld64(p + 32), e->len) || ld64(p + 32) > ld64(p + 40))
            return JL_DEPOT_E_ELF_BAD;
    }
    for (uint32_t i = 1; i < e->shnum; i++) {
        const uint8_t *s = e->sh + (size_t)i * ELF_SHDR_SIZE;
        if (ld32(s + 4) == SHT_NOBITS)
            continue;
        if (!in_range(ld64(s + 24), ld64(s + 32), e->len))
            return JL_DEPOT_E_ELF_BAD;
    }
    return JL_DEPOT_E_OK;
}

// The dynamic symbol table through the section headers: SHT_DYNSYM and the
// string table it links to.  Returns OK, ELF_BAD, or ELF_NO_DYNSYM when there
// is no such section.
static int find_dynsym_sections(elf_t *e)
{
    for (uint32_t i = 1; i < e->shnum; i++) {
        const uint8_t *s = e->sh + (size_t)i * ELF_SHDR_SIZE;
        if (ld32(s + 4) != SHT_DYNSYM)
            continue;
        uint64_t off = ld64(s + 24), size = ld64(s + 32), entsize = ld64(s + 56);
        uint32_t link = ld32(s + 40);
        if (entsize != ELF_SYM_SIZE || size % ELF_SYM_SIZE != 0 || link == 0 || link >= e->shnum)
            return JL_DEPOT_E_ELF_BAD;
        const uint8_t *str = e->sh + (size_t)link * ELF_SHDR_SIZE;
        if (ld32(str + 4) != SHT_STRTAB)
            return JL_DEPOT_E_ELF_BAD;
        e->symoff = off; // ranges checked in parse_headers
        e->nsyms = size / ELF_SYM_SIZE;
        e->stroff = ld64(str + 24);
        e->strsz = ld64(str + 32);
        return JL_DEPOT_E_OK;
    }
    return JL_DEPOT_E_ELF_NO_DYNSYM;
}

// Number of symbols of a DT_GNU_HASH table at file offset `off` (the
// highest index any chain reaches, plus one).  Returns 0 when damaged.
static int gnu_hash_count(const elf_t *e, uint64_t off, uint64_t *count)
{
    if (!in_range(off, 16, e->len))
        return 0;
    const uint8_t *h = e->buf + off;
    uint64_t nbuckets = ld32(h), symoffset = ld32(h + 4), bloom_size = ld32(h + 8);
    uint64_t buckets = off + 16 + bloom_size * 8; // no overflow: each term < 2^36
    if (!in_range(buckets, nbuckets * 4, e->len))
        return 0;
    uint64_t top = 0;
    for (uint64_t i = 0; i < nbuckets; i++) {
        uint64_t b = ld32(e->buf + buckets + i * 4);
        if (b > top)
            top = b;
    }
    if (top == 0) { // every bucket empty
        *count = symoffset;
        return 1;
    }
    if (top < symoffset)
        return 0;
    uint64_t chains = buckets + nbuckets * 4;
    for (uint64_t i = top;; i++) {
        uint64_t at = chains + (i - symoffset) * 4;
        if (!in_range(at, 4, e->len))
            return 0;
        if (ld32(e->buf + at) & 1) { // last entry of the chain
            *count = i + 1;
            return 1;
        }
    }
}

// The dynamic symbol table through PT_DYNAMIC (for files whose section
// headers are gone): DT_SYMTAB, DT_STRTAB/DT_STRSZ, and DT_HASH or
// DT_GNU_HASH for the number of symbols.
static int find_dynsym_dynamic(elf_t *e)
{
    const uint8_t *dyn = NULL;
    uint64_t ndyn = 0;
    for (uint32_t i = 0; i < e->phnum; i++) {
        const uint8_t *p = e->ph + (size_t)i * ELF_PHDR_SIZE;
        if (ld32(p) == PT_DYNAMIC) {
            dyn = e->buf + ld64(p + 8); // range checked in parse_headers
            ndyn = ld64(p + 32) / ELF_DYN_SIZE;
            break;
        }
    }
    if (!dyn)
        return JL_DEPOT_E_ELF_NO_DYNSYM;
    uint64_t symtab = 0, strtab = 0, strsz = 0, syment = ELF_SYM_SIZE, hash = 0, gnu_hash = 0;
    int have_symtab = 0, have_strtab = 0, have_strsz = 0, have_hash = 0, have_gnu_hash = 0;
    for (uint64_t i = 0; i < ndyn; i++) {
        uint64_t tag = ld64(dyn + i * ELF_DYN_SIZE), val = ld64(dyn + i * ELF_DYN_SIZE + 8);
        if (tag == DT_NULL)
            break;
        switch (tag) {
        case DT_SYMTAB:
            symtab = val, have_symtab = 1;
            break;
        case DT_STRTAB:
            strtab = val, have_strtab = 1;
            break;
        case DT_STRSZ:
            strsz = val, have_strsz = 1;
            break;
        case DT_SYMENT:
            syment = val;
            break;
        case DT_HASH:
            hash = val, have_hash = 1;
            break;
        case DT_GNU_HASH:
            gnu_hash = val, have_gnu_hash = 1;
            break;
        default:
            break;
        }
    }
    if (!have_symtab || !have_strtab || !have_strsz || (!have_hash && !have_gnu_hash))
        return JL_DEPOT_E_ELF_NO_DYNSYM;
    if (syment != ELF_SYM_SIZE)
        return JL_DEPOT_E_ELF_BAD;
    uint64_t off, nsyms = 0;
    if (have_hash) {
        if (!vaddr_to_off(e, hash, 8, &off))
            return JL_DEPOT_E_ELF_BAD;
        nsyms = ld32(e->buf + off + 4); // nchain
    }
    else {
        if (!vaddr_to_off(e, gnu_hash, 16, &off) || !gnu_hash_count(e, off, &nsyms))
            return JL_DEPOT_E_ELF_BAD;
    }
    if (nsyms > e->len / ELF_SYM_SIZE || !vaddr_to_off(e, symtab, nsyms * ELF_SYM_SIZE, &off))
        return JL_DEPOT_E_ELF_BAD;
    e->symoff = off;
    e->nsyms = nsyms;
    if (!vaddr_to_off(e, strtab, strsz, &off))
        return JL_DEPOT_E_ELF_BAD;
    e->stroff = off;
    e->strsz = strsz;
    return JL_DEPOT_E_OK;
}

// Look up a defined, non-local symbol by name.
static int find_symbol(const elf_t *e, const char *name, size_t namelen, elf_sym_t *sym)
{
    const uint8_t *str = e->buf + e->stroff;
    for (uint64_t i = 1; i < e->nsyms; i++) {
        const uint8_t *s = e->buf + e->symoff + i * ELF_SYM_SIZE;
        uint64_t st_name = ld32(s);
        if (st_name >= e->strsz || e->strsz - st_name < namelen + 1)
            continue;
        if (memcmp(str + st_name, name, namelen + 1) != 0)
            continue;
        uint16_t shndx = ld16(s + 6);
        if (shndx == SHN_UNDEF || (s[4] >> 4) == STB_LOCAL)
            continue;
        sym->value = ld64(s + 8);
        sym->shndx = shndx;
        return 1;
    }
    return 0;
}

JL_DLLEXPORT int jl_pkgimage_parse(const uint8_t *buf, size_t len, jl_pkgimage_t *img)
{
    memset(img, 0, sizeof(*img));
    if (!buf && len)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    if ((uint64_t)len > JL_PKGIMAGE_MAX_SIZE)
        return JL_DEPOT_E_ELF_TOO_LARGE;
    elf_t e;
    memset(&e, 0, sizeof(e));
    e.buf = buf;
    e.len = len;
    int err = parse_headers(&e);
    if (err)
        return err;
    err = e.sh ? find_dynsym_sections(&e) : JL_DEPOT_E_ELF_NO_DYNSYM;
    if (err == JL_DEPOT_E_ELF_NO_DYNSYM)
        err = find_dynsym_dynamic(&e);
    if (err)
        return err;
    if (!in_range(e.symoff, e.nsyms * ELF_SYM_SIZE, e.len) || !in_range(e.stroff, e.strsz, e.len))
        return JL_DEPOT_E_ELF_BAD;

    elf_sym_t data, size;
    if (!find_symbol(&e, image_data_name, sizeof(image_data_name) - 1, &data) ||
        !find_symbol(&e, image_size_name, sizeof(image_size_name) - 1, &size))
        return JL_DEPOT_E_ELF_NO_IMAGE;
    uint64_t size_off, data_off;
    if (!map_range(&e, &size, 8, &size_off))
        return JL_DEPOT_E_ELF_IMAGE_RANGE;
    uint64_t blob_size = ld64(buf + size_off);
    if (blob_size > e.len || !map_range(&e, &data, blob_size, &data_off))
        return JL_DEPOT_E_ELF_IMAGE_RANGE;

    img->file = NULL;
    img->file_size = len;
    img->file_crc = jl_crc32c(0, (const char *)buf, len);
    img->blob = buf + data_off;
    img->blob_size = (size_t)blob_size;
    return JL_DEPOT_E_OK;
}

static int read_whole(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t chunk = len - done;
        if (chunk > ((size_t)1 << 30))
            chunk = (size_t)1 << 30;
        ssize_t n = read(fd, buf + done, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) // an error, or the file shrank while we read it
            return JL_DEPOT_E_IO;
        done += (size_t)n;
    }
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT int jl_pkgimage_open(const char *path, jl_pkgimage_t *img)
{
    memset(img, 0, sizeof(*img));
    if (!path || !*path)
        return JL_DEPOT_E_INVALID_ARGUMENT;
    int fd = open(path, O_RDONLY | O_BINARY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? (int)JL_DEPOT_E_NOT_FOUND : JL_DEPOT_E_IO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        close(fd);
        return JL_DEPOT_E_IO;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size > JL_PKGIMAGE_MAX_SIZE || size > (uint64_t)SIZE_MAX) {
        close(fd);
        return JL_DEPOT_E_ELF_TOO_LARGE;
    }
    uint8_t *buf = (uint8_t *)malloc(size ? (size_t)size : 1);
    if (!buf) {
        close(fd);
        return JL_DEPOT_E_NOMEM;
    }
    int err = read_whole(fd, buf, (size_t)size);
    close(fd);
    if (!err)
        err = jl_pkgimage_parse(buf, (size_t)size, img);
    if (err) {
        free(buf);
        memset(img, 0, sizeof(*img));
        return err;
    }
    img->file = buf;
    return JL_DEPOT_E_OK;
}

JL_DLLEXPORT void jl_pkgimage_close(jl_pkgimage_t *img)
{
    if (!img)
        return;
    free(img->file);
    memset(img, 0, sizeof(*img));
}
