#include "interp/per_layer_config.h"

#include <map>
#include <vector>

namespace kcost {

ValuePtr per_layer_config_view(const ConfigView& config, const std::string& path) {
  const nlohmann::json* obj = config.object_at(path);
  if (!obj || !obj->contains("per_layer_config")) return nullptr;
  const nlohmann::json& overrides = (*obj)["per_layer_config"];
  if (!overrides.is_object()) return nullptr;
  for (const auto& [key, layer] : overrides.items())
    if (!layer.is_object()) return nullptr;
  std::optional<ValuePtr> count = config.attribute(path, "num_hidden_layers");
  std::optional<long long> layers = count ? known_int(**count) : std::nullopt;
  if (!layers || *layers < 0) return nullptr;
  const nlohmann::json none = nlohmann::json::object();
  auto overrides_of = [&](long long i) -> const nlohmann::json& {
    auto it = overrides.find(std::to_string(i));
    return it == overrides.end() ? none : *it;
  };
  auto layer_config = [&](const nlohmann::json& layer) {
    ValuePtr out = Value::config(path);
    for (const auto& [name, value] : layer.items()) out = Value::config_with(*out, name, ConfigView::from_json(value));
    return out;
  };
  std::vector<std::string> keys;
  std::vector<ValuePtr> items;
  for (long long i = 0; i < *layers; ++i) {
    keys.push_back(std::to_string(i));
    items.push_back(layer_config(overrides_of(i)));
  }
  // By layer kind: the first layer of the kind, when its layers agree.
  const nlohmann::json* kinds = obj->contains("layer_types") ? &(*obj)["layer_types"] : nullptr;
  if (kinds && kinds->is_array()) {
    std::map<std::string, long long> first;
    std::map<std::string, bool> uniform;
    for (size_t i = 0; i < kinds->size() && static_cast<long long>(i) < *layers; ++i) {
      if (!(*kinds)[i].is_string()) continue;
      const std::string& kind = (*kinds)[i].get_ref<const std::string&>();
      auto [it, inserted] = first.emplace(kind, static_cast<long long>(i));
      if (inserted) {
        keys.push_back(kind);
        uniform[kind] = true;
      } else if (overrides_of(static_cast<long long>(i)) != overrides_of(it->second)) {
        uniform[kind] = false;
      }
    }
    for (size_t k = static_cast<size_t>(*layers); k < keys.size(); ++k) {
      const std::string& kind = keys[k];
      items.push_back(uniform[kind] ? layer_config(overrides_of(first[kind]))
                                    : Value::unknown(path + ".per_layer_config[\"" + kind + "\"]: the layers of kind " +
                                                     kind + " have different overrides (transformers raises)"));
    }
  }
  return Value::dict(std::move(keys), std::move(items));
}

}  // namespace kcost
