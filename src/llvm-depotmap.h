// This file is a part of Julia. License is MIT: https://julialang.org/license

/*
  llvm-depotmap.h: the debug-info depot map.  The DWARF of a pkgimage keeps
  the absolute paths of the machine that built it, as Julia always wrote
  them, so every tool finds the sources of an image whose depot did not
  move.  The map says which of those paths lie under which depot role root:
  each root has a virtual name `/@<role>-<image id>-<k>` (k = 1-based index
  of the depot in the build stack) that carries the identity of the image
  and of the depot, the token it stands for, and the directory the build's
  paths spell it with.  It is embedded as the NUL-terminated constant
  `jl_depot_map` (on ELF also in section `.jl_depot_map`): UTF-8 text, one
  record per line, fields separated by one TAB, and `%`, TAB, LF, CR in
  fields escaped as %25, %09, %0A, %0D:
      julia-depot-map <TAB> 2
      image <TAB> <image id>
      root <TAB> /@<role>-<id>-<k> <TAB> @<role> <TAB> <a file under it, relative> <TAB> <dir>
      file <TAB> /@<role>-<id>-<k>/<rest> <TAB> <MD5 in hex; "-" when not recorded>
  A path `<dir>/<rest>` of the debug info is the file `@<role>/<rest>`: Julia's
  stack traces resolve it like a token, a debugger maps `<dir>` to the
  directory of the depot holding the image where the anchor file exists.

  Uses LLVM's C API; the MD5 checksum of a DWARF 5 DIFile, a node's
  operands as metadata and the debug locations of a function come from
  llvm-depotmap-md5.cpp.  A map is not thread-safe: one map per image, owned
  by the thread that emits it.  Like the rest of codegen, and because LLVM's C
  API is not annotated for Julia's GC analyzer, these functions are not marked
  JL_NOTSAFEPOINT; they hold no Julia object.
*/

#ifndef JL_LLVM_DEPOTMAP_H
#define JL_LLVM_DEPOTMAP_H

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

#include "depotpath.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jl_dimap_t jl_dimap_t;

// The symbol and the ELF section that hold the map, and its first line.
#define JL_DIMAP_SYMBOL  "jl_depot_map"
#define JL_DIMAP_SECTION ".jl_depot_map"
#define JL_DIMAP_MAGIC   "julia-depot-map"
#define JL_DIMAP_VERSION 2

// `image_id16`: 16 lower-case hex digits (jl_dimap_image_id), else
// JL_DEPOT_E_DIMAP_IMAGE_ID.  `target_depot`: index in `stack` of the depot
// that will hold the image (tried first), or -1.  The stack must outlive the map.
int jl_dimap_new(jl_depot_stack_t *stack, long target_depot, const char *image_id16,
                 jl_dimap_t **out);
void jl_dimap_free(jl_dimap_t *m);

// The image id: 16 lower-case hex digits of a 64-bit hash of the package
// name, its UUID and its build id; never of a path.  Returns JL_DEPOT_E_OK.
int jl_dimap_image_id(const char *pkgname, const uint8_t uuid[16], uint64_t build_id_hi,
                      uint64_t build_id_lo, char out[17]);

// Record in the map every file named by a DIFile reachable from llvm.dbg.cu,
// the functions' DISubprograms, the instructions' debug locations (scopes
// and inlinedAt chains) and the globals' !dbg attachments.  Changes nothing
// and reads no source file: a file's MD5 in the map is the one its DIFile
// carries, if any.  Returns JL_DEPOT_E_OK (or JL_DEPOT_E_NOMEM).
int jl_dimap_scan_module(jl_dimap_t *m, LLVMModuleRef mod);

// Emit map text made by jl_dimap_text as the constant `jl_depot_map`
// (exported; on ELF in section `.jl_depot_map`), kept through llvm.used, into
// any module (of any context): an image whose code modules are split and
// internalized gets its map in a module of its own.  Returns JL_DEPOT_E_OK or
// JL_DEPOT_E_NOMEM.
int jl_dimap_embed_text(LLVMModuleRef mod, const char *text, size_t len);

// The map text (malloc'ed, NUL-terminated; *len may be NULL).
int jl_dimap_text(jl_dimap_t *m, char **out, size_t *len);

// llvm-depotmap-md5.cpp: what LLVM's C API lacks.
// The MD5 checksum of DIFile `f` into md5hex (32 lower-case hex digits):
// 1, or 0 and "" when it has none (or another kind).
int jl_dimap_difile_get_md5(LLVMMetadataRef f, char md5hex[33]);
// The number of operands of the node `md` (0 for no node); when it is at
// most `cap`, out[i] = the i-th operand when that is a node, else NULL.
unsigned jl_dimap_md_node_operands(LLVMMetadataRef md, LLVMMetadataRef *out, unsigned cap);
// Call visit(arg, scope, inlinedAt) for the debug locations of the
// instructions of function `fn` (inlinedAt may be NULL); a run of
// instructions with one location, or one scope and no inlinedAt, calls once.
// Without any located instruction: visit(arg, subprogram, NULL) when `fn`
// has one (else the subprogram is reached through the scopes).
typedef void (*jl_dimap_visit_t)(void *arg, LLVMMetadataRef scope,
                                 LLVMMetadataRef inlined_at) JL_NOTSAFEPOINT;
void jl_dimap_function_locations(LLVMValueRef fn, jl_dimap_visit_t visit, void *arg);

#ifdef __cplusplus
}
#endif

#endif // JL_LLVM_DEPOTMAP_H
