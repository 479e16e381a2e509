// ModelCosts: one model made ready to evaluate: its root kernel, its cost files (analyzed on the
// fly into a cache directory when they are missing), its resolved tree and its config's
// numbers. What `kcost eval`, `formula` and `sweep` (and `validate`) start from.
//
// The cache: <cache_root>/<transformers version>/<attn>/<key>/<root kernel>/, where key hashes
// the kcost build, the leaf library, the name map, the transformers package imported, every
// analysis option (analysis_identity: the config by its content), so a change to any of them
// analyzes afresh instead of reusing stale files. Beside it, <cache_root>/warm/<request key>.json
// (evaluate/warm_entry.h) lets a later load of the same request skip Python altogether: the warm
// path. A load that does not take the warm path (none yet, or stale: a source file changed,
// another transformers in the environment) re-analyzes into the cache and writes the entry anew.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "evaluate/closed_form.h"
#include "evaluate/values.h"
#include "expr/expr.h"
#include "leaves/leaf_catalog.h"
#include "leaves/name_map.h"
#include "resolve/resolved_tree.h"

namespace kcost {

class SourceLocator;
class PythonSession;
class PythonOnDemand;

struct ModelLibrary {
  const LeafCatalog& leaves;
  const NameMap& names;
  std::string kernels_dir;    // where `leaves` came from (hashed into the cache key)
  std::string name_map_path;  // where `names` came from (hashed into the cache key)
};

struct ModelRequest {
  std::string name;         // a model_type ("llama") or a qualified class name
  std::string config_file;  // a config.json; empty: the config class defaults
  std::string attn_implementation = "sdpa";
  std::string experts_implementation = "grouped_mm";  // config._experts_implementation (MoE experts' forward)
  std::string device = "cuda";  // the device type the model code sees (AnalyzeOptions::device)
  std::string costs_dir;       // empty: the cache directory
  bool analyze_missing = true;  // run the analyzer when cost files are missing
  bool reanalyze = false;       // run the analyzer (rewriting every kernel) even when they are there
  bool allow_unknown = false;   // "unknown" children count zero instead of failing
  std::map<std::string, Expr> root_bindings;  // values of the root kernel's own params
  // false: a warm load that has the compiled totals (WarmEntry::sweep_totals) need not resolve
  // the tree (ModelCosts::tree is then empty and tree_loaded false).
  bool need_tree = true;
};

// The analysis options of a request (its config file as given): the one mapping, used to run
// the analysis and to key the cache.
AnalyzeOptions analyze_options(const ModelRequest& request);

struct ModelCosts {
  std::string name;           // as requested
  std::string root;           // qualified name of the root kernel
  std::string costs_dir;      // where its cost files are
  std::string config_class;   // qualified name of the config class
  std::string config_source;  // the config file, or "<ConfigClass> defaults"
  ResolvedTree tree;
  Values config;                      // "config.<attr>" numbers
  std::vector<std::string> analyzed;  // kernels the analyzer wrote for this request
  std::optional<AnalyzeResult> analysis;  // when the analyzer ran: its unknowns and name map
  bool tree_loaded = true;    // false: see ModelRequest::need_tree
  bool warm = false;          // loaded from the warm entry, without Python
  std::string warm_entry;     // the entry's path ("" when the request is not cached: --costs-dir)
  std::optional<ClosedForm> sweep_totals;  // the entry's compiled totals, when it has them
  std::size_t unknowns = 0;   // children counted as zero
};

// $KCOST_CACHE_DIR, else $XDG_CACHE_HOME/kcost, else $HOME/.cache/kcost, else
// <tmp>/kcost-cache.
std::string cache_root();

// Loads the model. Throws LocateError (the name does not resolve), ConfigError (the config file
// is unreadable, not JSON, or rejected by the config class), ResolveError (cost files),
// EmitError (the analyzer could not write), PythonError (the environment).
// With `python`, Python starts only when the warm path cannot answer.
ModelCosts load_model_costs(PythonOnDemand& python, const ModelLibrary& library, const ModelRequest& request);
ModelCosts load_model_costs(SourceLocator& locator, PythonSession& session, const ModelLibrary& library,
                            const ModelRequest& request);

// Keeps `totals` (compiled from m's totals at its config) in m's warm entry, so that the next
// warm load has them. Does nothing when m has no entry; a failure to write is not an error.
void remember_sweep_totals(const ModelCosts& m, const ClosedForm& totals);

// The config numbers of `model_class` (a qualified class name) from the class defaults or a
// config.json (see text_model_config). Throws ConfigError, LocateError. Sets *config_class to the
// config class's qualified name when given.
Values load_config_values(SourceLocator& locator, const std::string& model_class, const std::string& config_file,
                          std::string* config_class = nullptr);

}  // namespace kcost
