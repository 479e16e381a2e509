#include "facts/module_state.h"

#include <algorithm>

namespace kcost {

namespace {
constexpr const char* kPrefix = "self.";
}

bool is_state_argument(const Arg& a) { return a.name.rfind(kPrefix, 0) == 0; }

std::string state_path(const Arg& a) { return is_state_argument(a) ? a.name.substr(5) : ""; }

std::vector<Arg> constructor_arguments(const std::vector<Arg>& args) {
  std::vector<Arg> out;
  for (const auto& a : args)
    if (!is_state_argument(a)) out.push_back(a);
  return out;
}

std::vector<Arg> state_arguments(const std::vector<Arg>& args) {
  std::vector<Arg> out;
  for (const auto& a : args)
    if (is_state_argument(a)) out.push_back(a);
  return out;
}

ValuePtr with_state(const Value& module, const std::string& path, ValuePtr value) {
  auto out = std::make_shared<Value>(module);
  const std::string name = kPrefix + path;
  auto& args = out->args;
  args.erase(std::remove_if(args.begin(), args.end(), [&](const Arg& a) { return a.name == name; }), args.end());
  args.push_back({name, std::move(value), name});
  return out;
}

std::pair<std::string, std::string> split_state_path(const std::string& path) {
  size_t dot = path.find('.');
  if (dot == std::string::npos) return {path, ""};
  return {path.substr(0, dot), path.substr(dot + 1)};
}

}  // namespace kcost
