#include "facts/module_facts.h"

#include <algorithm>

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

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

ValuePtr make_global(const std::string& name, const std::string& tag) {
  auto g = std::make_shared<Value>();
  g->kind = Value::Kind::Global;
  g->text = name;
  g->keys = {tag};
  return g;
}

// The hooks of __init__: module constructors become Module values, `self.x = ...` is recorded.
class InitHooks : public Hooks {
 public:
  InitHooks(SourceLocator& locator, ModuleFacts& facts) : locator_(locator), facts_(facts) {}
  Evaluator* evaluator = nullptr;
  std::string current_owner;  // qualified name of the class whose __init__ runs now

  ValuePtr call(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) override {
    if (!callee || !callee->is(Value::Kind::Global)) return Value::unknown("call of " + (callee ? callee->describe() : "?"));
    const std::string& name = callee->text;
    const std::string tag = callee->keys.empty() ? "" : callee->keys[0];
    if (tag == "super_init") return run_super_init(args);
    if (tag == "register") {
      // self.register_buffer("inv_freq", t) / self.register_parameter("bias", None): an attribute.
      ValuePtr attr = args.size() >= 2 ? args[0].value : nullptr;
      if (!attr || !attr->is(Value::Kind::String)) return Value::unknown(name + " with a computed name");
      ValuePtr v = args[1].value;
      if (v->is(Value::Kind::Tensor)) {
        auto t = std::make_shared<Value>(*v);
        t->text = name == "register_buffer" ? "buffer" : "parameter";
        v = t;
      }
      record(attr->text, v, node.line);
      return Value::none();
    }
    if (tag == "noop" || tag == "super") return tag == "super" ? make_global("super", "super") : Value::none();
    if (tag == "self_method") return run_method(name, args);
    if (name == "torch.nn.modules.container.ModuleList") return module_list(args);
    if (name == "torch.nn.parameter.Parameter" || name == "torch.nn.parameter.Buffer") {
      auto v = std::make_shared<Value>(args.empty() || !args[0].value->is(Value::Kind::Tensor) ? Value{} : *args[0].value);
      if (!v->is(Value::Kind::Tensor)) return Value::unknown("parameter of unknown shape");
      v->text = name == "torch.nn.parameter.Parameter" ? "parameter" : "buffer";
      return v;
    }
    if (tag == "class" && callee->is_module_class) {
      auto m = std::make_shared<Value>();
      m->kind = Value::Kind::Module;
      m->class_name = name;
      m->args = args;
      return m;
    }
    static const std::vector<std::string> creators = {"ones", "zeros", "empty", "randn", "rand", "full", "tensor"};
    for (const auto& c : creators) {
      if (callee->class_name == "torch." + c || name == "torch." + c || ends_with(name, "." + c)) {
        if (c == "tensor") {
          // torch.tensor(data): the data's shape, not the data (torch.tensor(2.5) is 0-d).
          ValuePtr data = args.empty() ? nullptr : args[0].value;
          if (data && data->is(Value::Kind::Number)) return Value::tensor({});
          if (data && (data->is(Value::Kind::List) || data->is(Value::Kind::Tuple)))
            return Value::tensor({Expr(static_cast<long long>(data->items.size()))});
          return Value::unknown("torch.tensor of " + (data ? data->describe() : "nothing"));
        }
        std::vector<Expr> shape;
        for (const auto& a : args) {
          if (!a.name.empty()) continue;
          if (a.value->is(Value::Kind::Number)) shape.push_back(a.value->expr);
          else if (a.value->is(Value::Kind::Tuple) || a.value->is(Value::Kind::List))
            for (const auto& i : a.value->items) shape.push_back(i->is(Value::Kind::Number) ? i->expr : Expr::symbol("?"));
          if (c == "full") break;
        }
        return Value::tensor(shape);
      }
    }
    if (fallback) return fallback->call(node, callee, args);
    return Value::unknown("call of " + name);
  }

  ValuePtr binary(const ast::Node& node, const std::string& op, const ValuePtr& a, const ValuePtr& b) override {
    return fallback ? fallback->binary(node, op, a, b) : Value::unknown("operator " + op);
  }
  ValuePtr unary(const ast::Node& node, const std::string& op, const ValuePtr& a) override {
    return fallback ? fallback->unary(node, op, a) : Value::unknown("operator " + op);
  }
  ValuePtr subscript(const ast::Node& node, const ValuePtr& base, const ValuePtr& index) override {
    return fallback ? fallback->subscript(node, base, index) : Value::unknown("subscript of " + base->describe());
  }

  ValuePtr run_method(const std::string& qualname, const std::vector<Arg>& args);

  ValuePtr attribute(const ast::Node& node, const ValuePtr& base, const std::string& name) override {
    if (base->is(Value::Kind::Self)) {
      if (const Attribute* a = facts_.find(name)) return a->value;
      if (name == "register_buffer" || name == "register_parameter") return make_global(name, "register");
      if (name == "training") return Value::boolean(false);
      // A method the model's own code defines runs; the framework's (post_init, init_weights of
      // PreTrainedModel or nn.Module) set up weights, not structure, and do nothing here.
      std::string method = facts_.qualname + "." + name;
      try {
        if (!locator_.is_class(method) && !is_framework_module(locator_.find_function(method).module))
          return make_global(method, "self_method");
      } catch (const std::exception&) {
      }
      return make_global("self." + name, "noop");
    }
    if (base->is(Value::Kind::Global) && !base->keys.empty() && base->keys[0] == "super" && name == "__init__")
      return make_global("super().__init__", "super_init");
    if (base->is(Value::Kind::Tensor) && name == "shape") {
      std::vector<ValuePtr> dims;
      for (const auto& d : base->shape) dims.push_back(Value::number(d));
      return Value::tuple(dims);
    }
    if (fallback) return fallback->attribute(node, base, name);
    return Value::unknown("attribute '" + name + "' of " + base->describe());
  }

  void assign_attribute(const ast::Node& node, const ValuePtr& base, const std::string& name,
                        const ValuePtr& value) override {
    if (!base->is(Value::Kind::Self)) return;
    record(name, value, node.line);
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
        a.kind = value->text == "buffer" ? Attribute::Kind::Buffer : Attribute::Kind::Parameter;
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
                              [&](const ValuePtr& v) { return v->describe() == list->items[0]->describe(); });
      if (same) ml->element = list->items[0];
    }
    return ml;
  }

  ValuePtr run_super_init(const std::vector<Arg>& args);

  SourceLocator& locator_;
  ModuleFacts& facts_;
  const ConfigView* config = nullptr;
  Hooks* fallback = nullptr;
};

ValuePtr self_value() {
  auto s = std::make_shared<Value>();
  s->kind = Value::Kind::Self;
  return s;
}

void run_init(SourceLocator& locator, const ConfigView& config, InitHooks& hooks, const FunctionSource& init,
              const std::vector<Arg>* args, bool symbolic_params) {
  Evaluator evaluator(locator, config, hooks, init.module, init.file);
  Evaluator* previous = hooks.evaluator;
  std::string previous_owner = hooks.current_owner;
  hooks.evaluator = &evaluator;
  hooks.current_owner = init.owner;
  Scope scope;
  scope.set("self", self_value());
  const ast::Node& def = *init.def;
  if (args) {
    evaluator.bind_parameters(def, *args, scope, true);
  } else if (symbolic_params) {
    const ast::Node* arguments = def.child("args");
    std::vector<const ast::Node*> params;
    for (const auto& a : arguments->list("posonlyargs")) params.push_back(a.get());
    for (const auto& a : arguments->list("args")) params.push_back(a.get());
    for (const auto& a : arguments->list("kwonlyargs")) params.push_back(a.get());
    const auto& defaults = arguments->list("defaults");
    size_t positional = arguments->list("posonlyargs").size() + arguments->list("args").size();
    size_t first_default = positional - defaults.size();
    const auto& kw_defaults = arguments->list("kw_defaults");
    for (size_t i = 1; i < params.size(); ++i) {
      const std::string& name = params[i]->str("arg");
      if (is_config_param(*params[i])) {
        auto c = std::make_shared<Value>();
        c->kind = Value::Kind::Config;
        c->text = "config";
        scope.set(name, c);
        continue;
      }
      const ast::Node* dflt = nullptr;
      if (i < positional && i >= first_default) dflt = defaults[i - first_default].get();
      if (i >= positional && i - positional < kw_defaults.size()) dflt = kw_defaults[i - positional].get();
      std::optional<GiNaC::numeric> known;
      ValuePtr dv = dflt ? evaluator.eval(*dflt, scope) : nullptr;
      if (dv && dv->is(Value::Kind::Number)) known = dv->known;
      if (dv && (dv->is(Value::Kind::String) || dv->is(Value::Kind::None))) {
        scope.set(name, dv);  // string/None defaults select structure; keep them as they are
        continue;
      }
      scope.set(name, Value::number(Expr::symbol(name), known));
    }
    if (const ast::Node* vararg = arguments->child("vararg")) scope.set(vararg->str("arg"), Value::tuple({}));
    if (const ast::Node* kwarg = arguments->child("kwarg")) {
      auto d = std::make_shared<Value>();
      d->kind = Value::Kind::Dict;
      scope.set(kwarg->str("arg"), d);
    }
  }
  evaluator.exec(def.list("body"), scope);
  for (const auto& n : evaluator.notes()) hooks.facts_.notes.push_back(n);
  hooks.evaluator = previous;
  hooks.current_owner = previous_owner;
}

ValuePtr InitHooks::run_super_init(const std::vector<Arg>& args) {
  // The next __init__ after the current owner's in the MRO, unless it is nn.Module's or a
  // transformers PreTrainedModel's (which set up weights, not structure).
  const ClassSource& cls = *facts_.source;
  auto it = std::find(cls.mro.begin(), cls.mro.end(), current_owner);
  if (it == cls.mro.end()) return Value::none();
  for (++it; it != cls.mro.end(); ++it) {
    const std::string& base = *it;
    if (base == "builtins.object" || is_framework_module(base)) {
      // PreTrainedModel.__init__(config) keeps the config as self.config.
      for (const auto& a : args)
        if (a.value && a.value->is(Value::Kind::Config) && !facts_.find("config")) record("config", a.value, 0);
      return Value::none();
    }
    const ClassSource& bs = locator_.find_class(base);
    if (bs.init && bs.init->owner == base) {
      run_init(locator_, *config, *this, *bs.init, &args, false);
      return Value::none();
    }
  }
  return Value::none();
}

ValuePtr InitHooks::run_method(const std::string& qualname, const std::vector<Arg>& args) {
  const FunctionSource& f = locator_.find_function(qualname);
  Evaluator evaluator(locator_, *config, *this, f.module, f.file);
  Scope scope;
  bool is_static = false;
  for (const auto& d : f.def->list("decorator_list")) is_static = is_static || (d->is("Name") && d->str("id") == "staticmethod");
  const auto& params = f.def->child("args")->list("args");
  if (!is_static && !params.empty()) scope.set(params[0]->str("arg"), self_value());
  evaluator.bind_parameters(*f.def, args, scope, !is_static);
  ValuePtr r = evaluator.exec(f.def->list("body"), scope);
  return r ? r : Value::none();
}

}  // namespace

std::vector<std::string> init_param_names(const ast::Node& def) {
  std::vector<std::string> names;
  const ast::Node* arguments = def.child("args");
  std::vector<const ast::Node*> params;
  for (const auto& a : arguments->list("posonlyargs")) params.push_back(a.get());
  for (const auto& a : arguments->list("args")) params.push_back(a.get());
  for (const auto& a : arguments->list("kwonlyargs")) params.push_back(a.get());
  for (size_t i = 1; i < params.size(); ++i)
    if (!is_config_param(*params[i])) names.push_back(params[i]->str("arg"));
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
  InitHooks hooks(locator, facts);
  hooks.config = &config;
  hooks.fallback = fallback;
  run_init(locator, config, hooks, *cls.init, ctor_args, true);
  return facts;
}

}  // namespace kcost
