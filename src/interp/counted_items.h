// Counted items: what a list holds that a loop grew by one item in each of its iterations when an
// iteration stands for several (Hooks::iterate's kinds, each with a count: the layers of one kind,
// the classes a routing reaches and the others). Appending one item per kind would hold fewer
// items than the loop appends; the list is instead one element standing for all of them:
//   items all the same value                 that value, sum(counts) times
//   tensors that differ in one dim only      a tensor whose size there is the items' mean,
//                                            sum(count_i * size_i) / sum(count_i), sum(counts)
//                                            times: a cat along that dim has the sum of the
//                                            sizes, and what is linear in that dim, summed over
//                                            the items, is exact (JetMoE's experts: R / H rows
//                                            for the H experts hit, none for the others)
//   anything else                            unknown
#pragma once

#include <vector>

#include "interp/value.h"

namespace kcost {

// The list of `items` each appended `counts[i]` times (items and counts of the same length).
ValuePtr counted_items(const std::vector<ValuePtr>& items, const std::vector<Expr>& counts);

}  // namespace kcost
