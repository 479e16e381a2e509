#include "expr/python_eval.h"

#include <gtest/gtest.h>

#include <cmath>

#include "expr/error.h"
#include "expr/expr.h"
#include "expr/number.h"
#include "expr/sampled_equality.h"
#include "expr/symbol_table.h"

namespace kcost {
namespace {

using GiNaC::numeric;

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ExprError& e) {
    return e.what();
  }
  return "";
}

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

TEST(PythonEval, ExactReadsSumsAndProductsAsGiNaCHoldsThem) {
  // An expr_roundtrip finding. Expr::pow takes the content 9 ** -114 out of this float-bearing
  // sum (sum_content.h), leaving the term 9 ** 114 * c / (d * r), whose product holds the
  // coefficient 1.0 (from `1.`), which GiNaC leaves out of its operands. op(i) makes that term
  // again as 6.076396096647707e108 * c / (d * r), 9 ** 114 rounded: read so, the sum was off by
  // 1e93 at this point, and the value, which is a hair below 1458 = 486 * h, lay above it; `% h`
  // took 5e-13 where the printed form (which writes the exact 9 ** 114) took 3.
  const char* text = "((b)*(.1*-(3+b)*y*9**-114-0)-(c/d)*1./-r)**6*x";
  const std::map<std::string, numeric> point{{"b", 2}, {"c", 3}, {"d", 1}, {"h", 3}, {"r", 1}, {"x", 2}, {"y", 1}};
  const numeric value = at(text, point, FloatLiterals::exact);
  EXPECT_LT(value, 1458);
  EXPECT_GT(value, numeric(1458) - numeric(1, 1000));
  const std::string printed = Expr::parse(text).str();
  EXPECT_EQ(value, at(printed.c_str(), point, FloatLiterals::exact));
  const Expr found = Expr::parse(std::string(text) + "%h");
  EXPECT_TRUE(sample_equality(found, Expr::parse(found.str())).equal(6));
  // A product's own coefficient 1.0 and its factors' powers, read pair by pair too.
  EXPECT_EQ(at("c * 1. * d**2 / r**3", {{"c", 3}, {"d", 2}, {"r", 2}}, FloatLiterals::exact), numeric(3, 2));
  EXPECT_EQ(at("1. * c * 2**-3 + 0.5", {{"c", 4}}, FloatLiterals::exact), 1);
  EXPECT_EQ(at("x ** 2 * y ** -1 - 3", {{"x", 3}, {"y", 2}}, FloatLiterals::exact), numeric(3, 2));
}

TEST(PythonEval, ExactHasNoFloatRange) {
  EXPECT_THROW(at("x * 1e300", {{"x", numeric(10000000000)}}, FloatLiterals::python), ExprError);
  const numeric big = at("x * 1e300", {{"x", numeric(10000000000)}}, FloatLiterals::exact);
  EXPECT_TRUE(big.is_integer());
  EXPECT_GT(big, numeric(10).power(309));
}

TEST(PythonEval, ExactReadsTheFloatsItMakesAsTheRationalsTheyAre) {
  // A non-integer power and log2 round as Python rounds them, to a double; that double is then
  // read as the exact rational it is, as a literal is, and what follows is exact.
  const numeric root = at("x ** 0.5", {{"x", 2}}, FloatLiterals::exact);
  EXPECT_FALSE(number::is_float(root));
  EXPECT_EQ(root, number::exact_value(number::make_float(std::sqrt(2.0))));
  EXPECT_FALSE(number::is_float(at("x ** 0.5", {{"x", 4}}, FloatLiterals::exact)));
  EXPECT_FALSE(number::is_float(at("log2(x * 0.5)", {{"x", 16}}, FloatLiterals::exact)));
  EXPECT_EQ(at("log2(x * 0.5)", {{"x", 16}}, FloatLiterals::exact), 3);
  EXPECT_TRUE(number::is_float(at("x ** 0.5", {{"x", 2}}, FloatLiterals::python)));
  // An expr_roundtrip finding: `2 * (g - e - c * 5 ** e) ** 21 / E % b` is read back as
  // `-2 * (e + c * 5 ** e - g) ** 21 / E % b` (or held so, by the symbols' serials); at a
  // rational point 5 ** e is a float, and kept a float it rounded every step after it, the two
  // sums in another order, and the modulo made the last places another value. A fresh set of
  // symbols each time, after k unused ones.
  for (int k = 0; k < 40; ++k) {
    for (int i = 0; i < k; ++i) GiNaC::symbol unused("unused");
    const SymbolScope scope;
    const Expr e = Expr::parse("((2 * (1 + b + 4 * e) * (g - 1 * 6 ** 2e-4 * 5 ** e - e) ** 21 / E % b) - 4) * e");
    const Expr again = Expr::parse(e.str());
    const SampledEquality sampled = sample_equality(again, e);
    EXPECT_EQ(sampled.agreed, sampled.evaluated) << k << ": " << e.str();
  }
}

TEST(PythonEval, MaxBitsBoundsEveryExactNumberOnTheWay) {
  const std::map<std::string, numeric> at_point = {{"x", numeric(13, 11)}, {"y", numeric(13, 11)}};
  const auto value = [&](const char* text, double max_bits) {
    return evaluate(Expr::parse(text).ex(), at_point, FloatLiterals::exact, max_bits);
  };
  // a power refused before it is made (4 bits times 4,000), where number::kMaxPowerBits allows it
  EXPECT_EQ(value("x ** 4000 + 1", 0), numeric(13, 11).power(4000) + 1);
  EXPECT_EQ(error_of([&] { value("x ** 4000 + 1", 1000); }), "number too large in power");
  // a product grown past the bound from factors within it (13 ** 200 has 741 bits)
  EXPECT_EQ(value("x ** 100 * y ** 100", 1000), numeric(13, 11).power(200));
  EXPECT_EQ(error_of([&] { value("x ** 200 * y ** 200", 1000); }), "number too large");
  // 0, 1 and -1 to any power, made at once as number::pow makes them
  EXPECT_EQ(evaluate(Expr::parse("x ** 2222222 + y ** 2222223").ex(), {{"x", 1}, {"y", -1}}, FloatLiterals::exact, 1000), 0);
  // a double's exact value takes at most 1,075 bits: 1e-300's, 1,050
  EXPECT_EQ(evaluate(Expr::parse("1e-300 * x").ex(), {{"x", 1}}, FloatLiterals::exact, 1100),
            number::exact_value(number::make_float(1e-300)));
}

TEST(PythonEval, AComplexNumberGiNaCMadeHasNoValue) {
  // GiNaC expands (-77772 ** s) ** 4e-4 into a complex float times 77772 ** (4e-4 * s), inside
  // the floor division too, which is then left as it is on the complex value (an expr_roundtrip
  // finding: read as a number, undefined behaviour)
  const Expr expanded = Expr::parse("(-77772 ** s) ** 4e-4 * b // 1").expand();
  ASSERT_NE(expanded.str().find("//"), std::string::npos);
  for (FloatLiterals floats : {FloatLiterals::python, FloatLiterals::exact})
    EXPECT_EQ(error_of([&] { evaluate(expanded.ex(), {{"s", 1}, {"b", 1}}, floats); }),
              "does not evaluate to a real number");
  EXPECT_EQ(error_of([&] { evaluate(Expr::parse("(-77772 ** s) ** 4e-4").expand().ex(), {{"s", 1}}); }),
            "does not evaluate to a real number");
}

}  // namespace
}  // namespace kcost
