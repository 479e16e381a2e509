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

// The HybridCache 4.50's generate sets up for gemma2 (cache_layers.py): one class keeping every
// layer in lists, a buffer of max_cache_len = cache_len + seq_len slots per full layer and of
// min(window, max_cache_len) per sliding one; its run-time sizes are the point's; the cache value
// is of that class, and isinstance asks its MRO.
TEST(KvCache, ACacheGenerateSetsUpKeepsEveryLayerInBuffersOfItsLength) {
  const char* kHybrid = "transformers.cache_utils.HybridCache";
  nlohmann::json attributes = {{"max_cache_len", {{"value", 1048583}, {"field", nullptr}, {"run", "max_cache_len"}}},
                               {"max_batch_size", {{"value", 3}, {"field", nullptr}, {"run", "max_batch_size"}}},
                               {"head_dim", {{"value", 16}, {"field", "config.head_dim"}}}};
  auto layer = [&](int i, bool sliding) {
    return nlohmann::json{{"class", kHybrid}, {"index", i}, {"sliding", sliding},
                          {"window", sliding ? nlohmann::json("config.sliding_window") : nlohmann::json(nullptr)},
                          {"attention", true}, {"attributes", attributes}};
  };
  KvCache cache = KvCache::from_json({{"layers", {layer(0, true), layer(1, false), layer(2, true)}},
                                      {"replicate", nullptr},
                                      {"generate", {{"class", kHybrid}, {"mro", {kHybrid, "transformers.cache_utils.Cache"}}}}});
  EXPECT_EQ(cache.cache_class(), kHybrid);
  std::optional<CacheLayer> l = cache.layer(2);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->index, 2);
  ASSERT_TRUE(l->window);
  EXPECT_EQ(*l->window, Expr::symbol("config.sliding_window"));
  EXPECT_EQ(l->attributes.at("max_cache_len")->expr, Expr::parse("cache_len + seq_len"));
  EXPECT_EQ(l->attributes.at("max_batch_size")->expr, Expr::symbol("batch_size"));
  EXPECT_EQ(l->attributes.at("head_dim")->expr, Expr::symbol("config.head_dim"));
  // Layers of one kind share their key (one cost file), whatever their index; the kinds differ.
  EXPECT_EQ(cache.layer(0)->key(), cache.layer(2)->key());
  EXPECT_NE(cache.layer(0)->key(), cache.layer(1)->key());
  EXPECT_FALSE(cache.layer(1)->window);
  ValuePtr v = cache.value();
  EXPECT_TRUE(v->is(Value::Kind::Cache));
  EXPECT_EQ(v->class_name, kHybrid);
  EXPECT_EQ(v->keys, (std::vector<std::string>{kHybrid, "transformers.cache_utils.Cache"}));
  // Without a class of generate's own: a DynamicCache, as before.
  EXPECT_TRUE(KvCache::from_json({{"layers", {full_layer()}}}).value()->keys.empty());
  EXPECT_EQ(max_cache_len(), Expr::parse("cache_len + seq_len"));
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

// The tokens a cache holds when the call starts: cache_len where the prefill's first update took
// its new tokens (nullopt: nothing to change); CPM-Ant's prefill caches its prompt_length prompt
// tokens too (the update at the analysed call's sizes took prompt_length + seq_len when the held
// tokens were taken as cache_len), so the cache holds prompt_length + cache_len once a token is
// cached, and nothing at cache_len = 0.
TEST(KvCache, TheTokensHeldAreWhatThePrefillGaveTheUpdate) {
  const Expr c = Expr::symbol("cache_len"), s = Expr::symbol("seq_len"), p = Expr::symbol("config.prompt_length");
  EXPECT_FALSE(prefill_held_tokens(s));
  std::optional<Expr> held = prefill_held_tokens(p + s);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->subs({{"cache_len", Expr(9)}, {"config.prompt_length", Expr(32)}}), Expr(41));
  EXPECT_EQ(held->subs({{"cache_len", Expr(0)}, {"config.prompt_length", Expr(32)}}), Expr(0));
  // A length in symbols that are no number of tokens (a kernel's own parameter) changes nothing.
  EXPECT_FALSE(prefill_held_tokens(Expr::symbol("hidden_states_dim1")));
  EXPECT_EQ(KvCache().held_tokens(), c);
}

TEST(KvCache, EveryLayerIsFilledUnlessTheCallSaysWhich) {
  nlohmann::json built = full_layer();
  built["empty"] = {{"keys", nullptr}, {"is_initialized", false}};
  KvCache cache = KvCache::from_json({{"layers", {built, full_layer()}}});
  EXPECT_TRUE(cache.filled(0));
  EXPECT_TRUE(cache.filled(1));
  ASSERT_TRUE(cache.layer(0));
  EXPECT_TRUE(cache.layer(0)->empty.at("keys")->is(Value::Kind::None));
  EXPECT_EQ(cache.layer(0)->empty.at("is_initialized")->truth(), std::optional<bool>(false));
  EXPECT_TRUE(cache.layer(1)->empty.empty());  // an older helper's JSON: nothing said
  EXPECT_EQ(cache.layer(0)->key(), cache.layer(1)->key());  // what it holds empty is no kind
  cache.set_filled(std::set<long long>{1});
  EXPECT_FALSE(cache.filled(0));
  EXPECT_TRUE(cache.filled(1));
  cache.set_filled(std::nullopt);
  EXPECT_TRUE(cache.filled(0));
}

}  // namespace
}  // namespace kcost
