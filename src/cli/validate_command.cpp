// `kcost validate MODEL...`: the static cost model against a traced run of the real model.
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "expr/exact_json.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "cli/validate_workers.h"
#include "costfile/message_text.h"
#include "emit/atomic_file.h"
#include "locate/source_locator.h"
#include "python/session.h"
#include "validate/small_config_rule.h"
#include "validate/validation.h"
#include "validate/validation_report.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

// "2,11,0;2,1,9" -> points; throws po::error naming the bad part.
std::vector<RuntimeShape> parse_points(const std::string& text) {
  std::vector<RuntimeShape> out;
  std::stringstream all(text);
  std::string part;
  while (std::getline(all, part, ';')) {
    if (part.find_first_not_of(" \t") == std::string::npos) continue;
    std::stringstream one(part);
    std::string field;
    std::vector<long long> v;
    while (std::getline(one, field, ',')) {
      size_t used = 0;
      long long n = -1;
      try {
        n = std::stoll(field, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      while (used < field.size() && (field[used] == ' ' || field[used] == '\t')) ++used;
      if (used == 0 || used != field.size() || n < 0) throw po::error("--points: '" + part + "': '" + field + "' is not a count");
      v.push_back(n);
    }
    if (v.size() != 3) throw po::error("--points: '" + part + "' is not batch_size,seq_len,cache_len");
    if (v[0] < 1 || v[1] < 1) throw po::error("--points: '" + part + "': batch_size and seq_len must be at least 1");
    out.push_back({v[0], v[1], v[2]});
  }
  if (out.empty()) throw po::error("--points: no point in '" + text + "'");
  return out;
}

}  // namespace

int validate_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost validate <model_type | qualified class>... [options]\n\n"
      "Proves the static cost model against a real run. For each model: builds it from a small config\n"
      "derived from its config class defaults (random weights, CPU, float32, nothing downloaded), and\n"
      "at each point prefills cache_len tokens into a DynamicCache, then runs model(input_ids,\n"
      "attention_mask=ones, cache, use_cache=True) with seq_len new tokens, recording every call the\n"
      "model source makes; each call is priced by the same leaf formula the analysis would choose\n"
      "(bytes = 4). The static model is analyzed with the same config, resolved and evaluated at the\n"
      "same point. They agree when FLOPs, bytes read and bytes written are exactly equal; otherwise\n"
      "the leaf kernels whose totals differ are listed. Also checks the static matmul-class FLOPs,\n"
      "less bias adds, against torch.utils.flop_counter.FlopCounterMode (under sdpa on CPU it has no\n"
      "formula for the fused attention kernel, which is then left out of that check). Memory and\n"
      "bytes are checked independently of any formula: the analysis's parameters and buffers against\n"
      "the built model's, its KV cache against the tensors the real cache holds after the prefill, and\n"
      "each leaf kernel's bytes against an aten-level count of what its calls touched. A mixture of\n"
      "experts is evaluated with experts_hit bound to the experts the real run's routing reached\n"
      "(per point, the mean over its grouped expert products), shown with the point. Exits 6 on\n"
      "any disagreement.\n\n"
      "  kcost validate llama qwen3 gpt2\n"
      "  kcost validate --all --summary          # every causal LM of the installed transformers\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("points", po::value<std::string>()->default_value("2,11,0;2,1,9;3,5,7"),
       "runtime points \"batch_size,seq_len,cache_len;...\" (default: prefill, decode, chunked prefill)")
      ("attn-implementation", po::value<std::string>()->default_value("sdpa"),
       "sdpa | eager | both (a model without sdpa runs eager on both sides, as transformers runs it, and says so)")
      ("experts-implementation", po::value<std::string>()->default_value("grouped_mm"),
       "the experts' forward of a mixture-of-experts model, on both sides: grouped_mm | batched_mm | eager")
      ("small-config-rule", po::value<std::string>()->default_value(""),
       "the small config's sizes, NAME=N,... (heads=8, kv_heads=4, head_dim=16, layers=3, vocab=997, experts=4, "
       "experts_per_token=2, window=4, window_layers=1, window_pattern=2 unless given): prove the analysis at "
       "other shapes, e.g. layers=5 reaches a layer kind the default's 3 do not")
      ("format", po::value<std::string>()->default_value("table"), "table | json")
      ("output,o", po::value<std::string>(), "also write the JSON report to FILE (atomically)")
      ("all", "validate every model type the installed transformers maps to a causal LM")
      ("summary", "one line per model (agree, DISAGREE with the first differing metric, FAILED with why) and the totals, instead of the tables")
      ("jobs,j", po::value<int>()->default_value(1),
       "validate in N worker processes (one interpreter each; lines come as models end; a worker the system "
       "kills fails the model it was on, and a new one goes on); tables need --jobs 1, so N > 1 prints --summary lines")
      ("work-dir", po::value<std::string>()->default_value(""),
       "keep the small config.json and the static cost files under this directory (one subdirectory per model)");
  visible.add(library_options());
  visible.add(python_options());
  po::options_description all;
  all.add(visible);
  all.add_options()
      ("model", po::value<std::vector<std::string>>(), "")
      ("worker-output", po::value<std::string>(), "")  // a worker of --jobs: where its lines go
      ("worker-task", po::value<std::vector<std::string>>(), "");  // a worker's task: INDEX=ATTN:MODEL
  po::positional_options_description positional;
  positional.add("model", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return kExitOk;
  }
  const bool worker = vm.count("worker-output") > 0;
  if (!worker && !vm.count("model") && !vm.count("all")) throw po::error("missing the model(s) to validate (or --all)");
  if (vm.count("model") && vm.count("all")) throw po::error("give model types or --all, not both");
  ValidationOptions options;
  options.points = parse_points(vm["points"].as<std::string>());
  std::string attn = vm["attn-implementation"].as<std::string>();
  if (attn != "sdpa" && attn != "eager" && attn != "both")
    throw po::error("--attn-implementation must be sdpa, eager or both, not '" + attn + "'");
  std::vector<std::string> implementations = attn == "both" ? std::vector<std::string>{"sdpa", "eager"}
                                                            : std::vector<std::string>{attn};
  options.experts_implementation = experts_implementation(vm);
  try {
    options.small_config_rule = parse_small_config_rule(vm["small-config-rule"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw po::error(std::string("--small-config-rule: ") + e.what());
  }
  std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "json") throw po::error("--format must be table or json, not '" + format + "'");
  int jobs = vm["jobs"].as<int>();
  if (jobs < 1) throw po::error("--jobs must be at least 1, not " + std::to_string(jobs));
  const bool summary = vm.count("summary") > 0 || (jobs > 1 && format == "table");
  std::string work_dir = vm["work-dir"].as<std::string>();

  std::string kernels_dir = vm["kernels-dir"].as<std::string>();
  std::string name_map = vm["name-map"].as<std::string>();
  LeafCatalog leaves;
  NameMap names;
  try {
    LoadedLibrary library = load_library(vm);
    leaves = std::move(library.leaves);
    names = std::move(library.names);
  } catch (const CatalogError& e) {
    std::cerr << "kcost validate: " << e.what() << "\n";
    return kExitBadInput;
  }

  // One model under one implementation, in this process.
  std::optional<SourceLocator> locator;
  auto validate_here = [&](const ValidationTask& task, ModelValidation& v) {
    PythonSession& session = PythonSession::start(session_options(vm));
    if (!locator) locator.emplace(session);
    ValidationOptions o = options;
    o.attn_implementation = task.attn_implementation;
    if (!work_dir.empty()) o.work_dir = work_dir + "/" + task.model + "/" + task.attn_implementation;
    v = validate_model(*locator, session, ValidationLibrary{leaves, names}, task.model, o);
    locator->forget_sources();  // a worker's memory stays that of one model's sources
    TaskOutcome out;
    out.summary = validation_summary_line(v);
    out.ok = v.ok();
    out.failed = !v.error.empty();
    out.report = validation_json(v);
    return out;
  };

  if (worker) {  // a worker of --jobs: its tasks, each reported on its own line
    const std::string file = vm["worker-output"].as<std::string>();
    for (const std::string& text : vm.count("worker-task") ? vm["worker-task"].as<std::vector<std::string>>()
                                                           : std::vector<std::string>{}) {
      size_t eq = text.find('=');
      size_t index = std::stoul(text.substr(0, eq));
      ValidationTask task = parse_task(text.substr(eq + 1));
      append_line(file, task_start_line(index));
      TaskOutcome out;
      ModelValidation v;
      try {
        out = validate_here(task, v);
      } catch (const std::exception& e) {
        out.failed = true;
        out.summary = task.model + ": FAILED (" + one_line(e.what()) + ")";
        out.report = {{"name", task.model}, {"attn_implementation", task.attn_implementation}, {"ok", false}, {"error", e.what()}};
      }
      append_line(file, task_done_line(index, out));
    }
    return kExitOk;
  }

  std::vector<std::string> models;
  if (vm.count("all")) models = PythonSession::start(session_options(vm)).call("causal_lm_types", {}).get<std::vector<std::string>>();
  else models = vm["model"].as<std::vector<std::string>>();
  std::vector<ValidationTask> tasks;
  for (const std::string& m : models)
    for (const std::string& impl : implementations) tasks.push_back({m, impl});

  size_t finished = 0;
  auto line_of = [&](const ValidationTask& task, const std::string& text) {
    std::string s = "[" + std::to_string(++finished) + "/" + std::to_string(tasks.size()) + "] ";
    return s + (implementations.size() > 1 ? task.attn_implementation + " " : "") + text;
  };
  std::vector<TaskOutcome> outcomes;
  if (jobs > 1) {
    std::vector<std::string> common = {"--points", vm["points"].as<std::string>(), "--experts-implementation",
                                       options.experts_implementation, "--kernels-dir", kernels_dir, "--name-map", name_map};
    if (!work_dir.empty()) common.insert(common.end(), {"--work-dir", work_dir});
    if (!vm["small-config-rule"].as<std::string>().empty())
      common.insert(common.end(), {"--small-config-rule", vm["small-config-rule"].as<std::string>()});
    if (vm["library-only"].as<bool>()) common.push_back("--library-only");
    for (const char* o : {"python-env", "transformers-dir", "pytorch-dir"})
      if (vm.count(o)) common.insert(common.end(), {std::string("--") + o, vm[o].as<std::string>()});
    outcomes = run_in_workers(self_executable(), tasks, static_cast<size_t>(jobs), common,
                              [&](size_t i, const TaskOutcome& o) {
                                if (format == "json") return;
                                std::cout << line_of(tasks[i], o.summary) << "\n";
                                std::cout.flush();
                              });
  } else {
    for (const ValidationTask& task : tasks) {
      ModelValidation v;
      try {
        outcomes.push_back(validate_here(task, v));
      } catch (const LocateError& e) {
        std::cerr << "kcost validate: " << e.what() << "\n";
        return kExitNotFound;
      }
      if (format == "json") continue;
      if (summary) std::cout << line_of(task, outcomes.back().summary) << "\n";
      else print_validation_table(std::cout, v);
      std::cout.flush();
    }
  }

  bool all_ok = true;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const TaskOutcome& o : outcomes) {
    all_ok = all_ok && o.ok;
    results.push_back(o.report);
  }
  nlohmann::ordered_json report{{"ok", all_ok}};
  // The sizes the small configs were made with, where they are not the rule's own.
  if (!options.small_config_rule.empty()) report["small_config_rule"] = options.small_config_rule;
  report["models"] = results;
  if (vm.count("output")) write_file_atomically(vm["output"].as<std::string>(), dump_exact(report, 2) + "\n");
  if (format == "json") {
    std::cout << dump_exact(report, 2) << "\n";
  } else if (summary || tasks.size() > 1) {
    for (const std::string& impl : implementations) {
      size_t n = 0, agreed = 0, failed = 0;
      for (size_t i = 0; i < tasks.size(); ++i)
        if (tasks[i].attn_implementation == impl) {
          ++n;
          agreed += outcomes[i].ok;
          failed += outcomes[i].failed;
        }
      std::cout << agreed << " agree, " << n - agreed - failed << " disagree, " << failed << " failed of " << n
                << " (attention " << impl << ")\n";
    }
    if (implementations.size() > 1) {
      std::set<std::string> some;
      for (size_t i = 0; i < tasks.size(); ++i)
        if (outcomes[i].ok) some.insert(tasks[i].model);
      std::cout << some.size() << " of " << models.size() << " agree under some implementation\n";
    }
  }
  return all_ok ? kExitOk : kExitMismatch;
}

}  // namespace kcost
