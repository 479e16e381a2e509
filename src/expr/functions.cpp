#include "expr/functions.h"

#include <array>

#include "expr/error.h"
#include "expr/expansion_size.h"
#include "expr/float_range.h"
#include "expr/number.h"
#include "expr/polynomial_division.h"
#include "expr/rebuild.h"
#include "expr/walk.h"

namespace kcost {

namespace {

using GiNaC::ex;
using GiNaC::numeric;

constexpr size_t kOpCount = static_cast<size_t>(PyOp::log2) + 1;

unsigned serial(PyOp op);

const numeric& num(const ex& e) { return GiNaC::ex_to<numeric>(e); }

ex held(PyOp op, const ex& a) { return GiNaC::function(serial(op), a).hold(); }
ex held(PyOp op, const ex& a, const ex& b) { return GiNaC::function(serial(op), a, b).hold(); }
ex held(PyOp op, const ex& a, const ex& b, const ex& c) {
  return GiNaC::function(serial(op), a, b, c).hold();
}

ex truth(bool value) { return value ? GiNaC::ex(1) : GiNaC::ex(0); }

// The sign of a - b when it is known exactly: both are real numbers, or their difference is
// an exact rational (a + 1 vs a). Floats in a symbolic difference decide nothing, because
// rounding could differ once the symbols have values.
std::optional<int> known_sign(const ex& a, const ex& b) {
  if (number::is_real(a) && number::is_real(b)) return number::compare(num(a), num(b));
  if (a.is_equal(b)) return 0;
  ex d = a - b;
  if (GiNaC::is_exactly_a<numeric>(d) && num(d).is_rational()) return num(d).csgn();
  return std::nullopt;
}

// Whether a float occurs in `e`, a sum's float zero constant included; 1.0 and -1.0 only when
// `units` is set; in the exponents of powers only when `exponents` is set. Each shared subtree
// searched once (walk.h).
bool find_float(const ex& e, bool units, bool exponents) {
  return walk_distinct(e, [&](const ex& x) {
    if (GiNaC::is_exactly_a<numeric>(x))
      return !num(x).is_rational() && (units || !is_unit_float(num(x))) ? Walk::stop : Walk::over;
    if (!exponents && GiNaC::is_exactly_a<GiNaC::power>(x)) return Walk::into_first;
    if (GiNaC::is_exactly_a<GiNaC::add>(x) && !num(number_of(GiNaC::ex_to<GiNaC::add>(x))).is_rational())
      return Walk::stop;
    if (units && has_unit_float_coefficient(x)) return Walk::stop;
    return Walk::into;
  });
}

// Whether a float other than 1.0 and -1.0 occurs anywhere in `e`: one that decides against an
// exact simplification.
bool has_non_unit_float(const ex& e) { return find_float(e, false, true); }

// Whether `e` takes integer values whenever its symbols do (a float 1.0 or -1.0 counting as
// the integer it is written as).
bool integer_valued(const ex& e) {
  if (GiNaC::is_exactly_a<numeric>(e)) return num(e).is_integer() || is_unit_float(num(e));
  if (GiNaC::is_a<GiNaC::symbol>(e)) return true;
  if (GiNaC::is_exactly_a<GiNaC::add>(e) || GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    for (size_t i = 0; i < e.nops(); ++i)
      if (!integer_valued(e.op(i))) return false;
    return true;
  }
  if (GiNaC::is_exactly_a<GiNaC::power>(e)) {
    const ex& exponent = e.op(1);
    return GiNaC::is_exactly_a<numeric>(exponent) && num(exponent).is_nonneg_integer() &&
           integer_valued(e.op(0));
  }
  auto op = py_op(e);
  if (!op) return false;
  switch (*op) {
    case PyOp::floordiv:
    case PyOp::trunc:
    case PyOp::floor:
    case PyOp::ceil:
    case PyOp::logical_not:
      return true;
    case PyOp::if_else:
      return integer_valued(e.op(1)) && integer_valued(e.op(2));
    case PyOp::log2:
      return false;
    default:
      if (is_comparison(*op)) return true;
      for (size_t i = 0; i < e.nops(); ++i)
        if (!integer_valued(e.op(i))) return false;
      return true;
  }
}

// `e` with every float 1.0 or -1.0 made the integer (is_unit_float), so that the quotient is
// computed as of the printed form.
// Only through sums, products and powers: rebuilding a function would evaluate it again, and so
// on down a chain (`t % Z % Z % ...`, a fuzz finding that took minutes); the unit floats in a
// function's arguments stay, and has_non_unit_float and integer_valued take them for integers.
struct UnitFloatsExact : GiNaC::map_function {
  ex operator()(const ex& e) override {
    if (GiNaC::is_exactly_a<numeric>(e) && is_unit_float(num(e))) return exact_unit(num(e));
    if (GiNaC::is_exactly_a<GiNaC::power>(e)) {
      // A base whose 1.0 became 1 may be 0 under a negative exponent, or a sum whose content GiNaC
      // then divides out beyond the float range; GiNaC throws from inside power::eval then, and
      // leaks what it had allocated (an expr_roundtrip finding). Such a power is not rebuilt (the
      // quotient is then not known), and one that is, is built as a temporary, which is
      // destroyed whatever its evaluation does.
      const ex base = (*this)(e.op(0)), exponent = (*this)(e.op(1));
      if (GiNaC::is_exactly_a<numeric>(exponent)) {
        const numeric& x = num(exponent);
        if ((base.is_zero() && !x.is_positive()) || power_may_overflow(base, x) ||
            (GiNaC::is_exactly_a<GiNaC::add>(base) && x.is_integer() && content_may_overflow(base, 0, false))) {
          failed = true;
          return e;
        }
      }
      return GiNaC::ex(GiNaC::power(base, exponent));
    }
    if (!GiNaC::is_a<GiNaC::add>(e) && !GiNaC::is_a<GiNaC::mul>(e)) return e;
    try {
      // made as kcost's operators make them (rebuild.h); a product's hidden 1.0 made 1 by making
      // it again, which its operands alone do not ask for
      return has_unit_float_coefficient(e) ? remake(e, *this) : map_operands(e, *this);
    } catch (const std::exception&) {
      failed = true;
      return e;
    }
  }
  bool failed = false;  // a power that could not be rebuilt
};

// a / b when it is an integer-valued polynomial (for integer symbols): (a*b) / b -> a,
// (a*b + a) / (b + 1) -> a, x / 1 -> x. Empty when it is not, or not known to be.
std::optional<ex> exact_quotient(const ex& a_in, const ex& b_in) {
  UnitFloatsExact exact;
  const ex a = has_unit_float(a_in) ? exact(a_in) : a_in, b = has_unit_float(b_in) ? exact(b_in) : b_in;
  if (exact.failed || has_non_unit_float(a) || has_non_unit_float(b)) return std::nullopt;
  try {
    // GiNaC cancels equal factors itself, without expanding: tried whatever the size.
    ex q = a * GiNaC::pow(b, -1);
    if (integer_valued(q)) return q;
    // Polynomial division, within kMaxDivisionWork (polynomial_division.h).
    if (a.info(GiNaC::info_flags::rational_polynomial) && b.info(GiNaC::info_flags::rational_polynomial))
      if (std::optional<ex> divided = divide_exactly(a, b); divided && integer_valued(*divided)) return divided;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// Whether `e` is integral by construction, whatever its arguments (int(x), x // y, a < b).
bool integral_by_construction(const ex& e) {
  auto op = py_op(e);
  if (!op) return false;
  return *op == PyOp::floordiv || *op == PyOp::trunc || *op == PyOp::floor ||
         *op == PyOp::ceil || *op == PyOp::logical_not || is_comparison(*op);
}

ex floordiv_eval(const ex& a, const ex& b) {
  if (number::is_real(a) && number::is_real(b)) return number::floordiv(num(a), num(b));
  if (number::is_real(b) && num(b).is_zero()) throw ExprError("division by zero");
  if (number::is_real(a) && num(a).is_zero()) return a;
  if (auto q = exact_quotient(a, b)) return *q;
  return held(PyOp::floordiv, a, b);
}

ex mod_eval(const ex& a, const ex& b) {
  if (number::is_real(a) && number::is_real(b)) return number::mod(num(a), num(b));
  if (number::is_real(b) && num(b).is_zero()) throw ExprError("division by zero");
  if (number::is_real(a) && num(a).is_zero()) return a;
  if (exact_quotient(a, b)) return GiNaC::ex(0);
  return held(PyOp::mod, a, b);
}

// Python's min(a, b) is `b if b < a else a`, max(a, b) is `b if b > a else a`.
ex min_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return *sign > 0 ? b : a;
  return held(PyOp::min, a, b);
}

ex max_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return *sign < 0 ? b : a;
  return held(PyOp::max, a, b);
}

ex lt_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return truth(*sign < 0);
  return held(PyOp::lt, a, b);
}
ex le_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return truth(*sign <= 0);
  return held(PyOp::le, a, b);
}
ex gt_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return truth(*sign > 0);
  return held(PyOp::gt, a, b);
}
ex ge_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return truth(*sign >= 0);
  return held(PyOp::ge, a, b);
}
ex eq_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return truth(*sign == 0);
  return held(PyOp::eq, a, b);
}
ex ne_eval(const ex& a, const ex& b) {
  if (auto sign = known_sign(a, b)) return truth(*sign != 0);
  return held(PyOp::ne, a, b);
}

// `a and b` is `b if a else a`; `a or b` is `a if a else b`.
ex and_eval(const ex& a, const ex& b) {
  if (number::is_real(a)) return number::truthy(num(a)) ? b : a;
  if (a.is_equal(b)) return a;
  return held(PyOp::logical_and, a, b);
}

ex or_eval(const ex& a, const ex& b) {
  if (number::is_real(a)) return number::truthy(num(a)) ? a : b;
  if (a.is_equal(b)) return a;
  return held(PyOp::logical_or, a, b);
}

ex not_eval(const ex& a) {
  if (number::is_real(a)) return truth(!number::truthy(num(a)));
  if (auto op = py_op(a); op && is_comparison(*op)) {
    static const PyOp opposite[] = {PyOp::ge, PyOp::gt, PyOp::le, PyOp::lt, PyOp::ne, PyOp::eq};
    return py_call(opposite[static_cast<int>(*op) - static_cast<int>(PyOp::lt)], a.op(0),
                   a.op(1));
  }
  return held(PyOp::logical_not, a);
}

ex if_else_eval(const ex& cond, const ex& then, const ex& otherwise) {
  if (number::is_real(cond)) return number::truthy(num(cond)) ? then : otherwise;
  if (then.is_equal(otherwise)) return then;
  return held(PyOp::if_else, cond, then, otherwise);
}

ex trunc_eval(const ex& a) {
  if (number::is_real(a)) return number::trunc(num(a));
  if (integral_by_construction(a)) return a;
  return held(PyOp::trunc, a);
}

ex floor_eval(const ex& a) {
  if (number::is_real(a)) return number::floor(num(a));
  if (integral_by_construction(a)) return a;
  return held(PyOp::floor, a);
}

ex ceil_eval(const ex& a) {
  if (number::is_real(a)) return number::ceil(num(a));
  if (integral_by_construction(a)) return a;
  return held(PyOp::ceil, a);
}

ex abs_eval(const ex& a) {
  if (number::is_real(a)) return number::abs(num(a));
  if (auto op = py_op(a); op && *op == PyOp::abs) return a;
  return held(PyOp::abs, a);
}

ex log2_eval(const ex& a) {
  if (number::is_real(a)) return number::log2(num(a));
  return held(PyOp::log2, a);
}

// The same rule serves eval and evalf: evalf hands it arguments already turned into floats.
template <typename F>
GiNaC::function_options options(const char* name, unsigned nparams, F eval) {
  return GiNaC::function_options(name, nparams).eval_func(eval).evalf_func(eval);
}

std::array<unsigned, kOpCount> register_all() {
  using GiNaC::function;
  std::array<unsigned, kOpCount> s{};
  auto set = [&](PyOp op, const GiNaC::function_options& o) {
    s[static_cast<size_t>(op)] = function::register_new(o);
  };
  set(PyOp::floordiv, options("py_floordiv", 2, floordiv_eval));
  set(PyOp::mod, options("py_mod", 2, mod_eval));
  set(PyOp::min, options("py_min", 2, min_eval));
  set(PyOp::max, options("py_max", 2, max_eval));
  set(PyOp::lt, options("py_lt", 2, lt_eval));
  set(PyOp::le, options("py_le", 2, le_eval));
  set(PyOp::gt, options("py_gt", 2, gt_eval));
  set(PyOp::ge, options("py_ge", 2, ge_eval));
  set(PyOp::eq, options("py_eq", 2, eq_eval));
  set(PyOp::ne, options("py_ne", 2, ne_eval));
  set(PyOp::logical_and, options("py_and", 2, and_eval));
  set(PyOp::logical_or, options("py_or", 2, or_eval));
  set(PyOp::logical_not, options("py_not", 1, not_eval));
  set(PyOp::if_else, options("py_if_else", 3, if_else_eval));
  set(PyOp::trunc, options("py_int", 1, trunc_eval));
  set(PyOp::floor, options("py_floor", 1, floor_eval));
  set(PyOp::ceil, options("py_ceil", 1, ceil_eval));
  set(PyOp::abs, options("py_abs", 1, abs_eval));
  set(PyOp::log2, options("py_log2", 1, log2_eval));
  return s;
}

const std::array<unsigned, kOpCount>& serials() {
  static const std::array<unsigned, kOpCount> table = register_all();
  return table;
}

unsigned serial(PyOp op) { return serials()[static_cast<size_t>(op)]; }

}  // namespace

namespace {
struct SeqParts : GiNaC::expairseq {
  static const GiNaC::epvector& pairs(const GiNaC::expairseq& e) { return e.*(&SeqParts::seq); }
  static const ex& number(const GiNaC::expairseq& e) { return e.*(&SeqParts::overall_coeff); }
};
}  // namespace

const GiNaC::epvector& pairs_of(const GiNaC::expairseq& e) { return SeqParts::pairs(e); }
const ex& number_of(const GiNaC::expairseq& e) { return SeqParts::number(e); }

bool is_unit_float(const numeric& n) {
  return n.is_real() && !n.is_rational() && (n.is_equal(1) || n.is_equal(-1));
}

numeric exact_unit(const numeric& n) { return is_unit_float(n) ? numeric(n.is_positive() ? 1 : -1) : n; }

bool has_float(const ex& e) { return find_float(e, true, true); }
bool has_float_outside_exponents(const ex& e) { return find_float(e, true, false); }

bool has_unit_float(const ex& e) {
  return walk_distinct(e, [](const ex& x) {
    if (GiNaC::is_exactly_a<numeric>(x)) return is_unit_float(num(x)) ? Walk::stop : Walk::over;
    return has_unit_float_coefficient(x) ? Walk::stop : Walk::into;
  });
}

bool has_unit_float_coefficient(const ex& e) {
  if (GiNaC::is_exactly_a<GiNaC::mul>(e)) return is_unit_float(num(number_of(GiNaC::ex_to<GiNaC::mul>(e))));
  if (!GiNaC::is_exactly_a<GiNaC::add>(e)) return false;
  for (const GiNaC::expair& pair : pairs_of(GiNaC::ex_to<GiNaC::add>(e)))
    if (is_unit_float(num(pair.coeff))) return true;
  return false;
}

ex py_call(PyOp op, const ex& a) { return GiNaC::function(serial(op), a); }
ex py_call(PyOp op, const ex& a, const ex& b) { return GiNaC::function(serial(op), a, b); }
ex py_call(PyOp op, const ex& a, const ex& b, const ex& c) {
  return GiNaC::function(serial(op), a, b, c);
}

std::optional<PyOp> py_op(const ex& e) {
  if (!GiNaC::is_exactly_a<GiNaC::function>(e)) return std::nullopt;
  unsigned s = GiNaC::ex_to<GiNaC::function>(e).get_serial();
  const auto& table = serials();
  for (size_t i = 0; i < table.size(); ++i)
    if (table[i] == s) return static_cast<PyOp>(i);
  return std::nullopt;
}

bool is_py_op(const ex& e, PyOp op) {
  std::optional<PyOp> o = py_op(e);
  return o && *o == op;
}

bool is_comparison(PyOp op) {
  return static_cast<int>(op) >= static_cast<int>(PyOp::lt) &&
         static_cast<int>(op) <= static_cast<int>(PyOp::ne);
}

}  // namespace kcost
