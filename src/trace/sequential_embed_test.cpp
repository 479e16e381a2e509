// nn.Sequential(a, b, c)(x) is c(b(a(x))): each module is a child of the kernel that calls the
// Sequential, labelled by its position (CTRL's point-wise feed-forward network).
#include <gtest/gtest.h>

#include "analyze/analyzer.h"
#include "python/session.h"
#include "trace/shape_tracer.h"

namespace kcost {
namespace {

struct Fixture {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  SourceLocator locator{PythonSession::start()};
  ConfigView config;
  NameMap analysis = analysis_names(names, leaves, locator);  // keyed by canonical class names
};

Fixture& fx() {
  static Fixture f;
  return f;
}

TEST(Sequential, ItsModulesRunInOrderAsChildrenOfTheCaller) {
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().analysis, "sdpa"};
  KernelTrace trace;
  ShapeTracer tracer(ctx, &trace);
  const Expr h = Expr::symbol("config.n_embd"), f = Expr::symbol("config.dff");
  auto linear = [](const Expr& in, const Expr& out) {
    return Value::module("torch.nn.modules.linear.Linear", {{"", Value::number(in), ""}, {"", Value::number(out), ""}});
  };
  ValuePtr ffn = with_attr(*Value::module("torch.nn.modules.container.Sequential",
                                          {{"", linear(h, f), ""}, {"", Value::module("torch.nn.modules.activation.ReLU", {}), ""},
                                           {"", linear(f, h), ""}}),
                           "ffn");
  ast::Node call;
  call.type = "Call";
  ValuePtr x = Value::tensor({Expr::symbol("batch_size"), Expr::symbol("seq_len"), h});
  ValuePtr out = tracer.call(call, ffn, {{"", x, "x"}});
  ASSERT_TRUE(out->is_tensor()) << out->describe();
  EXPECT_EQ(out->shape, x->shape);
  ASSERT_EQ(trace.children.size(), 3u);
  EXPECT_EQ(trace.children[0].label, "ffn.0");
  EXPECT_EQ(trace.children[0].kernel, "F.linear");
  EXPECT_EQ(trace.children[1].label, "ffn.1");
  EXPECT_EQ(trace.children[1].kernel, "F.relu");
  EXPECT_EQ(trace.children[2].label, "ffn.2");
}

TEST(ModuleListOfDifferentModules, AKnownIndexIsThatModule) {
  // LongCat's self_attn = ModuleList([MLA(layer_idx=2*i), MLA(layer_idx=2*i+1)]), called as
  // self.self_attn[0](...) and self.self_attn[1](...): the module at the index, also from the end.
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().analysis, "sdpa"};
  KernelTrace trace;
  ShapeTracer tracer(ctx, &trace);
  auto norm = [](long long n) {
    return Value::module("torch.nn.modules.normalization.LayerNorm", {{"", Value::integer(n), ""}});
  };
  auto list = std::make_shared<Value>();
  list->kind = Value::Kind::ModuleList;
  list->items = {norm(3), norm(5)};
  list->length = Expr(2);
  ast::Node node;
  node.type = "Subscript";
  EXPECT_TRUE(same_value(*tracer.subscript(node, list, Value::integer(1)), *norm(5)));
  EXPECT_TRUE(same_value(*tracer.subscript(node, list, Value::integer(-2)), *norm(3)));
  EXPECT_TRUE(tracer.subscript(node, list, Value::integer(2))->is(Value::Kind::Unknown));
}

// self.layers[lo:hi] (Inkling2-Loop's layers before, in and after its loop): the layers the
// analysed config builds there, hi - lo of them in any config; negative bounds from the end; a
// bound of no known value or a step leaves the stack whole.
TEST(ModuleListSlice, IsTheLayersBetweenItsBounds) {
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().analysis, "sdpa"};
  ShapeTracer tracer(ctx, nullptr);
  auto norm = [](long long i) {
    return Value::module("torch.nn.modules.normalization.LayerNorm", {{"", Value::integer(8 + i), ""}});
  };
  const Expr n = Expr::symbol("config.num_hidden_layers"), start = Expr::symbol("config.loop_start");
  auto stack = std::make_shared<Value>();
  stack->kind = Value::Kind::ModuleList;
  stack->items = {norm(0), norm(1), norm(2), norm(3)};
  stack->element = Value::module("torch.nn.modules.normalization.LayerNorm", {{"", Value::number(Expr::symbol("d")), ""}});
  stack->length = n;
  ast::Node node;
  node.type = "Subscript";
  ValuePtr loop_start = Value::number(start, GiNaC::numeric(1));
  ValuePtr before = tracer.subscript(node, stack, Value::slice(Value::none(), loop_start, Value::none()));
  ASSERT_EQ(before->items.size(), 1u);
  EXPECT_TRUE(same_value(*before->items[0], *norm(0)));
  EXPECT_EQ(before->length, start);
  ValuePtr after = tracer.subscript(node, stack, Value::slice(loop_start, Value::none(), Value::none()));
  ASSERT_EQ(after->items.size(), 3u);
  EXPECT_TRUE(same_value(*after->items[0], *norm(1)));
  EXPECT_EQ(after->length, n - start);
  ValuePtr last_two = tracer.subscript(node, stack, Value::slice(Value::integer(-2), Value::none(), Value::none()));
  ASSERT_EQ(last_two->items.size(), 2u);
  EXPECT_TRUE(same_value(*last_two->items[0], *norm(2)));
  EXPECT_EQ(last_two->length, Expr(2));
  ValuePtr past_the_end = tracer.subscript(node, stack, Value::slice(Value::integer(6), Value::integer(18), Value::none()));
  EXPECT_TRUE(past_the_end->items.empty());
  EXPECT_EQ(past_the_end->length.subs({{"config.num_hidden_layers", Expr(4)}}), Expr(0));
  EXPECT_EQ(past_the_end->length.subs({{"config.num_hidden_layers", Expr(24)}}), Expr(12));
  EXPECT_EQ(tracer.subscript(node, stack, Value::slice(Value::none(), Value::number(Expr::symbol("k")), Value::none())), stack);
  EXPECT_EQ(tracer.subscript(node, stack, Value::slice(Value::none(), Value::none(), Value::integer(2))), stack);
}

// A submodule's method other than forward (JetMoE's attention calls self.experts.map(x), a
// JetMoeMoA method): its source runs with that module as self, so its own submodules (router,
// input_linear) are children of the caller, labelled under the submodule and the method.
TEST(SubmoduleMethod, RunsWithTheSubmoduleAsSelf) {
  const ConfigDefaults& d = fx().locator.config_of("transformers.models.jetmoe.modeling_jetmoe.JetMoeForCausalLM");
  ConfigView config{d.values, d.aliases};
  TraceContext ctx{fx().locator, config, fx().leaves, fx().analysis, "sdpa"};
  KernelTrace trace;
  ShapeTracer tracer(ctx, &trace);
  ValuePtr moa = with_attr(*Value::module("transformers.models.jetmoe.modeling_jetmoe.JetMoeMoA",
                                          {{"", Value::config("config"), "config"}}),
                           "experts");
  ast::Node node;
  node.type = "Call";
  ValuePtr map = tracer.attribute(node, moa, "map");
  ASSERT_TRUE(map->is(Value::Kind::Callable)) << map->describe();
  ValuePtr x = Value::tensor({Expr::symbol("batch_size"), Expr::symbol("seq_len"), Expr::symbol("config.hidden_size")});
  tracer.call(node, map, {{"", x, "layer_input"}});
  std::vector<std::string> labels;
  for (const auto& c : trace.children) labels.push_back(c.label + "=" + c.kernel);
  auto has = [&](const std::string& l) { return std::find(labels.begin(), labels.end(), l) != labels.end(); };
  EXPECT_TRUE(has("experts.map.router=transformers.models.jetmoe.modeling_jetmoe.JetMoeTopKGating")) << testing::PrintToString(labels);
  EXPECT_TRUE(has("experts.map.input_linear=transformers.models.jetmoe.modeling_jetmoe.JetMoeParallelExperts"))
      << testing::PrintToString(labels);
  EXPECT_TRUE(tracer.attribute(node, moa, "no_such_method")->is(Value::Kind::Unknown));
}

TEST(AutogradFunction, ApplyRunsTheSubclassForwardWithACtxThatKeepsNothing) {
  // Bloom's BloomGelu: GeLUFunction.apply(x), whose forward(ctx, input) calls
  // ctx.save_for_backward(input) and returns bloom_gelu_forward(input): its elementwise ops are
  // children, nothing is unknown.
  const GlobalRef& apply = fx().locator.resolve_global("transformers.models.bloom.modeling_bloom", "GeLUFunction.apply");
  EXPECT_EQ(apply.qualname, "torch.autograd.function.Function.apply");
  EXPECT_EQ(apply.path, "transformers.models.bloom.modeling_bloom.GeLUFunction.apply");
  TraceContext ctx{fx().locator, fx().config, fx().leaves, fx().analysis, "eager"};
  KernelTrace trace;
  ShapeTracer tracer(ctx, &trace);
  ValuePtr fn = Value::global(Value::GlobalKind::NativeFunction, apply.qualname, apply.path, apply.path);
  ast::Node call;
  call.type = "Call";
  ValuePtr x = Value::tensor({Expr::symbol("batch_size"), Expr::symbol("seq_len"), Expr(64)});
  ValuePtr out = tracer.call(call, fn, {{"", x, "x"}});
  ASSERT_TRUE(out->is_tensor()) << out->describe();
  EXPECT_EQ(out->shape, x->shape);
  ASSERT_FALSE(trace.children.empty());
  bool tanh = false;
  for (const auto& c : trace.children) {
    EXPECT_NE(c.kernel, "unknown") << c.label;
    tanh = tanh || c.kernel == "torch.tanh";
  }
  EXPECT_TRUE(tanh);
}

}  // namespace
}  // namespace kcost
