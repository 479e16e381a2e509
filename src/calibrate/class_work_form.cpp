#include "calibrate/class_work_form.h"

#include <cstdio>
#include <map>

#include "calibrate/calibration_error.h"
#include "evaluate/evaluator.h"
#include "evaluate/sweep.h"

namespace kcost {

namespace {

struct Sums {
  Expr flops{0}, bytes{0}, calls{0};
};

void walk(const ResolvedNode& node, const Expr& calls, const KernelClasses& classes, std::map<std::string, Sums>& sums) {
  for (const auto& [label, child] : node.children) {
    Expr n = calls * child.count;
    if (child.leaf) {
      if (child.kernel == "unknown") continue;
      std::string c = classes.of(child.kernel);
      if (c.empty()) throw CalibrationError("leaf kernel '" + child.kernel + "' has no class in the calibration");
      Sums& s = sums[c];
      s.flops += n * child.cost.flops;
      s.bytes += n * (child.cost.memory_read + child.cost.memory_write);
      s.calls += n;
    } else {
      walk(child, n, classes, sums);
    }
  }
}

}  // namespace

ClassWorkForm::ClassWorkForm(const ResolvedTree& tree, const Values& config, const KernelClasses& classes)
    : classes_(classes.names()) {
  std::map<std::string, Sums> sums;
  walk(tree.root, Expr(1), classes, sums);
  std::map<std::string, Expr> numbers;
  for (const auto& [name, value] : config) numbers[name] = Expr::number(value);
  std::vector<Expr> outputs;
  for (const std::string& c : classes_) {
    Sums s = sums.count(c) ? sums[c] : Sums{};
    outputs.push_back(s.flops.subs(numbers));
    outputs.push_back(s.bytes.subs(numbers));
    outputs.push_back(s.calls.subs(numbers));
  }
  try {
    form_ = ClosedForm(outputs, sweep_variables(), sweep_rational_variables());
  } catch (const ExprError& e) {
    throw EvaluateError(std::string("work by kernel class: ") + e.what());
  }
}

StepWork ClassWorkForm::at(const std::vector<GiNaC::numeric>& point) const {
  std::vector<GiNaC::numeric> full = point;
  // (batch_size, seq_len, cache_len, bytes): the weights and the cache at bytes too.
  if (full.size() == 4) full.insert(full.end(), {point[3], point[3]});
  std::vector<GiNaC::numeric> v = form_.evaluate(full);
  StepWork work;
  for (size_t i = 0; i < classes_.size(); ++i)
    work[classes_[i]] = {v[3 * i].to_double(), v[3 * i + 1].to_double(), v[3 * i + 2].to_double()};
  return work;
}

std::string predicted_columns_header(const LatencyModel& model) {
  std::string h = "predicted_seconds";
  for (const std::string& c : model.classes.names()) h += "," + c + "_seconds";
  return h + ",per_step_seconds";
}

std::string predicted_columns(const LatencyModel& model, const StepWork& work) {
  std::map<std::string, double> by_class = model.predict_by_class(work);
  char b[40];
  std::snprintf(b, sizeof(b), "%.6g", model.predict(work));
  std::string out = b;
  for (const std::string& c : model.classes.names()) {
    std::snprintf(b, sizeof(b), ",%.6g", by_class[c]);
    out += b;
  }
  std::snprintf(b, sizeof(b), ",%.6g", model.per_step);
  return out + b;
}

std::string append_predicted_columns(const std::string& csv, const std::vector<ClassWorkForm>& forms,
                                     const std::vector<std::vector<GiNaC::numeric>>& axes, const LatencyModel& model) {
  std::string out;
  out.reserve(csv.size() * 2);
  size_t start = 0, row = 0;
  const size_t per_model = axes[0].size() * axes[1].size() * axes[2].size() * axes[3].size();
  while (start < csv.size()) {
    size_t end = csv.find('\n', start);
    if (end == std::string::npos) end = csv.size();
    out.append(csv, start, end - start);
    if (start == 0) {
      out += "," + predicted_columns_header(model);
    } else {
      size_t m = row / per_model, i = row % per_model;
      size_t iy = i % axes[3].size(), ic = (i / axes[3].size()) % axes[2].size();
      size_t is = (i / (axes[3].size() * axes[2].size())) % axes[1].size();
      size_t ib = i / (axes[3].size() * axes[2].size() * axes[1].size());
      out += "," + predicted_columns(model, forms.at(m).at({axes[0][ib], axes[1][is], axes[2][ic], axes[3][iy]}));
      ++row;
    }
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace kcost
