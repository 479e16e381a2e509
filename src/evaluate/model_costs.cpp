#include "evaluate/model_costs.h"
#include "evaluate/sweep.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analyze/analyzer.h"
#include "evaluate/warm_entry.h"
#include "locate/python_on_demand.h"
#include "python/environment_files.h"
#include "emit/atomic_file.h"
#include "expr/exact_json.h"
#include "locate/source_locator.h"
#include "python/session.h"
#include "resolve/resolver.h"

namespace kcost {

namespace {

namespace fs = std::filesystem;

struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  void add(const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // separator
    h *= 1099511628211ULL;
  }
  std::string hex() const {
    char buffer[17];
    std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(h));
    return buffer;
  }
};

// The kcost build: size and modification time of the running executable.
std::string build_identity() {
  struct stat st;
  if (stat("/proc/self/exe", &st) != 0) return "unknown-build";
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

// The library the analysis runs with, as loaded (a library layered over kcost's own included):
// every leaf's JSON as the catalog parsed it, and every name-map entry.
std::string library_identity(const ModelLibrary& library) {
  Fnv h;
  for (const auto& [name, leaf] : library.leaves.all()) {
    h.add(name);
    h.add(leaf.content);
  }
  for (const auto& [name, kernel] : library.names.entries()) {
    h.add(name);
    h.add(kernel);
  }
  return h.hex();
}

// A file name for a directory: the characters that are safe, others as '_'.
std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return out.empty() ? "_" : out;
}

// A temporary file removed when it goes out of scope.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) std::remove(path.c_str());
  }
};

}  // namespace

std::string cache_root() {
  if (const char* d = std::getenv("KCOST_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return (fs::path(d) / "kcost").string();
  if (const char* d = std::getenv("HOME"); d && *d) return (fs::path(d) / ".cache" / "kcost").string();
  return (fs::temp_directory_path() / "kcost-cache").string();
}

Values load_config_values(SourceLocator& locator, const std::string& model_class, const std::string& config_file,
                          std::string* config_class) {
  try {
    const ConfigDefaults& c = locator.config_of(model_class, config_file);
    if (config_class) *config_class = c.config_class;
    return config_values(c.values, c.aliases);
  } catch (const LocateError& e) {
    if (config_file.empty()) throw;
    throw ConfigError(config_file + ": " + e.what());
  } catch (const PythonError& e) {
    if (config_file.empty()) throw;
    std::string what = e.what();
    const std::string prefix = "python helper config_defaults failed: ";
    if (what.compare(0, prefix.size(), prefix) == 0) what = what.substr(prefix.size());
    throw ConfigError(config_file + ": the config class rejects it: " + what);
  }
}

AnalyzeOptions analyze_options(const ModelRequest& request) {
  AnalyzeOptions o;
  o.config_file = request.config_file;
  o.attn_implementation = request.attn_implementation;
  o.experts_implementation = request.experts_implementation;
  o.device = request.device;
  return o;
}

namespace {

// The key of a request's warm entry: everything that decides the answer except the transformers
// sources, which the entry's manifest and transformers_dir prove.
std::string warm_request_key(const ModelLibrary& library, const ModelRequest& request, const SessionOptions& python) {
  Fnv key;
  key.add("warm-entry-1");
  key.add(build_identity());
  key.add(library_identity(library));
  key.add(analysis_identity(analyze_options(request)));
  key.add(python.transformers_dir.empty() ? "" : fs::absolute(python.transformers_dir).lexically_normal().string());
  key.add(python.pytorch_dir.empty() ? "" : fs::absolute(python.pytorch_dir).lexically_normal().string());
  key.add(request.name);
  key.add(request.allow_unknown ? "allow-unknown" : "");
  for (const auto& [name, value] : request.root_bindings) {
    key.add(name);
    key.add(value.str());
  }
  return key.hex();
}

std::string config_source_of(const ModelRequest& request, const std::string& config_class) {
  return request.config_file.empty() ? (config_class.empty() ? "no config" : config_class + " defaults")
                                     : request.config_file;
}

ResolveOptions resolve_options(const ModelRequest& request) {
  ResolveOptions options;
  options.allow_unknown = request.allow_unknown;
  options.root_bindings = request.root_bindings;
  return options;
}

// The warm path: everything from the cache, no Python; nullopt when the entry is missing, for
// another transformers, or stale.
std::optional<ModelCosts> load_warm(const PythonOnDemand& python, const ModelLibrary& library,
                                    const ModelRequest& request, const std::string& entry_path) {
  std::optional<WarmEntry> e = read_warm_entry(entry_path);
  if (!e || e->name != request.name) return std::nullopt;
  // The environment's transformers must be the one the entry was made with; an environment
  // without one (Python could not run there) leaves the entry's own, proven below.
  std::string installed = transformers_package_dir(python.options());
  if (!installed.empty() && installed != e->transformers_dir) return std::nullopt;
  if (!e->sources.first_changed().empty()) return std::nullopt;
  ModelCosts m;
  m.name = request.name;
  m.root = e->root;
  m.costs_dir = e->costs_dir;
  m.config_class = e->config_class;
  m.config = std::move(e->config);
  m.config_source = config_source_of(request, e->config_class.empty() ? "" : e->config_class);
  m.warm = true;
  m.warm_entry = entry_path;
  m.unknowns = e->unknowns;
  m.sweep_totals = std::move(e->sweep_totals);
  if (m.sweep_totals && m.sweep_totals->output_count() != kSweepOutputs) m.sweep_totals.reset();  // another build's outputs
  if (request.need_tree || !m.sweep_totals) {
    try {
      m.tree = resolve(m.costs_dir, m.root, library.leaves, resolve_options(request));
    } catch (const ResolveError&) {
      return std::nullopt;  // cost files gone or damaged: analyze again
    }
  } else {
    m.tree_loaded = false;
  }
  return m;
}

}  // namespace

ModelCosts load_model_costs(SourceLocator& locator, PythonSession& session, const ModelLibrary& library,
                            const ModelRequest& request) {
  PythonOnDemand python(session, locator);
  return load_model_costs(python, library, request);
}

void remember_sweep_totals(const ModelCosts& m, const ClosedForm& totals) {
  if (m.warm_entry.empty()) return;
  std::optional<WarmEntry> e = read_warm_entry(m.warm_entry);
  if (!e || e->root != m.root) return;
  e->sweep_totals = totals;
  try {
    write_warm_entry(m.warm_entry, *e);
  } catch (const std::exception&) {  // the cache is an optimisation
  }
}

ModelCosts load_model_costs(PythonOnDemand& python, const ModelLibrary& library, const ModelRequest& request) {
  const bool cached = request.costs_dir.empty();
  std::string entry_path;
  if (cached && python.warm_allowed()) {
    entry_path = (fs::path(cache_root()) / "warm" /
                  (warm_request_key(library, request, python.options()) + ".json"))
                     .string();
    if (!request.reanalyze)
      if (std::optional<ModelCosts> warm = load_warm(python, library, request, entry_path)) return std::move(*warm);
  }

  SourceLocator& locator = python.locator();
  PythonSession& session = python.session();
  ModelCosts m;
  m.name = request.name;
  m.root = locator.qualified_name(request.name);

  // The config: class defaults, or the user's file (its text_config for a text-only class).
  TempFile text_config;
  std::string config_file = request.config_file;
  std::string config_content;
  if (!config_file.empty()) {
    nlohmann::json file = read_config_file(config_file);
    nlohmann::json defaults;
    try {
      defaults = locator.config_of(m.root).values;
    } catch (const LocateError& e) {
      throw ConfigError(config_file + ": " + e.what());
    }
    nlohmann::json effective = text_model_config(file, defaults);
    config_content = dump_exact(effective);  // keeps Infinity and NaN for the config class
    if (effective != file) {
      static int counter = 0;
      text_config.path = (fs::temp_directory_path() / ("kcost-text-config-" + std::to_string(getpid()) + "-" +
                                                       std::to_string(counter++) + ".json"))
                             .string();
      write_file_atomically(text_config.path, config_content);
      config_file = text_config.path;
    }
  }
  try {
    m.config = load_config_values(locator, m.root, config_file, &m.config_class);
    if (!text_config.path.empty()) m.config_class += " (text_config)";
  } catch (const LocateError&) {
    if (!config_file.empty()) throw;
    m.config.clear();  // a kernel that takes no config: formulas that need one fail by name
  }
  m.config_source = config_source_of(request, m.config_class);

  AnalyzeOptions analysis = analyze_options(request);
  analysis.config_file = config_file;

  // Where the cost files are.
  nlohmann::json versions;
  if (!cached) {
    m.costs_dir = request.costs_dir;
  } else {
    versions = session.call("versions");
    Fnv key;
    key.add(build_identity());
    key.add(library_identity(library));
    key.add(versions.value("transformers_file", ""));
    key.add(analysis_identity(analysis));
    m.costs_dir = (fs::path(cache_root()) / safe_name(versions.value("transformers", "unknown")) /
                   safe_name(request.attn_implementation) / key.hex() / safe_name(m.root))
                      .string();
  }

  ResolveOptions options = resolve_options(request);
  auto run_analysis = [&](bool force) {
    AnalyzeOptions o = analysis;
    o.costs_dir = m.costs_dir;
    o.force = force;
    locator.find_class(m.root);  // a LocateError names a root that is not a class
    m.analysis = analyze(locator, library.leaves, library.names, m.root, o);
    m.analyzed = m.analysis->written;
  };
  if (request.reanalyze || cached) {
    // In the cache, files not proven current by a warm entry are analyzed again: the sources
    // they came from may have changed since.
    run_analysis(true);
  }
  try {
    m.tree = resolve(m.costs_dir, m.root, library.leaves, options);
  } catch (const ResolveError& e) {
    if (e.kind != ResolveError::Kind::missing_kernel || !request.analyze_missing || request.reanalyze || cached) throw;
    run_analysis(false);
    m.tree = resolve(m.costs_dir, m.root, library.leaves, options);
  }
  m.unknowns = m.tree.unknowns.size();

  if (!entry_path.empty()) {
    WarmEntry e;
    e.name = request.name;
    e.root = m.root;
    e.costs_dir = m.costs_dir;
    e.config_class = m.config_class;
    e.config = m.config;
    e.unknowns = m.unknowns;
    nlohmann::json loaded = session.call("loaded_sources");
    e.transformers_dir = loaded.value("transformers_dir", "");
    e.sources = SourceManifest::of(loaded.value("files", std::vector<std::string>{}));
    try {
      write_warm_entry(entry_path, e);
      m.warm_entry = entry_path;
    } catch (const std::exception&) {  // the cache is an optimisation; the answer stands
    }
  }
  return m;
}

}  // namespace kcost
