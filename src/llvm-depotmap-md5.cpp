// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  llvm-depotmap-md5.cpp: what the scan of the debug-info depot map
  (llvm-depotmap.c) needs that LLVM's C API does not offer: the DWARF 5 MD5
  checksum of a DIFile, the operands of a metadata node as metadata (the C
  API hands each one out wrapped as a value, which costs a lookup, and for a
  new operand an allocation, in the context), and the debug locations of a
  function's instructions without a call per instruction.  Nothing else
  belongs here.
*/

#include <llvm/ADT/StringRef.h>
#include <llvm/IR/DebugInfoMetadata.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/Instruction.h>
#include <llvm/IR/Metadata.h>

#include "llvm-depotmap.h"

using namespace llvm;

extern "C" int jl_dimap_difile_get_md5(LLVMMetadataRef f, char md5hex[33])
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

extern "C" unsigned jl_dimap_md_node_operands(LLVMMetadataRef md, LLVMMetadataRef *out,
                                              unsigned cap)
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

extern "C" void jl_dimap_function_locations(LLVMValueRef fn, jl_dimap_visit_t visit, void *arg)
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
