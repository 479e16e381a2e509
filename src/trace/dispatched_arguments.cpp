#include "trace/dispatched_arguments.h"

#include <set>

#include "ast/parameters.h"

namespace kcost {

std::vector<Arg> dispatched_arguments(const ast::Node& original, const ast::Node& replacement,
                                      const std::map<std::string, ValuePtr>& inputs) {
  ast::Parameters from = ast::parameters_of(original), to = ast::parameters_of(replacement);
  std::vector<Arg> args;
  std::set<std::string> passed, taken;
  for (size_t i = 1; i < from.positional.size(); ++i) {
    const std::string& name = from.positional[i].name();
    auto it = inputs.find(name);
    if (it == inputs.end()) continue;
    std::string as = name;
    if (!to.has(name) && i < to.positional.size()) as = to.positional[i].name();
    if (taken.count(as)) continue;
    args.push_back({as, it->second, name});
    passed.insert(name);
    taken.insert(as);
  }
  for (const auto& [name, v] : inputs)
    if (!passed.count(name) && !taken.count(name)) args.push_back({name, v, name});
  return args;
}

}  // namespace kcost
