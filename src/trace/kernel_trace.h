// KernelTrace: what the shape tracer found in one kernel's forward(): its parameters and the
// cost-producing children with their bindings, plus the reasoning a reader needs (call-site
// lines, input shapes, branches taken, assumptions, unknowns). The emit stage writes it as the
// spec's cost JSON and a .md file; nothing here knows about files.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "expr/expr.h"

namespace kcost {

struct ChildCall {
  std::string label;   // attribute name (q_proj) or descriptive (mul_q_cos); unique in the kernel
  std::string kernel;  // a leaf kernel_name, a composite's qualified name, or "unknown"
  std::vector<std::pair<std::string, Expr>> bindings;  // child param -> expression in this kernel's namespace
  Expr count{1};
  bool leaf = false;
  // Reasoning: where and why.
  std::string file;
  int line = 0;
  std::string source;               // the call's source text
  std::vector<std::string> inputs;  // "hidden_states: [batch_size, seq_len, config.hidden_size]"
  std::string why;                  // how the bindings were derived; for unknown: what could not be modelled
};

struct TraceNote {
  std::string file;
  int line = 0;
  std::string text;
};

struct KernelTrace {
  std::string kernel_name;  // fully-qualified class name
  std::vector<std::string> init_params;
  std::vector<std::string> forward_params;
  // Where forward params come from: "hidden_states_dim2" -> "dim 2 of input hidden_states".
  std::vector<std::pair<std::string, std::string>> forward_param_origins;
  std::vector<ChildCall> children;
  std::string file;  // source file of the class
  int init_first = 0, init_last = 0, forward_first = 0, forward_last = 0;
  std::vector<TraceNote> branches;     // branches taken and skipped, with the value that decided them
  std::vector<TraceNote> assumptions;  // modelling assumptions made in this kernel
  std::vector<std::string> inputs;     // the forward inputs as traced: "hidden_states: [...]"
  // Memory (the cost file's footprint fields): elements the KV cache holds for this kernel's own
  // cache updates once cache_len tokens are cached (its children's are theirs), and the
  // parameter and buffer elements of one module of this kernel, its submodules' included.
  bool has_footprint = false;  // set by the analysis once it has counted them
  Expr cache_elements{0};
  Expr parameters{0};
  Expr buffers{0};

  size_t unknown_count() const {
    size_t n = 0;
    for (const auto& c : children) n += c.kernel == "unknown";
    return n;
  }
};

}  // namespace kcost
