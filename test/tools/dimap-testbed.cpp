// This file is a part of the jldepot project. License is MIT.

/*
  dimap-testbed.cpp: the test bed's side of LLVM's C++ API (see
  dimap-testbed.h): DIBuilder::createFile with an MD5 checksum, which
  LLVM's C API lacks, and llvm::MD5 over bytes and over a file read in
  chunks.  The runtime (src/llvm-depotmap.*) creates no DIFile and reads no
  source file; only the test bed does.
*/

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/DebugInfoMetadata.h>
#include <llvm/Support/MD5.h>

#include "dimap-testbed.h"

using namespace llvm;

static bool is_md5hex(const char *s)
{
    if (s == nullptr)
        return false;
    for (int i = 0; i < 32; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return s[32] == '\0';
}

extern "C" LLVMMetadataRef tb_difile_md5(LLVMDIBuilderRef b, const char *name, size_t namelen,
                                         const char *dir, size_t dirlen, const char md5hex[33])
{
    if (!is_md5hex(md5hex))
        return nullptr;
    DIBuilder *builder = reinterpret_cast<DIBuilder *>(b);
    DIFile::ChecksumInfo<StringRef> cs(DIFile::CSK_MD5, StringRef(md5hex, 32));
    DIFile *f = builder->createFile(StringRef(name, namelen), StringRef(dir, dirlen), cs);
    return wrap(static_cast<Metadata *>(f));
}

static void to_hex(const MD5::MD5Result &r, char md5hex[33])
{
    static const char hexdig[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        md5hex[2 * i] = hexdig[r[i] >> 4];
        md5hex[2 * i + 1] = hexdig[r[i] & 15];
    }
    md5hex[32] = '\0';
}

extern "C" void tb_md5(const void *data, size_t len, char md5hex[33])
{
    to_hex(MD5::hash(ArrayRef<uint8_t>(static_cast<const uint8_t *>(data), len)), md5hex);
}

extern "C" int tb_md5_file(const char *path, char md5hex[33])
{
    md5hex[0] = '\0';
    // O_NONBLOCK: opening a FIFO with no writer does not wait
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
    if (e != 0) {
        close(fd);
        errno = e;
        return -1;
    }
    MD5 h;
    uint8_t buf[1 << 16];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
        h.update(ArrayRef<uint8_t>(buf, static_cast<size_t>(n)));
    }
    close(fd);
    MD5::MD5Result r;
    h.final(r);
    to_hex(r, md5hex);
    return 0;
}
