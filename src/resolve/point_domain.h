// What the domain of the run-time point decides in a cost expression: every point has at least one
// sequence and at least one new token (batch_size >= 1, seq_len >= 1; the design's call runs
// seq_len new tokens of batch_size sequences), and cache_len >= 0. The expression layer assumes
// nothing about symbols (expr/functions.h), so a formula that asks whether a size is zero keeps
// the question: a matrix product reads its weight only where it has rows (kernels/F.linear.json:
// `min(M, 1) * N * K`), and bound to M = batch_size * seq_len that is
// `min(batch_size * seq_len, 1)`, which is 1 at every point. `decided_by_point` rewrites each
// `min(x, 1)` (either order, at any depth) whose x is at least 1 at every point to 1: x, expanded,
// a sum of terms with positive coefficients in batch_size, seq_len and cache_len, one of them
// free of cache_len with a coefficient of at least 1. Anything else stays as it is (at M = 0 the
// min is 0, and a count of rows routing decides stays a min).
#pragma once

#include "expr/expr.h"

namespace kcost {

Expr decided_by_point(const Expr& e);

}  // namespace kcost
