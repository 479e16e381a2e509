// `kcost validate MODEL...`: the static cost model against a traced run of the real model.
#include <iostream>
#include <sstream>

#include "expr/exact_json.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_batch.h"
#include "locate/source_locator.h"
#include "python/session.h"
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
      "each leaf kernel's bytes against an aten-level count of what its calls touched. Exits 6 on\n"
      "any disagreement.\n\n"
      "  kcost validate llama qwen3 gpt2\n"
      "  kcost validate --all --summary          # every causal LM of the installed transformers\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("points", po::value<std::string>()->default_value("2,11,0;2,1,9;3,5,7"),
       "runtime points \"batch_size,seq_len,cache_len;...\" (default: prefill, decode, chunked prefill)")
      ("attn-implementation", po::value<std::string>()->default_value("sdpa"), "sdpa | eager")
      ("format", po::value<std::string>()->default_value("table"), "table | json")
      ("all", "validate every model type the installed transformers maps to a causal LM (one process)")
      ("jobs,j", po::value<int>()->default_value(1),
       "worker processes forked after torch and transformers are imported, each validating its share "
       "of the models (reports print as models finish)")
      ("summary", "one line per model (agree, DISAGREE with the first differing metric, FAILED with why) and the totals, instead of the tables")
      ("work-dir", po::value<std::string>()->default_value(""),
       "keep the small config.json and the static cost files under this directory (one subdirectory per model)");
  visible.add(library_options());
  visible.add(python_options());
  po::options_description all;
  all.add(visible);
  all.add_options()("model", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("model", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return kExitOk;
  }
  if (!vm.count("model") && !vm.count("all")) throw po::error("missing the model(s) to validate (or --all)");
  if (vm.count("model") && vm.count("all")) throw po::error("give model types or --all, not both");
  const bool summary = vm.count("summary") > 0;
  ValidationOptions options;
  options.points = parse_points(vm["points"].as<std::string>());
  options.attn_implementation = vm["attn-implementation"].as<std::string>();
  if (options.attn_implementation != "sdpa" && options.attn_implementation != "eager")
    throw po::error("--attn-implementation must be sdpa or eager, not '" + options.attn_implementation + "'");
  std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "json") throw po::error("--format must be table or json, not '" + format + "'");
  std::string work_dir = vm["work-dir"].as<std::string>();
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) throw po::error("--jobs must be at least 1");

  std::string kernels_dir = vm["kernels-dir"].as<std::string>();
  std::string name_map = vm["name-map"].as<std::string>();
  LeafCatalog leaves;
  NameMap names;
  try {
    leaves = LeafCatalog::load(kernels_dir);
    names = NameMap::load(name_map);
  } catch (const CatalogError& e) {
    std::cerr << "kcost validate: " << e.what() << "\n";
    return kExitBadInput;
  }
  PythonSession& session = PythonSession::start(session_options(vm));
  SourceLocator locator(session);
  ValidationLibrary library{leaves, names};

  std::vector<std::string> models;
  if (vm.count("all")) models = session.call("causal_lm_types", {}).get<std::vector<std::string>>();
  else models = vm["model"].as<std::vector<std::string>>();
  bool all_ok = true;
  size_t agreed = 0, failed = 0, finished = 0;
  std::string not_found;
  // Each model's report is rendered where it was validated (a worker with --jobs) and printed
  // here in the order the models finish.
  auto work = [&](const std::string& model) -> nlohmann::json {
    ValidationOptions o = options;
    if (!work_dir.empty()) o.work_dir = work_dir + "/" + model + "/" + options.attn_implementation;
    ModelValidation v;
    try {
      v = validate_model(locator, session, library, model, o);
    } catch (const LocateError& e) {
      return {{"not_found", e.what()}};
    }
    nlohmann::json r = {{"ok", v.ok()}, {"failed", !v.error.empty()}};
    if (format == "json") {
      r["json"] = dump_exact(validation_json(v));
    } else if (summary) {
      r["text"] = validation_summary_line(v) + "\n";
    } else {
      std::ostringstream table;
      print_validation_table(table, v);
      r["text"] = table.str();
    }
    return r;
  };
  std::vector<nlohmann::ordered_json> results(models.size());
  run_model_batch(session, models, jobs, work, [&](size_t i, const nlohmann::json& r) {
    ++finished;
    if (r.contains("not_found") || r.contains("error")) {
      std::string what = r.contains("not_found") ? r["not_found"].get<std::string>() : r["error"].get<std::string>();
      if (r.contains("not_found") && not_found.empty()) not_found = what;
      std::cerr << "kcost validate: " << (r.contains("not_found") ? "" : models[i] + ": ") << what << "\n";
      all_ok = false;
      ++failed;
      return;
    }
    bool ok = r.value("ok", false);
    all_ok = all_ok && ok;
    agreed += ok;
    failed += r.value("failed", false);
    if (format == "json") {
      results[i] = parse_exact(r.value("json", std::string("null")));
    } else {
      std::cout << (summary ? "[" + std::to_string(finished) + "/" + std::to_string(models.size()) + "] " : "")
                << r.value("text", std::string());
      std::cout.flush();
    }
  });
  if (!not_found.empty() && models.size() == 1) return kExitNotFound;
  if (format == "json") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (auto& r : results)
      if (!r.is_null()) list.push_back(std::move(r));
    std::cout << dump_exact(nlohmann::ordered_json{{"ok", all_ok}, {"models", list}}, 2) << "\n";
  } else if (summary || models.size() > 1) {
    std::cout << agreed << " agree, " << models.size() - agreed - failed << " disagree, " << failed << " failed of "
              << models.size() << " (attention " << options.attn_implementation << ")\n";
  }
  if (!not_found.empty()) return kExitNotFound;
  return all_ok ? kExitOk : kExitMismatch;
}

}  // namespace kcost
