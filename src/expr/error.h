// ExprError: the one exception type of the expression module. Its what() is one line naming
// the expression text and, for syntax errors, the 1-based column where the text goes wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace kcost {

// Thrown for syntax errors, unknown functions, unbound symbols in eval, division by zero,
// numbers out of range, etc.
//   column > 0:            "expression 'a + * b': column 5: expected an operand"
//   column 0, text given:  "unbound symbol 'config.x' in 'config.x * 2'"
//   neither:               "division by zero"
struct ExprError : std::runtime_error {
  ExprError(std::string message, std::string text = "", int column = 0);
  std::string message;  // the bare message, without text and column
  std::string text;     // the expression text, if any
  int column;           // 1-based column of the error in `text`, 0 when not about a position
};

// The ExprError for an exception from GiNaC or CLN: "division by zero", "float overflow", or
// the original message.
ExprError from_library_error(const std::exception& e);

}  // namespace kcost
