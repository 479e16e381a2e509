// Routing: the values of a mixture-of-experts layer's routing tensors, as far as they follow from
// the code, so that the loop transformers' eager experts run (and Dbrx's, and every experts
// module of transformers 4.x) is priced exactly in total. The stages (Value::routing):
//
//   idx = topk(scores, k, dim=-1).indices  Indices: values below n = scores.shape[-1] (reach n),
//                                          distinct along the last dim (topk along it; along
//                                          another dim it makes no mark)
//   mask = one_hot(idx, num_classes=C)     Mask: R = numel(idx) ones over C classes, of which
//                                          min(C, n) can be reached (the rest, a sentinel class
//                                          such as Mixtral's C = E + 1, never are)
//   mask = zeros.scatter(d, idx, 1)        Mask too (JetMoE's gates): ones written into a tensor
//   (and scatter_'s output)                of zeros (trace/fill.h) along idx's last dim d, where
//                                          its values are distinct: R = numel(idx) ones over the
//                                          C = zeros.shape[d] classes of that dim
//   mask.permute(...), .to(...), views     the same mask (a view keeps the mark)
//   counts = mask.sum(dims) -> [C]         Counts: ones per class, R in all
//   hit = counts > 0 (gt, greater, ne 0)   Hit: the classes reached
//   sizes = counts.tolist()                a list of the C counts (counts_list): its element
//                                          stands for each, R / C on average, R in all; what
//                                          x.split(sizes) makes of it is tensor_ops' split (C
//                                          pieces, x.shape[d] / C rows on average: the sizes
//                                          sum to the dim, torch's contract)
//   hit.nonzero() -> [H, 1]                HitList: H = min(reach, R, experts_hit) rows, the
//   (torch.where(hit): one [H] tensor)     experts hit (evaluate/experts_hit.h: unset, the
//                                          bound, exact at decode of one sequence and at long
//                                          prefill)
//   for e in hit_list: ...                 H iterations; e is a HitClass (also e[0])
//   mask[e] (and .squeeze(0))              ClassSlice: that expert's entries, R / H on average
//   for e in range(C): ... mask[e]         every class in turn (transformers 4.x): a ClassIndex
//                                          run twice, for the H classes reached (R / H entries
//                                          each) and for the C - H others (none), each counted
//                                          as often as its kind occurs (class_indices), so a
//                                          body that skips an expert without rows (`if
//                                          rows.numel() > 0`) or calls it on no rows costs what
//                                          the real loop costs
//   (mask[e], e another symbolic index)    R / C each, summed over the C classes exactly R
//   torch.where(mask[e]) -> [R / H] each   the rows routed to that expert
//
// Every cost in such a loop body is per expert (its weights, read once) or linear in the rows
// the expert gets (its products, gathers, index_add), so H iterations of R / H rows each cost,
// summed, exactly what the real loop costs for any routing that hits H experts. Only the
// operations above carry a mark: any other op on a routing tensor makes an ordinary tensor.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "interp/value.h"

namespace kcost {

// The indices topk returns along the last dim, of n: marked Indices with reach n.
ValuePtr routing_indices(const ValuePtr& indices, const Expr& n);
// one_hot(index, num_classes=classes)'s output `out`, marked Mask.
ValuePtr routing_mask(const Value& index, const Expr& classes, const ValuePtr& out);
// The mark an op's output takes from its operands (`op` "__getitem__" for indexing, args[0] the
// index): sum of a Mask down to [C] is Counts; a comparison of Counts with 0 (>, gt, greater,
// !=, ne) is Hit; scatter of 1 into zeros at Indices along their last dim is a Mask; indexing a Mask by a HitClass is a ClassSlice, indexing a HitList or HitClass
// keeps it. Any other op's output made like a marked operand loses the mark; a mark the op's
// own rule set stays (nullptr stays nullptr).
ValuePtr follow_routing(const std::string& op, const ValuePtr& self, const std::vector<Arg>& args, const ValuePtr& out);
// How many nonzero elements `x` has, when known: its recorded elements (a real run's call), or a
// Hit's H, a ClassSlice's R / H.
std::optional<Expr> nonzero_count(const Value& x);
// nonzero(x) of `n` nonzero elements: [n, rank] indices, or with `as_tuple` (torch.where(x)) a
// tuple of rank [n] tensors; a Hit's is a HitList.
ValuePtr nonzero_output(const Value& x, const Expr& n, bool as_tuple);
// One row of a tensor iterated by `for` (a tensor of its shape without the first dim); a
// HitList's rows are HitClasses.
ValuePtr tensor_row(const Value& t);
// counts.tolist() of a Counts tensor [C]: a list of C numbers whose element stands for each
// class's count (R / C on average, R in all), marked Counts; nullptr for any other tensor.
ValuePtr counts_list(const Value& counts);
// The value without a routing mark.
ValuePtr without_routing(const ValuePtr& v);
// The iterations of a loop over range(C) of the C classes of routing mask `mask` (a Mask's
// Routing): the H = min(reach, R, experts_hit) classes some row reaches, each with R / H of the
// mask's ones, and the C - H others, with none; each a ClassIndex (a symbolic index) with its
// count.
std::vector<std::pair<ValuePtr, Expr>> class_indices(const Routing& mask);

}  // namespace kcost
