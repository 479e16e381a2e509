#include "ast/parameters.h"

namespace kcost::ast {

std::vector<Parameter> Parameters::all() const {
  std::vector<Parameter> out = positional;
  out.insert(out.end(), keyword_only.begin(), keyword_only.end());
  return out;
}

bool Parameters::has(const std::string& name) const {
  for (const auto& p : positional)
    if (p.name() == name) return true;
  for (const auto& p : keyword_only)
    if (p.name() == name) return true;
  return false;
}

Parameters parameters_of(const Node& def) {
  Parameters out;
  const Node* arguments = def.child("args");
  if (!arguments) return out;
  for (const char* field : {"posonlyargs", "args"})
    for (const auto& a : arguments->list(field)) out.positional.push_back({a.get(), nullptr});
  const auto& defaults = arguments->list("defaults");
  size_t first_default = out.positional.size() >= defaults.size() ? out.positional.size() - defaults.size() : 0;
  for (size_t i = first_default, d = 0; i < out.positional.size() && d < defaults.size(); ++i, ++d)
    out.positional[i].default_ = defaults[d].get();
  const auto& kw_defaults = arguments->list("kw_defaults");
  const auto& kwonly = arguments->list("kwonlyargs");
  for (size_t i = 0; i < kwonly.size(); ++i)
    out.keyword_only.push_back({kwonly[i].get(), i < kw_defaults.size() ? kw_defaults[i].get() : nullptr});
  out.vararg = arguments->child("vararg");
  out.kwarg = arguments->child("kwarg");
  return out;
}

}  // namespace kcost::ast
