#include "trace/leaf_binding.h"

#include <algorithm>
#include <map>
#include <set>

#include "leaves/leaf_catalog.h"
#include "leaves/operand_widths.h"
#include "trace/routing.h"
#include "trace/tensor_ops.h"
#include "trace/tensor_shapes.h"

namespace kcost {

namespace {

using Params = std::vector<std::string>;

// The operands of an op: the method's tensor first, then the positional arguments.
std::vector<ValuePtr> operands(const LeafCall& c) {
  std::vector<ValuePtr> out;
  if (c.self) out.push_back(c.self);
  for (const auto& a : c.args)
    if (a.name.empty()) out.push_back(a.value);
  return out;
}

// Argument i counting the method's tensor as argument 0 (torch.mean(x, dim) == x.mean(dim)).
ValuePtr arg(const LeafCall& c, size_t i, const std::string& name) {
  if (c.self) {
    if (i == 0) return c.self;
    return argument(c.args, i - 1, name);
  }
  return argument(c.args, i, name);
}

ValuePtr ctor(const LeafCall& c, const std::string& name) {
  auto it = c.ctor.find(name);
  return it == c.ctor.end() ? nullptr : it->second;
}

Expr elements(const ValuePtr& v) { return is_tensor(v) ? numel(v->shape) : Expr(0); }

// The elements read from `v`, an operand after the operands in `before`: none when it is one of
// them (the same value: `x * x`, torch.mul(x, x)), since one kernel given one tensor twice reads
// it from memory once; its own elements otherwise (0 for a number).
Expr elements_read(const ValuePtr& v, std::initializer_list<ValuePtr> before) {
  for (const ValuePtr& earlier : before)
    if (is_tensor(v) && v == earlier) return Expr(0);
  return elements(v);
}

Expr flag(const ValuePtr& v, bool dflt) {
  if (!v) return Expr(dflt ? 1 : 0);
  if (v->is(Value::Kind::Number)) return v->expr;
  if (v->is(Value::Kind::None)) return Expr(0);
  if (v->is(Value::Kind::Tensor)) return Expr(1);
  return Expr(dflt ? 1 : 0);
}

LeafBinding fail(const std::string& why) {
  LeafBinding b;
  b.why = why;
  return b;
}

LeafBinding done(std::vector<std::pair<std::string, Expr>> bindings, ValuePtr output, std::string why) {
  LeafBinding b;
  b.ok = true;
  b.bindings = std::move(bindings);
  b.output = std::move(output);
  b.why = std::move(why);
  return b;
}

LeafBinding with_operands(LeafBinding b, std::map<std::string, ValuePtr> operands) {
  if (b.ok) b.operands = std::move(operands);
  return b;
}

// The output of an op: a tensor of `s` like `model` (its dtype class), or a fresh tensor.
ValuePtr output_like(const ValuePtr& model, Shape s) {
  return model ? with_shape(*model, std::move(s)) : Value::tensor(std::move(s));
}

ValuePtr first_tensor(const LeafCall& c) {
  for (const auto& v : operands(c))
    if (is_tensor(v)) return v;
  for (const auto& a : c.args)
    if (is_tensor(a.value)) return a.value;
  return nullptr;
}

LeafBinding reduction(const LeafCall& c);

// Ops that reduce along dims (their output shape is not their input's), whatever parameters a
// leaf library gives them.
bool is_reduction(const std::string& op) {
  static const std::set<std::string> ops = {"sum", "mean", "amax", "amin", "max", "min", "prod", "norm", "var", "std",
                                            "argmax", "argmin", "all", "any", "logsumexp", "count_nonzero"};
  return ops.count(op) > 0;
}

// One parameter, num_elements: the elements of the output (created, reduced from, or the
// broadcast of the tensor operands).
LeafBinding unary(const LeafCall& c) {
  if (has_shape_rule(c.op)) {
    ValuePtr out = shape_op(c.op, c.self, c.args);
    if (!out || !is_tensor(out)) return fail(c.op + ": " + (out ? out->describe() : "no shape"));
    return done({{"num_elements", numel(out->shape)}}, out, "num_elements = elements created " + shape_text(out->shape));
  }
  ValuePtr x = first_tensor(c);
  if (!x) return fail(c.op + " without a tensor operand");
  if (is_reduction(c.op)) {
    // A library that prices a reduction by its input elements alone (num_elements): the
    // output still has the reduced shape.
    LeafBinding r = reduction(c);
    if (!r.ok) return r;
    return done({{"num_elements", numel(x->shape)}}, r.output, "num_elements = elements of the input " + shape_text(x->shape) + "; " + r.why);
  }
  Shape out = x->shape;
  bool broadcast_operands = false;
  for (const auto& v : operands(c))
    if (is_tensor(v) && v != x) {
      out = broadcast(out, v->shape);
      broadcast_operands = true;
    }
  ValuePtr result = broadcast_operands ? output_like(x, out) : x;
  // torch.sort returns the sorted values and the int64 positions they came from.
  if (c.op == "sort") result = Value::tuple({result, with_dtype(*result, Value::DType::Integer)});
  return done({{"num_elements", numel(out)}}, result,
              broadcast_operands ? "num_elements = elements of the output " + shape_text(out) + ", broadcast from the operands"
                                 : "num_elements = elements of the input " + shape_text(x->shape));
}

// A creation op whose leaf prices the width of what it makes (element_bytes: `bytes` for a
// float result, 8 for int64, 1 for bool).
LeafBinding created(const LeafCall& c) {
  LeafBinding b = unary(c);
  if (!b.ok || !is_tensor(b.output)) return b;
  Expr width = b.output->dtype == Value::DType::Float     ? Expr::symbol("bytes")
               : b.output->dtype == Value::DType::Integer ? Expr(8)
                                                          : Expr(1);
  b.bindings.push_back({"element_bytes", width});
  return b;
}

// clamp(x, min, max) with tensor bounds: each bound read once (its own elements; 0 for a number
// or None), the output the broadcast of all three.
LeafBinding clamp(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail(c.op + " of a non-tensor");
  ValuePtr lo = arg(c, 1, "min"), hi = arg(c, 2, "max");
  Shape out = x->shape;
  for (const ValuePtr& bound : {lo, hi})
    if (is_tensor(bound)) out = broadcast(out, bound->shape);
  return done({{"num_elements", numel(out)}, {"a_elements", numel(x->shape)}, {"min_elements", elements(lo)},
               {"max_elements", elements(hi)}},
              output_like(x, out), "output " + shape_text(out) + "; bounds " + (lo ? lo->describe() : "none") + ", " +
                                       (hi ? hi->describe() : "none"));
}

LeafBinding binary(const LeafCall& c, bool where) {
  std::vector<ValuePtr> ops = operands(c);
  if (where) {
    if (ops.size() < 3) return fail("where with fewer than three operands");
    ValuePtr cond = ops[0], a = ops[1], b = ops[2];
    Shape out = broadcast(broadcast(is_tensor(cond) ? cond->shape : Shape{}, is_tensor(a) ? a->shape : Shape{}),
                          is_tensor(b) ? b->shape : Shape{});
    return with_operands(done({{"num_elements", numel(out)}, {"a_elements", elements_read(a, {cond})},
                               {"b_elements", elements_read(b, {cond, a})}, {"c_elements", elements(cond)}},
                              output_like(is_tensor(a) ? a : cond, out), "output " + shape_text(out) + " broadcast from the operands"),
                         {{"a", a}, {"b", b}, {"c", cond}});
  }
  if (ops.size() < 2) {
    // x.pow(exponent=2), torch.add(x, other=y)
    ValuePtr other = argument(c.args, 0, "other");
    if (!other) other = argument(c.args, 0, "exponent");
    if (other && ops.size() == 1) ops.push_back(other);
  }
  if (ops.size() < 2) return fail(c.op + " with fewer than two operands");
  ValuePtr a = ops[0], b = ops[1];
  if (!is_tensor(a) && !is_tensor(b)) return fail(c.op + " of two non-tensors");
  Shape out = broadcast(is_tensor(a) ? a->shape : Shape{}, is_tensor(b) ? b->shape : Shape{});
  ValuePtr model = is_tensor(a) ? a : b;
  std::string why = "output " + shape_text(out) + " = broadcast of " +
                    (is_tensor(a) ? shape_text(a->shape) : "a scalar") + " and " +
                    (is_tensor(b) ? shape_text(b->shape) : "a scalar");
  // A comparison's elements are bools, whatever it compares.
  static const std::set<std::string> comparisons = {"eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
                                                    "less_equal", "not_equal", "__eq__", "__ne__", "__lt__", "__le__",
                                                    "__gt__", "__ge__"};
  ValuePtr result = output_like(model, out);
  if (comparisons.count(c.op)) result = with_dtype(*result, Value::DType::Bool);
  if (is_tensor(b) && b == a) why += "; b is the same tensor as a, read once (b_elements = 0)";
  return with_operands(
      done({{"num_elements", numel(out)}, {"a_elements", elements(a)}, {"b_elements", elements_read(b, {a})}}, result, why),
      {{"a", a}, {"b", b}});
}

LeafBinding reduction(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail(c.op + " of a non-tensor");
  const Shape& in = x->shape;
  if (c.op == "cumsum" || c.op == "cumprod")
    return done({{"num_elements", numel(in)}, {"out_elements", numel(in)}}, x, "a scan keeps the shape " + shape_text(in));
  if (c.op == "repeat") {
    // x.repeat(*sizes): the tensor tiled; sizes (positional, or one tuple) longer than its rank
    // add leading dims.
    std::vector<ValuePtr> sizes;
    for (size_t i = 1;; ++i) {
      ValuePtr r = arg(c, i, "");
      if (!r) break;
      sizes.push_back(r);
    }
    if (sizes.size() == 1 && (sizes[0]->is(Value::Kind::Tuple) || sizes[0]->is(Value::Kind::List))) sizes = sizes[0]->items;
    if (sizes.size() < in.size()) return fail("repeat with fewer sizes than dims");
    Shape out;
    size_t lead = sizes.size() - in.size();
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (!sizes[i]->is(Value::Kind::Number)) return fail("repeat with a size that is not a number");
      out.push_back(i < lead ? sizes[i]->expr : in[i - lead] * sizes[i]->expr);
    }
    return done({{"num_elements", numel(in)}, {"out_elements", numel(out)}}, output_like(x, out),
                "tiles " + shape_text(in) + " into " + shape_text(out));
  }
  if (c.op == "repeat_interleave") {
    ValuePtr repeats = arg(c, 1, "repeats"), dim = arg(c, 2, "dim");
    if (!repeats || !repeats->is(Value::Kind::Number)) return fail("repeat_interleave with tensor repeats");
    Shape out;
    if (!dim || dim->is(Value::Kind::None)) {
      out = {numel(in) * repeats->expr};
    } else {
      auto d = dim_index(*dim, in.size());
      if (!d) return fail("repeat_interleave along an unknown dim");
      out = in;
      out[*d] = in[*d] * repeats->expr;
    }
    return done({{"num_elements", numel(in)}, {"out_elements", numel(out)}}, output_like(x, out),
                "repeats " + repeats->expr.str() + " times");
  }
  if (c.op == "pad") {
    // F.pad(x, (left, right, top, bottom, ...)): pairs pad the dims from the last backwards (a
    // negative one crops); sizes may be formulas (a conv state padded up to the kernel size).
    ValuePtr pads = arg(c, 1, "pad");
    if (!pads || !(pads->is(Value::Kind::Tuple) || pads->is(Value::Kind::List)) || pads->items.size() % 2 ||
        pads->items.size() / 2 > in.size())
      return fail("pad with a padding that is not pairs of sizes");
    Shape out = in;
    for (size_t i = 0; i < pads->items.size(); ++i) {
      if (!pads->items[i]->is(Value::Kind::Number)) return fail("pad with a padding that is not a number");
      size_t d = in.size() - 1 - i / 2;
      out[d] = out[d] + pads->items[i]->expr;
    }
    return done({{"num_elements", numel(in)}, {"out_elements", numel(out)}}, output_like(x, out),
                "pads " + shape_text(in) + " to " + shape_text(out));
  }
  ValuePtr dim = arg(c, 1, "dim");
  ValuePtr keep = arg(c, 2, "keepdim");
  bool keepdim = keep && keep->truth().value_or(false);
  std::vector<bool> reduced(in.size(), false);
  if (!dim || dim->is(Value::Kind::None)) {
    reduced.assign(in.size(), true);
  } else {
    std::vector<ValuePtr> dims = (dim->is(Value::Kind::Tuple) || dim->is(Value::Kind::List)) ? dim->items : std::vector<ValuePtr>{dim};
    for (const auto& d : dims) {
      auto i = dim_index(*d, in.size());
      if (!i) return fail(c.op + " along an unknown dim");
      reduced[*i] = true;
    }
  }
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!reduced[i]) out.push_back(in[i]);
    else if (keepdim) out.push_back(Expr(1));
  }
  ValuePtr result = output_like(x, out);
  if ((c.op == "max" || c.op == "min") && dim && !dim->is(Value::Kind::None)) result = Value::tuple({result, result});
  return done({{"num_elements", numel(in)}, {"out_elements", numel(out)}}, result,
              "reduces " + shape_text(in) + " to " + shape_text(out));
}

LeafBinding linear(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x) || x->shape.empty()) return fail("linear of a non-tensor");
  ValuePtr weight;
  Shape lead(x->shape.begin(), x->shape.end() - 1);
  Expr m = numel(lead);
  Expr k, n, bias;
  std::string source;
  if (c.module) {
    ValuePtr in = ctor(c, "in_features"), out = ctor(c, "out_features");
    if (!in || !out || !in->is(Value::Kind::Number) || !out->is(Value::Kind::Number))
      return fail("Linear constructor without numeric in_features/out_features");
    k = in->expr;
    n = out->expr;
    bias = flag(ctor(c, "bias"), true);
    source = "K, N, has_bias from the constructor (in_features, out_features, bias)";
  } else {
    ValuePtr w = arg(c, 1, "weight");
    if (!is_tensor(w) || w->shape.size() != 2) return fail("F.linear with a weight of unknown shape");
    weight = w;
    n = w->shape[0];
    k = w->shape[1];
    bias = flag(arg(c, 2, "bias"), false);
    source = "N, K from the weight shape " + shape_text(w->shape);
  }
  lead.push_back(n);
  return with_operands(done({{"M", m}, {"K", k}, {"N", n}, {"has_bias", bias}}, output_like(x, lead),
                            "M = product of the leading dims of the input " + shape_text(x->shape) + "; " + source),
                       {{"weight", weight}});
}

LeafBinding matmul(const LeafCall& c, const Params& params) {
  std::vector<ValuePtr> ops = operands(c);
  size_t first = (c.op == "baddbmm" || c.op == "addmm" || c.op == "addbmm") ? 1 : 0;
  // Operands given by keyword (Bloom's alibi.baddbmm(batch1=query, batch2=key)): torch's
  // parameter names, the method's tensor being `input`.
  static const std::map<std::string, std::vector<std::string>> kOperandNames = {
      {"baddbmm", {"input", "batch1", "batch2"}}, {"addbmm", {"input", "batch1", "batch2"}},
      {"addmm", {"input", "mat1", "mat2"}},       {"bmm", {"input", "mat2"}},
      {"mm", {"input", "mat2"}}};
  if (auto names = kOperandNames.find(c.op); names != kOperandNames.end() && ops.size() < names->second.size()) {
    std::vector<ValuePtr> named;
    for (size_t i = 0; i < names->second.size(); ++i) named.push_back(arg(c, i, names->second[i]));
    if (std::all_of(named.begin(), named.end(), [](const ValuePtr& v) { return v != nullptr; })) ops = named;
  }
  if (ops.size() < first + 2) {
    ValuePtr other = argument(c.args, 0, "other");
    if (other && ops.size() == 1) ops.push_back(other);
  }
  if (ops.size() < first + 2 || !is_tensor(ops[first]) || !is_tensor(ops[first + 1]))
    return fail(c.op + " without two tensor operands");
  Shape a = ops[first]->shape, b = ops[first + 1]->shape;
  if (a.size() == 1) a.insert(a.begin(), Expr(1));
  bool vec_b = b.size() == 1;
  if (vec_b) b.push_back(Expr(1));
  if (a.size() < 2 || b.size() < 2) return fail(c.op + " of tensors of rank < 2");
  Expr m = a[a.size() - 2], k = a.back(), n = b.back();
  Shape batch = broadcast(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  Shape out = batch;
  out.push_back(m);
  if (!vec_b) out.push_back(n);
  std::string why = shape_text(ops[first]->shape) + " @ " + shape_text(ops[first + 1]->shape);
  std::map<std::string, ValuePtr> roles = {{"a", ops[first]}, {"b", ops[first + 1]}};
  if (first == 1) roles["c"] = ops[0];
  if (params.size() == 3)  // mm, addmm
    return with_operands(done({{"M", m}, {"K", k}, {"N", n}}, output_like(ops[first], out), why), roles);
  if (params.size() == 6)  // with each operand's own elements: a broadcast operand is read once
    return with_operands(done({{"B", numel(batch)}, {"M", m}, {"K", k}, {"N", n}, {"a_elements", numel(ops[first]->shape)},
                               {"b_elements", elements_read(ops[first + 1], {ops[first]})}},
                              output_like(ops[first], out), why),
                         roles);
  return with_operands(done({{"B", numel(batch)}, {"M", m}, {"K", k}, {"N", n}}, output_like(ops[first], out), why), roles);
}

LeafBinding sdpa(const LeafCall& c) {
  ValuePtr q = arg(c, 0, "query"), k = arg(c, 1, "key"), v = arg(c, 2, "value"), mask = arg(c, 3, "attn_mask");
  if (!is_tensor(q) || !is_tensor(k) || !is_tensor(v) || q->shape.size() != 4 || k->shape.size() != 4 ||
      v->shape.size() != 4)
    return fail("scaled_dot_product_attention needs rank-4 query, key and value");
  if (mask && mask->is(Value::Kind::Unknown))
    return fail("scaled_dot_product_attention with a mask that could not be modelled: " + mask->describe());
  Expr mask_elements(0);
  std::string mask_why = "no mask";
  if (is_tensor(mask)) {
    // A float mask is read at the model's width, a bool mask at a byte per element.
    Expr per_element = mask->dtype == Value::DType::Float ? Expr::symbol("bytes") : Expr(1);
    mask_elements = numel(mask->shape) * per_element;
    if (mask->presence) mask_elements = Expr::if_else(*mask->presence, mask_elements, Expr(0));
    mask_why = "mask " + shape_text(mask->shape) + (mask->presence ? " present when " + mask->presence->str() : "");
  }
  Shape out = {q->shape[0], q->shape[1], q->shape[2], v->shape[3]};
  return with_operands(done({{"B", q->shape[0]}, {"H_q", q->shape[1]}, {"H_kv", k->shape[1]}, {"S_q", q->shape[2]},
                             {"S_kv", k->shape[2]}, {"D", q->shape[3]}, {"D_v", v->shape[3]}, {"mask_elements", mask_elements}},
                            output_like(q, out),
                            "query " + shape_text(q->shape) + ", key " + shape_text(k->shape) + ", value " +
                                shape_text(v->shape) + "; " + mask_why),
                       {{"kv", k}});
}

LeafBinding embedding(const LeafCall& c) {
  ValuePtr idx = arg(c, 0, "input");
  if (!is_tensor(idx)) return fail("embedding of a non-tensor");
  Expr dim;
  ValuePtr table;
  if (c.module) {
    ValuePtr d = ctor(c, "embedding_dim");
    if (!d || !d->is(Value::Kind::Number)) return fail("Embedding constructor without a numeric embedding_dim");
    dim = d->expr;
  } else {
    ValuePtr w = arg(c, 1, "weight");
    if (!is_tensor(w) || w->shape.size() != 2) return fail("F.embedding with a weight of unknown shape");
    table = w;
    dim = w->shape[1];
  }
  Shape out = idx->shape;
  out.push_back(dim);
  ValuePtr result = Value::tensor(out);
  return with_operands(done({{"num_indices", numel(idx->shape)}, {"embedding_dim", dim}}, result,
                            "num_indices = elements of the indices " + shape_text(idx->shape)),
                       {{"weight", table}});
}

LeafBinding norm(const LeafCall& c, const Params& params) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail(c.op + " of a non-tensor");
  ValuePtr shape = c.module ? ctor(c, "normalized_shape") : arg(c, 1, "normalized_shape");
  Expr size(1);
  if (shape && shape->is(Value::Kind::Number)) size = shape->expr;
  else if (shape && (shape->is(Value::Kind::Tuple) || shape->is(Value::Kind::List)))
    for (const auto& d : shape->items) size = size * (d->is(Value::Kind::Number) ? d->expr : Expr(1));
  else return fail(c.op + " with an unknown normalized_shape");
  std::vector<std::pair<std::string, Expr>> b = {{"num_elements", numel(x->shape)}, {"normalized_size", size}};
  Expr weight = c.module ? flag(ctor(c, "elementwise_affine"), true) : flag(arg(c, 2, "weight"), false);
  if (std::find(params.begin(), params.end(), "has_weight") != params.end()) b.push_back({"has_weight", weight});
  if (std::find(params.begin(), params.end(), "has_bias") != params.end()) {
    Expr bias = c.module ? weight * flag(ctor(c, "bias"), true) : flag(arg(c, 3, "bias"), false);
    b.push_back({"has_bias", bias});
  }
  return with_operands(done(b, x, "normalizes " + shape_text(x->shape) + " over the last " + size.str() + " elements"),
                       {{"weight", c.module ? nullptr : arg(c, 2, "weight")}});
}


// The dim argument of an op (`dim` keyword or position `i` counting the method's tensor), as an
// index into a tensor of rank `rank`; `dflt` when absent.
std::optional<size_t> dim_arg(const LeafCall& c, size_t i, size_t rank, std::optional<long long> dflt) {
  ValuePtr d = arg(c, i, "dim");
  if (!d || d->is(Value::Kind::None)) {
    if (!dflt) return std::nullopt;
    return dim_index(*Value::integer(*dflt), rank);
  }
  return dim_index(*d, rank);
}

// scatter / scatter_add (out of place) and scatter_ / scatter_add_ (in place):
// x.scatter(dim, index, src | value=...).
LeafBinding scatter(const LeafCall& c, const Params& p) {
  ValuePtr x = arg(c, 0, "input"), index = arg(c, 2, "index"), src = arg(c, 3, "src");
  if (!src) src = arg(c, 3, "value");
  if (!is_tensor(x) || !is_tensor(index)) return fail(c.op + " without a tensor input and index");
  std::vector<std::pair<std::string, Expr>> b;
  for (const auto& name : p) {
    if (name == "num_elements") b.push_back({name, numel(x->shape)});
    else if (name == "index_elements") b.push_back({name, numel(index->shape)});
    else if (name == "has_src") b.push_back({name, Expr(is_tensor(src) ? 1 : 0)});
  }
  return done(b, x, "index " + shape_text(index->shape) + " into " + shape_text(x->shape) +
                        (is_tensor(src) ? " from a tensor" : " from a scalar"));
}

LeafBinding masked_fill(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input"), mask = arg(c, 1, "mask");
  if (!is_tensor(x) || !is_tensor(mask)) return fail("masked_fill without a tensor input and mask");
  return done({{"num_elements", numel(x->shape)}, {"mask_elements", numel(mask->shape)}}, x,
              "input " + shape_text(x->shape) + ", mask " + shape_text(mask->shape));
}

// index_select(input, dim, index), index_add(input, dim, index, source), x.index_add_(dim, index,
// source): num_indices = index elements; a slice is the data tensor without its indexed dim.
LeafBinding index_slices(const LeafCall& c, const Params& p) {
  ValuePtr x = arg(c, 0, "input"), index = arg(c, 2, "index"), source = arg(c, 3, "source");
  if (!is_tensor(x) || !is_tensor(index)) return fail(c.op + " without a tensor input and index");
  ValuePtr data = is_tensor(source) ? source : x;
  auto d = dim_arg(c, 1, data->shape.size(), std::nullopt);
  if (!d) return fail(c.op + " along an unknown dim");
  Expr indices = numel(index->shape);
  Expr slice(1);  // the elements of one slice: the other dims (an empty source, [0, h], has slices of h)
  for (size_t i = 0; i < data->shape.size(); ++i)
    if (i != *d) slice *= data->shape[i];
  ValuePtr out = x;
  if (c.op == "index_select") {
    Shape s = x->shape;
    s[*d] = indices;
    out = with_shape(*x, s);
  }
  std::vector<std::pair<std::string, Expr>> b;
  for (const auto& name : p) {
    if (name == "num_elements") b.push_back({name, numel(x->shape)});
    else if (name == "num_indices") b.push_back({name, indices});
    else if (name == "slice_elements") b.push_back({name, slice});
  }
  return done(b, out, shape_text(index->shape) + " indices of slices of " + shape_text(data->shape) + " along dim " +
                          std::to_string(*d));
}

LeafBinding topk(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input"), k = arg(c, 1, "k");
  if (!is_tensor(x) || x->shape.empty()) return fail("topk of a non-tensor");
  if (!k || !k->is(Value::Kind::Number)) return fail("topk with a k that is not a number");
  auto d = dim_arg(c, 2, x->shape.size(), -1);
  if (!d) return fail("topk along an unknown dim");
  Shape s = x->shape;
  s[*d] = k->expr;
  Expr rows = numel(x->shape) / x->shape[*d];
  // Indices along the last dim are routing indices (trace/routing.h: distinct along it).
  ValuePtr indices = Value::tensor(s, Value::DType::Integer);
  if (*d + 1 == s.size()) indices = routing_indices(indices, x->shape[*d]);
  return done({{"num_elements", numel(x->shape)}, {"rows", rows}, {"k", k->expr}},
              Value::tuple({with_shape(*x, s), indices}),
              "the top " + k->expr.str() + " of " + shape_text(x->shape) + " along dim " + std::to_string(*d));
}

LeafBinding one_hot(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "tensor"), classes = arg(c, 1, "num_classes");
  if (!is_tensor(x)) return fail("one_hot of a non-tensor");
  if (!classes || !classes->is(Value::Kind::Number) || (classes->known && *classes->known < 0))
    return fail("one_hot without num_classes (the number of classes would depend on the data)");
  Shape s = x->shape;
  s.push_back(classes->expr);
  return done({{"num_indices", numel(x->shape)}, {"num_classes", classes->expr}},
              routing_mask(*x, classes->expr, Value::tensor(s, Value::DType::Integer)),
              shape_text(x->shape) + " indices into " + classes->expr.str() + " classes");
}

// nonzero(x) / x.nonzero(as_tuple=...) / torch.where(x): the indices of x's nonzero elements.
// How many there are is data: known for a real run's call whose elements were recorded, and
// for the routing tensors of a mixture-of-experts layer (trace/routing.h); unknown otherwise.
LeafBinding nonzero(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail(c.op + " of a non-tensor");
  std::optional<Expr> n = nonzero_count(*x);
  if (!n) return fail("how many elements of " + shape_text(x->shape) + " are nonzero depends on the data");
  ValuePtr tuple_flag = argument(c.args, 99, "as_tuple");
  bool as_tuple = c.op == "where" || (tuple_flag && tuple_flag->truth().value_or(false));
  Expr element = x->dtype == Value::DType::Bool ? Expr(1)
                 : x->dtype == Value::DType::Integer ? Expr(8)
                                                     : Expr::symbol(LeafCatalog::kBytesSymbol);
  return done({{"num_elements", numel(x->shape)}, {"element_bytes", element}, {"num_nonzero", *n},
               {"ndim", Expr(static_cast<long long>(x->shape.size()))}},
              nonzero_output(*x, *n, as_tuple), n->str() + " nonzero of " + shape_text(x->shape));
}

LeafBinding normalize(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail("normalize of a non-tensor");
  auto d = dim_arg(c, 2, x->shape.size(), 1);
  if (!d) return fail("normalize along an unknown dim");
  return done({{"num_elements", numel(x->shape)}, {"normalized_size", x->shape[*d]}}, x,
              "normalizes " + shape_text(x->shape) + " along dim " + std::to_string(*d));
}

// A conv argument given as an int or a 1-tuple (kernel_size=(4,), padding=3).
std::optional<Expr> conv_size(const ValuePtr& v, long long dflt) {
  if (!v) return Expr(dflt);
  if (v->is(Value::Kind::Number)) return v->expr;
  if ((v->is(Value::Kind::Tuple) || v->is(Value::Kind::List)) && v->items.size() == 1 && v->items[0]->is(Value::Kind::Number))
    return v->items[0]->expr;
  return std::nullopt;
}

LeafBinding conv1d(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x) || (x->shape.size() != 3 && x->shape.size() != 2)) return fail("conv1d of a tensor that is not [B, C, L] or [C, L]");
  bool batched = x->shape.size() == 3;
  Expr batch = batched ? x->shape[0] : Expr(1), c_in = x->shape[batched ? 1 : 0], l_in = x->shape.back();
  auto get = [&](const char* name, size_t position) { return c.module ? ctor(c, name) : arg(c, position, name); };
  std::optional<Expr> kernel, c_out, bias;
  if (c.module) {
    ValuePtr out = ctor(c, "out_channels");
    if (!out || !out->is(Value::Kind::Number)) return fail("Conv1d constructor without a numeric out_channels");
    c_out = out->expr;
    kernel = conv_size(ctor(c, "kernel_size"), 1);
    bias = flag(ctor(c, "bias"), true);
  } else {
    ValuePtr w = arg(c, 1, "weight");
    if (!is_tensor(w) || w->shape.size() != 3) return fail("conv1d with a weight of unknown shape");
    c_out = w->shape[0];
    kernel = w->shape[2];
    bias = flag(arg(c, 2, "bias"), false);
  }
  std::optional<Expr> stride = conv_size(get("stride", 3), 1), dilation = conv_size(get("dilation", 5), 1);
  std::optional<Expr> groups = conv_size(get("groups", 6), 1);
  ValuePtr pad = get("padding", 4);
  if (!kernel || !stride || !dilation || !groups) return fail("conv1d with sizes that are not numbers");
  std::optional<Expr> l_out;
  if (pad && pad->is(Value::Kind::String)) {
    if (pad->str == "same") l_out = l_in;
    else if (pad->str == "valid") pad = nullptr;
    else return fail("conv1d with padding '" + pad->str + "'");
  }
  if (!l_out) {
    std::optional<Expr> padding = conv_size(pad, 0);
    if (!padding) return fail("conv1d with a padding that is not a number");
    l_out = Expr::floordiv(l_in + Expr(2) * *padding - *dilation * (*kernel - Expr(1)) - Expr(1), *stride) + Expr(1);
  }
  Shape out = batched ? Shape{batch, *c_out, *l_out} : Shape{*c_out, *l_out};
  return with_operands(done({{"B", batch}, {"C_in", c_in}, {"L_in", l_in}, {"C_out", *c_out}, {"L_out", *l_out},
                             {"kernel_size", *kernel}, {"groups", *groups}, {"has_bias", *bias}},
                            output_like(x, out), "input " + shape_text(x->shape) + " -> " + shape_text(out)),
                       {{"weight", c.module ? nullptr : arg(c, 1, "weight")}});
}

LeafBinding group_norm(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x) || x->shape.size() < 2) return fail("group_norm of a tensor without channels");
  ValuePtr groups = c.module ? ctor(c, "num_groups") : arg(c, 1, "num_groups");
  if (!groups || !groups->is(Value::Kind::Number)) return fail("group_norm without a numeric num_groups");
  Expr affine = c.module ? flag(ctor(c, "affine"), true) : flag(arg(c, 2, "weight"), false);
  return with_operands(done({{"num_elements", numel(x->shape)}, {"num_groups", groups->expr}, {"num_channels", x->shape[1]},
                             {"has_affine", affine}},
                            x, shape_text(x->shape) + " in " + groups->expr.str() + " groups"),
                       {{"weight", c.module ? nullptr : arg(c, 2, "weight")}});
}

LeafBinding solve_triangular(const LeafCall& c) {
  ValuePtr a = arg(c, 0, "A"), r = arg(c, 1, "B");
  if (!is_tensor(a) || !is_tensor(r) || a->shape.size() < 2 || r->shape.size() < 2)
    return fail("solve_triangular without matrix operands");
  ValuePtr left = argument(c.args, 99, "left");
  if (left && left->truth() == false) return fail("solve_triangular with left=False");
  Shape batch(r->shape.begin(), r->shape.end() - 2);
  Expr n = a->shape.back(), k = r->shape.back();
  return done({{"B", numel(batch)}, {"N", n}, {"K", k}, {"unitriangular", flag(argument(c.args, 99, "unitriangular"), false)}},
              r, "A " + shape_text(a->shape) + ", right-hand sides " + shape_text(r->shape));
}

LeafBinding prelu(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail("prelu of a non-tensor");
  Expr slopes;
  if (c.module) {
    ValuePtr n = ctor(c, "num_parameters");
    slopes = n && n->is(Value::Kind::Number) ? n->expr : Expr(1);
  } else {
    ValuePtr w = arg(c, 1, "weight");
    if (!is_tensor(w)) return fail("prelu without a weight tensor");
    slopes = numel(w->shape);
  }
  return done({{"num_elements", numel(x->shape)}, {"num_parameters", slopes}}, x,
              shape_text(x->shape) + " with " + slopes.str() + " slopes");
}

LeafBinding histogram(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail(c.op + " of a non-tensor");
  if (c.op == "histc") {
    ValuePtr bins = arg(c, 1, "bins");
    Expr n = bins ? (bins->is(Value::Kind::Number) ? bins->expr : Expr::symbol(Value::kUnknownSymbol)) : Expr(100);
    return done({{"num_elements", numel(x->shape)}, {"bins", n}}, Value::tensor({n}), "histogram of " + shape_text(x->shape));
  }
  ValuePtr minlength = argument(c.args, 99, "minlength");
  if (!minlength && !c.self) minlength = argument(c.args, 2, "minlength");
  if (!minlength || !minlength->is(Value::Kind::Number))
    return fail("bincount without minlength (its length depends on the data)");
  return done({{"num_elements", numel(x->shape)}, {"num_bins", minlength->expr}},
              Value::tensor({minlength->expr}, Value::DType::Integer), "counts of " + shape_text(x->shape));
}

// F.grouped_mm(input [S, K], weights [E, K, N], offs=...): each row meets one of the E matrices.
// The experts whose weights are read (E_read) are those some row reaches, which routing decides
// at run time. When the call's offsets are known (a real run's call, recorded with its small
// integer tensors), E_read is the number of groups that have rows. Otherwise it is
// min(min(E, S), experts_hit): at most one expert per row and at most all of them, bounded by
// the implicit runtime quantity experts_hit (evaluate/experts_hit.h: unset, the bound alone, exact
// at both ends: a decode step's S = top_k rows reach top_k distinct experts, a long prefill all).
std::optional<Expr> groups_with_rows(const ValuePtr& offs) {
  if (!is_tensor(offs) || offs->items.empty() || offs->shape.size() != 1) return std::nullopt;
  long long previous = 0, groups = 0;
  for (const ValuePtr& item : offs->items) {
    std::optional<long long> end = item ? known_int(*item) : std::nullopt;
    if (!end) return std::nullopt;
    if (*end > previous) ++groups;
    previous = *end;
  }
  return Expr(groups);
}

LeafBinding grouped_mm(const LeafCall& c, bool experts_read) {
  ValuePtr a = arg(c, 0, "mat_a"), b = arg(c, 1, "mat_b");
  if (!is_tensor(a) || !is_tensor(b) || a->shape.size() != 2 || b->shape.size() != 3)
    return fail("grouped_mm needs a [S, K] input and [E, K, N] weights");
  std::vector<std::pair<std::string, Expr>> params = {{"S", a->shape[0]}, {"K", a->shape[1]}, {"N", b->shape[2]}, {"E", b->shape[0]}};
  std::string why = shape_text(a->shape) + " rows by " + shape_text(b->shape);
  if (experts_read) {
    ValuePtr offs = arg(c, 2, "offs");
    if (std::optional<Expr> hit = groups_with_rows(offs)) {
      params.push_back({"E_read", *hit});
      why += "; E_read = " + hit->str() + ": the groups the offsets give rows";
    } else {
      params.push_back({"E_read", Expr::min(Expr::min(b->shape[0], a->shape[0]), Expr::symbol("experts_hit"))});
      why += "; E_read = min(E, S, experts_hit): the experts some row reaches, at most one per row; routing decides "
             "which, experts_hit (unset: no further bound) says how many";
    }
  }
  return with_operands(done(params, output_like(a, {a->shape[0], b->shape[2]}), why), {{"weight", b}});
}

// The same quantities under another library's parameter names, in its order: H is the query
// heads, num_lookups the indices, embed_dim the embedding size, norm_size the normalized size,
// has_affine the weight flag.
LeafBinding renamed(LeafBinding b, const Params& params) {
  if (!b.ok) return b;
  static const std::map<std::string, std::string> same = {
      {"H", "H_q"}, {"num_lookups", "num_indices"}, {"embed_dim", "embedding_dim"},
      {"norm_size", "normalized_size"}, {"has_affine", "has_weight"}};
  std::vector<std::pair<std::string, Expr>> out;
  for (const auto& p : params) {
    auto it = same.find(p);
    const std::string& ours = it == same.end() ? p : it->second;
    for (const auto& [name, e] : b.bindings)
      if (name == ours) out.push_back({p, e});
  }
  if (out.size() != params.size()) return fail("parameters " + std::to_string(params.size()) + " not all bound");
  b.bindings = out;
  return b;
}

// batch_norm(input, running_mean, running_var, weight, bias, training, ...) on [N, C, *].
LeafBinding batch_norm(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x) || x->shape.size() < 2) return fail("batch_norm of a tensor without channels");
  Expr affine = c.module ? flag(ctor(c, "affine"), true) : flag(arg(c, 3, "weight"), false);
  return done({{"num_elements", numel(x->shape)}, {"num_features", x->shape[1]}, {"has_affine", affine}, {"training", Expr(0)}}, x,
              shape_text(x->shape) + " over " + x->shape[1].str() + " features, eval mode");
}

using Binder = LeafBinding (*)(const LeafCall&, const Params&);

struct BinderRow {
  Params params;
  Binder bind;
};

// One row per parameter signature: what the parameters mean decides the rule, not the model.
const std::vector<BinderRow>& binders() {
  static const std::vector<BinderRow> rows = {
      {{}, [](const LeafCall& c, const Params&) {
         ValuePtr x = first_tensor(c);
         return done({}, x ? x : Value::none(), "no parameters");
       }},
      {{"num_elements"}, [](const LeafCall& c, const Params&) { return unary(c); }},
      {{"num_elements", "element_bytes"}, [](const LeafCall& c, const Params&) { return created(c); }},
      {{"num_elements", "a_elements", "min_elements", "max_elements"}, [](const LeafCall& c, const Params&) { return clamp(c); }},
      {{"num_elements", "a_elements", "b_elements"}, [](const LeafCall& c, const Params&) { return binary(c, false); }},
      {{"num_elements", "a_elements", "b_elements", "c_elements"}, [](const LeafCall& c, const Params&) { return binary(c, true); }},
      {{"num_elements", "out_elements"}, [](const LeafCall& c, const Params&) { return reduction(c); }},
      {{"M", "K", "N", "has_bias"}, [](const LeafCall& c, const Params&) { return linear(c); }},
      {{"B", "M", "K", "N"}, matmul},
      {{"B", "M", "K", "N", "a_elements", "b_elements"}, matmul},
      {{"M", "K", "N"}, matmul},
      {{"B", "H_q", "H_kv", "S_q", "S_kv", "D", "D_v", "mask_elements"}, [](const LeafCall& c, const Params&) { return sdpa(c); }},
      {{"num_indices", "embedding_dim"}, [](const LeafCall& c, const Params&) { return embedding(c); }},
      {{"num_elements", "normalized_size", "has_weight", "has_bias"}, norm},
      {{"num_elements", "normalized_size", "has_weight"}, norm},
      {{"num_elements", "normalized_size"}, [](const LeafCall& c, const Params&) { return normalize(c); }},
      {{"num_elements", "index_elements"}, scatter},
      {{"num_elements", "index_elements", "has_src"}, scatter},
      {{"index_elements", "has_src"}, scatter},
      {{"index_elements"}, scatter},
      {{"num_elements", "mask_elements"}, [](const LeafCall& c, const Params&) { return masked_fill(c); }},
      {{"num_elements", "num_indices", "slice_elements"}, index_slices},
      {{"num_indices", "slice_elements"}, index_slices},
      {{"num_elements", "rows", "k"}, [](const LeafCall& c, const Params&) { return topk(c); }},
      {{"num_indices", "num_classes"}, [](const LeafCall& c, const Params&) { return one_hot(c); }},
      {{"num_elements", "element_bytes", "num_nonzero", "ndim"}, [](const LeafCall& c, const Params&) { return nonzero(c); }},
      {{"B", "C_in", "L_in", "C_out", "L_out", "kernel_size", "groups", "has_bias"}, [](const LeafCall& c, const Params&) { return conv1d(c); }},
      {{"num_elements", "num_groups", "num_channels", "has_affine"}, [](const LeafCall& c, const Params&) { return group_norm(c); }},
      {{"B", "N", "K", "unitriangular"}, [](const LeafCall& c, const Params&) { return solve_triangular(c); }},
      {{"num_elements", "num_parameters"}, [](const LeafCall& c, const Params&) { return prelu(c); }},
      {{"num_elements", "bins"}, [](const LeafCall& c, const Params&) { return histogram(c); }},
      {{"num_elements", "num_bins"}, [](const LeafCall& c, const Params&) { return histogram(c); }},
      {{"S", "K", "N", "E"}, [](const LeafCall& c, const Params&) { return grouped_mm(c, false); }},
      {{"S", "K", "N", "E", "E_read"}, [](const LeafCall& c, const Params&) { return grouped_mm(c, true); }},
      // The signatures of the seed pipeline's leaf library (LM-Predictor's kernels/), which
      // names the same quantities differently: sdpa with one head count (the query heads),
      // embedding lookups, norms with one affine flag.
      {{"B", "H", "S_q", "S_kv", "D"}, [](const LeafCall& c, const Params& p) { return renamed(sdpa(c), p); }},
      {{"num_lookups", "embed_dim"}, [](const LeafCall& c, const Params& p) { return renamed(embedding(c), p); }},
      {{"num_elements", "norm_size", "has_affine"}, [](const LeafCall& c, const Params& p) {
         return renamed(norm(c, {"num_elements", "normalized_size", "has_weight"}), p);
       }},
      {{"num_elements", "num_groups", "has_affine"}, [](const LeafCall& c, const Params& p) { return renamed(group_norm(c), p); }},
      {{"num_elements", "num_features", "has_affine", "training"}, [](const LeafCall& c, const Params&) { return batch_norm(c); }},
  };
  return rows;
}

const BinderRow* binder_for(const Params& params) {
  for (const auto& row : binders())
    if (row.params == params) return &row;
  return nullptr;
}

// The leaf's parameters without its width parameters: the signature a binder knows.
Params without_widths(const Params& params) {
  Params out;
  for (const auto& p : params)
    if (!is_width_param(p)) out.push_back(p);
  return out;
}

}  // namespace

Expr width_of(const ValuePtr& v) {
  if (is_tensor(v)) {
    if (v->origin == Value::Origin::Parameter || v->origin == Value::Origin::Buffer) return Expr::symbol("weight_bytes");
    if (v->origin == Value::Origin::Cache) return Expr::symbol("kv_bytes");
  }
  return Expr::symbol(LeafCatalog::kBytesSymbol);
}

namespace {

// A leaf's output is an activation, whatever its operands were (exp of a parameter, a norm of
// what the cache returned): only views of a parameter or of the cache keep their origin.
ValuePtr as_activation(const ValuePtr& v) {
  if (!v) return v;
  if (v->is_tensor()) return v->origin == Value::Origin::Activation ? v : with_origin(*v, Value::Origin::Activation);
  if (v->is(Value::Kind::Tuple) || v->is(Value::Kind::List)) {
    bool changed = false;
    std::vector<ValuePtr> items;
    for (const auto& item : v->items) {
      items.push_back(as_activation(item));
      changed = changed || items.back() != item;
    }
    if (!changed) return v;
    auto copy = std::make_shared<Value>(*v);
    copy->items = std::move(items);
    return copy;
  }
  return v;
}

// The bindings of a leaf's width parameters (leaf_binding.h), appended to `b`.
void bind_widths(const LeafCall& c, const Params& params, LeafBinding& b) {
  for (const auto& p : params) {
    if (!is_width_param(p)) continue;
    const std::string role = width_role(p);
    Expr width;
    std::string from;
    auto it = b.operands.find(role);
    if (role == "weight" && c.module && (it == b.operands.end() || !it->second)) {
      width = Expr::symbol("weight_bytes");
      from = "the module's own parameters";
    } else {
      ValuePtr v = it == b.operands.end() ? nullptr : it->second;
      width = width_of(v);
      from = !is_tensor(v) ? "no tensor" : v->origin == Value::Origin::Activation ? "an activation"
                                         : v->origin == Value::Origin::Cache     ? "the KV cache"
                                                                                  : "a parameter or buffer";
    }
    b.bindings.push_back({p, width});
    b.why += "; " + p + " = " + width.str() + " (" + from + ")";
  }
}

}  // namespace

bool has_binder(const std::vector<std::string>& forward_params) {
  return binder_for(without_widths(forward_params)) != nullptr;
}

namespace {

// The argument a declared path names (leaf_binds.h): self, args[N], a keyword, the positional at
// the name's place in the leaf's "arguments", or a constructor parameter of a module leaf.
ValuePtr declared_operand(const LeafCall& c, const BindPath& p) {
  if (p.operand == "self") return c.self;
  if (p.index >= 0) return argument(c.args, static_cast<size_t>(p.index), "");
  const auto& names = c.leaf->arguments;
  auto at = std::find(names.begin(), names.end(), p.operand);
  size_t position = at == names.end() ? 999 : static_cast<size_t>(at - names.begin());
  if (ValuePtr v = argument(c.args, position, p.operand)) return v;
  auto it = c.ctor.find(p.operand);
  return it == c.ctor.end() ? nullptr : it->second;
}

// A leaf whose library declares its parameters: each path evaluated on the call. The output is
// not the leaf's to say (the tracer takes it from kcost's own leaf for the op).
LeafBinding declared(const LeafCall& c) {
  std::vector<std::pair<std::string, Expr>> out;
  std::string why;
  for (const auto& [param, path] : c.leaf->binds) {
    using A = BindPath::Access;
    if (path.access == A::Literal) {
      out.push_back({param, Expr(path.number)});
      continue;
    }
    ValuePtr v = declared_operand(c, path);
    if (path.access == A::Present) {
      out.push_back({param, Expr(v && !v->is(Value::Kind::None) ? 1 : 0)});
      continue;
    }
    if (!v) return fail(param + " = " + path.text + ": the call has no such argument");
    if (path.access == A::Value) {
      if (!v->is(Value::Kind::Number)) return fail(param + " = " + path.text + ": not a number but " + v->describe());
      out.push_back({param, v->expr});
      continue;
    }
    if (!is_tensor(v)) return fail(param + " = " + path.text + ": not a tensor but " + v->describe());
    const Shape& shape = v->shape;
    if (path.access == A::Numel) {
      out.push_back({param, numel(shape)});
    } else if (path.access == A::Rank) {
      out.push_back({param, Expr(static_cast<long long>(shape.size()))});
    } else {
      long long rank = static_cast<long long>(shape.size()), d = path.number < 0 ? path.number + rank : path.number;
      if (d < 0 || d >= rank) return fail(param + " = " + path.text + ": a dim past the rank of " + shape_text(shape));
      out.push_back({param, shape[static_cast<size_t>(d)]});
    }
  }
  for (const auto& [param, e] : out) why += (why.empty() ? "" : ", ") + param + " = " + e.str();
  LeafBinding b = done(out, nullptr, "declared by the leaf: " + why);
  return b;
}

// torch.einsum("bclhn,bcshn->bclsh", x, y): the two-operand contraction as the bmm PyTorch
// lowers it to (the leaf's B, M, K, N): indices in both operands and the output are batch, in one
// operand and the output M or N, in both operands only summed (K); the output's dims in the
// order the equation names them. An index summed within one operand, a third operand, an
// implicit output or an ellipsis is not that bmm: not modelled.
LeafBinding einsum(const LeafCall& c) {
  std::vector<ValuePtr> given;
  for (const auto& a : c.args)
    if (a.name.empty()) given.push_back(a.value);
  if (given.empty() || !given[0]->is(Value::Kind::String)) return fail("einsum without an equation");
  std::vector<ValuePtr> ops(given.begin() + 1, given.end());
  if (ops.size() == 1 && (ops[0]->is(Value::Kind::List) || ops[0]->is(Value::Kind::Tuple))) ops = ops[0]->items;
  std::string eq;
  for (char ch : given[0]->str)
    if (ch != ' ') eq += ch;
  size_t arrow = eq.find("->"), comma = eq.find(',');
  if (ops.size() != 2 || arrow == std::string::npos || comma == std::string::npos || comma > arrow ||
      eq.find(',', comma + 1) < arrow || eq.find('.') != std::string::npos)
    return fail("einsum other than two operands with an explicit output (" + given[0]->str + ")");
  std::string a = eq.substr(0, comma), b = eq.substr(comma + 1, arrow - comma - 1), o = eq.substr(arrow + 2);
  if (!is_tensor(ops[0]) || !is_tensor(ops[1]) || ops[0]->shape.size() != a.size() || ops[1]->shape.size() != b.size())
    return fail("einsum operands that are not tensors of the equation's ranks");
  std::map<char, Expr> size;
  for (size_t i = 0; i < a.size(); ++i) size.emplace(a[i], ops[0]->shape[i]);
  for (size_t i = 0; i < b.size(); ++i) size.emplace(b[i], ops[1]->shape[i]);
  Expr B(1), M(1), K(1), N(1);
  for (const auto& [ch, n] : size) {
    bool in_a = a.find(ch) != std::string::npos, in_b = b.find(ch) != std::string::npos, out = o.find(ch) != std::string::npos;
    if (in_a && in_b) (out ? B : K) = (out ? B : K) * n;
    else if (!out) return fail(std::string("einsum index '") + ch + "' summed within one operand");
    else (in_a ? M : N) = (in_a ? M : N) * n;
  }
  Shape shape;
  for (char ch : o) {
    auto it = size.find(ch);
    if (it == size.end()) return fail(std::string("einsum output index '") + ch + "' in no operand");
    shape.push_back(it->second);
  }
  return with_operands(done({{"B", B}, {"M", M}, {"K", K}, {"N", N}}, output_like(ops[0], shape),
                            "the bmm of " + given[0]->str + ": B = " + B.str() + ", M = " + M.str() + ", K = " + K.str() +
                                ", N = " + N.str()),
                       {{"a", ops[0]}, {"b", ops[1]}});
}

}  // namespace

LeafBinding bind_leaf(const LeafCall& c) {
  if (!c.leaf->binds.empty()) return declared(c);
  Params base = without_widths(c.leaf->forward_params);
  const BinderRow* row = binder_for(base);
  if (!row) return fail("no binding rule for leaf " + c.leaf->name + " with forward_params of this shape");
  LeafBinding b = c.op == "einsum" ? einsum(c) : row->bind(c, base);
  if (!b.ok) return b;
  if (base.size() != c.leaf->forward_params.size()) bind_widths(c, c.leaf->forward_params, b);
  b.output = as_activation(b.output);
  return b;
}

}  // namespace kcost
