// KvCache from cache_layers.py's JSON: layers, the class a cache without per-layer structure
// appends, numbers as the config fields they come from, which layer is uniform or first.
#include "trace/kv_cache.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

const char* kSliding = "transformers.cache_utils.DynamicSlidingWindowLayer";
const char* kFull = "transformers.cache_utils.DynamicLayer";

nlohmann::json sliding_layer() {
  return {{"class", kSliding},
          {"sliding", true},
          {"attributes",
           {{"sliding_window", {{"value", 4}, {"field", "config.sliding_window"}}},
            {"record_past", {{"value", false}, {"field", nullptr}}},
            {"cumulative_length", {{"value", 0}, {"field", nullptr}}}}}};
}

nlohmann::json full_layer() { return {{"class", kFull}, {"sliding", false}, {"attributes", nlohmann::json::object()}}; }

TEST(KvCache, NumbersAreTheirConfigFieldsCarryingTheValue) {
  KvCache cache = KvCache::from_json({{"layers", {sliding_layer()}}, {"replicate", nullptr}});
  ASSERT_EQ(cache.size(), 1u);
  std::optional<CacheLayer> l = cache.layer(0);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->class_name, kSliding);
  EXPECT_TRUE(l->sliding);
  const ValuePtr& w = l->attributes.at("sliding_window");
  EXPECT_EQ(w->expr, Expr::symbol("config.sliding_window"));
  EXPECT_EQ(known_int(*w), 4);
  EXPECT_EQ(l->attributes.at("record_past")->truth(), false);
  EXPECT_EQ(known_int(*l->attributes.at("cumulative_length")), 0);  // no field: the number itself
  EXPECT_FALSE(cache.layer(1));
}

TEST(KvCache, UniformAndFirstOfAKind) {
  KvCache mixed = KvCache::from_json({{"layers", {sliding_layer(), full_layer(), sliding_layer()}}});
  EXPECT_FALSE(mixed.uniform());
  ASSERT_TRUE(mixed.first(true));
  EXPECT_EQ(mixed.first(true)->class_name, kSliding);
  ASSERT_TRUE(mixed.first(false));
  EXPECT_EQ(mixed.first(false)->class_name, kFull);
  EXPECT_EQ(mixed.layer(0)->key(), mixed.layer(2)->key());
  EXPECT_NE(mixed.layer(0)->key(), mixed.layer(1)->key());

  KvCache same = KvCache::from_json({{"layers", {full_layer(), full_layer()}}});
  ASSERT_TRUE(same.uniform());
  EXPECT_EQ(same.uniform()->class_name, kFull);
  EXPECT_FALSE(same.first(true));
}

// A hybrid stack (Qwen3-Next: linear-attention layers, every 4th full): masks are sized from the
// first layer that keeps keys and values, passing over the linear layers before it, whose
// cache keeps only conv and recurrent states; the two are different kinds of layer.
TEST(KvCache, MasksAreSizedFromTheFirstAttentionLayerNotALinearOne) {
  const char* kLinear = "transformers.cache_utils.LinearAttentionLayer";
  nlohmann::json linear = {{"class", kLinear}, {"sliding", false}, {"attention", false},
                           {"attributes", nlohmann::json::object()}};
  KvCache hybrid = KvCache::from_json({{"layers", {linear, full_layer(), linear}}});
  ASSERT_TRUE(hybrid.first(false));
  EXPECT_EQ(hybrid.first(false)->class_name, kFull);
  EXPECT_TRUE(hybrid.first(false)->attention);
  EXPECT_FALSE(hybrid.layer(0)->attention);
  EXPECT_NE(hybrid.layer(0)->key(), hybrid.layer(1)->key());
  EXPECT_EQ(hybrid.layer(0)->key(), hybrid.layer(2)->key());
  KvCache states_only = KvCache::from_json({{"layers", {linear, linear}}});
  EXPECT_FALSE(states_only.first(false));
  EXPECT_TRUE(KvCache::from_json({{"layers", {full_layer()}}}).layer(0)->attention);  // older JSON: attention
}

TEST(KvCache, ACacheWithoutLayersAppendsItsClassForEveryLayer) {
  KvCache lazy = KvCache::from_json({{"layers", nlohmann::json::array()}, {"replicate", kFull}});
  EXPECT_FALSE(lazy.empty());
  ASSERT_TRUE(lazy.layer(7));
  EXPECT_EQ(lazy.layer(7)->class_name, kFull);
  ASSERT_TRUE(lazy.uniform());
  EXPECT_TRUE(KvCache::from_json(nlohmann::json::object()).empty());
  EXPECT_TRUE(KvCache::from_json(nullptr).empty());
}

}  // namespace
}  // namespace kcost
