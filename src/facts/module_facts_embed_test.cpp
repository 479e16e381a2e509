// Facts of real transformers modules: what __init__ makes of self.
#include "facts/module_facts.h"

#include <gtest/gtest.h>

#include "python/session.h"

namespace kcost {
namespace {

struct Fixture {
  SourceLocator locator{PythonSession::start()};
  ConfigView config{locator.config_of("transformers.models.llama.modeling_llama.LlamaForCausalLM").values};
  ConfigView gpt2{locator.config_of("transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel").values,
                  locator.config_of("transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel").aliases};
};

Fixture& fx() {
  static Fixture f;
  return f;
}

ModuleFacts facts_of(const std::string& name) { return build_module_facts(fx().locator, fx().config, name); }

// Facts of `name` under the config class defaults of the model class `model`.
ModuleFacts facts_under(const std::string& model, const std::string& name) {
  const ConfigDefaults& d = fx().locator.config_of(model);
  return build_module_facts(fx().locator, ConfigView{d.values, d.aliases, d.properties}, name);
}

const Attribute& attr(const ModuleFacts& f, const std::string& name) {
  const Attribute* a = f.find(name);
  if (!a) throw std::runtime_error("no attribute " + name);
  return *a;
}

TEST(ModuleFacts, LlamaAttentionValuesAreConfigExpressions) {
  ModuleFacts f = facts_of("transformers.models.llama.modeling_llama.LlamaAttention");
  EXPECT_EQ(f.init_params, std::vector<std::string>{"layer_idx"});
  EXPECT_EQ(attr(f, "head_dim").kind, Attribute::Kind::Value);
  EXPECT_EQ(attr(f, "head_dim").value->expr, Expr::symbol("config.head_dim"));
  EXPECT_EQ(attr(f, "num_key_value_groups").value->expr,
            Expr::parse("config.num_attention_heads // config.num_key_value_heads"));
  EXPECT_EQ(attr(f, "scaling").value->expr, Expr::parse("config.head_dim ** -0.5"));
  EXPECT_EQ(attr(f, "is_causal").value->expr, Expr(1));
  EXPECT_EQ(attr(f, "config").kind, Attribute::Kind::Config);
}

// nn.ModuleDict({}) filled by `self.adapter_modules[str(language)] = XmodAdapter(config)` (X-MOD):
// a dict of its modules, by key, in insertion order.
TEST(ModuleFacts, AModuleDictFilledInInitIsADictOfItsModules) {
  ModuleFacts f = facts_under("transformers.models.xmod.modeling_xmod.XmodForCausalLM",
                              "transformers.models.xmod.modeling_xmod.XmodOutput");
  const Attribute& adapters = attr(f, "adapter_modules");
  ASSERT_TRUE(adapters.value->is(Value::Kind::Dict)) << adapters.value->describe();
  ASSERT_EQ(adapters.value->keys, std::vector<std::string>{"en_XX"});  // the config's languages
  EXPECT_EQ(adapters.value->items[0]->class_name, "transformers.models.xmod.modeling_xmod.XmodAdapter");
}

// `self.mrope_section = {}` then `self.mrope_section[layer_type] = ...` in a loop (CohereCompass's
// rotary embedding): the attribute is the dict with an item per layer type, as forward reads it.
TEST(ModuleFacts, AnItemSetOnADictAttributeIsKept) {
  ModuleFacts f = facts_under("transformers.models.cohere_compass.modeling_cohere_compass.CohereCompassForCausalLM",
                              "transformers.models.cohere_compass.modeling_cohere_compass.CohereCompassRotaryEmbedding");
  const Attribute& sections = attr(f, "mrope_section");
  ASSERT_TRUE(sections.value->is(Value::Kind::Dict)) << sections.value->describe();
  // The config class defaults' one layer type (its value depends on rope_parameters, which the
  // defaults leave empty); without the item set, the dict stays empty.
  EXPECT_EQ(sections.value->keys, (std::vector<std::string>{"full_attention"}));
}

TEST(ModuleFacts, LlamaAttentionProjectionsAreSubmodules) {
  ModuleFacts f = facts_of("transformers.models.llama.modeling_llama.LlamaAttention");
  const Attribute& q = attr(f, "q_proj");
  ASSERT_EQ(q.kind, Attribute::Kind::Submodule);
  EXPECT_EQ(q.value->class_name, "torch.nn.modules.linear.Linear");
  ASSERT_EQ(q.value->args.size(), 3u);
  EXPECT_EQ(q.value->args[0].value->expr, Expr::symbol("config.hidden_size"));
  EXPECT_EQ(q.value->args[1].value->expr, Expr::parse("config.num_attention_heads * config.head_dim"));
  EXPECT_EQ(q.value->args[2].name, "bias");
  EXPECT_EQ(q.value->args[2].value->expr, Expr::symbol("config.attention_bias"));
  EXPECT_EQ(q.value->describe(),
            "torch.nn.modules.linear.Linear(config.hidden_size, config.head_dim * config.num_attention_heads, "
            "bias=config.attention_bias)");
  const Attribute& k = attr(f, "k_proj");
  EXPECT_EQ(k.value->args[1].value->expr, Expr::parse("config.num_key_value_heads * config.head_dim"));
}

// nn.Module.to returns the module itself: DeepSeek-V4's `DeepseekV4HyperConnection(config).to(
// dtype=torch.float32)` is that submodule, with its constructor arguments.
TEST(ModuleFacts, AModuleCastWithToIsTheSameSubmodule) {
  ModuleFacts f = facts_under("transformers.models.deepseek_v4.modeling_deepseek_v4.DeepseekV4ForCausalLM",
                              "transformers.models.deepseek_v4.modeling_deepseek_v4.DeepseekV4DecoderLayer");
  for (const char* name : {"attn_hc", "ffn_hc"}) {
    const Attribute& hc = attr(f, name);
    ASSERT_EQ(hc.kind, Attribute::Kind::Submodule) << name << ": " << hc.value->describe();
    EXPECT_EQ(hc.value->class_name, "transformers.models.deepseek_v4.modeling_deepseek_v4.DeepseekV4HyperConnection");
    ASSERT_EQ(hc.value->args.size(), 1u);
    EXPECT_TRUE(hc.value->args[0].value->is(Value::Kind::Config));
  }
}

// Jamba builds its stack in a loop: `for i in range(config.num_hidden_layers)`, each layer's class
// looked up by `config.layers_block_type[i]` (a property of JambaConfig, from attn_layer_period 8
// and attn_layer_offset 4) and appended to a list. The loop runs once per index of the config, the
// list keeps the symbolic length, and the layers are of the kinds their index gives.
TEST(ModuleFacts, AStackBuiltInALoopOverTheLayerCountHasEachLayerOfItsKind) {
  ModuleFacts f = facts_under("transformers.models.jamba.modeling_jamba.JambaForCausalLM",
                              "transformers.models.jamba.modeling_jamba.JambaModel");
  const Attribute& layers = attr(f, "layers");
  ASSERT_EQ(layers.kind, Attribute::Kind::ModuleList) << layers.value->describe();
  EXPECT_EQ(layers.value->length, Expr::symbol("config.num_hidden_layers"));
  ASSERT_EQ(layers.value->items.size(), 32u);
  for (size_t i = 0; i < layers.value->items.size(); ++i)
    EXPECT_EQ(layers.value->items[i]->class_name, i % 8 == 4 ? "transformers.models.jamba.modeling_jamba.JambaAttentionDecoderLayer"
                                                             : "transformers.models.jamba.modeling_jamba.JambaMambaDecoderLayer")
        << i;
  // Each layer is built for its index: the loop variable's symbol, with its value known.
  const ValuePtr& index = layers.value->items[4]->args.back().value;
  ASSERT_TRUE(index->is(Value::Kind::Number));
  EXPECT_EQ(index->expr, Expr::symbol("i"));
  EXPECT_EQ(known_int(*index), 4);
}

// AutoModel.from_config(config.text_config) in a wrapper's __init__ builds the class the auto
// class maps that config's model_type to: the wrapper's language model and vision tower.
TEST(ModuleFacts, AnAutoClassBuildsTheModelItsMappingGivesTheConfigsType) {
  ModuleFacts f = facts_under("transformers.models.gemma3.modeling_gemma3.Gemma3ForConditionalGeneration",
                              "transformers.models.gemma3.modeling_gemma3.Gemma3Model");
  const Attribute& language = attr(f, "language_model");
  ASSERT_EQ(language.kind, Attribute::Kind::Submodule) << language.value->describe();
  EXPECT_EQ(language.value->class_name, "transformers.models.gemma3.modeling_gemma3.Gemma3TextModel");
  EXPECT_EQ(attr(f, "vision_tower").value->class_name, "transformers.models.siglip.modeling_siglip.SiglipVisionModel");
}

// A model class's _from_config(config) (PreTrainedModel's classmethod, reached through the class)
// builds that class: AIMv2's vision and text models (Mllama's causal LM holds its text model so).
TEST(ModuleFacts, AClassFromConfigBuildsThatClass) {
  const std::string model = "transformers.models.aimv2.modeling_aimv2.Aimv2Model";
  ModuleFacts f = facts_under(model, model);
  const Attribute& vision = attr(f, "vision_model");
  ASSERT_EQ(vision.kind, Attribute::Kind::Submodule) << vision.value->describe();
  EXPECT_EQ(vision.value->class_name, "transformers.models.aimv2.modeling_aimv2.Aimv2VisionModel");
  EXPECT_EQ(attr(f, "text_model").value->class_name, "transformers.models.aimv2.modeling_aimv2.Aimv2TextModel");
}

TEST(ModuleFacts, ModuleListLengthAndActivation) {
  ModuleFacts model = facts_of("transformers.models.llama.modeling_llama.LlamaModel");
  const Attribute& layers = attr(model, "layers");
  ASSERT_EQ(layers.kind, Attribute::Kind::ModuleList);
  EXPECT_EQ(layers.value->length, Expr::symbol("config.num_hidden_layers"));
  EXPECT_EQ(attr(model, "embed_tokens").value->class_name, "torch.nn.modules.sparse.Embedding");

  ModuleFacts mlp = facts_of("transformers.models.llama.modeling_llama.LlamaMLP");
  const Attribute& act = attr(mlp, "act_fn");
  EXPECT_EQ(act.kind, Attribute::Kind::Submodule);
  EXPECT_EQ(act.value->class_name.rfind("transformers.activations.", 0), 0u) << act.value->class_name;
}

TEST(ModuleFacts, ParametersHaveShapes) {
  ModuleFacts norm = facts_of("transformers.models.llama.modeling_llama.LlamaRMSNorm");
  EXPECT_EQ(norm.init_params, (std::vector<std::string>{"hidden_size", "eps"}));
  const Attribute& w = attr(norm, "weight");
  ASSERT_EQ(w.kind, Attribute::Kind::Parameter);
  ASSERT_EQ(w.value->shape.size(), 1u);
  EXPECT_EQ(w.value->shape[0], Expr::symbol("hidden_size"));
  EXPECT_EQ(attr(norm, "variance_epsilon").value->expr, Expr::symbol("eps"));
}

TEST(ModuleFacts, ASubmoduleStateSetToNoneIsItsConstructorArgumentNone) {
  // MptBlock: self.norm_1 = LayerNorm(hidden_size, eps=...); self.norm_1.bias = None. The norm is
  // what LayerNorm(..., bias=None) makes (no bias); an attribute its constructor does not take
  // (self.norm_1.foo = None) is state set after construction instead (facts/module_state.h).
  const std::string mpt = "transformers.models.mpt.modeling_mpt.MptForCausalLM";
  ConfigView config{fx().locator.config_of(mpt).values, fx().locator.config_of(mpt).aliases};
  ModuleFacts f = build_module_facts(fx().locator, config, "transformers.models.mpt.modeling_mpt.MptBlock");
  const Attribute& norm = attr(f, "norm_1");
  ASSERT_EQ(norm.kind, Attribute::Kind::Submodule);
  const Arg* bias = nullptr;
  for (const auto& a : norm.value->args)
    if (a.name == "bias") bias = &a;
  ASSERT_NE(bias, nullptr);
  EXPECT_TRUE(bias->value->is(Value::Kind::None));
  ModuleFacts ln = build_module_facts(fx().locator, config, "torch.nn.modules.normalization.LayerNorm", &norm.value->args);
  const Attribute* ln_bias = ln.find("bias");
  EXPECT_TRUE(!ln_bias || ln_bias->kind != Attribute::Kind::Parameter);
  EXPECT_EQ(ln.find("weight")->kind, Attribute::Kind::Parameter);
}

TEST(ModuleFacts, ConfigAliasesBecomeTheRealAttribute) {
  ModuleFacts f = build_module_facts(fx().locator, fx().gpt2, "transformers.models.gpt2.modeling_gpt2.GPT2Attention");
  EXPECT_EQ(attr(f, "embed_dim").value->expr, Expr::symbol("config.n_embd"));
  EXPECT_EQ(attr(f, "num_heads").value->expr, Expr::symbol("config.n_head"));
  const Attribute& c_attn = attr(f, "c_attn");
  ASSERT_EQ(c_attn.kind, Attribute::Kind::Submodule);
  EXPECT_EQ(c_attn.value->class_name, "transformers.pytorch_utils.Conv1D");
  EXPECT_EQ(c_attn.value->args[0].value->expr, Expr::parse("3 * config.n_embd"));
}

}  // namespace
}  // namespace kcost
