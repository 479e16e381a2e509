#include "facts/derived_lists.h"

#include <functional>
#include <optional>
#include <vector>

#include "expr/index_count.h"
#include "expr/functions.h"
#include "interp/interpreter.h"

namespace kcost {

namespace {

// `self.<attr>` or `<attr>`: the attribute's name; "" otherwise.
std::string attribute_named(const ast::Node& n) {
  if (n.is("Attribute")) {
    const ast::Node* base = n.child("value");
    if (base && base->is("Name") && base->str("id") == "self") return n.str("attr");
  }
  if (n.is("Name")) return n.str("id");
  return "";
}

// `if X is None:` with X self.<attr> or <attr>: the attribute's name; "" otherwise.
std::string none_test(const ast::Node& test) {
  if (!test.is("Compare") || test.list("ops").size() != 1 || test.list("ops")[0]->str("id") != "Is") return "";
  const ast::Node* right = test.list("comparators")[0].get();
  if (!right->is("Constant") || right->constant().kind != ast::Constant::Kind::None) return "";
  return attribute_named(*test.child("left"));
}

// What the derivation reads beyond the config: kwargs.get / kwargs.pop of the user's extra keys.
class ListHooks : public Hooks {
 public:
  ValuePtr call(const ast::Node&, const ValuePtr& callee, const std::vector<Arg>& args) override {
    if (callee->is(Value::Kind::Callable) && callee->target == Value::Target::DictMethod && callee->receiver &&
        (callee->qualname == "get" || callee->qualname == "pop") && !args.empty() && args[0].value &&
        args[0].value->is(Value::Kind::String)) {
      const Value& d = *callee->receiver;
      for (size_t i = 0; i < d.keys.size(); ++i)
        if (d.keys[i] == args[0].value->str) return d.items[i];
      return args.size() > 1 ? args[1].value : Value::none();
    }
    return Value::unknown("a call the config's list derivation does not follow");
  }
  ValuePtr attribute(const ast::Node&, const ValuePtr& base, const std::string& name) override {
    if (base->is(Value::Kind::Dict) && (name == "get" || name == "pop"))
      return Value::callable(Value::Target::DictMethod, name, base);
    return Value::unknown("attribute '" + name + "'");
  }
};

using Arms = std::vector<std::pair<nlohmann::json, Expr>>;

// int(c) of a truth value is the truth value.
Expr without_int(const Expr& e) {
  auto op = py_op(e.ex());
  if (op && *op == PyOp::trunc) {
    auto inner = py_op(e.ex().op(0));
    if (inner && (is_comparison(*inner) || *inner == PyOp::logical_not)) return Expr(e.ex().op(0));
  }
  return e;
}

// The items an element expression chooses between, each with its condition in the index.
bool arms_of(const ast::Node& elt, Interpreter& ev, Scope& scope, const Expr& when, Arms& out) {
  if (elt.is("IfExp")) {
    ValuePtr c = ev.eval(*elt.child("test"), scope);
    if (auto truth = c->truth()) return arms_of(*elt.child(*truth ? "body" : "orelse"), ev, scope, when, out);
    if (!c->is(Value::Kind::Number)) return false;
    return arms_of(*elt.child("body"), ev, scope, Expr::logical_and(when, c->expr), out) &&
           arms_of(*elt.child("orelse"), ev, scope, Expr::logical_and(when, Expr::logical_not(c->expr)), out);
  }
  ValuePtr v = ev.eval(elt, scope);
  if (v->is(Value::Kind::String)) {
    out.push_back({v->str, when});
    return true;
  }
  if (!v->is(Value::Kind::Number)) return false;
  if (v->known && v->known->is_integer()) {
    out.push_back({v->known->to_long(), when});
    return true;
  }
  // A number that depends on the index (int((i + 1) % p != 0)): 1 where it is true, 0 elsewhere.
  Expr e = without_int(v->expr);
  auto op = py_op(e.ex());
  if (!op || !(is_comparison(*op) || *op == PyOp::logical_not)) return false;
  out.push_back({1, Expr::logical_and(when, e)});
  out.push_back({0, Expr::logical_and(when, Expr::logical_not(e))});
  return true;
}

// Item i of a derived list of numbers, as one expression in the index.
std::optional<Expr> element_of(const DerivedList& list) {
  std::optional<Expr> out;
  for (auto it = list.arms.rbegin(); it != list.arms.rend(); ++it) {
    if (!it->first.is_number_integer()) return std::nullopt;
    Expr v(static_cast<long long>(it->first.get<long long>()));
    out = out ? Expr::if_else(it->second, v, *out) : v;
  }
  return out;
}

// `range(n)` or `range(0, n)`: n.
std::optional<Expr> range_length(const ast::Node& iter, Interpreter& ev, Scope& scope) {
  if (!iter.is("Call") || !iter.child("func")->is("Name") || iter.child("func")->str("id") != "range") return std::nullopt;
  const auto& args = iter.list("args");
  if (args.empty() || args.size() > 2) return std::nullopt;
  if (args.size() == 2) {
    ValuePtr start = ev.eval(*args[0], scope);
    if (!start->is(Value::Kind::Number) || !(start->expr.is_number() && start->expr.as_number().is_zero())) return std::nullopt;
  }
  ValuePtr n = ev.eval(*args.back(), scope);
  if (!n->is(Value::Kind::Number)) return std::nullopt;
  return n->expr;
}

// The list `value` builds: its length and arms. `before`: lists derived earlier (iterated as
// `for x in self.<attr>`).
bool list_of(const ast::Node& value, Interpreter& ev, Scope& scope, const std::map<std::string, DerivedList>& before,
             DerivedList& out) {
  if (value.is("ListComp")) {
    const auto& gens = value.list("generators");
    if (gens.size() != 1 || !gens[0]->list("ifs").empty() || !gens[0]->child("target")->is("Name")) return false;
    const ast::Node& iter = *gens[0]->child("iter");
    ValuePtr index = Value::number(Expr::symbol(derived_list_index()));
    if (std::optional<Expr> n = range_length(iter, ev, scope)) {
      out.length = *n;
    } else {
      auto it = before.find(attribute_named(iter));
      if (!iter.is("Attribute") || it == before.end()) return false;
      std::optional<Expr> e = element_of(it->second);
      if (!e) return false;
      out.length = it->second.length;
      index = Value::number(*e);
    }
    Scope inner = scope;
    inner.set(gens[0]->child("target")->str("id"), index);
    return arms_of(*value.child("elt"), ev, inner, Expr(1), out.arms);
  }
  if (value.is("BinOp") && value.str("op") == "Mult") {
    // [item] * n
    const ast::Node* list = value.child("left");
    const ast::Node* times = value.child("right");
    if (!list->is("List")) std::swap(list, times);
    if (!list->is("List") || list->list("elts").size() != 1) return false;
    ValuePtr count = ev.eval(*times, scope);
    if (!count->is(Value::Kind::Number)) return false;
    out.length = count->expr;
    return arms_of(*list->list("elts")[0], ev, scope, Expr(1), out.arms);
  }
  return false;
}

// The counts at the config's numbers reproduce the list the config holds.
bool reproduces(const DerivedList& list, const ConfigView& config, const nlohmann::json& held) {
  if (!held.is_array()) return false;
  std::optional<GiNaC::numeric> n = at_config(list.length, config);
  if (!n || *n != GiNaC::numeric(static_cast<long>(held.size()))) return false;
  std::map<std::string, long long> occurrences;
  for (const auto& item : held) ++occurrences[item.dump()];
  for (const auto& [item, times] : occurrences) {
    std::optional<Expr> c = count_where(list.condition(nlohmann::json::parse(item)), derived_list_index(), list.length);
    if (!c) return false;
    std::optional<GiNaC::numeric> v = at_config(*c, config);
    if (!v || *v != GiNaC::numeric(static_cast<long>(times))) return false;
  }
  return true;
}

// `self.<attr> if self.<attr> else X`, `self.<attr> or X`, `X if self.<attr> is None else self.<attr>`: X.
const ast::Node* default_of(const ast::Node& value, const std::string& attr) {
  if (value.is("IfExp")) {
    const ast::Node& test = *value.child("test");
    if (attribute_named(test) == attr && attribute_named(*value.child("body")) == attr) return value.child("orelse");
    if (none_test(test) == attr && attribute_named(*value.child("orelse")) == attr) return value.child("body");
  }
  if (value.is("BoolOp") && value.str("op") == "Or" && value.list("values").size() == 2 &&
      attribute_named(*value.list("values")[0]) == attr)
    return value.list("values")[1].get();
  return nullptr;
}

}  // namespace

const char* derived_list_index() { return "kcost_list_index"; }

Expr DerivedList::condition(const nlohmann::json& value) const {
  Expr c(0);
  for (const auto& [item, when] : arms)
    if (item == value) c = c == Expr(0) ? when : Expr::logical_or(c, when);
  return c;
}

std::optional<GiNaC::numeric> at_config(const Expr& e, const ConfigView& config) {
  std::map<std::string, GiNaC::numeric> at;
  for (const std::string& s : e.symbols()) {
    if (s.rfind("config.", 0) != 0) return std::nullopt;
    auto v = config.attribute("config", s.substr(7));
    if (!v || !*v || !(*v)->known) return std::nullopt;
    at[s] = *(*v)->known;
  }
  try {
    return e.eval(at);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::map<std::string, DerivedList> derived_lists(SourceLocator& locator, const ConfigView& config,
                                                 const std::string& config_class, const nlohmann::json& config_file) {
  std::map<std::string, DerivedList> out;
  if (config_class.empty()) return out;
  nlohmann::json kwargs = config_file.is_object() ? config_file : nlohmann::json::object();
  for (const char* method : {"__post_init__", "__init__"}) {
    const FunctionSource* fn = nullptr;
    try {
      fn = &locator.find_function(config_class + "." + method);
    } catch (const std::exception&) {
      continue;  // a generated __init__ (dataclass) or none
    }
    if (!fn->def) continue;
    std::map<std::string, const ast::Node*> locals;  // name -> the value last assigned to it
    // Statements in order, into `if` blocks; `guard`: the attribute an enclosing `if <attr> is
    // None` tests, `block`/`k`: the statements before this one in its block.
    std::function<void(const std::vector<ast::NodePtr>&, const std::string&)> walk =
        [&](const std::vector<ast::NodePtr>& block, const std::string& guard) {
          for (size_t k = 0; k < block.size(); ++k) {
            const ast::Node& s = *block[k];
            if (s.is("If")) {
              walk(s.list("body"), none_test(*s.child("test")));
              walk(s.list("orelse"), "");
              continue;
            }
            if (!s.is("Assign") || s.list("targets").size() != 1) continue;
            const ast::Node& target = *s.list("targets")[0];
            if (target.is("Name")) {
              locals[target.str("id")] = s.child("value");
              continue;
            }
            std::string attr = target.is("Attribute") ? attribute_named(target) : "";
            if (attr.empty() || out.count(attr) || kwargs.contains(attr)) continue;
            const ast::Node* value = attr == guard ? s.child("value") : default_of(*s.child("value"), attr);
            if (value && value->is("Name") && locals.count(value->str("id"))) value = locals[value->str("id")];
            if (!value) continue;
            try {
              ConfigView view = config.with_value(attr, nullptr);
              ListHooks hooks;
              Interpreter ev(locator, view, hooks, fn->module, fn->file);
              Scope scope;
              scope.set("self", Value::config("config"));
              scope.set("kwargs", ConfigView::from_json(kwargs));
              // The statements before it in an `if <attr> is None` block (its locals).
              if (attr == guard) ev.exec(std::vector<ast::NodePtr>(block.begin(), block.begin() + static_cast<long>(k)), scope);
              DerivedList list;
              list.attribute = attr;
              list.function = config_class + "." + method;
              list.line = s.line;
              if (list_of(*value, ev, scope, out, list) && config.values().contains(attr) &&
                  reproduces(list, config, config.values()[attr]))
                out[attr] = list;
            } catch (const std::exception&) {
              // Not readable here: the attribute's kinds keep the analysed config's counts.
            }
          }
        };
    walk(fn->def->list("body"), "");
  }
  return out;
}

}  // namespace kcost
