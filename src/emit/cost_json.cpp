#include "emit/cost_json.h"

#include <climits>
#include <set>
#include <string>

#include "emit/emit_error.h"
#include "leaves/json_file.h"

namespace kcost {
namespace {

using nlohmann::ordered_json;

// An integer count that fits a JSON integer, as that integer; anything else as its text.
ordered_json count_value(const Expr& count) {
  if (count.is_number()) {
    const GiNaC::numeric n = count.as_number();
    if (n.is_integer() && n <= GiNaC::numeric(LONG_MAX) && n >= GiNaC::numeric(LONG_MIN))
      return ordered_json(static_cast<long long>(n.to_long()));
  }
  return ordered_json(count.str());
}

}  // namespace

ordered_json cost_json(const KernelTrace& trace) {
  if (trace.kernel_name.empty()) throw EmitError("cost JSON: the kernel has no name");
  auto fail = [&](const std::string& message) {
    return EmitError("kernel " + trace.kernel_name + ": " + message);
  };

  ordered_json j = ordered_json::object();
  j["kernel_name"] = trace.kernel_name;
  j["init_params"] = trace.init_params;
  j["forward_params"] = trace.forward_params;
  ordered_json children = ordered_json::object();
  for (const ChildCall& child : trace.children) {
    if (child.label.empty()) throw fail("a child has an empty label");
    if (children.contains(child.label))
      throw fail("duplicate child label " + quote_for_message(child.label));
    ordered_json bindings = ordered_json::object();
    for (const auto& [param, value] : child.bindings) {
      if (bindings.contains(param))
        throw fail("child " + quote_for_message(child.label) + ": duplicate binding " +
                   quote_for_message(param));
      bindings[param] = value.str();
    }
    ordered_json entry = ordered_json::object();
    entry["kernel"] = child.kernel;
    entry["bindings"] = std::move(bindings);
    entry["count"] = count_value(child.count);
    children[child.label] = std::move(entry);
  }
  j["children"] = std::move(children);
  return j;
}

}  // namespace kcost
