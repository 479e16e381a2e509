#include "facts/module_facts.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "ast/parameters.h"
#include "facts/module_state.h"
#include "trace/tensor_ops.h"
#include "util/strings.h"

namespace kcost {

const char* attribute_kind_name(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::Submodule: return "submodule";
    case Attribute::Kind::ModuleList: return "modulelist";
    case Attribute::Kind::Value: return "value";
    case Attribute::Kind::Parameter: return "parameter";
    case Attribute::Kind::Buffer: return "buffer";
    case Attribute::Kind::Config: return "config";
    case Attribute::Kind::Unknown: return "unknown";
  }
  return "unknown";
}

const Attribute* ModuleFacts::find(const std::string& name) const {
  for (const auto& a : attributes)
    if (a.name == name) return &a;
  return nullptr;
}

namespace {

bool is_config_param(const ast::Node& arg) {
  if (arg.str("arg") == "config") return true;
  const ast::Node* annotation = arg.child("annotation");
  if (!annotation) return false;
  std::string name = annotation->is("Name") ? annotation->str("id")
                     : annotation->is("Attribute") ? annotation->str("attr")
                                                   : "";
  return name.size() > 6 && name.compare(name.size() - 6, 6, "Config") == 0;
}

// Modules of the framework around model code: base classes whose __init__ work is weight setup.
bool is_framework_module(const std::string& module) {
  for (const char* prefix : {"transformers.modeling_utils", "transformers.modeling_layers", "transformers.generation",
                             "transformers.integrations", "torch.nn.modules.module"})
    if (module.rfind(prefix, 0) == 0) return true;
  return false;
}


// nn.Module methods that return the module itself.
bool module_returns_itself(const std::string& name) {
  static const std::set<std::string> names = {"to", "float", "half", "bfloat16", "double", "cpu", "cuda",
                                              "requires_grad_", "eval", "train", "type"};
  return names.count(name) > 0;
}

// The hooks of __init__: module constructors become Module values, `self.x = ...` is recorded.
class InitHooks : public Hooks {
 public:
  InitHooks(SourceLocator& locator, const ConfigView& config, ModuleFacts& facts, Hooks* fallback)
      : locator_(locator), config_(config), facts_(facts), fallback_(fallback) {}

  ValuePtr call(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) override {
    if (!callee || !(callee->is(Value::Kind::Callable) || callee->is(Value::Kind::Global)))
      return Value::unknown("call of " + (callee ? callee->describe() : "?"));
    if (callee->is(Value::Kind::Callable)) {
      switch (callee->target) {
        case Value::Target::SuperInit: return run_super_init(args);
        case Value::Target::RegisterState:
          if (callee->receiver) return register_state_on(callee->receiver, callee->qualname, args);
          return register_state(callee->qualname, args, node.line);
        case Value::Target::SelfMethod: return run_method(callee->qualname, args);
        case Value::Target::Noop: return Value::none();
        case Value::Target::ReturnsReceiver: return callee->receiver;
        default: break;
      }
    }
    if (callee->is(Value::Kind::Global)) {
      const std::string& name = callee->qualname;
      if (name == "torch.nn.modules.container.ModuleList") return module_list(args);
      // nn.ModuleDict({...}) / nn.ModuleDict(): the dict of its modules, in insertion order
      // (X-MOD's adapter per language, filled by `self.adapter_modules[lang] = ...`); its items
      // are registered as the dict's (module_parameters), and forward's keys(), items() and
      // subscripts read it as a dict.
      if (name == "torch.nn.modules.container.ModuleDict") {
        if (args.empty() || args[0].value->is(Value::Kind::None)) return Value::dict({}, {});
        if (args[0].value->is(Value::Kind::Dict) && args[0].value->class_name.empty()) return args[0].value;
        return Value::unknown("ModuleDict of " + args[0].value->describe());
      }
      if (name == "torch.nn.parameter.Parameter" || name == "torch.nn.parameter.Buffer") {
        if (args.empty() || !args[0].value->is_tensor()) return Value::unknown("parameter of unknown shape");
        auto v = std::make_shared<Value>(*args[0].value);
        v->origin = name == "torch.nn.parameter.Parameter" ? Value::Origin::Parameter : Value::Origin::Buffer;
        return v;
      }
      if (callee->global_kind == Value::GlobalKind::Class && callee->is_module_class) return Value::module(name, args);
      // transformers' auto classes: AutoModel.from_config(config.text_config) builds the class
      // the auto class maps that config's model_type to (the language model of a wrapper).
      if (ValuePtr built = auto_from_config(*callee, args)) return built;
      if (ValuePtr built = class_from_config(*callee, args)) return built;
      // Tensors made in __init__ (torch.ones(n), torch.arange(0, d, 2), torch.tensor(x)): only
      // their shapes matter, and __init__ costs nothing.
      std::string op = last_part(callee->reached.empty() ? name : callee->reached);
      const TensorOpRule* rule = find_tensor_op(op);
      if (rule && !rule->tensor_from_args && (starts_with(callee->reached, "torch.") || starts_with(name, "torch.")))
        return shape_op(op, nullptr, args);
    }
    if (fallback_) return fallback_->call(node, callee, args);
    return Value::unknown("call of " + callee->describe());
  }

  ValuePtr binary(const ast::Node& node, const std::string& op, const ValuePtr& a, const ValuePtr& b) override {
    return fallback_ ? fallback_->binary(node, op, a, b) : Value::unknown("operator " + op);
  }
  ValuePtr unary(const ast::Node& node, const std::string& op, const ValuePtr& a) override {
    return fallback_ ? fallback_->unary(node, op, a) : Value::unknown("operator " + op);
  }
  ValuePtr subscript(const ast::Node& node, const ValuePtr& base, const ValuePtr& index) override {
    return fallback_ ? fallback_->subscript(node, base, index) : Value::unknown("subscript of " + base->describe());
  }

  ValuePtr attribute(const ast::Node& node, const ValuePtr& base, const std::string& name) override {
    if (base->is(Value::Kind::Self)) {
      if (const Attribute* a = facts_.find(name)) return a->value;
      if (name == "register_buffer" || name == "register_parameter" || name == "add_module" || name == "register_module")
        return Value::callable(Value::Target::RegisterState, name);
      if (name == "training") return Value::boolean(false);
      // A method the model's own code defines runs; the framework's (post_init, init_weights of
      // PreTrainedModel or nn.Module) set up weights, not structure, and do nothing here.
      std::string method = facts_.qualname + "." + name;
      try {
        if (!locator_.is_class(method) && !is_framework_module(locator_.find_function(method).module))
          return Value::callable(Value::Target::SelfMethod, method);
      } catch (const std::exception&) {
      }
      return Value::callable(Value::Target::Noop, "self." + name);
    }
    if (base->is(Value::Kind::Super) && name == "__init__") return Value::callable(Value::Target::SuperInit, "super().__init__");
    // nn.Module's casts and mode switches return the module itself (DeepSeek-V4's
    // `HyperConnection(config).to(dtype=torch.float32)`): the same submodule, its parameters of
    // the same shapes.
    if (base->is(Value::Kind::Module) && module_returns_itself(name))
      return Value::callable(Value::Target::ReturnsReceiver, base->class_name + "." + name, base);
    // `layer.mamba.register_buffer("mup_vector", t)` on a module self holds: state set on it
    // after construction (set_state).
    if (base->is(Value::Kind::Module) && (name == "register_buffer" || name == "register_parameter"))
      return Value::callable(Value::Target::RegisterState, name, base);
    if (base->is(Value::Kind::Module) && fallback_) {
      // A submodule of a module (`layer.mamba`): a value of its own, remembered as reached from
      // `base` by `name`, so that state set on it is set on what self holds at its path.
      ValuePtr sub = fallback_->attribute(node, base, name);
      if (!sub->is(Value::Kind::Module) && !sub->is(Value::Kind::ModuleList)) return sub;
      ValuePtr own = std::make_shared<Value>(*sub);
      reached_[own.get()] = {own, base, name};
      return own;
    }
    if (base->is_tensor() && name == "shape") {
      std::vector<ValuePtr> dims;
      for (const auto& d : base->shape) dims.push_back(Value::number(d));
      return Value::tuple(dims);
    }
    if (fallback_) return fallback_->attribute(node, base, name);
    return Value::unknown("attribute '" + name + "' of " + base->describe());
  }

  // `self.d[k] = v` on a dict attribute (CohereCompass's rotary `self.mrope_section[layer_type] =
  // ...`, X-MOD's `self.adapter_modules[lang] = XmodAdapter(config)` on an nn.ModuleDict): the
  // attribute holds the dict with that item set.
  bool sets_attribute_items() const override { return true; }

  void assign_attribute(const ast::Node& node, const ValuePtr& base, const std::string& name,
                        const ValuePtr& value) override {
    if (base->is(Value::Kind::Self)) {
      record(name, value, node.line);
      return;
    }
    // A submodule's state that its constructor makes from a parameter of the same name, set after
    // construction: the submodule is what constructing it with that argument makes.
    // - `self.norm_1.bias = None` (MPT): removed; LayerNorm(..., bias=None) has no bias.
    // - `self.decoder.bias = self.bias` (BERT's LM head on transformers 4.x): a tensor; the
    //   submodule has that state (Linear(..., bias=True)), and the parent's attribute holding the
    //   same tensor is that one parameter under a second name (nn.Module counts it once).
    if (!base->is(Value::Kind::Module)) return;
    if (!constructor_takes(base->class_name, name)) {
      // Other state set on a module self holds (`layer.mamba.scale = 2.0`): part of that module
      // from then on (set_state). A tensor is state only when it is registered (an nn.Parameter
      // or nn.Buffer: nn.Module keeps a plain tensor as an attribute, not state) and self holds
      // it under no other name (a tie, which the parent's attributes already count); a module
      // assigned into another (a tied submodule) is not followed here.
      if (value->is(Value::Kind::Unknown) || value->is(Value::Kind::Module) || value->is(Value::Kind::ModuleList)) return;
      if (value->is_tensor()) {
        if (value->origin != Value::Origin::Parameter && value->origin != Value::Origin::Buffer) return;
        for (const auto& a : facts_.attributes)
          if (a.value == value) return;
      }
      set_state(base, name, value);
      return;
    }
    if (!value->is(Value::Kind::None) && !value->is_tensor()) return;
    const ValuePtr argument = value->is(Value::Kind::None) ? value : Value::boolean(true);
    for (auto& a : facts_.attributes) {
      if (a.value == base) {
        auto changed = std::make_shared<Value>(*base);
        auto& args = changed->args;
        args.erase(std::remove_if(args.begin(), args.end(), [&](const Arg& x) { return x.name == name; }), args.end());
        args.push_back({name, argument, ""});
        a.value = changed;
      } else if (value->is_tensor() && a.value == value &&
                 (a.kind == Attribute::Kind::Parameter || a.kind == Attribute::Kind::Buffer)) {
        a.kind = Attribute::Kind::Value;
      }
    }
  }

  bool constructor_takes(const std::string& class_name, const std::string& param) {
    try {
      const ClassSource& cls = locator_.find_class(class_name);
      if (!cls.init) return false;
      for (const auto& p : ast::parameters_of(*cls.init->def).all())
        if (p.name() == param) return true;
    } catch (const std::exception&) {
    }
    return false;
  }

  // `for i in range(config.num_hidden_layers)` in __init__ (Jamba's, Bamba's, FalconH1's stacks,
  // each layer's class looked up by its index's kind and appended): the body runs once per index
  // of the analysed config, so that each layer is built for its place. The list it grows keeps
  // the symbolic length (the interpreter's For).
  std::optional<std::vector<Iteration>> iterate(const ast::Node& node, const ValuePtr& iterable) override {
    // `for layer in self.layers:` over a ModuleList self holds (FalconH1Model's loop setting each
    // layer's mup_vector): each item once, or the repeated element once for all of them; the loop
    // variable is the very value the list holds, so that state set through it is set on that item.
    if (iterable->is(Value::Kind::ModuleList)) {
      std::vector<Iteration> out;
      if (!iterable->items.empty()) {
        for (size_t i = 0; i < iterable->items.size(); ++i)
          out.push_back({iterable->items[i], Expr(1), static_cast<long long>(i)});
        return out;
      }
      if (iterable->element) return std::vector<Iteration>{{iterable->element, iterable->length, 0}};
      return std::nullopt;
    }
    if (!iterable->is(Value::Kind::Range) || iterable->items.empty() || iterable->items.size() > 3) return std::nullopt;
    std::vector<long long> bounds;
    for (const auto& a : iterable->items) {
      std::optional<long long> k = a->is(Value::Kind::Number) ? known_int(*a) : std::nullopt;
      if (!k) return std::nullopt;
      bounds.push_back(*k);
    }
    long long lo = bounds.size() == 1 ? 0 : bounds[0], hi = bounds.size() == 1 ? bounds[0] : bounds[1];
    long long step = bounds.size() == 3 ? bounds[2] : 1;
    if (step == 0 || (hi - lo) / step > 4096) return std::nullopt;
    // The index is the loop variable's symbol with its known value, as a comprehension's is
    // (trace/layer_kinds: a symbolic number is a kernel parameter, not a kind).
    const ast::Node* target = node.is("For") ? node.child("target") : nullptr;
    std::vector<Iteration> out;
    for (long long i = lo; step > 0 ? i < hi : i > hi; i += step)
      out.push_back({target && target->is("Name") ? Value::number(Expr::symbol(target->str("id")), GiNaC::numeric(i))
                                                  : Value::integer(i),
                     Expr(1), i});
    return out;
  }

  // The class as the source of the running __init__ names it (`AutoModel`, `MllamaTextModel`) when
  // `callee` is `owner.method` (a classmethod, reached through that class) given a config first.
  std::optional<std::string> class_called(const Value& callee, const std::vector<Arg>& args, const std::string& owner,
                                          const std::string& method) const {
    const std::string suffix = "." + method;
    const std::string& path = callee.path;
    if (!ends_with(callee.qualname, owner + suffix) || !ends_with(path, suffix) || args.empty() || !args[0].value ||
        !args[0].value->is(Value::Kind::Config) || current_module_.empty())
      return std::nullopt;
    return path.substr(0, path.size() - suffix.size());
  }

  ValuePtr auto_from_config(const Value& callee, const std::vector<Arg>& args) {
    // The auto class as the source names it (`AutoModel.from_config`), in the globals of the
    // module whose __init__ runs.
    std::optional<std::string> auto_class = class_called(callee, args, "_BaseAutoModelClass", "from_config");
    if (!auto_class) return nullptr;
    std::optional<ValuePtr> type = config_.attribute(args[0].value->config_path, "model_type");
    if (!type || !*type || !(*type)->is(Value::Kind::String)) return nullptr;
    std::string cls = locator_.auto_model_class(current_module_ + "." + *auto_class, (*type)->str);
    if (cls.empty()) return nullptr;
    return Value::module(cls, {args[0]});
  }

  // PreTrainedModel._from_config reached through a model class (Mllama's
  // `MllamaTextModel._from_config(self.text_config)`): that class built from the config, as the
  // classmethod does (`cls(config, **kwargs)`; its dtype and attention set-up change no shape).
  ValuePtr class_from_config(const Value& callee, const std::vector<Arg>& args) {
    std::optional<std::string> model_class = class_called(callee, args, "PreTrainedModel", "_from_config");
    if (!model_class) return nullptr;
    try {
      const GlobalRef& cls = locator_.resolve_global(current_module_, *model_class);
      if (cls.kind != GlobalRef::Kind::Class || !cls.is_module) return nullptr;
      return Value::module(cls.qualname, {args[0]});
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  // Runs the __init__ `init` on self: with the caller's arguments, or (`args` null) each
  // parameter a symbol of its own name.
  void run_init(const FunctionSource& init, const std::vector<Arg>* args);

  // State a parent set on this module after constructing it (module_state.h), applied after
  // __init__ as the parent's code did: `mup_vector` is a buffer of self; `mamba.mup_vector` is
  // state of the submodule self.mamba, which is then that module with it.
  void apply_state(const std::string& path, const ValuePtr& value, int line) {
    auto [first, rest] = split_state_path(path);
    if (rest.empty()) {
      record(first, value, line);
      return;
    }
    for (auto& a : facts_.attributes)
      if (a.name == first && a.kind == Attribute::Kind::Submodule) {
        a.value = with_state(*a.value, rest, value);
        return;
      }
    facts_.notes.push_back({line, "state set on self." + path + " after construction: self." + first +
                                      " is not a submodule __init__ builds"});
  }

 private:
  // What a module value was reached from: `base.name` (reached_).
  struct Reached {
    ValuePtr self;  // kept alive, so that its address names it
    ValuePtr base;
    std::string name;
  };

  // Sets `value` at `name` of `module` after construction (FalconH1Model's
  // `layer.mamba.register_buffer("mup_vector", ...)` in a loop over self.layers): `module` is
  // followed up to what self holds (an attribute, or an item or the element of a ModuleList
  // attribute) through the submodules it was reached by, and that value becomes itself with the
  // state at the path (`self.mamba.mup_vector`). False when `module` is not something self holds.
  bool set_state(ValuePtr module, std::string path_in_module, const ValuePtr& value) {
    std::string path = std::move(path_in_module);
    for (int depth = 0; module && depth < 32; ++depth) {
      for (auto f = replaced_.find(module.get()); f != replaced_.end(); f = replaced_.find(module.get()))
        module = f->second.second;
      if (replace_held(module, path, value)) return true;
      auto r = reached_.find(module.get());
      if (r == reached_.end()) return false;
      path = r->second.name + "." + path;
      module = r->second.base;
    }
    return false;
  }

  // Replaces `module` where self holds it with itself carrying `value` at `path`.
  bool replace_held(const ValuePtr& module, const std::string& path, const ValuePtr& value) {
    ValuePtr changed;
    auto with = [&]() {
      if (!changed) changed = with_state(*module, path, value);
      return changed;
    };
    for (auto& a : facts_.attributes) {
      if (a.value == module) {
        a.value = with();
      } else if (a.value && a.value->is(Value::Kind::ModuleList)) {
        bool holds = a.value->element == module ||
                     std::find(a.value->items.begin(), a.value->items.end(), module) != a.value->items.end();
        if (!holds) continue;
        auto list = std::make_shared<Value>(*a.value);
        for (auto& item : list->items)
          if (item == module) item = with();
        // The element that stands for every item (a comprehension's, in the layer index's
        // symbol) has the state once every item has it.
        if (list->element == module) {
          list->element = with();
        } else if (list->element && std::all_of(list->items.begin(), list->items.end(), [&](const ValuePtr& item) {
                     return carries(*item, path, *value);
                   })) {
          list->element = with_state(*list->element, path, value);
        }
        a.value = list;
      }
    }
    if (!changed) return false;
    replaced_[module.get()] = {module, changed};
    return true;
  }

  static bool carries(const Value& module, const std::string& path, const Value& value) {
    for (const Arg& a : state_arguments(module.args))
      if (state_path(a) == path && same_value(*a.value, value)) return true;
    return false;
  }

  // The (name, value) register_buffer / register_parameter / add_module registers: a tensor as a
  // buffer or a parameter; nullopt where the name is computed.
  static std::optional<std::pair<std::string, ValuePtr>> registered(const std::string& which, const std::vector<Arg>& args) {
    ValuePtr attr = args.size() >= 2 ? args[0].value : nullptr;
    if (!attr || !attr->is(Value::Kind::String)) return std::nullopt;
    ValuePtr v = args[1].value;
    if (v->is_tensor()) {
      auto t = std::make_shared<Value>(*v);
      t->origin = which == "register_buffer" ? Value::Origin::Buffer : Value::Origin::Parameter;
      v = t;
    }
    return std::make_pair(attr->str, v);
  }

  // receiver.register_buffer("name", t) / register_parameter on a module self holds.
  ValuePtr register_state_on(const ValuePtr& receiver, const std::string& which, const std::vector<Arg>& args) {
    auto r = registered(which, args);
    if (!r) return Value::unknown(which + " with a computed name");
    if (!set_state(receiver, r->first, r->second))
      return Value::unknown(which + " on " + receiver->describe() + ", which self does not hold");
    return Value::none();
  }

  // self.register_buffer("inv_freq", t) / self.register_parameter("bias", None) /
  // self.add_module("0", m) (nn.Sequential's items): an attribute.
  ValuePtr register_state(const std::string& which, const std::vector<Arg>& args, int line) {
    auto r = registered(which, args);
    if (!r) return Value::unknown(which + " with a computed name");
    record(r->first, r->second, line);
    return Value::none();
  }

  void record(const std::string& name, const ValuePtr& value, int line) {
    Attribute a;
    a.name = name;
    a.line = line;
    a.value = value;
    switch (value->kind) {
      case Value::Kind::Module: a.kind = Attribute::Kind::Submodule; break;
      case Value::Kind::ModuleList: a.kind = Attribute::Kind::ModuleList; break;
      case Value::Kind::Config: a.kind = Attribute::Kind::Config; break;
      case Value::Kind::Tensor:
        a.kind = value->origin == Value::Origin::Buffer ? Attribute::Kind::Buffer : Attribute::Kind::Parameter;
        // `self.original_inv_freq = self.inv_freq`: the tensor another attribute holds, under a
        // second name. nn.Module registers a plain tensor only through register_buffer or
        // nn.Buffer, and a parameter twice is one parameter: either way, no new state.
        for (const auto& other : facts_.attributes)
          if (other.name != name && other.value == value) a.kind = Attribute::Kind::Value;
        break;
      case Value::Kind::Unknown: a.kind = Attribute::Kind::Unknown; break;
      default: a.kind = Attribute::Kind::Value; break;
    }
    for (auto& existing : facts_.attributes) {
      if (existing.name == name) {
        existing = a;
        return;
      }
    }
    facts_.attributes.push_back(a);
  }

  ValuePtr module_list(const std::vector<Arg>& args) {
    auto ml = std::make_shared<Value>();
    ml->kind = Value::Kind::ModuleList;
    if (args.empty()) {
      ml->length = Expr(0);
      return ml;
    }
    const ValuePtr& list = args[0].value;
    if (!(list->is(Value::Kind::List) || list->is(Value::Kind::Tuple)))
      return Value::unknown("ModuleList of " + list->describe());
    ml->items = list->items;
    if (list->element && !list->element->is(Value::Kind::Unknown)) {
      ml->element = list->element;
      ml->length = list->length;
      return ml;
    }
    ml->length = list->length.is_number() && list->length.as_number().is_zero() && !list->items.empty()
                     ? Expr(static_cast<long long>(list->items.size()))
                     : list->length;
    if (!list->items.empty()) {
      bool same = std::all_of(list->items.begin(), list->items.end(),
                              [&](const ValuePtr& v) { return same_value(*v, *list->items[0]); });
      if (same) ml->element = list->items[0];
    }
    return ml;
  }

  ValuePtr run_super_init(const std::vector<Arg>& args);

  ValuePtr run_method(const std::string& qualname, const std::vector<Arg>& args) {
    const FunctionSource& f = locator_.find_function(qualname);
    Interpreter interp(locator_, config_, *this, f.module, f.file);
    interp.set_closure(&f.closure);
    return interp.run_function(*f.def, args, Value::self());
  }

  SourceLocator& locator_;
  const ConfigView& config_;
  ModuleFacts& facts_;
  Hooks* fallback_ = nullptr;
  std::string current_owner_;   // qualified name of the class whose __init__ runs now
  std::string current_module_;  // the module whose globals that __init__ reads
  std::map<const Value*, Reached> reached_;
  // A value self held that set_state replaced: (it, what replaced it).
  std::map<const Value*, std::pair<ValuePtr, ValuePtr>> replaced_;
};

void InitHooks::run_init(const FunctionSource& init, const std::vector<Arg>* args) {
  Interpreter interp(locator_, config_, *this, init.module, init.file);
  std::string previous_owner = current_owner_, previous_module = current_module_;
  current_owner_ = init.owner;
  current_module_ = init.module;
  Scope scope;
  scope.set("self", Value::self());
  const ast::Node& def = *init.def;
  if (args) {
    interp.bind_parameters(def, *args, scope, true);
  } else {
    ast::Parameters params = ast::parameters_of(def);
    std::vector<ast::Parameter> all = params.all();
    for (size_t i = 1; i < all.size(); ++i) {
      const std::string& name = all[i].name();
      if (is_config_param(*all[i].node)) {
        scope.set(name, Value::config("config"));
        continue;
      }
      ValuePtr dv = all[i].default_ ? interp.eval(*all[i].default_, scope) : nullptr;
      if (dv && (dv->is(Value::Kind::String) || dv->is(Value::Kind::None))) {
        scope.set(name, dv);  // string/None defaults select structure; keep them as they are
        continue;
      }
      std::optional<GiNaC::numeric> known;
      if (dv && dv->is(Value::Kind::Number)) known = dv->known;
      scope.set(name, Value::number(Expr::symbol(name), known));
    }
    if (params.vararg) scope.set(params.vararg->str("arg"), Value::tuple({}));
    if (params.kwarg) scope.set(params.kwarg->str("arg"), Value::dict({}, {}));
  }
  interp.exec(def.list("body"), scope);
  for (const auto& n : interp.notes()) facts_.notes.push_back(n);
  for (const auto& d : interp.decisions()) facts_.decisions.push_back(d);
  current_owner_ = previous_owner;
  current_module_ = previous_module;
}

ValuePtr InitHooks::run_super_init(const std::vector<Arg>& args) {
  // The next __init__ after the current owner's in the MRO, unless it is nn.Module's or a
  // transformers PreTrainedModel's (which set up weights, not structure).
  std::optional<std::vector<std::string>> bases = mro_after(*facts_.source, current_owner_);
  if (!bases) return Value::none();
  for (const std::string& base : *bases) {
    if (is_framework_module(base)) break;
    const ClassSource& bs = locator_.find_class(base);
    if (bs.init && bs.init->owner == base) {
      run_init(*bs.init, &args);
      return Value::none();
    }
  }
  // PreTrainedModel.__init__(config) (or object's) keeps the config as self.config.
  for (const auto& a : args)
    if (a.value && a.value->is(Value::Kind::Config) && !facts_.find("config")) record("config", a.value, 0);
  return Value::none();
}

}  // namespace

std::vector<std::string> init_param_names(const ast::Node& def) {
  std::vector<std::string> names;
  std::vector<ast::Parameter> all = ast::parameters_of(def).all();
  for (size_t i = 1; i < all.size(); ++i)
    if (!is_config_param(*all[i].node)) names.push_back(all[i].name());
  return names;
}

ModuleFacts build_module_facts(SourceLocator& locator, const ConfigView& config, const std::string& qualname,
                               const std::vector<Arg>* ctor_args, Hooks* fallback) {
  const ClassSource& cls = locator.find_class(qualname);
  ModuleFacts facts;
  facts.qualname = cls.qualname;
  facts.source = &cls;
  if (!cls.init) return facts;
  facts.init_params = init_param_names(*cls.init->def);
  InitHooks hooks(locator, config, facts, fallback);
  if (ctor_args) {
    // The constructor runs with its own arguments; state set on the module after construction
    // (module_state.h) is applied after it, in the order it was set.
    std::vector<Arg> constructor = constructor_arguments(*ctor_args);
    hooks.run_init(*cls.init, &constructor);
    for (const Arg& state : state_arguments(*ctor_args)) hooks.apply_state(state_path(state), state.value, cls.init->first_line);
  } else {
    hooks.run_init(*cls.init, nullptr);
  }
  // A decorator that chooses forward at run time also sets attributes on self in its __init__.
  if (std::optional<ForwardDispatch> d = locator.forward_dispatch(cls.qualname))
    for (auto it = d->attributes.begin(); it != d->attributes.end(); ++it)
      if (!facts.find(it.key())) facts.attributes.push_back({it.key(), Attribute::Kind::Value, cls.init->first_line, ConfigView::from_json(it.value())});
  return facts;
}

}  // namespace kcost
