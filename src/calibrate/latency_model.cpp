#include "calibrate/latency_model.h"

namespace kcost {

namespace {

void walk(const EvaluatedNode& node, const GiNaC::numeric& calls, const KernelClasses& classes, StepWork& work,
          std::vector<std::string>* unclassified) {
  for (const auto& [label, child] : node.children) {
    GiNaC::numeric n = calls * child.count;
    if (child.leaf) {
      std::string c = classes.of(child.kernel);
      if (c.empty()) {
        if (unclassified) unclassified->push_back(child.kernel);
        continue;
      }
      work[c].calls += n.to_double();
    } else {
      walk(child, n, classes, work, unclassified);
    }
  }
}

}  // namespace

StepWork step_work(const Evaluation& evaluation, const KernelClasses& classes, std::vector<std::string>* unclassified) {
  StepWork work;
  for (const std::string& c : classes.names()) work[c] = {};
  for (const auto& [kernel, cost] : evaluation.by_kernel) {
    std::string c = classes.of(kernel);
    if (c.empty()) {
      if (unclassified) unclassified->push_back(kernel);
      continue;
    }
    work[c].flops += cost.flops.to_double();
    work[c].bytes += cost.bytes().to_double();
  }
  if (evaluation.tree.leaf) {
    std::string c = classes.of(evaluation.tree.kernel);
    if (!c.empty()) work[c].calls += 1;
  } else {
    walk(evaluation.tree, 1, classes, work, unclassified);
  }
  return work;
}

std::vector<double> LatencyModel::features(const StepWork& work) const {
  std::vector<double> f;
  f.reserve(size());
  double calls = 0;
  for (const std::string& c : classes.names()) {
    auto it = work.find(c);
    ClassWork w = it == work.end() ? ClassWork{} : it->second;
    f.push_back(w.flops / peak_flops);
    f.push_back(w.bytes / bandwidth);
    if (!shared_per_call) f.push_back(w.calls);
    calls += w.calls;
  }
  if (shared_per_call) f.push_back(calls);
  f.push_back(1.0);
  return f;
}

std::vector<double> LatencyModel::vector() const {
  std::vector<double> x;
  double shared = 0;
  for (const std::string& c : classes.names()) {
    auto it = coefficients.find(c);
    ClassCoefficients k = it == coefficients.end() ? ClassCoefficients{} : it->second;
    x.push_back(k.flops);
    x.push_back(k.bytes);
    if (!shared_per_call) x.push_back(k.per_call);
    shared = k.per_call;
  }
  if (shared_per_call) x.push_back(shared);
  x.push_back(per_step);
  return x;
}

void LatencyModel::set_vector(const std::vector<double>& x) {
  size_t i = 0;
  for (const std::string& c : classes.names()) {
    coefficients[c] = {x[i], x[i + 1], shared_per_call ? 0.0 : x[i + 2]};
    i += shared_per_call ? 2 : 3;
  }
  if (shared_per_call) {
    for (auto& [c, k] : coefficients) k.per_call = x[i];
    ++i;
  }
  per_step = x[i];
}

std::map<std::string, double> LatencyModel::predict_by_class(const StepWork& work) const {
  std::map<std::string, double> out;
  for (const std::string& c : classes.names()) {
    auto w = work.find(c);
    auto k = coefficients.find(c);
    if (w == work.end() || k == coefficients.end()) {
      out[c] = 0;
      continue;
    }
    out[c] = k->second.flops * w->second.flops / peak_flops + k->second.bytes * w->second.bytes / bandwidth +
             k->second.per_call * w->second.calls;
  }
  out["per_step"] = per_step;
  return out;
}

double LatencyModel::predict(const StepWork& work) const {
  double t = 0;
  for (const auto& [c, seconds] : predict_by_class(work)) t += seconds;
  return t;
}

}  // namespace kcost
