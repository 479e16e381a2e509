// How many integers i in [0, n) satisfy a predicate, as an expression in the predicate's other
// symbols and n: `sum(1 for i in range(n) if predicate(i))` in closed form. This is how a list a
// config derives from its fields (`["sliding" if (i + 1) % p else "full" for i in range(n)]`)
// becomes a count of each of its items that holds for every n and p (`n - n // p` sliding ones).
//
// The predicate is truthy or not as Python sees it (a number is true when it is not 0), built of:
// - comparisons (<, <=, >, >=, ==, !=) of `i + k` (or `k - i`) with an expression free of i;
// - `(i + c) % p` compared by == or != with r, or taken as a truth value (`!= 0`), where c, p and
//   r are free of i (p may be a symbol: a modulus is taken to be positive, as a config's period
//   is; Python raises on 0);
// - `i` itself as a truth value;
// - `and`, `or`, `not`, `a if c else b` of those, and conditions free of i (decided by the
//   config: the count is `count if cond else 0`).
// Moduli of one conjunction must be one expression, or all numbers (combined over their least
// common multiple). Anything else in i is not counted: nullopt.
//
// The result is exact for every integer n >= 0 and every value of the other symbols (under the
// positive-modulus assumption); index_count_test.cpp checks it against enumeration.
#pragma once

#include <optional>
#include <string>

#include "expr/expr.h"

namespace kcost {

std::optional<Expr> count_where(const Expr& predicate, const std::string& index, const Expr& n);

}  // namespace kcost
