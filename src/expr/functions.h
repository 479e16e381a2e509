// The GiNaC functions that stand for Python operations GiNaC lacks: `//`, `%`, min, max,
// comparisons, and/or/not, `a if c else b`, int(), math.floor, math.ceil, abs, math.log2. Each is a
// registered GiNaC function whose eval rule computes the Python result as soon as the
// arguments are numbers, so substituting numbers into a nested expression evaluates it.
// With symbols they stay unevaluated except for exact simplifications (min(a, a) -> a,
// (a*b) // b -> a, ...). Registration is lazy (first use), so there is no static-init order.
//
// Semantics chosen where Python and algebra differ:
// - `and`/`or` return one of their operands exactly like Python (`0 and 5` -> 0,
//   `3 and 5` -> 5, `0 or 5` -> 5); comparisons and `not` return 1 or 0 (True/False).
// - `//` and `%` with symbols assume integer-valued symbols for their simplifications:
//   (a*b) // b -> a, x // 1 -> x, (a*b) % b -> 0 when the quotient is a polynomial with
//   integer coefficients. No other rule assumes anything about symbols.
// - Comparisons, min and max of two symbolic expressions decide when their difference is an
//   exact rational number (a + 1 > a -> 1, min(a, a + 2) -> a).
// - `not` of a comparison is the opposite comparison (not a < b -> a >= b).
#pragma once

#include <ginac/ginac.h>

#include <optional>

namespace kcost {

enum class PyOp {
  floordiv,  // a // b
  mod,       // a % b
  min,       // min(a, b)
  max,       // max(a, b)
  lt,        // a < b
  le,        // a <= b
  gt,        // a > b
  ge,        // a >= b
  eq,        // a == b
  ne,        // a != b
  logical_and,  // a and b
  logical_or,   // a or b
  logical_not,  // not a
  if_else,      // (cond, then, otherwise): then if cond else otherwise
  trunc,        // int(a)
  floor,        // math.floor(a)
  ceil,         // math.ceil(a)
  abs,          // abs(a)
  log2,         // math.log2(a): a float, as Python's (exact k.0 for a power of two 2**k)
};

// Builds (and evaluates) the function for `op`. Throws ExprError (e.g. division by zero).
GiNaC::ex py_call(PyOp op, const GiNaC::ex& a);
GiNaC::ex py_call(PyOp op, const GiNaC::ex& a, const GiNaC::ex& b);
GiNaC::ex py_call(PyOp op, const GiNaC::ex& a, const GiNaC::ex& b, const GiNaC::ex& c);

// Which Python operation `e` is, if it is one of these functions.
std::optional<PyOp> py_op(const GiNaC::ex& e);
// Whether `e` is a call of Python operation `op` (is_py_op(e, PyOp::min): e is min(...)).
bool is_py_op(const GiNaC::ex& e, PyOp op);

// The parts of a sum or a product as GiNaC holds them (both are an expairseq), read through
// member pointers of a class that may name them. Its pairs: (rest, numeric coefficient) for the
// terms of a sum, (base, exponent) for the factors of a product; GiNaC combines two pairs whose
// rests are equal. op(i) recombines a pair into a new object, which costs an allocation and can
// round a coefficient (printer.cpp). Its number: a sum's constant, a product's coefficient,
// which GiNaC leaves out of the operands when it is 0 (or 1), even a float zero (x + y + 3.0 -
// 3.0 holds x + y and 0.0).
const GiNaC::epvector& pairs_of(const GiNaC::expairseq& e);
const GiNaC::ex& number_of(const GiNaC::expairseq& e);

// True for the comparison operations lt..ne.
bool is_comparison(PyOp op);

// Whether a number that is not rational (a float) occurs anywhere in `e`, a sum's float zero
// constant included (x + 0.0 is a float in Python; number_of), and a product's float coefficient
// 1.0, which GiNaC leaves out of its operands as it does 1 (`a * b * 1.0`).
bool has_float(const GiNaC::ex& e);
// Whether such a float occurs in `e` outside the exponents of its powers. The printer moves
// exponents about (`x ** -0.1` is written `1 / x ** 0.1`, a power -1 of a base whose only float
// is its exponent); the coefficients it keeps where they are.
bool has_float_outside_exponents(const GiNaC::ex& e);
// A float 1.0 or -1.0. The printer writes them as the integers 1 and -1 (`-1.0 * x` as `-x`),
// inside function arguments too, so what simplifies takes them for those integers, or a form and
// its printed text would simplify differently (fuzz findings: `(-1.0 * j * c) % 1`, and
// `(x * -1.0 // n) // -1.0`, whose printed form `-x // n // -1.0` is `-(-x // n)`).
bool is_unit_float(const GiNaC::numeric& n);
// `n`, or for a float 1.0 or -1.0 the integer 1 or -1 the printer writes for it.
GiNaC::numeric exact_unit(const GiNaC::numeric& n);
// Whether a float 1.0 or -1.0 occurs anywhere in `e`, a product's coefficient 1.0 and a sum's term
// coefficient 1.0 included (has_unit_float_coefficient; the
// printer writes `1.0 * x` as `x`, so what simplifies must not depend on it; expr.cpp and
// functions.cpp make them exact).
bool has_unit_float(const GiNaC::ex& e);
// Whether `e` is a product whose coefficient is the float 1.0, or a sum with a term whose
// coefficient is 1.0 (or -1.0), which GiNaC holds but leaves out of its operands (`a * b * 1.0`;
// a sum's op(i) is the term's rest alone when its coefficient equals 1): a rewrite that maps the
// operands and finds none changed keeps it. GiNaC makes such a term when it divides a sum factor by
// its content: `(0.5 * e + y / 2) * x` holds `x * (1.0 * e + y) / 2` (an expr_roundtrip finding:
// has_float missed that 1.0, and the input, taken for exact, had to print one text at once).
bool has_unit_float_coefficient(const GiNaC::ex& e);

}  // namespace kcost
