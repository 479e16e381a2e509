#include "evaluate/evaluator.h"

namespace kcost {

namespace {

using GiNaC::numeric;
using ojson = nlohmann::ordered_json;

std::string path_join(const std::string& path, const std::string& label) {
  return path.empty() ? label : path + "/" + label;
}

void find_missing(const ResolvedNode& node, const std::string& path, const Values& values,
                  std::map<std::string, std::string>& out) {
  auto note = [&](const Expr& e) {
    for (const std::string& s : e.symbols())
      if (!values.count(s) && !out.count(s))
        out[s] = "kernel '" + node.kernel + "' (at " + (path.empty() ? "the root" : path) + ")";
  };
  note(node.count);
  if (node.leaf) {
    note(node.cost.flops);
    note(node.cost.memory_read);
    note(node.cost.memory_write);
  }
  for (const auto& [label, child] : node.children) find_missing(child, path_join(path, label), values, out);
}

void check_values(const ResolvedTree& tree, const Values& values) {
  auto missing = missing_symbols(tree, values);
  if (missing.empty()) return;
  const auto& [symbol, where] = *missing.begin();
  std::string more = missing.size() > 1 ? " (and " + std::to_string(missing.size() - 1) + " more)" : "";
  if (symbol.compare(0, 7, "config.") == 0)
    throw EvaluateError("the config has no value for '" + symbol.substr(7) + "', which " + where + " needs" + more,
                        symbol);
  throw EvaluateError("no value for '" + symbol + "', which " + where + " needs" + more, symbol);
}

numeric eval_at(const Expr& e, const Values& values, const std::string& kernel, const std::string& path,
                const char* what) {
  try {
    return e.eval(values);
  } catch (const ExprError& err) {
    throw EvaluateError(std::string(what) + " of kernel '" + kernel + "' (at " + (path.empty() ? "the root" : path) +
                        "): " + err.what());
  }
}

EvaluatedNode eval_node(const ResolvedNode& node, const Values& values, const std::string& path) {
  EvaluatedNode out;
  out.kernel = node.kernel;
  out.leaf = node.leaf;
  out.count = eval_at(node.count, values, node.kernel, path, "count");
  // A call that does not run at this point (an arm of a run-time condition that does not hold,
  // a loop of no iterations) costs nothing, and its formulas are not evaluated: they may be
  // undefined there, as the code it stands for would be (xLSTM's chunkwise kernel divides by the
  // number of whole chunks, which only runs when there is one).
  if (out.count.is_zero()) return out;
  if (node.leaf) {
    out.cost.flops = eval_at(node.cost.flops, values, node.kernel, path, "flops");
    out.cost.memory_read = eval_at(node.cost.memory_read, values, node.kernel, path, "memory_read");
    out.cost.memory_write = eval_at(node.cost.memory_write, values, node.kernel, path, "memory_write");
    return out;
  }
  for (const auto& [label, child] : node.children) {
    EvaluatedNode c = eval_node(child, values, path_join(path, label));
    out.cost += c.cost * c.count;
    out.children.emplace_back(label, std::move(c));
  }
  if (node.footprint) {
    try {
      out.parameters = node.footprint->parameters.eval(values);
    } catch (const ExprError&) {  // a config value memory needs and costs do not: no number shown
    }
  }
  return out;
}

void sum_leaves(const EvaluatedNode& node, const numeric& multiplier, std::map<std::string, CostNumbers>& out) {
  if (node.leaf) {
    if (node.kernel != "unknown") out[node.kernel] += node.cost * multiplier;
    return;
  }
  for (const auto& [label, child] : node.children) sum_leaves(child, multiplier * child.count, out);
}

}  // namespace

CostNumbers& CostNumbers::operator+=(const CostNumbers& o) {
  flops += o.flops;
  memory_read += o.memory_read;
  memory_write += o.memory_write;
  return *this;
}

CostNumbers CostNumbers::operator*(const numeric& k) const { return {flops * k, memory_read * k, memory_write * k}; }

bool CostNumbers::operator==(const CostNumbers& o) const {
  return flops == o.flops && memory_read == o.memory_read && memory_write == o.memory_write;
}

std::map<std::string, std::string> missing_symbols(const ResolvedTree& tree, const Values& values) {
  std::map<std::string, std::string> out;
  find_missing(tree.root, "", values, out);
  return out;
}

Evaluation evaluate(const ResolvedTree& tree, const Values& values) {
  check_values(tree, values);
  Evaluation e;
  e.tree = eval_node(tree.root, values, "");
  e.totals = e.tree.cost;
  sum_leaves(e.tree, 1, e.by_kernel);
  return e;
}

CostNumbers evaluate_totals(const ResolvedTree& tree, const Values& values) {
  check_values(tree, values);
  const ResolvedNode& r = tree.root;
  return {eval_at(r.cost.flops, values, r.kernel, "", "flops"),
          eval_at(r.cost.memory_read, values, r.kernel, "", "memory_read"),
          eval_at(r.cost.memory_write, values, r.kernel, "", "memory_write")};
}

nlohmann::ordered_json to_json(const CostNumbers& c) {
  ojson j = ojson::object();
  j["flops"] = to_json_number(c.flops);
  j["memory_read"] = to_json_number(c.memory_read);
  j["memory_write"] = to_json_number(c.memory_write);
  return j;
}

nlohmann::ordered_json to_json(const EvaluatedNode& node, int depth, bool is_root) {
  ojson j = ojson::object();
  j[is_root ? "kernel_name" : "kernel"] = node.kernel;
  if (!is_root) j["count"] = to_json_number(node.count);
  j["flops"] = to_json_number(node.cost.flops);
  j["memory_read"] = to_json_number(node.cost.memory_read);
  j["memory_write"] = to_json_number(node.cost.memory_write);
  if (node.parameters) j["parameters"] = to_json_number(*node.parameters);
  ojson children = ojson::object();
  if (depth != 0)
    for (const auto& [label, child] : node.children) children[label] = to_json(child, depth - 1, false);
  j["children"] = std::move(children);
  return j;
}

}  // namespace kcost
