#include "calibrate/calibration_file.h"

#include <fstream>
#include <sstream>

#include "calibrate/calibration_error.h"

namespace kcost {

namespace {

nlohmann::ordered_json fraction(double coefficient) {
  return coefficient > 0 ? nlohmann::ordered_json(1.0 / coefficient) : nlohmann::ordered_json(nullptr);
}

double number_at(const nlohmann::ordered_json& j, const std::string& key, const std::string& at, const std::string& source,
                 bool positive) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number() || (positive ? !(it->get<double>() > 0) : it->get<double>() < 0))
    throw CalibrationError(source + ": " + at + "." + key + ": missing or not a " +
                           (positive ? "positive" : "non-negative") + " number");
  return it->get<double>();
}

}  // namespace

nlohmann::ordered_json calibration_json(const LatencyModel& m, const nlohmann::ordered_json& runs,
                                        const nlohmann::ordered_json& errors) {
  nlohmann::ordered_json classes = nlohmann::ordered_json::object();
  for (const std::string& c : m.classes.names()) {
    auto it = m.coefficients.find(c);
    ClassCoefficients k = it == m.coefficients.end() ? ClassCoefficients{} : it->second;
    classes[c] = {{"flops_coefficient", k.flops},
                  {"bytes_coefficient", k.bytes},
                  {"seconds_per_call", k.per_call},
                  {"achieved_flops_fraction", fraction(k.flops)},
                  {"achieved_bandwidth_fraction", fraction(k.bytes)}};
  }
  return {{"kcost_calibration", 1},
          {"model", "t = sum over classes (flops_coefficient * FLOPs / peak_flops + bytes_coefficient * bytes / "
                    "bandwidth + seconds_per_call * calls) + seconds_per_step"},
          {"hardware", {{"id", m.hardware_id}, {"name", m.hardware_name}, {"peak_flops", m.peak_flops},
                        {"bandwidth", m.bandwidth}}},
          {"runs", runs},
          {"classes", classes},
          {"seconds_per_step", m.per_step},
          {"per_call", m.shared_per_call ? "shared" : "per_class"},
          {"errors", errors},
          {"kernel_classes", m.classes.to_json()}};
}

LatencyModel calibration_from_json(const nlohmann::json& j, const std::string& source) {
  return calibration_from_json(nlohmann::ordered_json::parse(j.dump()), source);
}

LatencyModel calibration_from_json(const nlohmann::ordered_json& j, const std::string& source) {
  if (!j.is_object() || !j.contains("kcost_calibration"))
    throw CalibrationError(source + ": not a kcost calibration file (no $.kcost_calibration)");
  LatencyModel m;
  if (!j.contains("hardware") || !j["hardware"].is_object())
    throw CalibrationError(source + ": $.hardware: missing or not an object");
  const nlohmann::ordered_json& h = j["hardware"];
  m.hardware_id = h.value("id", "");
  m.hardware_name = h.value("name", "");
  m.peak_flops = number_at(h, "peak_flops", "$.hardware", source, true);
  m.bandwidth = number_at(h, "bandwidth", "$.hardware", source, true);
  if (!j.contains("kernel_classes")) throw CalibrationError(source + ": $.kernel_classes: missing");
  m.classes = KernelClasses::from_json(j["kernel_classes"], source + " ($.kernel_classes)");
  if (!j.contains("classes") || !j["classes"].is_object())
    throw CalibrationError(source + ": $.classes: missing or not an object");
  for (const std::string& c : m.classes.names()) {
    std::string at = "$.classes." + c;
    if (!j["classes"].contains(c)) throw CalibrationError(source + ": " + at + ": missing");
    const nlohmann::ordered_json& k = j["classes"][c];
    m.coefficients[c] = {number_at(k, "flops_coefficient", at, source, false),
                         number_at(k, "bytes_coefficient", at, source, false),
                         number_at(k, "seconds_per_call", at, source, false)};
  }
  m.per_step = number_at(j, "seconds_per_step", "$", source, false);
  std::string per_call = j.contains("per_call") && j["per_call"].is_string() ? j["per_call"].get<std::string>() : "per_class";
  if (per_call != "shared" && per_call != "per_class")
    throw CalibrationError(source + ": $.per_call: '" + per_call + "' is neither shared nor per_class");
  m.shared_per_call = per_call == "shared";
  return m;
}

nlohmann::ordered_json read_calibration_json(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CalibrationError(path + ": cannot read the " + what);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw CalibrationError(path + ": not valid JSON: " + e.what());
  }
}

LatencyModel read_calibration(const std::string& path) {
  return calibration_from_json(read_calibration_json(path, "calibration file"), path);
}

}  // namespace kcost
