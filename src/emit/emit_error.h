// EmitError: the one exception type of the emit stage (writing a kernel's cost JSON and
// reasoning file). Its what() is one line naming the file or kernel and the cause, e.g.
// "costs/X.json: cannot write: No such file or directory".
#pragma once

#include <stdexcept>
#include <string>

namespace kcost {

struct EmitError : std::runtime_error {
  explicit EmitError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace kcost
