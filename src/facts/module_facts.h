// ModuleFacts: stage 2 of the analysis. What a module's __init__ makes of `self`: each
// attribute as a submodule (class + constructor arguments as expressions), a ModuleList
// (element class and length), a value (an expression in config.* and init params), or a
// parameter/buffer (shape). Built by abstract interpretation of __init__ (and the __init__s it
// reaches through super()).
#pragma once

#include <string>
#include <vector>

#include "interp/interpreter.h"
#include "locate/source_locator.h"

namespace kcost {

struct Attribute {
  enum class Kind { Submodule, ModuleList, Value, Parameter, Buffer, Config, Unknown };
  std::string name;
  Kind kind = Kind::Unknown;
  int line = 0;
  ValuePtr value;  // Module, ModuleList, Number/String/..., Tensor (parameter or buffer shape)
};

const char* attribute_kind_name(Attribute::Kind kind);

struct ModuleFacts {
  std::string qualname;
  const ClassSource* source = nullptr;
  std::vector<std::string> init_params;  // constructor arguments minus self, config, *args, **kwargs
  std::vector<Attribute> attributes;     // in order of first assignment
  std::vector<Note> notes;
  std::vector<Decision> decisions;  // conditions on symbols __init__ decided by their known values

  const Attribute* find(const std::string& name) const;
};

// Builds the facts of class `qualname`. Constructor parameters are bound to `ctor_args` when
// given (a parent's call), else each to a symbol of its own name (known to be its default when it
// has a numeric default) and `config` to the config. What __init__ does beyond building modules
// and values (tensor ops, calls of functions) goes to `fallback` when given (the shape tracer),
// so that buffers computed in __init__ get their shapes; without it such values are unknown.
ModuleFacts build_module_facts(SourceLocator& locator, const ConfigView& config, const std::string& qualname,
                               const std::vector<Arg>* ctor_args = nullptr, Hooks* fallback = nullptr);

// Constructor parameters of a FunctionDef that count as init_params (not self/config/*args/**kwargs).
std::vector<std::string> init_param_names(const ast::Node& init_def);

}  // namespace kcost
