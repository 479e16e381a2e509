// Resolver: stage 5 of the data flow. Reads <costs_dir>/<kernel>.json and, recursively, the cost
// file of every composite child, and substitutes bindings down to the leaf formulas of the
// LeafCatalog, giving the ResolvedTree of `kernel`: each child's parameters take the values its
// parent's bindings give them (already in implicit symbols), each leaf's formulas are
// evaluated in them, and each composite's cost is the sum of count * child cost.
//
// Rules:
// - a composite child may leave an init param unbound when no cost depends on it (`layer_idx`);
//   if some cost does depend on it, that is an error naming the parameter, the kernel and the
//   parent's child label. The root's own parameters take ResolveOptions::root_bindings.
// - a child whose kernel is neither a leaf nor a cost file is ResolveError::Kind::missing_kernel,
//   naming it and the file it looked for (`kcost resolve --analyze` runs the analyzer then);
// - a child of kernel "unknown" is ResolveError::Kind::unknown_child unless allow_unknown, when
//   it costs zero and its path is listed in ResolvedTree::unknowns;
// - every cost file is checked against the spec's schema first (validate_cost_json), its
//   kernel_name must match its file name, binding keys must be parameters of the child, and a
//   kernel that (indirectly) calls itself is an error naming the cycle.
// Every error is one line naming the file or kernel and the child label.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include "leaves/leaf_catalog.h"
#include "resolve/resolved_tree.h"

namespace kcost {

struct ResolveError : std::runtime_error {
  enum class Kind {
    missing_kernel,  // no leaf and no cost file for a kernel; `kernel` names it
    unknown_child,   // a child of kernel "unknown" (a partial analysis)
    bad_file,        // unreadable or invalid cost file, bad binding key, cycle
    unbound,         // a parameter some cost depends on has no binding
  };
  ResolveError(Kind kind, const std::string& message, std::string kernel = "")
      : std::runtime_error(message), kind(kind), kernel(std::move(kernel)) {}
  Kind kind;
  std::string kernel;  // missing_kernel: the kernel without a file
};

struct ResolveOptions {
  bool allow_unknown = false;
  // Values of the root kernel's own init_params and forward_params, as expressions in implicit
  // symbols (e.g. {"hidden_size": "config.hidden_size"}) when resolving a kernel that has some.
  std::map<std::string, Expr> root_bindings;
};

// The resolved tree of `kernel` (a leaf of `leaves` or a composite with a cost file in
// `costs_dir`). Throws ResolveError.
ResolvedTree resolve(const std::string& costs_dir, const std::string& kernel, const LeafCatalog& leaves,
                     const ResolveOptions& options = {});

}  // namespace kcost
