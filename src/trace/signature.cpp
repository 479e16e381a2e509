#include "trace/signature.h"

#include "trace/tensor_shapes.h"

namespace kcost {

namespace {

std::string path_name(const std::string& input, const std::vector<size_t>& item) {
  std::string n = input;
  for (size_t i : item) n += "_" + std::to_string(i);
  return n;
}

ValuePtr at(const ValuePtr& v, const std::vector<size_t>& item) {
  ValuePtr cur = v;
  for (size_t i : item) {
    if (!cur || !(cur->is(Value::Kind::Tuple) || cur->is(Value::Kind::List)) || i >= cur->items.size()) return nullptr;
    cur = cur->items[i];
  }
  return cur;
}

// Shape of a tensor seen with `rank` dims: extra leading dims merged into the first.
Shape merged(const Shape& s, size_t rank) {
  if (s.size() <= rank) return s;
  if (rank == 0) return {};  // seen as a 0-d tensor somewhere: no dims to keep
  size_t extra = s.size() - rank;
  Shape out;
  Expr first(1);
  for (size_t i = 0; i <= extra; ++i) first = first * s[i];
  out.push_back(first);
  out.insert(out.end(), s.begin() + static_cast<long>(extra) + 1, s.end());
  return out;
}

ValuePtr generalize_value(const std::string& input, const std::vector<size_t>& item,
                          const std::vector<ValuePtr>& values, const SharedExpr& shared, std::vector<ParamPath>& params) {
  const ValuePtr& first = values[0];
  // A list whose element stands for each of its items (a routing's per-class counts, tolist()):
  // the same at every site, it stays (its element and length are what the items are), else no
  // item of it is known.
  if (first && first->is(Value::Kind::List) && first->element && first->items.empty()) {
    bool same = true;
    for (const auto& v : values) same = same && v && same_value(*v, *first);
    const bool held = !shared || (shared(first->length) && (!first->element->is(Value::Kind::Number) || shared(first->element->expr)));
    return same && held ? first : Value::unknown("a list standing for " + first->length.str() + " items, not the same at every call");
  }
  bool all_tensors = true, all_numbers = true, all_sequences = true;
  for (const auto& v : values) {
    all_tensors = all_tensors && v && v->is(Value::Kind::Tensor);
    all_numbers = all_numbers && v && v->is(Value::Kind::Number);
    all_sequences = all_sequences && v && (v->is(Value::Kind::Tuple) || v->is(Value::Kind::List)) &&
                    v->items.size() == first->items.size();
  }
  if (all_tensors) {
    size_t rank = first->shape.size();
    for (const auto& v : values) rank = std::min(rank, v->shape.size());
    std::vector<Shape> shapes;
    for (const auto& v : values) shapes.push_back(merged(v->shape, rank));
    auto t = std::make_shared<Value>(*first);
    t->shape.clear();
    for (size_t d = 0; d < rank; ++d) {
      bool same = true;
      for (const auto& s : shapes) same = same && s[d] == shapes[0][d];
      if (same && (!shared || shared(shapes[0][d]))) {
        t->shape.push_back(shapes[0][d]);
        continue;
      }
      ParamPath p;
      p.input = input;
      p.item = item;
      p.dim = static_cast<int>(d);
      p.name = path_name(input, item) + "_dim" + std::to_string(d);
      t->shape.push_back(Expr::symbol(p.name));
      params.push_back(p);
    }
    // Remember the rank so that extract() merges leading dims the same way.
    for (auto& p : params)
      if (p.input == input && p.item == item) p.merge = rank;
    return t;
  }
  if (all_numbers) {
    bool same = true;
    for (const auto& v : values) same = same && v->expr == first->expr;
    if (same && (!shared || shared(first->expr))) return first;
    ParamPath p;
    p.input = input;
    p.item = item;
    p.name = path_name(input, item);
    params.push_back(p);
    std::optional<GiNaC::numeric> known = first->known;
    for (const auto& v : values)
      if (!v->known || !first->known || *v->known != *first->known) known.reset();
    return Value::number(Expr::symbol(p.name), known);
  }
  if (all_sequences && first && first->element && first->items.empty()) {
    // A sequence standing for `length` items alike (one per layer: XLNet's mems): kept as it is
    // where every site passes the same; its item has no path a site could bind.
    bool same = true;
    for (const auto& v : values) same = same && v->element && v->items.empty() && same_value(*v, *first);
    if (same) return first;
  }
  if (all_sequences && first) {
    std::vector<ValuePtr> items;
    for (size_t i = 0; i < first->items.size(); ++i) {
      std::vector<ValuePtr> column;
      for (const auto& v : values) column.push_back(v->items[i]);
      std::vector<size_t> sub = item;
      sub.push_back(i);
      items.push_back(generalize_value(input, sub, column, shared, params));
    }
    ValuePtr out = first->is(Value::Kind::Tuple) ? Value::tuple(items) : Value::list(items);
    // A state that is None unless a token is cached (generation_call's carry) stays so.
    if (first->none_unless) {
      auto state = std::make_shared<Value>(*out);
      state->none_unless = first->none_unless;
      return state;
    }
    return out;
  }
  return first;
}

}  // namespace

Expr extract(const ParamPath& path, const std::map<std::string, ValuePtr>& inputs) {
  auto it = inputs.find(path.input);
  if (it == inputs.end()) return Expr::symbol(path.name);
  ValuePtr v = at(it->second, path.item);
  if (!v) return Expr::symbol(path.name);
  if (path.dim < 0) return v->is(Value::Kind::Number) ? v->expr : Expr::symbol(path.name);
  if (!v->is(Value::Kind::Tensor)) return Expr::symbol(path.name);
  Shape s = merged(v->shape, path.merge);
  return static_cast<size_t>(path.dim) < s.size() ? s[path.dim] : Expr::symbol(path.name);
}

KernelSignature generalize(const std::vector<std::string>& forward_param_order, const std::vector<CallSite>& sites,
                           const SharedExpr& shared) {
  KernelSignature sig;
  if (sites.empty()) return sig;
  for (const auto& name : forward_param_order) {
    std::vector<ValuePtr> values;
    for (const auto& site : sites) {
      auto it = site.inputs.find(name);
      values.push_back(it == site.inputs.end() ? Value::none() : it->second);
    }
    sig.inputs[name] = generalize_value(name, {}, values, shared, sig.forward_params);
  }
  return sig;
}

}  // namespace kcost
