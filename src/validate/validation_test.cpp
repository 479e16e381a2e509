// Comparing the static side with the traced side at one point: which leaf kernels differ, the
// FlopCounterMode cross-check, and the relative error.
#include "validate/validation.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

// The project's leaf library: which leaves are matmul-class is its data.
const LeafCatalog& leaves() {
  static const LeafCatalog catalog = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  return catalog;
}

CostNumbers cost(long f, long r, long w) {
  CostNumbers c;
  c.flops = f;
  c.memory_read = r;
  c.memory_write = w;
  return c;
}

TEST(ValidationCompare, DiffNamesTheKernelsThatDiffer) {
  Evaluation s;
  s.by_kernel["F.linear"] = cost(100, 40, 10);
  s.by_kernel["torch.mul"] = cost(6, 48, 24);
  s.totals = cost(106, 88, 34);
  TracedCost t;
  t.by_kernel["F.linear"] = cost(100, 40, 10);
  t.by_kernel["torch.mul"] = cost(6, 48, 24);
  t.by_kernel["torch.neg"] = cost(3, 12, 12);  // a call the static model missed
  t.calls_by_kernel = {{"F.linear", 1}, {"torch.mul", 2}, {"torch.neg", 1}};
  t.totals = cost(109, 100, 46);
  t.flop_counter_by_kernel["F.linear"] = {GiNaC::numeric(100), 100};
  TracedPoint point;
  point.batch_size = 3;
  point.seq_len = 5;
  point.cache_len = 7;
  point.flop_counter.total = 100;
  s.by_kernel["F.linear"] = cost(100, 40, 10);
  PointValidation v = compare_point(s, point, t, leaves(), false);
  EXPECT_FALSE(v.agree());
  ASSERT_EQ(v.diffs.size(), 1u);
  EXPECT_EQ(v.diffs[0].kernel, "torch.neg");
  EXPECT_EQ(v.diffs[0].static_cost.flops, GiNaC::numeric(0));
  EXPECT_EQ(v.diffs[0].traced_cost.flops, GiNaC::numeric(3));
  EXPECT_EQ(v.diffs[0].traced_calls, 1);
  EXPECT_TRUE(v.flop_counter.ok());
  EXPECT_EQ(v.point.cache_len, 7);
}

TEST(ValidationCompare, FlopCounterLeavesOutBiasAddsAndCpuSdpa) {
  Evaluation s;
  s.by_kernel["F.linear"] = cost(130, 0, 0);  // 2*M*K*N = 120 plus 10 bias adds
  s.by_kernel["F.scaled_dot_product_attention"] = cost(50, 0, 0);
  s.totals = cost(180, 0, 0);
  TracedCost t;
  t.by_kernel = s.by_kernel;
  t.totals = s.totals;
  t.bias_add_flops = 10;
  t.flop_counter_by_kernel["F.linear"] = {GiNaC::numeric(120), 120};
  t.flop_counter_by_kernel["F.scaled_dot_product_attention"] = {GiNaC::numeric(50), 0};
  TracedPoint point;
  point.flop_counter.total = 120;  // no aten op for the fused CPU kernel
  PointValidation fused = compare_point(s, point, t, leaves(), true);
  EXPECT_TRUE(fused.flop_counter.attention_excluded);
  EXPECT_EQ(fused.flop_counter.static_matmul_flops, GiNaC::numeric(130));
  EXPECT_TRUE(fused.flop_counter.ok());
  EXPECT_TRUE(fused.ok());
  // Without a fused attention call the 50 must be in FlopCounterMode's count: it is not.
  PointValidation eager = compare_point(s, point, t, leaves(), false);
  EXPECT_FALSE(eager.flop_counter.attention_excluded);
  EXPECT_FALSE(eager.flop_counter.ok());
  EXPECT_FALSE(eager.ok());
}

TEST(ValidationCompare, OnlyMatmulClassLeavesAreComparedWithFlopCounter) {
  Evaluation s;
  s.by_kernel["torch.bmm"] = cost(64, 0, 0);
  s.by_kernel["torch.mul"] = cost(1000, 0, 0);  // elementwise: not in FlopCounterMode's check
  s.totals = cost(1064, 0, 0);
  TracedCost t;
  t.by_kernel = s.by_kernel;
  t.totals = s.totals;
  TracedPoint point;
  point.flop_counter.total = 64;
  PointValidation v = compare_point(s, point, t, leaves(), false);
  EXPECT_EQ(v.flop_counter.static_matmul_flops, GiNaC::numeric(64));
  EXPECT_TRUE(v.flop_counter.ok());
}

TEST(ValidationCompare, RelativeError) {
  EXPECT_EQ(relative_error(GiNaC::numeric(5), GiNaC::numeric(5)), 0.0);
  EXPECT_DOUBLE_EQ(relative_error(GiNaC::numeric(90), GiNaC::numeric(100)), 0.1);
  EXPECT_EQ(relative_error(GiNaC::numeric(0), GiNaC::numeric(0)), 0.0);
  EXPECT_EQ(relative_error(GiNaC::numeric(3), GiNaC::numeric(0)), 1.0);
}

}  // namespace
}  // namespace kcost
