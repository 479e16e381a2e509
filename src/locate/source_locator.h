// SourceLocator: stage 1 of the analysis. Turns names into facts about source code by asking
// python_helpers: a qualified name -> class or function with file, line ranges, source and AST;
// a name in a module's globals -> what it refers to; a model class -> its config class and
// default values; a model_type -> its causal-LM class. Answers are cached per process.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ast/node.h"

namespace kcost {

class PythonSession;

// A name that does not resolve; the message is one line naming it.
struct LocateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a name in a module's globals refers to.
struct GlobalRef {
  enum class Kind { Class, Function, NativeFunction, Module, Constant, Instance, Builtin, Missing, Other };
  Kind kind = Kind::Missing;
  std::string qualname;  // canonical: obj.__module__ + "." + obj.__qualname__ (for instances: their class)
  std::string path;      // the name as reached through modules: "torch.nn.functional.softmax"
  bool is_module = false;
  nlohmann::json value;  // for constants
  std::string type;      // for others: the qualified name of their type ("builtins.property")
};

struct FunctionSource {
  std::string name;
  std::string owner;   // qualified name of the class that defines it; empty for functions
  std::string module;  // module whose globals its names resolve in
  std::string file;
  int first_line = 0, last_line = 0;  // as inspect.getsourcelines: decorators included
  int def_line = 0;
  std::string source;
  ast::NodePtr def;  // the FunctionDef node
  // A function a factory made (torch's _single = _ntuple(1): parse reads n): what each free
  // variable's closure cell holds, described as a global name is. Empty for plain functions.
  std::map<std::string, GlobalRef> closure;
};

struct ClassSource {
  std::string qualname, module, file;
  int first_line = 0, last_line = 0;
  bool is_module = false;  // a torch.nn.Module subclass
  std::vector<std::string> mro;
  std::optional<FunctionSource> init, forward;  // following the MRO; empty if only nn.Module has it
  // `_tied_weights_keys`: parameters that are another parameter when the config ties word
  // embeddings (target path, source path; the source is empty in transformers 4.x's list form,
  // which ties to the input embeddings).
  std::vector<std::pair<std::string, std::string>> tied_weights;
  // GenerationMixin._supports_default_dynamic_cache(): whether generate starts the model with a
  // DynamicCache; where not, it starts with none and carries the state the prefill's forward returns
  // (trace/generation_call.h).
  bool default_dynamic_cache = true;
};

// The classes after `owner` in `cls`'s MRO, without builtins.object (where super() looks);
// nullopt when `owner` is not in it.
std::optional<std::vector<std::string>> mro_after(const ClassSource& cls, const std::string& owner);


// What names in modules' globals refer to. The interpreter asks only this of the source
// locator, so that it can run on a table of names in unit tests.
class GlobalResolver {
 public:
  virtual ~GlobalResolver() = default;
  virtual const GlobalRef& resolve_global(const std::string& module, const std::string& dotted,
                                          const std::optional<std::string>& key = std::nullopt) = 0;
};

// A forward() a decorator replaced by a run-time choice (transformers' use_experts_implementation):
// `interface.get_interface(self.config.<config_attribute>, original_forward)`.
struct ForwardDispatch {
  std::string config_attribute;                 // "_experts_implementation"
  std::map<std::string, std::string> functions;  // key -> qualified name of the registered function
  nlohmann::json attributes = nlohmann::json::object();  // plain values the decorator's __init__ sets on self
};

struct ConfigDefaults {
  std::string config_class;
  nlohmann::json values;   // attribute -> value (numbers, strings, lists, dicts)
  nlohmann::json aliases;  // attribute_map: alias -> real attribute
  nlohmann::json cache_layers = nlohmann::json::object();  // python cache_layers.py: the DynamicCache's layers
  // The config class's own properties: name -> qualified name of the getter (find_function).
  nlohmann::json properties = nlohmann::json::object();
  // The paths of its sub-configs below it ("text_config", "text_config.audio_config"): configs
  // that `values` holds as objects.
  std::vector<std::string> sub_configs;
};

class SourceLocator : public GlobalResolver {
 public:
  explicit SourceLocator(PythonSession& session) : session_(session) {}

  // Qualified name of a model_type's causal-LM class, of a bare class name, or `name` itself.
  std::string qualified_name(const std::string& name_or_model_type);
  // The model class transformers' auto class `auto_class` (a dotted path) builds from a config of
  // `model_type` (AutoModel.from_config(config.text_config)); "" when it has none.
  std::string auto_model_class(const std::string& auto_class, const std::string& model_type);
  const ClassSource& find_class(const std::string& qualified_name);
  const FunctionSource& find_function(const std::string& qualified_name);
  bool is_class(const std::string& qualified_name);
  const GlobalRef& resolve_global(const std::string& module, const std::string& dotted,
                                  const std::optional<std::string>& key = std::nullopt) override;
  const ConfigDefaults& config_of(const std::string& model_class, const std::string& config_file = "");
  // The implementation key ("sdpa") under which function `qualified_name` is registered in
  // transformers' AttentionInterface, or nullopt when it is not an attention function there.
  std::optional<std::string> attention_implementation(const std::string& qualified_name);
  // How class `qualified_name`'s forward is chosen at run time, when a decorator chooses it.
  std::optional<ForwardDispatch> forward_dispatch(const std::string& qualified_name);
  // The canonical qualified names of those of `names` that import to a class or function whose
  // canonical name differs (an alias -> its canonical name).
  std::map<std::string, std::string> canonical_names(const std::vector<std::string>& names);

  // Drops every source read so far (parsed functions, class descriptions, globals): what a
  // long batch does between models to bound its memory. References returned before are invalid.
  void forget_sources();

 private:
  const nlohmann::json& describe(const std::string& qualified_name);

  PythonSession& session_;
  std::map<std::string, nlohmann::json> described_;
  std::map<std::string, std::string> failed_;  // names that do not resolve, with the error
  std::map<std::string, ClassSource> classes_;
  std::map<std::string, FunctionSource> functions_;
  std::map<std::string, GlobalRef> globals_;
  std::map<std::string, ConfigDefaults> configs_;
  std::map<std::string, std::string> qualified_;
  std::optional<std::map<std::string, std::string>> attention_functions_;
  std::map<std::string, std::optional<ForwardDispatch>> dispatch_;
};

}  // namespace kcost
