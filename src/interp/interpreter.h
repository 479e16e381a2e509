// Interpreter: abstract interpretation of Python source over Values. It evaluates expressions
// (names through the scope and then the module's globals, config attributes, arithmetic on
// symbolic numbers, containers, comparisons, Python builtins) and executes statements (taking
// branches the known values decide, loops, returns). What depends on the pass — calling modules
// and functions, tensor operations, `self.x` — goes to the Hooks of that pass (facts for
// __init__, the shape tracer for forward()).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ast/node.h"
#include "interp/config_view.h"
#include "interp/value.h"

namespace kcost {

class GlobalResolver;
struct GlobalRef;

class Scope {
 public:
  ValuePtr find(const std::string& name) const;
  void set(const std::string& name, ValuePtr value) { vars_[name] = std::move(value); }
  const std::map<std::string, ValuePtr>& vars() const { return vars_; }

 private:
  std::map<std::string, ValuePtr> vars_;
};

// A branch decision or other note worth telling the reader (line + text).
struct Note {
  int line = 0;
  std::string text;
};

// A condition on symbols that their known values decided (`layer_idx >= config.first_k_dense_replace`
// for a layer built at index 3): which way it went. What a module is built into depends on these.
struct Decision {
  Expr condition;
  bool taken = false;
};

class Hooks {
 public:
  virtual ~Hooks() = default;
  // A call whose callee is not a Python builtin the interpreter decides itself.
  virtual ValuePtr call(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) = 0;
  // `base.name` where base is self, a module, a tensor or something else not plain data.
  virtual ValuePtr attribute(const ast::Node& node, const ValuePtr& base, const std::string& name) = 0;
  // Operators with a tensor operand (op: Python AST operator name: Add, Mult, MatMul, USub...).
  virtual ValuePtr binary(const ast::Node& /*node*/, const std::string& op, const ValuePtr& /*a*/, const ValuePtr& /*b*/) {
    return Value::unknown("operator " + op);
  }
  virtual ValuePtr unary(const ast::Node& /*node*/, const std::string& op, const ValuePtr& /*a*/) {
    return Value::unknown("operator " + op);
  }
  virtual ValuePtr subscript(const ast::Node& /*node*/, const ValuePtr& base, const ValuePtr& /*index*/) {
    return Value::unknown("subscript of " + base->describe());
  }
  // `self.name = value` (and `self.a.b = ...`).
  virtual void assign_attribute(const ast::Node& /*node*/, const ValuePtr& /*base*/, const std::string& /*name*/,
                                const ValuePtr& /*value*/) {}
  // Iterating something that is not a plain tuple/list (a ModuleList): each group of equal
  // items once, with its count. nullopt: not iterable here.
  struct Iteration {
    ValuePtr item;
    Expr count;
    std::optional<long long> first = std::nullopt;  // the position of the first item it stands for, when known
  };
  virtual std::optional<std::vector<Iteration>> iterate(const ast::Node& /*node*/, const ValuePtr& /*iterable*/) {
    return std::nullopt;
  }
  // The body of a loop runs once standing for `count` iterations.
  virtual void enter_repeat(const Expr& /*count*/) {}
  virtual void exit_repeat() {}
  // Whether an `if` on a condition known only at run time (`cache_len + seq_len > window`) may
  // run both arms, each standing for its case (enter_repeat with the condition as a 0/1 count),
  // rather than assume the condition false. A pass that records costs weighed this way says yes.
  virtual bool weighs_branches() const { return false; }
  // Whether `self.d[k] = v` sets item k of the dict attribute d (a plain object's state: a cache
  // layer's per-state dicts). Passes over modules keep such a dict as it was assigned (as before
  // item assignments were followed: __init__'s facts of a rotary embedding's per-layer-type
  // rope_type dict would otherwise choose init functions the interpreter does not follow).
  virtual bool sets_attribute_items() const { return false; }
  // State a module keeps in attributes its forward() sets (`self.conv1d_state = ...`,
  // `self.rg_lru.recurrent_states = ...`), by the attribute's path from self ("self.conv1d_state"):
  // what they hold when a function of the module starts. Null: such assignments are not followed
  // as state (passes over __init__, cache layers). Where given, the interpreter keeps these paths
  // as names of the function's scope from its start (so that an `if` merges them as it does
  // names), reads `self.x` from them first, and sets them where the code assigns.
  virtual const std::map<std::string, ValuePtr>* module_state() const { return nullptr; }
  // The dicts the last call's callee (a module's forward() the pass traced) set items of, as
  // (what the caller passed, what the callee left in it): a dict is one object in Python, so the
  // caller's names that hold it hold it so changed after the call (Gemma-3n's shared_kv_states,
  // which one layer's attention fills and a later layer's reads). Taken once: the pass forgets them.
  virtual std::vector<std::pair<ValuePtr, ValuePtr>> take_changed_arguments() { return {}; }
};

class Interpreter {
 public:
  // `module`: whose globals names resolve in; `file`: its source (for source text).
  Interpreter(GlobalResolver& globals, const ConfigView& config, Hooks& hooks, std::string module,
              std::string file);

  ValuePtr eval(const ast::Node& node, Scope& scope);
  // Executes statements; returns the value of the first `return` reached (nullptr if none).
  ValuePtr exec(const std::vector<ast::NodePtr>& body, Scope& scope);
  // Binds a FunctionDef's parameters to call arguments (self already bound by the caller when
  // `skip_first`); unbound parameters take their defaults.
  void bind_parameters(const ast::Node& def, const std::vector<Arg>& args, Scope& scope, bool skip_first);
  // Runs FunctionDef `def` in a scope of its own: a method bound to `self` unless `self` is null
  // or it is a staticmethod. Returns what it returns (None when it returns nothing).
  ValuePtr run_function(const ast::Node& def, const std::vector<Arg>& args, const ValuePtr& self);

  // Calls `callee` with `args` as a call expression `node` would, once they are evaluated: a
  // partial (its function with the bound arguments first), a local function, a config method,
  // a builtin of the table; anything else goes to the hooks.
  ValuePtr call_value(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args);

  // The source text of a node (for notes and reasoning).
  std::string text(const ast::Node& node) const;
  const std::vector<Note>& notes() const { return notes_; }
  // The module state (Hooks::module_state) as the last function run_function ran left it.
  const std::map<std::string, ValuePtr>& module_state_after() const { return module_state_after_; }
  // What the dict `v` (an argument of the function run) became where the code set its items
  // (`d[k] = v`, also through a call that set them), or nullptr when it did not change.
  ValuePtr changed(const ValuePtr& v) const;
  // "self.a.x" for the expression `self.a.x` where `self` is the module; "" otherwise.
  std::string self_path(const ast::Node& node, Scope& scope) const;
  void note(int line, std::string text) { notes_.push_back({line, std::move(text)}); }
  // The `if` tests and `a if c else b` conditions decided by known values of symbolic numbers.
  const std::vector<Decision>& decisions() const { return decisions_; }
  const std::string& module() const { return module_; }
  // The closure cells of the function this interpreter runs (free variable -> what it refers
  // to, as FunctionSource::closure); names not bound in scope are looked up there first.
  void set_closure(const std::map<std::string, GlobalRef>* closure) { closure_ = closure; }
  // The name assigned by the statement being executed ("hidden_states", "return"), for labels.
  const std::string& current_target() const { return target_; }
  const ConfigView& config() const { return config_; }
  Hooks& hooks() { return hooks_; }

 private:
  // Whether `cond` is a formula of run-time sizes and config values this pass weighs both arms
  // of (Hooks::weighs_branches), each counted where it holds.
  bool runtime_condition(const Value& cond) const;
  ValuePtr eval_name(const ast::Node& node, Scope& scope);
  // `import a.b [as c]` / `from x import y [as z]` inside a function: the names it binds.
  void import_names(const ast::Node& stmt, Scope& scope);
  ValuePtr eval_attribute(const ast::Node& node, Scope& scope);
  ValuePtr eval_binop(const ast::Node& node, Scope& scope);
  ValuePtr eval_compare(const ast::Node& node, Scope& scope);
  ValuePtr eval_subscript(const ast::Node& node, Scope& scope);
  ValuePtr eval_call(const ast::Node& node, Scope& scope);
  // `x.append(v)` / `self.layers.extend(vs)` on a list or ModuleList: the name or attribute holds
  // the longer list after; nullopt when the call is not one of these.
  std::optional<ValuePtr> grow_list(const ast::Node& call, Scope& scope);
  // `d.pop(key)` / `kwargs.pop("x", default)` on a dict a name holds: the item (the default when
  // the key is missing), and the name holds the dict without the key after; nullopt when the
  // call is not one of these.
  std::optional<ValuePtr> pop_item(const ast::Node& call, Scope& scope);
  // `d.update(other)` / `self._tied_weights_keys.update({k: v})` / `d.update(k=v)` on a dict a
  // name or attribute holds: it holds the updated dict after; nullopt when the call is not one.
  std::optional<ValuePtr> update_dict(const ast::Node& call, Scope& scope);
  // `next(it[, default])` of an iterator (iter(), itertools.cycle()): its next item, and the name
  // or attribute holding it holds it moved on after; nullopt when the call is not one.
  std::optional<ValuePtr> next_item(const ast::Node& call, Scope& scope);
  ValuePtr eval_comprehension(const ast::Node& node, Scope& scope);
  // What a comprehension made so far: its items (and a dict comprehension's keys), each with
  // how many items it stands for (one per kind of layer when it iterates a ModuleList).
  struct Comprehension {
    std::vector<ValuePtr> keys, items;
    std::vector<Expr> counts;
    Expr count{1};
    std::string failed;
  };
  // Runs generator `g` of comprehension `node` (over `iter` when already evaluated) and those
  // after it, adding to `out`.
  void comprehend(const ast::Node& node, size_t g, Scope& scope, ValuePtr iter, Comprehension& out);
  ValuePtr comprehension_value(const ast::Node& node, const Comprehension& out);
  // The items a loop or comprehension takes from `iter`, each with how many it stands for:
  // plain sequences, dict keys and ranges of known bounds here, the rest by the pass.
  std::optional<std::vector<Hooks::Iteration>> iteration(const ast::Node& node, const ValuePtr& iter);
  // A `def` or lambda met while interpreting: a function that sees the scope it was defined in.
  ValuePtr define_function(const ast::Node& def, const std::string& name, const Scope& scope);
  ValuePtr call_local(const LocalFunction& function, const std::vector<Arg>& args);
  ValuePtr global(const std::string& dotted, const std::optional<std::string>& key = std::nullopt);
  ValuePtr from_reference(const GlobalRef& ref, const std::string& dotted, const std::optional<std::string>& key);
  std::vector<Arg> eval_args(const ast::Node& call, Scope& scope);
  void assign(const ast::Node& target, const ValuePtr& value, Scope& scope);
  bool exec_statement(const ast::Node& stmt, Scope& scope, ValuePtr* result);
  // An `if` whose condition is known only at run time, both arms weighed (Hooks::weighs_branches);
  // false when it cannot be (then the condition is assumed false, as before).
  bool weigh_branches(const ast::Node& stmt, const Value& cond, Scope& scope);
  // A function's body, statement by statement, knowing where it is (frames_: the blocks being
  // run, the function's body and the arms of decided `if`s in it), so that an early `return`
  // under a run-time condition can weigh what follows it (weigh_early_return).
  ValuePtr exec_function_body(const std::vector<ast::NodePtr>& body, Scope& scope);
  ValuePtr exec_frame(const std::vector<ast::NodePtr>& body, Scope& scope);
  bool weigh_early_return(const ast::Node& stmt, const Value& cond, Scope& scope, ValuePtr* result);

  GlobalResolver& globals_;
  const ConfigView& config_;
  Hooks& hooks_;
  std::string module_;
  std::string file_;
  const std::map<std::string, GlobalRef>* closure_ = nullptr;
  const std::vector<std::string>& lines_;
  std::vector<Note> notes_;
  std::map<std::string, ValuePtr> module_state_after_;
  // Dicts whose items the code set (a dict a name held -> the dict with the item set), each pair
  // kept whole so that an address is never reused while it is a key (changed()).
  std::map<const Value*, std::pair<ValuePtr, ValuePtr>> changed_;
  // The dict `before` is `after` from here on: every name of `scope` holding it holds `after`.
  void dict_changed(const ValuePtr& before, const ValuePtr& after, Scope& scope);
  std::vector<Decision> decisions_;
  struct Frame {
    const std::vector<ast::NodePtr>* body;
    size_t index;
  };
  std::vector<Frame> frames_;
  // Set while an exception the interpreter models (an import of a module not installed) unwinds
  // to the nearest `try`: what raised.
  std::string raising_;
  // Set by a `continue` (next) or `break` (stop) until the loop it belongs to takes it: the
  // statements after it in its loop's body do not run (take_loop_exit).
  enum class LoopExit { none, next, stop };
  LoopExit loop_exit_ = LoopExit::none;
  LoopExit take_loop_exit() {
    LoopExit e = loop_exit_;
    loop_exit_ = LoopExit::none;
    return e;
  }
  std::string target_;
};

// The lines of a source file, read once per process.
const std::vector<std::string>& source_lines(const std::string& file);
// The source text a node spans.
std::string node_text(const std::vector<std::string>& lines, const ast::Node& node);

}  // namespace kcost
