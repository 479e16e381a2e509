#include "cli/model_options.h"

#include <cmath>
#include <filesystem>
#include <iostream>

#include "calibrate/calibration_error.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "costfile/message_text.h"
#include "emit/emit_error.h"
#include "evaluate/evaluator.h"
#include "evaluate/plots.h"
#include "locate/source_locator.h"
#include "python/session.h"
#include "resolve/resolver.h"

namespace po = boost::program_options;

namespace kcost {

const char* const kModelExitCodes =
    "Exit codes:\n"
    "  0   success\n"
    "  1   bad command line (option values, unknown accelerator)\n"
    "  2   the model or kernel name does not resolve\n"
    "  3   the Python environment is unusable\n"
    "  4   partial cost model: some children are \"unknown\" (see --allow-unknown)\n"
    "  5   bad input data: config file, cost files, a config field the formulas need,\n"
    "      a resolved tree file, the hardware table or the kernel library\n"
    "  70  internal error\n";

bool parse_model_command(const std::vector<std::string>& args, const po::options_description& visible,
                         const std::string& positional_name, po::variables_map& vm) {
  return parse_command_line(args, visible, positional_name, vm, kModelExitCodes);
}

int write_plot(PythonSession& session, const nlohmann::json& spec, const std::string& command,
               const std::string& what, const std::string& path) {
  try {
    render_plot(session, spec);
  } catch (const PythonError& e) {  // matplotlib missing, a file that cannot be written
    std::cerr << "kcost " << command << ": " << e.what() << "\n";
    return e.lookup ? kExitBadInput : kExitEnvironment;
  }
  std::cerr << "kcost " << command << ": " << what << " written to " << path << "\n";
  return kExitOk;
}

po::options_description model_options(bool many_configs) {
  po::options_description o("Model");
  o.add_options()
      ("config", many_configs ? po::value<std::vector<std::string>>()->composing()
                              : static_cast<po::value_semantic*>(po::value<std::string>()),
       many_configs ? "a HuggingFace config.json per model, in the order of the models (or one for all); "
                      "default: each config class's defaults"
                    : "a HuggingFace config.json (as real checkpoints write it; a nested text_config is used "
                      "for text-only classes; fields it lacks take the config class defaults); default: the "
                      "config class defaults")
      ("attn-implementation", po::value<std::string>()->default_value("sdpa"), "sdpa | eager")
      ("experts-implementation", po::value<std::string>()->default_value("grouped_mm"),
       "the experts' forward a mixture-of-experts model runs (config._experts_implementation): grouped_mm "
       "(transformers' default) | batched_mm | eager")
      ("costs-dir", po::value<std::string>(),
       "cost files to use (analyzed on the fly into it when missing); default: a cache under "
       "$KCOST_CACHE_DIR, $XDG_CACHE_HOME/kcost or ~/.cache/kcost, keyed by transformers version, "
       "attention, kcost build, leaf library and config")
      ("allow-unknown", "count children that could not be modelled as zero (with a warning) instead of failing")
      ("bind", po::value<std::vector<std::string>>()->composing(),
       "NAME=EXPR: a value for a parameter of the root kernel (when it is not a whole model), "
       "e.g. --bind hidden_size=config.hidden_size");
  return o;
}

po::options_description hardware_options(bool many) {
  po::options_description o("Roofline");
  o.add_options()
      ("hardware", po::value<std::string>(),
       many ? "accelerators from the hardware table, comma-separated (e.g. h100-sxm,mi300x)"
            : "an accelerator from the hardware table (e.g. h100-sxm, a100-80gb-sxm, h200, l4, t4, mi300x, tpu-v5e)")
      ("peak-flops", po::value<std::string>(), "a custom accelerator's peak FLOP/s (e.g. 989e12 or 989T)")
      ("bandwidth", po::value<std::string>(), "a custom accelerator's memory bandwidth in bytes/s (e.g. 3.35T)")
      ("hardware-file", po::value<std::string>()->default_value(HardwareTable::default_path()),
       "the hardware table (JSON)");
  return o;
}

std::string experts_implementation(const po::variables_map& vm) {
  std::string v = vm["experts-implementation"].as<std::string>();
  if (v != "grouped_mm" && v != "batched_mm" && v != "eager")
    throw po::error("--experts-implementation must be grouped_mm, batched_mm or eager, not " + quote_for_message(v));
  return v;
}

ModelRequest model_request(const po::variables_map& vm, const std::string& name, const std::string& config_file) {
  ModelRequest r;
  r.name = name;
  r.config_file = config_file;
  r.attn_implementation = vm["attn-implementation"].as<std::string>();
  if (r.attn_implementation != "sdpa" && r.attn_implementation != "eager")
    throw po::error("--attn-implementation must be sdpa or eager, not '" + r.attn_implementation + "'");
  r.experts_implementation = experts_implementation(vm);
  if (vm.count("costs-dir")) r.costs_dir = vm["costs-dir"].as<std::string>();
  r.allow_unknown = vm.count("allow-unknown") > 0;
  if (vm.count("bind")) r.root_bindings = bindings(vm["bind"].as<std::vector<std::string>>());
  return r;
}

std::vector<Accelerator> accelerators(const po::variables_map& vm) {
  std::vector<Accelerator> out;
  bool custom = vm.count("peak-flops") || vm.count("bandwidth");
  if (custom) {
    if (!vm.count("peak-flops") || !vm.count("bandwidth"))
      throw po::error("a custom accelerator needs both --peak-flops and --bandwidth");
    if (vm.count("hardware")) throw po::error("give either --hardware or --peak-flops and --bandwidth, not both");
    Accelerator a;
    a.id = "custom";
    a.name = "custom accelerator";
    a.peak_flops = si_number(vm["peak-flops"].as<std::string>(), "peak-flops");
    a.bandwidth = si_number(vm["bandwidth"].as<std::string>(), "bandwidth");
    out.push_back(a);
    return out;
  }
  if (!vm.count("hardware")) return out;
  HardwareTable table = HardwareTable::load(vm["hardware-file"].as<std::string>());
  std::string list = vm["hardware"].as<std::string>();
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      out.push_back(table.find(name));
    } catch (const HardwareError& e) {
      throw po::error(std::string("--hardware: ") + e.what());
    }
    if (vm.count("compute-precision")) {
      std::string precision;
      try {
        precision = compute_precision(vm["compute-precision"].as<std::string>());
        out.back() = at_precision(out.back(), precision);
      } catch (const std::invalid_argument& e) {
        throw po::error(std::string("--compute-precision: ") + e.what());
      } catch (const HardwareError& e) {
        throw po::error(std::string("--compute-precision: ") + e.what());
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

LoadedLibrary load_library(const po::variables_map& vm) {
  LoadedLibrary l;
  l.kernels_dir = vm["kernels-dir"].as<std::string>();
  l.name_map_path = vm["name-map"].as<std::string>();
  l.leaves = LeafCatalog::load(l.kernels_dir);
  l.names = NameMap::load(l.name_map_path);
  const std::string own_kernels = std::string(KCOST_SOURCE_DIR) + "/kernels";
  const std::string own_names = std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json";
  std::error_code ec;
  bool own = std::filesystem::equivalent(l.kernels_dir, own_kernels, ec) &&
             std::filesystem::equivalent(l.name_map_path, own_names, ec);
  if (!own && !(vm.count("library-only") && vm["library-only"].as<bool>())) {
    l.leaves = l.leaves.over(LeafCatalog::load(own_kernels));
    l.names = l.names.over(NameMap::load(own_names));
  }
  return l;
}

int report_failure(const std::string& command) {
  auto fail = [&](const std::string& message, int code) {
    std::cerr << "kcost " << command << ": " << message << "\n";
    return code;
  };
  try {
    throw;
  } catch (const LocateError& e) {
    return fail(e.what(), kExitNotFound);
  } catch (const ResolveError& e) {
    return fail(e.what(), e.kind == ResolveError::Kind::unknown_child ? kExitPartial : kExitBadInput);
  } catch (const ConfigError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const EvaluateError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const HardwareError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const ResolvedTreeError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const CatalogError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const EmitError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const ExprError& e) {
    return fail(e.what(), kExitBadInput);
  } catch (const CalibrationError& e) {
    return fail(e.what(), kExitBadInput);
  }
}

int run_reporting(const std::string& command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const po::error&) {
    throw;
  } catch (const PythonError&) {
    throw;
  } catch (...) {
    return report_failure(command);
  }
}

}  // namespace kcost
