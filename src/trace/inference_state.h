// InferenceState: what the queries and switches of PyTorch's run-time state come to on the
// design's default inference path: eval mode under torch.no_grad(), on the CPU, not tracing,
// scripting or compiling, no autocast. Model code branches on these (`if torch.jit.is_tracing()`,
// `torch.is_autocast_enabled()`, `x.to(torch.get_default_dtype())`); each is answered here, by its
// qualified name, as a constant.
#pragma once

#include <string>

#include "interp/value.h"

namespace kcost {

// The value a call of `qualified_name` returns on the default path (a switch such as
// torch._C._set_grad_enabled returns None and costs nothing), or null when it is not one.
ValuePtr inference_state(const std::string& qualified_name);

}  // namespace kcost
