// The compiled closed form agrees with exact GiNaC evaluation everywhere: polynomials, rationals,
// Python's //, %, min, max, comparisons, and/or/not, conditionals; overflow and division by
// zero fall back to the exact result; random expressions at many points.
#include "evaluate/closed_form.h"

#include "evaluate/values.h"  // to_string of an exact number

#include <random>

#include <gtest/gtest.h>

namespace kcost {
namespace {

using GiNaC::numeric;

const std::vector<std::string> kVars = {"batch_size", "seq_len", "cache_len", "bytes"};

std::vector<numeric> point(long b, long s, long c, long y) { return {b, s, c, y}; }

// Fast path and exact evaluation agree, and the fast path is taken (returns true) when `fast`.
void expect_agree(const ClosedForm& f, const std::vector<numeric>& p, bool fast = true) {
  std::vector<numeric> exact = f.evaluate_exact(p);
  std::vector<numeric> got = f.evaluate(p);
  ASSERT_EQ(exact.size(), got.size());
  for (size_t i = 0; i < exact.size(); ++i) EXPECT_EQ(got[i], exact[i]) << "output " << i;
  std::vector<std::int64_t> ints;
  for (const numeric& n : p) ints.push_back(n.to_long());
  std::vector<int128> out(f.output_count());
  auto regs = f.make_registers();
  bool ok = f.run(ints.data(), out.data(), regs);
  if (fast) {
    ASSERT_TRUE(ok);
    for (size_t i = 0; i < exact.size(); ++i) EXPECT_EQ(to_numeric(out[i]), exact[i]);
  }
}

TEST(ClosedForm, PolynomialMatchesExactEverywhere) {
  ClosedForm f({Expr::parse("2 * batch_size * seq_len * 4096 * 11008 + 4 * batch_size * seq_len * (cache_len + seq_len) * 128"),
                Expr::parse("(batch_size * seq_len * 4096 + 4096 * 11008) * bytes"), Expr::parse("7")},
               kVars);
  EXPECT_TRUE(f.fully_compiled());
  EXPECT_GT(f.instruction_count(), 0u);
  for (long b : {1, 3, 64})
    for (long s : {1, 5, 4096})
      for (long c : {0, 7, 131072}) expect_agree(f, point(b, s, c, 2));
  EXPECT_EQ(f.evaluate(point(1, 1, 0, 2))[2], numeric(7));
}

// Registers of 64 bits first, 128 when a step overflows them: the same exact answers, whether
// an intermediate value, an output or a constant needs more than 64 bits.
TEST(ClosedForm, AStepBeyond64BitsRunsAgainIn128Bits) {
  ClosedForm f({Expr::parse("batch_size * seq_len * cache_len * cache_len"),
                Expr::parse("(batch_size * cache_len * cache_len * cache_len) // (cache_len * cache_len + 1)"),
                Expr::parse("seq_len + 1"), Expr::parse("seq_len * 1180591620717411303424 - cache_len")},
               kVars);
  ASSERT_TRUE(f.fully_compiled());
  auto regs = f.make_registers();
  EXPECT_TRUE(regs.narrow.empty());  // 2**70 does not fit
  ClosedForm small({Expr::parse("batch_size * seq_len * cache_len * cache_len"),
                    Expr::parse("(batch_size * cache_len * cache_len * cache_len) // (cache_len * cache_len + 1)")},
                   kVars);
  EXPECT_FALSE(small.make_registers().narrow.empty());
  for (long c : {0L, 7L, 3000000000L, 4000000000L}) {  // 4e9**3 overflows 64 bits, the floor division fits
    expect_agree(f, point(3, 5, c, 2));
    expect_agree(small, point(3, 5, c, 2));
  }
  // One register file for a sequence of points: a point that needs 128 bits between two that do not.
  auto r = small.make_registers();
  std::vector<int128> out(2);
  for (long c : {7L, 4000000000L, 9L}) {
    std::vector<std::int64_t> in = {3, 5, c, 2};
    ASSERT_TRUE(small.run(in.data(), out.data(), r));
    EXPECT_EQ(to_numeric(out[0]), small.evaluate_exact(point(3, 5, c, 2))[0]) << c;
    EXPECT_EQ(to_numeric(out[1]), small.evaluate_exact(point(3, 5, c, 2))[1]) << c;
  }
}

TEST(ClosedForm, RationalsAndRoundingCompile) {
  ClosedForm f({Expr::parse("batch_size / 2 + seq_len / 2"), Expr::parse("math.ceil(seq_len / 3) * 2"),
                Expr::parse("math.floor(cache_len / (seq_len + 1))"), Expr::parse("int(-seq_len / 4)"),
                Expr::parse("seq_len * 3 / 4")},
               kVars);
  EXPECT_TRUE(f.fully_compiled());
  expect_agree(f, point(2, 4, 9, 2));
  expect_agree(f, point(6, 8, 0, 2));
  expect_agree(f, point(3, 5, 7, 2), false);  // 3/2 + 5/2 = 4 though the terms are not integers
  // 3 * 5 / 4 is not an integer: the fast path fails, the exact value is 15/4.
  expect_agree(f, point(3, 5, 7, 2), false);
  std::vector<std::int64_t> ints = {3, 5, 7, 2};
  std::vector<int128> out(5);
  auto regs = f.make_registers();
  EXPECT_FALSE(f.run(ints.data(), out.data(), regs));
  EXPECT_EQ(f.evaluate(point(3, 5, 7, 2))[4], numeric(15, 4));
  EXPECT_EQ(f.evaluate(point(3, 4, 7, 2))[4], numeric(3));
}

TEST(ClosedForm, PythonOperations) {
  ClosedForm f({Expr::parse("(seq_len - cache_len) // 3"), Expr::parse("(seq_len - cache_len) % 3"),
                Expr::parse("min(seq_len, cache_len) + max(batch_size, bytes)"),
                Expr::parse("batch_size * seq_len * (cache_len + seq_len) if seq_len != 1 and cache_len != 0 else 0"),
                Expr::parse("(seq_len < cache_len) + (seq_len <= 5) * 10 + (bytes > 1) * 100 + (batch_size >= 3) * 1000"),
                Expr::parse("(seq_len == 1) + 2 * (cache_len != 0) + 4 * (not batch_size)"),
                Expr::parse("(seq_len or 9) + (cache_len and 5)"), Expr::parse("abs(seq_len - cache_len)"),
                Expr::parse("cache_len // -2 + seq_len % -4"), Expr::parse("min(seq_len / 2, cache_len / 3)")},
               kVars);
  EXPECT_TRUE(f.fully_compiled());
  for (long b : {1, 3})
    for (long s : {1, 5, 8})
      for (long c : {0, 7, 2}) expect_agree(f, point(b, s, c, 2), false);
}

TEST(ClosedForm, DivisionByZeroInAnUntakenBranchFallsBackToPythonSemantics) {
  // Python: `0 if cache_len == 0 else seq_len // cache_len` never divides by zero.
  ClosedForm f({Expr::parse("0 if cache_len == 0 else seq_len // cache_len"),
                Expr::parse("cache_len and 12 / cache_len")},
               kVars);
  EXPECT_EQ(f.evaluate(point(1, 5, 0, 2)), (std::vector<numeric>{0, 0}));
  EXPECT_EQ(f.evaluate(point(1, 5, 2, 2)), (std::vector<numeric>{2, 6}));
  std::vector<std::int64_t> ints = {1, 5, 0, 2};
  std::vector<int128> out(2);
  auto regs = f.make_registers();
  EXPECT_FALSE(f.run(ints.data(), out.data(), regs));  // the fast path computes both arms
}

TEST(ClosedForm, OverflowFallsBackToExactBigIntegers) {
  ClosedForm f({Expr::parse("batch_size**5 * seq_len**5")}, kVars);
  numeric b(1L << 40);
  std::vector<numeric> p = {b, b, 0, 2};
  numeric want = GiNaC::ex_to<numeric>(GiNaC::pow(b, 10));
  EXPECT_EQ(f.evaluate(p)[0], want);
  std::vector<std::int64_t> ints = {1L << 40, 1L << 40, 0, 2};
  std::vector<int128> out(1);
  auto regs = f.make_registers();
  EXPECT_FALSE(f.run(ints.data(), out.data(), regs));
  ints = {1000, 1000, 0, 2};
  EXPECT_TRUE(f.run(ints.data(), out.data(), regs));
  EXPECT_EQ(to_string(out[0]), "1000000000000000000000000000000");  // 1e30 fits 128 bits
}

TEST(ClosedForm, FloatsAndNonIntegerInputsAreExactThroughTheFallback) {
  ClosedForm f({Expr::parse("batch_size * 0.5"), Expr::parse("batch_size * bytes")}, kVars);
  EXPECT_FALSE(f.fully_compiled());
  EXPECT_EQ(f.evaluate(point(3, 1, 0, 2)), f.evaluate_exact(point(3, 1, 0, 2)));
  std::vector<numeric> half = {3, 1, 0, numeric(1, 2)};
  EXPECT_EQ(f.evaluate(half)[1], numeric(3, 2));
}

// One register file over a sequence of points runs only the instructions that depend on a
// variable whose value changed: at every point it gives what a fresh register file gives (the
// same success, the same fraction), in a sweep's nested order, in a random order, through
// points that fail (division by zero, a step beyond 128 bits) and through 64-bit overflows.
TEST(ClosedForm, ASequenceOfPointsRunsOnlyWhatChangedAndAgreesWithAFreshRun) {
  const std::vector<std::string> vars = {"batch_size", "seq_len", "cache_len", "bytes", "weight_bytes", "kv_bytes"};
  const std::vector<std::string> widths = {"bytes", "weight_bytes", "kv_bytes"};
  ClosedForm f({Expr::parse("7 * batch_size * seq_len * bytes + 6607343680 * weight_bytes + 262144 * batch_size * cache_len * kv_bytes"),
                Expr::parse("min(batch_size * weight_bytes, 3) + bytes // 1 + (seq_len if cache_len != 0 else 2 * seq_len)"),
                Expr::parse("(seq_len - cache_len) ** -1 * (cache_len + weight_bytes)"),
                Expr::parse("math.ceil(cache_len / (seq_len + 1)) * kv_bytes + cache_len * cache_len * cache_len * batch_size"),
                Expr::parse("(batch_size * cache_len) % (seq_len + 2) - (cache_len - 3) // seq_len")},
               vars, widths);
  ASSERT_TRUE(f.fully_compiled());
  struct Point {
    std::vector<std::int64_t> nums, dens;
  };
  std::vector<Point> points;
  const std::vector<std::pair<std::int64_t, std::int64_t>> ws = {{2, 1}, {1, 2}, {9, 16}};
  for (std::int64_t b : {1, 4})
    for (std::int64_t s : {1, 3, 5})
      for (std::int64_t c : {0L, 1L, 3L, 5L, 7L, 3000000L, 3000000000000L})
        for (auto y : ws)
          for (auto w : ws) points.push_back({{b, s, c, y.first, w.first, 2}, {1, 1, 1, y.second, w.second, 1}});
  auto check = [&](const std::vector<Point>& order) {
    auto regs = f.make_registers();
    size_t ok = 0, failed = 0;
    for (const Point& p : order) {
      std::vector<int128> out(5), den(5), fresh_out(5), fresh_den(5);
      auto fresh = f.make_registers();
      bool got = f.run_rational(p.nums.data(), p.dens.data(), out.data(), den.data(), regs);
      bool want = f.run_rational(p.nums.data(), p.dens.data(), fresh_out.data(), fresh_den.data(), fresh);
      ASSERT_EQ(got, want) << "c=" << p.nums[2];
      (got ? ok : failed)++;
      if (!got) continue;
      for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(to_numeric(out[i]) / to_numeric(den[i]), to_numeric(fresh_out[i]) / to_numeric(fresh_den[i])) << i;
        EXPECT_EQ(out[i], fresh_out[i]) << i;
        EXPECT_EQ(den[i], fresh_den[i]) << i;
      }
    }
    EXPECT_GT(ok, 0u);
    EXPECT_GT(failed, 0u);  // seq_len == cache_len divides by zero; c**3 beyond 128 bits
  };
  check(points);
  std::vector<Point> shuffled = points;
  std::mt19937 rng(11);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  check(shuffled);
  // A program read back from its JSON runs the same way.
  ClosedForm back = ClosedForm::from_json(f.to_json());
  auto a = f.make_registers(), b = back.make_registers();
  for (const Point& p : shuffled) {
    std::vector<int128> o1(5), d1(5), o2(5), d2(5);
    bool r1 = f.run_rational(p.nums.data(), p.dens.data(), o1.data(), d1.data(), a);
    ASSERT_EQ(r1, back.run_rational(p.nums.data(), p.dens.data(), o2.data(), d2.data(), b));
    if (r1) EXPECT_EQ(o1, o2);
  }
}

// The widths as rational variables: 4-bit weights (1/2), weights with scales (9/16), an fp8
// cache run the compiled program, with fractional results, exactly.
TEST(ClosedForm, RationalVariablesRunTheFastPathAtFractionalWidths) {
  const std::vector<std::string> vars = {"batch_size", "seq_len", "cache_len", "bytes", "weight_bytes", "kv_bytes"};
  const std::vector<std::string> widths = {"bytes", "weight_bytes", "kv_bytes"};
  ClosedForm f({Expr::parse("7 * batch_size * seq_len * bytes + 6607343680 * weight_bytes + 262144 * batch_size * cache_len * kv_bytes"),
                Expr::parse("min(batch_size * weight_bytes, 3) + bytes // 1"), Expr::parse("2 * batch_size * seq_len")},
               vars, widths);
  EXPECT_TRUE(f.fully_compiled());
  auto regs = f.make_registers();
  // b=3, s=1, c=4096, bytes=2, weight_bytes=1/2, kv_bytes=1.
  std::vector<std::int64_t> nums = {3, 1, 4096, 2, 1, 1}, dens = {1, 1, 1, 1, 2, 1};
  std::vector<int128> out(3), den(3);
  ASSERT_TRUE(f.run_rational(nums.data(), dens.data(), out.data(), den.data(), regs));
  EXPECT_EQ(to_numeric(out[0]) / to_numeric(den[0]), numeric(7 * 3 * 2 + 3303671840L + 262144L * 3 * 4096));
  EXPECT_EQ(to_numeric(out[1]) / to_numeric(den[1]), numeric(3, 2) + 2);
  EXPECT_EQ(to_numeric(out[2]) / to_numeric(den[2]), numeric(6));
  // weight_bytes 9/16 (nvfp4) and bytes 1/2 everywhere: a result that is not an integer.
  nums = {1, 1, 0, 1, 9, 1}, dens = {1, 1, 1, 2, 16, 1};
  ASSERT_TRUE(f.run_rational(nums.data(), dens.data(), out.data(), den.data(), regs));
  numeric expected = numeric(7, 2) + numeric(6607343680L) * numeric(9, 16);
  EXPECT_EQ(to_numeric(out[0]) / to_numeric(den[0]), expected);
  std::string text;
  append_rational(text, out[0], den[0]);
  EXPECT_EQ(text, to_string(expected));
  // evaluate() takes the same path and agrees with exact evaluation at random fractional widths.
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::vector<numeric> p = {numeric(1 + rng() % 64), numeric(1 + rng() % 8), numeric(rng() % 40000),
                              numeric(1 + rng() % 9, 1 + rng() % 16), numeric(1 + rng() % 9, 1 + rng() % 32),
                              numeric(1 + rng() % 5, 1 + rng() % 4)};
    EXPECT_EQ(f.evaluate(p), f.evaluate_exact(p));
  }
  // Integer inputs through run() still give integers, or refuse a fraction.
  std::vector<std::int64_t> ints = {3, 1, 4096, 2, 1, 1};
  EXPECT_TRUE(f.run(ints.data(), out.data(), regs));
  // The program survives the JSON round trip with its denominators.
  ClosedForm g = ClosedForm::from_json(f.to_json());
  std::vector<numeric> p = {numeric(5), numeric(1), numeric(99), numeric(2), numeric(1, 2), numeric(1)};
  EXPECT_EQ(g.evaluate(p), f.evaluate_exact(p));
}

TEST(ClosedForm, RationalText) {
  auto text = [](int128 n, int128 d) {
    std::string s;
    append_rational(s, n, d);
    return s;
  };
  EXPECT_EQ(text(7, 2), "3.5");
  EXPECT_EQ(text(-7, 2), "-3.5");
  EXPECT_EQ(text(1, 16), "0.0625");
  EXPECT_EQ(text(12, 4), "3");
  EXPECT_EQ(text(1, 3), "1/3");
  EXPECT_EQ(text(3306363274LL * 2 + 1, 2), "3306363274.5");
}

TEST(ClosedForm, RejectsSymbolsThatAreNotVariables) {
  EXPECT_THROW(ClosedForm({Expr::parse("config.hidden_size * seq_len")}, kVars), ExprError);
}

TEST(ClosedForm, NegativePowersAndSymbolicDenominators) {
  ClosedForm f({Expr::parse("batch_size * seq_len / (cache_len - 3)"), Expr::parse("(seq_len - cache_len)**-2 * 36"),
                Expr::parse("(batch_size / seq_len)**2 * seq_len**2")},
               kVars);
  EXPECT_TRUE(f.fully_compiled());
  expect_agree(f, point(4, 6, 5, 2));   // 24 / 2, 36 / 1, 16
  expect_agree(f, point(4, 6, 9, 2));   // 24 / 6, 36 / 9
  expect_agree(f, point(4, 3, 1, 2), false);
  EXPECT_THROW(f.evaluate(point(4, 6, 3, 2)), ExprError);  // division by zero, as Expr::eval
}

// Random expressions over the four variables, compared with Expr::eval at random points.
class RandomExpressions {
 public:
  explicit RandomExpressions(unsigned seed) : rng_(seed) {}
  std::string make(int depth) {
    std::uniform_int_distribution<int> pick(0, depth <= 0 ? 1 : 15);
    switch (pick(rng_)) {
      case 0: return kVars[std::uniform_int_distribution<int>(0, 3)(rng_)];
      case 1: return std::to_string(std::uniform_int_distribution<int>(-3, 9)(rng_));
      case 2: case 3: return "(" + make(depth - 1) + " + " + make(depth - 1) + ")";
      case 4: return "(" + make(depth - 1) + " - " + make(depth - 1) + ")";
      case 5: case 6: return "(" + make(depth - 1) + " * " + make(depth - 1) + ")";
      case 7: return "(" + make(depth - 1) + " / " + std::to_string(std::uniform_int_distribution<int>(1, 6)(rng_)) + ")";
      case 8: return "(" + make(depth - 1) + " // (" + make(depth - 1) + "))";
      case 9: return "(" + make(depth - 1) + " % 5)";
      case 10: return "min(" + make(depth - 1) + ", " + make(depth - 1) + ")";
      case 11: return "max(" + make(depth - 1) + ", " + make(depth - 1) + ")";
      case 12: return "(" + make(depth - 1) + " if " + make(depth - 1) + " < " + make(depth - 1) + " else " + make(depth - 1) + ")";
      case 13: return "math.ceil(" + make(depth - 1) + " / 3)";
      case 14: return "(" + make(depth - 1) + " and " + make(depth - 1) + ")";
      default: return "(" + make(depth - 1) + ")**2";
    }
  }
  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
};

TEST(ClosedForm, AgreesWithExactEvaluationOnRandomExpressions) {
  RandomExpressions gen(12345);
  int compared = 0, fast = 0;
  for (int e = 0; e < 300; ++e) {
    std::vector<Expr> outs;
    for (int k = 0; k < 3; ++k) {
      try {
        outs.push_back(Expr::parse(gen.make(4)));
      } catch (const ExprError&) {  // a literal division by zero
      }
    }
    if (outs.empty()) continue;
    ClosedForm f(outs, kVars);
    for (int p = 0; p < 20; ++p) {
      std::uniform_int_distribution<long> v(0, 12);
      std::vector<numeric> pt = {v(gen.rng()), v(gen.rng()), v(gen.rng()), v(gen.rng())};
      std::vector<numeric> want;
      bool raises = false;
      try {
        want = f.evaluate_exact(pt);
      } catch (const ExprError&) {
        raises = true;
      }
      if (raises) {
        EXPECT_THROW(f.evaluate(pt), ExprError);
        continue;
      }
      EXPECT_EQ(f.evaluate(pt), want);
      std::vector<std::int64_t> ints;
      for (const numeric& n : pt) ints.push_back(n.to_long());
      std::vector<int128> out(outs.size());
      auto regs = f.make_registers();
      if (f.run(ints.data(), out.data(), regs)) {
        ++fast;
        for (size_t i = 0; i < outs.size(); ++i) EXPECT_EQ(to_numeric(out[i]), want[i]) << outs[i];
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 4000);
  EXPECT_GT(fast, compared / 4);  // the fast path does most of them
}

TEST(ClosedForm, Int128Text) {
  EXPECT_EQ(to_string(int128(0)), "0");
  EXPECT_EQ(to_string(int128(-42)), "-42");
  int128 big = static_cast<int128>(1) << 100;
  EXPECT_EQ(to_string(big), "1267650600228229401496703205376");
  EXPECT_EQ(to_numeric(big), GiNaC::ex_to<numeric>(GiNaC::pow(numeric(2), 100)));
  EXPECT_EQ(to_numeric(-big), -GiNaC::ex_to<numeric>(GiNaC::pow(numeric(2), 100)));
}

}  // namespace
}  // namespace kcost

namespace kcost {
namespace {

TEST(ClosedForm, JsonRoundTripKeepsTheProgram) {
  ClosedForm f({Expr::parse("batch_size * seq_len * 340282366920938463463374607431768211 // 7 + min(cache_len, 4095)"),
                Expr::parse("(seq_len + 1) / 2 * bytes if cache_len > 3 else -batch_size"), Expr::parse("0.5 * bytes")},
               kVars);
  ClosedForm g = ClosedForm::from_json(nlohmann::json::parse(f.to_json().dump()));
  EXPECT_EQ(g.variables(), f.variables());
  EXPECT_EQ(g.instruction_count(), f.instruction_count());
  EXPECT_EQ(g.fully_compiled(), f.fully_compiled());
  for (long c : {0L, 3L, 4L, 9000L})
    for (long s : {1L, 2L, 7L}) {
      std::vector<numeric> p = point(3, s, c, 2);
      EXPECT_EQ(g.evaluate(p), f.evaluate(p));
      expect_agree(g, p, false);
    }
}

TEST(ClosedForm, JsonThatIsNotAProgramIsRefused) {
  ClosedForm f({Expr::parse("batch_size + seq_len")}, kVars);
  nlohmann::json j = f.to_json();
  nlohmann::json bad_register = j;
  bad_register["program"][0][2] = 1000000;
  EXPECT_THROW(ClosedForm::from_json(bad_register), std::runtime_error);
  nlohmann::json bad_op = j;
  bad_op["program"][0][0] = 200;
  EXPECT_THROW(ClosedForm::from_json(bad_op), std::runtime_error);
  nlohmann::json bad_constant = j;
  bad_constant["registers"][0] = "1e5";
  EXPECT_THROW(ClosedForm::from_json(bad_constant), std::runtime_error);
  EXPECT_THROW(ClosedForm::from_json(nlohmann::json::array()), std::runtime_error);
}

}  // namespace
}  // namespace kcost
