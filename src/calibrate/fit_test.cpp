// The fit recovers the coefficients that generated synthetic runs, and cross-validation of a
// model that explains the runs exactly has no held-out error.
#include "calibrate/fit.h"

#include <cmath>

#include <gtest/gtest.h>

#include "calibrate/calibration_error.h"

namespace kcost {
namespace {

LatencyModel base_model() {
  LatencyModel m;
  m.peak_flops = 1e11;
  m.bandwidth = 2e10;
  m.classes = KernelClasses::from_json(
      nlohmann::json::parse(R"({"classes": {"matmul": ["F.linear"], "attention": ["F.scaled_dot_product_attention"],
                                            "elementwise": ["torch.mul"]}})"),
      "test");
  return m;
}

// A deterministic spread of steps: prefill and decode shapes of a few made-up models, so that
// FLOPs, bytes and calls vary independently enough to identify every coefficient.
std::vector<StepWork> steps() {
  std::vector<StepWork> out;
  int k = 0;
  for (double layers : {2.0, 5.0, 9.0})
    for (double tokens : {1.0, 3.0, 16.0, 64.0, 200.0})
      for (double cache : {0.0, 37.0, 300.0}) {
        ++k;
        double hidden = 64.0 * (1 + k % 4);
        StepWork w;
        w["matmul"] = {2 * tokens * 12 * hidden * hidden * layers, (12 * hidden * hidden + 8 * tokens * hidden) * 4 * layers,
                       7 * layers + 1 + k % 3};
        w["attention"] = {4 * tokens * (cache + tokens) * hidden * layers, (cache + tokens) * hidden * 8 * layers + tokens * 16,
                          layers};
        w["elementwise"] = {tokens * hidden * (10 + k % 3) * layers, tokens * hidden * 30 * layers, (11 + k % 5) * layers};
        out.push_back(w);
      }
  return out;
}

LatencyModel truth() {
  LatencyModel m = base_model();
  m.coefficients["matmul"] = {1 / 0.6, 1 / 0.8, 4e-6};
  m.coefficients["attention"] = {1 / 0.25, 1 / 0.5, 20e-6};
  m.coefficients["elementwise"] = {0.0, 1 / 0.3, 2e-6};
  m.per_step = 150e-6;
  return m;
}

std::vector<CalibrationSample> samples_of(const LatencyModel& m) {
  std::vector<CalibrationSample> out;
  for (const StepWork& w : steps())
    out.push_back({"m" + std::to_string(out.size() % 3), w.at("attention").flops > 0 && out.size() % 2 ? "decode" : "prefill",
                   w, m.predict(w)});
  return out;
}

TEST(LatencyFit, RecoversTheParametersThatGeneratedTheRuns) {
  LatencyModel want = truth();
  LatencyModel got = fit_latency_model(base_model(), samples_of(want));
  std::vector<double> w = want.vector(), g = got.vector();
  ASSERT_EQ(w.size(), g.size());
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0) EXPECT_NEAR(g[i], 0.0, 1e-9) << "coefficient " << i;
    else EXPECT_NEAR(g[i] / w[i], 1.0, 1e-6) << "coefficient " << i;
  }
}

TEST(LatencyFit, RecoversThemThroughNoiseWithinTheNoise) {
  // +-2% multiplicative noise, alternating: the fractions of peak come back within a few percent.
  LatencyModel want = truth();
  std::vector<CalibrationSample> s = samples_of(want);
  for (size_t i = 0; i < s.size(); ++i) s[i].seconds *= (i % 2 ? 1.02 : 0.98);
  LatencyModel got = fit_latency_model(base_model(), s);
  EXPECT_NEAR(1 / got.coefficients["matmul"].flops, 0.6, 0.06);
  EXPECT_NEAR(1 / got.coefficients["elementwise"].bytes, 0.3, 0.03);
  ErrorSummary e = summarize_errors(s, [&] {
    std::vector<double> p;
    for (const auto& x : s) p.push_back(got.predict(x.work));
    return p;
  }());
  EXPECT_LT(e.mape["all"], 3.0);
  EXPECT_GT(e.mape["all"], 0.5);  // the noise is there; a fit cannot explain alternating noise
}

TEST(LatencyFit, CrossValidationOfAnExactModelHasNoHeldOutError) {
  std::vector<CalibrationSample> s = samples_of(truth());
  CrossValidation cv = cross_validate(base_model(), s, 5);
  EXPECT_EQ(cv.folds, 5);
  EXPECT_LT(cv.held_out.mape["all"], 1e-6);
  EXPECT_EQ(cv.held_out.runs["all"], s.size());
  EXPECT_EQ(cv.held_out.runs["prefill"] + cv.held_out.runs["decode"], s.size());
}

TEST(LatencyFit, AClassThatNeverRunsKeepsZeroCoefficients) {
  LatencyModel want = truth();
  std::vector<CalibrationSample> s = samples_of(want);
  for (auto& x : s) {
    x.seconds -= want.predict_by_class(x.work)["attention"];
    x.work["attention"] = {};
  }
  LatencyModel got = fit_latency_model(base_model(), s);
  EXPECT_EQ(got.coefficients["attention"].flops, 0.0);
  EXPECT_EQ(got.coefficients["attention"].bytes, 0.0);
  EXPECT_EQ(got.coefficients["attention"].per_call, 0.0);
}

TEST(LatencyFit, RecoversASharedPerCallCost) {
  LatencyModel base = base_model();
  base.shared_per_call = true;
  LatencyModel want = truth();
  want.shared_per_call = true;
  for (auto& [c, k] : want.coefficients) k.per_call = 5e-6;
  EXPECT_EQ(want.size(), 2 * 3 + 2u);
  LatencyModel got = fit_latency_model(base, samples_of(want));
  std::vector<double> w = want.vector(), g = got.vector();
  ASSERT_EQ(w.size(), g.size());
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0) EXPECT_NEAR(g[i], 0.0, 1e-9) << "coefficient " << i;
    else EXPECT_NEAR(g[i] / w[i], 1.0, 1e-6) << "coefficient " << i;
  }
  EXPECT_NEAR(got.coefficients["attention"].per_call, 5e-6, 1e-12);
  EXPECT_NEAR(got.coefficients["matmul"].per_call, 5e-6, 1e-12);
}

TEST(LatencyFit, ErrorsByPhase) {
  std::vector<CalibrationSample> s = {{"a", "prefill", {}, 2.0}, {"a", "decode", {}, 1.0}, {"b", "decode", {}, 4.0}};
  ErrorSummary e = summarize_errors(s, {2.2, 1.0, 3.0});
  EXPECT_NEAR(e.mape["prefill"], 10.0, 1e-12);
  EXPECT_NEAR(e.mape["decode"], 12.5, 1e-12);
  EXPECT_NEAR(e.mape["all"], 35.0 / 3, 1e-12);
  EXPECT_EQ(e.runs["decode"], 2u);
}

TEST(LatencyFit, NoRunsIsAnError) {
  EXPECT_THROW(fit_latency_model(base_model(), {}), CalibrationError);
  EXPECT_THROW(cross_validate(base_model(), {{"a", "prefill", {}, 1.0}}, 5), CalibrationError);
}

}  // namespace
}  // namespace kcost
