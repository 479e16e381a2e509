#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

constexpr const char* kKcostVersion = "0.2.0";

namespace {

struct Command {
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"analyze", {"write the cost JSON and reasoning of every kernel of a model", analyze_command}},
      {"eval", {"FLOPs, bytes and roofline time of one forward call at a runtime point", eval_command}},
      {"fit", {"the largest batch that fits on an accelerator at a context length, and its decode time", fit_command}},
      {"formula", {"a model's totals as polynomials in batch_size, seq_len, cache_len, bytes", formula_command}},
      {"resolve", {"the resolved cost tree of a kernel or model (JSON)", resolve_command}},
      {"sweep", {"models x runtime points into CSV, compiled once per model", sweep_command}},
      {"inspect", {"what kcost extracts from a class or function: source lines, parameters, attributes",
                   inspect_command}},
      {"validate", {"compare the static cost model with a traced run of the real model", validate_command}},
      {"measure", {"time the real models' inference call at runtime points into a runs CSV", measure_command}},
      {"calibrate", {"fit a device's latency model to measured runs on kcost's counts", calibrate_command}},
      {"hardware", {"the hardware table; measure this machine's CPU into it", hardware_command}},
  };
  return table;
}

void print_usage(std::ostream& out) {
  out << "kcost: symbolic FLOPs and bytes of HuggingFace transformers models, from their source.\n\n"
         "Usage: kcost <command> [options]\n"
         "       kcost <command> --help\n\n"
         "Commands:\n";
  for (const auto& [name, command] : commands()) out << "  " << name << std::string(10 - name.size(), ' ') << command.summary << "\n";
  out << "\n" << kExitCodeHelp;
}

}  // namespace

po::options_description python_options();
SessionOptions session_options(const po::variables_map& vm);

namespace {

// `kcost --version [--python-env DIR ...]`: kcost's version, then the Python, torch and
// transformers that the environment holds (what the analysis would read).
int version_command(const std::vector<std::string>& args) {
  std::cout << "kcost " << kKcostVersion << "\n";
  po::options_description options = python_options();
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(options).run(), vm);
  po::notify(vm);
  try {
    nlohmann::json v = PythonSession::start(session_options(vm)).call("versions");
    std::cout << "transformers " << v.value("transformers", "?") << " (" << v.value("transformers_file", "?") << ")\n"
              << "torch " << v.value("torch", "?") << "\n"
              << "python " << v.value("python", "?") << " (" << v.value("prefix", "?") << ")\n";
  } catch (const PythonError& e) {
    std::cerr << "kcost: " << e.what() << "\n";
    return kExitEnvironment;
  }
  return kExitOk;
}

}  // namespace

po::options_description python_options() {
  po::options_description o("Python environment");
  o.add_options()
      ("python-env", po::value<std::string>(), "virtual environment with torch and transformers "
                                                "(default: $VIRTUAL_ENV, else the one cmake/setup.sh made)")
      ("transformers-dir", po::value<std::string>(), "a transformers source checkout to analyze instead of "
                                                      "the installed package")
      ("pytorch-dir", po::value<std::string>(), "a PyTorch source tree to put first on sys.path");
  return o;
}

SessionOptions session_options(const po::variables_map& vm) {
  SessionOptions s;
  if (vm.count("python-env")) s.python_env = vm["python-env"].as<std::string>();
  if (vm.count("transformers-dir")) s.transformers_dir = vm["transformers-dir"].as<std::string>();
  if (vm.count("pytorch-dir")) s.pytorch_dir = vm["pytorch-dir"].as<std::string>();
  return s;
}

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version") return version_command(std::vector<std::string>(args.begin() + 1, args.end()));
  auto it = commands().find(args[0]);
  if (it == commands().end()) {
    std::cerr << "kcost: unknown command '" << args[0] << "'; see kcost --help\n";
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    return it->second.run(rest);
  } catch (const po::error& e) {
    std::cerr << "kcost " << args[0] << ": " << e.what() << "; see kcost " << args[0] << " --help\n";
    return kExitUsage;
  } catch (const PythonError& e) {
    std::cerr << "kcost: " << e.what() << "\n";
    return e.lookup ? kExitNotFound : kExitEnvironment;
  } catch (const std::exception& e) {
    std::cerr << "kcost: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace kcost
