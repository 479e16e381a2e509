#include "evaluate/plots.h"

#include "python/session.h"

namespace kcost {

nlohmann::json roofline_plot_spec(const EvalReport& report, const std::string& output) {
  const Accelerator& a = *report.hardware;
  const CostNumbers& t = report.evaluation.totals;
  nlohmann::json spec = {{"kind", "roofline"}, {"output", output}};
  spec["title"] = report.model + " at batch_size=" + to_string(report.point.batch_size) +
                  ", seq_len=" + to_string(report.point.seq_len) + ", cache_len=" + to_string(report.point.cache_len) +
                  " on " + a.name;
  spec["hardware"] = {{"name", a.name}, {"peak_flops", a.peak_flops}, {"bandwidth", a.bandwidth}};
  Roofline whole = roofline(t, a);
  spec["model"] = {{"name", report.model},
                   {"flops", t.flops.to_double()},
                   {"bytes", t.bytes().to_double()},
                   {"seconds", whole.seconds()}};
  nlohmann::json kernels = nlohmann::json::array();
  for (const auto& [name, c] : report.evaluation.by_kernel) {
    Roofline r = roofline(c, a);
    kernels.push_back({{"name", name},
                       {"flops", c.flops.to_double()},
                       {"bytes", c.bytes().to_double()},
                       {"seconds", r.seconds()},
                       {"bound", r.bound()}});
  }
  spec["kernels"] = kernels;
  return spec;
}

nlohmann::json sweep_plot_spec(const nlohmann::json& series, const std::string& hardware_name,
                               const std::string& output) {
  return {{"kind", "sweep"},
          {"output", output},
          {"title", "Roofline time per forward call on " + hardware_name},
          {"series", series}};
}

void render_plot(PythonSession& session, const nlohmann::json& spec) { session.call("render_plot", {spec.dump()}); }

}  // namespace kcost
