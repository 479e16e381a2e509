// `kcost formula NAME`: the totals as polynomials in batch_size, seq_len, cache_len, bytes.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "evaluate/evaluator.h"
#include "evaluate/experts_hit.h"
#include "locate/python_on_demand.h"
#include "python/session.h"
#include "resolve/point_domain.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

CostExprs readable(const CostExprs& c, const std::map<std::string, Expr>& numbers) {
  return {decided_by_point(c.flops.subs(numbers)).expand(), decided_by_point(c.memory_read.subs(numbers)).expand(),
          decided_by_point(c.memory_write.subs(numbers)).expand()};
}

nlohmann::ordered_json formulas_json(const CostExprs& c) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["flops"] = c.flops.str();
  j["memory_read"] = c.memory_read.str();
  j["memory_write"] = c.memory_write.str();
  return j;
}

void print_formulas(const CostExprs& c, const std::string& indent) {
  std::cout << indent << "flops        = " << c.flops.str() << "\n"
            << indent << "memory_read  = " << c.memory_read.str() << "\n"
            << indent << "memory_write = " << c.memory_write.str() << "\n";
}

}  // namespace

int formula_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost formula <model_type | qualified kernel name> [--config FILE] [options]\n\n"
      "The model's totals (FLOPs, bytes read, bytes written of one forward call) as expanded\n"
      "polynomials in batch_size, seq_len, cache_len and bytes (the weights' and the KV cache's widths\n"
      "are bytes unless --weight-bytes, --kv-bytes give them; --symbolic-widths keeps them as the\n"
      "symbols weight_bytes and kv_bytes), with the config's numbers\n"
      "substituted (the config class defaults, or --config). Terms that depend on the runtime point\n"
      "through a condition (e.g. sdpa's mask only when seq_len != 1 and cache_len != 0) stay\n"
      "conditional. --keep-config keeps config.* symbolic. Then the memory: parameters, buffers\n"
      "and the KV cache's elements after cache_len tokens (json: memory). A mixture-of-experts\n"
      "model's experts' weights read are bounded by experts_hit, the experts one layer's call\n"
      "reaches, which routing decides: it stays a symbol unless --experts-hit gives it.\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("format", po::value<std::string>()->default_value("text"), "text | json")
      ("keep-config", "do not substitute the config's numbers")
      ("by-kernel", "also each leaf kernel's total over the model");
  visible.add(width_options());
  visible.add_options()("symbolic-widths",
                        "keep weight_bytes and kv_bytes as symbols where --weight-bytes, --kv-bytes do not give them "
                        "(default: each is bytes)");
  visible.add(experts_hit_options());
  visible.add(model_options());
  visible.add(library_options());
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "name", vm)) return kExitOk;
  std::vector<std::string> names = positionals(vm, "name");
  if (names.size() != 1) throw po::error(names.empty() ? "missing the model" : "one model at a time");
  std::optional<ExpertsHit> hit = experts_hit(vm);
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") throw po::error("--format must be text or json, not '" + format + "'");
  std::string config_file = vm.count("config") ? vm["config"].as<std::string>() : "";
  ModelRequest request = model_request(vm, names[0], config_file);
  std::optional<Precision> weight_width = width_option(vm, "weight-bytes"), kv_width = width_option(vm, "kv-bytes");

  return run_reporting("formula", [&]() -> int {
    LoadedLibrary library = load_library(vm);
    PythonOnDemand python(session_options(vm));  // the warm path never starts it
    ModelCosts m = load_model_costs(python, library.view(), request);
    if (hit) m.tree = with_experts_hit(m.tree, hit);
    std::map<std::string, Expr> numbers;
    if (!vm.count("keep-config")) {
      Values probe = m.config;
      for (const char* v : {"batch_size", "seq_len", "cache_len", "bytes", "weight_bytes", "kv_bytes", kExpertsHit}) probe[v] = 1;
      auto missing = missing_symbols(m.tree, probe);
      if (!missing.empty())
        throw EvaluateError("the config has no value for '" + missing.begin()->first.substr(7) + "', which " +
                                missing.begin()->second + " needs",
                            missing.begin()->first);
      for (const auto& [name, value] : m.config) numbers[name] = Expr::number(value);
    }
    // Widths given are numbers in the formulas; unset, each is `bytes` (its default), unless
    // --symbolic-widths keeps weight_bytes and kv_bytes to show where they enter.
    const bool symbolic = vm.count("symbolic-widths") > 0;
    if (weight_width) numbers["weight_bytes"] = Expr::number(weight_width->bytes);
    else if (!symbolic) numbers["weight_bytes"] = Expr::symbol("bytes");
    if (kv_width) numbers["kv_bytes"] = Expr::number(kv_width->bytes);
    else if (!symbolic) numbers["kv_bytes"] = Expr::symbol("bytes");
    CostExprs totals = readable(m.tree.root.cost, numbers);
    if (format == "json") {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      j["model"] = m.name;
      j["root"] = m.root;
      j["config"] = m.config_source;
      j["attn_implementation"] = request.attn_implementation;
      j["totals"] = formulas_json(totals);
      if (const auto& f = m.tree.root.footprint) {
        nlohmann::ordered_json memory = nlohmann::ordered_json::object();
        memory["parameters"] = f->parameters.subs(numbers).expand().str();
        memory["buffers"] = f->buffers.subs(numbers).expand().str();
        memory["cache_elements"] = f->cache_elements.subs(numbers).expand().str();
        j["memory"] = memory;
      }
      if (vm.count("by-kernel")) {
        nlohmann::ordered_json by = nlohmann::ordered_json::object();
        for (const auto& [k, c] : m.tree.by_kernel) by[k] = formulas_json(readable(c, numbers));
        j["by_kernel"] = by;
      }
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "# " << m.root << " (" << m.name << "); config: " << m.config_source
                << "; attention: " << request.attn_implementation << "\n";
      print_formulas(totals, "");
      if (const auto& f = m.tree.root.footprint) {
        std::cout << "\n# memory, in elements (bytes: parameters and buffers times `weight_bytes`, the cache times "
                     "`kv_bytes`); the cache after cache_len tokens\n"
                  << "parameters     = " << f->parameters.subs(numbers).expand().str() << "\n"
                  << "buffers        = " << f->buffers.subs(numbers).expand().str() << "\n"
                  << "cache_elements = " << f->cache_elements.subs(numbers).expand().str() << "\n";
      }
      if (vm.count("by-kernel"))
        for (const auto& [k, c] : m.tree.by_kernel) {
          std::cout << "\n# " << k << "\n";
          print_formulas(readable(c, numbers), "");
        }
    }
    return kExitOk;
  });
}

}  // namespace kcost
