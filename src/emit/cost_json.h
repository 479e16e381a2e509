// The cost JSON of one traced composite kernel: the KernelTrace as a CostFile (children in trace
// order, bindings in the order the tracer gave), written by costfile/cost_file.h in the spec's
// format. Composites carry no flops/memory fields: their cost is their children's.
#pragma once

#include <nlohmann/json.hpp>

#include "trace/kernel_trace.h"

namespace kcost {

// Throws EmitError naming the kernel for what the format cannot express: an empty kernel
// name, an empty or duplicate child label, a duplicate binding key in one child.
nlohmann::ordered_json cost_json(const KernelTrace& trace);

}  // namespace kcost
