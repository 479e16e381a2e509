#include "expr/exact_compare.h"

#include <typeinfo>

#include "expr/functions.h"

namespace kcost {

int exact_compare(const GiNaC::ex& a, const GiNaC::ex& b) {
  const GiNaC::basic& x = GiNaC::ex_to<GiNaC::basic>(a);
  const GiNaC::basic& y = GiNaC::ex_to<GiNaC::basic>(b);
  if (&x == &y) return 0;
  if (a.gethash() != b.gethash()) return a.gethash() < b.gethash() ? -1 : 1;
  if (typeid(x) != typeid(y)) return typeid(x).before(typeid(y)) ? -1 : 1;
  if (GiNaC::is_exactly_a<GiNaC::numeric>(a)) {
    const GiNaC::numeric& m = GiNaC::ex_to<GiNaC::numeric>(a);
    const GiNaC::numeric& n = GiNaC::ex_to<GiNaC::numeric>(b);
    const bool exact_a = m.is_crational(), exact_b = n.is_crational();
    if (exact_a != exact_b) return exact_a ? -1 : 1;
    return m.compare(n);
  }
  if (a.nops() == 0) return x.compare(y);
  if (GiNaC::is_exactly_a<GiNaC::function>(a)) {
    const unsigned sa = GiNaC::ex_to<GiNaC::function>(a).get_serial();
    const unsigned sb = GiNaC::ex_to<GiNaC::function>(b).get_serial();
    if (sa != sb) return sa < sb ? -1 : 1;
  }
  if (a.nops() != b.nops()) return a.nops() < b.nops() ? -1 : 1;
  for (size_t i = 0; i < a.nops(); ++i)
    if (int c = exact_compare(a.op(i), b.op(i))) return c;
  if (GiNaC::is_exactly_a<GiNaC::add>(a))
    return exact_compare(number_of(GiNaC::ex_to<GiNaC::add>(a)), number_of(GiNaC::ex_to<GiNaC::add>(b)));
  return 0;
}

}  // namespace kcost
