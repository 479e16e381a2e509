// kcost resolve / eval / formula / sweep as a user runs them: the issue's JSON fields, the pinned
// Llama-2-7B numbers (expected values computed here from the config, not by kcost), resolve then
// evaluate equals eval, sweep rows, formulas, plots, and one-line errors with their exit codes.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "expr/expr.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using kcost_test::Result;

// A scratch directory of this test process, and a cache shared by the test processes.
std::string scratch() { return kcost_test::scratch("eval_cli"); }
Result run(const std::string& args) { return kcost_test::run("eval_cli", args); }

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

std::string write(const std::string& name, const std::string& content) {
  return kcost_test::write("eval_cli", name, content);
}

// meta-llama/Llama-2-7b-hf's config.json as published.
std::string llama2_config() {
  return write("llama2-7b.json", R"({"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
    "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008,
    "max_position_embeddings": 4096, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
    "num_key_value_heads": 32, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
    "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.31.0.dev0",
    "use_cache": true, "vocab_size": 32000})");
}

constexpr long long kHidden = 4096, kInter = 11008, kLayers = 32, kHeads = 32, kVocab = 32000, kHeadDim = 128;
constexpr long long kLinearWeights = kLayers * (4 * kHidden * kHidden + 3 * kHidden * kInter) + kHidden * kVocab;

json eval_json(const std::string& args) {
  Result r = run("eval " + args + " --format json");
  EXPECT_EQ(r.code, 0) << r.err;
  return json::parse(r.out);
}

TEST(EvalCli, JsonHasTheIssueFieldsAndThePinnedNumbers) {
  json j = eval_json("llama --config " + llama2_config() + " --batch-size 1 --seq-len 1 --cache-len 4095 --hardware h100-sxm");
  for (const char* key : {"model", "point", "totals", "by_kernel", "tree", "roofline", "arithmetic_intensity"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["model"], "llama");
  EXPECT_EQ(j["point"], json({{"batch_size", 1}, {"seq_len", 1}, {"cache_len", 4095}, {"bytes", 2}}));
  for (const char* key : {"flops", "memory_read", "memory_write"}) {
    EXPECT_TRUE(j["totals"][key].is_number_integer()) << key;
    EXPECT_TRUE(j["by_kernel"]["F.linear"][key].is_number_integer()) << key;
  }
  long long matmul = j["by_kernel"]["F.linear"]["flops"].get<long long>() +
                     j["by_kernel"]["F.scaled_dot_product_attention"]["flops"].get<long long>();
  EXPECT_EQ(matmul, 2 * kLinearWeights + 4 * kLayers * kHeads * kHeadDim * (1 + 4095));
  EXPECT_GE(j["totals"]["memory_read"].get<long long>(), 2 * kLinearWeights);
  long long sum = 0;
  for (const auto& k : j["by_kernel"].items()) sum += k.value()["flops"].get<long long>();
  EXPECT_EQ(sum, j["totals"]["flops"].get<long long>());
  EXPECT_EQ(j["tree"]["kernel_name"], "transformers.models.llama.modeling_llama.LlamaForCausalLM");
  EXPECT_EQ(j["tree"]["children"]["model"]["children"]["layers"]["count"], 32);
  EXPECT_EQ(j["tree"]["flops"], j["totals"]["flops"]);
  EXPECT_EQ(j["roofline"]["hardware"], "h100-sxm");
  EXPECT_EQ(j["roofline"]["bound"], "memory");
  double bytes = j["totals"]["memory_read"].get<double>() + j["totals"]["memory_write"].get<double>();
  EXPECT_DOUBLE_EQ(j["roofline"]["seconds"].get<double>(), bytes / 3.35e12);
}

TEST(EvalCli, TableShowsTotalsRooflineLeavesAndTree) {
  Result r = run("eval llama --config " + llama2_config() + " --cache-len 4095 --hardware h100-sxm");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* text : {"FLOPs", "bytes read", "bytes written", "arithmetic intensity", "roofline time",
                           "memory-bound on NVIDIA H100", "leaf kernel", "F.linear", "layers: LlamaDecoderLayer",
                           "lm_head: F.linear"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  EXPECT_EQ(r.out.find("self_attn"), std::string::npos) << "depth 2 by default";
  Result deep = run("eval llama --config " + llama2_config() + " --depth 3");
  EXPECT_NE(deep.out.find("self_attn: LlamaAttention"), std::string::npos) << deep.out;
  Result csv = run("eval llama --format csv --depth 1");
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "path,kernel,count,calls,flops,memory_read,memory_write");
  EXPECT_EQ(lines(csv.out), 4u) << csv.out;  // header, root, model, lm_head
}

// Evaluates a resolved JSON expression at the Llama-2-7B numbers, independently of kcost's evaluator
// (the weights and the KV cache at the activations' width, as eval leaves them unset).
GiNaC::numeric at_llama2(const std::string& text, long b, long s, long c) {
  std::map<std::string, GiNaC::numeric> v = {
      {"batch_size", b}, {"seq_len", s}, {"cache_len", c}, {"bytes", 2}, {"weight_bytes", 2}, {"kv_bytes", 2},
      {"config.hidden_size", kHidden}, {"config.intermediate_size", kInter}, {"config.num_hidden_layers", kLayers},
      {"config.num_attention_heads", kHeads}, {"config.num_key_value_heads", kHeads}, {"config.head_dim", kHeadDim},
      {"config.vocab_size", kVocab}, {"config.attention_bias", 0}, {"config.mlp_bias", 0}};
  return kcost::Expr::parse(text).eval(v);
}

TEST(ResolveCli, ResolveThenEvaluateEqualsEval) {
  std::string tree = scratch() + "/llama-resolved.json";
  Result r = run("resolve llama --config " + llama2_config() + " -o " + tree);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(tree);
  json resolved = json::parse(in);
  for (const char* key : {"kernel_name", "flops", "memory_read", "memory_write", "children"})
    EXPECT_TRUE(resolved.contains(key)) << key;
  for (const char* key : {"kernel", "count", "flops", "memory_read", "memory_write", "children"})
    EXPECT_TRUE(resolved["children"]["model"].contains(key)) << key;
  json direct = eval_json("llama --config " + llama2_config() + " --batch-size 3 --seq-len 5 --cache-len 7");
  json again = eval_json("--resolved " + tree + " --config " + llama2_config() + " --batch-size 3 --seq-len 5 --cache-len 7");
  EXPECT_EQ(again["totals"], direct["totals"]);
  EXPECT_EQ(again["by_kernel"], direct["by_kernel"]);
  // And by hand: the resolved root expressions at the config's numbers.
  for (const char* key : {"flops", "memory_read", "memory_write"})
    EXPECT_EQ(at_llama2(resolved[key].get<std::string>(), 3, 5, 7),
              GiNaC::numeric(static_cast<long>(direct["totals"][key].get<long long>())))
        << key;
}

TEST(ResolveCli, MissingChildJsonIsNamedUntilAnalyzed) {
  std::string dir = scratch() + "/costs";
  Result a = run("analyze llama --costs-dir " + dir);
  ASSERT_EQ(a.code, 0) << a.err;
  const std::string root = "transformers.models.llama.modeling_llama.LlamaForCausalLM";
  const std::string mlp = "transformers.models.llama.modeling_llama.LlamaMLP";
  ASSERT_EQ(run("resolve " + root + " --costs-dir " + dir).code, 0);
  fs::remove(dir + "/" + mlp + ".json");
  Result r = run("resolve " + root + " --costs-dir " + dir);
  EXPECT_EQ(r.code, 5);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("'" + mlp + "'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--analyze"), std::string::npos) << r.err;
  Result fixed = run("resolve " + root + " --costs-dir " + dir + " --analyze");
  EXPECT_EQ(fixed.code, 0) << fixed.err;
  EXPECT_TRUE(fs::exists(dir + "/" + mlp + ".json"));
}

TEST(EvalCli, MissingConfigFieldIsNamedWithItsKernel) {
  std::string dir = scratch() + "/edited";
  ASSERT_EQ(run("analyze llama --costs-dir " + dir).code, 0);
  std::string file = dir + "/transformers.models.llama.modeling_llama.LlamaForCausalLM.json";
  json j;
  std::ifstream(file) >> j;
  j["children"]["lm_head"]["bindings"]["N"] = "config.padded_vocab_size";
  std::ofstream(file) << j.dump(2);
  Result r = run("eval llama --costs-dir " + dir);
  EXPECT_EQ(r.code, 5);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("no value for 'padded_vocab_size'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lm_head"), std::string::npos) << r.err;
}

TEST(EvalCli, BadInputsAreOneLineWithTheirExitCodes) {
  struct Case {
    std::string args;
    int code;
    std::string names;
  };
  std::string broken = write("broken.json", "{\"hidden_size\": 4096,,}");
  std::string wrong = write("wrong.json", "{\"vocab_size\": \"many\"}");
  for (const Case& c : std::vector<Case>{
           {"eval llama --config " + broken, 5, broken + ": not valid JSON"},
           {"eval llama --config " + wrong, 5, "vocab_size"},
           {"eval llama --config /nonexistent/config.json", 5, "/nonexistent/config.json"},
           {"eval llama --hardware b200", 1, "b200"},
           {"eval llama --batch-size many", 1, "--batch-size"},
           {"eval llama --format yaml", 1, "yaml"},
           {"eval llama --plot x.png", 1, "--plot"},
           {"eval llama --peak-flops 1T", 1, "--bandwidth"},
           {"eval no_such_model_type", 2, "no_such_model_type"},
           {"sweep llama --cache-len 5:1", 1, "--cache-len"},
           {"resolve --costs-dir /nonexistent x.Y", 5, "x.Y"},
       }) {
    Result r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1u) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << c.args;
  }
}

TEST(SweepCli, OneRowPerModelAndPointMatchingEval) {
  std::string csv = scratch() + "/sweep.csv";
  Result r = run("sweep llama gpt2 --batch-size 1,4 --seq-len 1,16 --cache-len 0,100,1000 --hardware h100-sxm,l4 -o " + csv);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("24 rows (2 models x 12 points)"), std::string::npos) << r.err;
  std::ifstream in(csv);
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 25u);
  EXPECT_EQ(rows[0],
            "model,config,batch_size,seq_len,cache_len,bytes,flops,memory_read,memory_write,arithmetic_intensity,"
            "h100-sxm_seconds,h100-sxm_bound,l4_seconds,l4_bound");
  EXPECT_EQ(rows[1].substr(0, 15), "llama,,1,1,0,2,");
  EXPECT_EQ(rows[13].substr(0, 14), "gpt2,,1,1,0,2,");
  // llama at batch 4, seq 16, cache 100: the row (models, then batch, seq, cache) equals eval.
  std::string row = rows[1 + 1 * 6 + 1 * 3 + 1];
  EXPECT_EQ(row.substr(0, 18), "llama,,4,16,100,2,") << row;
  json j = eval_json("llama --batch-size 4 --seq-len 16 --cache-len 100");
  std::string want = "llama,,4,16,100,2," + std::to_string(j["totals"]["flops"].get<long long>()) + "," +
                     std::to_string(j["totals"]["memory_read"].get<long long>()) + "," +
                     std::to_string(j["totals"]["memory_write"].get<long long>()) + ",";
  EXPECT_EQ(row.substr(0, want.size()), want);
  std::string last = row.substr(row.rfind(',') + 1);
  EXPECT_TRUE(last == "memory" || last == "compute") << row;
}

TEST(FormulaCli, PolynomialsEvaluateToEvalsNumbers) {
  Result r = run("formula llama --config " + llama2_config() + " --format json --by-kernel");
  ASSERT_EQ(r.code, 0) << r.err;
  json f = json::parse(r.out);
  json e = eval_json("llama --config " + llama2_config() + " --batch-size 2 --seq-len 11 --cache-len 9");
  std::map<std::string, GiNaC::numeric> point = {{"batch_size", 2}, {"seq_len", 11}, {"cache_len", 9}, {"bytes", 2}};
  for (const char* key : {"flops", "memory_read", "memory_write"}) {
    kcost::Expr p = kcost::Expr::parse(f["totals"][key].get<std::string>());
    for (const std::string& s : p.symbols()) EXPECT_TRUE(point.count(s)) << s;
    EXPECT_EQ(p.eval(point), GiNaC::numeric(static_cast<long>(e["totals"][key].get<long long>()))) << key;
  }
  kcost::Expr linear = kcost::Expr::parse(f["by_kernel"]["F.linear"]["flops"].get<std::string>());
  EXPECT_TRUE(linear.equivalent(kcost::Expr::parse("2 * " + std::to_string(kLinearWeights) + " * batch_size * seq_len")))
      << linear;
  Result text = run("formula llama");
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("flops        = "), std::string::npos) << text.out;
}

TEST(PlotCli, RooflineAndSweepPlotsArePngFiles) {
  std::string roof = scratch() + "/roof.png", sweep = scratch() + "/sweep.png";
  Result a = run("eval llama --batch-size 8 --cache-len 4095 --hardware h100-sxm --plot " + roof);
  EXPECT_EQ(a.code, 0) << a.err;
  Result b = run("sweep llama gpt2 --cache-len 0:8192:1024 --hardware a100 -o " + scratch() + "/s.csv --plot " + sweep);
  EXPECT_EQ(b.code, 0) << b.err;
  for (const std::string& f : {roof, sweep}) {
    std::ifstream in(f, std::ios::binary);
    char magic[8] = {};
    in.read(magic, 8);
    EXPECT_EQ(std::string(magic + 1, 3), "PNG") << f;
  }
  Result bad = run("eval llama --hardware h100 --plot /nonexistent/dir/x.png");
  EXPECT_NE(bad.code, 0);
  EXPECT_EQ(lines(bad.err), 1u) << bad.err;
}

TEST(EvalCli, HelpExplainsAndListsExitCodes) {
  for (const char* command : {"resolve", "eval", "formula", "sweep"}) {
    Result r = run(std::string(command) + " --help");
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_NE(r.out.find("Usage: kcost " + std::string(command)), std::string::npos) << command;
    EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << command;
  }
  Result top = run("--help");
  for (const char* command : {"resolve", "eval", "formula", "sweep"})
    EXPECT_NE(top.out.find(std::string("  ") + command), std::string::npos) << command;
}

}  // namespace
