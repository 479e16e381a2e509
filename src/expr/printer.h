// Prints a GiNaC expression (as built by kcost::Expr) as Python text that the parser reads
// back to an equal expression. The form is stable and readable:
// - the terms of a sum by total degree, highest first, then by their factors in the order
//   below (`a**2 + 2 * a * b + b**2`); numbers last: `2 * a * b + a - 3`; the first positive term moves ahead of leading negative ones
//   (`seq_len - cache_len`, `1 - x`, not `-cache_len + seq_len`, `-x + 1`);
// - the factors of a product: the numeric coefficient first, then plain symbols, then dotted
//   symbols (`config.*`), then everything else, each group by text (higher powers of the
//   same base first):
//   `2 * batch_size * seq_len * config.hidden_size`;
// - rational coefficients and negative powers as division: `3 * x / 4`, `a / (b * c)`;
// - a number kept apart from a sum with floats that it would meet first (GiNaC multiplies a number
//   into a lone sum as the two meet): `8.0 * ((a + b) / c)`, `x / 4 / (0.5 * a + b)`;
// - subtraction as `a - b`, powers as `x**2`, floats as Python's repr (`1e-06`, `0.5`);
// - Python operations as Python: `a // b`, `a % b`, `min(a, b, c)`, `a if c else b`,
//   `a < b <= c`, `a and b`, `not a`, `int(x)`, `math.floor(x)`, `math.ceil(x)`, `abs(x)`, `math.log2(x)`;
// - parentheses exactly where Python's precedence needs them.
// Nothing depends on the order in which symbols were created or on GiNaC's hash order.
#pragma once

#include <ginac/ginac.h>

#include <string>

namespace kcost {

std::string to_python(const GiNaC::ex& e);

}  // namespace kcost
