#include "evaluate/experts_hit.h"

#include <functional>
#include <set>

#include "evaluate/evaluator.h"  // EvaluateError
#include "evaluate/values.h"
#include "expr/upper_bound.h"

namespace kcost {

namespace {

using Rewrite = std::function<Expr(const Expr&)>;

void rewrite_costs(CostExprs& c, const Rewrite& f) {
  c.flops = f(c.flops);
  c.memory_read = f(c.memory_read);
  c.memory_write = f(c.memory_write);
}

void rewrite_node(ResolvedNode& node, const Rewrite& f) {
  node.count = f(node.count);
  rewrite_costs(node.cost, f);
  if (node.footprint) {
    node.footprint->parameters = f(node.footprint->parameters);
    node.footprint->buffers = f(node.footprint->buffers);
    node.footprint->cache_elements = f(node.footprint->cache_elements);
  }
  for (auto& [label, child] : node.children) rewrite_node(child, f);
}

bool node_uses(const ResolvedNode& node) {
  for (const Expr* e : {&node.count, &node.cost.flops, &node.cost.memory_read, &node.cost.memory_write})
    if (e->symbols().count(kExpertsHit)) return true;
  for (const auto& [label, child] : node.children)
    if (node_uses(child)) return true;
  return false;
}

}  // namespace

ResolvedTree with_experts_hit(const ResolvedTree& tree, const std::optional<ExpertsHit>& hit) {
  static const std::set<std::string> point = {"batch_size", "seq_len", "cache_len", "bytes", "weight_bytes", "kv_bytes"};
  Rewrite f;
  if (!hit) {
    f = [](const Expr& e) { return without_bound(e, kExpertsHit); };
  } else if (hit->kind == ExpertsHit::Kind::Count) {
    Expr n = Expr::number(hit->value);
    f = [n](const Expr& e) { return e.subs({{kExpertsHit, n}}); };
  } else {
    GiNaC::numeric share = hit->value;
    f = [share](const Expr& e) { return bound_as_share(e, kExpertsHit, share, point); };
  }
  auto guarded = [&](const Expr& e) {
    if (!e.symbols().count(kExpertsHit)) return e;
    try {
      return f(e);
    } catch (const ExprError& err) {
      throw EvaluateError(std::string(err.what()) + " (give --experts-hit as a count)", kExpertsHit);
    }
  };
  ResolvedTree out = tree;
  rewrite_node(out.root, guarded);
  for (auto& [kernel, costs] : out.by_kernel) rewrite_costs(costs, guarded);
  return out;
}

bool uses_experts_hit(const ResolvedTree& tree) { return node_uses(tree.root); }

}  // namespace kcost
