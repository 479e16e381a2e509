// Value: what an expression of model source code evaluates to during abstract interpretation
// of __init__ and forward(). Numbers are symbolic (an Expr) and, when the config defaults or a
// literal decide them, also known concretely, so that branches can be taken while bindings stay
// symbolic. Tensors are symbolic shapes. Modules are constructor calls not yet instantiated.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ginac/ginac.h>

#include "expr/expr.h"

namespace kcost {

struct Value;
using ValuePtr = std::shared_ptr<const Value>;

// A call argument: positional when `name` is empty; `starred` for *args / **kwargs spreads.
struct Arg {
  std::string name;
  ValuePtr value;
  std::string text;  // the argument's source text
};

struct Value {
  static constexpr const char* kUnknownSymbol = "unknown_value";
  enum class Kind {
    Unknown,     // cannot be modelled; `text` says why
    None,
    Number,      // expr (+ known); booleans are numbers 0/1
    String,      // text
    Tuple,       // items
    List,        // items
    Dict,        // keys + items
    Config,      // the config object (text: its path, "config" or "config.text_config")
    Self,        // the module under analysis
    Module,      // a module instance: class_name + constructor args (or a self attribute: attr)
    ModuleList,  // element (a Module value) repeated `length` times; or items when they differ
    Tensor,      // shape
    Global,      // a class/function/module named in the source: text = qualified name, path
    Slice,       // items: lower, upper, step (None when absent)
    Ellipsis,
  };
  Kind kind = Kind::Unknown;
  Expr expr;
  std::optional<GiNaC::numeric> known;
  std::string text;
  std::string path;  // Global: the dotted path; Module: the self attribute it is stored in
  std::vector<ValuePtr> items;
  std::vector<std::string> keys;
  std::string class_name;
  std::vector<Arg> args;
  Expr length;
  ValuePtr element;
  std::vector<Expr> shape;
  bool is_module_class = false;  // Global: a torch.nn.Module subclass

  static ValuePtr unknown(std::string why);
  static ValuePtr none();
  static ValuePtr number(const Expr& e, std::optional<GiNaC::numeric> known = std::nullopt);
  static ValuePtr integer(long long v);
  static ValuePtr boolean(bool b);
  static ValuePtr string(std::string s);
  static ValuePtr tuple(std::vector<ValuePtr> items);
  static ValuePtr list(std::vector<ValuePtr> items);
  static ValuePtr tensor(std::vector<Expr> shape);

  bool is(Kind k) const { return kind == k; }
  // Python truthiness when it is decidable from known values; nullopt otherwise.
  std::optional<bool> truth() const;
  // A short readable rendering: numbers as Python expressions, modules as constructor calls.
  std::string describe() const;
};

// Numbers combine symbolically and, when both are known, concretely.
ValuePtr number_binary(const std::string& op, const Value& a, const Value& b);

}  // namespace kcost
