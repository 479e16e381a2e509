#include "evaluate/model_costs.h"

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

std::string file_content(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The kcost build: size and modification time of the running executable.
std::string build_identity() {
  struct stat st;
  if (stat("/proc/self/exe", &st) != 0) return "unknown-build";
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

// The library the analysis runs with, as loaded (a library layered over kcost's own included):
// every leaf's file, and every name-map entry.
std::string library_identity(const ModelLibrary& library) {
  Fnv h;
  for (const auto& [name, leaf] : library.leaves.all()) {
    h.add(name);
    h.add(file_content(leaf.file));
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

ModelCosts load_model_costs(SourceLocator& locator, PythonSession& session, const ModelLibrary& library,
                            const ModelRequest& request) {
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
  m.config_source = request.config_file.empty() ? (m.config_class.empty() ? "no config" : m.config_class + " defaults")
                                                : request.config_file;

  // Where the cost files are.
  if (!request.costs_dir.empty()) {
    m.costs_dir = request.costs_dir;
  } else {
    nlohmann::json versions = session.call("versions");
    Fnv key;
    key.add(build_identity());
    key.add(library_identity(library));
    key.add(versions.value("transformers_file", ""));
    key.add(config_content);
    if (request.experts_implementation != "grouped_mm") key.add("experts=" + request.experts_implementation);
    m.costs_dir = (fs::path(cache_root()) / safe_name(versions.value("transformers", "unknown")) /
                   safe_name(request.attn_implementation) / key.hex() / safe_name(m.root))
                      .string();
  }

  ResolveOptions options;
  options.allow_unknown = request.allow_unknown;
  options.root_bindings = request.root_bindings;
  auto run_analysis = [&](bool force) {
    AnalyzeOptions analyze_options;
    analyze_options.costs_dir = m.costs_dir;
    analyze_options.config_file = config_file;
    analyze_options.attn_implementation = request.attn_implementation;
    analyze_options.experts_implementation = request.experts_implementation;
    analyze_options.force = force;
    locator.find_class(m.root);  // a LocateError names a root that is not a class
    m.analysis = analyze(locator, library.leaves, library.names, m.root, analyze_options);
    m.analyzed = m.analysis->written;
  };
  if (request.reanalyze) {
    run_analysis(true);
    m.tree = resolve(m.costs_dir, m.root, library.leaves, options);
    return m;
  }
  try {
    m.tree = resolve(m.costs_dir, m.root, library.leaves, options);
  } catch (const ResolveError& e) {
    if (e.kind != ResolveError::Kind::missing_kernel || !request.analyze_missing) throw;
    run_analysis(false);
    m.tree = resolve(m.costs_dir, m.root, library.leaves, options);
  }
  return m;
}

}  // namespace kcost
