#include "trace/tensor_shapes.h"

#include <algorithm>

#include <set>

namespace kcost {

Expr numel(const Shape& shape) {
  Expr n(1);
  for (const auto& d : shape) n = n * d;
  return n;
}

namespace {

bool is_one(const Expr& e) { return e.is_number() && e.as_number() == 1; }

std::optional<long long> known_int(const Value& v) {
  if (!v.is(Value::Kind::Number) || !v.known || !v.known->is_integer()) return std::nullopt;
  return v.known->to_long();
}

// Dims given as varargs (x.view(a, b, c)) or as one tuple/list/shape (x.view((a, b, c))).
std::vector<ValuePtr> dims_of(const std::vector<Arg>& args) {
  std::vector<ValuePtr> dims;
  for (const auto& a : args) {
    if (!a.name.empty() && a.name != "size" && a.name != "shape" && a.name != "dims") continue;
    if (a.value->is(Value::Kind::Tuple) || a.value->is(Value::Kind::List)) {
      for (const auto& i : a.value->items) dims.push_back(i);
    } else {
      dims.push_back(a.value);
    }
  }
  return dims;
}

ValuePtr tensor_like(const Value& model, Shape shape) {
  auto t = std::make_shared<Value>(model);
  t->shape = std::move(shape);
  return t;
}

ValuePtr view(const Value& self, const std::vector<Arg>& args) {
  std::vector<ValuePtr> dims = dims_of(args);
  Shape out;
  int infer = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (!dims[i]->is(Value::Kind::Number)) return Value::unknown("view/reshape with a non-number dim");
    if (auto k = known_int(*dims[i]); k && *k == -1 && dims[i]->expr.is_number()) {
      infer = static_cast<int>(i);
      out.push_back(Expr(1));
    } else {
      out.push_back(dims[i]->expr);
    }
  }
  if (infer >= 0) out[infer] = numel(self.shape) / numel(out);
  return tensor_like(self, out);
}

Shape drop(const Shape& s, size_t i) {
  Shape out = s;
  out.erase(out.begin() + static_cast<long>(i));
  return out;
}

}  // namespace

Shape broadcast(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  // Where two dims are written differently (a weight's `hidden_size` against an input's
  // `config.hidden_size`) they are equal at run time; the operand of higher rank, the data,
  // gives the name.
  bool prefer_b = b.size() > a.size();
  for (size_t i = 0; i < n; ++i) {
    const Expr* x = i < n - a.size() ? nullptr : &a[i - (n - a.size())];
    const Expr* y = i < n - b.size() ? nullptr : &b[i - (n - b.size())];
    if (!x) out[i] = *y;
    else if (!y) out[i] = *x;
    else if (is_one(*x)) out[i] = *y;
    else if (is_one(*y)) out[i] = *x;
    else out[i] = prefer_b ? *y : *x;
  }
  return out;
}

std::optional<size_t> dim_index(const Value& dim, size_t rank) {
  auto k = known_int(dim);
  if (!k) return std::nullopt;
  long long d = *k < 0 ? *k + static_cast<long long>(rank) : *k;
  if (d < 0 || d >= static_cast<long long>(rank)) return std::nullopt;
  return static_cast<size_t>(d);
}

std::string shape_text(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + shape[i].str();
  return out + "]";
}

ValuePtr argument(const std::vector<Arg>& args, size_t i, const std::string& name) {
  size_t k = 0;
  for (const auto& a : args) {
    if (a.name.empty()) {
      if (k++ == i) return a.value;
    } else if (a.name == name) {
      return a.value;
    }
  }
  return nullptr;
}

bool is_zero_cost_op(const std::string& name) {
  static const std::set<std::string> creation = {"arange", "ones", "zeros", "empty", "full", "ones_like",
                                                 "zeros_like", "empty_like", "full_like", "clone",
                                                 "new_ones", "new_zeros", "new_full", "new_empty"};
  return has_shape_rule(name) && !creation.count(name);
}

bool has_shape_rule(const std::string& name) {
  static const std::set<std::string> ops = {
      "view", "reshape", "view_as", "reshape_as", "transpose", "permute", "contiguous", "unsqueeze",
      "squeeze", "expand", "expand_as", "flatten", "unflatten", "split", "chunk", "cat", "concat",
      "concatenate", "stack", "to", "float", "half", "bfloat16", "double", "int", "long", "bool", "type",
      "type_as", "detach", "clone", "size", "dim", "numel", "t", "T", "mT", "movedim", "narrow",
      "select", "unbind", "repeat_interleave_view", "new_empty", "requires_grad_", "cpu", "cuda",
      "arange", "ones", "zeros", "empty", "full", "ones_like", "zeros_like", "empty_like", "full_like",
      "tensor", "as_tensor", "finfo", "iinfo", "is_floating_point", "element_size", "dropout_identity"};
  return ops.count(name) > 0;
}

ValuePtr index_tensor(const Value& tensor, const Value& index) {
  std::vector<ValuePtr> parts = index.is(Value::Kind::Tuple) ? index.items : std::vector<ValuePtr>{std::make_shared<Value>(index)};
  size_t consumed = 0;
  for (const auto& p : parts)
    if (!p->is(Value::Kind::None) && !p->is(Value::Kind::Ellipsis)) ++consumed;
  Shape in = tensor.shape;
  Shape out;
  size_t dim = 0;
  for (const auto& p : parts) {
    if (p->is(Value::Kind::Ellipsis)) {
      size_t keep = in.size() - consumed;
      for (size_t i = 0; i < keep && dim < in.size(); ++i) out.push_back(in[dim++]);
      consumed = in.size() - dim;  // nothing more to skip
      continue;
    }
    if (p->is(Value::Kind::None)) {
      out.push_back(Expr(1));
      continue;
    }
    if (dim >= in.size()) return Value::unknown("index past the rank of " + shape_text(in));
    if (p->is(Value::Kind::Slice)) {
      const Expr& size = in[dim];
      auto bound = [&](const ValuePtr& v, const Expr& dflt) -> std::optional<Expr> {
        if (v->is(Value::Kind::None)) return dflt;
        if (!v->is(Value::Kind::Number)) return std::nullopt;
        if (v->known && *v->known < 0) return size + v->expr;  // from the end
        // Bounds are taken to lie within the dim (as they do in model code).
        return v->expr;
      };
      auto lo = bound(p->items[0], Expr(0));
      auto hi = bound(p->items[1], size);
      if (!lo || !hi) return Value::unknown("slice with non-number bounds");
      const ValuePtr& step = p->items[2];
      if (step->is(Value::Kind::None)) {
        // x[-0:] is the whole dim (0 == -0).
        out.push_back(*hi - *lo);
      } else if (step->is(Value::Kind::Number) && step->known && step->known->is_pos_integer()) {
        // x[..., ::2]: every step-th element, ceil((hi - lo) / step) of them.
        out.push_back(Expr::floordiv(*hi - *lo + step->expr - Expr(1), step->expr));
      } else {
        return Value::unknown("slice with step " + step->describe());
      }
      ++dim;
      continue;
    }
    if (p->is(Value::Kind::Number)) {  // an integer index drops the dim
      ++dim;
      continue;
    }
    size_t lists = 0;
    for (const auto& q : parts)
      lists += q->is(Value::Kind::List) || q->is(Value::Kind::Tuple) || q->is(Value::Kind::Tensor);
    if (p->is(Value::Kind::Tensor) && lists == 1 && p->text == "index") {
      // table[position_ids]: one integer-tensor index, its shape in place of the dim.
      out.insert(out.end(), p->shape.begin(), p->shape.end());
      ++dim;
      continue;
    }
    if (p->is(Value::Kind::List) && lists == 1 &&
        std::all_of(p->items.begin(), p->items.end(), [](const ValuePtr& i) { return i->is(Value::Kind::Number); })) {
      // x[..., [-2], :]: one advanced index, a list of positions: that many elements.
      out.push_back(Expr(static_cast<long long>(p->items.size())));
      ++dim;
      continue;
    }
    return Value::unknown("advanced indexing with " + p->describe());
  }
  for (; dim < in.size(); ++dim) out.push_back(in[dim]);
  return tensor_like(tensor, out);
}

ValuePtr shape_op(const std::string& name, const ValuePtr& self_in, const std::vector<Arg>& args_in) {
  if (!has_shape_rule(name)) return nullptr;
  ValuePtr self = self_in;
  std::vector<Arg> args = args_in;
  // torch.transpose(x, 0, 1) is x.transpose(0, 1): take the tensor from the arguments.
  if (!self && name != "cat" && name != "concat" && name != "concatenate" && name != "stack" && name != "arange" &&
      name != "ones" && name != "zeros" && name != "empty" && name != "full" && name != "tensor" &&
      name != "as_tensor" && name != "finfo" && name != "iinfo" && !args.empty() &&
      args[0].value->is(Value::Kind::Tensor)) {
    self = args[0].value;
    args.erase(args.begin());
  }
  if (name == "finfo" || name == "iinfo") {
    auto info = std::make_shared<Value>();
    info->kind = Value::Kind::Dict;
    info->keys = {"min", "max", "eps"};
    info->items = {Value::number(Expr::symbol("dtype_min")), Value::number(Expr::symbol("dtype_max")),
                   Value::number(Expr::symbol("dtype_eps"))};
    return info;
  }
  if (name == "arange") {
    std::vector<ValuePtr> nums;
    for (const auto& a : args)
      if (a.name.empty()) nums.push_back(a.value);
    if (nums.empty()) {
      if (ValuePtr end = argument(args, 99, "end")) nums.push_back(end);
    }
    if (nums.empty()) return Value::unknown("arange without an end");
    for (const auto& n : nums)
      if (!n->is(Value::Kind::Number)) return Value::unknown("arange of " + n->describe());
    Expr n = nums.size() == 1 ? nums[0]->expr : nums[1]->expr - nums[0]->expr;
    if (nums.size() == 3) {
      if (!nums[2]->is(Value::Kind::Number)) return Value::unknown("arange step");
      n = Expr::ceil(n / nums[2]->expr);
    }
    auto t = Value::tensor({n});
    std::const_pointer_cast<Value>(t)->text = "index";
    return t;
  }
  if (name == "ones" || name == "zeros" || name == "empty" || name == "full" || name == "tensor" || name == "as_tensor") {
    if (name == "tensor" || name == "as_tensor") {
      ValuePtr data = argument(args, 0, "data");
      if (data && data->is(Value::Kind::Number)) return Value::tensor({});
      if (data && (data->is(Value::Kind::List) || data->is(Value::Kind::Tuple)))
        return Value::tensor({Expr(static_cast<long long>(data->items.size()))});
      return Value::unknown("torch.tensor of " + (data ? data->describe() : "nothing"));
    }
    std::vector<Arg> dims_args;
    for (const auto& a : args)
      if (a.name.empty() || a.name == "size") dims_args.push_back(a);
    if (name == "full" && !dims_args.empty()) dims_args.resize(1);
    Shape s;
    for (const auto& d : dims_of(dims_args)) {
      if (!d->is(Value::Kind::Number)) return Value::unknown(name + " with a non-number size");
      s.push_back(d->expr);
    }
    return Value::tensor(s);
  }
  if (name == "cat" || name == "concat" || name == "concatenate" || name == "stack") {
    ValuePtr seq = argument(args, 0, "tensors");
    if (!seq || !(seq->is(Value::Kind::Tuple) || seq->is(Value::Kind::List)) || seq->items.empty())
      return Value::unknown(name + " of " + (seq ? seq->describe() : "nothing"));
    for (const auto& t : seq->items)
      if (!t->is(Value::Kind::Tensor)) return Value::unknown(name + " of a non-tensor");
    ValuePtr dimv = argument(args, 1, "dim");
    size_t rank = seq->items[0]->shape.size() + (name == "stack" ? 1 : 0);
    auto d = dimv ? dim_index(*dimv, rank) : std::optional<size_t>(0);
    if (!d) return Value::unknown(name + " along an unknown dim");
    Shape out = seq->items[0]->shape;
    if (name == "stack") {
      out.insert(out.begin() + static_cast<long>(*d), Expr(static_cast<long long>(seq->items.size())));
    } else {
      Expr total(0);
      for (const auto& t : seq->items) total = total + t->shape[*d];
      out[*d] = total;
    }
    return tensor_like(*seq->items[0], out);
  }
  if (!self || !self->is(Value::Kind::Tensor)) return Value::unknown(name + " on " + (self ? self->describe() : "nothing"));
  const Shape& in = self->shape;
  size_t rank = in.size();
  if (name == "view" || name == "reshape") {
    if (ValuePtr first = argument(args, 0, "dtype"); first && first->is(Value::Kind::Global)) return self;  // view(dtype)
    return view(*self, args);
  }
  if (name == "view_as" || name == "reshape_as" || name == "expand_as" || name == "type_as") {
    ValuePtr other = argument(args, 0, "other");
    if (name == "type_as") return self;
    if (!other || !other->is(Value::Kind::Tensor)) return Value::unknown(name + " of a non-tensor");
    return tensor_like(*self, other->shape);
  }
  if (name == "transpose") {
    ValuePtr a = argument(args, 0, "dim0"), b = argument(args, 1, "dim1");
    auto i = a ? dim_index(*a, rank) : std::nullopt;
    auto j = b ? dim_index(*b, rank) : std::nullopt;
    if (!i || !j) return Value::unknown("transpose of unknown dims");
    Shape out = in;
    std::swap(out[*i], out[*j]);
    return tensor_like(*self, out);
  }
  if (name == "t" || name == "T" || name == "mT") {
    Shape out = in;
    if (rank >= 2) std::swap(out[rank - 1], out[rank - 2]);
    return tensor_like(*self, out);
  }
  if (name == "permute" || name == "movedim") {
    if (name == "movedim") {
      ValuePtr a = argument(args, 0, "source"), b = argument(args, 1, "destination");
      auto i = a ? dim_index(*a, rank) : std::nullopt;
      auto j = b ? dim_index(*b, rank) : std::nullopt;
      if (!i || !j) return Value::unknown("movedim of unknown dims");
      Shape out = in;
      Expr moved = out[*i];
      out.erase(out.begin() + static_cast<long>(*i));
      out.insert(out.begin() + static_cast<long>(*j), moved);
      return tensor_like(*self, out);
    }
    std::vector<ValuePtr> dims = dims_of(args);
    if (dims.size() != rank) return Value::unknown("permute with " + std::to_string(dims.size()) + " dims of a rank-" + std::to_string(rank) + " tensor");
    Shape out;
    for (const auto& d : dims) {
      auto i = dim_index(*d, rank);
      if (!i) return Value::unknown("permute of unknown dims");
      out.push_back(in[*i]);
    }
    return tensor_like(*self, out);
  }
  if (name == "unsqueeze") {
    ValuePtr d = argument(args, 0, "dim");
    auto i = d ? dim_index(*d, rank + 1) : std::nullopt;
    if (!i) return Value::unknown("unsqueeze of an unknown dim");
    Shape out = in;
    out.insert(out.begin() + static_cast<long>(*i), Expr(1));
    return tensor_like(*self, out);
  }
  if (name == "squeeze") {
    ValuePtr d = argument(args, 0, "dim");
    Shape out;
    if (!d) {
      for (const auto& e : in)
        if (!is_one(e)) out.push_back(e);
      return tensor_like(*self, out);
    }
    auto i = dim_index(*d, rank);
    if (!i) return Value::unknown("squeeze of an unknown dim");
    return tensor_like(*self, is_one(in[*i]) ? drop(in, *i) : in);
  }
  if (name == "expand") {
    std::vector<ValuePtr> dims = dims_of(args);
    Shape out;
    size_t offset = dims.size() - rank;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (!dims[i]->is(Value::Kind::Number)) return Value::unknown("expand with a non-number dim");
      auto k = known_int(*dims[i]);
      if (k && *k == -1 && i >= offset) out.push_back(in[i - offset]);
      else out.push_back(dims[i]->expr);
    }
    return tensor_like(*self, out);
  }
  if (name == "flatten") {
    ValuePtr a = argument(args, 0, "start_dim"), b = argument(args, 1, "end_dim");
    auto i = a ? dim_index(*a, rank) : std::optional<size_t>(0);
    auto j = b ? dim_index(*b, rank) : std::optional<size_t>(rank ? rank - 1 : 0);
    if (!i || !j) return Value::unknown("flatten of unknown dims");
    Shape out(in.begin(), in.begin() + static_cast<long>(*i));
    Expr merged(1);
    for (size_t k = *i; k <= *j && k < rank; ++k) merged = merged * in[k];
    out.push_back(merged);
    out.insert(out.end(), in.begin() + static_cast<long>(*j) + 1, in.end());
    return tensor_like(*self, out);
  }
  if (name == "unflatten") {
    ValuePtr d = argument(args, 0, "dim"), sizes = argument(args, 1, "sizes");
    auto i = d ? dim_index(*d, rank) : std::nullopt;
    if (!i || !sizes) return Value::unknown("unflatten of unknown dims");
    std::vector<Arg> size_args = {{"", sizes, ""}};
    Shape inner;
    int infer = -1;
    for (const auto& s : dims_of(size_args)) {
      if (!s->is(Value::Kind::Number)) return Value::unknown("unflatten with a non-number size");
      if (auto k = known_int(*s); k && *k == -1) {
        infer = static_cast<int>(inner.size());
        inner.push_back(Expr(1));
      } else {
        inner.push_back(s->expr);
      }
    }
    if (infer >= 0) inner[infer] = in[*i] / numel(inner);
    Shape out(in.begin(), in.begin() + static_cast<long>(*i));
    out.insert(out.end(), inner.begin(), inner.end());
    out.insert(out.end(), in.begin() + static_cast<long>(*i) + 1, in.end());
    return tensor_like(*self, out);
  }
  if (name == "split" || name == "chunk" || name == "unbind") {
    ValuePtr first = argument(args, 0, name == "split" ? "split_size" : "chunks");
    ValuePtr d = argument(args, name == "unbind" ? 0 : 1, "dim");
    auto i = d ? dim_index(*d, rank) : std::optional<size_t>(0);
    if (!i) return Value::unknown(name + " along an unknown dim");
    std::vector<ValuePtr> parts;
    if (name == "unbind") {
      auto k = rank ? (in[*i].is_number() ? std::optional<long long>(in[*i].as_number().to_long()) : std::nullopt) : std::nullopt;
      if (!k) return Value::unknown("unbind of a symbolic dim");
      for (long long n = 0; n < *k; ++n) parts.push_back(tensor_like(*self, drop(in, *i)));
      return Value::tuple(parts);
    }
    if (!first) return Value::unknown(name + " without sizes");
    if (name == "chunk") {
      auto k = known_int(*first);
      if (!k) return Value::unknown("chunk into a symbolic number of parts");
      for (long long n = 0; n < *k; ++n) {
        Shape out = in;
        out[*i] = in[*i] / Expr(*k);
        parts.push_back(tensor_like(*self, out));
      }
      return Value::tuple(parts);
    }
    if (first->is(Value::Kind::List) || first->is(Value::Kind::Tuple)) {
      for (const auto& s : first->items) {
        if (!s->is(Value::Kind::Number)) return Value::unknown("split with a non-number size");
        Shape out = in;
        out[*i] = s->expr;
        parts.push_back(tensor_like(*self, out));
      }
      return Value::tuple(parts);
    }
    if (first->is(Value::Kind::Number)) {
      // Equal parts: the count must be known to unpack; it is when size divides the dim.
      Expr count = in[*i] / first->expr;
      if (!count.is_number() || !count.as_number().is_integer())
        return Value::unknown("split of a symbolic dim " + in[*i].str() + " into parts of " + first->expr.str());
      for (long long n = 0; n < count.as_number().to_long(); ++n) {
        Shape out = in;
        out[*i] = first->expr;
        parts.push_back(tensor_like(*self, out));
      }
      return Value::tuple(parts);
    }
    return Value::unknown(name + " with " + first->describe());
  }
  if (name == "narrow") {
    ValuePtr d = argument(args, 0, "dim"), len = argument(args, 2, "length");
    auto i = d ? dim_index(*d, rank) : std::nullopt;
    if (!i || !len || !len->is(Value::Kind::Number)) return Value::unknown("narrow of unknown dims");
    Shape out = in;
    out[*i] = len->expr;
    return tensor_like(*self, out);
  }
  if (name == "select") {
    ValuePtr d = argument(args, 0, "dim");
    auto i = d ? dim_index(*d, rank) : std::nullopt;
    if (!i) return Value::unknown("select of an unknown dim");
    return tensor_like(*self, drop(in, *i));
  }
  if (name == "size") {
    ValuePtr d = argument(args, 0, "dim");
    if (!d) {
      std::vector<ValuePtr> dims;
      for (const auto& e : in) dims.push_back(Value::number(e));
      return Value::tuple(dims);
    }
    auto i = dim_index(*d, rank);
    if (!i) return Value::unknown("size of an unknown dim");
    return Value::number(in[*i]);
  }
  if (name == "dim") return Value::integer(static_cast<long long>(rank));
  if (name == "numel") return Value::number(numel(in));
  if (name == "element_size") return Value::number(Expr::symbol("bytes"));
  if (name == "is_floating_point") return Value::boolean(self->text != "index");
  if (name == "ones_like" || name == "zeros_like" || name == "empty_like" || name == "full_like")
    return tensor_like(*self, in);
  // to, float, half, type, detach, clone, contiguous, cpu, ...: same shape.
  if (name == "long" || name == "int") {
    auto t = std::make_shared<Value>(*self);
    t->text = "index";
    return t;
  }
  if (name == "float" || name == "half" || name == "bfloat16" || name == "double") {
    auto t = std::make_shared<Value>(*self);
    t->text = "";
    return t;
  }
  return self;
}

}  // namespace kcost
