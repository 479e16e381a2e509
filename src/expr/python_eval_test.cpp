#include "expr/python_eval.h"

#include <gtest/gtest.h>

#include "expr/error.h"
#include "expr/expr.h"
#include "expr/number.h"

namespace kcost {
namespace {

using GiNaC::numeric;

numeric at(const char* text, const std::map<std::string, numeric>& values, FloatLiterals floats) {
  return evaluate(Expr::parse(text).ex(), values, floats);
}

TEST(PythonEval, FloatLiteralsArePythonFloatsByDefault) {
  const numeric v = evaluate(Expr::parse("x * 0.5").ex(), {{"x", 3}});
  EXPECT_TRUE(number::is_float(v));
  EXPECT_EQ(v.to_double(), 1.5);
  // Python's 3 * (1/7 + 0.1) // (1/7 + 0.1) is 2.0: the product rounds below 3 times the sum
  EXPECT_EQ(at("x * (y + 0.1) // (y + 0.1)", {{"x", 3}, {"y", numeric(1, 7)}}, FloatLiterals::python).to_double(), 2.0);
}

TEST(PythonEval, ExactReadsEachDoubleAsTheRationalItIs) {
  EXPECT_EQ(at("0.1", {}, FloatLiterals::exact), numeric(3602879701896397) / numeric(36028797018963968));
  EXPECT_EQ(at("x * 0.5", {{"x", 3}}, FloatLiterals::exact), numeric(3, 2));
  EXPECT_FALSE(number::is_float(at("x * 0.5", {{"x", 3}}, FloatLiterals::exact)));
  // no rounding: the floor of what is exactly 3
  EXPECT_EQ(at("x * (y + 0.1) // (y + 0.1)", {{"x", 3}, {"y", numeric(1, 7)}}, FloatLiterals::exact), 3);
}

TEST(PythonEval, ExactHasNoFloatRange) {
  EXPECT_THROW(at("x * 1e300", {{"x", numeric(10000000000)}}, FloatLiterals::python), ExprError);
  const numeric big = at("x * 1e300", {{"x", numeric(10000000000)}}, FloatLiterals::exact);
  EXPECT_TRUE(big.is_integer());
  EXPECT_GT(big, numeric(10).power(309));
}

TEST(PythonEval, ExactStillMakesFloatsWherePythonMustRound) {
  // a non-integer power and log2 have no exact value in general: still floats
  const numeric root = at("x ** 0.5", {{"x", 4}}, FloatLiterals::exact);
  EXPECT_TRUE(number::is_float(root));
  EXPECT_EQ(root.to_double(), 2.0);
  EXPECT_TRUE(number::is_float(at("log2(x * 0.5)", {{"x", 16}}, FloatLiterals::exact)));
}

}  // namespace
}  // namespace kcost
