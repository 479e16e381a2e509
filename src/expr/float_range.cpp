#include "expr/float_range.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include <cln/integer.h>
#include <cln/float.h>

#include "expr/functions.h"
#include "expr/number.h"
#include "expr/walk.h"

namespace kcost {

namespace {

using GiNaC::ex;
using GiNaC::numeric;

const numeric& num(const ex& e) { return GiNaC::ex_to<numeric>(e); }

// A term of a sum as GiNaC holds it: its numeric coefficient and the rest, and whether its number
// is a float: the coefficient is, or the rest is a product whose own number is the float 1.0
// (GiNaC leaves a number equal to 1 in the product it makes a term of: `q + 1.0 * o * y` holds
// the term o * y with that 1.0 and the exact coefficient 1). A number beyond the float range
// that GiNaC multiplies into the coefficient (`21 ** 424 * (q + 1.0 * o * y)`, Python's
// OverflowError) went unseen, and the sum held it exactly until op(i) multiplied the pair back
// together and threw from inside GiNaC, uncaught (an expr_roundtrip finding).
struct Term {
  numeric coefficient;
  ex rest;
  bool is_float;
};

Term term(const numeric& coefficient, const ex& rest) {
  return {coefficient, rest, number::is_float(coefficient) || has_unit_float_coefficient(rest)};
}

// The terms of e as a sum: a sum's pairs and its number (a float zero too), anything else one
// term (a product's coefficient and its other factors).
std::vector<Term> terms_of(const ex& e) {
  std::vector<Term> terms;
  if (GiNaC::is_exactly_a<GiNaC::add>(e)) {
    const GiNaC::add& sum = GiNaC::ex_to<GiNaC::add>(e);
    for (const GiNaC::expair& pair : pairs_of(sum)) terms.push_back(term(num(pair.coeff), pair.rest));
    const ex& constant = number_of(sum);
    if (!num(constant).is_zero() || number::is_float(num(constant))) terms.push_back(term(num(constant), 1));
  } else if (GiNaC::is_exactly_a<numeric>(e)) {
    terms.push_back(term(num(e), 1));
  } else if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    const GiNaC::mul& product = GiNaC::ex_to<GiNaC::mul>(e);
    terms.push_back(term(num(number_of(product)), GiNaC::mul(pairs_of(product))));
  } else {
    terms.push_back(term(1, e));
  }
  return terms;
}

bool float_coefficient_in(const std::vector<Term>& terms) {
  return std::any_of(terms.begin(), terms.end(), [](const Term& t) { return t.is_float; });
}


// The largest extent of a coefficient of e's terms.
double coefficient_extent(const ex& e) {
  double extent = 0;
  for (const Term& t : terms_of(e)) extent = std::max(extent, extent_of(t.coefficient));
  return extent;
}

}  // namespace

// log2 of a positive integer, to a double's precision: the bit length alone is up to a bit off,
// which an exponent multiplies (24 has 5 bits and a log2 of 4.58: as 5 - 1, (24 * e) ** 241.0
// passed as 2 ** 964, and 24.0 ** 241 overflowed inside GiNaC, which leaked: a fuzz finding).
// A longer integer is shifted to its leading 64 bits: dividing it by a power of 2 as a rational
// took a gcd of the two (0.1 s for a number of a million bits, which expr_roundtrip's inputs
// make, some 1.6 s in one comparison).
double log2_of_integer(const GiNaC::numeric& n) {
  const long bits = n.int_length();
  if (bits <= 1000) return std::log2(n.to_double());
  const cln::cl_I leading = cln::ash(cln::the<cln::cl_I>(n.to_cl_N()), -(bits - 64));
  return static_cast<double>(bits - 64) + std::log2(cln::double_approx(leading));
}

double log2_magnitude(const GiNaC::numeric& v) {
  if (!v.is_rational()) return std::log2(std::fabs(v.to_double()));
  return log2_of_integer(GiNaC::abs(v.numer())) - log2_of_integer(v.denom());
}

double extent_of(const GiNaC::numeric& v) {
  if (v.is_zero() || !v.is_real()) return 0;
  return std::fabs(log2_magnitude(v));
}

Product product_of(const GiNaC::ex& e) {
  Product p;
  if (GiNaC::is_exactly_a<numeric>(e)) {
    p.coefficient = num(e);
  } else if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    const GiNaC::mul& product = GiNaC::ex_to<GiNaC::mul>(e);
    p.coefficient = num(number_of(product));
    for (const GiNaC::expair& pair : pairs_of(product)) p.factors.push_back({pair.rest, pair.coeff});
  } else if (GiNaC::is_exactly_a<GiNaC::power>(e) && GiNaC::is_exactly_a<numeric>(e.op(1))) {
    p.factors.push_back({e.op(0), e.op(1)});
  } else {
    p.factors.push_back({e, 1});
  }
  return p;
}

double number_extent(const GiNaC::ex& e) {
  double extent = 0;
  walk_distinct(e, [&](const GiNaC::ex& x) {
    if (!GiNaC::is_exactly_a<numeric>(x)) return Walk::into;
    extent = std::max(extent, extent_of(num(x)));
    return Walk::over;
  });
  return extent;
}

bool sum_may_overflow(const GiNaC::ex& a, const GiNaC::ex& b, double limit) {
  return sum_may_overflow(GiNaC::exvector{a, b}, limit);
}

bool sum_may_overflow(const GiNaC::exvector& operands, double limit) {
  // GiNaC adds the coefficients of like terms (the numbers among them), and nothing else: k
  // coefficients at most 2 ** E each add to at most 2 ** (E + log2 k).
  struct Like {
    double extent = 0;
    double count = 0;
    bool has_float = false;
  };
  std::vector<std::vector<Term>> terms;
  bool floats = false;
  for (const ex& op : operands) {
    terms.push_back(terms_of(op));
    floats = floats || float_coefficient_in(terms.back());
  }
  if (!floats) return false;
  std::map<ex, Like, GiNaC::ex_is_less> like;
  for (const std::vector<Term>& ts : terms)
    for (const Term& t : ts) {
      Like& l = like[t.rest];
      l.extent = std::max(l.extent, extent_of(t.coefficient));
      l.count += 1;
      l.has_float = l.has_float || t.is_float;
    }
  for (const auto& [rest, l] : like)
    if (l.count > 1 && l.has_float && l.extent + std::ceil(std::log2(l.count)) > limit) return true;
  return false;
}

namespace {

// content_may_overflow on the terms of `sum`, read once.
bool content_overflows(const ex& sum, const std::vector<Term>& terms, double coefficient, bool float_coefficient,
                       double limit) {
  if (!float_coefficient && !float_coefficient_in(terms)) return false;  // exact numbers never overflow
  const numeric content = sum.integer_content();  // exact: GiNaC takes no content from a float
  if (content == 1) return false;
  // The content itself must be a float (GiNaC divides a float by it: a content below the float
  // range is 0.0), and each float coefficient divided by it must stay in the range: a small float
  // over a small content is a moderate number (-5e-17 / 2 ** -989 is about 2 ** 935).
  const double divisor = log2_magnitude(content);
  if (std::fabs(divisor) > limit) return true;
  for (const Term& t : terms)
    if (t.is_float && !t.coefficient.is_zero() && std::fabs(log2_magnitude(t.coefficient) - divisor) > limit)
      return true;
  return coefficient + std::fabs(divisor) > limit;
}

// Whether the product of a and b may have at most one factor besides its number, once GiNaC
// has combined the factors of a common base (their exponents add: x * (s / x) is s alone; a
// number's powers may make a number). Counted so as never to miss one: a common base that is a
// number, or whose exponents may add to zero (as doubles, which neither overflow nor miss a
// float zero), counts as gone.
bool sole_factor(const Product& pa, const Product& pb) {
  size_t factors = pa.factors.size() + pb.factors.size();
  for (const Factor& fa : pa.factors)
    for (const Factor& fb : pb.factors) {
      if (!fa.base.is_equal(fb.base)) continue;
      const double x = num(fa.exponent).to_double(), y = num(fb.exponent).to_double();
      const bool stays = !GiNaC::is_exactly_a<numeric>(fa.base) && std::isfinite(x) && std::isfinite(y) && x + y != 0;
      factors -= stays ? 1 : 2;
    }
  return factors <= 1;
}

}  // namespace

bool content_may_overflow(const GiNaC::ex& sum, double coefficient, bool float_coefficient, double limit) {
  return content_overflows(sum, terms_of(sum), coefficient, float_coefficient, limit);
}

bool product_may_overflow(const GiNaC::ex& a, const GiNaC::ex& b, double limit) {
  const Product pa = product_of(a), pb = product_of(b);
  const bool float_coefficient = number::is_float(pa.coefficient) || number::is_float(pb.coefficient);
  const double coefficients = extent_of(pa.coefficient) + extent_of(pb.coefficient);
  // The coefficients multiply.
  if (float_coefficient && coefficients > limit) return true;
  // A sum factor has its integer content taken out into the coefficient, and may take the
  // coefficient into its own coefficients (GiNaC distributes a number over a sum that is the
  // only other factor: not `2 ** 9000 * x * (3.1e-06 * a - b)`, which GiNaC's power of a sum
  // makes when it takes out the sum's content, and which must read back: an expr_roundtrip
  // finding).
  const bool sole = sole_factor(pa, pb);
  for (const Product* p : {&pa, &pb})
    for (const Factor& f : p->factors) {
      if (!GiNaC::is_exactly_a<GiNaC::add>(f.base) || !f.exponent.is_equal(1)) continue;
      const std::vector<Term> terms = terms_of(f.base);
      if (content_overflows(f.base, terms, coefficients, float_coefficient, limit)) return true;
      if (!sole) continue;
      for (const Term& t : terms)
        if ((float_coefficient || t.is_float) && coefficients + extent_of(t.coefficient) > limit)
          return true;
    }
  // Factors of a common base add their exponents, and the power is made again: a sum's content
  // is taken out to the new power (or, at the power 1, the coefficient distributed over it).
  for (const Factor& fa : pa.factors)
    for (const Factor& fb : pb.factors) {
      if (!fa.base.is_equal(fb.base)) continue;
      const numeric& x = num(fa.exponent);
      const numeric& y = num(fb.exponent);
      if ((number::is_float(x) || number::is_float(y)) && std::max(extent_of(x), extent_of(y)) + 1 > limit) return true;
      if (!GiNaC::is_exactly_a<GiNaC::add>(fa.base) || !(float_coefficient || float_coefficient_in(terms_of(fa.base))))
        continue;
      const double n = std::fabs(x.to_double() + y.to_double());
      if (coefficients + n * coefficient_extent(fa.base) > limit) return true;
    }
  return false;
}

bool power_may_overflow(const GiNaC::ex& base, const GiNaC::numeric& exponent, double limit) {
  if (GiNaC::is_exactly_a<numeric>(base)) {
    const numeric& v = num(base);
    if (v.is_zero() || !v.is_real() || (v.is_rational() && exponent.is_rational())) return false;
    return log2_magnitude(v) * exponent.to_double() > limit;
  }
  // A power's base is raised only where GiNaC folds the exponents, (x ** c1) ** c2 into
  // x ** (c1 * c2), c1 a number. Under a symbolic exponent nothing is raised: (16 ** -y) ** 1e27
  // is 16 ** (-1e27 * y). Counting 16 ** 1e27 there refused `1 / (a * 16**-y)**1e+27`, the
  // printed form of `(a * 16 ** -y) ** -1e27` (an expr_roundtrip finding).
  if (GiNaC::is_exactly_a<GiNaC::power>(base))
    return GiNaC::is_exactly_a<numeric>(base.op(1)) && power_may_overflow(base.op(0), exponent, limit);
  if (!GiNaC::is_exactly_a<GiNaC::mul>(base)) return false;
  for (size_t i = 0; i < base.nops(); ++i)
    if (power_may_overflow(base.op(i), exponent, limit)) return true;
  return false;
}

}  // namespace kcost
