#include "interp/config_view.h"

namespace kcost {

namespace {

GiNaC::numeric numeric_of(const nlohmann::json& v) {
  if (v.is_boolean()) return GiNaC::numeric(v.get<bool>() ? 1 : 0);
  if (v.is_number_integer()) return Expr::parse(v.dump()).as_number();
  return Expr::parse(v.dump()).as_number();  // floats: Python float literal syntax
}

}  // namespace

ValuePtr ConfigView::from_json(const nlohmann::json& v) {
  if (v.is_null()) return Value::none();
  if (v.is_boolean() || v.is_number()) return Value::number(Expr::number(numeric_of(v)), numeric_of(v));
  if (v.is_string()) return Value::string(v.get<std::string>());
  if (v.is_array()) {
    std::vector<ValuePtr> items;
    for (const auto& item : v) items.push_back(from_json(item));
    return Value::list(std::move(items));
  }
  std::vector<std::string> keys;
  std::vector<ValuePtr> items;
  for (auto it = v.begin(); it != v.end(); ++it) {
    keys.push_back(it.key());
    items.push_back(from_json(it.value()));
  }
  return Value::dict(keys, items);
}

const nlohmann::json* ConfigView::object_at(const std::string& path) const {
  const nlohmann::json* node = &values_;
  size_t start = path.find('.');
  while (start != std::string::npos) {
    size_t end = path.find('.', start + 1);
    std::string part = path.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    if (!node->is_object() || !node->contains(part)) return nullptr;
    node = &(*node)[part];
    start = end;
  }
  return node->is_object() ? node : nullptr;
}

const std::string& ConfigView::real_name(const std::string& name) const {
  auto it = aliases_.find(name);
  return it != aliases_.end() && it->is_string() ? it->get_ref<const std::string&>() : name;
}

const std::string& ConfigView::real_name(const std::string& path, const std::string& name) const {
  if (path == "config") return real_name(name);
  // A nested config's alias: keyed by its path below the config ("audio_config.d_model").
  auto it = aliases_.find(path.substr(path.find('.') + 1) + "." + name);
  return it != aliases_.end() && it->is_string() ? it->get_ref<const std::string&>() : name;
}

bool ConfigView::has(const std::string& path, const std::string& alias) const {
  const std::string& name = real_name(path, alias);
  const nlohmann::json* obj = object_at(path);
  return obj && obj->contains(name);
}

std::optional<ValuePtr> ConfigView::attribute(const std::string& path, const std::string& alias) const {
  const std::string& name = real_name(path, alias);
  const nlohmann::json* obj = object_at(path);
  if (!obj || !obj->contains(name)) return std::nullopt;
  const nlohmann::json& v = (*obj)[name];
  std::string symbol = path + "." + name;
  if (v.is_boolean() || v.is_number()) return Value::number(Expr::symbol(symbol), numeric_of(v));
  if (v.is_object() && v.contains("model_type")) return Value::config(symbol);  // a nested sub-config
  return from_json(v);
}

ConfigView ConfigView::with_value(const std::string& name, nlohmann::json value) const {
  ConfigView out = *this;
  out.values_[real_name(name)] = std::move(value);
  return out;
}

const nlohmann::json* ConfigView::property_entry(const std::string& path, const std::string& name) const {
  if (has(path, name)) return nullptr;
  // A nested config's own properties: keyed by its path below the config ("text_config.x").
  std::string key = path == "config" ? name : path.substr(path.find('.') + 1) + "." + name;
  auto it = properties_.find(key);
  return it == properties_.end() ? nullptr : &*it;
}

std::optional<std::string> ConfigView::method(const std::string& path, const std::string& name) const {
  const nlohmann::json* entry = property_entry(path, name);
  if (!entry || !entry->is_object() || !entry->contains("method") || !(*entry)["method"].is_string())
    return std::nullopt;
  return (*entry)["method"].get<std::string>();
}

std::optional<std::string> ConfigView::property(const std::string& path, const std::string& name) const {
  const nlohmann::json* entry = property_entry(path, name);
  if (!entry || !entry->is_string()) return std::nullopt;
  return entry->get<std::string>();
}

}  // namespace kcost
