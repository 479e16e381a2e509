#include "trace/kv_cache.h"

#include <algorithm>

#include "trace/tensor_shapes.h"
#include "util/strings.h"

namespace kcost {

std::string CacheLayer::key() const {
  std::string k = class_name + (sliding ? "|sliding" : "|full") + (attention ? "" : "|states");
  if (index) k += "|whole|" + (window ? window->str() : std::string("max_cache_len"));
  for (const auto& [name, v] : attributes) k += "|" + name + "=" + structural_key(*v);
  return k;
}

namespace {

CacheLayer layer_of(const nlohmann::json& data) {
  CacheLayer layer;
  layer.class_name = data.value("class", "");
  layer.sliding = data.value("sliding", false);
  layer.attention = data.value("attention", true);
  if (data.contains("attributes") && data["attributes"].is_object()) {
    for (auto it = data["attributes"].begin(); it != data["attributes"].end(); ++it) {
      const nlohmann::json& entry = it.value();
      const nlohmann::json& value = entry.contains("value") ? entry["value"] : entry;
      ValuePtr v = ConfigView::from_json(value);
      // A number that a config field sets is that field, a symbol carrying the value.
      if (v->is(Value::Kind::Number) && entry.contains("field") && entry["field"].is_string())
        v = Value::number(Expr::symbol(entry["field"].get<std::string>()), v->known);
      // A run-time size generate gives a cache it sets up: the sequences, the tokens it has room for.
      if (entry.is_object() && entry.contains("run") && entry["run"].is_string()) {
        const std::string run = entry["run"].get<std::string>();
        if (run == "max_cache_len") v = Value::number(max_cache_len());
        else if (run == "max_batch_size") v = Value::number(Expr::symbol("batch_size"));
      }
      layer.attributes[it.key()] = v;
    }
  }
  if (data.contains("empty") && data["empty"].is_object())
    for (auto it = data["empty"].begin(); it != data["empty"].end(); ++it) layer.empty[it.key()] = ConfigView::from_json(it.value());
  if (data.contains("index") && data["index"].is_number_integer()) layer.index = data["index"].get<long long>();
  if (data.contains("window") && data["window"].is_string()) layer.window = Expr::symbol(data["window"].get<std::string>());
  return layer;
}

// The slots of a whole cache layer's buffer (CacheLayer::window).
Expr slots(const CacheLayer& layer) { return layer.window ? Expr::min(*layer.window, max_cache_len()) : max_cache_len(); }

// `self` of a cache layer: its attributes are a plain object's; everything else (torch calls,
// slicing, operators on tensors) is the shape tracer's.
// Methods the layer calls on itself (`self.lazy_initialization(...)`, `self.get_seq_length()`) run
// on the same state: functions of its class, found through its MRO, when a locator is given.
class LayerObject : public Hooks {
 public:
  LayerObject(std::map<std::string, ValuePtr>& state, Hooks& tensor_ops, SourceLocator* locator = nullptr,
              const ConfigView* config = nullptr, std::string class_name = "")
      : state_(state), ops_(tensor_ops), locator_(locator), config_(config), class_name_(std::move(class_name)) {}

  ValuePtr call(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) override {
    if (locator_ && callee && callee->is(Value::Kind::Callable) && callee->target == Value::Target::SelfMethod &&
        callee->receiver && callee->receiver->is(Value::Kind::Self)) {
      try {
        const FunctionSource& f = locator_->find_function(callee->qualname);
        Interpreter run(*locator_, *config_, *this, f.module, f.file);
        return run.run_function(*f.def, args, Value::self());
      } catch (const std::exception& e) {
        return Value::unknown(callee->qualname + ": " + e.what());
      }
    }
    // `Base.method(self, ...)` (LinearAttentionAndFullAttentionLayer.lazy_initialization calls
    // DynamicLayer's and LinearAttentionLayer's so): a function called with the layer itself
    // first runs on the layer, as a method of it does.
    if (locator_ && callee && callee->is(Value::Kind::Global) && callee->global_kind == Value::GlobalKind::Function &&
        !args.empty() && args[0].name.empty() && args[0].value && args[0].value->is(Value::Kind::Self)) {
      try {
        const FunctionSource& f = locator_->find_function(callee->qualname);
        Interpreter run(*locator_, *config_, *this, f.module, f.file);
        return run.run_function(*f.def, std::vector<Arg>(args.begin() + 1, args.end()), Value::self());
      } catch (const std::exception& e) {
        return Value::unknown(callee->qualname + ": " + e.what());
      }
    }
    return ops_.call(node, callee, args);
  }
  ValuePtr attribute(const ast::Node& node, const ValuePtr& base, const std::string& name) override {
    if (!base->is(Value::Kind::Self)) return ops_.attribute(node, base, name);
    auto it = state_.find(name);
    if (it != state_.end()) return it->second;
    if (locator_) {
      try {
        if (!locator_->is_class(class_name_ + "." + name)) {
          locator_->find_function(class_name_ + "." + name);
          return Value::callable(Value::Target::SelfMethod, class_name_ + "." + name, Value::self());
        }
      } catch (const std::exception&) {
        // not a method of the class: an attribute the layer does not have
      }
    }
    return Value::unknown("cache layer attribute self." + name);
  }
  void enter_repeat(const Expr& count) override { ops_.enter_repeat(count); }
  void exit_repeat() override { ops_.exit_repeat(); }
  bool weighs_branches() const override { return ops_.weighs_branches(); }
  bool sets_attribute_items() const override { return true; }  // self.conv_states[i] = ...
  ValuePtr binary(const ast::Node& node, const std::string& op, const ValuePtr& a, const ValuePtr& b) override {
    return ops_.binary(node, op, a, b);
  }
  ValuePtr unary(const ast::Node& node, const std::string& op, const ValuePtr& a) override {
    return ops_.unary(node, op, a);
  }
  ValuePtr subscript(const ast::Node& node, const ValuePtr& base, const ValuePtr& index) override {
    return ops_.subscript(node, base, index);
  }
  void assign_attribute(const ast::Node&, const ValuePtr& base, const std::string& name, const ValuePtr& value) override {
    if (base->is(Value::Kind::Self)) state_[name] = value;
  }

 private:
  std::map<std::string, ValuePtr>& state_;
  Hooks& ops_;
  SourceLocator* locator_;
  const ConfigView* config_;
  std::string class_name_;
};

// A tensor with every `seq_len` in its shape made `cached` (the same states for the cached tokens).
ValuePtr for_tokens(const ValuePtr& v, const Expr& cached) {
  if (!v || !v->is_tensor()) return v;
  auto t = std::make_shared<Value>(*v);
  for (auto& d : t->shape) d = d.subs({{"seq_len", cached}});
  return t;
}

// Item `key` (a number's text) of the dict attribute `name` of a layer's state.
ValuePtr state_item(const std::map<std::string, ValuePtr>& state, const std::string& name, const std::string& key) {
  auto it = state.find(name);
  if (it == state.end() || !it->second->is(Value::Kind::Dict)) return nullptr;
  for (size_t i = 0; i < it->second->keys.size(); ++i)
    if (it->second->keys[i] == key) return it->second->items[i];
  return nullptr;
}

// The state with item `key` of dict attribute `name` set to `v`.
void set_state_item(std::map<std::string, ValuePtr>& state, const std::string& name, const std::string& key,
                    const ValuePtr& v) {
  auto it = state.find(name);
  if (it == state.end() || !it->second->is(Value::Kind::Dict)) return;
  auto d = std::make_shared<Value>(*it->second);
  for (size_t i = 0; i < d->keys.size(); ++i)
    if (d->keys[i] == key) d->items[i] = v;
  it->second = d;
}

ValuePtr states(const Expr& length) {
  return Value::tensor({Expr::symbol("batch_size"), Expr::symbol("kv_heads"), length, Expr::symbol("head_dim")});
}

// An initialized layer holding no token: its attributes, and keys and values of length 0.
std::map<std::string, ValuePtr> empty_state(const CacheLayer& layer) {
  std::map<std::string, ValuePtr> state = layer.attributes;
  state["is_initialized"] = Value::boolean(true);
  state["keys"] = states(Expr(0));
  state["values"] = states(Expr(0));
  return state;
}

// The state of a whole cache (CacheLayer::index) as far as `layer`'s calls read it: its attributes,
// and `key_cache` / `value_cache` lists whose item `layer.index` is the layer's buffer (the
// items before it stand in for the other layers' buffers, which the layer's update does not read).
std::map<std::string, ValuePtr> whole_state(const CacheLayer& layer) {
  std::map<std::string, ValuePtr> state = layer.attributes;
  std::vector<ValuePtr> buffers(static_cast<size_t>(*layer.index) + 1, states(slots(layer)));
  state["key_cache"] = Value::list(buffers);
  state["value_cache"] = Value::list(buffers);
  return state;
}

// The state the cache is in before the analysed call: `self` given the `cached` tokens by the
// layer's `update`. False when update does not return the keys and values.
bool fill(SourceLocator& locator, const ConfigView& config, LayerObject& self, const FunctionSource& update,
          const Expr& cached) {
  Interpreter run(locator, config, self, update.module, update.file);
  ValuePtr filled = run.run_function(*update.def, {{"", states(cached), "key_states"}, {"", states(cached), "value_states"}},
                                     Value::self());
  return filled && filled->is(Value::Kind::Tuple);
}

}  // namespace

Expr max_cache_len() { return Expr::symbol("cache_len") + Expr::symbol("seq_len"); }

std::optional<Expr> prefill_held_tokens(const Expr& fresh) {
  const Expr cache_len = Expr::symbol("cache_len");
  Expr prefill = fresh.subs({{"seq_len", cache_len}, {"cache_len", Expr(0)}});
  if (prefill == cache_len) return std::nullopt;
  for (const auto& s : prefill.symbols())
    if (s != "cache_len" && s.rfind("config.", 0) != 0) return std::nullopt;  // not a number of tokens
  return Expr::if_else(Expr::compare("!=", cache_len, Expr(0)), prefill, Expr(0));
}

KvCache KvCache::from_json(const nlohmann::json& data) {
  KvCache cache;
  if (!data.is_object()) return cache;
  if (data.contains("layers") && data["layers"].is_array())
    for (const auto& l : data["layers"]) cache.layers_.push_back(layer_of(l));
  if (data.contains("replicate") && data["replicate"].is_string()) cache.replicate_ = data["replicate"].get<std::string>();
  if (data.contains("generate") && data["generate"].is_object()) {
    const nlohmann::json& g = data["generate"];
    if (g.contains("class") && g["class"].is_string()) cache.class_ = g["class"].get<std::string>();
    if (g.contains("mro") && g["mro"].is_array())
      for (const auto& c : g["mro"])
        if (c.is_string()) cache.mro_.push_back(c.get<std::string>());
  }
  return cache;
}

ValuePtr KvCache::value() const {
  auto v = std::make_shared<Value>(*Value::cache());
  v->class_name = class_;
  v->keys = mro_;
  return v;
}

std::optional<CacheLayer> KvCache::layer(long long index) const {
  if (index >= 0 && static_cast<size_t>(index) < layers_.size()) return layers_[static_cast<size_t>(index)];
  if (layers_.empty() && !replicate_.empty()) return CacheLayer{replicate_, false, true, {}, std::nullopt, std::nullopt};
  return std::nullopt;
}

std::optional<CacheLayer> KvCache::uniform() const {
  if (layers_.empty()) return layer(0);
  for (const auto& l : layers_)
    if (l.key() != layers_[0].key()) return std::nullopt;
  return layers_[0];
}

std::optional<CacheLayer> KvCache::first(bool sliding) const {
  for (const auto& l : layers_)
    if (l.sliding == sliding && l.attention) return l;
  return std::nullopt;
}

std::optional<CacheStep> cache_step(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops,
                                    const CacheLayer& layer, const Expr& cached, const Expr& fresh, std::string* why,
                                    const std::vector<Arg>& call_args) {
  auto fail = [&](const std::string& w) -> std::optional<CacheStep> {
    if (why) *why = layer.class_name + ".update: " + w;
    return std::nullopt;
  };
  const FunctionSource* update = nullptr;
  try {
    update = &locator.find_function(layer.class_name + ".update");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  if (layer.index) {
    // A whole cache: static-shaped, it holds its buffer; its update takes the new tokens with the
    // call's layer index (made the layer's own) and cache_kwargs.
    std::map<std::string, ValuePtr> state = whole_state(layer);
    LayerObject self(state, tensor_ops, &locator, &config, layer.class_name);
    std::vector<Arg> args = {{"", states(fresh), "key_states"}, {"", states(fresh), "value_states"}};
    for (size_t k = 0; k < call_args.size(); ++k) {
      Arg a = call_args[k];
      if (a.name == "layer_idx" || (a.name.empty() && k == 0)) a.value = Value::integer(*layer.index);
      args.push_back(a);
    }
    Interpreter step(locator, config, self, update->module, update->file);
    ValuePtr out = step.run_function(*update->def, args, Value::self());
    if (!out || !out->is(Value::Kind::Tuple) || out->items.empty() || !out->items[0]->is_tensor() ||
        out->items[0]->shape.size() != 4)
      return fail("it does not return a keys tensor here (" + (out ? out->describe() : std::string("nothing")) + ")");
    return CacheStep{slots(layer), out->items[0]->shape[2]};
  }
  std::map<std::string, ValuePtr> state = empty_state(layer);
  LayerObject self(state, tensor_ops, &locator, &config, layer.class_name);
  if (!fill(locator, config, self, *update, cached)) return fail("filling it did not return the keys and values");
  auto kept = state.find("keys");
  if (kept == state.end() || !kept->second->is_tensor() || kept->second->shape.size() != 4)
    return fail("it does not keep a keys tensor (self.keys is " +
                (kept == state.end() ? std::string("not set") : kept->second->describe()) + ")");
  Expr held = kept->second->shape[2];
  // The analysed call: the new tokens on top.
  Interpreter step(locator, config, self, update->module, update->file);
  ValuePtr out = step.run_function(*update->def, {{"", states(fresh), "key_states"}, {"", states(fresh), "value_states"}},
                                   Value::self());
  if (!out || !out->is(Value::Kind::Tuple) || out->items.empty() || !out->items[0]->is_tensor() ||
      out->items[0]->shape.size() != 4)
    return fail("it does not return a keys tensor here (" + (out ? out->describe() : std::string("nothing")) + ")");
  return CacheStep{held, out->items[0]->shape[2]};
}

std::optional<ValuePtr> whole_cache_call(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops,
                                         const CacheLayer& layer, const std::string& method,
                                         const std::vector<Arg>& args, std::string* why) {
  auto fail = [&](const std::string& w) -> std::optional<ValuePtr> {
    if (why) *why = layer.class_name + "." + method + ": " + w;
    return std::nullopt;
  };
  if (!layer.index) return fail("not a cache that keeps every layer itself");
  const FunctionSource* called = nullptr;
  try {
    called = &locator.find_function(layer.class_name + "." + method);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::map<std::string, ValuePtr> state = whole_state(layer);
  LayerObject self(state, tensor_ops, &locator, &config, layer.class_name);
  Interpreter run(locator, config, self, called->module, called->file);
  ValuePtr out = run.run_function(*called->def, args, Value::self());
  if (!out || out->is(Value::Kind::Unknown)) return fail(out ? out->describe() : std::string("it returns nothing"));
  return out;
}

std::optional<CacheCall> cache_call(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops, const CacheLayer& layer,
                                    const std::string& method, const std::vector<Arg>& args, const Expr& cached,
                                    std::string* why) {
  auto fail = [&](const std::string& w) -> std::optional<CacheCall> {
    if (why) *why = layer.class_name + "." + method + ": " + w;
    return std::nullopt;
  };
  const FunctionSource* update = nullptr;
  const FunctionSource* called = nullptr;
  try {
    update = &locator.find_function(layer.class_name + ".update");
    called = &locator.find_function(layer.class_name + "." + method);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::map<std::string, ValuePtr> state = empty_state(layer);
  LayerObject self(state, tensor_ops, &locator, &config, layer.class_name);
  if (!fill(locator, config, self, *update, cached)) return fail("filling it by update() did not return the keys and values");
  // A method that stores what it is given: first given the cached tokens.
  bool stores = std::any_of(args.begin(), args.end(), [](const Arg& a) { return a.value && a.value->is_tensor(); });
  Expr held(0);
  if (stores) {
    std::vector<Arg> earlier = args;
    for (Arg& a : earlier) {
      if (!a.value || !a.value->is_tensor()) continue;
      if (a.value->shape.size() < 2) return fail("states of rank " + std::to_string(a.value->shape.size()) + " (no token dim -2)");
      Shape s = a.value->shape;
      s[s.size() - 2] = cached;
      a.value = with_shape(*a.value, s);
    }
    std::map<std::string, ValuePtr> before = state;
    Interpreter store(locator, config, self, called->module, called->file);
    ValuePtr stored = store.run_function(*called->def, earlier, Value::self());
    if (!stored || stored->is(Value::Kind::Unknown))
      return fail("giving it the cached tokens: " + (stored ? stored->describe() : std::string("nothing")));
    for (const auto& [name, v] : state) {
      auto was = before.find(name);
      if (v->is_tensor() && v->dtype == Value::DType::Float && (was == before.end() || was->second != v)) held = held + numel(v->shape);
    }
  }
  Interpreter run(locator, config, self, called->module, called->file);
  ValuePtr out = run.run_function(*called->def, args, Value::self());
  if (!out || out->is(Value::Kind::Unknown)) return fail(out ? out->describe() : std::string("it returns nothing"));
  return CacheCall{out, held};
}

std::optional<StateStep> state_step(SourceLocator& locator, const ConfigView& config, Hooks& tensor_ops,
                                    const CacheLayer& layer, const std::string& method, const std::string& kept,
                                    const ValuePtr& fresh, const ValuePtr& state_idx,
                                    const std::vector<Arg>& kwargs, const Expr& cached, std::string* why) {
  auto fail = [&](const std::string& w) -> std::optional<StateStep> {
    if (why) *why = layer.class_name + "." + method + ": " + w;
    return std::nullopt;
  };
  if (!state_idx || !state_idx->is(Value::Kind::Number) || !state_idx->expr.is_number())
    return fail("the state index " + (state_idx ? state_idx->describe() : std::string("(none)")) + " is not a number");
  const FunctionSource* update = nullptr;
  try {
    update = &locator.find_function(layer.class_name + "." + method);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::string key = state_idx->describe();
  std::map<std::string, ValuePtr> state = layer.attributes;
  if (!state_item(state, kept, key) || !state_item(state, "has_previous_state", key))
    return fail("the layer has no " + kept + "[" + key + "] and has_previous_state[" + key + "]");
  LayerObject self(state, tensor_ops, &locator, &config, layer.class_name);
  auto args_with = [&](const ValuePtr& states) {
    std::vector<Arg> args = {{"", states, "states"}, {"", state_idx, "state_idx"}};
    args.insert(args.end(), kwargs.begin(), kwargs.end());
    return args;
  };
  // The state the cache is in: the layer as built, given the cached tokens.
  Interpreter fill(locator, config, self, update->module, update->file);
  fill.run_function(*update->def, args_with(for_tokens(fresh, cached)), Value::self());
  ValuePtr held = state_item(state, kept, key);
  if (!held || !held->is_tensor())
    return fail("taking the cached tokens does not keep a tensor in " + kept + "[" + key + "] (" +
                (held ? held->describe() : std::string("nothing")) + ")");
  // The analysed call: the new tokens on top; the layer has a previous state once it took a token.
  set_state_item(state, "has_previous_state", key, Value::number(Expr::compare("!=", cached, Expr(0))));
  Interpreter step(locator, config, self, update->module, update->file);
  ValuePtr out = step.run_function(*update->def, args_with(fresh), Value::self());
  if (!out || !out->is_tensor()) return fail("it does not return a tensor here (" + (out ? out->describe() : std::string("nothing")) + ")");
  return StateStep{held, out};
}

}  // namespace kcost
