// Options and error handling shared by the commands that evaluate models (resolve, eval,
// formula, sweep): which model and config, the runtime point, the accelerator, and the mapping
// of every failure to one line and its exit code. The pure value parsers are cli/number_options.h.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "cli/number_options.h"
#include "evaluate/hardware.h"
#include "evaluate/model_costs.h"
#include "evaluate/values.h"

namespace kcost {

// Parses `args` against `visible` plus hidden positional arguments named `positional_name`.
// Returns false (after printing `visible` and the exit codes) when --help was given.
bool parse_model_command(const std::vector<std::string>& args, const boost::program_options::options_description& visible,
                         const std::string& positional_name, boost::program_options::variables_map& vm);

// --config, --attn-implementation, --experts-implementation, --costs-dir, --allow-unknown, --bind.
boost::program_options::options_description model_options(bool many_configs = false);
// --hardware, --peak-flops, --bandwidth, --hardware-file.
boost::program_options::options_description hardware_options(bool many = false);

// --experts-implementation's value, checked (po::error for another).
std::string experts_implementation(const boost::program_options::variables_map& vm);

// The request for `name` from model_options (config file given separately).
ModelRequest model_request(const boost::program_options::variables_map& vm, const std::string& name,
                           const std::string& config_file);
// The accelerators hardware_options asks for (none, one, or with `many` a comma list).
// po::error for an unknown name or a half-given custom accelerator; HardwareError for a bad table.
std::vector<Accelerator> accelerators(const boost::program_options::variables_map& vm);

// The leaf catalog and name map of library_options(); CatalogError when they do not load. A
// library other than kcost's own is layered over kcost's (its leaves and names replace kcost's of
// the same name; kcost's price every other op), unless --library-only.
struct LoadedLibrary {
  LeafCatalog leaves;
  NameMap names;
  std::string kernels_dir, name_map_path;
  ModelLibrary view() const { return {leaves, names, kernels_dir, name_map_path}; }
};
LoadedLibrary load_library(const boost::program_options::variables_map& vm);

// Prints "kcost <command>: <message>" for a known failure and returns its exit code; rethrows
// what it does not know (run_cli turns that into an internal error).
int report_failure(const std::string& command);

// Runs a command's body: a known failure becomes one line and its exit code (report_failure);
// command-line errors (po::error) and an unusable Python environment (PythonError) go up to
// run_cli, which reports them alike for every command.
int run_reporting(const std::string& command, const std::function<int()>& body);

// Renders a plot spec through matplotlib in the embedded interpreter and says where it went.
// Returns kExitOk, or, after one line on stderr, the exit code of the failure (a file that
// cannot be written: bad input; matplotlib missing: environment).
int write_plot(PythonSession& session, const nlohmann::json& spec, const std::string& command,
               const std::string& what, const std::string& path);

// The help's paragraph on exit codes of the evaluating commands.
extern const char* const kModelExitCodes;

}  // namespace kcost
