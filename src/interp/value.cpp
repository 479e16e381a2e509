#include "interp/value.h"

#include <sstream>

namespace kcost {

ValuePtr Value::unknown(std::string why) {
  auto v = std::make_shared<Value>();
  v->kind = Kind::Unknown;
  // Code that reads a number out of an unknown value gets this symbol, never a silent 0; a
  // binding that contains it becomes an unknown child.
  v->expr = Expr::symbol(kUnknownSymbol);
  v->text = std::move(why);
  return v;
}

ValuePtr Value::none() {
  auto v = std::make_shared<Value>();
  v->kind = Kind::None;
  return v;
}

ValuePtr Value::number(const Expr& e, std::optional<GiNaC::numeric> known) {
  auto v = std::make_shared<Value>();
  v->kind = Kind::Number;
  v->expr = e;
  if (!known && e.is_number()) known = e.as_number();
  v->known = known;
  return v;
}

ValuePtr Value::integer(long long i) { return number(Expr(i), GiNaC::numeric(i)); }

ValuePtr Value::boolean(bool b) { return integer(b ? 1 : 0); }

ValuePtr Value::string(std::string s) {
  auto v = std::make_shared<Value>();
  v->kind = Kind::String;
  v->text = std::move(s);
  return v;
}

ValuePtr Value::tuple(std::vector<ValuePtr> items) {
  auto v = std::make_shared<Value>();
  v->kind = Kind::Tuple;
  v->items = std::move(items);
  return v;
}

ValuePtr Value::list(std::vector<ValuePtr> items) {
  auto v = std::make_shared<Value>();
  v->kind = Kind::List;
  v->items = std::move(items);
  return v;
}

ValuePtr Value::tensor(std::vector<Expr> shape) {
  auto v = std::make_shared<Value>();
  v->kind = Kind::Tensor;
  v->shape = std::move(shape);
  return v;
}

std::optional<bool> Value::truth() const {
  switch (kind) {
    case Kind::None: return false;
    case Kind::Number:
      if (known) return !known->is_zero();
      return std::nullopt;
    case Kind::String: return !text.empty();
    case Kind::Tuple:
    case Kind::List:
    case Kind::Dict: return !items.empty();
    case Kind::Config:
    case Kind::Self:
    case Kind::Module:
    case Kind::ModuleList:
    case Kind::Global:
    case Kind::Ellipsis:
    case Kind::Slice: return true;
    case Kind::Tensor:
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
    case Kind::Unknown: return "<unknown: " + text + ">";
    case Kind::None: return "None";
    case Kind::Number: return expr.str();
    case Kind::String: return quote(text);
    case Kind::Tuple: return "(" + join(items) + (items.size() == 1 ? ",)" : ")");
    case Kind::List: return "[" + join(items) + "]";
    case Kind::Dict: {
      std::string out = "{";
      for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + quote(keys[i]) + ": " + (items[i] ? items[i]->describe() : "?");
      return out + "}";
    }
    case Kind::Config: return text;
    case Kind::Self: return "self";
    case Kind::Module: {
      if (class_name.empty()) return "self." + path;
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
    case Kind::Global: return text;
    case Kind::Slice: return "slice(" + join(items) + ")";
    case Kind::Ellipsis: return "...";
  }
  return "?";
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
