// Tests of an optional upper bound inside min(): absent (the symbol leaves every min it bounds)
// and given as a share of the count it bounds.
#include "expr/upper_bound.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

Expr P(const char* text) { return Expr::parse(text); }

const std::set<std::string> kPoint = {"batch_size", "seq_len", "cache_len", "bytes"};

TEST(WithoutBound, TheSymbolLeavesEveryMinItBounds) {
  EXPECT_EQ(without_bound(P("min(min(8, 2 * batch_size * seq_len), h)"), "h"), P("min(8, 2 * batch_size * seq_len)"));
  EXPECT_EQ(without_bound(P("min(h, x)"), "h"), P("x"));
  // Inside sums and products, at any depth, each occurrence on its own.
  EXPECT_EQ(without_bound(P("3 * bytes * min(8, s, h) + min(4, h) * 2 + 7"), "h"), P("3 * bytes * min(8, s) + 8 + 7"));
  // Nested bounds of the same symbol.
  EXPECT_EQ(without_bound(P("min(min(x, h) + 1, h)"), "h"), P("x + 1"));
}

TEST(WithoutBound, AnExpressionWithoutTheSymbolIsUnchanged) {
  EXPECT_EQ(without_bound(P("min(8, s) * bytes + 4"), "h"), P("min(8, s) * bytes + 4"));
  EXPECT_EQ(without_bound(P("max(a, b)"), "h"), P("max(a, b)"));
}

TEST(WithoutBound, TheSymbolOutsideAMinIsAnError) {
  EXPECT_THROW(without_bound(P("h * 2"), "h"), ExprError);
  EXPECT_THROW(without_bound(P("min(8, s) + h"), "h"), ExprError);
  EXPECT_THROW(without_bound(P("max(8, h)"), "h"), ExprError);
}

TEST(BoundAsShare, AShareOfTheCountThatDoesNotDependOnThePoint) {
  Expr e = P("1000 * min(min(8, 2 * batch_size * seq_len), experts_hit)");
  Expr half = bound_as_share(e, "experts_hit", GiNaC::numeric(1, 2), kPoint);
  EXPECT_EQ(half, P("1000 * min(min(8, 2 * batch_size * seq_len), 4)"));
  EXPECT_EQ(half.eval({{"batch_size", 1}, {"seq_len", 1}}), 2000);     // 2 rows reach at most 2
  EXPECT_EQ(half.eval({{"batch_size", 1}, {"seq_len", 4096}}), 4000);  // half of the 8
  // A count that is a config value stays symbolic; a share can be a fraction of an expert.
  Expr c = bound_as_share(P("min(min(config.n, 2 * seq_len), experts_hit)"), "experts_hit", GiNaC::numeric(1, 3), kPoint);
  EXPECT_EQ(c.eval({{"config.n", 7}, {"seq_len", 100}}), GiNaC::numeric(7, 3));
}

TEST(BoundAsShare, NoSingleCountIsAnError) {
  // Every argument depends on the point, or two do not: nothing says what the share is of.
  EXPECT_THROW(bound_as_share(P("min(seq_len, experts_hit)"), "experts_hit", 1, kPoint), ExprError);
  EXPECT_THROW(bound_as_share(P("min(min(8, config.n), experts_hit)"), "experts_hit", 1, kPoint), ExprError);
  EXPECT_THROW(bound_as_share(P("2 * experts_hit"), "experts_hit", 1, kPoint), ExprError);
}

}  // namespace
}  // namespace kcost
