// `kcost analyze NAME`: writes the cost JSON and reasoning of every kernel of a model.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "analyze/analyzer.h"
#include "cli/commands.h"
#include "cli/model_batch.h"
#include "costfile/message_text.h"
#include "locate/source_locator.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "emit/emit_error.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

po::options_description library_options() {
  po::options_description o("Kernel library");
  o.add_options()
      ("kernels-dir", po::value<std::string>()->default_value(std::string(KCOST_SOURCE_DIR) + "/kernels"),
       "leaf kernel library (*.json)")
      ("name-map", po::value<std::string>()->default_value(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json"),
       "map of PyTorch/transformers names to leaf kernels")
      ("library-only", po::bool_switch(),
       "use only the leaves of --kernels-dir and the names of --name-map (by default a library of your own is layered "
       "over kcost's: its leaves and names replace kcost's of the same name, kcost's price everything else)");
  return o;
}

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// `kcost analyze --all`: every causal-LM model type, one result line each where it is not
// complete, a progress bar on a terminal, and the totals.
int analyze_all(PythonSession& session, SourceLocator& locator, const LeafCatalog& leaves, const NameMap& names,
                const AnalyzeOptions& options, int jobs, std::chrono::steady_clock::time_point start,
                bool allow_unknown) {
  std::vector<std::string> models = session.call("causal_lm_types").get<std::vector<std::string>>();
  double startup_ms = ms_since(start);
  auto work = [&](const std::string& model) -> nlohmann::json {
    auto t = std::chrono::steady_clock::now();
    nlohmann::json r = {{"model", model}};
    try {
      AnalyzeOptions o = options;
      o.costs_dir = (std::filesystem::path(options.costs_dir) / model).string();
      std::string root = locator.qualified_name(model);
      locator.find_class(root);
      AnalyzeResult a = analyze(locator, leaves, names, root, o);
      r["root"] = a.root;
      r["written"] = a.written.size();
      r["kept"] = a.kept.size();
      r["unknowns"] = a.unknowns.size();
      if (!a.unknowns.empty()) r["first_unknown"] = a.unknowns.front();
    } catch (const std::exception& e) {
      r["error"] = e.what();
    }
    r["ms"] = ms_since(t);
    locator.forget_sources();
    return r;
  };
  const bool bar = isatty(STDERR_FILENO);
  size_t completed = 0, partial = 0, failed = 0, written = 0, kept = 0, finished = 0;
  std::vector<std::string> problems;
  run_model_batch(session, models, jobs, work, [&](size_t i, const nlohmann::json& r) {
    ++finished;
    const std::string& model = models[i];
    std::string line;
    if (r.contains("error")) {
      ++failed;
      line = model + ": FAILED: " + one_line(r["error"].get<std::string>());
    } else {
      written += r.value("written", size_t{0});
      kept += r.value("kept", size_t{0});
      size_t unknowns = r.value("unknowns", size_t{0});
      if (unknowns == 0) {
        ++completed;
      } else {
        ++partial;
        line = model + ": " + std::to_string(unknowns) + " unknown children (first: " +
               one_line(r.value("first_unknown", std::string())) + ")";
      }
    }
    if (!line.empty()) {
      if (bar) std::fprintf(stderr, "\r%*s\r", 80, "");
      std::cout << line << "\n";
      std::cout.flush();
    }
    if (bar) draw_batch_progress(finished, models.size(), model);
  });
  double ms = ms_since(start);
  std::cout << models.size() << " model types: " << completed << " complete, " << partial
            << " with unknown children, " << failed << " failed; " << written << " kernels written, " << kept
            << " kept; " << static_cast<long long>(ms + 0.5) << " ms (" << static_cast<long long>(ms - startup_ms + 0.5)
            << " ms analysis after " << static_cast<long long>(startup_ms + 0.5)
            << " ms starting Python and importing torch and transformers; " << jobs << (jobs == 1 ? " job" : " jobs")
            << ") -> " << options.costs_dir << "\n";
  if (failed) return kExitPartial;
  if (partial && !allow_unknown) return kExitPartial;
  return kExitOk;
}

}  // namespace

int analyze_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost analyze <qualified name | model_type> [options]\n\n"
      "Analyzes the root module, then every composite module its forward() reaches, and writes\n"
      "<costs-dir>/<kernel>.json (the spec's cost format: children and bindings) and <kernel>.md\n"
      "(the reasoning: source lines, shapes, branches, assumptions, unknowns) for each kernel that\n"
      "has no cost JSON there yet. The model is what one call model(input_ids, attention_mask,\n"
      "past_key_values=cache, use_cache=True) does in eval mode with cache_len cached tokens and\n"
      "seq_len new ones, its keywords as generate makes them (the model's own\n"
      "prepare_inputs_for_generation). Ends with one summary line. Exits 4 when some child could not be\n"
      "modelled (written as kernel \"unknown\"), unless --allow-unknown.\n\n"
      "  kcost analyze --all --jobs 2 --costs-dir zoo   # every causal LM; exits 4 when some model\n"
      "                                                 # has unknown children or failed\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("costs-dir", po::value<std::string>()->default_value("costs"), "where the cost JSON and .md files go")
      ("config", po::value<std::string>()->default_value(""),
       "a config.json to take structure from instead of the config class defaults")
      ("attn-implementation", po::value<std::string>()->default_value("sdpa"), "sdpa | eager")
      ("experts-implementation", po::value<std::string>()->default_value("grouped_mm"),
       "the experts' forward a mixture-of-experts model runs (config._experts_implementation): grouped_mm "
       "(transformers' default) | batched_mm | eager")
      ("allow-unknown", "exit 0 even when some children could not be modelled")
      ("force", "rewrite kernels whose files exist")
      ("all", "analyze every model type the installed transformers maps to a causal LM, in one process "
              "(torch and transformers imported once), each into <costs-dir>/<model_type>/; a progress bar "
              "on a terminal, a line for each model that is not complete, then a summary")
      ("jobs,j", po::value<int>()->default_value(1),
       "with --all: worker processes forked after the imports, each analyzing (and importing) its share");
  visible.add(library_options());
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_command_line(args, visible, "name", vm)) return kExitOk;
  const bool all = vm.count("all") > 0;
  if (all && vm.count("name")) throw po::error("give a model or --all, not both");
  const std::string name_arg = all ? "" : single_positional(vm, "name", "the model to analyze");
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) throw po::error("--jobs must be at least 1");
  AnalyzeOptions options;
  options.costs_dir = vm["costs-dir"].as<std::string>();
  options.config_file = vm["config"].as<std::string>();
  options.attn_implementation = vm["attn-implementation"].as<std::string>();
  options.experts_implementation = experts_implementation(vm);
  options.force = vm.count("force") > 0;
  if (options.attn_implementation != "sdpa" && options.attn_implementation != "eager")
    throw po::error("--attn-implementation must be sdpa or eager, not '" + options.attn_implementation + "'");

  auto start = std::chrono::steady_clock::now();
  LeafCatalog leaves;
  NameMap names;
  try {
    LoadedLibrary library = load_library(vm);
    leaves = std::move(library.leaves);
    names = std::move(library.names);
  } catch (const CatalogError& e) {
    std::cerr << "kcost analyze: " << e.what() << "\n";
    return kExitBadInput;
  }
  PythonSession& session = PythonSession::start(session_options(vm));
  SourceLocator locator(session);
  if (vm.count("all")) return analyze_all(session, locator, leaves, names, options, jobs, start, vm.count("allow-unknown") > 0);
  AnalyzeResult result;
  double startup_ms = 0;
  try {
    std::string name = locator.qualified_name(name_arg);
    locator.find_class(name);  // imports the model's module
    startup_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    result = analyze(locator, leaves, names, name, options);
  } catch (const LocateError& e) {
    std::cerr << "kcost analyze: " << e.what() << "\n";
    return kExitNotFound;
  } catch (const EmitError& e) {
    std::cerr << "kcost analyze: " << e.what() << "\n";
    return kExitBadInput;
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  for (const auto& u : result.unknowns) std::cerr << "unknown: " << u << "\n";
  std::cout << result.root << ": " << result.written.size() << " kernels written, " << result.kept.size()
            << " kept, " << result.unknowns.size() << " unknown children, " << static_cast<long long>(ms + 0.5)
            << " ms (" << static_cast<long long>(ms - startup_ms + 0.5) << " ms analysis after "
            << static_cast<long long>(startup_ms + 0.5) << " ms starting Python and importing the model) -> "
            << options.costs_dir << "\n";
  if (!result.unknowns.empty() && !vm.count("allow-unknown")) return kExitPartial;
  return kExitOk;
}

}  // namespace kcost
