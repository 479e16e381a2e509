// Counted items: a list a loop grows by one item per iteration kind, each kind standing for
// several iterations, holds each item as often as its kind runs.
#include "interp/counted_items.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

const Expr R = Expr::symbol("rows"), H = Expr::symbol("hit"), C = Expr(8), N = Expr(16);

TEST(CountedItems, TensorsThatDifferInOneDimStandForTheirMean) {
  // JetMoE's experts: F.linear outputs of R / H rows for the H experts hit, of none for the
  // C - H others; torch.cat of them has R rows.
  ValuePtr list = counted_items({Value::tensor({R / H, N}), Value::tensor({Expr(0), N})}, {H, C - H});
  ASSERT_TRUE(list->is(Value::Kind::List) && list->element) << list->describe();
  EXPECT_EQ(list->length, C);
  ASSERT_TRUE(list->element->is_tensor());
  EXPECT_EQ(list->element->shape[1], N);
  EXPECT_EQ(list->element->shape[0] * list->length, R);
}

TEST(CountedItems, TheSameItemIsRepeated) {
  ValuePtr x = Value::tensor({R, N});
  ValuePtr list = counted_items({x, x}, {H, C - H});
  ASSERT_TRUE(list->element);
  EXPECT_TRUE(same_value(*list->element, *x));
  EXPECT_EQ(list->length, C);
  // One kind standing for a count of layers.
  EXPECT_EQ(counted_items({Value::integer(3)}, {Expr::symbol("config.num_hidden_layers")})->length,
            Expr::symbol("config.num_hidden_layers"));
}

TEST(CountedItems, ItemsThatDifferOtherwiseAreUnknown) {
  EXPECT_TRUE(counted_items({Value::tensor({R, N}), Value::tensor({H, C})}, {H, C - H})->is(Value::Kind::Unknown));
  EXPECT_TRUE(counted_items({Value::tensor({R, N}), Value::integer(2)}, {H, C - H})->is(Value::Kind::Unknown));
  EXPECT_TRUE(counted_items({Value::integer(1), Value::integer(2)}, {H, C - H})->is(Value::Kind::Unknown));
  EXPECT_TRUE(counted_items({Value::tensor({R, N}), Value::tensor({R, N}, Value::DType::Integer)}, {H, Expr(1)})
                  ->is(Value::Kind::Unknown));
}

}  // namespace
}  // namespace kcost
