// Whether two expressions take one value at a few sample points: the identity test by evaluation
// (Schwartz and Zippel: two different polynomials agree at a random point with probability at
// most degree / size of the set the point is drawn from), for when the symbolic test
// (Expr::equivalent) cannot decide. GiNaC's normal form is not canonical for sums with float
// coefficients (it takes the sign and content out of a sum factor only when its coefficients are
// rational, and orders terms by hashes that depend on when each symbol was made), and a tree too
// large to expand cannot be compared term by term; evaluating both at the same points can.
//
// The points are fixed, not random. At the even points the i-th name (in name order, over the
// names of both expressions) takes a rational p / q, p and q distinct primes below 100 taken by a
// fixed walk, so each value lies between 1/9 and 9, none is an integer, and the first 21 names
// have 21 different values. At the odd points every name takes a small integer (1, 2 or 3): a
// power of a negative base to an exponent made of names is a complex number at a rational point
// (Python's `(-2.5) ** 0.5`) but real at an integer one, and powers of powers stay small there.
// The same pair of expressions always gets the same answer.
//
// Evaluation is python_eval.h's, with each float literal read as the exact rational the double
// is (FloatLiterals::exact): arithmetic is then exact, so neither the order GiNaC keeps a sum's
// terms in (which depends on when each symbol was made) nor a float overflow changes a value, and
// a floor division or modulo cannot land on either side of an integer by rounding alone. A point
// where both expressions divide by zero counts as one where they agree (Python raises for both:
// an expression with a factor 1 / 0 that GiNaC keeps, a sum with float terms that cancel, has no
// value anywhere, and neither has its printed form). A point where either has no value otherwise
// (a power too large, a complex result, or a division by zero in one only) is left out. Values agree when equal, or, with a float literal in either expression, when they
// differ by at most `relative` of the larger magnitude: GiNaC combines float coefficients as it
// builds a tree (3 * (a - 0.1 * x) holds 0.30000000000000004), and another form of the tree may
// combine them otherwise.
#pragma once

#include "expr/expr.h"

namespace kcost {

struct SampledEquality {
  int evaluated = 0;  // points where both expressions have a value
  int agreed = 0;     // of those, points where the values agree
  // At least `needed` points evaluated, and all of them agree.
  bool equal(int needed) const { return evaluated >= needed && agreed == evaluated; }
};

SampledEquality sample_equality(const Expr& a, const Expr& b, int points = 6, double relative = 1e-9);

}  // namespace kcost
