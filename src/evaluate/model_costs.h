// ModelCosts: one model made ready to evaluate: its root kernel, its cost files (analyzed on the
// fly into a cache directory when they are missing), its resolved tree and its config's
// numbers. What `kcost eval`, `formula` and `sweep` (and `validate`) start from.
//
// The cache: <cache_root>/<transformers version>/<attn>/<key>/<root kernel>/, where key hashes
// the kcost build, the leaf library, the name map, --transformers-dir, the experts
// implementation and the config file's content, so a change to any of them analyzes afresh instead of reusing stale files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "evaluate/values.h"
#include "expr/expr.h"
#include "leaves/leaf_catalog.h"
#include "leaves/name_map.h"
#include "resolve/resolved_tree.h"

namespace kcost {

class SourceLocator;
class PythonSession;

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
  std::string costs_dir;       // empty: the cache directory
  bool analyze_missing = true;  // run the analyzer when cost files are missing
  bool reanalyze = false;       // run the analyzer (rewriting every kernel) even when they are there
  bool allow_unknown = false;   // "unknown" children count zero instead of failing
  std::map<std::string, Expr> root_bindings;  // values of the root kernel's own params
};

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
};

// $KCOST_CACHE_DIR, else $XDG_CACHE_HOME/kcost, else $HOME/.cache/kcost, else
// <tmp>/kcost-cache.
std::string cache_root();

// Loads the model. Throws LocateError (the name does not resolve), ConfigError (the config file
// is unreadable, not JSON, or rejected by the config class), ResolveError (cost files),
// EmitError (the analyzer could not write), PythonError (the environment).
ModelCosts load_model_costs(SourceLocator& locator, PythonSession& session, const ModelLibrary& library,
                            const ModelRequest& request);

// The config numbers of `model_class` (a qualified class name) from the class defaults or a
// config.json (see text_model_config). Throws ConfigError, LocateError. Sets *config_class to the
// config class's qualified name when given.
Values load_config_values(SourceLocator& locator, const std::string& model_class, const std::string& config_file,
                          std::string* config_class = nullptr);

}  // namespace kcost
