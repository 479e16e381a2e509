// Tests of exact polynomial division within a bound on its work: the quotients it finds, the
// divisions it proves impossible, the ones it gives up on, and that none depends on the order of
// the symbols.
#include "expr/polynomial_division.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "expr/expansion_size.h"
#include "expr/expr.h"
#include "expr/symbol_orders_for_tests.h"

namespace kcost {
namespace {

GiNaC::ex parsed(const char* text) { return Expr::parse(text).ex(); }

std::optional<GiNaC::ex> divided(const char* a, const char* b, double max_work = kMaxDivisionWork) {
  return divide_exactly(parsed(a), parsed(b), max_work);
}

struct Quotient {
  const char* a;
  const char* b;
  const char* q;
};

TEST(PolynomialDivision, FindsTheQuotientWhenTheDivisorDividesExactly) {
  const Quotient table[] = {
      {"a * b + a", "b + 1", "a"},
      {"a**2 - b**2", "a - b", "a + b"},
      {"a**2 - b**2", "b - a", "-a - b"},
      {"x**5 - 1", "x - 1", "x**4 + x**3 + x**2 + x + 1"},
      {"(x + y)**3", "x + y", "(x + y)**2"},
      {"(x + y)**3", "(x + y)**2", "x + y"},
      {"x / 2 + 1 / 2", "x + 1", "1 / 2"},  // rational coefficients: the quotient need not be integral
      {"6 * x + 3", "3", "2 * x + 1"},     // by a number
      {"6 * x + 3", "2", "3 * x + 3 / 2"},
      {"0", "x + 1", "0"},
      {"x + y", "x + y", "1"},
      {"x * y * z", "y", "x * z"},  // a monomial by a monomial
      // leading coefficients that are polynomials themselves, divided recursively
      {"(a * x + b) * (c * x + d)", "c * x + d", "a * x + b"},
      {"(a * x + b) * (c * x + d)", "a * x + b", "c * x + d"},
      {"(a * b * x + 1) * (a + b) * (x - y)", "(a + b) * (x - y)", "a * b * x + 1"},
      // many terms: a 21st power of a three-term sum (253 terms) times a sum, by that sum
      {"(-(a0 + b) * e - e)**21 * (a0x + 2**64 - e)", "a0x + 2**64 - e", "(-(a0 + b) * e - e)**21"},
  };
  for (const Quotient& c : table) {
    SCOPED_TRACE(std::string(c.a) + " / " + c.b);
    const std::optional<GiNaC::ex> q = divided(c.a, c.b);
    ASSERT_TRUE(q.has_value());
    EXPECT_TRUE((*q - parsed(c.q)).expand().is_zero()) << *q;
    EXPECT_TRUE((*q * parsed(c.b) - parsed(c.a)).expand().is_zero()) << *q;
    EXPECT_TRUE((*q - q->expand()).is_zero()) << "expanded: " << *q;
  }
}

TEST(PolynomialDivision, FindsNothingWhenTheDivisorDoesNotDivide) {
  const std::pair<const char*, const char*> table[] = {
      {"x", "x + 1"},
      {"3", "x"},             // a number by a polynomial
      {"x**2 + 1", "x + 1"},  // a remainder of 2
      {"x", "x**2"},          // of a lower degree in the divisor's symbol
      {"(a + b)**2", "c + 1"},  // a symbol the dividend lacks
      {"a * b + 1", "b"},
      {"x * y", "x + y"},
      {"(a * x + b) * (c * x + d) + 1", "c * x + d"},
      {"(a * x + b) * (c * x + d)", "a * x + c"},  // the leading coefficients divide, the rest not
  };
  for (const auto& [a, b] : table) {
    SCOPED_TRACE(std::string(a) + " / " + b);
    const std::optional<GiNaC::ex> q = divided(a, b);
    EXPECT_FALSE(q.has_value()) << *q;
  }
}

TEST(PolynomialDivision, GivesUpPastItsWork) {
  // Divisible, but only within more work than given: the expansions' terms count (22 and 2), then
  // each step's remainder read and quotient term times divisor made, eleven steps in x.
  EXPECT_TRUE(divided("(x + y)**10 * (x + 1)", "x + 1").has_value());
  EXPECT_FALSE(divided("(x + y)**10 * (x + 1)", "x + 1", 100).has_value());
  EXPECT_TRUE(divided("(x + y)**10 * (x + 1)", "x + 1", 1000).has_value());
  // Divisible, the same sizes, but the main variable a is of degree 9 in the dividend: nine steps
  // of a large remainder, against one step in a for the second (a, the first name, of degree 1).
  EXPECT_FALSE(divided("(a + b + c + d)**8 * (a + 1)", "a + 1", 1500).has_value());
  EXPECT_TRUE(divided("(a + b + c + d)**8 * (a + 1)", "a + 1", 5000).has_value());
  EXPECT_TRUE(divided("(b + c + d + e)**8 * (e + a)", "e + a", 1500).has_value());
  // Sides whose expansions alone are past the work, or past kMaxExpandedTerms.
  EXPECT_FALSE(divided("(a + b + c + d)**40 * (a + 1)", "a + 1").has_value());  // 12,341 terms times 2
  EXPECT_FALSE(divided("(a + b + c + d)**200", "a + b + c + d", 1e9).has_value());
  // Not divisible, and GiNaC's divide took 77 s to tell `e ** 40` by `e + b + c + d + f`: the
  // divisor's leading coefficient in e is a number, so every step succeeds until the remainder's
  // degree in e is below 1, each multiplying out a remainder that grows to a fourth power's worth
  // of terms in b, c, d, f. Here the main variable is b, which e ** 40 lacks: proven at once. With
  // the names the other way round, the steps are GiNaC's, and the work runs out.
  EXPECT_FALSE(divided("e**40", "e + b + c + d + f").has_value());
  EXPECT_FALSE(divided("a**40", "a + b + c + d + f").has_value());
  EXPECT_FALSE(divided("(a + b)**829", "c - b").has_value());
  // The numbers count too: each step divides by 3 ** 6000 and multiplies by b, the remainder's
  // number growing 9,500 bits a step (41 s within 5,000 steps counted as terms alone).
  EXPECT_FALSE(divided("a**100000", "3**6000 * a + b").has_value());
  // GiNaC's took 24 s (trying each lower power of the dividend's base in turn, each as long, by
  // the order it gave the symbols): here a0x, the divisor's first symbol, is not in the dividend.
  EXPECT_FALSE(divided("(-(a0 + b) * e - e)**21", "(a0x + 2**64 - e)**21").has_value());
  EXPECT_FALSE(divided("(-(a0 + b) * e - e)**21", "(a0 + 2**64 - e)**21").has_value());
}

TEST(PolynomialDivision, TheQuotientAndWhetherItIsFoundFollowThePolynomialsNotTheirSymbolsOrder) {
  // The main variable is the divisor's symbol of the first name, whatever the serials: the same
  // quotients, and the same divisions given up on, in every order.
  const std::pair<const char*, const char*> table[] = {
      {"(a * x + b) * (c * x + d)", "c * x + d"},          // found
      {"(b + c + d + e)**8 * (e + a)", "e + a"},           // found
      {"(a + b + c + d)**8 * (a + 1)", "a + 1"},           // divisible, given up
      {"a**12", "a + b + c + d"},                          // not divisible, given up
      {"e**12", "e + b + c + d"},                          // not divisible, proven
  };
  for (const auto& [dividend, divisor] : table) {
    const char* a = dividend;  // a lambda (before C++20) captures no structured binding
    const char* b = divisor;
    SCOPED_TRACE(std::string(a) + " / " + b);
    std::string first;
    for_each_symbol_order(8, [&](int k) {
      // within 1,500: some of these are found and some given up on, by the work they take
      const std::optional<GiNaC::ex> q = divided(a, b, 1500);
      const std::string got = q ? Expr(*q).str() : "nothing";
      if (k == 0) first = got;
      EXPECT_EQ(got, first) << "order " << k;
    });
  }
}

}  // namespace
}  // namespace kcost
