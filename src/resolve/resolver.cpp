#include "resolve/resolver.h"

#include "leaves/operand_widths.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include "costfile/cost_file.h"
#include "costfile/message_text.h"
#include "resolve/point_domain.h"

namespace kcost {

namespace {

namespace fs = std::filesystem;

std::string path_join(const std::string& path, const std::string& label) {
  return path.empty() ? label : path + "/" + label;
}

std::string where(const std::string& path) { return path.empty() ? "the root" : path; }

// Where an unbound parameter's marker symbol came from.
struct Unbound {
  std::string kernel, param, parent, label, path;
};

class Resolver {
 public:
  Resolver(const std::string& dir, const LeafCatalog& leaves, const ResolveOptions& options)
      : dir_(dir), leaves_(leaves), options_(options) {}

  ResolvedTree run(const std::string& kernel) {
    std::map<std::string, Expr> env;
    std::vector<std::string> params = params_of(kernel, "", "");
    for (const std::string& p : params) {
      auto it = options_.root_bindings.find(p);
      if (it != options_.root_bindings.end()) env[p] = it->second;
      else env[p] = marker({kernel, p, "", "", ""});
    }
    for (const auto& [name, value] : options_.root_bindings)
      if (std::find(params.begin(), params.end(), name) == params.end())
        throw ResolveError(ResolveError::Kind::bad_file, "kernel '" + kernel + "' has no parameter '" + name + "' to bind");
    ResolvedTree tree;
    tree.root = resolve_kernel(kernel, env, "");
    tree.by_kernel = sum_by_kernel(tree.root);
    tree.unknowns = std::move(unknowns_);
    return tree;
  }

 private:
  Expr marker(const Unbound& u) {
    std::string name = "kcost_unbound_" + std::to_string(unbound_.size());
    unbound_[name] = u;
    return Expr::symbol(name);
  }

  // Throws ResolveError::unbound if `e` depends on an unbound parameter.
  void check_bound(const Expr& e) const {
    for (const std::string& s : e.symbols()) {
      auto it = unbound_.find(s);
      if (it == unbound_.end()) continue;
      const Unbound& u = it->second;
      if (u.parent.empty())
        throw ResolveError(ResolveError::Kind::unbound,
                           "parameter " + quote_for_message(u.param) + " of root kernel " + quote_for_message(u.kernel) +
                               " has no value, and its cost depends on it (bind it, e.g. --bind " + one_line(u.param) +
                               "=EXPR)");
      throw ResolveError(ResolveError::Kind::unbound,
                         "parameter " + quote_for_message(u.param) + " of kernel " + quote_for_message(u.kernel) +
                             " is not bound by " + quote_for_message(u.parent) + " child " + quote_for_message(u.label) +
                             " (at " + path_for_message(u.path) + "), and its cost depends on it");
    }
  }

  bool bound(const Expr& e) const {
    for (const std::string& s : e.symbols())
      if (unbound_.count(s)) return false;
    return true;
  }

  const CostFile* load(const std::string& kernel) {
    auto found = files_.find(kernel);
    if (found != files_.end()) return &found->second;
    std::string file = (fs::path(dir_) / (kernel + ".json")).string();
    std::error_code ec;
    if (kernel.empty() || kernel.find('/') != std::string::npos || !fs::is_regular_file(file, ec)) return nullptr;
    CostFile f;
    try {
      f = read_cost_file(file, kernel);
    } catch (const CostFileError& e) {
      throw ResolveError(ResolveError::Kind::bad_file, e.what());
    }
    file_of_.emplace(kernel, file);
    return &files_.emplace(kernel, std::move(f)).first->second;
  }

  // The parameters of a leaf or a costs-dir kernel. `parent`/`label` only name the referrer.
  std::vector<std::string> params_of(const std::string& kernel, const std::string& parent, const std::string& label) {
    if (const LeafKernel* leaf = leaves_.find(kernel)) return leaf->forward_params;
    if (const CostFile* f = load(kernel)) return f->params();
    std::string file = (fs::path(dir_) / (kernel + ".json")).string();
    if (parent.empty())
      throw ResolveError(ResolveError::Kind::missing_kernel,
                         "kernel " + quote_for_message(kernel) + " is neither a leaf kernel nor a cost file " + path_for_message(file), kernel);
    throw ResolveError(ResolveError::Kind::missing_kernel,
                       path_for_message(file_of_.at(parent)) + ": " + json_path_key(json_path_key("$.children", label), "kernel") +
                           ": " + quote_for_message(kernel) + " is neither a leaf kernel nor a cost file " + path_for_message(file),
                       kernel);
  }

  // A leaf's formulas at its bindings, with what the point's domain decides decided
  // (point_domain.h: a weight read `min(M, 1)` times at M = batch_size * seq_len is read once).
  static CostExprs substitute(const CostExprs& f, const std::map<std::string, Expr>& env) {
    return {decided_by_point(f.flops.subs(env)), decided_by_point(f.memory_read.subs(env)),
            decided_by_point(f.memory_write.subs(env))};
  }

  ResolvedNode resolve_kernel(const std::string& kernel, const std::map<std::string, Expr>& env,
                              const std::string& path) {
    ResolvedNode node;
    node.kernel = kernel;
    try {
      if (const LeafKernel* leaf = leaves_.find(kernel)) {
        node.leaf = true;
        node.cost = substitute({leaf->flops, leaf->memory_read, leaf->memory_write}, env);
        check_node(node);
        return node;
      }
    } catch (const ExprError& e) {
      throw ResolveError(ResolveError::Kind::bad_file,
                         "leaf kernel '" + kernel + "' at " + where(path) + ": " + e.what());
    }
    const CostFile* f = load(kernel);  // params_of loaded it or threw
    if (f->leaf) {
      node.leaf = true;
      node.cost = substitute(f->formulas, env);
      check_node(node);
      return node;
    }
    for (const std::string& k : stack_)
      if (k == kernel) {
        std::string cycle;
        bool on = false;
        for (const std::string& s : stack_) {
          on = on || s == kernel;
          if (on) cycle += quote_for_message(s) + " -> ";
        }
        throw ResolveError(ResolveError::Kind::bad_file, "cost files call each other in a cycle: " + cycle + quote_for_message(kernel));
      }
    stack_.push_back(kernel);
    bool memory_known = f->footprint.has_value();
    Expr child_cache(0);
    for (const CostChild& c : f->children) {
      std::string child_path = path_join(path, c.label);
      std::string at = json_path_key("$.children", c.label);
      if (c.kernel == "unknown") {
        if (!options_.allow_unknown)
          throw ResolveError(ResolveError::Kind::unknown_child,
                             path_for_message(file_of_.at(kernel)) + ": " + at + ": child " + quote_for_message(c.label) +
                                 " could not be modelled (kernel \"unknown\"; the .md says why)");
        ResolvedNode unknown;
        unknown.kernel = "unknown";
        unknown.leaf = true;
        unknown.count = c.count.subs(env);
        node.children.emplace_back(c.label, std::move(unknown));
        unknowns_.push_back(child_path);
        continue;
      }
      std::vector<std::string> params = params_of(c.kernel, kernel, c.label);
      std::map<std::string, Expr> child_env;
      try {
        for (const auto& [param, value] : c.bindings) {
          if (std::find(params.begin(), params.end(), param) == params.end())
            throw ResolveError(ResolveError::Kind::bad_file,
                               path_for_message(file_of_.at(kernel)) + ": " + json_path_key(at + ".bindings", param) + ": " + quote_for_message(c.kernel) +
                                   " has no parameter " + quote_for_message(param));
          child_env[param] = value.subs(env);
        }
        const bool leaf_child = leaves_.find(c.kernel) != nullptr;
        for (const std::string& p : params)
          if (!child_env.count(p)) {
            // A leaf's operand width the cost file does not bind is the activations' width
            // (leaves/operand_widths.h).
            if (leaf_child && is_width_param(p)) child_env[p] = Expr::symbol(LeafCatalog::kBytesSymbol);
            else child_env[p] = marker({c.kernel, p, kernel, c.label, child_path});
          }
        ResolvedNode child = resolve_kernel(c.kernel, child_env, child_path);
        child.count = c.count.subs(env);
        check_bound(child.count);
        node.cost.flops += child.count * child.cost.flops;
        node.cost.memory_read += child.count * child.cost.memory_read;
        node.cost.memory_write += child.count * child.cost.memory_write;
        if (child.footprint) child_cache = child_cache + child.count * child.footprint->cache_elements;
        else memory_known = memory_known && child.leaf;
        node.children.emplace_back(c.label, std::move(child));
      } catch (const ExprError& e) {
        throw ResolveError(ResolveError::Kind::bad_file, path_for_message(file_of_.at(kernel)) + ": " + at + ": " + e.what());
      }
    }
    stack_.pop_back();
    check_node(node);
    if (memory_known) {
      Footprint fp{f->footprint->parameters.subs(env), f->footprint->buffers.subs(env),
                   f->footprint->cache_elements.subs(env) + child_cache};
      // Memory that depends on a parameter no call binds is not known (costs never do).
      if (bound(fp.parameters) && bound(fp.buffers) && bound(fp.cache_elements)) node.footprint = fp;
    }
    return node;
  }

  void check_node(const ResolvedNode& node) const {
    check_bound(node.count);
    check_bound(node.cost.flops);
    check_bound(node.cost.memory_read);
    check_bound(node.cost.memory_write);
  }

  std::string dir_;
  const LeafCatalog& leaves_;
  const ResolveOptions& options_;
  std::map<std::string, CostFile> files_;
  std::map<std::string, std::string> file_of_;  // kernel -> the path of its cost file
  std::map<std::string, Unbound> unbound_;
  std::vector<std::string> stack_;
  std::vector<std::string> unknowns_;
};

}  // namespace

ResolvedTree resolve(const std::string& costs_dir, const std::string& kernel, const LeafCatalog& leaves,
                     const ResolveOptions& options) {
  return Resolver(costs_dir, leaves, options).run(kernel);
}

}  // namespace kcost
