// RunWork: what kcost's own pipeline says a measured run did, class by class: the model's cost
// files (from the cache, analyzed when missing, exactly as `kcost eval`) evaluated at the run's
// config, point and bytes per element; FLOPs and bytes from by_kernel, calls from the tree.
// Each model and config is loaded once.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "calibrate/latency_model.h"
#include "calibrate/measured_runs.h"
#include "evaluate/model_costs.h"

namespace kcost {

class RunWork {
 public:
  // Python starts only for a model the cost cache's warm path cannot answer.
  RunWork(PythonOnDemand& python, const ModelLibrary& library, const KernelClasses& classes)
      : python_(python), library_(library), classes_(classes) {}
  // Throws CalibrationError when the run's config file is not the one measured (its hash
  // differs) or a leaf kernel has no class; what load_model_costs and evaluate throw.
  StepWork of(const MeasuredRun& run);

 private:
  PythonOnDemand& python_;
  const ModelLibrary& library_;
  const KernelClasses& classes_;
  std::map<std::tuple<std::string, std::string, std::string>, ModelCosts> models_;
};

}  // namespace kcost
