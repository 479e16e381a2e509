// The arguments a forward() that a decorator replaced at run time passes on: transformers'
// `use_experts_implementation` makes forward `(self, *args, **kwargs)` and calls the function
// registered for the config with them as given, so the function that runs takes the caller's
// arguments by its own parameter names.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ast/node.h"
#include "interp/value.h"

namespace kcost {

// The call arguments for `replacement` (a FunctionDef taking self first) from `inputs`, the
// values bound to the parameters of the class's own forward `original`: by name where
// `replacement` has a parameter of that name, else by position
// (GptOssExperts.forward(self, hidden_states, router_indices, routing_weights) runs as
// grouped_mm_experts_forward(self, hidden_states, top_k_index, top_k_weights)). Inputs that are
// no positional parameter of `original` (its **kwargs) pass on by name.
std::vector<Arg> dispatched_arguments(const ast::Node& original, const ast::Node& replacement,
                                      const std::map<std::string, ValuePtr>& inputs);

}  // namespace kcost
