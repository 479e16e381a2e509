#include "trace/inference_state.h"

#include <map>

namespace kcost {

ValuePtr inference_state(const std::string& qualified_name) {
  enum class Answer { False, None, FloatDtype };
  static const std::map<std::string, Answer> table = {
      {"torch.is_grad_enabled", Answer::False},          // under torch.no_grad()
      {"torch.is_autocast_enabled", Answer::False},
      {"torch.is_inference_mode_enabled", Answer::False},  // no_grad, not inference_mode
      {"torch._C._is_tracing", Answer::False},
      {"torch.jit.is_tracing", Answer::False},
      {"torch.jit.is_scripting", Answer::False},
      {"torch._C._get_tracing_state", Answer::None},
      {"torch.compiler.is_compiling", Answer::False},
      {"torch.compiler.is_dynamo_compiling", Answer::False},
      {"torch.compiler.is_exporting", Answer::False},  // eager, not torch.export
      // transformers' wrappers of those (a function-local `import torch` the interpreter does not bind)
      {"transformers.utils.import_utils.is_torchdynamo_compiling", Answer::False},
      {"transformers.utils.import_utils.is_torchdynamo_exporting", Answer::False},
      {"torch._dynamo.is_compiling", Answer::False},
      {"torch.cuda.is_available", Answer::False},        // the CPU
      {"torch._C._set_grad_enabled", Answer::None},      // a switch: no cost, no value
      {"torch.get_default_dtype", Answer::FloatDtype},   // a floating dtype (float32 unless set)
  };
  auto it = table.find(qualified_name);
  if (it == table.end()) return nullptr;
  if (it->second == Answer::FloatDtype) {
    // As a tensor's `.dtype` is: which class of dtype, not its precision.
    auto d = std::make_shared<Value>(*Value::opaque("dtype"));
    d->str = "float";
    return d;
  }
  return it->second == Answer::False ? Value::boolean(false) : Value::none();
}

}  // namespace kcost
