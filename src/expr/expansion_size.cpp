#include "expr/expansion_size.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kcost {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// C(n + t - 1, t - 1): the monomials of degree n in t variables, saturating at infinity.
double monomials(double n, double t) {
  if (t <= 1) return 1;
  const double k = std::min(n, t - 1);
  double count = 1;
  for (double i = 1; i <= k; ++i) {
    count = count * (n + t - i) / i;
    if (count > 1e18) return kInfinity;
  }
  return std::round(count);
}

}  // namespace

ExpansionSize expansion_size(const GiNaC::ex& e) {
  if (GiNaC::is_a<GiNaC::numeric>(e)) return {1, 0};
  if (GiNaC::is_a<GiNaC::symbol>(e)) return {1, 1};
  if (GiNaC::is_a<GiNaC::add>(e)) {
    ExpansionSize size{0, 0};
    for (size_t i = 0; i < e.nops(); ++i) {
      const ExpansionSize term = expansion_size(e.op(i));
      size.terms += term.terms;
      size.degree = std::max(size.degree, term.degree);
    }
    return size;
  }
  if (GiNaC::is_a<GiNaC::mul>(e)) {
    ExpansionSize size{1, 0};
    for (size_t i = 0; i < e.nops(); ++i) {
      const ExpansionSize factor = expansion_size(e.op(i));
      size.terms *= factor.terms;
      size.degree += factor.degree;
    }
    return size;
  }
  if (GiNaC::is_a<GiNaC::power>(e) && GiNaC::is_a<GiNaC::numeric>(e.op(1)) &&
      GiNaC::ex_to<GiNaC::numeric>(e.op(1)).is_integer()) {
    const ExpansionSize base = expansion_size(e.op(0));
    const double n = std::fabs(GiNaC::ex_to<GiNaC::numeric>(e.op(1)).to_double());
    return {monomials(n, base.terms), base.degree * n};
  }
  // Any other power, a function: one opaque term; its operands are expanded on their own.
  ExpansionSize size{1, 1};
  for (size_t i = 0; i < e.nops(); ++i) {
    const ExpansionSize operand = expansion_size(e.op(i));
    size.terms += operand.terms;
    size.degree = std::max(size.degree, operand.degree);
  }
  return size;
}

bool cheap_to_expand(const GiNaC::ex& e) {
  const ExpansionSize size = expansion_size(e);
  return size.terms <= kMaxExpandedTerms && size.degree <= kMaxExpandedDegree;
}

}  // namespace kcost
