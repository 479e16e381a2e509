// kcost analyze on real transformers models: the whole closure is written with no unknown
// child, every file validates against the spec's schema, and the golden expectations of the
// analyzer's issue hold (as expressions, compared after normalization).
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analyze/analyzer.h"
#include "costfile/cost_schema.h"
#include "python/session.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;

struct Library {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
};

Library& library() {
  static Library l;
  return l;
}

struct Analyzed {
  std::string dir;
  AnalyzeResult result;
};

// Analyzes a model once per process, attention implementation and config (a config.json's
// text; empty: the config class defaults).
const Analyzed& analyzed(const std::string& model, const std::string& attn, const std::string& config = "") {
  static std::map<std::string, Analyzed> cache;
  std::string key = model + "/" + attn + "/" + config;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  Analyzed a;
  const fs::path base = fs::temp_directory_path() / ("kcost_analyze_test_" + std::to_string(getpid())) / model /
                        (attn + (config.empty() ? "" : "_config" + std::to_string(cache.size())));
  a.dir = (base / "costs").string();
  fs::remove_all(base);
  AnalyzeOptions options;
  options.costs_dir = a.dir;
  options.attn_implementation = attn;
  if (!config.empty()) {
    fs::create_directories(base);
    options.config_file = (base / "config.json").string();
    std::ofstream(options.config_file) << config;
  }
  Library& lib = library();
  a.result = analyze(lib.locator, lib.leaves, lib.names, lib.locator.qualified_name(model), options);
  return cache[key] = a;
}

nlohmann::json kernel(const std::string& model, const std::string& attn, const std::string& name) {
  std::ifstream in(analyzed(model, attn).dir + "/" + name + ".json");
  if (!in) throw std::runtime_error("no cost file for " + name);
  return nlohmann::json::parse(in);
}

const nlohmann::json& child(const nlohmann::json& k, const std::string& label) {
  if (!k["children"].contains(label)) throw std::runtime_error("no child " + label + " in " + k["kernel_name"].get<std::string>());
  return k["children"][label];
}

// The child whose kernel is `kernel` (the only one).
const nlohmann::json& child_of_kernel(const nlohmann::json& k, const std::string& kernel) {
  const nlohmann::json* found = nullptr;
  for (const auto& c : k["children"].items())
    if (c.value()["kernel"] == kernel) {
      if (found) throw std::runtime_error("two children of kernel " + kernel);
      found = &c.value();
    }
  if (!found) throw std::runtime_error("no child of kernel " + kernel);
  return *found;
}

// Binding `param` of `c` equals `expected` as an expression (after expansion).
::testing::AssertionResult binds(const nlohmann::json& c, const std::string& param, const std::string& expected) {
  if (!c["bindings"].contains(param)) return ::testing::AssertionFailure() << "no binding " << param << " in " << c.dump();
  std::string got = c["bindings"][param].get<std::string>();
  if (Expr::parse(got).equivalent(Expr::parse(expected))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << param << " = " << got << ", expected " << expected;
}

const char* kLlama = "transformers.models.llama.modeling_llama.";

class AnalyzeClosure : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(AnalyzeClosure, WholeClosureWithoutUnknownsAndValidates) {
  const auto& [model, attn] = GetParam();
  const Analyzed& a = analyzed(model, attn);
  EXPECT_TRUE(a.result.unknowns.empty()) << a.result.unknowns.front();
  EXPECT_GE(a.result.written.size(), 4u);
  std::vector<std::string> problems = validate_cost_dir(a.dir, library().leaves, false);
  for (const auto& p : problems) ADD_FAILURE() << p;
  for (const auto& k : a.result.written) {
    EXPECT_TRUE(fs::exists(a.dir + "/" + k + ".md")) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, AnalyzeClosure,
                         ::testing::Combine(::testing::Values("llama", "mistral", "qwen2", "qwen3", "phi3", "gpt2"),
                                            ::testing::Values("sdpa", "eager")),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

TEST(AnalyzeLlama, MlpProjectionsActivationAndProduct) {
  nlohmann::json mlp = kernel("llama", "sdpa", std::string(kLlama) + "LlamaMLP");
  for (const char* proj : {"gate_proj", "up_proj"}) {
    const auto& c = child(mlp, proj);
    EXPECT_EQ(c["kernel"], "F.linear");
    EXPECT_TRUE(binds(c, "M", "batch_size * seq_len"));
    EXPECT_TRUE(binds(c, "K", "config.hidden_size"));
    EXPECT_TRUE(binds(c, "N", "config.intermediate_size"));
    EXPECT_TRUE(binds(c, "has_bias", "config.mlp_bias"));
  }
  const auto& down = child(mlp, "down_proj");
  EXPECT_TRUE(binds(down, "K", "config.intermediate_size"));
  EXPECT_TRUE(binds(down, "N", "config.hidden_size"));
  const auto& act = child(mlp, "act_fn");
  EXPECT_EQ(act["kernel"], "F.silu");
  EXPECT_TRUE(binds(act, "num_elements", "batch_size * seq_len * config.intermediate_size"));
  EXPECT_TRUE(binds(child_of_kernel(mlp, "torch.mul"), "num_elements", "batch_size * seq_len * config.intermediate_size"));
  EXPECT_EQ(mlp["children"].size(), 5u);
}

TEST(AnalyzeLlama, AttentionSdpa) {
  nlohmann::json attn = kernel("llama", "sdpa", std::string(kLlama) + "LlamaAttention");
  EXPECT_TRUE(binds(child(attn, "q_proj"), "N", "config.num_attention_heads * config.head_dim"));
  EXPECT_TRUE(binds(child(attn, "o_proj"), "K", "config.num_attention_heads * config.head_dim"));
  EXPECT_TRUE(binds(child(attn, "k_proj"), "N", "config.num_key_value_heads * config.head_dim"));
  EXPECT_TRUE(binds(child(attn, "v_proj"), "N", "config.num_key_value_heads * config.head_dim"));
  const auto& sdpa = child_of_kernel(attn, "F.scaled_dot_product_attention");
  EXPECT_TRUE(binds(sdpa, "S_q", "seq_len"));
  EXPECT_TRUE(binds(sdpa, "S_kv", "cache_len + seq_len"));
  EXPECT_TRUE(binds(sdpa, "H_q", "config.num_attention_heads"));
  EXPECT_TRUE(binds(sdpa, "H_kv", "config.num_key_value_heads"));
  EXPECT_TRUE(binds(sdpa, "B", "batch_size"));
  // Rotary ops on both q and k.
  int rotary_q = 0, rotary_k = 0;
  for (const auto& c : attn["children"].items()) {
    if (c.key().rfind("apply_rotary_pos_emb.", 0) != 0) continue;
    std::string n = c.value()["bindings"].value("num_elements", "");
    rotary_q += n.find("num_attention_heads") != std::string::npos;
    rotary_k += n.find("num_key_value_heads") != std::string::npos;
  }
  EXPECT_GE(rotary_q, 3);
  EXPECT_GE(rotary_k, 3);
}

TEST(AnalyzeLlama, AttentionEager) {
  nlohmann::json attn = kernel("llama", "eager", std::string(kLlama) + "LlamaAttention");
  const auto& qk = child(attn, "eager_attention_forward.matmul_query");
  EXPECT_EQ(qk["kernel"], "torch.matmul");
  EXPECT_TRUE(binds(qk, "K", "config.head_dim"));
  EXPECT_TRUE(binds(qk, "N", "cache_len + seq_len"));
  EXPECT_TRUE(binds(qk, "M", "seq_len"));
  const auto& softmax = child_of_kernel(attn, "F.softmax");
  EXPECT_TRUE(binds(softmax, "num_elements", "batch_size * config.num_attention_heads * seq_len * (cache_len + seq_len)"));
  const auto& pv = child(attn, "eager_attention_forward.matmul_attn_weights");
  EXPECT_TRUE(binds(pv, "K", "cache_len + seq_len"));
  EXPECT_TRUE(binds(pv, "N", "config.head_dim"));
  EXPECT_EQ(child_of_kernel(attn, "F.dropout")["bindings"].size(), 0u);
}

TEST(AnalyzeLlama, ModelAndCausalLm) {
  nlohmann::json model = kernel("llama", "sdpa", std::string(kLlama) + "LlamaModel");
  const auto& layers = child(model, "layers");
  EXPECT_EQ(layers["kernel"], std::string(kLlama) + "LlamaDecoderLayer");
  EXPECT_EQ(layers["count"], "config.num_hidden_layers");
  EXPECT_EQ(child(model, "embed_tokens")["kernel"], "F.embedding");
  EXPECT_EQ(child(model, "norm")["kernel"], std::string(kLlama) + "LlamaRMSNorm");
  EXPECT_EQ(child(model, "rotary_emb")["kernel"], std::string(kLlama) + "LlamaRotaryEmbedding");
  nlohmann::json lm = kernel("llama", "sdpa", std::string(kLlama) + "LlamaForCausalLM");
  const auto& head = child(lm, "lm_head");
  EXPECT_EQ(head["kernel"], "F.linear");
  EXPECT_TRUE(binds(head, "N", "config.vocab_size"));
  EXPECT_TRUE(binds(head, "M", "batch_size * seq_len"));
}

TEST(AnalyzeQwen3, PerHeadNormCostsAllHeads) {
  nlohmann::json attn = kernel("qwen3", "sdpa", "transformers.models.qwen3.modeling_qwen3.Qwen3Attention");
  nlohmann::json norm = kernel("qwen3", "sdpa", "transformers.models.qwen3.modeling_qwen3.Qwen3RMSNorm");
  // The norm's element count, in its own params, bound at the q_norm call site.
  std::string elements = child_of_kernel(norm, "torch.pow")["bindings"]["num_elements"];
  std::map<std::string, Expr> at_q_norm;
  for (const auto& b : child(attn, "q_norm")["bindings"].items())
    at_q_norm[b.key()] = Expr::parse(b.value().get<std::string>());
  Expr cost = Expr::parse(elements).subs(at_q_norm);
  EXPECT_TRUE(cost.equivalent(Expr::parse("batch_size * seq_len * config.num_attention_heads * config.head_dim")))
      << cost.str();
  // The same kernel called on [batch, seq, hidden] from the decoder layer.
  nlohmann::json layer = kernel("qwen3", "sdpa", "transformers.models.qwen3.modeling_qwen3.Qwen3DecoderLayer");
  std::map<std::string, Expr> at_layer;
  for (const auto& b : child(layer, "input_layernorm")["bindings"].items())
    at_layer[b.key()] = Expr::parse(b.value().get<std::string>());
  EXPECT_TRUE(Expr::parse(elements).subs(at_layer).equivalent(Expr::parse("batch_size * seq_len * config.hidden_size")));
}

TEST(AnalyzeGpt2, FusedQkvConv1D) {
  nlohmann::json attn = kernel("gpt2", "sdpa", "transformers.models.gpt2.modeling_gpt2.GPT2Attention");
  const auto& c_attn = child(attn, "c_attn");
  EXPECT_EQ(c_attn["kernel"], "transformers.pytorch_utils.Conv1D");
  EXPECT_TRUE(binds(c_attn, "nf", "3 * config.n_embd"));
  nlohmann::json conv = kernel("gpt2", "sdpa", "transformers.pytorch_utils.Conv1D");
  EXPECT_EQ(child_of_kernel(conv, "torch.addmm")["bindings"]["N"], "nf");
  nlohmann::json mlp = kernel("gpt2", "sdpa", "transformers.models.gpt2.modeling_gpt2.GPT2MLP");
  EXPECT_EQ(child(mlp, "act")["kernel"], "F.gelu_tanh");
  nlohmann::json model = kernel("gpt2", "sdpa", "transformers.models.gpt2.modeling_gpt2.GPT2Model");
  EXPECT_EQ(child(model, "wpe")["kernel"], "F.embedding");
  EXPECT_EQ(child(model, "h")["count"], "config.n_layer");
}

TEST(AnalyzePhi3, FusedProjectionsAreSplit) {
  nlohmann::json mlp = kernel("phi3", "sdpa", "transformers.models.phi3.modeling_phi3.Phi3MLP");
  EXPECT_TRUE(binds(child(mlp, "gate_up_proj"), "N", "2 * config.intermediate_size"));
  EXPECT_TRUE(binds(child_of_kernel(mlp, "F.silu"), "num_elements", "batch_size * seq_len * config.intermediate_size"));
  nlohmann::json attn = kernel("phi3", "sdpa", "transformers.models.phi3.modeling_phi3.Phi3Attention");
  const auto& sdpa = child_of_kernel(attn, "F.scaled_dot_product_attention");
  EXPECT_TRUE(binds(sdpa, "H_kv", "config.num_key_value_heads"));
}

TEST(AnalyzeQwen2, BiasedQkv) {
  nlohmann::json attn = kernel("qwen2", "sdpa", "transformers.models.qwen2.modeling_qwen2.Qwen2Attention");
  EXPECT_TRUE(binds(child(attn, "q_proj"), "has_bias", "1"));
  EXPECT_TRUE(binds(child(attn, "o_proj"), "has_bias", "0"));
}

// Kernels met first in phase 2, from a caller traced in its own symbols, and kernels whose
// callers a probe ran ahead of the call: every file validates and every child binds what its
// kernel needs (validate_cost_dir), at the small configs `kcost validate` builds. Inkling2's
// ShortConvolution, met first from a projection whose width is `num_heads * head_dim` (its own
// params), held those names; Qwen4Exp's hyper-connection norm, whose caller a probe had traced
// (and memoized) without recording its call sites, was never a site of the norm, whose
// signature then lacked the rank of that call.
TEST(AnalyzeSmallConfig, LateKernelsAndProbedCallersBindEveryParam) {
  const std::map<std::string, std::string> configs = {
      {"inkling2_text", R"({"eos_token_id": 996, "head_dim": 16, "hidden_size": 96, "moe_intermediate_size": 48,
          "n_routed_experts": 4, "num_attention_heads": 8, "num_experts_per_tok": 2, "num_hidden_layers": 3,
          "num_key_value_heads": 4, "sliding_window_size": 4, "swa_head_dim": 16, "vocab_size": 997})"},
      {"qwen4_exp_text", R"({"head_dim": 16, "hidden_size": 64, "indexer_budget": 4, "indexer_compress_ratio": 2,
          "indexer_head_dim": 16, "indexer_kv_heads": 1, "indexer_n_heads": 8,
          "layer_types": ["linear_attention", "indexed_attention", "linear_attention"], "linear_key_head_dim": 8,
          "linear_value_head_dim": 8, "moe_intermediate_size": 16, "num_attention_heads": 8, "num_experts": 4,
          "num_experts_per_tok": 2, "num_hidden_layers": 3, "num_key_value_heads": 4,
          "shared_expert_intermediate_size": 16, "vocab_size": 997})"}};
  for (const auto& [model, config] : configs) {
    const Analyzed& a = analyzed(model, "eager", config);
    std::vector<std::string> problems = validate_cost_dir(a.dir, library().leaves, true);
    for (const auto& p : problems) ADD_FAILURE() << model << ": " << p;
  }
  // Inkling2's model picks each decoder layer's mask by `decoder_layer.attention_type`, a
  // constant of the layer's class body: read, the whole closure is modelled.
  const Analyzed& inkling2 = analyzed("inkling2_text", "eager", configs.at("inkling2_text"));
  for (const auto& u : inkling2.result.unknowns) ADD_FAILURE() << u;
  // The norm's call on [batch, seq, hc_count * hidden] is a phase-1 site: a kind of its own
  // (its group_size and rank differ from the per-head norms'), not the plain class name phase 2
  // falls back to for a kind phase 1 never saw.
  const std::string dir = analyzed("qwen4_exp_text", "eager", configs.at("qwen4_exp_text")).dir;
  const std::string qwen4 = "transformers.models.qwen4_exp.modeling_qwen4_exp.";
  nlohmann::json residual = nlohmann::json::parse(std::ifstream(dir + "/" + qwen4 + "Qwen4ExpTextGatedResidual@kind1.json"));
  const std::string norm = child(residual, "hc_norm")["kernel"];
  EXPECT_EQ(norm.rfind(qwen4 + "Qwen4ExpTextRMSNorm@", 0), 0u) << norm;
  nlohmann::json attention = nlohmann::json::parse(std::ifstream(dir + "/" + qwen4 + "Qwen4ExpTextAttention.json"));
  EXPECT_NE(child(attention, "q_norm")["kernel"], norm);
}

}  // namespace
}  // namespace kcost
