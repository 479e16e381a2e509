// `kcost eval NAME`: FLOPs, bytes and roofline time of one forward call at one runtime point.
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "calibrate/calibration_error.h"
#include "calibrate/calibration_file.h"
#include "calibrate/latency_report.h"
#include "expr/exact_json.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "evaluate/evaluator.h"
#include "evaluate/experts_hit.h"
#include "evaluate/plots.h"
#include "evaluate/report.h"
#include "evaluate/traffic.h"
#include "locate/python_on_demand.h"
#include "python/session.h"
#include "resolve/resolved_tree.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

ResolvedTree read_resolved_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ResolvedTreeError(path + ": cannot read the resolved tree");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::ordered_json j;
  try {
    j = parse_exact(text.str());
  } catch (const JsonTextError& e) {
    throw ResolvedTreeError(path + ": not valid JSON: " + e.what());
  }
  return resolved_tree_from_json(j, path);
}

}  // namespace

int eval_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost eval <model_type | qualified kernel name> [options]\n\n"
      "The FLOPs, bytes read and bytes written of one forward call (the design's inference call:\n"
      "cache_len tokens in the KV cache, seq_len new tokens; prefill: --cache-len 0, decode:\n"
      "--seq-len 1), exactly, for the model's config at a runtime point; the arithmetic\n"
      "intensity; with an accelerator the roofline time max(FLOPs / peak, bytes / bandwidth) and\n"
      "which bound; the memory it needs (parameters, buffers, and the KV cache of batch_size\n"
      "sequences of cache_len tokens: kcost fit finds the largest batch that fits); every leaf\n"
      "kernel summed over the model (by_kernel: how much is F.linear, how much softmax); and the\n"
      "kernel tree. A model_type (llama) stands for its causal-LM\n"
      "class. Cost files are analyzed on the fly when missing (into a cache, or --costs-dir).\n"
      "Without --config the config class defaults are the model.\n\n"
      "  kcost eval llama --config Llama-2-7b/config.json --seq-len 1 --cache-len 4095 --hardware h100-sxm\n\n"
      "Formats: table (default; the tree to --depth 2), json ({model, root, config,\n"
      "attn_implementation, point, totals, arithmetic_intensity, roofline?, memory?, by_kernel, tree} with\n"
      "exact integers; tree costs are of one call, `count` calls per parent call), csv (one row per\n"
      "tree node: path, kernel, count, calls, and the costs of all those calls).\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("format", po::value<std::string>()->default_value("table"), "table | json | csv")
      ("depth", po::value<int>(), "levels of the kernel tree to show (default: 2 for table, all for json/csv)")
      ("plot", po::value<std::string>(), "draw the leaf kernels on the accelerator's roofline to FILE (.png, .svg, .pdf)")
      ("resolved", po::value<std::string>(),
       "evaluate a resolved tree file (from kcost resolve -o) instead of the model's cost files")
      ("calibration", po::value<std::string>(),
       "add the latency predicted by this kcost calibrate file, per kernel class and total (table, json)");
  visible.add(point_options());
  visible.add(model_options());
  visible.add(hardware_options());
  visible.add(library_options());
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "name", vm)) return kExitOk;

  std::vector<std::string> names = positionals(vm, "name");
  if (names.size() > 1) throw po::error("one model at a time (kcost sweep takes several)");
  if (names.empty() && !vm.count("resolved")) throw po::error("missing the model to evaluate");
  std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "json" && format != "csv")
    throw po::error("--format must be table, json or csv, not '" + format + "'");
  int depth = vm.count("depth") ? vm["depth"].as<int>() : (format == "table" ? 2 : -1);
  if (vm.count("plot") && !vm.count("hardware") && !vm.count("peak-flops"))
    throw po::error("--plot needs an accelerator (--hardware, or --peak-flops and --bandwidth)");
  std::string config_file = vm.count("config") ? vm["config"].as<std::string>() : "";
  ModelRequest request = model_request(vm, names.empty() ? "" : names[0], config_file);
  RuntimePoint point = runtime_point(vm);

  return run_reporting("eval", [&]() -> int {
    std::vector<Accelerator> hardware = accelerators(vm);
    std::optional<LatencyModel> calibration;
    if (vm.count("calibration")) calibration = read_calibration(vm["calibration"].as<std::string>());
    LoadedLibrary library = load_library(vm);
    PythonOnDemand python(session_options(vm));  // the warm path never starts it

    EvalReport report;
    report.point = point;
    report.attn_implementation = request.attn_implementation;
    if (!hardware.empty()) report.hardware = hardware[0];
    ResolvedTree tree;
    Values values;
    if (vm.count("resolved")) {
      tree = read_resolved_file(vm["resolved"].as<std::string>());
      report.root = tree.root.kernel;
      report.model = names.empty() ? report.root : names[0];
      std::string config_class;
      try {
        values = load_config_values(python.locator(), report.root, config_file, &config_class);
      } catch (const LocateError&) {
        if (!config_file.empty()) throw;
      }
      report.config_source = config_file.empty() ? (config_class.empty() ? "no config" : config_class + " defaults")
                                                 : config_file;
    } else {
      ModelCosts m = load_model_costs(python, library.view(), request);
      tree = std::move(m.tree);
      values = std::move(m.config);
      report.model = m.name;
      report.root = m.root;
      report.config_source = m.config_source;
    }
    if (!tree.unknowns.empty()) {
      std::string paths;
      for (const std::string& p : tree.unknowns) paths += (paths.empty() ? "" : ", ") + p;
      std::cerr << "kcost eval: warning: " << tree.unknowns.size() << " children could not be modelled and count zero: "
                << paths << "\n";
    }
    report.moe = uses_experts_hit(tree);
    tree = with_experts_hit(tree, point.experts_hit);
    for (const auto& [name, value] : runtime_values(point)) values[name] = value;
    report.evaluation = evaluate(tree, values);
    report.traffic = traffic_split(tree, values, point);
    try {
      report.memory = evaluate_footprint(tree, values);
    } catch (const EvaluateError& e) {
      std::cerr << "kcost eval: warning: memory not shown: " << e.what() << "\n";
    }

    if (format == "json") {
      nlohmann::ordered_json j = eval_json(report, depth);
      if (calibration)
        j["predicted_latency"] = predicted_latency_json(*calibration, report.evaluation, vm["calibration"].as<std::string>());
      std::cout << dump_exact(j, 2) << "\n";
    } else if (format == "csv") {
      std::cout << eval_csv(report, depth);
    } else {
      std::cout << eval_table(report, depth);
      if (calibration)
        std::cout << predicted_latency_table(*calibration, report.evaluation, vm["calibration"].as<std::string>());
    }
    if (vm.count("plot")) {
      const std::string& path = vm["plot"].as<std::string>();
      if (int rc = write_plot(python.session(), roofline_plot_spec(report, path), "eval", "roofline plot", path)) return rc;
    }
    return kExitOk;
  });
}

}  // namespace kcost
