#include "expr/rebuild.h"

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "expr/error.h"
#include "expr/expr.h"
#include "expr/functions.h"

namespace kcost {
namespace {

GiNaC::ex parse(const char* text) { return Expr::parse(text).ex(); }
std::string str(const GiNaC::ex& e) { return Expr(e).str(); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ExprError& e) {
    return e.message;
  }
  return "";
}

// Replaces every symbol named in `values`; the rest as it is.
struct Replace : GiNaC::map_function {
  std::map<std::string, GiNaC::ex> values;
  int calls = 0;
  GiNaC::ex operator()(const GiNaC::ex& e) override {
    ++calls;
    if (GiNaC::is_a<GiNaC::symbol>(e)) {
      auto found = values.find(GiNaC::ex_to<GiNaC::symbol>(e).get_name());
      return found == values.end() ? e : found->second;
    }
    return map_operands(e, *this);
  }
};

TEST(Rebuild, RemakeMakesANodeAgainWhenNoOperandChanges) {
  // GiNaC leaves a product's coefficient 1.0 out of its operands: mapping them changes nothing,
  // so map_operands keeps the node, float and all; remake makes it again, with 1.
  const GiNaC::ex product = Expr::parse("a * b * 1.0").ex();
  Replace none;
  EXPECT_TRUE(GiNaC::are_ex_trivially_equal(map_operands(product, none), product));
  const GiNaC::ex made = remake(product, none);
  EXPECT_TRUE(has_float(product));
  EXPECT_FALSE(has_float(made));
  EXPECT_TRUE(made.is_equal(Expr::parse("a * b").ex()));
}

TEST(Rebuild, MakesEachKindOfNodeWithNewOperands) {
  EXPECT_EQ(str(rebuild(parse("a + b"), {parse("c"), parse("2 * c")})), "3 * c");
  EXPECT_EQ(str(rebuild(parse("a * b"), {parse("c"), parse("c")})), "c**2");
  EXPECT_EQ(str(rebuild(parse("a ** b"), {parse("c + 1"), parse("2")})), "(c + 1)**2");
  EXPECT_EQ(str(rebuild(parse("a // b"), {parse("6 * c"), parse("3")})), "2 * c");  // evaluated by its rule
  EXPECT_EQ(str(rebuild(parse("min(a, b)"), {parse("4"), parse("7")})), "4");
  const GiNaC::ex list = rebuild(GiNaC::lst{parse("a"), parse("b")}, {parse("c"), parse("d")});
  EXPECT_TRUE(list.is_equal(GiNaC::lst{parse("c"), parse("d")}));
}

TEST(Rebuild, RefusesWhatTheOperatorsRefuseBeforeGinacEvaluatesIt) {
  EXPECT_EQ(error_of([] { rebuild(parse("a ** -2"), {parse("0"), parse("-2")}); }), "division by zero");
  EXPECT_EQ(error_of([] { rebuild(parse("a // b"), {parse("x"), parse("0")}); }), "division by zero");
  EXPECT_EQ(error_of([] { rebuild(parse("a % b"), {parse("x"), parse("0")}); }), "division by zero");
  EXPECT_EQ(error_of([] { rebuild(parse("a ** b"), {parse("3"), parse("1000000000000")}); }),
            "number too large in power");
  // Floats near the edge of the range are combined one at a time, each step bounded.
  EXPECT_EQ(str(rebuild(parse("a + b"), {parse("1e290 * x"), parse("1e300 * x")})), "1.0000000001e+300 * x");
  EXPECT_EQ(error_of([] { rebuild(parse("a * b"), {parse("1e300 * x"), parse("1e300 * y")}); }), "float overflow");
  EXPECT_EQ(str(rebuild(parse("a * b"), {parse("1e200 * x"), parse("1e100 * y")})), "1e+300 * x * y");
}

TEST(Rebuild, FloatsFarInsideTheRangeAreCombinedAtOnce) {
  EXPECT_EQ(str(rebuild(parse("a + b + c"), {parse("0.5 * x"), parse("0.25 * x"), parse("y")})), "0.75 * x + y");
  EXPECT_EQ(str(rebuild(parse("a * b"), {parse("0.5"), parse("x + 2 * y")})), "0.5 * x + y");
}

TEST(MapOperands, IsGinacsMapWhereThatThrowsNothing) {
  for (const char* text : {"a + b * c", "(a + b) ** 3 - min(a, c // b)", "x ** (a - b) * 2.5 + (a if a < b else c)"}) {
    SCOPED_TRACE(text);
    Replace mine;
    mine.values = {{"a", parse("b + 1")}, {"c", parse("3")}};
    struct Ginacs : GiNaC::map_function {
      Replace* replace;
      GiNaC::ex operator()(const GiNaC::ex& e) override {
        if (GiNaC::is_a<GiNaC::symbol>(e)) return (*replace)(e);
        return e.map(*this);
      }
    } ginacs;
    ginacs.replace = &mine;
    EXPECT_TRUE(mine(parse(text)).is_equal(ginacs(parse(text))));
  }
}

TEST(MapOperands, GivesTheNodeItselfWhenNoOperandChanged) {
  const GiNaC::ex e = parse("(a + b) * min(c, d)");
  Replace none;
  EXPECT_TRUE(GiNaC::are_ex_trivially_equal(map_operands(e, none), e));
  EXPECT_GT(none.calls, 0);
}

TEST(MapOperands, RefusesAZeroBaseUnderANegativeExponentAfterItsOperandsAreMade) {
  Replace three;
  three.values = {{"n", parse("3")}};
  EXPECT_EQ(error_of([&] { three(parse("x + 1 / (n - 3)")); }), "division by zero");
  EXPECT_EQ(error_of([&] { three(parse("x + y // (n - 3)")); }), "division by zero");
  EXPECT_EQ(str(three(parse("x + 1 / (n - 2)"))), "x + 1");
}

}  // namespace
}  // namespace kcost
