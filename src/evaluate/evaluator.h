// Evaluator: stage 6, numbers for a resolved tree at a config and a runtime point. Exact:
// integers and rationals of any size (GiNaC numerics). The tree is evaluated bottom-up (each
// leaf's formula at the point, each composite as the sum of count * child), which equals
// evaluating the root's expressions directly (evaluate_totals) and is what `kcost eval` prints.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <ginac/ginac.h>
#include <nlohmann/json.hpp>

#include "evaluate/values.h"
#include "resolve/resolved_tree.h"

namespace kcost {

struct CostNumbers {
  GiNaC::numeric flops = 0;
  GiNaC::numeric memory_read = 0;
  GiNaC::numeric memory_write = 0;
  GiNaC::numeric bytes() const { return memory_read + memory_write; }
  CostNumbers& operator+=(const CostNumbers& o);
  CostNumbers operator*(const GiNaC::numeric& k) const;
  bool operator==(const CostNumbers& o) const;
};

struct EvaluatedNode {
  std::string kernel;
  GiNaC::numeric count = 1;  // calls per call of the parent
  CostNumbers cost;          // of one call
  bool leaf = false;
  // A composite's parameter elements (one module of its kernel, submodules included), when its
  // footprint is known and evaluates at the values.
  std::optional<GiNaC::numeric> parameters;
  std::vector<std::pair<std::string, EvaluatedNode>> children;
};

struct Evaluation {
  CostNumbers totals;                         // the root: one call of the model
  std::map<std::string, CostNumbers> by_kernel;  // leaf kernel -> total over the tree
  EvaluatedNode tree;
};

// A value the formulas need that `values` lacks (or a failure such as division by zero); one
// line naming the symbol, the kernel and its path in the tree:
//   "config has no value for 'rope_theta', which kernel 'X' needs (at model/layers/self_attn)"
struct EvaluateError : std::runtime_error {
  EvaluateError(const std::string& message, std::string symbol = "")
      : std::runtime_error(message), symbol(std::move(symbol)) {}
  std::string symbol;  // the missing symbol, if that is the failure
};

// The symbols some expression of the tree needs that `values` does not have, each with the
// path of the first node (in call order) that needs it. Empty when evaluation can proceed.
std::map<std::string, std::string> missing_symbols(const ResolvedTree& tree, const Values& values);

// Throws EvaluateError (a missing symbol is reported before anything is evaluated).
Evaluation evaluate(const ResolvedTree& tree, const Values& values);
// The root's expressions evaluated directly (Expr::eval). Throws EvaluateError.
CostNumbers evaluate_totals(const ResolvedTree& tree, const Values& values);

// {"flops": N, "memory_read": N, "memory_write": N}
nlohmann::ordered_json to_json(const CostNumbers& c);
// The evaluated tree to `depth` levels below the root (negative: all), in the resolved tree's
// form with numbers: {"kernel_name"|"kernel", "count", "flops", "memory_read", "memory_write",
// "parameters"?, "children"}; the costs are of one call, the parameters of one module.
nlohmann::ordered_json to_json(const EvaluatedNode& node, int depth, bool is_root = true);

}  // namespace kcost
