// Whole models through resolve and evaluate, in the embedded interpreter: the pinned Llama-2-7B
// numbers (expected values computed here from the config's numbers, not by kcost), resolve then
// evaluate equals eval, checkpoint config files, named failures, the cache, and the closed form
// against exact evaluation at many points for several architectures.
#include "evaluate/model_costs.h"

#include "locate/python_on_demand.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "evaluate/evaluator.h"
#include "evaluate/sweep.h"
#include "evaluate/traffic.h"
#include "locate/python_on_demand.h"
#include "locate/source_locator.h"
#include "python/session.h"
#include "resolve/resolver.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;
using GiNaC::numeric;

struct Env {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  PythonSession& session = PythonSession::start();
  SourceLocator locator{session};
  std::string dir = (fs::temp_directory_path() / ("kcost_model_costs_test_" + std::to_string(getpid()))).string();
  ModelLibrary library() { return {leaves, names, std::string(KCOST_SOURCE_DIR) + "/kernels",
                                   std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json"}; }
  std::string file(const std::string& name, const std::string& content) {
    fs::create_directories(dir);
    std::string path = dir + "/" + name;
    std::ofstream(path) << content;
    return path;
  }
  ~Env() { fs::remove_all(dir); }
};

Env& env() {
  static Env e;
  return e;
}

// meta-llama/Llama-2-7b-hf's config.json as published (no head_dim, no attention_bias or
// mlp_bias: older files lack fields that the config class defaults).
const char* kLlama2Config = R"({
  "_name_or_path": "meta-llama/Llama-2-7b-hf", "architectures": ["LlamaForCausalLM"],
  "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 4096,
  "initializer_range": 0.02, "intermediate_size": 11008, "max_position_embeddings": 4096,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
  "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "tie_word_embeddings": false,
  "torch_dtype": "float16", "transformers_version": "4.31.0.dev0", "use_cache": true, "vocab_size": 32000})";

// The Llama-2-7B shape, for the expectations.
constexpr long kHidden = 4096, kInter = 11008, kLayers = 32, kHeads = 32, kKvHeads = 32, kVocab = 32000;
constexpr long kHeadDim = kHidden / kHeads;
// Weights of every linear layer: q, k, v, o, gate, up, down per layer, and lm_head.
constexpr long kLinearWeights =
    kLayers * (kHidden * kHeads * kHeadDim + 2 * kHidden * kKvHeads * kHeadDim + kHeads * kHeadDim * kHidden +
               3 * kHidden * kInter) +
    kHidden * kVocab;

const ModelCosts& llama2() {
  static ModelCosts m = [] {
    ModelRequest r;
    r.name = "llama";
    r.config_file = env().file("llama2-7b.json", kLlama2Config);
    r.costs_dir = env().dir + "/llama-sdpa";
    return load_model_costs(env().locator, env().session, env().library(), r);
  }();
  return m;
}

Values at(const ModelCosts& m, long b, long s, long c, long bytes = 2) {
  Values v = m.config;
  for (const auto& [name, value] : runtime_values({b, s, c, bytes})) v[name] = value;
  return v;
}

numeric matmul_flops(const Evaluation& e) {
  return e.by_kernel.at("F.linear").flops + e.by_kernel.at("F.scaled_dot_product_attention").flops;
}

TEST(EvalLlama2, ConfigFileIsTheModel) {
  const ModelCosts& m = llama2();
  EXPECT_EQ(m.root, "transformers.models.llama.modeling_llama.LlamaForCausalLM");
  EXPECT_EQ(m.config.at("config.hidden_size"), numeric(kHidden));
  EXPECT_EQ(m.config.at("config.head_dim"), numeric(kHeadDim));   // absent from the file: computed by the class
  EXPECT_EQ(m.config.at("config.attention_bias"), numeric(0));   // a boolean default, as 0
  EXPECT_FALSE(m.analyzed.empty());
}

TEST(EvalLlama2, DecodeMatmulFlopsAreTwiceTheLinearWeightsPlusAttention) {
  Evaluation e = evaluate(llama2().tree, at(llama2(), 1, 1, 0));
  EXPECT_EQ(matmul_flops(e), numeric(2 * kLinearWeights + 4 * kLayers * kHeads * kHeadDim));
  EXPECT_EQ(e.by_kernel.at("F.linear").flops, numeric(2 * kLinearWeights));
}

TEST(EvalLlama2, LongerCacheAddsExactlyTheAttentionTerm) {
  Evaluation e0 = evaluate(llama2().tree, at(llama2(), 1, 1, 0));
  Evaluation e1 = evaluate(llama2().tree, at(llama2(), 1, 1, 4095));
  EXPECT_EQ(matmul_flops(e1) - matmul_flops(e0), numeric(4 * kLayers * kHeads * kHeadDim * 4095));
  EXPECT_EQ(e1.by_kernel.at("F.linear").flops, e0.by_kernel.at("F.linear").flops);
}

TEST(EvalLlama2, DecodeReadsAtLeastAllLinearWeights) {
  for (long c : {0L, 4095L}) {
    Evaluation e = evaluate(llama2().tree, at(llama2(), 1, 1, c));
    EXPECT_GE(e.totals.memory_read, numeric(2 * kLinearWeights)) << "cache_len " << c;
    EXPECT_GE(e.by_kernel.at("F.linear").memory_read, numeric(2 * kLinearWeights));
  }
}

TEST(EvalLlama2, ResolveThenEvaluateEqualsEval) {
  const ModelCosts& m = llama2();
  nlohmann::ordered_json written = to_json(m.tree);
  ResolvedTree read = resolved_tree_from_json(nlohmann::ordered_json::parse(written.dump()), "llama.json");
  for (long c : {0L, 7L, 4095L}) {
    Values v = at(m, 3, c == 0 ? 11 : 1, c);
    Evaluation direct = evaluate(m.tree, v);
    Evaluation again = evaluate(read, v);
    EXPECT_EQ(again.totals, direct.totals);
    EXPECT_EQ(evaluate_totals(read, v), direct.totals);  // the root's own expressions
    ASSERT_EQ(again.by_kernel.size(), direct.by_kernel.size());
    for (const auto& [k, cost] : direct.by_kernel) EXPECT_EQ(again.by_kernel.at(k), cost) << k;
  }
}

TEST(EvalLlama2, ByKernelSumsToTheTotals) {
  Evaluation e = evaluate(llama2().tree, at(llama2(), 2, 11, 0));
  CostNumbers sum;
  for (const auto& [k, c] : e.by_kernel) sum += c;
  EXPECT_EQ(sum, e.totals);
}

TEST(EvalLlama2, MissingConfigFieldIsNamedWithItsKernel) {
  Values v = at(llama2(), 1, 1, 0);
  v.erase("config.vocab_size");
  try {
    evaluate(llama2().tree, v);
    FAIL();
  } catch (const EvaluateError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'vocab_size'"), std::string::npos) << m;
    EXPECT_NE(m.find("lm_head"), std::string::npos) << m;
  }
  EXPECT_THROW(compile_sweep_model("llama", "", llama2().tree, [] {
                 Values c = llama2().config;
                 c.erase("config.intermediate_size");
                 return c;
               }()),
               EvaluateError);
}

TEST(EvalLlama2, ClosedFormAgreesWithExactEvaluation) {
  SweepModel s = compile_sweep_model("llama", "", llama2().tree, llama2().config);
  EXPECT_TRUE(s.totals.fully_compiled());
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    long b = std::uniform_int_distribution<long>(1, 256)(rng);
    long q = i % 3 == 0 ? 1 : std::uniform_int_distribution<long>(1, 8192)(rng);
    long c = i % 5 == 0 ? 0 : std::uniform_int_distribution<long>(0, 131072)(rng);
    long y = std::uniform_int_distribution<long>(1, 4)(rng);
    Evaluation e = evaluate(llama2().tree, at(llama2(), b, q, c, y));
    std::vector<numeric> f = s.totals.evaluate({b, q, c, y, y, y});  // the weights and the cache at bytes
    EXPECT_EQ(f[0], e.totals.flops) << b << " " << q << " " << c;
    EXPECT_EQ(f[1], e.totals.memory_read) << b << " " << q << " " << c;
    EXPECT_EQ(f[2], e.totals.memory_write) << b << " " << q << " " << c;
  }
}

TEST(ModelCostsFiles, MissingChildJsonIsNamedUnlessAnalyzed) {
  const ModelCosts& m = llama2();
  std::string dir = env().dir + "/llama-copy";
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(m.costs_dir)) fs::copy_file(entry.path(), dir / entry.path().filename());
  std::string mlp = "transformers.models.llama.modeling_llama.LlamaMLP";
  fs::remove(dir + "/" + mlp + ".json");
  ModelRequest r;
  r.name = "llama";
  r.config_file = env().file("llama2-7b.json", kLlama2Config);
  r.costs_dir = dir;
  r.analyze_missing = false;
  try {
    load_model_costs(env().locator, env().session, env().library(), r);
    FAIL();
  } catch (const ResolveError& e) {
    EXPECT_EQ(e.kind, ResolveError::Kind::missing_kernel);
    EXPECT_EQ(e.kernel, mlp);
    EXPECT_NE(std::string(e.what()).find(mlp + ".json"), std::string::npos);
  }
  r.analyze_missing = true;
  ModelCosts again = load_model_costs(env().locator, env().session, env().library(), r);
  EXPECT_EQ(again.analyzed, std::vector<std::string>{mlp});
  Values v = at(again, 1, 1, 0);
  EXPECT_EQ(evaluate(again.tree, v).totals, evaluate(m.tree, v).totals);
}

TEST(ModelCostsFiles, BadConfigFilesAreNamed) {
  ModelRequest r;
  r.name = "llama";
  r.costs_dir = env().dir + "/bad-config";
  r.config_file = env().file("broken.json", "{\"hidden_size\": 64,");
  try {
    load_model_costs(env().locator, env().session, env().library(), r);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find(r.config_file + ": not valid JSON"), 0u) << e.what();
  }
  r.config_file = env().file("wrong-type.json", R"({"vocab_size": null})");
  try {
    load_model_costs(env().locator, env().session, env().library(), r);
    FAIL();
  } catch (const ConfigError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find(r.config_file + ": "), 0u) << m;
    EXPECT_NE(m.find("vocab_size"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  r.config_file = env().dir + "/does-not-exist.json";
  EXPECT_THROW(load_model_costs(env().locator, env().session, env().library(), r), ConfigError);
}

TEST(ModelCostsFiles, NestedTextConfigConfiguresATextModel) {
  // A multimodal checkpoint's config.json: the Llama text model's fields under text_config.
  std::string file = env().file("nested.json", R"({"model_type": "llava", "vision_config": {"hidden_size": 1024},
      "text_config": {"hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 3,
                      "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000},
      "tie_word_embeddings": false})");
  ModelRequest r;
  r.name = "llama";
  r.config_file = file;
  r.costs_dir = env().dir + "/nested";
  ModelCosts m = load_model_costs(env().locator, env().session, env().library(), r);
  EXPECT_EQ(m.config.at("config.hidden_size"), numeric(256));
  EXPECT_EQ(m.config.at("config.num_hidden_layers"), numeric(3));
  EXPECT_EQ(m.config.at("config.head_dim"), numeric(64));
  EXPECT_EQ(m.config.count("config.vision_config.hidden_size"), 0u);
  Evaluation e = evaluate(m.tree, at(m, 1, 1, 0));
  long weights = 3 * (256 * 256 + 2 * 256 * 128 + 256 * 256 + 3 * 256 * 688) + 256 * 1000;
  EXPECT_EQ(e.by_kernel.at("F.linear").flops, numeric(2 * weights));
}

TEST(ModelCostsFiles, CacheIsReusedAndKeyedByConfig) {
  std::string cache = env().dir + "/cache";
  setenv("KCOST_CACHE_DIR", cache.c_str(), 1);
  ModelRequest r;
  r.name = "llama";
  ModelCosts first = load_model_costs(env().locator, env().session, env().library(), r);
  EXPECT_EQ(first.costs_dir.compare(0, cache.size(), cache), 0) << first.costs_dir;
  EXPECT_NE(first.costs_dir.find("/sdpa/"), std::string::npos) << first.costs_dir;
  EXPECT_FALSE(first.analyzed.empty());
  // Through the started session (options unknown, no warm path) the cache is analyzed afresh,
  // into the same directory; through an interpreter started on demand with the environment's
  // options, the warm entry proves the files current and nothing is analyzed.
  ModelCosts again = load_model_costs(env().locator, env().session, env().library(), r);
  EXPECT_EQ(again.costs_dir, first.costs_dir);
  PythonOnDemand python{SessionOptions{}};
  ModelCosts warm = load_model_costs(python, env().library(), r);
  ModelCosts second = load_model_costs(python, env().library(), r);
  EXPECT_EQ(second.costs_dir, first.costs_dir);
  EXPECT_TRUE(second.analyzed.empty());
  r.config_file = env().file("llama2-7b.json", kLlama2Config);
  ModelCosts configured = load_model_costs(env().locator, env().session, env().library(), r);
  EXPECT_NE(configured.costs_dir, first.costs_dir);
  r.config_file.clear();
  r.attn_implementation = "eager";
  ModelCosts eager = load_model_costs(env().locator, env().session, env().library(), r);
  EXPECT_NE(eager.costs_dir.find("/eager/"), std::string::npos);
  EXPECT_EQ(eager.tree.by_kernel.count("F.scaled_dot_product_attention"), 0u);
  EXPECT_EQ(eager.tree.by_kernel.count("F.softmax"), 1u);
  unsetenv("KCOST_CACHE_DIR");
}

// Several architectures: the compiled closed form equals exact bottom-up evaluation.
class ClosedFormModels : public testing::TestWithParam<const char*> {};

TEST_P(ClosedFormModels, AgreeWithExactEvaluationAtManyPoints) {
  ModelRequest r;
  r.name = GetParam();
  r.costs_dir = env().dir + "/closed-" + r.name;
  ModelCosts m = load_model_costs(env().locator, env().session, env().library(), r);
  SweepModel s = compile_sweep_model(r.name, "", m.tree, m.config);
  std::mt19937 rng(11);
  int fast = 0;
  for (int i = 0; i < 60; ++i) {
    long b = std::uniform_int_distribution<long>(1, 64)(rng);
    long q = i % 2 ? 1 : std::uniform_int_distribution<long>(1, 4096)(rng);
    long c = i % 3 ? std::uniform_int_distribution<long>(0, 32768)(rng) : 0;
    Evaluation e = evaluate(m.tree, at(m, b, q, c));
    std::vector<numeric> f = s.totals.evaluate({b, q, c, 2, 2, 2});
    // The fourth output: the weight elements the step reads, the traffic split's weights over their width.
    RuntimePoint point{b, q, c, 2};
    TrafficSplit split = traffic_split(m.tree, at(m, b, q, c), point);
    EXPECT_EQ(f, (std::vector<numeric>{e.totals.flops, e.totals.memory_read, e.totals.memory_write, split.weight_bytes / 2}))
        << r.name << " at " << b << "," << q << "," << c;
    std::int64_t in[6] = {b, q, c, 2, 2, 2};
    int128 out[kSweepOutputs];
    auto regs = s.totals.make_registers();
    fast += s.totals.run(in, out, regs);
  }
  EXPECT_EQ(fast, 60) << "the fast path should do every integer point of " << r.name;
}

INSTANTIATE_TEST_SUITE_P(Models, ClosedFormModels, testing::Values("llama", "gpt2", "mistral", "qwen3", "phi3"));

}  // namespace
}  // namespace kcost
