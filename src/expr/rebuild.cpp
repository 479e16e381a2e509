#include "expr/rebuild.h"

#include <cmath>

#include "expr/error.h"
#include "expr/expr.h"
#include "expr/float_range.h"
#include "expr/functions.h"
#include "expr/sum_content.h"

namespace kcost {

namespace {

// Whether GiNaC may make a product of `operands` at once without leaving the float range: true
// when none holds a float (exact numbers never overflow), or when the numbers it combines stay
// far inside the range. GiNaC multiplies the numeric factors (the sum of their extents:
// float_range.h), and multiplies a number into a sum factor's coefficients or divides them by
// its content (an extent twice as large at most); twice the sum holds all of it.
bool multiplies_in_range(const GiNaC::exvector& operands) {
  bool floats = false;
  double extent = 0;
  for (const GiNaC::ex& op : operands) {
    floats = floats || has_float(op);
    extent += number_extent(op);
  }
  return !floats || 2 * extent + 2 <= kFloatLog2Limit;
}

// Whether a sum with floats and a content other than 1 is among `operands` twice: GiNaC would
// make the two its square by its own power, which takes the content out or not by the serials
// (sum_content.h); operator* makes it through Expr::pow.
bool repeats_a_float_sum(const GiNaC::exvector& operands) {
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!GiNaC::is_exactly_a<GiNaC::add>(operands[i])) continue;
    for (size_t j = i + 1; j < operands.size(); ++j)
      if (operands[i].is_equal(operands[j]) && float_sum_content(operands[i])) return true;
  }
  return false;
}

}  // namespace

GiNaC::ex rebuild(const GiNaC::ex& e, const GiNaC::exvector& operands) {
  // A sum at once, its like terms bounded as operator+ bounds two (the fuzzers found adding one
  // operand at a time quadratic: 61 s for a sum of large expanded terms).
  if (GiNaC::is_exactly_a<GiNaC::add>(e)) {
    if (sum_may_overflow(operands)) throw ExprError("float overflow");
    return GiNaC::ex(GiNaC::add(operands));
  }
  if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    if (multiplies_in_range(operands) && !repeats_a_float_sum(operands)) return GiNaC::ex(GiNaC::mul(operands));
    // Near the edge of the range: one factor at a time, each step bounded as operator* bounds it
    // (and a repeated float sum squared as operator* squares it).
    Expr product(1);
    for (const GiNaC::ex& op : operands) product = product * Expr(op);
    return product.ex();
  }
  if (GiNaC::is_exactly_a<GiNaC::power>(e)) return Expr::pow(Expr(operands.at(0)), Expr(operands.at(1))).ex();
  if (GiNaC::is_exactly_a<GiNaC::function>(e))
    return GiNaC::ex(GiNaC::function(GiNaC::ex_to<GiNaC::function>(e).get_serial(), operands));
  GiNaC::ex copy = e;
  for (size_t i = 0; i < operands.size(); ++i) copy.let_op(i) = operands[i];
  return copy;
}

GiNaC::ex map_operands(const GiNaC::ex& e, GiNaC::map_function& f) {
  const size_t n = e.nops();
  if (n == 0) return e;
  GiNaC::exvector operands;
  operands.reserve(n);
  bool changed = false;
  for (size_t i = 0; i < n; ++i) {
    const GiNaC::ex op = e.op(i);
    operands.push_back(f(op));
    changed = changed || !GiNaC::are_ex_trivially_equal(op, operands.back());
  }
  return changed ? rebuild(e, operands) : e;
}

GiNaC::ex remake(const GiNaC::ex& e, GiNaC::map_function& f) {
  GiNaC::exvector operands;
  operands.reserve(e.nops());
  for (size_t i = 0; i < e.nops(); ++i) operands.push_back(f(e.op(i)));
  return rebuild(e, operands);
}

}  // namespace kcost
