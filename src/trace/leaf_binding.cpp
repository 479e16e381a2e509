#include "trace/leaf_binding.h"

#include "trace/tensor_shapes.h"

namespace kcost {

namespace {

using Params = std::vector<std::string>;

bool is_tensor(const ValuePtr& v) { return v && v->is(Value::Kind::Tensor); }

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

ValuePtr with_shape(const ValuePtr& model, Shape s) {
  auto t = std::make_shared<Value>(model ? *model : Value{});
  t->kind = Value::Kind::Tensor;
  t->shape = std::move(s);
  return t;
}

ValuePtr first_tensor(const LeafCall& c) {
  for (const auto& v : operands(c))
    if (is_tensor(v)) return v;
  for (const auto& a : c.args)
    if (is_tensor(a.value)) return a.value;
  return nullptr;
}

LeafBinding unary(const LeafCall& c) {
  if (has_shape_rule(c.op)) {
    ValuePtr out = shape_op(c.op, c.self, c.args);
    if (!out || !is_tensor(out)) return fail(c.op + ": " + (out ? out->describe() : "no shape"));
    return done({{"num_elements", numel(out->shape)}}, out, "num_elements = elements created " + shape_text(out->shape));
  }
  ValuePtr x = first_tensor(c);
  if (!x) return fail(c.op + " without a tensor operand");
  ValuePtr out = x;
  if (c.op == "sort") out = Value::tuple({x, x});
  return done({{"num_elements", numel(x->shape)}}, out, "num_elements = elements of the input " + shape_text(x->shape));
}

LeafBinding binary(const LeafCall& c, bool where) {
  std::vector<ValuePtr> ops = operands(c);
  if (where) {
    if (ops.size() < 3) return fail("where with fewer than three operands");
    ValuePtr cond = ops[0], a = ops[1], b = ops[2];
    Shape out = broadcast(broadcast(is_tensor(cond) ? cond->shape : Shape{}, is_tensor(a) ? a->shape : Shape{}),
                          is_tensor(b) ? b->shape : Shape{});
    return done({{"num_elements", numel(out)}, {"a_elements", elements(a)}, {"b_elements", elements(b)},
                 {"c_elements", elements(cond)}},
                with_shape(is_tensor(a) ? a : cond, out), "output " + shape_text(out) + " broadcast from the operands");
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
  return done({{"num_elements", numel(out)}, {"a_elements", elements(a)}, {"b_elements", elements(b)}},
              with_shape(model, out), why);
}

LeafBinding reduction(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x)) return fail(c.op + " of a non-tensor");
  const Shape& in = x->shape;
  if (c.op == "cumsum" || c.op == "cumprod")
    return done({{"num_elements", numel(in)}, {"out_elements", numel(in)}}, x, "a scan keeps the shape " + shape_text(in));
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
    return done({{"num_elements", numel(in)}, {"out_elements", numel(out)}}, with_shape(x, out),
                "repeats " + repeats->expr.str() + " times");
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
  ValuePtr result = with_shape(x, out);
  if ((c.op == "max" || c.op == "min") && dim && !dim->is(Value::Kind::None)) result = Value::tuple({result, result});
  return done({{"num_elements", numel(in)}, {"out_elements", numel(out)}}, result,
              "reduces " + shape_text(in) + " to " + shape_text(out));
}

LeafBinding linear(const LeafCall& c) {
  ValuePtr x = arg(c, 0, "input");
  if (!is_tensor(x) || x->shape.empty()) return fail("linear of a non-tensor");
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
    n = w->shape[0];
    k = w->shape[1];
    bias = flag(arg(c, 2, "bias"), false);
    source = "N, K from the weight shape " + shape_text(w->shape);
  }
  lead.push_back(n);
  return done({{"M", m}, {"K", k}, {"N", n}, {"has_bias", bias}}, with_shape(x, lead),
              "M = product of the leading dims of the input " + shape_text(x->shape) + "; " + source);
}

LeafBinding matmul(const LeafCall& c, const Params& params) {
  std::vector<ValuePtr> ops = operands(c);
  size_t first = (c.op == "baddbmm" || c.op == "addmm" || c.op == "addbmm") ? 1 : 0;
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
  if (params.size() == 3)  // mm, addmm
    return done({{"M", m}, {"K", k}, {"N", n}}, with_shape(ops[first], out), why);
  return done({{"B", numel(batch)}, {"M", m}, {"K", k}, {"N", n}}, with_shape(ops[first], out), why);
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
    Expr per_element = mask->text == "float_mask" ? Expr::symbol("bytes") : Expr(1);
    Shape broadcast_shape = broadcast(mask->shape, Shape{q->shape[0], Expr(1), q->shape[2], k->shape[2]});
    (void)broadcast_shape;
    mask_elements = numel(mask->shape) * per_element;
    if (mask->path == "mask") mask_elements = Expr::if_else(mask->expr, mask_elements, Expr(0));
    mask_why = "mask " + shape_text(mask->shape) + (mask->path == "mask" ? " present when " + mask->expr.str() : "");
  }
  Shape out = {q->shape[0], q->shape[1], q->shape[2], v->shape[3]};
  return done({{"B", q->shape[0]}, {"H_q", q->shape[1]}, {"H_kv", k->shape[1]}, {"S_q", q->shape[2]},
               {"S_kv", k->shape[2]}, {"D", q->shape[3]}, {"D_v", v->shape[3]}, {"mask_elements", mask_elements}},
              with_shape(q, out),
              "query " + shape_text(q->shape) + ", key " + shape_text(k->shape) + ", value " + shape_text(v->shape) +
                  "; " + mask_why);
}

LeafBinding embedding(const LeafCall& c) {
  ValuePtr idx = arg(c, 0, "input");
  if (!is_tensor(idx)) return fail("embedding of a non-tensor");
  Expr dim;
  if (c.module) {
    ValuePtr d = ctor(c, "embedding_dim");
    if (!d || !d->is(Value::Kind::Number)) return fail("Embedding constructor without a numeric embedding_dim");
    dim = d->expr;
  } else {
    ValuePtr w = arg(c, 1, "weight");
    if (!is_tensor(w) || w->shape.size() != 2) return fail("F.embedding with a weight of unknown shape");
    dim = w->shape[1];
  }
  Shape out = idx->shape;
  out.push_back(dim);
  auto result = with_shape(idx, out);
  std::const_pointer_cast<Value>(result)->text = "";
  return done({{"num_indices", numel(idx->shape)}, {"embedding_dim", dim}}, result,
              "num_indices = elements of the indices " + shape_text(idx->shape));
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
  return done(b, x, "normalizes " + shape_text(x->shape) + " over the last " + size.str() + " elements");
}

}  // namespace

LeafBinding bind_leaf(const LeafCall& c) {
  const Params& p = c.leaf->forward_params;
  auto is = [&](std::initializer_list<const char*> names) {
    if (p.size() != names.size()) return false;
    size_t i = 0;
    for (const char* n : names)
      if (p[i++] != n) return false;
    return true;
  };
  LeafBinding b;
  if (p.empty()) {
    ValuePtr x = first_tensor(c);
    b = done({}, x ? x : Value::none(), "no parameters");
  } else if (is({"num_elements"})) {
    b = unary(c);
  } else if (is({"num_elements", "a_elements", "b_elements"})) {
    b = binary(c, false);
  } else if (is({"num_elements", "a_elements", "b_elements", "c_elements"})) {
    b = binary(c, true);
  } else if (is({"num_elements", "out_elements"})) {
    b = reduction(c);
  } else if (is({"M", "K", "N", "has_bias"})) {
    b = linear(c);
  } else if (is({"B", "M", "K", "N"}) || is({"M", "K", "N"})) {
    if (c.op == "einsum") return fail("einsum: equation-specific binding not modelled");
    b = matmul(c, p);
  } else if (is({"B", "H_q", "H_kv", "S_q", "S_kv", "D", "D_v", "mask_elements"})) {
    b = sdpa(c);
  } else if (is({"num_indices", "embedding_dim"})) {
    b = embedding(c);
  } else if (is({"num_elements", "normalized_size", "has_weight", "has_bias"}) ||
             is({"num_elements", "normalized_size", "has_weight"})) {
    b = norm(c, p);
  } else {
    return fail("no binding rule for leaf " + c.leaf->name + " with forward_params of this shape");
  }
  return b;
}

}  // namespace kcost
