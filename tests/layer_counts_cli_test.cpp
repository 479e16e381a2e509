// Stacks whose layers differ: how many layers of each kind, as the cost files say it. Where the
// config derives the pattern from its fields (a layer_types comprehension in __post_init__, a
// branch on the layer index in the layer's __init__), the count is an expression in those fields
// that holds for any depth and period; where the config gives the list, the count is the given
// config's number and the reasoning says so. Expected values are computed here by hand.
#include <filesystem>
#include <functional>
#include <utility>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using nlohmann::json;
using kcost_test::Result;

const char* const kSuite = "layer_counts_cli";

// Analyzes `model` (with `config_file` when given) into a fresh directory; its path.
std::string analyze(const std::string& model, const std::string& dir_name, const std::string& config_file = "") {
  std::string dir = kcost_test::scratch(kSuite) + "/" + dir_name;
  std::filesystem::remove_all(dir);
  Result r = kcost_test::run(kSuite, "analyze " + model + " --costs-dir " + dir + (config_file.empty() ? "" : " --config " + config_file));
  EXPECT_EQ(r.code, 0) << r.err;
  return dir;
}

json cost_file(const std::string& dir, const std::string& kernel) {
  std::ifstream in(dir + "/" + kernel + ".json");
  EXPECT_TRUE(in) << dir << "/" << kernel << ".json";
  return json::parse(in);
}

std::string reasoning(const std::string& dir, const std::string& kernel) {
  std::ifstream in(dir + "/" + kernel + ".md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The count of the child of `model_json` whose kernel is `kernel`, as written.
json count_of(const json& model_json, const std::string& kernel) {
  for (const auto& [name, child] : model_json["children"].items())
    if (child["kernel"] == kernel) return child["count"];
  ADD_FAILURE() << "no child of kernel " << kernel;
  return nullptr;
}

const std::string kGemma3 = "transformers.models.gemma3.modeling_gemma3.";

TEST(LayerCountsCli, Gemma3PatternFromTheConfigsFieldsIsAnExpression) {
  std::string dir = analyze("gemma3_text", "gemma3");
  json model = cost_file(dir, kGemma3 + "Gemma3TextModel");
  // __post_init__: sliding unless (i + 1) % _sliding_window_pattern == 0, for i in range(num_hidden_layers).
  EXPECT_EQ(count_of(model, kGemma3 + "Gemma3DecoderLayer@sliding_attention"),
            "config.num_hidden_layers - config.num_hidden_layers // config._sliding_window_pattern");
  EXPECT_EQ(count_of(model, kGemma3 + "Gemma3DecoderLayer@full_attention"),
            "config.num_hidden_layers // config._sliding_window_pattern");
  EXPECT_NE(reasoning(dir, kGemma3 + "Gemma3TextModel").find("Gemma3TextConfig.__post_init__"), std::string::npos);
}

TEST(LayerCountsCli, AGivenListIsCountedInTheGivenConfig) {
  // 7 layers, the list given: two full layers where the derived pattern would have one.
  std::string config = kcost_test::write(kSuite, "gemma3-given.json", R"({"model_type": "gemma3_text",
    "num_hidden_layers": 7, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
    "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 128, "sliding_window": 4,
    "layer_types": ["full_attention", "sliding_attention", "sliding_attention", "full_attention",
                    "sliding_attention", "sliding_attention", "sliding_attention"]})");
  std::string dir = analyze("gemma3_text", "gemma3-given", config);
  json model = cost_file(dir, kGemma3 + "Gemma3TextModel");
  EXPECT_EQ(count_of(model, kGemma3 + "Gemma3DecoderLayer@sliding_attention"), 5);
  EXPECT_EQ(count_of(model, kGemma3 + "Gemma3DecoderLayer@full_attention"), 2);
  EXPECT_NE(reasoning(dir, kGemma3 + "Gemma3TextModel").find("a count computed from the analysed config"), std::string::npos);
}

TEST(LayerCountsCli, APeriodTheUsersConfigGivesAsAKeywordIsItsNumber) {
  // cohere2 pops sliding_window_pattern from the keyword arguments (default 4) into a local: a
  // config that gives 3 has every third layer full.
  std::string config = kcost_test::write(kSuite, "cohere2-3.json", R"({"model_type": "cohere2",
    "num_hidden_layers": 10, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 128, "sliding_window": 4, "sliding_window_pattern": 3})");
  std::string dir = analyze("cohere2", "cohere2-3", config);
  const std::string c = "transformers.models.cohere2.modeling_cohere2.";
  json model = cost_file(dir, c + "Cohere2Model");
  json counts = json::array();
  for (const auto& [name, child] : model["children"].items())
    if (child["kernel"].get<std::string>().find("Cohere2DecoderLayer") != std::string::npos) counts.push_back(child["count"]);
  // 10 - 10 // 3 = 7 sliding, 3 full.
  EXPECT_EQ(counts, json::array({"config.num_hidden_layers - config.num_hidden_layers // 3", "config.num_hidden_layers // 3"}));
}

TEST(LayerCountsCli, DenseLayersBeforeExpertLayersFromTheLayersOwnBranch) {
  // DeepseekV3DecoderLayer: `if layer_idx >= config.first_k_dense_replace` builds the experts.
  std::string dir = analyze("deepseek_v3", "deepseek_v3");
  const std::string d = "transformers.models.deepseek_v3.modeling_deepseek_v3.";
  json model = cost_file(dir, d + "DeepseekV3Model");
  EXPECT_EQ(count_of(model, d + "DeepseekV3DecoderLayer@kind1"), "max(min(config.num_hidden_layers, config.first_k_dense_replace), 0)");
  EXPECT_EQ(count_of(model, d + "DeepseekV3DecoderLayer@kind2"),
            "max(config.num_hidden_layers, max(0, config.first_k_dense_replace)) - max(0, config.first_k_dense_replace)");
}

TEST(LayerCountsCli, Llama4ChunkedLayersThroughTwoDerivedLists) {
  // no_rope_layers = [int((i + 1) % no_rope_layer_interval != 0) ...], then layer_types from it.
  std::string dir = analyze("llama4_text", "llama4_text");
  const std::string l = "transformers.models.llama4.modeling_llama4.";
  json model = cost_file(dir, l + "Llama4TextModel");
  EXPECT_EQ(count_of(model, l + "Llama4TextDecoderLayer@kind1"),
            "config.num_hidden_layers - config.num_hidden_layers // config.no_rope_layer_interval");
  EXPECT_EQ(count_of(model, l + "Llama4TextDecoderLayer@kind2"), "config.num_hidden_layers // config.no_rope_layer_interval");
}

TEST(LayerCountsCli, TheDerivedCountsEvaluateToTheLayersOfTheConfig) {
  // 62 layers with the pattern as a keyword (the derived list: 52 sliding, 10 full) against the
  // same list given explicitly: the same FLOPs and bytes at a point past the window.
  const std::string shape = R"("model_type": "gemma3_text", "num_hidden_layers": 62, "hidden_size": 64,
    "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "vocab_size": 128, "sliding_window": 4)";
  std::string list;
  for (int i = 0; i < 62; ++i) list += std::string(i ? ", " : "") + ((i + 1) % 6 ? "\"sliding_attention\"" : "\"full_attention\"");
  std::string derived = kcost_test::write(kSuite, "gemma3-62.json", "{" + shape + R"(, "sliding_window_pattern": 6})");
  std::string given = kcost_test::write(kSuite, "gemma3-62-given.json", "{" + shape + ", \"layer_types\": [" + list + "]}");
  json a, b;
  for (auto [config, out] : {std::pair{derived, &a}, std::pair{given, &b}}) {
    Result r = kcost_test::run(kSuite, "eval gemma3_text --config " + config + " --seq-len 1 --cache-len 100 --format json");
    ASSERT_EQ(r.code, 0) << r.err;
    *out = json::parse(r.out);
  }
  for (const char* what : {"flops", "memory_read", "memory_write"}) {
    EXPECT_EQ(a["totals"][what], b["totals"][what]) << what;
    EXPECT_TRUE(a["totals"][what].is_number()) << a.dump().substr(0, 500);
  }
}


// Every kernel a written cost file names is a leaf of the library or a cost file written beside
// it (the closure of the work list).
void expect_closed(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    json file = json::parse(in);
    if (!file.contains("children")) continue;
    for (const auto& [label, child] : file["children"].items()) {
      std::string kernel = child["kernel"];
      if (kernel == "unknown" || kernel.rfind("transformers.", 0) != 0) continue;  // leaves: torch.*, F.*
      EXPECT_TRUE(std::filesystem::exists(dir + "/" + kernel + ".json"))
          << entry.path().filename() << ": child " << label << " names " << kernel << ", which is not written";
    }
  }
}

const std::string kOlmoHybrid = "transformers.models.olmo_hybrid.modeling_olmo_hybrid.";

TEST(LayerCountsCli, AStackBuiltLayerByLayerTakesTheIndexAsAParameter) {
  // `[Linear(config, i) if config.layer_types[i] == "linear_attention" else Attention(config, i)
  // for i in range(n)]`: the comprehension's element differs by layer, so each layer is built with
  // its index as a literal; the index is still a parameter of the layer (not a kind), so the two
  // linear-attention layers are one kernel of count 2, and the gated delta net the layers build
  // from their index is one kernel whose cost file is written.
  std::string config = kcost_test::write(kSuite, "olmo-hybrid-3.json", R"({"model_type": "olmo_hybrid",
    "num_hidden_layers": 3, "hidden_size": 128, "intermediate_size": 367, "num_attention_heads": 8,
    "num_key_value_heads": 4, "linear_key_head_dim": 12, "linear_value_head_dim": 24, "vocab_size": 997,
    "layer_types": ["linear_attention", "linear_attention", "full_attention"]})");
  std::string dir = analyze("olmo_hybrid", "olmo-hybrid", config);
  json model = cost_file(dir, kOlmoHybrid + "OlmoHybridModel");
  EXPECT_EQ(count_of(model, kOlmoHybrid + "OlmoHybridLinearAttentionDecoderLayer"), 2);
  EXPECT_EQ(count_of(model, kOlmoHybrid + "OlmoHybridAttentionDecoderLayer"), 1);
  json layer = cost_file(dir, kOlmoHybrid + "OlmoHybridLinearAttentionDecoderLayer");
  EXPECT_EQ(layer["children"]["linear_attn"]["kernel"], kOlmoHybrid + "OlmoHybridGatedDeltaNet");
  expect_closed(dir);
}

}  // namespace
