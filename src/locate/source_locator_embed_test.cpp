// Extraction on real transformers classes, through the embedded interpreter.
#include "locate/source_locator.h"

#include <set>

#include <gtest/gtest.h>

#include <pybind11/embed.h>

#include "python/session.h"

namespace kcost {
namespace {

SourceLocator& locator() {
  static SourceLocator l(PythonSession::start());
  return l;
}

const char* kLlamaAttention = "transformers.models.llama.modeling_llama.LlamaAttention";

TEST(SourceLocator, ForwardLineRangeEqualsInspect) {
  const ClassSource& c = locator().find_class(kLlamaAttention);
  ASSERT_TRUE(c.forward.has_value());
  // What Python's inspect says, asked directly rather than through the helpers.
  namespace py = pybind11;
  py::object cls = py::module_::import("transformers.models.llama.modeling_llama").attr("LlamaAttention");
  py::tuple lines = py::module_::import("inspect").attr("getsourcelines")(cls.attr("forward"));
  int start = lines[1].cast<int>();
  int count = static_cast<int>(py::len(lines[0]));
  EXPECT_EQ(c.forward->first_line, start);
  EXPECT_EQ(c.forward->last_line, start + count - 1);
  EXPECT_EQ(c.forward->owner, kLlamaAttention);
  EXPECT_GT(c.forward->last_line, c.forward->first_line);
  EXPECT_TRUE(c.forward->def->is("FunctionDef"));
  EXPECT_EQ(c.forward->def->str("name"), "forward");
  EXPECT_GE(c.forward->first_line, c.first_line);
  EXPECT_LE(c.forward->last_line, c.last_line);
  EXPECT_NE(c.forward->source.find("def forward"), std::string::npos);
}

// A batch forgets the sources between models; what it reads again is the same.
TEST(SourceLocator, ForgottenSourcesAreReadAgainTheSame) {
  SourceLocator own(PythonSession::start());
  const ClassSource& c = own.find_class(kLlamaAttention);
  ASSERT_TRUE(c.forward.has_value());
  const std::string source = c.forward->source;
  const int line = c.forward->def_line;
  const std::vector<std::string> mro = c.mro;
  own.forget_sources();
  const ClassSource& again = own.find_class(kLlamaAttention);
  ASSERT_TRUE(again.forward.has_value());
  EXPECT_EQ(again.forward->source, source);
  EXPECT_EQ(again.forward->def_line, line);
  EXPECT_EQ(again.mro, mro);
  EXPECT_TRUE(again.forward->def->is("FunctionDef"));
}

TEST(SourceLocator, FollowsTheMroForInheritedMethods) {
  // GPT2LMHeadModel defines forward itself; LlamaDecoderLayer's __init__ is its own, but its
  // base GradientCheckpointingLayer defines __call__ only: forward is LlamaDecoderLayer's.
  const ClassSource& c = locator().find_class("transformers.models.llama.modeling_llama.LlamaDecoderLayer");
  ASSERT_TRUE(c.init && c.forward);
  EXPECT_EQ(c.forward->owner, "transformers.models.llama.modeling_llama.LlamaDecoderLayer");
  // nn.Module's own forward is not a definition.
  const ClassSource& m = locator().find_class("torch.nn.Module");
  EXPECT_FALSE(m.forward.has_value());
}

// A classmethod reached through its class (`self._merge_heads(...)` of GPT-NeoX-Japanese's
// attention) is its function, `cls` its first parameter.
TEST(SourceLocator, AClassmethodIsItsFunction) {
  const FunctionSource& f = locator().find_function(
      "transformers.models.gpt_neox_japanese.modeling_gpt_neox_japanese.GPTNeoXJapaneseAttention._merge_heads");
  ASSERT_TRUE(f.def && f.def->is("FunctionDef"));
  EXPECT_EQ(f.def->str("name"), "_merge_heads");
  EXPECT_NE(f.source.find("def _merge_heads(cls, tensor"), std::string::npos) << f.source;
  EXPECT_FALSE(locator().is_class(
      "transformers.models.gpt_neox_japanese.modeling_gpt_neox_japanese.GPTNeoXJapaneseAttention._merge_heads"));
}

TEST(SourceLocator, ResolvesModuleGlobals) {
  const std::string module = "transformers.models.llama.modeling_llama";
  const GlobalRef& linear = locator().resolve_global(module, "nn.Linear");
  EXPECT_EQ(linear.kind, GlobalRef::Kind::Class);
  EXPECT_EQ(linear.qualname, "torch.nn.modules.linear.Linear");
  EXPECT_TRUE(linear.is_module);
  const GlobalRef& act = locator().resolve_global(module, "ACT2FN", std::string("silu"));
  EXPECT_EQ(act.kind, GlobalRef::Kind::Instance);
  EXPECT_FALSE(act.qualname.empty());
  const GlobalRef& fn = locator().resolve_global(module, "eager_attention_forward");
  EXPECT_EQ(fn.kind, GlobalRef::Kind::Function);
  EXPECT_EQ(fn.qualname, module + ".eager_attention_forward");
  const GlobalRef& softmax = locator().resolve_global(module, "nn.functional.softmax");
  EXPECT_EQ(softmax.path, "torch.nn.functional.softmax");
  const GlobalRef& missing = locator().resolve_global(module, "no_such_name");
  EXPECT_EQ(missing.kind, GlobalRef::Kind::Missing);
  const GlobalRef& builtin = locator().resolve_global(module, "getattr");
  EXPECT_EQ(builtin.kind, GlobalRef::Kind::Builtin);
}

TEST(SourceLocator, AFunctionAFactoryMadeIsLocatedByTheGlobalItIsAndCarriesItsClosure) {
  // torch.nn.modules.conv: _single = _ntuple(1, "_single"); the function's own qualified name
  // (torch.nn.modules.utils._ntuple.<locals>.parse) imports nothing, the global does.
  const GlobalRef& single = locator().resolve_global("torch.nn.modules.conv", "_single");
  EXPECT_EQ(single.kind, GlobalRef::Kind::Function);
  EXPECT_EQ(single.qualname, "torch.nn.modules.conv._single");
  const FunctionSource& parse = locator().find_function(single.qualname);
  EXPECT_EQ(parse.name, "parse");
  ASSERT_EQ(parse.closure.count("n"), 1u);
  EXPECT_EQ(parse.closure.at("n").kind, GlobalRef::Kind::Constant);
  EXPECT_EQ(parse.closure.at("n").value, 1);
  // A number JSON cannot hold (torch.inf) is no constant.
  EXPECT_EQ(locator().resolve_global("torch.nn.modules.conv", "torch.inf").kind, GlobalRef::Kind::Other);
  // An object whose attribute look-up raises (a torch.classes namespace, Apertus's xIELU) is no
  // autograd function: it resolves as before, and does not throw.
  EXPECT_NO_THROW(locator().resolve_global("transformers.activations", "torch.classes.xielu"));
}

TEST(SourceLocator, ModelTypeResolvesToCausalLm) {
  EXPECT_EQ(locator().qualified_name("llama"), "transformers.models.llama.modeling_llama.LlamaForCausalLM");
  EXPECT_EQ(locator().qualified_name("gpt2"), "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel");
  EXPECT_EQ(locator().qualified_name("torch.nn.Linear"), "torch.nn.Linear");
}

TEST(SourceLocator, BadNamesAreOneLineErrors) {
  try {
    locator().find_class("no.such.Thing");
    FAIL() << "no error";
  } catch (const LocateError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("no.such.Thing"), std::string::npos);
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
  EXPECT_THROW(locator().qualified_name("llamma"), LocateError);
}

TEST(SourceLocator, ConfigDefaults) {
  const ConfigDefaults& c = locator().config_of("transformers.models.llama.modeling_llama.LlamaForCausalLM");
  EXPECT_EQ(c.config_class, "transformers.models.llama.configuration_llama.LlamaConfig");
  EXPECT_EQ(c.values["hidden_size"], 4096);
  EXPECT_EQ(c.values["head_dim"], 128);  // computed in LlamaConfig.__init__
  EXPECT_EQ(c.values["hidden_act"], "silu");
  // A module class finds its config through its __init__ annotation.
  const ConfigDefaults& a = locator().config_of(kLlamaAttention);
  EXPECT_EQ(a.config_class, c.config_class);
  EXPECT_TRUE(c.sub_configs.empty());
  // A composite config's sub-configs, by their paths below it: the analysis gives each the
  // framework state a built model's configs hold (_attn_implementation).
  const ConfigDefaults& g = locator().config_of("transformers.models.gemma3.modeling_gemma3.Gemma3ForConditionalGeneration");
  EXPECT_EQ(std::set<std::string>(g.sub_configs.begin(), g.sub_configs.end()),
            (std::set<std::string>{"text_config", "vision_config"}));
  for (const std::string& path : g.sub_configs) EXPECT_TRUE(g.values[path].is_object()) << path;
}

}  // namespace
}  // namespace kcost
