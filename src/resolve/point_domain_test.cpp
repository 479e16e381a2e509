// decided_by_point: min(x, 1) is 1 where x >= 1 at every point, and nothing else changes.
#include "resolve/point_domain.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

std::string decided(const std::string& text) { return decided_by_point(Expr::parse(text)).str(); }

TEST(PointDomain, RowsOfTheDesignsSizesAreAtLeastOne) {
  EXPECT_EQ(decided("min(batch_size * seq_len, 1) * 4096"), "4096");
  EXPECT_EQ(decided("min(1, 3 * batch_size * seq_len**2)"), "1");
  EXPECT_EQ(decided("min(batch_size * cache_len + batch_size * seq_len, 1)"), "1");
  EXPECT_EQ(decided("7 * min(seq_len, 1) + min(batch_size, 1) * x"), "x + 7");
}

TEST(PointDomain, WhatThePointDoesNotDecideStays) {
  // cache_len is 0 at a prefill, a config size and a routed count may be anything.
  EXPECT_EQ(decided("min(batch_size * cache_len, 1)"), "min(batch_size * cache_len, 1)");
  EXPECT_EQ(decided("min(config.n * batch_size, 1)"), "min(batch_size * config.n, 1)");
  EXPECT_EQ(decided("min(batch_size * seq_len / 2, 1)"), "min(batch_size * seq_len / 2, 1)");
  EXPECT_EQ(decided("min(batch_size - seq_len + 1, 1)"), "min(batch_size - seq_len + 1, 1)");
  EXPECT_EQ(decided("min(batch_size * seq_len, 2)"), "min(batch_size * seq_len, 2)");
  EXPECT_EQ(decided("min(0, 1)"), "0");
}

}  // namespace
}  // namespace kcost
