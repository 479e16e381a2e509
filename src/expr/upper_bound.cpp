#include "expr/upper_bound.h"

#include <vector>

#include "expr/functions.h"
#include "expr/rebuild.h"

namespace kcost {

namespace {

using GiNaC::ex;

// The arguments of a tree of nested mins (a lone expression is its own argument).
void min_arguments(const ex& e, std::vector<ex>& out) {
  if (is_py_op(e, PyOp::min)) {
    min_arguments(e.op(0), out);
    min_arguments(e.op(1), out);
  } else {
    out.push_back(e);
  }
}

bool uses_any(const ex& e, const std::set<std::string>& names) {
  for (const std::string& s : Expr(e).symbols())
    if (names.count(s)) return true;
  return false;
}

// Rewrites min(x, symbol) by `replace(x)`, everywhere; the rest is rebuilt around it.
template <typename Replace>
struct BoundRewrite : GiNaC::map_function {
  ex symbol;
  Replace replace;
  BoundRewrite(ex s, Replace r) : symbol(std::move(s)), replace(std::move(r)) {}
  ex operator()(const ex& e) override {
    if (is_py_op(e, PyOp::min)) {
      for (int i = 0; i < 2; ++i)
        if (e.op(i).is_equal(symbol)) {
          ex other = (*this)(e.op(1 - i));
          return replace(other);
        }
    }
    return map_operands(e, *this);
  }
};

template <typename Replace>
Expr rewrite(const Expr& e, const std::string& symbol, Replace replace) {
  ex s = Expr::symbol(symbol).ex();
  BoundRewrite<Replace> f(s, std::move(replace));
  Expr out(f(e.ex()));
  if (out.symbols().count(symbol))
    throw ExprError("'" + symbol + "' is used outside a min() in '" + e.str() + "': it has no value to take");
  return out;
}

}  // namespace

Expr without_bound(const Expr& e, const std::string& symbol) {
  return rewrite(e, symbol, [](const ex& x) { return x; });
}

Expr bound_as_share(const Expr& e, const std::string& symbol, const GiNaC::numeric& share,
                    const std::set<std::string>& point_symbols) {
  return rewrite(e, symbol, [&](const ex& x) -> ex {
    std::vector<ex> args, counts;
    min_arguments(x, args);
    for (const ex& a : args)
      if (!uses_any(a, point_symbols)) counts.push_back(a);
    if (counts.size() != 1)
      throw ExprError("a share of '" + symbol + "' needs the one count it bounds in '" + Expr(x).str() + "'");
    return py_call(PyOp::min, x, (Expr::number(share) * Expr(counts[0])).ex());
  });
}

}  // namespace kcost
