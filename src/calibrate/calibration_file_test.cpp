#include "calibrate/calibration_file.h"

#include <gtest/gtest.h>

#include "calibrate/calibration_error.h"

namespace kcost {
namespace {

LatencyModel model() {
  LatencyModel m;
  m.hardware_id = "cpu";
  m.hardware_name = "test CPU";
  m.peak_flops = 5e10;
  m.bandwidth = 1e10;
  m.classes = KernelClasses::from_json(nlohmann::json::parse(R"({"classes": {"matmul": ["F.linear"], "elementwise": ["torch.mul"]}})"),
                                       "t");
  m.coefficients["matmul"] = {2.0, 0.0, 3e-6};
  m.coefficients["elementwise"] = {0.0, 4.0, 1e-6};
  m.per_step = 1e-4;
  return m;
}

TEST(CalibrationFile, RoundTripsAndStatesTheFractions) {
  nlohmann::ordered_json j = calibration_json(model(), {{"count", 3}}, {{"cv", 1.5}});
  EXPECT_DOUBLE_EQ(j["classes"]["matmul"]["achieved_flops_fraction"].get<double>(), 0.5);
  EXPECT_TRUE(j["classes"]["matmul"]["achieved_bandwidth_fraction"].is_null());
  EXPECT_DOUBLE_EQ(j["classes"]["elementwise"]["achieved_bandwidth_fraction"].get<double>(), 0.25);
  LatencyModel back = calibration_from_json(nlohmann::json::parse(j.dump()), "c.json");
  EXPECT_EQ(back.vector(), model().vector());
  EXPECT_EQ(back.hardware_name, "test CPU");
  EXPECT_FALSE(back.shared_per_call);
  LatencyModel shared = model();
  shared.shared_per_call = true;
  for (auto& [c, k] : shared.coefficients) k.per_call = 2e-6;
  LatencyModel shared_back = calibration_from_json(nlohmann::json::parse(calibration_json(shared, {}, {}).dump()), "s.json");
  EXPECT_TRUE(shared_back.shared_per_call);
  EXPECT_EQ(shared_back.vector(), shared.vector());
  StepWork w;
  w["matmul"] = {1e9, 1e6, 10};
  w["elementwise"] = {1e6, 2e6, 20};
  // 2 * 1e9 / 5e10 + 10 * 3e-6 = 0.04003; 4 * 2e6 / 1e10 + 20 * 1e-6 = 0.00082; + 1e-4.
  EXPECT_NEAR(back.predict(w), 0.04003 + 0.00082 + 1e-4, 1e-12);
  EXPECT_NEAR(back.predict_by_class(w)["elementwise"], 0.00082, 1e-12);
}

TEST(CalibrationFile, ANegativeCoefficientIsRejectedWithItsPath) {
  nlohmann::json j = nlohmann::json::parse(calibration_json(model(), {}, {}).dump());
  j["classes"]["matmul"]["seconds_per_call"] = -1;
  try {
    calibration_from_json(j, "c.json");
    FAIL();
  } catch (const CalibrationError& e) {
    EXPECT_EQ(std::string(e.what()), "c.json: $.classes.matmul.seconds_per_call: missing or not a non-negative number");
  }
  EXPECT_THROW(calibration_from_json(nlohmann::json::object(), "c.json"), CalibrationError);
}

}  // namespace
}  // namespace kcost
