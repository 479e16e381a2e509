// The string arguments of one call of a composite module (Gemma-4's
// `self.rotary_emb(hidden_states, position_ids, layer_type)` with "sliding_attention" and
// "full_attention"): strings select structure (which buffer `getattr(self, f"{layer_type}_inv_freq")`
// reads), so calls that pass different strings are kernels of different kinds, like modules built
// differently. The text is appended to a module's kind key.
#pragma once

#include <map>
#include <string>

#include "interp/value.h"

namespace kcost {

inline std::string call_strings(const std::map<std::string, ValuePtr>& inputs) {
  std::string out;
  for (const auto& [name, v] : inputs)
    if (v && v->is(Value::Kind::String)) out += "|" + name + "=\"" + v->str + "\"";
  return out;
}

}  // namespace kcost
