// libFuzzer harness: the expression lexer, parser and printer. Any text either fails to parse
// with an ExprError (a one-line message whose column lies inside the text) or parses to an
// expression e whose printed text parses back to an expression equal (or equivalent) to e and
// printing the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "expr/expr.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1;
  const std::string text(reinterpret_cast<const char*>(data), size);
  kcost::Expr e;
  try {
    e = kcost::Expr::parse(text);
  } catch (const kcost::ExprError& error) {
    std::string what = error.what();
    if (what.find('\n') != std::string::npos) kcost::fuzz::fail("multi-line error: " + what);
    if (error.column < 0 || error.column > static_cast<int>(text.size()) + 1)
      kcost::fuzz::fail("column " + std::to_string(error.column) + " outside the text: " + what);
    return 0;
  }
  std::string printed;
  try {
    printed = e.str();
  } catch (const kcost::ExprError& error) {
    kcost::fuzz::fail("cannot print what parsed: '" + text + "': " + error.what());
  }
  kcost::Expr again;
  try {
    again = kcost::Expr::parse(printed);
  } catch (const kcost::ExprError& error) {
    kcost::fuzz::fail("'" + text + "' prints as '" + printed + "', which does not parse: " + error.what());
  }
  // Equal, or equal after expansion: the printer writes a sum factor with its first term positive
  // (-x * (b - a) prints as x * (a - b)), which GiNaC holds as a different tree when the sum has
  // a float coefficient (it only normalizes the sign of sums with rational coefficients).
  if (again != e && !again.equivalent(e)) kcost::fuzz::fail("'" + text + "' prints as '" + printed + "', which parses to '" + again.str() + "'");
  if (again.str() != printed)
    kcost::fuzz::fail("'" + text + "' prints as '" + printed + "', which prints as '" + again.str() + "'");
  return 0;
}
