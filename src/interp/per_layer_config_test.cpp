// The per-layer view of a heterogeneous config on hand-written config values: no Python.
#include "interp/per_layer_config.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

// Gemma-4's shape: 3 layers, the last one full attention with its own head_dim.
ConfigView gemma4_like(nlohmann::json overrides) {
  return ConfigView(nlohmann::json{{"num_hidden_layers", 3},
                                   {"head_dim", 16},
                                   {"num_key_value_heads", 4},
                                   {"layer_types", {"sliding_attention", "sliding_attention", "full_attention"}},
                                   {"per_layer_config", std::move(overrides)}});
}

ValuePtr item(const Value& dict, const std::string& key) {
  for (size_t i = 0; i < dict.keys.size(); ++i)
    if (dict.keys[i] == key) return dict.items[i];
  return nullptr;
}

TEST(PerLayerConfig, ALayerReadsItsOverrideAndTheGlobalValueOfTheRest) {
  ValuePtr view = per_layer_config_view(gemma4_like({{"2", {{"head_dim", 32}}}}), "config");
  ASSERT_TRUE(view && view->is(Value::Kind::Dict));
  ValuePtr full = item(*view, "2");
  ASSERT_TRUE(full && full->is(Value::Kind::Config));
  ASSERT_TRUE(full->config_set("head_dim"));
  EXPECT_EQ(known_int(*full->config_set("head_dim")), 32);
  EXPECT_EQ(full->config_set("num_key_value_heads"), nullptr);  // not overridden: read off the config
  ValuePtr sliding = item(*view, "0");
  ASSERT_TRUE(sliding && sliding->is(Value::Kind::Config));
  EXPECT_EQ(sliding->config_set("head_dim"), nullptr);
  // Layers that differ are different values (their kinds differ).
  EXPECT_NE(structural_key(*full), structural_key(*sliding));
}

TEST(PerLayerConfig, ALayerKindIsItsFirstLayerWhenItsLayersAgree) {
  ValuePtr view = per_layer_config_view(gemma4_like({{"2", {{"head_dim", 32}}}}), "config");
  ASSERT_TRUE(view);
  ValuePtr full = item(*view, "full_attention");
  ASSERT_TRUE(full && full->is(Value::Kind::Config) && full->config_set("head_dim"));
  EXPECT_EQ(known_int(*full->config_set("head_dim")), 32);
  ValuePtr sliding = item(*view, "sliding_attention");
  ASSERT_TRUE(sliding && sliding->is(Value::Kind::Config));
  EXPECT_EQ(sliding->config_set("head_dim"), nullptr);
}

TEST(PerLayerConfig, AKindWhoseLayersDifferIsUnknown) {
  ValuePtr view = per_layer_config_view(gemma4_like({{"1", {{"head_dim", 8}}}, {"2", {{"head_dim", 32}}}}), "config");
  ASSERT_TRUE(view);
  ValuePtr sliding = item(*view, "sliding_attention");
  ASSERT_TRUE(sliding);
  EXPECT_TRUE(sliding->is(Value::Kind::Unknown));
  EXPECT_NE(sliding->why.find("different overrides"), std::string::npos);
}

TEST(PerLayerConfig, AHomogeneousConfigIsItselfAtEveryLayer) {
  ValuePtr view = per_layer_config_view(gemma4_like(nlohmann::json::object()), "config");
  ASSERT_TRUE(view);
  ASSERT_EQ(view->keys.size(), 5u);  // 3 layers, 2 kinds
  for (const auto& v : view->items) {
    ASSERT_TRUE(v->is(Value::Kind::Config));
    EXPECT_TRUE(v->keys.empty());
  }
}

TEST(PerLayerConfig, NoViewWithoutOverridesOrALayerCount) {
  EXPECT_EQ(per_layer_config_view(ConfigView(nlohmann::json{{"num_hidden_layers", 3}}), "config"), nullptr);
  EXPECT_EQ(per_layer_config_view(ConfigView(nlohmann::json{{"per_layer_config", nlohmann::json::object()}}), "config"),
            nullptr);
}

TEST(PerLayerConfig, ANestedConfigsView) {
  ConfigView config(nlohmann::json{
      {"text_config", {{"model_type", "t"}, {"num_hidden_layers", 2}, {"per_layer_config", {{"1", {{"intermediate_size", 64}}}}}}}});
  ValuePtr view = per_layer_config_view(config, "config.text_config");
  ASSERT_TRUE(view);
  ValuePtr layer = item(*view, "1");
  ASSERT_TRUE(layer && layer->is(Value::Kind::Config) && layer->config_set("intermediate_size"));
  EXPECT_EQ(layer->config_path, "config.text_config");
  EXPECT_EQ(known_int(*layer->config_set("intermediate_size")), 64);
}

}  // namespace
}  // namespace kcost
