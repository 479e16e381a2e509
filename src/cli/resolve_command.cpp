// `kcost resolve NAME`: the resolved cost tree of a kernel or model, as JSON.
#include <filesystem>
#include <iostream>

#include "expr/exact_json.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "emit/atomic_file.h"
#include "evaluate/experts_hit.h"
#include "locate/python_on_demand.h"
#include "python/session.h"
#include "resolve/resolver.h"

namespace po = boost::program_options;

namespace kcost {

int resolve_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost resolve <qualified kernel name | model_type> [--costs-dir DIR] [-o FILE] [options]\n\n"
      "Substitutes the bindings of <costs-dir>/<kernel>.json and of every composite child's cost\n"
      "file down to the leaf formulas, and writes the resolved tree (JSON):\n"
      "  {kernel_name, flops, memory_read, memory_write,\n"
      "   children: {label: {kernel, count, flops, memory_read, memory_write, children}}}\n"
      "every expression in batch_size, seq_len, cache_len, bytes, experts_hit (mixture-of-experts:\n"
      "the experts one layer's call reaches; --experts-hit decides it) and config.* only. Each node's\n"
      "costs are of one call of its kernel; `count` is how many times one call of its parent calls\n"
      "it; a composite's cost is the sum of count * child cost. Children are in call order.\n"
      "With --costs-dir, a child whose cost file is missing is an error naming it, unless --analyze\n"
      "runs the analyzer first; without --costs-dir, the cost files of eval's cache are used and\n"
      "analyzed on the fly. A child the analyzer could not model (\"unknown\") fails with exit 4\n"
      "unless --allow-unknown. An init param a child leaves unbound is fine when no cost depends\n"
      "on it, an error naming it when one does.\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("output,o", po::value<std::string>(), "write the JSON to FILE (atomically) instead of stdout")
      ("analyze", "run the analyzer for cost files missing from --costs-dir")
      ("expand", "expand every expression into a polynomial");
  visible.add(experts_hit_options());
  visible.add(model_options());
  visible.add(library_options());
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "name", vm)) return kExitOk;
  std::vector<std::string> names = positionals(vm, "name");
  if (names.size() != 1) throw po::error(names.empty() ? "missing the kernel to resolve" : "one kernel at a time");
  std::optional<ExpertsHit> hit = experts_hit(vm);
  std::string config_file = vm.count("config") ? vm["config"].as<std::string>() : "";
  ModelRequest request = model_request(vm, names[0], config_file);
  const bool explicit_dir = vm.count("costs-dir") > 0;

  return run_reporting("resolve", [&]() -> int {
    try {
      LoadedLibrary library = load_library(vm);
      ResolvedTree tree;
      std::error_code ec;
      bool local = explicit_dir && !vm.count("analyze") &&
                   (library.leaves.find(names[0]) ||
                    std::filesystem::is_regular_file(request.costs_dir + "/" + names[0] + ".json", ec));
      if (local) {  // everything is on disk: no Python
        ResolveOptions options;
        options.allow_unknown = request.allow_unknown;
        options.root_bindings = request.root_bindings;
        tree = resolve(request.costs_dir, names[0], library.leaves, options);
      } else {
        PythonOnDemand python(session_options(vm));  // the warm path never starts it
        request.analyze_missing = !explicit_dir || vm.count("analyze");
        ModelCosts m = load_model_costs(python, library.view(), request);
        for (const std::string& k : m.analyzed) std::cerr << "kcost resolve: analyzed " << k << "\n";
        tree = std::move(m.tree);
      }
      if (hit) tree = with_experts_hit(tree, hit);
      if (!tree.unknowns.empty())
        std::cerr << "kcost resolve: warning: " << tree.unknowns.size()
                  << " children could not be modelled and count zero (first: " << tree.unknowns[0] << ")\n";
      std::string text = dump_exact(to_json(tree, vm.count("expand") > 0), 2) + "\n";
      if (vm.count("output")) write_file_atomically(vm["output"].as<std::string>(), text);
      else std::cout << text;
      return kExitOk;
    } catch (const ResolveError& e) {
      if (e.kind != ResolveError::Kind::missing_kernel || !explicit_dir || vm.count("analyze")) throw;
      std::cerr << "kcost resolve: " << e.what() << " (--analyze runs the analyzer for it)\n";
      return kExitBadInput;
    }
  });
}

}  // namespace kcost
