#include "expr/sampled_equality.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "expr/functions.h"
#include "expr/number.h"
#include "expr/python_eval.h"

namespace kcost {

namespace {

constexpr int kPrimes[] = {11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
constexpr int kPrimeCount = sizeof kPrimes / sizeof kPrimes[0];

// The value of the i-th name at point k. Odd points: 1, 2 or 3. Even points: p / q with p and q
// distinct primes (so never an integer, and p / q between 11/97 and 97/11); the walk over p steps
// by 5, coprime to the count of primes, so the first 21 names of a point have 21 different p.
GiNaC::numeric sample_value(int point, int index) {
  if (point % 2) return GiNaC::numeric(1 + (point * 5 + index * 7 + index / 3) % 3);
  const int p = (point * 7 + index * 5) % kPrimeCount;
  int q = (point * 11 + index * 13 + 1 + index / kPrimeCount) % kPrimeCount;
  if (q == p) q = (q + 1) % kPrimeCount;
  return GiNaC::numeric(kPrimes[p], kPrimes[q]);
}

// What python_eval throws for a division by zero (error.h).
const std::string kDivisionByZero = "division by zero";

bool agree(const GiNaC::numeric& x, const GiNaC::numeric& y, const GiNaC::numeric& relative) {
  if (x == y) return true;
  return GiNaC::abs(x - y) <= relative * std::max(GiNaC::abs(x), GiNaC::abs(y));
}

}  // namespace

SampledEquality sample_equality(const Expr& a, const Expr& b, int points, double relative) {
  std::set<std::string> names = a.symbols();
  const std::set<std::string> more = b.symbols();
  names.insert(more.begin(), more.end());
  // Exact expressions must agree exactly; with a float in either, to `relative` (as a rational,
  // so that comparing two exact values never rounds).
  const GiNaC::numeric tolerance = has_float(a.ex()) || has_float(b.ex())
                                       ? number::exact_value(number::make_float(relative))
                                       : GiNaC::numeric(0);
  SampledEquality result;
  for (int k = 0; k < points; ++k) {
    std::map<std::string, GiNaC::numeric> values;
    int index = 0;
    for (const std::string& name : names) values.emplace(name, sample_value(k, index++));
    std::optional<GiNaC::numeric> x, y;
    std::string x_error, y_error;
    try {
      x = evaluate(a.ex(), values, FloatLiterals::exact);
    } catch (const std::exception& e) {
      x_error = e.what();
    }
    try {
      y = evaluate(b.ex(), values, FloatLiterals::exact);
    } catch (const std::exception& e) {
      y_error = e.what();
    }
    if (x && y) {
      ++result.evaluated;
      if (agree(*x, *y, tolerance)) ++result.agreed;
    } else if (!x && !y && x_error == kDivisionByZero && y_error == kDivisionByZero) {
      // Both divide by zero here, as Python would for both: they agree.
      ++result.evaluated;
      ++result.agreed;
    }
    // Otherwise no value here to compare (a power too large, a complex result, a float overflow).
  }
  return result;
}

}  // namespace kcost
