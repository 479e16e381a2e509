#include "trace/routing.h"

#include <algorithm>
#include <memory>

#include "trace/tensor_shapes.h"

namespace kcost {

namespace {

using Stage = Routing::Stage;

ValuePtr marked(const Value& v, Routing r) {
  auto out = std::make_shared<Value>(v);
  out->routing = std::make_shared<const Routing>(std::move(r));
  return out;
}

bool at(const ValuePtr& v, Stage s) { return v && v->is_tensor() && v->routing && v->routing->stage == s; }

// H = min(reach, R, experts_hit): the classes some row of `r` reaches.
Expr classes_hit(const Routing& r) { return Expr::min(Expr::min(r.reach, r.entries), Expr::symbol("experts_hit")); }

bool is_zero(const ValuePtr& v) { return v && v->is(Value::Kind::Number) && v->expr.is_number() && v->expr.as_number().is_zero(); }

bool is_one(const ValuePtr& v) { return v && v->is(Value::Kind::Number) && v->known && *v->known == 1; }

// zeros.scatter(dim, idx, 1) / torch.scatter(zeros, dim, idx, 1) (and scatter_'s output): ones
// written at topk's indices into a tensor of zeros, along idx's last dim, where its values are
// distinct (routing_indices), so each of its numel(idx) entries sets its own one: a Mask over the
// C = zeros.shape[dim] classes of that dim. Anything else: nullptr.
ValuePtr scattered_mask(const std::string& op, const ValuePtr& self, const std::vector<Arg>& args, const ValuePtr& out) {
  if (op != "scatter" && op != "scatter_") return nullptr;
  const size_t first = self ? 0 : 1;
  ValuePtr zeros = self ? self : argument(args, 0, "input");
  ValuePtr dim = argument(args, first, "dim"), index = argument(args, first + 1, "index");
  ValuePtr value = argument(args, first + 2, "value");
  if (!value) value = argument(args, first + 2, "src");
  if (!zeros || !zeros->is_tensor() || !zeros->fill || !zeros->fill->is_zero() || !dim || !at(index, Stage::Indices) ||
      !is_one(value) || index->shape.size() != zeros->shape.size() || out->shape != zeros->shape)
    return nullptr;
  std::optional<size_t> d = dim_index(*dim, zeros->shape.size());
  if (!d || *d + 1 != index->shape.size()) return nullptr;
  return routing_mask(*index, zeros->shape[*d], out);
}

}  // namespace

ValuePtr without_routing(const ValuePtr& v) {
  if (!v || !v->routing) return v;
  auto out = std::make_shared<Value>(*v);
  out->routing.reset();
  return out;
}

ValuePtr routing_indices(const ValuePtr& indices, const Expr& n) {
  Routing r;
  r.stage = Stage::Indices;
  r.reach = n;
  return marked(*indices, r);
}

ValuePtr routing_mask(const Value& index, const Expr& classes, const ValuePtr& out) {
  Routing r;
  r.stage = Stage::Mask;
  r.classes = classes;
  r.reach = index.routing && index.routing->stage == Stage::Indices ? Expr::min(classes, index.routing->reach) : classes;
  r.entries = numel(index.shape);
  return marked(*out, r);
}

ValuePtr follow_routing(const std::string& op, const ValuePtr& self, const std::vector<Arg>& args, const ValuePtr& out) {
  if (!out || !out->is_tensor()) return out;
  ValuePtr x = self ? self : (args.empty() ? nullptr : args[0].value);
  if (ValuePtr mask = scattered_mask(op, self, args, out)) return mask;
  // counts = mask.sum(dims): the per-class counts when what is left is the class dim.
  if (op == "sum" && at(x, Stage::Mask) && out->shape.size() == 1 && out->shape[0] == x->routing->classes) {
    Routing r = *x->routing;
    r.stage = Stage::Counts;
    return marked(*out, r);
  }
  // hit = counts > 0: the classes reached.
  static const std::vector<std::string> positive = {"gt", "greater", "ne", "not_equal", "__gt__", "__ne__"};
  if (std::find(positive.begin(), positive.end(), op) != positive.end() && at(x, Stage::Counts)) {
    ValuePtr other = self ? (args.empty() ? nullptr : args[0].value) : (args.size() > 1 ? args[1].value : nullptr);
    if (is_zero(other)) {
      Routing r = *x->routing;
      r.stage = Stage::Hit;
      return marked(*out, r);
    }
  }
  // mask[e] for an expert e the loop reached: that expert's entries.
  if (op == "__getitem__" && at(x, Stage::Mask) && !args.empty() && at(args[0].value, Stage::HitClass)) {
    Routing r = *x->routing;
    r.stage = Stage::ClassSlice;
    r.hit = args[0].value->routing->hit;
    r.entries = x->routing->entries / r.hit;
    return marked(*out, r);
  }
  // mask[e] for a class index of a loop over range(C) (class_indices): that class's entries.
  if (op == "__getitem__" && at(x, Stage::Mask) && !args.empty() && args[0].value && args[0].value->routing &&
      args[0].value->routing->stage == Stage::ClassIndex && args[0].value->routing->classes == x->routing->classes &&
      !x->shape.empty() && x->shape[0] == x->routing->classes) {
    Routing r = *x->routing;
    r.stage = Stage::ClassSlice;
    r.hit = args[0].value->routing->hit;
    r.entries = args[0].value->routing->entries;
    return marked(*out, r);
  }
  // mask[e] for every class e in turn (a loop over range(C): an index the analysis cannot know):
  // R / C entries each, summed over the C classes exactly R.
  if (op == "__getitem__" && at(x, Stage::Mask) && !args.empty() && args[0].value &&
      args[0].value->is(Value::Kind::Number) && !args[0].value->expr.is_number() && !x->shape.empty() &&
      x->shape[0] == x->routing->classes) {
    Routing r = *x->routing;
    r.stage = Stage::ClassSlice;
    r.hit = x->routing->classes;
    r.entries = x->routing->entries / r.hit;
    return marked(*out, r);
  }
  // e[0] of an expert the loop reached is that expert.
  if (op == "__getitem__" && (at(x, Stage::HitClass) || at(x, Stage::HitList))) return out;
  // Any other op: an ordinary tensor, even when its output was made like a marked operand (a mark
  // an op's own rule set, topk's or one_hot's, is not the operand's and stays).
  return out->routing && x && x->routing == out->routing ? without_routing(out) : out;
}

std::vector<std::pair<ValuePtr, Expr>> class_indices(const Routing& mask) {
  Expr hit = classes_hit(mask);
  auto index = [&](const Expr& entries) {
    Routing r;
    r.stage = Stage::ClassIndex;
    r.reach = mask.reach;
    r.classes = mask.classes;
    r.hit = hit;
    r.entries = entries;
    return marked(*Value::number(Expr::symbol("index")), r);
  };
  return {{index(mask.entries / hit), hit}, {index(Expr(0)), mask.classes - hit}};
}

ValuePtr counts_list(const Value& counts) {
  if (!counts.is_tensor() || !counts.routing || counts.routing->stage != Stage::Counts || counts.shape.size() != 1 ||
      counts.shape[0] != counts.routing->classes)
    return nullptr;
  auto each = std::make_shared<Value>(*Value::number(counts.routing->entries / counts.routing->classes));
  each->routing = counts.routing;
  return Value::repeated_list(each, counts.routing->classes, {});
}

std::optional<Expr> nonzero_count(const Value& x) {
  if (!x.items.empty()) {
    long long n = 0;
    for (const ValuePtr& item : x.items) {
      std::optional<long long> v = item ? known_int(*item) : std::nullopt;
      if (!v) return std::nullopt;
      n += *v != 0;
    }
    return Expr(n);
  }
  if (!x.routing) return std::nullopt;
  if (x.routing->stage == Stage::Hit) return classes_hit(*x.routing);
  if (x.routing->stage == Stage::ClassSlice) return x.routing->entries;
  return std::nullopt;
}

ValuePtr nonzero_output(const Value& x, const Expr& n, bool as_tuple) {
  Expr rank(static_cast<long long>(x.shape.size()));
  std::optional<Routing> list;
  if (x.routing && x.routing->stage == Stage::Hit) {
    list = *x.routing;
    list->stage = Stage::HitList;
    list->hit = n;
  }
  auto tensor = [&](Shape s) {
    ValuePtr t = Value::tensor(std::move(s), Value::DType::Integer);
    return list ? marked(*t, *list) : t;
  };
  if (!as_tuple) return tensor({n, rank});
  std::vector<ValuePtr> parts;
  for (size_t i = 0; i < x.shape.size(); ++i) parts.push_back(tensor({n}));
  return Value::tuple(parts);
}

ValuePtr tensor_row(const Value& t) {
  Shape rest(t.shape.begin() + (t.shape.empty() ? 0 : 1), t.shape.end());
  ValuePtr row = with_shape(t, rest);
  if (t.routing && t.routing->stage == Stage::HitList) {
    Routing r = *t.routing;
    r.stage = Stage::HitClass;
    return marked(*row, r);
  }
  return without_routing(row);
}

}  // namespace kcost
