// A walk over an expression that visits each node once, however many terms share it.
//
// GiNaC shares subtrees: expanding `(s + y) ** 15 * f` where f is a floor division of a long sum
// gives thousands of terms, each holding the one node f. A walk of the tree (GiNaC's
// preorder_iterator, or a recursion over op(i)) goes down f once per term: an expr_roundtrip
// input that took 1.3 s of a release build (11 s under ASan) spent a third of it searching such
// an expansion for floats (fuzz/slow/README.md). Here each node with operands is visited once, by
// whichever path reaches it first. That gives the same answer wherever what is asked of a node
// depends on the node alone, not on the path to it (whether it is a float, the largest number
// under it, the symbols in it). A leaf (a number, a symbol) is visited once per reference: it
// costs no more to visit than to remember.
//
// GiNaC makes some operands afresh when asked for them (a sum's term 2 * x is held as the pair
// (x, 2), and op(i) builds the product): the walk keeps each node it has visited alive until it
// ends, so that no later node is made at a freed one's address and taken for it.
#pragma once

#include <unordered_map>
#include <utility>
#include <vector>

#include <ginac/ginac.h>

namespace kcost {

// A value noted for each node, by the node's address, with the node kept alive while the memo
// lives (above: a node made afresh must not be taken for a freed one at the same address). Only
// nodes with operands are worth noting: GiNaC shares those, and a leaf costs no more to look at
// again than to look up.
template <class V>
class NodeMemo {
 public:
  // The value noted for e's node, or null.
  const V* find(const GiNaC::ex& e) const {
    const auto found = values_.find(&GiNaC::ex_to<GiNaC::basic>(e));
    return found == values_.end() ? nullptr : &found->second.second;
  }
  // Notes v for e's node; false, leaving the value noted before, when it has one.
  bool note(const GiNaC::ex& e, V v) {
    return values_.try_emplace(&GiNaC::ex_to<GiNaC::basic>(e), e, std::move(v)).second;
  }

 private:
  std::unordered_map<const GiNaC::basic*, std::pair<GiNaC::ex, V>> values_;
};

// What a visit asks of the walk: to go on into the node's operands, into its operand 0 alone (a
// power's base, not its exponent), past them, or to end.
enum class Walk { into, into_first, over, stop };

// Calls visit(node) on e, and on the operands of each node whose visit returned Walk::into
// (operand 0 first) or on the first of them for Walk::into_first, each node with operands once.
// True when a visit returned Walk::stop: the walk ends there.
template <class Visit>
bool walk_distinct(const GiNaC::ex& e, Visit&& visit) {
  NodeMemo<bool> seen;  // each node with operands visited, alive until the walk ends
  std::vector<GiNaC::ex> todo{e};
  while (!todo.empty()) {
    const GiNaC::ex node = std::move(todo.back());
    todo.pop_back();
    const size_t n = node.nops();
    if (n > 0 && !seen.note(node, true)) continue;
    const Walk next = visit(node);
    if (next == Walk::stop) return true;
    if (next == Walk::into)
      for (size_t i = n; i-- > 0;) todo.push_back(node.op(i));
    else if (next == Walk::into_first && n > 0)
      todo.push_back(node.op(0));
  }
  return false;
}

}  // namespace kcost
