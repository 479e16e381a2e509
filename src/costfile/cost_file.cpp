#include "costfile/cost_file.h"

#include <climits>
#include <fstream>
#include <sstream>

#include "costfile/cost_schema.h"
#include "expr/error.h"

namespace kcost {
namespace {

using nlohmann::ordered_json;

template <class Json>
Expr expression_of(const Json& value) {
  if (value.is_number_integer()) return Expr(value.template get<long long>());
  if (value.is_number_float()) return Expr::from_double(value.template get<double>());
  if (!value.is_string()) throw ExprError("expected an expression string, got " + std::string(value.type_name()));
  return Expr::parse(value.template get<std::string>());
}

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

bool usable_file_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (unsigned char c : name)
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return false;
  return true;
}

std::vector<std::string> CostFile::params() const {
  std::vector<std::string> out = init_params;
  out.insert(out.end(), forward_params.begin(), forward_params.end());
  return out;
}

Expr cost_expression(const nlohmann::json& value) { return expression_of(value); }
Expr cost_expression(const nlohmann::ordered_json& value) { return expression_of(value); }

ordered_json cost_file_json(const CostFile& file) {
  ordered_json j = ordered_json::object();
  j["kernel_name"] = file.kernel_name;
  if (!file.description.empty()) j["description"] = file.description;
  j["init_params"] = file.init_params;
  j["forward_params"] = file.forward_params;
  if (file.leaf) {
    j["flops"] = file.formulas.flops.str();
    j["memory_read"] = file.formulas.memory_read.str();
    j["memory_write"] = file.formulas.memory_write.str();
    return j;
  }
  ordered_json children = ordered_json::object();
  for (const CostChild& child : file.children) {
    ordered_json bindings = ordered_json::object();
    for (const auto& [param, value] : child.bindings) bindings[param] = value.str();
    ordered_json entry = ordered_json::object();
    entry["kernel"] = child.kernel;
    entry["bindings"] = std::move(bindings);
    entry["count"] = count_value(child.count);
    children[child.label] = std::move(entry);
  }
  j["children"] = std::move(children);
  if (file.footprint) {
    ordered_json f = ordered_json::object();
    f["parameters"] = file.footprint->parameters.str();
    f["buffers"] = file.footprint->buffers.str();
    f["cache_elements"] = file.footprint->cache_elements.str();
    j["footprint"] = std::move(f);
  }
  return j;
}

CostFile read_cost_file(const std::string& path, const std::string& kernel) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw CostFileError(path + ": cannot read file");
  ordered_json ordered;
  nlohmann::json plain;
  try {
    ordered = ordered_json::parse(text.str());
    plain = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw CostFileError(path + ": not valid JSON: " + e.what());
  }
  std::vector<std::string> problems = validate_cost_json(plain, path);
  if (!problems.empty()) {
    std::string more = problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : "";
    throw CostFileError(problems.front() + more);
  }
  if (!kernel.empty() && plain["kernel_name"] != kernel)
    throw CostFileError(path + ": $.kernel_name: '" + plain["kernel_name"].get<std::string>() +
                        "' does not match the file name");
  CostFile f;
  f.kernel_name = ordered["kernel_name"].get<std::string>();
  if (ordered.contains("description")) f.description = ordered["description"].get<std::string>();
  for (const auto& p : ordered["init_params"]) f.init_params.push_back(p.get<std::string>());
  for (const auto& p : ordered["forward_params"]) f.forward_params.push_back(p.get<std::string>());
  try {
    if (ordered.contains("children")) {
      for (const auto& c : ordered["children"].items()) {
        CostChild child;
        child.label = c.key();
        child.kernel = c.value()["kernel"].get<std::string>();
        if (c.value().contains("count")) child.count = cost_expression(c.value()["count"]);
        for (const auto& b : c.value()["bindings"].items()) child.bindings.emplace_back(b.key(), cost_expression(b.value()));
        f.children.push_back(std::move(child));
      }
      if (ordered.contains("footprint")) {
        const auto& fp = ordered["footprint"];
        Footprint footprint;
        if (fp.contains("parameters")) footprint.parameters = cost_expression(fp["parameters"]);
        if (fp.contains("buffers")) footprint.buffers = cost_expression(fp["buffers"]);
        if (fp.contains("cache_elements")) footprint.cache_elements = cost_expression(fp["cache_elements"]);
        f.footprint = footprint;
      }
    } else {
      f.leaf = true;
      f.formulas = {cost_expression(ordered["flops"]), cost_expression(ordered["memory_read"]),
                    cost_expression(ordered["memory_write"])};
    }
  } catch (const ExprError& e) {  // validate_cost_json parsed them already
    throw CostFileError(path + ": " + e.what());
  }
  return f;
}

}  // namespace kcost
