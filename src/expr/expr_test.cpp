// Tests of the Expr API: construction, symbols, arithmetic, substitution, exact evaluation,
// equality, expansion and the error messages.
#include "expr/expr.h"

#include "expr/expansion_size.h"
#include "expr/functions.h"
#include "expr/symbol_orders_for_tests.h"
#include "expr/symbol_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <type_traits>

namespace kcost {
namespace {

using GiNaC::numeric;

Expr parse(std::string_view text) { return Expr::parse(text); }
Expr sym(const std::string& name) { return Expr::symbol(name); }
// A number from Python text: num("7 / 2"), num("0.5").
numeric num(std::string_view text) { return Expr::parse(text).as_number(); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ExprError& e) {
    return e.what();
  }
  return "no error";
}

// ---------------------------------------------------------------------------------------
// Construction

TEST(ExprConstruct, DefaultIsZero) {
  EXPECT_EQ(Expr(), Expr(0));
  EXPECT_EQ(Expr().str(), "0");
  EXPECT_TRUE(Expr().is_number());
}

TEST(ExprConstruct, Integers) {
  Expr e = 42;  // implicit
  EXPECT_EQ(e.str(), "42");
  EXPECT_EQ(Expr(-7).str(), "-7");
  EXPECT_EQ(Expr(std::numeric_limits<long long>::max()).str(), "9223372036854775807");
  EXPECT_EQ(Expr(std::numeric_limits<long long>::min()).str(), "-9223372036854775808");
}

TEST(ExprConstruct, Numbers) {
  EXPECT_EQ(Expr::number(numeric(7, 2)).str(), "7 / 2");
  EXPECT_EQ(Expr::number(num("2 ** 80")).str(), "1208925819614629174706176");
  EXPECT_EQ(Expr::from_double(0.1).str(), "0.1");
  EXPECT_EQ(Expr::from_double(-2.0).str(), "-2.0");
  EXPECT_FALSE(Expr::from_double(2.0).as_number().is_rational());
  EXPECT_THROW(Expr::from_double(std::numeric_limits<double>::infinity()), ExprError);
  EXPECT_THROW(Expr::from_double(std::nan("")), ExprError);
}

TEST(ExprConstruct, FromGiNaC) {
  GiNaC::ex e = sym("a").ex() * 2;
  EXPECT_EQ(Expr(e).str(), "2 * a");
  EXPECT_TRUE(Expr(e).ex().is_equal(e));
}

TEST(ExprConstruct, SymbolsAreSharedByName) {
  EXPECT_EQ(sym("x"), sym("x"));
  EXPECT_EQ(parse("x"), sym("x"));
  EXPECT_NE(sym("x"), sym("y"));
  EXPECT_EQ(parse("config.hidden_size * 2"), sym("config.hidden_size") * 2);
  EXPECT_EQ((sym("p") - sym("p")).str(), "0");
  EXPECT_EQ(sym("config.text_config.hidden_size").str(), "config.text_config.hidden_size");
}

TEST(ExprConstruct, SymbolNamesAreDottedIdentifiers) {
  for (const char* bad : {"", "1a", "a b", "a..b", ".a", "a.", "if", "config.if", "a-b", "ä"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(Expr::symbol(bad), ExprError);
  }
  EXPECT_EQ(error_of([] { Expr::symbol("a b"); }), "invalid symbol name 'a b'");
}

// ---------------------------------------------------------------------------------------
// Queries

TEST(ExprQuery, IsNumberAndAsNumber) {
  EXPECT_TRUE(parse("2 ** 10 // 3").is_number());
  EXPECT_TRUE(parse("min(3, 4) if 1 < 2 else x").is_number());
  EXPECT_FALSE(parse("x").is_number());
  EXPECT_FALSE(parse("min(x, 3)").is_number());
  EXPECT_EQ(parse("7 / 2").as_number(), numeric(7, 2));
  EXPECT_EQ(error_of([] { parse("x + 1").as_number(); }), "'x + 1' is not a number");
}

TEST(ExprQuery, Symbols) {
  EXPECT_EQ(parse("a * config.b + min(a, 2) // c").symbols(),
            (std::set<std::string>{"a", "c", "config.b"}));
  EXPECT_TRUE(parse("2 ** 10").symbols().empty());
  EXPECT_EQ(parse("x if flag else y").symbols(), (std::set<std::string>{"flag", "x", "y"}));
}

// ---------------------------------------------------------------------------------------
// Arithmetic building blocks

TEST(ExprArithmetic, Operators) {
  Expr a = sym("a"), b = sym("b");
  EXPECT_EQ((a + b).str(), "a + b");
  EXPECT_EQ((a - b).str(), "a - b");
  EXPECT_EQ((a * b).str(), "a * b");
  EXPECT_EQ((a / b).str(), "a / b");
  EXPECT_EQ((-a).str(), "-a");
  EXPECT_EQ((a + 1).str(), "a + 1");
  EXPECT_EQ((2 * a).str(), "2 * a");
  EXPECT_EQ((a * b + a * b).str(), "2 * a * b");
  EXPECT_EQ(a - a, Expr(0));
  Expr c = a;
  c += 1;
  c *= 2;
  c -= a;
  c /= 3;
  EXPECT_EQ(c.str(), "a / 3 + 2 / 3");
}

// An Expr is made from an integer implicitly, never from a float: Expr(-0.5) was Expr(0), the
// double converted to the long long constructor's integer (Expr::from_double keeps it).
static_assert(std::is_convertible_v<int, Expr> && std::is_convertible_v<long long, Expr> &&
              std::is_convertible_v<std::size_t, Expr> && std::is_convertible_v<bool, Expr>);
static_assert(!std::is_constructible_v<Expr, double> && !std::is_constructible_v<Expr, float> &&
              !std::is_convertible_v<double, Expr> && !std::is_convertible_v<long double, Expr>);

TEST(ExprArithmetic, FloatsAreMadeByFromDouble) {
  EXPECT_EQ(Expr::from_double(-0.5).str(), "-0.5");
  EXPECT_EQ(Expr::from_double(2.0).str(), "2.0");
  EXPECT_EQ(Expr(std::size_t{7}).str(), "7");
}

TEST(ExprArithmetic, TrueDivisionIsExact) {
  EXPECT_EQ((Expr(7) / Expr(2)).str(), "7 / 2");
  EXPECT_EQ((Expr(6) / Expr(3)).str(), "2");
  EXPECT_EQ((Expr(1) / Expr(3) + Expr(2) / Expr(3)), Expr(1));
  EXPECT_EQ((Expr::from_double(1.0) / Expr(4)).str(), "0.25");
  EXPECT_EQ(error_of([] { Expr(1) / Expr(0); }), "division by zero");
  EXPECT_EQ(error_of([] { sym("x") / (sym("y") - sym("y")); }), "division by zero");
  // A zero GiNaC keeps as two terms, their float sum factors of opposite signs (an expr_roundtrip
  // finding: its printed form, each sum led by a positive term, was 0 when read back).
  const Expr sum = parse("e * (2.0 * b - 0.25)");
  const Expr opposite = parse("e * (0.25 - 2.0 * b)");
  ASSERT_FALSE((sum + opposite).ex().is_zero());
  EXPECT_EQ(error_of([&] { Expr(-1) / (sum + opposite); }), "division by zero");
  EXPECT_EQ(error_of([&] { Expr::pow(sum + opposite, parse("-0.5")); }), "division by zero");
  EXPECT_EQ(error_of([&] { parse("-1 / (e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b))"); }),
            "expression '-1 / (e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b))': column 4: division by zero");
  EXPECT_NO_THROW(Expr(-1) / (sum + opposite + sym("x")));
  EXPECT_NO_THROW(Expr::pow(sum + opposite, Expr(2)));
  // Such a zero's power to a float: the float stands in the exponent, not in the base
  EXPECT_EQ(error_of([&] { Expr::pow(Expr::pow(sum + opposite, parse("0.5")), Expr(-1)); }), "division by zero");
}

TEST(ExprArithmetic, AFloatInAnExponentDoesNotDecideADivisionByZero) {
  // Exact sums that cancel are not looked for: GiNaC keeps this zero as it is, under any
  // exponent, and so must its printed form, `1 / (...) ** 0.1`, whose base's only float is its
  // exponent (an expr_roundtrip finding: that form was refused when read back).
  const std::string text = "y * ((a + b) * (a - b) - a**2 + b**2) ** -.1 + x";
  const Expr e = parse(text);
  EXPECT_EQ(e.str(), "y / (b**2 - a**2 + (a + b) * (a - b))**0.1 + x");
  EXPECT_EQ(parse(e.str()), e);
  EXPECT_EQ(parse("((a + b) * (a - b) - a**2 + b**2) ** -0.5"), parse("1 / ((a + b) * (a - b) - a**2 + b**2) ** 0.5"));
  // a float coefficient in the base still decides
  EXPECT_EQ(error_of([] { parse("1 / (e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b)) ** 0.5"); }),
            "expression '1 / (e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b)) ** 0.5': column 3: division by zero");
}

TEST(ExprArithmetic, AFloatBearingZeroBaseIsFoundWithoutExpandingALargeOne) {
  // A base of more than 2,000 terms of expansion work (vanishes's kZeroTestWork) is 0 when its
  // printed text reads back as 0: a division by zero
  const Expr many = parse("(f + g + h + i + j) ** 10 * (x // 3 % y)");
  ASSERT_GT(expansion_size(many.ex()).work, 2000);
  const Expr zero = parse("e * (2.0 * b - 0.25)") * many + parse("e * (0.25 - 2.0 * b)") * many;
  ASSERT_FALSE(zero.ex().is_zero());
  EXPECT_EQ(error_of([&] { Expr::pow(zero, Expr(-1)); }), "division by zero");
  // 0 at the point of ones, not 0 as a function, whatever its size: `x // 3 % y`, 0 at every
  // small value of x, is no zero either
  EXPECT_NO_THROW(Expr::pow(parse("(13.0 * a - 11) * (a - 1.0)") * many, Expr(-1)));
  EXPECT_NO_THROW(Expr::pow(parse("(2.5 * a - 2.5)") * many, Expr(-1)));
  // the same bases small enough are expanded
  EXPECT_EQ(error_of([&] { Expr::pow(parse("(e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b)) * (x // 3 % y)"), Expr(-1)); }),
            "division by zero");
  EXPECT_NO_THROW(Expr::pow(parse("(13.0 * a - 11) * (a - 1.0) * (x // 3 % y)"), Expr(-1)));
  // No value at any sample point (powers too large): the point of ones has one, not 0 (an
  // expr_roundtrip timeout: expanding this base's `(...)**21` under `//` and `%` took seconds)
  const Expr large = parse("-8.0 * ((b2**2222222 + 2.0 * e * (5.0 - b2 * e * (0.44959297744299714 * oi64 * "
                           "(b * b4**2 * e + a - 1.0)**e4 - b))**0.0004 * (b - 3) - a - b2222 + e)**21 // 1) % -3 % Yb + c");
  const Expr kept = Expr::pow(large, Expr(-1));
  EXPECT_EQ(parse(kept.str()), kept);
  // ... and where that value is 0 too (`% Yb` is 0 at Yb = 1), the base too large to expand: its
  // printed text does not read back as 0, kept
  EXPECT_NO_THROW(Expr::pow(large - sym("c"), Expr(-1)));
  // A small base 0 at the point of ones (its powers too large to evaluate elsewhere) is
  // expanded: 0; and its printed form, the sign of one term's sum turned, is 0 as it is read back
  const Expr unevaluable = parse("b**2222222 * d**2222222 * (2.0 * c - 0.25) + b**2222222 * d**2222222 * (0.25 - 2.0 * c)");
  EXPECT_EQ(error_of([&] { Expr::pow(unevaluable, Expr(-1)); }), "division by zero");
  EXPECT_EQ(error_of([&] { parse("y + 1 / (b**2222222 * d**2222222 * (2.0 * c - 0.25) - b**2222222 * d**2222222 * (2.0 * c - 0.25))"); }),
            "expression 'y + 1 / (b**2222222 * d**2222222 * (2.0 * c - 0.25) - b**2222222 * d**2222222 * (2.0 * c - 0.25))': "
            "column 7: division by zero");
}

TEST(ExprArithmetic, AProductIsAZeroBaseWhereAFactorIsOnItsOwnFloats) {
  // The printer writes `x / F / Z` as `x / (F * Z)`: an exact factor that cancels is not looked
  // for in the product either (an expr_roundtrip finding: refused when read back)
  const Expr exact_zero = parse("(a + 1)**2 - a**2 - 2*a - 1"), float_sum = parse("e * (2.0 * b - 10.0) + c");
  const Expr kept = parse("x") / float_sum / exact_zero;
  EXPECT_EQ(parse(kept.str()), kept);
  EXPECT_NO_THROW(Expr::pow(float_sum * exact_zero, Expr(-1)));
  EXPECT_NO_THROW(Expr::pow(float_sum * Expr::pow(exact_zero, Expr(3)), Expr(-1)));
  // a float-bearing factor that is 0 still makes the product 0, under a power too
  const Expr float_zero = parse("e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b)");
  EXPECT_EQ(error_of([&] { Expr::pow(float_zero * float_sum, Expr(-1)); }), "division by zero");
  EXPECT_EQ(error_of([&] { Expr::pow(Expr::pow(float_zero, parse("0.5")) * float_sum, Expr(-1)); }), "division by zero");
}

TEST(ExprArithmetic, AWholePowerOfASumWithUnitFloatCoefficientsIsThePowerOfTheExactSum) {
  // The printer writes `-1.0 * b * e` as `-b * e`; GiNaC takes the content out of a whole power
  // of a sum only when its coefficients are rational. So the power is made of the exact sum.
  const Expr unit_term = parse("x + 0.5 * -(2 * y)"), unit_constant = parse("x / 4 - y / 2 + 1.0");
  ASSERT_TRUE(has_unit_float(unit_term.ex()));
  ASSERT_TRUE(has_unit_float(unit_constant.ex()));
  EXPECT_EQ(Expr::pow(unit_term, Expr(2)), Expr::pow(parse("x - y"), Expr(2)));
  EXPECT_EQ(Expr::pow(unit_constant, Expr(3)), Expr::pow(parse("x / 4 - y / 2 + 1"), Expr(3)));
  // An expr_roundtrip finding: the content's 21st power (about 2 ** -1023) beside the float
  // 20.0 was refused in the printed form only
  const Expr with_unit = parse("-1 / 470402696403648 + 0.5 * -(2 * b) * e - e");
  ASSERT_TRUE(has_unit_float(with_unit.ex()));
  const Expr exact = parse("-1 / 470402696403648 - b * e - e");
  EXPECT_EQ(error_of([&] { Expr::from_double(20.0) * Expr::pow(exact, Expr(21)); }), "float overflow");
  EXPECT_EQ(error_of([&] { Expr::from_double(20.0) * Expr::pow(with_unit, Expr(21)); }), "float overflow");
  // another float among the coefficients, or a power not whole: the sum stays as it is
  EXPECT_TRUE(has_unit_float(Expr::pow(parse("x + 0.5 * -(2 * y) + 0.5 * z"), Expr(2)).ex()));
  EXPECT_TRUE(has_unit_float(Expr::pow(unit_term, parse("0.5")).ex()));
}

// An expr_roundtrip finding: GiNaC holds `e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b)` as two
// terms, the printer writes them with each sum factor led by a positive term, and they cancel
// when read back: `(... + 20.0 * b) ** 1016` was held as the power of three terms and read back
// as `(20.0 * b) ** 1016`, a float overflow. Such a sum is bounded as the one term it expands to.
TEST(ExprArithmetic, ASumThatIsOneTermOnceExpandedIsBoundedAsThatTermsPower) {
  for_each_symbol_order(4, [&](int k) {
    EXPECT_EQ(error_of([] { parse("(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e + 20. * b) ** 1016"); }),
              "expression '(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e + 20. * b) ** 1016': column 56: "
              "float overflow") << k;
    EXPECT_EQ(error_of([] { parse("(20.0 * b) ** 1016"); }),
              "expression '(20.0 * b) ** 1016': column 12: float overflow") << k;
    const Expr square = parse("(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e + 20. * b) ** 2");
    EXPECT_EQ(parse(square.str()).equivalence(square), Equivalence::equal) << k << ": " << square.str();
  });
  // Two terms once expanded: held as the power of the sum, as before.
  EXPECT_NO_THROW(parse("(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e + 20. * b + c) ** 1016"));
  EXPECT_NO_THROW(parse("(20.0 * b + c) ** 1016"));
  // A power to at most 1 in magnitude raises nothing out of the range.
  EXPECT_NO_THROW(parse("(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e + 20. * b) ** -1"));
}

// The same sum as a factor of a product: read back as its one term, whose float then meets the
// product's number (an expr_roundtrip finding: `16**327 * y * (...)` read back as
// `16**327 * y * (-0.2 * b)`, and 16 ** 327 is beyond a float). The product is refused as that
// term's product is.
TEST(ExprArithmetic, ASumThatIsOneTermOnceExpandedIsBoundedAsThatTermInAProduct) {
  const std::string one_term = "(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e - .2 * b)";
  for_each_symbol_order(4, [&](int k) {
    EXPECT_EQ(error_of([&] { parse("16**327 * y * " + one_term); }),
              "expression '16**327 * y * " + one_term + "': column 13: float overflow") << k;
    EXPECT_EQ(error_of([] { parse("16**327 * y * (-.2 * b)"); }),
              "expression '16**327 * y * (-.2 * b)': column 13: float overflow") << k;
    EXPECT_EQ(error_of([&] { parse("16**327 * y / " + one_term); }),
              "expression '16**327 * y / " + one_term + "': column 13: float overflow") << k;
    // Two such factors, each number in range, their product not.
    const std::string large = "(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e - 1e300 * b)";
    EXPECT_EQ(error_of([&] { parse("y * " + large + " * " + large); }),
              "expression 'y * " + large + " * " + large + "': column 62: float overflow") << k;
    // The term that stays a product with a sum: one term read back, two once expanded (a second
    // finding).
    const std::string product_stays = "(2.0 * o * (a - b) + 2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e)";
    EXPECT_EQ(error_of([&] { parse("16**327 * r * " + product_stays); }),
              "expression '16**327 * r * " + product_stays + "': column 13: float overflow") << k;
    const Expr small = parse("3 * y * " + one_term);
    EXPECT_EQ(parse(small.str()).equivalence(small), Equivalence::equal) << k << ": " << small.str();
  });
  // Two terms once expanded: held as the product of the sum, as before, and read back so.
  const Expr two_terms = parse("16**327 * y * (2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e - .2 * b + c)");
  EXPECT_EQ(parse(two_terms.str()).equivalence(two_terms), Equivalence::equal) << two_terms.str();
}

TEST(ExprArithmetic, ASumThatIsOneTermOnceExpandedIsBoundedAsThatTermInAProductsPower) {
  // GiNaC raises a product factor by factor: the sum's 327th power is made without Expr::pow's
  // look at the sum, and its printed text, `r**327 * (12.0 * b * o - 6 * e * (2.0 * b - 0.25) +
  // 6 * e * (2.0 * b - 0.25))**327`, read back as `r**327 * (12.0 * b * o)**327`: no float (an
  // expr_roundtrip finding, reduced).
  const std::string one_term = "(2. * b * o - 2 * .5 * 1 * -2 * (-2**-3 + b) * e - 2 * .5 * 1 * 2 * (-2**-3 + b) * e)";
  for_each_symbol_order(4, [&](int k) {
    EXPECT_EQ(error_of([&] { parse("(" + one_term + " * 6 * r) ** 327"); }),
              "expression '(" + one_term + " * 6 * r) ** 327': column " + std::to_string(one_term.size() + 12) +
                  ": float overflow")
        << k;
    EXPECT_EQ(error_of([] { parse("(12. * b * o * r) ** 327"); }),
              "expression '(12. * b * o * r) ** 327': column 19: float overflow") << k;
    // The number of the product and the term's, each in range raised, not together: 6 ** 327 has
    // 845 bits, (2.0 * b * o) ** 327 327 more.
    EXPECT_EQ(error_of([&] { parse("(" + one_term + " * 6 ** 1 * r) ** 327"); }).find("float overflow") != std::string::npos,
              true) << k;
    EXPECT_EQ(error_of([] { parse("6 ** 327 * (2. * b * o * r) ** 327"); }),
              "expression '6 ** 327 * (2. * b * o * r) ** 327': column 10: float overflow") << k;
    // Small enough, it is made, and reads back.
    const Expr small = parse("(" + one_term + " * 6 * r) ** 3");
    EXPECT_EQ(parse(small.str()).equivalence(small), Equivalence::equal) << k << ": " << small.str();
  });
}

TEST(ExprArithmetic, Functions) {
  Expr a = sym("a"), b = sym("b"), c = sym("c");
  EXPECT_EQ(Expr::pow(a, 2).str(), "a**2");
  EXPECT_EQ(Expr::pow(a, Expr(1) / Expr(2)).str(), "a**0.5");
  EXPECT_EQ(Expr::pow(2, 10), Expr(1024));
  EXPECT_EQ(Expr::floordiv(a, b).str(), "a // b");
  EXPECT_EQ(Expr::mod(a, b).str(), "a % b");
  EXPECT_EQ(Expr::min(a, b).str(), "min(a, b)");
  EXPECT_EQ(Expr::max(a, b).str(), "max(a, b)");
  EXPECT_EQ(Expr::compare("<=", a, b).str(), "a <= b");
  EXPECT_EQ(Expr::logical_and(a, b).str(), "a and b");
  EXPECT_EQ(Expr::logical_or(a, b).str(), "a or b");
  EXPECT_EQ(Expr::logical_not(a).str(), "not a");
  EXPECT_EQ(Expr::if_else(c, a, b).str(), "a if c else b");
  EXPECT_EQ(Expr::trunc(a).str(), "int(a)");
  EXPECT_EQ(Expr::floor(a).str(), "math.floor(a)");
  EXPECT_EQ(Expr::ceil(a).str(), "math.ceil(a)");
  EXPECT_EQ(Expr::abs(a).str(), "abs(a)");
  EXPECT_EQ(Expr::floordiv(-7, 2), Expr(-4));
  EXPECT_EQ(Expr::mod(-7, 2), Expr(1));
  EXPECT_EQ(Expr::compare("!=", 1, 2), Expr(1));
  EXPECT_EQ(Expr::logical_and(0, 5), Expr(0));
  EXPECT_EQ(Expr::logical_and(3, 5), Expr(5));
  EXPECT_EQ(Expr::logical_or(0, 5), Expr(5));
  EXPECT_EQ(Expr::if_else(0, a, b), b);
  EXPECT_EQ(error_of([] { Expr::compare("<>", 1, 2); }), "unknown comparison operator '<>'");
  EXPECT_EQ(error_of([] { Expr::floordiv(sym("a"), 0); }), "division by zero");
  EXPECT_EQ(error_of([] { Expr::mod(sym("a"), 0); }), "division by zero");
}

// ---------------------------------------------------------------------------------------
// Substitution

// Each text with its values substituted, by Expr::subs and by GiNaC's subs: the same.
void expect_subs_as_ginac(const std::vector<std::pair<const char*, std::map<std::string, Expr>>>& cases) {
  for (const auto& [text, values] : cases) {
    SCOPED_TRACE(text);
    GiNaC::exmap m;
    for (const auto& [name, value] : values) m[sym(name).ex()] = value.ex();
    const Expr e = parse(text);
    EXPECT_EQ(e.subs(values), Expr(e.ex().subs(m, GiNaC::subs_options::no_pattern)));
  }
}

TEST(ExprSubs, ByName) {
  Expr e = parse("a * b + config.c");
  EXPECT_EQ(e.subs({{"a", 3}}).str(), "3 * b + config.c");
  EXPECT_EQ(e.subs({{"config.c", parse("a * b")}}).str(), "2 * a * b");
  EXPECT_EQ(e.subs({{"a", 2}, {"b", 3}, {"config.c", 4}}), Expr(10));
}

TEST(ExprSubs, IsSimultaneous) {
  EXPECT_EQ(parse("a - 2 * b").subs({{"a", sym("b")}, {"b", sym("a")}}).str(), "b - 2 * a");
}

TEST(ExprSubs, ExpressionsForSymbols) {
  EXPECT_EQ(parse("x**2").subs({{"x", parse("a + b")}}).str(), "(a + b)**2");
  EXPECT_EQ(parse("a // b").subs({{"a", parse("b * c")}}).str(), "c");
  EXPECT_EQ(parse("hidden // heads").subs({{"hidden", parse("config.hidden_size")},
                                           {"heads", parse("config.num_attention_heads")}})
                .str(),
            "config.hidden_size // config.num_attention_heads");
}

TEST(ExprSubs, UnknownNamesAreIgnored) {
  Expr e = parse("a + 1");
  EXPECT_EQ(e.subs({{"never_used_anywhere", 5}}), e);
  EXPECT_EQ(e.subs({}), e);
}

TEST(ExprSubs, NestedFunctionsEvaluate) {
  EXPECT_EQ(parse("min(config.a, 2) * x").subs({{"config.a", 5}, {"x", 3}}), Expr(6));
  EXPECT_EQ(parse("(a < b) * x + (a >= b) * y").subs({{"a", 1}, {"b", 2}}).str(), "x");
}

TEST(ExprSubs, ALiteralDivisionByZeroIsAnError) {
  EXPECT_EQ(error_of([] { parse("x / y").subs({{"y", 0}}); }), "division by zero");
  EXPECT_EQ(error_of([] { parse("x // y").subs({{"y", 0}}); }), "division by zero");
}

TEST(ExprSubs, WithFloatsEachStepIsBoundedAsTheOperatorsAre) {
  // GiNaC's subs evaluates what it rebuilds inside itself, where CLN's float overflow leaked
  // what GiNaC had allocated; with a float there, kcost substitutes through its own arithmetic.
  EXPECT_EQ(error_of([] { parse("1e200 * x + y").subs({{"x", parse("1e200 * z")}}); }), "float overflow");
  EXPECT_EQ(error_of([] { parse("(x * y + 1.5) * w").subs({{"x", parse("1e10")}, {"w", parse("1e300")}}); }),
            "float overflow");  // 1e300 distributed over 1e10 * y + 1.5
  EXPECT_EQ(error_of([] { parse("x / y + 0.5").subs({{"y", 0}}); }), "division by zero");
  // and gives what GiNaC's subs gives
  expect_subs_as_ginac({
      {"0.5 * x + y", {{"x", parse("2 * z")}}},
      {"x ** 2.5 * y", {{"x", parse("4 * z")}}},
      {"min(0.5 * x, y) // 2 + x", {{"x", 3}}},
      {"(x + 0.5) ** 2 - x * y", {{"x", 1}, {"y", parse("0.25 * a")}}},
      {"a * b + 1e-06 * c", {{"a", parse("b + 1")}, {"c", parse("a * b")}}},
  });
}

TEST(ExprSubs, EachNodeIsMadeAsTheOperatorsMakeIt) {
  // GiNaC's subs made each node inside itself, where a power of zero to a negative exponent or
  // a division by zero threw and leaked what it had allocated (rebuild.h), and raised a number to
  // any power: kcost's substitution refuses them as its operators do.
  EXPECT_EQ(error_of([] { parse("1 / (n - 3) + y").subs({{"n", 3}}); }), "division by zero");
  EXPECT_EQ(error_of([] { parse("x * (y // (n - 3))").subs({{"n", 3}}); }), "division by zero");
  EXPECT_EQ(error_of([] { parse("x ** 1000000000000 + y").subs({{"x", 3}}); }), "number too large in power");
  EXPECT_EQ(parse("x ** 1000000000000 + y").subs({{"x", 1}}).str(), "y + 1");
  // and gives what GiNaC's subs gives where that throws nothing
  expect_subs_as_ginac({
      {"a * b + c", {{"a", parse("c - 1")}}},
      {"(a + b) ** 3 // c - a", {{"a", parse("2 * c")}, {"b", parse("c")}}},
      {"min(a, b) + x ** 2 * (x - 1) ** -2", {{"x", parse("a + 1")}}},
      {"(a < b) * x + max(x, y) % 3", {{"b", parse("a + 1")}, {"y", 4}}},
      {"hidden // heads * heads", {{"hidden", parse("4096")}, {"heads", parse("32")}}},
  });
}

// ---------------------------------------------------------------------------------------
// Exact evaluation

TEST(ExprEval, Exact) {
  EXPECT_EQ(parse("a / b").eval({{"a", 7}, {"b", 2}}), numeric(7, 2));
  EXPECT_EQ(parse("min(config.a, 2) * x").eval({{"config.a", 5}, {"x", 3}}), 6);
  EXPECT_EQ(parse("min(config.a, 2) * x").eval({{"config.a", 1}, {"x", 3}}), 3);
  EXPECT_EQ(parse("2 ** 200").eval({}),
            num("1606938044258990275541962092341162602522202993782792835301376"));
  EXPECT_EQ(parse("x ** 3").eval({{"x", num("2 ** 100")}}), num("2 ** 300"));
  EXPECT_EQ(parse("-x // 2").eval({{"x", 7}}), -4);
  EXPECT_EQ(parse("-x % 2").eval({{"x", 7}}), 1);
  EXPECT_EQ(parse("x // y").eval({{"x", -7}, {"y", 2}}), -4);
  EXPECT_EQ(parse("x % y").eval({{"x", 7}, {"y", -2}}), -1);
}

TEST(ExprEval, Floats) {
  numeric eps = num("1e-6");
  numeric v = parse("x * config.rms_norm_eps").eval({{"x", 3}, {"config.rms_norm_eps", eps}});
  EXPECT_FALSE(v.is_rational());
  EXPECT_EQ(v.to_double(), 3 * 1e-6);
  EXPECT_EQ(parse("int(head_dim * factor)").eval({{"head_dim", 128}, {"factor", num("0.5")}}),
            64);
  EXPECT_EQ(parse("x // y").eval({{"x", num("7.5")}, {"y", 2}}).to_double(), 3.0);
  // A plain GiNaC float (more precise than a double) works too.
  EXPECT_NEAR(parse("x * 2").eval({{"x", numeric(0.25)}}).to_double(), 0.5, 1e-15);
}

TEST(ExprEval, PythonLogic) {
  std::map<std::string, numeric> at{{"a", 2}, {"b", 3}, {"zero", 0}};
  EXPECT_EQ(parse("a < b < 4").eval(at), 1);
  EXPECT_EQ(parse("a < b < 3").eval(at), 0);
  EXPECT_EQ(parse("zero and b").eval(at), 0);
  EXPECT_EQ(parse("a and b").eval(at), 3);
  EXPECT_EQ(parse("zero or b").eval(at), 3);
  EXPECT_EQ(parse("not zero").eval(at), 1);
  EXPECT_EQ(parse("a if zero else b").eval(at), 3);
  EXPECT_EQ(parse("max(a, b, zero)").eval(at), 3);
}

TEST(ExprEval, ShortCircuitsLikePython) {
  std::map<std::string, numeric> at{{"x", 0}, {"y", 0}, {"one", 1}};
  EXPECT_EQ(parse("x and 1 / y").eval(at), 0);
  EXPECT_EQ(parse("one or 1 / y").eval(at), 1);
  EXPECT_EQ(parse("1 if one else 1 / y").eval(at), 1);
  EXPECT_EQ(parse("1 / y if x else 2").eval(at), 2);
  EXPECT_EQ(parse("x != 0 and one // x > 1").eval(at), 0);
  EXPECT_EQ(error_of([&] { parse("one and 1 / y").eval(at); }),
            "division by zero in 'one and 1 / y'");
}

TEST(ExprEval, UnboundSymbolIsNamed) {
  Expr e = parse("config.x * 2 + batch_size");
  EXPECT_EQ(error_of([&] { e.eval({{"batch_size", 3}}); }),
            "unbound symbol 'config.x' in 'batch_size + 2 * config.x'");
  // The first in name order.
  EXPECT_EQ(error_of([] { parse("z + b + a").eval({}); }), "unbound symbol 'a' in 'a + b + z'");
  try {
    e.eval({});
    FAIL();
  } catch (const ExprError& err) {
    EXPECT_EQ(err.message, "unbound symbol 'batch_size'");
    EXPECT_EQ(err.text, "batch_size + 2 * config.x");
    EXPECT_EQ(err.column, 0);
  }
}

TEST(ExprEval, ExtraValuesAreIgnored) {
  EXPECT_EQ(parse("a + 1").eval({{"a", 1}, {"b", 2}, {"not_a_symbol_anywhere", 3}}), 2);
  EXPECT_EQ(parse("5").eval({}), 5);
}

TEST(ExprEval, Errors) {
  EXPECT_EQ(error_of([] { parse("x / y").eval({{"x", 1}, {"y", 0}}); }),
            "division by zero in 'x / y'");
  EXPECT_EQ(error_of([] { parse("x // y").eval({{"x", 1}, {"y", 0}}); }),
            "division by zero in 'x // y'");
  EXPECT_EQ(error_of([] { parse("x ** 0.5").eval({{"x", -4}}); }),
            "power has a complex result in 'x**0.5'");
  EXPECT_THROW(parse("x * 1e300").eval({{"x", num("1e300")}}), ExprError);
}

// ---------------------------------------------------------------------------------------
// Equality and expansion

TEST(ExprEquality, StructuralAfterNormalization) {
  EXPECT_EQ(parse("a * b"), parse("b * a"));
  EXPECT_EQ(parse("a + a"), parse("2 * a"));
  EXPECT_EQ(parse("a * a"), parse("a ** 2"));
  EXPECT_EQ(parse("a - (b - c)"), parse("a - b + c"));
  EXPECT_EQ(parse("2 * (a + b)"), parse("2 * a + 2 * b"));
  EXPECT_NE(parse("(a + b) ** 2"), parse("a**2 + 2*a*b + b**2"));
  EXPECT_NE(parse("min(a, b)"), parse("min(b, a)"));
  EXPECT_NE(parse("a"), parse("b"));
}

TEST(ExprEquality, Equivalent) {
  EXPECT_TRUE(parse("(a + b) ** 2").equivalent(parse("a**2 + 2*a*b + b**2")));
  EXPECT_TRUE(parse("(a - b) * (a + b)").equivalent(parse("a**2 - b**2")));
  EXPECT_FALSE(parse("(a + b) ** 2").equivalent(parse("a**2 + b**2")));
  // A whole float exponent as its integer, inside comparisons too (found by fuzz/expr_roundtrip:
  // the exponent -1.0 keeps GiNaC from normalizing the sum's sign; (3 - b)**-1.0 prints
  // 1 / (3 - b), which reads back as -1 / (b - 3)).
  EXPECT_TRUE(parse("(3 - b) ** -1.0").equivalent(parse("-1 / (b - 3)")));
  // GiNaC does not normalize the sign of a sum with float coefficients: equivalence does (an
  // expr_roundtrip finding: a denominator printed with the other sign).
  EXPECT_TRUE(parse("x / (a - 0.5 * b)").equivalent(parse("-x / (0.5 * b - a)")));
  EXPECT_TRUE(parse("(a - 0.5 * b) ** -3").equivalent(parse("-(0.5 * b - a) ** -3")));
  EXPECT_FALSE(parse("x / (a - 0.5 * b)").equivalent(parse("x / (0.5 * b - a)")));
  EXPECT_TRUE(parse("x != 2 * (3 - b) ** -1.0").equivalent(parse("x != -2 / (b - 3)")));
  EXPECT_FALSE(parse("x != 1 / (3 - b)").equivalent(parse("x != 1 / (b - 3)")));
  EXPECT_FALSE(parse("x != 1 / (3 - b)").equivalent(parse("x == 1 / (3 - b)")));
  // Inside function arguments (found by fuzz/expr_roundtrip: a float coefficient multiplied into
  // a sum inside min() reads back as a different tree that prints the same).
  EXPECT_TRUE(parse("min(c, -3.0 * (a + n) * y)").equivalent(parse("min(c, -y * (3.0 * n + 3.0 * a))")));
  EXPECT_FALSE(parse("min(c, -3.0 * (a + n) * y)").equivalent(parse("min(c, -y * (3.0 * n + 2.0 * a))")));
  // Floats 1.0 and -1.0 as the integers the printer writes, everywhere: GiNaC keeps
  // -2 * y * (a + b) and -1.0 * y * (a + 1.0 * b) apart, which print as -2 * y * (a + b) and
  // -y * (a + b) and read back as one term (an expr_roundtrip finding, inside a comparison).
  EXPECT_TRUE(parse("-2 * y * (a + b) - 1.0 * y * (a + 1.0 * b) < c").equivalent(parse("-3 * y * (a + b) < c")));
  EXPECT_TRUE(parse("min(-1.0 * x, y) % 1").equivalent(parse("min(-x, y) % 1")));
  EXPECT_FALSE(parse("-2 * y * (a + b) - 1.0 * y * (a + 1.0 * b) < c").equivalent(parse("-3 * y * (a + b) <= c")));
  EXPECT_FALSE(parse("min(-1.5 * x, y)").equivalent(parse("min(-x, y)")));
  // A power too large to expand, of a sum with a float, with the sign of the sum the other way
  // (the printer leads a sum factor with a positive term; an expr_roundtrip finding, a squared sum
  // holding a fourth power of a twelve-term sum).
  EXPECT_TRUE(parse("(a - 0.5 * b - c - d) ** 300").equivalent(parse("(0.5 * b + c + d - a) ** 300")));
  EXPECT_TRUE(parse("x + (a - 0.5 * b - c - d) ** 301").equivalent(parse("x - (0.5 * b + c + d - a) ** 301")));
  EXPECT_FALSE(parse("x + (a - 0.5 * b - c - d) ** 301").equivalent(parse("x + (0.5 * b + c + d - a) ** 301")));
  EXPECT_FALSE(parse("(a - 0.5 * b - c - d) ** 300").equivalent(parse("(0.5 * b + c + d + a) ** 300")));
}

TEST(ExprEquality, APowerOfASumAndOfItsNegationWithAProductInIt) {
  // The sum is expanded before the sign is chosen: a float sum inside a product inside it may be
  // written with either sign, and the power is too large for the difference to be expanded (an
  // expr_roundtrip finding, printed with the inner sum's sign turned).
  const std::string one = "e2 * (2.0 * a * r - 2.0 * b - 0.25) - 2 * e * (b - 3) + a + b - 2 ** -b";
  const std::string other = "a + b - e2 * (0.25 + 2.0 * b - 2.0 * r * a) - 2 * e * (b - 3) - 2 ** -b";
  ASSERT_NE(parse(one), parse(other));
  EXPECT_TRUE(parse("(" + one + ") ** 12").equivalent(parse("(" + other + ") ** 12")));
  EXPECT_TRUE(parse("(" + one + ") ** 11").equivalent(parse("-(-(" + other + ")) ** 11")));
  EXPECT_FALSE(parse("(" + one + ") ** 12").equivalent(parse("(" + other + " + 1) ** 12")));
}

TEST(ExprEquality, APowerWhoseBaseTurnedSignIsSignedToo) {
  // Signing a sum factor inside a power's base can turn the base's sign, and GiNaC then takes
  // (-1) ** n out of the power: the power is a factor of the product it makes, and is signed
  // there too. Under a number's exponent, which OpaqueLargePowers makes a symbol of, the form
  // read and the form it prints were two keys (an expr_roundtrip finding). Which sign GiNaC's order
  // chooses depends on the symbols' serials, so the comparison runs with new symbols made after
  // 0 to 39 others: some of those orders took the two for different before.
  const std::string text = "0.5 ** (3e-2 * .5 ** 1 * -2 * (-3 + b) * e - e) ** 21";
  for (int k = 0; k < 40; ++k) {
    SCOPED_TRACE(k);
    const SymbolScope scope;
    std::string others = "0";
    for (int i = 0; i < k; ++i) others += " + q" + std::to_string(i);
    parse(others);
    const Expr read = parse(text);
    const std::string printed = read.str();
    const Expr again = parse(printed);
    EXPECT_TRUE(again.equivalent(read)) << printed << " read back as " << again.str();
    EXPECT_FALSE(again.equivalent(parse("0.5 ** (0.03 * (b - 3) * e - e) ** 21")));
  }
}

TEST(ExprEquality, EquivalentUpToFloatRounding) {
  // Two forms of one expression may add their floats in another order (an expr_roundtrip
  // finding); what is left is within 1e-12 of the largest coefficient.
  ASSERT_NE(parse("0.1 * x + 0.2 * x"), parse("0.3 * x"));  // 0.30000000000000004 * x
  EXPECT_TRUE(parse("0.1 * x + 0.2 * x").equivalent(parse("0.3 * x")));
  EXPECT_TRUE(parse("0.1 * x + 0.2 * x + y").equivalent(parse("y + 0.3 * x")));
  EXPECT_FALSE(parse("0.1 * x + 0.2 * x").equivalent(parse("0.31 * x")));
  EXPECT_FALSE(parse("0.1 * x + 0.2 * x").equivalent(parse("0.3 * x + 1e-3 * y")));
  EXPECT_FALSE(parse("x / 3").equivalent(parse("x / 3 + y / 10 ** 20")));  // exact numbers do not round
  EXPECT_FALSE(parse("0.1 * x + 0.2 * x").equivalent(parse("0.3 * x + 1")));
  // In a function's arguments too.
  ASSERT_NE(parse("min(0.1 * x + 0.2 * x, y)"), parse("min(0.3 * x, y)"));
  EXPECT_TRUE(parse("min(0.1 * x + 0.2 * x, y) < 2").equivalent(parse("min(0.3 * x, y) < 2")));
  EXPECT_FALSE(parse("min(0.1 * x + 0.2 * x, y) < 2").equivalent(parse("min(0.30001 * x, y) < 2")));
  // A float on one side only: its coefficient a float where the other form's is exact. GiNaC
  // multiplies 3.0 into the 110-digit C as a float, and expanding divides that by 10 * C: a float
  // 0.30000000000000004 beside the other side's exact 3 / 10 (an expr_roundtrip finding, whose
  // other side's floats were all 1.0, made exact). Rounded to 12 digits, both are 0.3.
  const std::string c = "60763960966477069091681387708388361355303280176484348309962019712017763508902413224558184053204667865497389610";
  const Expr exact = parse("3 * e * b / 10 + e * x / (10 * " + c + ")");
  ASSERT_FALSE(has_float(exact.ex()));
  EXPECT_EQ(parse("e * (3.0 * " + c + " * b + x) / (10 * " + c + ")").equivalence(exact), Equivalence::equal);
  EXPECT_EQ(parse("e * (3.0 * " + c + " * b + x) / (10 * " + c + ")").equivalence(exact + parse("b")), Equivalence::different);
  EXPECT_FALSE(parse("e * (3.0 * " + c + " * b + x) / (10 * " + c + ")").equivalent(exact + parse("y / 10 ** 20")));
  EXPECT_TRUE(parse("0.5 * z + x / 3").equivalent(parse("0.5 * z + 0.3333333333333333 * x")));  // to a double's digits
}

TEST(ExprEquality, EquivalenceNeverRaisesANumberToAnEnormousPower) {
  // An expr_roundtrip finding that ran for ever: the printed form is a different tree (the sign
  // of the float sum factor), and expanding the difference made 2 ** (222 + b) ** 41 into
  // 2 ** (222 ** 41) * ... (expansion_size.h). The power is left unexpanded, as one term.
  const Expr e = parse("22 +b <=( -a) *e-2*.5 *- 2* ( a - b) *2** (222+b) ** 41");
  const Expr again = parse(e.str());
  ASSERT_NE(again, e);
  EXPECT_TRUE(again.equivalent(e));
}

TEST(ExprEquality, LargePowersOfSumsEqualByValueAreOne) {
  // GiNaC's power of a sum turns the sum's sign when its first term's coefficient (in GiNaC's
  // order of the symbols, which their creation decides) is a negative integer, and not when it is
  // the float of the same value: equivalence took the two powers for different ones (an
  // expr_roundtrip finding). Fresh symbols each round, so the order varies.
  int different = 0;
  for (int round = 0; round < 40; ++round) {
    const SymbolScope scope;
    const Expr exact = parse("(2.0 - 2 * e - 3 * p + 5 * q - 7 * r + 11 * t - 13 * u + 17 * v - 19 * w + 23 * z) ** 12");
    const Expr floats =
        parse("(2.0 - 2.0 * e - 3.0 * p + 5.0 * q - 7.0 * r + 11.0 * t - 13.0 * u + 17.0 * v - 19.0 * w + 23.0 * z) ** 12");
    different += !exact.equivalent(floats) + !floats.equivalent(exact);
  }
  EXPECT_EQ(different, 0);
}

TEST(ExprEquality, SumFactorsWithTheirSignTurnedAreOne) {
  // GiNaC normalizes the sign of a sum factor only when its coefficients are rational, so
  // `x * i * (0.5 * c + b)` and `-x * (-0.5 * c - b) * i` are different trees; here x multiplies
  // out to 4 ** 9 terms, too many to expand the difference (an expr_roundtrip finding).
  std::string x;
  for (int k = 1; k <= 9; ++k) {
    const std::string n = std::to_string(k);
    x += (k > 1 ? " * (a" : "(a") + n + " + b" + n + " + c" + n + " + d" + n + ")";
  }
  // Whether GiNaC builds the two as one tree depends on its order of the symbols, which their
  // creation decides: fresh symbols each round.
  int different = 0;
  for (int round = 0; round < 20; ++round) {
    const SymbolScope scope;
    const Expr p = parse(x + " * i * (0.5 * c + b) + a");
    const Expr q = parse("a - " + x + " * (-0.5 * c - b) * i");
    different += !p.equivalent(q) + !q.equivalent(p);
    EXPECT_FALSE(p.equivalent(parse("a + " + x + " * (-0.5 * c - b) * i")));
  }
  EXPECT_EQ(different, 0);
}

TEST(ExprEquality, LargePowersWhoseBasesDifferBySignsOfSumFactorsAreOne) {
  // The base of each power is too large to expand (the floor division's argument), and its sum
  // factor has its sign turned in one: the power became two symbols (an expr_roundtrip finding).
  const std::string f = "f // (a1 + a2 + a3 + a4 + a5 + a6) ** 40";
  const Expr p = parse("x ** ((e * (2.0 * b - 0.25) + " + f + ") ** 12)");
  const Expr q = parse("x ** ((-e * (0.25 - 2.0 * b) + " + f + ") ** 12)");
  ASSERT_NE(p, q);
  EXPECT_TRUE(p.equivalent(q));
  EXPECT_TRUE(q.equivalent(p));
  EXPECT_FALSE(p.equivalent(parse("x ** ((e * (2.0 * b + 0.25) + " + f + ") ** 12)")));
}

TEST(ExprEquality, EquivalentComparesNumbersByValue) {
  EXPECT_TRUE(parse("2.0 * x").equivalent(parse("2 * x")));
  EXPECT_TRUE(parse("(2.0 * x + y + z + w) ** 300").equivalent(parse("(2 * x + y + z + w) ** 300")));
  EXPECT_FALSE(parse("2.5 * x").equivalent(parse("2 * x")));
  // A power of a float sum, and of the exact sum of its value, whose content GiNaC takes out
  EXPECT_EQ(parse("1 / (x + 0.5 * b)").equivalence(parse("1 / (x + b / 2)")), Equivalence::equal);
  EXPECT_EQ(parse("1 / (x + 0.5 * b)").equivalence(parse("1 / (x + b / 3)")), Equivalence::different);
  EXPECT_EQ(parse("(x + 0.1 * b) ** -2").equivalence(parse("100 / (10 * x + b) ** 2")), Equivalence::equal);
}

TEST(ExprEquality, FloatSumsThatDifferByAFactorAreRoundedAlike) {
  // An expr_roundtrip finding: `(4**-1 + b) * (0**e - 4*.5/12)**-1` printed
  // `(4 * b + 1) / (4 * (0**e - 0.16666666666666666))`, whose 4 GiNaC multiplies into the sum when
  // it is read back, `(4 * b + 1) / (4 * 0**e - 0.6666666666666666)`: GiNaC takes no content out
  // of a sum with floats, and rounded number by number the two sums (one with 1/6 rounded, four
  // times that against 4/6 rounded) had no common factor: "different". A power of a sum is now
  // rounded over the sum's first coefficient. `s**2222.1` leaves the sampled test too few points,
  // as in the input.
  for_each_symbol_order(8, [&](int k) {
    const Expr e = parse("(s**2222.1 - (4**-1 + b) * (0**e - 4*.5/12)**-1 + 2)");
    const Expr again = parse(e.str());
    EXPECT_EQ(again.equivalence(e, 2000), Equivalence::equal) << k << ": " << e.str() << " and " << again.str();
  });
  // The second such finding: the sum's first coefficient a float, 1.0003219393938536 against
  // 4.0012877575754145 read back, which rounded to 12 digits differ by more than four times: the
  // first coefficient is taken exactly, and the coefficient it is multiplied into rounded after.
  for_each_symbol_order(8, [&](int k) {
    const Expr e = parse("((((((5)**2e-4*b)*e+b)**-1*2*(2**-3+b)-2)**.4+b)+b)");
    const Expr again = parse(e.str());
    EXPECT_EQ(again.equivalence(e, 2000), Equivalence::equal) << k << ": " << e.str() << " and " << again.str();
  });
  // The printer now writes such a number apart from the sum (`/ 4 / (...)`, printer.h), and the
  // two findings read back as they were; each is also compared with the form their printed text
  // had then, whose number GiNaC multiplied into the float sum, and so are variants.
  struct Pair {
    const char* text;
    const char* multiplied_in;
  };
  for (const Pair p :
       {Pair{"s**2222.1 - (4**-1 + b) * (0**e - 4*.5/12)**-1 + 2",
             "s**2222.1 - (4 * b + 1) / (4 * (0**e - 0.16666666666666666)) + 2"},
        Pair{"((((5**2e-4*b)*e+b)**-1*2*(2**-3+b)-2)**.4+b)+b",
             "((8 * b + 1) / (4 * (1.0003219393938536 * b * e + b)) - 2)**0.4 + 2 * b"},
        Pair{"(1/3 + b) * (1.0003219393938536 * b * e + b) ** -1", "(3 * b + 1) / (3 * (1.0003219393938536 * b * e + b))"},
        Pair{"(1/7 + b) * (1.0003219393938536 * b * e + b) ** -1", "(7 * b + 1) / (7 * (1.0003219393938536 * b * e + b))"},
        Pair{"((1/3 + b) * (1.1 * b * e + 0.7 * b) ** -1 - 2) ** 0.4", "((3 * b + 1) / (3 * (1.1 * b * e + 0.7 * b)) - 2) ** 0.4"}}) {
    for_each_symbol_order(4, [&](int k) {
      const Expr e = parse(p.text);
      const Expr multiplied = parse(p.multiplied_in);
      ASSERT_NE(multiplied, e) << p.text;
      EXPECT_EQ(multiplied.equivalence(e, 2000), Equivalence::equal) << k << ": " << e.str() << " and " << multiplied.str();
      EXPECT_EQ(e.equivalence(multiplied, 2000), Equivalence::equal) << k << ": " << e.str() << " and " << multiplied.str();
    });
  }
  // Not a power of two: 3 * (x - 0.1) is 3 * x - 0.30000000000000004.
  EXPECT_EQ(parse("b / (x - 0.1) + 1 / (3 * (x - 0.1))")
                .equivalence(parse("3 * b / (3 * x - 0.30000000000000004) + 1 / (3 * x - 0.30000000000000004)")),
            Equivalence::equal);
  EXPECT_EQ(parse("b / (x - 0.7) + y").equivalence(parse("3 * b / (3 * x - 2.1) + y")), Equivalence::equal);
  EXPECT_EQ(parse("y * (4 * x - 0.6666666666666666)").equivalence(parse("4 * y * (x - 0.16666666666666666)")),
            Equivalence::equal);
  // Beyond rounding, still different.
  EXPECT_EQ(parse("b / (x - 0.1)").equivalence(parse("3 * b / (3 * x - 0.3000001)")), Equivalence::different);
  EXPECT_EQ(parse("b / (x - 0.1) + y").equivalence(parse("3 * b / (3 * x - 0.3) + y + 1e-9")), Equivalence::different);
}

TEST(ExprEquality, ALargePowerLeftAsASymbolDecidesNothing) {
  // A power too large to expand is a symbol keyed by its expanded base: value-equal bases whose
  // floats were added in another order are two keys, and the difference of the two symbols is no
  // proof of a difference (it was "different", the floats hidden inside the symbols).
  EXPECT_EQ(parse("(0.1 * x + 0.2 * x + y) ** 500").equivalence(parse("(0.3 * x + y) ** 500")),
            Equivalence::undecided);
  EXPECT_EQ(parse("(0.1 * x + 0.2 * x + y) ** 500").equivalence(parse("(0.1 * x + 0.2 * x + y) ** 500 + 0.5")),
            Equivalence::different);  // the symbols cancel: what is left is a difference
  EXPECT_EQ(parse("(x + y) ** 500 + 1").equivalence(parse("(x + y) ** 500")), Equivalence::different);
  // An expr_roundtrip finding: one form held two terms GiNaC kept apart (an exact sum factor and a
  // float one of the same value), the other one term; the first's square of a `%` was a symbol,
  // the other's was not, and the two were found "different" (a fresh set of symbols each time).
  for_each_symbol_order(8, [&](int k) {
    const Expr e = parse("((b**2222262 - 2 * .5 * 1 * -2 * (-2**-1 + b2 * 4 - 3 + b) * e - 9**-114 - "
                         "(-2**-1 + b2 * 4 - 3 + b) * e - b) / b % b) ** 2");
    const Expr again = parse(e.str());
    EXPECT_NE(again.equivalence(e, 2000), Equivalence::different) << k << ": " << e.str() << " and " << again.str();
  });
}

TEST(ExprEquality, ValueEqualSumsOfWhichOneHasFloatsAreEqual) {
  // An expr_roundtrip finding: `-1.0 * (b - 5) * m * (b - 5)` is held with the sum factors
  // `5.0 - 1.0 * b` and `b - 5`, printed `-(b - 5) * (b - 5.0) * m`, and read back as one base
  // squared, `b - 5` or `b - 5.0` (GiNaC holds them equal). Under a power -1, one form expanded
  // to an exact sum whose sign GiNaC took out and the other to a float one: "different" for
  // some orders of the symbols (a fresh pair of symbols each time, after k unused ones).
  for_each_symbol_order(24, [&](int k) {
    const Expr e = parse("(x + .5 * 1 * -2 * (-2 - 3 + b) * m * (-2 - 3 + b)) ** -1");
    const Expr again = parse(e.str());
    EXPECT_EQ(again.equivalence(e, 2000), Equivalence::equal) << k << ": " << e.str() << " and " << again.str();
  });
}

TEST(ExprEquality, AFloatTermThatCancelsAnExactOneLeavesNothing) {
  // GiNaC keeps `K * e * (2 * b + 8 * b2 - 7)` and `K * e * (-2.0 * b - 8.0 * b2 + 7.0)` apart
  // (their signs differ; K = 9 ** 114, 362 bits). Expanded, 7.0 * K leaves its rounding error as
  // a term of its own, 8.3e+93 * e, for some orders of the symbols, and no rounding after the
  // arithmetic removes it: "different". With the floats read rounded first, the two cancel
  // exactly. An expr_roundtrip finding: the printer leads the second sum with a positive term,
  // and read back, GiNaC took the two for like terms and cancelled them. A fresh set of symbols
  // each time, after k unused ones.
  const std::string k114 = "6076396096647706909168138770838836135530328017648434830996201971201776350890241322455818405320466786549738961";
  const std::string pair = k114 + " * e * (2 * b + 8 * b2 - 7) + " + k114 + " * e * (-2.0 * b - 8.0 * b2 + 7.0)";
  for_each_symbol_order(24, [&](int k) {
    EXPECT_EQ(parse(pair + " + y").equivalence(parse("y")), Equivalence::equal) << k;
    EXPECT_EQ(parse(pair + " + y").equivalence(parse("y"), 2000), Equivalence::equal) << k;
    // a difference the floats' rounding cannot hide
    EXPECT_EQ(parse(pair + " + y").equivalence(parse("2 * y")), Equivalence::different) << k;
    EXPECT_EQ(parse(pair + " + y + " + k114 + " * e / 10 ** 9").equivalence(parse("y")), Equivalence::different) << k;
  });
  const Expr e = parse("((9**-114*y - 2*.5*-2*(-2**-1 + b2*4 - 3 + b)*e - 1 - 2*(-2**-1 + b2*4 - 3 + b)*e - b))*e");
  EXPECT_EQ(parse(e.str()).equivalence(e, 2000), Equivalence::equal) << e.str();
}

TEST(ExprExpand, Polynomials) {
  EXPECT_EQ(parse("(a + b) ** 2").expand().str(), "a**2 + 2 * a * b + b**2");
  EXPECT_EQ(parse("2 * s * (h + 1) * (b + c)").expand().str(),
            "2 * b * h * s + 2 * c * h * s + 2 * b * s + 2 * c * s");
  EXPECT_EQ(parse("min(a * (b + 1), c)").expand().str(), "min(a * b + a, c)");
}

TEST(ExprExpand, ABaseExpandedToZeroUnderANegativeExponentIsADivisionByZero) {
  // Each power's base is expanded before the power is made again (rebuild.h): made inside
  // GiNaC's expand, such a power threw there and leaked (an expr_roundtrip finding).
  EXPECT_EQ(error_of([] { parse("((a + b) * (a - b) - a**2 + b**2) ** -1").expand(); }), "division by zero");
  EXPECT_EQ(error_of([] { parse("x // ((a + b) * (a - b) - a**2 + b**2) + y").expand(); }), "division by zero");
  EXPECT_EQ(error_of([] { parse("x ** ((a + 1)**2 - a**2 - 2 * a - 3) * ((a + b)**2 - a**2 - 2*a*b - b**2 + x)").subs({{"x", 0}}).expand(); }),
            "division by zero");
  // a zero base to a positive or symbolic exponent is no error
  EXPECT_EQ(parse("((a + b) * (a - b) - a**2 + b**2) ** 2 + c").expand().str(), "c");
  EXPECT_EQ(parse("((a + 1)**2 - a**2 - 2 * a) ** -2 * (x + 1) ** 2").expand().str(), "x**2 + 2 * x + 1");
}

TEST(ExprExpand, APowerOfZeroToASymbolicExponentStaysWhole) {
  // GiNaC's expand splits an exponent's sum (0 ** (a - 2) as 0 ** a * 0 ** -2, a division by zero
  // made inside it, which leaked: an expr_roundtrip finding); 0 ** (a - 2) is 0 where a > 2.
  EXPECT_EQ(parse("0 ** (a - 2) * (x + 1) ** 2").expand().str(),
            "x**2 * 0**(a - 2) + 2 * x * 0**(a - 2) + 0**(a - 2)");
  EXPECT_EQ(parse("(0 ** (a - 2) + x) ** 2").expand().str(), "x**2 + 2 * x * 0**(a - 2) + (0**(a - 2))**2");
  EXPECT_EQ(parse("0 ** (0 ** (a - 2) + b - 1) + 0 ** (a - 2) * y").expand().str(),
            "y * 0**(a - 2) + 0**(b + 0**(a - 2) - 1)");
  EXPECT_EQ(parse("min(0 ** (a - 2), (a + b) ** 2)").expand().str(), "min(0**(a - 2), a**2 + 2 * a * b + b**2)");
  // an exponent that expands to a number is a number
  EXPECT_EQ(error_of([] { parse("0 ** ((a + 1)**2 - a**2 - 2 * a - 3)").expand(); }), "division by zero");
  EXPECT_EQ(parse("0 ** ((a + 1)**2 - a**2 - 2 * a + 1) + x").expand().str(), "x");
  // and terms that cancel, cancel
  EXPECT_EQ(error_of([] { parse("x // (0 ** (a - 2) - 0 ** (a - 2) * (1 + y) + y * 0 ** (a - 2))").expand(); }),
            "division by zero");
  EXPECT_TRUE(parse("0 ** (a - 2) * (x + 1)").equivalent(parse("0 ** (a - 2) * x + 0 ** (a - 2)")));
}

// ---------------------------------------------------------------------------------------
// The error type

TEST(ExprErrorType, Messages) {
  EXPECT_STREQ(ExprError("expected an operand", "a + * b", 5).what(),
               "expression 'a + * b': column 5: expected an operand");
  EXPECT_STREQ(ExprError("unbound symbol 'x'", "x + 1").what(), "unbound symbol 'x' in 'x + 1'");
  EXPECT_STREQ(ExprError("division by zero").what(), "division by zero");
  ExprError e("m", "t", 3);
  EXPECT_EQ(e.message, "m");
  EXPECT_EQ(e.text, "t");
  EXPECT_EQ(e.column, 3);
  const std::runtime_error& base = e;  // catchable as a runtime_error
  EXPECT_STREQ(base.what(), "expression 't': column 3: m");
}

}  // namespace
}  // namespace kcost
