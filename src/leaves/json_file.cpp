#include "leaves/json_file.h"

#include <fstream>
#include <sstream>

#include "leaves/leaf_catalog.h"

namespace kcost {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CatalogError(path + ": cannot read file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw CatalogError(path + ": cannot read file");
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 3: ..." -> drop the tag.
    std::string message = e.what();
    if (!message.empty() && message[0] == '[') {
      auto close = message.find("] ");
      if (close != std::string::npos) message = message.substr(close + 2);
    }
    for (char& c : message)
      if (c == '\n' || c == '\r') c = ' ';
    throw CatalogError(path + ": invalid JSON: " + message);
  }
}

}  // namespace kcost
