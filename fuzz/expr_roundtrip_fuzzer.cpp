// libFuzzer harness: the expression lexer, parser and printer. Any text either fails to parse
// with an ExprError (a one-line message whose column lies inside the text) or parses to an
// expression e whose printed text parses back to an expression equal (or equivalent, or equal in
// value at sample points) to e, where either test can decide, and printing the same (with floats:
// the same once the signs the printer moves have settled, by the (depth + 2)-th print; below).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/sampled_equality.h"
#include "expr/symbol_table.h"
#include "fuzz_support.h"

// The expansion work (expansion_size.h) one symbolic comparison may spend: 2,000 terms, some 20 ms
// at most (its passes walk each expansion a few times). Expr::equivalence's default (400,000)
// let inputs whose expansions have some 13,000 terms each take 0.5 to 1 s (GiNaC's own expand of
// one took 2 to 20 s, before Expansion multiplied products out itself), and a corpus grown around
// them ran at 150 inputs a second; at 2,000 a stop-36 corpus of 4,506 inputs runs in 3.2 s of a
// release build, against 27 s before and 5.4 s at 20,000.
constexpr double kSymbolicWork = 2000;

// The levels of e's tree: 1 for a symbol or a number.
int depth(const GiNaC::ex& e) {
  int deepest = 0;
  for (size_t i = 0; i < e.nops(); ++i) deepest = std::max(deepest, depth(e.op(i)));
  return deepest + 1;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kcost::SymbolScope scope;  // the names this input brings are forgotten after it
  if (size > 4096) return -1;
  const std::string text(reinterpret_cast<const char*>(data), size);
  kcost::Expr e;
  try {
    e = kcost::Expr::parse(text);
  } catch (const kcost::ExprError& error) {
    std::string what = error.what();
    if (what.find('\n') != std::string::npos) kcost::fuzz::fail("multi-line error: " + what);
    if (error.column < 0 || error.column > static_cast<int>(text.size()) + 1)
      kcost::fuzz::fail("column " + std::to_string(error.column) + " outside the text: " + what);
    return 0;
  }
  std::string printed;
  try {
    printed = e.str();
  } catch (const kcost::ExprError& error) {
    kcost::fuzz::fail("cannot print what parsed: '" + text + "': " + error.what());
  }
  kcost::Expr again;
  try {
    again = kcost::Expr::parse(printed);
  } catch (const kcost::ExprError& error) {
    kcost::fuzz::fail("'" + text + "' prints as '" + printed + "', which does not parse: " + error.what());
  }
  // Everything is printed before anything is compared: comparing goes through GiNaC's order,
  // which makes equal-valued parts of the two trees share one (a float of one becomes the exact
  // number of the other), so what prints after a comparison is not what was parsed.
  const std::string printed_again = again.str();
  kcost::Expr third;
  std::string printed_third;
  if (printed_again != printed) {
    try {
      third = kcost::Expr::parse(printed_again);
    } catch (const kcost::ExprError& error) {
      kcost::fuzz::fail("'" + printed + "' prints as '" + printed_again + "', which does not parse: " + error.what());
    }
    printed_third = third.str();
  }
  // Equal; or of one value at sample points; or equal after expansion. The printer writes a sum
  // factor with its first term positive (-x * (b - a) prints as x * (a - b)), which GiNaC holds as
  // a different tree when the sum has a float coefficient (it only normalizes the sign and content
  // of sums with rational coefficients), and GiNaC's order of a sum's terms, and so the sign it
  // gives such a factor, depends on when each symbol was made (and on where GiNaC's type records
  // lie in memory: it may differ from one run of a process to the next). The values at six fixed
  // points (sampled_equality.h) decide first: at least three evaluated and all agreeing. Where
  // they cannot (fewer points with a value: towers of powers, complex results, a name under a
  // huge power, which has a value only where the name is 1), or disagree, the symbolic test
  // decides, which is exact but bounded: it does not expand past kSymbolicWork terms in all
  // (Expr::equivalence), nor multiply a float into a number past the float range. Where it
  // cannot decide either, 24 points are sampled (a name takes 1 at one odd point in three): any
  // that disagrees, both expressions exact, fails; otherwise the input is passed over for
  // equality (towers of powers with numbers of thousands of digits beside floats, float sums
  // that cancel); its printing is still checked below. Any disagreement at the first six points,
  // and any difference the symbolic test finds, fails.
  const bool has_float = kcost::has_float(e.ex());
  if (again != e) {
    const kcost::SampledEquality sampled = kcost::sample_equality(again, e);
    if (!sampled.equal(3)) {
      const kcost::Equivalence symbolic = again.equivalence(e, kSymbolicWork);
      const bool undecided = symbolic == kcost::Equivalence::undecided && sampled.agreed == sampled.evaluated;
      const kcost::SampledEquality more = undecided ? kcost::sample_equality(again, e, 24) : sampled;
      const bool exact = !has_float && !kcost::has_float(again.ex());
      if (symbolic == kcost::Equivalence::different || (symbolic == kcost::Equivalence::undecided && !undecided) ||
          (undecided && exact && more.agreed != more.evaluated))
        kcost::fuzz::fail("'" + text + "' prints as '" + printed + "', which parses to '" + printed_again +
                          "' (values agree at " + std::to_string(more.agreed) + " of " +
                          std::to_string(more.evaluated) + " points; symbolically " +
                          (symbolic == kcost::Equivalence::different ? "different" : "undecided") + ")");
    }
  }
  // Printing is a fixed point: at once for expressions of rationals; with floats, once the signs
  // the printer moves have settled. It writes a sum factor with its first term positive, the sign
  // moved to the term's coefficient (-2 * (a - 0.2 * x) / b), which GiNaC does not take out of a
  // sum with float coefficients again when reading it back; the first print of such an input may
  // still change (-2 * (a - 0.2 * x) / b reparses with the 2 multiplied into the float-bearing
  // sum, -(2 * a - 0.4 * x) / b, which is stable). And the sign moved may turn the sum around it,
  // if that sum's coefficients are rational, into one GiNaC takes the sign out of as it is read
  // back (raised to an integer power, or a factor), which moves it one level further out at the
  // next print: `88 * (11 * b - 2048 * x * (-0.2 * c - 0.5 * d + 1))**2`, a sum of rationals
  // squared holding a float sum, printed three different ways before it settled (an
  // expr_roundtrip finding). So each print may settle one more level of the tree, and by the
  // (depth + 2)-th print it has settled, or the printer and GiNaC disagree forever.
  if (printed_again == printed) return 0;
  if (!has_float)
    kcost::fuzz::fail("'" + text + "' prints as '" + printed + "', which prints as '" + printed_again + "'");
  const int rounds = depth(e.ex()) + 2;
  std::string previous = printed_again;
  std::string current = printed_third;
  for (int round = 3; current != previous; ++round) {
    if (round >= rounds)
      kcost::fuzz::fail("'" + text + "' prints as '" + printed + "', and its print " + std::to_string(round) + " '" +
                        current + "' still differs from the one before, '" + previous + "'");
    kcost::Expr next;
    try {
      next = kcost::Expr::parse(current);
    } catch (const kcost::ExprError& error) {
      kcost::fuzz::fail("'" + previous + "' prints as '" + current + "', which does not parse: " + error.what());
    }
    previous = current;
    current = next.str();
  }
  return 0;
}
