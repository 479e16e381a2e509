// ResolvedTree: the design's resolved cost tree of one kernel. Every node carries the FLOPs,
// bytes read and bytes written of ONE call of its kernel as expressions in the implicit symbols
// only (`batch_size`, `seq_len`, `cache_len`, `bytes`, `config.<attr>`), and `count`, how many
// times one call of its parent calls it. A composite node's cost is the sum over its children of
// count * child cost. `by_kernel` sums every leaf kernel over the whole tree, counts multiplied
// through (how much of the model is `F.linear`, how much `F.softmax`).
//
// JSON form (the design's contract; children in the order of the cost file, i.e. call order):
//   {"kernel_name", "flops", "memory_read", "memory_write",
//    "children": {label: {"kernel", "count", "flops", "memory_read", "memory_write",
//                         "children"}}}
// A composite node whose cost files carry memory (cost_file.h) also has "footprint":
// {"parameters", "buffers", "cache_elements"}: parameters and buffers of one module of its
// kernel, and the KV-cache elements its calls hold (its own and, count times, its children's).
// Expressions are Python text (Expr::str); a count that is an integer is a JSON integer.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "costfile/cost_file.h"  // CostExprs
#include "expr/expr.h"

namespace kcost {

struct ResolvedNode {
  std::string kernel;  // a leaf's kernel_name ("F.linear"), a composite's qualified name, or "unknown"
  Expr count{1};       // calls per call of the parent; 1 at the root
  CostExprs cost;      // of one call
  bool leaf = false;   // a leaf kernel of the catalog (or an "unknown" child counted as zero)
  // Memory, in elements: a composite's when its cost file and those of all its composite
  // descendants say (cache_elements summed over the subtree, counts multiplied through).
  std::optional<Footprint> footprint;
  std::vector<std::pair<std::string, ResolvedNode>> children;  // label -> node, call order
};

struct ResolvedTree {
  ResolvedNode root;
  // leaf kernel_name -> its total over the tree (each occurrence times the product of the counts
  // on its path). "unknown" children are not in it.
  std::map<std::string, CostExprs> by_kernel;
  // Paths ("model/layers/foo") of "unknown" children counted as zero (ResolveOptions::allow_unknown).
  std::vector<std::string> unknowns;
};

// A resolved tree file that does not have the contract's form; one line naming the source and
// the JSON path.
struct ResolvedTreeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The sums of `by_kernel` for the tree under `root` (the tree's own by_kernel is this of its root).
std::map<std::string, CostExprs> sum_by_kernel(const ResolvedNode& root);

// The contract's JSON of the tree. With `expand`, every expression is expanded to a polynomial
// (Expr::expand) first.
nlohmann::ordered_json to_json(const ResolvedTree& tree, bool expand = false);

// Reads the contract's JSON back (e.g. a file `kcost resolve -o` wrote). Childless nodes are
// leaves; by_kernel is recomputed. Throws ResolvedTreeError "<source>: $.children.x.flops: ..."
// for a missing or mistyped field and an expression that does not parse or uses a symbol that
// is not implicit. Children keep the order of `j` (parse with ordered_json to keep the file's).
ResolvedTree resolved_tree_from_json(const nlohmann::ordered_json& j, const std::string& source);
ResolvedTree resolved_tree_from_json(const nlohmann::json& j, const std::string& source);

// True for the symbols a resolved expression may contain: batch_size, seq_len, cache_len,
// bytes and config.<attr>.
bool is_resolved_symbol(const std::string& name);

}  // namespace kcost
