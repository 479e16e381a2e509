// Tests of what the analysis knows of tensors filled with one number (trace/fill.h): the design's
// all-ones attention mask through comparisons, reductions and views, and what loses it.
#include "trace/fill.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

ValuePtr ones(std::vector<Expr> shape) {
  auto v = std::make_shared<Value>(*Value::tensor(std::move(shape), Value::DType::Integer));
  v->fill = GiNaC::numeric(1);
  return v;
}

ValuePtr like(const ValuePtr& t, std::vector<Expr> shape) {
  auto v = std::make_shared<Value>(*t);  // an op's output made like its operand: the fill copied too
  v->shape = std::move(shape);
  return v;
}

Arg arg(ValuePtr v) { return {"", std::move(v), ""}; }

TEST(Fill, ComparingTheOnesMaskWithOneIsAllTrueAndAllOfItIsTrue) {
  Expr b = Expr::symbol("batch_size"), n = Expr::symbol("cache_len") + Expr::symbol("seq_len");
  ValuePtr mask = ones({b, n});
  ValuePtr eq = follow_fill("__eq__", nullptr, {arg(mask), arg(Value::integer(1))}, like(mask, {b, n}));
  ASSERT_TRUE(eq->fill);
  EXPECT_EQ(*eq->fill, 1);
  ValuePtr all = follow_fill("all", nullptr, {arg(eq)}, like(eq, {}));
  EXPECT_EQ(all->truth(), std::optional<bool>(true));  // if torch.all(attention_mask == 1):
  // A mask compared with 0 is all false; any() of it false; its negation true.
  ValuePtr zero = follow_fill("eq", mask, {arg(Value::integer(0))}, like(mask, {b, n}));
  EXPECT_EQ(follow_fill("any", zero, {}, like(zero, {}))->truth(), std::optional<bool>(false));
  EXPECT_EQ(follow_fill("logical_not", nullptr, {arg(zero)}, like(zero, {}))->truth(), std::optional<bool>(true));
}

TEST(Fill, ViewsAndCastsKeepItOtherOpsLoseIt) {
  ValuePtr mask = ones({Expr(2), Expr(3)});
  EXPECT_EQ(*follow_fill("view", mask, {}, like(mask, {Expr(6)}))->fill, 1);
  EXPECT_EQ(*follow_fill("to", mask, {}, like(mask, {Expr(2), Expr(3)}))->fill, 1);
  EXPECT_EQ(*follow_fill("__getitem__", mask, {arg(Value::integer(0))}, like(mask, {Expr(3)}))->fill, 1);
  // cumsum of ones is not ones: it loses the fill; zeros_like is zeros, whatever its operand's.
  EXPECT_FALSE(follow_fill("cumsum", mask, {}, like(mask, {Expr(2), Expr(3)}))->fill);
  EXPECT_EQ(*follow_fill("zeros_like", nullptr, {arg(mask)}, like(mask, {Expr(2), Expr(3)}))->fill, 0);
  // A comparison with a number not known: not known either.
  EXPECT_FALSE(follow_fill("eq", mask, {arg(Value::number(Expr::symbol("k")))}, like(mask, {Expr(2), Expr(3)}))->fill);
}

// torch.ones / zeros / full make fills; add, sub and mul of fills and known numbers keep one
// number (X-MOD's `default_lang_id * torch.ones(batch)`, compared with each adapter's index).
TEST(Fill, CreatedTensorsAreFilledAndArithmeticOfFillsIsKnown) {
  Expr b = Expr::symbol("batch_size");
  ValuePtr made = Value::tensor({b});
  ValuePtr ones_b = follow_fill("ones", nullptr, {arg(Value::number(b))}, made);
  ASSERT_TRUE(ones_b->fill);
  EXPECT_EQ(*ones_b->fill, 1);
  EXPECT_EQ(*follow_fill("new_zeros", made, {arg(Value::number(b))}, made)->fill, 0);
  EXPECT_EQ(*follow_fill("full", nullptr, {arg(Value::tuple({Value::number(b)})), arg(Value::integer(7))}, made)->fill, 7);
  EXPECT_EQ(*follow_fill("new_full", made, {arg(Value::tuple({Value::number(b)})), arg(Value::integer(-2))}, made)->fill, -2);
  EXPECT_FALSE(follow_fill("full", nullptr, {arg(Value::tuple({Value::number(b)})), arg(Value::number(b))}, made)->fill);
  ValuePtr ids = follow_fill("mul", nullptr, {arg(Value::integer(3)), arg(ones_b)}, like(ones_b, {b}));
  EXPECT_EQ(*ids->fill, 3);
  EXPECT_EQ(*follow_fill("sub", nullptr, {arg(ids), arg(Value::integer(1))}, like(ids, {b}))->fill, 2);
  EXPECT_EQ(*follow_fill("rsub", nullptr, {arg(ids), arg(Value::integer(10))}, like(ids, {b}))->fill, 7);  // torch.rsub(x, 10) = 10 - x
  EXPECT_EQ(*follow_fill("__add__", ids, {arg(ids)}, like(ids, {b}))->fill, 6);
  EXPECT_EQ(*follow_fill("eq", nullptr, {arg(ids), arg(Value::integer(3))}, like(ids, {b}))->fill, 1);
  EXPECT_EQ(*follow_fill("eq", nullptr, {arg(ids), arg(Value::integer(0))}, like(ids, {b}))->fill, 0);
  // With an operand whose elements are not known, or a division: not known.
  EXPECT_FALSE(follow_fill("mul", nullptr, {arg(ids), arg(Value::tensor({b}))}, like(ids, {b}))->fill);
  EXPECT_FALSE(follow_fill("mul", nullptr, {arg(ids), arg(Value::number(b))}, like(ids, {b}))->fill);
  EXPECT_FALSE(follow_fill("div", nullptr, {arg(ids), arg(Value::integer(2))}, like(ids, {b}))->fill);
}

TEST(Fill, OnlyAOneElementTensorHasATruthValue) {
  EXPECT_EQ(ones({})->truth(), std::optional<bool>(true));
  EXPECT_EQ(ones({Expr(1), Expr(1)})->truth(), std::optional<bool>(true));
  EXPECT_FALSE(ones({Expr(2)})->truth());  // bool() of two elements raises in Python
  EXPECT_FALSE(Value::tensor({})->truth());  // no fill: not known
}

}  // namespace
}  // namespace kcost
