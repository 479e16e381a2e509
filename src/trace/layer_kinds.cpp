// Layer kinds: stacks whose layers differ (config.layer_types, every n-th layer full, dense
// layers before mixture-of-experts ones) are split into one group per kind, each with the exact
// count of its layers in the analysed config. A kind is what a layer's __init__ makes of it,
// recursively, plus the KV-cache layer class at its index: layers of one kind cost the same
// formulas. A class built into more than one kind is one kernel per kind (`Class@kind`).
#include <algorithm>
#include <set>

#include "ast/parameters.h"
#include "expr/functions.h"
#include "expr/index_count.h"
#include "trace/call_strings.h"
#include "trace/shape_tracer.h"
#include "util/strings.h"

namespace kcost {

namespace {

// Whether a constructor argument of `module` is the number `index` (a layer built for its place).
bool built_for_index(const Value& module, long long index) {
  for (const auto& a : module.args)
    if (a.value && known_int(*a.value) == index) return true;
  return false;
}

// The name of the `__init__` parameter that constructor argument `a` of `module` binds (its
// keyword, else its position's parameter); "" when unknown.
std::string init_parameter_of(SourceLocator& locator, const Value& module, size_t a) {
  if (!module.args[a].name.empty()) return module.args[a].name;
  try {
    const ClassSource& cls = locator.find_class(module.class_name);
    if (!cls.init) return "";
    ast::Parameters params = ast::parameters_of(*cls.init->def);
    return a + 1 < params.positional.size() ? params.positional[a + 1].name() : "";
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

namespace {

// The literal integer constructor arguments of `module` and of the modules among its arguments,
// recursively: path (class, argument position and name, down the nesting) -> value.
void literal_arguments(const Value& module, const std::string& prefix, std::map<std::string, long long>& out, int depth) {
  if (depth > 4 || !module.is(Value::Kind::Module)) return;
  for (size_t a = 0; a < module.args.size(); ++a) {
    const ValuePtr& v = module.args[a].value;
    if (!v) continue;
    std::string path = prefix + module.class_name + "/" + std::to_string(a) + ":" + module.args[a].name;
    if (v->is(Value::Kind::Number) && v->expr.is_number())
      if (std::optional<long long> i = known_int(*v)) out[path] = *i;
    if (v->is(Value::Kind::Module)) literal_arguments(*v, path + "/", out, depth + 1);
  }
}

// `module` with the literal arguments at `paths` made symbols carrying `index`.
ValuePtr with_symbols_at(SourceLocator& locator, const Value& module, const std::string& prefix,
                         const std::set<std::string>& paths, long long index, int depth) {
  auto out = std::make_shared<Value>(module);
  if (depth > 4 || !module.is(Value::Kind::Module)) return out;
  for (size_t a = 0; a < out->args.size(); ++a) {
    const ValuePtr& v = out->args[a].value;
    if (!v) continue;
    std::string path = prefix + module.class_name + "/" + std::to_string(a) + ":" + module.args[a].name;
    if (paths.count(path)) {
      std::string name = init_parameter_of(locator, module, a);
      if (!name.empty()) out->args[a].value = Value::number(Expr::symbol(name), GiNaC::numeric(static_cast<long>(index)));
    } else if (v->is(Value::Kind::Module)) {
      out->args[a].value = with_symbols_at(locator, *v, path + "/", paths, index, depth + 1);
    }
  }
  return out;
}

}  // namespace

std::vector<ValuePtr> with_index_symbols(SourceLocator& locator, const std::vector<ValuePtr>& items) {
  std::vector<ValuePtr> out(items.begin(), items.end());
  if (items.size() < 2) return out;
  for (const auto& item : items)
    if (!item || !item->is(Value::Kind::Module)) return out;
  // The argument paths (a layer's own argument, or one of a module built for it and passed in:
  // Zamba2's HybridLayer(attention, linear, MambaDecoderLayer(config, layer_idx=i))) where every
  // layer that has the path holds its own index as a literal.
  std::vector<std::map<std::string, long long>> literals(items.size());
  for (size_t i = 0; i < items.size(); ++i) literal_arguments(*items[i], "", literals[i], 0);
  std::map<std::string, bool> index_path;
  for (size_t i = 0; i < items.size(); ++i)
    for (const auto& [path, value] : literals[i]) {
      auto it = index_path.emplace(path, true).first;
      it->second = it->second && value == static_cast<long long>(i);
    }
  std::set<std::string> paths;
  for (const auto& [path, index] : index_path)
    if (index) paths.insert(path);
  if (paths.empty()) return out;
  for (size_t i = 0; i < items.size(); ++i)
    out[i] = with_symbols_at(locator, *items[i], "", paths, static_cast<long long>(i), 0);
  return out;
}

ValuePtr with_index_values(const Value& element, const Value& item) {
  if (!element.is(Value::Kind::Module) || !item.is(Value::Kind::Module) || element.args.size() != item.args.size())
    return std::make_shared<Value>(item);
  auto out = std::make_shared<Value>(element);
  for (size_t i = 0; i < out->args.size(); ++i) {
    const ValuePtr& sym = element.args[i].value;
    const ValuePtr& num = item.args[i].value;
    if (sym && num && sym->is(Value::Kind::Number) && num->is(Value::Kind::Number) && !sym->expr.is_number() && num->known)
      out->args[i].value = Value::number(sym->expr, num->known);
  }
  return out;
}

std::string ShapeTracer::kind_key(const Value& v, int depth) {
  if (depth > 32) return "…";
  switch (v.kind) {
    case Value::Kind::Module: {
      // Its constructor arguments as kinds too: None against a number selects structure
      // (Glm4MoeMLP(config) is the dense MLP, Glm4MoeMLP(config, intermediate_size=n) a shared expert).
      std::string key = v.class_name + "(";
      for (const auto& a : v.args) key += a.name + "=" + (a.value ? kind_key(*a.value, depth + 1) : "?") + ",";
      key += "){";
      try {
        auto facts = facts_of(v.class_name, &v.args);
        for (const auto& a : facts->attributes) key += a.name + "=" + (a.value ? kind_key(*a.value, depth + 1) : "?") + ";";
      } catch (const std::exception& e) {
        key += std::string("!") + e.what();
      }
      return key + "}";
    }
    case Value::Kind::ModuleList:
    case Value::Kind::List:
    case Value::Kind::Tuple: {
      std::string key = "[";
      if (v.element) key += kind_key(*v.element, depth + 1) + "x" + v.length.str();
      else
        for (const auto& item : v.items) key += (item ? kind_key(*item, depth + 1) : "?") + ",";
      return key + "]";
    }
    case Value::Kind::Number: {
      // A symbolic number is a parameter of the kernel, not a kind (a layer index, a size bound
      // differently at each call); a literal one (a flag, a constant size) is structure, and so
      // is a truth value its symbols' known values decide (`layer_idx >= config.first_k_dense_replace`).
      if (v.expr.is_number()) return "n:" + v.expr.str();
      auto op = py_op(v.expr.ex());
      bool truth = op && (is_comparison(*op) || *op == PyOp::logical_not || *op == PyOp::logical_and || *op == PyOp::logical_or);
      return truth && v.known ? "n:" + Expr::number(*v.known).str() : "n";
    }
    case Value::Kind::Tensor: {
      // A parameter's or buffer's shape is in the kernel's parameters too; its rank, dtype class
      // and literal dims are structure.
      std::string key = "t" + std::to_string(static_cast<int>(v.dtype)) + std::to_string(static_cast<int>(v.origin)) + "[";
      for (const auto& d : v.shape) key += (d.is_number() ? d.str() : std::string("n")) + ",";
      return key + "]";
    }
    case Value::Kind::Dict: {
      std::string key = "{";
      for (size_t i = 0; i < v.keys.size() && i < v.items.size(); ++i)
        key += v.keys[i] + ":" + (v.items[i] ? kind_key(*v.items[i], depth + 1) : "?") + ",";
      return key + "}";
    }
    default: return structural_key(v);
  }
}

std::string ShapeTracer::kernel_of(const Value& module, const std::map<std::string, ValuePtr>& inputs) {
  if (!ctx_.variants) return module.class_name;
  auto cls = ctx_.variants->find(module.class_name);
  if (cls == ctx_.variants->end()) return module.class_name;
  auto kind = cls->second.find(kind_key(module) + call_strings(inputs));
  return kind == cls->second.end() ? module.class_name : kind->second;
}

void ShapeTracer::index_decisions(const Value& module, const std::map<std::string, Expr>& index, std::vector<Decision>& out,
                                  int depth) {
  if (depth > 16 || !module.is(Value::Kind::Module)) return;
  std::shared_ptr<ModuleFacts> facts;
  try {
    facts = facts_of(module.class_name, &module.args);
  } catch (const std::exception&) {
    return;
  }
  for (const Decision& d : facts->decisions)
    for (const std::string& s : d.condition.symbols())
      if (index.count(s)) {
        out.push_back(d);
        break;
      }
  for (const auto& a : facts->attributes) {
    if (!a.value) continue;
    if (a.value->is(Value::Kind::Module)) index_decisions(*a.value, index, out, depth + 1);
    if (a.value->is(Value::Kind::ModuleList)) {
      if (a.value->element) index_decisions(*a.value->element, index, out, depth + 1);
      for (const auto& item : a.value->items)
        if (item) index_decisions(*item, index, out, depth + 1);
    }
  }
}

std::optional<std::vector<Hooks::Iteration>> ShapeTracer::layer_kinds(const Value& stack) {
  if (stack.items.size() < 2) return std::nullopt;
  struct Kind {
    std::string key;
    std::vector<size_t> layers;
  };
  std::vector<Kind> kinds;
  std::vector<ValuePtr> layers;
  // A stack built layer by layer (a comprehension whose element differs by layer, Olmo-Hybrid's
  // `LinearLayer(config, i) if config.layer_types[i] == ... else AttentionLayer(config, i)`): the
  // index each layer is built with is a symbol carrying its value, as an element's is, so that
  // it is a kernel parameter and not a kind.
  const std::vector<ValuePtr> indexed = stack.element ? stack.items : with_index_symbols(ctx_.locator, stack.items);
  for (size_t i = 0; i < stack.items.size(); ++i) {
    const ValuePtr& item = stack.items[i];
    ValuePtr layer = stack.element ? with_index_values(*stack.element, *item) : indexed[i];
    std::string key = kind_key(*layer);
    // A layer built for its place in a stack as long as the cache is has that cache layer.
    if (ctx_.cache.size() == stack.items.size() && built_for_index(*item, static_cast<long long>(i)))
      if (std::optional<CacheLayer> c = ctx_.cache.layer(static_cast<long long>(i))) key += "|cache:" + c->key();
    layers.push_back(layer);
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const Kind& k) { return k.key == key; });
    if (it == kinds.end()) kinds.push_back({key, {i}});
    else it->layers.push_back(i);
  }
  // One kind: the element with its index as a symbol stands for every layer, when it is of
  // that kind (a branch on the index that only a known index decides, as Qwen3-MoE's
  // `(layer_idx + 1) % decoder_sparse_step == 0`, makes it another kind: then the first layer
  // stands for them).
  if (kinds.size() == 1 && stack.element && kind_key(*stack.element) == kind_key(*layers[0])) return std::nullopt;
  // Counts in the config's fields: a kind is the positions where the lists the config derives
  // from its fields (facts/derived_lists.h) hold what they hold at its first layer, and where the
  // conditions on the layer index its __init__ decided go the way they went there
  // (`layer_idx >= config.first_k_dense_replace`); when that predicate selects exactly the kind's
  // layers in the analysed config, its count is how many positions it selects in any config.
  std::vector<Expr> derived;
  std::vector<std::string> derived_from;
  if (kinds.size() > 1 && stack.element) {
    const nlohmann::json& values = ctx_.config.values();
    const std::string index_name = derived_list_index();
    const Expr index = Expr::symbol(index_name);
    const Expr length = stack.length.is_number() || stack.length == Expr(0) ? Expr(static_cast<long long>(stack.items.size())) : stack.length;
    for (const Kind& k : kinds) {
      const size_t first = k.layers.front();
      Expr predicate(1);
      std::vector<std::string> how;
      if (ctx_.derived_lists)
        for (const auto& [attr, list] : *ctx_.derived_lists) {
          if (!values.contains(attr) || !values[attr].is_array() || values[attr].size() != stack.items.size()) continue;
          const nlohmann::json& items = values[attr];
          if (!std::all_of(k.layers.begin(), k.layers.end(), [&](size_t i) { return items[i] == items[first]; })) continue;
          predicate = Expr::logical_and(predicate, list.condition(items[first]));
          how.push_back("config." + attr + "[i] is " + items[first].dump() + " (" + list.function + ", line " +
                        std::to_string(list.line) + ")");
        }
      // The element's constructor arguments that are the layer's index.
      std::map<std::string, Expr> to_index;
      const Value& built = *stack.items[first];
      for (size_t a = 0; a < stack.element->args.size() && a < built.args.size(); ++a) {
        const ValuePtr& sym = stack.element->args[a].value;
        const ValuePtr& num = built.args[a].value;
        if (sym && num && sym->is(Value::Kind::Number) && num->is(Value::Kind::Number) && sym->expr.symbols().size() == 1 &&
            sym->expr == Expr::symbol(*sym->expr.symbols().begin()) && known_int(*num) == static_cast<long long>(first))
          to_index[*sym->expr.symbols().begin()] = index;
      }
      if (!to_index.empty()) {
        std::vector<Decision> decisions;
        index_decisions(*layers[first], to_index, decisions, 0);
        std::set<std::string> seen;
        for (const Decision& d : decisions) {
          Expr c = d.condition.subs(to_index);
          if (!seen.insert(c.str() + (d.taken ? "1" : "0")).second) continue;
          predicate = Expr::logical_and(predicate, d.taken ? c : Expr::logical_not(c));
          how.push_back("`" + d.condition.str() + "` is " + (d.taken ? "true" : "false"));
        }
      }
      bool exact = true;
      for (size_t i = 0; i < stack.items.size() && exact; ++i) {
        std::optional<GiNaC::numeric> at = at_config(predicate.subs({{index_name, Expr(static_cast<long long>(i))}}), ctx_.config);
        bool member = std::binary_search(k.layers.begin(), k.layers.end(), i);
        exact = at && !at->is_zero() == member;
      }
      std::optional<Expr> count = exact ? count_where(predicate, index_name, length) : std::nullopt;
      if (!count || at_config(*count, ctx_.config) != GiNaC::numeric(static_cast<long>(k.layers.size()))) break;
      std::string text;
      for (const auto& h : how) text += (text.empty() ? "" : " and ") + h;
      derived.push_back(*count);
      derived_from.push_back(text);
    }
    if (derived.size() != kinds.size()) derived.clear();
  }
  std::vector<Iteration> groups;
  for (size_t g = 0; g < kinds.size(); ++g) {
    const Kind& k = kinds[g];
    // Which cache layers the first layer of a kind stands for (a cache.update it makes reaches
    // all of them: KvCache::filled).
    if (ctx_.cache.size() == stack.items.size())
      ctx_.cache_layer_kinds[static_cast<long long>(k.layers.front())] = {k.layers.begin(), k.layers.end()};
    Expr count = derived.empty() ? Expr(static_cast<long long>(k.layers.size())) : derived[g];
    // One kind of layer: every layer of the stack, however many the config makes.
    if (kinds.size() == 1 && stack.element && !stack.length.is_number()) count = stack.length;
    groups.push_back({with_attr(*layers[k.layers.front()], stack.attr), count, static_cast<long long>(k.layers.front())});
    if (record_ && kinds.size() > 1) {
      std::string which;
      for (size_t i : k.layers) which += (which.empty() ? "" : ", ") + std::to_string(i);
      std::string how = "a count computed from the analysed config";
      if (!derived.empty())
        how = count.str() + " layers in every config: those where " + derived_from[g] +
              ", lists the config derives from its fields when not given";
      record_->assumptions.push_back({"", 0, "the layers of `" + stack.attr + "` differ: " + std::to_string(k.layers.size()) +
                                                " of " + std::to_string(stack.items.size()) + " are of the kind of layer " +
                                                std::to_string(k.layers.front()) + " (layers " + which + "), " + how});
    }
  }
  return groups;
}

}  // namespace kcost
