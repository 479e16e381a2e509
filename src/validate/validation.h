// Validation: stage 7, the correctness oracle of the design. For one model: the traced run of
// the real model at a small config (traced_run.h) priced call by call (traced_cost.h), against
// the static cost model, analyzed with that same config, resolved and evaluated at the same
// config and point (bytes = 4, float32). They agree when FLOPs, bytes read and bytes written are
// exactly equal at every point; where they are not, the per-leaf-kernel totals say which kernel
// differs. Also: static matmul-class FLOPs minus the bias adds (from the traced bindings) must
// equal torch.utils.flop_counter.FlopCounterMode's total, which PyTorch wrote (on CPU it has no
// formula for the fused SDPA kernel: then attention is left out of both sides, and the full
// check is the eager run's).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <ginac/ginac.h>
#include <nlohmann/json.hpp>

#include "evaluate/evaluator.h"
#include "leaves/leaf_catalog.h"
#include "leaves/name_map.h"
#include "validate/traced_cost.h"
#include "validate/traced_run.h"

namespace kcost {

class SourceLocator;
class PythonSession;

struct ValidationOptions {
  // The design's points: prefill (2, 11, 0), decode (2, 1, 9), chunked prefill (3, 5, 7).
  std::vector<RuntimeShape> points = {{2, 11, 0}, {2, 1, 9}, {3, 5, 7}};
  std::string attn_implementation = "sdpa";  // a model without sdpa runs eager (ModelValidation says so)
  // The experts' forward of a mixture-of-experts model (config._experts_implementation).
  std::string experts_implementation = "grouped_mm";
  // The small config's sizes that differ from the oracle's rule (small_config_rule.h); {}: the rule.
  nlohmann::json small_config_rule = nlohmann::json::object();
  // Where the small config.json and the static cost files go; empty: a fresh temp directory,
  // removed afterwards.
  std::string work_dir;
};

struct KernelDiff {
  std::string kernel;
  CostNumbers static_cost;
  CostNumbers traced_cost;
  long long traced_calls = 0;
};

// One leaf kernel's share of the FlopCounterMode cross-check: its FLOPs less bias adds over the
// traced calls, against what FlopCounterMode counted inside those calls.
struct FlopCounterKernel {
  std::string kernel;  // a leaf kernel, or "zero-cost <op>" for an op priced zero
  GiNaC::numeric leaf_flops = 0;
  long long flop_counter_flops = 0;
  bool excluded = false;  // fused SDPA on CPU: FlopCounterMode has no formula for it
  bool ok() const { return excluded || leaf_flops == GiNaC::numeric(static_cast<long>(flop_counter_flops)); }
};

struct FlopCounterCheck {
  GiNaC::numeric static_matmul_flops = 0;  // static FLOPs of the matmul-class leaves compared
  GiNaC::numeric bias_add_flops = 0;       // their bias adds, from the traced bindings
  long long flop_counter_flops = 0;        // FlopCounterMode's total
  bool attention_excluded = false;         // fused SDPA left out: FlopCounterMode has no formula for it
  std::vector<FlopCounterKernel> kernels;  // call by call, per leaf kernel
  bool totals_agree() const {
    return static_matmul_flops - bias_add_flops == GiNaC::numeric(static_cast<long>(flop_counter_flops));
  }
  bool ok() const {
    for (const auto& k : kernels)
      if (!k.ok()) return false;
    return totals_agree();
  }
};

// One of validate's independent memory checks: a number the analysis derived against the same
// number read off the built model (its parameters and buffers) or off its cache after the
// prefill (the elements of the tensors it holds). Neither side prices anything: a wrong count
// of registered weights or of what a cache layer keeps shows here, whatever the leaf formulas.
struct MemoryCheck {
  std::string what;                            // "parameters", "buffers", "cache elements"
  std::optional<GiNaC::numeric> static_value;  // nullopt: the cost files carry no footprint
  std::optional<long long> traced;             // nullopt: the record does not have it
  bool ok() const { return static_value && traced && *static_value == GiNaC::numeric(static_cast<long>(*traced)); }
};

// The independent byte check of one leaf kernel at one point: its formulas' bytes over the calls
// the oracle's aten counter measured, against what those calls' aten ops touched. A leaf whose
// bytes follow another rule on purpose (its "bytes_rule") is listed with it, not compared.
struct ByteCheck {
  std::string kernel;
  std::string rule;  // the leaf's bytes_rule; empty: compared
  GiNaC::numeric leaf_read = 0, leaf_write = 0;
  long long aten_read = 0, aten_write = 0;
  long long calls = 0;
  long long mixed_calls = 0;  // calls on integer or bool tensors too, not compared
  bool ok() const {
    return !rule.empty() || (leaf_read == GiNaC::numeric(static_cast<long>(aten_read)) &&
                             leaf_write == GiNaC::numeric(static_cast<long>(aten_write)));
  }
};

struct PointValidation {
  RuntimeShape point{0, 0, 0};
  CostNumbers static_totals;
  CostNumbers traced_totals;
  std::vector<KernelDiff> diffs;        // leaf kernels whose totals differ (any metric)
  std::vector<UnpricedCall> unpriced;   // traced calls with no leaf or no binding
  FlopCounterCheck flop_counter;
  std::optional<MemoryCheck> cache;  // the KV cache after the prefill (when the record has it)
  std::vector<ByteCheck> bytes;      // per leaf kernel, when the record has aten byte counts
  // Mixture-of-experts: the experts the real run's grouped expert products reached, per call,
  // on average (observed_experts_hit); the static side was evaluated with experts_hit bound to it.
  std::optional<GiNaC::numeric> experts_hit;
  long long expert_calls = 0;  // the grouped expert products it averages over
  bool bytes_ok() const {
    for (const auto& b : bytes)
      if (!b.ok()) return false;
    return true;
  }
  bool agree() const { return static_totals == traced_totals && diffs.empty(); }
  bool ok() const {
    return agree() && unpriced.empty() && flop_counter.ok() && (!cache || cache->ok()) && bytes_ok();
  }
};

struct ModelValidation {
  std::string name;         // as asked: "llama" or a qualified class name
  std::string model_class;  // the root class
  std::string attn_implementation;  // what both sides ran
  std::string attention_note;       // why it is not the one asked for ("" when it is)
  nlohmann::json config_kwargs;        // the small config both sides used
  std::vector<std::string> unknowns;   // children the analysis could not model (counted as zero)
  std::vector<PointValidation> points;
  std::vector<MemoryCheck> memory;  // parameters and buffers of the built model
  std::string error;  // a failure before any comparison (build, analysis, resolution)
  bool ok() const;
};

// Validates one model. Failures of the model's build, its analysis or resolution are returned in
// `error`, not thrown; PythonError for an unusable environment and LocateError for a name that
// does not resolve are thrown.
// The leaf library both sides price with.
struct ValidationLibrary {
  const LeafCatalog& leaves;
  const NameMap& names;
};

ModelValidation validate_model(SourceLocator& locator, PythonSession& session, const ValidationLibrary& library,
                               const std::string& name, const ValidationOptions& options);

// The static side at one point against a priced traced point (exposed for tests).
// The matmul-class leaves (FlopCounterMode counts their FLOPs) are those `leaves` marks so.
PointValidation compare_point(const Evaluation& static_side, const TracedPoint& traced, const TracedCost& priced,
                              const LeafCatalog& leaves, bool fused_attention);

// The experts routing reached in a real run: the mean over the priced calls that bind E_read
// (F.grouped_mm: the groups its offsets give rows) of that number, or, when none does (the
// experts loop), over the one_hot calls among `calls` of the distinct experts each encoded; and
// how many such calls there were; nullopt when there were none. A mean over the layers is what
// the static side needs: what depends on experts_hit (weights read, loop iterations of R / H
// rows) is linear in it, summed over layers of the same shapes.
std::optional<GiNaC::numeric> observed_experts_hit(const TracedCost& priced, const std::vector<TracedCall>& calls,
                                                   long long* count = nullptr);

// Relative error |static - traced| / |traced| (0 when both are 0; 1 when traced is 0 alone).
double relative_error(const GiNaC::numeric& static_value, const GiNaC::numeric& traced_value);

}  // namespace kcost
