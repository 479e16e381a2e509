#include "trace/fill.h"

#include <map>
#include <optional>
#include <set>

#include "trace/tensor_shapes.h"

namespace kcost {

namespace {

// A number operand's value: a known number, or a filled tensor's fill.
std::optional<GiNaC::numeric> number_of(const ValuePtr& v) {
  if (!v) return std::nullopt;
  if (v->is(Value::Kind::Number)) return v->known;
  if (v->is_tensor()) return v->fill;
  return std::nullopt;
}

std::string bare(const std::string& op) {
  std::string n = op;
  if (n.size() > 4 && n.compare(0, 2, "__") == 0 && n.compare(n.size() - 2, 2, "__") == 0) n = n.substr(2, n.size() - 4);
  return n;
}

ValuePtr with_fill(const ValuePtr& out, std::optional<GiNaC::numeric> fill) {
  if (!out || !out->is_tensor() || out->fill == fill) return out;
  auto v = std::make_shared<Value>(*out);
  v->fill = fill;
  return v;
}

}  // namespace

ValuePtr follow_fill(const std::string& op, const ValuePtr& self, const std::vector<Arg>& args, const ValuePtr& out) {
  if (!out || !out->is_tensor()) return out;
  std::vector<ValuePtr> operands;
  if (self) operands.push_back(self);
  for (const auto& a : args)
    if (a.name.empty() || a.name == "input" || a.name == "other") operands.push_back(a.value);
  const std::string n = bare(op);
  static const std::set<std::string> keeps = {"view", "reshape", "view_as", "reshape_as", "expand", "expand_as", "unsqueeze",
                                              "squeeze", "flatten", "permute", "transpose", "t", "contiguous", "to", "bool",
                                              "long", "int", "float", "half", "bfloat16", "double", "type", "type_as",
                                              "detach", "cpu", "cuda", "clone", "getitem", "narrow", "select"};
  static const std::map<std::string, std::string> comparisons = {{"eq", "=="}, {"ne", "!="}, {"lt", "<"},  {"le", "<="},
                                                                 {"gt", ">"},  {"ge", ">="}, {"greater", ">"},
                                                                 {"less", "<"}, {"not_equal", "!="}};
  if (keeps.count(n)) return with_fill(out, operands.empty() ? std::nullopt : number_of(operands[0]));
  if (auto c = comparisons.find(n); c != comparisons.end() && operands.size() >= 2) {
    auto a = number_of(operands[0]), b = number_of(operands[1]);
    if (!a || !b) return with_fill(out, std::nullopt);
    Expr r = Expr::compare(c->second, Expr::number(*a), Expr::number(*b));
    return with_fill(out, r.as_number());
  }
  // Made filled: ones, zeros, full with a known value (X-MOD's `default_lang_id * torch.ones(b)`).
  static const std::map<std::string, int> made = {{"ones", 1}, {"ones_like", 1}, {"new_ones", 1},
                                                  {"zeros", 0}, {"zeros_like", 0}, {"new_zeros", 0}};
  if (auto m = made.find(n); m != made.end()) return with_fill(out, GiNaC::numeric(m->second));
  if (n == "full" || n == "full_like" || n == "new_full") {
    // full(size, v), full_like(x, v), x.new_full(size, v): the value is the second argument.
    ValuePtr value = argument(args, 1, "fill_value");
    return with_fill(out, value && value->is(Value::Kind::Number) ? value->known : std::nullopt);
  }
  // Arithmetic of fills and known numbers: the one number every element is.
  static const std::map<std::string, std::string> arithmetic = {{"mul", "*"}, {"rmul", "*"}, {"add", "+"}, {"radd", "+"},
                                                                {"sub", "-"}, {"rsub", "-"}};
  if (auto a = arithmetic.find(n); a != arithmetic.end() && operands.size() == 2) {
    auto x = number_of(operands[0]), y = number_of(operands[1]);
    if (!x || !y) return with_fill(out, std::nullopt);
    if (n == "rsub") std::swap(x, y);  // recorded as y.__rsub__(x): x - y
    GiNaC::numeric r = a->second == "*" ? *x * *y : a->second == "+" ? *x + *y : *x - *y;
    return with_fill(out, r);
  }
  if ((n == "logical_not" || n == "invert" || n == "bitwise_not") && !operands.empty()) {
    auto a = number_of(operands[0]);
    return with_fill(out, a ? std::optional<GiNaC::numeric>(a->is_zero() ? 1 : 0) : std::nullopt);
  }
  if ((n == "all" || n == "any") && !operands.empty()) {
    auto a = number_of(operands[0]);
    return with_fill(out, a ? std::optional<GiNaC::numeric>(a->is_zero() ? 0 : 1) : std::nullopt);
  }
  return with_fill(out, std::nullopt);
}

}  // namespace kcost
