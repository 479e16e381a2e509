// A leaf library written by others, in the seed pipeline's format (LM-Predictor's kernels/):
// its own parameter names (sdpa over B, H, S_q, S_kv, D with one head count; embedding over
// num_lookups, embed_dim; elementwise ops and reductions over num_elements alone), formulas of
// its own, and a name map keyed by public aliases (torch.nn.Linear, not
// torch.nn.modules.linear.Linear). kcost analyzes llama with it completely, and the numbers
// follow its formulas.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analyze/analyzer.h"
#include "python/session.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct Leaf {
  const char* name;
  std::vector<std::string> params;
  const char* flops;
  const char* read;
  const char* write;
};

// Writes the library into `dir` (kernels/ and kernel_name_map.json).
void write_seed_library(const fs::path& dir) {
  fs::create_directories(dir / "kernels");
  std::vector<Leaf> leaves = {
      {"F.linear", {"M", "K", "N", "has_bias"}, "2 * M * K * N + (M * N if has_bias else 0)",
       "(M * K + K * N + (N if has_bias else 0)) * bytes", "M * N * bytes"},
      {"torch.matmul", {"M", "K", "N"}, "2 * M * K * N", "(M * K + K * N) * bytes", "M * N * bytes"},
      {"F.scaled_dot_product_attention", {"B", "H", "S_q", "S_kv", "D"}, "4 * B * H * S_q * S_kv * D",
       "B * H * (S_q + 2 * S_kv) * D * bytes", "B * H * S_q * D * bytes"},
      {"F.embedding", {"num_lookups", "embed_dim"}, "0", "num_lookups * embed_dim * bytes", "num_lookups * embed_dim * bytes"},
  };
  for (const char* op : {"torch.mul", "torch.add", "torch.div", "F.silu", "torch.rsqrt", "torch.neg", "torch.cos",
                         "torch.sin", "torch.pow", "torch.mean", "torch.arange"})
    leaves.push_back({op, {"num_elements"}, "num_elements", "num_elements * bytes", "num_elements * bytes"});
  for (const Leaf& l : leaves) {
    std::ofstream out(dir / "kernels" / (std::string(l.name) + ".json"));
    out << json{{"kernel_name", l.name}, {"init_params", json::array()}, {"forward_params", l.params},
                {"flops", l.flops}, {"memory_read", l.read}, {"memory_write", l.write}}.dump(1);
  }
  json map = {{"torch.nn.Linear", "F.linear"},
              {"torch.nn.Embedding", "F.embedding"},
              {"torch.nn.SiLU", "F.silu"},
              {"torch.nn.functional.silu", "F.silu"},
              {"torch.nn.functional.scaled_dot_product_attention", "F.scaled_dot_product_attention"},
              {"torch.Tensor.__mul__", "torch.mul"},
              {"torch.Tensor.__rmul__", "torch.mul"},
              {"torch.Tensor.__add__", "torch.add"},
              {"torch.Tensor.__radd__", "torch.add"},
              {"torch.Tensor.__truediv__", "torch.div"},
              {"torch.Tensor.__rtruediv__", "torch.div"},
              {"torch.Tensor.__pow__", "torch.pow"},
              {"torch.Tensor.__rpow__", "torch.pow"},
              {"torch.Tensor.__neg__", "torch.neg"},
              {"torch.Tensor.__matmul__", "torch.matmul"},
              {"torch.rsqrt", "torch.rsqrt"},
              {"torch.Tensor.pow", "torch.pow"},
              {"torch.Tensor.mean", "torch.mean"},
              {"torch.Tensor.cos", "torch.cos"},
              {"torch.Tensor.sin", "torch.sin"},
              {"torch.arange", "torch.arange"}};
  std::ofstream(dir / "kernel_name_map.json") << map.dump(1);
}

// Analyzes llama with the library in `dir` (kernels/, kernel_name_map.json) into dir/costs.
AnalyzeResult analyze_llama(const fs::path& dir) {
  LeafCatalog leaves = LeafCatalog::load((dir / "kernels").string());
  NameMap names = NameMap::load((dir / "kernel_name_map.json").string());
  SourceLocator locator{PythonSession::start()};
  AnalyzeOptions options;
  options.costs_dir = (dir / "costs").string();
  return analyze(locator, leaves, names, locator.qualified_name("llama"), options);
}

// The cost file of LlamaAttention the analysis wrote into dir/costs, and its sdpa child.
json llama_attention(const fs::path& dir) {
  std::ifstream in(dir / "costs" / "transformers.models.llama.modeling_llama.LlamaAttention.json");
  return json::parse(in);
}

json sdpa_child(const json& attention) {
  for (auto& [label, c] : attention["children"].items())
    if (c["kernel"] == "F.scaled_dot_product_attention") return c;
  return nullptr;
}

TEST(ForeignLeafLibrary, LlamaAnalyzesCompletelyAndFollowsTheLibrarysFormulas) {
  fs::path dir = fs::temp_directory_path() / ("kcost_seed_library_" + std::to_string(getpid()));
  fs::remove_all(dir);
  write_seed_library(dir);
  AnalyzeResult result = analyze_llama(dir);
  EXPECT_TRUE(result.unknowns.empty()) << result.unknowns.front();

  // The attention leaf binds its one head count to the query heads, so that K and V are read
  // for every query head, as its formula says (it knows nothing of GQA).
  json attention = llama_attention(dir);
  json sdpa = sdpa_child(attention);
  ASSERT_FALSE(sdpa.is_null());
  EXPECT_EQ(sdpa["bindings"]["H"], "config.num_attention_heads");
  EXPECT_EQ(sdpa["bindings"]["S_kv"], "cache_len + seq_len");
  // The public alias reached the module: q_proj is the library's F.linear leaf, not inlined.
  EXPECT_EQ(attention["children"]["q_proj"]["kernel"], "F.linear");
  fs::remove_all(dir);
}

// A leaf whose parameters no binding rule knows by name declares them ("binds", with the
// positional order in "arguments"); what the op outputs comes from kcost's own leaf.
TEST(ForeignLeafLibrary, ALeafDeclaresWhichArgumentEachParameterIs) {
  fs::path dir = fs::temp_directory_path() / ("kcost_seed_library_binds_" + std::to_string(getpid()));
  fs::remove_all(dir);
  write_seed_library(dir);
  std::ofstream(dir / "kernels" / "F.scaled_dot_product_attention.json") << json{
      {"kernel_name", "F.scaled_dot_product_attention"},
      {"init_params", json::array()},
      {"forward_params", {"batch", "heads", "q_len", "kv_len", "dim", "masked"}},
      {"arguments", {"query", "key", "value", "attn_mask"}},
      {"binds", {{"batch", "query.shape[0]"}, {"heads", "args[0].shape[1]"}, {"q_len", "query.shape[-2]"},
                 {"kv_len", "key.shape[-2]"}, {"dim", "query.shape[-1]"}, {"masked", "present(attn_mask)"}}},
      {"flops", "4 * batch * heads * q_len * kv_len * dim"},
      {"memory_read", "batch * heads * (q_len + 2 * kv_len) * dim * bytes"},
      {"memory_write", "batch * heads * q_len * dim * bytes"}}.dump(1);
  AnalyzeResult result = analyze_llama(dir);
  EXPECT_TRUE(result.unknowns.empty()) << result.unknowns.front();
  json attention = llama_attention(dir);
  json sdpa = sdpa_child(attention);
  ASSERT_FALSE(sdpa.is_null()) << attention.dump(1);
  EXPECT_EQ(sdpa["bindings"]["batch"], "batch_size");
  EXPECT_EQ(sdpa["bindings"]["heads"], "config.num_attention_heads");
  EXPECT_EQ(sdpa["bindings"]["q_len"], "seq_len");
  EXPECT_EQ(sdpa["bindings"]["kv_len"], "cache_len + seq_len");
  EXPECT_EQ(sdpa["bindings"]["masked"], "1");
  // The output flowed on: o_proj is priced on [batch, seq, heads * head_dim].
  EXPECT_EQ(attention["children"]["o_proj"]["kernel"], "F.linear");
  EXPECT_EQ(attention["children"]["o_proj"]["bindings"]["M"], "batch_size * seq_len");
  fs::remove_all(dir);
}

// A library as the seed pipeline ships it: fewer leaves (no rsqrt, mean, pow, cos, sin, neg,
// arange) and a name map without Python operators. Its torch.mul and torch.add price `a * b` and
// `a + b` (operators reach the torch function of their name); each op it has no leaf for is one
// unknown child, and the shapes flow past it (kcost's own leaf says what the op outputs), so
// nothing after it is lost.
TEST(ForeignLeafLibrary, AMissingLeafIsOneUnknownChildAndTheShapesFlowOn) {
  fs::path dir = fs::temp_directory_path() / ("kcost_seed_library_small_" + std::to_string(getpid()));
  fs::remove_all(dir);
  write_seed_library(dir);
  for (const char* op : {"torch.rsqrt", "torch.mean", "torch.pow", "torch.cos", "torch.sin", "torch.neg", "torch.arange"})
    fs::remove(dir / "kernels" / (std::string(op) + ".json"));
  json map = {{"torch.nn.Linear", "F.linear"}, {"torch.nn.Embedding", "F.embedding"}, {"torch.nn.SiLU", "F.silu"},
              {"torch.nn.functional.silu", "F.silu"},
              {"torch.nn.functional.scaled_dot_product_attention", "F.scaled_dot_product_attention"}};
  std::ofstream(dir / "kernel_name_map.json") << map.dump(1);
  AnalyzeResult result = analyze_llama(dir);
  std::vector<std::string> missing;
  for (const std::string& u : result.unknowns) {
    size_t at = u.find("no leaf kernel for ");
    EXPECT_NE(at, std::string::npos) << "an unknown child that is not a missing leaf: " << u;
    if (at != std::string::npos) missing.push_back(u.substr(at + 19));
  }
  std::sort(missing.begin(), missing.end());
  EXPECT_EQ(missing, (std::vector<std::string>{"torch.Tensor.__neg__", "torch.Tensor.__neg__", "torch.Tensor.cos",
                                               "torch.Tensor.mean", "torch.Tensor.pow", "torch.Tensor.sin", "torch.arange",
                                               "torch.rsqrt"}));
  // After the norm's missing rsqrt, its multiplications are priced on the right shape.
  std::ifstream in(dir / "costs" / "transformers.models.llama.modeling_llama.LlamaRMSNorm.json");
  json norm = json::parse(in);
  bool priced = false;
  for (auto& [label, c] : norm["children"].items())
    if (c["kernel"] == "torch.mul" && c["bindings"]["num_elements"] == "batch_size * seq_len * config.hidden_size")
      priced = true;
  EXPECT_TRUE(priced) << norm.dump(1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kcost
