#include "calibrate/kernel_classes.h"

#include <algorithm>


#include "calibrate/calibration_error.h"

namespace kcost {

std::string KernelClasses::default_path() { return std::string(KCOST_SOURCE_DIR) + "/hardware/kernel_classes.json"; }

KernelClasses KernelClasses::load(const std::string& path) {
  return from_json(read_calibration_json(path, "kernel class table"), path);
}

KernelClasses KernelClasses::from_json(const nlohmann::json& j, const std::string& source) {
  return from_json(nlohmann::ordered_json::parse(j.dump()), source);  // classes in name order
}

KernelClasses KernelClasses::from_json(const nlohmann::ordered_json& j, const std::string& source) {
  if (!j.is_object() || !j.contains("classes") || !j["classes"].is_object())
    throw CalibrationError(source + ": $.classes: missing or not an object");
  KernelClasses out;
  for (const auto& [name, c] : j["classes"].items()) {
    std::string at = "$.classes." + name;
    if (name.empty()) throw CalibrationError(source + ": $.classes: an empty class name");
    const nlohmann::ordered_json* kernels = nullptr;
    if (c.is_object() && c.contains("kernels")) kernels = &c["kernels"];
    else if (c.is_array()) kernels = &c;
    if (!kernels || !kernels->is_array()) throw CalibrationError(source + ": " + at + ".kernels: missing or not an array");
    out.names_.push_back(name);
    for (const auto& k : *kernels) {
      if (!k.is_string() || k.get<std::string>().empty())
        throw CalibrationError(source + ": " + at + ".kernels: not an array of kernel names");
      auto [it, fresh] = out.class_of_.emplace(k.get<std::string>(), name);
      if (!fresh)
        throw CalibrationError(source + ": " + at + ".kernels: '" + k.get<std::string>() + "' is already in class '" +
                               it->second + "'");
    }
  }
  return out;
}

nlohmann::ordered_json KernelClasses::to_json() const {
  nlohmann::ordered_json classes = nlohmann::ordered_json::object();
  for (const std::string& n : names_) classes[n] = {{"kernels", nlohmann::ordered_json::array()}};
  for (const auto& [kernel, c] : class_of_) classes[c]["kernels"].push_back(kernel);
  return {{"classes", classes}};
}

KernelClasses KernelClasses::with_leaves(const LeafCatalog& leaves) const {
  KernelClasses out = *this;
  for (const auto& [name, leaf] : leaves.all()) {
    if (leaf.kernel_class.empty()) continue;
    if (std::find(names_.begin(), names_.end(), leaf.kernel_class) == names_.end())
      throw CalibrationError(leaf.file + ": kernel_class '" + leaf.kernel_class + "' is not a class of the kernel class table");
    auto [it, fresh] = out.class_of_.emplace(name, leaf.kernel_class);
    if (!fresh && it->second != leaf.kernel_class)
      throw CalibrationError(leaf.file + ": kernel_class '" + leaf.kernel_class + "', but the kernel class table puts it in '" +
                             it->second + "'");
  }
  return out;
}

std::string KernelClasses::of(const std::string& kernel) const {
  auto it = class_of_.find(kernel);
  return it == class_of_.end() ? "" : it->second;
}

}  // namespace kcost
