#include "trace/tensor_shapes.h"

#include <algorithm>

namespace kcost {

Expr numel(const Shape& shape) {
  Expr n(1);
  for (const auto& d : shape) n = n * d;
  return n;
}

Expr unsized_dim() { return Expr::symbol("kcost.unsized_dim"); }

bool is_unsized(const Expr& d) { return d == unsized_dim(); }

bool has_unsized(const Shape& shape) {
  for (const auto& d : shape)
    if (is_unsized(d)) return true;
  return false;
}

bool is_one(const Expr& e) { return e.is_number() && e.as_number() == 1; }

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
    } else if (a.name == name || (name == "dim" && a.name == "axis")) {
      // torch's argument parser takes NumPy's `axis` for `dim` (torch.cat(..., axis=-1) in
      // transformers 4.x's create_extended_attention_mask_for_decoder).
      return a.value;
    }
  }
  return nullptr;
}

namespace {

// Whether `e` is minus a size: every term of -e, expanded, a positive multiple of symbols or
// functions of them (sizes are never negative), as `-seq_len` or `-(k - 1) - s` are.
bool minus_a_size(const Expr& e) {
  if (e.is_number()) return false;
  GiNaC::ex x = (-e).expand().ex();
  auto positive_term = [](const GiNaC::ex& t) {
    if (GiNaC::is_a<GiNaC::numeric>(t)) return GiNaC::ex_to<GiNaC::numeric>(t).is_positive();
    if (GiNaC::is_a<GiNaC::mul>(t)) {
      for (size_t i = 0; i < t.nops(); ++i)
        if (GiNaC::is_a<GiNaC::numeric>(t.op(i)) && !GiNaC::ex_to<GiNaC::numeric>(t.op(i)).is_positive()) return false;
      return true;
    }
    return GiNaC::is_a<GiNaC::symbol>(t) || GiNaC::is_a<GiNaC::function>(t) || GiNaC::is_a<GiNaC::power>(t);
  };
  if (GiNaC::is_a<GiNaC::add>(x)) {
    for (size_t i = 0; i < x.nops(); ++i)
      if (!positive_term(x.op(i))) return false;
    return true;
  }
  return positive_term(x);
}

}  // namespace

ValuePtr index_tensor(const Value& tensor, const Value& index) {
  std::vector<ValuePtr> parts = index.is(Value::Kind::Tuple) ? index.items : std::vector<ValuePtr>{std::make_shared<Value>(index)};
  size_t consumed = 0;
  for (const auto& p : parts)
    if (!p->is(Value::Kind::None) && !p->is(Value::Kind::Ellipsis)) ++consumed;
  Shape in = tensor.shape;
  Shape out;
  size_t dim = 0;
  // Several integer-tensor indices (x[rows, cols, None]) index together: their shapes broadcast,
  // and the result takes the place of the first when they are adjacent, else comes first.
  std::vector<size_t> advanced;
  for (size_t i = 0; i < parts.size(); ++i)
    if (parts[i]->is_tensor() && parts[i]->dtype == Value::DType::Integer) advanced.push_back(i);
  bool several = advanced.size() > 1 && std::none_of(parts.begin(), parts.end(), [](const ValuePtr& q) {
                   return q->is(Value::Kind::List) || (q->is_tensor() && q->dtype != Value::DType::Integer);
                 });
  Shape together;
  bool adjacent = true;
  if (several) {
    for (size_t i = 0; i < advanced.size(); ++i) {
      together = broadcast(together, parts[advanced[i]]->shape);
      if (i && advanced[i] != advanced[i - 1] + 1) adjacent = false;
    }
  }
  size_t position = 0;
  for (const auto& p : parts) {
    size_t here = position++;
    if (several && p->is_tensor()) {
      if (dim >= in.size()) return Value::unknown("index past the rank of " + shape_text(in));
      if (adjacent && here == advanced.front()) out.insert(out.end(), together.begin(), together.end());
      ++dim;
      continue;
    }
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
        if (!v->known && minus_a_size(v->expr)) {
          // From the end by a size of the analysed call (x[:, :, -seq_len:] on a conv's output,
          // which holds the conv state's positions before the new ones): taken to lie within the
          // dim, as model code that drops what it prepended has it: the last seq_len positions.
          return size + v->expr;
        }
        if (v->known && *v->known < 0) {
          // From the end. A literal offset (x[..., -1:]) is taken to lie within the dim, as it
          // does in model code; a computed one (keys[:, :, -self.sliding_window + 1:]) is clamped
          // to the dim as Python does: x[-n:] keeps min(size, n) elements.
          if (v->expr.is_number()) return size + v->expr;
          return size - Expr::min(size, -v->expr);
        }
        // Bounds are taken to lie within the dim (as they do in model code).
        return v->expr;
      };
      auto lo = bound(p->items[0], Expr(0));
      auto hi = bound(p->items[1], size);
      if (!lo || !hi) return Value::unknown("slice with non-number bounds");
      const ValuePtr& step = p->items[2];
      if (step->is(Value::Kind::None)) {
        // x[-0:] is the whole dim (0 == -0). Bounds that move together cancel: the length
        // expanded when that is simpler (xLSTM's chunks x[k * c : (k + 1) * c], k a loop index,
        // are c long whatever the iteration; its states x[:, :, :-d] of (n + 1) * d are n * d).
        Expr length = *hi - *lo;
        Expr expanded = length.expand();
        if (expanded.symbols().size() < length.symbols().size() || expanded.str().size() < length.str().size())
          length = expanded;
        out.push_back(length);
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
    if (p->is_tensor() && lists == 1 && p->dtype == Value::DType::Integer) {
      // table[position_ids]: one integer-tensor index, its shape in place of the dim.
      out.insert(out.end(), p->shape.begin(), p->shape.end());
      ++dim;
      continue;
    }
    if (p->is_tensor() && lists == 1 && p->dtype == Value::DType::Bool && p->fill && !p->shape.empty() &&
        dim + p->shape.size() <= in.size()) {
      // x[mask] with a mask every element of which is known (X-MOD's `lang_ids == adapter_idx`
      // on a batch of one language): the mask's dims become one, of all its elements where it
      // is true, none where false.
      out.push_back(p->fill->is_zero() ? Expr(0) : numel(p->shape));
      dim += p->shape.size();
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
  if (several && !adjacent) out.insert(out.begin(), together.begin(), together.end());
  return with_shape(tensor, out);
}

}  // namespace kcost
