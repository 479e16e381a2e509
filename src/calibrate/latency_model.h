// LatencyModel: predicted time of one step from kcost's own counts. For each class k of leaf
// kernel (KernelClasses), with F_k FLOPs, B_k bytes (read + written) and N_k calls in the step,
// on a device of peak P FLOP/s and bandwidth W bytes/s:
//
//   t = sum_k ( a_k * F_k / P  +  b_k * B_k / W  +  c_k * N_k )  +  d
//
// a_k = 1 / (achieved fraction of peak FLOP/s), b_k = 1 / (achieved fraction of bandwidth),
// c_k seconds per call (launch and framework overhead), d seconds per step; all non-negative.
// A sum, not a roofline max: a linear model that non-negative least squares can fit (see fit.h).
// With shared_per_call, one c for every class (a call costs the same framework overhead
// whatever it computes): fewer coefficients, for few runs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibrate/kernel_classes.h"
#include "evaluate/evaluator.h"

namespace kcost {

// What one step does in one class of kernel.
struct ClassWork {
  double flops = 0, bytes = 0, calls = 0;
};
// class -> work, for every class of the table (zero work included).
using StepWork = std::map<std::string, ClassWork>;

// The work of an evaluated step: FLOPs and bytes of by_kernel, calls by walking the tree
// (the product of the counts from the root to each leaf). Leaves whose kernel has no class
// ("unknown" children counted as zero included) are added to *unclassified when given.
StepWork step_work(const Evaluation& evaluation, const KernelClasses& classes,
                   std::vector<std::string>* unclassified = nullptr);

struct ClassCoefficients {
  double flops = 0;     // a_k
  double bytes = 0;     // b_k
  double per_call = 0;  // c_k, seconds
};

struct LatencyModel {
  std::string hardware_id, hardware_name;
  double peak_flops = 0, bandwidth = 0;
  KernelClasses classes;
  std::map<std::string, ClassCoefficients> coefficients;  // by class
  double per_step = 0;                                    // d, seconds
  bool shared_per_call = false;  // one c for all classes (then every class's per_call is it)

  // Number of coefficients and their order in a feature row: for each class of
  // classes.names(): a, b, c (a, b when shared_per_call); then the shared c; then d.
  size_t size() const { return (shared_per_call ? 2 : 3) * classes.names().size() + (shared_per_call ? 2 : 1); }
  // The feature row of a step (F_k / P, B_k / W, N_k ..., [sum N_k,] 1).
  std::vector<double> features(const StepWork& work) const;
  std::vector<double> vector() const;
  void set_vector(const std::vector<double>& x);

  // Seconds by class (and "per_step"), and their total.
  std::map<std::string, double> predict_by_class(const StepWork& work) const;
  double predict(const StepWork& work) const;
};

}  // namespace kcost
