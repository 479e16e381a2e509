// Run-time state on the default inference path, by qualified name.
#include "trace/inference_state.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

TEST(InferenceState, QueriesAreFalseSwitchesAreNoneOthersAreNotState) {
  for (const char* q : {"torch.is_grad_enabled", "torch._C._is_tracing", "torch.jit.is_scripting", "torch.compiler.is_compiling",
                        "torch.compiler.is_exporting"}) {
    ValuePtr v = inference_state(q);
    ASSERT_TRUE(v) << q;
    EXPECT_EQ(v->truth(), std::optional<bool>(false)) << q;
  }
  ValuePtr set = inference_state("torch._C._set_grad_enabled");
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->is(Value::Kind::None));
  // The default dtype is a floating one, as a tensor's `.dtype` says (xglm's
  // `emb.to(torch.get_default_dtype())`).
  ValuePtr dtype = inference_state("torch.get_default_dtype");
  ASSERT_TRUE(dtype && dtype->is(Value::Kind::Opaque));
  EXPECT_EQ(dtype->qualname, "dtype");
  EXPECT_EQ(dtype->str, "float");
  EXPECT_EQ(inference_state("torch.matmul"), nullptr);
  EXPECT_EQ(inference_state("is_grad_enabled"), nullptr);  // only qualified names
}

}  // namespace
}  // namespace kcost
