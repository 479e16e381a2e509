#include "expr/python_eval.h"

#include <algorithm>

#include "expr/error.h"
#include "expr/functions.h"
#include "expr/number.h"

namespace kcost {

namespace {

using GiNaC::ex;
using GiNaC::numeric;

class Evaluator {
 public:
  Evaluator(const std::map<std::string, numeric>& values, FloatLiterals floats, double max_bits)
      : values_(values), floats_(floats), max_bits_(max_bits) {}

  // In FloatLiterals::exact, a float the evaluation makes (a non-integer power, log2, an operation
  // on floats) is read as the exact rational it is, as the literals are, so that what follows is
  // exact arithmetic: two forms of one expression then take one value whatever order they add or
  // multiply in. Kept a float, it rounded at each later step, and a floor division or modulo of a
  // 21st power made the last places a different value (an expr_roundtrip finding:
  // `2 * (g - e - 1.000358 * 5 ** e) ** 21 / E % b` and its read-back, which holds
  // `-2 * (e + 1.000358 * 5 ** e - g) ** 21`, disagreed at a rational point).
  numeric operator()(const ex& e) const {
    const numeric v = value(e);
    return bounded(floats_ == FloatLiterals::exact ? number::exact_value(v) : v);
  }

 private:
  // `n`, or ExprError where it is an exact number longer than max_bits_
  const numeric& bounded(const numeric& n) const {
    if (max_bits_ > 0 && n.is_rational() && number::bit_length(n) > max_bits_) throw ExprError("number too large");
    return n;
  }

  numeric value(const ex& e) const {
    if (GiNaC::is_exactly_a<numeric>(e)) {
      const numeric& n = GiNaC::ex_to<numeric>(e);
      // A complex number GiNaC made: it expands (-77772 ** S) ** 4e-4 into
      // (-1) ** 4e-4 * 77772 ** (4e-4 * S), whose first factor it evaluates as a complex float.
      // Python's value there is complex too, and number::pow refuses such a power of numbers.
      if (!n.is_real()) throw ExprError("does not evaluate to a real number");
      return n;  // read exactly in FloatLiterals::exact by operator(), as every value is
    }
    if (GiNaC::is_a<GiNaC::symbol>(e)) {
      const std::string& name = GiNaC::ex_to<GiNaC::symbol>(e).get_name();
      auto it = values_.find(name);
      if (it == values_.end()) throw ExprError("unbound symbol '" + name + "'");
      return it->second;
    }
    // Exact, a sum and a product are read pair by pair, as GiNaC holds them (functions.h's
    // pairs_of): op(i) makes a term or a factor again with GiNaC's arithmetic, which multiplies
    // a product's hidden coefficient 1.0 into the term's coefficient as a float, rounding it.
    // `(c / d) * 1. / r` times 9 ** -114 inside a sum held the term `9 ** 114 * c / (d * r)`,
    // its product holding 1.0, and op(i) made it 6.076396096647707e108 * c / (d * r): the sum
    // read at a point was off by 1e93, past the rest of it, and a `% h` of its sixth power took
    // another value than its printed form's, which the printer writes with the exact 9 ** 114 (an
    // expr_roundtrip finding). In Python's mode the terms are made as GiNaC makes them.
    if (GiNaC::is_exactly_a<GiNaC::add>(e)) {
      if (floats_ == FloatLiterals::exact) {
        numeric sum = (*this)(number_of(GiNaC::ex_to<GiNaC::add>(e)));
        for (const GiNaC::expair& pair : pairs_of(GiNaC::ex_to<GiNaC::add>(e)))
          sum = bounded(sum + bounded((*this)(pair.rest) * (*this)(pair.coeff)));
        return sum;
      }
      numeric sum = 0;
      for (size_t i = 0; i < e.nops(); ++i) sum = bounded(sum + (*this)(e.op(i)));
      return sum;
    }
    if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
      if (floats_ == FloatLiterals::exact) {
        numeric product = (*this)(number_of(GiNaC::ex_to<GiNaC::mul>(e)));
        for (const GiNaC::expair& pair : pairs_of(GiNaC::ex_to<GiNaC::mul>(e)))
          product = bounded(product * power((*this)(pair.rest), (*this)(pair.coeff)));
        return product;
      }
      numeric product = 1;
      for (size_t i = 0; i < e.nops(); ++i) product = bounded(product * (*this)(e.op(i)));
      return product;
    }
    if (GiNaC::is_exactly_a<GiNaC::power>(e)) return power((*this)(e.op(0)), (*this)(e.op(1)));
    if (auto op = py_op(e)) return function(*op, e);
    // Anything else (a GiNaC function or constant kcost does not build): substitute, evalf.
    GiNaC::exmap m;
    for (auto it = e.preorder_begin(); it != e.preorder_end(); ++it)
      if (GiNaC::is_a<GiNaC::symbol>(*it)) m[*it] = (*this)(*it);
    ex r = e.subs(m, GiNaC::subs_options::no_pattern).evalf();
    if (!number::is_real(r)) throw ExprError("does not evaluate to a real number");
    return GiNaC::ex_to<numeric>(r);
  }

  // base ** exponent, a power beyond max_bits_ refused before it is made
  numeric power(const numeric& base, const numeric& exponent) const {
    return number::pow(base, exponent,
                       max_bits_ > 0 ? std::min(max_bits_, number::kMaxPowerBits) : number::kMaxPowerBits);
  }

  numeric function(PyOp op, const ex& e) const {
    switch (op) {
      case PyOp::logical_and: {
        numeric a = (*this)(e.op(0));
        return number::truthy(a) ? (*this)(e.op(1)) : a;
      }
      case PyOp::logical_or: {
        numeric a = (*this)(e.op(0));
        return number::truthy(a) ? a : (*this)(e.op(1));
      }
      case PyOp::if_else:
        return number::truthy((*this)(e.op(0))) ? (*this)(e.op(1)) : (*this)(e.op(2));
      default:
        break;
    }
    // Every other operation evaluates all its arguments; its eval rule does the rest.
    ex r;
    switch (e.nops()) {
      case 1: r = py_call(op, (*this)(e.op(0))); break;
      case 2: r = py_call(op, (*this)(e.op(0)), (*this)(e.op(1))); break;
      default: r = py_call(op, (*this)(e.op(0)), (*this)(e.op(1)), (*this)(e.op(2))); break;
    }
    // An operation left as it is on numbers (none is, on real numbers) has no value.
    if (!GiNaC::is_exactly_a<numeric>(r)) throw ExprError("does not evaluate to a real number");
    return GiNaC::ex_to<numeric>(r);
  }

  const std::map<std::string, numeric>& values_;
  FloatLiterals floats_;
  double max_bits_;
};

}  // namespace

numeric evaluate(const ex& e, const std::map<std::string, numeric>& values, FloatLiterals floats,
                 double max_bits) {
  try {
    numeric result = Evaluator(values, floats, max_bits)(e);
    if (!result.is_real()) throw ExprError("does not evaluate to a real number");
    return result;
  } catch (const ExprError&) {
    throw;
  } catch (const std::exception& err) {  // GiNaC and CLN: numeric division by zero, overflow
    throw from_library_error(err);
  }
}

}  // namespace kcost
