#include <iostream>

#include "cli/commands.h"

namespace po = boost::program_options;

namespace kcost {

bool parse_command_line(const std::vector<std::string>& args, const po::options_description& visible,
                        const std::string& positional_name, po::variables_map& vm, const std::string& help_epilogue) {
  po::options_description all;
  all.add(visible);
  all.add_options()(positional_name.c_str(), po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add(positional_name.c_str(), -1);
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << visible << "\n" << help_epilogue;
    return false;
  }
  return true;
}

std::vector<std::string> positionals(const po::variables_map& vm, const std::string& positional_name) {
  if (!vm.count(positional_name)) return {};
  return vm[positional_name].as<std::vector<std::string>>();
}

std::string single_positional(const po::variables_map& vm, const std::string& positional_name,
                              const std::string& what) {
  std::vector<std::string> values = positionals(vm, positional_name);
  if (values.empty()) throw po::error("missing " + what);
  if (values.size() > 1) throw po::error("expected one " + what + ", got " + std::to_string(values.size()));
  return values[0];
}

}  // namespace kcost
