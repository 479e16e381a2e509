// For tests: a check made under several orders of the symbols.
//
// GiNaC orders a sum's terms (and picks among symbols, where it picks) by when each symbol was
// made, its serial; a result that must not depend on that order is checked under several.
#pragma once

#include <ginac/ginac.h>

#include "expr/symbol_table.h"

namespace kcost {

// check(k) for each of `orders` orders of the symbols: each k makes k unused symbols first, then
// checks in a fresh scope (the symbols the check makes are made after them).
template <typename Check>
void for_each_symbol_order(int orders, Check check) {
  for (int k = 0; k < orders; ++k) {
    for (int i = 0; i < k; ++i) GiNaC::symbol unused("unused");
    const SymbolScope scope;
    check(k);
  }
}

}  // namespace kcost
