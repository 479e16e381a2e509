// Whether GiNaC's arithmetic may leave the float range. A float is a CLN double (number.h), and
// CLN throws when a float result overflows. GiNaC evaluates each sum, product and power it
// builds, on the heap, before anything owns it; an exception thrown inside that evaluation
// leaves what it had allocated unreachable, a leak on every such input (fuzz findings:
// `(m * 4.0) ** 848` in a power, `x * 1e300 * (1e10 * y)` in a product, which GiNaC distributes
// over a sum's coefficients inside its own evaluation, where no temporary can own it). So kcost
// refuses, before GiNaC runs it, arithmetic whose float may overflow, as Python refuses the
// float it would make (OverflowError, or "int too large to convert to float" when an integer
// beyond the range meets a float).
//
// The bounds follow what GiNaC combines when it builds a sum or a product: the coefficients of
// like terms; the numeric coefficients of two products, and with them the coefficients of a sum
// factor (GiNaC takes a sum factor's integer content out into the coefficient, and distributes
// a number over a sum that is the only other factor); the numeric exponents of a common base,
// and the content of a sum raised to their total. They only matter
// where a float is: exact numbers never overflow (their size is bounded where they are made:
// number::kMaxPowerBits). The extent of a number v is |log2 |v||: a small number counts as much
// as a large one, as GiNaC divides by a product factor by factor (1 / (1e-300 * x) holds 1e300).
#pragma once

#include <vector>

#include <ginac/ginac.h>

namespace kcost {

// The largest |log2| of a number kcost's arithmetic lets an expression with a float hold (about
// 1e307): a double overflows at 2 ** 1024, and the margin lets what kcost does with such an
// expression on its own (expand it, compare it with another) stay within kFloatLog2Range.
constexpr double kFloatLog2Limit = 1020;
// The largest |log2| kcost's own rewriting of an expression may reach: a bit below 2 ** 1024 for
// rounding and for the slack of an exact number's estimate (the lengths of its numerator and
// denominator); one bit above kFloatLog2Limit for an addition of like terms.
constexpr double kFloatLog2Range = 1022;

// log2 |v| of a nonzero real number, however large or small (an exact one may lie beyond the
// range of a double).
double log2_magnitude(const GiNaC::numeric& v);
// The extent of a number: |log2 |v||, 0 for zero or a number that is not real.
double extent_of(const GiNaC::numeric& v);

// A factor of a product as GiNaC holds it: a base and its exponent.
struct Factor {
  GiNaC::ex base;
  GiNaC::ex exponent;
};

// The numeric coefficient of e as a product, and its other factors: a number is all
// coefficient, a power to a number one factor, anything else but a product one factor to 1.
struct Product {
  GiNaC::numeric coefficient = 1;
  std::vector<Factor> factors;
};
Product product_of(const GiNaC::ex& e);

// The largest |log2 |v|| of a nonzero real number v anywhere in e; 0 when it has none.
double number_extent(const GiNaC::ex& e);

// Whether GiNaC's a + b (or a - b) may make a float beyond `limit`: when like terms of the two,
// one coefficient a float, have a coefficient beyond it with one bit more (an exact coefficient
// that meets a float one becomes a float).
bool sum_may_overflow(const GiNaC::ex& a, const GiNaC::ex& b, double limit = kFloatLog2Limit);
// The same for GiNaC's sum of all of `operands` at once.
bool sum_may_overflow(const GiNaC::exvector& operands, double limit = kFloatLog2Limit);
// Whether GiNaC's division of the coefficients of `sum` by its integer content (the lcm of the
// denominators over the gcd of the numerators of its exact coefficients: it does so to a sum it
// makes a factor of a product, or raises to a whole power) may leave the range where a float
// is: a float coefficient divided by it (by their values: a small float over a small content is
// a moderate number), or a number of extent `coefficient` (a float when `float_coefficient`)
// that the content then multiplies. A content beyond the float range is itself refused: as a
// float it is 0 (GiNaC's `(2 ** -1774 * a + 1.5) * m` divided by zero).
bool content_may_overflow(const GiNaC::ex& sum, double coefficient, bool float_coefficient,
                          double limit = kFloatLog2Limit);
// Whether GiNaC's a * b may: when the numbers it combines (above), one of them a float, have
// extents that add beyond `limit`. a / b is a * b ** -1 (Expr::pow bounds b ** -1).
bool product_may_overflow(const GiNaC::ex& a, const GiNaC::ex& b, double limit = kFloatLog2Limit);
// Whether raising `base` to the number `exponent` may make a float beyond `limit` in a number
// GiNaC raises at once: a float, or any number when the exponent is a float, that is the base or
// a factor of it (GiNaC raises a product factor by factor, (1e300 * x) ** 2.0 is 1e300 ** 2.0 *
// x ** 2.0), or a factor of a power's base when that power's exponent is a number (GiNaC folds
// the two exponents into one; under a symbolic exponent nothing is raised). Not the terms of a
// sum (GiNaC takes out only its integer content, and only to a whole power:
// content_may_overflow), nor a function's arguments (min(x, 1e300) ** 2).
bool power_may_overflow(const GiNaC::ex& base, const GiNaC::numeric& exponent, double limit = kFloatLog2Limit);

}  // namespace kcost
