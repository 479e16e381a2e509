// The kcost command line: `kcost <command> [options]`. Each command is one file in src/cli/.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace kcost {

int run_cli(int argc, char** argv);

// Parses a command's arguments: the `visible` options (which include --help) and positional
// arguments collected under `positional_name`. Returns false when --help was asked for (the
// help, then `help_epilogue`, is printed then). Throws boost::program_options::error on a bad
// command line.
bool parse_command_line(const std::vector<std::string>& args, const boost::program_options::options_description& visible,
                        const std::string& positional_name, boost::program_options::variables_map& vm,
                        const std::string& help_epilogue = "");
std::vector<std::string> positionals(const boost::program_options::variables_map& vm, const std::string& positional_name);
// The one positional argument; a po::error naming `what` when there is none or several.
std::string single_positional(const boost::program_options::variables_map& vm, const std::string& positional_name,
                              const std::string& what);

// Options every command that embeds Python accepts.
boost::program_options::options_description python_options();
struct SessionOptions;
SessionOptions session_options(const boost::program_options::variables_map& vm);

int inspect_command(const std::vector<std::string>& args);
int analyze_command(const std::vector<std::string>& args);
int resolve_command(const std::vector<std::string>& args);
int eval_command(const std::vector<std::string>& args);
int fit_command(const std::vector<std::string>& args);
int formula_command(const std::vector<std::string>& args);
int sweep_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args);
int measure_command(const std::vector<std::string>& args);
int calibrate_command(const std::vector<std::string>& args);
int hardware_command(const std::vector<std::string>& args);
// --kernels-dir and --name-map, defaulting to the project's own.
boost::program_options::options_description library_options();

}  // namespace kcost
