#include "trace/python_math.h"

#include <cmath>
#include <map>
#include <optional>

namespace kcost {

namespace {

bool positional_number(const Arg& a) { return a.name.empty() && a.value && a.value->is(Value::Kind::Number); }

// sqrt, floor, ceil, log2: formulas the expression language has.
ValuePtr with_formula(const std::string& qualname, const Value& x) {
  auto of = [&](const Expr& e) {
    if (qualname == "math.log2") return Expr::log2(e);
    return qualname == "math.sqrt" ? Expr::pow(e, Expr(1) / Expr(2)) : qualname == "math.floor" ? Expr::floor(e) : Expr::ceil(e);
  };
  std::optional<GiNaC::numeric> known;
  if (x.known) {
    Expr k = qualname == "math.sqrt" && *x.known >= 0 ? Expr::from_double(std::sqrt(x.known->to_double()))
                                                       : of(Expr::number(*x.known));
    if (k.is_number()) known = k.as_number();
  }
  return Value::number(of(x.expr), known);
}

}  // namespace

ValuePtr python_math(const std::string& name, const std::vector<Arg>& args) {
  if (args.empty() || args.size() > 2 || !positional_number(args[0])) return nullptr;
  // numpy's functions of a Python number (np.sqrt(self.d_model_size)) are math's.
  const std::string qualname = name.rfind("numpy.", 0) == 0 ? "math." + name.substr(6) : name;
  if (qualname == "math.sqrt" || qualname == "math.floor" || qualname == "math.ceil")
    return args.size() == 1 ? with_formula(qualname, *args[0].value) : nullptr;
  // math.log2 of a positive number (ALiBi's 2 ** math.floor(math.log2(num_heads))): a formula.
  if (qualname == "math.log2" && args.size() == 1 && (!args[0].value->known || *args[0].value->known > 0))
    return with_formula(qualname, *args[0].value);
  static const std::map<std::string, double (*)(double)> functions = {
      {"math.log", [](double x) { return std::log(x); }},     {"math.log2", [](double x) { return std::log2(x); }},
      {"math.log10", [](double x) { return std::log10(x); }}, {"math.log1p", [](double x) { return std::log1p(x); }},
      {"math.exp", [](double x) { return std::exp(x); }},     {"math.cos", [](double x) { return std::cos(x); }},
      {"math.sin", [](double x) { return std::sin(x); }},     {"math.tan", [](double x) { return std::tan(x); }},
      {"math.atan", [](double x) { return std::atan(x); }},   {"math.tanh", [](double x) { return std::tanh(x); }}};
  auto f = functions.find(qualname);
  if (f == functions.end()) return nullptr;
  const Value& x = *args[0].value;
  bool constant = x.expr.is_number();
  std::optional<double> y;
  if (x.known) y = f->second(x.known->to_double());
  if (args.size() == 2) {  // math.log(x, base)
    if (qualname != "math.log" || !positional_number(args[1])) return nullptr;
    const Value& base = *args[1].value;
    constant = constant && base.expr.is_number();
    if (y && base.known) *y /= std::log(base.known->to_double());
    else y.reset();
  }
  if (!y) return Value::number(Expr::symbol(Value::kUnknownSymbol));
  if (!std::isfinite(*y)) return Value::unknown(qualname + " of " + x.describe() + " is not finite");
  Expr e = Expr::from_double(*y);
  return Value::number(constant ? e : Expr::symbol(Value::kUnknownSymbol), e.as_number());
}

}  // namespace kcost
