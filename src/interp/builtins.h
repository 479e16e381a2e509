// Builtins: the Python builtins the interpreter evaluates itself (getattr, min, len,
// isinstance, range, ...), one function each in a table by name. A builtin may decline a call
// it cannot decide (isinstance of a class it does not know): the call then goes to the pass's
// hooks like any other.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ast/node.h"
#include "interp/value.h"

namespace kcost {

class Interpreter;

struct BuiltinCall {
  Interpreter& interp;
  const ast::Node& node;
  const std::vector<Arg>& args;
  // The positional argument i, or null.
  ValuePtr positional(size_t i) const;
};

// nullopt: declined (not decidable here); the call goes to the hooks.
using Builtin = std::function<std::optional<ValuePtr>(const BuiltinCall&)>;

// The builtin named `name`, or null when the interpreter leaves it to the hooks.
const Builtin* find_builtin(const std::string& name);

}  // namespace kcost
