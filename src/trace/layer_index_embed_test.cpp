// A kernel standing for several layers has its layer index as a symbol; what __init__ reads
// through it (config.layer_types[layer_idx]) is decided when it is the same at every layer the
// kernel stands for, and two kinds built from the same symbolic arguments stay apart.
#include <gtest/gtest.h>

#include "python/session.h"
#include "trace/shape_tracer.h"

namespace kcost {
namespace {

const char* kModel = "transformers.models.exaone_moe.modeling_exaone_moe.ExaoneMoeForCausalLM";
const char* kAttention = "transformers.models.exaone_moe.modeling_exaone_moe.ExaoneMoeAttention";

struct Fixture {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
  // Three layers, sliding, full, sliding (sliding_window_pattern 2).
  ConfigView config{[this] {
    nlohmann::json v = locator.config_of(kModel).values;
    v["num_hidden_layers"] = 3;
    v["layer_types"] = {"sliding_attention", "full_attention", "sliding_attention"};
    return v;
  }()};
  std::map<std::string, std::map<std::string, std::vector<long long>>> param_values = {
      {"Attention@sliding", {{"layer_idx", {0, 2}}}}, {"Attention@full", {{"layer_idx", {1, 1}}}}};
  TraceContext ctx{locator, config, leaves, names};
  Fixture() { ctx.param_values = &param_values; }
};

Fixture& fx() {
  static Fixture f;
  return f;
}

std::optional<bool> is_sliding(const std::string& kernel) {
  fx().ctx.kernel = kernel;
  ShapeTracer tracer(fx().ctx, nullptr);
  std::vector<Arg> args = {{"config", Value::config("config"), "config"},
                           {"layer_idx", Value::number(Expr::symbol("layer_idx")), "layer_idx"}};
  const Attribute* a = tracer.facts_of(kAttention, &args)->find("is_sliding");
  return a ? a->value->truth() : std::nullopt;
}

TEST(LayerIndex, WhatEveryLayerOfAKindReadsThroughItsIndexIsDecided) {
  EXPECT_EQ(is_sliding("Attention@sliding"), std::optional<bool>(true));
  EXPECT_EQ(is_sliding("Attention@full"), std::optional<bool>(false));  // the same arguments, built apart
  EXPECT_EQ(is_sliding("Attention@sliding"), std::optional<bool>(true));
}

TEST(LayerIndex, LayersThatDifferLeaveItUndecided) {
  fx().param_values["Attention@mixed"] = {{"layer_idx", {0, 1}}};
  EXPECT_EQ(is_sliding("Attention@mixed"), std::nullopt);
}

}  // namespace
}  // namespace kcost
