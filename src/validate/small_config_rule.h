// The small config's rule, resized: `kcost validate --small-config-rule NAME=N,...`. The oracle
// builds each model from a small config made from its config class's defaults by one rule
// (python oracle.py small_config_kwargs: 8 heads, 4 kv heads, head size 16, 3 layers, a vocabulary
// of 997, at most 4 experts and 2 per token, windows of 4 tokens, 1 full layer before windowed ones
// and every 2nd layer full). The rule's sizes can be set otherwise, so that the analysis is proven
// at other shapes: more layers (a layer kind the default's 3 do not reach), other head counts,
// a longer window. The result is the JSON object the oracle's traced_run takes.
//
// Text: comma-separated NAME=N, each NAME once, N a positive integer; names:
//   heads, kv_heads, head_dim, layers, vocab, experts, experts_per_token, window, window_layers,
//   window_pattern.
// An empty text is the default rule ({}). Anything else throws std::invalid_argument with a
// one-line message naming what is wrong.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kcost {

// The names of the rule's sizes, in the order --help lists them.
const std::vector<std::string>& small_config_sizes();

nlohmann::json parse_small_config_rule(const std::string& text);

}  // namespace kcost
