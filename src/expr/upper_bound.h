// A symbol that stands for an optional upper bound inside min(): `min(x, s)` where `s` is a
// quantity the user may know and the analysis cannot (experts_hit: how many experts routing
// reaches). Unset, the bound is absent: `s` is +infinity there, so `min(x, s)` is `x`. Given as
// a share, it is that share of the count it bounds: `min(min(E, rows), s)` at share 1/2 is
// `min(min(E, rows), E / 2)`, where the count is the one argument of the min that depends on
// none of the point's symbols (E, the experts of the layer; `rows` depends on the batch).
#pragma once

#include <set>
#include <string>

#include <ginac/ginac.h>

#include "expr/expr.h"

namespace kcost {

// `e` with every `min(x, symbol)` (either order, at any depth) replaced by `x`. Throws ExprError
// when `symbol` occurs anywhere else in `e` (outside a min, it has no value to take).
Expr without_bound(const Expr& e, const std::string& symbol);

// `e` with `symbol` in every `min(x, symbol)` replaced by `share` times the count `x` bounds:
// the one argument of the min-tree `x` (nested mins flattened) whose symbols are none of
// `point_symbols`. Throws ExprError when `symbol` occurs outside a min or when no single such
// argument exists (nothing says what the share is of).
Expr bound_as_share(const Expr& e, const std::string& symbol, const GiNaC::numeric& share,
                    const std::set<std::string>& point_symbols);

}  // namespace kcost
