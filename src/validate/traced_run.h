// TracedRun: what the oracle's Python helper (kcost_helpers.oracle.traced_run) recorded of a
// real run of a model built from a small config: for each runtime point, the calls the model
// source made (module calls with their nested calls, torch function calls, fused attention
// dispatches), with their arguments as plain data, and FlopCounterMode's aten-level count of the
// same call. This file only reads the record; traced_cost.h prices it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "interp/value.h"

namespace kcost {

class PythonSession;

struct TracedCall {
  enum class Kind { Module, Function, Attention };
  Kind kind = Kind::Function;
  std::vector<std::string> names;  // qualified names, most specific first ("torch.Tensor.mul")
  std::string op;                  // the callable's __name__ ("mul", "__rsub__", "linear"); a module's class name
  bool method = false;             // a Tensor method: `self` is its tensor
  ValuePtr self;                   // null unless `method`
  std::vector<Arg> args;           // positional (name empty), then keywords
  std::map<std::string, ValuePtr> ctor;  // a module's constructor parameters
  std::vector<TracedCall> calls;         // a module: the calls its forward made
  long long aten_flops = 0;              // what FlopCounterMode counted inside this call
  // What the aten ops inside this call touched (oracle.py _ByteFrame): each tensor the call's ops
  // take that none of them made, read once; each tensor they make, written once (views write
  // nothing). nullopt in a record without it.
  std::optional<long long> aten_read, aten_write;
  bool aten_mixed = false;  // a tensor of another width than the model's floats took part
};

struct FlopCounterCount {
  long long total = 0;
  std::map<std::string, long long> by_op;  // "aten.mm" -> FLOPs
};

struct TracedPoint {
  long long batch_size = 0, seq_len = 0, cache_len = 0;
  std::vector<TracedCall> calls;  // the outermost: the model's own call
  FlopCounterCount flop_counter;
  // Elements of the tensors the cache held after the prefill of cache_len tokens (before the
  // measured call); nullopt in a record without it.
  std::optional<long long> cache_elements;
};

struct TracedRun {
  std::string model_class;
  std::string config_class;
  nlohmann::json config_kwargs;  // the small config's constructor keywords (also written as config.json)
  std::string attn_implementation;
  // sum(p.numel() for p in model.parameters()) and the same for model.buffers() of the built model.
  std::optional<long long> parameters, buffers;
  std::vector<TracedPoint> points;
};

struct RuntimeShape {
  long long batch_size, seq_len, cache_len;
};

// A value of the record's plain data: a tensor {"tensor": shape, "dtype"} becomes a Tensor of
// concrete dims (a floating-point tensor is marked so, for masks), with its elements as the
// value's items when the record has them ("values": a small 1-D integer tensor of a function
// call, such as grouped_mm's offsets); numbers, strings, None, lists
// (tuples) as such; slices, Ellipsis; dtypes, devices, modules and other objects as named
// globals; a non-finite float as an unknown value.
ValuePtr traced_value(const nlohmann::json& data);

// The tensors of one recorded call marked "same": n (one view of one storage given more than
// once, `x * x`), by n: each mark parses to one Value, so a leaf binding sees the operands as
// one tensor (trace/leaf_binding.h: read once), as the aten byte counter counts it.
using SameTensors = std::map<long long, ValuePtr>;
ValuePtr traced_value(const nlohmann::json& data, SameTensors& same);

// Parses the helper's JSON. Throws std::runtime_error naming the JSON path on a malformed record.
TracedRun parse_traced_run(const nlohmann::json& j);

// Runs the oracle's traced run in the embedded interpreter (one model build, all points), the
// experts of a mixture-of-experts model through `experts_implementation`, the small config made by
// the oracle's rule with the sizes of `small_config_rule` (small_config_rule.h). Asked for sdpa, a model
// that has none runs what transformers gives it by default (eager), and the run's
// attn_implementation says so. Throws PythonError.
TracedRun run_traced(PythonSession& session, const std::string& model_class, const std::string& attn_implementation,
                     const std::vector<RuntimeShape>& points, const std::string& experts_implementation = "grouped_mm",
                     const nlohmann::json& small_config_rule = nlohmann::json::object());

}  // namespace kcost
