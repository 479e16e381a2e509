// Parameters and buffers of a module, counted from the facts of its __init__ (shape_tracer.h).
#include "trace/shape_tracer.h"
#include <algorithm>
#include <cstdlib>
#include <regex>

namespace kcost {

namespace {

Expr elements(const Value& tensor) {
  Expr n(1);
  for (const Expr& d : tensor.shape) n = n * d;
  return n;
}

std::vector<std::string> split_dots(const std::string& dotted) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = dotted.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(dotted.substr(start, dot - start));
  parts.push_back(dotted.substr(start));
  return parts;
}

std::string joined(const std::string& path, const std::string& name) { return path.empty() ? name : path + "." + name; }

}  // namespace

ShapeTracer::ModuleParameters ShapeTracer::module_parameters(const Value& module, const std::string& path) {
  try {
    return module_parameters(*facts_of(module.class_name, &module.args), path);
  } catch (const std::exception& e) {
    ModuleParameters out;
    out.unknown.push_back((path.empty() ? module.class_name : path) + ": " + e.what());
    return out;
  }
}

ShapeTracer::ModuleParameters ShapeTracer::module_parameters(const ModuleFacts& facts, const std::string& path) {
  ModuleParameters out;
  if (ctx_.depth > 64) {
    out.unknown.push_back(path + ": modules nested too deep");
    return out;
  }
  auto add = [&](const ModuleParameters& sub, const Expr& times) {
    out.parameters = out.parameters + times * sub.parameters;
    out.buffers = out.buffers + times * sub.buffers;
    out.unknown.insert(out.unknown.end(), sub.unknown.begin(), sub.unknown.end());
  };
  ++ctx_.depth;
  for (const Attribute& a : facts.attributes) {
    if (!a.value) continue;
    const Value& v = *a.value;
    const std::string where = joined(path, a.name);
    switch (a.kind) {
      case Attribute::Kind::Parameter:
      case Attribute::Kind::Buffer:
        // A plain tensor kept on self is not registered: neither a parameter nor a buffer.
        if (v.origin == Value::Origin::Parameter) out.parameters = out.parameters + elements(v);
        else if (v.origin == Value::Origin::Buffer) out.buffers = out.buffers + elements(v);
        break;
      case Attribute::Kind::Submodule: add(module_parameters(v, where), Expr(1)); break;
      case Attribute::Kind::ModuleList: {
        if (v.items.empty()) {
          if (v.element) add(module_parameters(*v.element, where + ".*"), v.length);
          else if (!(v.length.is_number() && v.length.as_number().is_zero()))
            out.unknown.push_back(where + ": a ModuleList whose items are not known");
          break;
        }
        // Each item counted (with its index known); equal counts make one term in the length.
        std::vector<std::pair<Expr, ModuleParameters>> kinds;
        for (size_t i = 0; i < v.items.size(); ++i) {
          if (!v.items[i] || !v.items[i]->is(Value::Kind::Module)) {
            out.unknown.push_back(where + "." + std::to_string(i) + ": not a module (" +
                                  (v.items[i] ? v.items[i]->describe() : std::string("?")) + ")");
            continue;
          }
          ValuePtr item = v.element ? with_index_values(*v.element, *v.items[i]) : v.items[i];
          ModuleParameters p = module_parameters(*item, where + "." + std::to_string(i));
          auto same = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) {
            return k.second.parameters == p.parameters && k.second.buffers == p.buffers;
          });
          if (same == kinds.end()) kinds.push_back({Expr(1), p});
          else same->first = same->first + Expr(1);
        }
        if (kinds.size() == 1 && kinds[0].first == Expr(static_cast<long long>(v.items.size())) &&
            !v.length.is_number())
          kinds[0].first = v.length;  // every item alike: the count is the stack's length
        for (const auto& [n, p] : kinds) add(p, n);
        break;
      }
      case Attribute::Kind::Value:
        // A dict or tuple of modules kept on self (nn.ModuleDict, nn.ParameterList) registers
        // them too; a Python list does not.
        if (v.is(Value::Kind::Dict)) {
          for (size_t i = 0; i < v.items.size() && i < v.keys.size(); ++i)
            if (v.items[i] && v.items[i]->is(Value::Kind::Module))
              add(module_parameters(*v.items[i], joined(where, v.keys[i])), Expr(1));
        }
        break;
      case Attribute::Kind::Unknown:
        out.unknown.push_back(where + ": " + (v.why.empty() ? v.describe() : v.why));
        break;
      case Attribute::Kind::Config: break;
    }
  }
  --ctx_.depth;
  subtract_instance_ties(facts, path, out);
  return out;
}

// The submodules of `facts` by their paths relative to it (a ModuleList's items by index, a
// dict's by key), down to `depth` levels.
void ShapeTracer::submodule_paths(const ModuleFacts& facts, const std::string& path, int depth,
                                  std::vector<std::pair<std::string, ValuePtr>>& out) {
  if (depth <= 0) return;
  auto visit = [&](const std::string& where, const ValuePtr& m) {
    out.push_back({where, m});
    try {
      submodule_paths(*facts_of(m->class_name, &m->args), where, depth - 1, out);
    } catch (const std::exception&) {
    }
  };
  for (const Attribute& a : facts.attributes) {
    if (!a.value) continue;
    const Value& v = *a.value;
    const std::string where = joined(path, a.name);
    if (a.kind == Attribute::Kind::Submodule) visit(where, a.value);
    if (a.kind == Attribute::Kind::ModuleList)
      for (size_t i = 0; i < v.items.size(); ++i)
        if (v.items[i] && v.items[i]->is(Value::Kind::Module))
          visit(where + "." + std::to_string(i), v.element ? with_index_values(*v.element, *v.items[i]) : v.items[i]);
    if (a.kind == Attribute::Kind::Value && v.is(Value::Kind::Dict))
      for (size_t i = 0; i < v.items.size() && i < v.keys.size(); ++i)
        if (v.items[i] && v.items[i]->is(Value::Kind::Module)) visit(joined(where, v.keys[i]), v.items[i]);
  }
}

// `self._tied_weights_keys = {target pattern: source}` set by a module's own __init__ (Zamba's
// shared transformer block, built at every hybrid layer and tied from the first one's:
// {"layers.(?!2\.)\d+.shared_transf": "layers.2.shared_transf"}): post_init ties every parameter
// whose name the pattern matches from its start to the source's, and model.parameters() yields a
// tied parameter once. The parameters of each submodule whose path the pattern matches (the
// first such on a path) are taken off. A pattern that is not a regular expression is noted.
void ShapeTracer::subtract_instance_ties(const ModuleFacts& facts, const std::string& path, ModuleParameters& out) {
  const Attribute* ties = facts.find("_tied_weights_keys");
  if (!ties || !ties->value || !ties->value->is(Value::Kind::Dict) || ties->value->keys.empty()) return;
  // PreTrainedModel.get_expanded_tied_weights_keys: ties of a PreTrainedModel (sub)model, and only
  // when the config ties word embeddings (false when absent).
  std::optional<ValuePtr> tie = ctx_.config.attribute("config", "tie_word_embeddings");
  if (!tie || !*tie || (*tie)->truth() != true) return;
  try {
    const std::vector<std::string>& mro = ctx_.locator.find_class(facts.qualname).mro;
    if (std::none_of(mro.begin(), mro.end(), [](const std::string& c) { return c == "transformers.modeling_utils.PreTrainedModel"; }))
      return;
  } catch (const std::exception&) {
    return;
  }
  std::vector<std::pair<std::string, ValuePtr>> modules;
  submodule_paths(facts, "", 8, modules);
  for (size_t t = 0; t < ties->value->keys.size(); ++t) {
    const ValuePtr& source = ties->value->items[t];
    if (!source || !source->is(Value::Kind::String)) continue;
    std::regex target;
    try {
      target = std::regex("^(" + ties->value->keys[t] + ")(\\.|$)");
    } catch (const std::regex_error&) {
      out.unknown.push_back(joined(path, "_tied_weights_keys") + ": '" + ties->value->keys[t] + "' is not a pattern kcost reads");
      continue;
    }
    std::vector<std::string> taken;
    for (const auto& [where, module] : modules) {
      if (!std::regex_search(where, target)) continue;
      const std::string& at = where;  // clang 14 cannot capture a structured binding
      if (std::any_of(taken.begin(), taken.end(), [&](const std::string& p) { return at.rfind(p + ".", 0) == 0; }))
        continue;  // inside a submodule already taken off
      taken.push_back(where);
      ModuleParameters tied = module_parameters(*module, joined(path, where));
      out.parameters = out.parameters - tied.parameters;
    }
  }
}

std::optional<Expr> ShapeTracer::state_elements(const ModuleFacts& root, const std::string& dotted) {
  std::vector<std::string> parts = split_dots(dotted);
  ValuePtr at;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k == 0) {
      const Attribute* a = root.find(parts[0]);
      if (!a || !a->value) return std::nullopt;
      at = a->value;
      continue;
    }
    if (!at) return std::nullopt;
    if (at->is(Value::Kind::ModuleList)) {
      char* end = nullptr;
      long long i = std::strtoll(parts[k].c_str(), &end, 10);
      if (end == parts[k].c_str() || *end || i < 0) return std::nullopt;
      if (static_cast<size_t>(i) < at->items.size()) at = at->element ? with_index_values(*at->element, *at->items[i]) : at->items[i];
      else if (at->items.empty() && at->element) at = at->element;
      else return std::nullopt;
      continue;
    }
    if (!at->is(Value::Kind::Module)) return std::nullopt;
    std::shared_ptr<ModuleFacts> facts;
    try {
      facts = facts_of(at->class_name, &at->args);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    const Attribute* a = facts->find(parts[k]);
    if (!a || !a->value) return std::nullopt;
    at = a->value;
  }
  if (at && at->is_tensor() && (at->origin == Value::Origin::Parameter || at->origin == Value::Origin::Buffer))
    return elements(*at);
  return std::nullopt;
}

}  // namespace kcost
