// HardwareTable: accelerators for the roofline, as data (hardware/accelerators.json): peak dense
// bf16 FLOP/s, memory bandwidth in bytes/s and the public source of each figure. A roofline
// time is max(FLOPs / peak, bytes / bandwidth): the step cannot be faster than either its
// arithmetic or its memory traffic at full speed.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluate/evaluator.h"

namespace kcost {

struct Accelerator {
  std::string id;    // "h100-sxm"
  std::string name;  // "NVIDIA H100 SXM5 80GB"
  std::vector<std::string> aliases;
  double peak_flops = 0;  // dense bf16 FLOP/s (no sparsity)
  double bandwidth = 0;   // memory bytes/s
  std::string precision;  // what peak_flops counts, e.g. "bf16 dense"
  std::string flops_source, bandwidth_source;  // URLs
  std::string notes;
  double memory = 0;          // device memory capacity in bytes (0: not known)
  std::string memory_source;  // URL
  // Mixed precision: the precision peak_flops counts ("bf16"; "fp16" for the T4), and the dense
  // peaks of the other precisions the datasheet gives ("fp8", "int8", ...), with their source.
  std::string peak_precision = "bf16";
  std::map<std::string, double> peak_flops_by_precision;
  std::string precision_notes;
};

// The accelerator computing in `precision` (evaluate/precision.h: compute_precision's names):
// peak_flops that precision's peak, `precision` saying so. Throws HardwareError when the table
// has no peak of that precision for it, naming those it has.
Accelerator at_precision(const Accelerator& accelerator, const std::string& precision);

// A malformed table or a name not in it; one line.
struct HardwareError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class HardwareTable {
 public:
  // The table shipped with kcost (KCOST_SOURCE_DIR/hardware/accelerators.json).
  static std::string default_path();
  // Throws HardwareError naming the file and the JSON path of what is wrong.
  static HardwareTable load(const std::string& path);
  // By id, name or alias, ignoring case and anything but letters and digits ("H100 SXM",
  // "h100-sxm", "h100sxm"). Throws HardwareError listing the ids when there is no match.
  const Accelerator& find(const std::string& name) const;
  const std::vector<Accelerator>& all() const { return accelerators_; }

  // Entries of this machine (`kcost hardware cpu --measure`, or the user's figures):
  // <cache_root>/hardware.json in the same format, merged over the shipped table (replacing
  // entries of the same id) when the table is loaded from default_path().
  static std::string local_path();
  // Adds or replaces (by id) an entry of local_path(), written atomically. Throws HardwareError.
  static void save_local(const Accelerator& accelerator);

 private:
  std::vector<Accelerator> accelerators_;
};

// The table's JSON form of one entry.
nlohmann::ordered_json to_json(const Accelerator& accelerator);

struct Roofline {
  double compute_seconds = 0;  // FLOPs / peak
  double memory_seconds = 0;   // (bytes read + written) / bandwidth
  double seconds() const { return compute_seconds > memory_seconds ? compute_seconds : memory_seconds; }
  const char* bound() const { return compute_seconds >= memory_seconds ? "compute" : "memory"; }
};

Roofline roofline(const CostNumbers& cost, const Accelerator& hardware);
Roofline roofline(double flops, double bytes, const Accelerator& hardware);
// FLOPs per byte moved (read + written); 0 when nothing moves.
double arithmetic_intensity(const CostNumbers& cost);

}  // namespace kcost
