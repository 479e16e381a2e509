// Tests of counting the i in [0, n) a predicate holds for: every supported form, against
// enumeration at every n, period and bound of a grid, and the closed forms of the patterns
// transformers' configs write.
#include "expr/index_count.h"

#include <gtest/gtest.h>

#include <map>

namespace kcost {
namespace {

Expr P(const char* text) { return Expr::parse(text); }

// Enumerates predicate(i) for i in [0, n) at the given values of its other symbols.
long long enumerate(const Expr& predicate, long long n, std::map<std::string, GiNaC::numeric> at) {
  long long hits = 0;
  for (long long i = 0; i < n; ++i) {
    at["i"] = GiNaC::numeric(static_cast<long>(i));
    if (!predicate.eval(at).is_zero()) ++hits;
  }
  return hits;
}

// The closed form agrees with enumeration for n in [0, 30), p in [1, 8), m in [-3, 12).
void expect_exact(const char* text) {
  Expr predicate = P(text);
  std::optional<Expr> c = count_where(predicate, "i", Expr::symbol("n"));
  ASSERT_TRUE(c) << text;
  for (long long n = 0; n < 30; ++n)
    for (long long p = 1; p < 8; ++p)
      for (long long m = -3; m < 12; ++m) {
        std::map<std::string, GiNaC::numeric> at = {{"n", GiNaC::numeric(static_cast<long>(n))}, {"p", GiNaC::numeric(static_cast<long>(p))}, {"m", GiNaC::numeric(static_cast<long>(m))}};
        long long want = enumerate(predicate, n, at);
        at.erase("i");
        ASSERT_EQ(c->eval(at), GiNaC::numeric(static_cast<long>(want))) << text << " at n=" << n << " p=" << p << " m=" << m << ": " << c->str();
      }
}

TEST(CountWhere, PeriodicPatternsOfConfigs) {
  // gemma2/gemma3/cohere2: sliding unless (i + 1) % p == 0.
  expect_exact("(i + 1) % p");
  expect_exact("not ((i + 1) % p)");
  expect_exact("(i + 1) % p != 0");
  expect_exact("(i + 1) % p == 0");
  expect_exact("i % p == 0");
  expect_exact("(i + 3) % p == 2");
  expect_exact("(i - 1) % p == 0");
  // olmo3, gpt-oss with a literal period.
  expect_exact("(i + 1) % 4 != 0");
  expect_exact("(i + 1) % 2");
}

TEST(CountWhere, IntervalsAndPoints) {
  expect_exact("i >= m");  // qwen2: layers from max_window_layers on
  expect_exact("i < m");
  expect_exact("i <= m");
  expect_exact("i > m");
  expect_exact("m > i");
  expect_exact("i == m");
  expect_exact("i != m");
  expect_exact("i == n - 1");  // the last layer
  expect_exact("i < 2");
  expect_exact("i");  // i != 0
  expect_exact("i - 2");
}

TEST(CountWhere, Combinations) {
  // muse_spark: full every 4th layer and the last one.
  expect_exact("(i + 1) % 4 == 0 or i == n - 1");
  // dots3_note: full below 2 or every 4th from 1.
  expect_exact("i < 2 or i % 4 == 1");
  // lfm3: full at i % 4 == 2; sliding at i % 4 == 0 past the first.
  expect_exact("i % 4 == 2");
  expect_exact("not (i % 4 == 2) and (i % 4 == 0 and i > 0)");
  expect_exact("not (i % 4 == 2) and not (i % 4 == 0 and i > 0)");
  // qwen2 with the window on: sliding from m on; hy_v4's indexer pattern.
  expect_exact("i == 0 or (i - 1) % 4 == 0");
  expect_exact("i >= m and (i + 1) % p != 0");
  expect_exact("(i + 1) % p == 0 and i % p == 0");  // same modulus, offsets that never agree unless p == 1
  expect_exact("i % 2 == 0 and i % 3 == 0");      // literal moduli: combined over 6
  expect_exact("i % 2 == 1 and i % 4 == 0");      // no i
  expect_exact("(i % 3 == 0) if i >= m else (i % 2 == 0)");
  expect_exact("i >= m or i < 2");
  expect_exact("i < n and (i + 1) % p != 0");  // exaone4: a bound that is the range's own
}

TEST(CountWhere, TruthValuesComparedWithNumbers) {
  // llama4: no_rope_layers = [int((i + 1) % p != 0) ...], then `no_rope == 1`.
  expect_exact("((i + 1) % p != 0) == 1");
  expect_exact("((i + 1) % p != 0) == 0");
  expect_exact("((i + 1) % p != 0) != 1");
  expect_exact("(i >= m) == 2");
  expect_exact("1 == (not (i % p == 0))");
}

TEST(CountWhere, ConditionsFreeOfTheIndex) {
  // qwen2: `sliding_window is not None and i >= max_window_layers`, with the first part a config number.
  Expr c = *count_where(P("w and i >= m"), "i", Expr::symbol("n"));
  EXPECT_EQ(c.eval({{"w", 0}, {"m", 2}, {"n", 10}}), 0);
  EXPECT_EQ(c.eval({{"w", 4}, {"m", 2}, {"n", 10}}), 8);
  EXPECT_EQ(*count_where(P("1"), "i", Expr::symbol("n")), P("n"));
  EXPECT_EQ(*count_where(P("0"), "i", Expr::symbol("n")), P("0"));
}

TEST(CountWhere, ClosedFormsAreTheOnesAReaderExpects) {
  Expr n = Expr::symbol("n");
  EXPECT_EQ(*count_where(P("(i + 1) % p == 0"), "i", n), P("n // p"));
  EXPECT_EQ(*count_where(P("(i + 1) % p"), "i", n), P("n - n // p"));
  EXPECT_EQ(*count_where(P("(i + 1) % 2"), "i", n), P("n - n // 2"));
  EXPECT_EQ(*count_where(P("(i + 1) % p != 0 and i < n"), "i", n), P("n - n // p"));
}

TEST(CountWhere, WhatItCannotCountIsNullopt) {
  Expr n = Expr::symbol("n");
  EXPECT_FALSE(count_where(P("i * i > 4"), "i", n));
  EXPECT_FALSE(count_where(P("2 * i < m"), "i", n));
  EXPECT_FALSE(count_where(P("i % p == 0 and i % q == 0"), "i", n));  // two symbolic moduli
  EXPECT_FALSE(count_where(P("(2 * i) % p == 0"), "i", n));
  EXPECT_FALSE(count_where(P("min(i, 3) == 3"), "i", n));
}

}  // namespace
}  // namespace kcost
