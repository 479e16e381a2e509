// Fill: a tensor every element of which is one known number. The call the analysis models passes
// an attention mask of ones (no padding: model(input_ids, attention_mask=ones, ...)), and code
// reads that: transformers 4.x's `AttentionMaskConverter._ignore_causal_mask_sdpa` skips the
// causal mask when `torch.all(attention_mask == 1)`, as a real run without padding does. Knowing
// the fill decides such tests the way the run does.
//
// What keeps or makes a fill (Value::fill), and nothing else:
//   the design's attention_mask                      fill 1 (root_inputs)
//   ones, zeros (and _like, new_), full of a number  1, 0, the number
//   add, sub, mul of fills and numbers               the number they make (`lang_id * torch.ones(b)`)
//   views, reshapes, slices, dtype casts, clone      the same fill (`a.to(bool)` of 1 is 1)
//   comparisons with a number or a filled tensor     1 or 0 (`mask == 1`, eq, ne, lt, le, gt, ge)
//   logical_not / ~                                  1 or 0
//   all, any                                         the fill's truth, as 1 or 0
// Any other op's output made like a filled operand loses the fill. A filled tensor of one element
// has a truth value (`if torch.all(mask == 1):`), Value::truth, and a filled bool mask selects all
// of a tensor's rows or none (`x[lang_ids == i]`, tensor_shapes' index_tensor).
#pragma once

#include <string>
#include <vector>

#include "interp/value.h"

namespace kcost {

// `out` of op `op` (a torch name's last part: "eq", "__eq__", "all", "view", "__getitem__"...) on
// `self` and `args`, with the fill the rules above give it, or without one.
ValuePtr follow_fill(const std::string& op, const ValuePtr& self, const std::vector<Arg>& args, const ValuePtr& out);

}  // namespace kcost
