// LeafCatalog: the hand-written leaf kernels of kernels/*.json, loaded and validated. A leaf
// is a PyTorch op with symbolic FLOPs, bytes read and bytes written in its own forward_params
// and the implicit symbol `bytes`. Every malformed file is reported as one CatalogError line
// naming the file and the JSON field.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "expr/expr.h"
#include "leaves/leaf_binds.h"

namespace kcost {

// A malformed leaf file, leaf directory or name map; what() is one line, e.g.
// "kernels/F.linear.json: field 'flops': expression '2 * M *': column 8: expected an operand".
struct CatalogError : std::runtime_error {
  explicit CatalogError(const std::string& message) : std::runtime_error(message) {}
};

// One leaf kernel: {"kernel_name", "description"?, "init_params": [], "forward_params",
// "flops", "memory_read", "memory_write", "matmul_class"?, "bias_add_flops"?}. The last two are
// what the validator needs (kernels/README.md): a matmul-class leaf's FLOPs are checked against
// torch.utils.flop_counter.FlopCounterMode, less its bias adds, which FlopCounterMode does not
// count.
// A hand-computed example a leaf carries ("checks"): its formulas at these parameter values and
// `bytes` must give these numbers. The library's test evaluates every one.
struct LeafCheck {
  std::map<std::string, GiNaC::numeric> params;  // every forward_param, and "bytes"
  GiNaC::numeric flops = 0, memory_read = 0, memory_write = 0;
  std::string why;  // how the numbers were computed
};

struct LeafKernel {
  std::string name;         // kernel_name, e.g. "F.linear"
  std::string description;  // empty when the file has none
  std::string file;         // the file it was read from, as <dir>/<file name>
  std::vector<std::string> forward_params;
  Expr flops;
  Expr memory_read;
  Expr memory_write;
  bool matmul_class = false;  // "matmul_class": true
  Expr bias_add_flops{0};     // "bias_add_flops", in forward_params; 0 when absent
  // "bytes_rule": how the leaf's bytes differ, on purpose, from "each input read once, each output
  // written once" (what validate's aten byte counter measures); empty when they do not, and the
  // counter then checks the formulas.
  std::string bytes_rule;
  // "checks": hand-computed examples (LeafCheck); each names every forward_param.
  std::vector<LeafCheck> checks;
  // "kernel_class": the calibration class of the leaf (hardware/kernel_classes.json's names),
  // when the leaf says it itself rather than the table; empty otherwise.
  std::string kernel_class;
  // "binds" (leaf_binds.h): each forward_param's argument or dimension, declared by the library,
  // in forward_params order (empty: kcost's binding rule for the params' names); "arguments":
  // the names of the positional arguments, in order.
  std::vector<std::pair<std::string, BindPath>> binds;
  std::vector<std::string> arguments;
  // The file's JSON as parsed, printed compactly: what the leaf is, for cache keys (the
  // evaluator's library_identity), without reading the file again.
  std::string content;
};

class LeafCatalog {
 public:
  // The symbol every leaf may use besides its forward_params: bytes per element of the
  // model dtype.
  static constexpr const char* kBytesSymbol = "bytes";

  // Reads every *.json file of `dir` in sorted file-name order. Throws CatalogError for a
  // missing directory, unreadable or invalid JSON, a field missing or of the wrong type, an
  // expression that does not parse, a symbol that is neither a forward_param nor `bytes`, a
  // non-empty init_params, a composite (a file with `children`), a `matmul_class` that is not
  // a boolean, a `bias_add_flops` that is not an expression in forward_params or is given for
  // a leaf that is not matmul-class, and a kernel_name defined twice (naming both files).
  static LeafCatalog load(const std::string& dir);

  // The leaf named `name`, or nullptr.
  const LeafKernel* find(const std::string& name) const;
  // All leaves by kernel_name.
  const std::map<std::string, LeafKernel>& all() const { return leaves_; }
  // This library layered over `base`: its leaves, and base's leaves of every other name.
  LeafCatalog over(const LeafCatalog& base) const;

 private:
  std::map<std::string, LeafKernel> leaves_;
};

}  // namespace kcost
