#include "evaluate/traffic.h"

#include "evaluate/evaluator.h"

namespace kcost {

TrafficSplit traffic_split(const ResolvedTree& tree, const Values& values, const RuntimePoint& point) {
  CostNumbers all = evaluate_totals(tree, values);
  Values no_weights = values, no_cache = values;
  no_weights["weight_bytes"] = 0;
  no_cache["kv_bytes"] = 0;
  TrafficSplit t;
  t.weight_bytes = all.bytes() - evaluate_totals(tree, no_weights).bytes();
  t.kv_bytes = all.bytes() - evaluate_totals(tree, no_cache).bytes();
  t.activation_bytes = all.bytes() - t.weight_bytes - t.kv_bytes;
  const GiNaC::numeric width = point.weight_width();
  if (!point.weight_dequantize_flops.is_zero() && !width.is_zero())
    t.dequantize_flops = point.weight_dequantize_flops * t.weight_bytes / width;
  return t;
}

nlohmann::ordered_json to_json(const TrafficSplit& t) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["weights"] = to_json_number(t.weight_bytes);
  j["kv_cache"] = to_json_number(t.kv_bytes);
  j["activations"] = to_json_number(t.activation_bytes);
  j["dequantize_flops"] = to_json_number(t.dequantize_flops);
  return j;
}

}  // namespace kcost
