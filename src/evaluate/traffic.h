// TrafficSplit: the bytes one forward call moves, by what they are: the weights (parameters and
// buffers the leaves read, at weight_bytes), the KV cache (what attention reads from it, at
// kv_bytes) and the activations (the rest: inputs and outputs of every leaf at bytes, and
// integer indices at their own widths). Each leaf prices an operand's elements times its width
// (trace/leaf_binding.h), so the totals are linear in each width: the weights' bytes are the
// totals less the totals at weight_bytes = 0, the cache's likewise at kv_bytes = 0; exact.
//
// The dequantize FLOPs of a weight-only quantized format (evaluate/precision.h) are its FLOPs per
// weight element times the weight elements read (the weights' bytes / weight_bytes); they are
// not in the cost files' FLOPs and are added to what the roofline computes.
#pragma once

#include <ginac/ginac.h>
#include <nlohmann/json.hpp>

#include "evaluate/values.h"
#include "resolve/resolved_tree.h"

namespace kcost {

struct TrafficSplit {
  GiNaC::numeric weight_bytes = 0;      // read from parameters and buffers
  GiNaC::numeric kv_bytes = 0;          // read from the KV cache
  GiNaC::numeric activation_bytes = 0;  // everything else, read and written
  GiNaC::numeric dequantize_flops = 0;  // see the file comment
};

// At `values` (runtime_values of `point` and the config); throws EvaluateError as evaluate_totals.
TrafficSplit traffic_split(const ResolvedTree& tree, const Values& values, const RuntimePoint& point);

// {"weights", "kv_cache", "activations", "dequantize_flops"}: exact numbers.
nlohmann::ordered_json to_json(const TrafficSplit& t);

}  // namespace kcost
