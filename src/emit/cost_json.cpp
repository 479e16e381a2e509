#include "emit/cost_json.h"

#include <set>
#include <string>

#include "costfile/cost_file.h"
#include "costfile/message_text.h"
#include "emit/emit_error.h"

namespace kcost {

nlohmann::ordered_json cost_json(const KernelTrace& trace) {
  if (trace.kernel_name.empty()) throw EmitError("cost JSON: the kernel has no name");
  auto fail = [&](const std::string& message) {
    return EmitError("kernel " + trace.kernel_name + ": " + message);
  };

  CostFile file;
  file.kernel_name = trace.kernel_name;
  file.init_params = trace.init_params;
  file.forward_params = trace.forward_params;
  std::set<std::string> labels;
  for (const ChildCall& child : trace.children) {
    if (child.label.empty()) throw fail("a child has an empty label");
    if (!labels.insert(child.label).second) throw fail("duplicate child label " + quote_for_message(child.label));
    CostChild c;
    c.label = child.label;
    c.kernel = child.kernel;
    c.count = child.count;
    std::set<std::string> params;
    for (const auto& [param, value] : child.bindings) {
      if (!params.insert(param).second)
        throw fail("child " + quote_for_message(child.label) + ": duplicate binding " + quote_for_message(param));
      c.bindings.emplace_back(param, value);
    }
    file.children.push_back(std::move(c));
  }
  if (trace.has_footprint) file.footprint = Footprint{trace.parameters, trace.buffers, trace.cache_elements};
  return cost_file_json(file);
}

}  // namespace kcost
