#include "evaluate/warm_entry.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "emit/atomic_file.h"

namespace kcost {

nlohmann::json values_to_json(const Values& values) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, n] : values) {
    if (n.is_rational()) {
      std::ostringstream text;
      text << n;  // an integer or a/b, exactly
      j[name] = text.str();
    } else {
      j[name] = n.to_double();
    }
  }
  return j;
}

Values values_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("config values are not an object");
  Values out;
  for (const auto& [name, v] : j.items()) {
    if (v.is_string()) out[name] = parse_exact_number(v.get<std::string>());
    else if (v.is_number_float()) out[name] = GiNaC::numeric(v.get<double>());
    else throw std::runtime_error("config value " + name + " is not a number");
  }
  return out;
}

std::optional<WarmEntry> read_warm_entry(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    WarmEntry e;
    e.name = j.at("name").get<std::string>();
    e.root = j.at("root").get<std::string>();
    e.costs_dir = j.at("costs_dir").get<std::string>();
    e.config_class = j.at("config_class").get<std::string>();
    e.config = values_from_json(j.at("config"));
    e.transformers_dir = j.at("transformers_dir").get<std::string>();
    e.unknowns = j.at("unknowns").get<std::size_t>();
    if (j.contains("sweep_totals")) e.sweep_totals = ClosedForm::from_json(j.at("sweep_totals"));
    e.sources = SourceManifest::from_json(j.at("sources"));
    return e;
  } catch (const std::exception&) {  // malformed: as if absent
    return std::nullopt;
  }
}

void write_warm_entry(const std::string& path, const WarmEntry& e) {
  nlohmann::json j;
  j["name"] = e.name;
  j["root"] = e.root;
  j["costs_dir"] = e.costs_dir;
  j["config_class"] = e.config_class;
  j["config"] = values_to_json(e.config);
  j["transformers_dir"] = e.transformers_dir;
  j["unknowns"] = e.unknowns;
  if (e.sweep_totals) j["sweep_totals"] = e.sweep_totals->to_json();
  j["sources"] = e.sources.to_json();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  write_file_atomically(path, j.dump());
}

}  // namespace kcost
