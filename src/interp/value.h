// Value: what an expression of model source code evaluates to during abstract interpretation
// of __init__ and forward(). Numbers are symbolic (an Expr) and, when the config defaults or a
// literal decide them, also known concretely, so that branches can be taken while bindings stay
// symbolic. Tensors are symbolic shapes with a dtype class and, for attention masks, the
// condition under which they exist. Modules are constructor calls not yet instantiated.
//
// Each kind has its own payload fields (listed beside it below); a field means one thing, and a
// value is made by one of the factories. Two values are the same when their structure is
// (`same_value`, `structural_key`): equality never compares descriptions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ginac/ginac.h>

#include "expr/expr.h"

namespace kcost {

namespace ast {
struct Node;
}

struct Value;
using ValuePtr = std::shared_ptr<const Value>;

// A function the interpreted code defines where it runs (a `def` inside a function body, a
// lambda): its node, where its names resolve, and the names of the enclosing scope it sees (as
// they were when it was defined).
struct LocalFunction {
  const ast::Node* def = nullptr;  // FunctionDef or Lambda (owned by the located source)
  std::string module, file;
  std::vector<std::string> names;
  std::vector<ValuePtr> values;
};

// A call argument: positional when `name` is empty; `starred` for *args / **kwargs spreads.
struct Arg {
  std::string name;
  ValuePtr value;
  std::string text;  // the argument's source text
};

// What the analysis knows of the values of a mixture-of-experts layer's routing tensors beyond
// their shapes (trace/routing.h says how each stage arises and what follows from it).
struct Routing {
  enum class Stage { Indices, Mask, Counts, Hit, HitList, HitClass, ClassSlice, ClassIndex };
  Stage stage = Stage::Indices;
  Expr reach;    // how many classes the values can take (topk's n; a mask's min(C, n))
  Expr entries;  // R: the ones of the mask (per class slice: R / H, on average; per ClassIndex:
                 // the ones of each class it stands for, R / H for the classes reached, else 0)
  Expr classes;  // C: the classes of the one-hot encoding (Mask, Counts, Hit)
  Expr hit;      // H: the classes reached (HitList, HitClass, ClassSlice)
};

struct Value {
  static constexpr const char* kUnknownSymbol = "unknown_value";
  enum class Kind {
    Unknown,     // cannot be modelled: why
    None,
    Number,      // expr (+ known); booleans are numbers 0/1
    String,      // str
    Tuple,       // items
    List,        // items; a comprehension over a symbolic range also has element + length
    Dict,        // keys + items (a mapping, a record, **kwargs)
    Config,      // config_path: "config" or "config.text_config"
    Self,        // the module under analysis
    Module,      // a module instance: class_name + args (constructor call); attr: where self keeps it
    ModuleList,  // element repeated `length` times, or items when they differ; attr
    Tensor,      // shape, dtype, origin; presence for a mask that may not exist
    Global,      // a class/function/Python module named in the source: qualname, path, reached, global_kind
    Callable,    // a bound method or interface the passes call: target, qualname, receiver
    Cache,       // the KV cache object
    Range,       // range(...): items are its arguments
    Enumerate,   // enumerate(x): items[0] is x
    Iterator,    // iter(x) / itertools.cycle(x): items are what it yields from here on, in order;
                 // qualname "itertools.cycle" when it starts over after the last (next() moves it)
    Super,       // super()
    Opaque,      // an object that only flows through (a dtype, a device): qualname says which
    Slice,       // items: lower, upper, step (None when absent)
    Ellipsis,
  };
  // The class of a tensor's dtype: what an element costs to move (`bytes` for floating point,
  // 1 for a bool mask) and whether it can index.
  enum class DType { Float, Integer, Bool };
  // Where a tensor comes from: data flowing through forward(), state a module owns, or the KV
  // cache (the keys and values a cache update returns). A leaf reads each at its own width
  // (trace/leaf_binding.h: weight_bytes, kv_bytes, bytes).
  enum class Origin { Activation, Parameter, Buffer, Cache };
  // What a name in a module's globals refers to.
  enum class GlobalKind { PyModule, Class, Builtin, Function, NativeFunction, Other };
  // What calling a Callable does.
  enum class Target {
    TensorMethod,       // receiver.<name>(...) on a tensor: qualname "torch.Tensor.<name>"
    SelfMethod,         // a method of the module under analysis (or a base's, through super())
    CacheMethod,        // cache.<name>(...): qualname is the method name
    AttentionFunction,  // transformers' attention interface entry: qualname is the implementation
    GetInterface,       // AttentionInterface.get_interface
    DictMethod,         // receiver.<name>() on a dict, list or tuple: qualname is the method name
    RegisterState,      // self.register_buffer / register_parameter: qualname is which
    SuperInit,          // super().__init__
    Noop,               // a framework method that does nothing on this path (post_init)
    LocalFunction,      // a function defined in the code being interpreted: `function`; qualname is its name
    ConfigMethod,       // a method of the config class bound to the config (receiver): qualname is the function
    ReturnsReceiver,    // a method that returns its receiver: nn.Module.to / float / eval / requires_grad_
    Partial,            // functools.partial(func, *args, **keywords): receiver is func, args the bound
                        // arguments (positional first, then keywords); a call runs func with them first
  };

  Kind kind = Kind::Unknown;
  // Number
  Expr expr;
  std::optional<GiNaC::numeric> known;
  // Unknown
  std::string why;
  // String
  std::string str;
  // Config
  std::string config_path;
  // Tuple, List, Dict, ModuleList, Range, Enumerate, Slice; a Config's attributes the code set
  // (keys: their names; config_with)
  std::vector<ValuePtr> items;
  std::vector<std::string> keys;  // Dict, Config
  Expr length;                    // List (comprehension), ModuleList
  ValuePtr element;               // List (comprehension), ModuleList
  // Module, ModuleList
  std::string class_name;
  std::vector<Arg> args;  // Module: its constructor's arguments; Callable Partial: the bound ones
  std::string attr;  // the self attribute the module is stored in ("" when not one)
  // Tensor
  std::vector<Expr> shape;
  DType dtype = DType::Float;
  Origin origin = Origin::Activation;
  std::optional<Expr> presence;  // a mask that exists only when this holds
  // A cache state that is None unless this holds (a conv or recurrent state exists once the
  // cache has taken a token: `cache_len != 0`): `x is None` / `x is not None` are formulas of it.
  std::optional<Expr> none_unless;
  std::shared_ptr<const Routing> routing;  // a routing tensor's values, as far as known (trace/routing.h)
  std::optional<GiNaC::numeric> fill;      // every element is this number (trace/fill.h)
  // Global, Callable, Opaque
  std::string qualname;  // canonical qualified name (a Callable's: see Target)
  std::string path;      // Global: the dotted name as written in the source ("F.softmax")
  std::string reached;   // Global: the name as reached through modules ("torch.nn.functional.softmax")
  GlobalKind global_kind = GlobalKind::Other;
  bool is_module_class = false;  // Global class: a torch.nn.Module subclass
  Target target = Target::Noop;
  ValuePtr receiver;  // Callable: the tensor or dict a method is bound to
  std::shared_ptr<const LocalFunction> function;  // Callable LocalFunction

  static ValuePtr unknown(std::string why);
  static ValuePtr none();
  static ValuePtr number(const Expr& e, std::optional<GiNaC::numeric> known = std::nullopt);
  static ValuePtr integer(long long v);
  static ValuePtr boolean(bool b);
  static ValuePtr string(std::string s);
  static ValuePtr tuple(std::vector<ValuePtr> items);
  static ValuePtr list(std::vector<ValuePtr> items);
  // A list whose element stands for all of its `length` items (and, when known, the items).
  static ValuePtr repeated_list(ValuePtr element, Expr length, std::vector<ValuePtr> items);
  static ValuePtr dict(std::vector<std::string> keys, std::vector<ValuePtr> items);
  static ValuePtr tensor(std::vector<Expr> shape, DType dtype = DType::Float);
  static ValuePtr config(std::string config_path);
  // `config` with attribute `name` set to `value` (TrOCR's `config = copy.deepcopy(config);
  // config.is_decoder = True` in __init__): what it reads of `name` from then on.
  static ValuePtr config_with(const Value& config, const std::string& name, ValuePtr value);
  // The attribute `name` the code set on this Config value, or nullptr.
  ValuePtr config_set(const std::string& name) const;
  static ValuePtr self();
  static ValuePtr module(std::string class_name, std::vector<Arg> args);
  static ValuePtr global(GlobalKind kind, std::string qualname, std::string path, std::string reached,
                         bool is_module_class = false);
  static ValuePtr callable(Target target, std::string qualname, ValuePtr receiver = nullptr);
  static ValuePtr local_function(std::string name, LocalFunction function);
  static ValuePtr cache();
  static ValuePtr range(std::vector<ValuePtr> args);
  static ValuePtr enumerate(ValuePtr iterable);
  // An iterator yielding `items` in order; `cycles`: itertools.cycle's, which starts over.
  static ValuePtr iterator(std::vector<ValuePtr> items, bool cycles);
  // functools.partial(func, *args, **keywords).
  static ValuePtr partial(ValuePtr func, std::vector<Arg> bound);
  static ValuePtr super_object();
  static ValuePtr opaque(std::string what);
  static ValuePtr slice(ValuePtr lower, ValuePtr upper, ValuePtr step);
  static ValuePtr ellipsis();

  bool is(Kind k) const { return kind == k; }
  bool is_tensor() const { return kind == Kind::Tensor; }
  // Python truthiness when it is decidable from known values; nullopt otherwise.
  std::optional<bool> truth() const;
  // A short readable rendering: numbers as Python expressions, modules as constructor calls.
  std::string describe() const;
};

// The same value: every field of the kind compared, numbers and shapes as expressions.
bool same_value(const Value& a, const Value& b);
// A string that two values share exactly when they are the same value (for memo keys).
std::string structural_key(const Value& v);
std::string structural_key(const std::vector<Arg>& args);

// Copies of a value with one payload field changed.
ValuePtr with_shape(const Value& model, std::vector<Expr> shape);
ValuePtr with_dtype(const Value& tensor, Value::DType dtype);
ValuePtr with_origin(const Value& tensor, Value::Origin origin);
ValuePtr with_attr(const Value& module, std::string attr);

// Python equality of two plain values when decidable (None, strings, known numbers, globals).
std::optional<bool> python_equal(const Value& a, const Value& b);
// The value of a number known to be an integer.
std::optional<long long> known_int(const Value& v);
// The class (Float, Integer, Bool) of a torch dtype value (torch.float32, torch.long, ...: a
// global of the source, or a recorded dtype); nullopt when `v` is not one.
std::optional<Value::DType> torch_dtype_class(const Value& v);

// True for a tensor value (null-safe).
inline bool is_tensor(const ValuePtr& v) { return v && v->is_tensor(); }

// Numbers combine symbolically and, when both are known, concretely.
ValuePtr number_binary(const std::string& op, const Value& a, const Value& b);

}  // namespace kcost
