// Memory at full size (issue 12's acceptance): parameters, buffers and the KV cache of published
// configs from `kcost eval --format json`, and the largest batch `kcost fit` finds on an H100.
// Every expected number is computed here from the config by hand, not by kcost.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "published_configs.h"

namespace {

using nlohmann::json;
using kcost_test::Result;

Result run(const std::string& args) { return kcost_test::run("footprint_cli", args); }

json run_json(const std::string& args) {
  Result r = run(args + " --format json");
  EXPECT_EQ(r.code, 0) << r.err;
  return json::parse(r.out);
}

// Llama-2-7B: 32 layers of q, k, v, o (4096 x 4096 each), gate, up, down (4096 x 11008) and two
// norms; embeddings and an untied lm_head of 32000 x 4096; the final norm.
const long long kLlamaParameters = 32 * (4 * 4096LL * 4096 + 3 * 4096LL * 11008 + 2 * 4096) + 2 * 32000LL * 4096 + 4096;
// Its rotary embedding's two buffers (inv_freq and original_inv_freq) of head_dim / 2 each.
const long long kLlamaBuffers = 2 * (128 / 2);

TEST(FootprintCli, Llama2ParametersAndCacheOfOneSequence) {
  ASSERT_EQ(kLlamaParameters, 6738415616LL);
  json j = run_json("eval llama --config " + kcost_test::llama2_7b("footprint_cli") +
                    " --batch-size 1 --seq-len 1 --cache-len 4096");
  const json& m = j["memory"];
  EXPECT_EQ(m["parameters"].get<long long>(), kLlamaParameters);
  EXPECT_EQ(m["parameter_bytes"].get<long long>(), 2 * kLlamaParameters);
  EXPECT_EQ(m["buffers"].get<long long>(), kLlamaBuffers);
  // 32 layers x (keys + values) x 4096 tokens x 4096 (32 heads x 128), 2 bytes: exactly 2 GiB.
  EXPECT_EQ(m["cache_bytes"].get<long long>(), 32LL * 2 * 4096 * 4096 * 2);
  EXPECT_EQ(m["cache_bytes"].get<long long>(), 2LL << 30);
  EXPECT_EQ(m["total_bytes"].get<long long>(), 2 * (kLlamaParameters + kLlamaBuffers) + (2LL << 30));
  // Per kernel: one decoder layer's parameters on its node of the tree, the model's on the root.
  EXPECT_EQ(j["tree"]["parameters"].get<long long>(), kLlamaParameters);
  const json& layers = j["tree"]["children"]["model"]["children"]["layers"];
  EXPECT_EQ(layers["count"].get<long long>(), 32);
  EXPECT_EQ(layers["parameters"].get<long long>(), 4 * 4096LL * 4096 + 3 * 4096LL * 11008 + 2 * 4096);
}

TEST(FootprintCli, CacheGrowsWithBatchAndContext) {
  std::string config = kcost_test::llama2_7b("footprint_cli");
  json a = run_json("eval llama --config " + config + " --batch-size 3 --seq-len 1 --cache-len 1000 --bytes 1");
  EXPECT_EQ(a["memory"]["cache_elements"].get<long long>(), 3LL * 32 * 2 * 1000 * 4096);
  EXPECT_EQ(a["memory"]["cache_bytes"].get<long long>(), 3LL * 32 * 2 * 1000 * 4096);
  json empty = run_json("eval llama --config " + config + " --batch-size 3 --seq-len 8 --cache-len 0");
  EXPECT_EQ(empty["memory"]["cache_bytes"].get<long long>(), 0);
}

TEST(FootprintCli, Llama2FitsOnOneH100) {
  json j = run_json("fit llama --config " + kcost_test::llama2_7b("footprint_cli") + " --hardware h100-sxm --cache-len 4096");
  const long long capacity = 80LL << 30, per_sequence = 2LL << 30;
  const long long expected = (capacity - 2 * (kLlamaParameters + kLlamaBuffers)) / per_sequence;
  EXPECT_EQ(expected, 33);
  EXPECT_EQ(j["largest_batch"].get<long long>(), expected);
  EXPECT_EQ(j["memory_per_sequence"].get<long long>(), per_sequence);
  EXPECT_EQ(j["memory"]["total_bytes"].get<long long>(), 2 * (kLlamaParameters + kLlamaBuffers) + expected * per_sequence);
  EXPECT_EQ(j["decode"]["batch_size"].get<long long>(), expected);
  EXPECT_EQ(j["decode"]["bound"], "memory");
  // Over 8 GPUs at 90%: the capacity is floor(80 GiB x 0.9) per GPU.
  json eight = run_json("fit llama --config " + kcost_test::llama2_7b("footprint_cli") +
                        " --hardware h100-sxm --cache-len 4096 --gpus 8 --memory-fraction 0.9");
  const long long capacity8 = 8 * static_cast<long long>((80LL << 30) * 9 / 10);
  EXPECT_EQ(eight["largest_batch"].get<long long>(), (capacity8 - 2 * (kLlamaParameters + kLlamaBuffers)) / per_sequence);
}

TEST(FootprintCli, FitExplainsWhatItNeeds) {
  Result no_cache = run("fit llama --hardware h100-sxm");
  EXPECT_NE(no_cache.code, 0);
  EXPECT_NE(no_cache.err.find("--cache-len"), std::string::npos) << no_cache.err;
  Result no_memory = run("fit llama --peak-flops 1e15 --bandwidth 1e12 --cache-len 16");
  EXPECT_NE(no_memory.code, 0);
  EXPECT_NE(no_memory.err.find("--memory"), std::string::npos) << no_memory.err;
  // A model that does not fit at all says so.
  Result tiny = run("fit llama --config " + kcost_test::llama2_7b("footprint_cli") +
                    " --peak-flops 1e15 --bandwidth 1e12 --memory 1Gi --cache-len 16");
  EXPECT_EQ(tiny.code, 0) << tiny.err;
  EXPECT_NE(tiny.out.find("largest batch       0"), std::string::npos) << tiny.out;
}

TEST(FootprintCli, MistralWindowedCacheStopsGrowingAtTheWindow) {
  // Every layer keeps the last sliding_window - 1 = 4095 tokens: 32 layers x 2 x 8 kv heads x 128.
  std::string config = kcost_test::mistral_7b("footprint_cli");
  for (long long cache : {1000LL, 4095LL, 4096LL, 32768LL}) {
    json j = run_json("eval mistral --config " + config + " --batch-size 1 --seq-len 1 --cache-len " + std::to_string(cache));
    EXPECT_EQ(j["memory"]["cache_elements"].get<long long>(), 32LL * 2 * 8 * 128 * std::min(cache, 4095LL)) << cache;
  }
}

TEST(FootprintCli, FormulaPrintsTheCacheAsAnExpression) {
  Result r = run("formula mistral --config " + kcost_test::mistral_7b("footprint_cli") + " --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  // 32 layers x 2 x 8 kv heads x 128 = 65536 elements per token, capped at the window.
  EXPECT_EQ(j["memory"]["cache_elements"], std::to_string(32 * 2 * 8 * 128) + " * batch_size * min(cache_len, 4095)");
  EXPECT_EQ(j["memory"]["parameters"], std::to_string(32 * (2 * 4096LL * 4096 + 2 * 4096LL * 1024 + 3 * 4096LL * 14336 + 2 * 4096) +
                                                      2 * 32000LL * 4096 + 4096));
}

TEST(FootprintCli, Gemma3SlidingLayersHoldTheWindowGlobalOnesEverything) {
  // 52 sliding layers keep 1023 tokens, 10 global ones every token; 16 kv heads x 128.
  json j = run_json("eval gemma3_text --config " + kcost_test::gemma3_27b("footprint_cli") +
                    " --batch-size 2 --seq-len 1 --cache-len 32768");
  EXPECT_EQ(j["memory"]["cache_elements"].get<long long>(), 2LL * 2 * 16 * 128 * (52 * 1023 + 10 * 32768LL));
}

}  // namespace
