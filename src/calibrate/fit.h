// Fit: the latency model's coefficients from measured runs by non-negative least squares on
// relative error (each run's row and target divided by its measured time, so a 2 ms decode
// weighs as much as a 200 ms prefill), with k-fold cross-validation: the mean absolute
// percentage error on runs the fit did not see, overall and by phase (prefill, decode, chunked).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "calibrate/latency_model.h"

namespace kcost {

struct CalibrationSample {
  std::string model;  // which model (folds and hold-outs group by it)
  std::string phase;  // prefill | decode | chunked
  StepWork work;
  double seconds = 0;  // measured median
};

// Mean absolute percentage error (in percent) overall and by phase, with the run counts.
struct ErrorSummary {
  std::map<std::string, double> mape;  // "all", "prefill", "decode", "chunked" (phases present only)
  std::map<std::string, size_t> runs;
};

ErrorSummary summarize_errors(const std::vector<CalibrationSample>& samples, const std::vector<double>& predicted);

// The coefficients of `base` (whose hardware and classes are used) fitted to `samples`.
// Throws CalibrationError when there are no samples. A coefficient whose feature is zero in
// every sample stays 0.
LatencyModel fit_latency_model(const LatencyModel& base, const std::vector<CalibrationSample>& samples);

struct CrossValidation {
  int folds = 0;
  std::vector<double> predicted;  // of each sample, by the fit without its fold
  ErrorSummary held_out;
};

// k-fold cross-validation: the samples are ordered by (model, phase, position) and dealt to
// the folds in turn, so every fold has each model and phase; deterministic. folds is clamped
// to [2, samples]. Throws CalibrationError with fewer than 2 samples.
CrossValidation cross_validate(const LatencyModel& base, const std::vector<CalibrationSample>& samples, int folds);

}  // namespace kcost
