// A leaf's declared bindings ("binds" in its JSON): for each forward_param, which call argument or
// dimension it is, for a library whose parameters kcost's binding rules do not know by name.
//
//   "arguments": ["query", "key", "value", "attn_mask"],      (optional: the positional order)
//   "binds": {"B": "query.shape[0]", "H": "query.shape[1]", "S_q": "query.shape[-2]",
//             "S_kv": "key.shape[-2]", "D": "query.shape[-1]"}
//
// A path is one of
//   OPERAND                 a number argument's value (a bool is 1 or 0)
//   OPERAND.shape[I]        dim I of a tensor argument (negative from the end)
//   OPERAND.numel()         its elements;  OPERAND.ndim  its rank
//   present(OPERAND)        1 when the argument is given and not None, else 0
//   INTEGER                 a constant
// where OPERAND is `self` (a method's tensor), `args[N]` (the N-th positional argument after
// self), or a name: that keyword argument, else the positional argument at the name's place in
// "arguments", else (a module leaf) the constructor parameter of that name.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace kcost {

struct BindPath {
  enum class Access { Value, Dim, Numel, Rank, Present, Literal };
  Access access = Access::Value;
  std::string operand;      // "self", a name, or "" for args[index] / a literal
  long long index = -1;     // args[index]
  long long number = 0;     // Dim: the dim; Literal: the value
  std::string text;         // as written
};

// Parses one path; throws std::invalid_argument "column N: ..." for anything else.
BindPath parse_bind_path(const std::string& text);

}  // namespace kcost
