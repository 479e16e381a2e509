// How large an expression becomes when expanded. GiNaC's expand and polynomial division grow
// with the number of terms and the degree of the result, not with the size of the tree:
// `(a + b + c + d) ** 200` is five nodes and expands into 1.37 million terms (seconds);
// dividing `(a + b) ** 829` by `c - b` took over a minute (a fuzz finding). The analysis
// expands to simplify (exact quotients, equivalence, offsets of an index, readable totals) and
// skips a simplification whose expansion would be large: cost formulas are small polynomials.
//
// The estimate is an upper bound computed on the tree, without expanding:
// - a number: 1 term of degree 0; a symbol: 1 term of degree 1;
// - a sum: the sum of its terms' counts, the largest degree;
// - a product: the product of the counts, the sum of the degrees;
// - a power to a whole n: a base of t terms gives C(|n| + t - 1, t - 1) terms (the monomials
//   of degree |n| in t variables), of |n| times the base's degree; any other power to a
//   number, and any function (min, //, ...), one term of degree 1: expand does not multiply out
//   through them. Their operands are expanded on their own: the largest of those is
//   `inner_terms`;
// - a power to a symbolic exponent: expand splits a sum exponent, x ** (c + y) is
//   x ** c * x ** y, so a sum base counts as raised to the whole power c, which is at most
//   2 ** the exponent's extent (below), times one opaque term.
// Counts saturate at infinity rather than overflow.
//
// `work` bounds the time: the terms of every expansion made on the way, summed. A sum adds its
// terms' work; a product adds its factors' and then its own terms (the multiplying out); a power
// adds its base's (and exponent's) and its own terms; a function, its operands' and one, the
// first time it occurs: expand_all (below) expands each distinct function once, and a function
// met again costs one term. The bounds on terms and on the largest operand alone let a tree hold
// any number of operands of 90,000 terms: an expr_roundtrip finding held 35 copies of one floor
// division whose operand, `(a sum of 37 terms) ** 4`, took 0.44 s to expand (GiNaC's expand
// expands every occurrence again: 15 s in all), and equivalence expanded such a tree at each of
// the powers around it (over a minute).
//
// It also bounds the numbers of the expansion, for a float that would leave the float range
// there (float_range.h: CLN throws inside GiNaC's expand and GiNaC leaks what it allocated).
// `extent` is the largest |log2 |c|| a coefficient c may reach, or the log2 of the sum of the
// |c| of an expansion, whichever is larger: a number's own; a sum's largest plus log2 of its
// terms; a product's extents added (the sums of |c| multiply); a power to a number p, |p| times
// the base's (the multinomial coefficients of a whole power sum to the power of the sum of |c|;
// GiNaC raises a product factor by factor), or the base's own where |p| < 1 (the base is
// expanded first); a power to a symbolic exponent, the base's extent times that c (a number base
// is raised to it); any other power and a function, the largest of their operands', each
// expanded on its own. An expansion whose numbers may pass number::kMaxPowerBits is not made
// either (`2 ** (222 + b) ** 41` raised 2 to 222 ** 41).
#pragma once

#include <functional>
#include <map>

#include <ginac/ginac.h>

#include "expr/exact_compare.h"

namespace kcost {

struct ExpansionSize {
  double terms = 1;   // how many terms the expansion has, at most
  double degree = 0;  // its total degree in symbols and opaque functions, at most
  double inner_terms = 0;  // the most terms of an operand of a function or power inside it
  double extent = 0;  // the largest |log2 |c|| of a number c in the expansion, at most
  double work = 1;    // the terms of every expansion expand_all makes on the way
};

ExpansionSize expansion_size(const GiNaC::ex& e);

// e expanded, the operands of its functions too (as GiNaC's expand with expand_function_args),
// each distinct function or comparison (equal in every number's exactness and value:
// exact_compare.h) expanded once and its expansion used wherever it occurs again. An Expansion keeps what it expanded, for a
// caller that expands many trees sharing functions. Throws ExprError where making a node would
// (rebuild.h): `((a + b) * (a - b) - a**2 + b**2) ** -1` is a division by zero.
// A power of zero to a symbolic exponent stays whole (its exponent expanded): GiNaC's expand
// would split `0 ** (a - 2)` into `0 ** a * 0 ** -2`, a division by zero that `0 ** (a - 2)` is
// not where a > 2.
// A function made again from its expanded operands may evaluate to something else:
// `min((a + b) * (a + b + c), (a + b) ** 2 + (a + b) * c)` to the sum both operands expand to.
// expansion_size counts each function as one opaque term, so such a result is held as one while
// the expansion multiplies out (`(min(...) + x) ** 12` is 13 terms, not the 9.6 million of a
// 15-term sum to the 12th), and the whole is expanded again with it in place where
// `may_expand_again` allows it (expansion_size then counts it as what it is): by default where
// it is cheap_to_expand; a caller with a bound of its own gives it, as it checks the first
// expansion against it. A function is made from its operands with every held node in place: what
// it evaluates to depends on what they are (a held symbol would pass for an integer-valued
// polynomial).
class Expansion {
 public:
  using MayExpand = std::function<bool(const GiNaC::ex&)>;
  Expansion();
  explicit Expansion(MayExpand may_expand_again);
  GiNaC::ex operator()(const GiNaC::ex& e);

 private:
  GiNaC::ex expanded(const GiNaC::ex& e);           // e expanded, each held node still its symbol
  GiNaC::ex multiplied_out(const GiNaC::ex& product);  // a product's factors expanded and multiplied out
  GiNaC::ex operands_expanded(const GiNaC::ex& e);  // a power's or a function's operands expanded, it made again
  GiNaC::ex held(const GiNaC::ex& node);             // a symbol standing for `node` while GiNaC expands
  GiNaC::ex restored(const GiNaC::ex& e);            // e with each held node for its symbol
  struct Made {
    GiNaC::ex expansion;  // the function made again from its expanded operands, or the symbol holding it
    bool held;            // whether it evaluated to something else, held as one term
  };
  std::map<GiNaC::ex, Made, ExactLess> functions_;  // each function or comparison met, by the node
  std::map<GiNaC::ex, GiNaC::ex, ExactLess> held_;  // a power of zero, a function's result -> its symbol
  GiNaC::exmap nodes_;                               // the symbol -> its node
  std::map<GiNaC::ex, GiNaC::ex, ExactLess> restored_;  // each node restored, by the node
  MayExpand may_expand_again_;
  bool functions_held_ = false;  // whether the expansion under way held a function's result
  bool again_ = false;           // whether this Expansion is the expansion made again
};

// Expansion()(e); with `max_work`, the expansion made again within that work (cheap_to_expand).
GiNaC::ex expand_all(const GiNaC::ex& e);
GiNaC::ex expand_all(const GiNaC::ex& e, double max_work);

// The bound past which an expansion is skipped: a tenth of a second to half a second of GiNaC's
// time. Expansion grows with the terms (`x ** 1000` is one term, cheap). A polynomial division has
// its own bound on its work (kMaxDivisionWork, polynomial_division.h).
constexpr double kMaxExpandedTerms = 100000;

// Whether the work of expanding `e` (its terms, and every operand's of a function inside it, included)
// stays within kMaxExpandedTerms, its numbers within number::kMaxPowerBits and, when `e` holds a float,
// within kFloatLog2Range.
bool cheap_to_expand(const GiNaC::ex& e);
// The same, for `e` whose expansion_size is `size` (a caller that needs the size too).
bool cheap_to_expand(const GiNaC::ex& e, const ExpansionSize& size);
// The same with `max_work` for kMaxExpandedTerms, for a caller that can do with less.
bool cheap_to_expand(const GiNaC::ex& e, double max_work);

}  // namespace kcost
