#include "evaluate/significant_text.h"

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace kcost {
namespace {

std::string text(int128 n, int128 d) {
  char buffer[40];
  size_t len = significant_text(n, d, buffer);
  return std::string(buffer, len);
}

std::string printf_g(double v) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.6g", v);
  return buffer;
}

TEST(SignificantText, WritesWhatPrintfWritesOfTheQuotient) {
  EXPECT_EQ(text(0, 7), "0");
  EXPECT_EQ(text(1, 1), "1");
  EXPECT_EQ(text(1, 2), "0.5");
  EXPECT_EQ(text(1, 3), "0.333333");
  EXPECT_EQ(text(2, 3), "0.666667");
  EXPECT_EQ(text(100, 1), "100");
  EXPECT_EQ(text(123456, 1), "123456");
  EXPECT_EQ(text(1234567, 1), "1.23457e+06");
  EXPECT_EQ(text(1000000, 1), "1e+06");
  EXPECT_EQ(text(999999, 1), "999999");
  EXPECT_EQ(text(9999995, 10), "1e+06");      // rounds up to the next exponent
  EXPECT_EQ(text(1, 10000), "0.0001");
  EXPECT_EQ(text(1, 100000), "1e-05");
  EXPECT_EQ(text(12345678, 100000000), "0.123457");
  EXPECT_EQ(text(4128, 1000), "4.128");
  EXPECT_EQ(text(static_cast<int128>(1) << 52, 3), printf_g(static_cast<double>(static_cast<int128>(1) << 52) / 3));
  EXPECT_EQ(text(294071, 20), "14703.6");  // 14703.55 exactly: a tie, to even (printf's double lies below it)
}

TEST(SignificantText, PowersOfTenAndTheirNeighbours) {
  int128 p = 1;
  for (int k = 0; k <= 15; ++k, p *= 10) {  // exact as doubles
    for (int128 v : {p - 1, p, p + 1}) {
      if (v <= 0) continue;
      EXPECT_EQ(text(v, 1), printf_g(static_cast<double>(v))) << k;
      EXPECT_EQ(text(1, v), printf_g(1.0 / static_cast<double>(v))) << k;
      EXPECT_EQ(text(v * 3, 7), printf_g(static_cast<double>(v) * 3 / 7)) << k;
    }
  }
}

TEST(SignificantText, TiesRoundHalfToEvenOnTheExactFraction) {
  EXPECT_EQ(text(1234565, 10), "123456");  // 123456.5: to even
  EXPECT_EQ(text(1234575, 10), "123458");  // 123457.5: to even
  EXPECT_EQ(text(12345650001LL, 100000), "123457");  // just above the tie
  // 0.1234565 exactly: the double 0.1234565 lies below it, printf rounds that down; the exact
  // fraction is a tie, to even: 0.123456.
  EXPECT_EQ(text(1234565, 10000000), "0.123456");
}

TEST(SignificantText, AgreesWithPrintfAwayFromTiesAtRandom) {
  std::mt19937_64 rng(5);
  int compared = 0;
  for (int i = 0; i < 200000; ++i) {
    int128 n = static_cast<int128>(rng() >> (rng() % 64));
    int128 d = static_cast<int128>(rng() >> (rng() % 64)) + 1;
    if (i % 3 == 0) n *= static_cast<int128>(rng() >> 40);  // beyond 64 bits
    if (n > (static_cast<int128>(1) << 53) || d > (static_cast<int128>(1) << 53)) {
      // Not exact as doubles: the text is the exact fraction's, which scaling both keeps.
      EXPECT_EQ(text(n, d), text(n * 7, d * 7));
      continue;
    }
    double q = static_cast<double>(n) / static_cast<double>(d);
    std::string got = text(n, d);
    if (got.empty()) continue;  // out of range: the caller writes the double
    // Skip quotients within a few ulps of a rounding boundary of the sixth digit.
    char probe[40];
    std::snprintf(probe, sizeof(probe), "%.12e", q);
    std::string digits = std::string(probe).substr(7, 6);  // significant digits 7..12 ("d.dddddd...")
    if (digits == "500000" || digits == "499999") continue;
    ASSERT_EQ(got, printf_g(q)) << static_cast<double>(n) << " / " << static_cast<double>(d);
    ++compared;
  }
  EXPECT_GT(compared, 50000);
}

TEST(SignificantText, RefusesWhatItCannotScale) {
  char buffer[40];
  EXPECT_EQ(significant_text(-1, 3, buffer), 0u);
  EXPECT_EQ(significant_text(1, 0, buffer), 0u);
  int128 huge = static_cast<int128>(1) << 120;
  EXPECT_EQ(significant_text(huge, 1, buffer), 0u);  // 1.3e36: beyond 1e20
  EXPECT_EQ(significant_text(1, huge, buffer), 0u);
}

}  // namespace
}  // namespace kcost
