// Call-site signatures: dims that differ between the call sites of one kernel become its
// forward_params, and each site binds them (Qwen3's q_norm and k_norm on different head counts).
#include "trace/signature.h"

#include <gtest/gtest.h>

#include "trace/tensor_shapes.h"

namespace kcost {
namespace {

const Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len");

CallSite site(std::map<std::string, ValuePtr> inputs) { return {{}, std::move(inputs)}; }

TEST(Signature, DimsThatAgreeStayAndDimsThatDifferBecomeParams) {
  CallSite q = site({{"hidden_states", Value::tensor({b, s, Expr(8), Expr(16)})}});
  CallSite k = site({{"hidden_states", Value::tensor({b, s, Expr(4), Expr(16)})}});
  KernelSignature sig = generalize({"hidden_states"}, {q, k});
  ASSERT_EQ(sig.forward_params.size(), 1u);
  EXPECT_EQ(sig.forward_params[0].name, "hidden_states_dim2");
  EXPECT_EQ(sig.inputs["hidden_states"]->shape, (Shape{b, s, Expr::symbol("hidden_states_dim2"), Expr(16)}));
  EXPECT_EQ(extract(sig.forward_params[0], q.inputs), Expr(8));
  EXPECT_EQ(extract(sig.forward_params[0], k.inputs), Expr(4));
}

TEST(Signature, OneSiteOrEqualSitesHaveNoParams) {
  CallSite a = site({{"x", Value::tensor({b, s})}, {"scale", Value::integer(2)}});
  EXPECT_TRUE(generalize({"x", "scale"}, {a}).forward_params.empty());
  EXPECT_TRUE(generalize({"x", "scale"}, {a, a}).forward_params.empty());
}

TEST(Signature, NumbersAndTupleItemsThatDiffer) {
  CallSite a = site({{"pe", Value::tuple({Value::tensor({b, s, Expr(16)}), Value::tensor({b, s, Expr(16)})})},
                     {"n", Value::integer(2)}});
  CallSite c = site({{"pe", Value::tuple({Value::tensor({b, s, Expr(32)}), Value::tensor({b, s, Expr(32)})})},
                     {"n", Value::integer(3)}});
  KernelSignature sig = generalize({"pe", "n"}, {a, c});
  std::vector<std::string> names;
  for (const auto& p : sig.forward_params) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"pe_0_dim2", "pe_1_dim2", "n"}));
  EXPECT_EQ(extract(sig.forward_params[2], c.inputs), Expr(3));
  EXPECT_EQ(extract(sig.forward_params[1], c.inputs), Expr(32));
}

TEST(Signature, InputsOfDifferentRankMergeLeadingDims) {
  CallSite a = site({{"x", Value::tensor({b, s, Expr(8)})}});
  CallSite c = site({{"x", Value::tensor({s, Expr(8)})}});
  KernelSignature sig = generalize({"x"}, {a, c});
  ASSERT_EQ(sig.forward_params.size(), 1u);
  EXPECT_EQ(extract(sig.forward_params[0], a.inputs), b * s);  // [b, s, 8] seen as [b * s, 8]
  EXPECT_EQ(extract(sig.forward_params[0], c.inputs), s);
}

// Sites seen from a caller traced in its own symbols (a kernel phase 2 meets first): a dim that
// names the caller's params cannot stay in the callee, even where every site agrees; the sites
// bind it. Dims of the symbols every kernel has stay.
TEST(Signature, DimsTheCalleeCannotHoldBecomeParamsAtEverySite) {
  const Expr heads = Expr::symbol("num_heads"), dim = Expr::symbol("head_dim");
  CallSite a = site({{"x", Value::tensor({b, s, heads * dim})}, {"offset", Value::number(heads)}});
  SharedExpr shared = [](const Expr& e) {
    for (const auto& symbol : e.symbols())
      if (symbol != "batch_size" && symbol != "seq_len") return false;
    return true;
  };
  KernelSignature sig = generalize({"x", "offset"}, {a, a}, shared);
  std::vector<std::string> names;
  for (const auto& p : sig.forward_params) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"x_dim2", "offset"}));
  EXPECT_EQ(sig.inputs["x"]->shape, (Shape{b, s, Expr::symbol("x_dim2")}));
  EXPECT_EQ(extract(sig.forward_params[0], a.inputs), heads * dim);
  EXPECT_EQ(extract(sig.forward_params[1], a.inputs), heads);
  EXPECT_TRUE(generalize({"x", "offset"}, {a, a}).forward_params.empty());  // no predicate: all stay
}

TEST(Signature, AListStandingForItsItemsStaysWhenTheSitesAgree) {
  // A routing's per-class counts (counts.tolist()) passed to the experts at two call sites.
  const Expr E = Expr::symbol("config.num_local_experts");
  ValuePtr sizes = Value::repeated_list(Value::number(b * s / E), E, {});
  KernelSignature sig = generalize({"expert_size"}, {site({{"expert_size", sizes}}), site({{"expert_size", sizes}})});
  ASSERT_TRUE(sig.inputs["expert_size"]->element);
  EXPECT_EQ(sig.inputs["expert_size"]->length, E);
  EXPECT_TRUE(sig.forward_params.empty());
  // Lists that differ between sites: no item of the kernel's is known (not an empty list).
  ValuePtr other = Value::repeated_list(Value::number(b / E), E, {});
  KernelSignature differ = generalize({"expert_size"}, {site({{"expert_size", sizes}}), site({{"expert_size", other}})});
  EXPECT_TRUE(differ.inputs["expert_size"]->is(Value::Kind::Unknown));
  // A caller's own symbols the kernel cannot hold.
  ValuePtr own = Value::repeated_list(Value::number(b / Expr::symbol("num_experts")), Expr::symbol("num_experts"), {});
  SharedExpr shared = [](const Expr& e) { return e.symbols().count("num_experts") == 0; };
  EXPECT_TRUE(generalize({"x"}, {site({{"x", own}})}, shared).inputs["x"]->is(Value::Kind::Unknown));
}

}  // namespace
}  // namespace kcost
