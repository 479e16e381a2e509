#include "evaluate/hardware.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "costfile/message_text.h"

namespace kcost {

namespace {

std::string normalized(const std::string& name) {
  std::string out;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string string_field(const nlohmann::json& a, const std::string& key, const std::string& at,
                         const std::string& path, bool required) {
  auto it = a.find(key);
  if (it == a.end()) {
    if (required) throw HardwareError(path + ": " + json_path_key(at, key) + ": missing");
    return "";
  }
  if (!it->is_string() || (required && it->get<std::string>().empty()))
    throw HardwareError(path + ": " + json_path_key(at, key) + ": not a non-empty string");
  return it->get<std::string>();
}

double positive_field(const nlohmann::json& a, const std::string& key, const std::string& at, const std::string& path) {
  auto it = a.find(key);
  if (it == a.end() || !it->is_number() || !(it->get<double>() > 0))
    throw HardwareError(path + ": " + json_path_key(at, key) + ": missing or not a positive number");
  return it->get<double>();
}

}  // namespace

std::string HardwareTable::default_path() { return std::string(KCOST_SOURCE_DIR) + "/hardware/accelerators.json"; }

HardwareTable HardwareTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw HardwareError(path + ": cannot read the hardware table");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw HardwareError(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("accelerators") || !j["accelerators"].is_array())
    throw HardwareError(path + ": $.accelerators: missing or not an array");
  HardwareTable table;
  std::map<std::string, std::string> seen;  // normalized name -> id
  for (size_t i = 0; i < j["accelerators"].size(); ++i) {
    const nlohmann::json& a = j["accelerators"][i];
    std::string at = "$.accelerators[" + std::to_string(i) + "]";
    if (!a.is_object()) throw HardwareError(path + ": " + at + ": not an object");
    Accelerator acc;
    acc.id = string_field(a, "id", at, path, true);
    acc.name = string_field(a, "name", at, path, true);
    acc.peak_flops = positive_field(a, "peak_flops", at, path);
    acc.bandwidth = positive_field(a, "bandwidth", at, path);
    acc.precision = string_field(a, "precision", at, path, false);
    acc.flops_source = string_field(a, "flops_source", at, path, true);
    acc.bandwidth_source = string_field(a, "bandwidth_source", at, path, true);
    acc.notes = string_field(a, "notes", at, path, false);
    if (a.contains("aliases")) {
      if (!a["aliases"].is_array()) throw HardwareError(path + ": " + at + ".aliases: not an array");
      for (const auto& alias : a["aliases"]) {
        if (!alias.is_string()) throw HardwareError(path + ": " + at + ".aliases: not an array of strings");
        acc.aliases.push_back(alias.get<std::string>());
      }
    }
    std::vector<std::string> names = acc.aliases;
    names.push_back(acc.id);
    names.push_back(acc.name);
    for (const std::string& n : names) {
      auto [it, inserted] = seen.emplace(normalized(n), acc.id);
      if (!inserted && it->second != acc.id)
        throw HardwareError(path + ": " + at + ": name '" + n + "' is also a name of '" + it->second + "'");
    }
    table.accelerators_.push_back(std::move(acc));
  }
  return table;
}

const Accelerator& HardwareTable::find(const std::string& name) const {
  std::string want = normalized(name);
  for (const Accelerator& a : accelerators_) {
    if (normalized(a.id) == want || normalized(a.name) == want) return a;
    for (const std::string& alias : a.aliases)
      if (normalized(alias) == want) return a;
  }
  std::string ids;
  for (const Accelerator& a : accelerators_) ids += (ids.empty() ? "" : ", ") + a.id;
  throw HardwareError("no accelerator '" + name + "' in the hardware table; known: " + ids);
}

Roofline roofline(double flops, double bytes, const Accelerator& hardware) {
  return {flops / hardware.peak_flops, bytes / hardware.bandwidth};
}

Roofline roofline(const CostNumbers& cost, const Accelerator& hardware) {
  return roofline(cost.flops.to_double(), cost.bytes().to_double(), hardware);
}

double arithmetic_intensity(const CostNumbers& cost) {
  double bytes = cost.bytes().to_double();
  return bytes > 0 ? cost.flops.to_double() / bytes : 0;
}

}  // namespace kcost
