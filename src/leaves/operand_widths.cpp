#include "leaves/operand_widths.h"

#include <map>

namespace kcost {

namespace {

const std::map<std::string, std::string>& roles() {
  static const std::map<std::string, std::string> r = {
      {"weight_width", "weight"}, {"kv_width", "kv"}, {"a_width", "a"}, {"b_width", "b"}, {"c_width", "c"}};
  return r;
}

}  // namespace

bool is_width_param(const std::string& param) { return roles().count(param) > 0; }

std::string width_role(const std::string& param) {
  auto it = roles().find(param);
  return it == roles().end() ? "" : it->second;
}

}  // namespace kcost
