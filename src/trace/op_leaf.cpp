#include "trace/op_leaf.h"

#include <map>

#include "trace/tensor_shapes.h"

namespace kcost {

std::optional<std::string> leaf_for_op(const NameMap& names, const std::string& op,
                                       const std::vector<std::string>& candidates, const ValuePtr& self,
                                       const std::vector<Arg>& args) {
  std::optional<std::string> leaf;
  for (const auto& n : candidates) {
    if ((leaf = names.lookup(n))) break;
  }
  if (!leaf) return std::nullopt;
  // torch.max(a, b) / torch.min(a, b) with two tensors are elementwise maximum / minimum.
  if ((op == "max" || op == "min") && !self && args.size() >= 2 && args[1].name.empty() && args[1].value &&
      args[1].value->is(Value::Kind::Tensor))
    return std::string(op == "max" ? "torch.maximum" : "torch.minimum");
  // torch.where(condition) with no values to choose between is torch.nonzero(condition, as_tuple=True).
  if (op == "where" && ((!self && args.size() == 1) || (self && args.empty())) && names.lookup("torch.nonzero"))
    return names.lookup("torch.nonzero");
  if (op == "gelu")
    if (ValuePtr a = argument(args, 99, "approximate"); a && a->is(Value::Kind::String) && a->str == "tanh")
      return std::string("F.gelu_tanh");
  return leaf;
}

std::optional<std::string> leaf_for_module(const NameMap& names, const std::string& cls,
                                           const std::map<std::string, ValuePtr>& ctor) {
  std::optional<std::string> leaf = names.lookup(cls);
  if (leaf && *leaf == "F.gelu") {
    auto it = ctor.find("approximate");
    if (it != ctor.end() && it->second && it->second->is(Value::Kind::String) && it->second->str == "tanh")
      return std::string("F.gelu_tanh");
  }
  return leaf;
}

LeafCall attention_leaf_call(const std::vector<Arg>& args) {
  ValuePtr q = argument(args, 1, "query"), k = argument(args, 2, "key"), v = argument(args, 3, "value");
  ValuePtr mask = argument(args, 4, "attention_mask");
  LeafCall lc;
  lc.op = "scaled_dot_product_attention";
  lc.args = {{"", q, "query"}, {"", k, "key"}, {"", v, "value"}};
  if (mask && !mask->is(Value::Kind::None)) lc.args.push_back({"attn_mask", mask, "attention_mask"});
  return lc;
}

namespace {

// The one table of Python operators on tensors: the AST operator's name and the base name of
// its Tensor dunder (`Add` -> __add__, __radd__, __iadd__; `USub` -> __neg__).
struct PythonOperator {
  const char* ast;
  const char* base;
  bool unary;
};
const PythonOperator kPythonOperators[] = {
    {"Add", "add", false},       {"Sub", "sub", false},       {"Mult", "mul", false},    {"Div", "truediv", false},
    {"FloorDiv", "floordiv", false}, {"Mod", "mod", false},   {"Pow", "pow", false},     {"MatMult", "matmul", false},
    {"BitAnd", "and", false},    {"BitOr", "or", false},      {"BitXor", "xor", false},  {"LShift", "lshift", false},
    {"RShift", "rshift", false}, {"Eq", "eq", false},         {"NotEq", "ne", false},    {"Lt", "lt", false},
    {"LtE", "le", false},        {"Gt", "gt", false},         {"GtE", "ge", false},      {"USub", "neg", true},
    {"Invert", "invert", true},  {"UAdd", "pos", true},
};

const PythonOperator* python_operator(const std::string& ast_op) {
  for (const auto& o : kPythonOperators)
    if (ast_op == o.ast) return &o;
  return nullptr;
}

}  // namespace

std::vector<std::string> operator_candidates(const std::string& op, bool reflected, std::string* short_name) {
  const PythonOperator* o = python_operator(op);
  if (!o || o->unary) return {};
  const std::string n = o->base;
  if (short_name) *short_name = n == "truediv" ? "div" : n;
  return {"torch.Tensor.__" + std::string(reflected ? "r" : "") + n + "__", "operator." + n};
}

std::optional<std::string> unary_operator_base(const std::string& op) {
  const PythonOperator* o = python_operator(op);
  if (!o || !o->unary) return std::nullopt;
  return std::string(o->base);
}

std::vector<std::string> operator_names(const std::string& function) {
  if (function.rfind("torch.", 0) != 0 || function.find('.', 6) != std::string::npos) return {};
  const std::string name = function.substr(6);
  std::vector<std::string> out;
  for (const auto& o : kPythonOperators) {
    std::string base = o.base;
    if ((base == "truediv" ? std::string("div") : base) != name) continue;
    if (o.unary) {
      out.push_back("torch.Tensor.__" + base + "__");
      continue;
    }
    for (const char* prefix : {"", "r", "i"}) out.push_back("torch.Tensor.__" + std::string(prefix) + base + "__");
    out.push_back("operator." + base);
  }
  return out;
}

bool is_operator_base(const std::string& base) {
  if (base == "div" || base == "abs") return true;  // __div__ (truediv's old name) and abs(x)
  for (const auto& o : kPythonOperators)
    if (base == o.base) return true;
  return false;
}

}  // namespace kcost
