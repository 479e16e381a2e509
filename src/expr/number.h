// Python semantics on GiNaC numbers. Integers and rationals are exact; a Python float is a
// GiNaC numeric holding an IEEE double (cln::cl_DF), so float arithmetic rounds like Python's
// (CLN keeps the smaller precision when float formats mix). Floor division, modulo, powers,
// comparisons, truthiness, int()/math.floor/math.ceil/abs and float repr follow CPython.
// Failures (division by zero, overflow, complex results) throw ExprError.
#pragma once

#include <ginac/ginac.h>

#include <string>

namespace kcost::number {

// A Python float. Throws ExprError for infinities and NaN, which have no literal.
GiNaC::numeric make_float(double value);
// True for floats (real and not rational).
bool is_float(const GiNaC::numeric& n);
// The exact rational a number is: a float's double as the fraction it stands for (0.1 is
// 3602879701896397 / 2 ** 55); an exact number as it is.
GiNaC::numeric exact_value(const GiNaC::numeric& n);
// True for real numbers, exact or float.
bool is_real(const GiNaC::ex& e);
// The value as a double, like Python's float(n); throws ExprError when out of range.
double as_double(const GiNaC::numeric& n);

bool truthy(const GiNaC::numeric& n);              // Python bool(n): nonzero
int compare(const GiNaC::numeric& a, const GiNaC::numeric& b);  // exact, -1/0/1
GiNaC::numeric floordiv(const GiNaC::numeric& a, const GiNaC::numeric& b);  // a // b
GiNaC::numeric mod(const GiNaC::numeric& a, const GiNaC::numeric& b);       // a % b
// The most bits an exact power may have (about 300,000 decimal digits; an expression's own
// numbers are bounded at 4300 digits, its intermediate results here): far beyond any cost, and
// small enough that bad input (a fuzzed tower of powers such as `10 ** 170040 * 4440 * ...`)
// cannot spend minutes multiplying numbers of millions of digits. A larger power is an ExprError.
constexpr double kMaxPowerBits = 1000000;
// The bits of an exact number: the longer of its numerator and denominator.
double bit_length(const GiNaC::numeric& n);
// a ** b. Exact for a rational base and an integer exponent (2**-1 is 1/2, not 0.5); a
// non-integer exponent is a Python float exponent (1/2 is 0.5 in Python), the result a float.
// An exact power of more than `max_bits` bits is refused before it is made.
GiNaC::numeric pow(const GiNaC::numeric& a, const GiNaC::numeric& b, double max_bits = kMaxPowerBits);
GiNaC::numeric trunc(const GiNaC::numeric& n);   // int(n): an exact integer
GiNaC::numeric floor(const GiNaC::numeric& n);   // math.floor(n): an exact integer
GiNaC::numeric ceil(const GiNaC::numeric& n);    // math.ceil(n): an exact integer
GiNaC::numeric abs(const GiNaC::numeric& n);     // abs(n), float stays float
// math.log2(n): a float, as CPython computes it (log2 of the double; exactly k.0 for 2**k);
// throws ExprError ("math domain error") for n <= 0.
GiNaC::numeric log2(const GiNaC::numeric& n);

// Python's repr() of a float: the shortest text that reads back as the same double, e.g.
// "0.5", "1e-06", "100.0", "1e+16", "-2.5".
std::string float_repr(double value);

}  // namespace kcost::number
