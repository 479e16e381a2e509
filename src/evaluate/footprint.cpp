#include "evaluate/footprint.h"

#include "evaluate/evaluator.h"
#include "expr/error.h"

namespace kcost {

namespace {

using GiNaC::numeric;

numeric at(const Expr& e, const Values& values, const char* what) {
  for (const std::string& s : e.symbols())
    if (!values.count(s))
      throw EvaluateError(s.compare(0, 7, "config.") == 0
                              ? "the config has no value for '" + s.substr(7) + "', which the model's " + what + " need"
                              : "no value for '" + s + "', which the model's " + what + " need",
                          s);
  try {
    return e.eval(values);
  } catch (const ExprError& err) {
    throw EvaluateError(std::string("the model's ") + what + ": " + err.what());
  }
}

}  // namespace

std::optional<MemoryFootprint> evaluate_footprint(const ResolvedTree& tree, const Values& values) {
  if (!tree.root.footprint) return std::nullopt;
  const Footprint& f = *tree.root.footprint;
  MemoryFootprint out;
  out.parameters = at(f.parameters, values, "parameters");
  out.buffers = at(f.buffers, values, "buffers");
  out.cache_elements = at(f.cache_elements, values, "KV cache elements");
  auto bytes = values.find("bytes");
  if (bytes == values.end()) throw EvaluateError("no value for 'bytes', which the model's memory needs", "bytes");
  out.bytes = bytes->second;
  auto width = [&](const char* name) {
    auto it = values.find(name);
    return it == values.end() ? bytes->second : it->second;
  };
  out.weight_bytes = width("weight_bytes");
  out.kv_bytes = width("kv_bytes");
  return out;
}

std::optional<numeric> largest_batch(const ResolvedTree& tree, Values values, const numeric& capacity) {
  auto total = [&](const numeric& batch) {
    values["batch_size"] = batch;
    std::optional<MemoryFootprint> f = evaluate_footprint(tree, values);
    if (!f) throw std::invalid_argument("the model's cost files carry no footprint");
    return f->total_bytes();
  };
  numeric one = total(1);
  if (one > capacity) return numeric(0);
  if (total(2) == one) return std::nullopt;  // nothing grows with the batch
  numeric fits = 1, too_big = 2;
  while (total(too_big) <= capacity) {
    fits = too_big;
    too_big = too_big * 2;
  }
  while (too_big - fits > 1) {
    numeric mid = GiNaC::iquo(fits + too_big, numeric(2));
    if (total(mid) <= capacity) fits = mid;
    else too_big = mid;
  }
  return fits;
}

nlohmann::ordered_json to_json(const MemoryFootprint& f) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["parameters"] = to_json_number(f.parameters);
  j["parameter_bytes"] = to_json_number(f.parameter_bytes());
  j["buffers"] = to_json_number(f.buffers);
  j["buffer_bytes"] = to_json_number(f.buffer_bytes());
  j["cache_elements"] = to_json_number(f.cache_elements);
  j["cache_bytes"] = to_json_number(f.cache_bytes());
  j["total_bytes"] = to_json_number(f.total_bytes());
  return j;
}

}  // namespace kcost
