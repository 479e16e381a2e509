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

// A dim whose size is not known where the tensor is made but is whatever the other operands of
// the op that uses it say: the heads and head size of a layer's cached keys read by
// `past_key_values[i]` (legacy caches), which the model concatenates with its new keys along
// the token dim. torch.cat requires the other dims to be equal, so the cat takes them from an
// operand that knows them (tensor_ops.cpp: concatenate).
Expr unsized_dim();
bool is_unsized(const Expr& d);
// Whether any dim of the shape is unsized_dim().
bool has_unsized(const Shape& shape);

// Indexing a tensor: x[..., :n], x[:, None], x[0], x[:, slice(-k, None), :].
ValuePtr index_tensor(const Value& tensor, const Value& index);

// The positional argument i, or the keyword `name` (`dim` also as `axis`, as torch takes it);
// nullptr if neither was passed.
ValuePtr argument(const std::vector<Arg>& args, size_t i, const std::string& name);

}  // namespace kcost
