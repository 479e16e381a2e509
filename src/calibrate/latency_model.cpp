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
  for (const std::string& c : classes.names()) {
    auto it = work.find(c);
    ClassWork w = it == work.end() ? ClassWork{} : it->second;
    f.push_back(w.flops / peak_flops);
    f.push_back(w.bytes / bandwidth);
    f.push_back(w.calls);
  }
  f.push_back(1.0);
  return f;
}

std::vector<double> LatencyModel::vector() const {
  std::vector<double> x;
  for (const std::string& c : classes.names()) {
    auto it = coefficients.find(c);
    ClassCoefficients k = it == coefficients.end() ? ClassCoefficients{} : it->second;
    x.push_back(k.flops);
    x.push_back(k.bytes);
    x.push_back(k.per_call);
  }
  x.push_back(per_step);
  return x;
}

void LatencyModel::set_vector(const std::vector<double>& x) {
  size_t i = 0;
  for (const std::string& c : classes.names()) {
    coefficients[c] = {x[i], x[i + 1], x[i + 2]};
    i += 3;
  }
  per_step = x[i];
}

std::map<std::string, double> LatencyModel::predict_by_class(const StepWork& work) const {
  std::map<std::string, double> out;
  std::vector<double> f = features(work), x = vector();
  size_t i = 0;
  for (const std::string& c : classes.names()) {
    out[c] = f[i] * x[i] + f[i + 1] * x[i + 1] + f[i + 2] * x[i + 2];
    i += 3;
  }
  out["per_step"] = per_step;
  return out;
}

double LatencyModel::predict(const StepWork& work) const {
  std::vector<double> f = features(work), x = vector();
  double t = 0;
  for (size_t i = 0; i < f.size(); ++i) t += f[i] * x[i];
  return t;
}

}  // namespace kcost
