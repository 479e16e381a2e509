// Parser: a hand-written recursive-descent parser of the Python expression subset that cost
// formulas use, with Python's precedence, loosest first:
//   `a if c else b` (right assoc) < `or` < `and` < `not` < comparisons (`< <= > >= == !=`,
//   chained: `a < b < c` is `a < b and b < c`) < `+ -` < `* / // %` < unary `- +`
//   < `**` (right assoc; `-x**2` is -(x**2), `2**-1` is allowed)
//   < atoms: integers of any size (`1_000`, `0x1f`), floats (`1e-6`, `.5`), True/False,
//     names with dots (`config.text_config.hidden_size`), `( ... )`, and calls of
//     min/max (2 or more arguments), int, abs, ceil/math.ceil, floor/math.floor, log2/math.log2.
// Constant arithmetic is done while parsing; a result holding a number of more than
// kMaxDecimalDigits decimal digits (numerator or denominator) is an error, as a literal that long
// is, so that everything that parses prints as text that parses again; for the same reason a
// tree of more than 64 levels is an error, however flat its text (`x % a % b % ...` is a level an
// operator), as is text nested more than 200 levels deep.
// It never evaluates Python. Anything else (strings, subscripts, lambdas, attribute access on
// a non-name, keyword arguments, unknown functions, trailing text, empty text) throws
// ExprError with the 1-based column where the text goes wrong.
#pragma once

#include <string_view>

#include "expr/expr.h"

namespace kcost {

Expr parse_expression(std::string_view text);

}  // namespace kcost
