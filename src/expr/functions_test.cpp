// Tests of the Python operations GiNaC lacks: their values on numbers (exactly Python's) and
// what they do with symbols (stay symbolic, or simplify where exact).
#include "expr/functions.h"

#include <gtest/gtest.h>

#include "expr/expr.h"
#include "expr/number.h"

namespace kcost {
namespace {

std::string printed(std::string_view text) { return Expr::parse(text).str(); }

struct Case {
  const char* text;
  const char* value;  // as Python prints it (exact rationals as `p / q`)
};

void expect_values(const std::vector<Case>& table) {
  for (const Case& c : table) {
    SCOPED_TRACE(c.text);
    Expr e = Expr::parse(c.text);
    EXPECT_TRUE(e.is_number());
    EXPECT_EQ(e.str(), c.value);
  }
}

// ---------------------------------------------------------------------------------------
// On numbers

TEST(ExprPythonNumbers, FloorDivisionRoundsTowardsMinusInfinity) {
  expect_values({
      {"7 // 2", "3"},
      {"-7 // 2", "-4"},
      {"7 // -2", "-4"},
      {"-7 // -2", "3"},
      {"6 // 3", "2"},
      {"0 // 5", "0"},
      {"(7 / 2) // 1", "3"},
      {"(-7 / 2) // 1", "-4"},
      {"(7 / 2) // (1 / 3)", "10"},
      {"7.5 // 2", "3.0"},
      {"-7.5 // 2", "-4.0"},
      {"7 // -2.5", "-3.0"},
      {"-0.5 // 0.2", "-3.0"},
      {"2 ** 100 // 3", "422550200076076467165567735125"},
  });
}

TEST(ExprPythonNumbers, ModuloTakesTheSignOfTheDivisor) {
  expect_values({
      {"7 % 2", "1"},
      {"-7 % 2", "1"},
      {"7 % -2", "-1"},
      {"-7 % -2", "-1"},
      {"6 % 3", "0"},
      {"(7 / 2) % 1", "1 / 2"},
      {"(-7 / 2) % 1", "1 / 2"},
      {"7.5 % 2", "1.5"},
      {"-7.5 % 2", "0.5"},
      {"7 % -2.5", "-0.5"},
      {"5.5 % -2", "-0.5"},
  });
}

TEST(ExprPythonNumbers, MinAndMaxReturnTheFirstOfEqualArguments) {
  expect_values({
      {"min(3, 2)", "2"},
      {"max(3, 2)", "3"},
      {"min(-1, 5, -7, 2)", "-7"},
      {"max(-1, 5, -7, 2)", "5"},
      {"min(1 / 3, 0.3)", "0.3"},
      {"min(2, 1.5)", "1.5"},
      {"min(1, 1.0)", "1"},  // Python: min(1, 1.0) is 1
      {"max(1.0, 1)", "1.0"},
      {"min(1.0, 1)", "1.0"},
  });
}

TEST(ExprPythonNumbers, ComparisonsAreExactAndGiveOneOrZero) {
  expect_values({
      {"1 < 2", "1"},
      {"2 < 2", "0"},
      {"2 <= 2", "1"},
      {"3 > 2", "1"},
      {"2 >= 3", "0"},
      {"2 == 2", "1"},
      {"2 != 2", "0"},
      {"1 / 3 < 0.3333333333333333", "0"},  // exact: the double is below 1/3
      {"0.1 + 0.2 == 0.3", "0"},
      {"2 ** 53 + 1 > 9007199254740992.0", "1"},
      {"2 == 2.0", "1"},
      {"1 < 2 < 3", "1"},
      {"1 < 3 < 2", "0"},
      {"(1 < 2) + (2 < 3)", "2"},
  });
}

TEST(ExprPythonNumbers, AndOrReturnAnOperandLikePython) {
  expect_values({
      {"0 and 5", "0"},
      {"3 and 5", "5"},
      {"0 or 5", "5"},
      {"3 or 5", "3"},
      {"0 or 0", "0"},
      {"0.0 and 5", "0.0"},
      {"0.0 or 0", "0"},
      {"2.5 and 0", "0"},
      {"(1 / 2) or 7", "1 / 2"},
      {"1 < 2 and 7", "7"},
  });
}

TEST(ExprPythonNumbers, NotGivesOneOrZero) {
  expect_values({
      {"not 0", "1"},
      {"not 3", "0"},
      {"not 0.0", "1"},
      {"not -1 / 2", "0"},
      {"not not 7", "1"},
  });
}

TEST(ExprPythonNumbers, IfElsePicksByTruthiness) {
  expect_values({
      {"1 if 0 else 2", "2"},
      {"1 if 7 else 2", "1"},
      {"1 if 0.5 else 2", "1"},
      {"1 if 0.0 else 2", "2"},
      {"1 if 2 < 3 else 2", "1"},
  });
}

TEST(ExprPythonNumbers, IntFloorCeilGiveExactIntegers) {
  expect_values({
      {"int(3)", "3"},
      {"int(7 / 2)", "3"},
      {"int(-7 / 2)", "-3"},
      {"int(3.7)", "3"},
      {"int(-3.7)", "-3"},
      {"int(1e20)", "100000000000000000000"},
      {"math.floor(7 / 2)", "3"},
      {"math.floor(-7 / 2)", "-4"},
      {"math.floor(-3.5)", "-4"},
      {"math.ceil(7 / 2)", "4"},
      {"math.ceil(-7 / 2)", "-3"},
      {"math.ceil(-3.5)", "-3"},
      {"math.ceil(4)", "4"},
  });
}

TEST(ExprPythonNumbers, AbsKeepsTheType) {
  expect_values({
      {"abs(-3)", "3"},
      {"abs(3)", "3"},
      {"abs(-7 / 2)", "7 / 2"},
      {"abs(-3.5)", "3.5"},
  });
}

TEST(ExprPythonNumbers, PowersAreExactForIntegerExponents) {
  expect_values({
      {"2 ** 10", "1024"},
      {"2 ** -2", "1 / 4"},  // exact, where Python would give 0.25
      {"(2 / 3) ** 2", "4 / 9"},
      {"(-2) ** 3", "-8"},
      {"0 ** 0", "1"},
      {"7 ** 0", "1"},
      {"2.0 ** 3", "8.0"},
      {"4 ** 0.5", "2.0"},
      {"2 ** 0.5", "1.4142135623730951"},
      {"10 ** 0.5", "3.1622776601683795"},
      {"4 ** (1 / 2)", "2.0"},  // Python's 1/2 is the float 0.5
      {"0.0 ** 0", "1.0"},
  });
}

TEST(ExprPythonNumbers, FloatsRoundLikeDoubles) {
  expect_values({
      {"0.1 + 0.2", "0.30000000000000004"},
      {"3 * 0.1", "0.30000000000000004"},
      {"1 / 3 + 0.5", "0.8333333333333333"},
      {"1e-300 * 1e-300", "0.0"},
      {"2 ** 0.5 * 2 ** 0.5", "2.0000000000000004"},
  });
}

TEST(ExprPythonNumbers, HugeIntegersAreExact) {
  expect_values({
      {"123456789012345678901234567890 * 987654321098765432109876543210",
       "121932631137021795226185032733622923332237463801111263526900"},
      {"2 ** 200", "1606938044258990275541962092341162602522202993782792835301376"},
      {"3 ** 100", "515377520732011331036461129765621272702107522001"},
      {"2 ** 100 * 3", "3802951800684688204490109616128"},
      {"(2 ** 100 + 1) // 2 ** 99", "2"},
      {"-(2 ** 100) % 7", "5"},
  });
}

TEST(ExprPythonNumbers, ErrorsLikePython) {
  EXPECT_THROW(Expr::parse("1 // 0"), ExprError);
  EXPECT_THROW(Expr::parse("1 % 0"), ExprError);
  EXPECT_THROW(Expr::parse("1.5 // 0.0"), ExprError);
  EXPECT_THROW(Expr::parse("0 ** -2"), ExprError);
  EXPECT_THROW(Expr::parse("0.0 ** -1"), ExprError);
  EXPECT_THROW(Expr::parse("(-8) ** 0.5"), ExprError);
  EXPECT_THROW(Expr::parse("10.0 ** 400"), ExprError);
  EXPECT_THROW(Expr::parse("1e300 * 1e300"), ExprError);
}

// ---------------------------------------------------------------------------------------
// With symbols

TEST(ExprPythonSymbols, StaySymbolic) {
  EXPECT_EQ(printed("a // b"), "a // b");
  EXPECT_EQ(printed("x // 2"), "x // 2");
  EXPECT_EQ(printed("(2 * x + 1) // 2"), "(2 * x + 1) // 2");
  EXPECT_EQ(printed("a % b"), "a % b");
  EXPECT_EQ(printed("min(a, b)"), "min(a, b)");
  EXPECT_EQ(printed("max(a, 3)"), "max(a, 3)");
  EXPECT_EQ(printed("a < b"), "a < b");
  EXPECT_EQ(printed("x and 0"), "x and 0");
  EXPECT_EQ(printed("a and b"), "a and b");
  EXPECT_EQ(printed("a or b"), "a or b");
  EXPECT_EQ(printed("not a"), "not a");
  EXPECT_EQ(printed("a if c else b"), "a if c else b");
  EXPECT_EQ(printed("int(x)"), "int(x)");
  EXPECT_EQ(printed("int(x * y)"), "int(x * y)");  // config values may be floats
  EXPECT_EQ(printed("abs(x)"), "abs(x)");
  EXPECT_EQ(printed("min(x + 0.1, x + 0.2)"), "min(x + 0.1, x + 0.2)");  // floats decide nothing
}

TEST(ExprPythonSymbols, ExactQuotientsSimplifyFloorDivision) {
  EXPECT_EQ(printed("(a * b) // b"), "a");
  EXPECT_EQ(printed("(a * b * c) // (a * c)"), "b");
  EXPECT_EQ(printed("(a * b + a) // (b + 1)"), "a");
  EXPECT_EQ(printed("(a**2 - b**2) // (a - b)"), "a + b");
  EXPECT_EQ(printed("(4 * x) // 2"), "2 * x");
  EXPECT_EQ(printed("(2 * x + 4) // 2"), "x + 2");
  EXPECT_EQ(printed("x // 1"), "x");
  EXPECT_EQ(printed("0 // x"), "0");
  EXPECT_EQ(printed("(x * min(a, b)) // min(a, b)"), "x");
  EXPECT_EQ(printed("(a * b) % b"), "0");
  EXPECT_EQ(printed("x % 1"), "0");
  EXPECT_EQ(printed("0 % x"), "0");
  // Not an integer polynomial: left alone.
  EXPECT_EQ(printed("x // 2"), "x // 2");
  EXPECT_EQ(printed("(x / 2) // 1"), "x / 2 // 1");
  EXPECT_EQ(printed("(0.5 * x) // 0.5"), "0.5 * x // 0.5");
  // A coefficient of 1.0 or -1.0 is what the printer writes as 1 or -1 (a fuzz finding: the
  // form and its printed text simplified differently).
  EXPECT_EQ(printed("(-1.0 * j * c) % 1 % a"), printed("-j * c % 1 % a"));
  EXPECT_EQ(printed("(-1.0 * j * c) % 1"), "0");
  // Inside a function's arguments too (a fuzz finding: `// -1.0` of a floor division whose
  // dividend held -1.0 stayed, and its printed form, which writes -1.0 as -1, simplified).
  EXPECT_EQ(printed("(x * -1.0 // n) // -1.0"), printed("-x // n // -1.0"));
  EXPECT_EQ(printed("-x // n // -1.0"), "-(-x // n)");
  EXPECT_EQ(printed("min(-1.0 * x, y) // 1"), "min(-x, y)");
  EXPECT_EQ(printed("min(-0.5 * x, y) // 1"), "min(-0.5 * x, y) // 1");
  // A product's coefficient 1.0, which GiNaC leaves out of its operands as it does 1 (an
  // expr_roundtrip finding: `a * b * .5 * 2 % 2 ** -2` stayed, and its printed form
  // `a * b % (1 / 4)` is 0).
  EXPECT_EQ(printed("a * b * 1.0 % (1 / 4)"), "0");
  EXPECT_EQ(printed("a * b * .5 * 2 % 2 ** -2"), printed("a * b % (1 / 4)"));
  EXPECT_EQ(printed("(a * b * 1.0) // (1 / 4)"), "4 * a * b");
  EXPECT_EQ(printed("min(a * b * 1.0, y) // 1"), "min(a * b, y)");
  EXPECT_EQ(printed("(2.0 * x) // 2"), "2.0 * x // 2");  // other floats still decide nothing
  EXPECT_EQ(printed("6 // x"), "6 // x");
  // A float zero constant makes the sum a float too (Python: (x * y + z * y + 0.0) // y is a
  // float). GiNaC drops it from a sum of one term (x * y + 0.0 is x * y).
  EXPECT_EQ(printed("(x * y + z * y + 3.0 - 3.0) // y"), "(x * y + y * z + 0.0) // y");
  EXPECT_EQ(printed("(x * y + z * y + 3 - 3) // y"), "x + z");
  // Equal factors cancel whatever the size of the rest; only polynomial division is bounded
  // (kMaxDivisionWork, the sides' expansions included). (a + b + c + d) ** 20 is 1,771 terms
  // expanded, read and multiplied out once each at least: past 5,000.
  EXPECT_EQ(printed("((a + b + c + d) ** 20 * x) // x"), "(a + b + c + d)**20");
  EXPECT_EQ(printed("((a + b + c + d) ** 20 * x) % x"), "0");
  EXPECT_EQ(printed("((a + b + c + d) ** 20 * x + x) // x"), "(x * (a + b + c + d)**20 + x) // x");  // not divided
}

TEST(ExprFloats, HasFloatSeesEveryFloatTheSumConstantToo) {
  EXPECT_FALSE(has_float(Expr::parse("x + 2 * y / 3").ex()));
  EXPECT_TRUE(has_float(Expr::parse("x + 2.5 * y").ex()));
  EXPECT_TRUE(has_float(Expr::parse("min(x, y ** 0.5)").ex()));
  // GiNaC leaves a zero constant out of a sum's operands, even a float zero.
  const Expr float_zero = Expr::parse("x + y + 3.0 - 3.0");
  ASSERT_EQ(float_zero.ex().nops(), 2u);
  EXPECT_TRUE(has_float(float_zero.ex()));
  EXPECT_TRUE(has_float(Expr::parse("min(x + z + 3.0 - 3.0, y)").ex()));
  EXPECT_FALSE(has_float(Expr::parse("x + y + 3 - 3").ex()));
  EXPECT_EQ(float_zero.str(), "x + y + 0.0");
  // GiNaC leaves a product's coefficient 1.0 out of its operands too, as it does 1.
  const Expr unit = Expr::parse("a * b * 1.0");
  ASSERT_EQ(unit.ex().nops(), 2u);
  EXPECT_TRUE(has_float(unit.ex()));
  EXPECT_TRUE(has_unit_float(unit.ex()));
  EXPECT_TRUE(has_unit_float_coefficient(unit.ex()));
  EXPECT_TRUE(has_unit_float(Expr::parse("min(a * b * 1.0, y)").ex()));
  EXPECT_FALSE(has_unit_float_coefficient(Expr::parse("a * b").ex()));
  EXPECT_FALSE(has_unit_float_coefficient(Expr::parse("2.0 * a * b").ex()));
  EXPECT_FALSE(has_float(Expr::parse("a * b * 1").ex()));
  // And a sum's term coefficient 1.0: a sum's op(i) is the term's rest alone when its coefficient
  // equals 1. GiNaC makes one when it divides a sum factor by its content (`(0.5 * e + y / 2) * x`
  // holds x * (1.0 * e + y) / 2, or x * (-1.0 * e - y) / -2, by its order of the terms): an
  // expr_roundtrip finding, whose input has_float took for exact.
  const GiNaC::ex e = Expr::symbol("e").ex(), y = Expr::symbol("y").ex();
  const GiNaC::ex term_one = GiNaC::add(GiNaC::epvector{GiNaC::expair(e, number::make_float(1.0)), GiNaC::expair(y, 1)}, 0);
  ASSERT_TRUE(term_one.op(0).is_equal(e) || term_one.op(1).is_equal(e));  // the 1.0 is out of its operands
  EXPECT_TRUE(has_float(term_one));
  EXPECT_TRUE(has_unit_float(term_one));
  EXPECT_TRUE(has_unit_float_coefficient(term_one));
  EXPECT_TRUE(has_float(Expr(term_one * y).ex()));
  EXPECT_FALSE(has_unit_float_coefficient(Expr::parse("e + y").ex()));
  EXPECT_FALSE(has_unit_float_coefficient(Expr::parse("2.0 * e + y").ex()));
  for (int k = 0; k < 8; ++k) {  // fresh symbols each time: GiNaC's order of the terms varies
    const std::string n = std::to_string(k);
    const Expr product = Expr::parse("(0.5 * e_" + n + " + y_" + n + " / 2) * x_" + n);
    EXPECT_TRUE(has_float(product.ex())) << product.str();
    EXPECT_TRUE(has_unit_float(product.ex())) << product.str();
  }
}

TEST(ExprFloats, FloatsOutsideExponents) {
  // the exponents of powers are passed over, at any depth; what else has_float sees counts
  EXPECT_FALSE(has_float_outside_exponents(Expr::parse("x ** 0.5 + y").ex()));
  EXPECT_TRUE(has_float(Expr::parse("x ** 0.5 + y").ex()));
  EXPECT_FALSE(has_float_outside_exponents(Expr::parse("((a + b) * (a - b) - a**2) ** -0.1 * c").ex()));
  EXPECT_TRUE(has_float_outside_exponents(Expr::parse("(2.0 * x) ** 0.5 + y").ex()));
  EXPECT_FALSE(has_float_outside_exponents(Expr::parse("x ** (y + 0.5)").ex()));
  EXPECT_TRUE(has_float_outside_exponents(Expr::parse("min(x ** 0.5, y + 2.5)").ex()));
  EXPECT_TRUE(has_float_outside_exponents(Expr::parse("x + y + 3.0 - 3.0").ex()));
  EXPECT_TRUE(has_float_outside_exponents(Expr::parse("(a * b * 1.0) ** 2").ex()));
  EXPECT_FALSE(has_float_outside_exponents(Expr::parse("x ** 2 + y // 3").ex()));
}

TEST(ExprFloats, PartsOfSumsAndProducts) {
  const GiNaC::ex sum = Expr::parse("x + 7").ex();
  ASSERT_TRUE(GiNaC::is_exactly_a<GiNaC::add>(sum));
  EXPECT_TRUE(number_of(GiNaC::ex_to<GiNaC::add>(sum)).is_equal(7));
  const GiNaC::ex none = Expr::parse("x + y").ex();
  EXPECT_TRUE(number_of(GiNaC::ex_to<GiNaC::add>(none)).is_zero());
  EXPECT_TRUE(GiNaC::ex_to<GiNaC::numeric>(number_of(GiNaC::ex_to<GiNaC::add>(none))).is_rational());
  const GiNaC::ex float_zero = Expr::parse("x + y + 3.0 - 3.0").ex();
  const GiNaC::numeric& c = GiNaC::ex_to<GiNaC::numeric>(number_of(GiNaC::ex_to<GiNaC::add>(float_zero)));
  EXPECT_TRUE(c.is_zero());
  EXPECT_FALSE(c.is_rational());
  // a sum's pairs: each term's rest and numeric coefficient
  const GiNaC::ex terms = Expr::parse("3 * x * y - z + 7").ex();
  const GiNaC::epvector& pairs = pairs_of(GiNaC::ex_to<GiNaC::add>(terms));
  ASSERT_EQ(pairs.size(), 2u);
  for (const GiNaC::expair& p : pairs) {
    if (p.rest.is_equal(Expr::parse("x * y").ex())) EXPECT_TRUE(p.coeff.is_equal(3));
    else EXPECT_TRUE(p.rest.is_equal(Expr::parse("z").ex()) && p.coeff.is_equal(-1));
  }
  // a product's pairs: each factor's base and exponent; its number the coefficient
  const GiNaC::ex product = Expr::parse("2.5 * x ** 3 * (a + b)").ex();
  ASSERT_TRUE(GiNaC::is_exactly_a<GiNaC::mul>(product));
  EXPECT_TRUE(number_of(GiNaC::ex_to<GiNaC::mul>(product)).is_equal(GiNaC::numeric(2.5)));
  const GiNaC::epvector& factors = pairs_of(GiNaC::ex_to<GiNaC::mul>(product));
  ASSERT_EQ(factors.size(), 2u);
  for (const GiNaC::expair& p : factors) {
    if (p.rest.is_equal(Expr::parse("x").ex())) EXPECT_TRUE(p.coeff.is_equal(3));
    else EXPECT_TRUE(p.rest.is_equal(Expr::parse("a + b").ex()) && p.coeff.is_equal(1));
  }
}

TEST(ExprPythonSymbols, KnownDifferencesDecideMinMaxAndComparisons) {
  EXPECT_EQ(printed("min(a, a)"), "a");
  EXPECT_EQ(printed("max(a, a)"), "a");
  EXPECT_EQ(printed("min(a, a + 1)"), "a");
  EXPECT_EQ(printed("max(a, a + 1)"), "a + 1");
  EXPECT_EQ(printed("min(seq_len + cache_len, cache_len + seq_len - 2)"), "cache_len + seq_len - 2");
  EXPECT_EQ(printed("a < a + 1"), "1");
  EXPECT_EQ(printed("a == a"), "1");
  EXPECT_EQ(printed("a != a"), "0");
  EXPECT_EQ(printed("a * b >= b * a"), "1");
}

TEST(ExprPythonSymbols, LogicDecidesWhenTheFirstOperandIsANumber) {
  EXPECT_EQ(printed("0 and x"), "0");
  EXPECT_EQ(printed("3 and x"), "x");
  EXPECT_EQ(printed("0 or x"), "x");
  EXPECT_EQ(printed("3 or x"), "3");
  EXPECT_EQ(printed("x and x"), "x");
  EXPECT_EQ(printed("x or x"), "x");
  EXPECT_EQ(printed("a if 1 else b"), "a");
  EXPECT_EQ(printed("a if 0 else b"), "b");
  EXPECT_EQ(printed("a if c else a"), "a");
  EXPECT_EQ(printed("not (a == b)"), "a != b");
  EXPECT_EQ(printed("not (a <= b)"), "a > b");
  EXPECT_EQ(printed("not not (a < b)"), "a < b");
}

TEST(ExprPythonSymbols, IntegralResultsAreNotRounded) {
  EXPECT_EQ(printed("int(int(x))"), "int(x)");
  EXPECT_EQ(printed("int(a // b)"), "a // b");
  EXPECT_EQ(printed("math.floor(a // b)"), "a // b");
  EXPECT_EQ(printed("math.ceil(math.floor(x))"), "math.floor(x)");
  EXPECT_EQ(printed("abs(abs(x))"), "abs(x)");
}

TEST(ExprPythonSymbols, SubstitutionEvaluatesNestedFunctions) {
  Expr e = Expr::parse("min(config.a, 2) * x");
  EXPECT_EQ(e.subs({{"config.a", 5}, {"x", 3}}), Expr(6));
  EXPECT_EQ(e.subs({{"config.a", 1}}).str(), "x");
  Expr nested = Expr::parse("max(a // b, c % 3) if a < b else -a // 2");
  EXPECT_EQ(nested.subs({{"a", 7}, {"b", 2}, {"c", 5}}), Expr(-4));
  EXPECT_EQ(nested.subs({{"a", 1}, {"b", 2}, {"c", 5}}), Expr(2));
  EXPECT_EQ(nested.subs({{"a", 1}, {"b", 2}}).str(), "max(0, c % 3)");
}

TEST(ExprPythonSymbols, EvalfMakesNumbersOfFunctionsToo) {
  // GiNaC's own numeric evaluation goes through the same rules.
  GiNaC::ex e = py_call(PyOp::min, GiNaC::sqrt(GiNaC::ex(2)), 1) + py_call(PyOp::floordiv, GiNaC::sqrt(GiNaC::ex(8)), 1);
  ASSERT_FALSE(GiNaC::is_exactly_a<GiNaC::numeric>(e));
  GiNaC::ex f = e.evalf();
  ASSERT_TRUE(GiNaC::is_exactly_a<GiNaC::numeric>(f));
  EXPECT_EQ(GiNaC::ex_to<GiNaC::numeric>(f).to_double(), 3.0);
}

TEST(ExprPythonSymbols, OperationOfAFunctionNode) {
  EXPECT_EQ(py_op(Expr::parse("a // b").ex()), PyOp::floordiv);
  EXPECT_EQ(py_op(Expr::parse("a if b else c").ex()), PyOp::if_else);
  EXPECT_EQ(py_op(Expr::parse("a + b").ex()), std::nullopt);
  EXPECT_EQ(py_op(GiNaC::sin(Expr::symbol("a").ex())), std::nullopt);
  EXPECT_TRUE(is_comparison(PyOp::ne));
  EXPECT_FALSE(is_comparison(PyOp::logical_and));
}

}  // namespace
}  // namespace kcost
