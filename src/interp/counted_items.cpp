#include "interp/counted_items.h"

#include <memory>

namespace kcost {

ValuePtr counted_items(const std::vector<ValuePtr>& items, const std::vector<Expr>& counts) {
  if (items.empty() || items.size() != counts.size()) return Value::unknown("a list grown in a loop of counted iterations");
  Expr total(0);
  for (const Expr& c : counts) total = total + c;
  bool same = true;
  for (const ValuePtr& v : items) same = same && v && same_value(*v, *items[0]);
  if (same) return Value::repeated_list(items[0], total, {});
  // Tensors alike but for the size of one dim.
  const Value& first = *items[0];
  bool tensors = first.is_tensor();
  for (const ValuePtr& v : items)
    tensors = tensors && v && v->is_tensor() && v->shape.size() == first.shape.size() && v->dtype == first.dtype &&
              v->origin == first.origin && !v->presence && !v->none_unless;
  if (tensors) {
    std::vector<size_t> differ;
    for (size_t d = 0; d < first.shape.size(); ++d)
      for (const ValuePtr& v : items)
        if (v->shape[d] != first.shape[d]) {
          differ.push_back(d);
          break;
        }
    if (differ.size() == 1) {
      const size_t d = differ[0];
      Expr sum(0);
      for (size_t i = 0; i < items.size(); ++i) sum = sum + counts[i] * items[i]->shape[d];
      auto element = std::make_shared<Value>(first);
      element->shape[d] = sum / total;
      element->routing.reset();
      element->fill.reset();
      element->items.clear();
      return Value::repeated_list(element, total, {});
    }
  }
  return Value::unknown("a list grown in a loop whose iterations stand for several, by items that differ in more than one dim");
}

}  // namespace kcost
