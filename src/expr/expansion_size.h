// How large an expression becomes when expanded. GiNaC's expand and polynomial division grow
// with the number of terms and the degree of the result, not with the size of the tree:
// `(a + b + c + d) ** 200` is five nodes and expands into 1.37 million terms (seconds);
// dividing `(a + b) ** 829` by `c - b` took over a minute (a fuzz finding). The analysis
// expands to simplify (exact quotients, equivalence, offsets of an index, readable totals) and
// skips a simplification whose expansion would be large: cost formulas are of small degree.
//
// The estimate is an upper bound computed on the tree, without expanding:
// - a number: 1 term of degree 0; a symbol: 1 term of degree 1;
// - a sum: the sum of its terms' counts, the largest degree;
// - a product: the product of the counts, the sum of the degrees;
// - a power to a whole n: a base of t terms gives C(|n| + t - 1, t - 1) terms (the monomials
//   of degree |n| in t variables), of |n| times the base's degree; any other power, and any
//   function (min, //, ...), one term of degree 1 (expand does not multiply out through them;
//   their arguments are expanded on their own, so they count too, as a sum would).
// Counts saturate at infinity rather than overflow.
#pragma once

#include <ginac/ginac.h>

namespace kcost {

struct ExpansionSize {
  double terms = 1;   // how many terms the expansion has, at most
  double degree = 0;  // its total degree in symbols and opaque functions, at most
};

ExpansionSize expansion_size(const GiNaC::ex& e);

// The bounds past which an expansion is skipped: about a tenth of a second of GiNaC's time.
constexpr double kMaxExpandedTerms = 100000;
constexpr double kMaxExpandedDegree = 128;

// Whether expanding `e` (or dividing it as a polynomial) stays within both bounds.
bool cheap_to_expand(const GiNaC::ex& e);

}  // namespace kcost
