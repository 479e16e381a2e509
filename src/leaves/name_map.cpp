#include "leaves/name_map.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "costfile/message_text.h"
#include "leaves/json_file.h"

namespace kcost {

NameMap NameMap::load(const std::string& path) {
  nlohmann::json doc = read_json_file(path);
  if (!doc.is_object())
    throw CatalogError(path + ": expected a JSON object of name -> kernel_name, got " +
                       std::string(doc.type_name()));
  NameMap map;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    if (key.empty()) throw CatalogError(path + ": empty key");
    if (!it.value().is_string() || it.value().get_ref<const std::string&>().empty())
      throw CatalogError(path + ": key " + quote_for_message(key) +
                         ": expected a non-empty kernel_name string, got " +
                         (it.value().is_string() ? std::string("an empty string")
                                                 : std::string(it.value().type_name())));
    map.entries_.emplace(key, it.value().get<std::string>());
  }
  return map;
}

std::optional<std::string> NameMap::lookup(const std::string& qualified_name) const {
  auto it = entries_.find(qualified_name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

NameMap NameMap::with_canonical_names(const std::map<std::string, std::string>& canonical) const {
  NameMap out = *this;
  for (const auto& [alias, kernel] : entries_) {
    auto it = canonical.find(alias);
    if (it != canonical.end() && it->second != alias) out.entries_.emplace(it->second, kernel);
  }
  return out;
}

NameMap NameMap::with_leaf_names(const LeafCatalog& leaves) const {
  NameMap out = *this;
  for (const auto& [name, leaf] : leaves.all()) {
    std::vector<std::string> names = {name};
    if (name.rfind("torch.", 0) == 0 && name.find('.', 6) == std::string::npos) names.push_back("torch.Tensor." + name.substr(6));
    if (name.rfind("F.", 0) == 0) names.push_back("torch.nn.functional." + name.substr(2));
    for (const auto& n : names) out.entries_.emplace(n, name);
  }
  return out;
}

NameMap NameMap::over(const NameMap& base) const {
  NameMap out = *this;
  for (const auto& [name, kernel] : base.entries_) out.entries_.emplace(name, kernel);
  return out;
}

}  // namespace kcost
