#include "expr/expansion_size.h"

#include <cmath>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "expr/expr.h"
#include "expr/functions.h"

namespace kcost {
namespace {

ExpansionSize size_of(const char* text) { return expansion_size(Expr::parse(text).ex()); }

TEST(ExpansionSize, LeavesSumsAndProducts) {
  EXPECT_EQ(size_of("7").terms, 1);
  EXPECT_EQ(size_of("7").degree, 0);
  EXPECT_EQ(size_of("x").terms, 1);
  EXPECT_EQ(size_of("x").degree, 1);
  EXPECT_EQ(size_of("a + b + 1").terms, 3);
  EXPECT_EQ(size_of("a + b + 1").degree, 1);
  EXPECT_EQ(size_of("(a + b) * (c + d + e)").terms, 6);
  EXPECT_EQ(size_of("(a + b) * (c + d + e)").degree, 2);
  EXPECT_EQ(size_of("2 * a * b * c").degree, 3);
}

TEST(ExpansionSize, PowersCountMonomials) {
  // (a + b) ** n: n + 1 monomials; (a + b + c + d) ** 64 has C(67, 3) = 47905 (GiNaC's count).
  EXPECT_EQ(size_of("(a + b) ** 10").terms, 11);
  EXPECT_EQ(size_of("(a + b) ** 10").degree, 10);
  EXPECT_EQ(size_of("(a + b + c + d) ** 64").terms, 47905);
  EXPECT_EQ(size_of("(a + b) ** -3").terms, 4);  // a denominator counts as if multiplied out
  EXPECT_EQ(size_of("x ** 1000").terms, 1);
  EXPECT_EQ(size_of("x ** 1000").degree, 1000);
  EXPECT_TRUE(std::isinf(size_of("(a + b + c + d + e + f) ** 100000").terms));
}

TEST(ExpansionSize, FunctionsAreOpaqueTermsWhoseArgumentsCount) {
  EXPECT_EQ(size_of("min(a, b)").degree, 1);
  EXPECT_EQ(size_of("min(a, b) * c").degree, 2);
  EXPECT_EQ(size_of("(a + b) // c").terms, 1);
  EXPECT_EQ(size_of("(a + b) // c").inner_terms, 2);
  EXPECT_EQ(size_of("min((a + b) ** 20, c) ** 19").terms, 1);  // not multiplied out
  EXPECT_EQ(size_of("min((a + b) ** 20, c) ** 19").inner_terms, 21);
  EXPECT_EQ(size_of("min((a + b + c + d) ** 64, c) + x").inner_terms, 47905);
  EXPECT_FALSE(cheap_to_expand(Expr::parse("min((a + b + c + d) ** 200, c) + x").ex()));
}

TEST(ExpansionSize, WorkCountsEveryExpansionOnTheWayEachFunctionOnce) {
  EXPECT_EQ(size_of("x").work, 1);
  EXPECT_EQ(size_of("a + b + 1").work, 3);
  EXPECT_EQ(size_of("(a + b) * (c + d + e)").work, 5 + 6);  // the factors, then the 6 products
  EXPECT_EQ(size_of("(a + b) ** 10").work, 2 + 11);
  EXPECT_EQ(size_of("(a + b) // c").work, 3 + 1);
  EXPECT_EQ(size_of("(a + b) ** 0.5").work, 2 + 1);
  // A floor division of 47,909 terms' work is cheap, and so are copies of it (expand_all
  // expands it once: a copy costs one term); three different ones are not, though each alone is
  // under the bound on an operand's terms (an expr_roundtrip finding held 35 copies of one such
  // division, which GiNaC's own expand expanded 35 times).
  const auto division = [](int d) { return "((a + b + c + d) ** 64 // " + std::to_string(d) + ")"; };
  EXPECT_EQ(size_of(division(7).c_str()).work, 4 + 47905 + 1 + 1);
  const Expr copies = Expr::parse(division(7) + " * x + " + division(7) + " * y + " + division(7) + " * z");
  EXPECT_EQ(expansion_size(copies.ex()).work, (47911 + 1 + 1) + 2 * (1 + 1 + 1));  // D * x, then D (1), y and 1 product each
  EXPECT_TRUE(cheap_to_expand(copies.ex()));
  const Expr three = Expr::parse(division(7) + " * x + " + division(11) + " * y + " + division(13) + " * z");
  EXPECT_EQ(expansion_size(three.ex()).inner_terms, 47905);
  EXPECT_FALSE(cheap_to_expand(three.ex()));
  EXPECT_EQ(three.expand(), three);  // left as it is
}

TEST(ExpansionSize, ExpandAllIsGinacsExpansionWithFunctionOperandsEachExpandedOnce) {
  for (const char* text : {"min((a + b) ** 2, c) * (x + 1) + min((a + b) ** 2, c) * y", "(a + b) ** 3 // (c * (d + 1))",
                           "max(min((x + 1) * (y - 1), 2), min((x + 1) * (y - 1), 2) * z)", "(a + 1) ** (z + 2)", "x"}) {
    const GiNaC::ex e = Expr::parse(text).ex();
    EXPECT_TRUE(expand_all(e).is_equal(e.expand(GiNaC::expand_options::expand_function_args))) << text;
  }
  // a function met again is the first one's expansion only when equal in every number's
  // exactness: 2.0 * (a + b) stays a float's product, beside 2 * (a + b)
  EXPECT_EQ(Expr(expand_all(Expr::parse("min(2 * (a + b), c) * x + min(2.0 * (a + b), c) * y").ex())).str(),
            "x * min(2 * a + 2 * b, c) + y * min(2.0 * a + 2.0 * b, c)");
  Expansion expansion;  // one Expansion over many trees keeps what it expanded
  EXPECT_TRUE(expansion(Expr::parse("min((a + b) ** 2, c)").ex()).is_equal(Expr::parse("min(a**2 + 2*a*b + b**2, c)").ex()));
  EXPECT_TRUE(expansion(Expr::parse("x * min((a + b) ** 2, c)").ex()).is_equal(Expr::parse("x * min(a**2 + 2*a*b + b**2, c)").ex()));
}

// A function made again from its expanded operands may evaluate to a sum (min of two forms of
// one polynomial), which expansion_size counted as one term: it is held as one, and the whole is
// expanded again with it in place only where that is cheap.
TEST(ExpansionSize, AFunctionThatEvaluatesToASumIsOneTermUnlessExpandingItIsCheap) {
  const std::string m = "min((a + b + c + d) * (a + b + c + d + e), (a + b + c + d) ** 2 + (a + b + c + d) * e)";
  const GiNaC::ex cheap = Expr::parse("(" + m + " + x) ** 2").ex();
  EXPECT_TRUE(expand_all(cheap).is_equal(cheap.expand(GiNaC::expand_options::expand_function_args)));
  EXPECT_EQ(expand_all(cheap).nops(), 80u);
  // expanded again only within the caller's bound: (15 terms) ** 2 is 120 terms of work
  EXPECT_EQ(expand_all(cheap, 2000).nops(), 80u);
  EXPECT_EQ(expand_all(cheap, 100).nops(), 3u);  // x ** 2 + 2 * x * min(...) + min(...) ** 2
  Expansion never([](const GiNaC::ex&) { return false; });
  EXPECT_EQ(never(cheap).nops(), 3u);
  // a 15-term sum to the 7th: 116,280 terms of work, past kMaxExpandedTerms; counted as 8 terms
  const Expr dear = Expr::parse("(" + m + " + x) ** 7");
  EXPECT_EQ(size_of(("(" + m + " + x) ** 7").c_str()).terms, 8);
  const GiNaC::ex held = expand_all(dear.ex());
  EXPECT_EQ(held.nops(), 8u);
  const std::map<std::string, GiNaC::numeric> point{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}, {"x", 6}};
  EXPECT_EQ(Expr(held).eval(point), dear.eval(point));
}

// A function is made again from its operands with the nodes held while GiNaC expands in place:
// a held symbol passes for an integer-valued polynomial, and `(0.0 ** (2 * b) * e - g) // 1`,
// whose operand holds a float, became its operand (an expr_roundtrip finding: such a floor
// division, of a 66-term polynomial, evaluated so inside a 10th power that expansion_size had
// counted as 11 terms, and GiNaC reserved room for 68 billion).
TEST(ExpansionSize, AFunctionSeesTheNodesHeldWhileGinacExpands) {
  const GiNaC::ex floordiv = Expr::parse("(0.0 ** (2 * b) * e - g) // 1").ex();
  ASSERT_TRUE(is_py_op(floordiv, PyOp::floordiv));
  EXPECT_TRUE(is_py_op(expand_all(floordiv), PyOp::floordiv));
  EXPECT_EQ(expand_all(Expr::parse("((0.0 ** (2 * b) * e - g) // 1 + x) ** 10").ex()).nops(), 11u);
}

// Products are multiplied out by Expansion itself (each sum into the terms so far at once, not
// GiNaC's running sum copied at every partial product): the same expansion as GiNaC's, in sums,
// products of several sums, numbers and non-sums among them, terms that cancel or combine, a
// product whose factors make a sum again ((a + b) ** 0.5 twice), sums inside powers and functions.
TEST(ExpansionSize, ProductsMultipliedOutAreGinacsExpansion) {
  for (const char* text :
       {"(a + b) * (c + d + e + f) ** 6 * (x - y + 1)", "(x + 1) * (x - 1) * (y + 2) * 3 * z", "2 * (a + b) * (a - b) - 2 * a**2",
        "(a + 1) * (b + 1) - a * b", "x * (a + b) ** 0.5 * (a + b) ** 0.5 * (c + d)", "(a + b) ** 0.5 * (a + b) ** 0.5",
        "(0.5 * a - b) * (2.0 * a + 3 * b) * (a + 0.25)", "((a + b) * (c - 1)) ** 3 * (d + 1)", "(a + b) ** -1 * (a + b) * (c + d)",
        "(x + 2) ** (y + 2) * (x + 3)", "min((a + b) * (c + d), e) * (a + 1)", "(a + b) * (c + d) * (e + f) * (g + h) * (i + j)",
        "x * y * z * 5", "(a*b + c) * (a*b - c) * a**-1"}) {
    const GiNaC::ex e = Expr::parse(text).ex();
    EXPECT_TRUE(expand_all(e).is_equal(e.expand(GiNaC::expand_options::expand_function_args))) << text;
  }
  // the expr_roundtrip slow input's product, 13,090 terms (GiNaC's expand took 2 to 20 s on it)
  const GiNaC::ex big = expand_all(Expr::parse("(a + b) * (c + d + e + f) ** 32").ex());
  EXPECT_EQ(big.nops(), 13090u);
  EXPECT_EQ(size_of("(a + b) * (c + d + e + f) ** 32").terms, 13090);
  EXPECT_TRUE(expand_all(big - Expr::parse("a * (c + d + e + f) ** 32").ex() - Expr::parse("b * (c + d + e + f) ** 32").ex()).is_zero());
}

TEST(ExpansionSize, CheapToExpand) {
  EXPECT_TRUE(cheap_to_expand(Expr::parse("(a + b) ** 2 * (seq_len + cache_len) * hidden").ex()));
  EXPECT_TRUE(cheap_to_expand(Expr::parse("(a + b + c + d) ** 64").ex()));
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(a + b + c + d) ** 200").ex()));  // 1.37 million terms
  EXPECT_TRUE(cheap_to_expand(Expr::parse("x ** 1000 * (a + b) ** 829").ex()));  // 830 terms
}

TEST(ExpansionSize, CheapToExpandWithinAGivenWork) {
  // (a + b + c + d) ** 10: 286 terms, and the work of the base's sum on the way
  const GiNaC::ex power = Expr::parse("(a + b + c + d) ** 10").ex();
  const double work = expansion_size(power).work;
  ASSERT_GT(work, 286);
  EXPECT_TRUE(cheap_to_expand(power, work));
  EXPECT_FALSE(cheap_to_expand(power, work - 1));
  // a larger bound than kMaxExpandedTerms allows no more than cheap_to_expand does, and the
  // bounds on numbers hold whatever the work
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(a + b + c + d) ** 200").ex(), 1e9));
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(1e10 * x + 1.5) ** 40").ex(), 1e9));
}

// What the bounds are for: a fuzz finding that divided `(a + b) ** 829` by `c - b` for a minute
// now keeps the `%` unevaluated at once, and prints and parses back (no bound on the parser:
// `y ** 64 * y` is `y ** 65`, which must print as text that parses).
TEST(ExpansionSize, LargePowersStayUnexpanded) {
  const Expr e = Expr::parse("(a + b) ** 829 % -(c - b) * 2");
  EXPECT_EQ(Expr::parse(e.str()), e);
  const Expr big = Expr::parse("(a + b + c + d) ** 200");
  EXPECT_EQ(big.expand(), big);
  EXPECT_TRUE(big.equivalent(big));
  EXPECT_FALSE(big.equivalent(big + 1));
  // a large power compares as a whole, its base expanded
  EXPECT_TRUE(Expr::parse("x * (y + 1) - (a + b + c + d + 0.5) ** 2222").equivalent(
      Expr::parse("x * y + x - (d + c + b + a + 0.5) ** 2222")));
  EXPECT_TRUE(Expr::parse("-y2 * (a + b) - y2 * (a + b) - 1 / (G + b + 5.0) ** 2222").equivalent(
      Expr::parse("-2 * y2 * (a + b) - 1 / (G + b + 5.0) ** 2222")));
  EXPECT_FALSE(Expr::parse("(a + b) ** 2222").equivalent(Expr::parse("(a + b) ** 2221 * (a + b) + 1")));
  EXPECT_EQ(Expr::parse("x ** -2 + 1**64 * y**64 * y - 4").str(), "y**65 - 4 + 1 / x**2");
  EXPECT_EQ(Expr::parse("y**65 - 4 + 1 / x**2"), Expr::parse("x ** -2 + 1**64 * y**64 * y - 4"));
  EXPECT_EQ(Expr::parse("(a + b) ** 2").expand().str(), "a**2 + 2 * a * b + b**2");
}

TEST(ExpansionSize, EquivalenceSaysWhenItCannotDecide) {
  EXPECT_EQ(Expr::parse("(a + b) ** 2").equivalence(Expr::parse("a**2 + 2*a*b + b**2")), Equivalence::equal);
  EXPECT_EQ(Expr::parse("(a + b) ** 2").equivalence(Expr::parse("a**2 + b**2")), Equivalence::different);
  const Expr big = Expr::parse("(a + b + c + d) ** 200");
  EXPECT_EQ(big.equivalence(big + Expr(1)), Equivalence::different);  // its base expanded: one key
  // a float beside an integer past the float range: expanding would multiply them (CLN throws)
  EXPECT_EQ(Expr::parse("(1e-6 * x + 2 ** 5000) * y").equivalence(Expr::parse("1e-6 * x * y + 2 ** 5000 * y")),
            Equivalence::undecided);
  EXPECT_FALSE(Expr::parse("(1e-6 * x + 2 ** 5000) * y").equivalent(Expr::parse("1e-6 * x * y + 2 ** 5000 * y")));
  // a large power whose base is too large to expand keeps its form as its key: two forms of one
  // base are two keys, and their difference decides nothing
  const std::string base = "((a + b + c + d) ** 64 // 7 + (a + b + c + d) ** 64 // 11 + (a + b + c + d) ** 64 // 13)";
  EXPECT_EQ(Expr::parse("x * " + base + " ** 3000").equivalence(Expr::parse(base + " ** 3000 * x + 0")),
            Equivalence::equal);  // one form: one key
  EXPECT_EQ(Expr::parse("(" + base + " * (y + 1)) ** 3000").equivalence(Expr::parse("(" + base + " * y + " + base + ") ** 3000")),
            Equivalence::undecided);
  // the work of the whole comparison is bounded: by default 400,000 terms; a caller may afford less
  const Expr product = Expr::parse("y * ((a + b) * (c + d + e + f) ** 32 - x)");
  const Expr printed = Expr::parse("y * (a * (c + d + e + f) ** 32 + b * (c + d + e + f) ** 32 - x)");
  EXPECT_EQ(product.equivalence(printed), Equivalence::equal);  // each sum factor expanded: 13,091 terms
  EXPECT_EQ(product.equivalence(printed, 20000), Equivalence::undecided);
  EXPECT_EQ(product.equivalence(printed - Expr(1), 20000), Equivalence::undecided);
}

TEST(ExpansionSize, ExtentBoundsTheNumbersOfTheExpansion) {
  EXPECT_EQ(size_of("8 * x + y").extent, 4);  // 8, plus a bit for two terms
  EXPECT_EQ(size_of("(8 * x) * (8 * y)").extent, 6);
  EXPECT_EQ(size_of("(2 * x + y) ** 10").extent, 20);  // (2 + 1) ** 10 at most: 10 * (1 + 1)
  EXPECT_EQ(size_of("(4 * x + y) ** 2.5").extent, 7.5);
  EXPECT_EQ(size_of("(4 * x + y) ** 0.5").extent, 3);  // the base, expanded first, holds 4 (and 2 terms)
  EXPECT_EQ(size_of("min(8 * x, y) * 2").extent, 4);
}

TEST(ExpansionSize, AnExpansionWhoseFloatsWouldOverflowIsNotCheap) {
  // CLN throws inside GiNaC's expand, and GiNaC leaks what it allocated: not expanded at all.
  EXPECT_TRUE(cheap_to_expand(Expr::parse("(10 ** 10 * x + 1) ** 40").ex()));  // exact: never overflows
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(1e10 * x + 1.5) ** 40").ex()));
  EXPECT_TRUE(cheap_to_expand(Expr::parse("(1e10 * x + 1.5) ** 20").ex()));
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(1e100 * x + 1.5) ** 5 * (1e100 * y + z) ** 5").ex()));
  EXPECT_EQ(Expr::parse("(1e10 * x + 1.5) ** 40").expand().str(), "(10000000000.0 * x + 1.5)**40");
  // under a power to |p| < 1, the base is expanded on its own first: an expr_roundtrip leak
  // finding expanded this (2e-4 times the base's extent was counted), and 100.0 ** -77775 left
  // the float range inside GiNaC's expand
  const Expr under_root = Expr::parse("(100.0 ** (b - 77775) * e) ** 2e-4");
  EXPECT_FALSE(cheap_to_expand(under_root.ex()));
  EXPECT_EQ(under_root.expand(), under_root);
  // and an exact number past number::kMaxPowerBits so (2 raised to 222 ** 41)
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(2 ** (222 + b) ** 41) ** 1e-300").ex()));
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(2 ** (222 + b) ** 41) ** (-1 / 3)").ex()));
}

TEST(ExpansionSize, APowerToASymbolicExponentIsRaisedToItsConstant) {
  // expand makes x ** (c + y) x ** c * x ** y: (a + b) ** (z + 2) multiplies out (a + b) ** 2
  EXPECT_EQ(Expr::parse("(a + b) ** (z + 2)").expand().str(), "a**2 * (a + b)**z + 2 * a * b * (a + b)**z + b**2 * (a + b)**z");
  EXPECT_LE(4, size_of("(a + b) ** (z + 2)").terms);  // 2 + 1 (the exponent's extent) bounds the constant
  EXPECT_TRUE(cheap_to_expand(Expr::parse("(a + b) ** (z + 2)").ex()));
  EXPECT_TRUE(cheap_to_expand(Expr::parse("2 ** (z + 2)").ex()));
  // a fuzz finding that ran for ever: 2 ** (222 + b) ** 41 expanded raises 2 to 222 ** 41
  EXPECT_FALSE(cheap_to_expand(Expr::parse("2 ** (222 + b) ** 41").ex()));
  EXPECT_FALSE(cheap_to_expand(Expr::parse("(a + b) ** (z + 2 ** 20)").ex()));
  EXPECT_FALSE(cheap_to_expand(Expr::parse("1.5 ** (z + 2 ** 12)").ex()));  // a float beyond the range
  EXPECT_TRUE(cheap_to_expand(Expr::parse("x ** (222 + b) ** 41").ex()));  // x ** c stays as it is
}

TEST(ExpansionSize, APowerPastADoubleKeepsTheBoundsOfItsNeighbours) {
  // y ** 6 ** 414: the exponent is past a double (infinity), y's numbers are 1 (extent 0), and
  // it stays so raised to any power: 0, not infinity times 0 (NaN, which a function's std::max
  // of its operands' extents dropped)
  EXPECT_EQ(size_of("y ** 6 ** 414").extent, 0);
  EXPECT_TRUE(std::isinf(size_of("y ** 6 ** 414").degree));
  // an expr_roundtrip out-of-memory finding: beside it, 2 ** (772 - b*e) ** 9 (which expanded
  // raises 2 to 772 ** 9) inside a `%` was counted cheap, and the parser's zero test of the base
  // of `** -2` expanded it
  EXPECT_FALSE(cheap_to_expand(Expr::parse("2 ** (772 - b*e) ** 9 * y ** 6 ** 414 * 1. % b").ex()));
  EXPECT_FALSE(cheap_to_expand(Expr::parse("min(2 ** (772 - b*e) ** 9 * y ** 6 ** 414, c)").ex()));
  EXPECT_TRUE(cheap_to_expand(Expr::parse("min(x * y ** 6 ** 414, c)").ex()));
  EXPECT_EQ(Expr::parse("(2**(772-(b)*e)**9*y**6**--414*1.%b)**-2").str().substr(0, 14), "1 / (y**142763");
}

}  // namespace
}  // namespace kcost
