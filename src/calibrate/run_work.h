// RunWork: what kcost's own pipeline says a measured run did, class by class: the model's cost
// files (from the cache, analyzed when missing, exactly as `kcost eval`) evaluated at the run's
// config, point and bytes per element; FLOPs and bytes from by_kernel, calls from the tree.
// Each model and config is loaded once.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "calibrate/latency_model.h"
#include "calibrate/measured_runs.h"
#include "evaluate/model_costs.h"

namespace kcost {

class RunWork {
 public:
  // Python starts only for a model the cost cache's warm path cannot answer. `config_dirs`: where
  // to look for a run's config by its content when its recorded path is missing or holds another
  // file (runs pooled from other machines).
  RunWork(PythonOnDemand& python, const ModelLibrary& library, const KernelClasses& classes,
          std::vector<std::string> config_dirs = {})
      : python_(python), library_(library), classes_(classes), config_dirs_(std::move(config_dirs)) {}
  // Throws CalibrationError when the config that was measured is found neither at the run's
  // path nor (by its hash) in the config directories, or a leaf kernel has no class; what
  // load_model_costs and evaluate throw.
  StepWork of(const MeasuredRun& run);
  // The file holding the config `run` measured: its recorded path when that file's hash is the
  // run's, else the first *.json in the config directories with that hash.
  std::string config_file(const MeasuredRun& run) const;

 private:
  PythonOnDemand& python_;
  const ModelLibrary& library_;
  const KernelClasses& classes_;
  std::vector<std::string> config_dirs_;
  std::map<std::tuple<std::string, std::string, std::string>, ModelCosts> models_;
};

}  // namespace kcost
