#include "expr/printer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <vector>

#include "expr/exact_compare.h"
#include "expr/functions.h"
#include "expr/number.h"

namespace kcost {

namespace {

using GiNaC::ex;
using GiNaC::numeric;

// Python's precedence levels, loosest first.
enum Prec {
  kIfElse = 0,  // a if c else b
  kOr,          // or
  kAnd,         // and
  kNot,         // not
  kCompare,     // < <= > >= == !=
  kSum,         // + -
  kProduct,     // * / // %
  kUnary,       // -x
  kPower,       // **
  kAtom,        // names, numbers, calls, parenthesized
};

struct Printed {
  std::string text;
  int prec;
};

Printed print(const ex& e);

const numeric& num(const ex& e) { return GiNaC::ex_to<numeric>(e); }

// `p` as an operand that must bind at least as tightly as `min_prec`.
std::string operand(const Printed& p, int min_prec) {
  return p.prec < min_prec ? "(" + p.text + ")" : p.text;
}
std::string operand(const ex& e, int min_prec) { return operand(print(e), min_prec); }

std::string integer_text(const numeric& n) {
  std::ostringstream out;
  out << n;
  return out.str();
}

Printed print_number(const numeric& n) {
  if (n.is_integer()) return {integer_text(n), n.is_negative() ? kUnary : kAtom};
  if (n.is_rational()) return {integer_text(n.numer()) + " / " + integer_text(n.denom()), kProduct};
  if (n.is_real()) {
    double d = n.to_double();
    return {number::float_repr(d), d < 0 ? kUnary : kAtom};
  }
  return {"complex(" + print_number(n.real()).text + ", " + print_number(n.imag()).text + ")",
          kAtom};
}

// --- products -----------------------------------------------------------------------------

struct Factor {
  std::string text;    // parenthesized as a factor of a product
  Printed printed;     // unparenthesized
  bool denominator;    // printed after `/` (a negative power)
  bool sum = false;        // a sum (printed in parentheses)
  bool float_sum = false;  // a sum with a float in it
  // The sort key: group (0 plain symbols, 1 dotted symbols, 2 the rest), then the base,
  // then the numeric exponent, highest first (a**2 before a * b, as in a**2 + 2 * a * b).
  int group;
  std::string base;
  numeric exponent;
};

bool operator<(const Factor& a, const Factor& b) {
  if (a.group != b.group) return a.group < b.group;
  if (a.base != b.base) return a.base < b.base;
  if (a.exponent != b.exponent) return a.exponent > b.exponent;
  return a.text < b.text;
}

bool negative_power(const ex& e) {
  return GiNaC::is_exactly_a<GiNaC::power>(e) && number::is_real(e.op(1)) &&
         num(e.op(1)).is_negative();
}

// Whether e is a whole power of a sum: (a + b)**n, n an integer.
bool whole_power_of_sum(const ex& e) {
  return GiNaC::is_exactly_a<GiNaC::power>(e) && GiNaC::is_exactly_a<GiNaC::add>(e.op(0)) &&
         GiNaC::is_exactly_a<numeric>(e.op(1)) && num(e.op(1)).is_integer();
}

// Whether e is a whole power of a sum other than 1 or -1, which GiNaC would make again with the
// sign of the sum taken out its own way (split(), below, takes it out the printer's way).
bool sign_held(const ex& e) { return whole_power_of_sum(e) && !GiNaC::abs(num(e.op(1))).is_equal(1); }

Factor make_factor(const ex& e) {
  Factor f;
  f.denominator = negative_power(e);
  ex shown = !f.denominator ? e
             : sign_held(e)  ? GiNaC::power(e.op(0), -e.op(1)).hold()
                             : GiNaC::pow(e.op(0), -e.op(1));
  f.printed = print(shown);
  f.text = operand(f.printed, kUnary);
  f.sum = GiNaC::is_exactly_a<GiNaC::add>(shown);
  f.float_sum = f.sum && has_float(shown);
  bool numeric_power = GiNaC::is_exactly_a<GiNaC::power>(e) && number::is_real(e.op(1));
  const ex& base = numeric_power ? e.op(0) : e;
  if (GiNaC::is_a<GiNaC::symbol>(base))
    f.group = GiNaC::ex_to<GiNaC::symbol>(base).get_name().find('.') == std::string::npos ? 0 : 1;
  else
    f.group = 2;
  f.base = numeric_power ? operand(base, kAtom) : f.text;
  f.exponent = numeric_power ? num(e.op(1)) : numeric(1);
  return f;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// coeff * factors, the factors already sorted.
Printed compose(const numeric& coeff, const std::vector<Factor>& factors) {
  std::vector<std::string> num_parts, den_parts;
  size_t num_factors = 0;
  for (const Factor& f : factors) num_factors += !f.denominator;
  bool negate = false;
  // A float coefficient of 1.0 or -1.0 before factors prints as 1 or -1 would: GiNaC drops the
  // 1.0 of `1.0 * x` when it parses it, so `y - 1.0 * x` would print back as `y - x`.
  if (!factors.empty() && is_unit_float(coeff))
    return compose(coeff.is_negative() ? numeric(-1) : numeric(1), factors);
  // A number before a sum that leads the factors, where the number or the sum is a float: `8.0 *
  // (a + b) / c` would read back as `(8.0 * a + 8.0 * b) / c`, as GiNaC multiplies a number into
  // a lone sum as soon as the two meet and takes it out again only of a rational sum; each print
  // and read pushed the float one sum deeper (a fuzz finding). The number is written before the
  // product of the factors, which it then meets: `8.0 * ((a + b) / c)`.
  const auto lead = std::find_if(factors.begin(), factors.end(), [](const Factor& f) { return !f.denominator; });
  if (factors.size() > 1 && lead != factors.end() && lead->sum && (!coeff.is_rational() || lead->float_sum) &&
      !coeff.is_equal(1) && !coeff.is_equal(-1)) {
    const Printed rest = compose(1, factors);
    return {print_number(coeff).text + " * (" + rest.text + ")", kProduct};
  }
  if (!coeff.is_rational()) {
    num_parts.push_back(print_number(coeff).text);  // `-0.5 * x` reads as (-0.5) * x
  } else {
    numeric p = coeff.numer(), q = coeff.denom();
    if (p.is_equal(-1) && num_factors) {
      negate = true;
    } else if (!p.is_equal(1) || num_factors == 0) {
      num_parts.push_back(integer_text(p));
    }
    if (!q.is_equal(1)) den_parts.push_back(integer_text(q));
  }
  // The same meeting in a denominator: `x / (6**684 * (2.0 * b + 10.0))` reads `6**684 * (...)`
  // first, and GiNaC multiplies the number into the lone sum, which leaves the float range (an
  // expr_roundtrip finding: `(b * 6**-114 - 2)**6 / ((5 + b) * 2.)`, refused when read back) or
  // rounds its floats otherwise. The number is divided on its own: `x / 6**684 / (2.0 * b + 10.0)`.
  const auto den_lead = std::find_if(factors.begin(), factors.end(), [](const Factor& f) { return f.denominator; });
  const bool divide_apart = den_parts.size() == 1 && den_lead != factors.end() && den_lead->float_sum;
  const Factor* single = nullptr;
  for (const Factor& f : factors) {
    (f.denominator ? den_parts : num_parts).push_back(f.text);
    if (!f.denominator) single = &f;
  }
  if (num_parts.size() == 1 && den_parts.empty() && !negate) {
    if (single) return single->printed;
    return print_number(coeff);
  }
  std::string text = (negate ? "-" : "") + join(num_parts, " * ");
  if (den_parts.empty())
    return {text, num_parts.size() == 1 ? kUnary : kProduct};
  if (divide_apart) {  // den_parts[0] is the number
    text += " / " + den_parts[0];
    den_parts.erase(den_parts.begin());
  }
  text += " / ";
  text += den_parts.size() == 1 ? den_parts[0] : "(" + join(den_parts, " * ") + ")";
  return {text, kProduct};
}

// Total degree, for ordering the terms of a sum; functions count as their largest argument.
numeric degree(const ex& e) {
  if (GiNaC::is_a<GiNaC::symbol>(e)) return 1;
  if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    numeric d = 0;
    for (size_t i = 0; i < e.nops(); ++i) d += degree(e.op(i));
    return d;
  }
  if (GiNaC::is_exactly_a<GiNaC::power>(e)) {
    numeric d = degree(e.op(0));
    if (!number::is_real(e.op(1))) return d;
    numeric exponent = num(e.op(1));
    // A float exponent of a whole value (N**-1.0) is printed as that whole number (1 / N), and
    // GiNaC holds N**-1.0 equal to N**-1: the same degree, so both print alike.
    if (!exponent.is_rational()) {
      const double v = exponent.to_double();
      if (v != std::floor(v) || std::fabs(v) > 1e15) return d;
      exponent = numeric(static_cast<long>(v));
    }
    return d * exponent;
  }
  if (GiNaC::is_exactly_a<GiNaC::add>(e) || GiNaC::is_exactly_a<GiNaC::function>(e)) {
    numeric d = 0;
    for (size_t i = 0; i < e.nops(); ++i) d = std::max(d, degree(e.op(i)));
    return d;
  }
  return 0;
}

struct Term {
  numeric coeff;
  std::vector<Factor> factors;
  numeric degree;
};

// The terms of a sum in print order: by degree, highest first, then by the factors (a**2,
// a * b, b**2), then numbers last.
std::vector<Term> sorted_terms(const ex& e);

// What one to_python call has printed, by subexpression: a sum's terms are split (and their
// factors printed) to sort them, a power's base printed again for its sort key, so a nested
// expression would otherwise be printed again at each level, 2**depth times (a fuzz finding
// took 27 s).
// Its keys are ordered by exact_compare, never taking a float for the exact number of its value
// (GiNaC's order held 6.0 and 6 equal and made the two share one tree, so a lookup of 6 in a memo
// that held 6.0 turned the printed expression's 6 into 6.0: `x // 6 % 6.0` printed as
// `x // 6 % 6`, which reads back as 0 when multiplied by 54; a fuzz finding).
struct PrintMemo {
  std::map<ex, Printed, ExactLess> printed;
  std::map<ex, std::vector<Term>, ExactLess> terms;
};
thread_local PrintMemo* memo = nullptr;

Printed print_uncached(const ex& e);
std::vector<Term> sorted_terms_uncached(const ex& e);

Printed print(const ex& e) {
  if (!memo) return print_uncached(e);
  auto found = memo->printed.find(e);
  if (found != memo->printed.end()) return found->second;
  Printed p = print_uncached(e);
  memo->printed.emplace(e, p);
  return p;
}

std::vector<Term> sorted_terms(const ex& e) {
  if (!memo) return sorted_terms_uncached(e);
  auto found = memo->terms.find(e);
  if (found != memo->terms.end()) return found->second;
  std::vector<Term> terms = sorted_terms_uncached(e);
  memo->terms.emplace(e, terms);
  return terms;
}

bool negative(const numeric& n) { return n.is_real() && n.is_negative(); }

// Whether e is a whole power of a sum whose first term (in print order) is negative, and that of
// the negated sum is not: terms that print alike but for their coefficients are ordered by them,
// so `8 * e * (2.0 * b - 0.25) - 8 * e * (2.0 * b - 0.25)` (two terms GiNaC keeps apart) leads
// with a negative term either way round, and is left as it is.
bool power_of_negative_sum(const ex& e) {
  if (!whole_power_of_sum(e) || !negative(sorted_terms(e.op(0))[0].coeff)) return false;
  const ex negated = -e.op(0);  // made only for a sum that leads with a negative term
  return GiNaC::is_exactly_a<GiNaC::add>(negated) && !negative(sorted_terms(negated)[0].coeff);
}

// Splits a term of a sum (or a product) into its numeric coefficient and sorted factors. A sum
// among the factors is taken with its first term (in print order) positive, the sign moved to
// the coefficient: -x * (a - b) and x * (b - a) are one expression that GiNaC may hold either
// way, depending on the order in which symbols were created; both print `-x * (a - b)`. So is
// the base of a whole power of a sum, the sign of an odd power moved to the coefficient: GiNaC
// takes the sign out of such a base by its own order of the terms (by hash) and folds a -1 into
// an odd power of a sum, so `((a + 1.5 * b) * (c - d) + 1)**3` read back as
// `-((a + 1.5 * b) * (d - c) - 1)**3` and that, printed, read back as the first: the two texts
// took turns at each print (an expr_roundtrip finding).
void split(const ex& e, numeric* coeff, std::vector<Factor>* factors) {
  *coeff = 1;
  auto add_factor = [&](const ex& f) {
    if (GiNaC::is_exactly_a<numeric>(f)) {
      *coeff *= num(f);
    } else if (GiNaC::is_exactly_a<GiNaC::add>(f) && negative(sorted_terms(f)[0].coeff)) {
      *coeff *= -1;
      factors->push_back(make_factor(-f));
    } else if (power_of_negative_sum(f)) {
      if (num(f.op(1)).is_odd()) *coeff *= -1;
      factors->push_back(make_factor(GiNaC::power(-f.op(0), f.op(1)).hold()));
    } else {
      factors->push_back(make_factor(f));
    }
  };
  if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    for (size_t i = 0; i < e.nops(); ++i) add_factor(e.op(i));
  } else {
    add_factor(e);
  }
  std::sort(factors->begin(), factors->end());
}

// A sum's terms as GiNaC holds them, each a rest and its coefficient (pairs_of). Its operands
// (op(i)) multiply the two, and a rest may hold a float 1.0 GiNaC does not show (`1.0 * e / m` is
// the product e / m with 1.0 for its number, which equals 1): `e / m / -1. + a / K` raised to a
// power holds e / m (with that 1.0) times the integer K, whose op(i) is the float K rounded (a
// fuzz finding: printed so, it read back as a different sum). The coefficient is the pair's, as
// a float 1.0 is written as the 1 it equals (compose), and a float where that 1.0 makes the term
// a float and a double holds the pair's coefficient exactly: `2 * (1.0 * y / r)` is written
// `2.0 * y / r`, as GiNaC reads it (op(i)), not the exact `2 * y / r` (an expr_roundtrip finding:
// kcost's comparison, which reads terms through op(i), took the two for different sums).
std::vector<Term> sorted_terms_uncached(const ex& e) {
  const GiNaC::epvector& pairs = pairs_of(GiNaC::ex_to<GiNaC::add>(e));
  std::vector<Term> terms;
  for (const GiNaC::expair& pair : pairs) {
    Term& t = terms.emplace_back();
    split(pair.rest, &t.coeff, &t.factors);
    t.coeff *= num(pair.coeff);
    if (has_unit_float_coefficient(pair.rest) && t.coeff.is_rational()) {
      const double d = t.coeff.to_double();
      if (std::isfinite(d) && number::exact_value(number::make_float(d)) == t.coeff) t.coeff = number::make_float(d);
    }
    t.degree = degree(pair.rest);
  }
  const ex& constant = number_of(GiNaC::ex_to<GiNaC::add>(e));
  if (!num(constant).is_zero()) {  // the number, an operand of the sum when it is not zero
    Term& t = terms.emplace_back();
    split(constant, &t.coeff, &t.factors);
    t.degree = degree(constant);
  }
  std::sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) {
    if (a.degree != b.degree) return a.degree > b.degree;
    if (a.factors.empty() != b.factors.empty()) return b.factors.empty();
    if (std::lexicographical_compare(a.factors.begin(), a.factors.end(), b.factors.begin(),
                                     b.factors.end()))
      return true;
    if (std::lexicographical_compare(b.factors.begin(), b.factors.end(), a.factors.begin(),
                                     a.factors.end()))
      return false;
    return a.coeff.compare(b.coeff) < 0;
  });
  return terms;
}

Printed print_product(const ex& e) {
  numeric coeff;
  std::vector<Factor> factors;
  split(e, &coeff, &factors);
  return compose(coeff, factors);
}

// --- sums ---------------------------------------------------------------------------------

Printed print_sum(const ex& e) {
  std::vector<Term> terms = sorted_terms(e);
  if (negative(terms[0].coeff)) {  // `b - a` and `1 - x` read better than `-a + b`, `-x + 1`
    for (size_t i = 1; i < terms.size(); ++i) {
      if (!negative(terms[i].coeff)) {
        std::rotate(terms.begin(), terms.begin() + i, terms.begin() + i + 1);
        break;
      }
    }
  }
  std::string text = operand(compose(terms[0].coeff, terms[0].factors), kSum);
  for (size_t i = 1; i < terms.size(); ++i) {
    const Term& t = terms[i];
    bool minus = negative(t.coeff);
    text += minus ? " - " : " + ";
    text += operand(compose(minus ? -t.coeff : t.coeff, t.factors), kSum + 1);
  }
  // A float zero still makes the sum a float: written, so that it reads back the same (a
  // comparison with it stays undecided, as floats decide nothing; functions.cpp known_sign).
  const ex& constant = number_of(GiNaC::ex_to<GiNaC::add>(e));
  if (GiNaC::is_exactly_a<numeric>(constant) && num(constant).is_zero() && !num(constant).is_rational()) text += " + 0.0";
  return {text, kSum};
}

// --- powers and functions -----------------------------------------------------------------

Printed print_power(const ex& e) {
  if (negative_power(e) || power_of_negative_sum(e)) return print_product(e);  // 1 / x**2, -(a - b)**3
  return {operand(e.op(0), kAtom) + "**" + operand(e.op(1), kUnary), kPower};
}

Printed binary(const ex& e, const char* op, int prec) {
  return {operand(e.op(0), prec) + " " + op + " " + operand(e.op(1), prec + 1), prec};
}

Printed call(const std::string& name, const std::vector<ex>& args) {
  std::string text = name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) text += ", ";
    text += print(args[i]).text;
  }
  return {text + ")", kAtom};
}

const char* comparison_symbol(PyOp op) {
  switch (op) {
    case PyOp::lt: return "<";
    case PyOp::le: return "<=";
    case PyOp::gt: return ">";
    case PyOp::ge: return ">=";
    case PyOp::eq: return "==";
    default: return "!=";
  }
}

// `a < b and b < c` (as parsed from `a < b < c`): the operands and operators of the chain.
bool comparison_chain(const ex& e, std::vector<ex>* operands, std::vector<PyOp>* ops) {
  auto op = py_op(e);
  if (!op) return false;
  if (is_comparison(*op)) {
    *operands = {e.op(0), e.op(1)};
    *ops = {*op};
    return true;
  }
  if (*op != PyOp::logical_and || !comparison_chain(e.op(0), operands, ops)) return false;
  const ex& right = e.op(1);
  auto right_op = py_op(right);
  if (!right_op || !is_comparison(*right_op) || !right.op(0).is_equal(operands->back()))
    return false;
  operands->push_back(right.op(1));
  ops->push_back(*right_op);
  return true;
}

Printed print_comparison(const std::vector<ex>& operands, const std::vector<PyOp>& ops) {
  std::string text = operand(operands[0], kCompare + 1);
  for (size_t i = 0; i < ops.size(); ++i)
    text += std::string(" ") + comparison_symbol(ops[i]) + " " + operand(operands[i + 1], kCompare + 1);
  return {text, kCompare};
}

Printed print_function(const ex& e) {
  auto op = py_op(e);
  if (!op) {  // a GiNaC function kcost does not build itself
    std::vector<ex> args(e.begin(), e.end());
    return call(GiNaC::ex_to<GiNaC::function>(e).get_name(), args);
  }
  switch (*op) {
    case PyOp::floordiv: return binary(e, "//", kProduct);
    case PyOp::mod: return binary(e, "%", kProduct);
    case PyOp::min:
    case PyOp::max: {
      // min(min(a, b), c) is Python's min(a, b, c); only the first argument flattens.
      std::vector<ex> args;
      ex first = e;
      while (py_op(first) == op) {
        args.push_back(first.op(1));
        first = first.op(0);
      }
      args.push_back(first);
      std::reverse(args.begin(), args.end());
      return call(*op == PyOp::min ? "min" : "max", args);
    }
    case PyOp::logical_and: {
      std::vector<ex> operands;
      std::vector<PyOp> ops;
      if (comparison_chain(e, &operands, &ops)) return print_comparison(operands, ops);
      return binary(e, "and", kAnd);
    }
    case PyOp::logical_or: return binary(e, "or", kOr);
    case PyOp::logical_not: return {"not " + operand(e.op(0), kNot), kNot};
    case PyOp::if_else:
      return {operand(e.op(1), kOr) + " if " + operand(e.op(0), kOr) + " else " +
                  operand(e.op(2), kIfElse),
              kIfElse};
    case PyOp::trunc: return call("int", {e.op(0)});
    case PyOp::floor: return call("math.floor", {e.op(0)});
    case PyOp::ceil: return call("math.ceil", {e.op(0)});
    case PyOp::abs: return call("abs", {e.op(0)});
    case PyOp::log2: return call("math.log2", {e.op(0)});
    default: return print_comparison({e.op(0), e.op(1)}, {*op});
  }
}

Printed print_uncached(const ex& e) {
  if (GiNaC::is_exactly_a<numeric>(e)) return print_number(num(e));
  if (GiNaC::is_a<GiNaC::symbol>(e)) return {GiNaC::ex_to<GiNaC::symbol>(e).get_name(), kAtom};
  if (GiNaC::is_exactly_a<GiNaC::add>(e)) return print_sum(e);
  if (GiNaC::is_exactly_a<GiNaC::mul>(e)) return print_product(e);
  if (GiNaC::is_exactly_a<GiNaC::power>(e)) return print_power(e);
  if (GiNaC::is_exactly_a<GiNaC::function>(e)) return print_function(e);
  std::ostringstream out;  // not built by kcost; GiNaC's own form
  out << e;
  return {"(" + out.str() + ")", kAtom};
}

}  // namespace

std::string to_python(const GiNaC::ex& e) {
  if (memo) return print(e).text;
  PrintMemo here;
  memo = &here;
  try {
    std::string text = print(e).text;
    memo = nullptr;
    return text;
  } catch (...) {
    memo = nullptr;
    throw;
  }
}

}  // namespace kcost
