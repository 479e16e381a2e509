// Attention masks as transformers' masking_utils makes them on the default inference path (no
// padding): a causal mask is present under sdpa only where it cannot be skipped; a bidirectional
// one (BERT's encoder-style layers) is skipped altogether, under eager too, unless mask functions
// are added to it.
#include <set>

#include <gtest/gtest.h>

#include "python/session.h"
#include "trace/shape_tracer.h"

namespace kcost {
namespace {

const char* kModel = "transformers.models.bert.modeling_bert.BertLMHeadModel";

struct Fixture {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
  ConfigView config{locator.config_of(kModel).values};
};

Fixture& fx() {
  static Fixture f;
  return f;
}

const Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), c = Expr::symbol("cache_len");

// `function` of masking_utils called on BERT's config (or `config`) with the inference call's
// embeddings and padding mask, and `extra` arguments.
ValuePtr mask(const std::string& function, const std::string& impl, std::vector<Arg> extra = {},
              const ConfigView* config = nullptr) {
  TraceContext ctx{fx().locator, config ? *config : fx().config, fx().leaves, fx().names, impl};
  ShapeTracer tracer(ctx, nullptr);
  std::vector<Arg> args = {{"config", Value::config("config"), "config"},
                           {"inputs_embeds", Value::tensor({b, s, Expr::symbol("config.hidden_size")}), "inputs_embeds"},
                           {"attention_mask", Value::tensor({b, c + s}, Value::DType::Integer), "attention_mask"}};
  args.insert(args.end(), extra.begin(), extra.end());
  ast::Node call;
  call.type = "Call";
  ValuePtr fn = Value::global(Value::GlobalKind::Function, "transformers.masking_utils." + function, function,
                              "transformers.masking_utils." + function);
  return tracer.call(call, fn, args);
}

TEST(AttentionMask, ACausalMaskUnderSdpaIsPresentWhereItCannotBeSkipped) {
  ValuePtr m = mask("create_causal_mask", "sdpa");
  ASSERT_TRUE(m->is_tensor()) << m->describe();
  EXPECT_EQ(m->shape, (std::vector<Expr>{b, Expr(1), s, c + s}));
  ASSERT_TRUE(m->presence);
  EXPECT_EQ(m->presence->subs({{"seq_len", Expr(5)}, {"cache_len", Expr(7)}}), Expr(1));
  EXPECT_EQ(m->presence->subs({{"seq_len", Expr(1)}, {"cache_len", Expr(7)}}), Expr(0));
}

// The padding mask of state-space and linear-attention layers (Qwen3-Next, Jamba, Bamba):
// create_recurrent_attention_mask returns None when the mask is all ones, and for one token.
TEST(AttentionMask, ARecurrentLayersPaddingMaskWithoutPaddingIsNone) {
  EXPECT_TRUE(mask("create_recurrent_attention_mask", "sdpa")->is(Value::Kind::None));
  EXPECT_TRUE(mask("create_recurrent_attention_mask", "eager")->is(Value::Kind::None));
}

TEST(AttentionMask, ABidirectionalMaskWithoutPaddingIsNoneUnderSdpaAndEager) {
  EXPECT_TRUE(mask("create_bidirectional_mask", "sdpa")->is(Value::Kind::None));
  EXPECT_TRUE(mask("create_bidirectional_mask", "eager")->is(Value::Kind::None));
  // An added mask function makes it a mask that is always there.
  ValuePtr m = mask("create_bidirectional_mask", "sdpa",
                    {{"and_mask_function", Value::global(Value::GlobalKind::Function, "f", "f", "f"), "f"}});
  ASSERT_TRUE(m->is_tensor()) << m->describe();
  EXPECT_EQ(*m->presence, Expr(1));
}

// Blocks that attend to each other both ways (Gemma 4's vision tokens, block_sequence_ids) are
// an or_mask_function of the causal mask: create_causal_mask then never skips it.
TEST(AttentionMask, ACausalMaskWithBlocksIsAlwaysPresent) {
  ValuePtr m = mask("create_causal_mask", "sdpa", {{"block_sequence_ids", Value::tensor({b, s}, Value::DType::Integer), "ids"}});
  ASSERT_TRUE(m->is_tensor()) << m->describe();
  ASSERT_TRUE(m->presence);
  EXPECT_EQ(*m->presence, Expr(1));
  // None for them is no block at all.
  m = mask("create_causal_mask", "sdpa", {{"block_sequence_ids", Value::none(), "ids"}});
  ASSERT_TRUE(m->presence);
  EXPECT_EQ(m->presence->subs({{"seq_len", Expr(1)}, {"cache_len", Expr(7)}}), Expr(0));
}

// create_masks_for_generate runs from its source: on a config with layer types, a dict of one
// mask per type, each made by the function masking_utils maps the type to (a sliding window's
// keys and presence for sliding layers); on one without, the causal mask.
TEST(AttentionMask, MasksForGenerateAreOnePerLayerType) {
  const char* gemma = "transformers.models.gemma3.modeling_gemma3.Gemma3ForCausalLM";
  const ConfigDefaults& defaults = fx().locator.config_of(gemma);
  ConfigView config{defaults.values, defaults.aliases, defaults.properties};
  ValuePtr masks = mask("create_masks_for_generate", "sdpa",
                        {{"cache", Value::none(), "cache"},
                         {"position_ids", Value::tensor({Expr(1), s}, Value::DType::Integer), "position_ids"}},
                        &config);
  ASSERT_TRUE(masks->is(Value::Kind::Dict)) << masks->describe();
  std::set<std::string> keys(masks->keys.begin(), masks->keys.end());
  EXPECT_EQ(keys, (std::set<std::string>{"full_attention", "sliding_attention"}));
  for (size_t i = 0; i < masks->keys.size(); ++i) {
    const Value& m = *masks->items[i];
    ASSERT_TRUE(m.is_tensor()) << masks->keys[i] << ": " << m.describe();
    ASSERT_TRUE(m.presence);
    // A decode step past the window: only the sliding layers' mask exists.
    EXPECT_EQ(m.presence->subs({{"seq_len", Expr(1)}, {"cache_len", Expr(9000)}, {"config.sliding_window", Expr(512)}}),
              Expr(masks->keys[i] == "sliding_attention" ? 1 : 0));
  }
  // BERT's config has no layer types: one causal mask.
  ValuePtr one = mask("create_masks_for_generate", "sdpa", {{"cache", Value::none(), "cache"}});
  ASSERT_TRUE(one->is_tensor()) << one->describe();
  EXPECT_EQ(one->shape, (std::vector<Expr>{b, Expr(1), s, c + s}));
}

TEST(AttentionMask, AFunctionOutsideTorchWithoutTensorsIsNoChild) {
  // inspect.signature(self.forward_chunk) in apply_chunking_to_forward: a value, not a cost.
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().names, "sdpa"};
  KernelTrace trace;
  ShapeTracer tracer(ctx, &trace);
  ast::Node call;
  call.type = "Call";
  ValuePtr fn = Value::global(Value::GlobalKind::NativeFunction, "inspect.Signature.from_callable",
                              "Signature.from_callable", "inspect.Signature.from_callable");
  ValuePtr v = tracer.call(call, fn, {{"", Value::callable(Value::Target::SelfMethod, "M.forward_chunk"), "f"}});
  EXPECT_TRUE(v->is(Value::Kind::Unknown));
  EXPECT_TRUE(trace.children.empty());
  // On a tensor it may cost anything: an unknown child.
  tracer.call(call, fn, {{"", Value::tensor({b}), "x"}});
  ASSERT_EQ(trace.children.size(), 1u);
  EXPECT_EQ(trace.children[0].kernel, "unknown");
}

}  // namespace
}  // namespace kcost
