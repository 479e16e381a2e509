// `kcost inspect NAME`: what kcost extracts from a class or function (stages 1 and 2).
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "ast/parameters.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "facts/module_facts.h"
#include "locate/source_locator.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

// The signature of a FunctionDef as source text: `forward(hidden_states, mask=None, **kwargs)`.
std::string signature(const FunctionSource& f) {
  const auto& lines = source_lines(f.file);
  ast::Parameters params = ast::parameters_of(*f.def);
  auto with_default = [&](const ast::Parameter& p) {
    return p.default_ ? p.name() + "=" + node_text(lines, *p.default_) : p.name();
  };
  std::vector<std::string> parts;
  for (const auto& p : params.positional) parts.push_back(with_default(p));
  if (params.vararg) parts.push_back("*" + params.vararg->str("arg"));
  if (!params.keyword_only.empty() && !params.vararg) parts.push_back("*");
  for (const auto& p : params.keyword_only) parts.push_back(with_default(p));
  if (params.kwarg) parts.push_back("**" + params.kwarg->str("arg"));
  std::string out = f.name + "(";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + ")";
}

nlohmann::json function_json(const FunctionSource& f) {
  return {{"defined_in", f.owner.empty() ? f.module : f.owner},
          {"file", f.file},
          {"lines", {f.first_line, f.last_line}},
          {"signature", signature(f)}};
}

std::string lines_text(const FunctionSource& f) {
  return "lines " + std::to_string(f.first_line) + "-" + std::to_string(f.last_line);
}

int inspect_class(SourceLocator& locator, const std::string& name, const std::string& config_file,
                  const std::string& format) {
  const ClassSource& cls = locator.find_class(name);
  ConfigView config;
  std::string config_class;
  try {
    const ConfigDefaults& d = locator.config_of(cls.qualname, config_file);
    config = ConfigView(d.values, d.aliases);
    config_class = d.config_class;
  } catch (const LocateError&) {
    // A class that takes no config (torch.nn.Linear): its facts need none.
  }
  ModuleFacts facts = build_module_facts(locator, config, cls.qualname);

  if (format == "json") {
    nlohmann::json out = {{"name", cls.qualname}, {"kind", "class"}, {"file", cls.file},
                          {"lines", {cls.first_line, cls.last_line}}, {"is_module", cls.is_module},
                          {"config_class", config_class}, {"init_params", facts.init_params}};
    out["__init__"] = cls.init ? function_json(*cls.init) : nlohmann::json();
    out["forward"] = cls.forward ? function_json(*cls.forward) : nlohmann::json();
    nlohmann::json attrs = nlohmann::json::object();
    for (const auto& a : facts.attributes)
      attrs[a.name] = {{"kind", attribute_kind_name(a.kind)}, {"line", a.line}, {"value", a.value->describe()}};
    out["attributes"] = attrs;
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : facts.notes) notes.push_back({{"line", n.line}, {"text", n.text}});
    out["notes"] = notes;
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }

  std::cout << cls.qualname << "\n";
  std::cout << "  file:        " << cls.file << "\n";
  std::cout << "  class:       lines " << cls.first_line << "-" << cls.last_line << "\n";
  if (cls.init)
    std::cout << "  __init__:    " << lines_text(*cls.init) << " (in " << cls.init->owner << ")\n";
  if (cls.forward) {
    std::cout << "  forward:     " << lines_text(*cls.forward) << " (in " << cls.forward->owner << ")\n";
    std::cout << "  signature:   " << signature(*cls.forward) << "\n";
  }
  if (!config_class.empty()) std::cout << "  config:      " << config_class << "\n";
  std::cout << "  init params:";
  for (const auto& p : facts.init_params) std::cout << " " << p;
  std::cout << (facts.init_params.empty() ? " (none)\n" : "\n");
  std::cout << "  attributes:\n";
  size_t width = 4;
  for (const auto& a : facts.attributes) width = std::max(width, a.name.size());
  for (const auto& a : facts.attributes) {
    std::cout << "    " << std::left << std::setw(static_cast<int>(width)) << a.name << "  " << std::setw(10)
              << attribute_kind_name(a.kind) << "  " << a.value->describe() << "\n";
  }
  return kExitOk;
}

int inspect_function(SourceLocator& locator, const std::string& name, const std::string& format) {
  const FunctionSource& f = locator.find_function(name);
  if (format == "json") {
    nlohmann::json out = function_json(f);
    out["name"] = name;
    out["kind"] = "function";
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << name << "\n";
  std::cout << "  file:        " << f.file << "\n";
  std::cout << "  function:    " << lines_text(f) << "\n";
  std::cout << "  signature:   " << signature(f) << "\n";
  return kExitOk;
}

}  // namespace

int inspect_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost inspect <qualified name | model_type> [options]\n\n"
      "Shows what kcost extracts from a class or function: its source file and line ranges\n"
      "(of __init__ and forward, following the MRO), init params, the forward signature, and\n"
      "every self.x that __init__ sets, as an expression in config.* and init params, or as a\n"
      "submodule (class and constructor arguments). A model_type (llama) means its causal-LM class.\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("format", po::value<std::string>()->default_value("text"), "text | json")
      ("config", po::value<std::string>()->default_value(""), "a config.json to take values from instead "
                                                                "of the config class defaults");
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_command_line(args, visible, "name", vm)) return kExitOk;
  const std::string name_arg = single_positional(vm, "name", "the name to inspect");
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") throw po::error("--format must be text or json, not '" + format + "'");

  PythonSession& session = PythonSession::start(session_options(vm));
  SourceLocator locator(session);
  try {
    std::string name = locator.qualified_name(name_arg);
    if (locator.is_class(name)) return inspect_class(locator, name, vm["config"].as<std::string>(), format);
    return inspect_function(locator, name, format);
  } catch (const LocateError& e) {
    std::cerr << "kcost inspect: " << e.what() << "\n";
    return kExitNotFound;
  }
}

}  // namespace kcost
