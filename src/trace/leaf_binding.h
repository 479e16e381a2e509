// LeafBinding: how a call of a leaf op binds the leaf's forward_params, and what it returns.
// The rule is chosen by the leaf's parameter signature (elementwise [num_elements], binary
// [num_elements, a_elements, b_elements], reductions [num_elements, out_elements], matmuls
// [B, M, K, N], linear [M, K, N, has_bias], ...), not by the model, so a new leaf with a known
// signature needs no code.
//
// One tensor given twice (`x * x`, torch.mul(x, x), torch.where(m, x, x), x @ x): the kernel
// reads it from memory once, so the second operand that is the same value as an earlier one
// (the same Value: the interpreter hands out one object per tensor, and a zero-cost op that
// changes nothing returns it) binds its elements as 0 (b_elements = 0). The oracle's byte
// counter counts one view of one storage once, and its records mark such operands (validate's
// traced_value), so both sides apply the rule to the same calls.
//
// Widths (mixed precision). A leaf prices its elements at `bytes` (the activations' width)
// unless its forward_params name the width of one of its operands (leaves/operand_widths.h:
// weight_width, kv_width, a_width, b_width, c_width). These are appended after the parameters
// of the leaf's signature (any binder row then binds the rest); the binder of
// the signature says which value each operand is, and the width is bound by where that value
// comes from (Value::Origin): a parameter or buffer `weight_bytes`, what the KV cache returns
// `kv_bytes`, anything else `bytes`; the weight of a module leaf (nn.Linear called as a module)
// is its own parameter. weight_bytes and kv_bytes are implicit runtime quantities that default
// to `bytes` (evaluate/values.h), so a leaf library without width parameters (a foreign one)
// prices everything at `bytes`, and every formula keeps its meaning at one width.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "interp/value.h"
#include "leaves/leaf_catalog.h"
#include "leaves/operand_widths.h"  // is_width_param, width_role

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
  // Which value each operand role is ("weight", "kv", "a", "b", "c"): what a width parameter
  // of the leaf is bound from (see the file comment).
  std::map<std::string, ValuePtr> operands;
};

// The width of one element of `v` as the leaf reads it: weight_bytes for a parameter or buffer,
// kv_bytes for what the KV cache returned, bytes otherwise.
Expr width_of(const ValuePtr& v);

// Whether some rule binds a leaf with these forward_params (every leaf in kernels/ must have one).
bool has_binder(const std::vector<std::string>& forward_params);

LeafBinding bind_leaf(const LeafCall& call);

}  // namespace kcost
