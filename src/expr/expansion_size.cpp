#include "expr/expansion_size.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "expr/float_range.h"
#include "expr/functions.h"
#include "expr/number.h"
#include "expr/rebuild.h"

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

// A bound times a count that may be infinite (the exponent of `y ** 6 ** 414` is past a double):
// 0 times anything is 0. A base of degree 0, or whose numbers are all 1 in magnitude (extent 0),
// raised to any power stays so. Infinity times 0 would be NaN, which every later std::max drops:
// `(2 ** (772 - b*e) ** 9 * y ** 6 ** 414 * 1. % b) ** -2` lost the extent 2 ** 95 of its first
// factor so, and was expanded, 2 raised to 772 ** 9 (an expr_roundtrip out-of-memory finding).
double times(double bound, double count) { return bound == 0 ? 0 : bound * count; }

// The size of an expansion made by expand_all: a function met again (`counted`) costs one term.
struct Sizer {
  std::map<GiNaC::ex, ExpansionSize, ExactLess> counted;
  ExpansionSize operator()(const GiNaC::ex& e);
};

}  // namespace

ExpansionSize expansion_size(const GiNaC::ex& e) { return Sizer()(e); }

ExpansionSize Sizer::operator()(const GiNaC::ex& e) {
  if (GiNaC::is_a<GiNaC::numeric>(e)) return {1, 0, 0, number_extent(e), 1};
  if (GiNaC::is_a<GiNaC::symbol>(e)) return {1, 1, 0, 0, 1};
  if (GiNaC::is_a<GiNaC::add>(e) || GiNaC::is_a<GiNaC::mul>(e)) {
    const bool sum = GiNaC::is_a<GiNaC::add>(e);
    ExpansionSize size{sum ? 0.0 : 1.0, 0, 0, 0, 0};
    for (size_t i = 0; i < e.nops(); ++i) {
      const ExpansionSize part = (*this)(e.op(i));
      size.terms = sum ? size.terms + part.terms : size.terms * part.terms;
      size.degree = sum ? std::max(size.degree, part.degree) : size.degree + part.degree;
      size.inner_terms = std::max(size.inner_terms, part.inner_terms);
      size.extent = sum ? std::max(size.extent, part.extent) : size.extent + part.extent;
      size.work += part.work;
    }
    if (sum) size.extent += std::log2(std::max(size.terms, 1.0));
    if (!sum) size.work += size.terms;  // the expanded factors multiplied out
    return size;
  }
  if (GiNaC::is_a<GiNaC::power>(e) && GiNaC::is_a<GiNaC::numeric>(e.op(1)) &&
      GiNaC::ex_to<GiNaC::numeric>(e.op(1)).is_real()) {
    const ExpansionSize base = (*this)(e.op(0));
    const GiNaC::numeric& exponent = GiNaC::ex_to<GiNaC::numeric>(e.op(1));
    const double n = std::fabs(exponent.to_double());
    if (exponent.is_integer()) {
      const double terms = monomials(n, base.terms);
      return {terms, times(base.degree, n), base.inner_terms, times(base.extent, n), base.work + terms};
    }
    // The base is expanded on its own first, its numbers as large as they get there: raised to
    // |p| < 1 they shrink, and `(100.0 ** (b - 77775) * e) ** 2e-4`, counted 2e-4 times the
    // base's extent, was expanded, and 100.0 ** -77775 left the float range inside GiNaC's expand
    // (a leak, an expr_roundtrip finding).
    return {1, 1, std::max(base.terms, base.inner_terms),
            std::max({times(base.extent, n), base.extent, number_extent(exponent)}), base.work + 1};
  }
  if (GiNaC::is_a<GiNaC::power>(e)) {
    // A power to a symbolic exponent: GiNaC's expand splits the exponent's sum, x ** (c + y) is
    // x ** c * x ** y, raising the base to the number c (a number base to a number; a sum base
    // multiplied out c times): `2 ** (222 + b) ** 41` raised 2 to 222 ** 41 (a fuzz finding that
    // ran for ever). c is at most 2 ** the exponent's extent.
    const ExpansionSize base = (*this)(e.op(0));
    const ExpansionSize exponent = (*this)(e.op(1));
    const double c = std::exp2(exponent.extent);
    const bool sum = GiNaC::is_a<GiNaC::add>(e.op(0));
    const double terms = sum ? monomials(c, base.terms) : 1;
    return {terms, sum ? times(base.degree, c) + 1 : 1,
            std::max({base.terms, base.inner_terms, exponent.terms, exponent.inner_terms}),
            std::max(times(base.extent, c), exponent.extent), base.work + exponent.work + terms};
  }
  // A function: one opaque term; its operands are expanded on their own, once.
  const auto found = counted.find(e);
  if (found != counted.end()) {
    ExpansionSize again = found->second;
    again.work = 1;
    return again;
  }
  ExpansionSize size{1, 1, 0, 0, 1};
  for (size_t i = 0; i < e.nops(); ++i) {
    const ExpansionSize operand = (*this)(e.op(i));
    size.inner_terms = std::max({size.inner_terms, operand.terms, operand.inner_terms});
    size.extent = std::max(size.extent, operand.extent);
    size.work += operand.work;
  }
  counted.emplace(e, size);
  return size;
}

// The work bounds the terms and every operand's terms too (each is part of it), so one bound
// on the work is the bound on all three.
bool cheap_to_expand(const GiNaC::ex& e) { return cheap_to_expand(e, expansion_size(e)); }

bool cheap_to_expand(const GiNaC::ex& e, const ExpansionSize& size) {
  return size.work <= kMaxExpandedTerms && size.extent <= number::kMaxPowerBits &&
         !(size.extent > kFloatLog2Range && has_float(e));
}

bool cheap_to_expand(const GiNaC::ex& e, double max_work) {
  const ExpansionSize size = expansion_size(e);
  return size.work <= max_work && cheap_to_expand(e, size);
}

Expansion::Expansion() : Expansion([](const GiNaC::ex& e) { return cheap_to_expand(e); }) {}

Expansion::Expansion(MayExpand may_expand_again) : may_expand_again_(std::move(may_expand_again)) {}

GiNaC::ex Expansion::operator()(const GiNaC::ex& e) {
  functions_held_ = false;
  const GiNaC::ex x = expanded(e);
  if (held_.empty()) return x;
  const GiNaC::ex whole = restored(x);
  // A function's result held as one term: the whole expanded again, the result counted as what it
  // is, where that is cheap (once: made from operands already expanded, it evaluates as it did).
  if (!functions_held_ || again_ || !may_expand_again_(whole)) return whole;
  Expansion again(may_expand_again_);
  again.again_ = true;
  return again(whole);
}

GiNaC::ex Expansion::expanded(const GiNaC::ex& e) {
  if (GiNaC::is_exactly_a<GiNaC::add>(e)) {
    GiNaC::exvector terms;
    terms.reserve(e.nops());
    for (size_t i = 0; i < e.nops(); ++i) terms.push_back(expanded(e.op(i)));
    return GiNaC::add(terms);  // flattens the sums among them and adds like terms
  }
  if (GiNaC::is_exactly_a<GiNaC::mul>(e)) return multiplied_out(e);
  if (!GiNaC::is_a<GiNaC::power>(e)) return operands_expanded(e);
  // A function or a comparison stays as it is, its operands expanded (GiNaC's expand without
  // expand_function_args leaves functions so). A power made again (its base and exponent
  // expanded) is expanded by GiNaC: the multinomial terms of a whole power of a sum made at once,
  // a sum exponent split (x ** (c + y) is x ** c * x ** y, one sum among the factors at most);
  // made again, it may be a product of powers ((2 * x) ** 2 is 4 * x ** 2).
  const GiNaC::ex power = operands_expanded(e);
  return GiNaC::is_exactly_a<GiNaC::symbol>(power) ? power : power.expand();
}

namespace {

// Whether a product of expanded terms must be expanded again: a factor that is a sum, or a whole
// positive power of one (`(a + b) ** 0.5 * (a + b) ** 0.5` is `a + b`), as GiNaC's
// can_be_further_expanded.
bool expands_further(const GiNaC::ex& e) {
  auto sum_power = [](const GiNaC::ex& x) {
    return GiNaC::is_exactly_a<GiNaC::add>(x) ||
           (GiNaC::is_exactly_a<GiNaC::power>(x) && GiNaC::is_exactly_a<GiNaC::add>(x.op(0)) &&
            x.op(1).info(GiNaC::info_flags::posint));
  };
  if (!GiNaC::is_exactly_a<GiNaC::mul>(e)) return sum_power(e);
  for (size_t i = 0; i < e.nops(); ++i)
    if (sum_power(e.op(i))) return true;
  return false;
}

}  // namespace

// A product multiplied out here rather than by GiNaC's expand, which adds the partial products of
// two sums one into the running sum after another (mul::expand's `tmp_accu +=`), copying the
// running sum each time: time quadratic in the terms, 2 to 20 s for `(a + b) * (a sum of four
// terms) ** 32` (13,000 terms, an expr_roundtrip slow input; which factor came first, and so the
// time, depended on GiNaC's order of the two). Here each sum is multiplied into the terms so far
// at once, the smaller sums first, and every partial product made one sum: time proportional to
// the terms made (expansion_size's `work`).
GiNaC::ex Expansion::multiplied_out(const GiNaC::ex& product) {
  GiNaC::exvector others, sums;
  for (size_t i = 0; i < product.nops(); ++i) {
    const GiNaC::ex factor = expanded(product.op(i));
    (GiNaC::is_exactly_a<GiNaC::add>(factor) ? sums : others).push_back(factor);
  }
  GiNaC::ex result = GiNaC::mul(others);
  if (sums.empty()) return expands_further(result) ? expanded(result) : result;
  std::stable_sort(sums.begin(), sums.end(),
                   [](const GiNaC::ex& a, const GiNaC::ex& b) { return a.nops() < b.nops(); });
  // A sum's op(i) makes its term anew each time (GiNaC keeps a coefficient and a rest): each is made once.
  auto terms_of = [](const GiNaC::ex& e) {
    GiNaC::exvector terms;
    if (!GiNaC::is_exactly_a<GiNaC::add>(e)) return GiNaC::exvector{e};
    terms.reserve(e.nops());
    for (size_t i = 0; i < e.nops(); ++i) terms.push_back(e.op(i));
    return terms;
  };
  for (const GiNaC::ex& sum : sums) {
    const GiNaC::exvector left = terms_of(result), right = terms_of(sum);
    GiNaC::exvector terms;
    terms.reserve(left.size() * right.size());
    for (const GiNaC::ex& t : left)
      for (const GiNaC::ex& u : right) {
        const GiNaC::ex term = t * u;
        terms.push_back(expands_further(term) ? expanded(term) : term);
      }
    result = GiNaC::add(terms);
  }
  return result;
}

GiNaC::ex Expansion::held(const GiNaC::ex& node) {
  auto found = held_.find(node);
  if (found != held_.end()) return found->second;
  const GiNaC::ex symbol = GiNaC::symbol();
  held_.emplace(node, symbol);
  nodes_.emplace(symbol, node);
  return symbol;
}

GiNaC::ex Expansion::restored(const GiNaC::ex& e) {
  // Each distinct node made again once: an expansion holds one node (a floor division, a modulo)
  // in each of thousands of terms, and making it evaluates it again (its exact quotient, a search
  // of its operands for floats): an expr_roundtrip input took 1.3 s of a release build, made per
  // reference, and 0.13 s made once (fuzz/slow/README.md).
  // The memo lasts as long as the Expansion: a symbol, once held, stands for the same node.
  struct Restore : GiNaC::map_function {
    const GiNaC::exmap& nodes;
    std::map<GiNaC::ex, GiNaC::ex, ExactLess>& made;
    Restore(const GiNaC::exmap& n, std::map<GiNaC::ex, GiNaC::ex, ExactLess>& m) : nodes(n), made(m) {}
    GiNaC::ex operator()(const GiNaC::ex& x) override {
      if (GiNaC::is_a<GiNaC::symbol>(x)) {
        auto found = nodes.find(x);
        return found == nodes.end() ? x : (*this)(found->second);  // it may hold one
      }
      if (x.nops() == 0) return x;
      if (auto found = made.find(x); found != made.end()) return found->second;
      const GiNaC::ex y = map_operands(x, *this);
      made.emplace(x, y);
      return y;
    }
  } restore(nodes_, restored_);
  return restore(e);
}

GiNaC::ex Expansion::operands_expanded(const GiNaC::ex& e) {
  if (e.nops() == 0) return e;
  // A power's base and exponent are expanded here, first, and the power made again (rebuild.h):
  // GiNaC's expand would expand them inside itself and make the power there, where one whose base
  // expands to zero under a negative exponent throws and is never freed (an expr_roundtrip finding,
  // `((a + b) * (a - b) - a**2 + b**2) ** -1`); made here, it is refused ("division by zero")
  // before GiNaC evaluates it. Anything else (a function, a comparison) has its operands expanded
  // on their own, as expansion_size counts them, and is made again as rebuild makes it.
  if (GiNaC::is_a<GiNaC::power>(e)) {
    const GiNaC::ex power = rebuild(e, {expanded(e.op(0)), expanded(e.op(1))});
    // GiNaC's expand splits a power's exponent sum (x ** (a - 2) is x ** a * x ** -2), making each
    // part inside itself: of a zero base, one to a negative number throws there (a leak, an
    // expr_roundtrip finding). Such a power is a symbol while GiNaC expands, in whatever holds it
    // (`(x + 0 ** (a - 2)) ** 2` too), and itself again at the end.
    const bool zero_base = GiNaC::is_a<GiNaC::power>(power) && power.op(0).is_zero() &&
                           !GiNaC::is_a<GiNaC::numeric>(power.op(1));
    return zero_base ? held(power) : power;
  }
  const auto found = functions_.find(e);
  if (found != functions_.end()) {
    functions_held_ = functions_held_ || found->second.held;
    return found->second.expansion;
  }
  struct Operands : GiNaC::map_function {
    Expansion& expansion;
    explicit Operands(Expansion& x) : expansion(x) {}
    GiNaC::ex operator()(const GiNaC::ex& operand) override {
      const GiNaC::ex x = expansion.expanded(operand);
      return expansion.held_.empty() ? x : expansion.restored(x);
    }
  } operands(*this);
  GiNaC::ex made = map_operands(e, operands);
  // evaluated to a sum, a product or a power: one term, as counted
  const bool evaluated = GiNaC::is_a<GiNaC::function>(e) && made.nops() > 0 && !GiNaC::is_a<GiNaC::function>(made);
  if (evaluated) made = held(made);
  functions_held_ = functions_held_ || evaluated;
  functions_.emplace(e, Made{made, evaluated});
  return made;
}

GiNaC::ex expand_all(const GiNaC::ex& e) { return Expansion()(e); }

GiNaC::ex expand_all(const GiNaC::ex& e, double max_work) {
  return Expansion([max_work](const GiNaC::ex& x) { return cheap_to_expand(x, max_work); })(e);
}

}  // namespace kcost
