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

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string quote_for_message(const std::string& s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

}  // namespace kcost
