#include "locate/source_locator.h"

#include <algorithm>

#include "python/session.h"

namespace kcost {

std::optional<std::vector<std::string>> mro_after(const ClassSource& cls, const std::string& owner) {
  auto it = std::find(cls.mro.begin(), cls.mro.end(), owner);
  if (it == cls.mro.end()) return std::nullopt;
  std::vector<std::string> out;
  for (++it; it != cls.mro.end() && *it != "builtins.object"; ++it) out.push_back(*it);
  return out;
}

namespace {

GlobalRef::Kind kind_of(const std::string& kind);

GlobalRef reference_from_json(const nlohmann::json& d) {
  GlobalRef r;
  r.kind = kind_of(d.value("kind", "other"));
  r.qualname = d.value("qualname", "");
  r.path = d.contains("path") && d["path"].is_string() ? d["path"].get<std::string>() : "";
  r.is_module = d.value("is_module", false);
  if (d.contains("value")) r.value = d["value"];
  if (d.contains("type") && d["type"].is_string()) r.type = d["type"].get<std::string>();
  return r;
}

FunctionSource function_from_json(const nlohmann::json& d) {
  FunctionSource f;
  f.name = d.value("name", "");
  f.owner = d["owner"].is_string() ? d["owner"].get<std::string>() : "";
  f.module = d.value("module", "");
  f.file = d.value("file", "");
  f.first_line = d["lines"][0].get<int>();
  f.last_line = d["lines"][1].get<int>();
  f.def_line = d.value("def_line", f.first_line);
  f.source = d.value("source", "");
  f.def = ast::from_json(d["ast"]);
  if (d.contains("closure") && d["closure"].is_object())
    for (const auto& [name, ref] : d["closure"].items()) f.closure[name] = reference_from_json(ref);
  return f;
}

GlobalRef::Kind kind_of(const std::string& kind) {
  static const std::map<std::string, GlobalRef::Kind> kinds = {
      {"class", GlobalRef::Kind::Class},       {"function", GlobalRef::Kind::Function},
      {"native_function", GlobalRef::Kind::NativeFunction},
      {"module", GlobalRef::Kind::Module},     {"constant", GlobalRef::Kind::Constant},
      {"instance", GlobalRef::Kind::Instance}, {"builtin", GlobalRef::Kind::Builtin},
      {"missing", GlobalRef::Kind::Missing},   {"other", GlobalRef::Kind::Other}};
  auto it = kinds.find(kind);
  return it == kinds.end() ? GlobalRef::Kind::Other : it->second;
}

template <typename F>
auto as_locate_error(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const PythonError& e) {
    if (e.lookup) throw LocateError(e.what());
    throw;
  }
}

}  // namespace

std::string SourceLocator::qualified_name(const std::string& name) {
  auto it = qualified_.find(name);
  if (it != qualified_.end()) return it->second;
  std::string result = name;
  if (name.find('.') == std::string::npos) {
    bool model_type = session_.call("is_model_type", {name}).get<bool>();  // JSON true/false
    if (model_type) {
      result = as_locate_error([&] { return session_.call_string("causal_lm_class", {name}); });
    } else {
      result = describe(name).value("qualname", name);
    }
  }
  return qualified_[name] = result;
}

std::string SourceLocator::auto_model_class(const std::string& auto_class, const std::string& model_type) {
  std::string key = auto_class + "|" + model_type;
  auto it = qualified_.find(key);
  if (it != qualified_.end()) return it->second;
  return qualified_[key] = session_.call_string("auto_model_class", {auto_class, model_type});
}

const nlohmann::json& SourceLocator::describe(const std::string& name) {
  auto it = described_.find(name);
  if (it != described_.end()) return it->second;
  auto failed = failed_.find(name);
  if (failed != failed_.end()) throw LocateError(failed->second);
  try {
    nlohmann::json d = as_locate_error([&] { return session_.call("describe", {name}); });
    return described_[name] = std::move(d);
  } catch (const LocateError& e) {
    failed_[name] = e.what();  // asked again for every self.x that is not a method
    throw;
  }
}

bool SourceLocator::is_class(const std::string& name) { return describe(name).value("kind", "") == "class"; }

const ClassSource& SourceLocator::find_class(const std::string& name) {
  auto it = classes_.find(name);
  if (it != classes_.end()) return it->second;
  const nlohmann::json& d = describe(name);
  if (d.value("kind", "") != "class") throw LocateError("'" + name + "' is a function, not a class");
  ClassSource c;
  c.qualname = d.value("qualname", name);
  c.module = d.value("module", "");
  c.file = d["file"].is_string() ? d["file"].get<std::string>() : "";
  if (d["lines"].is_array()) {
    c.first_line = d["lines"][0].get<int>();
    c.last_line = d["lines"][1].get<int>();
  }
  c.is_module = d.value("is_module", false);
  c.mro = d.value("mro", std::vector<std::string>{});
  if (d.contains("tied_weights") && d["tied_weights"].is_array())
    for (const auto& t : d["tied_weights"])
      if (t.is_array() && t.size() == 2 && t[0].is_string())
        c.tied_weights.emplace_back(t[0].get<std::string>(), t[1].is_string() ? t[1].get<std::string>() : "");
  c.default_dynamic_cache = d.value("default_dynamic_cache", true);
  const auto& methods = d["methods"];
  if (methods.contains("__init__") && methods["__init__"].is_object())
    c.init = function_from_json(methods["__init__"]);
  if (methods.contains("forward") && methods["forward"].is_object())
    c.forward = function_from_json(methods["forward"]);
  return classes_[name] = std::move(c);
}

const FunctionSource& SourceLocator::find_function(const std::string& name) {
  auto it = functions_.find(name);
  if (it != functions_.end()) return it->second;
  const nlohmann::json& d = describe(name);
  if (d.value("kind", "") != "function") throw LocateError("'" + name + "' is a class, not a function");
  return functions_[name] = function_from_json(d);
}

const GlobalRef& SourceLocator::resolve_global(const std::string& module, const std::string& dotted,
                                               const std::optional<std::string>& key) {
  std::string cache_key = module + "\n" + dotted + "\n" + (key ? "[" + *key : "");
  auto it = globals_.find(cache_key);
  if (it != globals_.end()) return it->second;
  std::vector<std::string> args = {module, dotted};
  if (key) args.push_back(*key);
  nlohmann::json d = session_.call("resolve_global", args);
  return globals_[cache_key] = reference_from_json(d);
}

const ConfigDefaults& SourceLocator::config_of(const std::string& model_class, const std::string& config_file) {
  std::string cache_key = model_class + "\n" + config_file;
  auto it = configs_.find(cache_key);
  if (it != configs_.end()) return it->second;
  nlohmann::json d = as_locate_error([&] { return session_.call("config_defaults", {model_class, config_file}); });
  ConfigDefaults c{d.value("config_class", ""), d["values"], d.value("aliases", nlohmann::json::object()),
                   d.value("cache_layers", nlohmann::json::object()), d.value("properties", nlohmann::json::object()), {}};
  if (d.contains("sub_configs") && d["sub_configs"].is_array())
    for (const auto& path : d["sub_configs"])
      if (path.is_string()) c.sub_configs.push_back(path.get<std::string>());
  return configs_[cache_key] = std::move(c);
}

std::optional<std::string> SourceLocator::attention_implementation(const std::string& qualified_name) {
  if (!attention_functions_) {
    attention_functions_.emplace();
    nlohmann::json d = session_.call("attention_functions", {});
    for (auto it = d.begin(); it != d.end(); ++it)
      if (it.value().is_string()) (*attention_functions_)[it.key()] = it.value().get<std::string>();
  }
  auto it = attention_functions_->find(qualified_name);
  if (it == attention_functions_->end()) return std::nullopt;
  return it->second;
}

std::optional<ForwardDispatch> SourceLocator::forward_dispatch(const std::string& qualified_name) {
  auto it = dispatch_.find(qualified_name);
  if (it != dispatch_.end()) return it->second;
  std::optional<ForwardDispatch> out;
  nlohmann::json d = as_locate_error([&] { return session_.call("forward_dispatch", {qualified_name}); });
  if (d.is_object() && d.contains("config_attribute") && d["config_attribute"].is_string()) {
    ForwardDispatch f;
    f.config_attribute = d["config_attribute"].get<std::string>();
    if (d.contains("functions") && d["functions"].is_object())
      for (auto fn = d["functions"].begin(); fn != d["functions"].end(); ++fn)
        if (fn.value().is_string()) f.functions[fn.key()] = fn.value().get<std::string>();
    if (d.contains("attributes") && d["attributes"].is_object()) f.attributes = d["attributes"];
    out = f;
  }
  return dispatch_[qualified_name] = out;
}

std::map<std::string, std::string> SourceLocator::canonical_names(const std::vector<std::string>& names) {
  nlohmann::json d = session_.call("canonical_names", {nlohmann::json(names).dump()});
  std::map<std::string, std::string> out;
  for (auto it = d.begin(); it != d.end(); ++it)
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

}  // namespace kcost

namespace kcost {

void SourceLocator::forget_sources() {
  described_.clear();
  failed_.clear();
  classes_.clear();
  functions_.clear();
  globals_.clear();
  configs_.clear();
  dispatch_.clear();
}

}  // namespace kcost
