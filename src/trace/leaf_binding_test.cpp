// Leaf binding on hand-built calls: each rule binds a leaf's parameters from the shapes of the
// call, and every leaf of kernels/ has a rule for its parameter signature.
#include "trace/leaf_binding.h"

#include <gtest/gtest.h>

#include "trace/tensor_shapes.h"

namespace kcost {
namespace {

const LeafCatalog& catalog() {
  static LeafCatalog c = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  return c;
}

const Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), h = Expr::symbol("config.hidden_size");

Arg pos(ValuePtr v) { return {"", std::move(v), ""}; }
Arg kw(const std::string& name, ValuePtr v) { return {name, std::move(v), ""}; }

LeafBinding bind(const std::string& leaf, const std::string& op, ValuePtr self, std::vector<Arg> args,
                 std::map<std::string, ValuePtr> ctor = {}) {
  LeafCall c;
  c.leaf = catalog().find(leaf);
  EXPECT_NE(c.leaf, nullptr) << leaf;
  c.op = op;
  c.self = std::move(self);
  c.args = std::move(args);
  c.ctor = std::move(ctor);
  c.module = !c.ctor.empty();
  return bind_leaf(c);
}

std::map<std::string, Expr> bound(const LeafBinding& lb) {
  EXPECT_TRUE(lb.ok) << lb.why;
  std::map<std::string, Expr> m;
  for (const auto& [k, v] : lb.bindings) m[k] = v;
  return m;
}

TEST(LeafBinding, EveryLeafInTheLibraryHasARule) {
  for (const auto& [name, leaf] : catalog().all()) EXPECT_TRUE(has_binder(leaf.forward_params)) << name << " has no binding rule";
  EXPECT_FALSE(has_binder({"no", "such", "params"}));
}

TEST(LeafBinding, LinearFromTheWeightOrTheConstructor) {
  ValuePtr x = Value::tensor({b, s, h});
  auto f = bound(bind("F.linear", "linear", nullptr, {pos(x), pos(Value::tensor({Expr(64), h})), pos(Value::none())}));
  EXPECT_EQ(f["M"], b * s);
  EXPECT_EQ(f["N"], Expr(64));
  EXPECT_EQ(f["has_bias"], Expr(0));
  auto m = bound(bind("F.linear", "Linear", nullptr, {pos(x)},
                      {{"in_features", Value::number(h)}, {"out_features", Value::integer(64)}, {"bias", Value::boolean(false)}}));
  EXPECT_EQ(m["K"], h);
  EXPECT_EQ(m["has_bias"], Expr(0));
}

// Mixed precision: a width parameter is bound by where its operand comes from.
ValuePtr origin(ValuePtr t, Value::Origin o) { return with_origin(*t, o); }
const Expr weight_bytes = Expr::symbol("weight_bytes"), kv_bytes = Expr::symbol("kv_bytes"), act_bytes = Expr::symbol("bytes");

TEST(LeafBindingWidths, LinearReadsItsWeightAtWeightBytes) {
  ValuePtr x = Value::tensor({b, s, h});
  ValuePtr w = origin(Value::tensor({Expr(64), h}), Value::Origin::Parameter);
  auto f = bound(bind("F.linear", "linear", nullptr, {pos(x), pos(w)}));
  EXPECT_EQ(f["weight_width"], weight_bytes);
  // A weight computed in forward() is an activation.
  auto g = bound(bind("F.linear", "linear", nullptr, {pos(x), pos(Value::tensor({Expr(64), h}))}));
  EXPECT_EQ(g["weight_width"], act_bytes);
  // nn.Linear called as a module reads its own parameter.
  auto m = bound(bind("F.linear", "Linear", nullptr, {pos(x)},
                      {{"in_features", Value::number(h)}, {"out_features", Value::integer(64)}}));
  EXPECT_EQ(m["weight_width"], weight_bytes);
}

TEST(LeafBindingWidths, AttentionReadsWhatTheCacheReturnedAtKvBytes) {
  ValuePtr q = Value::tensor({b, Expr(8), s, Expr(16)});
  ValuePtr k = origin(Value::tensor({b, Expr(4), Expr::symbol("cache_len") + s, Expr(16)}), Value::Origin::Cache);
  auto m = bound(bind("F.scaled_dot_product_attention", "scaled_dot_product_attention", nullptr, {pos(q), pos(k), pos(k)}));
  EXPECT_EQ(m["kv_width"], kv_bytes);
  // Eager: the scores' matmul reads the keys at kv_bytes, the queries at bytes.
  ValuePtr kt = origin(Value::tensor({b, Expr(4), Expr(16), Expr::symbol("cache_len") + s}), Value::Origin::Cache);
  auto e = bound(bind("torch.matmul", "matmul", nullptr, {pos(q), pos(kt)}));
  EXPECT_EQ(e["a_width"], act_bytes);
  EXPECT_EQ(e["b_width"], kv_bytes);
}

TEST(LeafBindingWidths, ElementwiseOperandsEachAtTheirWidthAndTheOutputIsAnActivation) {
  // RMSNorm's `self.weight * hidden_states`: the scale at weight_bytes.
  ValuePtr scale = origin(Value::tensor({h}), Value::Origin::Parameter);
  ValuePtr x = Value::tensor({b, s, h});
  LeafBinding lb = bind("torch.mul", "mul", nullptr, {pos(scale), pos(x)});
  auto m = bound(lb);
  EXPECT_EQ(m["a_width"], weight_bytes);
  EXPECT_EQ(m["b_width"], act_bytes);
  ASSERT_TRUE(lb.output && lb.output->is_tensor());
  EXPECT_EQ(lb.output->origin, Value::Origin::Activation);
  // exp(A_log) of a parameter returns a new tensor, an activation.
  LeafBinding e = bind("torch.exp", "exp", origin(Value::tensor({h}), Value::Origin::Parameter), {});
  ASSERT_TRUE(e.ok) << e.why;
  EXPECT_EQ(e.output->origin, Value::Origin::Activation);
  // A buffer is read at weight_bytes too; the embedding table is.
  auto t = bound(bind("F.embedding", "embedding", nullptr,
                      {pos(Value::tensor({b, s}, Value::DType::Integer)), pos(origin(Value::tensor({Expr(100), h}), Value::Origin::Buffer))}));
  EXPECT_EQ(t["weight_width"], weight_bytes);
}

TEST(LeafBindingWidths, ALeafWithoutWidthParametersBindsAsBefore) {
  // A foreign library's F.linear(M, K, N, has_bias): no width parameter, everything at bytes.
  LeafKernel plain = *catalog().find("F.linear");
  plain.forward_params = {"M", "K", "N", "has_bias"};
  LeafCall c;
  c.leaf = &plain;
  c.op = "linear";
  c.args = {pos(Value::tensor({b, s, h})), pos(origin(Value::tensor({Expr(64), h}), Value::Origin::Parameter))};
  LeafBinding lb = bind_leaf(c);
  ASSERT_TRUE(lb.ok) << lb.why;
  EXPECT_EQ(lb.bindings.size(), 4u);
  EXPECT_TRUE(is_width_param("weight_width"));
  EXPECT_FALSE(is_width_param("weight_bytes"));  // the implicit quantity, never a leaf's parameter
}

TEST(LeafBinding, OneTensorGivenTwiceIsReadOnce) {
  // l2norm's `x * x`: one tensor, read once; two tensors of the same shape, each read.
  ValuePtr x = Value::tensor({b, s, h}), y = Value::tensor({b, s, h});
  auto same = bound(bind("torch.mul", "mul", nullptr, {pos(x), pos(x)}));
  EXPECT_EQ(same["num_elements"], b * s * h);
  EXPECT_EQ(same["a_elements"], b * s * h);
  EXPECT_EQ(same["b_elements"], Expr(0));
  auto two = bound(bind("torch.mul", "mul", nullptr, {pos(x), pos(y)}));
  EXPECT_EQ(two["b_elements"], b * s * h);
  // x.mul(x), x + x: the method's tensor is the first operand.
  EXPECT_EQ(bound(bind("torch.mul", "mul", x, {pos(x)}))["b_elements"], Expr(0));
  EXPECT_EQ(bound(bind("torch.add", "add", x, {pos(x)}))["b_elements"], Expr(0));
  // A view of it is another tensor (its own shape and strides): read as its own operand.
  ValuePtr xt = Value::tensor({b, h, s});
  EXPECT_EQ(bound(bind("torch.matmul", "matmul", nullptr, {pos(x), pos(xt)}))["b_elements"], b * h * s);
  ValuePtr sq = Value::tensor({b, h, h});
  EXPECT_EQ(bound(bind("torch.matmul", "matmul", nullptr, {pos(sq), pos(sq)}))["b_elements"], Expr(0));
  // where(m, x, x): the second of the pair is read once; the condition always.
  ValuePtr m = Value::tensor({b, s, h}, Value::DType::Bool);
  auto w = bound(bind("torch.where", "where", nullptr, {pos(m), pos(x), pos(x)}));
  EXPECT_EQ(w["a_elements"], b * s * h);
  EXPECT_EQ(w["b_elements"], Expr(0));
  EXPECT_EQ(w["c_elements"], b * s * h);
}

TEST(LeafBinding, MatmulOperandsByKeyword) {
  // Bloom: alibi.baddbmm(batch1=query, batch2=key, beta=..., alpha=...).
  const Expr heads = Expr::symbol("config.n_head"), d = Expr(16), kv = Expr::symbol("cache_len") + s;
  ValuePtr alibi = Value::tensor({b * heads, Expr(1), kv});
  ValuePtr q = Value::tensor({b * heads, s, d}), k = Value::tensor({b * heads, d, kv});
  LeafBinding lb = bind("torch.baddbmm", "baddbmm", alibi, {kw("batch1", q), kw("batch2", k), kw("beta", Value::integer(1))});
  auto f = bound(lb);
  EXPECT_EQ(f["B"], b * heads);
  EXPECT_EQ(f["M"], s);
  EXPECT_EQ(f["K"], d);
  EXPECT_EQ(f["N"], kv);
  ASSERT_TRUE(lb.output && lb.output->is_tensor());
  EXPECT_EQ(lb.output->shape, (Shape{b * heads, s, kv}));
}

TEST(LeafBinding, TensorRepeatTilesEachDimAndAddsLeadingOnes) {
  // Llama 4's MoE: hidden_states.repeat(num_experts, 1) on [tokens, hidden].
  ValuePtr x = Value::tensor({b * s, h});
  LeafBinding lb = bind("torch.repeat_interleave", "repeat", x, {pos(Value::integer(4)), pos(Value::integer(1))});
  auto f = bound(lb);
  EXPECT_EQ(f["num_elements"], b * s * h);
  EXPECT_EQ(f["out_elements"], Expr(4) * b * s * h);
  EXPECT_EQ(lb.output->shape, (Shape{Expr(4) * b * s, h}));
  // One tuple of sizes, one more than the rank: a new leading dim.
  LeafBinding lead = bind("torch.repeat_interleave", "repeat", x, {pos(Value::tuple({Value::integer(2), Value::integer(1), Value::integer(3)}))});
  EXPECT_TRUE(lead.ok) << lead.why;
  EXPECT_EQ(lead.output->shape, (Shape{Expr(2), b * s, Expr(3) * h}));
  EXPECT_FALSE(bind("torch.repeat_interleave", "repeat", x, {pos(Value::integer(2))}).ok);  // fewer sizes than dims
}

TEST(LeafBinding, PadPairsPadTheDimsFromTheLast) {
  // A conv state padded up to the kernel size: F.pad(x, (k - s, 0)) on [b, C, s].
  const Expr k = Expr::symbol("config.conv_kernel"), c = Expr::symbol("config.conv_dim");
  ValuePtr x = Value::tensor({b, c, s});
  LeafBinding lb = bind("F.pad", "pad", nullptr, {pos(x), pos(Value::tuple({Value::number(k - s), Value::integer(0)}))});
  auto f = bound(lb);
  EXPECT_EQ(f["num_elements"], b * c * s);
  EXPECT_EQ(f["out_elements"], b * c * k);
  EXPECT_EQ(lb.output->shape, (Shape{b, c, k}));
  // Mamba2's pad_tensor_by_size: (0, 0, 0, 0, 0, p, 0, 0) on a 4-d tensor pads dim 1.
  ValuePtr y = Value::tensor({b, s, Expr(8), Expr(16)});
  LeafBinding four = bind("F.pad", "pad", nullptr,
                          {pos(y), pos(Value::tuple({Value::integer(0), Value::integer(0), Value::integer(0), Value::integer(0),
                                                     Value::integer(0), Value::integer(3), Value::integer(0), Value::integer(0)}))});
  EXPECT_TRUE(four.ok) << four.why;
  EXPECT_EQ(four.output->shape, (Shape{b, s + Expr(3), Expr(8), Expr(16)}));
  EXPECT_FALSE(bind("F.pad", "pad", nullptr, {pos(x), pos(Value::tuple({Value::integer(1)}))}).ok);  // not pairs
}

TEST(LeafBinding, EinsumIsTheBmmItLowersTo) {
  // Mamba2's chunk scan: G = einsum("bclhn,bcshn->bclsh", C, B).
  const Expr c = Expr::symbol("chunks"), l = Expr::symbol("chunk"), hh = Expr(8), n = Expr::symbol("config.state_size");
  ValuePtr x = Value::tensor({b, c, l, hh, n}), y = Value::tensor({b, c, l, hh, n});
  LeafBinding lb = bind("torch.einsum", "einsum", nullptr, {pos(Value::string("bclhn,bcshn->bclsh")), pos(x), pos(y)});
  auto f = bound(lb);
  EXPECT_EQ(f["B"], b * c * hh);
  EXPECT_EQ(f["M"], l);
  EXPECT_EQ(f["K"], n);
  EXPECT_EQ(f["N"], l);
  EXPECT_EQ(lb.output->shape, (Shape{b, c, l, l, hh}));
  // An index summed within one operand is not a bmm; nor is a third operand.
  EXPECT_FALSE(bind("torch.einsum", "einsum", nullptr, {pos(Value::string("bclhn,bcshn->bcsh")), pos(x), pos(y)}).ok);
  EXPECT_FALSE(bind("torch.einsum", "einsum", nullptr, {pos(Value::string("ij,jk,kl->il")), pos(x), pos(y), pos(x)}).ok);
}

TEST(LeafBinding, SdpaMaskCountsOnlyWhenPresent) {
  ValuePtr q = Value::tensor({b, Expr(8), s, Expr(16)}), k = Value::tensor({b, Expr(4), s, Expr(16)});
  auto mask = std::make_shared<Value>(*Value::tensor({b, Expr(1), s, s}, Value::DType::Bool));
  mask->presence = Expr::compare("!=", s, Expr(1));
  auto m = bound(bind("F.scaled_dot_product_attention", "scaled_dot_product_attention", nullptr,
                      {pos(q), pos(k), pos(k), kw("attn_mask", mask)}));
  EXPECT_EQ(m["H_kv"], Expr(4));
  EXPECT_EQ(m["mask_elements"], Expr::if_else(*mask->presence, b * s * s, Expr(0)));
  // A float mask is read at the model's width.
  auto fm = bound(bind("F.scaled_dot_product_attention", "scaled_dot_product_attention", nullptr,
                       {pos(q), pos(k), pos(k), kw("attn_mask", Value::tensor({b, Expr(1), s, s}))}));
  EXPECT_EQ(fm["mask_elements"], b * s * s * Expr::symbol("bytes"));
}

TEST(LeafBinding, TopkReturnsValuesAndIndices) {
  ValuePtr logits = Value::tensor({b * s, Expr(8)});
  LeafBinding lb = bind("torch.topk", "topk", nullptr, {pos(logits), pos(Value::integer(2)), kw("dim", Value::integer(-1))});
  auto m = bound(lb);
  EXPECT_EQ(m["rows"], b * s);
  EXPECT_EQ(m["k"], Expr(2));
  ASSERT_TRUE(lb.output->is(Value::Kind::Tuple));
  EXPECT_EQ(lb.output->items[1]->shape, (Shape{b * s, Expr(2)}));
  EXPECT_EQ(lb.output->items[1]->dtype, Value::DType::Integer);
  EXPECT_FALSE(bind("torch.topk", "topk", logits, {pos(Value::unknown("k"))}).ok);
  // Indices along the last dim are routing indices (distinct along it: trace/routing.h); along
  // another dim a column's may repeat, and they are not.
  ASSERT_TRUE(lb.output->items[1]->routing);
  EXPECT_EQ(lb.output->items[1]->routing->reach, Expr(8));
  LeafBinding along0 = bind("torch.topk", "topk", nullptr, {pos(logits), pos(Value::integer(2)), kw("dim", Value::integer(0))});
  ASSERT_TRUE(along0.ok);
  EXPECT_FALSE(along0.output->items[1]->routing);
}

TEST(LeafBinding, IndexSelectAndIndexAdd) {
  ValuePtr x = Value::tensor({Expr(10), h}), idx = Value::tensor({Expr(3)}, Value::DType::Integer);
  LeafBinding sel = bind("torch.index_select", "index_select", nullptr, {pos(x), pos(Value::integer(0)), pos(idx)});
  auto m = bound(sel);
  EXPECT_EQ(m["num_indices"], Expr(3));
  EXPECT_EQ(m["slice_elements"], h);
  EXPECT_EQ(sel.output->shape, (Shape{Expr(3), h}));
  ValuePtr src = Value::tensor({Expr(3), h});
  LeafBinding add = bind("torch.Tensor.index_add_", "index_add_", x, {pos(Value::integer(0)), pos(idx), pos(src)});
  auto a = bound(add);
  EXPECT_EQ(a["num_indices"], Expr(3));
  EXPECT_EQ(a["slice_elements"], h);
  EXPECT_EQ(add.output->shape, x->shape);
}

TEST(LeafBinding, ScatterAndMaskedFill) {
  ValuePtr x = Value::tensor({b, Expr(8)}), idx = Value::tensor({b, Expr(2)}, Value::DType::Integer);
  auto sc = bound(bind("torch.Tensor.scatter_", "scatter_", x, {pos(Value::integer(1)), pos(idx), kw("value", Value::integer(1))}));
  EXPECT_EQ(sc["index_elements"], b * Expr(2));
  EXPECT_EQ(sc["has_src"], Expr(0));
  auto sa = bound(bind("torch.scatter_add", "scatter_add", nullptr, {pos(x), pos(Value::integer(1)), pos(idx), pos(Value::tensor({b, Expr(2)}))}));
  EXPECT_EQ(sa["num_elements"], b * Expr(8));
  auto mf = bound(bind("torch.masked_fill", "masked_fill", x, {pos(Value::tensor({b, Expr(1)}, Value::DType::Bool)), pos(Value::integer(0))}));
  EXPECT_EQ(mf["mask_elements"], b);
}

TEST(LeafBinding, OneHotNeedsItsClassCount) {
  ValuePtr idx = Value::tensor({b, Expr(2)}, Value::DType::Integer);
  LeafBinding lb = bind("F.one_hot", "one_hot", nullptr, {pos(idx), kw("num_classes", Value::integer(8))});
  EXPECT_EQ(bound(lb)["num_classes"], Expr(8));
  EXPECT_EQ(lb.output->shape, (Shape{b, Expr(2), Expr(8)}));
  EXPECT_FALSE(bind("F.one_hot", "one_hot", nullptr, {pos(idx)}).ok);
}

TEST(LeafBinding, Conv1dCausalDepthwise) {
  // Mamba's conv: nn.Conv1d(C, C, kernel_size=4, groups=C, padding=3) on [b, C, s].
  ValuePtr x = Value::tensor({b, Expr(64), s});
  LeafBinding lb = bind("F.conv1d", "Conv1d", nullptr, {pos(x)},
                        {{"in_channels", Value::integer(64)}, {"out_channels", Value::integer(64)},
                         {"kernel_size", Value::integer(4)}, {"groups", Value::integer(64)},
                         {"padding", Value::integer(3)}, {"bias", Value::boolean(true)}});
  auto m = bound(lb);
  EXPECT_EQ(m["L_out"], s + Expr(3));
  EXPECT_EQ(m["groups"], Expr(64));
  EXPECT_EQ(m["has_bias"], Expr(1));
  EXPECT_EQ(lb.output->shape, (Shape{b, Expr(64), s + Expr(3)}));
  auto f = bound(bind("F.conv1d", "conv1d", nullptr, {pos(x), pos(Value::tensor({Expr(64), Expr(1), Expr(4)})), kw("groups", Value::integer(64))}));
  EXPECT_EQ(f["L_out"], s - Expr(3));
}

TEST(LeafBinding, GroupedMmGroupNormSolveHistogram) {
  auto g = bound(bind("F.grouped_mm", "grouped_mm", nullptr, {pos(Value::tensor({Expr(6), h})), pos(Value::tensor({Expr(4), h, Expr(32)}))}));
  EXPECT_EQ(g["E"], Expr(4));
  EXPECT_EQ(g["N"], Expr(32));
  Expr hit = Expr::symbol("experts_hit");
  EXPECT_EQ(g["E_read"], Expr::min(Expr(4), hit));  // 6 rows can reach all 4 experts, experts_hit of them
  auto one = bound(bind("F.grouped_mm", "grouped_mm", nullptr, {pos(Value::tensor({Expr(2), h})), pos(Value::tensor({Expr(8), h, Expr(32)}))}));
  EXPECT_EQ(one["E_read"], Expr::min(Expr(2), hit));  // a decode step's top_k = 2 rows reach at most 2 of 8
  auto sym = bound(bind("F.grouped_mm", "grouped_mm", nullptr, {pos(Value::tensor({s, h})), pos(Value::tensor({Expr(8), h, Expr(32)}))}));
  EXPECT_EQ(sym["E_read"], Expr::min(Expr::min(Expr(8), s), hit));
  // A real run's call, its offsets recorded: the groups that have rows (cumulative ends 0 0 3 3 6:
  // groups 2 and 4 of 5 have rows).
  auto offsets = [](std::vector<long long> ends) {
    auto t = std::make_shared<Value>(*Value::tensor({Expr(static_cast<long long>(ends.size()))}, Value::DType::Integer));
    for (long long e : ends) t->items.push_back(Value::integer(e));
    return ValuePtr(t);
  };
  auto real = bound(bind("F.grouped_mm", "grouped_mm", nullptr,
                         {pos(Value::tensor({Expr(6), h})), pos(Value::tensor({Expr(5), h, Expr(32)})), kw("offs", offsets({0, 0, 3, 3, 6}))}));
  EXPECT_EQ(real["E_read"], Expr(2));
  auto all = bound(bind("F.grouped_mm", "grouped_mm", nullptr,
                        {pos(Value::tensor({Expr(3), h})), pos(Value::tensor({Expr(3), h, Expr(32)})), kw("offs", offsets({1, 2, 3}))}));
  EXPECT_EQ(all["E_read"], Expr(3));
  auto gn = bound(bind("F.group_norm", "group_norm", nullptr, {pos(Value::tensor({b, Expr(12), s})), pos(Value::integer(3))}));
  EXPECT_EQ(gn["num_channels"], Expr(12));
  EXPECT_EQ(gn["has_affine"], Expr(0));
  auto st = bound(bind("torch.linalg.solve_triangular", "solve_triangular", nullptr,
                       {pos(Value::tensor({b, Expr(5), Expr(5)})), pos(Value::tensor({b, Expr(5), Expr(7)})), kw("upper", Value::boolean(false))}));
  EXPECT_EQ(st["K"], Expr(7));
  EXPECT_EQ(st["unitriangular"], Expr(0));
  auto hc = bound(bind("torch.histc", "histc", nullptr, {pos(Value::tensor({b})), kw("bins", Value::integer(8))}));
  EXPECT_EQ(hc["bins"], Expr(8));
  EXPECT_FALSE(bind("torch.bincount", "bincount", nullptr, {pos(Value::tensor({b}, Value::DType::Integer))}).ok);
  EXPECT_EQ(bound(bind("torch.bincount", "bincount", nullptr, {pos(Value::tensor({b}, Value::DType::Integer)), kw("minlength", Value::integer(8))}))["num_bins"], Expr(8));
}

}  // namespace
}  // namespace kcost
