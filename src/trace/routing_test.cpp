// Routing marks through a mixture-of-experts layer's experts loop (transformers' eager experts):
// topk -> one_hot -> permute -> sum -> > 0 -> nonzero -> for e in ... -> mask[e] -> where, with
// the counts each stage knows; and what loses the mark.
#include "trace/routing.h"

#include <gtest/gtest.h>

#include "trace/tensor_shapes.h"

namespace kcost {
namespace {

const Expr T = Expr::symbol("tokens"), E = Expr(8), k = Expr(2);
const Expr hit_symbol = Expr::symbol("experts_hit");

Arg pos(ValuePtr v) { return {"", std::move(v), ""}; }

ValuePtr mask_over(Expr classes) {
  ValuePtr idx = routing_indices(Value::tensor({T, k}, Value::DType::Integer), E);
  return routing_mask(*idx, classes, Value::tensor({T, k, classes}, Value::DType::Integer));
}

TEST(Routing, TheExpertsLoopOfTransformersEagerExperts) {
  // one_hot(top_k_index, num_classes=E + 1): R = T * k ones; the sentinel class is never reached.
  ValuePtr mask = mask_over(E + Expr(1));
  ASSERT_TRUE(mask->routing);
  EXPECT_EQ(mask->routing->entries, T * k);
  EXPECT_EQ(mask->routing->reach, E);  // min(E + 1, E)
  ValuePtr permuted = with_shape(*mask, {E + Expr(1), k, T});  // .permute(2, 1, 0): a view keeps it
  ValuePtr counts = follow_routing("sum", permuted, {}, Value::tensor({E + Expr(1)}, Value::DType::Integer));
  ASSERT_TRUE(counts->routing);
  EXPECT_EQ(counts->routing->stage, Routing::Stage::Counts);
  ValuePtr hit = follow_routing("greater", nullptr, {pos(counts), pos(Value::integer(0))},
                                Value::tensor({E + Expr(1)}, Value::DType::Bool));
  ASSERT_EQ(hit->routing->stage, Routing::Stage::Hit);
  // nonzero: H = min(E, R, experts_hit) rows of one index.
  Expr H = Expr::min(Expr::min(E, T * k), hit_symbol);
  ASSERT_EQ(nonzero_count(*hit), H);
  ValuePtr list = nonzero_output(*hit, H, false);
  EXPECT_EQ(list->shape, (Shape{H, Expr(1)}));
  EXPECT_EQ(list->routing->stage, Routing::Stage::HitList);
  // for e in list: e is an expert hit; e[0] too.
  ValuePtr e = tensor_row(*list);
  EXPECT_EQ(e->shape, (Shape{Expr(1)}));
  ASSERT_EQ(e->routing->stage, Routing::Stage::HitClass);
  ValuePtr e0 = follow_routing("__getitem__", e, {pos(Value::integer(0))}, with_shape(*e, {}));
  ASSERT_TRUE(e0->routing);
  // mask[e]: that expert's entries, R / H on average; torch.where gives its rows.
  ValuePtr slice = follow_routing("__getitem__", permuted, {pos(e0)}, with_shape(*permuted, {k, T}));
  ASSERT_EQ(slice->routing->stage, Routing::Stage::ClassSlice);
  ASSERT_EQ(nonzero_count(*slice), T * k / H);
  ValuePtr where = nonzero_output(*slice, T * k / H, true);
  ASSERT_EQ(where->items.size(), 2u);
  EXPECT_EQ(where->items[1]->shape, (Shape{T * k / H}));
  EXPECT_FALSE(where->items[1]->routing);
  // H iterations of R / H rows: R rows in all, whatever H is.
  EXPECT_EQ((H * (T * k / H)).subs({{"experts_hit", Expr(3)}, {"tokens", Expr(11)}}), Expr(22));
}

TEST(Routing, ALoopOverEveryClassSeesRowsOverClassesEach) {
  // transformers 4.x: for e in range(C): torch.where(mask[e]) with e unknown to the analysis.
  ValuePtr mask = with_shape(*mask_over(E), {E, k, T});
  ValuePtr slice = follow_routing("__getitem__", mask, {pos(Value::number(Expr::symbol("index")))}, with_shape(*mask, {k, T}));
  ASSERT_TRUE(slice->routing);
  EXPECT_EQ(nonzero_count(*slice), T * k / E);
  // A known index is one class: what it holds is data, not known.
  ValuePtr one = follow_routing("__getitem__", mask, {pos(Value::integer(3))}, with_shape(*mask, {k, T}));
  EXPECT_FALSE(one->routing);
  EXPECT_FALSE(nonzero_count(*one));
}

TEST(Routing, ALoopOverRangeOfTheClassesRunsTheClassesReachedAndTheOthersApart) {
  // transformers 4.x: for e in range(C): rows = torch.where(mask[e]); if rows.numel() > 0: ...
  ValuePtr mask = with_shape(*mask_over(E), {E, k, T});
  std::vector<std::pair<ValuePtr, Expr>> kinds = class_indices(*mask->routing);
  ASSERT_EQ(kinds.size(), 2u);
  Expr H = Expr::min(Expr::min(E, T * k), hit_symbol);
  EXPECT_EQ(kinds[0].second, H);
  EXPECT_EQ(kinds[1].second, E - H);
  ASSERT_TRUE(kinds[0].first->routing);
  EXPECT_EQ(kinds[0].first->routing->stage, Routing::Stage::ClassIndex);
  // A class reached: R / H rows on average; another: none.
  ValuePtr reached = follow_routing("__getitem__", mask, {pos(kinds[0].first)}, with_shape(*mask, {k, T}));
  ValuePtr other = follow_routing("__getitem__", mask, {pos(kinds[1].first)}, with_shape(*mask, {k, T}));
  ASSERT_EQ(nonzero_count(*reached), T * k / H);
  ASSERT_EQ(nonzero_count(*other), Expr(0));
  // Summed over both kinds: R rows, and H experts with rows, whatever H is.
  Expr rows = kinds[0].second * *nonzero_count(*reached) + kinds[1].second * *nonzero_count(*other);
  EXPECT_EQ(rows.subs({{"experts_hit", Expr(3)}, {"tokens", Expr(11)}}), Expr(22));
  EXPECT_EQ(kinds[0].second.subs({{"experts_hit", Expr(3)}, {"tokens", Expr(11)}}), Expr(3));
  EXPECT_EQ(kinds[1].second.subs({{"experts_hit", Expr(3)}, {"tokens", Expr(11)}}), Expr(5));
  // The index of another mask's classes is an index like any other: R / C each.
  ValuePtr wider = with_shape(*mask_over(E + Expr(1)), {E + Expr(1), k, T});
  ValuePtr slice = follow_routing("__getitem__", wider, {pos(kinds[0].first)}, with_shape(*wider, {k, T}));
  ASSERT_TRUE(slice->routing);
  EXPECT_EQ(nonzero_count(*slice), T * k / (E + Expr(1)));
}

ValuePtr zeros(Shape s) {
  auto t = std::make_shared<Value>(*Value::tensor(std::move(s)));
  t->fill = GiNaC::numeric(0);
  return t;
}

TEST(Routing, OnesScatteredIntoZerosAtTopkIndicesAreAMask) {
  // JetMoE's gating: zeros([T, E]).scatter(1, top_k_indices, 1) -> .long() -> .sum(0) -> .tolist()
  ValuePtr idx = routing_indices(Value::tensor({T, k}, Value::DType::Integer), E);
  ValuePtr gates = follow_routing("scatter", zeros({T, E}), {pos(Value::integer(1)), pos(idx), pos(Value::integer(1))},
                                  Value::tensor({T, E}));
  ASSERT_TRUE(gates->routing);
  EXPECT_EQ(gates->routing->stage, Routing::Stage::Mask);
  EXPECT_EQ(gates->routing->entries, T * k);  // each row's k indices differ: T * k ones
  EXPECT_EQ(gates->routing->classes, E);
  // torch.scatter(zeros, dim=-1, index=idx, value=1) and scatter_'s output alike.
  ValuePtr fn = follow_routing("scatter_", nullptr,
                               {pos(zeros({T, E})), {"dim", Value::integer(-1), ""}, {"index", idx, ""}, {"value", Value::integer(1), ""}},
                               Value::tensor({T, E}));
  ASSERT_TRUE(fn->routing);
  EXPECT_EQ(fn->routing->stage, Routing::Stage::Mask);
  // .long() is a cast (with_dtype keeps the mark); .sum(0) leaves the class dim: Counts.
  ValuePtr as_long = with_dtype(*gates, Value::DType::Integer);
  ASSERT_TRUE(as_long->routing);
  ValuePtr counts = follow_routing("sum", as_long, {pos(Value::integer(0))}, Value::tensor({E}, Value::DType::Integer));
  ASSERT_TRUE(counts->routing);
  EXPECT_EQ(counts->routing->stage, Routing::Stage::Counts);
  // .tolist(): E numbers, each one class's count, T * k / E on average, T * k in all.
  ValuePtr sizes = counts_list(*counts);
  ASSERT_TRUE(sizes && sizes->is(Value::Kind::List) && sizes->element);
  EXPECT_EQ(sizes->length, E);
  EXPECT_EQ(sizes->element->expr * sizes->length, T * k);
  ASSERT_TRUE(sizes->element->routing);
  EXPECT_EQ(sizes->element->routing->stage, Routing::Stage::Counts);
  EXPECT_FALSE(counts_list(*Value::tensor({E}, Value::DType::Integer)));
}

TEST(Routing, ScatterThatMayWriteOneTwiceOrNotOnesIsNoMask) {
  ValuePtr idx = routing_indices(Value::tensor({T, k}, Value::DType::Integer), E);
  auto scatter = [&](ValuePtr into, long long dim, ValuePtr index, ValuePtr value) {
    return follow_routing("scatter", into, {pos(Value::integer(dim)), pos(index), pos(value)}, Value::tensor(into->shape));
  };
  // Along dim 0 the indices of a column may repeat: fewer ones than entries.
  EXPECT_FALSE(scatter(zeros({T, E}), 0, idx, Value::integer(1))->routing);
  // Into a tensor not known to be zeros, or another value than 1: not counts of ones.
  EXPECT_FALSE(scatter(Value::tensor({T, E}), 1, idx, Value::integer(1))->routing);
  EXPECT_FALSE(scatter(zeros({T, E}), 1, idx, Value::integer(2))->routing);
  EXPECT_FALSE(scatter(zeros({T, E}), 1, idx, Value::tensor({T, k}))->routing);
  // Indices that are not topk's.
  EXPECT_FALSE(scatter(zeros({T, E}), 1, Value::tensor({T, k}, Value::DType::Integer), Value::integer(1))->routing);
}

TEST(Routing, OtherOpsMakeOrdinaryTensors) {
  ValuePtr mask = mask_over(E);
  // mask * w (an elementwise op whose output was made like the mask): no longer a routing mask.
  ValuePtr scaled = follow_routing("mul", nullptr, {pos(mask), pos(Value::tensor({T, k, E}))}, mask);
  EXPECT_FALSE(scaled->routing);
  // A sum that does not leave the class dim alone is not per-class counts.
  ValuePtr partial = follow_routing("sum", mask, {}, Value::tensor({T, E}, Value::DType::Integer));
  EXPECT_FALSE(partial->routing);
  // Counts compared with something else than 0 say nothing of which classes are reached.
  ValuePtr counts = follow_routing("sum", with_shape(*mask, {E, k, T}), {}, Value::tensor({E}, Value::DType::Integer));
  ValuePtr two = follow_routing("gt", nullptr, {pos(counts), pos(Value::integer(2))}, with_shape(*counts, {E}));
  EXPECT_FALSE(two->routing);
  // nonzero of an ordinary tensor is data.
  EXPECT_FALSE(nonzero_count(*Value::tensor({T})));
}

TEST(Routing, ARealRunsRecordedElementsAreCounted) {
  auto t = std::make_shared<Value>(*Value::tensor({Expr(5)}, Value::DType::Bool));
  for (long long v : {1, 0, 0, 1, 1}) t->items.push_back(Value::integer(v));
  EXPECT_EQ(nonzero_count(*t), Expr(3));
}

}  // namespace
}  // namespace kcost
