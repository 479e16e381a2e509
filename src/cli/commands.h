// The kcost command line: `kcost <command> [options]`. Each command is one file in src/cli/.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace kcost {

int run_cli(int argc, char** argv);

// Options every command that embeds Python accepts.
boost::program_options::options_description python_options();
struct SessionOptions;
SessionOptions session_options(const boost::program_options::variables_map& vm);

int inspect_command(const std::vector<std::string>& args);
int analyze_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args);
// --kernels-dir and --name-map, defaulting to the project's own.
boost::program_options::options_description library_options();

}  // namespace kcost
