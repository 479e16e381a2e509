// The content GiNaC takes out of a sum with floats when the sum becomes a factor.
//
// GiNaC divides a sum it makes a factor by the sum's integer content c (the gcd of its numbers'
// numerators over the lcm of their denominators), and takes the sign out with it, so that
// (-x + a) * (3*x - 3*a) becomes -3 * (x - a) ** 2:
// - a product (mul::eval) divides every sum factor of exponent 1 whose c is not 1, or whose
//   first term (in GiNaC's hash order) has a coefficient that is not a positive integer over c;
// - a whole power (power::eval) divides its sum base only when that first coefficient over c is
//   an integer.
// Among exact numbers the two agree, and dividing is exact. With a float among the sum's numbers,
// c is 1 / (the lcm of the denominators of its rational numbers), and dividing a float by it
// rounds (16.8 over 1/12 is 201.60000000000002). A product divides such a sum either way (by -c
// when the first coefficient is a float), but a power only when the first term is a rational
// one: the same sum was held as it is or divided depending on the serials of its symbols, and
// its printed form, read back with other serials, was held the other way. `% b` of its 21st
// power made the rounding visible at every point (an expr_roundtrip finding:
// `(12 ** -1 + 4 * (b - 1e2 * -(2 + b) * e) * 4.2 - e) ** 21 / E % b`).
//
// So kcost makes a whole power of such a sum itself, as a product would divide it (Expr::pow),
// and multiplies a sum by itself through that power (operator*, rebuild.h): a sum with floats and
// a content other than 1 is then never a base GiNaC's power divides or not by the serials.
#pragma once

#include <optional>

#include <ginac/ginac.h>

namespace kcost {

struct SumContent {
  GiNaC::numeric content;  // c, its sign included: the sum is content * primitive
  GiNaC::ex primitive;     // the sum with each of its numbers divided by c, as GiNaC divides them
};

// For a sum with a float among its numbers (its terms' coefficients and its constant) and a
// content other than 1: the content a product takes out of it, with the sign it takes out (that
// of the first term's coefficient over c when that is a positive integer, else the opposite), and
// what is left. Nothing for anything else (an exact sum is divided exactly either way; a float sum
// of content 1 can only have its sign turned, which is exact).
std::optional<SumContent> float_sum_content(const GiNaC::ex& e);

}  // namespace kcost
