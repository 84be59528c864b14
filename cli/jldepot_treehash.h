// This file is a part of the jldepot tool. License is MIT.

/*
  jldepot_treehash.h: the git tree hash of a directory, as Pkg computes a
  package's `git-tree-sha1` (Pkg.GitTools.tree_hash): a git tree object of
  the directory, SHA-1, where a file is a blob with mode 100644 (100755 when
  its owner may execute it), a symbolic link a blob of its target with mode
  120000, a directory a tree with mode 40000; `.git` is left out (git never
  records one), and so is every directory that holds no file.
*/

#ifndef JLDEPOT_TREEHASH_H
#define JLDEPOT_TREEHASH_H

// The tree hash of `dir` as 40 lower-case hex digits.  Returns a
// JL_DEPOT_E_* code: NOT_FOUND, IO (unreadable, or a device, FIFO or socket
// inside: not a package tree), NOMEM, or INVALID_ARGUMENT when the tree is
// empty (git has no hash for it) or nested deeper than 256 levels.
int jldepot_tree_hash(const char *dir, char out[41]);

#endif // JLDEPOT_TREEHASH_H
