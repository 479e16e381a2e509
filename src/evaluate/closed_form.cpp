#include "evaluate/closed_form.h"

#include "evaluate/values.h"

#include <algorithm>
#include <climits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "expr/error.h"
#include "expr/exact_compare.h"
#include "expr/functions.h"
#include "expr/number.h"
#include "expr/parser.h"

namespace kcost {

namespace {

using GiNaC::ex;
using GiNaC::numeric;

enum Op : std::uint8_t {
  kAdd, kSub, kMul, kNeg,
  kDivExact,  // a / b, must divide
  kFloorDiv, kCeilDiv, kTruncDiv, kMod,
  kMin, kMax, kLt, kLe, kGt, kGe, kEq, kNe,
  kNot,     // a == 0
  kSelect,  // a != 0 ? b : c
  kAbs,
  kFixDen,  // in place: (d, a) = numerator, denominator; den 0 fails, den < 0 negates both
};

constexpr int128 kInt128Max = static_cast<int128>(~static_cast<unsigned __int128>(0) >> 1);
constexpr int128 kInt128Min = -kInt128Max - 1;

// A value at compile time: an integer register, or a fraction num/den of registers (den > 0).
struct Value {
  std::uint32_t num = 0;
  std::int64_t den = -1;  // -1: an integer
  bool integer() const { return den < 0; }
};

struct Uncompilable {};

bool numeric_fits(const numeric& n) {
  static const numeric max = [] {
    numeric m = 1;
    for (int i = 0; i < 126; ++i) m *= 2;
    return m;
  }();
  return n.is_integer() && GiNaC::abs(n) < max;
}

int128 to_int128(const numeric& n) {
  numeric a = GiNaC::abs(n);
  numeric high = GiNaC::iquo(a, numeric(1L << 62));
  numeric low = a - high * numeric(1L << 62);
  int128 v = (static_cast<int128>(high.to_long()) << 62) + low.to_long();
  return n.is_negative() ? -v : v;
}

}  // namespace

class ClosedFormCompiler {
 public:
  ClosedFormCompiler(ClosedForm& form, std::vector<std::string> rational) : f_(form), rational_(std::move(rational)) {}

  void compile_all() {
    // The rational variables share one denominator register (run_rational puts them over their
    // least common denominator), so that their terms add as numerators alone: at integer widths
    // the program is the integer one but for a final division by 1.
    std::int64_t shared_den = -1;
    for (size_t i = 0; i < f_.variables_.size(); ++i) {
      std::uint32_t r = new_register(0);
      f_.input_registers_.push_back(r);
      const std::string& name = f_.variables_[i];
      if (std::find(rational_.begin(), rational_.end(), name) != rational_.end()) {
        if (shared_den < 0) shared_den = new_register(1);
        f_.input_denominators_.push_back(shared_den);
        variables_[name] = Value{r, shared_den};
      } else {
        f_.input_denominators_.push_back(-1);
        variables_[name] = Value{r, -1};
      }
    }
    for (const Expr& out : f_.outputs_) {
      size_t program_size = f_.program_.size();
      size_t register_size = f_.registers_.size();
      auto memo = memo_;
      auto emitted = emitted_;
      auto constants = constants_;
      try {
        Value v = compile(out.expand().ex());
        f_.output_registers_.push_back(v.num);
        f_.output_denominators_.push_back(v.den);
      } catch (const Uncompilable&) {
        // Roll back what this output emitted; it is evaluated exactly.
        f_.program_.resize(program_size);
        f_.registers_.resize(register_size);
        memo_ = std::move(memo);
        emitted_ = std::move(emitted);
        constants_ = std::move(constants);
        f_.output_registers_.push_back(-1);
        f_.output_denominators_.push_back(-1);
      }
    }
  }

 private:
  std::uint32_t new_register(int128 initial) {
    f_.registers_.push_back(initial);
    return static_cast<std::uint32_t>(f_.registers_.size() - 1);
  }

  std::uint32_t constant(int128 v) {
    auto it = constants_.find(v);
    if (it != constants_.end()) return it->second;
    return constants_[v] = new_register(v);
  }

  std::uint32_t emit(Op op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0) {
    if (op == kAdd || op == kMul || op == kMin || op == kMax || op == kEq || op == kNe) {
      if (b < a) std::swap(a, b);
    }
    auto key = std::make_tuple(static_cast<int>(op), a, b, c);
    auto it = emitted_.find(key);
    if (it != emitted_.end()) return it->second;
    std::uint32_t d = new_register(0);
    f_.program_.push_back({static_cast<std::uint8_t>(op), d, a, b, c});
    return emitted_[key] = d;
  }

  std::uint32_t emit_fresh(Op op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0) {
    std::uint32_t d = new_register(0);
    f_.program_.push_back({static_cast<std::uint8_t>(op), d, a, b, c});
    return d;
  }

  std::uint32_t one() { return constant(1); }

  // A fraction's denominator register (1 for integers).
  std::uint32_t den_of(const Value& v) { return v.integer() ? one() : static_cast<std::uint32_t>(v.den); }

  Value integer(std::uint32_t r) { return {r, -1}; }

  Value fraction(std::uint32_t num, std::uint32_t den) {
    if (den == one()) return integer(num);
    return {num, den};
  }

  Value add(const Value& a, const Value& b) {
    if (a.integer() && b.integer()) return integer(emit(kAdd, a.num, b.num));
    if (!a.integer() && !b.integer() && a.den == b.den) return {emit(kAdd, a.num, b.num), a.den};
    std::uint32_t da = den_of(a), db = den_of(b);
    std::uint32_t num = emit(kAdd, mul_reg(a.num, db), mul_reg(b.num, da));
    return fraction(num, mul_reg(da, db));
  }

  std::uint32_t mul_reg(std::uint32_t a, std::uint32_t b) {
    if (a == one()) return b;
    if (b == one()) return a;
    return emit(kMul, a, b);
  }

  Value mul(const Value& a, const Value& b) {
    if (a.integer() && b.integer()) return integer(mul_reg(a.num, b.num));
    return fraction(mul_reg(a.num, b.num), mul_reg(den_of(a), den_of(b)));
  }

  Value power(const Value& base, long exponent) {
    if (exponent == 0) return integer(one());
    long n = exponent < 0 ? -exponent : exponent;
    std::uint32_t num = base.num, den = den_of(base);
    std::uint32_t rn = one(), rd = one();
    std::uint32_t pn = num, pd = den;
    for (long k = n; k > 0; k >>= 1) {
      if (k & 1) {
        rn = mul_reg(rn, pn);
        rd = mul_reg(rd, pd);
      }
      if (k > 1) {
        pn = mul_reg(pn, pn);
        pd = mul_reg(pd, pd);
      }
    }
    if (exponent > 0) return fraction(rn, rd);
    // (num/den)^-n = den^n / num^n: copy into fresh registers (never shared: the sign is
    // fixed in place), then fix the sign.
    std::uint32_t new_num = emit_fresh(kMul, rd, one());
    std::uint32_t new_den = emit_fresh(kMul, rn, one());
    f_.program_.push_back({kFixDen, new_num, new_den, 0, 0});
    return fraction(new_num, new_den);
  }

  // Both values as fractions with registers (num, den).
  std::pair<std::uint32_t, std::uint32_t> parts(const Value& v) { return {v.num, den_of(v)}; }

  Value select(std::uint32_t cond, const Value& a, const Value& b) {
    if (a.integer() && b.integer()) return integer(emit(kSelect, cond, a.num, b.num));
    auto [an, ad] = parts(a);
    auto [bn, bd] = parts(b);
    return {emit(kSelect, cond, an, bn), emit(kSelect, cond, ad, bd)};
  }

  std::uint32_t compare(Op op, const Value& a, const Value& b) {
    if (a.integer() && b.integer()) return emit(op, a.num, b.num);
    auto [an, ad] = parts(a);
    auto [bn, bd] = parts(b);
    return emit(op, mul_reg(an, bd), mul_reg(bn, ad));  // dens are positive
  }

  // floor(a / b) as an integer register.
  std::uint32_t floor_quotient(const Value& a, const Value& b) {
    auto [an, ad] = parts(a);
    auto [bn, bd] = parts(b);
    return emit(kFloorDiv, mul_reg(an, bd), mul_reg(ad, bn));
  }

  Value function(PyOp op, const ex& e) {
    auto arg = [&](size_t i) { return compile(e.op(i)); };
    switch (op) {
      case PyOp::floordiv:
        return integer(floor_quotient(arg(0), arg(1)));
      case PyOp::mod: {
        Value a = arg(0), b = arg(1);
        if (a.integer() && b.integer()) return integer(emit(kMod, a.num, b.num));
        std::uint32_t q = floor_quotient(a, b);
        Value bq = mul(b, integer(q));
        Value neg = bq.integer() ? integer(emit(kNeg, bq.num)) : Value{emit(kNeg, bq.num), bq.den};
        return add(a, neg);
      }
      case PyOp::min:
      case PyOp::max: {
        Value a = arg(0), b = arg(1);
        if (a.integer() && b.integer()) return integer(emit(op == PyOp::min ? kMin : kMax, a.num, b.num));
        // min(a, b) = b if b < a else a; max(a, b) = b if b > a else a.
        std::uint32_t c = compare(op == PyOp::min ? kLt : kGt, b, a);
        return select(c, b, a);
      }
      case PyOp::lt: return integer(compare(kLt, arg(0), arg(1)));
      case PyOp::le: return integer(compare(kLe, arg(0), arg(1)));
      case PyOp::gt: return integer(compare(kGt, arg(0), arg(1)));
      case PyOp::ge: return integer(compare(kGe, arg(0), arg(1)));
      case PyOp::eq: return integer(compare(kEq, arg(0), arg(1)));
      case PyOp::ne: return integer(compare(kNe, arg(0), arg(1)));
      case PyOp::logical_and: {
        Value a = arg(0), b = arg(1);
        return select(a.num, b, a);
      }
      case PyOp::logical_or: {
        Value a = arg(0), b = arg(1);
        return select(a.num, a, b);
      }
      case PyOp::logical_not:
        return integer(emit(kNot, arg(0).num));
      case PyOp::if_else: {
        Value c = arg(0), t = arg(1), o = arg(2);
        return select(c.num, t, o);
      }
      case PyOp::trunc:
      case PyOp::floor:
      case PyOp::ceil: {
        Value a = arg(0);
        if (a.integer()) return a;
        Op div = op == PyOp::trunc ? kTruncDiv : op == PyOp::floor ? kFloorDiv : kCeilDiv;
        return integer(emit(div, a.num, static_cast<std::uint32_t>(a.den)));
      }
      case PyOp::abs: {
        Value a = arg(0);
        return a.integer() ? integer(emit(kAbs, a.num)) : Value{emit(kAbs, a.num), a.den};
      }
      case PyOp::log2:  // a float unless its argument is a power of two: evaluated exactly instead
        throw Uncompilable();
    }
    throw Uncompilable();
  }

  Value compile(const ex& e) {
    auto it = memo_.find(e);
    if (it != memo_.end()) return it->second;
    Value v = compile_uncached(e);
    memo_.emplace(e, v);
    return v;
  }

  Value compile_uncached(const ex& e) {
    if (GiNaC::is_exactly_a<numeric>(e)) {
      const numeric& n = GiNaC::ex_to<numeric>(e);
      if (!n.is_rational()) throw Uncompilable();
      if (n.is_integer()) {
        if (!numeric_fits(n)) throw Uncompilable();
        return integer(constant(to_int128(n)));
      }
      if (!numeric_fits(n.numer()) || !numeric_fits(n.denom())) throw Uncompilable();
      return fraction(constant(to_int128(n.numer())), constant(to_int128(n.denom())));
    }
    if (GiNaC::is_a<GiNaC::symbol>(e)) {
      auto found = variables_.find(GiNaC::ex_to<GiNaC::symbol>(e).get_name());
      if (found == variables_.end()) throw Uncompilable();
      return found->second;
    }
    if (GiNaC::is_exactly_a<GiNaC::add>(e)) {
      std::vector<Value> terms;
      for (size_t i = 0; i < e.nops(); ++i) terms.push_back(compile(e.op(i)));
      // Integers first, then fractions grouped by denominator, so equal denominators add cheaply.
      std::stable_sort(terms.begin(), terms.end(), [](const Value& a, const Value& b) { return a.den < b.den; });
      Value sum = terms[0];
      for (size_t i = 1; i < terms.size(); ++i) sum = add(sum, terms[i]);
      return sum;
    }
    if (GiNaC::is_exactly_a<GiNaC::mul>(e)) {
      std::vector<Value> factors;
      Value coefficient = integer(one());
      for (size_t i = 0; i < e.nops(); ++i) {
        if (GiNaC::is_exactly_a<numeric>(e.op(i))) coefficient = compile(e.op(i));
        else factors.push_back(compile(e.op(i)));
      }
      // Integer factors by register, so that products of the same variables share prefixes.
      std::stable_sort(factors.begin(), factors.end(), [](const Value& a, const Value& b) {
        return std::make_pair(!a.integer(), a.num) < std::make_pair(!b.integer(), b.num);
      });
      Value product = factors.empty() ? integer(one()) : factors[0];
      for (size_t i = 1; i < factors.size(); ++i) product = mul(product, factors[i]);
      return mul(product, coefficient);
    }
    if (GiNaC::is_exactly_a<GiNaC::power>(e)) {
      const ex& exponent = e.op(1);
      if (!GiNaC::is_exactly_a<numeric>(exponent) || !GiNaC::ex_to<numeric>(exponent).is_integer())
        throw Uncompilable();
      const numeric& n = GiNaC::ex_to<numeric>(exponent);
      if (GiNaC::abs(n) > 64) throw Uncompilable();
      return power(compile(e.op(0)), n.to_long());
    }
    if (auto op = py_op(e)) return function(*op, e);
    throw Uncompilable();
  }

  ClosedForm& f_;
  std::vector<std::string> rational_;
  std::map<std::string, Value> variables_;
  std::map<ex, Value, ExactLess> memo_;  // never GiNaC's order, which shares 6 and 6.0
  std::map<std::tuple<int, std::uint32_t, std::uint32_t, std::uint32_t>, std::uint32_t> emitted_;
  std::map<int128, std::uint32_t> constants_;
};

ClosedForm::ClosedForm(const std::vector<Expr>& outputs, const std::vector<std::string>& variables,
                       const std::vector<std::string>& rational_variables)
    : variables_(variables), outputs_(outputs) {
  for (const Expr& out : outputs)
    for (const std::string& s : out.symbols())
      if (std::find(variables.begin(), variables.end(), s) == variables.end())
        throw ExprError("symbol '" + s + "' is not a variable of the closed form", out.str());
  try {
    ClosedFormCompiler(*this, rational_variables).compile_all();
    compute_dependencies();
  } catch (const ExprError&) {
    throw;
  } catch (const std::exception& e) {
    throw from_library_error(e);
  }
}

bool ClosedForm::fully_compiled() const {
  for (std::int64_t r : output_registers_)
    if (r < 0) return false;
  return true;
}

namespace {

// The least value of the register type (std::numeric_limits of __int128 depends on GNU extensions).
template <class T>
constexpr T least();
template <>
constexpr std::int64_t least<std::int64_t>() { return INT64_MIN; }
template <>
constexpr int128 least<int128>() { return kInt128Min; }

template <class T>
inline bool floor_div(T a, T b, T& q) {
  if (b == 0 || (a == least<T>() && b == -1)) return false;
  q = a / b;
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) --q;
  return true;
}

}  // namespace

namespace {

// One instruction over the register file of integers T (64 or 128 bits); false on overflow or
// division by zero.
template <class T>
inline bool step(const ClosedForm::Instruction& in, T* r) {
  constexpr T lowest = least<T>();
    const T a = r[in.a];
    const T b = r[in.b];
    T& d = r[in.d];
    switch (in.op) {
      case kAdd:
        if (__builtin_add_overflow(a, b, &d)) return false;
        break;
      case kSub:
        if (__builtin_sub_overflow(a, b, &d)) return false;
        break;
      case kMul:
        if (__builtin_mul_overflow(a, b, &d)) return false;
        break;
      case kNeg:
        if (a == lowest) return false;
        d = -a;
        break;
      case kDivExact:
        if (b == 0 || (a == lowest && b == -1) || a % b != 0) return false;
        d = a / b;
        break;
      case kFloorDiv: {
        T q;
        if (!floor_div(a, b, q)) return false;
        d = q;
        break;
      }
      case kCeilDiv: {
        T q;
        if (a == lowest || !floor_div(-a, b, q)) return false;
        d = -q;
        break;
      }
      case kTruncDiv:
        if (b == 0 || (a == lowest && b == -1)) return false;
        d = a / b;
        break;
      case kMod: {
        T q;
        if (!floor_div(a, b, q)) return false;
        T bq;
        if (__builtin_mul_overflow(b, q, &bq) || __builtin_sub_overflow(a, bq, &d)) return false;
        break;
      }
      case kMin: d = a < b ? a : b; break;
      case kMax: d = a > b ? a : b; break;
      case kLt: d = a < b; break;
      case kLe: d = a <= b; break;
      case kGt: d = a > b; break;
      case kGe: d = a >= b; break;
      case kEq: d = a == b; break;
      case kNe: d = a != b; break;
      case kNot: d = a == 0; break;
      case kSelect: d = a != 0 ? b : r[in.c]; break;
      case kAbs:
        if (a == lowest) return false;
        d = a < 0 ? -a : a;
        break;
      case kFixDen: {
        T& num = r[in.d];
        T& den = r[in.a];
        if (den == 0 || den == lowest || num == lowest) return false;
        if (den < 0) {
          den = -den;
          num = -num;
        }
        break;
      }
  }
  return true;
}

// The program over the register file of integers T (64 or 128 bits); false on overflow or
// division by zero.
template <class T>
bool execute(const ClosedForm::Instruction* begin, const ClosedForm::Instruction* end, T* r) {
  for (const ClosedForm::Instruction* in = begin; in != end; ++in)
    if (!step(*in, r)) return false;
  return true;
}

// The instructions of `program` at `indices` (in order).
template <class T>
bool execute_some(const ClosedForm::Instruction* program, const std::vector<std::uint32_t>& indices, T* r) {
  for (std::uint32_t i : indices)
    if (!step(program[i], r)) return false;
  return true;
}

}  // namespace

ClosedForm::Registers ClosedForm::make_registers() const {
  Registers regs;
  regs.wide = registers_;
  bool fits = true;
  for (int128 v : registers_) fits = fits && v >= INT64_MIN && v <= INT64_MAX;
  if (fits) regs.narrow.assign(registers_.begin(), registers_.end());
  return regs;
}

bool ClosedForm::run(const std::int64_t* inputs, int128* results, Registers& regs) const {
  thread_local std::vector<std::int64_t> ones;
  ones.assign(input_registers_.size(), 1);
  thread_local std::vector<int128> dens;
  dens.resize(output_registers_.size());
  if (!run_rational(inputs, ones.data(), results, dens.data(), regs)) return false;
  for (size_t i = 0; i < output_registers_.size(); ++i) {
    if (dens[i] == 1) continue;
    if (results[i] % dens[i] != 0) return false;
    results[i] /= dens[i];
  }
  return true;
}

void ClosedForm::compute_dependencies() {
  dependencies_.clear();
  if (variables_.size() > 16) return;
  std::vector<std::uint32_t> deps(registers_.size(), 0);
  std::vector<bool> written(registers_.size(), false);
  std::vector<std::int64_t> producer(registers_.size(), -1);  // the instruction that wrote it
  for (size_t i = 0; i < input_registers_.size(); ++i) {
    deps[input_registers_[i]] |= 1u << i;
    written[input_registers_[i]] = true;
    if (input_denominators_[i] >= 0) {
      deps[input_denominators_[i]] |= 1u << i;
      written[input_denominators_[i]] = true;
    }
  }
  // A rational variable's denominator register is shared: its value depends on every one of them.
  std::uint32_t rational = 0;
  for (size_t i = 0; i < input_denominators_.size(); ++i)
    if (input_denominators_[i] >= 0) rational |= deps[input_denominators_[i]];
  for (size_t i = 0; i < input_denominators_.size(); ++i)
    if (input_denominators_[i] >= 0) deps[input_denominators_[i]] = rational;
  std::vector<std::uint32_t> out;
  out.reserve(program_.size());
  for (const Instruction& in : program_) {
    std::uint32_t m = deps[in.a];
    const bool unary = in.op == kNeg || in.op == kNot || in.op == kAbs;
    if (!unary && in.op != kFixDen) m |= deps[in.b];
    if (in.op == kSelect) m |= deps[in.c];
    if (in.op == kFixDen) {
      // In place over the fraction the two instructions before it made (as the compiler emits
      // it): the three run together, so that a fixed sign is never fixed again.
      const size_t k = out.size();
      if (k < 2 || producer[in.d] < 0 || producer[in.a] < 0 ||
          std::min(producer[in.d], producer[in.a]) != static_cast<std::int64_t>(k - 2) ||
          std::max(producer[in.d], producer[in.a]) != static_cast<std::int64_t>(k - 1))
        return;
      m |= deps[in.d];
      deps[in.d] = deps[in.a] = m;
      out[k - 2] = out[k - 1] = m;
    } else {
      if (written[in.d]) return;
      written[in.d] = true;
      producer[in.d] = static_cast<std::int64_t>(out.size());
      deps[in.d] = m;
    }
    out.push_back(m);
  }
  dependencies_ = std::move(out);
}

const std::vector<std::uint32_t>& ClosedForm::program_for(std::uint32_t changed, Registers& regs) const {
  if (regs.programs.size() <= changed) regs.programs.resize(changed + 1);
  std::vector<std::uint32_t>& p = regs.programs[changed];
  if (p.empty() && !program_.empty()) {
    for (size_t i = 0; i < program_.size(); ++i)
      if (dependencies_[i] & changed) p.push_back(static_cast<std::uint32_t>(i));
    if (p.empty()) p.push_back(UINT32_MAX);  // nothing to run: marks the entry as built
  }
  return p;
}

template <class T>
bool ClosedForm::run_in(const std::int64_t* numerators, const std::int64_t* denominators, std::int64_t common,
                        int128* result_numerators, int128* result_denominators, T* r, bool& current,
                        Registers& regs) const {
  std::uint32_t changed = 0;
  for (size_t i = 0; i < input_registers_.size(); ++i) {
    T v = numerators[i];
    if (input_denominators_[i] >= 0 && common != 1 &&
        __builtin_mul_overflow(static_cast<T>(numerators[i]), static_cast<T>(common / denominators[i]), &v)) {
      current = false;
      return false;
    }
    if (r[input_registers_[i]] != v) changed |= 1u << i;
    r[input_registers_[i]] = v;
    if (input_denominators_[i] >= 0) {
      if (r[input_denominators_[i]] != common) changed |= 1u << i;
      r[input_denominators_[i]] = common;
    }
  }
  bool ok;
  if (!current || dependencies_.empty()) {
    ok = execute(program_.data(), program_.data() + program_.size(), r);
  } else {
    ok = true;
    if (changed) {
      const std::vector<std::uint32_t>& p = program_for(changed, regs);
      if (p[0] != UINT32_MAX) ok = execute_some(program_.data(), p, r);
    }
  }
  current = ok;
  if (!ok) return false;
  for (size_t i = 0; i < output_registers_.size(); ++i) {
    if (output_registers_[i] < 0) return false;
    T num = r[output_registers_[i]];
    T den = output_denominators_[i] < 0 ? 1 : r[output_denominators_[i]];
    if (den == 0 || den == least<T>() || num == least<T>()) return false;
    if (den < 0) {
      den = -den;
      num = -num;
    }
    result_numerators[i] = num;
    result_denominators[i] = den;
  }
  return true;
}

bool ClosedForm::run_rational(const std::int64_t* numerators, const std::int64_t* denominators, int128* result_numerators,
                              int128* result_denominators, Registers& regs) const {
  // The rational variables over their least common denominator (they share its register); in
  // 64 bits, and nothing to do at integer widths.
  std::int64_t common = 1;
  for (size_t i = 0; i < input_registers_.size(); ++i) {
    const std::int64_t d = denominators[i];
    if (d == 1) continue;
    if (d <= 0 || input_denominators_[i] < 0) return false;
    std::int64_t g = std::gcd(common, d);
    if (__builtin_mul_overflow(common / g, d, &common)) return false;
  }
  // 64-bit registers first (every step of most points fits), 128 bits when one overflows.
  if (!regs.narrow.empty() && run_in(numerators, denominators, common, result_numerators, result_denominators,
                                     regs.narrow.data(), regs.narrow_current, regs))
    return true;
  return run_in(numerators, denominators, common, result_numerators, result_denominators, regs.wide.data(),
                regs.wide_current, regs);
}

std::vector<numeric> ClosedForm::evaluate_exact(const std::vector<numeric>& inputs) const {
  std::map<std::string, numeric> values;
  for (size_t i = 0; i < variables_.size(); ++i) values[variables_[i]] = inputs.at(i);
  std::vector<numeric> out;
  for (const Expr& e : outputs_) out.push_back(e.eval(values));
  return out;
}

std::vector<numeric> ClosedForm::evaluate(const std::vector<numeric>& inputs) const {
  std::vector<std::int64_t> nums, dens;
  auto fits = [](const numeric& n) { return n.is_integer() && n <= numeric(LONG_MAX) && n >= numeric(LONG_MIN); };
  for (const numeric& n : inputs) {
    if (!n.is_rational() || !fits(n.numer()) || !fits(n.denom())) return evaluate_exact(inputs);
    nums.push_back(n.numer().to_long());
    dens.push_back(n.denom().to_long());
  }
  if (nums.size() != variables_.size()) return evaluate_exact(inputs);
  std::vector<int128> results(outputs_.size()), denominators(outputs_.size());
  Registers regs = make_registers();
  if (!run_rational(nums.data(), dens.data(), results.data(), denominators.data(), regs)) return evaluate_exact(inputs);
  std::vector<numeric> out;
  for (size_t i = 0; i < results.size(); ++i) out.push_back(to_numeric(results[i]) / to_numeric(denominators[i]));
  return out;
}

std::string to_string(int128 value) {
  if (value >= 0 && value <= static_cast<int128>(~0UL)) return std::to_string(static_cast<unsigned long>(value));
  bool negative = value < 0;
  unsigned __int128 v = negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  char buffer[48];
  int i = sizeof(buffer);
  while (v > 0) {
    buffer[--i] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  if (negative) buffer[--i] = '-';
  return std::string(buffer + i, sizeof(buffer) - i);
}

void append_rational(std::string& out, int128 numerator, int128 denominator) {
  if (denominator == 1) {
    out += to_string(numerator);
    return;
  }
  // Reduce, then a terminating decimal when the denominator is 2^a 5^b.
  auto gcd = [](int128 a, int128 b) {
    if (a < 0) a = -a;
    while (b != 0) {
      int128 t = a % b;
      a = b;
      b = t;
    }
    return a;
  };
  int128 g = gcd(numerator, denominator);
  if (g > 1) {
    numerator /= g;
    denominator /= g;
  }
  if (denominator == 1) {
    out += to_string(numerator);
    return;
  }
  int128 d = denominator, scale = 1;
  int digits = 0;
  while (d % 10 == 0 || d % 2 == 0 || d % 5 == 0) {
    if (d % 10 == 0) d /= 10;
    else if (d % 2 == 0) d /= 2;
    else d /= 5;
  }
  if (d != 1) {  // not a terminating decimal
    out += to_string(numerator) + "/" + to_string(denominator);
    return;
  }
  while (scale % denominator != 0) {
    if (__builtin_mul_overflow(scale, 10, &scale)) {
      out += kcost::to_string(to_numeric(numerator) / to_numeric(denominator));
      return;
    }
    ++digits;
  }
  int128 scaled;
  if (__builtin_mul_overflow(numerator, scale / denominator, &scaled)) {
    out += kcost::to_string(to_numeric(numerator) / to_numeric(denominator));
    return;
  }
  bool negative = scaled < 0;
  std::string text = to_string(negative ? -scaled : scaled);
  if (static_cast<int>(text.size()) <= digits) text = std::string(digits - text.size() + 1, '0') + text;
  std::string whole = text.substr(0, text.size() - digits), fraction = text.substr(text.size() - digits);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (negative) out += '-';
  out += whole;
  if (!fraction.empty()) out += "." + fraction;
}

numeric to_numeric(int128 value) {
  if (value >= LONG_MIN && value <= LONG_MAX) return numeric(static_cast<long>(value));
  bool negative = value < 0;
  unsigned __int128 v = negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  numeric high(static_cast<unsigned long>(v >> 64));
  numeric low(static_cast<unsigned long>(v & ~0UL));
  numeric n = high * numeric(4294967296L) * numeric(4294967296L) + low;
  return negative ? -n : n;
}

}  // namespace kcost

namespace kcost {

namespace {

// Decimal text (as to_string(int128) writes it) to a 128-bit integer; false when it is not one.
bool parse_int128(const std::string& text, int128& out) {
  size_t i = 0;
  bool negative = !text.empty() && text[0] == '-';
  if (negative) i = 1;
  if (i >= text.size()) return false;
  unsigned __int128 v = 0;
  const unsigned __int128 limit = static_cast<unsigned __int128>(kInt128Max) + (negative ? 1 : 0);
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    unsigned digit = static_cast<unsigned>(text[i] - '0');
    if (v > (limit - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = negative ? static_cast<int128>(-v) : static_cast<int128>(v);
  return true;
}

}  // namespace

nlohmann::json ClosedForm::to_json() const {
  nlohmann::json j;
  j["variables"] = variables_;
  nlohmann::json outputs = nlohmann::json::array();
  for (const Expr& e : outputs_) outputs.push_back(e.str());
  j["outputs"] = outputs;
  nlohmann::json program = nlohmann::json::array();
  for (const Instruction& in : program_) program.push_back({in.op, in.d, in.a, in.b, in.c});
  j["program"] = program;
  nlohmann::json registers = nlohmann::json::array();
  for (int128 r : registers_) registers.push_back(kcost::to_string(r));
  j["registers"] = registers;
  j["input_registers"] = input_registers_;
  j["input_denominators"] = input_denominators_;
  j["output_registers"] = output_registers_;
  j["output_denominators"] = output_denominators_;
  return j;
}

ClosedForm ClosedForm::from_json(const nlohmann::json& j) {
  auto fail = [](const std::string& what) { throw std::runtime_error("compiled closed form: " + what); };
  if (!j.is_object()) fail("not an object");
  ClosedForm f;
  try {
    f.variables_ = j.at("variables").get<std::vector<std::string>>();
    for (const auto& text : j.at("outputs")) f.outputs_.push_back(parse_expression(text.get<std::string>()));
    for (const auto& text : j.at("registers")) {
      int128 v;
      if (!parse_int128(text.get<std::string>(), v)) fail("register '" + text.get<std::string>() + "'");
      f.registers_.push_back(v);
    }
    for (const auto& in : j.at("program")) {
      if (!in.is_array() || in.size() != 5) fail("an instruction is not [op, d, a, b, c]");
      Instruction i{in[0].get<std::uint8_t>(), in[1].get<std::uint32_t>(), in[2].get<std::uint32_t>(),
                    in[3].get<std::uint32_t>(), in[4].get<std::uint32_t>()};
      if (i.op > kFixDen) fail("unknown instruction " + std::to_string(i.op));
      for (std::uint32_t r : {i.d, i.a, i.b, i.c})
        if (r >= f.registers_.size()) fail("register " + std::to_string(r) + " out of range");
      f.program_.push_back(i);
    }
    f.input_registers_ = j.at("input_registers").get<std::vector<std::uint32_t>>();
    f.output_registers_ = j.at("output_registers").get<std::vector<std::int64_t>>();
    f.input_denominators_ = j.at("input_denominators").get<std::vector<std::int64_t>>();
    f.output_denominators_ = j.at("output_denominators").get<std::vector<std::int64_t>>();
  } catch (const nlohmann::json::exception& e) {
    fail(e.what());
  } catch (const ExprError& e) {
    fail(e.what());
  }
  if (f.input_registers_.size() != f.variables_.size()) fail("one input register per variable");
  if (f.output_registers_.size() != f.outputs_.size()) fail("one output register per output");
  if (f.input_denominators_.size() != f.variables_.size()) fail("one input denominator per variable");
  if (f.output_denominators_.size() != f.outputs_.size()) fail("one output denominator per output");
  for (std::int64_t r : f.input_denominators_)
    if (r < -1 || r >= static_cast<std::int64_t>(f.registers_.size())) fail("input denominator out of range");
  for (std::int64_t r : f.output_denominators_)
    if (r < -1 || r >= static_cast<std::int64_t>(f.registers_.size())) fail("output denominator out of range");
  for (std::uint32_t r : f.input_registers_)
    if (r >= f.registers_.size()) fail("input register out of range");
  for (std::int64_t r : f.output_registers_)
    if (r < -1 || r >= static_cast<std::int64_t>(f.registers_.size())) fail("output register out of range");
  f.compute_dependencies();
  return f;
}

}  // namespace kcost
