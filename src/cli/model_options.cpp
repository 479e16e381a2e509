#include "cli/model_options.h"

#include <cmath>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
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

po::options_description point_options() {
  po::options_description o("Runtime point");
  o.add_options()
      ("batch-size", po::value<std::string>()->default_value("1"), "sequences in the batch")
      ("seq-len", po::value<std::string>()->default_value("1"), "new tokens per sequence (1: decode)")
      ("cache-len", po::value<std::string>()->default_value("0"), "tokens already in the KV cache (0: prefill)")
      ("bytes", po::value<std::string>()->default_value("2"), "bytes per element of the model dtype (2: bf16; 0.5 exact)");
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

ModelRequest model_request(const po::variables_map& vm, const std::string& name, const std::string& config_file) {
  ModelRequest r;
  r.name = name;
  r.config_file = config_file;
  r.attn_implementation = vm["attn-implementation"].as<std::string>();
  if (r.attn_implementation != "sdpa" && r.attn_implementation != "eager")
    throw po::error("--attn-implementation must be sdpa or eager, not '" + r.attn_implementation + "'");
  if (vm.count("costs-dir")) r.costs_dir = vm["costs-dir"].as<std::string>();
  r.allow_unknown = vm.count("allow-unknown") > 0;
  if (vm.count("bind")) {
    for (const std::string& b : vm["bind"].as<std::vector<std::string>>()) {
      size_t eq = b.find('=');
      if (eq == std::string::npos || eq == 0) throw po::error("--bind wants NAME=EXPR, not '" + b + "'");
      try {
        r.root_bindings[b.substr(0, eq)] = Expr::parse(b.substr(eq + 1));
      } catch (const ExprError& e) {
        throw po::error("--bind " + b + ": " + e.what());
      }
    }
  }
  return r;
}

namespace {

GiNaC::numeric number_option(const po::variables_map& vm, const std::string& option, bool positive,
                             bool integer = false) {
  std::string text = vm[option].as<std::string>();
  GiNaC::numeric n;
  try {
    n = parse_exact_number(text);
  } catch (const std::invalid_argument&) {
    throw po::error("--" + option + " wants a number, not '" + text + "'");
  }
  if (n.is_negative() || (positive && n.is_zero()))
    throw po::error("--" + option + " must be " + (positive ? "positive" : "zero or more") + ", not '" + text + "'");
  if (integer && !n.is_integer()) throw po::error("--" + option + " must be a whole number, not '" + text + "'");
  return n;
}

}  // namespace

RuntimePoint runtime_point(const po::variables_map& vm) {
  RuntimePoint p;
  p.batch_size = number_option(vm, "batch-size", true, true);
  p.seq_len = number_option(vm, "seq-len", true, true);
  p.cache_len = number_option(vm, "cache-len", false, true);
  p.bytes = number_option(vm, "bytes", true);
  return p;
}

double si_number(const std::string& text, const std::string& option) {
  static const std::string suffixes = "KMGTPE";
  std::string digits = text;
  double scale = 1;
  if (!digits.empty()) {
    size_t s = suffixes.find(static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back()))));
    if (s != std::string::npos && !(digits.size() > 1 && (digits[digits.size() - 2] == 'e' || digits[digits.size() - 2] == 'E'))) {
      scale = std::pow(1000.0, static_cast<double>(s + 1));
      digits.pop_back();
    }
  }
  try {
    double v = parse_exact_number(digits).to_double() * scale;
    if (!(v > 0) || !std::isfinite(v)) throw std::invalid_argument("");
    return v;
  } catch (const std::invalid_argument&) {
    throw po::error("--" + option + " wants a positive number such as 989e12 or 989T, not '" + text + "'");
  }
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
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<GiNaC::numeric> number_list(const std::string& text, const std::string& option) {
  std::vector<GiNaC::numeric> out;
  auto bad = [&](const std::string& why) {
    return po::error("--" + option + " '" + text + "': " + why + " (want a list like 1,8,64 or a range start:stop:step)");
  };
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      size_t c1 = item.find(':');
      if (c1 == std::string::npos) {
        if (out.size() >= 10000000) throw bad("the list has more than 10 million values");
        out.push_back(parse_exact_number(item));
      } else {
        size_t c2 = item.find(':', c1 + 1);
        GiNaC::numeric a = parse_exact_number(item.substr(0, c1));
        GiNaC::numeric b = parse_exact_number(item.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1));
        GiNaC::numeric step = c2 == std::string::npos ? 1 : parse_exact_number(item.substr(c2 + 1));
        if (!step.is_positive()) throw bad("the step must be positive");
        if (b < a) throw bad("the range is empty");
        if ((b - a) / step + out.size() > 10000000) throw bad("the list has more than 10 million values");
        for (GiNaC::numeric v = a; v <= b; v += step) out.push_back(v);
      }
    } catch (const std::invalid_argument& e) {
      throw bad(e.what());
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (const GiNaC::numeric& n : out)
    if (n.is_negative()) throw bad("negative value");
  return out;
}

LoadedLibrary load_library(const po::variables_map& vm) {
  LoadedLibrary l;
  l.kernels_dir = vm["kernels-dir"].as<std::string>();
  l.name_map_path = vm["name-map"].as<std::string>();
  l.leaves = LeafCatalog::load(l.kernels_dir);
  l.names = NameMap::load(l.name_map_path);
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
  }
}

}  // namespace kcost
