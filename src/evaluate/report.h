// Report: what `kcost eval` prints for one model at one point: totals, arithmetic intensity,
// roofline time on an accelerator, the per-leaf-kernel breakdown and the kernel tree, as a table
// for people, JSON for programs or CSV for spreadsheets.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "evaluate/evaluator.h"
#include "evaluate/footprint.h"
#include "evaluate/hardware.h"
#include "evaluate/traffic.h"
#include "evaluate/values.h"

namespace kcost {

struct EvalReport {
  std::string model;          // as the user named it
  std::string root;           // root kernel
  std::string config_source;  // config file or "<ConfigClass> defaults"
  std::string attn_implementation;
  RuntimePoint point;
  bool moe = false;  // the model's costs depend on experts_hit (shown with the point)
  Evaluation evaluation;
  std::optional<Accelerator> hardware;
  std::optional<MemoryFootprint> memory;  // when the cost files carry a footprint
  // Bytes by weights, KV cache and activations (evaluate/traffic.h); its dequantize FLOPs are
  // added to the FLOPs of the roofline. The table shows it when the point sets a width.
  std::optional<TrafficSplit> traffic;
};

// Totals (exact and in SI units), arithmetic intensity, roofline, memory (parameters, buffers,
// KV cache and their sum; with an accelerator of known capacity, the share of it), the leaf
// kernels by FLOPs and the tree to `depth` levels (count, FLOPs and bytes of all `count` calls, share of the total).
std::string eval_table(const EvalReport& report, int depth);
// {"model", "root", "config", "attn_implementation", "point", "totals", "arithmetic_intensity",
//  "roofline"?, "memory"? (footprint.h's JSON), "traffic"? (traffic.h's JSON), "by_kernel", "tree"};
// the point has weight_bytes and kv_bytes when they are set; exact integers; tree to `depth` (negative: all).
nlohmann::ordered_json eval_json(const EvalReport& report, int depth);
// One row per tree node to `depth`: path,kernel,count,calls,flops,memory_read,memory_write
// (calls = product of counts from the root, the costs are of all those calls).
std::string eval_csv(const EvalReport& report, int depth);

// 1234567 -> "1.235 M"; `unit` appended ("FLOP", "B"). Past the largest prefix (Y, 1e24) in
// exponent form: 2.62e31 -> "2.621e+31 FLOP".
std::string si(double value, const std::string& unit);
// Seconds in s, ms, us or ns with 4 significant digits; from a million seconds on (11.6 days) in
// exponent form ("3.000e+07 s").
std::string format_seconds(double seconds);
// A CSV field, quoted when it needs to be.
std::string csv_field(const std::string& text);

}  // namespace kcost
