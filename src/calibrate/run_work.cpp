#include "calibrate/run_work.h"

#include <algorithm>
#include <filesystem>

#include "calibrate/calibration_error.h"
#include "evaluate/evaluator.h"
#include "evaluate/experts_hit.h"
#include "locate/python_on_demand.h"

namespace kcost {

std::string RunWork::config_file(const MeasuredRun& run) const {
  namespace fs = std::filesystem;
  if (run.config.empty()) return run.config;  // the class defaults
  std::error_code ec;
  std::string here;
  if (fs::is_regular_file(run.config, ec)) {
    here = config_hash(run.config);
    if (here == run.config_hash) return run.config;
  }
  for (const std::string& dir : config_dirs_) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files)
      if (config_hash(f.string()) == run.config_hash) return f.string();
  }
  if (!here.empty())
    throw CalibrationError(run.config + ": its content is not the config that was measured (hash " + here +
                           ", the runs say " + run.config_hash + ")" +
                           (config_dirs_.empty() ? "; --configs DIR looks for it by content" : ", nor in --configs"));
  throw CalibrationError(run.config + ": no such config file" +
                         std::string(config_dirs_.empty() ? " (runs from another machine? --configs DIR finds it by content)"
                                                          : ", and none in --configs has the hash " + run.config_hash));
}

StepWork RunWork::of(const MeasuredRun& run) {
  const std::string config = config_file(run);
  auto key = std::make_tuple(run.model_class.empty() ? run.model : run.model_class, config, run.attn_implementation);
  auto it = models_.find(key);
  if (it == models_.end()) {
    ModelRequest request;
    request.name = std::get<0>(key);
    request.config_file = config;
    request.attn_implementation = run.attn_implementation;
    ModelCosts m = load_model_costs(python_, library_, request);
    // The experts a measured run reached are not recorded: the bound (evaluate/experts_hit.h).
    m.tree = with_experts_hit(m.tree, std::nullopt);
    it = models_.emplace(key, std::move(m)).first;
  }
  const ModelCosts& m = it->second;
  Values values = m.config;
  RuntimePoint point;
  point.batch_size = GiNaC::numeric(static_cast<long>(run.batch_size));
  point.seq_len = GiNaC::numeric(static_cast<long>(run.seq_len));
  point.cache_len = GiNaC::numeric(static_cast<long>(run.cache_len));
  point.bytes = run.bytes;
  for (const auto& [name, value] : runtime_values(point)) values[name] = value;
  std::vector<std::string> unclassified;
  StepWork work = step_work(evaluate(m.tree, values), classes_, &unclassified);
  if (!unclassified.empty())
    throw CalibrationError(run.model + ": leaf kernel '" + unclassified.front() +
                           "' has no class in the kernel class table");
  return work;
}

}  // namespace kcost
