#include "resolve/point_domain.h"

#include <string>

#include "expr/expansion_size.h"
#include "expr/functions.h"
#include "expr/rebuild.h"

namespace kcost {

namespace {

using GiNaC::ex;

bool is_one(const ex& e) { return GiNaC::is_a<GiNaC::numeric>(e) && GiNaC::ex_to<GiNaC::numeric>(e).is_equal(1); }

// One term of an expanded sum: a positive rational coefficient times powers of the point's
// sizes; `whole` when it has no cache_len (then it is at least its coefficient).
bool nonnegative_term(const ex& term, GiNaC::numeric* coefficient, bool* whole) {
  *coefficient = 1;
  *whole = true;
  auto factor = [&](const ex& f) {
    ex base = f;
    if (GiNaC::is_a<GiNaC::power>(f)) {
      ex exponent = f.op(1);
      if (!GiNaC::is_a<GiNaC::numeric>(exponent) || !GiNaC::ex_to<GiNaC::numeric>(exponent).is_pos_integer()) return false;
      base = f.op(0);
    }
    if (GiNaC::is_a<GiNaC::numeric>(f)) {
      const GiNaC::numeric& n = GiNaC::ex_to<GiNaC::numeric>(f);
      if (!n.is_rational() || !n.is_positive()) return false;
      *coefficient = *coefficient * n;
      return true;
    }
    if (!GiNaC::is_a<GiNaC::symbol>(base)) return false;
    const std::string name = GiNaC::ex_to<GiNaC::symbol>(base).get_name();
    if (name == "cache_len") *whole = false;
    else if (name != "batch_size" && name != "seq_len") return false;
    return true;
  };
  if (GiNaC::is_a<GiNaC::mul>(term)) {
    for (size_t i = 0; i < term.nops(); ++i)
      if (!factor(term.op(i))) return false;
    return true;
  }
  return factor(term);
}

// Whether x >= 1 at every point (see the header).
bool at_least_one(const ex& x) {
  if (!cheap_to_expand(x)) return false;
  ex e = expand_all(x);
  bool reaches_one = false;
  auto term = [&](const ex& t) {
    GiNaC::numeric c;
    bool whole = false;
    if (!nonnegative_term(t, &c, &whole)) return false;
    if (whole && c >= 1) reaches_one = true;
    return true;
  };
  if (GiNaC::is_a<GiNaC::add>(e)) {
    for (size_t i = 0; i < e.nops(); ++i)
      if (!term(e.op(i))) return false;
  } else if (!term(e)) {
    return false;
  }
  return reaches_one;
}

struct Decide : GiNaC::map_function {
  ex operator()(const ex& e) override {
    ex out = map_operands(e, *this);
    if (is_py_op(out, PyOp::min))
      for (int i = 0; i < 2; ++i)
        if (is_one(out.op(i)) && at_least_one(out.op(1 - i))) return ex(1);
    return out;
  }
};

}  // namespace

Expr decided_by_point(const Expr& e) {
  Decide decide;
  return Expr(decide(e.ex()));
}

}  // namespace kcost
