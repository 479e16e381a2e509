// A node of an expression made again with new operands, without GiNaC's leaks.
//
// GiNaC evaluates each node an ex takes, and a node GiNaC makes inside its own map, subs or
// expand lies on the heap, owned by nothing, until that evaluation returns: when the evaluation
// throws, the node is never freed. It throws for a power of zero to a negative exponent
// (`((a + b) * (a - b) - a**2 + b**2) ** -1` expanded, `1 / (n - 3)` at n = 3), for a floor
// division or modulo by zero (kcost's own evaluation rules, functions.h), and where CLN throws
// (a float beyond the range): expr_roundtrip findings, each a leak. basic::map leaks the copy it
// made, too, when the map function throws on a later operand.
//
// So kcost's rewrites of a tree make each new node here, never through GiNaC's map, subs or expand
// of a tree that may hold such a node: the operands first (nothing is built while they are made),
// then the node, through kcost's operators (expr.h), which refuse before GiNaC evaluates what would
// throw inside it, or as a temporary, which is destroyed whatever its evaluation does.
#pragma once

#include <ginac/ginac.h>

namespace kcost {

// `e` with `operands` (as many as e has) for its operands. A sum, a product and a power are made
// as Expr's operators make them (throwing ExprError where they would: "division by zero",
// "float overflow", "number too large in power"); a function as a temporary, evaluated by its
// rule (which may throw ExprError); anything else (a list) with its operands replaced.
GiNaC::ex rebuild(const GiNaC::ex& e, const GiNaC::exvector& operands);

// GiNaC's e.map(f) without its leaks: `e` itself when f returns every operand unchanged, else
// rebuild(e, each operand through f). f sees every operand before anything is built.
GiNaC::ex map_operands(const GiNaC::ex& e, GiNaC::map_function& f);

// rebuild(e, each operand through f), even when f returns every operand unchanged: what GiNaC
// holds beside the operands is made again (a product's float coefficient 1.0, which it leaves
// out of them, becomes 1).
GiNaC::ex remake(const GiNaC::ex& e, GiNaC::map_function& f);

}  // namespace kcost
