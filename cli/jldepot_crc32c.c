// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_crc32c.c: `jldepot crc32c [--json] [--impl] FILE...`: the CRC-32C of
  whole files, as Julia computes it (jl_crc32c with crc = 0; the value a .ji
  trailer's crc_so records for a pkgimage, and a dependency's recorded hash
  for a source file).  `-` reads standard input.

  Output: `<8 lower-case hex digits>  <file>` per file (the sha256sum layout),
  or one JSON object with --json.  Exit 0 when every file was read, 1 when
  any could not be (`jldepot: crc32c: <file>: <message>`), 2 on usage errors.
*/

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "crc32c.h"
#include "atomicfile.h"
#include "jldepot_errors.h"
#include "jldepot.h"
#include "jldepot_out.h"
#include "jldepot_model.h"

// 128 KiB reads: the buffer the kernel copies into stays in the L2 cache, so
// the checksum reads it from there.  Measured on a 1 GiB file in the page
// cache (test/bench/crc32c-cli.sh): 32-128 KiB reads are fastest; 256 KiB and
// 1 MiB reads cost about a third more system time; mmap is no faster.
#define CRC_READ_SIZE ((size_t)128 << 10)

static void crc32c_usage(FILE *f)
{
    fprintf(f,
            "usage: jldepot crc32c [--json] [--impl] FILE...\n"
            "\n"
            "Print the CRC-32C of each FILE as Julia computes it (`-` reads stdin):\n"
            "  <8 hex digits>  <file>\n"
            "\n"
            "  --json   one JSON object: {\"impl\", \"files\": [{\"file\", \"crc32c\", \"size\"}\n"
            "           or {\"file\", \"error\", \"message\"}]}\n"
            "  --impl   print the implementation in use (sse4.2, armv8 or sw);\n"
            "           JL_CRC32C_IMPL=sw forces the portable one\n"
            "\n"
            "Exit status: 0 ok, 1 a file could not be read, 2 usage error.\n");
}

// CRC-32C of everything `fd` yields.  Returns a JL_DEPOT_E_* code.
static int crc32c_fd(int fd, char *buf, uint32_t *crc, uint64_t *size)
{
    uint32_t c = 0;
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, CRC_READ_SIZE);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return JL_DEPOT_E_IO;
        }
        if (n == 0)
            break;
        c = jl_crc32c(c, buf, (size_t)n);
        total += (uint64_t)n;
    }
    *crc = c;
    *size = total;
    return JL_DEPOT_E_OK;
}

static int crc32c_path(const char *path, char *buf, uint32_t *crc, uint64_t *size)
{
    if (!strcmp(path, "-"))
        return crc32c_fd(STDIN_FILENO, buf, crc, size);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return jl_depot_read_errno_code(errno);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return JL_DEPOT_E_IS_DIRECTORY;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    int err = crc32c_fd(fd, buf, crc, size);
    close(fd);
    return err;
}

int jldepot_cmd_crc32c(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"impl", no_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int json = 0, impl = 0, opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            json = 1;
            break;
        case 'i':
            impl = 1;
            break;
        case 'h':
            crc32c_usage(stdout);
            return JLDEPOT_EXIT_OK;
        default:
            jldepot_error("crc32c: unknown option '%s'", argv[optind - 1]);
            crc32c_usage(stderr);
            return JLDEPOT_EXIT_USAGE;
        }
    }
    int nfiles = argc - optind;
    if (nfiles == 0 && !impl) {
        jldepot_error("crc32c: no file given");
        crc32c_usage(stderr);
        return JLDEPOT_EXIT_USAGE;
    }
    char *buf = NULL;
    if (nfiles > 0 && !(buf = (char *)malloc(CRC_READ_SIZE))) {
        jldepot_error("crc32c: %s", jldepot_strerror(JL_DEPOT_E_NOMEM));
        return JLDEPOT_EXIT_REJECTED;
    }
    json_object *root = NULL, *files = NULL;
    if (json) {
        root = json_object_new_object();
        jldepot_json_add_name(root, "impl", jl_crc32c_impl());
        files = json_object_new_array();
        json_object_object_add(root, "files", files);
    }
    else if (impl) {
        printf("%s\n", jl_crc32c_impl());
    }
    int status = JLDEPOT_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        uint32_t crc = 0;
        uint64_t size = 0;
        int err = crc32c_path(argv[i], buf, &crc, &size);
        if (err) {
            jldepot_file_error("crc32c", argv[i], err, 0);
            status = JLDEPOT_EXIT_REJECTED;
        }
        if (json) {
            json_object *o = json_object_new_object();
            jldepot_json_add_name(o, "file", argv[i]);
            if (err) {
                jldepot_json_add_name(o, "error", jldepot_errjson(err));
                jldepot_json_add_name(o, "message", jldepot_strerror(err));
            }
            else {
                char hex[9];
                snprintf(hex, sizeof(hex), "%08" PRIx32, crc);
                jldepot_json_add_name(o, "crc32c", hex);
                json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
            }
            json_object_array_add(files, o);
        }
        else if (!err) {
            printf("%08" PRIx32 "  %s\n", crc, argv[i]);
        }
    }
    if (json) {
        puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
    }
    free(buf);
    if (fflush(stdout) != 0) {
        jldepot_error("crc32c: %s", jldepot_strerror(JL_DEPOT_E_IO));
        status = JLDEPOT_EXIT_REJECTED;
    }
    return status;
}
