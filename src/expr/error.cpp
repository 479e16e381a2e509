#include "expr/error.h"

#include <utility>

#include "costfile/message_text.h"

namespace kcost {

namespace {

// Keeps what() on one line: one_line turns control characters (newlines inside parentheses are legal
// whitespace in an expression) become spaces, which also keeps the columns aligned.
std::string describe(const std::string& message, const std::string& text, int column) {
  if (column > 0)
    return "expression '" + one_line(text) + "': column " + std::to_string(column) + ": " +
           message;
  if (!text.empty()) return message + " in '" + one_line(text) + "'";
  return message;
}

}  // namespace

ExprError::ExprError(std::string message, std::string text, int column)
    : std::runtime_error(describe(message, text, column)),
      message(std::move(message)),
      text(std::move(text)),
      column(column) {}

ExprError from_library_error(const std::exception& e) {
  std::string what = e.what();
  if (what.find("division by zero") != std::string::npos) return ExprError("division by zero");
  if (what.find("overflow") != std::string::npos) return ExprError("float overflow");
  return ExprError(what);
}

}  // namespace kcost
