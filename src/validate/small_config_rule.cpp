#include "validate/small_config_rule.h"

#include <algorithm>
#include <stdexcept>

#include "costfile/message_text.h"

namespace kcost {

const std::vector<std::string>& small_config_sizes() {
  static const std::vector<std::string> names = {"heads", "kv_heads", "head_dim", "layers", "vocab",
                                                 "experts", "experts_per_token", "window", "window_layers",
                                                 "window_pattern"};
  return names;
}

namespace {

std::string known_names() {
  std::string out;
  for (const std::string& n : small_config_sizes()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

nlohmann::json parse_small_config_rule(const std::string& text) {
  nlohmann::json rule = nlohmann::json::object();
  if (text.empty()) return rule;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw std::invalid_argument(quote_for_message(item) + " is not NAME=N");
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    const auto& names = small_config_sizes();
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw std::invalid_argument("unknown size " + quote_for_message(name) + " (known: " +
                                  known_names() + ")");
    if (rule.contains(name)) throw std::invalid_argument(name + " is given twice");
    const bool digits = !value.empty() && value.size() <= 9 &&
                        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stol(value) < 1)
      throw std::invalid_argument(name + " must be a positive integer below 10^9, not " +
                                  quote_for_message(value));
    rule[name] = std::stol(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return rule;
}

}  // namespace kcost
