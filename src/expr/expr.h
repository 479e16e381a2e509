// Expr: a symbolic cost expression with Python semantics, wrapping a GiNaC::ex. Built by
// parsing Python expression text (never eval) or from the arithmetic building blocks below;
// printed back as stable Python text. Integers and rationals are exact and of any size, `/` is
// exact rational division, floats are Python floats (IEEE doubles). Symbols are identified by
// name ("config.hidden_size", "batch_size"): the same name is the same GiNaC symbol
// everywhere, so expressions built anywhere compare equal. Not thread-safe (nor is GiNaC).
#pragma once

#include <ginac/ginac.h>

#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

#include "expr/error.h"

namespace kcost {

// What Expr::equivalence found.
enum class Equivalence { equal, different, undecided };

class Expr {
 public:
  Expr();                          // 0
  Expr(long long value);           // implicit, integers
  // Not from a float: it would convert to the integer (Expr(-0.5) was 0). Use from_double.
  template <typename F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0>
  Expr(F value) = delete;
  explicit Expr(const GiNaC::ex& e);

  // Parses the Python expression subset (see parser.h); throws ExprError with the column.
  static Expr parse(std::string_view text);
  // The symbol of that name: identifiers joined by dots, e.g. "config.hidden_size", "M".
  // Throws ExprError for other names (they could not be printed as Python).
  static Expr symbol(const std::string& name);
  static Expr number(const GiNaC::numeric& n);
  // A Python float (IEEE double); throws ExprError for inf and NaN.
  static Expr from_double(double value);

  const GiNaC::ex& ex() const { return e_; }
  std::string str() const;          // Python syntax, see printer.h
  bool is_number() const;           // a real number (constant subexpressions are evaluated)
  GiNaC::numeric as_number() const; // throws ExprError if not a number
  std::set<std::string> symbols() const;  // names of the free symbols

  // Simultaneous substitution by name; names that do not occur are ignored. Evaluates what
  // becomes constant, eagerly: a literal division by zero anywhere is an error even inside
  // an untaken branch (eval, by contrast, short-circuits).
  Expr subs(const std::map<std::string, Expr>& values) const;
  // Exact evaluation at the given values (see python_eval.h): `and`, `or` and `if` short-circuit
  // like Python. Every symbol must have a value: throws ExprError naming the first unbound
  // one in name order ("unbound symbol 'config.x' in 'config.x * 2'"), and for division by
  // zero and the like ("division by zero in 'x / y'").
  GiNaC::numeric eval(const std::map<std::string, GiNaC::numeric>& values) const;

  // Polynomial expansion (for readable totals). An expression whose expansion would be large
  // (expansion_size.h: `(a + b + c + d) ** 200` has 1.37 million terms) is returned as it is.
  Expr expand() const;

  // Structural equality after GiNaC's automatic normalization: a*b == b*a, a + a == 2*a,
  // but (a + b)**2 != a**2 + 2*a*b + b**2 (see equivalent).
  bool operator==(const Expr& other) const;
  bool operator!=(const Expr& other) const { return !(*this == other); }
  // Equal after expansion ((a + b)**2 is equivalent to a**2 + 2*a*b + b**2), inside function
  // arguments too (min(a * (b + 1), c) to min(a * b + a, c)), with whole float exponents taken
  // as integers ((3 - b)**-1.0 is equivalent to -1 / (b - 3)) and floats 1.0 and -1.0 as the
  // integers the printer writes (min(-1.0 * x, y) is equivalent to min(-x, y)). A power whose expansion would be
  // large (expansion_size.h) is compared as a whole (its base expanded): (a + b + c)**2000 and
  // (c + a + b)**2000 are the same, and so are (a - 0.5 * b)**2000 and (0.5 * b - a)**2000;
  // (a + b)**2000 and its expansion are not known to be (false).
  // Numbers compare by value here (2.0 * x is equivalent to 2 * x), through GiNaC's order, which
  // makes two equal-valued parts of the expressions share one tree: a float of one can become the
  // exact number of the other. Print both before comparing them so (exact_compare.h).
  bool equivalent(const Expr& other) const;
  // The same test, saying when it cannot decide: `equal`; `different` (the expansions differ by
  // more than float rounding, every part normalized); `undecided` where a step was too large to
  // take (an expansion past expansion_size.h's bounds or past `work`, a float sum that may
  // overflow) or the difference is left where a large power's base could not be expanded.
  // `work` bounds the expansions of the whole comparison (expansion_size.h's work, summed):
  // by default a few expansions at expansion_size.h's bound, a second or so; a caller comparing
  // many expressions (the expr_roundtrip fuzz harness) may afford less.
  Equivalence equivalence(const Expr& other, double work = kComparisonWork) const;
  static constexpr double kComparisonWork = 400000;

  // Arithmetic with Python semantics; all throw ExprError on division by zero and overflow.
  friend Expr operator+(const Expr& a, const Expr& b);
  friend Expr operator-(const Expr& a, const Expr& b);
  friend Expr operator*(const Expr& a, const Expr& b);
  friend Expr operator/(const Expr& a, const Expr& b);  // true division, exact rational
  friend Expr operator-(const Expr& a);
  Expr& operator+=(const Expr& b) { return *this = *this + b; }
  Expr& operator-=(const Expr& b) { return *this = *this - b; }
  Expr& operator*=(const Expr& b) { return *this = *this * b; }
  Expr& operator/=(const Expr& b) { return *this = *this / b; }

  // base ** exp: exact for integer exponents; a non-integer rational exponent is a Python
  // float (x ** (1/2) is x ** 0.5).
  static Expr pow(const Expr& base, const Expr& exp);
  static Expr floordiv(const Expr& a, const Expr& b);  // a // b, floor semantics
  static Expr mod(const Expr& a, const Expr& b);       // a % b, sign of b
  static Expr min(const Expr& a, const Expr& b);
  static Expr max(const Expr& a, const Expr& b);
  // op is one of "<", "<=", ">", ">=", "==", "!="; the value is 1 or 0.
  static Expr compare(const std::string& op, const Expr& a, const Expr& b);
  // Python's `a and b` / `a or b`: the value is one of the operands (`0 and 5` is 0, `3 and 5`
  // is 5, `0 or 5` is 5), decided as soon as `a` is a number; `not a` is 1 or 0.
  static Expr logical_and(const Expr& a, const Expr& b);
  static Expr logical_or(const Expr& a, const Expr& b);
  static Expr logical_not(const Expr& a);
  // `then if cond else otherwise`
  static Expr if_else(const Expr& cond, const Expr& then, const Expr& otherwise);
  static Expr trunc(const Expr& a);  // int(a), towards zero
  static Expr floor(const Expr& a);  // math.floor(a)
  static Expr ceil(const Expr& a);   // math.ceil(a)
  static Expr log2(const Expr& a);   // math.log2(a): a float (exactly k.0 for 2**k)
  static Expr abs(const Expr& a);    // abs(a)

 private:
  GiNaC::ex e_;
};

std::ostream& operator<<(std::ostream& out, const Expr& e);

}  // namespace kcost
