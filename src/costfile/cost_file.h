// CostFile: one kernel's cost JSON (the spec's format) as a typed value, and the one place that
// format is read and written. A leaf: {"kernel_name", "description"?, "init_params": [],
// "forward_params", "flops", "memory_read", "memory_write"}; a composite: {"kernel_name",
// "init_params", "forward_params", "children": {label: {"kernel", "bindings": {param:
// "expression"}, "count"}}} with keys in that order, children in call order and bindings in the
// order given. Written: expressions as Expr::str() (Python syntax), a count that is an integer as
// a JSON integer (`1`), any other count as its expression string. Read: an expression is a string
// Expr::parse accepts or a JSON number. What makes a file valid is cost_schema.h.
//
// A composite may also carry "footprint": {"parameters", "buffers", "cache_elements"}, kcost's
// extension of the format for memory: the parameter and buffer elements of one module of the
// kernel (its submodules' included) and the elements the KV cache holds for the kernel's own
// cache updates once `cache_len` tokens are cached (its children's are theirs), expressions in
// the kernel's parameters and implicit symbols. A file without it says nothing about memory.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr/expr.h"

namespace kcost {

// FLOPs, bytes read and bytes written, symbolic.
struct CostExprs {
  Expr flops;
  Expr memory_read;
  Expr memory_write;
};

// A composite's memory (the "footprint" field), in elements.
struct Footprint {
  Expr parameters{0};
  Expr buffers{0};
  Expr cache_elements{0};
};

// One child call of a composite kernel.
struct CostChild {
  std::string label;   // "q_proj", "apply_rotary_pos_emb.mul_q_cos"
  std::string kernel;  // a leaf kernel, a composite's qualified name, or "unknown"
  std::vector<std::pair<std::string, Expr>> bindings;  // child param -> expression, in file order
  Expr count{1};
};

struct CostFile {
  std::string kernel_name;
  std::string description;  // empty when the file has none
  std::vector<std::string> init_params;
  std::vector<std::string> forward_params;
  bool leaf = false;
  CostExprs formulas;               // leaves only
  std::vector<CostChild> children;  // composites only
  std::optional<Footprint> footprint;  // composites only, when the file has one
  // init_params then forward_params.
  std::vector<std::string> params() const;
};

// A cost file that cannot be read or is not valid; what() is one line naming the file.
struct CostFileError : std::runtime_error {
  explicit CostFileError(const std::string& message) : std::runtime_error(message) {}
};

// Whether `name` can be a file name <name>.json in a costs directory: not empty, not "." or
// "..", no '/', '\\' or control characters.
bool usable_file_name(const std::string& name);

// A cost expression: a JSON string parsed by Expr::parse, or a JSON number. Throws ExprError
// (and for any other JSON type ExprError "expected an expression string").
Expr cost_expression(const nlohmann::json& value);
Expr cost_expression(const nlohmann::ordered_json& value);

// The JSON of `file` in the format above (the writer: emit and tests).
nlohmann::ordered_json cost_file_json(const CostFile& file);

// Reads <path>, checks it with validate_cost_json and returns it typed. When `kernel` is not
// empty, the file's kernel_name must be `kernel`. Throws CostFileError: "<path>: cannot read
// file", "<path>: not valid JSON: ...", the first schema problem ("(and N more)"),
// "<path>: $.kernel_name: 'X' does not match the file name".
CostFile read_cost_file(const std::string& path, const std::string& kernel = "");

}  // namespace kcost
