#include "analyze/analyzer.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>

#include "ast/parameters.h"
#include "costfile/cost_schema.h"
#include "emit/atomic_file.h"
#include "facts/module_state.h"
#include "trace/call_strings.h"
#include "trace/op_leaf.h"
#include "trace/generation_call.h"
#include "trace/shape_tracer.h"

namespace kcost {

namespace {

// forward()'s parameters without self, *args and **kwargs.
std::vector<std::string> forward_parameter_names(const FunctionSource& forward) {
  std::vector<std::string> names;
  ast::Parameters params = ast::parameters_of(*forward.def);
  for (size_t i = 1; i < params.positional.size(); ++i) names.push_back(params.positional[i].name());
  for (const auto& p : params.keyword_only) names.push_back(p.name());
  // **kwargs: the keywords a caller passes on (a decoder layer's position_embeddings handed to
  // its attention through **kwargs) are an input like the others.
  if (params.kwarg) names.push_back(params.kwarg->str("arg"));
  return names;
}

// forward()'s parameters and the module state its callers set ("self.x" inputs: a parent's
// `self.rg_lru.recurrent_states = ...`, ShapeTracer::call_composite).
std::vector<std::string> input_names(const FunctionSource& forward, const std::vector<CallSite>& sites) {
  std::vector<std::string> names = forward_parameter_names(forward);
  for (const auto& site : sites)
    for (const auto& [name, v] : site.inputs)
      if (name.rfind("self.", 0) == 0 && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  return names;
}

// Constructor arguments that stand for every call site in the kernel's own symbols: each
// numeric init param is a symbol of its name (known when all sites agree on its value); other
// arguments (the config, strings) are taken from the first site.
// `values`: for a numeric init param whose sites disagree, the integers it takes at every site
// (a layer index: which layers the kernel stands for).
std::vector<Arg> own_ctor_args(ShapeTracer& tracer, SourceLocator& locator, const std::string& kernel,
                               const std::vector<CallSite>& sites, const std::vector<std::string>& init_params,
                               std::map<std::string, std::vector<long long>>* values = nullptr) {
  const ClassSource& cls = locator.find_class(class_of_kernel(kernel));
  std::vector<std::map<std::string, ValuePtr>> bound;
  std::vector<Arg> args;
  if (!cls.init) return args;
  for (const auto& site : sites) {
    Interpreter ev(locator, ConfigView(), tracer, cls.init->module, cls.init->file);
    Scope scope;
    ev.bind_parameters(*cls.init->def, constructor_arguments(site.ctor_args), scope, true);
    bound.push_back(scope.vars());
  }
  std::set<std::string> numeric(init_params.begin(), init_params.end());
  for (const auto& [name, first] : bound[0]) {
    bool all_numbers = true, all_integers = true;
    std::optional<GiNaC::numeric> known = first->known;
    std::vector<long long> integers;
    for (const auto& b : bound) {
      auto it = b.find(name);
      if (it == b.end() || !it->second->is(Value::Kind::Number)) all_numbers = false;
      else if (!known || !it->second->known || *it->second->known != *known) known.reset();
      std::optional<long long> i = it == b.end() ? std::nullopt : known_int(*it->second);
      if (i) integers.push_back(*i);
      else all_integers = false;
    }
    if (values && numeric.count(name) && all_numbers && all_integers && !known) (*values)[name] = integers;
    if (numeric.count(name) && all_numbers) args.push_back({name, Value::number(Expr::symbol(name), known), name});
    else args.push_back({name, first, name});
  }
  // State its parent set on it after construction (facts/module_state.h): part of what the
  // kernel is (its sites are of one kind, so of one state), kept as the first site has it.
  for (const Arg& state : state_arguments(sites[0].ctor_args)) args.push_back(state);
  return args;
}

// The string attributes of a module and its submodules (path -> value), breadth first.
void string_attributes(ShapeTracer& tracer, const Value& module, const std::string& prefix,
                       std::map<std::string, std::string>& out, std::vector<std::string>* order, int depth) {
  if (depth > 4 || !module.is(Value::Kind::Module)) return;
  std::shared_ptr<ModuleFacts> facts;
  try {
    facts = tracer.facts_of(module.class_name, &module.args);
  } catch (const std::exception&) {
    return;
  }
  for (const auto& a : facts->attributes)
    if (a.value && a.value->is(Value::Kind::String)) {
      out[prefix + a.name] = a.value->str;
      if (order) order->push_back(prefix + a.name);
    }
  for (const auto& a : facts->attributes)
    if (a.value && a.value->is(Value::Kind::Module)) string_attributes(tracer, *a.value, prefix + a.name + ".", out, order, depth + 1);
}

// The kernels of each class whose call sites are of more than one kind (layer_kinds.cpp):
// class -> kind key -> `Class@label`, the label the string attribute that tells the kinds apart
// (`sliding_attention`) when there is one, else `kind1`, `kind2`, ... in the order met. The sites
// and the discovery order are rewritten to the variants.
std::map<std::string, std::map<std::string, std::string>> kernel_variants(ShapeTracer& tracer,
                                                                          std::map<std::string, std::vector<CallSite>>& sites,
                                                                          std::vector<std::string>& order) {
  std::map<std::string, std::map<std::string, std::string>> variants;
  std::vector<std::string> new_order;
  for (const std::string& kernel : order) {
    std::vector<std::string> keys;          // kind of each site
    std::vector<std::string> kinds;         // distinct, in order
    std::vector<ValuePtr> representatives;  // a module of each kind
    for (const auto& site : sites[kernel]) {
      ValuePtr module = Value::module(kernel, site.ctor_args);
      keys.push_back(tracer.kind_key(*module) + call_strings(site.inputs));
      if (std::find(kinds.begin(), kinds.end(), keys.back()) == kinds.end()) {
        kinds.push_back(keys.back());
        representatives.push_back(module);
      }
    }
    if (kinds.size() < 2) {
      new_order.push_back(kernel);
      continue;
    }
    // Labels: the values of the first string attribute (its own or a submodule's, breadth
    // first) that differs between every two kinds.
    std::vector<std::string> labels;
    std::vector<std::map<std::string, std::string>> strings;
    std::vector<std::string> paths;  // of the first kind, in order
    for (const auto& r : representatives) {
      strings.emplace_back();
      string_attributes(tracer, *r, "", strings.back(), r == representatives[0] ? &paths : nullptr, 0);
    }
    for (const auto& path : paths) {
      std::vector<std::string> values;
      for (const auto& s : strings)
        if (s.count(path)) values.push_back(s.at(path));
      std::set<std::string> distinct(values.begin(), values.end());
      if (values.size() == kinds.size() && distinct.size() == kinds.size()) {
        labels = values;
        break;
      }
    }
    for (size_t k = 0; k < kinds.size(); ++k) {
      std::string label = labels.empty() ? "kind" + std::to_string(k + 1) : labels[k];
      for (char& c : label)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
      variants[kernel][kinds[k]] = kernel + "@" + label;
      new_order.push_back(kernel + "@" + label);
    }
    std::vector<CallSite> all = std::move(sites[kernel]);
    sites.erase(kernel);
    for (size_t i = 0; i < all.size(); ++i) sites[variants[kernel][keys[i]]].push_back(all[i]);
  }
  order = new_order;
  return variants;
}

}  // namespace

std::string analysis_identity(const AnalyzeOptions& options) {
  std::string config;
  if (!options.config_file.empty()) {
    std::ifstream in(options.config_file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    config = in ? text.str() : "<unreadable " + options.config_file + ">";
  }
  // Length-prefixed fields: no two different option sets give the same text. The first names
  // the rules that bind leaves (trace/leaf_binding.h): cost files bound by older rules (before
  // per-operand widths) are not reused.
  std::string out = "11:widths-rule;";
  for (const std::string& field : {options.attn_implementation, options.experts_implementation, options.device, config})
    out += std::to_string(field.size()) + ":" + field + ";";
  return out;
}

std::string class_of_kernel(const std::string& kernel) { return kernel.substr(0, kernel.find('@')); }

NameMap analysis_names(const NameMap& names, const LeafCatalog& leaves, SourceLocator& locator) {
  // A name map keyed by public aliases (torch.nn.Linear) reaches the canonical names the
  // analysis looks up (torch.nn.modules.linear.Linear).
  std::vector<std::string> keys;
  for (const auto& entry : names.entries()) keys.push_back(entry.first);
  NameMap out = names.with_canonical_names(locator.canonical_names(keys)).with_leaf_names(leaves);
  // A library's torch.add prices `a + b` (its operators' names, op_leaf's table), unless its map
  // says otherwise.
  for (const auto& [leaf, kernel] : leaves.all())
    for (const std::string& n : operator_names(leaf)) out = out.with_canonical_names({{leaf, n}});
  return out;
}

namespace {

// The parameter and buffer elements of a module of `kernel` (the whole subtree its __init__
// builds). At the root, the parameters its `_tied_weights_keys` names are the source parameter
// when the config ties word embeddings (`tie_word_embeddings`, false when absent, as
// PreTrainedModel reads it), and count once, as `model.parameters()` does.
void count_parameters(ShapeTracer& tracer, const ModuleFacts& facts, const ClassSource& cls, const ConfigView& config,
                      bool root, KernelTrace& trace) {
  ShapeTracer::ModuleParameters p = tracer.module_parameters(facts);
  for (const auto& u : p.unknown) trace.assumptions.push_back({"", 0, "not counted among the parameters: " + u});
  if (root && !cls.tied_weights.empty()) {
    std::optional<ValuePtr> tie = config.attribute("config", "tie_word_embeddings");
    bool tied = tie && *tie && (*tie)->truth() == true;
    for (const auto& [target, source] : cls.tied_weights) {
      if (!tied) continue;
      // A 4.x list (no source): PreTrainedModel._tie_or_clone_weights shares the output
      // embeddings' weight only; a bias the list names too (BERT's `cls.predictions.decoder.bias`)
      // is padded to the vocabulary, not shared, and a module it names (MegatronBERT's
      // `cls.predictions.decoder`) shares its weight.
      const bool listed = source.empty();
      if (listed && target.size() >= 4 && target.compare(target.size() - 4, 4, "bias") == 0) continue;
      std::optional<Expr> n = tracer.state_elements(facts, target);
      if (!n && listed) n = tracer.state_elements(facts, target + ".weight");
      if (!n) {
        trace.assumptions.push_back({"", 0, "tied weight '" + target + "' is not a parameter the analysis knows: counted twice"});
        continue;
      }
      p.parameters = p.parameters - *n;
      trace.assumptions.push_back({"", 0, "'" + target + "' is tied to '" + (source.empty() ? "the input embeddings" : source) +
                                              "' (config.tie_word_embeddings): its " + n->str() + " elements count once"});
    }
  }
  trace.parameters = p.parameters;
  trace.buffers = p.buffers;
  trace.has_footprint = true;
}

// `values[name] = value` in the config and in each of its sub-configs (paths below it): the
// framework state every config of a built model holds (PretrainedConfig's setter of
// _attn_implementation sets its sub-configs too, and 4.50's model init does), which a text model
// reads on its own config (`self.config._attn_implementation` on 4.x Gemma 3).
void set_framework_state(nlohmann::json& values, const std::vector<std::string>& sub_configs, const std::string& name,
                         const std::string& value) {
  values[name] = value;
  for (std::string path : sub_configs) {
    std::replace(path.begin(), path.end(), '.', '/');  // attribute names: no '/' or '~' to escape
    const nlohmann::json::json_pointer at("/" + path);
    if (values.contains(at) && values.at(at).is_object()) values[at][name] = value;
  }
}

}  // namespace

AnalyzeResult analyze(SourceLocator& locator, const LeafCatalog& leaves, const NameMap& given_names,
                      const std::string& root_name, const AnalyzeOptions& options) {
  AnalyzeResult result;
  result.names = analysis_names(given_names, leaves, locator);
  const NameMap& names = result.names;
  const ClassSource& root = locator.find_class(root_name);
  result.root = root.qualname;
  const ConfigDefaults& defaults = locator.config_of(root.qualname, options.config_file);
  nlohmann::json values = defaults.values;
  set_framework_state(values, defaults.sub_configs, "_attn_implementation", options.attn_implementation);
  set_framework_state(values, defaults.sub_configs, "_experts_implementation", options.experts_implementation);
  ConfigView config(values, defaults.aliases, defaults.properties);
  // Lists the config derives from its fields (layer_types): symbolic layer-kind counts.
  nlohmann::json given = nlohmann::json::object();
  if (!options.config_file.empty()) {
    std::ifstream in(options.config_file);
    given = nlohmann::json::parse(in, nullptr, false);
  }
  const std::map<std::string, DerivedList> derived = derived_lists(locator, config, defaults.config_class, given);
  // A library that lacks some of kcost's own leaves: kcost's say what those ops output.
  std::optional<LeafCatalog> own_leaves;
  std::optional<NameMap> own_names;
  try {
    LeafCatalog own = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
    bool lacks = std::any_of(own.all().begin(), own.all().end(), [&](const auto& k) { return !leaves.find(k.first); });
    if (lacks) {
      own_names = analysis_names(NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json"), own, locator);
      own_leaves = std::move(own);
    }
  } catch (const CatalogError&) {
    // kcost's own library is not where it was built: the shapes stop at a missing leaf, as before.
  }
  auto with_own_shapes = [&](TraceContext& ctx) {
    if (own_leaves) {
      ctx.shape_leaves = &*own_leaves;
      ctx.shape_names = &*own_names;
    }
  };

  // Phase 1: every composite call site, from the root down.
  std::map<std::string, std::vector<CallSite>> sites;
  std::vector<std::string> order;
  GenerationCall generation;  // the root's inputs, as generate makes the call
  // The tokens the cache holds when the call starts (KvCache::held_tokens): cache_len, unless the
  // first cache.update of phase 1 shows the prefill caching other than its tokens (a model that
  // prepends tokens of its own to every call); then phase 1 runs again with what it holds.
  std::optional<Expr> held_tokens;
  // The cache layers the prefill filled (KvCache::filled): every one, unless the call reads the
  // cache's layer objects; then a pass as the prefill (every layer as built) says which its
  // updates reach, and phase 1 runs again with those filled.
  std::optional<std::set<long long>> filled;
  bool prefill = false, prefill_done = false;
  for (int pass = 0; pass < 4; ++pass) {
    sites.clear();
    order.clear();
    TraceContext ctx{locator, config, leaves, names, options.attn_implementation};
    with_own_shapes(ctx);
    ctx.derived_lists = &derived;
    ctx.device = options.device;
    ctx.cache = KvCache::from_json(defaults.cache_layers);
    if (held_tokens) ctx.cache.set_held_tokens(*held_tokens);
    ctx.cache.set_filled(prefill ? std::set<long long>{} : filled);
    ctx.sites = &sites;
    ctx.discovery_order = &order;
    ShapeTracer tracer(ctx, nullptr);
    auto facts = tracer.facts_of(root.qualname, nullptr);
    generation = generation_call(tracer, locator, *facts);
    // The cache the call runs with is of the class generate sets up (a DynamicCache, or its own).
    for (auto& [name, v] : generation.inputs)
      if (v && v->is(Value::Kind::Cache)) v = ctx.cache.value();
    tracer.run_forward(*facts, generation.inputs);
    if (prefill) {
      prefill = false;
      prefill_done = true;
      if (!ctx.every_layer_updated) filled = ctx.updated_layers;
      continue;  // the call itself, with those filled
    }
    if (!held_tokens && ctx.first_update_tokens) {
      held_tokens = prefill_held_tokens(*ctx.first_update_tokens);
      if (held_tokens) continue;
    }
    if (!prefill_done && ctx.read_cache_layers) {
      prefill = true;
      continue;
    }
    break;
  }

  // Signatures of the composite kernels.
  TraceContext ctx{locator, config, leaves, names, options.attn_implementation};
  with_own_shapes(ctx);
  ctx.derived_lists = &derived;
  ctx.device = options.device;
  ctx.cache = KvCache::from_json(defaults.cache_layers);
  if (held_tokens) ctx.cache.set_held_tokens(*held_tokens);
  ctx.cache.set_filled(filled);
  std::map<std::string, KernelSignature> signatures;
  std::map<std::string, std::vector<Arg>> ctor_args;
  ShapeTracer binder(ctx, nullptr);
  // A class built into more than one kind: one kernel per kind, with that kind's call sites.
  std::map<std::string, std::map<std::string, std::string>> variants = kernel_variants(binder, sites, order);
  ctx.variants = &variants;
  std::map<std::string, std::map<std::string, std::vector<long long>>> param_values;
  ctx.param_values = &param_values;
  for (const auto& kernel : order) {
    const ClassSource& cls = locator.find_class(class_of_kernel(kernel));
    std::vector<std::string> init = cls.init ? init_param_names(*cls.init->def) : std::vector<std::string>{};
    signatures[kernel] = generalize(input_names(*cls.forward, sites[kernel]), sites[kernel]);
    ctor_args[kernel] = own_ctor_args(binder, locator, kernel, sites[kernel], init, &param_values[kernel]);
  }
  ctx.signatures = &signatures;

  // Phase 2: each kernel in its own symbols. The call sites phase 2 meets are recorded too: a
  // child it names that phase 1 did not (a module whose kind, seen from a kernel in its own
  // symbols, is none of the kinds phase 1 saw: then its plain class name) joins the work list,
  // its signature generalized from those sites, so that no cost file names a kernel that is not
  // written.
  // Such sites are in the caller's own symbols: a dim that names the caller's params
  // (`num_heads * head_dim`) is a forward_param of the late kernel, and the caller, written
  // before the late kernel had a signature, is traced again to bind it.
  std::vector<std::string> kernels = {root.qualname};
  kernels.insert(kernels.end(), order.begin(), order.end());
  std::map<std::string, std::vector<CallSite>> late_sites;
  std::vector<std::string> late_order;
  ctx.sites = &late_sites;
  ctx.discovery_order = &late_order;
  const SharedExpr shared = [](const Expr& e) {
    for (const std::string& symbol : e.symbols())
      if (!is_implicit_symbol(symbol) && symbol.rfind("config.", 0) != 0) return false;
    return true;
  };
  std::set<std::string> retraced;  // callers traced again, once each
  size_t late_seen = 0;
  for (size_t next = 0;; ++next) {
    for (; late_seen < late_order.size(); ++late_seen) {
      const std::string& kernel = late_order[late_seen];
      if (signatures.count(kernel) || kernel == root.qualname) continue;
      const ClassSource& cls = locator.find_class(class_of_kernel(kernel));
      std::vector<std::string> init = cls.init ? init_param_names(*cls.init->def) : std::vector<std::string>{};
      signatures[kernel] = generalize(input_names(*cls.forward, late_sites[kernel]), late_sites[kernel], shared);
      ctor_args[kernel] = own_ctor_args(binder, locator, kernel, late_sites[kernel], init, &param_values[kernel]);
      kernels.push_back(kernel);
      // The kernel traced last met it (late_order grows while one kernel is traced).
      if (next == 0 || signatures[kernel].forward_params.empty()) continue;
      const std::string caller = kernels[next - 1];
      if (retraced.insert(caller).second) kernels.push_back(caller);
    }
    if (next >= kernels.size()) break;
    const std::string kernel = kernels[next];
    if (!options.force && !retraced.count(kernel) && kernel_written(options.costs_dir, kernel)) {
      result.kept.push_back(kernel);
      continue;
    }
    const ClassSource& cls = locator.find_class(class_of_kernel(kernel));
    KernelTrace trace;
    trace.kernel_name = kernel;
    trace.file = cls.file;
    if (cls.init) {
      trace.init_params = init_param_names(*cls.init->def);
      trace.init_first = cls.init->first_line;
      trace.init_last = cls.init->last_line;
    }
    if (cls.forward) {
      trace.forward_first = cls.forward->first_line;
      trace.forward_last = cls.forward->last_line;
    }
    std::map<std::string, ValuePtr> inputs;
    if (kernel == root.qualname) {
      inputs = generation.inputs;
      trace.assumptions.insert(trace.assumptions.end(), generation.notes.begin(), generation.notes.end());
      // The state a prefill returned and the call continues with: the cache's memory, once a
      // token is cached.
      trace.cache_elements = trace.cache_elements + Expr::if_else(Expr::compare("!=", Expr::symbol("cache_len"), Expr(0)),
                                                                  generation.carried_elements, Expr(0));
    } else {
      const KernelSignature& sig = signatures[kernel];
      inputs = sig.inputs;
      for (const auto& p : sig.forward_params) {
        trace.forward_params.push_back(p.name);
        std::string origin = p.dim < 0 ? "the number input " + p.input
                                       : "dim " + std::to_string(p.dim) + " of input " + p.input;
        for (size_t i : p.item) origin += " item " + std::to_string(i);
        if (p.dim == 0 && p.merge > 0) origin += " (leading dims merged where inputs differ in rank)";
        trace.forward_param_origins.push_back({p.name, origin});
      }
    }
    for (const auto& [name, v] : inputs) trace.inputs.push_back(name + ": " + v->describe());
    ctx.kernel = kernel;
    ShapeTracer tracer(ctx, &trace);
    auto facts = tracer.facts_of(cls.qualname, kernel == root.qualname ? nullptr : &ctor_args[kernel]);
    tracer.run_forward(*facts, inputs);
    count_parameters(tracer, *facts, cls, config, kernel == root.qualname, trace);
    const std::string mine = kernel + ": ";  // a kernel traced again: its unknowns of this trace
    result.unknowns.erase(std::remove_if(result.unknowns.begin(), result.unknowns.end(),
                                         [&](const std::string& u) { return u.rfind(mine, 0) == 0; }),
                          result.unknowns.end());
    for (const auto& c : trace.children)
      if (c.kernel == "unknown")
        result.unknowns.push_back(kernel + ": " + c.label + " (line " + std::to_string(c.line) + "): " + c.why);
    write_kernel(options.costs_dir, trace);
    if (std::find(result.written.begin(), result.written.end(), kernel) == result.written.end())
      result.written.push_back(kernel);
  }
  return result;
}

}  // namespace kcost
