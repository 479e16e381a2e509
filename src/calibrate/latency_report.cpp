#include "calibrate/latency_report.h"

#include <algorithm>
#include <cstdio>

#include "calibrate/calibration_error.h"
#include "evaluate/report.h"

namespace kcost {

namespace {

StepWork classified(const LatencyModel& model, const Evaluation& evaluation, const std::string& source) {
  std::vector<std::string> unclassified;
  StepWork work = step_work(evaluation, model.classes, &unclassified);
  unclassified.erase(std::remove(unclassified.begin(), unclassified.end(), "unknown"), unclassified.end());
  if (!unclassified.empty())
    throw CalibrationError(source + ": leaf kernel '" + unclassified.front() + "' has no class in the calibration");
  return work;
}

double roofline_seconds(const LatencyModel& m, const Evaluation& e) {
  return std::max(e.totals.flops.to_double() / m.peak_flops, e.totals.bytes().to_double() / m.bandwidth);
}

}  // namespace

std::string predicted_latency_table(const LatencyModel& model, const Evaluation& evaluation, const std::string& source) {
  StepWork work = classified(model, evaluation, source);
  std::map<std::string, double> by_class = model.predict_by_class(work);
  double total = model.predict(work);
  std::string out = "\npredicted latency (calibration " + source + ", " + model.hardware_name + ")\n";
  char line[240];
  std::snprintf(line, sizeof(line), "%-20s %14s %14s %10s %12s %7s\n", "kernel class", "FLOPs", "bytes", "calls",
                "predicted", "share");
  out += line;
  auto row = [&](const std::string& name, const std::string& flops, const std::string& bytes, const std::string& calls,
                 double seconds) {
    std::snprintf(line, sizeof(line), "%-20s %14s %14s %10s %12s %6.1f%%\n", name.c_str(), flops.c_str(), bytes.c_str(),
                  calls.c_str(), format_seconds(seconds).c_str(), total > 0 ? 100.0 * seconds / total : 0.0);
    out += line;
  };
  for (const std::string& c : model.classes.names()) {
    const ClassWork& w = work[c];
    char calls[32];
    std::snprintf(calls, sizeof(calls), "%.0f", w.calls);
    row(c, si(w.flops, "FLOP"), si(w.bytes, "B"), calls, by_class[c]);
  }
  row("per step", "", "", "", model.per_step);
  std::snprintf(line, sizeof(line), "%-20s %52s   (roofline %s on the same hardware)\n", "total", format_seconds(total).c_str(),
                format_seconds(roofline_seconds(model, evaluation)).c_str());
  out += line;
  return out;
}

nlohmann::ordered_json predicted_latency_json(const LatencyModel& model, const Evaluation& evaluation,
                                              const std::string& source) {
  StepWork work = classified(model, evaluation, source);
  std::map<std::string, double> by_class = model.predict_by_class(work);
  nlohmann::ordered_json classes = nlohmann::ordered_json::object();
  for (const std::string& c : model.classes.names())
    classes[c] = {{"flops", work[c].flops}, {"bytes", work[c].bytes}, {"calls", work[c].calls}, {"seconds", by_class[c]}};
  return {{"calibration", source},
          {"hardware", model.hardware_name},
          {"seconds", model.predict(work)},
          {"roofline_seconds", roofline_seconds(model, evaluation)},
          {"by_class", classes},
          {"per_step_seconds", model.per_step}};
}

}  // namespace kcost
