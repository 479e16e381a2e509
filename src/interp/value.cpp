#include "interp/value.h"

#include <algorithm>

#include <cstdint>

#include <map>

namespace kcost {

namespace {

std::shared_ptr<Value> make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

}  // namespace

ValuePtr Value::unknown(std::string why) {
  auto v = make(Kind::Unknown);
  // Code that reads a number out of an unknown value gets this symbol, never a silent 0; a
  // binding that contains it becomes an unknown child.
  v->expr = Expr::symbol(kUnknownSymbol);
  v->why = std::move(why);
  return v;
}

ValuePtr Value::none() { return make(Kind::None); }

ValuePtr Value::number(const Expr& e, std::optional<GiNaC::numeric> known) {
  auto v = make(Kind::Number);
  v->expr = e;
  if (!known && e.is_number()) known = e.as_number();
  v->known = known;
  return v;
}

ValuePtr Value::integer(long long i) { return number(Expr(i), GiNaC::numeric(i)); }

ValuePtr Value::boolean(bool b) { return integer(b ? 1 : 0); }

ValuePtr Value::string(std::string s) {
  auto v = make(Kind::String);
  v->str = std::move(s);
  return v;
}

ValuePtr Value::tuple(std::vector<ValuePtr> items) {
  auto v = make(Kind::Tuple);
  v->items = std::move(items);
  return v;
}

ValuePtr Value::list(std::vector<ValuePtr> items) {
  auto v = make(Kind::List);
  v->items = std::move(items);
  return v;
}

ValuePtr Value::repeated_list(ValuePtr element, Expr length, std::vector<ValuePtr> items) {
  auto v = make(Kind::List);
  v->element = std::move(element);
  v->length = std::move(length);
  v->items = std::move(items);
  return v;
}

ValuePtr Value::dict(std::vector<std::string> keys, std::vector<ValuePtr> items) {
  auto v = make(Kind::Dict);
  v->keys = std::move(keys);
  v->items = std::move(items);
  return v;
}

ValuePtr Value::tensor(std::vector<Expr> shape, DType dtype) {
  auto v = make(Kind::Tensor);
  v->shape = std::move(shape);
  v->dtype = dtype;
  return v;
}

ValuePtr Value::config(std::string config_path) {
  auto v = make(Kind::Config);
  v->config_path = std::move(config_path);
  return v;
}

ValuePtr Value::config_with(const Value& config, const std::string& name, ValuePtr value) {
  auto v = std::make_shared<Value>(config);
  for (size_t i = 0; i < v->keys.size(); ++i)
    if (v->keys[i] == name) {
      v->items[i] = std::move(value);
      return v;
    }
  v->keys.push_back(name);
  v->items.push_back(std::move(value));
  return v;
}

ValuePtr Value::config_set(const std::string& name) const {
  for (size_t i = 0; i < keys.size() && i < items.size(); ++i)
    if (keys[i] == name) return items[i];
  return nullptr;
}

ValuePtr Value::self() { return make(Kind::Self); }

ValuePtr Value::module(std::string class_name, std::vector<Arg> args) {
  auto v = make(Kind::Module);
  v->class_name = std::move(class_name);
  v->args = std::move(args);
  return v;
}

ValuePtr Value::global(GlobalKind kind, std::string qualname, std::string path, std::string reached,
                       bool is_module_class) {
  auto v = make(Kind::Global);
  v->global_kind = kind;
  v->qualname = std::move(qualname);
  v->path = std::move(path);
  v->reached = std::move(reached);
  v->is_module_class = is_module_class;
  return v;
}

ValuePtr Value::callable(Target target, std::string qualname, ValuePtr receiver) {
  auto v = make(Kind::Callable);
  v->target = target;
  v->qualname = std::move(qualname);
  v->receiver = std::move(receiver);
  return v;
}

ValuePtr Value::local_function(std::string name, LocalFunction function) {
  auto v = make(Kind::Callable);
  v->target = Target::LocalFunction;
  v->qualname = std::move(name);
  v->function = std::make_shared<const LocalFunction>(std::move(function));
  return v;
}

ValuePtr Value::cache() { return make(Kind::Cache); }

ValuePtr Value::range(std::vector<ValuePtr> args) {
  auto v = make(Kind::Range);
  v->items = std::move(args);
  return v;
}

ValuePtr Value::enumerate(ValuePtr iterable) {
  auto v = make(Kind::Enumerate);
  v->items = {std::move(iterable)};
  return v;
}

ValuePtr Value::iterator(std::vector<ValuePtr> items, bool cycles) {
  auto v = make(Kind::Iterator);
  v->items = std::move(items);
  if (cycles) v->qualname = "itertools.cycle";
  return v;
}

ValuePtr Value::partial(ValuePtr func, std::vector<Arg> bound) {
  auto v = make(Kind::Callable);
  v->target = Target::Partial;
  v->qualname = "functools.partial(" + (func ? func->describe() : std::string("?")) + ")";
  v->receiver = std::move(func);
  v->args = std::move(bound);
  return v;
}

ValuePtr Value::super_object() { return make(Kind::Super); }

ValuePtr Value::opaque(std::string what) {
  auto v = make(Kind::Opaque);
  v->qualname = std::move(what);
  return v;
}

ValuePtr Value::slice(ValuePtr lower, ValuePtr upper, ValuePtr step) {
  auto v = make(Kind::Slice);
  v->items = {std::move(lower), std::move(upper), std::move(step)};
  return v;
}

ValuePtr Value::ellipsis() { return make(Kind::Ellipsis); }

std::optional<bool> Value::truth() const {
  switch (kind) {
    case Kind::None: return false;
    case Kind::Number:
      if (known) return !known->is_zero();
      return std::nullopt;
    case Kind::String: return !str.empty();
    case Kind::Tuple:
    case Kind::List:
    case Kind::Dict:
      // A sequence standing for `length` items alike (one per layer): as long as that is.
      if (element && items.empty()) {
        if (length.is_number()) return !length.as_number().is_zero();
        return std::nullopt;
      }
      return !items.empty();
    case Kind::Config:
    case Kind::Self:
    case Kind::Module:
    case Kind::ModuleList:
    case Kind::Global:
    case Kind::Callable:
    case Kind::Cache:
    case Kind::Range:
    case Kind::Enumerate:
    case Kind::Iterator:
    case Kind::Super:
    case Kind::Opaque:
    case Kind::Ellipsis:
    case Kind::Slice: return true;
    case Kind::Tensor:
      // bool() of a one-element tensor whose every element is known (trace/fill.h).
      if (fill && std::all_of(shape.begin(), shape.end(), [](const Expr& d) { return d == Expr(1); }))
        return !fill->is_zero();
      return std::nullopt;
    case Kind::Unknown: return std::nullopt;
  }
  return std::nullopt;
}

namespace {

std::string join(const std::vector<ValuePtr>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + (items[i] ? items[i]->describe() : "?");
  return out;
}

std::string quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::string Value::describe() const {
  switch (kind) {
    case Kind::Unknown: return "<unknown: " + why + ">";
    case Kind::None: return "None";
    case Kind::Number: return expr.str();
    case Kind::String: return quote(str);
    case Kind::Tuple: return "(" + join(items) + (items.size() == 1 ? ",)" : ")");
    case Kind::List: return "[" + join(items) + "]";
    case Kind::Dict: {
      std::string out = "{";
      for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + quote(keys[i]) + ": " + (items[i] ? items[i]->describe() : "?");
      return out + "}";
    }
    case Kind::Config: return config_path;
    case Kind::Self: return "self";
    case Kind::Module: {
      if (class_name.empty()) return "self." + attr;
      std::string out = class_name + "(";
      bool first = true;
      for (const auto& a : args) {
        out += (first ? "" : ", ") + (a.name.empty() ? "" : a.name + "=") + (a.value ? a.value->describe() : "?");
        first = false;
      }
      return out + ")";
    }
    case Kind::ModuleList:
      if (element) return "ModuleList([" + element->describe() + " for each of " + length.str() + "])";
      return "ModuleList([" + join(items) + "])";
    case Kind::Tensor: {
      std::string out = "Tensor[";
      for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + shape[i].str();
      return out + "]";
    }
    case Kind::Global:
    case Kind::Opaque: return qualname;
    case Kind::Callable: return qualname;
    case Kind::Cache: return "cache";
    case Kind::Range: return "range";
    case Kind::Enumerate: return "enumerate";
    case Kind::Iterator: return (qualname.empty() ? "iter(" : qualname + "(") + join(items) + ")";
    case Kind::Super: return "super";
    case Kind::Slice: return "slice(" + join(items) + ")";
    case Kind::Ellipsis: return "...";
  }
  return "?";
}

namespace {

void append_key(std::string& out, const Value* v);

void append_items(std::string& out, const std::vector<ValuePtr>& items) {
  out += '(';
  for (const auto& i : items) {
    append_key(out, i.get());
    out += ',';
  }
  out += ')';
}

void append_args(std::string& out, const std::vector<Arg>& args) {
  out += '(';
  for (const auto& a : args) {
    out += a.name + '=';
    append_key(out, a.value.get());
    out += ',';
  }
  out += ')';
}

void append_expr(std::string& out, const Expr& e) { out += '<' + e.str() + '>'; }

void append_key(std::string& out, const Value* v) {
  if (!v) {
    out += '?';
    return;
  }
  out += std::to_string(static_cast<int>(v->kind)) + ':';
  switch (v->kind) {
    case Value::Kind::Unknown: out += '"' + v->why + '"'; break;
    case Value::Kind::None:
    case Value::Kind::Self:
    case Value::Kind::Cache:
    case Value::Kind::Super:
    case Value::Kind::Ellipsis: break;
    case Value::Kind::Number:
      append_expr(out, v->expr);
      if (v->known) append_expr(out, Expr::number(*v->known));
      break;
    case Value::Kind::String: out += '"' + v->str + '"'; break;
    case Value::Kind::Config:
      out += v->config_path;
      for (const auto& k : v->keys) out += "," + k + "=";  // attributes the code set
      append_items(out, v->items);
      break;
    case Value::Kind::Dict:
      for (const auto& k : v->keys) out += '"' + k + "\",";
      append_items(out, v->items);
      break;
    case Value::Kind::Tuple:
    case Value::Kind::List:
    case Value::Kind::ModuleList:
    case Value::Kind::Range:
    case Value::Kind::Enumerate:
    case Value::Kind::Iterator:
    case Value::Kind::Slice:
      append_items(out, v->items);
      if (v->element) {
        append_key(out, v->element.get());
        append_expr(out, v->length);
      }
      out += v->attr;
      out += v->qualname;  // an iterator's: whether it cycles
      break;
    case Value::Kind::Module:
      out += v->class_name;
      append_args(out, v->args);
      out += v->attr;
      break;
    case Value::Kind::Tensor:
      out += std::to_string(static_cast<int>(v->dtype)) + std::to_string(static_cast<int>(v->origin));
      for (const auto& d : v->shape) append_expr(out, d);
      if (v->presence) {
        out += '?';
        append_expr(out, *v->presence);
      }
      if (v->none_unless) {
        out += '!';
        append_expr(out, *v->none_unless);
      }
      if (v->routing) {
        out += 'r' + std::to_string(static_cast<int>(v->routing->stage));
        for (const Expr* e : {&v->routing->reach, &v->routing->entries, &v->routing->classes, &v->routing->hit})
          append_expr(out, *e);
      }
      break;
    case Value::Kind::Global:
      out += std::to_string(static_cast<int>(v->global_kind)) + v->qualname + '|' + v->path + '|' + v->reached +
             (v->is_module_class ? "|m" : "");
      break;
    case Value::Kind::Callable:
      out += std::to_string(static_cast<int>(v->target)) + v->qualname;
      if (v->receiver) append_key(out, v->receiver.get());
      if (!v->args.empty()) append_args(out, v->args);  // a partial's bound arguments
      if (v->function) {
        // One definition (its node), seeing these values.
        out += '@' + std::to_string(reinterpret_cast<std::uintptr_t>(v->function->def)) + '{';
        for (size_t i = 0; i < v->function->names.size(); ++i) {
          out += v->function->names[i] + '=';
          append_key(out, v->function->values[i].get());
          out += ';';
        }
        out += '}';
      }
      break;
    case Value::Kind::Opaque: out += v->qualname; break;
  }
}

}  // namespace

std::string structural_key(const Value& v) {
  std::string out;
  append_key(out, &v);
  return out;
}

std::string structural_key(const std::vector<Arg>& args) {
  std::string out;
  append_args(out, args);
  return out;
}

bool same_value(const Value& a, const Value& b) { return structural_key(a) == structural_key(b); }

std::optional<bool> python_equal(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is(K::None) || b.is(K::None)) return a.kind == b.kind;  // a tensor is never None
  if (a.is(K::String) && b.is(K::String)) return a.str == b.str;
  if (a.is(K::Number) && b.is(K::Number)) {
    if (a.known && b.known) return *a.known == *b.known;
    return std::nullopt;
  }
  if (a.is(K::String) != b.is(K::String) && (a.is(K::Number) || b.is(K::Number) || a.is(K::Global) || b.is(K::Global)))
    return false;
  if (a.is(K::Global) && b.is(K::Global)) return a.qualname == b.qualname;
  // `self` and a module it holds are different objects (a module holding itself would be a cycle
  // in its own module tree): `self.language_model is not self`.
  if ((a.is(K::Self) && b.is(K::Module)) || (a.is(K::Module) && b.is(K::Self))) return false;
  // A tensor's dtype (its class: bool, integer, float) against a torch dtype.
  const Value* dtype = a.is(K::Opaque) && a.qualname == "dtype" ? &a : b.is(K::Opaque) && b.qualname == "dtype" ? &b : nullptr;
  const Value* torch_dtype = dtype == &a ? &b : &a;
  if (dtype && !dtype->str.empty() && torch_dtype->is(K::Global)) {
    std::optional<Value::DType> cls = torch_dtype_class(*torch_dtype);
    if (!cls) return std::nullopt;
    static const char* const names[] = {"float", "integer", "bool"};
    const std::string klass = names[static_cast<int>(*cls)];
    if (klass != dtype->str) return false;
    if (klass == "bool") return true;  // one bool dtype
    return std::nullopt;                // same class, precision not known
  }
  return std::nullopt;
}

std::optional<Value::DType> torch_dtype_class(const Value& v) {
  using D = Value::DType;
  static const std::map<std::string, D> classes = {
      {"torch.bool", D::Bool},        {"torch.float32", D::Float},  {"torch.float", D::Float},    {"torch.float16", D::Float},
      {"torch.half", D::Float},       {"torch.bfloat16", D::Float}, {"torch.float64", D::Float},  {"torch.double", D::Float},
      {"torch.int64", D::Integer},    {"torch.long", D::Integer},   {"torch.int32", D::Integer},  {"torch.int", D::Integer},
      {"torch.int16", D::Integer},    {"torch.int8", D::Integer},   {"torch.uint8", D::Integer}};
  if (!v.is(Value::Kind::Global) && !v.is(Value::Kind::Opaque)) return std::nullopt;
  // A tensor's `.dtype` (its class: torch.ones(n, dtype=mask.dtype) is of the mask's class).
  if (v.is(Value::Kind::Opaque) && v.qualname == "dtype" && !v.str.empty())
    return v.str == "bool" ? D::Bool : v.str == "integer" ? D::Integer : D::Float;
  auto it = classes.find(v.qualname.empty() ? v.path : v.qualname);
  if (it == classes.end()) return std::nullopt;
  return it->second;
}

std::optional<long long> known_int(const Value& v) {
  if (!v.is(Value::Kind::Number) || !v.known || !v.known->is_integer()) return std::nullopt;
  return v.known->to_long();
}

ValuePtr with_shape(const Value& model, std::vector<Expr> shape) {
  auto t = std::make_shared<Value>(model);
  t->kind = Value::Kind::Tensor;
  t->shape = std::move(shape);
  return t;
}

ValuePtr with_dtype(const Value& tensor, Value::DType dtype) {
  auto t = std::make_shared<Value>(tensor);
  t->dtype = dtype;
  return t;
}

ValuePtr with_origin(const Value& tensor, Value::Origin origin) {
  auto t = std::make_shared<Value>(tensor);
  t->origin = origin;
  return t;
}

ValuePtr with_attr(const Value& module, std::string attr) {
  auto m = std::make_shared<Value>(module);
  m->attr = std::move(attr);
  return m;
}

ValuePtr number_binary(const std::string& op, const Value& a, const Value& b) {
  const Expr& x = a.expr;
  const Expr& y = b.expr;
  Expr e;
  if (op == "Add") e = x + y;
  else if (op == "Sub") e = x - y;
  else if (op == "Mult") e = x * y;
  else if (op == "Div") e = x / y;
  else if (op == "FloorDiv") e = Expr::floordiv(x, y);
  else if (op == "Mod") e = Expr::mod(x, y);
  else if (op == "Pow") e = Expr::pow(x, y);
  else if ((op == "BitXor" || op == "BitAnd" || op == "BitOr") && a.known && b.known && a.known->is_integer() &&
           b.known->is_integer()) {
    long long p = a.known->to_long(), q = b.known->to_long();
    long long r = op == "BitXor" ? (p ^ q) : op == "BitAnd" ? (p & q) : (p | q);
    return Value::integer(r);
  } else return Value::unknown("operator " + op + " on numbers");
  std::optional<GiNaC::numeric> known;
  if (a.known && b.known) {
    Expr k = Expr::number(*a.known);
    Expr l = Expr::number(*b.known);
    Expr r;
    if (op == "Add") r = k + l;
    else if (op == "Sub") r = k - l;
    else if (op == "Mult") r = k * l;
    else if (op == "Div") r = k / l;
    else if (op == "FloorDiv") r = Expr::floordiv(k, l);
    else if (op == "Mod") r = Expr::mod(k, l);
    else r = Expr::pow(k, l);
    if (r.is_number()) known = r.as_number();
  }
  return Value::number(e, known);
}

}  // namespace kcost
