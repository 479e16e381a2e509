// The interpreter on hand-written functions (testdata/snippets.py, their ASTs in
// testdata/snippets.json): no Python runs; globals come from a table, the pass from test hooks.
#include "interp/interpreter.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "interp/builtins.h"
#include "locate/source_locator.h"

namespace kcost {
namespace {

const std::string kSnippets = std::string(KCOST_SOURCE_DIR) + "/src/interp/testdata/snippets.py";

const ast::Node& function(const std::string& name) {
  static std::map<std::string, ast::NodePtr> functions = [] {
    std::ifstream in(std::string(KCOST_SOURCE_DIR) + "/src/interp/testdata/snippets.json");
    nlohmann::json data = nlohmann::json::parse(in);
    std::map<std::string, ast::NodePtr> out;
    for (auto it = data.begin(); it != data.end(); ++it) out[it.key()] = ast::from_json(it.value());
    return out;
  }();
  return *functions.at(name);
}

// Python builtins by name; every other name is missing.
class TableGlobals : public GlobalResolver {
 public:
  const GlobalRef& resolve_global(const std::string& module, const std::string& dotted,
                                  const std::optional<std::string>&) override {
    if (module.rfind("not_installed", 0) == 0) throw LocateError("No module named '" + module + "'");
    auto it = refs_.find(dotted);
    if (it != refs_.end()) return it->second;
    GlobalRef r;
    if (find_builtin(dotted) || dotted == "int" || dotted == "str") {
      r.kind = GlobalRef::Kind::Builtin;
      r.qualname = dotted;
      r.path = dotted;
    }
    return refs_[dotted] = r;
  }
  void add(const std::string& dotted, GlobalRef r) { refs_[dotted] = std::move(r); }

 private:
  std::map<std::string, GlobalRef> refs_;
};

// A pass that calls modules as the identity on their first argument and iterates a
// ModuleList as its element repeated `length` times.
class IdentityHooks : public Hooks {
 public:
  ValuePtr call(const ast::Node&, const ValuePtr& callee, const std::vector<Arg>& args) override {
    calls.push_back(callee ? callee->describe() : "?");
    return args.empty() ? Value::none() : args[0].value;
  }
  ValuePtr attribute(const ast::Node&, const ValuePtr& base, const std::string& name) override {
    return Value::unknown(name + " of " + base->describe());
  }
  std::optional<std::vector<Iteration>> iterate(const ast::Node&, const ValuePtr& iterable) override {
    if (!iterable->is(Value::Kind::ModuleList) || !iterable->element) return std::nullopt;
    return std::vector<Iteration>{{iterable->element, iterable->length}};
  }
  void enter_repeat(const Expr& count) override { repeats.push_back(count); }

  std::vector<std::string> calls;
  std::vector<Expr> repeats;
};

ConfigView small_config() {
  return ConfigView(nlohmann::json{{"hidden_size", 128},
                                   {"num_attention_heads", 8},
                                   {"num_key_value_heads", 4},
                                   {"use_bias", false},
                                   {"num_hidden_layers", 3}});
}

// An interpreter over the snippets with the small config and the pass's hooks `H`.
template <class H>
struct SessionWith {
  TableGlobals globals;
  ConfigView config = small_config();
  H hooks;
  Interpreter interp{globals, config, hooks, "snippets", kSnippets};

  ValuePtr call(const std::string& name, const std::vector<Arg>& args) {
    return interp.run_function(function(name), args, Value::self());
  }
};
using Session = SessionWith<IdentityHooks>;

Arg positional(ValuePtr v) { return {"", std::move(v), ""}; }

TEST(Interpreter, ConfigArithmeticStaysSymbolicWhileBranchesAreDecided) {
  Session run;
  ValuePtr out = run.call("config_arith", {positional(Value::config("config")), positional(Value::number(Expr::symbol("n")))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple));
  ASSERT_EQ(out->items.size(), 3u);
  // min(config.hidden_size // config.num_attention_heads, 3): 3 by the defaults, symbolic still.
  const Value& smallest = *out->items[0];
  ASSERT_TRUE(smallest.known);
  EXPECT_EQ(*smallest.known, 3);
  EXPECT_EQ(smallest.expr.symbols(), (std::set<std::string>{"config.hidden_size", "config.num_attention_heads"}));
  // max(config.num_key_value_heads, getattr(config, "missing", 7)): the default of a missing field.
  ASSERT_TRUE(out->items[1]->known);
  EXPECT_EQ(*out->items[1]->known, 7);
  // `a if n > 0 else b` with n unknown: a conditional expression, not a guess.
  const Value& chosen = *out->items[2];
  EXPECT_FALSE(chosen.known);
  EXPECT_TRUE(chosen.expr.symbols().count("n"));
  // The branch on config.use_bias (False by default) is decided and noted.
  bool noted = false;
  for (const auto& n : run.interp.notes()) noted = noted || n.text.find("not taken") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Interpreter, ContainersComprehensionsAndBuiltins) {
  Session run;
  ValuePtr out = run.call("containers", {positional(Value::config("config"))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple));
  ASSERT_EQ(out->items.size(), 6u);
  // len() of a comprehension over range(config.num_hidden_layers) is the symbolic length.
  EXPECT_EQ(out->items[0]->expr, Expr::symbol("config.num_hidden_layers"));
  // With the count known, the elements are evaluated one by one: sizes[1] == 2.
  ASSERT_TRUE(out->items[1]->known);
  EXPECT_EQ(*out->items[1]->known, 2);
  EXPECT_EQ(out->items[2]->truth(), std::optional<bool>(true));  // isinstance(config.hidden_size, int)
  EXPECT_EQ(out->items[3]->truth(), std::optional<bool>(true));  // "x" in d
  ASSERT_TRUE(out->items[4]->known);                              // d["y"] from a ** spread
  EXPECT_EQ(*out->items[4]->known, 2);
  ASSERT_TRUE(out->items[5]->is(Value::Kind::List));  // sizes[-1:]
  ASSERT_EQ(out->items[5]->items.size(), 1u);
  EXPECT_EQ(*out->items[5]->items[0]->known, 4);
}

TEST(Interpreter, AllAndAnyDecideItemByItem) {
  Session run;
  ValuePtr out = run.call("all_and_any", {positional(Value::number(Expr::symbol("n")))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple));
  ASSERT_EQ(out->items.size(), 7u);
  EXPECT_EQ(out->items[0]->truth(), std::optional<bool>(true));   // all(x > 0 for x in [1, 2])
  EXPECT_EQ(out->items[1]->truth(), std::optional<bool>(false));  // any(x > 5 for x in [1, 2])
  EXPECT_EQ(out->items[2]->truth(), std::optional<bool>(true));   // all([])
  EXPECT_EQ(out->items[3]->truth(), std::optional<bool>(false));  // any([])
  EXPECT_EQ(out->items[4]->truth(), std::optional<bool>(false));  // all([n > 0, False])
  EXPECT_TRUE(out->items[5]->is(Value::Kind::Unknown));           // all([n > 0, True]): n decides
  EXPECT_EQ(out->items[6]->truth(), std::optional<bool>(true));   // any([n > 0, True])
}

// list() and tuple() of a range: its integers when its bounds are known; a list of stop - start
// items not known one by one when they are not (CPM-Ant's list(range(seqlen - prompt_length))),
// which [::-1] keeps and len() measures.
TEST(Interpreter, ListOfARangeIsItsItemsOrASymbolicLength) {
  Session run;
  Expr n = Expr::symbol("n");
  ValuePtr out = run.call("ranges_as_lists", {positional(Value::number(n))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple));
  ASSERT_EQ(out->items.size(), 5u) << out->describe();
  auto ints = [](const ValuePtr& v) {
    std::vector<long long> got;
    for (const auto& i : v->items) got.push_back(known_int(*i).value_or(-999));
    return got;
  };
  EXPECT_TRUE(out->items[0]->is(Value::Kind::List));
  EXPECT_EQ(ints(out->items[0]), (std::vector<long long>{0, 1, 2, 3}));
  EXPECT_EQ(ints(out->items[1]), (std::vector<long long>{2, 5, 8}));
  EXPECT_TRUE(out->items[2]->is(Value::Kind::Tuple));
  EXPECT_EQ(ints(out->items[2]), (std::vector<long long>{5, 3, 1}));
  const Value& symbolic = *out->items[3];
  ASSERT_TRUE(symbolic.is(Value::Kind::List)) << symbolic.describe();
  ASSERT_TRUE(symbolic.element);
  EXPECT_EQ(symbolic.length, n);
  EXPECT_EQ(out->items[4]->expr, n);
}

// A ModuleList of config.num_hidden_layers alike pkg.Layer modules.
ValuePtr symbolic_layers() {
  auto layers = std::make_shared<Value>();
  layers->kind = Value::Kind::ModuleList;
  layers->element = Value::module("pkg.Layer", {});
  layers->length = Expr::symbol("config.num_hidden_layers");
  return layers;
}

TEST(Interpreter, LoopOverModuleListRunsOnceStandingForEveryLayer) {
  Session run;
  ValuePtr layers = symbolic_layers();
  ValuePtr x = Value::tensor({Expr::symbol("batch_size"), Expr(4)});
  ValuePtr out = run.call("loop", {positional(layers), positional(x)});
  EXPECT_TRUE(same_value(*out, *x));
  EXPECT_EQ(run.hooks.calls, std::vector<std::string>{"pkg.Layer()"});
  ASSERT_EQ(run.hooks.repeats.size(), 1u);
  EXPECT_EQ(run.hooks.repeats[0], Expr::symbol("config.num_hidden_layers"));
}

TEST(Interpreter, ContinueAndBreakEndTheirIterationAndTheirLoop) {
  Session run;
  ValuePtr out = run.call("loop_exits", {positional(Value::tensor({Expr::symbol("batch_size"), Expr(4)}))});
  ASSERT_TRUE(out->is(Value::Kind::List));
  ASSERT_EQ(out->items.size(), 2u);  // 0 and 2: 1 continued past, the loop broken at 3
  EXPECT_EQ(*out->items[0]->known, 0);
  EXPECT_EQ(*out->items[1]->known, 2);
  EXPECT_EQ(run.hooks.calls.size(), 2u);  // nothing after a continue or break runs
}

TEST(Interpreter, AContinueInAnIterationStandingForEveryLayerSkipsItsBody) {
  Session skipped;
  EXPECT_TRUE(skipped.call("loop_exits_per_layer", {positional(symbolic_layers()), positional(Value::none())})->is(Value::Kind::None));
  EXPECT_TRUE(skipped.hooks.calls.empty());
  Session run;
  ValuePtr x = Value::tensor({Expr::symbol("batch_size"), Expr(4)});
  EXPECT_TRUE(same_value(*run.call("loop_exits_per_layer", {positional(symbolic_layers()), positional(x)}), *x));
  EXPECT_EQ(run.hooks.calls, std::vector<std::string>{"pkg.Layer()"});
}

TEST(Interpreter, BindsPositionalDefaultsVarargsKeywordOnlyAndKwargs) {
  Session run;
  ValuePtr out = run.call("params", {positional(Value::integer(1)), {"x", Value::integer(5), ""}, {"c", Value::integer(4), ""}});
  ASSERT_TRUE(out->is(Value::Kind::Tuple));
  ASSERT_EQ(out->items.size(), 5u);
  EXPECT_EQ(*out->items[0]->known, 1);
  EXPECT_EQ(*out->items[1]->known, 2);  // b's default
  EXPECT_TRUE(out->items[2]->is(Value::Kind::Tuple));
  EXPECT_TRUE(out->items[2]->items.empty());
  EXPECT_EQ(*out->items[3]->known, 4);  // c passed by keyword
  ASSERT_TRUE(out->items[4]->is(Value::Kind::Dict));
  EXPECT_EQ(out->items[4]->keys, std::vector<std::string>{"x"});
}

TEST(Interpreter, LocalFunctionsAndLambdasRunWithTheScopeTheyWereDefinedIn) {
  Session run;
  ValuePtr out = run.call("local_functions", {positional(Value::integer(2)), positional(Value::number(Expr::symbol("k")))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple));
  ASSERT_EQ(out->items.size(), 3u);
  // bigger(2) with `scale` from the enclosing function and the default `by`: 2 * 10 + 1.
  ASSERT_TRUE(out->items[0]->known);
  EXPECT_EQ(*out->items[0]->known, 21);
  EXPECT_EQ(out->items[1]->expr, Expr::parse("k * 10 + 3"));  // by passed by keyword
  EXPECT_EQ(out->items[2]->expr, Expr::parse("k * 2"));       // the lambda
  EXPECT_TRUE(run.hooks.calls.empty());  // run by the interpreter, not handed to the pass
}

// A pass that weighs branches on run-time sizes (as the shape tracer does).
class WeighingHooks : public IdentityHooks {
 public:
  bool weighs_branches() const override { return true; }
};

TEST(Interpreter, ANumberTheArmsOfAWeighedBranchSetDifferentlyIsTheOneTheConditionChooses) {
  SessionWith<WeighingHooks> run;
  Interpreter& interp = run.interp;
  Expr s = Expr::symbol("seq_len");
  ValuePtr out = interp.run_function(function("weighed_number"), {positional(Value::number(s))}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Number)) << out->describe();
  EXPECT_EQ(out->expr, Expr::if_else(Expr::compare(">", s, Expr(2)), Expr::parse("4.5"), Expr(4)));
  EXPECT_FALSE(out->known);
  EXPECT_EQ(out->expr.subs({{"seq_len", Expr(3)}}), Expr::parse("4.5"));
  EXPECT_EQ(out->expr.subs({{"seq_len", Expr(1)}}), Expr(4));
}

TEST(Interpreter, AConditionOnTheExpertsARoutingReachesIsDecidedAtRunTime) {
  // `if token_indices.numel() > 0` on the rows an expert gets, R / min(E, R, experts_hit):
  // experts_hit is a run-time quantity like the sizes, so both arms are weighed, not the
  // condition assumed false.
  SessionWith<WeighingHooks> run;
  Expr rows = Expr::parse("seq_len / min(8, seq_len, experts_hit)");
  ValuePtr out = run.interp.run_function(function("weighed_number"), {positional(Value::number(rows))}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Number)) << out->describe();
  EXPECT_EQ(out->expr, Expr::if_else(Expr::compare(">", rows, Expr(2)), Expr::parse("4.5"), Expr(4)));
  EXPECT_EQ(out->expr.subs({{"seq_len", Expr(12)}, {"experts_hit", Expr(4)}}), Expr::parse("4.5"));
  EXPECT_EQ(out->expr.subs({{"seq_len", Expr(12)}, {"experts_hit", Expr(8)}}), Expr(4));
}

TEST(Interpreter, AnEarlyReturnUnderARunTimeConditionWeighsTheRestOfTheFunction) {
  SessionWith<WeighingHooks> run;
  Interpreter& interp = run.interp;
  Expr s = Expr::symbol("seq_len");
  // `return None` where seq_len == 1 inside a decided `if`, the tensor after it elsewhere: a
  // tensor present where seq_len != 1.
  ValuePtr x = Value::tensor({s});
  ValuePtr out = interp.run_function(function("early_return_mask"), {positional(x), positional(Value::number(s))}, Value::self());
  ASSERT_TRUE(out->is_tensor()) << out->describe();
  ASSERT_TRUE(out->presence);
  EXPECT_EQ(out->presence->subs({{"seq_len", Expr(1)}}), Expr(0));
  EXPECT_EQ(out->presence->subs({{"seq_len", Expr(5)}}), Expr(1));
  // Numbers: the one the condition chooses.
  ValuePtr n = interp.run_function(function("early_return_number"), {positional(Value::number(s))}, Value::self());
  ASSERT_TRUE(n->is(Value::Kind::Number)) << n->describe();
  EXPECT_EQ(n->expr.subs({{"seq_len", Expr(3)}}), Expr(5));
  EXPECT_EQ(n->expr.subs({{"seq_len", Expr(2)}}), Expr(7));
}

TEST(Interpreter, AnEarlyReturnOfOtherShapesReturnsTheShapesTheConditionChooses) {
  SessionWith<WeighingHooks> run;
  Expr s = Expr::symbol("seq_len"), w = Expr::parse("min(config.sliding_window, cache_len + seq_len)");
  ValuePtr fresh = Value::tensor({Expr::symbol("batch_size"), s}), held = Value::tensor({Expr::symbol("batch_size"), w});
  ValuePtr out = run.interp.run_function(function("early_return_either"),
                                         {positional(fresh), positional(held), positional(Value::number(s)), positional(Value::number(w))},
                                         Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 2u);
  for (const ValuePtr& t : out->items) {
    ASSERT_TRUE(t->is_tensor()) << t->describe();
    EXPECT_EQ(t->shape[0], Expr::symbol("batch_size"));
    // A chunk of 5 over a window of 4 returns its 5 keys; a decode step past it, the 4 slots.
    std::map<std::string, Expr> chunk = {{"seq_len", Expr(5)}, {"cache_len", Expr(7)}, {"config.sliding_window", Expr(4)}};
    std::map<std::string, Expr> decode = {{"seq_len", Expr(1)}, {"cache_len", Expr(9)}, {"config.sliding_window", Expr(4)}};
    EXPECT_EQ(t->shape[1].subs(chunk), Expr(5));
    EXPECT_EQ(t->shape[1].subs(decode), Expr(4));
  }
}

TEST(Interpreter, AnArmThatReturnsOnEveryPathWeighsItsElseAndTheRestOfTheFunction) {
  SessionWith<WeighingHooks> run;
  Expr s = Expr::symbol("seq_len");
  // `if n == 1:` whose arm returns through an inner if/else (state given: 2), its else falling
  // through to `return k` (3): the one the condition chooses, not the else assumed.
  ValuePtr out = run.interp.run_function(function("returns_in_both_inner_arms"),
                                         {positional(Value::number(s)), positional(Value::tensor({s}))}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Number)) << out->describe();
  EXPECT_EQ(out->expr.subs({{"seq_len", Expr(1)}}), Expr(2));
  EXPECT_EQ(out->expr.subs({{"seq_len", Expr(5)}}), Expr(3));
}

// A pass that keeps a module's state (as the shape tracer does): `self.kept` holds what a
// previous call left, None unless a token is cached.
class StateHooks : public WeighingHooks {
 public:
  StateHooks() {
    auto kept = std::make_shared<Value>(*Value::integer(9));
    kept->none_unless = Expr::compare("!=", Expr::symbol("cache_len"), Expr(0));
    state["self.kept"] = kept;
  }
  const std::map<std::string, ValuePtr>* module_state() const override { return &state; }
  std::map<std::string, ValuePtr> state;
};

TEST(Interpreter, AModulesStateIsReadFromWhatItHoldsAndSetWhereTheCodeAssignsIt) {
  SessionWith<StateHooks> run;
  Expr s = Expr::symbol("seq_len");
  ValuePtr out = run.interp.run_function(function("held_state"), {positional(Value::number(s))}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  // `self.kept is None` is the formula of what the previous call left.
  ASSERT_TRUE(out->items[0]->is(Value::Kind::Number)) << out->items[0]->describe();
  EXPECT_EQ(out->items[0]->expr.subs({{"cache_len", Expr(0)}}), Expr(1));
  EXPECT_EQ(out->items[0]->expr.subs({{"cache_len", Expr(3)}}), Expr(0));
  // After the `if`, the one the condition chooses: 4 where seq_len == 1, else what it held.
  ASSERT_TRUE(out->items[1]->is(Value::Kind::Number)) << out->items[1]->describe();
  EXPECT_EQ(out->items[1]->expr.subs({{"seq_len", Expr(1)}}), Expr(4));
  EXPECT_EQ(out->items[1]->expr.subs({{"seq_len", Expr(5)}}), Expr(9));
  EXPECT_EQ(run.interp.module_state_after().at("self.kept")->expr.subs({{"seq_len", Expr(1)}}), Expr(4));
}

// A condition on a kernel parameter beside a run-time size (`seq_len < conv_kernel_size`: a cache
// layer pads a prefill shorter than its conv kernel) varies with the point: both arms are
// weighed. One on kernel parameters alone is not something a point binds: assumed false, noted.
TEST(Interpreter, AConditionOnAKernelParameterBesideARunTimeSizeIsWeighed) {
  SessionWith<WeighingHooks> run;
  Expr s = Expr::symbol("seq_len"), k = Expr::symbol("conv_kernel_size");
  ValuePtr out = run.interp.run_function(function("weigh_kernel_param"),
                                         {positional(Value::number(s)), positional(Value::number(k))}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  EXPECT_EQ(out->items[0]->expr.subs({{"seq_len", Expr(1)}, {"conv_kernel_size", Expr(4)}}), Expr(4));
  EXPECT_EQ(out->items[0]->expr.subs({{"seq_len", Expr(6)}, {"conv_kernel_size", Expr(4)}}), Expr(6));
  EXPECT_EQ(out->items[1]->expr, Expr(1));
}

TEST(Interpreter, ATensorOneArmSetsToNoneIsPresentWhereTheOtherArmHolds) {
  SessionWith<WeighingHooks> run;
  Interpreter& interp = run.interp;
  Expr s = Expr::symbol("seq_len");
  // `mask = None` where seq_len == 1, the tensor elsewhere (an arm with a raise the default path
  // never reaches is still weighed): the tensor, present where seq_len != 1.
  ValuePtr out = interp.run_function(function("mask_left_out"), {positional(Value::tensor({s})), positional(Value::number(s))},
                                     Value::self());
  ASSERT_TRUE(out->is_tensor()) << out->describe();
  ASSERT_TRUE(out->presence);
  EXPECT_EQ(out->presence->subs({{"seq_len", Expr(1)}}), Expr(0));
  EXPECT_EQ(out->presence->subs({{"seq_len", Expr(5)}}), Expr(1));
}

// A value that is None unless a condition holds (a state generate carries from the prefill:
// XLNet's `mems`) tests as that condition in `if`, a conditional expression and `not`; a tuple
// one arm puts in a dict is None unless that arm's condition holds, as a tensor is.
TEST(Interpreter, AStateThatIsNoneUntilATokenIsCachedTestsAsThatCondition) {
  SessionWith<WeighingHooks> run;
  Expr c = Expr::symbol("cache_len"), s = Expr::symbol("seq_len"), b = Expr::symbol("batch_size");
  auto mems = std::make_shared<Value>(*Value::tuple({Value::tensor({c, b})}));
  mems->none_unless = Expr::compare("!=", c, Expr(0));
  ValuePtr out = run.interp.run_function(
      function("inputs_with_state"), {positional(Value::tensor({b, s})), positional(Value::number(s)), positional(mems)},
      Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  const Value& inputs = *out->items[0];
  ASSERT_TRUE(inputs.is(Value::Kind::Dict)) << inputs.describe();
  ASSERT_EQ(inputs.keys, (std::vector<std::string>{"input_ids", "mems"}));
  const Value& width = *out->items[3];
  ASSERT_TRUE(width.is(Value::Kind::Number)) << width.describe();
  EXPECT_EQ(width.expr.subs({{"cache_len", Expr(0)}, {"seq_len", Expr(11)}}), Expr(12));
  EXPECT_EQ(width.expr.subs({{"cache_len", Expr(9)}, {"seq_len", Expr(11)}}), Expr(3));
  const Value& carried = *inputs.items[1];
  ASSERT_TRUE(carried.is(Value::Kind::Tuple)) << carried.describe();
  ASSERT_TRUE(carried.none_unless);
  EXPECT_EQ(carried.none_unless->subs({{"cache_len", Expr(0)}}), Expr(0));
  EXPECT_EQ(carried.none_unless->subs({{"cache_len", Expr(4)}}), Expr(1));
  for (size_t i : {1, 2}) {
    const Value& n = *out->items[i];
    ASSERT_TRUE(n.is(Value::Kind::Number)) << n.describe();
    EXPECT_EQ(n.expr.subs({{"cache_len", Expr(0)}}), Expr(i == 1 ? 0 : 1));
    EXPECT_EQ(n.expr.subs({{"cache_len", Expr(3)}}), Expr(i == 1 ? 1 : 0));
  }
}

// One item per layer of a ModuleList of config.num_hidden_layers: `[None] * len(layers)` is None
// repeated that often; merged with the memories a prefill left (None until a token is cached),
// each item is a memory, None unless a token is cached; a tuple grown by one item per layer in the
// loop is that item repeated per layer, and a tuple() over it as long; any index is the item.
TEST(Interpreter, SequencesOfOneItemPerLayer) {
  SessionWith<WeighingHooks> run;
  Expr c = Expr::symbol("cache_len"), b = Expr::symbol("batch_size"), n = Expr::symbol("config.num_hidden_layers");
  ValuePtr memory = Value::tensor({c, b, Expr(8)});
  auto mems = std::make_shared<Value>(*Value::repeated_list(memory, n, {}));
  mems->kind = Value::Kind::Tuple;
  mems->none_unless = Expr::compare("!=", c, Expr(0));
  ValuePtr x = Value::tensor({Expr::symbol("seq_len"), b, Expr(8)});
  ValuePtr out = run.interp.run_function(function("memory_per_layer"), {positional(symbolic_layers()), positional(mems), positional(x)},
                                         Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  for (size_t i : {0, 3}) {
    const Value& first = *out->items[i];
    ASSERT_TRUE(first.is_tensor()) << first.describe();
    EXPECT_EQ(first.shape, memory->shape);
    ASSERT_TRUE(first.none_unless);
    EXPECT_EQ(first.none_unless->subs({{"cache_len", Expr(0)}}), Expr(0));
    EXPECT_EQ(first.none_unless->subs({{"cache_len", Expr(5)}}), Expr(1));
  }
  for (size_t i : {1, 2}) {
    const Value& grown = *out->items[i];
    ASSERT_TRUE(grown.is(Value::Kind::Tuple)) << grown.describe();
    ASSERT_TRUE(grown.element) << grown.describe();
    EXPECT_TRUE(grown.items.empty());
    EXPECT_EQ(grown.length, n);
    EXPECT_TRUE(same_value(*grown.element, *x));
  }
}

TEST(Interpreter, ADictItemOneArmSetsToNoneIsNoneUnlessTheOtherArmsConditionHolds) {
  SessionWith<WeighingHooks> run;
  Interpreter& interp = run.interp;
  Expr c = Expr::symbol("cache_len"), s = Expr::symbol("seq_len");
  // generate's is_first_iteration is `cache_len == 0`; the mask is dropped past the prefill.
  ValuePtr mask = Value::tensor({c + s});
  ValuePtr out = interp.run_function(function("inputs_after_prefill"),
                                     {positional(mask), positional(Value::boolean(true)),
                                      positional(Value::number(Expr::compare("==", c, Expr(0))))},
                                     Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  const Value& inputs = *out->items[0];
  ASSERT_TRUE(inputs.is(Value::Kind::Dict)) << inputs.describe();
  ASSERT_EQ(inputs.keys, (std::vector<std::string>{"input_ids", "attention_mask", "use_cache"}));
  EXPECT_TRUE(same_value(*inputs.items[0], *mask));  // both arms agree
  const Value& m = *inputs.items[1];
  ASSERT_TRUE(m.is_tensor()) << m.describe();
  ASSERT_TRUE(m.none_unless);
  EXPECT_EQ(m.none_unless->subs({{"cache_len", Expr(0)}}), Expr(1));
  EXPECT_EQ(m.none_unless->subs({{"cache_len", Expr(7)}}), Expr(0));
  // `is not None` on it: the condition, as a number.
  const Value& present = *out->items[1];
  ASSERT_TRUE(present.is(Value::Kind::Number)) << present.describe();
  EXPECT_EQ(present.expr.subs({{"cache_len", Expr(0)}}), Expr(1));
  EXPECT_EQ(present.expr.subs({{"cache_len", Expr(9)}}), Expr(0));
}

TEST(Interpreter, ConditionsKnownValuesDecideKeepTheirExpressionsAndAreRecorded) {
  TableGlobals globals;
  ConfigView config(nlohmann::json{{"first_dense", 1}, {"period", 1}});
  IdentityHooks hooks;
  Interpreter interp{globals, config, hooks, "snippets", kSnippets};
  ValuePtr index = Value::number(Expr::symbol("layer_idx"), GiNaC::numeric(3));
  ValuePtr out = interp.run_function(function("decided_conditions"), {positional(Value::config("config")), positional(index)},
                                     Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  EXPECT_EQ(*out->items[0]->known, 1);
  // The whole `and` is the decision, every operand in it.
  ASSERT_EQ(interp.decisions().size(), 1u);
  EXPECT_TRUE(interp.decisions()[0].taken);
  EXPECT_EQ(interp.decisions()[0].condition.str(),
            "layer_idx >= config.first_dense and (layer_idx + 1) % config.period == 0 and layer_idx < 99");
  // `==` of numbers both known: the comparison, known false.
  EXPECT_EQ(out->items[1]->expr.str(), "layer_idx == config.first_dense");
  EXPECT_EQ(*out->items[1]->known, 0);
  EXPECT_EQ(out->items[2]->truth(), std::optional<bool>(true));  // bool(1 - 3)
}

// `config.is_decoder = True` on a config a name holds (TrOCR's __init__ on its deepcopy): the name
// reads the value set from then on, getattr too, and the config is another value (modules built
// from it are built apart).
TEST(Interpreter, AnAttributeSetOnAConfigIsWhatItReadsFromThenOn) {
  Session run;
  ValuePtr out = run.call("config_set_attribute", {positional(Value::config("config"))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  EXPECT_EQ(*out->items[0]->known, 128);
  EXPECT_EQ(*out->items[1]->known, 7);
  EXPECT_EQ(*out->items[2]->known, 7);
  ASSERT_TRUE(out->items[3]->is(Value::Kind::Config));
  EXPECT_NE(structural_key(*out->items[3]), structural_key(*Value::config("config")));
  EXPECT_EQ(out->items[3]->config_path, "config");
}

// A heterogeneous config's per-layer view (Gemma-4's config.per_layer_config[layer_idx]): a
// layer's index, a symbol whose value is known, reads that layer's overrides and the config's own
// values for the rest; a layer kind reads its first layer's; dict.fromkeys keeps the kinds in order.
TEST(Interpreter, APerLayerConfigReadsTheLayersOverrides) {
  TableGlobals globals;
  GlobalRef dict;
  dict.kind = GlobalRef::Kind::Builtin;
  dict.qualname = dict.path = "dict";
  globals.add("dict", dict);
  ConfigView config(nlohmann::json{{"num_hidden_layers", 3},
                                   {"head_dim", 16},
                                   {"num_key_value_heads", 4},
                                   {"layer_types", {"sliding_attention", "sliding_attention", "full_attention"}},
                                   {"per_layer_config", {{"2", {{"head_dim", 32}}}}}});
  IdentityHooks hooks;
  Interpreter interp{globals, config, hooks, "snippets", kSnippets};
  ValuePtr out = interp.run_function(function("per_layer_views"),
                                     {positional(Value::config("config")),
                                      positional(Value::number(Expr::symbol("layer_idx"), GiNaC::numeric(2)))},
                                     Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 4u);
  ASSERT_TRUE(out->items[0]->known) << out->items[0]->describe();
  EXPECT_EQ(*out->items[0]->known, 32);  // layer 2's own head_dim
  ASSERT_TRUE(out->items[1]->known) << out->items[1]->describe();
  EXPECT_EQ(*out->items[1]->known, 16);  // the sliding layers read the config's
  EXPECT_EQ(out->items[1]->expr, Expr::symbol("config.head_dim"));
  ASSERT_TRUE(out->items[2]->is(Value::Kind::Dict)) << out->items[2]->describe();
  EXPECT_EQ(out->items[2]->keys, (std::vector<std::string>{"sliding_attention", "full_attention"}));
  EXPECT_EQ(out->items[3]->expr, Expr::symbol("config.num_key_value_heads"));  // not overridden
}

TEST(Interpreter, ImportsInsideAFunctionBindTheirNames) {
  Session run;
  ValuePtr out = run.call("local_imports", {});
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 3u);
  EXPECT_EQ(out->items[0]->global_kind, Value::GlobalKind::PyModule);
  EXPECT_EQ(out->items[0]->qualname, "math");
  EXPECT_EQ(out->items[1]->qualname, "os.path");  // import os.path as osp
  EXPECT_EQ(out->items[2]->qualname, "math.floor");
}

TEST(Interpreter, AConfigMethodRunsOnTheConfigAndLenOfAStackIsItsLength) {
  TableGlobals globals;
  ConfigView config(nlohmann::json{{"num_hidden_layers", 3}}, nlohmann::json::object(),
                    nlohmann::json{{"get_text_config", {{"method", "pkg.Config.get_text_config"}}}});
  IdentityHooks hooks;
  Interpreter interp{globals, config, hooks, "snippets", kSnippets};
  auto layers = std::make_shared<Value>();
  layers->kind = Value::Kind::ModuleList;
  layers->element = Value::module("pkg.Layer", {});
  layers->length = Expr::symbol("config.num_hidden_layers");
  layers->items = {layers->element, layers->element, layers->element};
  ValuePtr out = interp.run_function(function("config_method"), {positional(Value::config("config")), positional(layers)},
                                     Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  // The pass is asked to run the method's function with the config as self (the identity hooks
  // give their first argument back).
  ASSERT_EQ(hooks.calls.size(), 1u);
  EXPECT_NE(hooks.calls[0].find("pkg.Config.get_text_config"), std::string::npos) << hooks.calls[0];
  EXPECT_TRUE(out->items[0]->is(Value::Kind::Config));
  // len(self.experts) of a ModuleList: its symbolic length, known from its items.
  EXPECT_EQ(out->items[1]->expr, Expr::symbol("config.num_hidden_layers"));
  EXPECT_EQ(*out->items[1]->known, 3);
}

TEST(Interpreter, AnImportOfAModuleNotInstalledRaisesIntoTheHandler) {
  Session run;
  ValuePtr out = run.call("import_fallback", {});
  ASSERT_TRUE(out->known) << out->describe();
  EXPECT_EQ(*out->known, 2);  // the rest of the try body does not run; the except does
}

TEST(Interpreter, ACacheStateIsNoneUntilATokenIsCachedAndTheArmsItDecidesMergePerDim) {
  SessionWith<WeighingHooks> run;
  Interpreter& interp = run.interp;
  Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), c = Expr::symbol("cache_len");
  Expr cached = Expr::compare("!=", c, Expr(0));
  auto conv_state = std::make_shared<Value>(*Value::tensor({b, Expr(4)}));
  conv_state->none_unless = cached;
  ValuePtr state = conv_state;
  ValuePtr decode = Value::tensor({b, Expr(1)}), prefill = Value::tensor({b, s});
  ValuePtr shape = Value::tuple({Value::number(b), Value::integer(3), Value::number(s)});
  ValuePtr out = interp.run_function(function("cache_state"),
                                     {positional(state), positional(Value::number(s)), positional(decode),
                                      positional(prefill), positional(shape)},
                                     Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 6u);
  // `state is None`: a formula of the run-time point, not a guess.
  EXPECT_EQ(out->items[0]->expr, Expr::logical_not(cached));
  EXPECT_FALSE(out->items[0]->known);
  // The `if` and the conditional expression: each arm counted where it holds, the tensor
  // the one the condition chooses, dim by dim.
  Expr decoding = Expr::logical_and(cached, Expr::compare("==", s, Expr(1)));
  ASSERT_TRUE(out->items[1]->is_tensor()) << out->items[1]->describe();
  EXPECT_EQ(out->items[1]->shape, (std::vector<Expr>{b, Expr::if_else(decoding, Expr(1), s)}));
  ASSERT_TRUE(out->items[2]->is_tensor()) << out->items[2]->describe();
  EXPECT_EQ(out->items[2]->shape, (std::vector<Expr>{b, Expr::if_else(Expr::logical_not(cached), Expr(1), s)}));
  EXPECT_EQ(run.hooks.repeats.size(), 4u);  // two arms of the `if`, two of the conditional expression
  // `*lead, last = shape`, and a dict's number key assigned.
  ASSERT_TRUE(out->items[3]->is(Value::Kind::List));
  ASSERT_EQ(out->items[3]->items.size(), 2u);
  EXPECT_EQ(*out->items[3]->items[1]->known, 3);
  EXPECT_EQ(out->items[4]->expr, s);
  EXPECT_EQ(out->items[5]->expr, s);
}

// A mask transformers returns None for where it is not needed (sdpa skips it for one query token
// or an empty cache: its presence) is None exactly where its presence fails: `is None` and `is
// not None` are formulas of it, and the work under `if mask is not None:` is counted where the
// mask exists (Doge on transformers 4.57, which tests the mask it is given).
TEST(Interpreter, AMaskThatMayNotExistIsNoneWhereItsPresenceFails) {
  SessionWith<WeighingHooks> run;
  Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), c = Expr::symbol("cache_len");
  Expr present = Expr::logical_and(Expr::compare("!=", s, Expr(1)), Expr::compare("!=", c, Expr(0)));
  auto mask = std::make_shared<Value>(*Value::tensor({b, Expr(1), s, c + s}, Value::DType::Bool));
  mask->presence = present;
  ValuePtr out = run.interp.run_function(function("dynamic_mask"),
                                         {positional(Value::tensor({b, Expr(4), s, c + s})), positional(mask)},
                                         Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  EXPECT_EQ(out->items[1]->expr, Expr::logical_not(present));
  EXPECT_FALSE(out->items[1]->known);
  ASSERT_EQ(run.hooks.repeats.size(), 2u);  // the `if` weighed: its body, and its empty else
  EXPECT_EQ(run.hooks.repeats[0], Expr::if_else(present, Expr(1), Expr(0)));
  EXPECT_EQ(run.hooks.repeats[0].subs({{"seq_len", Expr(11)}, {"cache_len", Expr(0)}}), Expr(0));
  EXPECT_EQ(run.hooks.repeats[0].subs({{"seq_len", Expr(5)}, {"cache_len", Expr(7)}}), Expr(1));
  // A mask that always exists is never None.
  run.hooks.repeats.clear();
  out = run.interp.run_function(function("dynamic_mask"),
                                {positional(Value::tensor({b, Expr(4), s, c + s})),
                                 positional(Value::tensor({b, Expr(1), s, c + s}, Value::DType::Bool))},
                                Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  EXPECT_EQ(out->items[1]->known, GiNaC::numeric(0));
  EXPECT_TRUE(run.hooks.repeats.empty());
}

// A pass that runs a range of unknown length once, standing for all its indices (as the shape
// tracer does for range(seq_len)).
class RangeHooks : public IdentityHooks {
 public:
  std::optional<std::vector<Iteration>> iterate(const ast::Node&, const ValuePtr& iterable) override {
    if (!iterable->is(Value::Kind::Range) || iterable->items.size() != 1) return std::nullopt;
    return std::vector<Iteration>{{Value::number(Expr::symbol("index")), iterable->items[0]->expr}};
  }
};

TEST(Interpreter, AListGrownOncePerIndexOfARunTimeRangeIsItsItemRepeated) {
  SessionWith<RangeHooks> run;
  Interpreter& interp = run.interp;
  Expr s = Expr::symbol("seq_len");
  ValuePtr step = Value::tensor({Expr::symbol("batch_size"), Expr(6)});
  ValuePtr out = interp.run_function(function("scan"), {positional(Value::number(s)), positional(step)}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::List)) << out->describe();
  ASSERT_TRUE(out->element);
  EXPECT_EQ(out->length, s);
  EXPECT_TRUE(same_value(*out->element, *step));
}

// A pass that runs range(n) as two kinds of iterations, each standing for several (the shape
// tracer's loop over the classes of a routing: the H reached, R / H rows each, the C - H others,
// none).
const Expr kRows = Expr::symbol("rows"), kHit = Expr::symbol("hit"), kClasses = Expr(8);
class KindHooks : public IdentityHooks {
 public:
  std::optional<std::vector<Iteration>> iterate(const ast::Node&, const ValuePtr& iterable) override {
    if (!iterable->is(Value::Kind::Range)) return std::nullopt;
    return std::vector<Iteration>{{Value::tensor({kRows / kHit, Expr(16)}), kHit},
                                  {Value::tensor({Expr(0), Expr(16)}), kClasses - kHit}};
  }
};

TEST(Interpreter, AListGrownInIterationsThatStandForSeveralHoldsEachItemAsOftenAsItRuns) {
  SessionWith<KindHooks> run;
  ValuePtr out = run.call("grow_by_kinds", {positional(Value::number(Expr::symbol("n"))), positional(Value::integer(1))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple) && out->items.size() == 2) << out->describe();
  // outputs: C items, R rows in all (a cat of them: H * R / H + (C - H) * 0).
  const ValuePtr& outputs = out->items[0];
  ASSERT_TRUE(outputs->is(Value::Kind::List) && outputs->element) << outputs->describe();
  EXPECT_EQ(outputs->length, kClasses);
  EXPECT_EQ(outputs->element->shape[0] * outputs->length, kRows);
  // A list that held an item before: not one element standing for all, so unknown (never one
  // item a kind).
  EXPECT_TRUE(out->items[1]->is(Value::Kind::Unknown)) << out->items[1]->describe();
}

TEST(Interpreter, AnyItemOfAListStandingForItsItemsIsItsElement) {
  Session run;
  ValuePtr piece = Value::tensor({Expr::symbol("rows"), Expr(16)});
  ValuePtr parts = Value::repeated_list(piece, Expr::symbol("config.num_local_experts"), {});
  ValuePtr out = run.call("item_of_repeated", {positional(parts), positional(Value::number(Expr::symbol("index")))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple) && out->items.size() == 2) << out->describe();
  EXPECT_TRUE(same_value(*out->items[0], *piece));
  EXPECT_TRUE(same_value(*out->items[1], *piece));
}

ValuePtr number(const std::string& text) {
  Expr e = Expr::parse(text);
  return Value::number(e, e.as_number());
}

TEST(Interpreter, ListsGrowByAppendAndExtendComprehensionsFilterNestAndMakeDicts) {
  Session run;
  ValuePtr thetas = Value::list({number("3.5"), number("0"), number("1.5"), number("3.5")});
  ValuePtr out = run.call("grow_lists", {positional(thetas)});
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  // sorted({t for t in thetas if t}): 1.5, 3.5, each appended doubled; then extended by 1, 2.
  const Value& kept = *out->items[0];
  ASSERT_TRUE(kept.is(Value::Kind::List)) << kept.describe();
  ASSERT_EQ(kept.items.size(), 4u);
  EXPECT_EQ(*kept.items[0]->known, 3);
  EXPECT_EQ(*kept.items[1]->known, 7);
  EXPECT_EQ(*kept.items[3]->known, 2);
  // {t: t + 1 for t in thetas}[thetas[0]]: a dict keyed by floats, one key per distinct theta.
  ASSERT_TRUE(out->items[1]->known) << out->items[1]->describe();
  EXPECT_DOUBLE_EQ(out->items[1]->known->to_double(), 4.5);
  EXPECT_EQ(out->items[3]->keys.size(), 3u);
  // [(i, j) for i in range(2) for j in range(1, 4, 2) if j > i]: (0, 1), (0, 3), (1, 3).
  const Value& pairs = *out->items[2];
  ASSERT_EQ(pairs.items.size(), 3u) << pairs.describe();
  EXPECT_EQ(*pairs.items[2]->items[0]->known, 1);
  EXPECT_EQ(*pairs.items[2]->items[1]->known, 3);
}

TEST(Interpreter, AModuleListGrownByAppendKnowsItsLayers) {
  Session run;
  auto empty = std::make_shared<Value>();
  empty->kind = Value::Kind::ModuleList;
  empty->length = Expr(0);
  ValuePtr block = Value::module("pkg.Block", {});
  ValuePtr out = run.call("grow_modules", {positional(empty), positional(block)});
  ASSERT_TRUE(out->is(Value::Kind::ModuleList)) << out->describe();
  EXPECT_EQ(out->items.size(), 2u);
  EXPECT_EQ(out->length, Expr(2));
  ASSERT_TRUE(out->element);  // all alike: one element stands for them
  EXPECT_TRUE(same_value(*out->element, *block));
  EXPECT_TRUE(run.hooks.calls.empty());  // append is the interpreter's, not a call for the pass
}

TEST(Interpreter, AComprehensionOverAModuleListRunsOnceStandingForEveryLayer) {
  Session run;
  ValuePtr layers = symbolic_layers();
  ValuePtr x = Value::tensor({Expr::symbol("batch_size"), Expr(4)});
  ValuePtr out = run.call("outputs_of_layers", {positional(layers), positional(x)});
  ASSERT_TRUE(out->is(Value::Kind::List)) << out->describe();
  EXPECT_EQ(out->length, Expr::symbol("config.num_hidden_layers"));
  ASSERT_TRUE(out->element);
  EXPECT_TRUE(same_value(*out->element, *x));
  EXPECT_EQ(run.hooks.calls, std::vector<std::string>{"pkg.Layer()"});
  EXPECT_EQ(run.hooks.repeats, std::vector<Expr>{Expr::symbol("config.num_hidden_layers")});
}

TEST(Interpreter, EnumerateOfKnownItemsRunsEachAndStrOfAnIndexIsItsText) {
  // nn.Sequential's `for idx, module in enumerate(args): self.add_module(str(idx), module)`.
  Session run;
  ValuePtr out = run.call("enumerate_names", {positional(Value::string("q")), positional(Value::string("k"))});
  ASSERT_TRUE(out->is(Value::Kind::List)) << out->describe();
  ASSERT_EQ(out->items.size(), 2u);
  EXPECT_EQ(out->items[0]->str, "0:q");
  EXPECT_EQ(out->items[1]->str, "1:k");
}

TEST(Interpreter, BuiltinsAreATableAndUnknownOnesGoToThePass) {
  EXPECT_NE(find_builtin("len"), nullptr);
  EXPECT_NE(find_builtin("getattr"), nullptr);
  EXPECT_EQ(find_builtin("print"), nullptr);
  EXPECT_EQ(find_builtin("zip"), nullptr);
}

TEST(Value, EqualityIsStructural) {
  ValuePtr a = Value::tensor({Expr(2), Expr(3)});
  ValuePtr b = Value::tensor({Expr(2), Expr(3)}, Value::DType::Integer);
  EXPECT_EQ(a->describe(), b->describe());  // the same text,
  EXPECT_FALSE(same_value(*a, *b));         // not the same value
  EXPECT_TRUE(same_value(*a, *Value::tensor({Expr(2), Expr(3)})));
  auto mask = std::make_shared<Value>(*a);
  mask->presence = Expr::symbol("cache_len");
  EXPECT_FALSE(same_value(*a, *mask));
  EXPECT_NE(structural_key(*Value::string("x")), structural_key(*Value::unknown("x")));
  EXPECT_TRUE(same_value(*Value::module("M", {{"", Value::integer(3), ""}}), *Value::module("M", {{"", Value::integer(3), ""}})));
  EXPECT_FALSE(same_value(*Value::module("M", {{"", Value::integer(3), ""}}), *Value::module("M", {{"", Value::integer(4), ""}})));
}

TEST(Value, PythonEquality) {
  EXPECT_EQ(python_equal(*Value::string("a"), *Value::string("a")), std::optional<bool>(true));
  EXPECT_EQ(python_equal(*Value::none(), *Value::tensor({})), std::optional<bool>(false));
  EXPECT_EQ(python_equal(*Value::integer(2), *Value::string("2")), std::optional<bool>(false));
  EXPECT_EQ(python_equal(*Value::number(Expr::symbol("n")), *Value::integer(2)), std::nullopt);
  // `self.language_model is not self` (PreTrainedModel.get_input_embeddings): a module self holds
  // is another object.
  EXPECT_EQ(python_equal(*Value::module("M", {}), *Value::self()), std::optional<bool>(false));
  EXPECT_EQ(python_equal(*Value::self(), *Value::module("M", {})), std::optional<bool>(false));
  EXPECT_EQ(python_equal(*Value::module("M", {}), *Value::module("M", {})), std::nullopt);  // two children may differ
}

TEST(Interpreter, AFunctionAFactoryMadeReadsItsClosureCells) {
  // torch.nn.modules.utils: _single = _ntuple(1); its parse(x) reads n from its closure cell, which
  // comes before a module global of the same name; itertools.repeat and collections.abc.Iterable
  // are decided.
  Session run;
  auto cls = [](const std::string& q) {
    GlobalRef r;
    r.kind = GlobalRef::Kind::Class;
    r.qualname = r.path = q;
    return r;
  };
  run.globals.add("Iterable", cls("collections.abc.Iterable"));
  run.globals.add("repeat", cls("itertools.repeat"));
  GlobalRef global_n, cell_n;
  global_n.kind = cell_n.kind = GlobalRef::Kind::Constant;
  global_n.value = 99;
  cell_n.value = 2;
  run.globals.add("n", global_n);
  std::map<std::string, GlobalRef> closure = {{"n", cell_n}};
  run.interp.set_closure(&closure);
  ValuePtr single = run.interp.run_function(function("closure_parse"), {positional(Value::number(Expr::symbol("k")))}, nullptr);
  ASSERT_TRUE(single->is(Value::Kind::Tuple)) << single->describe();
  ASSERT_EQ(single->items.size(), 2u);
  EXPECT_EQ(single->items[1]->expr, Expr::symbol("k"));
  ValuePtr pair = run.interp.run_function(function("closure_parse"), {positional(Value::tuple({Value::integer(3), Value::integer(4)}))}, nullptr);
  ASSERT_TRUE(pair->is(Value::Kind::Tuple)) << pair->describe();
  ASSERT_EQ(pair->items.size(), 2u);
  EXPECT_EQ(*pair->items[1]->known, 4);
}

// Aliases of the config (GPT-2's hidden_size -> n_embd) and of a nested config, keyed by its path
// (an audio config's d_model -> hidden_size): the real attribute is read, in its own config.
TEST(ConfigView, AliasesOfTheConfigAndOfANestedConfig) {
  ConfigView config(nlohmann::json{{"n_embd", 64}, {"hidden_size", 7}, {"audio_config", {{"model_type", "a"}, {"hidden_size", 32}}}},
                    nlohmann::json{{"hidden_size", "n_embd"}, {"audio_config.d_model", "hidden_size"}});
  EXPECT_EQ(*(*config.attribute("config", "hidden_size"))->known, 64);
  EXPECT_EQ((*config.attribute("config", "hidden_size"))->expr, Expr::symbol("config.n_embd"));
  std::optional<ValuePtr> d = config.attribute("config.audio_config", "d_model");
  ASSERT_TRUE(d);
  EXPECT_EQ(*(*d)->known, 32);
  EXPECT_EQ((*d)->expr, Expr::symbol("config.audio_config.hidden_size"));
  EXPECT_TRUE(config.has("config.audio_config", "d_model"));
  EXPECT_FALSE(config.attribute("config", "d_model"));  // the nested alias is not the top config's
}

TEST(Interpreter, AConfigPropertyRunsItsGetterOnTheConfig) {
  // MiniCPM3Config.logits_scaling is a property (hidden_size / dim_model_base): reading it calls
  // the getter with the config as self; an attribute the config holds is never a property.
  TableGlobals globals;
  ConfigView config(nlohmann::json{{"hidden_size", 128}}, nlohmann::json::object(),
                    nlohmann::json{{"logits_scaling", "pkg.Config.logits_scaling"}, {"hidden_size", "pkg.Config.hidden_size"}});
  EXPECT_EQ(config.property("config", "logits_scaling"), std::optional<std::string>("pkg.Config.logits_scaling"));
  EXPECT_EQ(config.property("config", "hidden_size"), std::nullopt);
  EXPECT_EQ(config.property("config.text_config", "logits_scaling"), std::nullopt);
  IdentityHooks hooks;
  Interpreter interp{globals, config, hooks, "snippets", kSnippets};
  ValuePtr out = interp.run_function(function("config_property"), {positional(Value::config("config"))}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple));
  ASSERT_EQ(hooks.calls.size(), 1u);
  EXPECT_NE(hooks.calls[0].find("pkg.Config.logits_scaling"), std::string::npos) << hooks.calls[0];
  EXPECT_TRUE(out->items[0]->is(Value::Kind::Config));  // IdentityHooks returns the first argument: self
  EXPECT_EQ(out->items[1]->expr, Expr::symbol("config.hidden_size"));
}

// A dict keyed by tuples indexed by a tuple (Inkling2-Loop's layer_classes[(is_sliding,
// is_loop_layer)]): comparisons whose values are known at this layer stand for those values.
TEST(Interpreter, ADictKeyedByTuplesIsIndexedByATupleOfKnownValues) {
  TableGlobals globals;
  ConfigView config;
  IdentityHooks hooks;
  Interpreter interp{globals, config, hooks, "snippets", kSnippets};
  ValuePtr out = interp.run_function(function("tuple_keyed_dict"),
                                     {positional(Value::number(Expr::symbol("a"), GiNaC::numeric(1))),
                                      positional(Value::number(Expr::symbol("b"), GiNaC::numeric(5)))},
                                     Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 2u);
  ASSERT_TRUE(out->items[0]->is(Value::Kind::String)) << out->items[0]->describe();
  EXPECT_EQ(out->items[0]->str, "tf");
  ASSERT_TRUE(out->items[1]->is(Value::Kind::String)) << out->items[1]->describe();
  EXPECT_EQ(out->items[1]->str, "ft");
}

// dict.pop on a dict a name holds (Qwen4-Exp's kwargs.pop("cu_seq_lens_q", None)): the item,
// then the default once the key is gone; the name holds the dict without the key.
TEST(Interpreter, PopTakesTheItemOutOfTheDictANameHolds) {
  TableGlobals globals;
  ConfigView config;
  IdentityHooks hooks;
  Interpreter interp{globals, config, hooks, "snippets", kSnippets};
  ValuePtr out = interp.run_function(function("dict_pop"), {positional(Value::tensor({Expr(3)}))}, Value::self());
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 4u);
  EXPECT_TRUE(out->items[0]->is_tensor()) << out->items[0]->describe();
  EXPECT_TRUE(out->items[1]->is(Value::Kind::None)) << out->items[1]->describe();
  EXPECT_EQ(known_int(*out->items[2]), 2);
  ASSERT_TRUE(out->items[3]->is(Value::Kind::Dict)) << out->items[3]->describe();
  EXPECT_TRUE(out->items[3]->keys.empty());
  EXPECT_TRUE(hooks.calls.empty());
}

// itertools.cycle and next() on the name that holds it, and dict.update (Zamba2's shared-block
// ties, made in __init__): the first `every` hybrid layers are sources, each later one tied to the
// next source in turn; iter() and next()'s default; update with keywords.
TEST(Interpreter, CycleNextAndUpdateFollowTheNamesThatHoldThem) {
  Session run;
  GlobalRef cycle;
  cycle.kind = GlobalRef::Kind::Class;
  cycle.qualname = cycle.path = "itertools.cycle";
  run.globals.add("cycle", cycle);
  GlobalRef next;
  next.kind = GlobalRef::Kind::Builtin;
  next.qualname = next.path = "next";
  run.globals.add("next", next);
  std::vector<ValuePtr> kinds;
  for (const char* k : {"m", "h", "h", "m", "h", "h", "h"}) kinds.push_back(Value::string(k));
  ValuePtr out = run.call("tie_cycle", {positional(Value::list(kinds)), positional(Value::integer(2))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 3u);
  const Value& ties = *out->items[0];
  ASSERT_TRUE(ties.is(Value::Kind::Dict)) << ties.describe();
  EXPECT_EQ(ties.keys, (std::vector<std::string>{"layers.4.shared", "layers.5.shared", "layers.6.shared", "last"}));
  ASSERT_EQ(ties.items.size(), 4u);
  std::vector<std::string> sources;
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(ties.items[i]->is(Value::Kind::String)) << ties.items[i]->describe();
    sources.push_back(ties.items[i]->str);
  }
  EXPECT_EQ(sources, (std::vector<std::string>{"layers.1.shared", "layers.2.shared", "layers.1.shared"}));
  EXPECT_EQ(known_int(*ties.items[3]), 6);
  EXPECT_EQ(known_int(*out->items[1]), 7);
  EXPECT_TRUE(out->items[2]->is(Value::Kind::None)) << out->items[2]->describe();
  EXPECT_TRUE(run.hooks.calls.empty());
}

// functools.partial (xLSTM's kernels): the bound positional arguments first, the bound keywords
// unless the call gives them again; a partial of a partial binds the inner one's first.
TEST(Interpreter, PartialCallsItsFunctionWithTheBoundArguments) {
  Session run;
  GlobalRef partial;
  partial.kind = GlobalRef::Kind::Class;
  partial.qualname = partial.path = "functools.partial";
  run.globals.add("partial", partial);
  ValuePtr out = run.call("partial_calls", {positional(Value::number(Expr::symbol("x"), GiNaC::numeric(10)))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 2u);
  // scale(3, x, by=2, shift=5) and scale(x, 1, by=4)
  EXPECT_EQ(known_int(*out->items[0]), 21) << out->items[0]->describe();
  EXPECT_EQ(out->items[0]->expr, Expr::symbol("x") + Expr(11));
  EXPECT_EQ(known_int(*out->items[1]), 41) << out->items[1]->describe();
  EXPECT_EQ(out->items[1]->expr, Expr(4) * Expr::symbol("x") + Expr(1));
  EXPECT_TRUE(run.hooks.calls.empty());
}

// A nested config's properties and methods (Gemma-4's text_config.kv_sharing_modes), keyed by its
// path below the config: its getter is found on the nested config, not on the top-level one, and
// a value the nested config holds is never a property.
TEST(ConfigView, PropertiesAndMethodsOfANestedConfig) {
  ConfigView config(nlohmann::json{{"text_config", {{"model_type", "t"}, {"num_hidden_layers", 4}}}},
                    nlohmann::json::object(),
                    nlohmann::json{{"text_config.kv_sharing_modes", "pkg.TextConfig.kv_sharing_modes"},
                                   {"text_config.num_hidden_layers", "pkg.TextConfig.num_hidden_layers"},
                                   {"text_config.layer_kind", {{"method", "pkg.TextConfig.layer_kind"}}}});
  EXPECT_EQ(config.property("config.text_config", "kv_sharing_modes"),
            std::optional<std::string>("pkg.TextConfig.kv_sharing_modes"));
  EXPECT_EQ(config.property("config", "kv_sharing_modes"), std::nullopt);
  EXPECT_EQ(config.property("config.text_config", "num_hidden_layers"), std::nullopt);
  EXPECT_EQ(config.method("config.text_config", "layer_kind"), std::optional<std::string>("pkg.TextConfig.layer_kind"));
  EXPECT_EQ(config.property("config.text_config", "layer_kind"), std::nullopt);
  EXPECT_EQ(config.method("config", "layer_kind"), std::nullopt);
}

// A pass whose module calls set item "other" of a dict argument (as a module's forward() that
// does `d["other"] = v` is traced), and which runs a range of symbolic length once standing for
// all its indices (as the shape tracer does).
class DictSettingHooks : public IdentityHooks {
 public:
  ValuePtr set_to;
  ValuePtr call(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) override {
    if (callee && callee->is(Value::Kind::Module) && !args.empty() && args[0].value->is(Value::Kind::Dict)) {
      auto after = std::make_shared<Value>(*args[0].value);
      after->keys.push_back("other");
      after->items.push_back(set_to);
      changed.push_back({args[0].value, after});
      return Value::none();
    }
    return IdentityHooks::call(node, callee, args);
  }
  std::vector<std::pair<ValuePtr, ValuePtr>> take_changed_arguments() override { return std::move(changed); }
  std::optional<std::vector<Iteration>> iterate(const ast::Node&, const ValuePtr& iterable) override {
    if (!iterable->is(Value::Kind::Range) || iterable->items.size() != 2) return std::nullopt;
    return std::vector<Iteration>{
        {Value::number(Expr::symbol("index")), Expr::max(iterable->items[1]->expr - iterable->items[0]->expr, Expr(0))}};
  }
  std::vector<std::pair<ValuePtr, ValuePtr>> changed;
};

TEST(Interpreter, ADictACalleeSetsItemsOfIsTheCallersDictChanged) {
  SessionWith<DictSettingHooks> run;
  ValuePtr x = Value::tensor({Expr::symbol("batch_size"), Expr(4)});
  ValuePtr y = Value::tensor({Expr::symbol("batch_size"), Expr(8)});
  run.hooks.set_to = y;
  ValuePtr out = run.call("dict_filled_by_calls",
                          {positional(x), positional(y), positional(Value::module("pkg.Layer", {}))});
  ASSERT_TRUE(out->is(Value::Kind::Tuple)) << out->describe();
  ASSERT_EQ(out->items.size(), 4u);
  // The local function's d["kv"] = v is seen through both names; the module call's item too.
  EXPECT_TRUE(same_value(*out->items[0], *x)) << out->items[0]->describe();
  EXPECT_TRUE(same_value(*out->items[1], *x)) << out->items[1]->describe();
  EXPECT_TRUE(same_value(*out->items[2], *y)) << out->items[2]->describe();
}

TEST(Interpreter, AListGrownOverARangeOfSymbolicLengthCountsTheItemsBeforeAlike) {
  SessionWith<DictSettingHooks> run;
  ValuePtr h = Value::tensor({Expr::symbol("batch_size"), Expr(4)});
  Expr n = Expr::symbol("config.altup_num_inputs");
  ValuePtr out = run.call("stacked_projections", {positional(h), positional(Value::number(n, GiNaC::numeric(4)))});
  ASSERT_TRUE(out->is(Value::Kind::List)) << out->describe();
  ASSERT_TRUE(out->element) << out->describe();
  EXPECT_TRUE(same_value(*out->element, *h));
  EXPECT_EQ(out->length, Expr(1) + Expr::max(n - Expr(1), Expr(0)));
}

}  // namespace
}  // namespace kcost
