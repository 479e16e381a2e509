// CalibrationFile: the JSON `kcost calibrate` writes and `kcost eval/sweep --calibration` read:
// the device (peak FLOP/s and bandwidth the fractions are of), the kernel class table used, per
// class the fitted coefficients with what they mean (achieved fraction of peak FLOP/s and of
// bandwidth, seconds per call), the per-step cost, and how well it fits (cross-validated and
// held-out errors, the runs it came from).
//
//   {"kcost_calibration": 1, "hardware": {"id", "name", "peak_flops", "bandwidth"},
//    "runs": {...}, "classes": {class: {"flops_coefficient", "bytes_coefficient",
//    "seconds_per_call", "achieved_flops_fraction", "achieved_bandwidth_fraction"}},
//    "seconds_per_step", "errors": {...}, "kernel_classes": {"classes": {...}}}
// The fractions are 1 / coefficient (null when the coefficient is 0: that work costs nothing
// measurable beyond the other terms); reading uses the coefficients.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "calibrate/latency_model.h"

namespace kcost {

// The file's JSON; `runs` and `errors` are stored as given.
nlohmann::ordered_json calibration_json(const LatencyModel& model, const nlohmann::ordered_json& runs,
                                        const nlohmann::ordered_json& errors);
// Throws CalibrationError naming the file and the JSON path of what is wrong.
LatencyModel read_calibration(const std::string& path);
LatencyModel calibration_from_json(const nlohmann::ordered_json& j, const std::string& source);
LatencyModel calibration_from_json(const nlohmann::json& j, const std::string& source);

}  // namespace kcost
