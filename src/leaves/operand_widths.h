// Operand widths: the parameters a leaf may have beside those of its signature to price one of
// its operands at that operand's own element width (mixed precision). `weight_width` is the width
// of the parameters and buffers the op reads as its weight, bias, table or scale; `kv_width` of
// the keys and values attention reads from the KV cache; `a_width`, `b_width`, `c_width` of an
// elementwise op's or a matmul's operands in the order their `a_elements`/`b_elements` count
// them (`c`: addmm's or baddbmm's added input, where's condition).
//
// The analysis binds each at the call site by where the operand comes from
// (trace/leaf_binding.h: `weight_bytes`, `kv_bytes` or `bytes`). A cost file that does not bind
// one (written by another tool, or by hand, before widths) leaves it `bytes`: the resolver binds
// it so and the cost files' schema does not ask for it. A leaf library without width parameters
// prices every operand at `bytes`.
#pragma once

#include <string>

namespace kcost {

// True for weight_width, kv_width, a_width, b_width, c_width.
bool is_width_param(const std::string& param);
// The operand role a width parameter is the width of: "weight", "kv", "a", "b", "c" ("" for a
// parameter that is none).
std::string width_role(const std::string& param);

}  // namespace kcost
