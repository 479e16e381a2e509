// State a parent sets on its submodules after building them (facts/module_state.h), on FalconH1:
//
//   mup_vector = compute_mup_vector(config)            # torch.ones(1, 1, n), slices scaled in place
//   for layer in self.layers:
//       layer.mamba.register_buffer("mup_vector", mup_vector.clone(), persistent=False)
//
// every layer of the stack carries it, the mixer each layer builds has it as a buffer of
// [1, 1, n], and the model's buffers count its elements once per layer.
#include <gtest/gtest.h>

#include "facts/module_state.h"
#include "python/session.h"
#include "trace/shape_tracer.h"

namespace kcost {
namespace {

const char* kModel = "transformers.models.falcon_h1.modeling_falcon_h1.FalconH1ForCausalLM";
const char* kBase = "transformers.models.falcon_h1.modeling_falcon_h1.FalconH1Model";

struct Fixture {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
  ConfigView config{locator.config_of(kModel).values, locator.config_of(kModel).aliases};
  TraceContext ctx{locator, config, leaves, names};
};

Fixture& fx() {
  static Fixture f;
  return f;
}

// The value of `e` at the config's numbers.
long long at_config(const Expr& e) {
  std::map<std::string, Expr> values;
  for (const std::string& s : e.symbols()) {
    std::optional<ValuePtr> v = fx().config.attribute("config", s.substr(7));
    EXPECT_TRUE(v && *v && (*v)->known) << s;
    if (v && *v && (*v)->known) values[s] = Expr::number(*(*v)->known);
  }
  Expr at = e.subs(values);
  EXPECT_TRUE(at.is_number()) << e.str();
  return at.is_number() ? at.as_number().to_long() : -1;
}

TEST(StateAfterConstruction, AStateSetThroughALoopOverTheLayersIsABufferOfEachLayersSubmodule) {
  ShapeTracer tracer(fx().ctx, nullptr);
  std::shared_ptr<ModuleFacts> model = tracer.facts_of(kBase, nullptr);
  const Attribute* layers = model->find("layers");
  ASSERT_TRUE(layers && layers->value->is(Value::Kind::ModuleList));
  ASSERT_FALSE(layers->value->items.empty());
  const std::string mixer = "transformers.models.falcon_h1.modeling_falcon_h1.FalconH1Mixer";
  long long n = -1;
  for (const ValuePtr& layer : layers->value->items) {
    std::vector<Arg> state = state_arguments(layer->args);
    ASSERT_EQ(state.size(), 1u) << layer->describe();
    EXPECT_EQ(state_path(state[0]), "mamba.mup_vector");
    // The layer built with it: its mixer has the buffer, [1, 1, 2 * d_ssm + 2 * groups * d_state + heads].
    std::shared_ptr<ModuleFacts> built = tracer.facts_of(layer->class_name, &layer->args);
    const Attribute* mamba = built->find("mamba");
    ASSERT_TRUE(mamba && mamba->value->is(Value::Kind::Module));
    EXPECT_EQ(mamba->value->class_name, mixer);
    const Attribute* mup = tracer.facts_of(mixer, &mamba->value->args)->find("mup_vector");
    ASSERT_NE(mup, nullptr);
    EXPECT_EQ(mup->kind, Attribute::Kind::Buffer);
    ASSERT_EQ(mup->value->shape.size(), 3u);
    EXPECT_EQ(mup->value->shape[0], Expr(1));
    EXPECT_EQ(mup->value->shape[1], Expr(1));
    n = at_config(mup->value->shape[2]);
  }
  auto config = [](const char* name) { return at_config(Expr::symbol(std::string("config.") + name)); };
  long long d_ssm = fx().config.attribute("config", "mamba_d_ssm").value()->is(Value::Kind::None)
                        ? config("mamba_expand") * config("hidden_size")
                        : config("mamba_d_ssm");
  EXPECT_EQ(n, 2 * d_ssm + 2 * config("mamba_n_groups") * config("mamba_d_state") + config("mamba_n_heads"));
  // nn.Module.buffers() holds each layer's (persistent=False buffers too): n per layer, beside
  // the rotary embedding's.
  const Value& first = *layers->value->items[0];
  const std::vector<Arg> constructor = constructor_arguments(first.args);
  ShapeTracer::ModuleParameters without = tracer.module_parameters(*tracer.facts_of(first.class_name, &constructor));
  ShapeTracer::ModuleParameters with = tracer.module_parameters(*tracer.facts_of(first.class_name, &first.args));
  EXPECT_EQ(at_config(with.buffers - without.buffers), n);
  EXPECT_EQ(at_config(with.parameters - without.parameters), 0);
}

}  // namespace
}  // namespace kcost
