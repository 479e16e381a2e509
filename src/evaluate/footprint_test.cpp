// The footprint at a point and the largest batch that fits, on hand-made resolved trees.
#include "evaluate/footprint.h"

#include <gtest/gtest.h>

#include "evaluate/evaluator.h"

namespace kcost {
namespace {

using GiNaC::numeric;

// A root whose parameters are 1000, buffers 10 and cache 2 * batch_size * cache_len * 8.
ResolvedTree tree(const std::string& cache = "2 * batch_size * cache_len * 8") {
  nlohmann::json j = {{"kernel_name", "M"},
                      {"flops", "0"},
                      {"memory_read", "0"},
                      {"memory_write", "0"},
                      {"footprint", {{"parameters", "config.n * 100"}, {"buffers", "10"}, {"cache_elements", cache}}},
                      {"children", nlohmann::json::object()}};
  return resolved_tree_from_json(j, "t.json");
}

Values at(long batch, long cache_len, numeric bytes = 2) {
  return {{"config.n", 10}, {"batch_size", batch}, {"seq_len", 1}, {"cache_len", cache_len}, {"bytes", bytes}};
}

TEST(Footprint, ElementsAndBytes) {
  std::optional<MemoryFootprint> f = evaluate_footprint(tree(), at(3, 5));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->parameters, 1000);
  EXPECT_EQ(f->buffers, 10);
  EXPECT_EQ(f->cache_elements, 2 * 3 * 5 * 8);
  EXPECT_EQ(f->total_bytes(), 2 * (1000 + 10 + 240));
  // A 4-bit width stays exact.
  f = evaluate_footprint(tree(), at(3, 5, numeric(1, 2)));
  EXPECT_EQ(f->total_bytes(), numeric(1250, 2));
  nlohmann::ordered_json j = to_json(*f);
  EXPECT_EQ(j["parameters"], 1000);
  EXPECT_EQ(j["cache_bytes"], 120);
}

TEST(Footprint, NoneWithoutAFootprintAndMissingValuesAreNamed) {
  ResolvedTree bare = resolved_tree_from_json(
      nlohmann::json{{"kernel_name", "M"}, {"flops", "0"}, {"memory_read", "0"}, {"memory_write", "0"}}, "t.json");
  EXPECT_FALSE(evaluate_footprint(bare, at(1, 1)));
  Values v = at(1, 1);
  v.erase("config.n");
  try {
    evaluate_footprint(tree(), v);
    FAIL();
  } catch (const EvaluateError& e) {
    EXPECT_EQ(e.symbol, "config.n");
    EXPECT_NE(std::string(e.what()).find("'n'"), std::string::npos) << e.what();
  }
}

TEST(Footprint, LargestBatchIsExactAtTheBoundary) {
  // Fixed: (1000 + 10) * 2 = 2020 bytes; per sequence at cache_len 5: 2 * 5 * 8 * 2 = 160 bytes.
  ResolvedTree t = tree();
  EXPECT_EQ(largest_batch(t, at(1, 5), 2020 + 160 * 37), numeric(37));
  EXPECT_EQ(largest_batch(t, at(1, 5), 2020 + 160 * 37 + 159), numeric(37));
  EXPECT_EQ(largest_batch(t, at(1, 5), 2020 + 160 * 38), numeric(38));
  EXPECT_EQ(largest_batch(t, at(1, 5), 2020 + 160), numeric(1));
  EXPECT_EQ(largest_batch(t, at(1, 5), 2020 + 159), numeric(0));  // not even one sequence
}

TEST(Footprint, NothingGrowingWithTheBatchIsNoBound) {
  EXPECT_FALSE(largest_batch(tree(), at(1, 0), 1e9));  // no cached tokens
  EXPECT_FALSE(largest_batch(tree("7"), at(1, 5), 1e9));
  EXPECT_EQ(largest_batch(tree("7"), at(1, 5), 10), numeric(0));
}

}  // namespace
}  // namespace kcost
