#include "expr/expr.h"

#include <unordered_map>
#include <utility>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>

#include "expr/python_eval.h"
#include "expr/exact_compare.h"
#include "expr/expansion_size.h"
#include "expr/float_range.h"
#include "expr/functions.h"
#include "expr/lexer.h"
#include "expr/number.h"
#include "expr/parser.h"
#include "expr/printer.h"
#include "expr/rebuild.h"
#include "expr/sum_content.h"
#include "expr/symbol_table.h"
#include "expr/walk.h"

namespace kcost {

namespace {

using GiNaC::numeric;

// Runs a GiNaC computation, turning GiNaC's and CLN's exceptions into ExprError.
template <typename F>
Expr guarded(F f) {
  try {
    return Expr(GiNaC::ex(f()));
  } catch (const ExprError&) {
    throw;
  } catch (const std::exception& e) {
    throw from_library_error(e);
  }
}

const numeric& num(const GiNaC::ex& e) { return GiNaC::ex_to<numeric>(e); }

void collect_symbols(const GiNaC::ex& e, std::set<std::string>* names) {
  walk_distinct(e, [&](const GiNaC::ex& x) {
    if (GiNaC::is_a<GiNaC::symbol>(x)) names->insert(GiNaC::ex_to<GiNaC::symbol>(x).get_name());
    return Walk::into;
  });
}

}  // namespace

Expr::Expr() : e_(0) {}
Expr::Expr(long long value) : e_(numeric(value)) {}
Expr::Expr(const GiNaC::ex& e) : e_(e) {}

namespace {

// The verdicts of `vanishes` (below) while a VanishesMemoScope is open, by base (ExactLess: a
// float is never taken for the exact number of its value). Expanding a base makes the powers
// inside it again, each judged by vanishes in turn, and an expansion that held a function's result
// expands the whole a second time (Expansion::operator()): a base nested d powers deep was judged
// 2 ** d times, and again at each power the parser made around it. An expr_roundtrip slow unit of
// nested `(... % Yb) ** -2` (fuzz/slow/README.md) judged one base of 46,000 printed characters
// 16 times, 64 tests in all for its 8 bases.
thread_local std::map<GiNaC::ex, bool, ExactLess>* vanishes_memo = nullptr;
// And those of `one_term_of`, which the powers and products of sums with floats ask for as often.
thread_local std::map<GiNaC::ex, std::optional<GiNaC::ex>, ExactLess>* one_term_memo = nullptr;

// Opens the memo for its lifetime, unless one is open already: one call of vanishes, one parse,
// one comparison (Expr::equivalence).
class VanishesMemoScope {
 public:
  VanishesMemoScope() {
    if (vanishes_memo) return;
    vanishes_memo = &memo_;
    one_term_memo = &one_term_;
    owner_ = true;
  }
  ~VanishesMemoScope() {
    if (!owner_) return;
    vanishes_memo = nullptr;
    one_term_memo = nullptr;
  }
  VanishesMemoScope(const VanishesMemoScope&) = delete;
  VanishesMemoScope& operator=(const VanishesMemoScope&) = delete;

 private:
  std::map<GiNaC::ex, bool, ExactLess> memo_;
  std::map<GiNaC::ex, std::optional<GiNaC::ex>, ExactLess> one_term_;
  bool owner_ = false;
};

}  // namespace

Expr Expr::parse(std::string_view text) {
  const VanishesMemoScope memo;  // the bases of one text's powers are judged once each
  return parse_expression(text);
}

Expr Expr::symbol(const std::string& name) {
  if (!is_symbol_name(name)) throw ExprError("invalid symbol name '" + name + "'");
  return Expr(symbol_named(name));
}

Expr Expr::number(const GiNaC::numeric& n) { return Expr(GiNaC::ex(n)); }

Expr Expr::from_double(double value) { return Expr(GiNaC::ex(number::make_float(value))); }

std::string Expr::str() const { return to_python(e_); }

bool Expr::is_number() const { return number::is_real(e_); }

GiNaC::numeric Expr::as_number() const {
  if (!is_number()) throw ExprError("'" + str() + "' is not a number");
  return num(e_);
}

std::set<std::string> Expr::symbols() const {
  std::set<std::string> names;
  collect_symbols(e_, &names);
  return names;
}

namespace {

// A rewrite of a tree that rewrites each subtree once, however often the tree holds it: GiNaC's
// trees share subtrees (each term of an expanded power holds the same factor), and map visits
// every reference, so a pass over a tree of a few hundred distinct nodes may rebuild, and so
// evaluate, tens of thousands (each floor division's or modulo's evaluation tries to divide its
// operands: an expr_roundtrip finding took 44,676 of them in one pass, 8 s). A subtree is known
// by its node; the pass holds each node it rewrote, so no node it knows is freed and its address
// taken by another while it lives.
struct TreePass : GiNaC::map_function {
  GiNaC::ex operator()(const GiNaC::ex& e) final {
    if (e.nops() == 0) return rewrite(e);
    const GiNaC::basic* node = &GiNaC::ex_to<GiNaC::basic>(e);
    auto found = done_.find(node);
    if (found != done_.end()) return found->second.second;
    GiNaC::ex out = rewrite(e);
    done_.emplace(node, std::make_pair(e, out));
    return out;
  }
  // e rewritten; its operands through operator() (map_operands(e, *this): rebuild.h).
  virtual GiNaC::ex rewrite(const GiNaC::ex& e) = 0;

 private:
  std::unordered_map<const GiNaC::basic*, std::pair<GiNaC::ex, GiNaC::ex>> done_;
};

// Substitution, each node made again as rebuild.h makes it: GiNaC's own subs evaluates what it
// makes inside itself, where a power of zero to a negative exponent (`1 / (n - 3)` at n = 3), a
// division by zero or a float beyond the range throws and leaks what it had allocated, and it
// raises a number to any power (`x ** 10 ** 12` at x = 3 ran out of memory), where kcost's power
// refuses one beyond number::kMaxPowerBits.
struct Substitution : TreePass {
  const GiNaC::exmap& values;
  explicit Substitution(const GiNaC::exmap& v) : values(v) {}
  GiNaC::ex rewrite(const GiNaC::ex& e) override {
    if (GiNaC::is_a<GiNaC::symbol>(e)) {
      auto found = values.find(e);
      return found == values.end() ? e : found->second;
    }
    return map_operands(e, *this);
  }
};

}  // namespace

Expr Expr::subs(const std::map<std::string, Expr>& values) const {
  GiNaC::exmap m;
  for (const auto& [name, value] : values)
    if (const GiNaC::symbol* s = find_symbol(name)) m[*s] = value.ex();
  if (m.empty()) return *this;
  Substitution substitute(m);
  return guarded([&] { return substitute(e_); });
}

GiNaC::numeric Expr::eval(const std::map<std::string, GiNaC::numeric>& values) const {
  for (const std::string& name : symbols())
    if (values.find(name) == values.end())
      throw ExprError("unbound symbol '" + name + "'", str());
  try {
    return evaluate(e_, values);
  } catch (const ExprError& e) {
    throw ExprError(e.message, str());
  }
}

Expr Expr::expand() const {
  if (!cheap_to_expand(e_)) return *this;
  return guarded([&] { return expand_all(e_); });
}

bool Expr::operator==(const Expr& other) const { return e_.is_equal(other.e_); }

namespace {

// x**-1.0 as x**-1 (and any whole float exponent as its integer), everywhere in e: GiNaC holds
// them equal but normalizes only the latter ((3 - b)**-1 becomes -(b - 3)**-1).
struct WholeExponents : TreePass {
  GiNaC::ex rewrite(const GiNaC::ex& e) override {
    const GiNaC::ex mapped = map_operands(e, *this);
    if (!GiNaC::is_exactly_a<GiNaC::power>(mapped) || !GiNaC::is_exactly_a<numeric>(mapped.op(1)))
      return mapped;
    const numeric& exponent = GiNaC::ex_to<numeric>(mapped.op(1));
    if (exponent.is_rational() || !exponent.is_real()) return mapped;
    const double v = exponent.to_double();
    if (v != std::floor(v) || std::fabs(v) > 1e15) return mapped;
    return rebuild(mapped, {mapped.op(0), numeric(static_cast<long>(v))});
  }
};

}  // namespace

namespace {

// The expansions one comparison makes, bounded in total: each is cheap_to_expand and its work
// (expansion_size.h) is taken from what is left, so that a tree with many sums to normalize, one
// inside another, costs at most a few times one expansion's bound (an expr_roundtrip finding:
// the signs of a few hundred nested sums, each expanded again at every level, took 8.7 s).
class ExpansionBudget {
 public:
  explicit ExpansionBudget(double work) : left_(work) {}
  // Whether e may be expanded; if so, its work is spent.
  bool take(const GiNaC::ex& e) {
    const ExpansionSize size = expansion_size(e);
    if (!cheap_to_expand(e, size) || size.work > left_) return false;
    left_ -= size.work;
    return true;
  }

 private:
  double left_;
};

// What one comparison may expand in all by default: a few expansions at the bound.
static_assert(Expr::kComparisonWork == 4 * kMaxExpandedTerms);

// A whole power of a sum as the power of whichever of the sum and its negation sorts first, and
// the sign that takes out ((-1)**n, or 1): GiNaC normalizes the sign of a sum with rational
// coefficients itself, not of one with floats, and the printer leads a sum factor with a positive
// term, so `(a - 0.5 * b) ** n` may be written `(0.5 * b - a) ** n`. Other powers as they are.
struct SignedPower {
  GiNaC::ex sign;
  GiNaC::ex base;
};
SignedPower sign_out(const GiNaC::ex& base, const GiNaC::ex& exponent) {
  if (!GiNaC::is_exactly_a<GiNaC::add>(base) || !GiNaC::is_exactly_a<numeric>(exponent) || !num(exponent).is_integer())
    return {1, base};
  const GiNaC::ex negated = -base;  // GiNaC multiplies a number into a sum's terms
  if (!GiNaC::is_exactly_a<GiNaC::add>(negated) || negated.compare(base) >= 0) return {1, base};
  return {GiNaC::pow(-1, exponent), negated};
}

// Each power whose expansion would be large, as one symbol: the same power (its base expanded
// where that is cheap) the same symbol, wherever it occurs. `x - (a + b + c) ** 2000` and
// `x - (c + b + a) ** 2000` then compare as `x - P` and `x - P`, and, the sign taken out
// (sign_out), `(a - 0.5 * b) ** 2000` and `(0.5 * b - a) ** 2000` as `P` and `P`.
struct OpaqueLargePowers : TreePass {
  OpaqueLargePowers(Expansion& x, ExpansionBudget& b) : expansion(x), budget(b) {}
  Expansion& expansion;
  ExpansionBudget& budget;
  GiNaC::exmap symbols;  // by value (GiNaC's order): equivalence holds 2.0 * x and 2 * x the same
  bool all_bases_expanded = true;  // false once a base was too large to expand (its key is its form)
  GiNaC::ex rewrite(const GiNaC::ex& e) override {
    if (!GiNaC::is_exactly_a<GiNaC::power>(e) || cheap_to_expand(e)) return map_operands(e, *this);
    GiNaC::ex base = map_operands(e.op(0), *this);
    if (budget.take(base))
      base = expansion(base);
    else
      all_bases_expanded = false;
    const SignedPower p = sign_out(base, e.op(1));
    // The key is the base and the exponent, not their power: GiNaC's power of a sum turns the
    // sum's sign when its first coefficient is a negative integer, which a float coefficient of
    // the same value is not, so `(2.0 - 2 * e) ** 12` and `(2.0 - 2.0 * e) ** 12` (equal by
    // value) became powers of opposite sums (an expr_roundtrip finding).
    const GiNaC::ex key = GiNaC::lst{p.base, e.op(1)};
    auto found = symbols.find(key);
    if (found != symbols.end()) return p.sign * found->second;
    return p.sign * (symbols[key] = GiNaC::symbol());
  }
  // Whether e holds one of the symbols made here.
  bool holds_one(const GiNaC::ex& e) const {
    for (const auto& [key, symbol] : symbols)
      if (e.has(symbol)) return true;
    return false;
  }
};

// Every float 1.0 or -1.0 as the integer, everywhere in e (function arguments too): the printer
// writes `-1.0 * x` as `-x` and `1.0 * b` as `b`, so an expression and its printed form differ
// there only, and terms GiNaC kept apart for it are one term after (`-2 * y * (a + b) - 1.0 * y *
// (a + 1.0 * b)` inside a comparison, a fuzz finding, prints as and is `-3 * y * (a + b)`).
struct UnitFloats : TreePass {
  GiNaC::ex rewrite(const GiNaC::ex& e) override {
    if (GiNaC::is_exactly_a<numeric>(e) && is_unit_float(num(e))) return exact_unit(num(e));
    // `a * b * 1.0`: its 1.0 is no operand; made again, 1
    return has_unit_float_coefficient(e) ? remake(e, *this) : map_operands(e, *this);
  }
};

// Each whole power of a sum with its sign taken out (sign_out), or `1 / (a - 0.5 * b)` and
// `-1 / (0.5 * b - a)` would not cancel; and each sum factor of a product, or `i * (0.5 * c + b)`
// and `-(-0.5 * c - b) * i` would not (GiNaC normalizes the sign of a sum factor only when its
// coefficients are rational; an expr_roundtrip finding, in a tree too large to expand).
struct SignedBases : TreePass {
  SignedBases(Expansion& x, ExpansionBudget& b) : expansion(x), budget(b) {}
  Expansion& expansion;
  ExpansionBudget& budget;
  bool all_sums_expanded = true;  // false once a sum was too large to expand before its sign was taken out
  GiNaC::ex rewrite(const GiNaC::ex& e) override {
    const GiNaC::ex mapped = map_operands(e, *this);
    // A power whose base turned sign as its operands were signed: GiNaC takes (-1) ** n out of
    // it, and the power it makes is a factor of that product, `-(...) ** 21`, still to be signed
    // (an expr_roundtrip finding: `0.5 ** (e * (0.09 - 0.03 * b) - e) ** 21` kept its power of
    // the unsigned sum, and its read-back, signed, became another key of OpaqueLargePowers).
    if (GiNaC::is_exactly_a<GiNaC::power>(e) && GiNaC::is_exactly_a<GiNaC::mul>(mapped)) {
      GiNaC::exvector factors;
      for (size_t i = 0; i < mapped.nops(); ++i) factors.push_back(signed_power(mapped.op(i)));
      return GiNaC::mul(factors);
    }
    if (GiNaC::is_exactly_a<GiNaC::mul>(mapped)) return signed_factors(mapped);
    return signed_power(mapped);
  }

  // A whole power of a sum with its sign taken out (sign_out); anything else as it is.
  GiNaC::ex signed_power(const GiNaC::ex& power) {
    if (!GiNaC::is_exactly_a<GiNaC::power>(power) || !GiNaC::is_exactly_a<GiNaC::add>(power.op(0)) ||
        !GiNaC::is_exactly_a<numeric>(power.op(1)) || !num(power.op(1)).is_integer())
      return power;
    // The sum expanded first, where that is cheap: the printer writes a sum factor of a product
    // in it as it is, and its negation is then a different tree from the expanded negation GiNaC
    // makes of the original (a fuzz finding: `(2 * b * (a + b) - e * (2.0 * b - 0.25))**12`
    // against the same with every sign turned).
    const bool cheap = budget.take(power.op(0));
    if (!cheap) all_sums_expanded = false;
    const GiNaC::ex base = cheap ? expansion(power.op(0)) : power.op(0);
    if (!GiNaC::is_exactly_a<GiNaC::add>(base)) return power;
    const SignedPower p = sign_out(base, power.op(1));
    return p.sign * GiNaC::pow(p.base, power.op(1));
  }

  GiNaC::ex signed_factors(const GiNaC::ex& product) {
    GiNaC::ex sign = 1;
    GiNaC::exvector factors;
    bool changed = false;
    for (size_t i = 0; i < product.nops(); ++i) {
      const GiNaC::ex& f = product.op(i);
      const bool is_sum = GiNaC::is_exactly_a<GiNaC::add>(f);
      const bool cheap = is_sum && budget.take(f);
      if (is_sum && !cheap) all_sums_expanded = false;
      const GiNaC::ex sum = cheap ? expansion(f) : f;
      if (!GiNaC::is_exactly_a<GiNaC::add>(sum)) {
        factors.push_back(f);
        continue;
      }
      const SignedPower p = sign_out(sum, 1);
      sign = sign * p.sign;
      factors.push_back(p.base);
      changed = true;
    }
    return changed ? sign * GiNaC::mul(factors) : product;
  }
};

// Every number in e (function arguments too) as one exact number for all the forms it may take in
// float arithmetic: an integer below 2 ** 53 in magnitude, exact or a float, as that integer; any
// other number within the float range as the exact decimal of its value rounded to 12 significant
// digits (0.30000000000000004 and 3 / 10 are both 3 / 10). GiNaC multiplies an exact number by a
// float as a float, so `3 * C * (2.0 * b + 7.0)` expands to a float 6.0 * C * b that differs from
// the exact `6 * C * b` of another form in the last places when C has more digits than a double
// (an expr_roundtrip finding: C of 110 digits, its whole floats on one side only, the other's unit
// floats made exact). And GiNaC holds two value-equal sums of which one has floats (`b - 5` and
// `b - 5.0`) as one base when it meets both in a product, keeping either, and takes the content
// and sign out of a sum base only when its numbers are exact: one form held
// `-1 / (b**2 * m - 10 * b * m + 25 * m - x)` where the other held the floats' `1 / (x - ...)`,
// and with floats kept as floats the two never cancelled (an expr_roundtrip finding, found
// "symbolically different"). Exact, both are made again as GiNaC makes exact sums, one way.
// With `floats_only`, exact numbers stay as they are, and so do exponents (an exact exponent
// has GiNaC raise numbers exactly: `(c + 64 * x) ** -1e4`, its float exponent made -10000,
// took 1.8 s where its comparison had taken 0.4 ms).
// With `exact` (only_rounding's first pass) a whole power of a sum (exponent up to kMaxLeadPower in
// magnitude) is L ** n times the power of the sum over L, L the sum's first coefficient (in GiNaC's
// order, by the terms' non-numeric parts), each number of the sum over L rounded. Rounding does not
// commute with scaling (4 times 0.166666666667, 1/6 rounded, is 0.666666666668; 4/6 rounded is
// 0.666666666667), and GiNaC multiplies a number into a sum it is the only other factor of but
// takes no content out of a sum with floats: `1 / (4 * (x - 1/6.))` is held as `1 / (4 * x -
// 0.666...)`, while `b / (x - 1/6.)` keeps its sum, and the two forms of one value, rounded number
// by number, were powers of sums with no common factor (an expr_roundtrip finding, found
// "different"). Over L both are powers of `x - 0.1666...`, rounded alike, and GiNaC takes the
// content out of the exact sums they become; exact sums too, so that a float base and the exact
// base of its value are rounded one way. Bases whose numbers, or whose quotients by L, lie outside
// the float range are left to the numbers' rule, and so are sums elsewhere: an expansion has
// multiplied out every sum it could, and a sum left as a term or an argument has each number
// compared on its own.
// L ** n is multiplied into the coefficient around the power, so only_rounding makes every number
// exact first (`exact`: a float as the rational it is), the bases over their leads, and rounds
// every number once, in a second pass, after that arithmetic: rounded before, L (1.0003219393938536
// on one side and four times it, 4.001287757575414, on the other) was 1.00032193939 and
// 4.00128775758, not four times apart (an expr_roundtrip finding), and an exact 1/3 beside it
// 0.333333333333: products of such roundings were 1e-12 apart.
struct RoundedNumbers : TreePass {
  enum class Numbers {
    rounded,      // every number rounded (after `exact`, which put the powers over their leads)
    floats_only,  // only floats rounded, outside exponents; no power over its lead
    exact,        // every number exact (a float as the rational it is); powers of sums over their leads
  };
  explicit RoundedNumbers(Numbers numbers = Numbers::rounded) : numbers(numbers) {}
  GiNaC::ex rewrite(const GiNaC::ex& e) override {
    const bool floats_only = numbers == Numbers::floats_only;
    if (floats_only && GiNaC::is_exactly_a<GiNaC::power>(e)) return rebuild(e, {(*this)(e.op(0)), e.op(1)});
    if (numbers == Numbers::exact && GiNaC::is_exactly_a<GiNaC::power>(e) && GiNaC::is_exactly_a<GiNaC::add>(e.op(0)) &&
        GiNaC::is_exactly_a<numeric>(e.op(1)) && num(e.op(1)).is_integer() &&
        GiNaC::abs(num(e.op(1))) <= kMaxLeadPower)
      return power_over_lead(e);
    if (!GiNaC::is_exactly_a<numeric>(e)) return map_operands(e, *this);
    if (numbers != Numbers::exact) return rounded(num(e));
    const numeric& v = num(e);
    return v.is_real() && std::fabs(log2_magnitude(v)) <= kFloatLog2Range ? number::exact_value(v) : v;
  }

  GiNaC::ex rounded(const numeric& v) const {
    if (!v.is_real() || (numbers == Numbers::floats_only && v.is_rational())) return v;
    if (v.is_zero()) return numeric(0);
    if (std::fabs(log2_magnitude(v)) > kFloatLog2Range) return v;
    const numeric exact = number::exact_value(v);
    if (exact.is_integer() && GiNaC::abs(exact) < kExactInDouble) return exact;
    char text[32];  // d.ddddddddddde+XX: 12 significant digits
    std::snprintf(text, sizeof text, "%.11e", v.to_double());
    const char* mark = std::strchr(text, 'e');
    std::string digits(text, static_cast<size_t>(mark - text));
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    const numeric mantissa(std::strtol(digits.c_str(), nullptr, 10));
    return mantissa * numeric(10).power(std::atoi(mark + 1) - 11);
  }

  // `power`, a whole power of a sum, rounded relative to the sum's first coefficient (above).
  GiNaC::ex power_over_lead(const GiNaC::ex& power) {
    // The terms' non-numeric parts first (GiNaC orders the terms by them), the numbers as they are.
    const GiNaC::add& base = GiNaC::ex_to<GiNaC::add>(power.op(0));
    GiNaC::exvector terms;
    for (const GiNaC::expair& pair : pairs_of(base)) terms.push_back((*this)(pair.rest) * pair.coeff);
    terms.push_back(number_of(base));
    const GiNaC::ex sum = GiNaC::add(terms);
    if (!GiNaC::is_exactly_a<GiNaC::add>(sum)) return rebuild(power, {(*this)(sum), power.op(1)});
    const GiNaC::add& made = GiNaC::ex_to<GiNaC::add>(sum);
    const numeric& lead = num(pairs_of(made).front().coeff);
    std::vector<numeric> values{num(number_of(made))};
    for (const GiNaC::expair& pair : pairs_of(made)) values.push_back(num(pair.coeff));
    bool in_range = lead.is_real() && !lead.is_zero() && std::fabs(log2_magnitude(lead)) <= kFloatLog2Range;
    for (const numeric& v : values)
      in_range = in_range && v.is_real() &&
                 (v.is_zero() || (std::fabs(log2_magnitude(v)) <= kFloatLog2Range &&
                                  std::fabs(log2_magnitude(v) - log2_magnitude(lead)) <= kFloatLog2Range));
    if (!in_range) return rebuild(power, {(*this)(sum), power.op(1)});
    GiNaC::exvector over_lead;
    for (const GiNaC::expair& pair : pairs_of(made)) over_lead.push_back(pair.rest * rounded(num(pair.coeff).div(lead)));
    over_lead.push_back(rounded(num(number_of(made)).div(lead)));
    return rebuild(power, {number::exact_value(lead), power.op(1)}) * rebuild(power, {GiNaC::add(over_lead), power.op(1)});
  }

  static constexpr int kMaxLeadPower = 64;  // L ** n: a double's exact value has 1,075 bits at most
  const numeric kExactInDouble = GiNaC::pow(numeric(2), numeric(53));
  const Numbers numbers;
};

// Whether a and b (either with floats) differ only by float rounding: GiNaC orders a sum's terms
// by hash, so two forms of one expression may add their float coefficients in another order and
// differ in the last places, in a function's arguments too (an expr_roundtrip finding:
// 2 * x * (3.1e-06 * a - 3.1e-06 * b) + x * (3.1e-06 * a - 3.1e-06 * b) in a comparison, and its
// reading back with the two terms made one), and a float coefficient may stand where the other
// form has an exact number (RoundedNumbers). Both are expanded and their numbers made the exact
// decimals of their values rounded to 12 significant digits (RoundedNumbers).
Equivalence only_rounding(const GiNaC::ex& a, const GiNaC::ex& b, ExpansionBudget& budget) {
  if (!budget.take(a) || !budget.take(b)) return Equivalence::undecided;
  Expansion expansion([&budget](const GiNaC::ex& e) { return budget.take(e); });
  // Made exact first, each power of a sum over its lead with the sum's numbers rounded, and then
  // every number rounded once, after the arithmetic (RoundedNumbers); the second pass leaves the
  // powers as the first made them (their bases' numbers are rounded already, and GiNaC takes the
  // content out of an exact sum's power one way).
  const auto rounded = [](const GiNaC::ex& e) {
    return RoundedNumbers()(RoundedNumbers(RoundedNumbers::Numbers::exact)(e));
  };
  const GiNaC::ex ra = rounded(expansion(a));
  const GiNaC::ex rb = rounded(expansion(b));
  if (ra.is_equal(rb)) return Equivalence::equal;
  if (sum_may_overflow(ra, rb, kFloatLog2Range)) return Equivalence::undecided;
  const GiNaC::ex difference = ra - rb;
  if (!budget.take(difference)) return Equivalence::undecided;
  return expansion(difference).is_zero() ? Equivalence::equal : Equivalence::different;
}

Equivalence equivalence_of(const GiNaC::ex& x, const GiNaC::ex& y, double work, bool floats_rounded_first);

// Whether a and b are equal with each float outside exponents read as the exact decimal of its
// value rounded to 12 significant digits (RoundedNumbers, floats only) before any arithmetic,
// exact numbers as they are: a comparison of its own, within `work`. only_rounding rounds after
// the arithmetic, which a float term that cancels an exact one defeats: the float's last places
// are left as a term of their own. An expr_roundtrip finding: GiNaC kept `K * e * (2 * b + 8 * b2
// - 7)` and `K * e * (-2.0 * b - 8.0 * b2 + 7.0)` apart (K a 362-bit integer), and cancelled them
// as like terms once the printer had led the second with a positive term; compared, the first
// form made the two into `8.3e+93 * e`, the rounding error of 7.0 * K.
bool equal_with_floats_rounded(const GiNaC::ex& a, const GiNaC::ex& b, double work) {
  try {
    RoundedNumbers rounded(RoundedNumbers::Numbers::floats_only);
    return equivalence_of(rounded(a), rounded(b), work, false) == Equivalence::equal;
  } catch (const ExprError&) {
    return false;  // a node made again refused (a base that became 0 under a negative power)
  }
}

// The bits GiNaC may raise to the power n in raising e to n, per unit of n: the largest length
// of a number in e (numerator or denominator; a float, and -1, count one bit), times the numeric
// exponents of the powers it lies under within e. GiNaC folds a power into the power it is
// raised to ((c ** a) ** n is c ** (a * n), and a product's factors each take n), so the numbers
// under `(i - 21) ** 12` are raised to 12 n: counting the 12 only as a number of 4 bits passed
// ((21 - i) ** 12) ** 22112 and refused what it printed, (i - 21) ** 265344 (an expr_roundtrip
// finding). A power's exponent counts as a number of its own (x ** (n + 3)), unmultiplied.
// Numbers under a float exponent count nothing: GiNaC raises none of them exactly (it folds
// (x ** 1e7) ** -1 into x ** -1e7 and raises no number to a float power but as a float, which
// power_may_overflow bounds), and the printer writes x ** -1e7 as 1 / x ** 1e7, which must read
// back (an expr_roundtrip finding: `(-b) ** -1e7`, whose -1 counted 1e7 bits there).
double raised_bits(const GiNaC::ex& e) {
  if (GiNaC::is_exactly_a<numeric>(e)) {
    const numeric& v = num(e);
    if (!v.is_rational()) return 1;
    return std::max(1.0, number::bit_length(v));
  }
  if (GiNaC::is_exactly_a<GiNaC::power>(e) && GiNaC::is_exactly_a<numeric>(e.op(1)) && !num(e.op(1)).is_rational())
    return raised_bits(e.op(1));
  if (GiNaC::is_exactly_a<GiNaC::power>(e) && GiNaC::is_exactly_a<numeric>(e.op(1))) {
    const double base = raised_bits(e.op(0));
    const double exponent = std::fabs(num(e.op(1)).to_double());
    return std::max(base == 0 ? 0 : base * exponent, raised_bits(e.op(1)));
  }
  double bits = 0;
  for (size_t i = 0; i < e.nops(); ++i) bits = std::max(bits, raised_bits(e.op(i)));
  return bits;
}

}  // namespace

bool Expr::equivalent(const Expr& other) const { return equivalence(other) == Equivalence::equal; }

Equivalence Expr::equivalence(const Expr& other, double work) const {
  const VanishesMemoScope memo;  // its rewrites make the same powers again, each judged once
  return equivalence_of(e_, other.e_, work, true);
}

namespace {

// Expr::equivalence of x and y; with `floats_rounded_first`, where x and y are found different
// (not undecided) and hold floats outside exponents, compared again with those floats rounded
// first (equal_with_floats_rounded), where they may be found equal: only there, as the second
// comparison costs as much as the first.
Equivalence equivalence_of(const GiNaC::ex& x, const GiNaC::ex& y, double work, bool floats_rounded_first) {
  try {
    if (x.is_equal(y)) return Equivalence::equal;
    UnitFloats units;
    WholeExponents whole;
    ExpansionBudget budget(work);
    // one for the whole comparison (both sides hold the same functions), within its budget
    Expansion expansion([&budget](const GiNaC::ex& e) { return budget.take(e); });
    OpaqueLargePowers opaque(expansion, budget);
    SignedBases signed_bases(expansion, budget);
    // Signs are taken out before the large powers become symbols too, so that the bases of two
    // such powers, equal but for the sign of a sum factor deep inside, are one key (an
    // expr_roundtrip finding: `(-0.25 + 2.0 * b) * e` and `-(0.25 - 2.0 * b) * e` in the base of a
    // power too large to expand).
    auto normal = [&](const GiNaC::ex& e) {
      return signed_bases(opaque(signed_bases(whole(has_unit_float(e) ? units(e) : e))));
    };
    const GiNaC::ex a = normal(x), b = normal(y);
    if (sum_may_overflow(a, b, kFloatLog2Range)) return Equivalence::undecided;
    const GiNaC::ex difference = a - b;
    if (!budget.take(difference)) return Equivalence::undecided;
    const GiNaC::ex expanded = expansion(difference);
    if (expanded.is_zero()) return Equivalence::equal;
    const Equivalence rounding =
        has_float(a) || has_float(b) ? only_rounding(a, b, budget) : Equivalence::different;
    // A difference left where a large power's base or a sum's sign could not be normalized
    // (too large to expand) may be two forms of one value; and so may one that still holds a large
    // power made a symbol: its key is its base's expanded form, which a value-equal form of the
    // base need not share (float coefficients added in another order, or exact on one side and
    // floats on the other), and a form whose estimate is smaller is expanded instead of made a
    // symbol (an expr_roundtrip finding: `(X / b % b) ** 2`, X holding `b ** 2222262` and terms
    // GiNaC kept apart on one side only, one side a symbol, the other not, found "different").
    if (rounding == Equivalence::different &&
        (!(opaque.all_bases_expanded && signed_bases.all_sums_expanded) || opaque.holds_one(expanded)))
      return Equivalence::undecided;
    if (rounding == Equivalence::different && floats_rounded_first &&
        (has_float_outside_exponents(x) || has_float_outside_exponents(y)) && equal_with_floats_rounded(x, y, work))
      return Equivalence::equal;
    return rounding;
  } catch (const std::exception&) {
    return Equivalence::undecided;
  }
}

bool read_back_product_may_overflow(const GiNaC::ex& a, const GiNaC::ex& b);

}  // namespace

// Numbers combine as numbers, so that a float result stays a float even when it is zero
// (GiNaC would make 1e-300 * 1e-300 the exact 0; Python says 0.0), and CLN's overflow is thrown
// before anything is allocated. Anything else is GiNaC's arithmetic, refused when it may leave
// the float range (float_range.h: GiNaC leaks what it allocated when CLN throws inside it).
Expr operator+(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return guarded([&] { return num(a.e_) + num(b.e_); });
  if (sum_may_overflow(a.e_, b.e_)) throw ExprError("float overflow");
  return guarded([&] { return a.e_ + b.e_; });
}
Expr operator-(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return guarded([&] { return num(a.e_) - num(b.e_); });
  if (sum_may_overflow(a.e_, b.e_)) throw ExprError("float overflow");
  return guarded([&] { return a.e_ - b.e_; });
}
Expr operator*(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return guarded([&] { return num(a.e_) * num(b.e_); });
  if (product_may_overflow(a.e_, b.e_) || read_back_product_may_overflow(a.e_, b.e_))
    throw ExprError("float overflow");
  // GiNaC makes s * s the power s ** 2, which Expr::pow makes for a sum with floats whose content
  // GiNaC's power would take out or not by the serials (sum_content.h).
  if (a.e_.is_equal(b.e_) && float_sum_content(a.e_)) return Expr::pow(a, Expr(2));
  return guarded([&] { return a.e_ * b.e_; });
}
Expr operator/(const Expr& a, const Expr& b) {
  if (b.e_.is_zero()) throw ExprError("division by zero");
  if (a.is_number() && b.is_number()) return guarded([&] { return num(a.e_) / num(b.e_); });
  return a * Expr::pow(b, Expr(-1));  // as GiNaC divides, each step bounded
}
Expr operator-(const Expr& a) {
  if (a.is_number()) return guarded([&] { return -num(a.e_); });
  return guarded([&] { return -a.e_; });
}

namespace {

// Whether the tree of `e` has at most `limit` nodes (counting stops past it).
bool small_tree(const GiNaC::ex& e, int limit) {
  int nodes = 0;
  for (auto it = e.preorder_begin(); it != e.preorder_end(); ++it)
    if (++nodes > limit) return false;
  return true;
}

// Whether e is 0, for a base under a negative exponent. Its value at the point where every symbol
// is 1 comes first (exact, each float read as the rational it is, no number on the way longer
// than kValueBits; a power of 1 is 1 whatever its exponent): not 0 there, e is not 0. Then, where
// expanding e takes at most kZeroTestWork terms (expansion_size.h) and does not fail, its
// expansion decides, as Python would find it 0 at every point. A larger expansion from a tree of
// at most kZeroTestNodes nodes (`(f + g + h + i + j) ** 10 * (...)`) is 0 when the tree's printed
// text reads back as 0: what the printer reveals (it writes each float sum factor led by a
// positive term, so that terms GiNaC kept apart become one and cancel) is what a tree and its
// printed form must agree on. Anything larger is not known to be 0.
//
// Expanding alone, as this test did before, rebuilds every floor division and modulo in e from
// its expanded operands: 0.7 to 4 s (13 s in all, at each of the powers around it) for one base
// of `//` and `%` chains over the 21st power of a float sum, within the 100,000 terms
// Expr::expand allows (an expr_roundtrip timeout: 0 at the point of ones, as `% Yb` is there).
// Reading back every larger tree instead took expr_roundtrip's grown corpus from 62 to 127 s of a
// release build; values at other points decide nothing (`n // 8` is 0 at every small point, and
// the corpus's large bases overflow a float at every sample point).
bool vanishes_uncached(const Expr& e);

bool vanishes(const Expr& e) {
  const VanishesMemoScope scope;
  const auto found = vanishes_memo->find(e.ex());
  if (found != vanishes_memo->end()) return found->second;
  const bool zero = vanishes_uncached(e);
  vanishes_memo->emplace(e.ex(), zero);
  return zero;
}

constexpr double kZeroTestWork = 2000;
constexpr int kZeroTestNodes = 200;

// `e` expanded, where that takes at most kZeroTestWork terms; its printed text read back, where
// its tree has at most kZeroTestNodes nodes. Nothing when it is larger, or a step on the way is
// refused (a division by zero in the expansion, a power too large as it is read back).
std::optional<GiNaC::ex> expanded_for_zero_test(const Expr& e) {
  if (!cheap_to_expand(e.ex(), kZeroTestWork)) return std::nullopt;
  try {
    return guarded([&] { return expand_all(e.ex(), kZeroTestWork); }).ex();
  } catch (const ExprError&) {
    return std::nullopt;
  }
}
std::optional<GiNaC::ex> read_back_for_zero_test(const Expr& e) {
  if (!small_tree(e.ex(), kZeroTestNodes)) return std::nullopt;
  try {
    return Expr::parse(e.str()).ex();
  } catch (const ExprError&) {
    return std::nullopt;
  }
}

// `e` as the zero tests see it: its expansion, else its printed text read back; not known when
// neither is.
std::optional<GiNaC::ex> zero_test_form(const Expr& e) {
  if (cheap_to_expand(e.ex(), kZeroTestWork)) return expanded_for_zero_test(e);
  return read_back_for_zero_test(e);
}

bool vanishes_uncached(const Expr& e) {
  constexpr double kValueBits = 16384;  // a double's exact value takes at most 1,075
  std::map<std::string, numeric> ones;
  for (const std::string& name : e.symbols()) ones.emplace(name, numeric(1));
  try {
    if (!evaluate(e.ex(), ones, FloatLiterals::exact, kValueBits).is_zero()) return false;
  } catch (const std::exception&) {
    // no value there (1 / (x - 1), a float overflow)
  }
  const std::optional<GiNaC::ex> form = zero_test_form(e);
  return form && form->is_zero();
}

// The one term `e`, a sum, is as its printed text is read back: nothing when it is a sum there
// too, or not known. GiNaC keeps `e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b)` as two terms, and
// the printer writes them `e * (2.0 * b - 0.25) - e * (2.0 * b - 0.25)`, which cancel when read
// back, so that a sum of them and `20.0 * b` is that one term there. The text itself is read
// back where the tree is small (an expr_roundtrip finding: with `2.0 * o * (a - b)` for the term
// that stays, the expansion has two terms, and the text read back one); for a larger tree, its
// expansion within the zero test's work where that is one term.
std::optional<GiNaC::ex> one_term_of(const Expr& e) {
  const VanishesMemoScope scope;
  const auto found = one_term_memo->find(e.ex());
  if (found != one_term_memo->end()) return found->second;
  std::optional<GiNaC::ex> form =
      small_tree(e.ex(), kZeroTestNodes) ? read_back_for_zero_test(e) : expanded_for_zero_test(e);
  if (form && GiNaC::is_exactly_a<GiNaC::add>(*form)) form.reset();
  one_term_memo->emplace(e.ex(), form);
  return form;
}

// Whether a float sum is a factor of e: e is one, or a power of one, or a product with one.
bool has_float_sum_factor(const GiNaC::ex& e) {
  const auto is_float_sum = [](const GiNaC::ex& x) {
    const GiNaC::ex& base = GiNaC::is_exactly_a<GiNaC::power>(x) ? x.op(0) : x;
    return GiNaC::is_exactly_a<GiNaC::add>(base) && has_float_outside_exponents(base);
  };
  if (!GiNaC::is_exactly_a<GiNaC::mul>(e)) return is_float_sum(e);
  for (size_t i = 0; i < e.nops(); ++i)
    if (is_float_sum(e.op(i))) return true;
  return false;
}

// Whether two terms of `sum` may cancel as its printed text is read back, so that it may read back
// as one term fewer: GiNaC takes no sign out of a float sum factor (`e * (2.0 * b - 0.25)` and
// `e * (0.25 - 2.0 * b)` are two terms), the printer leads each with a positive term, and two such
// terms then print alike. At least three terms, two of them with a float sum factor.
bool terms_may_cancel_when_read_back(const GiNaC::ex& sum) {
  if (sum.nops() < 3) return false;
  int with_float_sum = 0;
  for (const GiNaC::expair& pair : pairs_of(GiNaC::ex_to<GiNaC::add>(sum)))
    if (has_float_sum_factor(pair.rest) && ++with_float_sum == 2) return true;
  return false;
}

// The numbers that meet as the printed text of a product (or of a power) is read back, where a
// factor that is a sum with a float outside exponents and one term there (one_term_of) reads back
// as that term: its number then meets the product's, each to its power. Bounded as
// product_may_overflow bounds the numbers that multiply: by the sum of their extents, one of them
// a float; and each such term's own power as Expr::pow bounds a power. Expr::pow bounds a sum's
// own power with it, and a product's (GiNaC raises each factor: an expr_roundtrip finding,
// `((2. * b * o - 2 * .5 * 1 * -2 * (-2 ** -3 + b) * e - ...) * 6 * r) ** 327`, held as
// `r ** 327` times the 327th power of a three-term sum, 12.0 * b * o and two terms that cancel
// as read back, and (12.0 * b * o) ** 327 is no float); operator* a product's (an expr_roundtrip
// finding: `16**327 * y * (e * (2.0 * b - 0.25) - e * (2.0 * b - 0.25) - 0.2 * b)`, held as the
// product of a three-term sum, read back as `16**327 * y * (-0.2 * b)`, and 16 ** 327 does not
// meet a float).
class ReadBackNumbers {
 public:
  // The numbers of e as a product, raised to `times`: its coefficient, and the term each sum
  // factor that may read back as one term reads back as, to that factor's exponent too.
  void add(const GiNaC::ex& e, const numeric& times) {
    const Product p = product_of(e);
    count(p.coefficient, times);
    for (const Factor& f : p.factors) {
      const numeric& exponent = num(f.exponent);
      if (!GiNaC::is_exactly_a<GiNaC::add>(f.base) || !exponent.is_real() || !terms_may_cancel_when_read_back(f.base))
        continue;
      const std::optional<GiNaC::ex> one = one_term_of(Expr(f.base));
      if (!one) continue;
      one_terms_ = true;
      const numeric raised = exponent * times;
      if (GiNaC::abs(raised) > 1 && power_may_overflow(*one, raised)) power_overflows_ = true;
      count(product_of(*one).coefficient, raised);
    }
  }
  bool may_overflow() const { return power_overflows_ || (one_terms_ && floats_ && extent_ > kFloatLog2Limit); }

 private:
  void count(const numeric& v, const numeric& times) {
    if (v.is_zero() || !v.is_real()) return;
    extent_ += std::fabs(times.to_double()) * extent_of(v);
    floats_ = floats_ || number::is_float(v);
  }
  double extent_ = 0;
  bool floats_ = false, one_terms_ = false, power_overflows_ = false;
};

bool read_back_product_may_overflow(const GiNaC::ex& a, const GiNaC::ex& b) {
  ReadBackNumbers numbers;
  numbers.add(a, 1);
  numbers.add(b, 1);
  return numbers.may_overflow();
}

// Whether `e`, a base under a negative exponent, is a float-bearing zero: a product is where one
// of its factors is (and a power to a positive number where its base is), each factor judged on
// its own floats, so that an exact factor that cancels is not looked for there either (the
// printer writes `x / F / Z` as `x / (F * Z)`: an expr_roundtrip finding, Z the exact
// `(a + 1)**2 - a**2 - 2*a - 1` kept alone and F a float sum, refused when read back); anything
// else where it has a float outside exponents and vanishes.
bool float_bearing_zero(const GiNaC::ex& e) {
  if (GiNaC::is_a<numeric>(e)) return e.is_zero();
  if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
    for (size_t i = 0; i < e.nops(); ++i)
      if (float_bearing_zero(e.op(i))) return true;
    return false;
  }
  if (GiNaC::is_exactly_a<GiNaC::power>(e) && number::is_real(e.op(1)))
    return num(e.op(1)).is_positive() && float_bearing_zero(e.op(0));
  return has_float_outside_exponents(e) && vanishes(Expr(e));
}

// `sum` with each coefficient 1.0 or -1.0 of its terms, and such a constant, made the integer,
// where no other float is among its numbers (those of its terms' coefficients and its constant;
// floats inside its terms stay): nothing when it has none to make or another float there.
std::optional<GiNaC::ex> exact_unit_coefficients(const GiNaC::ex& sum) {
  const GiNaC::add& a = GiNaC::ex_to<GiNaC::add>(sum);
  const numeric& constant = num(number_of(a));
  bool unit = false;
  const auto admits = [&unit](const numeric& c) {  // exact, or 1.0 or -1.0 (noted)
    if (c.is_rational()) return true;
    if (!is_unit_float(c)) return false;
    unit = true;
    return true;
  };
  if (!admits(constant)) return std::nullopt;
  for (const GiNaC::expair& pair : pairs_of(a))
    if (!admits(num(pair.coeff))) return std::nullopt;
  if (!unit) return std::nullopt;
  GiNaC::exvector terms;
  for (const GiNaC::expair& pair : pairs_of(a)) terms.push_back(pair.rest * exact_unit(num(pair.coeff)));
  terms.push_back(exact_unit(constant));
  return GiNaC::ex(GiNaC::add(terms));
}

}  // namespace

Expr Expr::pow(const Expr& base, const Expr& exp) {
  GiNaC::ex b = base.e_;
  GiNaC::ex x = exp.e_;
  if (number::is_real(b) && number::is_real(x))
    return guarded([&] { return number::pow(num(b), num(x)); });
  // Python has no exact fractional powers: `x ** (1/2)` is `x ** 0.5`.
  if (number::is_real(x) && num(x).is_rational() && !num(x).is_integer())
    x = number::make_float(number::as_double(num(x)));
  // A float exponent of 1.0 or -1.0 on a symbolic base is the whole number: the printer writes
  // x ** -1.0 as 1 / x, which reads back as x ** -1, and GiNaC makes the two differently (it
  // takes a sum's content out of its power only to a whole exponent: (21 ** -424 - b) ** -1.0
  // held its content, the 1 / (...) it printed took it out, and 0.5 times that overflowed a
  // float, refused when read back: an expr_roundtrip finding).
  if (number::is_real(x) && is_unit_float(num(x))) x = exact_unit(num(x));
  // A whole power of a sum whose numbers are exact but for coefficients 1.0 and -1.0 is the power
  // of the exact sum the printer writes (`-1.0 * b * e` as `-b * e`): GiNaC takes the content out
  // of a whole power of an exact sum always, and of a sum with floats only where its first term's
  // coefficient over the content is an integer (sum_content.h), and the content it takes out of
  // the printed form may leave the float range beside a float factor where the original never
  // did (an expr_roundtrip finding: `20.0 * (-1/470402696403648 - 1.0 * b * e - e)**21` held as
  // it is, read back as 20.0 times the content's 21st power, 2**-1023, refused).
  if (number::is_real(x) && num(x).is_integer() && GiNaC::is_exactly_a<GiNaC::add>(b))
    b = guarded([&] { return exact_unit_coefficients(b).value_or(b); }).ex();
  // An integer exponent too long to print (more digits than a literal may have, lexer.h) is
  // refused before GiNaC raises anything to it: it raises a product's coefficient, 1 included,
  // squaring through every bit of the exponent and shifting the exponent each time (quadratic in
  // its bits: 2.5 s for `(t2 * N) ** 22112 ** 22112`, 2 GB under ASan, an expr_roundtrip finding).
  if (number::is_real(x) && num(x).is_integer() && num(x).int_length() > kMaxDecimalBits)
    throw ExprError("number too large in power");
  // GiNaC raises the numbers in a base to an integer power at once ((2*x)**n is 2**n * x**n,
  // (a - b)**n takes out (-1)**n): bound that as number::pow bounds a number's power (a number
  // counting one bit at least: -1 has no bits of its own), before GiNaC spends minutes on
  // `(a - b) ** 2 ** 2999999` (a fuzz finding). A base without numbers has nothing to raise:
  // x ** n is held as it is, whatever n, as GiNaC holds (x ** 444) ** 4444 as x ** 1973136,
  // which must read back (a fuzz finding).
  // A float exponent of 1.0 or -1.0 counts as the integer: the printer writes it so (x ** -1.0
  // as 1 / x), and what it writes must pass these checks when read back (an expr_roundtrip
  // finding: `(.1 - (46 ** -14 * e) ** 24) ** -1.`, whose `1 / (...)` was refused).
  if (number::is_real(x) && (num(x).is_integer() || is_unit_float(num(x)))) {
    const double bits = raised_bits(b);
    if (bits > 0 && bits * std::fabs(num(x).to_double()) > number::kMaxPowerBits)
      throw ExprError("number too large in power");
    // GiNaC's power of a sum divides its coefficients by the sum's content, and CLN throws from
    // inside that (leaving what GiNaC had allocated unreachable: a leak) when a float coefficient
    // meets a content beyond the float range: `(44.2 - 2**-6422 * x + b) ** 2` (a fuzz finding).
    if (GiNaC::is_exactly_a<GiNaC::add>(b) && content_may_overflow(b, 0, false))
      throw ExprError("a float beside a number beyond the float range, in a power");
  }
  // Zero to a negative power is a division by zero, and so is a sum with floats whose expansion
  // is zero: GiNaC keeps `e * (2.0 * b - 0.25) + e * (0.25 - 2.0 * b)` as two terms (it takes the
  // sign out of a sum factor only when its coefficients are rational, and then such terms cancel
  // as they are made), while the printer writes each sum factor with its first term positive, so
  // that the printed form of its power -1, `-1 / (e * (2.0 * b - 0.25) - e * (2.0 * b - 0.25))`,
  // was a division by zero when read back (an expr_roundtrip finding). Judged by `vanishes`
  // (above: its value where every symbol is 1, its expansion where small, else its printed text
  // read back where its tree is small), as Python would find it 0 at every point. Only floats
  // outside exponents count: GiNaC keeps the exact `((a + b) * (a - b) - a**2 + b**2) ** -0.1`
  // as it is (exact sums that cancel are not looked for), and the printer writes it `1 / (...) ** 0.1`, a
  // power -1 of a base whose float is its exponent, which must be kept too (an expr_roundtrip
  // finding: refused when read back). Expanding every base with a sum in it instead made leaf
  // files of `%` and `/` chains over 30-digit numbers 2,000 times slower to load (leaf_loader);
  // expanding even the float-bearing ones took 13 s for one expr_roundtrip input (vanishes).
  if (number::is_real(x) && num(x).is_negative() && !GiNaC::is_a<numeric>(b) && float_bearing_zero(b))
    throw ExprError("division by zero");
  // A float power of a number GiNaC raises at once must stay in the float range: CLN throws
  // from inside GiNaC's evaluation otherwise, and GiNaC leaks what it had allocated there
  // (`(1e300 * x) ** 2.0`, `(m * 4.0) ** 848`: fuzz findings). Refused here as Python would
  // refuse the number's power.
  if (number::is_real(x) && power_may_overflow(b, num(x))) throw ExprError("float overflow");
  // A sum with floats that is one term once expanded is bounded as that term's power: its
  // printed form may read back as that term, whose power GiNaC raises at once (an expr_roundtrip
  // finding: `(2. * (b - 1/8) * e + (-2.) * (b - 1/8) * e + 20. * b) ** 1016`, held as a power of
  // three terms, printed `(e * (2.0 * b - 0.25) - e * (2.0 * b - 0.25) + 20.0 * b)**1016`, which
  // read back as `(20.0 * b) ** 1016`, a float overflow; one_term_of). So is such a sum factor of
  // a product, whose power GiNaC makes factor by factor, that term's number then meeting the
  // product's (ReadBackNumbers). A power to at most 1 in magnitude raises no float in range out
  // of it.
  if (number::is_real(x) && GiNaC::abs(num(x)) > 1) {
    ReadBackNumbers numbers;
    numbers.add(b, num(x));
    if (numbers.may_overflow()) throw ExprError("float overflow");
  }
  // A whole power of a sum with floats and a content other than 1 is made as a product divides
  // such a sum: GiNaC's power divides it or not by the serials of its symbols (sum_content.h).
  if (number::is_real(x) && num(x).is_integer() && !x.is_zero() && !x.is_equal(1)) {
    if (const std::optional<SumContent> c = float_sum_content(b)) {
      const numeric factor = number::pow(c->content, num(x));
      return guarded([&] { return GiNaC::ex(GiNaC::power(c->primitive, x)) * factor; });
    }
  }
  // A power built here, not on the heap by GiNaC::pow: GiNaC evaluates a new power when an ex
  // takes it, and when that throws (4.0 ** 848 overflows a float in `(m * 4.0) ** 848`, a fuzz
  // finding) it leaks one it allocated; a temporary is destroyed either way.
  return guarded([&] { return GiNaC::ex(GiNaC::power(b, x)); });
}

Expr Expr::floordiv(const Expr& a, const Expr& b) {
  return guarded([&] { return py_call(PyOp::floordiv, a.e_, b.e_); });
}
Expr Expr::mod(const Expr& a, const Expr& b) {
  return guarded([&] { return py_call(PyOp::mod, a.e_, b.e_); });
}
Expr Expr::min(const Expr& a, const Expr& b) {
  return guarded([&] { return py_call(PyOp::min, a.e_, b.e_); });
}
Expr Expr::max(const Expr& a, const Expr& b) {
  return guarded([&] { return py_call(PyOp::max, a.e_, b.e_); });
}

Expr Expr::compare(const std::string& op, const Expr& a, const Expr& b) {
  PyOp fn;
  if (op == "<") fn = PyOp::lt;
  else if (op == "<=") fn = PyOp::le;
  else if (op == ">") fn = PyOp::gt;
  else if (op == ">=") fn = PyOp::ge;
  else if (op == "==") fn = PyOp::eq;
  else if (op == "!=") fn = PyOp::ne;
  else throw ExprError("unknown comparison operator '" + op + "'");
  return guarded([&] { return py_call(fn, a.e_, b.e_); });
}

Expr Expr::logical_and(const Expr& a, const Expr& b) {
  return guarded([&] { return py_call(PyOp::logical_and, a.e_, b.e_); });
}
Expr Expr::logical_or(const Expr& a, const Expr& b) {
  return guarded([&] { return py_call(PyOp::logical_or, a.e_, b.e_); });
}
Expr Expr::logical_not(const Expr& a) {
  return guarded([&] { return py_call(PyOp::logical_not, a.e_); });
}
Expr Expr::if_else(const Expr& cond, const Expr& then, const Expr& otherwise) {
  return guarded([&] { return py_call(PyOp::if_else, cond.e_, then.e_, otherwise.e_); });
}
Expr Expr::trunc(const Expr& a) { return guarded([&] { return py_call(PyOp::trunc, a.e_); }); }
Expr Expr::floor(const Expr& a) { return guarded([&] { return py_call(PyOp::floor, a.e_); }); }
Expr Expr::ceil(const Expr& a) { return guarded([&] { return py_call(PyOp::ceil, a.e_); }); }
Expr Expr::log2(const Expr& a) { return guarded([&] { return py_call(PyOp::log2, a.e_); }); }
Expr Expr::abs(const Expr& a) { return guarded([&] { return py_call(PyOp::abs, a.e_); }); }

std::ostream& operator<<(std::ostream& out, const Expr& e) { return out << e.str(); }

}  // namespace kcost
