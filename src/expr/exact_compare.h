// A total order on expressions that never takes a float for the exact number of its value, and
// only reads the expressions it compares.
//
// GiNaC's own order (ex::compare, and ex_is_less over it, the order of GiNaC::exmap) holds 6.0
// and 6 equal, and x + 6.0 and x + 6, and when two distinct trees compare equal it makes the two
// handles share one of them: the float of one expression becomes the exact number of the other
// (or the other way), in trees that a caller holds as its own. A std::map keyed that way can
// rewrite the expression looked up in it. Key maps by ExactLess instead.
//
// The order: by hash (GiNaC's hash gives numbers equal in value one hash), then type, then what
// each type holds: a number's exactness first, then its value; a function's serial; the number
// of operands, then the operands in turn; a sum's numeric constant last (GiNaC leaves a float zero
// out of the operands). GiNaC's basic::compare is used only on leaves other than numbers
// (symbols, constants), which have no children to share.
#pragma once

#include <ginac/ginac.h>

namespace kcost {

// <0, 0 or >0 as a sorts before, with or after b. 0 only for trees equal in every number's
// exactness and value.
int exact_compare(const GiNaC::ex& a, const GiNaC::ex& b);

struct ExactLess {
  bool operator()(const GiNaC::ex& a, const GiNaC::ex& b) const { return exact_compare(a, b) < 0; }
};

}  // namespace kcost
