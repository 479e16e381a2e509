#include "expr/index_count.h"

#include <numeric>
#include <vector>

#include "expr/expansion_size.h"
#include "expr/functions.h"

namespace kcost {

namespace {

using GiNaC::ex;

// A predicate on i as a set of integers: intervals, residue classes, conditions free of i, and
// their boolean combinations.
struct Set {
  enum class Kind { All, None, Interval, Residue, Cond, Not, And, Or } kind = Kind::All;
  std::optional<Expr> lo, hi;  // Interval: lo <= i < hi (an absent side is unbounded)
  Expr d, p;                   // Residue: i == d (mod p)
  Expr cond;                   // Cond: true for every i, or for none
  std::vector<Set> parts;      // Not (one), And, Or

  static Set of(Kind k) {
    Set s;
    s.kind = k;
    return s;
  }
  static Set interval(std::optional<Expr> lo, std::optional<Expr> hi) {
    Set s = of(Kind::Interval);
    s.lo = std::move(lo);
    s.hi = std::move(hi);
    return s;
  }
  static Set residue(Expr d, Expr p) {
    Set s = of(Kind::Residue);
    s.d = std::move(d);
    s.p = std::move(p);
    return s;
  }
  static Set condition(Expr c) {
    if (c.is_number()) return of(c.as_number().is_zero() ? Kind::None : Kind::All);
    Set s = of(Kind::Cond);
    s.cond = std::move(c);
    return s;
  }
  static Set negation(Set a) {
    Set s = of(Kind::Not);
    s.parts.push_back(std::move(a));
    return s;
  }
  static Set join(Kind k, std::vector<Set> parts) {
    Set s = of(k);
    s.parts = std::move(parts);
    return s;
  }
};

class Counter {
 public:
  Counter(const std::string& index, Expr n) : i_(Expr::symbol(index).ex()), n_(std::move(n)) {}

  std::optional<Set> parse(const ex& e) {
    if (!e.has(i_)) return Set::condition(Expr(e));
    // An expression affine in i, as a truth value: i + k != 0.
    if (auto k = offset(e)) return Set::negation(point(-*k));
    auto op = py_op(e);
    if (!op) return std::nullopt;
    switch (*op) {
      case PyOp::logical_and:
      case PyOp::logical_or: {
        auto a = parse(e.op(0)), b = parse(e.op(1));
        if (!a || !b) return std::nullopt;
        return Set::join(*op == PyOp::logical_and ? Set::Kind::And : Set::Kind::Or, {*a, *b});
      }
      case PyOp::logical_not: {
        auto a = parse(e.op(0));
        if (!a) return std::nullopt;
        return Set::negation(*a);
      }
      case PyOp::if_else: {
        auto c = parse(e.op(0)), a = parse(e.op(1)), b = parse(e.op(2));
        if (!c || !a || !b) return std::nullopt;
        return Set::join(Set::Kind::Or, {Set::join(Set::Kind::And, {*c, *a}), Set::join(Set::Kind::And, {Set::negation(*c), *b})});
      }
      case PyOp::mod:
        // (i + c) % p as a truth value: (i + c) % p != 0.
        if (auto r = residue_of(e, ex(0))) return Set::negation(*r);
        return std::nullopt;
      default:
        if (is_comparison(*op)) return comparison(*op, e.op(0), e.op(1));
        return std::nullopt;
    }
  }

  // The number of i in [0, n) in the intersection of `sets`.
  std::optional<Expr> count(std::vector<Set> sets) {
    if (++steps_ > kMaxSteps) return std::nullopt;
    for (size_t k = 0; k < sets.size(); ++k) {
      Set s = sets[k];
      std::vector<Set> rest = sets;
      rest.erase(rest.begin() + static_cast<long>(k));
      switch (s.kind) {
        case Set::Kind::All: return count(rest);
        case Set::Kind::None: return Expr(0);
        case Set::Kind::And:
          rest.insert(rest.end(), s.parts.begin(), s.parts.end());
          return count(rest);
        case Set::Kind::Or: {
          // |R & (A | B)| = |R & A| + |R & B| - |R & A & B|
          Set a = s.parts.front();
          Set b = s.parts.size() == 2 ? s.parts.back()
                                      : Set::join(Set::Kind::Or, std::vector<Set>(s.parts.begin() + 1, s.parts.end()));
          auto ca = count(with(rest, {a})), cb = count(with(rest, {b})), cab = count(with(rest, {a, b}));
          if (!ca || !cb || !cab) return std::nullopt;
          return *ca + *cb - *cab;
        }
        case Set::Kind::Not: {
          auto all = count(rest), inner = count(with(rest, {s.parts.front()}));
          if (!all || !inner) return std::nullopt;
          return *all - *inner;
        }
        case Set::Kind::Cond: {
          auto c = count(rest);
          if (!c) return std::nullopt;
          return Expr::if_else(s.cond, *c, Expr(0));
        }
        default: break;
      }
    }
    return count_atoms(sets);
  }

 private:
  static constexpr int kMaxSteps = 20000;

  static std::vector<Set> with(std::vector<Set> sets, std::initializer_list<Set> more) {
    sets.insert(sets.end(), more);
    return sets;
  }

  // k when e is i + k with k free of i.
  std::optional<Expr> offset(const ex& e) const {
    if (!cheap_to_expand(e)) return std::nullopt;
    ex x = expand_all(e);
    if (!x.is_polynomial(i_) || x.degree(i_) != 1) return std::nullopt;
    ex c = x.coeff(i_, 1);
    ex k = expand_all(x - c * i_);
    if (k.has(i_) || !GiNaC::is_a<GiNaC::numeric>(c) || !GiNaC::ex_to<GiNaC::numeric>(c).is_equal(1)) return std::nullopt;
    return Expr(k);
  }

  static Set point(const Expr& at) { return Set::interval(at, at + 1); }

  // (i + c) % p == r as a set: i == r - c (mod p) when 0 <= r < p, else no i.
  std::optional<Set> residue_of(const ex& mod, const ex& r) const {
    auto op = py_op(mod);
    if (!op || *op != PyOp::mod || mod.op(1).has(i_) || r.has(i_)) return std::nullopt;
    auto c = offset(mod.op(0));
    if (!c) return std::nullopt;
    Expr p(mod.op(1)), rr(r);
    Set s = Set::residue(rr - *c, p);
    // A positive modulus is assumed; a residue of 0 is then always in range.
    if (rr.is_number() && rr.as_number().is_zero()) return s;
    return Set::join(Set::Kind::And, {Set::condition(Expr::compare("<=", Expr(0), rr)), Set::condition(Expr::compare("<", rr, p)), s});
  }

  // Whether e is 1 or 0 by its operation (a comparison, `not`).
  static bool is_boolean(const ex& e) {
    auto op = py_op(e);
    return op && (is_comparison(*op) || *op == PyOp::logical_not);
  }

  std::optional<Set> comparison(PyOp op, const ex& a, const ex& b) {
    if (op == PyOp::eq || op == PyOp::ne) {
      std::optional<Set> r = residue_of(a, b);
      if (!r) r = residue_of(b, a);
      if (r) return op == PyOp::eq ? *r : Set::negation(*r);
      // A truth value compared with a number (int(x != 0) == 1): true for 1, false for 0.
      for (int side = 0; side < 2; ++side) {
        const ex& t = side ? b : a;
        const ex& v = side ? a : b;
        if (!is_boolean(t) || !GiNaC::is_a<GiNaC::numeric>(v)) continue;
        auto inner = parse(t);
        if (!inner) return std::nullopt;
        const GiNaC::numeric& value = GiNaC::ex_to<GiNaC::numeric>(v);
        Set holds = value.is_equal(1) ? *inner : value.is_zero() ? Set::negation(*inner) : Set::of(Set::Kind::None);
        return op == PyOp::eq ? holds : Set::negation(holds);
      }
    }
    // a - b = s * i + k with s = 1 or -1: `s * i + k op 0`, so `i op' -k` (op' flipped when s = -1).
    if (!cheap_to_expand(a - b)) return std::nullopt;
    ex diff = expand_all(a - b);
    bool flip = false;
    std::optional<Expr> k = offset(diff);
    if (!k) {
      k = offset(-diff);
      flip = true;
    }
    if (!k) return std::nullopt;
    if (flip) {
      // -(i + k) op 0  <=>  i + k op~ 0
      switch (op) {
        case PyOp::lt: op = PyOp::gt; break;
        case PyOp::le: op = PyOp::ge; break;
        case PyOp::gt: op = PyOp::lt; break;
        case PyOp::ge: op = PyOp::le; break;
        default: break;
      }
    }
    Expr at = -*k;  // i op at
    switch (op) {
      case PyOp::lt: return Set::interval(std::nullopt, at);
      case PyOp::le: return Set::interval(std::nullopt, at + 1);
      case PyOp::gt: return Set::interval(at + 1, std::nullopt);
      case PyOp::ge: return Set::interval(at, std::nullopt);
      case PyOp::eq: return point(at);
      case PyOp::ne: return Set::negation(point(at));
      default: return std::nullopt;
    }
  }

  // Intervals and residue classes only.
  std::optional<Expr> count_atoms(const std::vector<Set>& sets) const {
    Expr lo(0), hi = n_;
    bool clipped = false;
    std::vector<const Set*> residues;
    for (const Set& s : sets) {
      if (s.kind == Set::Kind::Residue) {
        residues.push_back(&s);
        continue;
      }
      if (s.lo) lo = Expr::max(lo, *s.lo);
      if (s.hi) hi = Expr::min(hi, *s.hi);
      clipped = true;
    }
    // An interval that ends before it starts is empty ([0, n) needs no clip: n >= 0).
    if (clipped && !(lo == Expr(0) && hi == n_)) hi = Expr::max(hi, lo);
    if (residues.empty()) return hi - lo;
    Expr d = residues.front()->d, p = residues.front()->p;
    Expr guard(1);
    for (size_t k = 1; k < residues.size(); ++k) {
      const Set& r = *residues[k];
      if (r.p == p) {
        // Both hold iff the offsets agree modulo p.
        guard = Expr::logical_and(guard, Expr::compare("==", Expr::mod(d - r.d, p), Expr(0)));
        continue;
      }
      if (!(p.is_number() && r.p.is_number() && d.is_number() && r.d.is_number())) return std::nullopt;
      auto combined = combine(d, p, r.d, r.p);
      if (!combined) return Expr(0);
      if (combined->second.is_zero()) return std::nullopt;
      d = Expr::number(combined->first);
      p = Expr::number(combined->second);
    }
    // #{i in [lo, hi): i == d (mod p)} = floor((hi - 1 - d) / p) - floor((lo - 1 - d) / p)
    Expr c = Expr::floordiv(hi - 1 - d, p) - Expr::floordiv(lo - 1 - d, p);
    return Expr::if_else(guard, c, Expr(0));
  }

  // The residue class mod lcm(p1, p2) in both i == d1 (mod p1) and i == d2 (mod p2): (d, lcm);
  // nullopt when none; lcm 0 when the moduli are too large to combine here.
  static std::optional<std::pair<GiNaC::numeric, GiNaC::numeric>> combine(const Expr& d1, const Expr& p1, const Expr& d2,
                                                                          const Expr& p2) {
    GiNaC::numeric a = p1.as_number(), b = p2.as_number();
    if (!a.is_pos_integer() || !b.is_pos_integer() || !d1.as_number().is_integer() || !d2.as_number().is_integer())
      return std::make_pair(GiNaC::numeric(0), GiNaC::numeric(0));
    GiNaC::numeric l = GiNaC::lcm(a, b);
    if (l > GiNaC::numeric(1 << 20)) return std::make_pair(GiNaC::numeric(0), GiNaC::numeric(0));
    GiNaC::numeric x = GiNaC::mod(d1.as_number(), a);
    for (; x < l; x += a)
      if (GiNaC::mod(x - d2.as_number(), b).is_zero()) return std::make_pair(x, l);
    return std::nullopt;
  }

  ex i_;
  Expr n_;
  int steps_ = 0;
};

}  // namespace

std::optional<Expr> count_where(const Expr& predicate, const std::string& index, const Expr& n) {
  Counter counter(index, n);
  std::optional<Set> s = counter.parse(predicate.ex());
  if (!s) return std::nullopt;
  return counter.count({*s});
}

}  // namespace kcost
