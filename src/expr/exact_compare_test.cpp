#include "expr/exact_compare.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "expr/expr.h"

namespace kcost {
namespace {

GiNaC::ex parse(const std::string& text) { return Expr::parse(text).ex(); }

int sign(int c) { return (c > 0) - (c < 0); }

TEST(ExactCompare, AFloatIsNeverTheExactNumberOfItsValue) {
  const GiNaC::ex six = 6, six_float = GiNaC::numeric(6.0);
  EXPECT_LT(exact_compare(six, six_float), 0);  // exact numbers first
  EXPECT_GT(exact_compare(six_float, six), 0);
  EXPECT_NE(exact_compare(parse("x + 6"), parse("x + 6.0")), 0);
  EXPECT_NE(exact_compare(parse("min(x, 6)"), parse("min(x, 6.0)")), 0);
  EXPECT_NE(exact_compare(parse("x ** 2"), parse("x ** 2.0")), 0);
}

TEST(ExactCompare, GiNaCsOrderWouldMakeAFloatAndItsExactValueShareOneTree) {
  // Why exact_compare exists: ex::compare holds 6 and 6.0 equal and then points both handles at
  // one of the two numbers.
  const GiNaC::ex six = 6, six_float = GiNaC::numeric(6.0);
  ASSERT_TRUE(GiNaC::ex_to<GiNaC::numeric>(six).is_rational());
  ASSERT_FALSE(GiNaC::ex_to<GiNaC::numeric>(six_float).is_rational());
  EXPECT_EQ(six.compare(six_float), 0);
  EXPECT_EQ(GiNaC::ex_to<GiNaC::numeric>(six).is_rational(), GiNaC::ex_to<GiNaC::numeric>(six_float).is_rational());
}

TEST(ExactCompare, EqualTreesCompareEqual) {
  EXPECT_EQ(exact_compare(parse("a * b + 2 * c"), parse("2 * c + b * a")), 0);
  EXPECT_EQ(exact_compare(parse("min(a, 6.0) // 2"), parse("min(a, 6.0) // 2")), 0);
  EXPECT_EQ(exact_compare(parse("x + 0.5"), parse("0.5 + x")), 0);
  const GiNaC::ex e = parse("x % 7");
  EXPECT_EQ(exact_compare(e, e), 0);
}

TEST(ExactCompare, ASumsFloatZeroConstantCounts) {
  // GiNaC leaves the zero constant out of the operands: x + y + 0.0 and x + y have the same ones.
  EXPECT_NE(exact_compare(parse("x + y + 3.0 - 3.0"), parse("x + y")), 0);
  EXPECT_EQ(exact_compare(parse("x + y + 3.0 - 3.0"), parse("y + x + 1.0 - 1.0")), 0);
}

TEST(ExactCompare, FunctionsDifferByWhichFunction) {
  EXPECT_NE(exact_compare(parse("min(a, b)"), parse("max(a, b)")), 0);
  EXPECT_NE(exact_compare(parse("a // b"), parse("a % b")), 0);
  EXPECT_NE(exact_compare(parse("min(a, b)"), parse("min(b, a)")), 0);
}

TEST(ExactCompare, IsATotalOrder) {
  const char* texts[] = {"6", "6.0", "-6", "x", "y", "x + 6", "x + 6.0", "x + y + 3.0 - 3.0", "x + y",
                         "2 * x", "2.0 * x", "x ** 2", "x ** 2.0", "min(x, 6)", "min(x, 6.0)",
                         "max(x, 6)", "x // 6 % 6.0", "x // 6 % 6", "1 / 3", "0.5"};
  std::vector<GiNaC::ex> all;
  for (const char* t : texts) all.push_back(parse(t));
  for (const auto& a : all) {
    EXPECT_EQ(exact_compare(a, a), 0);
    for (const auto& b : all) {
      EXPECT_EQ(sign(exact_compare(a, b)), -sign(exact_compare(b, a)));
      for (const auto& c : all)
        if (exact_compare(a, b) < 0 && exact_compare(b, c) < 0) EXPECT_LT(exact_compare(a, c), 0);
    }
  }
}

TEST(ExactCompare, ReadsOnly) {
  // GiNaC's compare makes two equal-valued trees share one; exact_compare leaves each its own.
  const Expr with_float = Expr::parse("x // 6 % 6.0"), exact = Expr::parse("x // 6 % 6");
  EXPECT_NE(exact_compare(with_float.ex(), exact.ex()), 0);
  EXPECT_EQ(with_float.str(), "x // 6 % 6.0");
  EXPECT_EQ(exact.str(), "x // 6 % 6");
}

TEST(ExactCompare, KeysAMapWithoutRewritingWhatIsLookedUp) {
  std::map<GiNaC::ex, std::string, ExactLess> memo;
  memo.emplace(parse("x + 6.0"), "float");
  const Expr exact = Expr::parse("x + 6");
  EXPECT_EQ(memo.find(exact.ex()), memo.end());
  EXPECT_EQ(exact.str(), "x + 6");
  memo.emplace(exact.ex(), "exact");
  EXPECT_EQ(memo.size(), 2u);
  EXPECT_EQ(memo.at(parse("x + 6")), "exact");
  EXPECT_EQ(memo.at(parse("6.0 + x")), "float");
}

}  // namespace
}  // namespace kcost
