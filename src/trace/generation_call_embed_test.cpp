// generation_call on a model generate starts without a cache: the state its prefill's forward()
// returns, carried by its own _update_model_kwargs_for_generation (RWKV's `state`), is the call's
// input, None unless a token is cached; a model generate starts with a DynamicCache keeps the
// design's cache.
#include <gtest/gtest.h>

#include "analyze/analyzer.h"
#include "python/session.h"
#include "trace/generation_call.h"
#include "trace/shape_tracer.h"

namespace kcost {
namespace {

struct Fixture {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
  NameMap analysis = analysis_names(names, leaves, locator);
};

Fixture& fx() {
  static Fixture f;
  return f;
}

// generation_call of `root` under its config class defaults.
GenerationCall call_of(const std::string& root, const std::string& attn) {
  const ConfigDefaults& d = fx().locator.config_of(root);
  ConfigView config{d.values, d.aliases};
  TraceContext ctx{fx().locator, config, fx().leaves, fx().analysis, attn};
  ShapeTracer tracer(ctx, nullptr);
  auto facts = tracer.facts_of(root, nullptr);
  return generation_call(tracer, fx().locator, *facts);
}

TEST(GenerationCall, AModelStartedWithoutACacheContinuesWithTheStateItsPrefillReturned) {
  const std::string root = "transformers.models.rwkv.modeling_rwkv.RwkvForCausalLM";
  EXPECT_FALSE(fx().locator.find_class(root).default_dynamic_cache);
  GenerationCall call = call_of(root, "eager");
  ASSERT_TRUE(call.inputs.count("state"));
  const Value& state = *call.inputs["state"];
  ASSERT_TRUE(state.is(Value::Kind::List)) << state.describe();
  ASSERT_EQ(state.items.size(), 5u);
  const Expr b = Expr::symbol("batch_size"), h = Expr::symbol("config.hidden_size"), l = Expr::symbol("config.num_hidden_layers");
  for (const auto& s : state.items) EXPECT_EQ(s->shape, (std::vector<Expr>{b, h, l})) << s->describe();
  // None at the prefill (cache_len = 0), present once a token is cached.
  ASSERT_TRUE(state.none_unless);
  EXPECT_EQ(state.none_unless->subs({{"cache_len", Expr(0)}}), Expr(0));
  EXPECT_EQ(state.none_unless->subs({{"cache_len", Expr(9)}}), Expr(1));
  // The cache's memory: the five tensors, once each.
  EXPECT_EQ(call.carried_elements, Expr(5) * b * h * l);
}

// XLNet's own prepare_inputs_for_generation makes the prefill's call too: it appends a dummy
// token, which the memory of every layer then holds (config.n_layer memories, the tuple its
// layer loop grows by one per layer); the call after it takes the last two tokens and the dummy.
TEST(GenerationCall, ThePrefillsCallIsWhatTheModelsOwnPrepareMakes) {
  const std::string root = "transformers.models.xlnet.modeling_xlnet.XLNetLMHeadModel";
  EXPECT_FALSE(fx().locator.find_class(root).default_dynamic_cache);
  GenerationCall call = call_of(root, "eager");
  ASSERT_TRUE(call.inputs.count("mems"));
  const Value& mems = *call.inputs["mems"];
  ASSERT_TRUE(mems.is(Value::Kind::Tuple)) << mems.describe();
  ASSERT_TRUE(mems.element) << mems.describe();
  const Expr b = Expr::symbol("batch_size"), dm = Expr::symbol("config.d_model"), layers = Expr::symbol("config.n_layer");
  EXPECT_EQ(mems.length, layers);
  ASSERT_EQ(mems.element->shape.size(), 3u) << mems.element->describe();
  // generate passes them without the last two positions (`layer_past[:-offset]`).
  const std::map<std::string, Expr> at = {{"cache_len", Expr(9)}, {"config.mem_len", Expr(512)}};
  EXPECT_EQ(mems.element->shape[0].subs(at), Expr(8)) << mems.element->describe();
  EXPECT_EQ(mems.element->shape[1], b);
  EXPECT_EQ(mems.element->shape[2], dm);
  // The cache's memory: every layer's, of the cached tokens and the dummy one.
  EXPECT_EQ(call.carried_elements.subs(at), (Expr(10) * b * dm * layers)) << call.carried_elements.str();
  ASSERT_TRUE(call.inputs.count("input_ids"));
  EXPECT_EQ(call.inputs["input_ids"]->shape[1].subs({{"cache_len", Expr(9)}, {"config.n_layer", Expr(24)}}), Expr(3));
  EXPECT_EQ(call.inputs["input_ids"]->shape[1].subs({{"cache_len", Expr(0)}, {"seq_len", Expr(11)}}), Expr(12));
}

TEST(GenerationCall, AModelStartedWithADynamicCacheKeepsTheDesignsCache) {
  const std::string root = "transformers.models.llama.modeling_llama.LlamaForCausalLM";
  EXPECT_TRUE(fx().locator.find_class(root).default_dynamic_cache);
  GenerationCall call = call_of(root, "sdpa");
  ASSERT_TRUE(call.inputs.count("cache"));
  EXPECT_TRUE(call.inputs["cache"]->is(Value::Kind::Cache));
  EXPECT_EQ(call.carried_elements, Expr(0));
}

}  // namespace
}  // namespace kcost
