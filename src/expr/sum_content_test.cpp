#include "expr/sum_content.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/number.h"
#include "expr/sampled_equality.h"

namespace kcost {
namespace {

GiNaC::ex parsed(const std::string& text) { return Expr::parse(text).ex(); }

TEST(FloatSumContent, NothingForAnExactSumOrAContentOfOne) {
  EXPECT_FALSE(float_sum_content(parsed("x / 3 + y / 6")));  // exact: divided exactly either way
  EXPECT_FALSE(float_sum_content(parsed("x + 0.5")));        // content 1
  EXPECT_FALSE(float_sum_content(parsed("2 * x + 4.0")));    // a float makes the gcd 1
  EXPECT_FALSE(float_sum_content(parsed("x * 0.5")));        // not a sum
  EXPECT_FALSE(float_sum_content(parsed("x")));
  EXPECT_FALSE(float_sum_content(parsed("3")));
  EXPECT_TRUE(float_sum_content(parsed("x / 3 + 0.5")));
  EXPECT_TRUE(float_sum_content(parsed("x / 2 + y / 3 + 0.5 * z")));  // the constant is 0
}

TEST(FloatSumContent, TheContentIsOneOverTheLcmOfTheDenominatorsWithTheProductsSign) {
  for (const char* text : {"x / 3 + 0.5", "0.25 * y - x / 6 + 1", "y / 4 - x / 6 + 2.5 * z + 1 / 10",
                           "-x / 3 - 0.5 * y"}) {
    SCOPED_TRACE(text);
    const GiNaC::ex sum = parsed(text);
    const auto c = float_sum_content(sum);
    ASSERT_TRUE(c);
    const GiNaC::numeric lcm = GiNaC::numeric(1) / GiNaC::abs(sum.integer_content());
    EXPECT_EQ(GiNaC::abs(c->content), GiNaC::numeric(1) / lcm);
    // the first term's coefficient (in GiNaC's order) is a positive integer or a float
    const GiNaC::numeric& lead =
        GiNaC::ex_to<GiNaC::numeric>(pairs_of(GiNaC::ex_to<GiNaC::add>(c->primitive)).front().coeff);
    EXPECT_TRUE(lead.is_pos_integer() || number::is_float(lead)) << lead;
    // the primitive's numbers are integers or floats (each exact here: the floats are multiples of
    // 1/4 times small integers), and content * primitive is the sum
    EXPECT_EQ((c->primitive * c->content).expand(), sum);
    EXPECT_TRUE(GiNaC::abs(c->primitive.integer_content()).is_equal(1));
  }
}

// What `make` builds over the symbols b and e, printed with their names written `b` and `e`, for
// eight pairs of fresh symbols made in alternating orders: one text for each pair whatever GiNaC's
// order of their terms (by hashes of their serials).
std::vector<std::string> over_fresh_symbols(const std::function<Expr(const Expr& b, const Expr& e)>& make) {
  static int made = 0;
  std::vector<std::string> texts;
  for (int k = 0; k < 8; ++k, ++made) {
    const std::string b_name = "b_" + std::to_string(made), e_name = "e_" + std::to_string(made);
    Expr b, e;
    if (k % 2 == 0) {
      b = Expr::symbol(b_name);
      e = Expr::symbol(e_name);
    } else {
      e = Expr::symbol(e_name);
      b = Expr::symbol(b_name);
    }
    std::string text = make(b, e).str();
    for (const auto& [from, to] : {std::pair{b_name, std::string("b")}, std::pair{e_name, std::string("e")}})
      for (size_t p = 0; (p = text.find(from, p)) != std::string::npos; p += to.size()) text.replace(p, from.size(), to);
    texts.push_back(text);
  }
  return texts;
}

TEST(FloatSumContent, AWholePowerOfSuchASumIsHeldOneWayWhateverTheSerials) {
  // An expr_roundtrip finding: GiNaC divided `1 / 12 + 16.8 * b - e` by its content 1/12 in a
  // power when `-e` was its first term (in GiNaC's order, by the symbols' serials), rounding
  // 16.8 * 12 to 201.60000000000002, and left it as it was when `16.8 * b` was. Now it is held
  // one way, as a product holds it.
  const Expr x = Expr::symbol("x");
  const auto sum = [](const Expr& b, const Expr& e) {
    return Expr(GiNaC::numeric(1, 12)) + Expr::parse("16.8") * b - e;
  };
  const std::vector<std::function<Expr(const Expr&, const Expr&)>> forms = {
      [&](const Expr& b, const Expr& e) { return Expr::pow(sum(b, e), Expr(2)); },
      [&](const Expr& b, const Expr& e) { return Expr::pow(sum(b, e), Expr(21)); },
      [&](const Expr& b, const Expr& e) { return Expr::pow(sum(b, e), Expr(-3)); },
      [&](const Expr& b, const Expr& e) { return x / sum(b, e); },
      [&](const Expr& b, const Expr& e) { return x * Expr::pow(sum(b, e), Expr(3)); },
      [&](const Expr& b, const Expr& e) { return sum(b, e) * sum(b, e); },
      [&](const Expr& b, const Expr& e) { return x * sum(b, e) * sum(b, e); },
      [&](const Expr& b, const Expr& e) { return sum(b, e) * x * sum(b, e); },
      // substitution makes the product again (rebuild.h)
      [&](const Expr& b, const Expr& e) {
        return (Expr::symbol("sub_p") * Expr::symbol("sub_q")).subs({{"sub_p", sum(b, e)}, {"sub_q", sum(b, e)}});
      },
  };
  for (size_t i = 0; i < forms.size(); ++i) {
    SCOPED_TRACE(i);
    const std::vector<std::string> texts = over_fresh_symbols(forms[i]);
    for (const std::string& text : texts) EXPECT_EQ(text, texts.front());
  }
  // a product divides the sum as the power does, and a quotient by the sum cancels it
  const Expr b = Expr::symbol("content_b"), e = Expr::symbol("content_e");
  const Expr s = sum(b, e);
  EXPECT_EQ(s * s, Expr::pow(s, Expr(2)));
  EXPECT_EQ(x * s * s, x * Expr::pow(s, Expr(2)));
  EXPECT_EQ(s / s, Expr(1));
  EXPECT_EQ(x * s / s, x);
  EXPECT_EQ(x * s / (s * s), x / s);
  // the finding's expression and its printed form read back take one value at every sample point
  // (exactly: the two hold the same floats, the sum's sign turned), and print one text
  const std::vector<std::string> printed = over_fresh_symbols([](const Expr& b, const Expr& e) {
    const Expr parsed = Expr::parse("((12**-1 + (4 * (" + b.str() + " - 1e2 * -(2 + " + b.str() + ") * " + e.str() +
                                    ") * 4.2) - " + e.str() + ")**21 / E % " + b.str() + ")");
    const Expr again = Expr::parse(parsed.str());
    const SampledEquality sampled = sample_equality(again, parsed);
    EXPECT_TRUE(sampled.equal(3)) << parsed.str() << ": " << sampled.agreed << " of " << sampled.evaluated;
    EXPECT_EQ(again.str(), parsed.str());
    return parsed;
  });
  for (const std::string& text : printed) EXPECT_EQ(text, printed.front());
}

}  // namespace
}  // namespace kcost
