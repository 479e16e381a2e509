#include "trace/tensor_ops.h"

#include <cctype>
#include <map>
#include <set>

#include "trace/routing.h"
#include "trace/tensor_shapes.h"

namespace kcost {

namespace {

using Rule = TensorOpRule;

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

Shape drop(const Shape& s, size_t i) {
  Shape out = s;
  out.erase(out.begin() + static_cast<long>(i));
  return out;
}

// A size list with at most one -1, inferred so that the elements are `total`.
std::optional<Shape> sizes_with_inferred(const std::vector<ValuePtr>& dims, const Expr& total) {
  Shape out;
  int infer = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (!dims[i]->is(Value::Kind::Number)) return std::nullopt;
    if (auto k = known_int(*dims[i]); k && *k == -1 && dims[i]->expr.is_number()) {
      infer = static_cast<int>(i);
      out.push_back(Expr(1));
    } else {
      out.push_back(dims[i]->expr);
    }
  }
  if (infer >= 0) out[infer] = total / numel(out);
  return out;
}

// ---- ops without a tensor operand ----

ValuePtr type_info(const std::string&, const ValuePtr&, const std::vector<Arg>&) {
  return Value::dict({"min", "max", "eps"}, {Value::number(Expr::symbol("dtype_min")), Value::number(Expr::symbol("dtype_max")),
                                             Value::number(Expr::symbol("dtype_eps"))});
}

ValuePtr arange(const std::string&, const ValuePtr&, const std::vector<Arg>& args) {
  std::vector<ValuePtr> nums;
  for (const auto& a : args)
    if (a.name.empty()) nums.push_back(a.value);
  if (nums.empty())
    if (ValuePtr end = argument(args, 99, "end")) nums.push_back(end);
  if (nums.empty()) return Value::unknown("arange without an end");
  // A 0-d tensor given as a bound is its number, as torch.arange takes it (4.50's HybridCache's
  // get_seq_length() is a tensor: torch.arange(past_seen_tokens, ...)); a real run's has its value.
  for (auto& n : nums)
    if (n->is_tensor() && n->shape.empty() && n->items.size() == 1 && n->items[0]->is(Value::Kind::Number)) n = n->items[0];
  for (const auto& n : nums)
    if (!n->is(Value::Kind::Number)) return Value::unknown("arange of " + n->describe());
  Expr n = nums.size() == 1 ? nums[0]->expr : nums[1]->expr - nums[0]->expr;
  if (nums.size() == 3) n = Expr::ceil(n / nums[2]->expr);
  // int64 unless a dtype says otherwise (torch.arange(0, d, 2, dtype=torch.float)).
  ValuePtr dtype = argument(args, 99, "dtype");
  std::optional<Value::DType> cls = dtype ? torch_dtype_class(*dtype) : std::nullopt;
  return Value::tensor({n}, cls.value_or(Value::DType::Integer));
}

ValuePtr from_data(const std::string& name, const ValuePtr&, const std::vector<Arg>& args) {
  ValuePtr data = argument(args, 0, "data");
  if (data && data->is(Value::Kind::Number)) return Value::tensor({});
  if (data && data->is(Value::Kind::List) && data->element && !data->element->is_tensor() &&
      !data->element->is(Value::Kind::List) && !data->element->is(Value::Kind::Tuple) && !data->element->is(Value::Kind::Dict))
    return Value::tensor({data->length});  // a list of a symbolic length of numbers
  if (data && (data->is(Value::Kind::List) || data->is(Value::Kind::Tuple)))
    return Value::tensor({Expr(static_cast<long long>(data->items.size()))});
  return Value::unknown("torch." + name + " of " + (data ? data->describe() : "nothing"));
}

ValuePtr filled(const std::string& name, const ValuePtr&, const std::vector<Arg>& args) {
  std::vector<Arg> dims_args;
  for (const auto& a : args)
    if (a.name.empty() || a.name == "size") dims_args.push_back(a);
  if (name == "full" && !dims_args.empty()) dims_args.resize(1);
  Shape s;
  for (const auto& d : dims_of(dims_args)) {
    if (!d->is(Value::Kind::Number)) return Value::unknown(name + " with a non-number size");
    s.push_back(d->expr);
  }
  // Of the dtype given (torch.ones(n, dtype=torch.long): the positions 4.50's HybridCache indexes
  // with), else of the floats.
  ValuePtr dtype = argument(args, 99, "dtype");
  std::optional<Value::DType> cls = dtype ? torch_dtype_class(*dtype) : std::nullopt;
  return Value::tensor(s, cls.value_or(Value::DType::Float));
}

// torch.scalar_tensor(v): a tensor of no dims holding v, floating unless a dtype says otherwise.
ValuePtr scalar(const std::string&, const ValuePtr&, const std::vector<Arg>& args) {
  ValuePtr dtype = argument(args, 99, "dtype");
  std::optional<Value::DType> cls = dtype ? torch_dtype_class(*dtype) : std::nullopt;
  return Value::tensor({}, cls.value_or(Value::DType::Float));
}

// The legacy typed constructors, torch.FloatTensor(2, 3) or torch.LongTensor([1, 2]) (XLNet's
// nn.Parameter(torch.FloatTensor(d_model, n_head, d_head))): numbers are the sizes of an
// uninitialized tensor, one list or tuple is its data; the type names the dtype class.
ValuePtr typed_constructor(const std::string& name, const ValuePtr& self, const std::vector<Arg>& args) {
  static const std::set<std::string> integer = {"LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"};
  const Value::DType dtype = integer.count(name) ? Value::DType::Integer : Value::DType::Float;
  ValuePtr first = argument(args, 0, "data");
  if (!first) return Value::tensor({Expr(0)}, dtype);  // torch.FloatTensor(): no elements
  ValuePtr made = first && (first->is(Value::Kind::List) || first->is(Value::Kind::Tuple))
                      ? from_data(name, self, args)
                      : filled(name, self, args);
  return made->is_tensor() ? with_dtype(*made, dtype) : made;
}

// torch.eye(n) / torch.eye(n, m): an n x m identity (m = n when not given).
ValuePtr identity_matrix(const std::string&, const ValuePtr&, const std::vector<Arg>& args) {
  ValuePtr n = argument(args, 0, "n"), m = argument(args, 1, "m");
  if (!n || !n->is(Value::Kind::Number) || (m && !m->is(Value::Kind::Number) && !m->is(Value::Kind::None)))
    return Value::unknown("eye with a non-number size");
  ValuePtr dtype = argument(args, 99, "dtype");
  std::optional<Value::DType> cls = dtype ? torch_dtype_class(*dtype) : std::nullopt;
  return Value::tensor({n->expr, m && m->is(Value::Kind::Number) ? m->expr : n->expr}, cls.value_or(Value::DType::Float));
}

// x.new_empty(*size), x.new_zeros(size), x.new_ones(size), x.new_full(size, fill): a tensor of
// the given size (not x's), of x's dtype.
ValuePtr new_filled(const std::string& name, const ValuePtr& self, const std::vector<Arg>& args) {
  std::vector<Arg> dims_args;
  for (const auto& a : args)
    if (a.name.empty() || a.name == "size") dims_args.push_back(a);
  if (name == "new_full" && !dims_args.empty()) dims_args.resize(1);
  Shape s;
  for (const auto& d : dims_of(dims_args)) {
    if (!d->is(Value::Kind::Number)) return Value::unknown(name + " with a non-number size");
    s.push_back(d->expr);
  }
  return with_shape(*self, s);
}

// torch.normal(mean, std, size=(n,)) with numbers for mean and std: a tensor of that size.
ValuePtr sampled(const std::string& name, const ValuePtr&, const std::vector<Arg>& args) {
  ValuePtr size = argument(args, 2, "size");
  if (!size) return Value::unknown(name + " without a size");
  Shape s;
  for (const auto& d : dims_of({{"", size, ""}})) {
    if (!d->is(Value::Kind::Number)) return Value::unknown(name + " with a non-number size");
    s.push_back(d->expr);
  }
  return Value::tensor(s);
}

ValuePtr concatenate(const std::string& name, const ValuePtr&, const std::vector<Arg>& args) {
  ValuePtr seq = argument(args, 0, "tensors");
  // A list whose element stands for all its items (one per index of a loop of run-time length).
  if (seq && seq->is(Value::Kind::List) && seq->element && seq->element->is_tensor()) {
    bool stacked = name == "stack";
    ValuePtr dimv = argument(args, 1, "dim");
    auto d = dimv ? dim_index(*dimv, seq->element->shape.size() + (stacked ? 1 : 0)) : std::optional<size_t>(0);
    if (!d) return Value::unknown(name + " along an unknown dim");
    Shape out = seq->element->shape;
    if (stacked) out.insert(out.begin() + static_cast<long>(*d), seq->length);
    else out[*d] = out[*d] * seq->length;
    return with_shape(*seq->element, out);
  }
  if (!seq || !(seq->is(Value::Kind::Tuple) || seq->is(Value::Kind::List)) || seq->items.empty())
    return Value::unknown(name + " of " + (seq ? seq->describe() : "nothing"));
  for (const auto& t : seq->items)
    if (!t->is_tensor()) return Value::unknown(name + " of a non-tensor");
  bool stack = name == "stack";
  // torch.cat passes over 1-D empty tensors (a cache's `torch.tensor([])` before its first
  // tokens: `torch.cat([self.keys, new], dim=-2)`), whatever the others' rank.
  if (!stack) {
    auto empty = [](const ValuePtr& t) { return t->shape.size() == 1 && t->shape[0].is_number() && t->shape[0] == Expr(0); };
    std::vector<ValuePtr> kept;
    for (const auto& t : seq->items)
      if (!empty(t)) kept.push_back(t);
    if (!kept.empty() && kept.size() != seq->items.size()) {
      std::vector<Arg> rest = args;
      for (Arg& a : rest)
        if (a.value == seq) a.value = Value::list(kept);
      return concatenate(name, nullptr, rest);
    }
  }
  ValuePtr dimv = argument(args, 1, "dim");
  size_t rank = seq->items[0]->shape.size() + (stack ? 1 : 0);
  auto d = dimv ? dim_index(*dimv, rank) : std::optional<size_t>(0);
  if (!d) return Value::unknown(name + " along an unknown dim");
  Shape out = seq->items[0]->shape;
  if (stack) {
    out.insert(out.begin() + static_cast<long>(*d), Expr(static_cast<long long>(seq->items.size())));
  } else {
    Expr total(0);
    for (const auto& t : seq->items) total = total + t->shape[*d];
    out[*d] = total;
    // The other dims are equal (torch.cat's contract): an unsized one takes another operand's.
    for (size_t i = 0; i < out.size(); ++i)
      if (i != *d && is_unsized(out[i]))
        for (const auto& t : seq->items)
          if (t->shape.size() == out.size() && !is_unsized(t->shape[i])) {
            out[i] = t->shape[i];
            break;
          }
  }
  return with_shape(*seq->items[0], out);
}

// ---- ops on a tensor (self) ----

ValuePtr reshape(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  // view(dtype) reinterprets the elements: a dtype, not a size.
  if (ValuePtr first = argument(args, 0, "dtype"); first && (first->is(Value::Kind::Global) || first->is(Value::Kind::Opaque)))
    return self;
  auto out = sizes_with_inferred(dims_of(args), numel(self->shape));
  if (!out) return Value::unknown("view/reshape with a non-number dim");
  return with_shape(*self, *out);
}

ValuePtr like_other(const std::string& name, const ValuePtr& self, const std::vector<Arg>& args) {
  if (name == "type_as") return self;
  ValuePtr other = argument(args, 0, "other");
  if (!other || !other->is_tensor()) return Value::unknown(name + " of a non-tensor");
  return with_shape(*self, other->shape);
}

ValuePtr transpose(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  size_t rank = self->shape.size();
  ValuePtr a = argument(args, 0, "dim0"), b = argument(args, 1, "dim1");
  auto i = a ? dim_index(*a, rank) : std::nullopt;
  auto j = b ? dim_index(*b, rank) : std::nullopt;
  if (!i || !j) return Value::unknown("transpose of unknown dims");
  Shape out = self->shape;
  std::swap(out[*i], out[*j]);
  return with_shape(*self, out);
}

ValuePtr matrix_transpose(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  Shape out = self->shape;
  size_t rank = out.size();
  if (rank >= 2) std::swap(out[rank - 1], out[rank - 2]);
  return with_shape(*self, out);
}

ValuePtr movedim(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  size_t rank = self->shape.size();
  ValuePtr a = argument(args, 0, "source"), b = argument(args, 1, "destination");
  auto i = a ? dim_index(*a, rank) : std::nullopt;
  auto j = b ? dim_index(*b, rank) : std::nullopt;
  if (!i || !j) return Value::unknown("movedim of unknown dims");
  Shape out = self->shape;
  Expr moved = out[*i];
  out.erase(out.begin() + static_cast<long>(*i));
  out.insert(out.begin() + static_cast<long>(*j), moved);
  return with_shape(*self, out);
}

ValuePtr permute(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  size_t rank = self->shape.size();
  std::vector<ValuePtr> dims = dims_of(args);
  if (dims.size() != rank)
    return Value::unknown("permute with " + std::to_string(dims.size()) + " dims of a rank-" + std::to_string(rank) + " tensor");
  Shape out;
  for (const auto& d : dims) {
    auto i = dim_index(*d, rank);
    if (!i) return Value::unknown("permute of unknown dims");
    out.push_back(self->shape[*i]);
  }
  return with_shape(*self, out);
}

ValuePtr unsqueeze(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  ValuePtr d = argument(args, 0, "dim");
  auto i = d ? dim_index(*d, self->shape.size() + 1) : std::nullopt;
  if (!i) return Value::unknown("unsqueeze of an unknown dim");
  Shape out = self->shape;
  out.insert(out.begin() + static_cast<long>(*i), Expr(1));
  return with_shape(*self, out);
}

ValuePtr squeeze(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  ValuePtr d = argument(args, 0, "dim");
  if (!d) {
    Shape out;
    for (const auto& e : in)
      if (!is_one(e)) out.push_back(e);
    return with_shape(*self, out);
  }
  auto i = dim_index(*d, in.size());
  if (!i) return Value::unknown("squeeze of an unknown dim");
  return with_shape(*self, is_one(in[*i]) ? drop(in, *i) : in);
}

ValuePtr expand(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  std::vector<ValuePtr> dims = dims_of(args);
  Shape out;
  size_t offset = dims.size() - in.size();
  for (size_t i = 0; i < dims.size(); ++i) {
    if (!dims[i]->is(Value::Kind::Number)) return Value::unknown("expand with a non-number dim");
    auto k = known_int(*dims[i]);
    if (k && *k == -1 && i >= offset) out.push_back(in[i - offset]);
    else out.push_back(dims[i]->expr);
  }
  return with_shape(*self, out);
}

ValuePtr flatten(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  size_t rank = in.size();
  ValuePtr a = argument(args, 0, "start_dim"), b = argument(args, 1, "end_dim");
  auto i = a ? dim_index(*a, rank) : std::optional<size_t>(0);
  auto j = b ? dim_index(*b, rank) : std::optional<size_t>(rank ? rank - 1 : 0);
  if (!i || !j) return Value::unknown("flatten of unknown dims");
  Shape out(in.begin(), in.begin() + static_cast<long>(*i));
  Expr merged(1);
  for (size_t k = *i; k <= *j && k < rank; ++k) merged = merged * in[k];
  out.push_back(merged);
  out.insert(out.end(), in.begin() + static_cast<long>(*j) + 1, in.end());
  return with_shape(*self, out);
}

ValuePtr unflatten(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  ValuePtr d = argument(args, 0, "dim"), sizes = argument(args, 1, "sizes");
  auto i = d ? dim_index(*d, in.size()) : std::nullopt;
  if (!i || !sizes) return Value::unknown("unflatten of unknown dims");
  auto inner = sizes_with_inferred(dims_of({{"", sizes, ""}}), in[*i]);
  if (!inner) return Value::unknown("unflatten with a non-number size");
  Shape out(in.begin(), in.begin() + static_cast<long>(*i));
  out.insert(out.end(), inner->begin(), inner->end());
  out.insert(out.end(), in.begin() + static_cast<long>(*i) + 1, in.end());
  return with_shape(*self, out);
}

ValuePtr unbind(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  ValuePtr d = argument(args, 0, "dim");
  auto i = d ? dim_index(*d, in.size()) : std::optional<size_t>(0);
  if (!i) return Value::unknown("unbind along an unknown dim");
  auto k = !in.empty() && in[*i].is_number() ? std::optional<long long>(in[*i].as_number().to_long()) : std::nullopt;
  if (!k) return Value::unknown("unbind of a symbolic dim");
  std::vector<ValuePtr> parts;
  for (long long n = 0; n < *k; ++n) parts.push_back(with_shape(*self, drop(in, *i)));
  return Value::tuple(parts);
}

ValuePtr chunk(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  ValuePtr first = argument(args, 0, "chunks");
  ValuePtr d = argument(args, 1, "dim");
  auto i = d ? dim_index(*d, in.size()) : std::optional<size_t>(0);
  if (!i) return Value::unknown("chunk along an unknown dim");
  if (!first) return Value::unknown("chunk without sizes");
  auto k = known_int(*first);
  if (!k) return Value::unknown("chunk into a symbolic number of parts");
  std::vector<ValuePtr> parts;
  for (long long n = 0; n < *k; ++n) {
    Shape out = in;
    out[*i] = in[*i] / Expr(*k);
    parts.push_back(with_shape(*self, out));
  }
  return Value::tuple(parts);
}

ValuePtr split(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  ValuePtr first = argument(args, 0, "split_size");
  ValuePtr d = argument(args, 1, "dim");
  auto i = d ? dim_index(*d, in.size()) : std::optional<size_t>(0);
  if (!i) return Value::unknown("split along an unknown dim");
  if (!first) return Value::unknown("split without sizes");
  std::vector<ValuePtr> parts;
  if (first->is(Value::Kind::List) && first->element && first->items.empty()) {
    // Sizes that a list of a symbolic length stands for (a routing's per-class counts,
    // counts.tolist(): JetMoE's `inputs.split(expert_size, dim=0)`): as many pieces, the element
    // of which has dim / length rows, their mean, since the sizes sum to the dim (torch's
    // contract); what is linear in the rows (the products of a loop over the pieces, their cat)
    // is exact summed over them.
    if (!first->element->is(Value::Kind::Number)) return Value::unknown("split with a non-number size");
    Shape out = in;
    out[*i] = in[*i] / first->length;
    return Value::repeated_list(with_shape(*self, out), first->length, {});
  }
  if (first->is(Value::Kind::List) || first->is(Value::Kind::Tuple)) {
    for (const auto& s : first->items) {
      if (!s->is(Value::Kind::Number)) return Value::unknown("split with a non-number size");
      Shape out = in;
      out[*i] = s->expr;
      parts.push_back(with_shape(*self, out));
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
      parts.push_back(with_shape(*self, out));
    }
    return Value::tuple(parts);
  }
  return Value::unknown("split with " + first->describe());
}

ValuePtr narrow(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  ValuePtr d = argument(args, 0, "dim"), len = argument(args, 2, "length");
  auto i = d ? dim_index(*d, self->shape.size()) : std::nullopt;
  if (!i || !len || !len->is(Value::Kind::Number)) return Value::unknown("narrow of unknown dims");
  Shape out = self->shape;
  out[*i] = len->expr;
  return with_shape(*self, out);
}

ValuePtr select(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  ValuePtr d = argument(args, 0, "dim");
  auto i = d ? dim_index(*d, self->shape.size()) : std::nullopt;
  if (!i) return Value::unknown("select of an unknown dim");
  return with_shape(*self, drop(self->shape, *i));
}

ValuePtr size(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  const Shape& in = self->shape;
  ValuePtr d = argument(args, 0, "dim");
  if (!d) {
    std::vector<ValuePtr> dims;
    for (const auto& e : in) dims.push_back(Value::number(e));
    return Value::tuple(dims);
  }
  auto i = dim_index(*d, in.size());
  if (!i) return Value::unknown("size of an unknown dim");
  return Value::number(in[*i]);
}

ValuePtr rank(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  return Value::integer(static_cast<long long>(self->shape.size()));
}

ValuePtr element_count(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  return Value::number(numel(self->shape));
}

ValuePtr element_size(const std::string&, const ValuePtr&, const std::vector<Arg>&) {
  return Value::number(Expr::symbol("bytes"));
}

ValuePtr is_floating_point(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  return Value::boolean(self->dtype == Value::DType::Float);
}

ValuePtr same_shape(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  return with_shape(*self, self->shape);
}

ValuePtr to_integer(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  return with_dtype(*self, Value::DType::Integer);
}

// counts.tolist() of a routing's per-class counts (trace/routing.h, counts_list): a list of C
// numbers. Any other tensor's values are data.
ValuePtr to_list(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  if (ValuePtr counts = counts_list(*self)) return counts;
  return Value::unknown("tolist of a tensor's values (data)");
}

ValuePtr to_float(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  return with_dtype(*self, Value::DType::Float);
}

ValuePtr to_bool(const std::string&, const ValuePtr& self, const std::vector<Arg>&) {
  return with_dtype(*self, Value::DType::Bool);
}

// x.to(dtype), x.to(device, dtype), x.to(other) (other's dtype), x.to(dtype=...), x.type(dtype):
// x of that dtype's class; a device, a copy flag or a dtype the analysis does not know leaves
// x's (`(mask > 0).to(self.dtype)` is a float mask, not a bool one).
ValuePtr converted(const std::string&, const ValuePtr& self, const std::vector<Arg>& args) {
  for (const auto& a : args) {
    if (!a.name.empty() && a.name != "dtype" && a.name != "other") continue;
    if (!a.value) continue;
    if (a.value->is_tensor()) return with_dtype(*self, a.value->dtype);
    if (std::optional<Value::DType> cls = torch_dtype_class(*a.value)) return with_dtype(*self, *cls);
  }
  return self;
}

// x.gather(dim, index): one element of x per element of index, so index's shape, x's dtype.
ValuePtr gathered(const std::string& name, const ValuePtr& self, const std::vector<Arg>& args) {
  ValuePtr index = argument(args, 1, "index");
  if (!index || !index->is_tensor()) return Value::unknown(name + " with an index that is not a tensor");
  return with_shape(*self, index->shape);
}

// torch.view_as_complex(x): [..., n, 2] seen as n complex numbers; view_as_real the other way.
// Views of the same memory. A complex element is counted as one element of the tensor.
ValuePtr complex_view(const std::string& name, const ValuePtr& self, const std::vector<Arg>&) {
  Shape s = self->shape;
  if (name == "view_as_real") {
    s.push_back(Expr(2));
    return with_shape(*self, s);
  }
  if (s.empty() || s.back() != Expr(2)) return Value::unknown("view_as_complex of a last dim that is not 2");
  s.pop_back();
  return with_shape(*self, s);
}

// to, contiguous, detach, clone, cpu, ...: the tensor itself as far as shapes go.
ValuePtr identity(const std::string&, const ValuePtr& self, const std::vector<Arg>&) { return self; }

const std::map<std::string, Rule>& table() {
  using C = Rule::Cost;
  static const std::map<std::string, Rule> rows = [] {
    std::map<std::string, Rule> m;
    auto row = [&](std::initializer_list<const char*> names, C cost, bool from_args, Rule::ShapeRule rule) {
      for (const char* n : names) m[n] = Rule{n, cost, from_args, rule};
    };
    // No tensor operand.
    row({"finfo", "iinfo"}, C::ZeroCost, false, type_info);
    row({"tensor", "as_tensor"}, C::ZeroCost, false, from_data);
    row({"cat", "concat", "concatenate", "stack"}, C::ZeroCost, false, concatenate);
    row({"arange"}, C::Creation, false, arange);
    row({"ones", "zeros", "empty", "full", "rand", "randn"}, C::Creation, false, filled);
    row({"normal"}, C::Creation, false, sampled);
    row({"scalar_tensor"}, C::Creation, false, scalar);
    row({"FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
         "CharTensor", "ByteTensor", "BoolTensor"},
        C::Creation, false, typed_constructor);
    row({"eye"}, C::Creation, false, identity_matrix);
    // On a tensor.
    row({"view", "reshape"}, C::ZeroCost, true, reshape);
    row({"view_as", "reshape_as", "expand_as", "type_as"}, C::ZeroCost, true, like_other);
    row({"transpose"}, C::ZeroCost, true, transpose);
    row({"t", "T", "mT"}, C::ZeroCost, true, matrix_transpose);
    row({"movedim"}, C::ZeroCost, true, movedim);
    row({"permute"}, C::ZeroCost, true, permute);
    row({"unsqueeze"}, C::ZeroCost, true, unsqueeze);
    row({"squeeze"}, C::ZeroCost, true, squeeze);
    row({"expand"}, C::ZeroCost, true, expand);
    row({"flatten"}, C::ZeroCost, true, flatten);
    row({"view_as_complex", "view_as_real"}, C::ZeroCost, true, complex_view);
    row({"unflatten"}, C::ZeroCost, true, unflatten);
    row({"unbind"}, C::ZeroCost, true, unbind);
    row({"chunk"}, C::ZeroCost, true, chunk);
    row({"split"}, C::ZeroCost, true, split);
    row({"narrow"}, C::ZeroCost, true, narrow);
    row({"select"}, C::ZeroCost, true, select);
    row({"size"}, C::ZeroCost, true, size);
    row({"dim"}, C::ZeroCost, true, rank);
    row({"numel"}, C::ZeroCost, true, element_count);
    row({"element_size"}, C::ZeroCost, true, element_size);
    row({"is_floating_point"}, C::ZeroCost, true, is_floating_point);
    row({"long", "int"}, C::ZeroCost, true, to_integer);
    row({"float", "half", "bfloat16", "double"}, C::ZeroCost, true, to_float);
    row({"tolist"}, C::ZeroCost, true, to_list);
    row({"bool"}, C::ZeroCost, true, to_bool);
    row({"to", "type"}, C::ZeroCost, true, converted);
    row({"contiguous", "detach", "cpu", "cuda", "requires_grad_", "repeat_interleave_view", "dropout_identity"},
        C::ZeroCost, true, identity);
    row({"ones_like", "zeros_like", "empty_like", "full_like"}, C::Creation, true, same_shape);
    row({"clone"}, C::Creation, true, identity);
    row({"new_empty", "new_zeros", "new_ones", "new_full"}, C::Creation, true, new_filled);
    row({"gather"}, C::Creation, true, gathered);
    return m;
  }();
  return rows;
}

}  // namespace

const TensorOpRule* find_tensor_op(const std::string& name) {
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

bool has_shape_rule(const std::string& name) { return find_tensor_op(name) != nullptr; }

bool is_zero_cost_op(const std::string& name) {
  const TensorOpRule* r = find_tensor_op(name);
  return r && r->cost == TensorOpRule::Cost::ZeroCost;
}

bool is_creation_op(const std::string& name) {
  const TensorOpRule* r = find_tensor_op(name);
  return r && r->cost == TensorOpRule::Cost::Creation;
}

ValuePtr shape_op(const std::string& name, const ValuePtr& self_in, const std::vector<Arg>& args_in) {
  const TensorOpRule* r = find_tensor_op(name);
  if (!r) return nullptr;
  ValuePtr self = self_in;
  std::vector<Arg> args = args_in;
  // torch.transpose(x, 0, 1) is x.transpose(0, 1): take the tensor from the arguments.
  if (!self && r->tensor_from_args && !args.empty() && args[0].value->is_tensor()) {
    self = args[0].value;
    args.erase(args.begin());
  }
  if (!r->tensor_from_args) return r->rule(name, nullptr, args);
  if (!self || !self->is_tensor()) return Value::unknown(name + " on " + (self ? self->describe() : "nothing"));
  return r->rule(name, self, args);
}

ValuePtr permuting_einsum(const std::string& op, const std::vector<Arg>& args) {
  if (op != "einsum") return nullptr;
  std::vector<ValuePtr> given;
  for (const auto& a : args)
    if (a.name.empty()) given.push_back(a.value);
  if (given.size() == 2 && (given[1]->is(Value::Kind::List) || given[1]->is(Value::Kind::Tuple))) {
    if (given[1]->items.size() != 1) return nullptr;
    given[1] = given[1]->items[0];
  }
  if (given.size() != 2 || !given[0]->is(Value::Kind::String) || !given[1]->is_tensor()) return nullptr;
  std::string eq;
  for (char ch : given[0]->str)
    if (ch != ' ') eq += ch;
  const size_t arrow = eq.find("->");
  if (arrow == std::string::npos) return nullptr;
  const std::string in = eq.substr(0, arrow), out = eq.substr(arrow + 2);
  const Shape& shape = given[1]->shape;
  if (in.size() != shape.size() || out.size() != in.size() || std::set<char>(in.begin(), in.end()).size() != in.size() ||
      std::set<char>(out.begin(), out.end()).size() != out.size())
    return nullptr;
  Shape permuted;
  for (char ch : out) {
    const size_t at = in.find(ch);
    if (at == std::string::npos || !std::isalpha(static_cast<unsigned char>(ch))) return nullptr;
    permuted.push_back(shape[at]);
  }
  return with_shape(*given[1], permuted);
}

}  // namespace kcost
