// Symbolic tensor shapes: element counts, broadcasting, and the shape rules of the zero-cost
// ops (view, reshape, transpose, permute, unsqueeze, expand, cat, split, chunk, indexing, .to,
// ...), which move shapes and produce no child.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "interp/evaluator.h"

namespace kcost {

using Shape = std::vector<Expr>;

Expr numel(const Shape& shape);
// Broadcasts two shapes right-aligned; a dim of known size 1 yields to the other.
Shape broadcast(const Shape& a, const Shape& b);
// Python-style dim index (negative from the end) into [0, rank); nullopt if not a known int.
std::optional<size_t> dim_index(const Value& dim, size_t rank);
std::string shape_text(const Shape& shape);

// The output of an op whose output shape is not that of an elementwise op: the zero-cost ops
// and the creation ops (arange, ones, zeros, *_like, clone). `self` is the tensor of a method
// call (x.view(...)), null for a torch function (torch.cat(...)). Returns nullptr when `name`
// (the method or function name without module: "view", "cat") has no such rule.
ValuePtr shape_op(const std::string& name, const ValuePtr& self, const std::vector<Arg>& args);
// Whether `name` is one of the zero-cost ops (they move shapes and produce no child).
bool is_zero_cost_op(const std::string& name);
bool has_shape_rule(const std::string& name);

// Indexing a tensor: x[..., :n], x[:, None], x[0], x[:, slice(-k, None), :].
ValuePtr index_tensor(const Value& tensor, const Value& index);

// The positional argument i, or the keyword `name`; nullptr if neither was passed.
ValuePtr argument(const std::vector<Arg>& args, size_t i, const std::string& name);

}  // namespace kcost
