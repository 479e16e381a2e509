// Numeric evaluation of an expression at given symbol values, with Python's semantics: exact
// integers and rationals, floats as doubles, and `and`/`or`/`a if c else b` short-circuiting
// like Python, so `x and 1 / y` at x = 0, y = 0 is 0, not a division by zero. Walks the GiNaC
// tree once, without substituting.
#pragma once

#include <ginac/ginac.h>

#include <map>
#include <string>

namespace kcost {

// How the evaluation reads the floats written in the expression.
enum class FloatLiterals {
  python,  // as doubles, added and multiplied as Python does, rounding at each step
  // as the exact rational each double is (0.1 is 3602879701896397 / 2 ** 55): arithmetic on them
  // is then exact, so two forms of one expression whose float coefficients GiNaC combined in
  // another order, or whose sums it keeps in another order, take one value. A non-integer power
  // and log2 round to a double as Python's do, and that double too is read as the rational it
  // is, so what follows them is exact. For comparing forms (sampled_equality.h), not for costs.
  exact,
};

// Throws ExprError for division by zero and the like, and ("unbound symbol 'x'") for a
// symbol without a value that the evaluation needs. With `max_bits` above 0, also ("number too
// large") for an exact number of more bits than that on the way, a power refused before it is
// made: a bound on the time a value takes, where number::kMaxPowerBits lets one power alone
// take a million bits (a test that only asks whether a value is 0 can do with less).
GiNaC::numeric evaluate(const GiNaC::ex& e, const std::map<std::string, GiNaC::numeric>& values,
                        FloatLiterals floats = FloatLiterals::python, double max_bits = 0);

}  // namespace kcost
