#include "interp/interpreter.h"

#include <set>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "ast/parameters.h"
#include "interp/builtins.h"
#include "interp/counted_items.h"
#include "interp/per_layer_config.h"
#include "locate/source_locator.h"
#include "util/strings.h"

namespace kcost {

const std::vector<std::string>& source_lines(const std::string& file) {
  static std::map<std::string, std::vector<std::string>> cache;
  auto it = cache.find(file);
  if (it != cache.end()) return it->second;
  std::vector<std::string> lines;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return cache[file] = std::move(lines);
}

std::string node_text(const std::vector<std::string>& lines, const ast::Node& node) {
  if (node.line < 1 || node.line > static_cast<int>(lines.size())) return node.type;
  if (node.end_line == node.line) {
    const std::string& l = lines[node.line - 1];
    return l.substr(node.col - 1, std::max(0, node.end_col - node.col));
  }
  std::string out = lines[node.line - 1].substr(node.col - 1);
  for (int i = node.line + 1; i < node.end_line && i <= static_cast<int>(lines.size()); ++i) {
    std::string l = lines[i - 1];
    l.erase(0, l.find_first_not_of(' '));
    out += " " + l;
  }
  if (node.end_line <= static_cast<int>(lines.size())) {
    std::string l = lines[node.end_line - 1].substr(0, node.end_col - 1);
    l.erase(0, l.find_first_not_of(' '));
    out += " " + l;
  }
  return out;
}

ValuePtr Scope::find(const std::string& name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : it->second;
}

Interpreter::Interpreter(GlobalResolver& globals, const ConfigView& config, Hooks& hooks, std::string module,
                         std::string file)
    : globals_(globals), config_(config), hooks_(hooks), module_(std::move(module)), file_(std::move(file)),
      lines_(source_lines(file_)) {}

std::string Interpreter::text(const ast::Node& node) const { return node_text(lines_, node); }

namespace {

// Whether evaluating `node` can do nothing but compute: names, attributes, constants, arithmetic,
// comparisons and boolean operators (no calls, no subscripts).
bool pure_arithmetic(const ast::Node& node) {
  if (node.is("Name") || node.is("Constant")) return true;
  if (node.is("Attribute")) return pure_arithmetic(*node.child("value"));
  if (node.is("UnaryOp")) return pure_arithmetic(*node.child("operand"));
  if (node.is("BinOp")) return pure_arithmetic(*node.child("left")) && pure_arithmetic(*node.child("right"));
  if (node.is("Compare")) {
    if (!pure_arithmetic(*node.child("left"))) return false;
    for (const auto& c : node.list("comparators"))
      if (!pure_arithmetic(*c)) return false;
    return true;
  }
  if (node.is("BoolOp")) {
    for (const auto& v : node.list("values"))
      if (!pure_arithmetic(*v)) return false;
    return true;
  }
  return false;
}


ValuePtr constant_value(const ast::Constant& c) {
  switch (c.kind) {
    case ast::Constant::Kind::None: return Value::none();
    case ast::Constant::Kind::Bool: return Value::boolean(c.boolean);
    case ast::Constant::Kind::Int:
    case ast::Constant::Kind::Float: {
      Expr e = Expr::parse(c.text);
      return Value::number(e, e.as_number());
    }
    case ast::Constant::Kind::Str: return Value::string(c.text);
    case ast::Constant::Kind::Ellipsis: return Value::ellipsis();
    default: return Value::unknown("constant " + c.text);
  }
}

bool is_sequence(const Value& v) { return v.is(Value::Kind::Tuple) || v.is(Value::Kind::List); }

}  // namespace

ValuePtr Interpreter::global(const std::string& dotted, const std::optional<std::string>& key) {
  return from_reference(globals_.resolve_global(module_, dotted, key), dotted, key);
}

ValuePtr Interpreter::from_reference(const GlobalRef& ref, const std::string& dotted, const std::optional<std::string>& key) {
  using K = Value::GlobalKind;
  switch (ref.kind) {
    case GlobalRef::Kind::Constant: return ConfigView::from_json(ref.value);
    case GlobalRef::Kind::Missing:
      return Value::unknown("name '" + dotted + (key ? "[\"" + *key + "\"]" : "") + "' is not defined in " + module_);
    case GlobalRef::Kind::Instance: return Value::module(ref.qualname, {});
    case GlobalRef::Kind::Other: return Value::global(K::Other, ref.qualname.empty() ? dotted : ref.qualname, dotted, "");
    case GlobalRef::Kind::Module: return Value::global(K::PyModule, ref.qualname, dotted, ref.path);
    case GlobalRef::Kind::Class: return Value::global(K::Class, ref.qualname, dotted, ref.path, ref.is_module);
    case GlobalRef::Kind::Builtin: return Value::global(K::Builtin, ref.qualname, dotted, ref.path);
    case GlobalRef::Kind::Function: return Value::global(K::Function, ref.qualname, dotted, ref.path);
    case GlobalRef::Kind::NativeFunction: return Value::global(K::NativeFunction, ref.qualname, dotted, ref.path);
  }
  return Value::unknown("name '" + dotted + "'");
}

void Interpreter::import_names(const ast::Node& stmt, Scope& scope) {
  auto module_value = [](const std::string& name) { return Value::global(Value::GlobalKind::PyModule, name, name, name); };
  // A module that cannot be imported here: the import raises (Try runs its handler).
  auto importable = [&](const std::string& module) {
    try {
      globals_.resolve_global(module, "__name__");
      return true;
    } catch (const std::exception&) {
      raising_ = "import " + module;
      return false;
    }
  };
  if (stmt.is("Import")) {
    // `import a.b` binds a; `import a.b as c` binds c to a.b.
    for (const auto& alias : stmt.list("names")) {
      const std::string& name = alias->str("name");
      if (!importable(name)) return;
      const std::string& as = alias->str("asname");
      scope.set(as.empty() ? name.substr(0, name.find('.')) : as, module_value(as.empty() ? name.substr(0, name.find('.')) : name));
    }
    return;
  }
  // from X import y [as z]; a relative X is taken from this module's package.
  std::string from = stmt.str("module");
  long long level = 0;
  if (auto it = stmt.fields.find("level"); it != stmt.fields.end()) level = it->second.number;
  if (level > 0) {
    std::string package = module_;
    for (long long i = 0; i < level; ++i) package = package.substr(0, package.rfind('.') == std::string::npos ? 0 : package.rfind('.'));
    from = from.empty() ? package : package + "." + from;
  }
  if (from.empty() || !importable(from)) return;
  for (const auto& alias : stmt.list("names")) {
    const std::string& name = alias->str("name");
    if (name == "*") continue;
    const std::string& as = alias->str("asname");
    try {
      const GlobalRef& ref = globals_.resolve_global(from, name);
      scope.set(as.empty() ? name : as, ref.kind == GlobalRef::Kind::Missing ? module_value(from + "." + name)
                                                                           : from_reference(ref, from + "." + name, std::nullopt));
    } catch (const std::exception& e) {
      // A module not installed here (the import raises where it runs): the name is not known.
      scope.set(as.empty() ? name : as, Value::unknown("from " + from + " import " + name + ": " + e.what()));
    }
  }
}

ValuePtr Interpreter::eval_name(const ast::Node& node, Scope& scope) {
  const std::string& id = node.str("id");
  if (ValuePtr v = scope.find(id)) return v;
  // A free variable of a function a factory made: its closure cell (before the module's globals,
  // as Python looks names up).
  if (closure_)
    if (auto it = closure_->find(id); it != closure_->end()) return from_reference(it->second, id, std::nullopt);
  return global(id);
}

std::string Interpreter::self_path(const ast::Node& node, Scope& scope) const {
  // `self.x`, `self.a.x`: the path, where the name `self` holds the module (not a plain object).
  std::string path;
  const ast::Node* n = &node;
  while (n->is("Attribute")) {
    path = "." + n->str("attr") + path;
    n = n->child("value");
  }
  if (!n->is("Name") || n->str("id") != "self") return "";
  ValuePtr self = scope.find("self");
  return self && self->is(Value::Kind::Self) ? "self" + path : "";
}

ValuePtr Interpreter::eval_attribute(const ast::Node& node, Scope& scope) {
  const ast::Node* base_node = node.child("value");
  const std::string& attr = node.str("attr");
  if (hooks_.module_state()) {
    std::string path = self_path(node, scope);
    if (!path.empty())
      if (ValuePtr held = scope.find(path)) return held;
  }
  ValuePtr base = eval(*base_node, scope);
  switch (base->kind) {
    case Value::Kind::Config: {
      if (ValuePtr set = base->config_set(attr)) return set;
      // A heterogeneous config's per-layer view: each layer's config with its overrides.
      if (attr == "per_layer_config")
        if (ValuePtr view = per_layer_config_view(config_, base->config_path)) return view;
      if (auto v = config_.attribute(base->config_path, attr)) return *v;
      // A property of the config class (an attribute computed from others): its getter runs on
      // the config, as Python does.
      if (auto getter = config_.property(base->config_path, attr))
        return hooks_.call(node, Value::global(Value::GlobalKind::Function, *getter, *getter, *getter), {{"", base, "self"}});
      // A method of the config class: bound to the config, run when called (eval_call).
      if (auto method = config_.method(base->config_path, attr)) return Value::callable(Value::Target::ConfigMethod, *method, base);
      return Value::unknown(base->config_path + " has no attribute '" + attr + "'");
    }
    case Value::Kind::Global:
      // A method of a builtin class the builtins table decides (dict.fromkeys).
      if (base->global_kind == Value::GlobalKind::Builtin && find_builtin(base->qualname + "." + attr))
        return Value::global(Value::GlobalKind::Builtin, base->qualname + "." + attr, base->path + "." + attr,
                             base->reached + "." + attr);
      // Attributes of a Python module, and class attributes and static methods: resolved like
      // module attributes.
      if (base->global_kind == Value::GlobalKind::PyModule || base->global_kind == Value::GlobalKind::Class) {
        ValuePtr v = global(base->path + "." + attr);
        // A module this module's globals do not name (imported inside a function): the
        // attribute in that module's own namespace.
        if (v->is(Value::Kind::Unknown) && base->global_kind == Value::GlobalKind::PyModule && !base->qualname.empty()) {
          try {
            return from_reference(globals_.resolve_global(base->qualname, attr), base->qualname + "." + attr, std::nullopt);
          } catch (const std::exception&) {
            return v;  // not importable here (torch.classes.<an extension not installed>)
          }
        }
        return v;
      }
      return hooks_.attribute(node, base, attr);
    default:
      return hooks_.attribute(node, base, attr);
  }
}

ValuePtr Interpreter::eval_binop(const ast::Node& node, Scope& scope) {
  ValuePtr a = eval(*node.child("left"), scope);
  ValuePtr b = eval(*node.child("right"), scope);
  const std::string& op = node.str("op");
  if (a->is(Value::Kind::Number) && b->is(Value::Kind::Number)) return number_binary(op, *a, *b);
  if (op == "Add" && a->is(Value::Kind::String) && b->is(Value::Kind::String)) return Value::string(a->str + b->str);
  if (op == "Add" && is_sequence(*a) && is_sequence(*b)) {
    auto items = a->items;
    items.insert(items.end(), b->items.begin(), b->items.end());
    return a->is(Value::Kind::Tuple) ? Value::tuple(items) : Value::list(items);
  }
  if (op == "Mult" && is_sequence(*a) && a->items.size() == 1 && !a->element && b->is(Value::Kind::Number) &&
      !b->expr.is_number()) {
    // [x] * n of a symbolic n (`[None] * len(self.layer)`, config.n_layer): x repeated n times,
    // as long as the layers however many the config has.
    auto repeated = std::make_shared<Value>(*Value::repeated_list(a->items[0], b->expr, {}));
    repeated->kind = a->kind;
    return repeated;
  }
  if (op == "Mult" && is_sequence(*a) && known_int(*b)) {
    std::vector<ValuePtr> items;
    for (long long i = 0; i < *known_int(*b); ++i) items.insert(items.end(), a->items.begin(), a->items.end());
    return a->is(Value::Kind::Tuple) ? Value::tuple(items) : Value::list(items);
  }
  return hooks_.binary(node, op, a, b);
}

ValuePtr Interpreter::eval_compare(const ast::Node& node, Scope& scope) {
  ValuePtr left = eval(*node.child("left"), scope);
  const auto& ops = node.list("ops");
  const auto& comparators = node.list("comparators");
  ValuePtr result;
  for (size_t i = 0; i < ops.size(); ++i) {
    ValuePtr right = eval(*comparators[i], scope);
    const std::string& op = ops[i]->str("id");
    ValuePtr r;
    if (op == "Is" || op == "IsNot" || op == "Eq" || op == "NotEq") {
      bool negate = op == "IsNot" || op == "NotEq";
      auto maybe_none = [](const Value& v) { return v.none_unless || v.presence; };
      const Value* state = maybe_none(*left) && right->is(Value::Kind::None)   ? left.get()
                           : maybe_none(*right) && left->is(Value::Kind::None) ? right.get()
                                                                               : nullptr;
      if (state && (op == "Is" || op == "IsNot")) {
        // A cache state that exists only once the cache holds a token, or a mask transformers
        // returns None for where it is not needed (its presence): `is None` is the formula.
        Expr exists = state->none_unless && state->presence ? Expr::logical_and(*state->none_unless, *state->presence)
                      : state->none_unless                  ? *state->none_unless
                                                            : *state->presence;
        Expr e = negate ? exists : Expr::logical_not(exists);
        std::optional<GiNaC::numeric> known;
        if (e.is_number()) known = e.as_number();
        r = Value::number(e, known);
      } else if ((op == "Eq" || op == "NotEq") && left->is(Value::Kind::Number) && right->is(Value::Kind::Number) &&
          !(left->known && right->known)) {
        r = Value::number(Expr::compare(negate ? "!=" : "==", left->expr, right->expr));
      } else if (auto eq = python_equal(*left, *right)) {
        // Decided by known values of symbolic numbers: the comparison keeps its expression.
        if ((op == "Eq" || op == "NotEq") && left->is(Value::Kind::Number) && right->is(Value::Kind::Number) &&
            !(left->expr.is_number() && right->expr.is_number()))
          r = Value::number(Expr::compare(negate ? "!=" : "==", left->expr, right->expr), GiNaC::numeric(*eq != negate ? 1 : 0));
        else
          r = Value::boolean(*eq != negate);
      } else if ((left->is(Value::Kind::Tensor) || right->is(Value::Kind::Tensor)) && (op == "Eq" || op == "NotEq")) {
        r = hooks_.binary(node, op, left, right);
      } else {
        r = Value::unknown("cannot decide " + text(node));
      }
    } else if (op == "In" || op == "NotIn") {
      std::optional<bool> found = false;
      if (is_sequence(*right) || right->is(Value::Kind::Dict)) {
        if (right->is(Value::Kind::Dict)) {
          found = left->is(Value::Kind::String) &&
                  std::find(right->keys.begin(), right->keys.end(), left->str) != right->keys.end();
        } else {
          for (const auto& item : right->items) {
            auto eq = python_equal(*left, *item);
            if (!eq) found = std::nullopt;
            else if (*eq) { found = true; break; }
          }
        }
      } else if (right->is(Value::Kind::String) && left->is(Value::Kind::String)) {
        found = right->str.find(left->str) != std::string::npos;
      } else if (right->is(Value::Kind::Global) && !right->path.empty() && left->is(Value::Kind::String)) {
        // "gelu" in ACT2FN: a key of a module-level mapping, as Python sees it.
        found = globals_.resolve_global(module_, right->path, left->str).kind != GlobalRef::Kind::Missing;
      } else {
        found = std::nullopt;
      }
      r = found ? Value::boolean(*found != (op == "NotIn")) : Value::unknown("cannot decide " + text(node));
    } else {
      static const std::map<std::string, std::string> symbols = {
          {"Lt", "<"}, {"LtE", "<="}, {"Gt", ">"}, {"GtE", ">="}};
      auto it = symbols.find(op);
      if (it != symbols.end() && left->is(Value::Kind::Number) && right->is(Value::Kind::Number)) {
        std::optional<GiNaC::numeric> known;
        if (left->known && right->known) {
          Expr k = Expr::compare(it->second, Expr::number(*left->known), Expr::number(*right->known));
          if (k.is_number()) known = k.as_number();
        }
        r = Value::number(Expr::compare(it->second, left->expr, right->expr), known);
      } else if (it != symbols.end() && (left->is(Value::Kind::Tensor) || right->is(Value::Kind::Tensor))) {
        r = hooks_.binary(node, op, left, right);
      } else {
        r = Value::unknown("cannot decide " + text(node));
      }
    }
    if (!result) {
      result = r;
    } else {
      auto t = result->truth();
      if (t && !*t) return result;
      result = r;
    }
    left = right;
  }
  return result;
}

ValuePtr Interpreter::eval_subscript(const ast::Node& node, Scope& scope) {
  ValuePtr base = eval(*node.child("value"), scope);
  const ast::Node* slice_node = node.child("slice");
  ValuePtr index = eval(*slice_node, scope);
  if (base->is(Value::Kind::Dict) && index->is(Value::Kind::String)) {
    for (size_t i = 0; i < base->keys.size(); ++i)
      if (base->keys[i] == index->str) return base->items[i];
    return Value::unknown("no key \"" + index->str + "\" in " + text(*node.child("value")));
  }
  if (base->is(Value::Kind::Dict) && index->is(Value::Kind::Number) && index->expr.is_number()) {
    // A dict keyed by numbers (rope thetas): keys are kept as their text.
    auto it = std::find(base->keys.begin(), base->keys.end(), index->describe());
    if (it != base->keys.end()) return base->items[it - base->keys.begin()];
  }
  if (base->is(Value::Kind::Dict) && index->is(Value::Kind::Tuple)) {
    // A dict keyed by tuples (Inkling2-Loop's layer_classes[(is_sliding, is_loop_layer)]): keys
    // are kept as their text; an item of the index that is a number with a known value (a
    // comparison at a layer's index) is that value, as Python hashes it.
    std::vector<ValuePtr> constants;
    for (const auto& item : index->items) {
      if (item->is(Value::Kind::Number) && item->known) constants.push_back(Value::number(Expr::number(*item->known), *item->known));
      else if (item->is(Value::Kind::String) || item->is(Value::Kind::None)) constants.push_back(item);
      else break;
    }
    if (constants.size() == index->items.size()) {
      auto it = std::find(base->keys.begin(), base->keys.end(), Value::tuple(constants)->describe());
      if (it != base->keys.end()) return base->items[it - base->keys.begin()];
    }
  }
  if (base->is(Value::Kind::Dict) && known_int(*index)) {
    // A dict keyed by numbers indexed by a symbol whose value is known (a layer's index into a
    // config's per-layer view): the key of that value.
    auto it = std::find(base->keys.begin(), base->keys.end(), std::to_string(*known_int(*index)));
    if (it != base->keys.end()) return base->items[it - base->keys.begin()];
    // Otherwise a ModelOutput record indexed like a tuple: its fields that are not None, in order
    // (`outputs[0]` is the last hidden state).
    std::vector<ValuePtr> fields;
    for (const auto& v : base->items)
      if (!v->is(Value::Kind::None)) fields.push_back(v);
    long long n = static_cast<long long>(fields.size()), i = *known_int(*index);
    long long k = i < 0 ? i + n : i;
    if (k >= 0 && k < n) return fields[k];
    return Value::unknown("index " + std::to_string(i) + " out of range in the record " + text(*node.child("value")));
  }
  if (is_sequence(*base)) {
    // A list or tuple whose element stands for each of its items, which are not known one by one
    // (one per layer: XLNet's `mems[0]`, `mems[i]`; split's pieces by a routing's counts): any
    // item is the element.
    if (base->element && base->items.empty() && index->is(Value::Kind::Number)) return base->element;
    if (auto i = known_int(*index)) {
      long long n = static_cast<long long>(base->items.size());
      long long k = *i < 0 ? *i + n : *i;
      if (k >= 0 && k < n) return base->items[k];
      return Value::unknown("index " + std::to_string(*i) + " out of range in " + text(node));
    }
    if (index->is(Value::Kind::Number) && !index->known && !base->items.empty()) {
      // An index not known here (a layer index) into a list whose items are all equal.
      bool uniform = std::all_of(base->items.begin(), base->items.end(),
                                 [&](const ValuePtr& v) { return same_value(*v, *base->items[0]); });
      if (uniform) return base->items[0];
      // The pass may know which values the index stands for (a kernel's layer index).
      ValuePtr v = hooks_.subscript(node, base, index);
      if (!v->is(Value::Kind::Unknown)) return v;
      return Value::unknown("index " + index->expr.str() + " into " + text(*node.child("value")) +
                            ", whose items differ");
    }
    if (index->is(Value::Kind::Slice) && base->element && index->items[0]->is(Value::Kind::None) &&
        index->items[1]->is(Value::Kind::None) &&
        (index->items[2]->is(Value::Kind::None) || known_int(*index->items[2]) == 1 || known_int(*index->items[2]) == -1))
      return base;  // seq[:], seq[::-1] of a list of a symbolic length: as long, its items alike
    if (index->is(Value::Kind::Slice)) {
      auto bound = [&](const ValuePtr& v, long long dflt) -> std::optional<long long> {
        if (v->is(Value::Kind::None)) return dflt;
        return known_int(*v);
      };
      long long n = static_cast<long long>(base->items.size());
      auto lo = bound(index->items[0], 0), hi = bound(index->items[1], n), step = bound(index->items[2], 1);
      if (lo && hi && step && *step == 1) {
        long long a = *lo < 0 ? std::max(0LL, *lo + n) : std::min(*lo, n);
        long long b = *hi < 0 ? std::max(0LL, *hi + n) : std::min(*hi, n);
        std::vector<ValuePtr> items;
        for (long long k = a; k < b; ++k) items.push_back(base->items[k]);
        return base->is(Value::Kind::Tuple) ? Value::tuple(items) : Value::list(items);
      }
    }
  }
  if (base->is(Value::Kind::Global) && index->is(Value::Kind::String) && !base->path.empty())
    return global(base->path, index->str);
  return hooks_.subscript(node, base, index);
}

std::vector<Arg> Interpreter::eval_args(const ast::Node& call, Scope& scope) {
  std::vector<Arg> args;
  for (const auto& a : call.list("args")) {
    if (a->is("Starred")) {
      ValuePtr v = eval(*a->child("value"), scope);
      if (is_sequence(*v)) {
        for (const auto& item : v->items) args.push_back({"", item, text(*a)});
        continue;
      }
      args.push_back({"*", v, text(*a)});
      continue;
    }
    args.push_back({"", eval(*a, scope), text(*a)});
  }
  for (const auto& k : call.list("keywords")) {
    const std::string& name = k->str("arg");
    ValuePtr v = eval(*k->child("value"), scope);
    if (name.empty()) {
      if (v->is(Value::Kind::Dict)) {
        for (size_t i = 0; i < v->keys.size(); ++i) args.push_back({v->keys[i], v->items[i], text(*k)});
      }
      continue;  // **kwargs of unknown content carry nothing the analysis uses
    }
    args.push_back({name, v, text(*k->child("value"))});
  }
  return args;
}

ValuePtr Interpreter::define_function(const ast::Node& def, const std::string& name, const Scope& scope) {
  LocalFunction f;
  f.def = &def;
  f.module = module_;
  f.file = file_;
  for (const auto& [n, v] : scope.vars()) {
    f.names.push_back(n);
    f.values.push_back(v);
  }
  return Value::local_function(name, std::move(f));
}

namespace {

// Python functions being interpreted now, one inside another (across interpreters). Real model
// code nests a few dozen; deeper is recursion the analysis cannot bound (a recursive helper whose
// depth is data), which must end as an unknown value, not exhaust the stack.
constexpr int kMaxCallDepth = 100;
thread_local int call_depth = 0;

struct CallDepth {
  bool too_deep;
  CallDepth() : too_deep(++call_depth > kMaxCallDepth) {}
  ~CallDepth() { --call_depth; }
  static ValuePtr unknown_callee(const std::string& name) {
    return Value::unknown("calls nested deeper than " + std::to_string(kMaxCallDepth) + " at " + name +
                          " (recursion the analysis cannot bound)");
  }
};

}  // namespace

ValuePtr Interpreter::call_local(const LocalFunction& f, const std::vector<Arg>& args) {
  CallDepth depth;
  if (depth.too_deep) return CallDepth::unknown_callee(f.def->is("Lambda") ? "a lambda" : f.def->str("name"));
  if (f.module != module_ || f.file != file_) {
    // Defined in another module's code: its names resolve there.
    Interpreter other(globals_, config_, hooks_, f.module, f.file);
    ValuePtr r = other.call_local(f, args);
    for (const auto& n : other.notes()) notes_.push_back(n);
    for (const auto& d : other.decisions()) decisions_.push_back(d);
    return r;
  }
  Scope scope;
  for (size_t i = 0; i < f.names.size(); ++i) scope.set(f.names[i], f.values[i]);
  bind_parameters(*f.def, args, scope, false);
  if (f.def->is("Lambda")) return eval(*f.def->child("body"), scope);
  std::string target = target_;
  ValuePtr result = exec_function_body(f.def->list("body"), scope);
  target_ = target;
  return result ? result : Value::none();
}

std::optional<ValuePtr> Interpreter::grow_list(const ast::Node& call, Scope& scope) {
  const ast::Node* func = call.child("func");
  if (!func || !func->is("Attribute")) return std::nullopt;
  const std::string& method = func->str("attr");
  if (method != "append" && method != "extend") return std::nullopt;
  const ast::Node* target = func->child("value");
  if (!target->is("Name") && !target->is("Attribute")) return std::nullopt;
  ValuePtr base = eval(*target, scope);
  bool list = base->is(Value::Kind::List) && !base->element;
  // A ModuleList whose items are all known (not one standing for a symbolic count).
  bool modules = base->is(Value::Kind::ModuleList) && (!base->element || (base->length.is_number() &&
                                                       base->length == Expr(static_cast<long long>(base->items.size()))));
  if (!list && !modules) return std::nullopt;
  std::vector<Arg> args = eval_args(call, scope);
  if (args.size() != 1 || !args[0].name.empty()) return std::nullopt;
  std::vector<ValuePtr> added = {args[0].value};
  if (method == "extend") {
    const Value& more = *args[0].value;
    if (!is_sequence(more) || more.element) return Value::unknown("extend with " + more.describe());
    added = more.items;
  }
  auto grown = std::make_shared<Value>(*base);
  grown->items.insert(grown->items.end(), added.begin(), added.end());
  if (modules) {
    grown->length = Expr(static_cast<long long>(grown->items.size()));
    bool same = std::all_of(grown->items.begin(), grown->items.end(),
                            [&](const ValuePtr& v) { return same_value(*v, *grown->items[0]); });
    grown->element = same && !grown->items.empty() ? grown->items[0] : nullptr;
  }
  // The list is a value here, so the name or attribute it was read from now holds the longer one.
  assign(*target, grown, scope);
  return Value::none();
}

std::optional<ValuePtr> Interpreter::pop_item(const ast::Node& call, Scope& scope) {
  const ast::Node* func = call.child("func");
  if (!func || !func->is("Attribute") || func->str("attr") != "pop") return std::nullopt;
  const ast::Node* target = func->child("value");
  if (!target->is("Name")) return std::nullopt;
  ValuePtr base = eval(*target, scope);
  if (!base->is(Value::Kind::Dict) || !base->class_name.empty()) return std::nullopt;
  const auto& positional = call.list("args");
  if (positional.empty() || positional.size() > 2 || !call.list("keywords").empty() || positional[0]->is("Starred") ||
      positional.back()->is("Starred"))
    return std::nullopt;
  std::vector<Arg> args = eval_args(call, scope);
  const ValuePtr& key = args[0].value;
  std::string k;
  if (key->is(Value::Kind::String)) k = key->str;
  else if (key->is(Value::Kind::Number) && key->expr.is_number()) k = key->describe();
  else return Value::unknown("pop of the key " + key->describe() + " from " + text(*target));
  auto it = std::find(base->keys.begin(), base->keys.end(), k);
  if (it == base->keys.end())
    return args.size() == 2 ? args[1].value : Value::unknown("pop of the missing key \"" + k + "\" from " + text(*target));
  // The dict is a value here, so the name it was read from now holds it without the key.
  auto shrunk = std::make_shared<Value>(*base);
  size_t i = static_cast<size_t>(it - base->keys.begin());
  ValuePtr item = base->items[i];
  shrunk->keys.erase(shrunk->keys.begin() + static_cast<long>(i));
  shrunk->items.erase(shrunk->items.begin() + static_cast<long>(i));
  assign(*target, shrunk, scope);
  return item;
}

std::optional<ValuePtr> Interpreter::update_dict(const ast::Node& call, Scope& scope) {
  const ast::Node* func = call.child("func");
  if (!func || !func->is("Attribute") || func->str("attr") != "update") return std::nullopt;
  const ast::Node* target = func->child("value");
  if (!target->is("Name") && !target->is("Attribute")) return std::nullopt;
  const auto& positional = call.list("args");
  if (positional.size() > 1 || (positional.size() == 1 && positional[0]->is("Starred"))) return std::nullopt;
  ValuePtr base = eval(*target, scope);
  if (!base->is(Value::Kind::Dict) || !base->class_name.empty()) return std::nullopt;
  std::vector<Arg> args = eval_args(call, scope);
  std::vector<std::pair<std::string, ValuePtr>> added;
  for (const Arg& a : args) {
    if (!a.name.empty()) {
      added.push_back({a.name, a.value});
      continue;
    }
    if (!a.value->is(Value::Kind::Dict))
      return Value::unknown("update of " + text(*target) + " with " + a.value->describe());
    for (size_t i = 0; i < a.value->keys.size() && i < a.value->items.size(); ++i)
      added.push_back({a.value->keys[i], a.value->items[i]});
  }
  // The dict is a value here, so the name or attribute it was read from now holds it updated:
  // a key it has keeps its place with the new item, a new key goes last.
  auto updated = std::make_shared<Value>(*base);
  for (auto& [k, v] : added) {
    auto it = std::find(updated->keys.begin(), updated->keys.end(), k);
    if (it != updated->keys.end()) {
      updated->items[static_cast<size_t>(it - updated->keys.begin())] = v;
    } else {
      updated->keys.push_back(k);
      updated->items.push_back(v);
    }
  }
  assign(*target, updated, scope);
  return Value::none();
}

std::optional<ValuePtr> Interpreter::next_item(const ast::Node& call, Scope& scope) {
  const ast::Node* func = call.child("func");
  if (!func || !func->is("Name") || func->str("id") != "next" || scope.find("next")) return std::nullopt;
  const auto& positional = call.list("args");
  if (positional.empty() || positional.size() > 2 || !call.list("keywords").empty() || positional[0]->is("Starred"))
    return std::nullopt;
  ValuePtr callee = eval(*func, scope);
  if (!callee->is(Value::Kind::Global) || callee->qualname != "next") return std::nullopt;
  const ast::Node& target = *positional[0];
  ValuePtr it = eval(target, scope);
  if (!it->is(Value::Kind::Iterator)) return std::nullopt;
  if (it->items.empty()) {
    if (positional.size() == 2) return eval(*positional[1], scope);
    return Value::unknown("next() of an exhausted iterator: " + text(target));
  }
  ValuePtr item = it->items[0];
  // The iterator is a value here, so the name or attribute it was read from now holds it moved
  // on by one (a cycle puts the item back last).
  if (target.is("Name") || target.is("Attribute")) {
    std::vector<ValuePtr> rest(it->items.begin() + 1, it->items.end());
    const bool cycles = it->qualname == "itertools.cycle";
    if (cycles) rest.push_back(item);
    assign(target, Value::iterator(std::move(rest), cycles), scope);
  }
  return item;
}

ValuePtr Interpreter::call_value(const ast::Node& node, const ValuePtr& callee, const std::vector<Arg>& args) {
  // A partial: its function with the bound positional arguments first, then the call's, and
  // the bound keywords unless the call gives them again.
  if (callee->is(Value::Kind::Callable) && callee->target == Value::Target::Partial && callee->receiver) {
    std::vector<Arg> merged;
    for (const Arg& a : callee->args)
      if (a.name.empty()) merged.push_back(a);
    for (const Arg& a : args)
      if (a.name.empty() || a.name == "*") merged.push_back(a);
    for (const Arg& a : callee->args) {
      if (a.name.empty()) continue;
      bool again = std::any_of(args.begin(), args.end(), [&](const Arg& b) { return b.name == a.name; });
      auto earlier = std::find_if(merged.begin(), merged.end(), [&](const Arg& b) { return b.name == a.name; });
      if (again) continue;
      if (earlier != merged.end()) *earlier = a;  // a partial of a partial: the outer keyword wins
      else merged.push_back(a);
    }
    for (const Arg& a : args)
      if (!a.name.empty() && a.name != "*") merged.push_back(a);
    return call_value(node, callee->receiver, merged);
  }
  if (callee->is(Value::Kind::Callable) && callee->target == Value::Target::LocalFunction && callee->function)
    return call_local(*callee->function, args);
  if (callee->is(Value::Kind::Callable) && callee->target == Value::Target::ConfigMethod && callee->receiver) {
    std::vector<Arg> with_self = {{"", callee->receiver, "self"}};
    with_self.insert(with_self.end(), args.begin(), args.end());
    return hooks_.call(node, Value::global(Value::GlobalKind::Function, callee->qualname, callee->qualname, callee->qualname), with_self);
  }
  // Builtins, and the few standard-library callables the table names (itertools.repeat, a class).
  if (callee->is(Value::Kind::Global) &&
      (callee->global_kind == Value::GlobalKind::Builtin || callee->global_kind == Value::GlobalKind::Class))
    if (const Builtin* builtin = find_builtin(callee->qualname))
      if (std::optional<ValuePtr> v = (*builtin)(BuiltinCall{*this, node, args})) return *v;
  return hooks_.call(node, callee, args);
}

ValuePtr Interpreter::eval_call(const ast::Node& node, Scope& scope) {
  if (std::optional<ValuePtr> r = grow_list(node, scope)) return *r;
  if (std::optional<ValuePtr> r = pop_item(node, scope)) return *r;
  if (std::optional<ValuePtr> r = update_dict(node, scope)) return *r;
  if (std::optional<ValuePtr> r = next_item(node, scope)) return *r;
  ValuePtr callee = eval(*node.child("func"), scope);
  std::vector<Arg> args = eval_args(node, scope);
  // At the depth limit a call is not followed: the hooks see a callee that could not be
  // modelled, so the call is an unknown child (never a silent stop).
  if (call_depth >= kMaxCallDepth)
    return hooks_.call(node, CallDepth::unknown_callee(text(*node.child("func"))), args);
  hooks_.take_changed_arguments();
  ValuePtr out = call_value(node, callee, args);
  // A dict argument the callee set items of is that changed dict here too (one object): a
  // function this interpreter ran (a local function) changed it here, a module's forward() the
  // pass traced says so.
  for (const Arg& a : args)
    if (a.value && a.value->is(Value::Kind::Dict))
      if (ValuePtr now = changed(a.value)) dict_changed(a.value, now, scope);
  for (const auto& [before, after] : hooks_.take_changed_arguments()) dict_changed(before, after, scope);
  return out;
}

void Interpreter::dict_changed(const ValuePtr& before, const ValuePtr& after, Scope& scope) {
  std::vector<std::string> holders;
  for (const auto& [name, v] : scope.vars())
    if (v == before) holders.push_back(name);
  for (const auto& name : holders) scope.set(name, after);
  changed_[before.get()] = {before, after};
}

ValuePtr Interpreter::changed(const ValuePtr& v) const {
  ValuePtr now;
  const Value* at = v.get();
  for (size_t hops = 0; hops <= changed_.size(); ++hops) {
    auto it = changed_.find(at);
    if (it == changed_.end()) break;
    now = it->second.second;
    at = now.get();
  }
  return now;
}

ValuePtr Interpreter::eval_comprehension(const ast::Node& node, Scope& scope) {
  const auto& generators = node.list("generators");
  const ast::Node* elt = node.child("elt");
  if (generators.size() == 1 && generators[0]->list("ifs").empty() && elt) {
    const ast::Node& gen = *generators[0];
    ValuePtr iter = eval(*gen.child("iter"), scope);
    if (iter->is(Value::Kind::Range) && iter->items.size() == 1) {
      ValuePtr n = iter->items[0];
      if (!n->is(Value::Kind::Number)) return Value::unknown("range() of " + n->describe() + " in " + text(node));
      // The element with the index as a symbol stands for all of them; with a known count the
      // elements are also evaluated one by one, for stacks whose layers differ by index.
      ValuePtr element;
      std::vector<ValuePtr> each;
      const ast::Node* target = gen.child("target");
      if (target->is("Name")) {
        Scope inner = scope;
        assign(*target, Value::number(Expr::symbol(target->str("id"))), inner);
        element = eval(*elt, inner);
      }
      if (n->known && n->known->is_integer() && n->known->to_long() <= 4096) {
        for (long long i = 0; i < n->known->to_long(); ++i) {
          Scope inner = scope;
          assign(*target, Value::integer(i), inner);
          each.push_back(eval(*elt, inner));
        }
      }
      if (!element && each.empty()) return Value::unknown("comprehension over " + iter->describe());
      return Value::repeated_list(element, n->expr, each);
    }
    Comprehension out;
    comprehend(node, 0, scope, iter, out);
    return comprehension_value(node, out);
  }
  Comprehension out;
  comprehend(node, 0, scope, nullptr, out);
  return comprehension_value(node, out);
}

std::optional<std::vector<Hooks::Iteration>> Interpreter::iteration(const ast::Node& node, const ValuePtr& iter) {
  std::vector<Hooks::Iteration> out;
  if (is_sequence(*iter) && !iter->element) {
    for (const auto& item : iter->items) out.push_back({item, Expr(1)});
    return out;
  }
  if (is_sequence(*iter) && iter->items.empty() && !iter->length.is_number()) {
    // A sequence of a symbolic length (one item per layer): its item, standing for all of them.
    out.push_back({iter->element, iter->length});
    return out;
  }
  if (iter->is(Value::Kind::Iterator) && iter->qualname.empty()) {  // what an iterator has left
    for (const auto& item : iter->items) out.push_back({item, Expr(1)});
    return out;
  }
  if (iter->is(Value::Kind::Dict)) {  // a dict iterates over its keys
    for (const auto& k : iter->keys) out.push_back({Value::string(k), Expr(1)});
    return out;
  }
  if (iter->is(Value::Kind::Range) && !iter->items.empty() && iter->items.size() <= 3) {
    std::vector<long long> bounds;
    for (const auto& a : iter->items)
      if (auto k = known_int(*a); k && a->expr.is_number()) bounds.push_back(*k);
    if (bounds.size() == iter->items.size()) {
      long long lo = bounds.size() == 1 ? 0 : bounds[0], hi = bounds.size() == 1 ? bounds[0] : bounds[1];
      long long step = bounds.size() == 3 ? bounds[2] : 1;
      if (step != 0 && (hi - lo) / step <= 4096) {
        for (long long i = lo; step > 0 ? i < hi : i > hi; i += step) out.push_back({Value::integer(i), Expr(1)});
        return out;
      }
    }
  }
  return hooks_.iterate(node, iter);
}

void Interpreter::comprehend(const ast::Node& node, size_t g, Scope& scope, ValuePtr iter, Comprehension& out) {
  const ast::Node& gen = *node.list("generators")[g];
  if (!iter) iter = eval(*gen.child("iter"), scope);
  std::optional<std::vector<Hooks::Iteration>> groups = iteration(node, iter);
  if (!groups) {
    out.failed = "comprehension over " + iter->describe();
    return;
  }
  for (const auto& group : *groups) {
    if (!out.failed.empty()) return;
    Scope inner = scope;
    assign(*gen.child("target"), group.item, inner);
    bool repeated = !(group.count.is_number() && group.count.as_number() == 1);
    if (repeated) hooks_.enter_repeat(group.count);
    bool kept = true;
    for (const auto& condition : gen.list("ifs")) {
      auto truth = eval(*condition, inner)->truth();
      if (!truth) {
        out.failed = "condition `" + text(*condition) + "` of a comprehension is undecidable";
        break;
      }
      if (!*truth) {
        kept = false;
        break;
      }
    }
    if (kept && out.failed.empty()) {
      Expr count = out.count * group.count;
      if (g + 1 < node.list("generators").size()) {
        std::swap(out.count, count);
        comprehend(node, g + 1, inner, nullptr, out);
        std::swap(out.count, count);
      } else if (node.is("DictComp")) {
        out.keys.push_back(eval(*node.child("key"), inner));
        out.items.push_back(eval(*node.child("value"), inner));
        out.counts.push_back(count);
      } else {
        out.items.push_back(eval(*node.child("elt"), inner));
        out.counts.push_back(count);
      }
    }
    if (repeated) hooks_.exit_repeat();
  }
}

ValuePtr Interpreter::comprehension_value(const ast::Node& node, const Comprehension& out) {
  if (!out.failed.empty()) return Value::unknown(out.failed + ": " + text(node));
  bool once_each = std::all_of(out.counts.begin(), out.counts.end(),
                               [](const Expr& c) { return c.is_number() && c.as_number() == 1; });
  if (!once_each) {
    // Items that stand for several (one per kind of layer in a ModuleList): one item standing
    // for all is a repeated list; several kinds make no list this can index.
    if (out.items.size() == 1 && !node.is("DictComp")) return Value::repeated_list(out.items[0], out.counts[0], {});
    // A dict keyed by an index that stands for all its values (xLSTMCache's rnn_state, one
    // entry per layer): every item that one, as many as the count (`element`, `length`).
    if (out.items.size() == 1 && node.is("DictComp") && out.keys[0]->is(Value::Kind::Number) && !out.keys[0]->known) {
      auto d = std::make_shared<Value>(*Value::dict({}, {}));
      d->element = out.items[0];
      d->length = out.counts[0];
      return d;
    }
    return Value::unknown("comprehension over items that stand for several: " + text(node));
  }
  if (node.is("DictComp")) {
    std::vector<std::string> keys;
    std::vector<ValuePtr> items;
    for (size_t i = 0; i < out.keys.size(); ++i) {
      // Keys that are not strings (floats: rope thetas) by their text, as dict displays have them.
      std::string k = out.keys[i]->is(Value::Kind::String) ? out.keys[i]->str : out.keys[i]->describe();
      auto it = std::find(keys.begin(), keys.end(), k);
      if (it != keys.end()) items[it - keys.begin()] = out.items[i];
      else {
        keys.push_back(k);
        items.push_back(out.items[i]);
      }
    }
    return Value::dict(keys, items);
  }
  if (node.is("SetComp")) {
    // Iterated for its distinct items (as set(...)); the order does not change costs.
    std::vector<ValuePtr> items;
    for (const auto& v : out.items) {
      auto eq = [&](const ValuePtr& o) { auto e = python_equal(*v, *o); return e && *e; };
      if (std::none_of(items.begin(), items.end(), eq)) items.push_back(v);
    }
    return Value::list(items);
  }
  return node.is("ListComp") ? Value::list(out.items) : Value::tuple(out.items);
}

namespace {

// Two tensors the arms of a run-time condition leave that merge into one (merged_tensor).
bool mergeable_tensors(const Value& a, const Value& b) {
  return a.is_tensor() && b.is_tensor() && a.shape.size() == b.shape.size() && a.dtype == b.dtype && !a.routing &&
         !b.routing;
}

// `a` where `cond` holds, else `b`: per dim, the size the condition chooses; data (not a
// parameter) when either is.
ValuePtr merged_tensor(const Expr& cond, const Value& a, const Value& b) {
  auto t = std::make_shared<Value>(a);
  for (size_t i = 0; i < a.shape.size(); ++i)
    if (!(a.shape[i] == b.shape[i])) t->shape[i] = Expr::if_else(cond, a.shape[i], b.shape[i]);
  if (a.origin != b.origin) t->origin = Value::Origin::Activation;
  if (!(a.presence && b.presence && *a.presence == *b.presence)) t->presence.reset();
  if (!(a.none_unless && b.none_unless && *a.none_unless == *b.none_unless)) t->none_unless.reset();
  return t;
}

// What `a if cond else b` is where what the two return are tensors of one rank (merged_tensor:
// a cache's update returns all the new keys where they overflow its window, its window's slots
// elsewhere), or tuples of such item by item; nullptr otherwise.
ValuePtr chosen_by(const Expr& cond, const ValuePtr& a, const ValuePtr& b) {
  if (!a || !b) return nullptr;
  if (mergeable_tensors(*a, *b)) return merged_tensor(cond, *a, *b);
  if (a->is(Value::Kind::Tuple) && b->is(Value::Kind::Tuple) && a->items.size() == b->items.size()) {
    std::vector<ValuePtr> items;
    for (size_t i = 0; i < a->items.size(); ++i) {
      ValuePtr item = same_value(*a->items[i], *b->items[i]) ? b->items[i] : chosen_by(cond, a->items[i], b->items[i]);
      if (!item) return nullptr;
      items.push_back(item);
    }
    return Value::tuple(items);
  }
  return nullptr;
}

// What a value tests as (`if x`, `not x`; `x and y` is a value, not a test): a value that is None unless a condition
// holds (a state a prefill leaves: XLNet's `mems`, None unless a token is cached) and true where
// present tests as that condition; any other value as itself.
ValuePtr as_test(const ValuePtr& v) {
  if (!v || !v->none_unless) return v;
  auto present = std::make_shared<Value>(*v);
  present->none_unless.reset();
  Expr when = *v->none_unless;
  if (present->truth() != true) {
    // A sequence of one item per layer (config.n_layer of them): also as long as that is.
    if (!(present->element && present->items.empty() && is_sequence(*present)))
      return v;
    when = Expr::logical_and(when, Expr::compare("!=", present->length, Expr(0)));
  }
  return Value::number(when, when.is_number() ? std::optional<GiNaC::numeric>(when.as_number()) : std::nullopt);
}

}  // namespace

bool Interpreter::runtime_condition(const Value& cond) const {
  // Only a formula of run-time sizes and config values: a layer index or another kernel
  // parameter is not something an evaluation point binds. The experts a routing reaches
  // (experts_hit) are such a run-time quantity (`if token_indices.numel() > 0` on the rows an
  // expert gets).
  // A kernel parameter beside a run-time size is bound by the caller like a config value
  // (`seq_len < conv_kernel_size`, the kernel size a cache layer's update_conv_state pads a short
  // prefill to): the condition still varies with the point, so it is weighed too.
  if (!hooks_.weighs_branches() || !cond.is(Value::Kind::Number) || cond.expr.is_number()) return false;
  bool runtime_size = false, other = false;
  for (const auto& s : cond.expr.symbols()) {
    if (s == "batch_size" || s == "seq_len" || s == "cache_len" || s == "experts_hit") runtime_size = true;
    else if (s.rfind("config.", 0) != 0) other = true;
  }
  return !other || runtime_size;
}

ValuePtr Interpreter::eval(const ast::Node& node, Scope& scope) {
  const std::string& t = node.type;
  if (t == "Constant") return constant_value(node.constant());
  if (t == "Name") return eval_name(node, scope);
  if (t == "Attribute") return eval_attribute(node, scope);
  if (t == "BinOp") return eval_binop(node, scope);
  if (t == "Compare") return eval_compare(node, scope);
  if (t == "Subscript") return eval_subscript(node, scope);
  if (t == "Call") return eval_call(node, scope);
  if (t == "UnaryOp") {
    ValuePtr v = eval(*node.child("operand"), scope);
    const std::string& op = node.str("op");
    if (op == "Not") {
      v = as_test(v);
      auto truth = v->truth();
      if (truth) return Value::boolean(!*truth);
      if (v->is(Value::Kind::Number)) return Value::number(Expr::logical_not(v->expr));
      return Value::unknown("cannot decide " + text(node));
    }
    if (v->is(Value::Kind::Number)) {
      if (op == "USub") {
        std::optional<GiNaC::numeric> known;
        if (v->known) known = -*v->known;
        return Value::number(-v->expr, known);
      }
      if (op == "UAdd") return v;
    }
    return hooks_.unary(node, op, v);
  }
  if (t == "BoolOp") {
    bool is_and = node.str("op") == "And";
    auto join = [&](const Expr& a, const Expr& b) { return is_and ? Expr::logical_and(a, b) : Expr::logical_or(a, b); };
    const auto& operands = node.list("values");
    ValuePtr acc;
    for (size_t k = 0; k < operands.size(); ++k) {
      ValuePtr v = eval(*operands[k], scope);
      if (!acc) {
        acc = v;
      } else if (auto truth = acc->truth()) {
        // Decided by known values of symbolic numbers: the value is v's, the expression the whole
        // operation's so far (`a and b` is b when a is true).
        acc = acc->is(Value::Kind::Number) && v->is(Value::Kind::Number) && !(acc->expr.is_number() && v->expr.is_number())
                  ? Value::number(join(acc->expr, v->expr), v->known)
                  : v;
      } else if (acc->is(Value::Kind::Number) && v->is(Value::Kind::Number)) {
        acc = Value::number(join(acc->expr, v->expr));
      } else {
        return Value::unknown("cannot decide " + text(node));
      }
      if (auto truth = acc->truth(); truth && *truth != is_and) {
        // Short-circuit (`False and x`, `True or x`). Operands left that are plain arithmetic and
        // comparisons on numbers join the expression, so it says what the whole test depends on.
        if (acc->is(Value::Kind::Number) && !acc->expr.is_number()) {
          Expr whole = acc->expr;
          for (size_t r = k + 1; r < operands.size(); ++r) {
            if (!pure_arithmetic(*operands[r])) return acc;
            ValuePtr rest = eval(*operands[r], scope);
            if (!rest->is(Value::Kind::Number)) return acc;
            whole = join(whole, rest->expr);
          }
          return Value::number(whole, acc->known);
        }
        return acc;
      }
    }
    return acc;
  }
  if (t == "IfExp") {
    ValuePtr cond = as_test(eval(*node.child("test"), scope));
    if (auto truth = cond->truth()) {
      if (cond->is(Value::Kind::Number) && !cond->expr.is_number()) decisions_.push_back({cond->expr, *truth});
      return eval(*node.child(*truth ? "body" : "orelse"), scope);
    }
    // A condition known only at run time: each arm counted where it holds, as an `if` statement's.
    bool weighed = runtime_condition(*cond);
    if (weighed) hooks_.enter_repeat(Expr::if_else(cond->expr, Expr(1), Expr(0)));
    ValuePtr a = eval(*node.child("body"), scope);
    if (weighed) hooks_.exit_repeat();
    if (weighed) hooks_.enter_repeat(Expr::if_else(cond->expr, Expr(0), Expr(1)));
    ValuePtr b = eval(*node.child("orelse"), scope);
    if (weighed) hooks_.exit_repeat();
    if (cond->is(Value::Kind::Number) && a->is(Value::Kind::Number) && b->is(Value::Kind::Number))
      return Value::number(Expr::if_else(cond->expr, a->expr, b->expr));
    if (weighed && (same_value(*a, *b) || mergeable_tensors(*a, *b)))
      return same_value(*a, *b) ? a : merged_tensor(cond->expr, *a, *b);
    return Value::unknown("cannot decide " + text(*node.child("test")));
  }
  if (t == "Tuple" || t == "List" || t == "Set") {
    std::vector<ValuePtr> items;
    for (const auto& e : node.list("elts")) {
      if (e->is("Starred")) {
        ValuePtr v = eval(*e->child("value"), scope);
        if (is_sequence(*v)) {
          items.insert(items.end(), v->items.begin(), v->items.end());
          continue;
        }
        items.push_back(Value::unknown("*" + text(*e)));
        continue;
      }
      items.push_back(eval(*e, scope));
    }
    return t == "Tuple" ? Value::tuple(items) : Value::list(items);
  }
  if (t == "Dict") {
    std::vector<std::string> keys;
    std::vector<ValuePtr> items;
    const auto& key_nodes = node.list("keys");
    const auto& values = node.list("values");
    for (size_t i = 0; i < key_nodes.size(); ++i) {
      ValuePtr v = eval(*values[i], scope);
      if (!key_nodes[i]) {
        if (v->is(Value::Kind::Dict)) {
          keys.insert(keys.end(), v->keys.begin(), v->keys.end());
          items.insert(items.end(), v->items.begin(), v->items.end());
        }
        continue;
      }
      ValuePtr k = eval(*key_nodes[i], scope);
      keys.push_back(k->is(Value::Kind::String) ? k->str : k->describe());
      items.push_back(v);
    }
    return Value::dict(keys, items);
  }
  if (t == "Slice") {
    std::vector<ValuePtr> parts;
    for (const char* part : {"lower", "upper", "step"}) {
      const ast::Node* p = node.child(part);
      parts.push_back(p ? eval(*p, scope) : Value::none());
    }
    return Value::slice(parts[0], parts[1], parts[2]);
  }
  if (t == "ListComp" || t == "GeneratorExp" || t == "SetComp" || t == "DictComp") return eval_comprehension(node, scope);
  if (t == "JoinedStr") {
    // f"{layer_type}_inv_freq": known when every part is a string or a known integer.
    std::string out;
    for (const auto& part : node.list("values")) {
      ValuePtr v = part->is("FormattedValue") ? eval(*part->child("value"), scope) : eval(*part, scope);
      if (part->is("FormattedValue") && part->child("format_spec")) return Value::unknown("f-string with a format spec");
      if (v->is(Value::Kind::String)) out += v->str;
      else if (v->is(Value::Kind::Number) && v->known && v->known->is_integer()) out += std::to_string(v->known->to_long());
      else return Value::unknown("f-string of " + v->describe());
    }
    return Value::string(out);
  }
  if (t == "Starred") return eval(*node.child("value"), scope);
  if (t == "NamedExpr") {
    ValuePtr v = eval(*node.child("value"), scope);
    assign(*node.child("target"), v, scope);
    return v;
  }
  if (t == "Lambda") return define_function(node, "<lambda>", scope);
  return Value::unknown("expression " + t);
}

void Interpreter::assign(const ast::Node& target, const ValuePtr& value, Scope& scope) {
  if (target.is("Name")) {
    scope.set(target.str("id"), value);
  } else if (target.is("Tuple") || target.is("List")) {
    const auto& elts = target.list("elts");
    size_t n = elts.size();
    // `*prefix, last = x.shape`: the names before and after the starred one take items from
    // either end, the starred one a list of the rest.
    auto starred = std::find_if(elts.begin(), elts.end(), [](const ast::NodePtr& e) { return e->is("Starred"); });
    if (starred != elts.end()) {
      std::vector<ValuePtr> items;
      if (is_sequence(*value) && !value->element) items = value->items;
      size_t before = static_cast<size_t>(starred - elts.begin()), after = n - before - 1;
      if (!is_sequence(*value) || value->element) {
        for (const auto& e : elts)
          assign(e->is("Starred") ? *e->child("value") : *e, Value::unknown("unpacking " + value->describe()), scope);
        return;
      }
      if (items.size() < before + after) {
        for (const auto& e : elts)
          assign(e->is("Starred") ? *e->child("value") : *e,
                 Value::unknown("unpacking " + value->describe() + " into " + std::to_string(n) + " names"), scope);
        return;
      }
      for (size_t i = 0; i < before; ++i) assign(*elts[i], items[i], scope);
      assign(*(*starred)->child("value"),
             Value::list(std::vector<ValuePtr>(items.begin() + static_cast<long>(before), items.end() - static_cast<long>(after))),
             scope);
      for (size_t i = 0; i < after; ++i) assign(*elts[before + 1 + i], items[items.size() - after + i], scope);
      return;
    }
    if (is_sequence(*value) && value->items.size() == n && !value->element) {
      for (size_t i = 0; i < n; ++i) assign(*elts[i], value->items[i], scope);
    } else {
      // Unpacking a tensor along dim 0, a shape, or something unknown: ask the pass per element.
      for (size_t i = 0; i < n; ++i) {
        ValuePtr item;
        if (value->is(Value::Kind::Tensor) && value->shape.size() == n) {
          item = Value::number(value->shape[i]);
        } else {
          item = Value::unknown("unpacking " + value->describe() + " into " + std::to_string(n) + " names");
        }
        assign(*elts[i], item, scope);
      }
    }
  } else if (target.is("Attribute")) {
    ValuePtr base = eval(*target.child("value"), scope);
    if (base->is(Value::Kind::Config) && target.child("value")->is("Name")) {
      // `config.is_decoder = True` on a config a name holds: that name's config reads it so from
      // here on, and so does every module built from it (values are never changed in place).
      assign(*target.child("value"), Value::config_with(*base, target.str("attr"), value), scope);
      return;
    }
    hooks_.assign_attribute(target, base, target.str("attr"), value);
    if (hooks_.module_state()) {
      std::string path = self_path(target, scope);
      if (!path.empty()) scope.set(path, value);
    }
  } else if (target.is("Starred")) {
    assign(*target.child("value"), value, scope);
  } else if (target.is("Subscript") &&
             (target.child("value")->is("Name") || (target.child("value")->is("Attribute") && hooks_.sets_attribute_items()))) {
    // d["key"] = v on a dict bound to a name (position_embeddings[layer_type] = ...) or kept in
    // an attribute (a cache layer's self.conv_states[state_idx] = ...): the name or attribute
    // now holds the dict with that key set (a number key kept as its text, as subscripts read
    // it). Subscript targets of tensors (x[...] = y) mutate them in place: no new names.
    const ast::Node& holder = *target.child("value");
    ValuePtr base = eval(holder, scope);
    if (!base->is(Value::Kind::Dict)) return;
    ValuePtr key = eval(*target.child("slice"), scope);
    std::string k;
    if (key->is(Value::Kind::String)) k = key->str;
    else if (key->is(Value::Kind::Number) && key->expr.is_number()) k = key->describe();
    else return;
    auto d = std::make_shared<Value>(*base);
    auto it = std::find(d->keys.begin(), d->keys.end(), k);
    if (it != d->keys.end()) d->items[it - d->keys.begin()] = value;
    else {
      d->keys.push_back(k);
      d->items.push_back(value);
    }
    if (holder.is("Name")) {
      dict_changed(base, d, scope);
      scope.set(holder.str("id"), d);
    }
    else hooks_.assign_attribute(holder, eval(*holder.child("value"), scope), holder.str("attr"), d);
  }
}

void Interpreter::bind_parameters(const ast::Node& def, const std::vector<Arg>& args, Scope& scope, bool skip_first) {
  ast::Parameters params = ast::parameters_of(def);
  size_t start = skip_first ? 1 : 0;
  std::map<std::string, ValuePtr> bound;
  size_t next = start;
  std::vector<ValuePtr> extra_positional;
  for (const auto& a : args) {
    if (!a.name.empty()) continue;
    if (next < params.positional.size()) bound[params.positional[next++].name()] = a.value;
    else extra_positional.push_back(a.value);
  }
  std::vector<std::string> kwarg_names;
  std::vector<ValuePtr> kwarg_values;
  for (const auto& a : args) {
    if (a.name.empty() || a.name == "*") continue;
    if (params.has(a.name)) {
      bound[a.name] = a.value;
    } else {
      kwarg_names.push_back(a.name);
      kwarg_values.push_back(a.value);
    }
  }
  std::vector<ast::Parameter> all = params.all();
  for (size_t i = std::min(start, params.positional.size()); i < all.size(); ++i) {
    const std::string& name = all[i].name();
    if (bound.count(name)) scope.set(name, bound[name]);
    else if (all[i].default_) scope.set(name, eval(*all[i].default_, scope));
    else scope.set(name, Value::unknown("parameter '" + name + "' not passed"));
  }
  if (params.vararg) scope.set(params.vararg->str("arg"), Value::tuple(extra_positional));
  if (params.kwarg) scope.set(params.kwarg->str("arg"), Value::dict(kwarg_names, kwarg_values));
}

ValuePtr Interpreter::run_function(const ast::Node& def, const std::vector<Arg>& args, const ValuePtr& self) {
  CallDepth depth;
  if (depth.too_deep) return CallDepth::unknown_callee(def.str("name"));
  Scope scope;
  bool is_static = !self;
  for (const auto& d : def.list("decorator_list")) is_static = is_static || (d->is("Name") && d->str("id") == "staticmethod");
  ast::Parameters params = ast::parameters_of(def);
  if (!is_static && !params.positional.empty()) scope.set(params.positional[0].name(), self);
  bind_parameters(def, args, scope, !is_static);
  const std::map<std::string, ValuePtr>* state = self && self->is(Value::Kind::Self) ? hooks_.module_state() : nullptr;
  if (state)
    for (const auto& [path, v] : *state) scope.set(path, v);
  ValuePtr result = exec_function_body(def.list("body"), scope);
  if (state) {
    module_state_after_.clear();
    for (const auto& [name, v] : scope.vars())
      if (starts_with(name, "self.")) module_state_after_[name] = v;
  }
  return result ? result : Value::none();
}

namespace {

// The first plain name a statement assigns to ("x" in `x, y = ...`), or "".
std::string target_name(const ast::Node* target) {
  if (!target) return "";
  if (target->is("Name")) return target->str("id");
  if (target->is("Attribute")) return target->str("attr");
  if (target->is("Tuple") || target->is("List")) {
    for (const auto& e : target->list("elts"))
      if (std::string n = target_name(e.get()); !n.empty()) return n;
  }
  if (target->is("Starred")) return target_name(target->child("value"));
  return "";
}

}  // namespace

bool Interpreter::exec_statement(const ast::Node& stmt, Scope& scope, ValuePtr* result) {
  const std::string& t = stmt.type;
  if (t == "Assign") target_ = stmt.list("targets").empty() ? "" : target_name(stmt.list("targets")[0].get());
  else if (t == "AnnAssign" || t == "AugAssign") target_ = target_name(stmt.child("target"));
  else if (t == "Return") target_ = "return";
  else if (t == "Expr" || t == "If") target_ = "";
  if (t == "Return") {
    const ast::Node* v = stmt.child("value");
    *result = v ? eval(*v, scope) : Value::none();
    return true;
  }
  if (t == "Continue" || t == "Break") {
    loop_exit_ = t == "Continue" ? LoopExit::next : LoopExit::stop;
    return false;
  }
  if (t == "Assign") {
    ValuePtr v = eval(*stmt.child("value"), scope);
    for (const auto& target : stmt.list("targets")) assign(*target, v, scope);
    return false;
  }
  if (t == "AnnAssign") {
    if (const ast::Node* v = stmt.child("value")) assign(*stmt.child("target"), eval(*v, scope), scope);
    return false;
  }
  if (t == "AugAssign") {
    // x op= y is evaluated as x = x op y (a BinOp over the same nodes).
    ast::Node binop;
    binop.type = "BinOp";
    binop.line = stmt.line;
    binop.col = stmt.col;
    binop.end_line = stmt.end_line;
    binop.end_col = stmt.end_col;
    ast::Field left, right, op;
    left.kind = ast::Field::Kind::Node;
    left.node = stmt.fields.at("target").node;
    right = stmt.fields.at("value");
    op.kind = ast::Field::Kind::String;
    op.string = stmt.str("op");
    binop.fields["left"] = left;
    binop.fields["right"] = right;
    binop.fields["op"] = op;
    assign(*stmt.child("target"), eval(binop, scope), scope);
    return false;
  }
  if (t == "Expr") {
    eval(*stmt.child("value"), scope);
    return false;
  }
  if (t == "If") {
    ValuePtr cond = as_test(eval(*stmt.child("test"), scope));
    auto truth = cond->truth();
    if (!truth && weigh_branches(stmt, *cond, scope)) return false;
    if (!truth && weigh_early_return(stmt, *cond, scope, result)) return true;
    if (!truth) {
      note(stmt.line, "condition `" + text(*stmt.child("test")) + "` is undecidable (" + cond->describe() +
                          "); assumed false");
      truth = false;
    } else {
      if (cond->is(Value::Kind::Number) && !cond->expr.is_number()) decisions_.push_back({cond->expr, *truth});
      std::string decided = cond->is(Value::Kind::Number) && !cond->expr.is_number()
                                ? " (" + cond->expr.str() + " = " + (cond->known ? Expr::number(*cond->known).str() : "?") + ")"
                                : "";
      note(stmt.line, "`if " + text(*stmt.child("test")) + "`: " + (*truth ? "taken" : "not taken") + decided);
    }
    const auto& body = stmt.list(*truth ? "body" : "orelse");
    if (!body.empty()) {
      ValuePtr r = exec_frame(body, scope);
      if (r) {
        *result = r;
        return true;
      }
    }
    return false;
  }
  if (t == "For") {
    ValuePtr iter = eval(*stmt.child("iter"), scope);
    // enumerate() of a sequence whose items are known: the (index, item) pairs.
    if (iter->is(Value::Kind::Enumerate) && iter->items.size() == 1 && iter->items[0] && is_sequence(*iter->items[0]) &&
        !iter->items[0]->element) {
      std::vector<ValuePtr> pairs;
      for (size_t i = 0; i < iter->items[0]->items.size(); ++i)
        pairs.push_back(Value::tuple({Value::integer(static_cast<long long>(i)), iter->items[0]->items[i]}));
      iter = Value::tuple(pairs);
    }
    if (is_sequence(*iter) && !iter->element) {
      for (const auto& item : iter->items) {
        assign(*stmt.child("target"), item, scope);
        if (ValuePtr r = exec(stmt.list("body"), scope)) {
          *result = r;
          return true;
        }
        if (take_loop_exit() == LoopExit::stop) break;
      }
      return false;
    }
    if (auto groups = hooks_.iterate(stmt, iter)) {
      // A range of symbolic length whose value the config gives, run once per index: a list it
      // grows by one item an index keeps the symbolic length (as a comprehension over the range
      // does), its items each built for their index.
      std::optional<Expr> symbolic_length;
      if (iter->is(Value::Kind::Range) && iter->items.size() == 1 && iter->items[0]->is(Value::Kind::Number) &&
          !iter->items[0]->expr.is_number() && known_int(*iter->items[0]) == static_cast<long long>(groups->size()) &&
          std::all_of(groups->begin(), groups->end(), [](const Hooks::Iteration& g) { return g.count == Expr(1); }))
        symbolic_length = iter->items[0]->expr;
      // A loop run once standing for all its iterations (a range of a length known only at run
      // time, the layers of a ModuleList of config.n_layer): an empty list or tuple the body grows
      // by one item is that item repeated once per iteration (the scan outputs of a recurrence
      // over seq_len; XLNet's `new_mems = new_mems + (...,)`, one memory per layer).
      std::optional<Expr> repeated_length;
      if (!symbolic_length && groups->size() == 1 && !(*groups)[0].count.is_number())
        repeated_length = (*groups)[0].count;
      // Iterations standing for several otherwise (kinds of layers, the classes a routing reaches
      // and the others): a list the body grows by one item a kind holds each item as often as
      // its kind runs (counted_items.h).
      const bool counted = !symbolic_length && !repeated_length &&
                           std::any_of(groups->begin(), groups->end(), [](const Hooks::Iteration& g) { return g.count != Expr(1); });
      std::map<std::string, size_t> before;
      if (symbolic_length || repeated_length || counted)
        for (const auto& [name, v] : scope.vars())
          if (v && (v->is(Value::Kind::List) || (repeated_length && v->is(Value::Kind::Tuple) && v->items.empty())) &&
              !v->element && v->length.is_number() &&
              (v->length.as_number().is_zero() || v->length == Expr(static_cast<long long>(v->items.size()))))
            before[name] = v->items.size();
      for (const auto& g : *groups) {
        assign(*stmt.child("target"), g.item, scope);
        hooks_.enter_repeat(g.count);
        ValuePtr r = exec(stmt.list("body"), scope);
        hooks_.exit_repeat();
        if (r) {
          *result = r;
          return true;
        }
        // A `continue` ends this group's iterations; a `break`, the loop (where the group stands
        // for several iterations, at the first of them: the rest of its count did not run).
        if (take_loop_exit() == LoopExit::stop) {
          if (g.count != Expr(1))
            note(stmt.line, "`break` in an iteration standing for " + g.count.str() +
                                ": the loop is taken to end there, its count as traced");
          break;
        }
      }
      for (const auto& [name, size] : before) {
        ValuePtr v = scope.find(name);
        if (counted) {
          if (!v || !v->is(Value::Kind::List) || v->element || v->items.size() == size) continue;
          std::vector<Expr> counts;
          for (const auto& g : *groups) counts.push_back(g.count);
          if (size == 0 && v->items.size() == groups->size()) scope.set(name, counted_items(v->items, counts));
          else scope.set(name, Value::unknown("list " + name + " grown in a loop whose iterations stand for several"));
          continue;
        }
        if (!v || !is_sequence(*v) || v->element || v->items.size() != size + groups->size()) continue;
        if (repeated_length) {
          // The items it held before the loop count too when they are the same value as the one
          // the body appends (tensors of one shape: `temp = [h0]` then one item an index, stacked).
          const ValuePtr& item = v->items.back();
          bool same = std::all_of(v->items.begin(), v->items.end() - 1, [&](const ValuePtr& x) { return x && same_value(*x, *item); });
          if (size == 0 || same) {
            auto repeated = std::make_shared<Value>(*Value::repeated_list(item, Expr(static_cast<long long>(size)) + *repeated_length, {}));
            repeated->kind = v->kind;  // a tuple stays a tuple
            scope.set(name, repeated);
          }
          continue;
        }
        if (!v->is(Value::Kind::List)) continue;
        auto grown = std::make_shared<Value>(*v);
        grown->length = Expr(static_cast<long long>(size)) + *symbolic_length;
        scope.set(name, grown);
      }
      return false;
    }
    note(stmt.line, "loop over " + iter->describe() + " not modelled");
    return false;
  }
  if (t == "With") {
    ValuePtr r = exec(stmt.list("body"), scope);
    if (r) {
      *result = r;
      return true;
    }
    return false;
  }
  if (t == "Try") {
    // The body; where an import in it raises (a module not installed), the first handler instead
    // of the rest of it (the only exception the interpreter raises).
    ValuePtr r = exec(stmt.list("body"), scope);
    if (!raising_.empty() && !stmt.list("handlers").empty()) {
      note(stmt.line, "`" + raising_ + "` raises here: the first `except` runs");
      raising_.clear();
      r = exec(stmt.list("handlers")[0]->list("body"), scope);
    }
    if (r) {
      *result = r;
      return true;
    }
    return false;
  }
  if (t == "FunctionDef") {
    // A helper defined where it is used (`def get_mscale(scale, mscale=1): ...` inside a rope
    // init function): the name holds the function, which runs when called.
    target_ = "";
    scope.set(stmt.str("name"), define_function(stmt, stmt.str("name"), scope));
    return false;
  }
  if (t == "Import" || t == "ImportFrom") {
    import_names(stmt, scope);
    return false;
  }
  // Raise, Assert, Pass, Delete, Global: no effect modelled.
  return false;
}

namespace {

// Whether statements end in a return on every path: a return last, or an `if` last whose arms
// both do.
bool returns_on_every_path(const std::vector<ast::NodePtr>& body) {
  if (body.empty() || !body.back()) return false;
  const ast::Node& last = *body.back();
  if (last.is("Return")) return true;
  return last.is("If") && returns_on_every_path(last.list("body")) && returns_on_every_path(last.list("orelse"));
}

// Whether statements leave the straight line: return, break, continue, yield (anywhere in them,
// nested functions aside). A raise does not: the default path never raises (the real run would
// fail), and exec_statement passes over it.
bool leaves_straight_line(const ast::Node& node) {
  static const std::set<std::string> exits = {"Return", "Break", "Continue", "Yield", "YieldFrom"};
  if (exits.count(node.type)) return true;
  if (node.type == "FunctionDef" || node.type == "Lambda") return false;
  for (const auto& [name, field] : node.fields) {
    if (field.kind == ast::Field::Kind::Node && field.node && leaves_straight_line(*field.node)) return true;
    if (field.kind == ast::Field::Kind::List)
      for (const auto& n : field.list)
        if (n && leaves_straight_line(*n)) return true;
  }
  return false;
}

}  // namespace

namespace {

// What one arm may set where the other leaves None, to be None unless that arm's condition holds:
// a tensor, or a tuple or list (XLNet's `mems`, a tuple of one tensor per layer, passed only where
// a token is cached).
bool present_or_none(const Value& v) { return v.is_tensor() || is_sequence(v); }

// Of `a` (the arm where `cond` holds) and `b`, where one is None and the other a tensor or
// sequence: that one, None unless its arm's condition holds, and (`with_presence`, a tensor) present
// only there; nullptr where they are not so.
ValuePtr present_in_one_arm(const Expr& cond, const Value& a, const Value& b, bool with_presence) {
  const bool in_a = b.is(Value::Kind::None) && present_or_none(a);
  if (!in_a && !(a.is(Value::Kind::None) && present_or_none(b))) return nullptr;
  const Value& t = in_a ? a : b;
  const Expr when = in_a ? cond : Expr::logical_not(cond);
  auto out = std::make_shared<Value>(t);
  if (with_presence && t.is_tensor()) out->presence = t.presence ? Expr::logical_and(*t.presence, when) : when;
  out->none_unless = t.none_unless ? Expr::logical_and(*t.none_unless, when) : when;
  return out;
}

// Two arms' dicts as one: an item both arms agree on (or a tensor of one shape) keeps it; a
// tensor (or sequence) one arm sets and the other leaves None (or out) is that tensor, None unless its arm's
// condition holds (`x is None` decides by it: none_unless) and present only there; a number each
// arm sets is the one the condition chooses; anything else is unknown, naming `where`.
ValuePtr merged_dict(const Expr& cond, const Value& a, const Value& b, const std::string& where) {
  auto out = std::make_shared<Value>(a);
  out->keys.clear();
  out->items.clear();
  // None unless a condition holds only where both arms are.
  if (!(a.none_unless && b.none_unless && *a.none_unless == *b.none_unless)) out->none_unless.reset();
  std::vector<std::string> keys = a.keys;
  for (const auto& k : b.keys)
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  auto item = [](const Value& d, const std::string& k) -> ValuePtr {
    auto it = std::find(d.keys.begin(), d.keys.end(), k);
    return it == d.keys.end() ? Value::none() : d.items[static_cast<size_t>(it - d.keys.begin())];
  };
  for (const auto& k : keys) {
    ValuePtr x = item(a, k), y = item(b, k), v;
    if (same_value(*x, *y) || (x->is_tensor() && y->is_tensor() && x->shape == y->shape)) {
      v = x;
    } else if (ValuePtr present = present_in_one_arm(cond, *x, *y, true)) {
      v = present;
    } else if (x->is(Value::Kind::Number) && y->is(Value::Kind::Number)) {
      v = Value::number(Expr::if_else(cond, x->expr, y->expr), x->known && y->known && *x->known == *y->known ? x->known : std::nullopt);
    } else {
      v = Value::unknown("item '" + k + "' of " + where + " differs between its arms (" + x->describe() + " / " + y->describe() + ")");
    }
    out->keys.push_back(k);
    out->items.push_back(v);
  }
  return out;
}

}  // namespace

bool Interpreter::weigh_branches(const ast::Node& stmt, const Value& cond, Scope& scope) {
  // Only a condition that is a formula of symbols (run-time sizes, config values) can weigh the
  // arms; only arms that run straight through can be merged after.
  if (!runtime_condition(cond) || leaves_straight_line(stmt)) return false;
  Expr taken = Expr::if_else(cond.expr, Expr(1), Expr(0)), not_taken = Expr::if_else(cond.expr, Expr(0), Expr(1));
  Scope then_scope = scope, else_scope = scope;
  hooks_.enter_repeat(taken);
  exec(stmt.list("body"), then_scope);
  hooks_.exit_repeat();
  hooks_.enter_repeat(not_taken);
  exec(stmt.list("orelse"), else_scope);
  hooks_.exit_repeat();
  // After the `if`: what both arms agree on; a tensor of one shape either way keeps it.
  std::set<std::string> names;
  for (const auto& [n, v] : then_scope.vars()) names.insert(n);
  for (const auto& [n, v] : else_scope.vars()) names.insert(n);
  for (const auto& n : names) {
    ValuePtr a = then_scope.find(n), b = else_scope.find(n);
    if ((!a || !b) && starts_with(n, "self."))
      // Module state one arm sets and the other never had (`self.rg_lru.recurrent_states = ...`
      // where the cache starts): what was set, as the module keeps it (ShapeTracer::held_).
      scope.set(n, a ? a : b);
    else if (a && b && same_value(*a, *b))
      scope.set(n, a);
    else if (a && b && a->is_tensor() && b->is_tensor() && a->shape == b->shape)
      // One shape either way; whether it may be absent (presence, none_unless) only where both
      // arms say so (4.x's to_4d: the causal mask's masked_fill where a causal mask exists, the
      // expanded mask elsewhere, a mask either way).
      scope.set(n, merged_tensor(cond.expr, *a, *b));
    else if (a && b && a->is(Value::Kind::Number) && b->is(Value::Kind::Number))
      // A number each arm sets its own way: the one the condition chooses (`max += 0.001` when
      // `min == max`).
      scope.set(n, Value::number(Expr::if_else(cond.expr, a->expr, b->expr),
                                 a->known && b->known && *a->known == *b->known ? a->known : std::nullopt));
    else if (ValuePtr present = a && b ? present_in_one_arm(cond.expr, *a, *b, true) : nullptr)
      // A tensor (or sequence) one arm makes and the other sets to None (`expanded_4d_mask = None`
      // where the mask can be left out): the value, present where its arm's condition holds, and
      // None elsewhere (`if causal_4d_mask is not None` after 4.x's to_4d is that condition).
      scope.set(n, present);
    else if (ValuePtr item = a && b && is_sequence(*a) && is_sequence(*b) && a->element && b->element &&
                                     a->items.empty() && b->items.empty() && a->length == b->length
                                 ? present_in_one_arm(cond.expr, *a->element, *b->element, false)
                                 : nullptr) {
      // One item per layer either way, None in one arm (`mems = [None] * len(self.layer)` where
      // no memory was passed) and a tensor in the other: each item that tensor, None unless its
      // arm's condition holds.
      auto out = std::make_shared<Value>(b->element->is(Value::Kind::None) ? *a : *b);
      out->element = item;
      out->none_unless.reset();  // a sequence either way
      scope.set(n, out);
    } else if (a && b && mergeable_tensors(*a, *b))
      // A tensor each arm shapes its own way (a decode step's one token, a prefill's seq_len
      // tokens): per dim, the size the condition chooses.
      scope.set(n, merged_tensor(cond.expr, *a, *b));
    else if (a && b && a->is(Value::Kind::Dict) && b->is(Value::Kind::Dict) && a->class_name == b->class_name)
      // A dict each arm sets its own items in (`model_inputs["attention_mask"] = None` after a
      // prefill), or an object of one class each arm has its own way (a cache the model makes
      // where none was passed, and the one a prefill returned): item by item, as names are.
      scope.set(n, merged_dict(cond.expr, *a, *b, "`" + n + "` of `if " + text(*stmt.child("test")) + "`"));
    else if (a && b && a->is(Value::Kind::Cache) && b->is(Value::Kind::Cache))
      // The cache a model makes where none was passed, and the one passed (None unless a token is
      // cached): a cache either way.
      scope.set(n, Value::cache());
    else
      scope.set(n, Value::unknown("`" + n + "` differs between the arms of `if " + text(*stmt.child("test")) + "` (" +
                                      (a ? a->describe() : std::string("unset")) + " / " +
                                      (b ? b->describe() : std::string("unset")) + ")"));
  }
  note(stmt.line, "condition `" + text(*stmt.child("test")) + "` is decided at run time (" + cond.expr.str() +
                      "): both arms traced, each counted where it holds");
  return true;
}

ValuePtr Interpreter::exec(const std::vector<ast::NodePtr>& body, Scope& scope) {
  ValuePtr result;
  for (const auto& stmt : body) {
    if (exec_statement(*stmt, scope, &result)) return result;
    if (!raising_.empty() || loop_exit_ != LoopExit::none) return nullptr;
  }
  return nullptr;
}

ValuePtr Interpreter::exec_function_body(const std::vector<ast::NodePtr>& body, Scope& scope) {
  std::vector<Frame> saved = std::move(frames_);
  frames_.clear();
  ValuePtr result = exec_frame(body, scope);
  frames_ = std::move(saved);
  return result;
}

ValuePtr Interpreter::exec_frame(const std::vector<ast::NodePtr>& body, Scope& scope) {
  frames_.push_back({&body, 0});
  ValuePtr result;
  for (size_t k = 0; k < body.size(); ++k) {
    frames_.back().index = k;
    if (exec_statement(*body[k], scope, &result) || !raising_.empty() || loop_exit_ != LoopExit::none) {
      frames_.pop_back();
      return result;
    }
  }
  frames_.pop_back();
  return nullptr;
}

bool Interpreter::weigh_early_return(const ast::Node& stmt, const Value& cond, Scope& scope, ValuePtr* result) {
  // `if <run-time condition>: ...; return x` at the top of a function body, without an else: the
  // arm runs where the condition holds, the rest of the body where it does not; what the function
  // returns is the one the condition chooses (a mask that is None where the arm returns None has
  // that as its presence).
  // With an `else` too, where the arm returns on every path (its last statement a return, or an
  // `if` whose arms both do: _rnn_scan's sampling mode), the `else` runs where the condition does
  // not hold, followed by the rest of the function.
  if (!hooks_.weighs_branches() || !cond.is(Value::Kind::Number) || cond.expr.is_number() || frames_.empty() ||
      (*frames_.back().body)[frames_.back().index].get() != &stmt)
    return false;
  const auto& body = stmt.list("body");
  const auto& orelse = stmt.list("orelse");
  if (body.empty() || !(orelse.empty() ? body.back()->is("Return") : returns_on_every_path(body))) return false;
  for (size_t i = 0; i + 1 < body.size(); ++i)
    if (leaves_straight_line(*body[i])) return false;
  for (const auto& s : orelse)
    if (leaves_straight_line(*s)) return false;
  for (const auto& s : cond.expr.symbols())
    if (s != "batch_size" && s != "seq_len" && s != "cache_len" && s.rfind("config.", 0) != 0) return false;
  // What runs after the `if`: the rest of its block, then of each enclosing block.
  std::vector<ast::NodePtr> rest(orelse.begin(), orelse.end());
  for (auto f = frames_.rbegin(); f != frames_.rend(); ++f)
    rest.insert(rest.end(), f->body->begin() + static_cast<long>(f->index) + 1, f->body->end());
  Expr taken = Expr::if_else(cond.expr, Expr(1), Expr(0)), not_taken = Expr::if_else(cond.expr, Expr(0), Expr(1));
  Scope then_scope = scope;
  hooks_.enter_repeat(taken);
  ValuePtr a = exec(body, then_scope);
  hooks_.exit_repeat();
  hooks_.enter_repeat(not_taken);
  ValuePtr b = exec_function_body(rest, scope);
  hooks_.exit_repeat();
  if (!a) a = Value::none();
  if (!b) b = Value::none();
  auto present_where = [](const Value& t, const Expr& when) {
    auto out = std::make_shared<Value>(t);
    out->presence = t.presence ? Expr::logical_and(*t.presence, when) : when;
    return out;
  };
  if (same_value(*a, *b)) *result = a;
  else if (a->is(Value::Kind::None) && b->is_tensor()) *result = present_where(*b, Expr::logical_not(cond.expr));
  else if (b->is(Value::Kind::None) && a->is_tensor()) *result = present_where(*a, cond.expr);
  else if (a->is(Value::Kind::Number) && b->is(Value::Kind::Number))
    *result = Value::number(Expr::if_else(cond.expr, a->expr, b->expr), a->known && b->known && *a->known == *b->known ? a->known : std::nullopt);
  else if (a->is_tensor() && b->is_tensor() && a->shape == b->shape) *result = b;
  else if (ValuePtr either = chosen_by(cond.expr, a, b)) *result = either;
  else
    *result = Value::unknown("what `" + text(*stmt.child("test")) + "` returns (" + a->describe() +
                             ") differs from what the rest of the function returns (" + b->describe() + ")");
  note(stmt.line, "condition `" + text(*stmt.child("test")) + "` is decided at run time (" + cond.expr.str() +
                      "): it returns where it holds, the rest of the function runs where it does not");
  return true;
}

}  // namespace kcost
