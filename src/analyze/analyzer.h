// Analyzer: the whole analysis of one model, stages 3 and 4 over the closure of a root class.
// Phase 1 traces the root's forward() on the design's default inference call and records every
// composite module call; phase 2 gives each composite kernel its signature (see
// trace/signature.h) and traces it in its own symbols, writing <costs>/<kernel>.json and .md for
// every kernel not already there (or all with `force`).
#pragma once

#include <string>
#include <vector>

#include "leaves/leaf_catalog.h"
#include "leaves/name_map.h"
#include "locate/source_locator.h"

namespace kcost {

struct AnalyzeOptions {
  std::string costs_dir = "costs";
  std::string config_file;  // a config.json instead of the config class defaults
  std::string attn_implementation = "sdpa";
  // config._experts_implementation: transformers' default (grouped_mm) unless told otherwise.
  std::string experts_implementation = "grouped_mm";
  // The device type the model code sees (`x.device.type`): the accelerator the cost model is for;
  // validation, which runs on this machine's CPU, analyses for "cpu".
  std::string device = "cuda";
  bool force = false;
};

// What of `options` decides the files an analysis writes, as text for a cache key (the config
// file by its content, not its name; not costs_dir or force). Every analysis option goes into
// it here, so that a cost cache keyed by it never serves files analyzed with other options.
std::string analysis_identity(const AnalyzeOptions& options);

struct AnalyzeResult {
  std::string root;                  // the root kernel's qualified name
  std::vector<std::string> written;  // kernels written
  std::vector<std::string> kept;     // kernels whose files were there already
  // Unknown children: "kernel: label (file:line): reason".
  std::vector<std::string> unknowns;
  // The name map the analysis looked names up in (analysis_names): the oracle prices traced
  // calls with the same one.
  NameMap names;
};

// The name map the analysis looks names up in: `names` with the canonical names of its aliases
// (through Python) and the names the leaves of `leaves` are reached under by convention
// (NameMap::with_leaf_names). The oracle prices traced calls with the same map.
// The class of a kernel name: a class built into several kinds of layer has one kernel per kind,
// `Class@label` (trace/layer_kinds.cpp); the class is the part before '@'.
std::string class_of_kernel(const std::string& kernel);

NameMap analysis_names(const NameMap& names, const LeafCatalog& leaves, SourceLocator& locator);

AnalyzeResult analyze(SourceLocator& locator, const LeafCatalog& leaves, const NameMap& names,
                      const std::string& root, const AnalyzeOptions& options);

}  // namespace kcost
