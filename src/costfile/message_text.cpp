#include "costfile/message_text.h"

#include "expr/symbol_table.h"

namespace kcost {
namespace {

// Appends `s` to `out` with control characters escaped; `quote_escapes` also escapes ' and \,
// `named_escapes` writes \r and \t by name (otherwise as \xNN).
void append_escaped(std::string& out, const std::string& s, bool quote_escapes, bool named_escapes) {
  static const char* hex = "0123456789abcdef";
  for (unsigned char c : s) {
    if (quote_escapes && (c == '\'' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (named_escapes && c == '\r') {
      out += "\\r";
    } else if (named_escapes && c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace

std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return s;
}

std::string quote_for_message(const std::string& s) {
  std::string out = "'";
  append_escaped(out, s, /*quote_escapes=*/false, /*named_escapes=*/true);
  return out + "'";
}

std::string path_for_message(const std::string& path) {
  std::string out;
  append_escaped(out, path, /*quote_escapes=*/false, /*named_escapes=*/true);
  return out;
}

std::string json_path_key(const std::string& base, const std::string& key) {
  if (is_identifier(key)) return base + "." + key;
  std::string out = base + "['";
  append_escaped(out, key, /*quote_escapes=*/true, /*named_escapes=*/false);
  return out + "']";
}

std::string json_path_index(const std::string& base, size_t index) { return base + "[" + std::to_string(index) + "]"; }

}  // namespace kcost
