// Attention past the window, at full size: what the KV cache of a sliding-window layer holds
// (transformers' DynamicSlidingWindowLayer keeps the last sliding_window - 1 tokens) against
// hand-computed attention bytes, for Mistral-7B-v0.1 (every layer windowed) and a
// Gemma-3-27B-shaped config (52 sliding layers, 10 global ones). Expected values are computed
// here from the configs, not by kcost.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "published_configs.h"

namespace {

using nlohmann::json;
using kcost_test::Result;

Result run(const std::string& args) { return kcost_test::run("window_cli", args); }

std::string mistral_7b() { return kcost_test::mistral_7b("window_cli"); }
std::string gemma3_27b() { return kcost_test::gemma3_27b("window_cli"); }

json eval_json(const std::string& args) {
  Result r = run("eval " + args + " --format json");
  EXPECT_EQ(r.code, 0) << r.err;
  return json::parse(r.out);
}

long long attention_read(const json& j) {
  return j["by_kernel"]["F.scaled_dot_product_attention"]["memory_read"].get<long long>();
}

// Bytes one decode step's fused attention reads in one layer (bf16): the query, the keys and
// values of `keys` tokens for the kv heads, and a bool mask of `mask` elements.
long long decode_attention_read(long long q_heads, long long kv_heads, long long head_dim, long long keys, long long mask) {
  return (q_heads * head_dim + 2 * kv_heads * keys * head_dim) * 2 + mask;
}

TEST(WindowCli, MistralKeyLengthBelowAtAndAboveTheWindow) {
  const long long layers = 32, heads = 32, kv_heads = 8, head_dim = 128, window = 4096;
  for (long long cache : {0LL, 2048LL, 4094LL, 4095LL, 4096LL, 8192LL, 32768LL}) {
    json j = eval_json("mistral --config " + mistral_7b() + " --seq-len 1 --cache-len " + std::to_string(cache));
    // The cache keeps the last window - 1 tokens; the new token makes the keys.
    long long keys = std::min(cache, window - 1) + 1;
    // sdpa cannot skip the mask once the keys reach the window.
    long long mask = keys >= window ? keys : 0;
    EXPECT_EQ(attention_read(j), layers * decode_attention_read(heads, kv_heads, head_dim, keys, mask)) << "cache_len " << cache;
  }
}

TEST(WindowCli, MistralSweepStopsReadingMoreAfterTheWindow) {
  Result r = run("sweep mistral --config " + mistral_7b() + " --batch-size 1 --seq-len 1 --cache-len 0:32768:1024 -o -");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);  // header: model,config,batch_size,seq_len,cache_len,bytes,flops,memory_read,...
  std::vector<std::pair<long long, long long>> reads;  // cache_len -> memory_read
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    ASSERT_GE(cells.size(), 8u) << line;
    reads.push_back({std::stoll(cells[4]), std::stoll(cells[7])});
  }
  ASSERT_EQ(reads.size(), 33u);
  for (size_t i = 1; i < reads.size(); ++i) {
    if (reads[i].first <= 4096) EXPECT_GT(reads[i].second, reads[i - 1].second) << "cache_len " << reads[i].first;
    else EXPECT_EQ(reads[i].second, reads[i - 1].second) << "cache_len " << reads[i].first;
  }
}

TEST(WindowCli, Gemma3SlidingLayersReadTheWindowGlobalOnesEverything) {
  json j = eval_json("gemma3_text --config " + gemma3_27b() + " --seq-len 1 --cache-len 32768");
  const long long heads = 32, kv_heads = 16, head_dim = 128, window = 1024, cache = 32768;
  // Layer i is global when (i + 1) % 6 == 0: 10 of 62.
  const long long global = 62 / 6, sliding = 62 - global;
  long long windowed_keys = std::min(cache, window - 1) + 1;
  long long expected = sliding * decode_attention_read(heads, kv_heads, head_dim, windowed_keys, windowed_keys) +
                       global * decode_attention_read(heads, kv_heads, head_dim, cache + 1, 0);
  EXPECT_EQ(attention_read(j), expected);
  // One child per kind of layer, with its count.
  const json& layers = j["tree"]["children"]["model"]["children"];
  std::vector<long long> counts;
  for (const auto& [label, child] : layers.items())
    if (label.rfind("layers", 0) == 0) counts.push_back(child["count"].get<long long>());
  std::sort(counts.begin(), counts.end());
  EXPECT_EQ(counts, (std::vector<long long>{global, sliding}));
}

}  // namespace
