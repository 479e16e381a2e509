// The tensor-op table: shape rules of the zero-cost and creation ops on hand-built tensors.
#include "trace/tensor_ops.h"

#include <gtest/gtest.h>

#include "trace/tensor_shapes.h"

namespace kcost {
namespace {

const Expr b = Expr::symbol("batch_size"), s = Expr::symbol("seq_len"), h = Expr::symbol("config.hidden_size");

Arg pos(ValuePtr v) { return {"", std::move(v), ""}; }
Arg kw(const std::string& name, ValuePtr v) { return {name, std::move(v), ""}; }
ValuePtr n(long long i) { return Value::integer(i); }
ValuePtr sym(const Expr& e) { return Value::number(e); }

Shape shape_of(const ValuePtr& v) {
  EXPECT_TRUE(v && v->is_tensor()) << (v ? v->describe() : "null");
  return v && v->is_tensor() ? v->shape : Shape{};
}

TEST(TensorOps, TableSaysWhatCostsNothingAndWhatCreates) {
  for (const char* op : {"view", "reshape", "transpose", "permute", "cat", "split", "to", "contiguous", "size"})
    EXPECT_TRUE(is_zero_cost_op(op)) << op;
  for (const char* op : {"arange", "ones", "zeros_like", "clone"}) {
    EXPECT_TRUE(is_creation_op(op)) << op;
    EXPECT_FALSE(is_zero_cost_op(op)) << op;
    EXPECT_TRUE(has_shape_rule(op)) << op;
  }
  for (const char* op : {"mul", "softmax", "linear", "matmul"}) EXPECT_FALSE(has_shape_rule(op)) << op;
  EXPECT_EQ(shape_op("mul", Value::tensor({b}), {}), nullptr);
}

TEST(TensorOps, ViewInfersMinusOne) {
  ValuePtr x = Value::tensor({b, s, h});
  EXPECT_EQ(shape_of(shape_op("view", x, {pos(n(-1)), pos(n(8)), pos(n(16))})),
            (Shape{b * s * h / Expr(128), Expr(8), Expr(16)}));
  EXPECT_EQ(shape_of(shape_op("reshape", x, {pos(Value::tuple({sym(b), sym(s), n(-1)}))})), (Shape{b, s, h}));
  EXPECT_TRUE(shape_op("view", x, {pos(Value::string("a"))})->is(Value::Kind::Unknown));
}

TEST(TensorOps, FunctionFormTakesTheTensorFromItsArguments) {
  ValuePtr x = Value::tensor({b, s, h});
  EXPECT_EQ(shape_of(shape_op("transpose", nullptr, {pos(x), pos(n(1)), pos(n(2))})), (Shape{b, h, s}));
  EXPECT_EQ(shape_of(shape_op("transpose", x, {pos(n(-1)), pos(n(-2))})), (Shape{b, h, s}));
}

TEST(TensorOps, PermuteUnsqueezeSqueezeExpandFlatten) {
  ValuePtr x = Value::tensor({b, Expr(1), s, h});
  EXPECT_EQ(shape_of(shape_op("permute", x, {pos(n(0)), pos(n(2)), pos(n(1)), pos(n(3))})), (Shape{b, s, Expr(1), h}));
  EXPECT_EQ(shape_of(shape_op("unsqueeze", x, {pos(n(-1))})), (Shape{b, Expr(1), s, h, Expr(1)}));
  EXPECT_EQ(shape_of(shape_op("squeeze", x, {pos(n(1))})), (Shape{b, s, h}));
  EXPECT_EQ(shape_of(shape_op("squeeze", x, {})), (Shape{b, s, h}));
  EXPECT_EQ(shape_of(shape_op("expand", x, {pos(n(-1)), pos(n(4)), pos(n(-1)), pos(n(-1))})), (Shape{b, Expr(4), s, h}));
  EXPECT_EQ(shape_of(shape_op("flatten", x, {pos(n(2))})), (Shape{b, Expr(1), s * h}));
  EXPECT_TRUE(shape_op("permute", x, {pos(n(0))})->is(Value::Kind::Unknown));
}

// torch.FloatTensor(d, n, h) (XLNet's parameters) is an uninitialized tensor of those sizes;
// torch.LongTensor([1, 2, 3]) one of that data; the type names the dtype class.
TEST(TensorOps, LegacyTypedConstructorsTakeSizesOrData) {
  ValuePtr f = shape_op("FloatTensor", nullptr, {pos(sym(h)), pos(n(8)), pos(n(16))});
  EXPECT_EQ(shape_of(f), (Shape{h, Expr(8), Expr(16)}));
  EXPECT_EQ(f->dtype, Value::DType::Float);
  ValuePtr l = shape_op("LongTensor", nullptr, {pos(Value::list({n(1), n(2), n(3)}))});
  EXPECT_EQ(shape_of(l), (Shape{Expr(3)}));
  EXPECT_EQ(l->dtype, Value::DType::Integer);
  EXPECT_EQ(shape_of(shape_op("FloatTensor", nullptr, {})), (Shape{Expr(0)}));
  EXPECT_TRUE(shape_op("FloatTensor", nullptr, {pos(Value::string("x"))})->is(Value::Kind::Unknown));
  EXPECT_TRUE(is_creation_op("FloatTensor"));
}

// torch.einsum("ijbn->bnij", x) only permutes x's dims: aten returns the view x.permute(...).
// Anything that sums, repeats an index, takes two operands or names no output is no such view.
TEST(TensorOps, AOneOperandEinsumThatOnlyPermutesIsAView) {
  ValuePtr x = Value::tensor({s, s + Expr(1), b, Expr(8)});
  auto einsum = [&](const std::string& eq, std::vector<ValuePtr> ops) {
    std::vector<Arg> args = {pos(Value::string(eq))};
    for (auto& o : ops) args.push_back(pos(o));
    return permuting_einsum("einsum", args);
  };
  EXPECT_EQ(shape_of(einsum("ijbn->bnij", {x})), (Shape{b, Expr(8), s, s + Expr(1)}));
  EXPECT_EQ(shape_of(einsum("i j b n -> b n i j", {x})), (Shape{b, Expr(8), s, s + Expr(1)}));
  EXPECT_EQ(shape_of(einsum("ijbn->bnij", {Value::list({x})})), (Shape{b, Expr(8), s, s + Expr(1)}));
  EXPECT_EQ(einsum("ijbn->bni", {x}), nullptr);       // sums j
  EXPECT_EQ(einsum("iibn->bnii", {x}), nullptr);      // a diagonal
  EXPECT_EQ(einsum("ijbn->bnii", {x}), nullptr);      // repeats an output index
  EXPECT_EQ(einsum("ijbn", {x}), nullptr);            // implicit output
  EXPECT_EQ(einsum("ijb->bji", {x}), nullptr);        // not x's rank
  EXPECT_EQ(einsum("...n->n...", {x}), nullptr);      // an ellipsis
  EXPECT_EQ(einsum("ij,jk->ik", {x, x}), nullptr);    // two operands
  EXPECT_EQ(permuting_einsum("matmul", {pos(Value::string("ijbn->bnij")), pos(x)}), nullptr);
}

// x[mask] with a bool mask whose elements are all known (a fill): the mask's dims become one of
// all its elements where true, none where false; a mask not known is not modelled.
TEST(TensorOps, AFilledBoolMaskSelectsAllRowsOrNone) {
  ValuePtr x = Value::tensor({b, s, h});
  auto mask = [&](std::optional<int> fill, Shape shape) {
    auto m = std::make_shared<Value>(*Value::tensor(std::move(shape), Value::DType::Bool));
    if (fill) m->fill = GiNaC::numeric(*fill);
    return m;
  };
  EXPECT_EQ(shape_of(index_tensor(*x, *mask(1, {b}))), (Shape{b, s, h}));
  EXPECT_EQ(shape_of(index_tensor(*x, *mask(0, {b}))), (Shape{Expr(0), s, h}));
  EXPECT_EQ(shape_of(index_tensor(*x, *mask(1, {b, s}))), (Shape{b * s, h}));
  EXPECT_TRUE(index_tensor(*x, *mask(std::nullopt, {b}))->is(Value::Kind::Unknown));
  EXPECT_TRUE(index_tensor(*x, *mask(1, {b, s, h, Expr(2)}))->is(Value::Kind::Unknown));  // past x's rank
}

// Slice bounds that move together cancel in the length (xLSTM's chunks x[k * c : (k + 1) * c]
// with k a loop index: c long; its states x[:, :-d] of (n + 1) * d: n * d); any other length is
// what it was.
TEST(TensorOps, SliceBoundsThatMoveTogetherCancel) {
  const Expr k = Expr::symbol("index"), c = Expr::symbol("config.chunk_size"), nc = Expr::symbol("n"), d = Expr::symbol("d");
  ValuePtr x = Value::tensor({b, (nc + Expr(1)) * d});
  auto slice = [](ValuePtr lo, ValuePtr hi) { return Value::slice(std::move(lo), std::move(hi), Value::none()); };
  ValuePtr chunk = Value::tuple({slice(Value::none(), Value::none()), slice(sym(k * c), sym((k + Expr(1)) * c))});
  EXPECT_EQ(shape_of(index_tensor(*x, *chunk)), (Shape{b, c}));
  ValuePtr states = Value::tuple({slice(Value::none(), Value::none()),
                                  slice(Value::none(), Value::number(-d))});
  Shape kept = shape_of(index_tensor(*x, *states));
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[1].str(), (nc * d).str());
  ValuePtr last = Value::tuple({slice(Value::none(), Value::none()), slice(sym(s), Value::none())});
  Shape rest = shape_of(index_tensor(*x, *last));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_TRUE((rest[1] - ((nc + Expr(1)) * d - s)).expand().is_number()) << rest[1].str();
  EXPECT_EQ((rest[1] - ((nc + Expr(1)) * d - s)).expand(), Expr(0));
}

// torch.scalar_tensor(v) is one element of no dims; torch.tensor of a list of a symbolic length
// of numbers (list(range(n))) is a vector of that length.
TEST(TensorOps, ScalarTensorAndATensorOfASymbolicList) {
  ValuePtr t = shape_op("scalar_tensor", nullptr, {pos(n(0))});
  EXPECT_EQ(shape_of(t), Shape{});
  EXPECT_EQ(t->dtype, Value::DType::Float);
  EXPECT_TRUE(is_creation_op("scalar_tensor"));
  ValuePtr items = Value::repeated_list(Value::unknown("an item"), s - Expr(3), {});
  EXPECT_EQ(shape_of(shape_op("tensor", nullptr, {pos(items)})), (Shape{s - Expr(3)}));
  // A list of a symbolic length of lists is not a vector.
  ValuePtr rows = Value::repeated_list(Value::list({n(1), n(2)}), s, {});
  EXPECT_EQ(shape_of(shape_op("tensor", nullptr, {pos(rows)})), (Shape{Expr(0)}));
}

TEST(TensorOps, NormalSamplesOfAGivenSize) {
  // DiffLlama's nn.Parameter(torch.normal(0, config.lambda_std_dev, size=(self.head_dim,))).
  EXPECT_TRUE(is_creation_op("normal"));
  EXPECT_EQ(shape_of(shape_op("normal", nullptr, {pos(n(0)), pos(sym(Expr::symbol("config.lambda_std_dev"))),
                                                  kw("size", Value::tuple({sym(h)}))})),
            (Shape{h}));
  EXPECT_TRUE(shape_op("normal", nullptr, {pos(n(0)), pos(n(1))})->is(Value::Kind::Unknown));
}

TEST(TensorOps, ComplexViewsPairTheLastDim) {
  // Llama 4's rotary: torch.view_as_complex(xq.reshape(*xq.shape[:-1], -1, 2)), then view_as_real.
  ValuePtr x = Value::tensor({b, s, Expr(8), Expr(8), Expr(2)});
  EXPECT_TRUE(is_zero_cost_op("view_as_complex"));
  EXPECT_EQ(shape_of(shape_op("view_as_complex", nullptr, {pos(x)})), (Shape{b, s, Expr(8), Expr(8)}));
  EXPECT_EQ(shape_of(shape_op("view_as_real", nullptr, {pos(Value::tensor({b, s, Expr(8)}))})), (Shape{b, s, Expr(8), Expr(2)}));
  EXPECT_TRUE(shape_op("view_as_complex", Value::tensor({b, s}), {})->is(Value::Kind::Unknown));
}

TEST(TensorOps, CatStackSplitChunk) {
  ValuePtr x = Value::tensor({b, s, Expr(6)}), y = Value::tensor({b, s, Expr(10)});
  EXPECT_EQ(shape_of(shape_op("cat", nullptr, {pos(Value::tuple({x, y})), kw("dim", n(-1))})), (Shape{b, s, Expr(16)}));
  // NumPy's `axis` is torch's `dim` (transformers 4.x: torch.cat([ones, causal_mask], axis=-1)).
  EXPECT_EQ(shape_of(shape_op("cat", nullptr, {pos(Value::tuple({x, y})), kw("axis", n(-1))})), (Shape{b, s, Expr(16)}));
  EXPECT_EQ(shape_of(shape_op("stack", nullptr, {pos(Value::list({x, x})), kw("dim", n(0))})), (Shape{Expr(2), b, s, Expr(6)}));
  ValuePtr parts = shape_op("split", y, {pos(Value::list({n(4), n(6)})), kw("dim", n(-1))});
  ASSERT_TRUE(parts->is(Value::Kind::Tuple));
  ASSERT_EQ(parts->items.size(), 2u);
  EXPECT_EQ(parts->items[1]->shape, (Shape{b, s, Expr(6)}));
  ValuePtr halves = shape_op("chunk", x, {pos(n(2)), kw("dim", n(-1))});
  ASSERT_EQ(halves->items.size(), 2u);
  EXPECT_EQ(halves->items[0]->shape, (Shape{b, s, Expr(3)}));
  // Equal parts of a symbolic dim cannot be counted: unknown, not a guess.
  EXPECT_TRUE(shape_op("split", x, {pos(n(2)), kw("dim", n(1))})->is(Value::Kind::Unknown));
  // A list grown once per index of a loop over seq_len (a scan's outputs): its element repeated.
  ValuePtr step = Value::tensor({b, Expr(6)});
  ValuePtr outputs = Value::repeated_list(step, s, {});
  EXPECT_EQ(shape_of(shape_op("stack", nullptr, {pos(outputs), kw("dim", n(-1))})), (Shape{b, Expr(6), s}));
  EXPECT_EQ(shape_of(shape_op("cat", nullptr, {pos(outputs), kw("dim", n(1))})), (Shape{b, Expr(6) * s}));
}

// torch.cat passes over 1-D empty tensors whatever the others' rank (a cache layer's
// torch.tensor([]) before its first tokens).
TEST(TensorOps, CatPassesOverOneDimEmptyTensors) {
  ValuePtr empty = Value::tensor({Expr(0)}), keys = Value::tensor({b, s, Expr(16)});
  EXPECT_EQ(shape_of(shape_op("cat", nullptr, {pos(Value::list({empty, keys})), kw("dim", n(1))})), (Shape{b, s, Expr(16)}));
  EXPECT_EQ(shape_of(shape_op("cat", nullptr, {pos(Value::list({empty, keys, keys})), kw("dim", n(-2))})),
            (Shape{b, s + s, Expr(16)}));
}

// A layer's cached keys read by past_key_values[i] know only their token count: the cat with the
// new keys takes the heads and head size from them (torch.cat's other dims are equal).
TEST(TensorOps, CatSizesUnsizedDimsFromTheOtherOperands) {
  Expr c = Expr::symbol("cache_len");
  ValuePtr held = Value::tensor({b, unsized_dim(), c, unsized_dim()}), keys = Value::tensor({b, Expr(4), s, Expr(16)});
  EXPECT_EQ(shape_of(shape_op("cat", nullptr, {pos(Value::tuple({held, keys})), kw("dim", n(-2))})),
            (Shape{b, Expr(4), c + s, Expr(16)}));
  EXPECT_TRUE(has_unsized(held->shape));
  EXPECT_FALSE(has_unsized(keys->shape));
}

TEST(TensorOps, CreationAndDtypeClasses) {
  ValuePtr ids = shape_op("arange", nullptr, {pos(n(0)), pos(sym(h)), pos(n(2))});
  EXPECT_EQ(shape_of(ids), (Shape{Expr::ceil(h / Expr(2))}));
  EXPECT_EQ(ids->dtype, Value::DType::Integer);
  EXPECT_EQ(shape_of(shape_op("ones", nullptr, {pos(sym(b)), pos(sym(s))})), (Shape{b, s}));
  EXPECT_EQ(shape_of(shape_op("full", nullptr, {pos(Value::tuple({sym(b), n(3)})), pos(n(7))})), (Shape{b, Expr(3)}));
  // A creation takes its dtype (torch.ones(n, dtype=torch.long): positions to index with).
  EXPECT_EQ(shape_op("ones", nullptr, {pos(sym(s))})->dtype, Value::DType::Float);
  EXPECT_EQ(shape_op("ones", nullptr, {pos(sym(s)), kw("dtype", Value::opaque("torch.int64"))})->dtype, Value::DType::Integer);
  // A 0-d tensor bound is its value (4.50's HybridCache's get_seq_length() is one).
  auto scalar = [](const Expr& v) {
    auto t = std::make_shared<Value>(*Value::tensor({}, Value::DType::Integer));
    t->items = {Value::number(v)};
    return t;
  };
  const Expr c = Expr::symbol("cache_len");
  EXPECT_EQ(shape_of(shape_op("arange", nullptr, {pos(scalar(c)), pos(scalar(c + s))})), (Shape{s}));
  EXPECT_FALSE(shape_op("arange", nullptr, {pos(Value::tensor({}, Value::DType::Integer))})->is_tensor());
  ValuePtr x = Value::tensor({b, s});
  ValuePtr as_long = shape_op("long", x, {});
  EXPECT_EQ(as_long->dtype, Value::DType::Integer);
  EXPECT_EQ(shape_op("float", as_long, {})->dtype, Value::DType::Float);
  EXPECT_EQ(shape_op("is_floating_point", as_long, {})->truth(), std::optional<bool>(false));
  EXPECT_EQ(shape_op("size", x, {pos(n(-1))})->expr, s);
  EXPECT_EQ(shape_op("numel", x, {})->expr, b * s);
}

TEST(TensorOps, EyeIsNByNOrNByM) {
  const Expr c = Expr::symbol("chunk_size");
  EXPECT_EQ(shape_of(shape_op("eye", nullptr, {pos(sym(c)), kw("dtype", Value::opaque("torch.float32"))})), (Shape{c, c}));
  EXPECT_EQ(shape_of(shape_op("eye", nullptr, {pos(sym(c)), pos(n(3))})), (Shape{c, Expr(3)}));
  EXPECT_TRUE(shape_op("eye", nullptr, {pos(Value::none())})->is(Value::Kind::Unknown));
}

TEST(TensorOps, NewCreatorsTakeTheGivenSizeAndTheTensorsDtype) {
  // DeepSeek V3's expand_kv: kv_nope.new_empty(*kv_nope.shape[:-1], nope + rope) is of the sizes
  // given, not of kv_nope's.
  ValuePtr x = Value::tensor({b, s, h}, Value::DType::Integer);
  ValuePtr e = shape_op("new_empty", x, {pos(sym(b)), pos(sym(s)), pos(n(48))});
  EXPECT_EQ(shape_of(e), (Shape{b, s, Expr(48)}));
  EXPECT_EQ(e->dtype, Value::DType::Integer);
  EXPECT_TRUE(is_creation_op("new_empty"));
  EXPECT_EQ(shape_of(shape_op("new_zeros", x, {pos(Value::tuple({sym(b), n(3)}))})), (Shape{b, Expr(3)}));
  EXPECT_EQ(shape_of(shape_op("new_ones", x, {kw("size", Value::tuple({n(5)}))})), (Shape{Expr(5)}));
  EXPECT_EQ(shape_of(shape_op("new_full", x, {pos(Value::tuple({sym(s), n(2)})), pos(n(7))})), (Shape{s, Expr(2)}));
}

TEST(TensorOps, ShapesKeepAMasksPresence) {
  auto mask = std::make_shared<Value>(*Value::tensor({b, Expr(1), s, s}, Value::DType::Bool));
  mask->presence = Expr::compare("!=", s, Expr(1));
  ValuePtr sliced = shape_op("to", mask, {});
  ASSERT_TRUE(sliced->presence);
  EXPECT_EQ(*sliced->presence, *mask->presence);
  EXPECT_EQ(sliced->dtype, Value::DType::Bool);
}

TEST(TensorShapes, IndexingAndBroadcast) {
  ValuePtr x = Value::tensor({b, s, h});
  ValuePtr last = index_tensor(*x, *Value::tuple({Value::ellipsis(), Value::slice(n(-1), Value::none(), Value::none()), Value::none()}));
  // x[..., -1:, None]: the last position of the last dim kept, then a new dim of 1.
  EXPECT_EQ(shape_of(last), (Shape{b, s, Expr(1), Expr(1)}));
  ValuePtr ids = Value::tensor({b, s}, Value::DType::Integer);
  ValuePtr table = Value::tensor({Expr(997), h});
  EXPECT_EQ(index_tensor(*table, *ids)->shape, (Shape{b, s, h}));
  EXPECT_EQ(broadcast({b, Expr(1), s}, {h, Expr(1)}), (Shape{b, h, s}));
}

TEST(TensorShapes, SeveralIntegerTensorIndicesIndexTogether) {
  // weights[rows, positions, None]: the two [n] indices broadcast to [n] in their place, then 1.
  const Expr r = Expr::symbol("n");
  ValuePtr w = Value::tensor({b * s, Expr(2)});
  ValuePtr rows = Value::tensor({r}, Value::DType::Integer), positions = Value::tensor({r}, Value::DType::Integer);
  EXPECT_EQ(shape_of(index_tensor(*w, *Value::tuple({rows, positions, Value::none()}))), (Shape{r, Expr(1)}));
  // Broadcast shapes: [n, 1] and [3] give [n, 3].
  ValuePtr x = Value::tensor({b, s, h});
  ValuePtr column = Value::tensor({r, Expr(1)}, Value::DType::Integer), three = Value::tensor({Expr(3)}, Value::DType::Integer);
  EXPECT_EQ(shape_of(index_tensor(*x, *Value::tuple({column, three}))), (Shape{r, Expr(3), h}));
  // Separated by a slice: the broadcast shape comes first (as in NumPy and PyTorch).
  ValuePtr all = Value::slice(Value::none(), Value::none(), Value::none());
  EXPECT_EQ(shape_of(index_tensor(*x, *Value::tuple({rows, all, positions}))), (Shape{r, s}));
}

TEST(TensorShapes, ComputedOffsetsFromTheEndClampAsPythonDoes) {
  // keys[:, :, -w + 1:, :] with w a symbol known to be 4: min(size, w - 1) elements, as Python
  // keeps all of a dim shorter than the offset; a literal offset is taken to lie within the dim.
  const Expr w = Expr::symbol("config.sliding_window");
  ValuePtr keys = Value::tensor({b, Expr(4), s, Expr(16)});
  ValuePtr offset = Value::number(-w + Expr(1), GiNaC::numeric(-3));
  ValuePtr kept = index_tensor(*keys, *Value::tuple({Value::slice(Value::none(), Value::none(), Value::none()),
                                                     Value::slice(Value::none(), Value::none(), Value::none()),
                                                     Value::slice(offset, Value::none(), Value::none()),
                                                     Value::slice(Value::none(), Value::none(), Value::none())}));
  EXPECT_EQ(shape_of(kept), (Shape{b, Expr(4), Expr::min(s, w - Expr(1)), Expr(16)}));
  ValuePtr literal = index_tensor(*keys, *Value::tuple({Value::ellipsis(), Value::slice(n(-3), Value::none(), Value::none()),
                                                        Value::slice(Value::none(), Value::none(), Value::none())}));
  EXPECT_EQ(shape_of(literal), (Shape{b, Expr(4), Expr(3), Expr(16)}));
  // x[:, :, -seq_len:] (seq_len not known here) on a conv output of seq_len + k positions: minus
  // a size counts from the end, the last seq_len of them; a plain symbol from the start.
  const Expr k = Expr::symbol("config.conv_kernel");
  ValuePtr conv = Value::tensor({b, h, s + k});
  ValuePtr all = Value::slice(Value::none(), Value::none(), Value::none());
  EXPECT_EQ(shape_of(index_tensor(*conv, *Value::tuple({all, all, Value::slice(sym(-s), Value::none(), Value::none())}))),
            (Shape{b, h, s}));
  EXPECT_EQ(shape_of(index_tensor(*conv, *Value::tuple({all, all, Value::slice(Value::none(), sym(s), Value::none())}))),
            (Shape{b, h, s}));
}

}  // namespace
}  // namespace kcost

namespace kcost {
namespace {

// A creation op given another tensor's dtype (`torch.ones(n, dtype=mask.dtype)`) makes a tensor of
// that dtype's class; `.dtype` of a tensor is its class (bool, integer, floating).
TEST(TensorOps, CreationTakesAnotherTensorsDtype) {
  auto dtype_of = [](const char* klass) {
    auto d = std::make_shared<Value>(*Value::opaque("dtype"));
    d->str = klass;
    return d;
  };
  const Expr b = Expr::symbol("batch_size");
  EXPECT_EQ(shape_op("ones", nullptr, {{"", Value::integer(2), ""}, {"dtype", dtype_of("integer"), ""}})->dtype, Value::DType::Integer);
  EXPECT_EQ(shape_op("zeros", nullptr, {{"", Value::number(b), ""}, {"dtype", dtype_of("bool"), ""}})->dtype, Value::DType::Bool);
  EXPECT_EQ(shape_op("ones", nullptr, {{"", Value::integer(2), ""}, {"dtype", dtype_of("float"), ""}})->dtype, Value::DType::Float);
  EXPECT_EQ(shape_op("eye", nullptr, {{"", Value::number(b), ""}, {"dtype", dtype_of("bool"), ""}})->dtype, Value::DType::Bool);
}

// x.to(dtype), x.to(other), x.type(dtype) and x.bool() make x of that class; a device or an
// unknown dtype leaves x's (`(mask > 0).to(self.dtype)`: XLNet's float attention mask).
TEST(TensorOps, ConversionsTakeTheDtypeGiven) {
  const Expr b = Expr::symbol("batch_size");
  ValuePtr mask = Value::tensor({b, Expr(3)}, Value::DType::Bool);
  auto opaque_dtype = std::make_shared<Value>(*Value::opaque("dtype"));
  opaque_dtype->str = "float";
  auto global = [](const char* name) {
    auto g = std::make_shared<Value>(*Value::opaque(name));
    g->kind = Value::Kind::Global;
    g->qualname = name;
    return g;
  };
  EXPECT_EQ(shape_op("to", mask, {{"", opaque_dtype, ""}})->dtype, Value::DType::Float);
  EXPECT_EQ(shape_op("to", mask, {{"dtype", global("torch.long"), ""}})->dtype, Value::DType::Integer);
  EXPECT_EQ(shape_op("to", mask, {{"", Value::string("cpu"), ""}, {"", global("torch.float16"), ""}})->dtype, Value::DType::Float);
  EXPECT_EQ(shape_op("to", mask, {{"", Value::tensor({b}, Value::DType::Integer), ""}})->dtype, Value::DType::Integer);
  EXPECT_EQ(shape_op("type", mask, {{"", global("torch.float32"), ""}})->dtype, Value::DType::Float);
  EXPECT_EQ(shape_op("to", mask, {{"", Value::string("cpu"), ""}})->dtype, Value::DType::Bool);
  EXPECT_EQ(shape_op("to", mask, {{"", Value::unknown("self.dtype"), ""}})->dtype, Value::DType::Bool);
  EXPECT_EQ(shape_op("bool", Value::tensor({b}), {})->dtype, Value::DType::Bool);
  EXPECT_EQ(shape_op("to", mask, {})->shape, mask->shape);
}

TEST(TensorOps, SplitByCountsARoutingGivesAsManyPiecesOfTheMeanRows) {
  // JetMoE: inputs.split(expert_size, dim=0), expert_size = counts.tolist() of E experts: E pieces,
  // R / E rows each on average (the sizes sum to R), summed R.
  const Expr R = b * s * Expr(2), E = Expr::symbol("config.num_local_experts");
  ValuePtr x = Value::tensor({R, h});
  ValuePtr sizes = Value::repeated_list(Value::number(R / E), E, {});
  ValuePtr parts = shape_op("split", x, {pos(sizes), kw("dim", n(0))});
  ASSERT_TRUE(parts->is(Value::Kind::List) && parts->element) << parts->describe();
  EXPECT_EQ(parts->length, E);
  EXPECT_EQ(shape_of(parts->element), (Shape{R / E, h}));
  // tolist of a tensor that is not a routing's counts: its values are data.
  ValuePtr listed = shape_op("tolist", Value::tensor({E}, Value::DType::Integer), {});
  EXPECT_TRUE(listed->is(Value::Kind::Unknown));
  EXPECT_TRUE(is_zero_cost_op("tolist"));
}

}  // namespace
}  // namespace kcost
