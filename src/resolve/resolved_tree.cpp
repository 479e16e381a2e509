#include "resolve/resolved_tree.h"

#include "costfile/cost_schema.h"  // is_implicit_symbol
#include "costfile/message_text.h"
#include "expr/exact_json.h"

namespace kcost {

namespace {

using ojson = nlohmann::ordered_json;

void add_into(CostExprs& into, const CostExprs& c, const Expr& k) {
  into.flops += k * c.flops;
  into.memory_read += k * c.memory_read;
  into.memory_write += k * c.memory_write;
}

void collect(const ResolvedNode& node, const Expr& multiplier, std::map<std::string, CostExprs>& out) {
  if (node.leaf) {
    if (node.kernel != "unknown") add_into(out[node.kernel], node.cost, multiplier);
    return;
  }
  for (const auto& [label, child] : node.children) collect(child, multiplier * child.count, out);
}

ojson expression_json(const Expr& e, bool expand) { return (expand ? e.expand() : e).str(); }

ojson count_json(const Expr& count) {
  if (count.is_number()) {
    GiNaC::numeric n = count.as_number();
    if (n.is_pos_integer()) return exact_json_number(n);
  }
  return count.str();
}

ojson node_json(const ResolvedNode& node, bool expand, bool is_root) {
  ojson j = ojson::object();
  j[is_root ? "kernel_name" : "kernel"] = node.kernel;
  if (!is_root) j["count"] = count_json(node.count);
  j["flops"] = expression_json(node.cost.flops, expand);
  j["memory_read"] = expression_json(node.cost.memory_read, expand);
  j["memory_write"] = expression_json(node.cost.memory_write, expand);
  if (node.footprint) {
    ojson f = ojson::object();
    f["parameters"] = expression_json(node.footprint->parameters, expand);
    f["buffers"] = expression_json(node.footprint->buffers, expand);
    f["cache_elements"] = expression_json(node.footprint->cache_elements, expand);
    j["footprint"] = std::move(f);
  }
  ojson children = ojson::object();
  for (const auto& [label, child] : node.children) children[label] = node_json(child, expand, false);
  j["children"] = std::move(children);
  return j;
}

template <typename J>
Expr parse_field(const J& j, const std::string& key, const std::string& path, const std::string& source,
                 bool required = true) {
  std::string at = json_path_key(path, key);
  auto it = j.find(key);
  if (it == j.end()) {
    if (!required) return Expr(1);
    throw ResolvedTreeError(source + ": " + at + ": missing");
  }
  Expr e;
  try {
    std::optional<GiNaC::numeric> n = json_number_value(*it);
    if (n && n->is_integer()) e = Expr::number(*n);
    else if (it->is_string()) e = Expr::parse(it->template get<std::string>());
    else throw ResolvedTreeError(source + ": " + at + ": not an expression string");
  } catch (const ExprError& err) {
    throw ResolvedTreeError(source + ": " + at + ": " + err.what());
  }
  for (const std::string& s : e.symbols())
    if (!is_resolved_symbol(s))
      throw ResolvedTreeError(source + ": " + at + ": symbol '" + s + "' is not implicit");
  return e;
}

template <typename J>
ResolvedNode node_from_json(const J& j, const std::string& path, const std::string& source, bool is_root) {
  if (!j.is_object()) throw ResolvedTreeError(source + ": " + path + ": not an object");
  ResolvedNode node;
  const char* name_key = is_root ? "kernel_name" : "kernel";
  auto name = j.find(name_key);
  if (name == j.end() || !name->is_string())
    throw ResolvedTreeError(source + ": " + json_path_key(path, name_key) + ": missing or not a string");
  node.kernel = name->template get<std::string>();
  if (!is_root) node.count = parse_field(j, "count", path, source, false);
  node.cost.flops = parse_field(j, "flops", path, source);
  node.cost.memory_read = parse_field(j, "memory_read", path, source);
  node.cost.memory_write = parse_field(j, "memory_write", path, source);
  if (auto fp = j.find("footprint"); fp != j.end()) {
    std::string at = json_path_key(path, "footprint");
    if (!fp->is_object()) throw ResolvedTreeError(source + ": " + at + ": not an object");
    node.footprint = Footprint{parse_field(*fp, "parameters", at, source), parse_field(*fp, "buffers", at, source),
                               parse_field(*fp, "cache_elements", at, source)};
  }
  auto children = j.find("children");
  if (children != j.end()) {
    std::string at = json_path_key(path, "children");
    if (!children->is_object()) throw ResolvedTreeError(source + ": " + at + ": not an object");
    for (const auto& c : children->items())
      node.children.emplace_back(c.key(), node_from_json(c.value(), json_path_key(at, c.key()), source, false));
  }
  node.leaf = node.children.empty();
  return node;
}

}  // namespace

bool is_resolved_symbol(const std::string& name) {
  return is_implicit_symbol(name) || (name.size() > 7 && name.compare(0, 7, "config.") == 0);
}

std::map<std::string, CostExprs> sum_by_kernel(const ResolvedNode& root) {
  std::map<std::string, CostExprs> out;
  collect(root, Expr(1), out);
  return out;
}

nlohmann::ordered_json to_json(const ResolvedTree& tree, bool expand) { return node_json(tree.root, expand, true); }

ResolvedTree resolved_tree_from_json(const nlohmann::ordered_json& j, const std::string& source) {
  ResolvedTree tree;
  tree.root = node_from_json(j, "$", source, true);
  tree.by_kernel = sum_by_kernel(tree.root);
  return tree;
}

ResolvedTree resolved_tree_from_json(const nlohmann::json& j, const std::string& source) {
  ResolvedTree tree;
  tree.root = node_from_json(j, "$", source, true);
  tree.by_kernel = sum_by_kernel(tree.root);
  return tree;
}

}  // namespace kcost
