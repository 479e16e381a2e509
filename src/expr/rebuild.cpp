#include "expr/rebuild.h"

#include <cmath>

#include "expr/expr.h"
#include "expr/float_range.h"
#include "expr/functions.h"

namespace kcost {

namespace {

// Whether GiNaC may make a sum (`sum`) or a product of `operands` at once without leaving the
// float range: true when none holds a float (exact numbers never overflow), or when the numbers
// it combines stay far inside the range. GiNaC adds the coefficients of like terms (n of them at
// most 2 ** E each, E the largest extent: float_range.h), multiplies the numeric factors of a
// product (the sum of their extents), and multiplies a number into a sum's coefficients or divides
// them by its content (an extent twice as large at most); a bound of twice that, and the log2 of
// the count, holds all of it.
bool combines_in_range(const GiNaC::exvector& operands, bool sum) {
  bool floats = false;
  double extent = 0;
  for (const GiNaC::ex& op : operands) {
    floats = floats || has_float(op);
    const double x = number_extent(op);
    extent = sum ? std::max(extent, x) : extent + x;
  }
  if (!floats) return true;
  return 2 * extent + std::log2(static_cast<double>(operands.size())) + 2 <= kFloatLog2Limit;
}

}  // namespace

GiNaC::ex rebuild(const GiNaC::ex& e, const GiNaC::exvector& operands) {
  if (GiNaC::is_exactly_a<GiNaC::add>(e) || GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    const bool sum = GiNaC::is_exactly_a<GiNaC::add>(e);
    if (combines_in_range(operands, sum))
      return sum ? GiNaC::ex(GiNaC::add(operands)) : GiNaC::ex(GiNaC::mul(operands));
    // Near the edge of the range: one operand at a time, each step bounded as the operators bound it.
    Expr folded(sum ? 0 : 1);
    for (const GiNaC::ex& op : operands) folded = sum ? folded + Expr(op) : folded * Expr(op);
    return folded.ex();
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

}  // namespace kcost
