// KernelSignature: a composite kernel's parameters as its call sites fix them. Every call of
// the kernel found while tracing the model is recorded (constructor arguments and forward
// inputs, all in implicit symbols). Inputs whose dims agree at every call site keep those
// expressions; dims that differ between sites become forward_params (`hidden_states_dim2`) that
// each site binds, so a module called with differently shaped inputs costs what each call costs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "interp/value.h"

namespace kcost {

struct CallSite {
  std::vector<Arg> ctor_args;              // constructor arguments
  std::map<std::string, ValuePtr> inputs;  // forward parameter -> value at this call
};

// Where a forward_param's value lies in a call's inputs.
struct ParamPath {
  std::string name;         // the forward_param: "hidden_states_dim2", or a number input's own name
  std::string input;        // forward parameter it comes from
  std::vector<size_t> item; // tuple item indices (position_embeddings -> cos: {0})
  int dim = -1;             // -1: the input is a number itself
  size_t merge = 1;         // leading dims merged into this one (inputs of different rank)
};

struct KernelSignature {
  std::map<std::string, ValuePtr> inputs;  // generalized inputs, in the kernel's own symbols
  std::vector<ParamPath> forward_params;
};

// Which expressions a kernel may hold as they are: those of the symbols every kernel has.
using SharedExpr = std::function<bool(const Expr&)>;

// Generalizes the call sites of one kernel whose forward() takes `forward_param_order`. A dim (or
// number input) the same at every site stays as it is, unless `shared` says the callee cannot
// hold it (sites seen from a caller in its own symbols: `head_dim * num_heads` names the
// caller's params); then it is a forward_param too, which each site binds.
KernelSignature generalize(const std::vector<std::string>& forward_param_order, const std::vector<CallSite>& sites,
                           const SharedExpr& shared = nullptr);

// The value of a forward_param at one call.
Expr extract(const ParamPath& path, const std::map<std::string, ValuePtr>& inputs);

}  // namespace kcost
