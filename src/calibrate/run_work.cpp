#include "calibrate/run_work.h"

#include "calibrate/calibration_error.h"
#include "evaluate/evaluator.h"
#include "locate/python_on_demand.h"

namespace kcost {

StepWork RunWork::of(const MeasuredRun& run) {
  std::string hash = config_hash(run.config);
  if (hash != run.config_hash)
    throw CalibrationError(run.config + ": its content is not the config that was measured (hash " + hash + ", the runs say " +
                           run.config_hash + ")");
  auto key = std::make_tuple(run.model_class.empty() ? run.model : run.model_class, run.config, run.attn_implementation);
  auto it = models_.find(key);
  if (it == models_.end()) {
    ModelRequest request;
    request.name = std::get<0>(key);
    request.config_file = run.config;
    request.attn_implementation = run.attn_implementation;
    it = models_.emplace(key, load_model_costs(python_, library_, request)).first;
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
