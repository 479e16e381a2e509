#include "trace/shape_tracer.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "ast/parameters.h"
#include "costfile/cost_schema.h"  // is_implicit_symbol
#include "facts/module_state.h"
#include "trace/inference_state.h"
#include "trace/dispatched_arguments.h"
#include "trace/op_leaf.h"
#include "trace/python_math.h"
#include "trace/fill.h"
#include "trace/routing.h"
#include "trace/tensor_ops.h"
#include "trace/tensor_shapes.h"
#include "util/strings.h"

namespace kcost {

namespace {

// The ctx an autograd function's forward gets (see call_function).
constexpr const char* kAutogradContext = "autograd function ctx";


// A name for an operand in a label: `x` for x, `weight` for self.weight, `cos` for cos[...].
std::string operand_name(const ast::Node* n) {
  if (!n) return "";
  if (n->is("Name")) return n->str("id");
  if (n->is("Attribute")) {
    const std::string& attr = n->str("attr");
    // x.shape[1], x.dtype: name the tensor.
    if (attr == "shape" || attr == "dtype" || attr == "device" || attr == "T") return operand_name(n->child("value"));
    return attr;
  }
  if (n->is("Subscript")) return operand_name(n->child("value"));
  if (n->is("Call")) {
    const ast::Node* f = n->child("func");
    if (f && f->is("Attribute")) {
      // self.up_proj(x) -> up_proj; torch.rsqrt(x) -> rsqrt; x.float() -> x
      std::string receiver = operand_name(f->child("value"));
      static const std::set<std::string> namespaces = {"self", "torch", "F", "nn", "functional", "module"};
      if (namespaces.count(receiver) || receiver.empty()) return f->str("attr");
      return receiver;
    }
    if (f && f->is("Name")) return f->str("id");
  }
  return "";
}

// `super().name` inside a method of `cls`: the qualified name of `name` as defined by the next
// class after `owner` in the MRO that defines it (what Python calls), or "" when none does.
std::string super_method(SourceLocator& locator, const ClassSource& cls, const std::string& owner, const std::string& name) {
  std::optional<std::vector<std::string>> bases = mro_after(cls, owner);
  if (!bases) return "";
  for (const std::string& base_name : *bases) {
    try {
      // Defined by this class: its source lies within the class's.
      const ClassSource& base = locator.find_class(base_name);
      const FunctionSource& f = locator.find_function(base_name + "." + name);
      if (f.file == base.file && f.first_line >= base.first_line && f.last_line <= base.last_line) return base_name + "." + name;
    } catch (const std::exception&) {
    }
  }
  return "";
}

// Whether any argument is a tensor, or a tuple, list or dict holding one.
bool any_tensor(const std::vector<Arg>& args) {
  std::function<bool(const ValuePtr&, int)> holds = [&](const ValuePtr& v, int depth) {
    if (!v || depth > 4) return false;
    if (v->is_tensor()) return true;
    if (v->is(Value::Kind::Tuple) || v->is(Value::Kind::List) || v->is(Value::Kind::Dict))
      return std::any_of(v->items.begin(), v->items.end(), [&](const ValuePtr& i) { return holds(i, depth + 1); });
    return false;
  };
  return std::any_of(args.begin(), args.end(), [&](const Arg& a) { return holds(a.value, 0); });
}

std::string inputs_key(const std::map<std::string, ValuePtr>& inputs) {
  std::string k;
  for (const auto& [name, v] : inputs) k += name + "=" + (v ? structural_key(*v) : "?") + ";";
  return k;
}

}  // namespace

ValuePtr design_attention_mask() {
  auto mask = std::make_shared<Value>(*Value::tensor(
      {Expr::symbol("batch_size"), Expr::symbol("cache_len") + Expr::symbol("seq_len")}, Value::DType::Integer));
  mask->fill = GiNaC::numeric(1);
  return mask;
}

std::map<std::string, ValuePtr> root_inputs(const ClassSource& root) {
  std::map<std::string, ValuePtr> in;
  in["input_ids"] = Value::tensor({Expr::symbol("batch_size"), Expr::symbol("seq_len")}, Value::DType::Integer);
  in["attention_mask"] = design_attention_mask();
  in["cache"] = Value::cache();
  in["past_key_values"] = in["cache"];
  in["use_cache"] = Value::boolean(true);
  // Only the parameters forward() has.
  std::map<std::string, ValuePtr> out;
  if (!root.forward) return out;
  for (const auto& p : ast::parameters_of(*root.forward->def).all()) {
    auto it = in.find(p.name());
    if (it != in.end()) out[it->first] = it->second;
  }
  return out;
}

ShapeTracer::ShapeTracer(TraceContext& context, KernelTrace* record) : ctx_(context), record_(record) {}

std::optional<std::vector<long long>> ShapeTracer::index_values(const Value& index) const {
  if (!index.is(Value::Kind::Number) || index.known || !ctx_.param_values) return std::nullopt;
  std::set<std::string> symbols = index.expr.symbols();
  if (symbols.size() != 1 || index.expr != Expr::symbol(*symbols.begin())) return std::nullopt;
  auto kernel = ctx_.param_values->find(ctx_.kernel);
  if (kernel == ctx_.param_values->end()) return std::nullopt;
  auto param = kernel->second.find(*symbols.begin());
  if (param == kernel->second.end() || param->second.empty()) return std::nullopt;
  return param->second;
}

std::shared_ptr<ModuleFacts> ShapeTracer::facts_of(const std::string& kernel, const std::vector<Arg>* ctor_args) {
  std::string key = kernel + "|" + (ctor_args ? structural_key(*ctor_args) : "<symbolic>");
  // A symbolic layer index stands for the layers of the kernel being traced (index_values): two
  // kinds of layer with the same arguments in symbols are still built apart.
  if (ctor_args)
    for (const auto& a : *ctor_args)
      if (std::optional<std::vector<long long>> at = index_values(*a.value)) {
        key += "|" + a.value->expr.str() + "@";
        for (long long i : *at) key += std::to_string(i) + ",";
      }
  auto it = ctx_.facts.find(key);
  if (it != ctx_.facts.end()) return it->second;
  ShapeTracer fallback(ctx_, nullptr);
  auto facts = std::make_shared<ModuleFacts>(build_module_facts(ctx_.locator, ctx_.config, kernel, ctor_args, &fallback));
  ctx_.facts[key] = facts;
  return facts;
}

std::map<std::string, ValuePtr> ShapeTracer::bind_forward(const ClassSource& cls, const std::vector<Arg>& args) {
  Interpreter ev(ctx_.locator, ctx_.config, *this, cls.forward->module, cls.forward->file);
  Scope scope;
  ev.bind_parameters(*cls.forward->def, args, scope, true);
  return scope.vars();
}

std::map<std::string, ValuePtr> ShapeTracer::ctor_params(const std::string& kernel, const std::vector<Arg>& args) {
  const ClassSource& cls = ctx_.locator.find_class(kernel);
  if (!cls.init) return {};
  Interpreter ev(ctx_.locator, ctx_.config, *this, cls.init->module, cls.init->file);
  Scope scope;
  // State set on the module after construction is no constructor argument (facts/module_state.h).
  ev.bind_parameters(*cls.init->def, constructor_arguments(args), scope, true);
  return scope.vars();
}

namespace {

// Whether `pred` holds of `node` or of any node below it.
bool any_node(const ast::Node& node, const std::function<bool(const ast::Node&)>& pred) {
  if (pred(node)) return true;
  for (const auto& [name, field] : node.fields) {
    if (field.kind == ast::Field::Kind::Node && field.node && any_node(*field.node, pred)) return true;
    if (field.kind == ast::Field::Kind::List)
      for (const auto& n : field.list)
        if (n && any_node(*n, pred)) return true;
  }
  return false;
}

// The targets an assignment statement assigns (`a = b = v`, `a += v`, `a: T = v`).
std::vector<const ast::Node*> assigned_targets(const ast::Node& node) {
  std::vector<const ast::Node*> out;
  if (node.is("Assign"))
    for (const auto& t : node.list("targets")) out.push_back(t.get());
  if (node.is("AugAssign") || node.is("AnnAssign")) out.push_back(node.child("target"));
  return out;
}

// `<name>.<attr>` with <name> a plain name: that name, else "".
std::string attribute_base_name(const ast::Node* t) {
  if (!t || !t->is("Attribute") || !t->child("value") || !t->child("value")->is("Name")) return "";
  return t->child("value")->str("id");
}

// Whether a function's body calls `<x>.get_conv_state(...)` or `<x>.get_recurrent_state(...)`.
bool reads_cache_state(const ast::Node& node) {
  return any_node(node, [](const ast::Node& n) {
    return n.is("Attribute") && (n.str("attr") == "get_conv_state" || n.str("attr") == "get_recurrent_state");
  });
}

// The names x of `self.x = ...` (and `self.x += ...`) anywhere in a function's body.
void self_assigned(const ast::Node& node, std::set<std::string>& out) {
  any_node(node, [&](const ast::Node& n) {
    for (const ast::Node* t : assigned_targets(n))
      if (attribute_base_name(t) == "self") out.insert(t->str("attr"));
    return false;
  });
}

// Whether a function's body reads `<x>.layers` of a name other than self (a cache's layers).
bool reads_foreign_layers(const ast::Node& node) {
  return any_node(node, [](const ast::Node& n) {
    const std::string base = attribute_base_name(&n);
    return n.is("Attribute") && n.str("attr") == "layers" && !base.empty() && base != "self";
  });
}

// Whether a function's body assigns an attribute of a name other than self (`layer.x = v`).
bool sets_foreign_attribute(const ast::Node& node) {
  return any_node(node, [](const ast::Node& n) {
    for (const ast::Node* t : assigned_targets(n)) {
      const std::string base = attribute_base_name(t);
      if (!base.empty() && base != "self") return true;
    }
    return false;
  });
}

// A plain object of class `cls` holding `attributes` (a cache layer's, as the cache built it).
ValuePtr plain_object(const std::string& cls, const std::map<std::string, ValuePtr>& attributes) {
  std::vector<std::string> keys;
  std::vector<ValuePtr> items;
  for (const auto& [name, v] : attributes) {
    keys.push_back(name);
    items.push_back(v);
  }
  auto object = std::make_shared<Value>(*Value::dict(keys, items));
  object->class_name = cls;
  return object;
}

// What a call finds that generate's prefill left: `v` with the prefill's sizes (its new tokens
// the cached ones, none cached before them), None unless a token is cached.
ValuePtr left_by_prefill(const ValuePtr& v) {
  auto out = std::make_shared<Value>(*v);
  for (auto& d : out->shape) d = d.subs({{"seq_len", Expr::symbol("cache_len")}, {"cache_len", Expr(0)}});
  out->none_unless = Expr::compare("!=", Expr::symbol("cache_len"), Expr(0));
  return out;
}

}  // namespace

std::string self_attribute_path(const ast::Node& node) {
  std::string path;
  const ast::Node* n = &node;
  while (n && n->is("Attribute")) {
    path = "." + n->str("attr") + path;
    n = n->child("value");
  }
  return n && n->is("Name") && n->str("id") == "self" ? "self" + path : "";
}

namespace {

// While a probe runs forward ahead of the traced call: no call sites or discovery order are
// recorded; what the context held is back when the probe ends, however it ends.
class UnrecordedSites {
 public:
  explicit UnrecordedSites(TraceContext& ctx) : ctx_(ctx), sites_(ctx.sites), order_(ctx.discovery_order) {
    ctx_.sites = nullptr;
    ctx_.discovery_order = nullptr;
  }
  ~UnrecordedSites() {
    ctx_.sites = sites_;
    ctx_.discovery_order = order_;
  }
  UnrecordedSites(const UnrecordedSites&) = delete;
  UnrecordedSites& operator=(const UnrecordedSites&) = delete;

 private:
  TraceContext& ctx_;
  decltype(TraceContext::sites) sites_;
  decltype(TraceContext::discovery_order) order_;
};

}  // namespace

void ShapeTracer::held_state(const ModuleFacts& facts, const FunctionSource& forward,
                             const std::map<std::string, ValuePtr>& inputs) {
  std::set<std::string> assigned;
  self_assigned(*forward.def, assigned);
  std::vector<std::string> wanted;
  for (const auto& n : assigned) {
    if (held_.count("self." + n)) continue;  // given by the caller
    const Attribute* a = facts.find(n);
    if (a && a->value && a->value->is(Value::Kind::None)) wanted.push_back(n);
  }
  if (wanted.empty()) return;
  ShapeTracer probe(ctx_, nullptr);
  probe.probe_forward(facts, inputs);
  for (const auto& n : wanted) {
    auto it = probe.held_after_.find("self." + n);
    if (it == probe.held_after_.end() || !is_tensor(it->second)) continue;
    // The previous call is generate's prefill: cache_len tokens, none cached before them.
    ValuePtr v = left_by_prefill(it->second);
    held_["self." + n] = v;
    if (record_)
      record_->assumptions.push_back({forward.file, forward.def_line,
                                      "self." + n + " is None after __init__ and forward() sets it: a call finds in it what the "
                                      "previous call (generate's prefill) left, " + v->describe() +
                                      " (read from a run of forward()), None when cache_len = 0"});
  }
}

void ShapeTracer::probe_forward(const ModuleFacts& facts, const std::map<std::string, ValuePtr>& inputs) {
  probing_held_ = true;
  try {
    UnrecordedSites quiet(ctx_);
    run_forward(facts, inputs);
  } catch (const std::exception&) {
  }
}

void ShapeTracer::held_layer_state(const ModuleFacts& facts, const FunctionSource& forward,
                                   const std::map<std::string, ValuePtr>& inputs) {
  if (ctx_.cache.size() == 0 || !reads_foreign_layers(*forward.def) || !sets_foreign_attribute(*forward.def)) return;
  ShapeTracer probe(ctx_, nullptr);
  probe.probe_forward(facts, inputs);
  for (size_t i = 0; i < probe.cache_layer_objects_.size(); ++i) {
    std::optional<CacheLayer> layer = ctx_.cache.layer(static_cast<long long>(i));
    if (!layer) continue;
    const Value& after = *probe.cache_layer_objects_[i];
    for (size_t k = 0; k < after.keys.size(); ++k) {
      auto built = layer->attributes.find(after.keys[k]);
      if (built == layer->attributes.end() || !built->second->is(Value::Kind::None) || !is_tensor(after.items[k])) continue;
      ValuePtr v = left_by_prefill(after.items[k]);
      layer_held_[i][after.keys[k]] = v;
      if (record_)
        record_->assumptions.push_back({forward.file, forward.def_line,
                                        "cache layer " + std::to_string(i) + " (" + last_part(layer->class_name) + ")'s " +
                                            after.keys[k] + " is None as the cache builds it and forward() sets it: a call finds "
                                            "in it what the previous call (generate's prefill) left, " + v->describe() +
                                            " (read from a run of forward()), None when cache_len = 0"});
    }
  }
}

ValuePtr ShapeTracer::held_keys(const Expr& held) {
  return with_origin(*Value::tensor({Expr::symbol("batch_size"), unsized_dim(), held, unsized_dim()}), Value::Origin::Cache);
}

ValuePtr ShapeTracer::cache_layer_objects() {
  if (ctx_.cache.size() == 0) return nullptr;
  ctx_.read_cache_layers = true;
  if (cache_layer_objects_.empty()) {
    for (size_t i = 0; i < ctx_.cache.size(); ++i) {
      std::optional<CacheLayer> layer = ctx_.cache.layer(static_cast<long long>(i));
      if (!layer) return nullptr;
      std::map<std::string, ValuePtr> state = layer->attributes;
      // What an attention layer holds when the call starts: nothing, as built, when no update of
      // the prefill reached it; else the keys and values of the tokens it keeps (as cache[i]).
      if (layer->attention && !layer->index && !layer->empty.empty()) {
        if (!ctx_.cache.filled(static_cast<long long>(i))) {
          for (const auto& [name, v] : layer->empty) state[name] = v;
        } else {
          std::string why;
          if (std::optional<CacheStep> n = kv_step(*layer, Expr(1), &why)) {
            state["keys"] = state["values"] = held_keys(n->held);
            state["is_initialized"] = Value::boolean(true);
          }
        }
      }
      auto held = layer_held_.find(i);
      if (held != layer_held_.end())
        for (const auto& [name, v] : held->second) state[name] = v;
      ValuePtr object = plain_object(layer->class_name, state);
      objects_[object.get()] = std::const_pointer_cast<Value>(object);
      cache_layer_objects_.push_back(object);
    }
  }
  return Value::list(cache_layer_objects_);
}

ValuePtr ShapeTracer::run_forward(const ModuleFacts& facts, const std::map<std::string, ValuePtr>& inputs) {
  const ClassSource& cls = *facts.source;
  if (!cls.forward) return Value::unknown(cls.qualname + " has no forward()");
  if (ctx_.depth > 64) return Value::unknown("modules nested too deep at " + cls.qualname);
  // A forward a decorator chooses at run time by a config attribute (experts implementations):
  // the function registered under the config's value; the class's own for "eager" or none.
  const FunctionSource* forward = &*cls.forward;
  if (std::optional<ForwardDispatch> d = ctx_.locator.forward_dispatch(cls.qualname)) {
    std::optional<ValuePtr> key = ctx_.config.attribute("config", d->config_attribute);
    if (key && (*key)->is(Value::Kind::String)) {
      auto fn = d->functions.find((*key)->str);
      if (fn != d->functions.end()) {
        forward = &ctx_.locator.find_function(fn->second);
        if (record_)
          record_->assumptions.push_back({"", 0, "forward() is chosen at run time by config." + d->config_attribute + " = \"" +
                                                    (*key)->str + "\": " + fn->second + " runs on this module"});
      }
    }
  }
  // A forward that reads a conv or recurrent state before it updates it: a probe, recording
  // nothing (no call sites either), runs it first to learn the states from the updates.
  if (!probing_ && reads_cache_state(*forward->def)) {
    ShapeTracer probe(ctx_, nullptr);
    probe.probing_ = true;
    {
      UnrecordedSites quiet(ctx_);
      probe.run_forward(facts, inputs);
    }
    for (const auto& [k, v] : probe.states_) states_.emplace(k, v);
  }
  // State the caller set on this module ("self.x" inputs), and what earlier calls left.
  for (const auto& [name, v] : inputs)
    if (starts_with(name, "self.")) held_[name] = v;
  if (!probing_ && !probing_held_) {
    held_state(facts, *forward, inputs);
    held_layer_state(facts, *forward, inputs);
  }
  Interpreter ev(ctx_.locator, ctx_.config, *this, forward->module, forward->file);
  interpreters_.push_back(&ev);
  const ModuleFacts* previous = facts_;
  facts_ = &facts;
  ++ctx_.depth;
  std::vector<Arg> args;
  // The **kwargs input (a dict of the keywords a call site passed on) is passed as keywords.
  const ast::Node* kwarg = ast::parameters_of(*cls.forward->def).kwarg;
  std::string kwargs = kwarg ? kwarg->str("arg") : "";
  for (const auto& [name, v] : inputs) {
    if (starts_with(name, "self.")) continue;
    if (name == kwargs && v && v->is(Value::Kind::Dict)) {
      for (size_t i = 0; i < v->keys.size(); ++i)
        if (!inputs.count(v->keys[i])) args.push_back({v->keys[i], v->items[i], v->keys[i]});
      continue;
    }
    args.push_back({name, v, name});
  }
  if (forward != &*cls.forward) args = dispatched_arguments(*cls.forward->def, *forward->def, inputs);
  ValuePtr result = ev.run_function(*forward->def, args, Value::self());
  held_after_ = ev.module_state_after();
  changed_inputs_.clear();
  for (const auto& [name, v] : inputs)
    if (v && v->is(Value::Kind::Dict))
      if (ValuePtr now = ev.changed(v)) changed_inputs_[name] = now;
  if (record_)
    for (const auto& n : ev.notes()) record_->branches.push_back({forward->file, n.line, n.text});
  --ctx_.depth;
  facts_ = previous;
  interpreters_.pop_back();
  return result;
}

ValuePtr ShapeTracer::run_earlier_call(const ModuleFacts& facts, const std::map<std::string, ValuePtr>& inputs) {
  auto* sites = ctx_.sites;
  auto* order = ctx_.discovery_order;
  ctx_.sites = nullptr;
  ctx_.discovery_order = nullptr;
  ShapeTracer earlier(ctx_, nullptr);
  ValuePtr out;
  try {
    out = earlier.run_forward(facts, inputs);
  } catch (...) {
    ctx_.sites = sites;
    ctx_.discovery_order = order;
    throw;
  }
  ctx_.sites = sites;
  ctx_.discovery_order = order;
  return out;
}

ValuePtr ShapeTracer::run_method(const ModuleFacts& facts, const std::string& qualname, const std::vector<Arg>& args) {
  const ModuleFacts* previous = facts_;
  facts_ = &facts;
  ValuePtr result;
  try {
    result = inline_function(qualname, args, Value::self());
  } catch (...) {
    facts_ = previous;
    throw;
  }
  facts_ = previous;
  return result;
}

Expr ShapeTracer::count() const {
  Expr c(1);
  for (const auto& e : counts_) c = c * e;
  return c;
}

std::string ShapeTracer::unique_label(const std::string& label) const {
  if (!record_) return label;
  auto taken = [&](const std::string& l) {
    return std::any_of(record_->children.begin(), record_->children.end(), [&](const ChildCall& c) { return c.label == l; });
  };
  if (!taken(label)) return label;
  for (int i = 2;; ++i)
    if (!taken(label + "_" + std::to_string(i))) return label + "_" + std::to_string(i);
}

std::string ShapeTracer::label_for(const std::string& op, const ast::Node& node) const {
  std::string label = op;
  std::vector<std::string> names;
  if (node.is("BinOp")) {
    names = {operand_name(node.child("left")), operand_name(node.child("right"))};
  } else if (node.is("Compare")) {
    names = {operand_name(node.child("left"))};
    if (!node.list("comparators").empty()) names.push_back(operand_name(node.list("comparators")[0].get()));
  } else if (node.is("UnaryOp")) {
    names = {operand_name(node.child("operand"))};
  } else if (node.is("Call")) {
    const ast::Node* f = node.child("func");
    if (f && f->is("Attribute")) {
      std::string receiver = operand_name(f->child("value"));
      // torch.rsqrt(x), F.softmax(x): the receiver is a module; name the first argument instead.
      if (receiver == "torch" || receiver == "F" || receiver == "nn" || receiver == "functional") receiver = "";
      names = {receiver};
    }
    if ((names.empty() || names[0].empty()) && !node.list("args").empty()) names = {operand_name(node.list("args")[0].get())};
  }
  std::string joined;
  for (const auto& n : names)
    if (!n.empty() && n != "self") joined += "_" + n;
  if (joined.empty() && !interpreters_.empty() && !interpreters_.back()->current_target().empty() &&
      interpreters_.back()->current_target() != "return")
    joined = "_" + interpreters_.back()->current_target();
  label += joined;
  std::string prefix;
  for (const auto& p : prefixes_) prefix += p + ".";
  return prefix + label;
}

void ShapeTracer::add_child(ChildCall child, const ast::Node& node) {
  if (!record_) return;
  child.label = unique_label(child.label);
  child.count = count();
  if (!interpreters_.empty()) {
    child.line = node.line;
    child.source = interpreter().text(node);
  }
  if (facts_ && facts_->source) child.file = interpreters_.empty() ? facts_->source->file : "";
  // A binding may only use this kernel's own names and the implicit symbols.
  std::set<std::string> own(record_->init_params.begin(), record_->init_params.end());
  own.insert(record_->forward_params.begin(), record_->forward_params.end());
  std::vector<std::pair<std::string, Expr>> kept;
  for (auto& [param, e] : child.bindings) {
    std::string foreign;
    for (const auto& s : e.symbols())
      if (!own.count(s) && !is_implicit_symbol(s) && !starts_with(s, "config.")) foreign = s;
    if (foreign.empty()) kept.push_back({param, e});
    else child.why += (child.why.empty() ? "" : "; ") + param + " not bound: its value `" + e.str() + "` uses `" +
                      foreign + "`, which is not a name of this kernel";
  }
  child.bindings = kept;
  for (const auto& [param, e] : child.bindings) {
    if (e.symbols().count(Value::kUnknownSymbol)) {
      child.why = param + " depends on a value that could not be modelled (" + child.why + ")";
      child.kernel = "unknown";
      child.bindings.clear();
      break;
    }
  }
  record_->children.push_back(std::move(child));
}

ValuePtr ShapeTracer::unknown(const ast::Node& node, const std::string& what, const std::string& label) {
  ChildCall c;
  c.label = label;
  c.kernel = "unknown";
  c.why = what;
  add_child(c, node);
  return Value::unknown(what);
}

ValuePtr ShapeTracer::call_leaf(const ast::Node& node, const std::string& leaf_name, LeafCall lc,
                                const std::string& label) {
  const LeafKernel* leaf = ctx_.leaves.find(leaf_name);
  if (!leaf) return unknown(node, "the name map gives leaf '" + leaf_name + "', which is not in the kernel library", label);
  lc.leaf = leaf;
  LeafBinding b = bind_leaf(lc);
  if (!b.ok) return unknown(node, leaf_name + ": " + b.why, label);
  if (!b.output) {
    // A leaf whose library declares its parameters says nothing of what the op outputs: kcost's
    // own leaf for the op does.
    b.output = own_output(lc.op, {leaf_name}, lc.self, lc.args, lc.ctor, lc.module);
    if (!b.output) b.output = Value::unknown("the output of " + leaf_name + " (its library declares its parameters; kcost has no leaf for the op)");
  }
  ChildCall c;
  c.label = label;
  c.kernel = leaf_name;
  c.leaf = true;
  c.bindings = b.bindings;
  c.why = b.why;
  if (lc.self && is_tensor(lc.self)) c.inputs.push_back("self: " + shape_text(lc.self->shape));
  for (const auto& a : lc.args)
    if (is_tensor(a.value)) c.inputs.push_back((a.name.empty() ? a.text : a.name) + ": " + shape_text(a.value->shape));
  add_child(c, node);
  return b.output;
}

void ShapeTracer::count_held_cache(const std::string& op, const std::vector<Arg>& args, const ValuePtr& out) {
  // A layer's cached keys or values read by cache[i] (cache_layer_item) and concatenated with the
  // new ones: the cache holds them, sized now as the cat's other operands say.
  if (!record_ || !is_tensor(out) || has_unsized(out->shape)) return;
  ValuePtr seq = argument(args, 0, "tensors");
  if (!seq || !(seq->is(Value::Kind::Tuple) || seq->is(Value::Kind::List)) || (op != "cat" && op != "concat" && op != "concatenate"))
    return;
  for (const ValuePtr& t : seq->items) {
    if (!is_tensor(t) || t->origin != Value::Origin::Cache || !has_unsized(t->shape) || t->shape.size() != out->shape.size()) continue;
    Shape s = t->shape;
    for (size_t i = 0; i < s.size(); ++i)
      if (is_unsized(s[i])) s[i] = out->shape[i];
    record_->cache_elements = record_->cache_elements + count() * numel(s);
  }
}

ValuePtr ShapeTracer::own_output(const std::string& op, const std::vector<std::string>& names, const ValuePtr& self,
                                 const std::vector<Arg>& args, const std::map<std::string, ValuePtr>& ctor, bool module) {
  if (!ctx_.shape_leaves || !ctx_.shape_names) return nullptr;
  std::optional<std::string> own = leaf_for_op(*ctx_.shape_names, op, names, self, args);
  const LeafKernel* k = own ? ctx_.shape_leaves->find(*own) : nullptr;
  if (!k || !k->binds.empty()) return nullptr;
  LeafCall lc;
  lc.leaf = k;
  lc.op = op;
  lc.self = self;
  lc.args = args;
  lc.ctor = ctor;
  lc.module = module;
  LeafBinding b = bind_leaf(lc);
  return b.ok ? b.output : nullptr;
}

ValuePtr ShapeTracer::call_op(const ast::Node& node, const std::string& op, const std::vector<std::string>& names,
                              const ValuePtr& self, const std::vector<Arg>& args) {
  if (is_zero_cost_op(op)) {
    ValuePtr out = shape_op(op, self, args);
    if (out && out->is(Value::Kind::Unknown)) return unknown(node, op + ": " + out->why, label_for(op, node));
    count_held_cache(op, args, out);
    return follow_fill(op, self, args, out);
  }
  if (ValuePtr view = permuting_einsum(op, args)) return view;
  std::optional<std::string> leaf = leaf_for_op(ctx_.names, op, names, self, args);
  if (!leaf && !is_tensor(self) && !any_tensor(args) &&
      std::none_of(names.begin(), names.end(), [](const std::string& n) { return starts_with(n, "torch."); })) {
    // A function outside torch with no tensor to work on (inspect.signature(self.forward_chunk)):
    // no device work; its value is unknown, and a use of it on tensors is an unknown child there.
    return Value::unknown("call of " + names[0] + " (not modelled; no tensor operand)");
  }
  if (!leaf) {
    ValuePtr missing = unknown(node, "no leaf kernel for " + names[0], label_for(op, node));
    // Another library without this op: its cost is unknown (the child above); what it outputs,
    // kcost's own leaf for it says.
    if (ValuePtr out = own_output(op, names, self, args)) return follow_fill(op, self, args, follow_routing(op, self, args, out));
    // A Python operator on tensors broadcasts whatever it costs: its cost is unknown (the child
    // above), its shape is not, so what follows is still traced.
    if (starts_with(names[0], "torch.Tensor.__") && names[0] != "torch.Tensor.__matmul__" &&
        names[0] != "torch.Tensor.__rmatmul__" && args.size() == 2 && (is_tensor(args[0].value) || is_tensor(args[1].value))) {
      const ValuePtr& model = is_tensor(args[0].value) ? args[0].value : args[1].value;
      Shape a = is_tensor(args[0].value) ? args[0].value->shape : Shape{};
      Shape b = is_tensor(args[1].value) ? args[1].value->shape : Shape{};
      return follow_fill(op, nullptr, args, with_shape(*model, broadcast(a, b)));
    }
    return missing;
  }
  LeafCall lc;
  lc.op = op;
  lc.self = self;
  lc.args = args;
  return remember_mask(follow_fill(op, self, args, follow_routing(op, self, args, call_leaf(node, *leaf, lc, label_for(op, node)))));
}

ValuePtr ShapeTracer::remember_mask(const ValuePtr& out) {
  if (out && out->routing && out->routing->stage == Routing::Stage::Mask) routing_masks_.push_back(out->routing);
  return out;
}

ValuePtr ShapeTracer::call_module(const ast::Node& node, const ValuePtr& module, const std::vector<Arg>& args) {
  const std::string& cls = module->class_name;
  std::string label = module->attr.empty() ? label_for(last_part(cls), node) : module->attr;
  if (!module->attr.empty()) {
    std::string prefix;
    for (const auto& p : prefixes_) prefix += p + ".";
    label = prefix + label;
  }
  if (cls == "torch.nn.modules.container.Sequential" && args.size() == 1 && args[0].name.empty() &&
      !module->args.empty() &&
      std::all_of(module->args.begin(), module->args.end(),
                  [](const Arg& a) { return a.name.empty() && a.value->is(Value::Kind::Module); })) {
    // nn.Sequential(a, b, c)(x) is c(b(a(x))): each module called where the Sequential is, labelled
    // by its position under the Sequential's label (ffn.0, ffn.1, ...).
    ValuePtr x = args[0].value;
    std::string base = module->attr.empty() ? last_part(label) : module->attr;
    for (size_t i = 0; i < module->args.size(); ++i)
      x = call_module(node, with_attr(*module->args[i].value, base + "." + std::to_string(i)), {{"", x, args[0].text}});
    return x;
  }
  if (ctx_.names.lookup(cls)) {
    LeafCall lc;
    lc.op = last_part(cls);
    lc.args = args;
    lc.ctor = ctor_params(cls, module->args);
    lc.module = true;
    return call_leaf(node, *leaf_for_module(ctx_.names, cls, lc.ctor), lc, label);
  }
  return call_composite(node, module, args, label);
}

ValuePtr ShapeTracer::call_composite(const ast::Node& node, const ValuePtr& module, const std::vector<Arg>& args,
                                     const std::string& label) {
  const ClassSource& cls = ctx_.locator.find_class(module->class_name);
  if (!cls.forward) return unknown(node, cls.qualname + " has no forward() to trace", label);
  std::map<std::string, ValuePtr> inputs = bind_forward(cls, args);
  // State this forward() set on the submodule (`self.rg_lru.recurrent_states = ...`): what the
  // submodule's forward() finds in it ("self.recurrent_states"), an input of the call.
  if (!module->attr.empty()) {
    const std::string prefix = "self." + module->attr + ".";
    for (const auto& [path, v] : held_)
      if (starts_with(path, prefix) && path.find('.', prefix.size()) == std::string::npos)
        inputs["self." + path.substr(prefix.size())] = v;
  }
  const std::string kernel = kernel_of(*module, inputs);
  if (ctx_.sites) {
    auto& sites = (*ctx_.sites)[kernel];
    if (sites.empty() && ctx_.discovery_order) ctx_.discovery_order->push_back(kernel);
    sites.push_back({module->args, inputs});
  }
  // A call traced before with the same module and inputs has the same output. A trace that
  // recorded no call sites (a probe running forward ahead of the call) is not reused where
  // sites are recorded: the children it met would never be recorded.
  const std::string key = cls.qualname + "|" + structural_key(module->args) + "|" + inputs_key(inputs);
  const std::string unrecorded = key + "|unrecorded";
  ValuePtr output;
  auto memo = ctx_.outputs.find(key);
  if (memo == ctx_.outputs.end() && !ctx_.sites) memo = ctx_.outputs.find(unrecorded);
  const std::string traced = memo != ctx_.outputs.end() ? memo->first : ctx_.sites ? key : unrecorded;
  if (memo != ctx_.outputs.end()) {
    output = memo->second;
  } else {
    auto facts = facts_of(cls.qualname, &module->args);
    ShapeTracer sub(ctx_, nullptr);
    output = sub.run_forward(*facts, inputs);
    ctx_.outputs[traced] = output;
    ctx_.changed_inputs[traced] = sub.changed_inputs_;
  }
  // The dicts passed in that its forward() set items of: the same objects here (Python passes
  // a dict, never a copy), changed so after the call.
  changed_arguments_.clear();
  auto changed = ctx_.changed_inputs.find(traced);
  if (changed != ctx_.changed_inputs.end())
    for (const auto& [name, now] : changed->second)
      if (auto in = inputs.find(name); in != inputs.end()) changed_arguments_.push_back({in->second, now});
  if (record_) {
    ChildCall c;
    c.label = label;
    c.kernel = kernel;
    if (cls.init) {
      std::map<std::string, ValuePtr> ctor = ctor_params(cls.qualname, module->args);
      for (const auto& p : init_param_names(*cls.init->def)) {
        auto it = ctor.find(p);
        if (it != ctor.end() && it->second->is(Value::Kind::Number)) c.bindings.push_back({p, it->second->expr});
        else if (it != ctor.end() && it->second->is(Value::Kind::None)) c.bindings.push_back({p, Expr(0)});
        else c.why += std::string(c.why.empty() ? "" : "; ") + p + " not bound: its value " +
                      (it == ctor.end() ? "is not passed" : it->second->describe()) + " is not a number";
      }
    }
    c.why = std::string(c.why.empty() ? "" : c.why + "; ") + "init params bound from the constructor call " +
            module->describe() + "; forward params (dims that differ between call sites) from the shapes here";
    if (ctx_.signatures) {
      auto sig = ctx_.signatures->find(kernel);
      if (sig != ctx_.signatures->end())
        for (const auto& p : sig->second.forward_params) c.bindings.push_back({p.name, extract(p, inputs)});
    }
    for (const auto& [name, v] : inputs)
      if (is_tensor(v)) c.inputs.push_back(name + ": " + shape_text(v->shape));
    add_child(c, node);
  }
  return output;
}

void ShapeTracer::note_hub_kernel(const FunctionSource& f) {
  // @use_kernel_func_from_hub_with_fallback("causal_conv1d_update", "causal_conv1d") and its
  // kind: the kernel (and package) transformers dispatches to on a GPU where it is installed.
  for (const auto& d : f.def->list("decorator_list")) {
    if (!d->is("Call") || !d->child("func")) continue;
    const ast::Node& fn = *d->child("func");
    std::string name = fn.is("Name") ? fn.str("id") : fn.is("Attribute") ? fn.str("attr") : "";
    if (!starts_with(name, "use_kernel")) continue;
    std::vector<std::string> given;
    for (const auto& a : d->list("args"))
      if (a->is("Constant") && a->constant().kind == ast::Constant::Kind::Str) given.push_back(a->constant().text);
    if (given.empty()) continue;
    std::string text = "`" + f.name + "`: where the hub kernel `" + given[0] + "`" +
                       (given.size() > 1 ? " (package `" + given[1] + "`)" : std::string()) +
                       " is installed (a GPU), transformers runs it instead (@" + name +
                       "); without it, as here and in the oracle's run, this PyTorch reference runs and is what is costed";
    for (const auto& a : record_->assumptions)
      if (a.text == text) return;
    record_->assumptions.push_back({f.file, f.first_line, text});
  }
}

ValuePtr ShapeTracer::inline_function(const std::string& qualname, const std::vector<Arg>& args, const ValuePtr& self) {
  const FunctionSource& f = ctx_.locator.find_function(qualname);
  if (record_) note_hub_kernel(f);
  Interpreter ev(ctx_.locator, ctx_.config, *this, f.module, f.file);
  ev.set_closure(&f.closure);
  interpreters_.push_back(&ev);
  prefixes_.push_back(f.name);
  ValuePtr result = ev.run_function(*f.def, args, self);
  if (record_)
    for (const auto& n : ev.notes()) record_->branches.push_back({f.file, n.line, f.name + ": " + n.text});
  prefixes_.pop_back();
  interpreters_.pop_back();
  return result;
}

ValuePtr ShapeTracer::call_function(const ast::Node& node, const ValuePtr& fn, const std::vector<Arg>& args) {
  const std::string& qualname = fn->qualname;
  const std::string& path = fn->reached;  // the name as reached through modules
  // Leaf ops first: F.softmax is a Python function, but a leaf; so is any function the name map
  // names (transformers' _grouped_mm dispatcher, whose every path is one grouped mm).
  for (const std::string& n : {path, qualname}) {
    if (n.empty()) continue;
    if ((ctx_.names.lookup(n) || is_zero_cost_op(last_part(n))) && starts_with(n, "torch."))
      return call_op(node, last_part(n), {n}, nullptr, args);
  }
  for (const std::string& n : {qualname, path})
    if (!n.empty() && ctx_.names.lookup(n)) return call_op(node, last_part(n), {n}, nullptr, args);
  // Queries and switches of run-time state: what they are on the default inference path.
  for (const std::string& n : {qualname, path})
    if (ValuePtr state = inference_state(n)) return state;
  // Python-number arithmetic (math.sqrt(config.hidden_size)): a number, never a cost.
  if (ValuePtr v = python_math(qualname, args)) return v;
  if ((qualname == "copy.deepcopy" || qualname == "copy.copy") && !args.empty() && args[0].name.empty()) {
    // Values are never mutated in place here, so a copy is the value (Gemma3's
    // copy.deepcopy(config) for its local rotary embedding).
    return args[0].value;
  }
  // create_masks_for_generate runs from its source: a mask per layer type, each by the function
  // masking_utils maps that type to (its LAYER_PATTERN_TO_MASK_FUNCTION_MAPPING), made here.
  if (starts_with(qualname, "transformers.masking_utils.create_") &&
      qualname != "transformers.masking_utils.create_masks_for_generate") {
    mask_line_ = node.line;
    return make_mask(args, qualname);
  }
  // A function registered in transformers' AttentionInterface (ALL_ATTENTION_FUNCTIONS["sdpa"])
  // is the fused attention, as get_interface's answer is: one leaf, never inlined.
  if (std::optional<std::string> impl = ctx_.locator.attention_implementation(qualname))
    return call_attention(node, *impl, args);
  // A custom autograd function (Bloom's GeLUFunction.apply(x)): its static forward(ctx, *args)
  // runs, with a ctx whose backward bookkeeping does nothing.
  if (qualname == "torch.autograd.function.Function.apply" && path != qualname && ends_with(path, ".apply")) {
    std::vector<Arg> with_ctx = {{"", Value::opaque(kAutogradContext), "ctx"}};
    with_ctx.insert(with_ctx.end(), args.begin(), args.end());
    return inline_function(path.substr(0, path.size() - 6) + ".forward", with_ctx, nullptr);
  }
  if (fn->global_kind == Value::GlobalKind::NativeFunction) {
    std::string n = path.empty() ? qualname : path;
    return call_op(node, last_part(n), {n, qualname}, nullptr, args);
  }
  // A Python function whose source cannot be read (a frozen standard-library module's:
  // `os.getenv`): not modelled, a child that could cost anything when it takes tensors.
  try {
    ctx_.locator.find_function(qualname);
  } catch (const std::exception& e) {
    const std::string why = std::string("call of ") + qualname + ": " + e.what();
    bool on_tensors = std::any_of(args.begin(), args.end(), [](const Arg& a) { return is_tensor(a.value); });
    return on_tensors ? unknown(node, why, label_for(last_part(qualname), node)) : Value::unknown(why);
  }
  return inline_function(qualname, args, nullptr);
}

ValuePtr ShapeTracer::make_mask(const std::vector<Arg>& args, const std::string& function) {
  ValuePtr embeds = argument(args, 99, "inputs_embeds");
  if (!embeds) embeds = argument(args, 99, "input_embeds");
  if (!is_tensor(embeds) || embeds->shape.size() < 2) return Value::none();
  Expr b = embeds->shape[0], q = embeds->shape[1];
  // The padding mask of state-space and linear-attention layers (create_recurrent_attention_mask):
  // None without padding (`torch.all(attention_mask == 1)`) and for one query token.
  if (function == "transformers.masking_utils.create_recurrent_attention_mask") {
    if (record_ && !interpreters_.empty())
      record_->assumptions.push_back({"", mask_line_, "the recurrent layers' padding mask is None: no padding, so "
                                                      "create_recurrent_attention_mask returns None"});
    return Value::none();
  }
  // Sized as the cache layer it is made for reports (get_mask_sizes): the first sliding layer
  // for a sliding-window or chunked mask, else the first full one.
  bool windowed = function.find("sliding_window") != std::string::npos || function.find("chunked") != std::string::npos;
  std::optional<CacheLayer> layer = ctx_.cache.first(windowed);
  if (!layer) layer = ctx_.cache.first(false);
  if (!layer) layer = ctx_.cache.layer(0);
  Expr kv = Expr::symbol("cache_len") + q;
  if (layer) {
    std::string why;
    std::optional<CacheStep> n = kv_step(*layer, q, &why);
    if (!n) return Value::unknown("the attention mask's key length: " + why);
    kv = n->returned;
  }
  // A float mask added to the scores under eager attention, always made; a bool mask under
  // sdpa, which transformers' sdpa_mask skips (is_causal instead) when there is no padding and
  // either one query token or an empty cache.
  // The local window a windowed mask has (masking_utils' local_attention_size): the cache layer's
  // when it keeps a window, else the config's (older caches keep every token, and the mask alone
  // windows them).
  std::optional<Expr> local_window;
  if (windowed) {
    if (layer && layer->attributes.count("sliding_window") && layer->attributes.at("sliding_window")->is(Value::Kind::Number))
      local_window = layer->attributes.at("sliding_window")->expr;
    else if (auto w = ctx_.config.attribute("config", function.find("chunked") != std::string::npos ? "attention_chunk_size"
                                                                                                  : "sliding_window");
             w && *w && (*w)->is(Value::Kind::Number))
      local_window = (*w)->expr;
  }
  bool eager = ctx_.attn_implementation == "eager";
  auto mask = std::make_shared<Value>(*Value::tensor({b, Expr(1), q, kv}, eager ? Value::DType::Float : Value::DType::Bool));
  // A bidirectional mask (create_bidirectional_mask, or create_causal_mask of a config with
  // is_causal False) without padding is skipped under sdpa unless mask functions are added to it
  // or the keys reach a local window (_ignore_bidirectional_mask_sdpa).
  bool bidirectional = function.find("bidirectional") != std::string::npos;
  if (function == "transformers.masking_utils.create_causal_mask")
    if (auto causal = ctx_.config.attribute("config", "is_causal"); causal && (*causal)->truth() == false) bidirectional = true;
  auto given = [&](const char* name) {
    ValuePtr v = argument(args, 99, name);
    return v && !v->is(Value::Kind::None);
  };
  if (bidirectional) {
    // Under eager too: eager_mask is sdpa_mask's, cast to float.
    ValuePtr skip = argument(args, 99, "allow_is_bidirectional_skip");
    if (function == "transformers.masking_utils.create_causal_mask") skip = argument(args, 99, "allow_is_causal_skip");
    if ((skip && skip->truth() == false) || given("or_mask_function") || given("and_mask_function")) {
      mask->presence = Expr(1);
    } else if (local_window) {
      mask->presence = Expr::compare(">=", kv, *local_window);
    } else {
      if (record_ && !interpreters_.empty())
        record_->assumptions.push_back({"", mask_line_, "the bidirectional attention mask is None: no padding, so transformers "
                                                        "skips it (_ignore_bidirectional_mask_sdpa)"});
      return Value::none();
    }
  } else if (eager) {
    mask->presence = Expr(1);
  } else if (ValuePtr skip = argument(args, 99, "allow_is_causal_skip"); skip && skip->truth() == false) {
    mask->presence = Expr(1);  // the caller asks for the mask to be materialized (allow_is_causal_skip=False)
  } else if (given("block_sequence_ids")) {
    // Blocks that attend to each other both ways (Gemma 4's vision tokens) are an or_mask_function
    // of the causal one: create_causal_mask and its sliding and chunked kin then never skip it.
    mask->presence = Expr(1);
  } else {
    mask->presence = Expr::logical_and(Expr::compare("!=", q, Expr(1)), Expr::compare("!=", Expr::symbol("cache_len"), Expr(0)));
    // A sliding-window or chunked mask cannot be skipped once the keys reach the window
    // (_ignore_causal_mask_sdpa's local_attention_size: the layer's window).
    if (local_window) mask->presence = Expr::logical_or(*mask->presence, Expr::compare(">=", kv, *local_window));
  }
  if (record_ && !interpreters_.empty())
    record_->assumptions.push_back({"", mask_line_, "the attention mask is made by transformers.masking_utils (not counted): " +
                                               mask->describe() + (eager ? " (float, always)" : ", present when " + mask->presence->str())});
  return mask;
}

ValuePtr ShapeTracer::call_attention(const ast::Node& node, const std::string& impl, const std::vector<Arg>& args) {
  LeafCall lc = attention_leaf_call(args);
  std::string prefix;
  for (const auto& p : prefixes_) prefix += p + ".";
  ValuePtr out = call_leaf(node, "F.scaled_dot_product_attention", lc, prefix + "scaled_dot_product_attention");
  if (record_)
    record_->assumptions.push_back({"", node.line, "attention implementation '" + impl +
                                                     "': one fused F.scaled_dot_product_attention (keys and values read for the kv heads only)"});
  if (!is_tensor(out)) return Value::tuple({out, Value::none()});
  // transformers' fused attention functions return [batch, q_len, heads, head_dim] and no weights.
  Shape s = out->shape;
  std::swap(s[1], s[2]);
  auto o = std::make_shared<Value>(*out);
  o->shape = s;
  return Value::tuple({o, Value::none()});
}

ValuePtr ShapeTracer::call_state_method(const ast::Node& node, const std::string& method, const std::vector<Arg>& args) {
  static const std::set<std::string> methods = {"get_conv_state",    "get_recurrent_state", "update_conv_state",
                                                "update_recurrent_state", "has_previous_state", "is_recording_past"};
  if (!methods.count(method)) return nullptr;
  Expr cached_some = Expr::compare("!=", Expr::symbol("cache_len"), Expr(0));
  // Cache.has_previous_state: whether the layer's states were updated, i.e. a token was cached.
  if (method == "has_previous_state") return Value::number(cached_some);
  bool update = method.rfind("update_", 0) == 0;
  bool conv = method.find("conv") != std::string::npos;
  // Cache.get_*_state(layer_idx, state_idx=0); Cache.update_*_state(states, layer_idx, state_idx=0, **kwargs).
  size_t at = update ? 1 : 0;
  ValuePtr index = argument(args, at, "layer_idx");
  std::optional<CacheLayer> layer = cache_layer_at(index);
  if (!layer)
    return unknown(node, "cache." + method + ": the cache's layers differ and this call's layer index " +
                             (index ? index->describe() : std::string("(not passed)")) + " is not known here",
                   label_for(method, node));
  if (method == "is_recording_past") {
    // Cache.is_recording_past: getattr(layer, "record_past", False).
    auto it = layer->attributes.find("record_past");
    return it != layer->attributes.end() ? it->second : Value::boolean(false);
  }
  ValuePtr state_idx = argument(args, at + 1, "state_idx");
  if (!state_idx) state_idx = Value::integer(0);
  // A state index that is a kernel's own parameter with a known value (Inkling's ShortConvolution
  // built with conv_idx=2: a kind of its own, whose sites all agree) selects that state, in every
  // layer the kernel stands for.
  if (state_idx->is(Value::Kind::Number) && !state_idx->expr.is_number())
    if (std::optional<long long> known = known_int(*state_idx)) state_idx = Value::integer(*known);
  std::string key = std::string(conv ? "conv|" : "recurrent|") + layer->key() + "|" + state_idx->describe();
  if (!update) {
    // Cache.get_*_state: the layer's state once it has a previous state (a token was cached), else None.
    auto it = states_.find(key);
    if (it == states_.end()) {
      // The probe runs the path of an empty cache (None: no previous state), which updates it.
      if (probing_) return Value::none();
      return unknown(node, "cache." + method + ": the forward never updates this state, so its shape is not known",
                     label_for(method, node));
    }
    auto state = std::make_shared<Value>(*it->second);
    state->none_unless = cached_some;
    if (record_ && states_counted_.insert(key).second) {
      Expr elements(1);
      for (const Expr& d : state->shape) elements = elements * d;
      record_->cache_elements = record_->cache_elements + count() * Expr::if_else(cached_some, elements, Expr(0));
      record_->assumptions.push_back({"", node.line, "the cache holds this layer's " + std::string(conv ? "conv" : "recurrent") +
                                                       " state " + shape_text(state->shape) + " (read from " +
                                                       last_part(layer->class_name) + "'s update_" + (conv ? "conv" : "recurrent") +
                                                       "_state()) once a token is cached: it is None when cache_len = 0, "
                                                       "and its size does not grow with cache_len"});
    }
    return state;
  }
  ValuePtr fresh = argument(args, 0, conv ? "conv_states" : "recurrent_states");
  if (!is_tensor(fresh)) return unknown(node, "cache." + method + " of a non-tensor", label_for(method, node));
  std::vector<Arg> kwargs;
  for (const auto& a : args)
    if (!a.name.empty() && a.name != "layer_idx" && a.name != "state_idx" && a.name != "conv_states" &&
        a.name != "recurrent_states")
      kwargs.push_back(a);
  std::string why;
  ShapeTracer quiet(ctx_, nullptr);  // the update's own tensor work is the cache's, not the model's
  std::optional<StateStep> step = state_step(ctx_.locator, ctx_.config, quiet, *layer, method,
                                             conv ? "conv_states" : "recurrent_states", fresh, state_idx, kwargs,
                                             Expr::symbol("cache_len"), &why);
  if (!step) return unknown(node, "cache." + method + ": " + why, label_for(method, node));
  states_.emplace(key, step->held);
  if (record_)
    record_->assumptions.push_back({"", node.line, "cache." + method + " (read from " + last_part(layer->class_name) + "." +
                                                     method + "()) returns " + step->returned->describe() +
                                                     " for the new tokens " + fresh->describe()});
  return with_shape(*fresh, step->returned->shape);
}

ValuePtr ShapeTracer::cache_layer_item(const ast::Node& node, const ValuePtr& index) {
  // cache[layer_idx]: that layer's (keys, values) as the cache holds them after cache_len tokens
  // (a legacy tuple cache's item, and what a 4.x Cache's __getitem__ returns). Their heads and
  // head size are what the model's new keys have where it concatenates them (unsized_dim).
  Expr held = Expr::symbol("cache_len");
  if (!ctx_.cache.empty()) {
    std::optional<CacheLayer> layer = cache_layer_at(index);
    if (!layer)
      return unknown(node, "cache[" + index->describe() + "]: the cache's layers differ and this layer index is not known here",
                     label_for("cache_item", node));
    std::string why;
    std::optional<CacheStep> n = kv_step(*layer, Expr(1), &why);
    if (!n) return unknown(node, "cache[" + index->describe() + "]: " + why, label_for("cache_item", node));
    held = n->held;
  }
  ValuePtr t = held_keys(held);
  if (record_)
    record_->assumptions.push_back({"", node.line, "cache[i] is the layer's keys and values of the " + held.str() +
                                                     " tokens it holds (heads and head size as the model's keys)"});
  return Value::tuple({t, t});
}

ValuePtr ShapeTracer::call_cache_method(const ast::Node& node, const std::string& method, const std::vector<Arg>& args) {
  if (method == "get_seq_length") {
    // A cache class that keeps every layer itself answers from its source (4.50's HybridCache:
    // the occupied slots of layer 0, a 0-d tensor, whose value only positions read: it is taken
    // as the cache_len tokens the call has seen); any other cache: the cache_len tokens.
    std::optional<CacheLayer> first = ctx_.cache.cache_class().empty() ? std::nullopt : ctx_.cache.layer(0);
    if (first && first->index) {
      std::string why;
      ShapeTracer quiet(ctx_, nullptr);  // the cache's own tensor work is not the model's
      std::optional<ValuePtr> out = whole_cache_call(ctx_.locator, ctx_.config, quiet, *first, method, args, &why);
      if (!out) return unknown(node, "cache." + method + ": " + why, label_for(method, node));
      if (is_tensor(*out) && (*out)->shape.empty()) {
        auto valued = std::make_shared<Value>(**out);
        valued->items = {Value::number(Expr::symbol("cache_len"))};
        if (record_)
          record_->assumptions.push_back({"", node.line, "cache.get_seq_length of the " + last_part(ctx_.cache.cache_class()) +
                                                           " generate sets up (read from its source) is a 0-d tensor, taken as "
                                                           "the cache_len tokens seen (only positions read its value)"});
        return valued;
      }
      return *out;
    }
    // The tokens it holds: what the prefill gave it (KvCache::held_tokens).
    if (record_ && !(ctx_.cache.held_tokens() == Expr::symbol("cache_len")))
      record_->assumptions.push_back({"", node.line, "cache.get_seq_length(): the cache holds " + ctx_.cache.held_tokens().str() +
                                                       " tokens, what generate's prefill of cache_len tokens gave cache.update"});
    return Value::number(ctx_.cache.held_tokens());
  }
  if (ValuePtr v = call_state_method(node, method, args)) return v;
  if (method == "update") {
    ValuePtr keys = argument(args, 0, "key_states");
    if (!is_tensor(keys) || keys->shape.size() < 2) return Value::unknown("cache.update of non-tensors");
    Expr fresh = keys->shape[keys->shape.size() - 2];
    if (!ctx_.first_update_tokens) ctx_.first_update_tokens = fresh;
    // The cache layer of this call.
    ValuePtr index = argument(args, 2, "layer_idx");
    std::optional<CacheLayer> layer = cache_layer_at(index);
    Expr length = ctx_.cache.held_tokens() + fresh, held = ctx_.cache.held_tokens();
    std::string what = "every token";
    // The cache layers this call reaches: the layer at a literal index; at a layer index that
    // carries the value of a kind's first layer, the layers of the kind it stands for; all of
    // them at an index that stands for several otherwise, or that is not known here.
    const std::optional<long long> i = index ? known_int(*index) : std::nullopt;
    const auto kind = i ? ctx_.cache_layer_kinds.find(*i) : ctx_.cache_layer_kinds.end();
    if (i && index->expr.is_number()) ctx_.updated_layers.insert(*i);
    else if (kind != ctx_.cache_layer_kinds.end()) ctx_.updated_layers.insert(kind->second.begin(), kind->second.end());
    else ctx_.every_layer_updated = true;
    if (!ctx_.cache.empty()) {
      if (!layer)
        return unknown(node, "cache.update: the cache's layers differ and this call's layer index " +
                                 (index ? index->describe() : std::string("(not passed)")) + " is not known here",
                       label_for("update", node));
      std::string why;
      std::vector<Arg> call_args(args.size() > 2 ? args.begin() + 2 : args.end(), args.end());
      call_args.erase(std::remove_if(call_args.begin(), call_args.end(),
                                     [](const Arg& a) { return a.name == "key_states" || a.name == "value_states"; }),
                      call_args.end());
      std::optional<CacheStep> n = kv_step(*layer, fresh, &why, call_args);
      if (!n) return unknown(node, "cache.update: " + why, label_for("update", node));
      length = n->returned;
      held = n->held;
      what = last_part(layer->class_name);
    }
    std::vector<ValuePtr> out;
    for (size_t k = 0; k < 2; ++k) {
      ValuePtr t = argument(args, k, k == 0 ? "key_states" : "value_states");
      if (!is_tensor(t) || t->shape.size() < 2) return Value::unknown("cache.update of non-tensors");
      Shape s = t->shape;
      s[s.size() - 2] = held;
      Expr elements(1);
      for (const Expr& d : s) elements = elements * d;
      if (record_) record_->cache_elements = record_->cache_elements + count() * elements;
      s[s.size() - 2] = length;
      // What the cache returns is read from the cache (at kv_bytes), whatever wrote it.
      out.push_back(with_origin(*with_shape(*t, s), Value::Origin::Cache));
    }
    if (record_)
      record_->assumptions.push_back({"", node.line, "the KV cache holds cache_len earlier tokens; this layer's cache is a " + what +
                                                       " (read from its update()): it keeps " + held.str() +
                                                       " of them, and cache.update returns keys and values of length " + length.str()});
    return Value::tuple(out);
  }
  // Another method of a layer's cache (update_indexer(keys, layer_idx), get_mask_sizes(q,
  // layer_idx)): transformers' Cache hands it to that layer's method of the same name with the
  // other arguments; the layer class's source says what it keeps and returns (kv_cache.h).
  // The cache the call runs with is a DynamicCache (kv_cache.h).
  // A method of a cache class that keeps every layer itself (get_max_cache_shape of 4.50's
  // HybridCache): its source, run on that cache's state (kv_cache.h).
  if (!ctx_.cache.cache_class().empty()) {
    std::optional<CacheLayer> layer = ctx_.cache.layer(0);
    if (layer && layer->index) {
      std::string why;
      ShapeTracer quiet(ctx_, nullptr);  // the cache's own tensor work is not the model's
      std::optional<ValuePtr> out = whole_cache_call(ctx_.locator, ctx_.config, quiet, *layer, method, args, &why);
      if (!out) return unknown(node, "cache." + method + ": " + why, label_for(method, node));
      if (record_)
        record_->assumptions.push_back({"", node.line, "cache." + method + " of the " + last_part(ctx_.cache.cache_class()) +
                                                         " generate sets up (read from its source) returns " + (*out)->describe()});
      return *out;
    }
  }
  const std::string cache_method = "transformers.cache_utils.DynamicCache." + method;
  const FunctionSource* at_cache = nullptr;
  try {
    at_cache = &ctx_.locator.find_function(cache_method);
  } catch (const std::exception&) {
  }
  if (!at_cache || ctx_.cache.empty()) return Value::unknown("cache." + method);
  std::vector<ast::Parameter> params = ast::parameters_of(*at_cache->def).positional;
  size_t position = 0;
  bool found = false;
  for (size_t k = 1; k < params.size(); ++k)
    if (params[k].name() == "layer_idx") {
      position = k - 1;
      found = true;
    }
  if (!found) return Value::unknown("cache." + method + " without a layer index");
  ValuePtr index = argument(args, position, "layer_idx");
  std::vector<Arg> rest;
  for (size_t k = 0; k < args.size(); ++k)
    if (args[k].name.empty() ? k != position : args[k].name != "layer_idx") rest.push_back(args[k]);
  std::optional<CacheLayer> layer = cache_layer_at(index);
  if (!layer)
    return Value::unknown("cache." + method + ": the cache's layers differ and this call's layer index " +
                          (index ? index->describe() : std::string("(not passed)")) + " is not known here");
  // A method of the Cache itself, no layer's (get_query_offset: `self.get_seq_length(layer_idx)`):
  // its source runs on the cache.
  try {
    ctx_.locator.find_function(layer->class_name + "." + method);
  } catch (const std::exception&) {
    ShapeTracer quiet(ctx_, nullptr);
    return quiet.inline_function(cache_method, args, Value::cache());
  }
  std::string why;
  ShapeTracer quiet(ctx_, nullptr);  // the cache's own tensor work is not the model's
  std::optional<CacheCall> done = cache_call(ctx_.locator, ctx_.config, quiet, *layer, method, rest, ctx_.cache.held_tokens(), &why);
  if (!done) return Value::unknown("cache." + method + ": " + why);
  if (record_) {
    record_->cache_elements = record_->cache_elements + count() * done->held_elements;
    record_->assumptions.push_back({"", node.line, "cache." + method + " of a " + last_part(layer->class_name) +
                                                     " holding cache_len earlier tokens (read from its source) returns " +
                                                     done->returned->describe() +
                                                     (done->held_elements == Expr(0) ? std::string()
                                                                                     : "; it keeps " + done->held_elements.str() + " elements")});
  }
  return done->returned;
}

std::optional<CacheLayer> ShapeTracer::cache_layer_at(const ValuePtr& index) const {
  std::optional<long long> i = index ? known_int(*index) : std::nullopt;
  std::optional<CacheLayer> layer = i ? ctx_.cache.layer(*i) : ctx_.cache.uniform();
  // A layer index that is this kernel's init param: the cache layers of the layers it stands
  // for, when they are all alike.
  if (!layer && index && index->is(Value::Kind::Number) && ctx_.param_values) {
    auto kernel = ctx_.param_values->find(ctx_.kernel);
    std::set<std::string> symbols = index->expr.symbols();
    if (kernel != ctx_.param_values->end() && symbols.size() == 1 && index->expr == Expr::symbol(*symbols.begin())) {
      auto param = kernel->second.find(*symbols.begin());
      if (param != kernel->second.end()) {
        for (long long k : param->second) {
          std::optional<CacheLayer> l = ctx_.cache.layer(k);
          if (!l || (layer && l->key() != layer->key())) {
            layer.reset();
            break;
          }
          layer = l;
        }
      }
    }
  }
  return layer;
}

std::optional<CacheStep> ShapeTracer::kv_step(const CacheLayer& layer, const Expr& fresh, std::string* why,
                                              const std::vector<Arg>& call_args) {
  std::string key = layer.key() + "|" + fresh.str();
  // A whole cache's update reads the call's cache_kwargs (a layer's sliding_window); its layer
  // index is the layer's own (cache_step).
  if (layer.index) {
    std::vector<Arg> rest;
    for (size_t k = 0; k < call_args.size(); ++k)
      if (call_args[k].name != "layer_idx" && !(call_args[k].name.empty() && k == 0)) rest.push_back(call_args[k]);
    key += "|" + structural_key(rest);
  }
  auto it = ctx_.cache_steps.find(key);
  if (it != ctx_.cache_steps.end()) return it->second;
  ShapeTracer quiet(ctx_, nullptr);  // the update's own tensor work is the cache's, not the model's
  std::optional<CacheStep> n =
      cache_step(ctx_.locator, ctx_.config, quiet, layer, ctx_.cache.held_tokens(), fresh, why, call_args);
  if (n) ctx_.cache_steps.emplace(key, *n);
  return n;
}

ValuePtr ShapeTracer::call_dict_method(const Value& d, const std::string& method, const std::vector<Arg>& args) {
  if (d.is(Value::Kind::List) || d.is(Value::Kind::Tuple)) {
    // seq.index(x) / seq.count(x) of items that are known strings or numbers (X-MOD's
    // list(adapter_modules.keys()).index(config.default_language)).
    ValuePtr x = argument(args, 0, "value");
    long long first = -1, count = 0;
    for (size_t i = 0; x && i < d.items.size(); ++i) {
      std::optional<bool> same = python_equal(*d.items[i], *x);
      if (!same) return Value::unknown(method + " of " + x->describe() + " among " + d.describe());
      if (*same && first < 0) first = static_cast<long long>(i);
      count += *same ? 1 : 0;
    }
    if (!x) return Value::unknown(method + " without a value");
    if (method == "count") return Value::integer(count);
    if (first < 0) return Value::unknown(x->describe() + " is not in " + d.describe() + " (ValueError)");
    return Value::integer(first);
  }
  if (method == "copy") return std::make_shared<Value>(d);  // values are never mutated in place here
  if (method == "get") {
    ValuePtr key = argument(args, 0, "key"), dflt = argument(args, 1, "default");
    if (key && key->is(Value::Kind::String))
      for (size_t i = 0; i < d.keys.size(); ++i)
        if (d.keys[i] == key->str) return d.items[i];
    return dflt ? dflt : Value::none();
  }
  std::vector<ValuePtr> out;
  for (size_t i = 0; i < d.keys.size(); ++i) {
    if (method == "keys") out.push_back(Value::string(d.keys[i]));
    else if (method == "values") out.push_back(d.items[i]);
    else out.push_back(Value::tuple({Value::string(d.keys[i]), d.items[i]}));
  }
  return Value::list(out);
}

ValuePtr ShapeTracer::call_callable(const ast::Node& node, const Value& callee, const std::vector<Arg>& args) {
  using T = Value::Target;
  switch (callee.target) {
    case T::TensorMethod: {
      std::string name = last_part(callee.qualname);
      return call_op(node, name, {callee.qualname}, callee.receiver, args);
    }
    case T::SelfMethod: {
      if (callee.receiver && callee.receiver->is(Value::Kind::Dict) && !callee.receiver->class_name.empty())
        return inline_function(callee.qualname, args, callee.receiver);  // a plain object's method
      if (!callee.receiver || !callee.receiver->is(Value::Kind::Module)) return inline_function(callee.qualname, args, Value::self());
      // A submodule's method: self is that module while it runs.
      std::shared_ptr<ModuleFacts> module = facts_of(callee.receiver->class_name, &callee.receiver->args);
      const ModuleFacts* caller = facts_;
      facts_ = module.get();
      prefixes_.push_back(callee.receiver->attr.empty() ? last_part(callee.receiver->class_name) : callee.receiver->attr);
      ValuePtr out;
      try {
        out = inline_function(callee.qualname, args, Value::self());
      } catch (...) {
        prefixes_.pop_back();
        facts_ = caller;
        throw;
      }
      prefixes_.pop_back();
      facts_ = caller;
      return out;
    }
    case T::AttentionFunction: return call_attention(node, callee.qualname, args);
    case T::GetInterface: {
      ValuePtr dflt = argument(args, 1, "default");
      if (ctx_.attn_implementation == "eager" && dflt) return dflt;
      return Value::callable(T::AttentionFunction, ctx_.attn_implementation);
    }
    case T::CacheMethod: return call_cache_method(node, callee.qualname, args);
    case T::DictMethod: return call_dict_method(*callee.receiver, callee.qualname, args);
    case T::Noop: return Value::none();
    case T::ReturnsReceiver: return callee.receiver;
    case T::RegisterState:
    case T::SuperInit: break;  // __init__ only
    case T::LocalFunction: break;  // the interpreter runs these itself
    case T::ConfigMethod: break;   // so these (eval_call)
    case T::Partial: break;        // and these (call_value)
  }
  return Value::unknown("call of " + callee.describe());
}

ValuePtr ShapeTracer::call_class(const ast::Node& node, const Value& cls, const std::vector<Arg>& args) {
  if (cls.is_module_class) return Value::module(cls.qualname, args);
  if (cls.qualname.find("Cache") != std::string::npos) {
    // A cache: the framework's (transformers' Cache and its subclasses, or a plain class with its
    // protocol: update, update_conv_state, get_seq_length, as 4.x's MambaCache), else a plain
    // object of the model's own that holds the state in attributes (xLSTMCache's rnn_state), whose
    // __init__ runs like any plain object's.
    bool protocol = false;
    for (const char* m : {"update", "update_conv_state", "update_recurrent_state", "get_seq_length"}) {
      try {
        ctx_.locator.find_function(cls.qualname + "." + m);
        protocol = true;
      } catch (const std::exception&) {
      }
      if (protocol) break;
    }
    if (protocol) return Value::cache();
    if (ValuePtr object = make_object(cls, args)) return object;
    return Value::cache();
  }
  if (ValuePtr object = make_object(cls, args)) return object;
  if (is_zero_cost_op(last_part(cls.qualname)) || ctx_.names.lookup(cls.reached))
    return call_op(node, last_part(cls.qualname), {cls.reached, cls.qualname}, nullptr, args);
  // A record (ModelOutput dataclass, namedtuple): its fields by keyword.
  std::vector<std::string> keys;
  std::vector<ValuePtr> items;
  for (const auto& a : args)
    if (!a.name.empty()) {
      keys.push_back(a.name);
      items.push_back(a.value);
    }
  return Value::dict(keys, items);
}

ValuePtr ShapeTracer::make_object(const Value& cls, const std::vector<Arg>& args) {
  // A plain Python class (no base but object) with its own __init__ (transformers 4.x's
  // AttentionMaskConverter(is_causal=True, sliding_window=w)): an object whose attributes are
  // what __init__ assigns; its methods run with it as self (attribute, call_callable).
  const ClassSource* source = nullptr;
  try {
    source = &ctx_.locator.find_class(cls.qualname);
  } catch (const std::exception&) {
    return nullptr;
  }
  if (source->is_module || !source->init || source->init->owner != source->qualname) return nullptr;
  for (const std::string& base : source->mro)
    if (base != source->qualname && base != "builtins.object") return nullptr;
  auto object = std::make_shared<Value>(*Value::dict({}, {}));
  object->class_name = source->qualname;
  objects_[object.get()] = object;
  inline_function(source->qualname + ".__init__", args, object);
  return object;
}

void ShapeTracer::assign_attribute(const ast::Node& node, const ValuePtr& base, const std::string& name, const ValuePtr& value) {
  // self.x = v in a plain object's method (make_object): the object keeps it.
  auto it = base ? objects_.find(base.get()) : objects_.end();
  if (it == objects_.end()) {
    // self.x = v, self.a.x = v on the module: state it keeps (held_).
    if (base && (base->is(Value::Kind::Self) || (base->is(Value::Kind::Module) && !base->attr.empty()))) {
      std::string path = self_attribute_path(node);
      if (!path.empty()) held_[path] = value;
    }
    return;
  }
  Value& object = *it->second;
  for (size_t i = 0; i < object.keys.size(); ++i)
    if (object.keys[i] == name) {
      object.items[i] = value;
      return;
    }
  object.keys.push_back(name);
  object.items.push_back(value);
}

ValuePtr ShapeTracer::call(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) {
  if (!callee) return Value::unknown("conversion of a tensor to a number");
  switch (callee->kind) {
    case Value::Kind::Module: return call_module(node, callee, args);
    case Value::Kind::Callable: return call_callable(node, *callee, args);
    case Value::Kind::Global:
      switch (callee->global_kind) {
        case Value::GlobalKind::Class: return call_class(node, *callee, args);
        case Value::GlobalKind::Function:
        case Value::GlobalKind::NativeFunction: return call_function(node, callee, args);
        default: return Value::unknown("call of " + callee->qualname);
      }
    default: {
      // A call of something that could not be modelled, on tensors: it may cost anything, so
      // it is an unknown child (never dropped silently).
      bool on_tensors = std::any_of(args.begin(), args.end(), [](const Arg& a) { return is_tensor(a.value); });
      if (on_tensors && callee->is(Value::Kind::Unknown))
        return unknown(node, "call of " + callee->describe(), label_for("call", node));
      return Value::unknown("call of " + callee->describe());
    }
  }
}

ValuePtr ShapeTracer::class_constant(const std::string& cls, const std::string& name) {
  const size_t dot = cls.rfind('.');
  if (dot == std::string::npos) return nullptr;
  try {
    const GlobalRef& ref = ctx_.locator.resolve_global(cls.substr(0, dot), cls.substr(dot + 1) + "." + name);
    if (ref.kind == GlobalRef::Kind::Constant) return ConfigView::from_json(ref.value);
  } catch (const std::exception&) {
  }
  return nullptr;
}

ValuePtr ShapeTracer::class_member(const std::string& cls, const std::string& name, const ValuePtr& object) {
  if (ValuePtr constant = class_constant(cls, name)) return constant;
  const size_t dot = cls.rfind('.');
  if (dot == std::string::npos) return nullptr;
  const GlobalRef* ref = nullptr;
  try {
    ref = &ctx_.locator.resolve_global(cls.substr(0, dot), cls.substr(dot + 1) + "." + name);
  } catch (const std::exception&) {
    return nullptr;
  }
  if (ref->kind != GlobalRef::Kind::Other || (ref->type != "builtins.property" && ref->type != "functools.cached_property"))
    return nullptr;
  try {
    ctx_.locator.find_function(cls + "." + name);
  } catch (const std::exception&) {
    return nullptr;
  }
  ShapeTracer quiet(ctx_, nullptr);
  quiet.objects_ = objects_;
  return quiet.inline_function(cls + "." + name, {}, object);
}

ValuePtr ShapeTracer::cache_object() {
  std::string cls = ctx_.cache.cache_class();
  if (cls.empty()) cls = "transformers.cache_utils.DynamicCache";
  // Its layers: the layer objects of the trace (cache_layer_objects); a cache that appends one
  // class for every layer (no per-layer structure), one object of that class.
  ValuePtr layers = cache_layer_objects();
  if (!layers) {
    std::optional<CacheLayer> layer = ctx_.cache.empty() ? std::nullopt : ctx_.cache.layer(0);
    if (!layer) return plain_object(cls, {});  // a cache of no layer objects (4.x before 4.54): no `layers`
    layers = Value::list({plain_object(layer->class_name, layer->attributes)});
  }
  return plain_object(cls, {{"layers", layers}});
}

ValuePtr ShapeTracer::method_of(const ValuePtr& object, const std::string& name) {
  std::string method = object->class_name + "." + name;
  try {
    if (!ctx_.locator.is_class(method)) {
      ctx_.locator.find_function(method);
      return Value::callable(Value::Target::SelfMethod, method, object);
    }
  } catch (const std::exception&) {
  }
  return Value::unknown(method);
}

ValuePtr ShapeTracer::attribute(const ast::Node& node, const ValuePtr& base, const std::string& name) {
  switch (base->kind) {
    case Value::Kind::Self: {
      if (facts_) {
        if (const Attribute* a = facts_->find(name)) {
          if (a->value->is(Value::Kind::Module) || a->value->is(Value::Kind::ModuleList)) return with_attr(*a->value, name);
          return a->value;
        }
        if (name == "training") return Value::boolean(false);
        std::string method = facts_->qualname + "." + name;
        try {
          if (!ctx_.locator.is_class(method)) return Value::callable(Value::Target::SelfMethod, method);
        } catch (const std::exception&) {
        }
      }
      if (name == "training") return Value::boolean(false);
      return Value::unknown("self." + name + " is not set in __init__");
    }
    case Value::Kind::Module: {
      auto facts = facts_of(base->class_name, &base->args);
      if (const Attribute* a = facts->find(name)) return a->value;
      if (name == "training") return Value::boolean(false);
      // A constant of its class body (`attention_type = "sliding_attention"`, which Inkling2's
      // model reads off each decoder layer to pick its mask): what every instance reads.
      if (ValuePtr constant = class_constant(base->class_name, name)) return constant;
      // A method of a submodule other than forward (JetMoE's `self.experts.map(x)`): its source
      // runs with that module as self.
      return method_of(base, name);
    }
    case Value::Kind::Tensor: {
      if (name == "shape") {
        std::vector<ValuePtr> dims;
        for (const auto& d : base->shape) dims.push_back(Value::number(d));
        return Value::tuple(dims);
      }
      if (name == "ndim") return Value::integer(static_cast<long long>(base->shape.size()));
      if (name == "dtype") {
        // Which class of dtype the tensor has (bool, integer, floating), so that
        // `mask.dtype == torch.bool` is decided; the precision is not known here.
        auto d = std::make_shared<Value>(*Value::opaque(name));
        d->str = base->dtype == Value::DType::Bool ? "bool" : base->dtype == Value::DType::Integer ? "integer" : "float";
        return d;
      }
      if (name == "device") return Value::opaque(name);
      if (name == "is_cuda" || name == "requires_grad" || name == "is_meta") return Value::boolean(false);
      if (name == "T" || name == "mT" || name == "data") return name == "data" ? base : shape_op(name, base, {});
      // Only what torch.Tensor has (hasattr(x, "jax") is False on a real tensor).
      if (ctx_.locator.resolve_global("torch", "Tensor." + name).kind == GlobalRef::Kind::Missing)
        return Value::unknown("torch.Tensor has no attribute '" + name + "'");
      return Value::callable(Value::Target::TensorMethod, "torch.Tensor." + name, base);
    }
    case Value::Kind::Dict: {
      if (!base->class_name.empty()) {
        // A plain object (make_object): its attribute, else a method of its class.
        for (size_t i = 0; i < base->keys.size(); ++i)
          if (base->keys[i] == name) return base->items[i];
        if (ValuePtr member = class_member(base->class_name, name, base)) return member;
        return method_of(base, name);
      }
      if (name == "get" || name == "keys" || name == "values" || name == "items" || name == "copy")
        return Value::callable(Value::Target::DictMethod, name, base);
      for (size_t i = 0; i < base->keys.size(); ++i)
        if (base->keys[i] == name) return base->items[i];
      return Value::none();  // an output field nobody set (loss, hidden_states)
    }
    case Value::Kind::Super: {
      if (!facts_ || !facts_->source) return Value::unknown("super()." + name + " outside a module");
      // super().forward(x) in a subclass of nn.Embedding: the base's method, run on self.
      const ClassSource& cls = *facts_->source;
      std::string method = super_method(ctx_.locator, cls, cls.forward ? cls.forward->owner : cls.qualname, name);
      if (!method.empty()) return Value::callable(Value::Target::SelfMethod, method);
      return Value::unknown("super()." + name + ": no base class of " + cls.qualname + " defines it");
    }
    case Value::Kind::Cache: {
      // cache.layers: the layer objects (cache_layer_objects).
      if (name == "layers")
        if (ValuePtr layers = cache_layer_objects()) return layers;
      // A property or plain class attribute of the cache's class (`is_compileable`, which 4.x's
      // masks read with getattr): its value, read from the source; anything else a method.
      if (ValuePtr object = cache_object()) {
        if (ValuePtr member = class_member(object->class_name, name, object)) {
          if (record_)
            record_->assumptions.push_back({"", node.line, "cache." + name + " of the " + last_part(object->class_name) +
                                                             " (read from its source, on its layers as built) is " +
                                                             member->describe()});
          return member;
        }
      }
      return Value::callable(Value::Target::CacheMethod, name);
    }
    case Value::Kind::Tuple:
    case Value::Kind::List:
      // torch.return_types (topk, sort, max, min, kthvalue, mode): the pair (values, indices).
      if (base->is(Value::Kind::Tuple) && base->items.size() == 2 && (name == "values" || name == "indices"))
        return base->items[name == "values" ? 0 : 1];
      if ((name == "index" || name == "count") && !base->element) return Value::callable(Value::Target::DictMethod, name, base);
      return Value::unknown("attribute " + name + " of " + base->describe());
    case Value::Kind::Opaque:
      // The device a tensor is on: the accelerator the cost model is for (x.device.type), or the
      // CPU a validation runs on (AnalyzeOptions::device).
      if (base->qualname == "device" && name == "type") return Value::string(ctx_.device);
      // An autograd function's ctx: what it keeps for backward (save_for_backward, mark_dirty,
      // set_materialize_grads) does nothing for inference.
      if (base->qualname == kAutogradContext) return Value::callable(Value::Target::Noop, "ctx." + name);
      return Value::unknown("attribute " + name + " of " + base->describe());
    case Value::Kind::Global:
      if (name == "get_interface") return Value::callable(Value::Target::GetInterface, "get_interface");
      return Value::unknown(base->qualname + "." + name);
    default:
      return Value::unknown("attribute " + name + " of " + base->describe());
  }
}

ValuePtr ShapeTracer::binary(const ast::Node& node, const std::string& op, const ValuePtr& a, const ValuePtr& b) {
  std::string op_name;
  std::vector<std::string> candidates = operator_candidates(op, !is_tensor(a), &op_name);
  if (!is_tensor(a) && !is_tensor(b))
    return Value::unknown("operator " + op + " on " + a->describe() + " and " + b->describe());
  if (candidates.empty())  // a tensor operator without a leaf: never dropped silently
    return unknown(node, "operator " + op + " on " + a->describe() + " and " + b->describe(), label_for(op, node));
  // A tensor with an operand that could not be modelled: it may be a tensor too, so the cost
  // is not known (never priced as if it were a scalar).
  if (a->is(Value::Kind::Unknown) || b->is(Value::Kind::Unknown))
    return unknown(node, "operator " + op + " with an operand that could not be modelled: " +
                             (a->is(Value::Kind::Unknown) ? a : b)->describe(), label_for(op_name, node));
  std::string left, right;
  if (!interpreters_.empty()) {
    const ast::Node* l = node.child("left");
    const ast::Node* r = node.child("right");
    if (!l && node.is("Compare")) {
      l = node.child("left");
      if (!node.list("comparators").empty()) r = node.list("comparators")[0].get();
    }
    if (l) left = interpreter().text(*l);
    if (r) right = interpreter().text(*r);
  }
  ValuePtr out = call_op(node, op_name, candidates, nullptr, {{"", a, left}, {"", b, right}});
  // A 0-d tensor's value follows + and - (4.50's `past_seen_tokens + inputs_embeds.shape[1]`,
  // with past_seen_tokens a tensor: the bounds torch.arange then takes).
  auto scalar = [](const ValuePtr& v) -> std::optional<Expr> {
    if (v->is(Value::Kind::Number)) return v->expr;
    if (v->is_tensor() && v->shape.empty() && v->items.size() == 1 && v->items[0]->is(Value::Kind::Number))
      return v->items[0]->expr;
    return std::nullopt;
  };
  if ((op == "Add" || op == "Sub") && is_tensor(out) && out->shape.empty())
    if (std::optional<Expr> x = scalar(a), y = scalar(b); x && y) {
      auto valued = std::make_shared<Value>(*out);
      valued->items = {Value::number(op == "Add" ? *x + *y : *x - *y)};
      return valued;
    }
  return out;
}

ValuePtr ShapeTracer::unary(const ast::Node& node, const std::string& op, const ValuePtr& a) {
  if (!is_tensor(a)) return Value::unknown("operator " + op + " on " + a->describe());
  std::optional<std::string> base = unary_operator_base(op);
  if (!base) return Value::unknown("operator " + op + " on a tensor");
  if (*base == "pos") return a;
  std::string operand = node.child("operand") && !interpreters_.empty() ? interpreter().text(*node.child("operand")) : "";
  return call_op(node, *base, {"torch.Tensor.__" + *base + "__"}, nullptr, {{"", a, operand}});
}

namespace {

// Item `i` of a list or tuple (negative from the end), or of a dict keyed by numbers; null when
// there is none.
ValuePtr layer_item(const Value& base, long long i) {
  if (base.is(Value::Kind::Dict)) {
    auto key = std::find(base.keys.begin(), base.keys.end(), std::to_string(i));
    return key == base.keys.end() ? nullptr : base.items[static_cast<size_t>(key - base.keys.begin())];
  }
  long long n = static_cast<long long>(base.items.size());
  long long k = i < 0 ? i + n : i;
  return k < 0 || k >= n ? nullptr : base.items[static_cast<size_t>(k)];
}

}  // namespace

namespace {

// self.layers[lo:hi] of a stack: the layers from lo to hi, as many as hi - lo however many the
// config makes (Inkling2-Loop's layers before, in and after its loop: `self.layers[:loop_start]`,
// `[loop_start:loop_end]`, `[loop_end:]`), the layers the analysed config builds there its items.
// Bounds are None or numbers whose value the analysed config gives (negative from the end); a
// step, or a bound of no known value, leaves the stack whole.
ValuePtr module_list_slice(const ValuePtr& base, const Value& slice) {
  if (slice.items.size() != 3 || !(slice.items[2]->is(Value::Kind::None) || known_int(*slice.items[2]) == 1)) return base;
  const long long n = static_cast<long long>(base->items.size());
  const Expr length = base->element ? base->length : Expr(n);
  struct Bound {
    Expr expr;
    long long at;  // in the analysed config, from the start
  };
  auto bound = [&](const ValuePtr& v, const Expr& whole, long long whole_at) -> std::optional<Bound> {
    if (v->is(Value::Kind::None)) return Bound{whole, whole_at};
    std::optional<long long> k = known_int(*v);
    if (!k) return std::nullopt;
    Expr e = v->expr.is_number() ? Expr(*k) : v->expr;
    if (*k < 0) return Bound{length + e, *k + n};
    return Bound{e, *k};
  };
  std::optional<Bound> lo = bound(slice.items[0], Expr(0), 0), hi = bound(slice.items[1], length, n);
  if (!lo || !hi) return base;
  const long long from = std::clamp(lo->at, 0LL, n), to = std::clamp(hi->at, from, n);
  auto out = std::make_shared<Value>(*base);
  out->items.assign(base->items.begin() + from, base->items.begin() + to);
  // hi - lo where the bounds lie in the stack (as a config's loop bounds do); Python's clamping
  // where they do not (layers[6:18] of a 3-layer stack is empty).
  if (base->element)
    out->length = from == lo->at && to == hi->at
                      ? hi->expr - lo->expr
                      : Expr::max(Expr::min(hi->expr, length) - Expr::min(Expr::max(lo->expr, Expr(0)), length), Expr(0));
  return out;
}

}  // namespace

ValuePtr ShapeTracer::subscript(const ast::Node& node, const ValuePtr& base, const ValuePtr& index) {
  if (is_tensor(base)) {
    ValuePtr out = index_tensor(*base, *index);
    if (out->is(Value::Kind::Unknown)) return unknown(node, out->why, label_for("index", node));
    return follow_fill("__getitem__", base, {{"", index, ""}}, follow_routing("__getitem__", base, {{"", index, ""}}, out));
  }
  if (base->is(Value::Kind::Cache) && index->is(Value::Kind::Number)) return cache_layer_item(node, index);
  // A dict keyed by an index whose item stands for all (a comprehension over layers): that item.
  if (base->is(Value::Kind::Dict) && base->element && index->is(Value::Kind::Number)) return base->element;
  // config.layer_types[layer_idx] (a list) or config.per_layer_config[layer_idx] (a dict keyed
  // by layer indices) in a kernel standing for several layers: the item when it is the same at
  // every layer the index takes (a kind of layer: all of them sliding).
  const bool listed = (base->is(Value::Kind::List) || base->is(Value::Kind::Tuple)) && !base->element;
  if (listed || base->is(Value::Kind::Dict))
    if (std::optional<std::vector<long long>> at = index_values(*index)) {
      ValuePtr first;
      for (long long i : *at) {
        ValuePtr item = layer_item(*base, i);
        if (!item || (first && !same_value(*first, *item))) return Value::unknown("subscript of " + base->describe());
        if (!first) first = item;
      }
      if (first) return first;
    }
  if (base->is(Value::Kind::ModuleList)) {
    if (index->is(Value::Kind::Slice)) return module_list_slice(base, *index);
    if (base->element) return base->element;
    // A list of modules that differ (LongCat's self_attn = [MLA(layer_idx=2*i), MLA(layer_idx=2*i+1)])
    // at a known index: that module.
    if (std::optional<long long> k = known_int(*index)) {
      long long n = static_cast<long long>(base->items.size());
      long long at = *k < 0 ? *k + n : *k;
      if (at >= 0 && at < n) return base->items[at];
    }
  }
  if (base->is(Value::Kind::Dict) && !base->items.empty() && index->is(Value::Kind::Number) &&
      std::all_of(base->keys.begin(), base->keys.end(), [](const std::string& k) { return !k.empty() && !std::isdigit(static_cast<unsigned char>(k[0])) && k[0] != '-'; })) {
    // outputs[0] of a record with named fields (transformers' ModelOutput): its i-th field that is
    // not None, as ModelOutput.__getitem__ takes it from to_tuple().
    if (std::optional<long long> i = known_int(*index); i && *i >= 0) {
      long long seen = 0;
      for (const ValuePtr& item : base->items) {
        if (item->is(Value::Kind::None)) continue;
        if (seen++ == *i) return item;
      }
    }
  }
  if (base->is(Value::Kind::Dict) && !base->items.empty() && !index->is(Value::Kind::String)) {
    // mapping[layer.attention_type] with a key not known here: fine when every value is the
    // same (per-layer-type masks of one shape and presence).
    auto same = [&](const ValuePtr& v) { return same_value(*v, *base->items[0]); };
    if (std::all_of(base->items.begin(), base->items.end(), same)) return base->items[0];
  }
  return Value::unknown("subscript of " + base->describe());
}

std::optional<std::vector<Hooks::Iteration>> ShapeTracer::iterate(const ast::Node& node, const ValuePtr& iterable) {
  if (iterable->is(Value::Kind::Enumerate)) {
    auto inner = iterate(node, iterable->items[0]);
    if (!inner) {
      const ValuePtr& seq = iterable->items[0];
      if (!(seq->is(Value::Kind::Tuple) || seq->is(Value::Kind::List)) || seq->element) return std::nullopt;
      std::vector<Iteration> out;
      for (size_t i = 0; i < seq->items.size(); ++i)
        out.push_back({Value::tuple({Value::integer(static_cast<long long>(i)), seq->items[i]}), Expr(1)});
      return out;
    }
    // The position of a group of layers is the first of its layers (a kind's representative).
    for (auto& it : *inner)
      it.item = Value::tuple({Value::number(Expr::symbol("index"), it.first ? std::optional<GiNaC::numeric>(*it.first) : std::nullopt), it.item});
    return inner;
  }
  if (iterable->is(Value::Kind::Range) && iterable->items.size() == 1 && iterable->items[0]->is(Value::Kind::Number)) {
    const ValuePtr& n = iterable->items[0];
    // A known count is unrolled (each index its own iteration: layer indices matter) up to
    // kMaxUnrolled; a longer loop is one iteration at a symbolic index, counted n times, as for
    // an unknown count (a huge literal range must not take the analysis's time and memory).
    constexpr long long kMaxUnrolled = 4096;
    if (n->known && n->known->is_integer() && n->expr.is_number() && *n->known <= kMaxUnrolled) {
      std::vector<Iteration> out;
      for (long long i = 0; i < n->known->to_long(); ++i) out.push_back({Value::integer(i), Expr(1)});
      return out;
    }
    // range(C) of the C classes of a routing mask this forward made (transformers 4.x's experts
    // loop, `for expert_idx in range(self.num_experts)`): the classes some row reaches and the
    // others, each kind once with its count (trace/routing.h, class_indices).
    for (auto mask = routing_masks_.rbegin(); mask != routing_masks_.rend(); ++mask)
      if ((*mask)->classes == n->expr) {
        std::vector<Iteration> out;
        for (auto& [item, count] : class_indices(**mask)) out.push_back({item, count});
        return out;
      }
    return std::vector<Iteration>{{Value::number(Expr::symbol("index")), n->expr}};
  }
  // range(lo, hi): the same, from lo (the forward substitution of a chunk's triangular system,
  // range(1, chunk_size)).
  if (iterable->is(Value::Kind::Range) && iterable->items.size() == 2 && iterable->items[0]->is(Value::Kind::Number) &&
      iterable->items[1]->is(Value::Kind::Number)) {
    const ValuePtr &lo = iterable->items[0], &hi = iterable->items[1];
    constexpr long long kMaxUnrolled = 4096;
    if (lo->known && hi->known && lo->known->is_integer() && hi->known->is_integer() && lo->expr.is_number() &&
        hi->expr.is_number() && *hi->known - *lo->known <= kMaxUnrolled) {
      std::vector<Iteration> out;
      for (long long i = lo->known->to_long(); i < hi->known->to_long(); ++i) out.push_back({Value::integer(i), Expr(1)});
      return out;
    }
    return std::vector<Iteration>{{Value::number(Expr::symbol("index")), Expr::max(hi->expr - lo->expr, Expr(0))}};
  }
  // A tensor: its rows, as many as its first dim (a mixture-of-experts layer's loop over the
  // experts hit: trace/routing.h).
  if (is_tensor(iterable) && !iterable->shape.empty())
    return std::vector<Iteration>{{tensor_row(*iterable), iterable->shape[0]}};
  if (!iterable->is(Value::Kind::ModuleList)) return std::nullopt;
  // Layers that differ: one group per kind, with its count.
  if (std::optional<std::vector<Iteration>> kinds = layer_kinds(*iterable)) return kinds;
  if (iterable->element) return std::vector<Iteration>{{with_attr(*iterable->element, iterable->attr), iterable->length}};
  if (iterable->items.size() == 1) return std::vector<Iteration>{{with_attr(*iterable->items[0], iterable->attr), Expr(1)}};
  return std::vector<Iteration>{};
}

}  // namespace kcost
