#include "expr/walk.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "expr/expr.h"
#include "expr/functions.h"

namespace kcost {
namespace {

GiNaC::ex parse(const char* text) { return Expr::parse(text).ex(); }

std::set<std::string> symbols_walked(const GiNaC::ex& e) {
  std::set<std::string> names;
  walk_distinct(e, [&](const GiNaC::ex& x) {
    if (GiNaC::is_a<GiNaC::symbol>(x)) names.insert(GiNaC::ex_to<GiNaC::symbol>(x).get_name());
    return Walk::into;
  });
  return names;
}

// How many times a walk visits a node equal to `node`.
int visits_of(const GiNaC::ex& e, const GiNaC::ex& node) {
  int visits = 0;
  walk_distinct(e, [&](const GiNaC::ex& x) {
    if (x.is_equal(node)) ++visits;
    return Walk::into;
  });
  return visits;
}

TEST(WalkDistinct, VisitsASharedSubtreeOnce) {
  const GiNaC::ex shared = parse("(a + b + c) // d");
  const GiNaC::ex e = parse("x + y + z") * shared;
  const GiNaC::ex expanded = e.expand();  // x * s + y * s + z * s, one node s in each term
  ASSERT_EQ(expanded.nops(), 3u);
  int in_tree = 0;
  for (auto it = expanded.preorder_begin(); it != expanded.preorder_end(); ++it) in_tree += it->is_equal(shared);
  EXPECT_EQ(in_tree, 3);
  EXPECT_EQ(visits_of(expanded, shared), 1);
  EXPECT_EQ(visits_of(expanded, parse("a + b + c")), 1);
}

// Terms with a coefficient are made afresh by op(i) (a sum holds 2 * x as the pair (x, 2)), and a
// product made after one is freed may take its address: each visited node is kept alive, or the
// walk takes the new product for the freed one and misses what is under it.
TEST(WalkDistinct, NodesMadeAfreshAreNotTakenForFreedOnes) {
  for (const char* text : {"2*a + 3*x*(b + 5*c)", "7*p*(2*q + 3*r*(5*s + 7*t*(2*u + 3*v)))",
                           "2*a + 3*b + 5*c + 7*d*(2*e + 3*f*(11*g + 13*h))"}) {
    SCOPED_TRACE(text);
    std::set<std::string> expected;
    const GiNaC::ex e = parse(text);
    for (auto it = e.preorder_begin(); it != e.preorder_end(); ++it)
      if (GiNaC::is_a<GiNaC::symbol>(*it)) expected.insert(GiNaC::ex_to<GiNaC::symbol>(*it).get_name());
    EXPECT_EQ(symbols_walked(e), expected);
    EXPECT_EQ(symbols_walked(e), Expr(e).symbols());
  }
}

TEST(NodeMemo, NotesEachNodeOnceAndKeepsItAlive) {
  const GiNaC::ex product = parse("(a + b) * c");
  NodeMemo<int> memo;
  EXPECT_EQ(memo.find(product), nullptr);
  EXPECT_TRUE(memo.note(product, 1));
  EXPECT_FALSE(memo.note(product, 2));  // noted already: the first value stays
  ASSERT_NE(memo.find(product), nullptr);
  EXPECT_EQ(*memo.find(product), 1);
  const GiNaC::ex copy = product;  // the same node
  EXPECT_EQ(*memo.find(copy), 1);
  EXPECT_EQ(memo.find(parse("(a + b) * c")), nullptr);  // an equal node made apart is another node
  // the term 2 * y is made afresh by each op(0); the memo keeps the first alive, so the second,
  // made while it lives, is not made at its address
  const GiNaC::ex sum = parse("2 * y + 3 * z");
  ASSERT_TRUE(memo.note(sum.op(0), 3));
  EXPECT_EQ(memo.find(sum.op(0)), nullptr);
}

TEST(WalkDistinct, ParentsBeforeOperandsFirstOperandFirst) {
  std::vector<std::string> order;
  walk_distinct(parse("f // g + 1"), [&](const GiNaC::ex& x) {
    order.push_back(Expr(x).str());
    return Walk::into;
  });
  ASSERT_FALSE(order.empty());
  EXPECT_EQ(order.front(), Expr(parse("f // g + 1")).str());
  const auto floordiv = std::find(order.begin(), order.end(), "f // g");
  ASSERT_NE(floordiv, order.end());
  ASSERT_LT(floordiv + 2, order.end());
  EXPECT_EQ(*(floordiv + 1), "f");
  EXPECT_EQ(*(floordiv + 2), "g");
}

TEST(WalkDistinct, IntoFirstSkipsTheExponentOverSkipsTheOperands) {
  const GiNaC::ex power = parse("(a + 1) ** (b + 2)");
  std::set<std::string> names;
  walk_distinct(power, [&](const GiNaC::ex& x) {
    if (GiNaC::is_a<GiNaC::symbol>(x)) names.insert(GiNaC::ex_to<GiNaC::symbol>(x).get_name());
    return GiNaC::is_exactly_a<GiNaC::power>(x) ? Walk::into_first : Walk::into;
  });
  EXPECT_EQ(names, (std::set<std::string>{"a"}));
  int visits = 0;
  walk_distinct(power, [&](const GiNaC::ex&) {
    ++visits;
    return Walk::over;
  });
  EXPECT_EQ(visits, 1);
}

TEST(WalkDistinct, StopEndsTheWalkAndIsReported) {
  int visits = 0;
  EXPECT_TRUE(walk_distinct(parse("a * b + 1"), [&](const GiNaC::ex& x) {
    ++visits;
    return GiNaC::is_a<GiNaC::symbol>(x) ? Walk::stop : Walk::into;
  }));
  EXPECT_EQ(visits, 3);  // the sum, its first operand a * b, then a symbol of that
  EXPECT_FALSE(walk_distinct(parse("a + b * c + d"), [](const GiNaC::ex&) { return Walk::into; }));
  EXPECT_FALSE(walk_distinct(GiNaC::ex(3), [](const GiNaC::ex&) { return Walk::into; }));
}

// The walkers built on it find what a walk of the whole tree finds, once a shared node holds it.
TEST(WalkDistinct, FloatSearchesSeeWhatASharedNodeHolds) {
  const GiNaC::ex with_float = parse("x + y + z") * parse("(a + 0.5) // d");
  const GiNaC::ex with_unit = parse("x + y + z") * parse("(a + 0.5 * -(2 * b)) // d");
  for (const GiNaC::ex& e : {with_float.expand(), with_unit.expand()}) {
    EXPECT_TRUE(has_float(e));
    EXPECT_TRUE(has_float_outside_exponents(e));
  }
  EXPECT_TRUE(has_unit_float(with_unit.expand()));
  EXPECT_FALSE(has_unit_float(with_float.expand()));
  EXPECT_FALSE(has_float(parse("x + y + z") * parse("(a + 1) // d")));
  EXPECT_FALSE(has_float_outside_exponents(parse("(x * (a + 1) // d) ** 0.5")));
  EXPECT_TRUE(has_float(parse("(x * (a + 1) // d) ** 0.5")));
}

}  // namespace
}  // namespace kcost
