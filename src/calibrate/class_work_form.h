// ClassWorkForm: a model's work by kernel class (FLOPs, bytes, calls of each class per step)
// as closed forms in the sweep variables (batch_size, seq_len, cache_len, bytes), compiled once
// from the resolved tree with the config's numbers substituted, so `kcost sweep --calibration`
// predicts the latency of every point as cheaply as it evaluates the totals.
#pragma once

#include <string>
#include <vector>

#include <ginac/ginac.h>

#include "calibrate/latency_model.h"
#include "evaluate/closed_form.h"
#include "evaluate/values.h"
#include "resolve/resolved_tree.h"

namespace kcost {

class ClassWorkForm {
 public:
  // Throws CalibrationError naming a leaf kernel without a class; EvaluateError as the sweep's
  // closed forms for a config symbol the tree needs and `config` lacks.
  ClassWorkForm(const ResolvedTree& tree, const Values& config, const KernelClasses& classes);
  // The work at (batch_size, seq_len, cache_len, bytes[, weight_bytes, kv_bytes]); without the
  // last two, the weights and the cache are at bytes.
  StepWork at(const std::vector<GiNaC::numeric>& point) const;

 private:
  std::vector<std::string> classes_;
  ClosedForm form_;  // per class: flops, bytes, calls
};

// The CSV columns `kcost sweep --calibration` adds: predicted_seconds, then <class>_seconds
// for each class and per_step_seconds.
std::string predicted_columns_header(const LatencyModel& model);
std::string predicted_columns(const LatencyModel& model, const StepWork& work);

// A `kcost sweep` CSV (header, then rows in run_sweep's order: models, then batch_size,
// seq_len, cache_len, bytes) with the predicted columns appended to each line; `forms` one per
// model in the sweep's order.
std::string append_predicted_columns(const std::string& csv, const std::vector<ClassWorkForm>& forms,
                                     const std::vector<std::vector<GiNaC::numeric>>& axes, const LatencyModel& model);

}  // namespace kcost
