// Python's math module on numbers: formulas where the expression language has them, values
// where the arguments are known, and an unknown formula (never a number that holds at one config
// only) where neither.
#include "trace/python_math.h"

#include <cmath>

#include <gtest/gtest.h>

namespace kcost {
namespace {

Arg pos(ValuePtr v) { return {"", std::move(v), ""}; }
const Expr d = Expr::symbol("config.head_dim");

TEST(PythonMath, FloorOfAKnownSymbolKeepsItsFormulaAndGetsItsValue) {
  // math.floor(0.25 * config.head_dim) with head_dim 18 by default: 4, a formula in head_dim.
  ValuePtr x = Value::number(Expr::parse("0.25") * d, GiNaC::numeric(9, 2));
  ValuePtr out = python_math("math.floor", {pos(x)});
  ASSERT_TRUE(out && out->is(Value::Kind::Number));
  ASSERT_TRUE(out->known);
  EXPECT_EQ(*out->known, 4);
  EXPECT_EQ(out->expr, Expr::floor(Expr::parse("0.25") * d));
  EXPECT_EQ(*python_math("math.ceil", {pos(x)})->known, 5);
}

TEST(PythonMath, LogOfAConstantIsAConstant) {
  ValuePtr out = python_math("math.log", {pos(Value::number(Expr(32), GiNaC::numeric(32)))});
  ASSERT_TRUE(out && out->known);
  EXPECT_NEAR(out->known->to_double(), std::log(32.0), 1e-12);
  EXPECT_TRUE(out->expr.is_number());
  EXPECT_NEAR(python_math("math.log", {pos(Value::integer(8)), pos(Value::integer(2))})->known->to_double(), 3.0, 1e-12);
}

TEST(PythonMath, LogOfASymbolHasItsValueButNoFormula) {
  // log(config.max_position_embeddings): decided branches may use the value; a binding that
  // uses the formula is unknown.
  ValuePtr out = python_math("math.log", {pos(Value::number(Expr::symbol("config.max_position_embeddings"), GiNaC::numeric(4096)))});
  ASSERT_TRUE(out && out->known);
  EXPECT_NEAR(out->known->to_double(), std::log(4096.0), 1e-12);
  EXPECT_EQ(out->expr.symbols(), std::set<std::string>{Value::kUnknownSymbol});
  // Neither value nor formula.
  ValuePtr unknown = python_math("math.exp", {pos(Value::number(d))});
  EXPECT_FALSE(unknown->known);
  EXPECT_EQ(unknown->expr.symbols(), std::set<std::string>{Value::kUnknownSymbol});
}

TEST(PythonMath, Log2OfASymbolIsAFormula) {
  // ALiBi (Bloom): closest_power_of_2 = 2 ** math.floor(math.log2(num_heads)), a formula in
  // config.n_head exact at every config: 8 at 8, 8 at 12, 16 at 16.
  const Expr n = Expr::symbol("config.n_head");
  ValuePtr lg = python_math("math.log2", {pos(Value::number(n, GiNaC::numeric(8)))});
  ASSERT_TRUE(lg && lg->is(Value::Kind::Number) && lg->known);
  EXPECT_EQ(lg->expr, Expr::log2(n));
  EXPECT_EQ(lg->known->to_double(), 3.0);
  ValuePtr fl = python_math("math.floor", {pos(lg)});
  Expr power = Expr::pow(Expr(2), fl->expr);
  EXPECT_EQ(*fl->known, 3);
  for (auto [heads, expected] : {std::pair{8, 8}, {12, 8}, {16, 16}, {1, 1}})
    EXPECT_EQ(power.subs({{"config.n_head", Expr(heads)}}).as_number(), expected) << heads;
  EXPECT_EQ(Expr::parse("2 ** math.floor(math.log2(config.n_head))"), power);
  EXPECT_EQ(power.str(), "2**math.floor(math.log2(config.n_head))");
  EXPECT_EQ(Expr::parse("math.log2(0.25)").str(), "-2.0");
  EXPECT_THROW(Expr::parse("math.log2(0)"), std::exception);
}

TEST(PythonMath, NumpyFunctionsOfANumberAreMaths) {
  // CTRL's inputs_embeds *= np.sqrt(self.d_model_size).
  ValuePtr out = python_math("numpy.sqrt", {pos(Value::number(Expr::symbol("config.n_embd"), GiNaC::numeric(1280)))});
  ASSERT_TRUE(out && out->known);
  EXPECT_EQ(out->expr, Expr::pow(Expr::symbol("config.n_embd"), Expr(1) / Expr(2)));
  EXPECT_NEAR(out->known->to_double(), std::sqrt(1280.0), 1e-9);
  EXPECT_EQ(python_math("numpy.sqrt", {pos(Value::tensor({d}))}), nullptr);  // an array is not a number
}

TEST(PythonMath, OnlyMathFunctionsOfNumbers) {
  EXPECT_EQ(python_math("math.log", {pos(Value::tensor({d}))}), nullptr);
  EXPECT_EQ(python_math("math.gcd", {pos(Value::integer(4)), pos(Value::integer(6))}), nullptr);
  EXPECT_EQ(python_math("math.sqrt", {}), nullptr);
}

}  // namespace
}  // namespace kcost
