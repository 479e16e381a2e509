#include "interp/builtins.h"

#include <algorithm>

#include "interp/interpreter.h"

namespace kcost {

ValuePtr BuiltinCall::positional(size_t i) const {
  size_t k = 0;
  for (const auto& a : args)
    if (a.name.empty() && k++ == i) return a.value;
  return nullptr;
}

namespace {

bool is_sequence(const Value& v) { return v.is(Value::Kind::Tuple) || v.is(Value::Kind::List); }

std::optional<ValuePtr> getattr_or_hasattr(const BuiltinCall& c, bool has) {
  ValuePtr obj = c.positional(0), attr = c.positional(1), dflt = c.positional(2);
  if (!obj || !attr || !attr->is(Value::Kind::String)) return Value::unknown("getattr with a computed name");
  if (obj->is(Value::Kind::Config)) {
    if (ValuePtr set = obj->config_set(attr->str)) return has ? Value::boolean(true) : set;
    auto v = c.interp.config().attribute(obj->config_path, attr->str);
    if (has) return Value::boolean(v.has_value());
    // `getattr(config, "x", d)` is config.x when the config has x.
    if (v) return *v;
    if (dflt) return dflt;
    return Value::unknown(obj->config_path + " has no attribute '" + attr->str + "'");
  }
  ValuePtr v = c.interp.hooks().attribute(c.node, obj, attr->str);  // getattr(self, "x", d): ask the pass
  if (has) return Value::boolean(!v->is(Value::Kind::Unknown));
  if (v->is(Value::Kind::Unknown) && dflt) return dflt;
  return v;
}

std::optional<ValuePtr> setattr(const BuiltinCall& c) {
  // setattr(self, f"{layer_type}_inv_freq", buffer): an attribute assignment by name.
  ValuePtr obj = c.positional(0), attr = c.positional(1), value = c.positional(2);
  if (!obj || !attr || !value || !attr->is(Value::Kind::String)) return Value::unknown("setattr with a computed name");
  c.interp.hooks().assign_attribute(c.node, obj, attr->str, value);
  return Value::none();
}

std::optional<ValuePtr> min_or_max(const BuiltinCall& c, bool is_min) {
  const char* name = is_min ? "min" : "max";
  std::vector<ValuePtr> values;
  for (const auto& a : c.args) values.push_back(a.value);
  if (values.size() == 1 && is_sequence(*values[0])) values = values[0]->items;
  if (values.empty()) return Value::unknown(std::string(name) + "() of nothing");
  ValuePtr acc = values[0];
  for (size_t i = 1; i < values.size(); ++i) {
    if (!acc->is(Value::Kind::Number) || !values[i]->is(Value::Kind::Number))
      return Value::unknown(std::string(name) + "() of non-numbers");
    std::optional<GiNaC::numeric> known;
    auto less = [](const GiNaC::numeric& x, const GiNaC::numeric& y) { return x < y; };
    if (acc->known && values[i]->known)
      known = is_min ? std::min(*acc->known, *values[i]->known, less) : std::max(*acc->known, *values[i]->known, less);
    Expr e = is_min ? Expr::min(acc->expr, values[i]->expr) : Expr::max(acc->expr, values[i]->expr);
    acc = Value::number(e, known);
  }
  return acc;
}

std::optional<ValuePtr> to_bool(const BuiltinCall& c) {
  ValuePtr v = c.positional(0);
  if (!v) return Value::boolean(false);
  auto t = v->truth();
  if (t) return Value::boolean(*t);
  // A symbolic number: `x != 0`.
  if (v->is(Value::Kind::Number)) return Value::number(Expr::compare("!=", v->expr, Expr(0)));
  return Value::unknown("bool() undecidable");
}

// all(items), any(items) of a sequence (a generator expression is one): decided when each item's
// truth is known, or when one item decides it (a false one for all, a true one for any).
std::optional<ValuePtr> all_or_any(const BuiltinCall& c, bool is_all) {
  ValuePtr v = c.positional(0);
  const char* name = is_all ? "all" : "any";
  if (!v || !is_sequence(*v) || v->element) return Value::unknown(std::string(name) + "() of an unknown sequence");
  bool undecided = false;
  for (const ValuePtr& item : v->items) {
    std::optional<bool> t = item ? item->truth() : std::nullopt;
    if (!t)
      undecided = true;
    else if (*t != is_all)
      return Value::boolean(!is_all);
  }
  if (undecided) return Value::unknown(std::string(name) + "() undecidable");
  return Value::boolean(is_all);
}

// str(x) of a string, a known integer or a bool: its text (add_module(str(idx), m)).
std::optional<ValuePtr> to_text(const BuiltinCall& c) {
  ValuePtr v = c.positional(0);
  if (!v) return Value::string("");
  if (v->is(Value::Kind::String)) return v;
  if (v->is(Value::Kind::None)) return Value::string("None");
  if (std::optional<long long> n = known_int(*v)) return Value::string(std::to_string(*n));
  return Value::unknown("str() of " + v->describe());
}

std::optional<ValuePtr> to_number(const BuiltinCall& c, bool integer) {
  ValuePtr v = c.positional(0);
  if (!v) return Value::integer(0);
  if (!v->is(Value::Kind::Number)) {
    // int(tensor) / float(tensor): a conversion the pass decides (it is data-dependent).
    if (v->is_tensor()) return c.interp.hooks().call(c.node, nullptr, c.args);
    return Value::unknown(std::string(integer ? "int" : "float") + "() of " + v->describe());
  }
  if (!integer) return v;
  std::optional<GiNaC::numeric> known;
  if (v->known) known = Expr::trunc(Expr::number(*v->known)).as_number();
  return Value::number(Expr::trunc(v->expr), known);
}

std::optional<ValuePtr> len(const BuiltinCall& c) {
  ValuePtr v = c.positional(0);
  if (v && (is_sequence(*v) || v->is(Value::Kind::Dict)) && !v->element)
    return Value::integer(static_cast<long long>(v->items.size()));
  // A list or ModuleList of symbolic length (len(self.experts)): the length, known when its items are.
  if (v && (v->is(Value::Kind::List) || v->is(Value::Kind::ModuleList)) && v->element) {
    std::optional<GiNaC::numeric> known;
    if (v->length.is_number()) known = v->length.as_number();
    else if (!v->items.empty()) known = GiNaC::numeric(static_cast<long>(v->items.size()));
    return Value::number(v->length, known);
  }
  if (v && v->is(Value::Kind::String)) return Value::integer(static_cast<long long>(v->str.size()));
  if (v && v->is_tensor() && !v->shape.empty()) return Value::number(v->shape[0]);
  return Value::unknown("len() of " + (v ? v->describe() : "nothing"));
}

std::optional<ValuePtr> instance_of(const ValuePtr& v, const ValuePtr& cls) {
  if (!v || !cls || !cls->is(Value::Kind::Global)) return std::nullopt;
  const std::string& n = cls->qualname;
  if (n == "int" || n == "float" || n == "numbers.Number" || n == "numbers.Real") return Value::boolean(v->is(Value::Kind::Number));
  // A number not known here is a size or a count: an integer.
  if (n == "numbers.Integral") return Value::boolean(v->is(Value::Kind::Number) && (!v->known || v->known->is_integer()));
  if (n == "str") return Value::boolean(v->is(Value::Kind::String));
  if (n == "tuple") return Value::boolean(v->is(Value::Kind::Tuple));
  if (n == "list") return Value::boolean(v->is(Value::Kind::List));
  if (n == "dict") return Value::boolean(v->is(Value::Kind::Dict));
  // The abstract containers (torch's _ntuple: isinstance(x, collections.abc.Iterable)): the
  // containers and strings are iterable, numbers and None are not.
  if (n == "collections.abc.Iterable" || n == "collections.abc.Sequence") {
    if (v->is(Value::Kind::Number) || v->is(Value::Kind::None)) return Value::boolean(false);
    if (is_sequence(*v) || v->is(Value::Kind::String)) return Value::boolean(true);
    if (n == "collections.abc.Iterable" && v->is(Value::Kind::Dict)) return Value::boolean(true);
  }
  if (n.rfind("torch.", 0) == 0 && n.find("Tensor") != std::string::npos) return Value::boolean(v->is_tensor());
  if (n == "torch.nn.parameter.Parameter") return Value::boolean(v->is_tensor() && v->origin == Value::Origin::Parameter);
  if (n == "torch.nn.parameter.Buffer") return Value::boolean(v->is_tensor() && v->origin == Value::Origin::Buffer);
  // A tensor is no instance of a class that is not a tensor class (isinstance(mask, BlockMask)).
  if (v->is_tensor() && cls->global_kind == Value::GlobalKind::Class && !cls->is_module_class) return Value::boolean(false);
  if (v->is(Value::Kind::Module) && v->class_name == n) return Value::boolean(true);
  // The cache of the design's call is a DynamicCache: an instance of it and of its base Cache,
  // of no other cache class (older 4.x models ask isinstance(past_key_values, StaticCache));
  // or the cache generate sets up (a HybridCache on 4.50: trace/kv_cache.h), whose classes are
  // its MRO (the value's keys).
  if (v->is(Value::Kind::Cache) && !v->keys.empty())
    return Value::boolean(std::find(v->keys.begin(), v->keys.end(), n) != v->keys.end());
  if (v->is(Value::Kind::Cache) && n.rfind("transformers.cache_utils.", 0) == 0)
    return Value::boolean(n == "transformers.cache_utils.DynamicCache" || n == "transformers.cache_utils.Cache");
  return std::nullopt;
}

std::optional<ValuePtr> isinstance(const BuiltinCall& c) {
  ValuePtr v = c.positional(0), cls = c.positional(1);
  // A tuple of classes (isinstance(past_key_values, (HybridCache, StaticCache))): an instance of
  // any of them; decided when each is.
  if (cls && cls->is(Value::Kind::Tuple)) {
    bool any = false;
    for (const ValuePtr& one : cls->items) {
      std::optional<ValuePtr> is = instance_of(v, one);
      std::optional<bool> truth = is ? (*is)->truth() : std::nullopt;
      if (!truth) return std::nullopt;
      any = any || *truth;
    }
    return Value::boolean(any);
  }
  return instance_of(v, cls);
}

std::optional<ValuePtr> distinct(const BuiltinCall& c) {
  // Iterated for its distinct items (set(config.layer_types)); the order does not change costs.
  ValuePtr v = c.positional(0);
  if (!v) return Value::list({});
  if (!is_sequence(*v)) return std::nullopt;
  std::vector<ValuePtr> items;
  for (const auto& i : v->items) {
    auto eq = [&](const ValuePtr& o) { auto e = python_equal(*i, *o); return e && *e; };
    if (std::none_of(items.begin(), items.end(), eq)) items.push_back(i);
  }
  return Value::list(items);
}

std::optional<ValuePtr> dict_fromkeys(const BuiltinCall& c) {
  // dict.fromkeys(config.layer_types): a dict of the distinct keys, in the order first met, each
  // mapped to the value given (None when none is); keys that are not strings are left to the hooks.
  ValuePtr v = c.positional(0), value = c.positional(1);
  if (!v || !is_sequence(*v)) return std::nullopt;
  std::vector<std::string> keys;
  for (const auto& i : v->items) {
    if (!i || !i->is(Value::Kind::String)) return std::nullopt;
    if (std::find(keys.begin(), keys.end(), i->str) == keys.end()) keys.push_back(i->str);
  }
  std::vector<ValuePtr> items(keys.size(), value ? value : Value::none());
  return Value::dict(std::move(keys), std::move(items));
}

std::optional<ValuePtr> sorted(const BuiltinCall& c) {
  ValuePtr v = c.positional(0);
  if (!v || !is_sequence(*v) || c.args.size() != 1) return std::nullopt;
  std::vector<ValuePtr> items = v->items;
  bool strings = std::all_of(items.begin(), items.end(), [](const ValuePtr& i) { return i->is(Value::Kind::String); });
  bool numbers = std::all_of(items.begin(), items.end(), [](const ValuePtr& i) { return i->is(Value::Kind::Number) && i->known; });
  if (strings) {
    std::sort(items.begin(), items.end(), [](const ValuePtr& a, const ValuePtr& b) { return a->str < b->str; });
  } else if (numbers) {
    // Numbers by their values (sorted({theta for theta in config.layer_rope_theta if theta})).
    std::stable_sort(items.begin(), items.end(), [](const ValuePtr& a, const ValuePtr& b) { return *a->known < *b->known; });
  } else {
    return Value::unknown("sorted() of " + v->describe());
  }
  return Value::list(items);
}

// The items of range(stop) / range(start, stop[, step]): each known integer when all bounds are
// known (at most 4096 of them); else, with a step of 1, a list of stop - start items not known
// one by one (CPM-Ant's `list(range(seqlen - prompt_length))`: only its length is used).
std::optional<ValuePtr> range_items(const Value& r) {
  if (r.items.empty() || r.items.size() > 3) return std::nullopt;
  for (const auto& a : r.items)
    if (!a->is(Value::Kind::Number)) return std::nullopt;
  const bool one = r.items.size() == 1;
  std::optional<long long> start = one ? 0LL : known_int(*r.items[0]), stop = known_int(*r.items[one ? 0 : 1]);
  std::optional<long long> step = r.items.size() == 3 ? known_int(*r.items[2]) : 1LL;
  if (start && stop && step && *step != 0) {
    const long long n = *step > 0 ? (*stop > *start ? (*stop - *start + *step - 1) / *step : 0)
                                  : (*start > *stop ? (*start - *stop - *step - 1) / -*step : 0);
    if (n > 4096) return std::nullopt;
    std::vector<ValuePtr> items;
    for (long long i = 0; i < n; ++i) items.push_back(Value::integer(*start + i * *step));
    return Value::list(items);
  }
  if (!step || *step != 1) return std::nullopt;
  Expr length = one ? r.items[0]->expr : r.items[1]->expr - r.items[0]->expr;
  return Value::repeated_list(Value::unknown("an item of a range of " + length.str() + " items"), length, {});
}

std::optional<ValuePtr> sequence(const BuiltinCall& c, bool tuple) {
  ValuePtr v = c.positional(0);
  if (!v) return tuple ? Value::tuple({}) : Value::list({});
  if (is_sequence(*v) && !v->element) return tuple ? Value::tuple(v->items) : Value::list(v->items);
  if (is_sequence(*v) && v->element) {  // of a symbolic length (one item per layer): as long
    auto out = std::make_shared<Value>(*v);
    out->kind = tuple ? Value::Kind::Tuple : Value::Kind::List;
    return out;
  }
  if (v->is(Value::Kind::Range) && !tuple) return range_items(*v);
  if (v->is(Value::Kind::Range)) {
    std::optional<ValuePtr> items = range_items(*v);
    if (items && !(*items)->element) return Value::tuple((*items)->items);
  }
  return std::nullopt;
}

std::optional<ValuePtr> absolute(const BuiltinCall& c) {
  ValuePtr v = c.positional(0);
  if (!v || !v->is(Value::Kind::Number) || !v->known) return std::nullopt;
  GiNaC::numeric k = GiNaC::abs(*v->known);
  return Value::number(v->expr.is_number() ? Expr::number(k) : v->expr, k);
}

// itertools.repeat(x, n) with n known: n times x (consumed by tuple() or list()).
std::optional<ValuePtr> repeat(const BuiltinCall& c) {
  ValuePtr v = c.positional(0), times = c.positional(1);
  if (!times) times = [&]() -> ValuePtr {
      for (const auto& a : c.args)
        if (a.name == "times") return a.value;
      return nullptr;
    }();
  if (!v || !times || !times->is(Value::Kind::Number) || !times->known || !times->known->is_integer() ||
      times->known->is_negative() || *times->known > 4096)
    return std::nullopt;
  return Value::list(std::vector<ValuePtr>(static_cast<size_t>(times->known->to_long()), v));
}

// iter(x) / itertools.cycle(x) of a sequence whose items are known (a list, a tuple, a range of
// known bounds, a dict's keys): an iterator over them; next() takes them in turn (Zamba2's
// shared blocks, tied by `next(cycle(unique_hybrid_blocks))`).
std::optional<ValuePtr> iterator(const BuiltinCall& c, bool cycles) {
  ValuePtr v = c.positional(0);
  if (!v || c.args.size() != 1) return std::nullopt;
  if (v->is(Value::Kind::Iterator)) return cycles ? Value::iterator(v->items, true) : v;
  std::vector<ValuePtr> items;
  if (is_sequence(*v) && !v->element) {
    items = v->items;
  } else if (v->is(Value::Kind::Dict)) {
    for (const auto& k : v->keys) items.push_back(Value::string(k));
  } else if (v->is(Value::Kind::Range)) {
    std::optional<ValuePtr> known = range_items(*v);
    if (!known || (*known)->element) return std::nullopt;
    items = (*known)->items;
  } else {
    return std::nullopt;
  }
  return Value::iterator(std::move(items), cycles);
}

// functools.partial(func, *args, **keywords): func with those arguments bound (xLSTM's kernels,
// kept on self in __init__ and called in forward); a partial of a partial binds the inner's first.
std::optional<ValuePtr> partial(const BuiltinCall& c) {
  if (c.args.empty() || !c.args[0].name.empty()) return std::nullopt;
  ValuePtr func = c.args[0].value;
  std::vector<Arg> bound(c.args.begin() + 1, c.args.end());
  for (const Arg& a : bound)
    if (a.name == "*") return Value::unknown("functools.partial of arguments not known one by one");
  if (func && func->is(Value::Kind::Callable) && func->target == Value::Target::Partial) {
    std::vector<Arg> inner = func->args;
    inner.insert(inner.end(), bound.begin(), bound.end());
    return Value::partial(func->receiver, std::move(inner));
  }
  return Value::partial(func, std::move(bound));
}

std::optional<ValuePtr> range(const BuiltinCall& c) {
  std::vector<ValuePtr> items;
  for (const auto& a : c.args) items.push_back(a.value);
  return Value::range(items);
}

std::optional<ValuePtr> slice(const BuiltinCall& c) {
  std::vector<ValuePtr> parts;
  for (const auto& a : c.args) parts.push_back(a.value);
  if (parts.size() == 1) parts.insert(parts.begin(), Value::none());
  while (parts.size() < 3) parts.push_back(Value::none());
  return Value::slice(parts[0], parts[1], parts[2]);
}

}  // namespace

const Builtin* find_builtin(const std::string& name) {
  static const std::map<std::string, Builtin> table = {
      {"getattr", [](const BuiltinCall& c) { return getattr_or_hasattr(c, false); }},
      {"hasattr", [](const BuiltinCall& c) { return getattr_or_hasattr(c, true); }},
      {"setattr", setattr},
      {"min", [](const BuiltinCall& c) { return min_or_max(c, true); }},
      {"max", [](const BuiltinCall& c) { return min_or_max(c, false); }},
      {"bool", to_bool},
      {"all", [](const BuiltinCall& c) { return all_or_any(c, true); }},
      {"any", [](const BuiltinCall& c) { return all_or_any(c, false); }},
      {"int", [](const BuiltinCall& c) { return to_number(c, true); }},
      {"float", [](const BuiltinCall& c) { return to_number(c, false); }},
      {"len", len},
      {"str", to_text},
      {"isinstance", isinstance},
      {"set", distinct},
      {"frozenset", distinct},
      {"sorted", sorted},
      {"dict.fromkeys", dict_fromkeys},
      {"builtins.dict.fromkeys", dict_fromkeys},
      {"tuple", [](const BuiltinCall& c) { return sequence(c, true); }},
      {"list", [](const BuiltinCall& c) { return sequence(c, false); }},
      {"abs", absolute},
      {"range", range},
      {"itertools.repeat", repeat},
      {"itertools.cycle", [](const BuiltinCall& c) { return iterator(c, true); }},
      {"iter", [](const BuiltinCall& c) { return iterator(c, false); }},
      {"functools.partial", partial},
      {"slice", slice},
      {"super", [](const BuiltinCall&) -> std::optional<ValuePtr> { return Value::super_object(); }},
      {"enumerate", [](const BuiltinCall& c) -> std::optional<ValuePtr> {
         if (c.args.empty()) return Value::unknown("enumerate() of nothing");
         return Value::enumerate(c.args[0].value);
       }},
  };
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace kcost
