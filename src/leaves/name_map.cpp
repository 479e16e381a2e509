#include "leaves/name_map.h"

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

}  // namespace kcost
