// TensorOps: the one table of tensor ops whose output shape the analysis computes itself. Each
// row names an op (a method or function name without module: "view", "cat"), whether it is
// zero-cost (view, reshape, transpose, cat, .to, ...: it moves shapes and produces no child) or
// a creation op (arange, ones, *_like, clone: a leaf prices what it writes), where its tensor
// is (x.view(...) or torch.transpose(x, ...): the method's tensor or the first argument; cat and
// the creators take none), and its shape rule. The tracer, the leaf binder, the facts of
// __init__ and the oracle's pricing all read this table; adding a zero-cost op is one row.
#pragma once

#include <string>
#include <vector>

#include "interp/value.h"

namespace kcost {

struct TensorOpRule {
  // ZeroCost: a view or a shape query, never priced. Creation: its output is written, so a leaf
  // prices it (by the elements this rule's output has: torch.zeros, x.gather(dim, index)).
  enum class Cost { ZeroCost, Creation };
  using ShapeRule = ValuePtr (*)(const std::string& name, const ValuePtr& self, const std::vector<Arg>& args);

  std::string name;
  Cost cost = Cost::ZeroCost;
  bool tensor_from_args = true;  // torch.<name>(x, ...) is x.<name>(...)
  ShapeRule rule = nullptr;
};

// The row of `name`, or null when the op has no shape rule here.
const TensorOpRule* find_tensor_op(const std::string& name);

// The output of op `name` (see find_tensor_op); `self` is the tensor of a method call, null for a
// function. Returns nullptr when `name` has no rule, an Unknown value when the rule cannot
// decide the shape.
ValuePtr shape_op(const std::string& name, const ValuePtr& self, const std::vector<Arg>& args);
// Whether `name` is one of the zero-cost ops (they move shapes and produce no child).
bool is_zero_cost_op(const std::string& name);
bool is_creation_op(const std::string& name);
bool has_shape_rule(const std::string& name);

// torch.einsum("ijbn->bnij", x): one operand, each of its indices once in the output and no other:
// a permutation of x's dims, which aten returns as the view x.permute(...) (no kernel, no FLOPs).
// Returns that view for such a call of op "einsum", null for any other call.
ValuePtr permuting_einsum(const std::string& op, const std::vector<Arg>& args);

}  // namespace kcost
