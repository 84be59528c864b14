// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  llvm-depotmap-md5.cpp: what the debug-info path mapper (llvm-depotmap.c)
  needs that LLVM's C API does not offer: a DIFile with a DWARF 5 MD5
  checksum and the MD5 checksum of an existing DIFile, LLVM's MD5 itself,
  the operands of a metadata node as metadata (the C API hands each one out
  wrapped as a value, which costs a lookup, and for a new operand an
  allocation, in the context), and the debug locations of a function's
  instructions without a call per instruction.  Nothing else belongs here.
*/

#include <new>

#include <llvm/ADT/StringRef.h>
#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/DebugInfoMetadata.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/Instruction.h>
#include <llvm/IR/Metadata.h>
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

extern "C" JL_DLLEXPORT int jl_dimap_difile_get_md5(LLVMMetadataRef f,
                                                    char md5hex[33]) JL_NOTSAFEPOINT
{
    md5hex[0] = '\0';
    auto *file = dyn_cast_or_null<DIFile>(unwrap(f));
    if (file == nullptr)
        return 0;
    auto cs = file->getChecksum();
    if (!cs || cs->Kind != DIFile::CSK_MD5 || cs->Value.size() != 32)
        return 0;
    for (size_t i = 0; i < 32; i++) {
        char c = cs->Value[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return md5hex[0] = '\0', 0;
        md5hex[i] = c;
    }
    md5hex[32] = '\0';
    return 1;
}

extern "C" JL_DLLEXPORT unsigned jl_dimap_md_node_operands(LLVMMetadataRef md, LLVMMetadataRef *out,
                                                           unsigned cap) JL_NOTSAFEPOINT
{
    auto *n = dyn_cast_or_null<MDNode>(unwrap(md));
    if (n == nullptr)
        return 0;
    unsigned num = n->getNumOperands();
    if (num > cap)
        return num;
    for (unsigned i = 0; i < num; i++) {
        Metadata *op = n->getOperand(i);
        out[i] = isa_and_nonnull<MDNode>(op) ? wrap(op) : nullptr;
    }
    return num;
}

extern "C" JL_DLLEXPORT void jl_dimap_function_locations(
    LLVMValueRef fn, void (*visit)(void *arg, LLVMMetadataRef scope, LLVMMetadataRef inlined_at),
    void *arg) JL_NOTSAFEPOINT
{
    auto *f = dyn_cast_or_null<Function>(unwrap(fn));
    if (f == nullptr)
        return;
    const MDNode *last = nullptr;
    const Metadata *lastscope = nullptr;
    for (BasicBlock &bb : *f)
        for (Instruction &in : bb) {
            // the node as it is held: no cast (DebugLoc::get) per instruction
            const MDNode *node = in.getDebugLoc().getAsMDNode();
            if (node == nullptr || node == last)
                continue;
            last = node;
            auto *loc = static_cast<const DILocation *>(node);
            Metadata *scope = loc->getRawScope();
            Metadata *inl = loc->getRawInlinedAt();
            if (scope == lastscope && inl == nullptr)
                continue;
            lastscope = scope;
            visit(arg, wrap(scope), wrap(inl));
        }
    // A location's scope chain ends at the function's subprogram (the
    // verifier sees to it), so the attachment is looked up only for a
    // function without located instructions.
    if (lastscope == nullptr)
        if (DISubprogram *sp = f->getSubprogram())
            visit(arg, wrap(sp), nullptr);
}

extern "C" JL_DLLEXPORT void jl_dimap_md5(const void *data, size_t len,
                                          uint8_t out[16]) JL_NOTSAFEPOINT
{
    MD5::MD5Result r = MD5::hash(ArrayRef<uint8_t>(static_cast<const uint8_t *>(data), len));
    for (int i = 0; i < 16; i++)
        out[i] = r[i];
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
