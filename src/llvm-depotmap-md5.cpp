// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  llvm-depotmap-md5.cpp: the two things the debug-info path mapper
  (llvm-depotmap.c) needs that LLVM's C API does not offer: a DIFile with a
  DWARF 5 MD5 checksum, and LLVM's MD5 itself.  Nothing else belongs here.
*/

#include <new>

#include <llvm/ADT/StringRef.h>
#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/DebugInfoMetadata.h>
#include <llvm/Support/MD5.h>

#include "llvm-depotmap.h"

using namespace llvm;

extern "C" JL_DLLEXPORT LLVMMetadataRef jl_dimap_difile_md5(LLVMDIBuilderRef b, const char *name,
                                                            size_t namelen, const char *dir,
                                                            size_t dirlen,
                                                            const char *md5hex) JL_NOTSAFEPOINT
{
    DIBuilder *builder = reinterpret_cast<DIBuilder *>(b);
    DIFile::ChecksumInfo<StringRef> cs(DIFile::CSK_MD5, StringRef(md5hex, 32));
    DIFile *f = builder->createFile(StringRef(name, namelen), StringRef(dir, dirlen), cs);
    return reinterpret_cast<LLVMMetadataRef>(static_cast<Metadata *>(f));
}

extern "C" JL_DLLEXPORT void *jl_dimap_md5_new(void) JL_NOTSAFEPOINT
{
    return new (std::nothrow) MD5();
}

extern "C" JL_DLLEXPORT void jl_dimap_md5_update(void *st, const void *data,
                                                 size_t len) JL_NOTSAFEPOINT
{
    static_cast<MD5 *>(st)->update(ArrayRef<uint8_t>(static_cast<const uint8_t *>(data), len));
}

extern "C" JL_DLLEXPORT void jl_dimap_md5_final(void *st, uint8_t out[16]) JL_NOTSAFEPOINT
{
    MD5 *h = static_cast<MD5 *>(st);
    MD5::MD5Result r;
    h->final(r);
    for (int i = 0; i < 16; i++)
        out[i] = r[i];
    delete h;
}
