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

std::vector<std::string> operator_candidates(const std::string& op, bool reflected, std::string* short_name) {
  static const std::map<std::string, std::string> names = {
      {"Add", "add"},    {"Sub", "sub"},       {"Mult", "mul"},      {"Div", "truediv"}, {"FloorDiv", "floordiv"},
      {"Mod", "mod"},    {"Pow", "pow"},       {"MatMult", "matmul"}, {"BitAnd", "and"},  {"BitOr", "or"},
      {"BitXor", "xor"}, {"LShift", "lshift"}, {"RShift", "rshift"}, {"Eq", "eq"},       {"NotEq", "ne"},
      {"Lt", "lt"},      {"LtE", "le"},        {"Gt", "gt"},         {"GtE", "ge"}};
  auto it = names.find(op);
  if (it == names.end()) return {};
  const std::string& n = it->second;
  if (short_name) *short_name = n == "truediv" ? "div" : n;
  return {"torch.Tensor.__" + std::string(reflected ? "r" : "") + n + "__", "operator." + n};
}

}  // namespace kcost
