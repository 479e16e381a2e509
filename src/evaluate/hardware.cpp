#include "evaluate/hardware.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "costfile/message_text.h"
#include "emit/atomic_file.h"
#include "evaluate/model_costs.h"  // cache_root

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
    if (a.contains("memory")) {
      acc.memory = positive_field(a, "memory", at, path);
      acc.memory_source = string_field(a, "memory_source", at, path, true);
    }
    if (a.contains("peak_precision")) acc.peak_precision = string_field(a, "peak_precision", at, path, true);
    if (a.contains("peak_flops_by_precision")) {
      const nlohmann::json& peaks = a["peak_flops_by_precision"];
      if (!peaks.is_object()) throw HardwareError(path + ": " + at + ".peak_flops_by_precision: not an object");
      for (const auto& item : peaks.items())
        acc.peak_flops_by_precision[item.key()] = positive_field(peaks, item.key(), at + ".peak_flops_by_precision", path);
      acc.precision_notes = string_field(a, "precision_notes", at, path, false);
    }
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
  if (path == default_path() && std::ifstream(local_path()).good()) {
    for (Accelerator& a : load(local_path()).accelerators_) {
      bool replaced = false;
      for (Accelerator& b : table.accelerators_)
        if (b.id == a.id) b = a, replaced = true;
      if (!replaced) table.accelerators_.push_back(std::move(a));
    }
  }
  return table;
}

std::string HardwareTable::local_path() { return cache_root() + "/hardware.json"; }

void HardwareTable::save_local(const Accelerator& accelerator) {
  nlohmann::ordered_json j = {
      {"description", "Accelerators of this machine for kcost (kcost hardware NAME --measure, or the user's figures)"},
      {"accelerators", nlohmann::ordered_json::array()}};
  std::string path = local_path();
  if (std::ifstream(path).good())
    for (const Accelerator& a : load(path).accelerators_)
      if (a.id != accelerator.id) j["accelerators"].push_back(to_json(a));
  j["accelerators"].push_back(to_json(accelerator));
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    write_file_atomically(path, j.dump(2) + "\n");
  } catch (const std::exception& e) {
    throw HardwareError(path + ": cannot write: " + e.what());
  }
}

nlohmann::ordered_json to_json(const Accelerator& a) {
  nlohmann::ordered_json j = {{"id", a.id}, {"name", a.name}};
  if (!a.aliases.empty()) j["aliases"] = a.aliases;
  j["peak_flops"] = a.peak_flops;
  j["bandwidth"] = a.bandwidth;
  if (!a.precision.empty()) j["precision"] = a.precision;
  j["flops_source"] = a.flops_source;
  j["bandwidth_source"] = a.bandwidth_source;
  if (a.memory > 0) {
    j["memory"] = a.memory;
    j["memory_source"] = a.memory_source;
  }
  if (!a.notes.empty()) j["notes"] = a.notes;
  if (a.peak_precision != "bf16") j["peak_precision"] = a.peak_precision;
  if (!a.peak_flops_by_precision.empty()) {
    j["peak_flops_by_precision"] = a.peak_flops_by_precision;
    if (!a.precision_notes.empty()) j["precision_notes"] = a.precision_notes;
  }
  return j;
}

Accelerator at_precision(const Accelerator& accelerator, const std::string& precision) {
  if (precision == accelerator.peak_precision) return accelerator;
  auto it = accelerator.peak_flops_by_precision.find(precision);
  if (it == accelerator.peak_flops_by_precision.end()) {
    std::string known = accelerator.peak_precision;
    for (const auto& [name, peak] : accelerator.peak_flops_by_precision) known += ", " + name;
    throw HardwareError(accelerator.id + " has no " + precision + " peak in the hardware table (it has " + known + ")");
  }
  Accelerator out = accelerator;
  out.peak_flops = it->second;
  out.precision = precision + " dense (" + (accelerator.precision_notes.empty() ? "hardware table" : accelerator.precision_notes) + ")";
  return out;
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
  throw HardwareError("no accelerator '" + name + "' in the hardware table; known: " + ids +
                      (want == "cpu" ? " (measure this machine's with: kcost hardware cpu --measure)" : ""));
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
