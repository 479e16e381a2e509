// WarmEntry: what a model's first load (the cold path, with Python) leaves in the cost cache so
// that every later load of the same request needs no Python at all: the root class the name
// resolved to, where its cost files are, the config's numbers (class defaults merged with the
// user's config.json), the compiled closed form of its totals once a sweep has made it, and the
// manifest of the sources the analysis could have read (transformers and torch modules, kcost's
// Python helpers) that proves the entry current.
//
// An entry is found by a key of the request (warm_request_key, in model_costs.cpp): the kcost
// build, the leaf library and name map, every analysis option, the config file's content, the
// source checkouts given, the name, and how to resolve. It is used only when the transformers the
// chosen environment holds is the one it was made with (read from the environment's files), and
// every file of its manifest is unchanged.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "evaluate/closed_form.h"
#include "evaluate/source_manifest.h"
#include "evaluate/values.h"

namespace kcost {

struct WarmEntry {
  std::string name;              // as requested
  std::string root;              // the root kernel's qualified name
  std::string costs_dir;         // its cost files
  std::string config_class;      // "" when the kernel takes no config
  Values config;                 // "config.<attr>" numbers
  std::string transformers_dir;  // the package the analysis imported (canonical)
  std::size_t unknowns = 0;      // children counted as zero (allow_unknown)
  std::optional<ClosedForm> sweep_totals;  // flops, memory_read, memory_write in sweep_variables()
  SourceManifest sources;
};

// Reads the entry at `path`; nullopt when there is none or it is malformed (then the cold path
// runs and writes it again).
std::optional<WarmEntry> read_warm_entry(const std::string& path);
// Writes it atomically; throws EmitError when it cannot.
void write_warm_entry(const std::string& path, const WarmEntry& entry);

// Config numbers as JSON and back, exactly (rationals as "a/b" text, floats as floats).
nlohmann::json values_to_json(const Values& values);
Values values_from_json(const nlohmann::json& j);  // throws std::runtime_error

}  // namespace kcost
