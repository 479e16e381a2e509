// Mixture-of-experts at full size, Mixtral-8x7B: the experts' FLOPs are exact (every token
// meets top_k experts: 2 * tokens * top_k * 3 * hidden * intermediate per layer), and the
// experts' weights read are those of the experts some row reaches: exactly top_k per layer at a
// decode step of one sequence, all of them in a long prefill. Expected values computed here
// from the published config, not by kcost.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using nlohmann::json;
using kcost_test::Result;

// mistralai/Mixtral-8x7B-v0.1's config.json as published.
std::string mixtral_8x7b() {
  return kcost_test::write("moe_cli", "mixtral-8x7b.json", R"({"architectures": ["MixtralForCausalLM"],
    "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 4096,
    "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mixtral",
    "num_attention_heads": 32, "num_experts_per_tok": 2, "num_hidden_layers": 32, "num_key_value_heads": 8,
    "num_local_experts": 8, "output_router_logits": false, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0,
    "router_aux_loss_coef": 0.02, "sliding_window": null, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
    "transformers_version": "4.36.0.dev0", "use_cache": true, "vocab_size": 32000})");
}

const long long kLayers = 32, kHidden = 4096, kInter = 14336, kExperts = 8, kTopK = 2;

json experts(long long tokens) {
  Result r = kcost_test::run("moe_cli", "eval mixtral --config " + mixtral_8x7b() + " --batch-size 1 --seq-len " +
                                            std::to_string(tokens) + " --cache-len 0 --format json");
  EXPECT_EQ(r.code, 0) << r.err;
  return json::parse(r.out)["by_kernel"]["F.grouped_mm"];
}

// What the two grouped products of one layer read (bf16): the rows in, the weights of the
// experts reached, the int32 offsets of all experts.
long long experts_read(long long rows, long long reached) {
  long long up = (rows * kHidden + reached * kHidden * 2 * kInter) * 2 + 4 * kExperts;
  long long down = (rows * kInter + reached * kInter * kHidden) * 2 + 4 * kExperts;
  return up + down;
}

TEST(MoeCli, MixtralDecodeReadsTopKExpertsPrefillAllOfThem) {
  for (long long tokens : {1LL, 4096LL}) {
    json e = experts(tokens);
    long long rows = tokens * kTopK;
    EXPECT_EQ(e["flops"].get<long long>(), kLayers * 2 * rows * 3 * kHidden * kInter) << tokens << " tokens";
    long long reached = std::min(kExperts, rows);
    EXPECT_EQ(reached, tokens == 1 ? kTopK : kExperts);
    EXPECT_EQ(e["memory_read"].get<long long>(), kLayers * experts_read(rows, reached)) << tokens << " tokens";
  }
}

}  // namespace
