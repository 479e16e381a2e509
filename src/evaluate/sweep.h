// Sweep: models x runtime points into CSV rows, fast. Each model's totals are compiled once
// into a ClosedForm in (batch_size, seq_len, cache_len, bytes, weight_bytes, kv_bytes), the three
// widths as rational variables; each point is then a few hundred integer instructions, at
// fractional widths too (0.5 for 4-bit weights); exact GiNaC evaluation only where the fast path
// cannot be exact (an overflow).
#pragma once

#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include <ginac/ginac.h>

#include "evaluate/closed_form.h"
#include "evaluate/hardware.h"
#include "evaluate/values.h"
#include "resolve/resolved_tree.h"

namespace kcost {

// The variables of a sweep's closed forms, in this order.
const std::vector<std::string>& sweep_variables();  // batch_size, seq_len, cache_len, bytes, weight_bytes, kv_bytes
// The variables of sweep_variables() that may be fractions on the fast path: the three widths.
const std::vector<std::string>& sweep_rational_variables();

struct SweepModel {
  std::string model;   // the name the user gave
  std::string config;  // the config file, or "" for the class defaults
  // flops, memory_read, memory_write and the weight elements the step reads (its traffic's
  // coefficient of weight_bytes: what a weight-only quantized format dequantizes), in
  // sweep_variables().
  ClosedForm totals;
};
// The outputs of SweepModel::totals.
constexpr size_t kSweepOutputs = 4;

// The model's totals with the config's numbers substituted, compiled. Throws EvaluateError
// naming a config symbol the totals need and `config` lacks.
SweepModel compile_sweep_model(const std::string& model, const std::string& config_label, const ResolvedTree& tree,
                               const Values& config);

// weight_bytes and kv_bytes empty: each point's `bytes` (and the CSV has no columns for them).
// weight_dequantize_flops: beside weight_bytes, the FLOPs per weight element read that its format
// dequantizes (evaluate/precision.h; none or empty: 0); the roofline columns count them, as eval's
// roofline does, the flops column does not.
struct SweepGrid {
  std::vector<GiNaC::numeric> batch_size, seq_len, cache_len, bytes, weight_bytes, kv_bytes;
  std::vector<GiNaC::numeric> weight_dequantize_flops;
  bool widths() const { return !weight_bytes.empty() || !kv_bytes.empty(); }
  size_t size() const {
    return batch_size.size() * seq_len.size() * cache_len.size() * bytes.size() *
           (weight_bytes.empty() ? 1 : weight_bytes.size()) * (kv_bytes.empty() ? 1 : kv_bytes.size());
  }
};

struct SweepStats {
  size_t rows = 0;
  size_t exact_fallbacks = 0;  // points the fast path could not do
  size_t resumed_rows = 0;     // rows kept from an interrupted run (not counted in `rows`)
};

// The CSV header: model,config,batch_size,seq_len,cache_len,bytes[,weight_bytes,kv_bytes],flops,
// memory_read,memory_write,arithmetic_intensity, then for each accelerator <id>_seconds,<id>_bound.
// The width columns are there when the sweep sets a width (`widths`).
std::string sweep_header(const std::vector<Accelerator>& hardware, bool widths = false);

// Writes the header and one row per model and point (the product of the grid's lists, models
// outermost, then batch_size, seq_len, cache_len, bytes, weight_bytes, kv_bytes). `progress(done, total)` is called
// now and then if given. The first `skip` rows are neither evaluated nor written, nor the header
// without `header` (they are already in the file: see resumable_rows); stats count the rows
// written.
SweepStats run_sweep(const std::vector<SweepModel>& models, const SweepGrid& grid,
                     const std::vector<Accelerator>& hardware, std::ostream& csv,
                     const std::function<void(size_t, size_t)>& progress = {}, size_t skip = 0,
                     bool header = true);

// How much of `existing`, the text of an interrupted run's CSV, this sweep can keep: the header
// must be this sweep's, and each complete line (ending in a newline) must start with the key
// columns (model, config, batch_size, seq_len, cache_len, bytes[, weight_bytes, kv_bytes]) of the row this sweep writes at
// that position. A last line without its newline (a write cut short) is dropped. Returns the
// number of complete rows kept and sets `*keep_bytes` to the length of the header and those rows.
// Throws SweepResumeError naming the first line that is not this sweep's.
struct SweepResumeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
size_t resumable_rows(const std::string& existing, const std::vector<SweepModel>& models, const SweepGrid& grid,
                      const std::vector<Accelerator>& hardware, size_t* keep_bytes);

}  // namespace kcost
