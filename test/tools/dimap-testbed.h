// This file is a part of the jldepot project. License is MIT.

/*
  dimap-testbed.h: what the debug-info test bed (mkdiso, the unit test and
  the benchmark of the depot map) needs beyond LLVM's C API, from
  dimap-testbed.cpp: a DIFile that carries a DWARF 5 MD5 checksum, and the
  MD5 of bytes and of a file.  Julia's codegen writes no checksum; the test
  bed does for DWARF 5, so that a debugger can tell a source edited after
  the build, and so that the map carries the checksums the DIFiles carry.
*/

#ifndef JL_DIMAP_TESTBED_H
#define JL_DIMAP_TESTBED_H

#include <stddef.h>

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

#ifdef __cplusplus
extern "C" {
#endif

// The MD5 of the empty byte string: the checksum of Julia's compile-unit
// file ("julia", ".") in a DWARF 5 module, whose line table has an MD5 for
// every file or for none.
#define TB_EMPTY_MD5 "d41d8cd98f00b204e9800998ecf8427e"

// DIBuilder::createFile(name, dir) with an MD5 checksum: `md5hex` is 32 hex
// digits (either case; kept as given).  NULL when it is not.
LLVMMetadataRef tb_difile_md5(LLVMDIBuilderRef b, const char *name, size_t namelen, const char *dir,
                              size_t dirlen, const char md5hex[33]);

// The MD5 of `len` bytes, as 32 lower-case hex digits (LLVM's llvm::MD5).
void tb_md5(const void *data, size_t len, char md5hex[33]);

// The MD5 of the bytes of the regular file `path`: 0, or -1 with errno set
// and md5hex = "" when it is no regular file (a FIFO is not opened for
// reading: no wait) or cannot be read.
int tb_md5_file(const char *path, char md5hex[33]);

#ifdef __cplusplus
}
#endif

#endif // JL_DIMAP_TESTBED_H
