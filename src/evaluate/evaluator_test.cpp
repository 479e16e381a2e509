// Evaluation of a resolved tree: bottom-up numbers equal the root's expressions, by_kernel sums
// to the totals, missing values are named with the kernel that needs them.
#include "evaluate/evaluator.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "resolve/resolver.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;
using GiNaC::numeric;

ResolvedTree small_model() {
  static const LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  std::string dir = (fs::temp_directory_path() / ("kcost_evaluator_test_" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  std::ofstream(dir + "/Top.json") << R"({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "layers": {"kernel": "Layer", "bindings": {}, "count": "config.n_layer"},
    "head": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "config.d", "N": "config.vocab",
             "has_bias": "config.bias"}}}})";
  std::ofstream(dir + "/Layer.json") << R"({"kernel_name": "Layer", "init_params": [], "forward_params": [], "children": {
    "up": {"kernel": "F.linear", "bindings": {"M": "batch_size * seq_len", "K": "config.d", "N": "4 * config.d", "has_bias": "config.bias"}},
    "act": {"kernel": "F.silu", "bindings": {"num_elements": "batch_size * seq_len * 4 * config.d"}, "count": 2},
    "attn": {"kernel": "F.scaled_dot_product_attention", "bindings": {"B": "batch_size", "H_q": "config.h", "H_kv": "config.h",
             "S_q": "seq_len", "S_kv": "cache_len + seq_len", "D": "config.d // config.h", "D_v": "config.d // config.h",
             "mask_elements": "0"}}}})";
  ResolvedTree t = resolve(dir, "Top", leaves);
  fs::remove_all(dir);
  return t;
}

Values values_at(long b, long s, long c) {
  return {{"batch_size", b}, {"seq_len", s}, {"cache_len", c}, {"bytes", 2},       {"config.n_layer", 3},
          {"config.d", 24},  {"config.vocab", 101}, {"config.bias", 1}, {"config.h", 4}};
}

TEST(Evaluator, BottomUpEqualsTheRootExpressions) {
  ResolvedTree t = small_model();
  for (long c : {0, 7, 9}) {
    Values v = values_at(3, 5, c);
    Evaluation e = evaluate(t, v);
    EXPECT_EQ(e.totals, evaluate_totals(t, v));
    EXPECT_EQ(e.tree.cost, e.totals);
  }
}

TEST(Evaluator, NumbersByHand) {
  Evaluation e = evaluate(small_model(), values_at(3, 5, 7));
  long M = 15, d = 24, L = 3, V = 101, h = 4, D = 6, Skv = 12;
  long up = 2 * M * d * 4 * d + M * 4 * d;
  long act = 2 * (2 * M * 4 * d);
  long attn = 4 * 3 * h * 5 * Skv * D;
  long head = 2 * M * d * V + M * V;
  EXPECT_EQ(e.totals.flops, numeric(L * (up + act + attn) + head));
  EXPECT_EQ(e.by_kernel.at("F.linear").flops, numeric(L * up + head));
  EXPECT_EQ(e.by_kernel.at("F.silu").flops, numeric(L * act));
  EXPECT_EQ(e.by_kernel.at("F.scaled_dot_product_attention").flops, numeric(L * attn));
  CostNumbers sum;
  for (const auto& [k, c] : e.by_kernel) sum += c;
  EXPECT_EQ(sum, e.totals);
  ASSERT_EQ(e.tree.children.size(), 2u);
  EXPECT_EQ(e.tree.children[0].second.count, numeric(3));
  EXPECT_EQ(e.tree.children[0].second.children[1].second.count, numeric(2));
  EXPECT_EQ(e.tree.children[0].second.children[1].second.cost.flops, numeric(act / 2));  // one call
}

// A call that does not run at a point (count 0: an arm of a run-time condition that does not
// hold) costs nothing there, and its formulas, undefined there (a division by the number of whole
// chunks, none at seq_len 1), are not evaluated; where it runs it costs what its formulas say.
TEST(Evaluator, ACallThatDoesNotRunIsNotEvaluated) {
  static const LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  std::string dir = (fs::temp_directory_path() / ("kcost_evaluator_zero_" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  std::ofstream(dir + "/Top.json") << R"json({"kernel_name": "Top", "init_params": [], "forward_params": [], "children": {
    "chunks": {"kernel": "F.silu", "bindings": {"num_elements": "batch_size * config.d // (seq_len // 2)"},
               "count": "1 if seq_len > 1 else 0"},
    "act": {"kernel": "F.silu", "bindings": {"num_elements": "batch_size * config.d"}}}})json";
  ResolvedTree t = resolve(dir, "Top", leaves);
  fs::remove_all(dir);
  Values decode = values_at(3, 1, 9), prefill = values_at(3, 5, 0);
  Evaluation e = evaluate(t, decode);
  ASSERT_EQ(e.tree.children.size(), 2u);
  EXPECT_EQ(e.tree.children[0].second.count, numeric(0));
  EXPECT_EQ(e.tree.children[0].second.cost.flops, numeric(0));
  EXPECT_EQ(e.totals.flops, numeric(2 * 3 * 24));
  EXPECT_EQ(evaluate(t, prefill).totals.flops, numeric(2 * 3 * 24 / 2 + 2 * 3 * 24));
}

TEST(Evaluator, MissingConfigValueNamesItAndTheKernel) {
  ResolvedTree t = small_model();
  Values v = values_at(1, 1, 0);
  v.erase("config.h");
  auto missing = missing_symbols(t, v);
  ASSERT_EQ(missing.size(), 1u);
  try {
    evaluate(t, v);
    FAIL();
  } catch (const EvaluateError& e) {
    EXPECT_EQ(e.symbol, "config.h");
    EXPECT_EQ(std::string(e.what()),
              "the config has no value for 'h', which kernel 'F.scaled_dot_product_attention' (at layers/attn) needs");
  }
  v = values_at(1, 1, 0);
  v.erase("seq_len");
  EXPECT_THROW(evaluate_totals(t, v), EvaluateError);
}

TEST(Evaluator, JsonHasExactIntegersAndDepth) {
  Evaluation e = evaluate(small_model(), values_at(3, 5, 7));
  nlohmann::ordered_json j = to_json(e.tree, 1);
  EXPECT_EQ(j["kernel_name"], "Top");
  EXPECT_TRUE(j["flops"].is_number_integer());
  EXPECT_EQ(j["children"]["layers"]["count"], 3);
  EXPECT_TRUE(j["children"]["layers"]["children"].empty());
  EXPECT_EQ(to_json(e.tree, -1)["children"]["layers"]["children"].size(), 3u);
  EXPECT_EQ(to_json(e.totals)["memory_write"], nlohmann::ordered_json(static_cast<long long>(e.totals.memory_write.to_long())));
}

}  // namespace
}  // namespace kcost
