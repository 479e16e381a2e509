// Numeric evaluation of an expression at given symbol values, with Python's semantics: exact
// integers and rationals, floats as doubles, and `and`/`or`/`a if c else b` short-circuiting
// like Python, so `x and 1 / y` at x = 0, y = 0 is 0, not a division by zero. Walks the GiNaC
// tree once, without substituting.
#pragma once

#include <ginac/ginac.h>

#include <map>
#include <string>

namespace kcost {

// Throws ExprError for division by zero and the like, and ("unbound symbol 'x'") for a
// symbol without a value that the evaluation needs.
GiNaC::numeric evaluate(const GiNaC::ex& e, const std::map<std::string, GiNaC::numeric>& values);

}  // namespace kcost
