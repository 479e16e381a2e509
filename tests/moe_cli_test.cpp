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

// experts_hit, the experts one layer's call reaches, bounds the experts' weights read: a count or
// a share given on the command line, never beyond the bound (a decode step of one sequence
// reaches top_k experts however many the user says).
TEST(MoeCli, ExpertsHitFromTheCommandLine) {
  auto read = [](long long tokens, const std::string& hit) {
    Result r = kcost_test::run("moe_cli", "eval mixtral --config " + mixtral_8x7b() + " --batch-size 1 --seq-len " +
                                              std::to_string(tokens) + " --cache-len 0 --format json --experts-hit " + hit);
    EXPECT_EQ(r.code, 0) << r.err;
    json j = json::parse(r.out);
    EXPECT_TRUE(j["point"].contains(hit.back() == '%' ? "experts_hit_share" : "experts_hit")) << j["point"].dump();
    return j["by_kernel"]["F.grouped_mm"]["memory_read"].get<long long>();
  };
  EXPECT_EQ(read(4096, "5"), kLayers * experts_read(4096 * kTopK, 5));
  EXPECT_EQ(read(4096, "25%"), kLayers * experts_read(4096 * kTopK, 2));  // a quarter of the 8
  EXPECT_EQ(read(1, "6"), kLayers * experts_read(kTopK, kTopK));           // one token: its top_k experts
  // A mean over layers: 5.5 experts a layer is exact in the sum over 32 layers.
  Result r = kcost_test::run("moe_cli", "eval mixtral --config " + mixtral_8x7b() +
                                            " --batch-size 1 --seq-len 64 --format json --experts-hit 11/2");
  ASSERT_EQ(r.code, 0) << r.err;
  long long rows = 64 * kTopK;
  long long half_expert = (kHidden * 2 * kInter + kInter * kHidden) * 2 / 2;  // bytes of half an expert, both products
  EXPECT_EQ(json::parse(r.out)["by_kernel"]["F.grouped_mm"]["memory_read"].get<long long>(),
            kLayers * (experts_read(rows, 5) + half_expert));
  // Bad values are one-line errors.
  for (const char* bad : {"0", "0.5", "abc", "0%", "101%", "-3"}) {
    Result b = kcost_test::run("moe_cli", std::string("eval mixtral --experts-hit ") + bad);
    EXPECT_EQ(b.code, 1) << bad;
    EXPECT_NE(b.err.find("--experts-hit"), std::string::npos) << b.err;
  }
}

// The formulas show where experts_hit enters (and the bound it tightens), unless given.
TEST(MoeCli, FormulaShowsExpertsHit) {
  Result r = kcost_test::run("moe_cli", "formula mixtral --config " + mixtral_8x7b() + " --by-kernel --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  std::string read = j["by_kernel"]["F.grouped_mm"]["memory_read"];
  EXPECT_NE(read.find("min(8, 2 * batch_size * seq_len, experts_hit)"), std::string::npos) << read;
  EXPECT_EQ(j["by_kernel"]["F.linear"]["memory_read"].get<std::string>().find("experts_hit"), std::string::npos);
  r = kcost_test::run("moe_cli", "formula mixtral --config " + mixtral_8x7b() + " --by-kernel --format json --experts-hit 3");
  ASSERT_EQ(r.code, 0) << r.err;
  read = json::parse(r.out)["by_kernel"]["F.grouped_mm"]["memory_read"];
  EXPECT_EQ(read.find("experts_hit"), std::string::npos) << read;
  EXPECT_NE(read.find("min(8, 2 * batch_size * seq_len, 3)"), std::string::npos) << read;
}

// validate binds experts_hit to what the real run's routing reached: at the decode point (2
// sequences, 4 rows over the small config's 4 experts) the random model reaches some of them,
// and both sides agree.
TEST(MoeCli, ValidateBindsTheExpertsTheRunHit) {
  Result r = kcost_test::run("moe_cli", "validate mixtral --format json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json j = json::parse(r.out);
  json model = j["models"][0];
  ASSERT_EQ(model["points"].size(), 3u);
  for (const json& p : model["points"]) {
    ASSERT_TRUE(p.contains("experts_hit")) << p.dump();
    EXPECT_EQ(p["experts_hit"]["calls"].get<long long>(), 3 * 2);  // 3 layers, 2 grouped products each
  }
  json decode = model["points"][1];
  EXPECT_EQ(decode["seq_len"].get<long long>(), 1);
  json mean = decode["experts_hit"]["mean"];
  double m = mean.is_number() ? mean.get<double>()
                              : std::stod(mean.get<std::string>()) /
                                    std::stod(mean.get<std::string>().substr(mean.get<std::string>().find('/') + 1));
  EXPECT_GE(m, 2);
  EXPECT_LE(m, 4);
}

// The eager experts loop (over the experts hit, rows found by torch.where) priced by its routing
// (trace/routing.h), on both sides with the same implementation; Dbrx's experts are that loop.
TEST(MoeCli, TheEagerExpertsLoopAgrees) {
  Result r = kcost_test::run("moe_cli", "validate mixtral qwen2_moe dbrx --experts-implementation eager --summary");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 agree, 0 disagree, 0 failed of 3"), std::string::npos) << r.out;
}

}  // namespace
