// The cost JSON of one composite kernel, in the spec's format exactly:
//   {"kernel_name", "init_params", "forward_params",
//    "children": {label: {"kernel", "bindings": {param: "expression"}, "count"}}}
// with keys in that order, children in trace order and bindings in the order the tracer gave.
// Expressions are Expr::str() (Python syntax); a count that is an integer is a JSON integer
// (`1`), any other count is its expression string (`"config.num_hidden_layers"`). Composites
// carry no flops/memory fields: their cost is their children's.
#ifndef KCOST_EMIT_COST_JSON_H_
#define KCOST_EMIT_COST_JSON_H_

#include <nlohmann/json.hpp>

#include "trace/kernel_trace.h"

namespace kcost {

// Throws EmitError naming the kernel for what the format cannot express: an empty kernel
// name, an empty or duplicate child label, a duplicate binding key in one child.
nlohmann::ordered_json cost_json(const KernelTrace& trace);

}  // namespace kcost

#endif  // KCOST_EMIT_COST_JSON_H_
