// LatencyReport: the predicted latency of one evaluated step under a calibration, per kernel
// class and in total, beside the roofline time on the calibration's hardware: what
// `kcost eval --calibration` prints (table) or adds to its JSON ("predicted_latency").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "calibrate/latency_model.h"
#include "evaluate/evaluator.h"

namespace kcost {

// Throws CalibrationError naming a leaf kernel the calibration's class table lacks.
std::string predicted_latency_table(const LatencyModel& model, const Evaluation& evaluation, const std::string& source);
// {"calibration", "hardware", "seconds", "roofline_seconds", "by_class": {class: {"flops",
//  "bytes", "calls", "seconds"}}, "per_step_seconds"}
nlohmann::ordered_json predicted_latency_json(const LatencyModel& model, const Evaluation& evaluation,
                                              const std::string& source);

}  // namespace kcost
