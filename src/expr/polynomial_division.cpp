#include "expr/polynomial_division.h"

#include <string>

#include "expr/expansion_size.h"
#include "expr/number.h"
#include "expr/walk.h"

namespace kcost {
namespace {

using GiNaC::ex;

// Calls f on each term of an expanded polynomial.
template <class F>
void each_term(const ex& p, F&& f) {
  if (GiNaC::is_exactly_a<GiNaC::add>(p)) {
    for (size_t i = 0; i < p.nops(); ++i) f(p.op(i));
  } else {
    f(p);
  }
}

// The work of reading or multiplying out an expanded polynomial: 1 a term, and 1 more for each
// 64 bits of its coefficient. The numbers grow as a division goes on (each step divides by the
// divisor's leading coefficient and multiplies by its other ones): counting terms alone,
// `a ** 100000` by `3 ** 6000 * a + b` took 41 s within 5,000 of work, its numbers growing by 9,500
// bits a step.
double weight(const ex& p) {
  double w = 0;
  each_term(p, [&](const ex& term) {
    w += 1;
    auto number = [&](const ex& x) {
      if (GiNaC::is_exactly_a<GiNaC::numeric>(x)) w += number::bit_length(GiNaC::ex_to<GiNaC::numeric>(x)) / 64;
    };
    number(term);
    if (GiNaC::is_exactly_a<GiNaC::mul>(term))
      for (size_t i = 0; i < term.nops(); ++i) number(term.op(i));
  });
  return w;
}

// The symbol of `e` whose name comes first (ties, two symbols of one name, by GiNaC's order).
// `e` holds one.
ex first_symbol(const ex& e) {
  ex first;
  walk_distinct(e, [&](const ex& node) {
    if (GiNaC::is_a<GiNaC::symbol>(node)) {
      if (first.is_zero()) {
        first = node;
      } else {
        const int by_name = GiNaC::ex_to<GiNaC::symbol>(node).get_name().compare(
            GiNaC::ex_to<GiNaC::symbol>(first).get_name());
        if (by_name < 0 || (by_name == 0 && node.compare(first) < 0)) first = node;
      }
    }
    return Walk::into;
  });
  return first;
}

// r - t * b, all three expanded: every product of a term of t and a term of b made (each a
// monomial) and added to r's terms at once (GiNaC's expand of t * b adds them one by one into
// the sum so far, copying it each time).
ex minus_product(const ex& r, const ex& t, const ex& b) {
  GiNaC::exvector sum;
  each_term(r, [&](const ex& x) { sum.push_back(x); });
  each_term(t, [&](const ex& x) { each_term(b, [&](const ex& y) { sum.push_back(-(x * y)); }); });
  return GiNaC::add(sum);  // adds like terms
}

class Division {
 public:
  explicit Division(double max_work) : left_(max_work) {}

  // a / b for expanded a and b (b not zero); empty when b does not divide a or the work ran out.
  std::optional<ex> operator()(const ex& a, const ex& b) {
    if (a.is_zero()) return ex(0);
    if (GiNaC::is_exactly_a<GiNaC::numeric>(b)) {
      if (!spend(weight(a) * weight(b))) return std::nullopt;
      return (a * GiNaC::ex_to<GiNaC::numeric>(b).inverse()).expand();
    }
    if (GiNaC::is_exactly_a<GiNaC::numeric>(a)) return std::nullopt;  // b is not a number
    if (a.is_equal(b)) return ex(1);
    // Long division in x: each step takes (the leading coefficients' quotient) * x ** (rdeg -
    // bdeg) * b off the remainder, until it is zero (b divides a) or of a lower degree in x than
    // b is (it does not: a quotient's degree in x adds to b's).
    const ex x = first_symbol(b);
    const int bdeg = b.degree(x);
    const ex lead = b.coeff(x, bdeg);
    GiNaC::exvector quotient;
    ex r = a;
    while (true) {
      if (!spend(weight(r))) return std::nullopt;
      const int rdeg = r.degree(x);
      if (rdeg < bdeg) return std::nullopt;
      const std::optional<ex> c = (*this)(r.coeff(x, rdeg), lead);
      if (!c) return std::nullopt;
      const ex t = (*c * GiNaC::pow(x, rdeg - bdeg)).expand();
      if (!spend(weight(t) * weight(b))) return std::nullopt;
      quotient.push_back(t);
      r = minus_product(r, t, b);
      if (r.is_zero()) return GiNaC::add(quotient);
    }
  }

 private:
  bool spend(double work) {
    left_ -= work;
    return left_ >= 0;
  }
  double left_;
};

}  // namespace

std::optional<GiNaC::ex> divide_exactly(const GiNaC::ex& a, const GiNaC::ex& b, double max_work) {
  // Expanding each side is work too (bounded as every expansion is, its numbers included).
  const ExpansionSize a_size = expansion_size(a), b_size = expansion_size(b);
  if (!cheap_to_expand(a, a_size) || !cheap_to_expand(b, b_size) || a_size.work + b_size.work > max_work)
    return std::nullopt;
  const ex ea = expand_all(a), eb = expand_all(b);
  if (eb.is_zero()) return std::nullopt;
  return Division(max_work - a_size.work - b_size.work)(ea, eb);
}

}  // namespace kcost
