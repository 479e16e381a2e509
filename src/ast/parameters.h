// Parameters: the parameter list of a FunctionDef, read once from its `arguments` node:
// positional parameters (positional-only first) with their defaults aligned, keyword-only
// parameters with theirs, and the *args / **kwargs names. Every pass that binds or lists a
// function's parameters reads it from here.
#pragma once

#include <string>
#include <vector>

#include "ast/node.h"

namespace kcost::ast {

struct Parameter {
  const Node* node = nullptr;      // the `arg` node (name and annotation)
  const Node* default_ = nullptr;  // its default value expression, or null
  const std::string& name() const { return node->str("arg"); }
};

struct Parameters {
  std::vector<Parameter> positional;    // posonlyargs then args, self included
  std::vector<Parameter> keyword_only;  // kwonlyargs
  const Node* vararg = nullptr;         // *args
  const Node* kwarg = nullptr;          // **kwargs

  // positional then keyword-only, in order.
  std::vector<Parameter> all() const;
  bool has(const std::string& name) const;
};

// The parameters of FunctionDef `def`.
Parameters parameters_of(const Node& def);

}  // namespace kcost::ast
