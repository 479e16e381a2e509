// Which leaf kernel one call of an op is: the first of its candidate names that the name map
// knows, adjusted for the forms of one function that are different ops (torch.max(a, b) is
// maximum, F.gelu(approximate="tanh") is gelu_tanh). Shared by the shape tracer and the traced
// oracle, so that both price a call the same way.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "interp/value.h"
#include "leaves/name_map.h"
#include "trace/leaf_binding.h"

namespace kcost {

// `op`: the method or function name ("mul", "max", "gelu"); `names`: qualified names to look
// up, in order ("torch.Tensor.__mul__", "operator.mul"); `self`: the tensor of a method call.
std::optional<std::string> leaf_for_op(const NameMap& names, const std::string& op,
                                       const std::vector<std::string>& candidates, const ValuePtr& self,
                                       const std::vector<Arg>& args);

// Which leaf kernel a call of a module of class `cls` (qualified name) is, with `ctor` its
// constructor parameters: the name map's entry, adjusted like leaf_for_op (nn.GELU(approximate=
// "tanh") is gelu_tanh). nullopt when the class is not a leaf (a composite).
std::optional<std::string> leaf_for_module(const NameMap& names, const std::string& cls,
                                           const std::map<std::string, ValuePtr>& ctor);

// The F.scaled_dot_product_attention leaf call that transformers' attention dispatch with a
// fused implementation is: `args` are what the attention interface receives (module, query,
// key, value, attention_mask, ...), before any repeat_kv inside it, so H_kv is the kv heads.
LeafCall attention_leaf_call(const std::vector<Arg>& args);

// The names under which a Python operator on tensors is looked up: `a + b` ->
// {"torch.Tensor.__add__", "operator.add"}, with __radd__ when only `b` is a tensor. `op` is the
// Python AST operator name (Add, Mult, MatMult, Eq, ...); empty when it is not a tensor operator.
std::vector<std::string> operator_candidates(const std::string& op, bool reflected, std::string* short_name);
// The dunder base of a unary operator (`USub` -> "neg", `Invert` -> "invert", `UAdd` -> "pos").
std::optional<std::string> unary_operator_base(const std::string& op);
// Whether `base` is a Python operator's dunder base ("add" of __add__/__radd__/__iadd__, "neg",
// "abs"): a recorded `torch.Tensor.__<base>__` call is that operator.
bool is_operator_base(const std::string& base);
// The names under which Python's operators reach the torch function `function` ("torch.add":
// torch.Tensor.__add__, __radd__, __iadd__, operator.add; "torch.div": the __truediv__ family;
// "torch.neg": __neg__), so that a leaf library with a leaf of that name prices the operator.
std::vector<std::string> operator_names(const std::string& function);

}  // namespace kcost
