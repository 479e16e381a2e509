#include "calibrate/fit.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

#include "calibrate/calibration_error.h"
#include "calibrate/nnls.h"

namespace kcost {

ErrorSummary summarize_errors(const std::vector<CalibrationSample>& samples, const std::vector<double>& predicted) {
  ErrorSummary out;
  std::map<std::string, double> sum;
  for (size_t i = 0; i < samples.size(); ++i) {
    double e = 100.0 * std::fabs(predicted[i] - samples[i].seconds) / samples[i].seconds;
    for (const std::string& key : {std::string("all"), samples[i].phase}) {
      sum[key] += e;
      out.runs[key] += 1;
    }
  }
  for (const auto& [key, s] : sum) out.mape[key] = s / static_cast<double>(out.runs[key]);
  return out;
}

LatencyModel fit_latency_model(const LatencyModel& base, const std::vector<CalibrationSample>& samples) {
  if (samples.empty()) throw CalibrationError("no measured runs to fit");
  const size_t n = base.size();
  Matrix a(samples.size(), n);
  std::vector<double> b(samples.size(), 1.0);
  for (size_t i = 0; i < samples.size(); ++i) {
    std::vector<double> f = base.features(samples[i].work);
    for (size_t j = 0; j < n; ++j) a.at(i, j) = f[j] / samples[i].seconds;
  }
  // Scale each column to a largest entry of 1 (seconds per FLOP and per call differ by 1e9).
  std::vector<double> scale(n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    for (size_t i = 0; i < a.rows; ++i) scale[j] = std::max(scale[j], std::fabs(a.at(i, j)));
    for (size_t i = 0; i < a.rows; ++i) a.at(i, j) = scale[j] > 0 ? a.at(i, j) / scale[j] : 0.0;
  }
  NnlsResult r = nnls(a, b);
  std::vector<double> x(n, 0.0);
  for (size_t j = 0; j < n; ++j) x[j] = scale[j] > 0 ? r.x[j] / scale[j] : 0.0;
  LatencyModel out = base;
  out.set_vector(x);
  return out;
}

CrossValidation cross_validate(const LatencyModel& base, const std::vector<CalibrationSample>& samples, int folds) {
  if (samples.size() < 2) throw CalibrationError("cross-validation needs at least 2 measured runs, there are " +
                                                 std::to_string(samples.size()));
  CrossValidation cv;
  cv.folds = std::max(2, std::min(folds, static_cast<int>(samples.size())));
  std::vector<size_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return std::tie(samples[x].model, samples[x].phase) < std::tie(samples[y].model, samples[y].phase);
  });
  std::vector<int> fold_of(samples.size());
  for (size_t i = 0; i < order.size(); ++i) fold_of[order[i]] = static_cast<int>(i % cv.folds);
  cv.predicted.assign(samples.size(), 0.0);
  for (int f = 0; f < cv.folds; ++f) {
    std::vector<CalibrationSample> train;
    for (size_t i = 0; i < samples.size(); ++i)
      if (fold_of[i] != f) train.push_back(samples[i]);
    LatencyModel m = fit_latency_model(base, train);
    for (size_t i = 0; i < samples.size(); ++i)
      if (fold_of[i] == f) cv.predicted[i] = m.predict(samples[i].work);
  }
  cv.held_out = summarize_errors(samples, cv.predicted);
  return cv;
}

}  // namespace kcost
