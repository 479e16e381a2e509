// Symbolic tensor shapes: element counts, broadcasting, dims, and indexing (x[..., :n], x[:, None],
// table[ids]). The shape rules of the other zero-cost ops are the table of trace/tensor_ops.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "interp/interpreter.h"

namespace kcost {

using Shape = std::vector<Expr>;

Expr numel(const Shape& shape);
// A dim of known size 1.
bool is_one(const Expr& e);
// Broadcasts two shapes right-aligned; a dim of known size 1 yields to the other.
Shape broadcast(const Shape& a, const Shape& b);
// Python-style dim index (negative from the end) into [0, rank); nullopt if not a known int.
std::optional<size_t> dim_index(const Value& dim, size_t rank);
std::string shape_text(const Shape& shape);

// Indexing a tensor: x[..., :n], x[:, None], x[0], x[:, slice(-k, None), :].
ValuePtr index_tensor(const Value& tensor, const Value& index);

// The positional argument i, or the keyword `name`; nullptr if neither was passed.
ValuePtr argument(const std::vector<Arg>& args, size_t i, const std::string& name);

}  // namespace kcost
