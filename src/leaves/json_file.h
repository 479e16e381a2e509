// Reading one JSON file of the leaf library or the name map, with failures turned into a
// one-line CatalogError naming the file.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace kcost {

// Parses the file at `path`. Throws CatalogError "<path>: cannot read file" or
// "<path>: invalid JSON: parse error at line L, column C: ...".
nlohmann::json read_json_file(const std::string& path);

}  // namespace kcost
