// Layer kinds: stacks whose layers differ (config.layer_types, every n-th layer full, dense
// layers before mixture-of-experts ones) are split into one group per kind, each with the exact
// count of its layers in the analysed config. A kind is what a layer's __init__ makes of it,
// recursively, plus the KV-cache layer class at its index: layers of one kind cost the same
// formulas. A class built into more than one kind is one kernel per kind (`Class@kind`).
#include <algorithm>

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

}  // namespace

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
    case Value::Kind::Number:
      // A symbolic number is a parameter of the kernel, not a kind (a layer index, a size bound
      // differently at each call); a literal one (a flag, a constant size) is structure.
      return v.expr.is_number() ? "n:" + v.expr.str() : "n";
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

std::string ShapeTracer::kernel_of(const Value& module) {
  if (!ctx_.variants) return module.class_name;
  auto cls = ctx_.variants->find(module.class_name);
  if (cls == ctx_.variants->end()) return module.class_name;
  auto kind = cls->second.find(kind_key(module));
  return kind == cls->second.end() ? module.class_name : kind->second;
}

std::optional<std::vector<Hooks::Iteration>> ShapeTracer::layer_kinds(const Value& stack) {
  if (stack.items.size() < 2) return std::nullopt;
  struct Kind {
    std::string key;
    std::vector<size_t> layers;
  };
  std::vector<Kind> kinds;
  std::vector<ValuePtr> layers;
  for (size_t i = 0; i < stack.items.size(); ++i) {
    const ValuePtr& item = stack.items[i];
    ValuePtr layer = stack.element ? with_index_values(*stack.element, *item) : item;
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
  std::vector<Iteration> groups;
  for (const auto& k : kinds) {
    groups.push_back({with_attr(*layers[k.layers.front()], stack.attr), Expr(static_cast<long long>(k.layers.size())),
                      static_cast<long long>(k.layers.front())});
    if (record_ && kinds.size() > 1) {
      std::string which;
      for (size_t i : k.layers) which += (which.empty() ? "" : ", ") + std::to_string(i);
      record_->assumptions.push_back({"", 0, "the layers of `" + stack.attr + "` differ: " + std::to_string(k.layers.size()) +
                                                " of " + std::to_string(stack.items.size()) + " are of the kind of layer " +
                                                std::to_string(k.layers.front()) + " (layers " + which +
                                                "), a count computed from the analysed config"});
    }
  }
  return groups;
}

}  // namespace kcost
