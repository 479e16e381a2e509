// LeafBinding: how a call of a leaf op binds the leaf's forward_params, and what it returns.
// The rule is chosen by the leaf's parameter signature (elementwise [num_elements], binary
// [num_elements, a_elements, b_elements], reductions [num_elements, out_elements], matmuls
// [B, M, K, N], linear [M, K, N, has_bias], ...), not by the model, so a new leaf with a known
// signature needs no code.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "interp/value.h"
#include "leaves/leaf_catalog.h"

namespace kcost {

struct LeafCall {
  const LeafKernel* leaf = nullptr;
  std::string op;                        // method or function name: "mul", "softmax", "linear"
  ValuePtr self;                         // the tensor of a method call, else null
  std::vector<Arg> args;                 // call arguments (for an operator: the two operands)
  std::map<std::string, ValuePtr> ctor;  // constructor parameters when the leaf is a module (Linear)
  bool module = false;
};

struct LeafBinding {
  bool ok = false;
  std::vector<std::pair<std::string, Expr>> bindings;
  ValuePtr output;
  std::string why;  // how the params were derived, or why they could not be
};

// Whether some rule binds a leaf with these forward_params (every leaf in kernels/ must have one).
bool has_binder(const std::vector<std::string>& forward_params);

LeafBinding bind_leaf(const LeafCall& call);

}  // namespace kcost
