// What the installed transformers' cache layers return from update(), read from their source:
// a full layer every cached token, a sliding-window layer the last window - 1 of them (with the
// window a config field), both with the new tokens on top.
#include "trace/kv_cache.h"

#include <gtest/gtest.h>

#include "python/session.h"
#include "trace/shape_tracer.h"

namespace kcost {
namespace {

struct Fixture {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
  ConfigView config;
  TraceContext ctx{locator, config, leaves, names};
  ShapeTracer ops{ctx, nullptr};
};

Fixture& fx() {
  static Fixture f;
  return f;
}

const Expr cache_len = Expr::symbol("cache_len"), seq_len = Expr::symbol("seq_len");

Expr returned(const CacheLayer& layer) {
  std::string why;
  std::optional<CacheStep> n = cache_step(fx().locator, fx().config, fx().ops, layer, cache_len, seq_len, &why);
  EXPECT_TRUE(n) << why;
  return n ? n->returned : Expr(-1);
}

TEST(KvCacheSource, AFullLayerReturnsEveryCachedTokenAndTheNewOnes) {
  EXPECT_EQ(returned(CacheLayer{"transformers.cache_utils.DynamicLayer", false, true, {}}), cache_len + seq_len);
}

TEST(KvCacheSource, ASlidingLayerKeepsTheLastWindowMinusOneTokens) {
  const Expr w = Expr::symbol("config.sliding_window");
  CacheLayer sliding{"transformers.cache_utils.DynamicSlidingWindowLayer",
                     true,
                     true,
                     {{"sliding_window", Value::number(w, GiNaC::numeric(4))},
                      {"cumulative_length", Value::integer(0)},
                      {"record_past", Value::boolean(false)}}};
  EXPECT_EQ(returned(sliding), Expr::min(cache_len, w - Expr(1)) + seq_len);
}

TEST(KvCacheSource, AClassWithoutUpdateIsAReasonNotAGuess) {
  std::string why;
  CacheLayer bogus{"transformers.cache_utils.NoSuchLayer", false, {}};
  EXPECT_FALSE(cache_step(fx().locator, fx().config, fx().ops, bogus, cache_len, seq_len, &why));
  EXPECT_NE(why.find("NoSuchLayer"), std::string::npos) << why;
}

// DSA's indexer keys (DynamicIndexedLayer.update_indexer, as the installed transformers has it):
// the layer starts uninitialized (lazy_initialization_indexer, a method of the layer, makes an
// empty torch.tensor([]) that torch.cat passes over), keeps every cached token's keys and returns
// them with the new ones on top; its keys are what it holds beyond update()'s.
TEST(KvCacheSource, AnIndexedLayerKeepsItsIndexerKeysAsItsSourceSays) {
  const Expr b = Expr::symbol("batch_size"), d = Expr::symbol("config.index_head_dim");
  CacheLayer indexed{"transformers.cache_utils.DynamicIndexedLayer",
                     false,
                     true,
                     {{"is_indexer_initialized", Value::boolean(false)}, {"indexer_keys", Value::none()}}};
  std::string why;
  std::optional<CacheCall> call = cache_call(fx().locator, fx().config, fx().ops, indexed, "update_indexer",
                                             {{"", Value::tensor({b, seq_len, d}), "k"}}, cache_len, &why);
  ASSERT_TRUE(call) << why;
  ASSERT_TRUE(call->returned->is_tensor()) << call->returned->describe();
  EXPECT_EQ(call->returned->shape, (std::vector<Expr>{b, cache_len + seq_len, d}));
  EXPECT_EQ(call->held_elements, b * cache_len * d);
}

// A query of the layer (get_mask_sizes(q)): no tensor given, nothing kept; a full layer's keys
// reach every cached token and the new ones, from offset 0.
TEST(KvCacheSource, AQueryOfALayerReadsTheStateItsUpdateLeft) {
  std::string why;
  std::optional<CacheCall> call = cache_call(fx().locator, fx().config, fx().ops,
                                             CacheLayer{"transformers.cache_utils.DynamicLayer", false, true, {}},
                                             "get_mask_sizes", {{"", Value::number(seq_len), "q"}}, cache_len, &why);
  ASSERT_TRUE(call) << why;
  ASSERT_TRUE(call->returned->is(Value::Kind::Tuple)) << call->returned->describe();
  ASSERT_EQ(call->returned->items.size(), 2u);
  EXPECT_EQ(call->returned->items[0]->expr, cache_len + seq_len);
  EXPECT_EQ(known_int(*call->returned->items[1]), 0);
  EXPECT_EQ(call->held_elements, Expr(0));
}

// The cache methods a model calls beside update, through a tracer whose cache has an indexed
// layer (DeepSeek-V3.2's): update_indexer(k, layer_idx) is that layer's method; get_query_offset
// is the Cache's own (`self.get_seq_length(layer_idx)`), whose source runs on the cache.
TEST(KvCacheSource, CacheMethodsBesideUpdateAreReadFromTheirSource) {
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().names};
  nlohmann::json indexed = {{"class", "transformers.cache_utils.DynamicIndexedLayer"},
                            {"sliding", false},
                            {"attributes", {{"is_indexer_initialized", {{"value", false}, {"field", nullptr}}}}}};
  ctx.cache = KvCache::from_json({{"layers", nlohmann::json::array({indexed})}});
  ShapeTracer tracer{ctx, nullptr};
  ast::Node call;
  const Expr b = Expr::symbol("batch_size"), d = Expr::symbol("config.index_head_dim");
  ValuePtr keys = tracer.call(call, Value::callable(Value::Target::CacheMethod, "update_indexer"),
                              {{"", Value::tensor({b, seq_len, d}), "k"}, {"", Value::integer(0), "layer_idx"}});
  ASSERT_TRUE(keys->is_tensor()) << keys->describe();
  EXPECT_EQ(keys->shape, (std::vector<Expr>{b, cache_len + seq_len, d}));
  ValuePtr offset = tracer.call(call, Value::callable(Value::Target::CacheMethod, "get_query_offset"), {{"", Value::integer(0), "layer_idx"}});
  ASSERT_TRUE(offset->is(Value::Kind::Number)) << offset->describe();
  EXPECT_EQ(offset->expr, cache_len);
}

// A linear-attention layer as DynamicCache(config=config) builds it (cache_layers.py reports its
// per-state dicts with number keys as text): nothing initialized, no previous state.
CacheLayer linear_layer() {
  auto states = [](ValuePtr v) { return Value::dict({"0"}, {std::move(v)}); };
  return CacheLayer{"transformers.cache_utils.LinearAttentionLayer",
                    false,
                    false,
                    {{"number_of_states", Value::integer(1)},
                     {"conv_states", states(Value::none())},
                     {"recurrent_states", states(Value::none())},
                     {"is_conv_states_initialized", states(Value::boolean(false))},
                     {"is_recurrent_states_initialized", states(Value::boolean(false))},
                     {"has_previous_state", states(Value::boolean(false))},
                     {"conv_kernel_size", states(Value::none())},
                     {"record_past", Value::boolean(false)},
                     {"device", Value::none()},
                     {"dtype", Value::none()}}};
}

Expr at(const Expr& e, long long c, long long s) {
  return e.subs({{"cache_len", Expr(c)}, {"seq_len", Expr(s)}, {"config.conv_kernel", Expr(4)}});
}

TEST(KvCacheSource, AConvStateKeepsTheKernelSizeAndReturnsItWithTheNewTokens) {
  const Expr b = Expr::symbol("batch_size"), channels = Expr::symbol("config.conv_dim"), k = Expr::symbol("config.conv_kernel");
  std::string why;
  std::optional<StateStep> step =
      state_step(fx().locator, fx().config, fx().ops, linear_layer(), "update_conv_state", "conv_states",
                 Value::tensor({b, channels, seq_len}), Value::integer(0),
                 {{"conv_kernel_size", Value::number(k, GiNaC::numeric(4)), "conv_kernel_size"}}, cache_len, &why);
  ASSERT_TRUE(step) << why;
  // Held: zeros of [b, C, conv_kernel_size] (lazy_initialization), whatever the cached length.
  EXPECT_EQ(step->held->shape, (std::vector<Expr>{b, channels, k}));
  // Returned: a prefill's tokens padded up to the kernel size; after cached tokens, the kept
  // state concatenated with the new tokens.
  ASSERT_EQ(step->returned->shape.size(), 3u);
  const Expr& length = step->returned->shape[2];
  EXPECT_EQ(at(length, 0, 2), Expr(4));
  EXPECT_EQ(at(length, 0, 11), Expr(11));
  EXPECT_EQ(at(length, 7, 5), Expr(9));
  EXPECT_EQ(at(length, 9, 1), Expr(5));
}

TEST(KvCacheSource, ARecurrentStateIsKeptAsGiven) {
  const Expr b = Expr::symbol("batch_size"), h = Expr(8);
  std::string why;
  std::optional<StateStep> step = state_step(fx().locator, fx().config, fx().ops, linear_layer(), "update_recurrent_state",
                                             "recurrent_states", Value::tensor({b, h, Expr(16), Expr(16)}),
                                             Value::integer(0), {}, cache_len, &why);
  ASSERT_TRUE(step) << why;
  EXPECT_EQ(step->held->shape, (std::vector<Expr>{b, h, Expr(16), Expr(16)}));
  EXPECT_EQ(step->returned->shape, (std::vector<Expr>{b, h, Expr(16), Expr(16)}));
}

// A layer of both kinds (Zamba2's, Inkling's LinearAttentionAndFullAttentionLayer) initializes
// its conv state through `LinearAttentionLayer.lazy_initialization(self, **kwargs)`: a base's
// function called with the layer first runs on the layer, so the state is what the linear layer's
// is.
TEST(KvCacheSource, ABaseMethodCalledWithTheLayerRunsOnTheLayer) {
  const Expr b = Expr::symbol("batch_size"), channels = Expr::symbol("config.conv_dim"), k = Expr::symbol("config.conv_kernel");
  CacheLayer both = linear_layer();
  both.class_name = "transformers.cache_utils.LinearAttentionAndFullAttentionLayer";
  std::string why;
  std::optional<StateStep> step =
      state_step(fx().locator, fx().config, fx().ops, both, "update_conv_state", "conv_states",
                 Value::tensor({b, channels, seq_len}), Value::integer(0),
                 {{"conv_kernel_size", Value::number(k, GiNaC::numeric(4)), "conv_kernel_size"}}, cache_len, &why);
  ASSERT_TRUE(step) << why;
  EXPECT_EQ(step->held->shape, (std::vector<Expr>{b, channels, k}));
  ASSERT_EQ(step->returned->shape.size(), 3u);
  EXPECT_EQ(at(step->returned->shape[2], 7, 5), Expr(9));
}

TEST(KvCacheSource, ALayerOfTwoBasesRunsABasesMethodCalledOnItselfOnItsOwnState) {
  // LinearAttentionAndFullAttentionLayer.lazy_initialization calls
  // `LinearAttentionLayer.lazy_initialization(self, **kwargs)` (ZAYA's layers): that method runs
  // on the layer's state, so the recurrent state is kept.
  CacheLayer both = linear_layer();
  both.class_name = "transformers.cache_utils.LinearAttentionAndFullAttentionLayer";
  both.attention = true;
  const Expr b = Expr::symbol("batch_size"), h = Expr(8);
  std::string why;
  std::optional<StateStep> step = state_step(fx().locator, fx().config, fx().ops, both, "update_recurrent_state",
                                             "recurrent_states", Value::tensor({b, h}), Value::integer(0), {}, cache_len, &why);
  ASSERT_TRUE(step) << why;
  EXPECT_EQ(step->held->shape, (std::vector<Expr>{b, h}));
  EXPECT_EQ(step->returned->shape, (std::vector<Expr>{b, h}));
}

// `cache.layers` (Qwen4Exp keeps its indexer's positions on a layer: `indexer_cache =
// cache.layers[i]; indexer_cache.indexer_position_ids = position_ids`): the cache's layers as
// objects of their classes, with the attributes DynamicCache(config=config) gave them; what the
// forward sets on one is what it reads back from the same layer, and the other layers keep theirs.
TEST(KvCacheSource, TheCachesLayersAreObjectsThatKeepWhatTheForwardSetsOnThem) {
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().names};
  nlohmann::json full = {{"class", "transformers.cache_utils.DynamicLayer"}, {"sliding", false}, {"attributes", nlohmann::json::object()}};
  nlohmann::json indexed = {{"class", "transformers.cache_utils.DynamicIndexedLayer"},
                            {"sliding", false},
                            {"attributes", {{"indexer_position_ids", {{"value", nullptr}, {"field", nullptr}}}}}};
  ctx.cache = KvCache::from_json({{"layers", nlohmann::json::array({full, indexed})}});
  ShapeTracer tracer{ctx, nullptr};
  ast::Node node;
  ValuePtr layers = tracer.attribute(node, Value::cache(), "layers");
  ASSERT_TRUE(layers->is(Value::Kind::List)) << layers->describe();
  ASSERT_EQ(layers->items.size(), 2u);
  const ValuePtr& layer = layers->items[1];
  EXPECT_EQ(layer->class_name, "transformers.cache_utils.DynamicIndexedLayer");
  EXPECT_TRUE(tracer.attribute(node, layer, "indexer_position_ids")->is(Value::Kind::None));
  const Expr b = Expr::symbol("batch_size");
  ValuePtr positions = Value::tensor({Expr(3), b, seq_len}, Value::DType::Integer);
  static_cast<Hooks&>(tracer).assign_attribute(node, layer, "indexer_position_ids", positions);
  ValuePtr again = tracer.attribute(node, tracer.attribute(node, Value::cache(), "layers")->items[1], "indexer_position_ids");
  ASSERT_TRUE(again->is_tensor()) << again->describe();
  EXPECT_EQ(again->shape, positions->shape);
  EXPECT_FALSE(tracer.attribute(node, layers->items[0], "indexer_position_ids")->is_tensor());
  // A method of the layer's class is bound to the layer.
  ValuePtr method = tracer.attribute(node, layer, "update_indexer");
  EXPECT_TRUE(method->is(Value::Kind::Callable)) << method->describe();
}

}  // namespace
}  // namespace kcost

namespace kcost {
namespace {

// What a layer holds when the call starts (Mllama's text-only call skips a cross-attention layer
// whose cache `not layer.is_initialized or layer.keys.numel() == 0`): a layer the prefill's
// updates reached holds its tokens; one they did not is as the cache built it.
TEST(KvCacheSource, ALayerThePrefillDidNotUpdateIsAsBuilt) {
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().names};
  nlohmann::json full = {{"class", "transformers.cache_utils.DynamicLayer"},
                         {"sliding", false},
                         {"attributes", nlohmann::json::object()},
                         {"empty", {{"keys", nullptr}, {"values", nullptr}, {"is_initialized", false}}}};
  ctx.cache = KvCache::from_json({{"layers", nlohmann::json::array({full, full})}});
  ctx.cache.set_filled(std::set<long long>{0});
  ShapeTracer tracer{ctx, nullptr};
  ast::Node node;
  ValuePtr layers = tracer.attribute(node, Value::cache(), "layers");
  ASSERT_TRUE(layers->is(Value::Kind::List)) << layers->describe();
  ASSERT_EQ(layers->items.size(), 2u);
  EXPECT_TRUE(ctx.read_cache_layers);
  EXPECT_EQ(tracer.attribute(node, layers->items[0], "is_initialized")->truth(), std::optional<bool>(true));
  ValuePtr keys = tracer.attribute(node, layers->items[0], "keys");
  ASSERT_TRUE(keys->is_tensor()) << keys->describe();
  EXPECT_EQ(keys->shape[2], Expr::symbol("cache_len"));
  EXPECT_EQ(tracer.attribute(node, layers->items[1], "is_initialized")->truth(), std::optional<bool>(false));
  EXPECT_TRUE(tracer.attribute(node, layers->items[1], "keys")->is(Value::Kind::None));
}

// A property of the cache's class is its getter run on the cache (4.x masks read
// `getattr(past_key_values, "is_compileable", False)`: DynamicCache's property, all() of its
// layers' class attribute); a method stays a method, called later.
TEST(KvCacheSource, PropertiesAndClassAttributesOfTheCacheAreReadFromTheSource) {
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().names};
  nlohmann::json full = {{"class", "transformers.cache_utils.DynamicLayer"}, {"sliding", false}, {"attributes", nlohmann::json::object()}};
  ctx.cache = KvCache::from_json({{"layers", nlohmann::json::array({full, full})}});
  ShapeTracer tracer{ctx, nullptr};
  ast::Node node;
  ValuePtr compileable = tracer.attribute(node, ctx.cache.value(), "is_compileable");
  EXPECT_EQ(compileable->truth(), std::optional<bool>(false)) << compileable->describe();
  ValuePtr update = tracer.attribute(node, ctx.cache.value(), "update");
  EXPECT_TRUE(update->is(Value::Kind::Callable)) << update->describe();
  // A static layer's class says True: a cache of them is compileable.
  nlohmann::json fixed = {{"class", "transformers.cache_utils.StaticLayer"}, {"sliding", false}, {"attributes", nlohmann::json::object()}};
  ctx.cache = KvCache::from_json({{"layers", nlohmann::json::array({fixed})}});
  ShapeTracer on_static{ctx, nullptr};
  EXPECT_EQ(on_static.attribute(node, ctx.cache.value(), "is_compileable")->truth(), std::optional<bool>(true));
}

}  // namespace
}  // namespace kcost
