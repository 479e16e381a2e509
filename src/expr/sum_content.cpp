#include "expr/sum_content.h"

#include "expr/functions.h"
#include "expr/number.h"

namespace kcost {

namespace {

const GiNaC::numeric& num(const GiNaC::ex& e) { return GiNaC::ex_to<GiNaC::numeric>(e); }

}  // namespace

std::optional<SumContent> float_sum_content(const GiNaC::ex& e) {
  if (!GiNaC::is_exactly_a<GiNaC::add>(e)) return std::nullopt;
  const GiNaC::add& sum = GiNaC::ex_to<GiNaC::add>(e);
  const GiNaC::epvector& pairs = pairs_of(sum);
  if (pairs.empty()) return std::nullopt;
  const GiNaC::numeric& constant = num(number_of(sum));
  if (!constant.is_real()) return std::nullopt;
  bool floats = number::is_float(constant);
  for (const GiNaC::expair& pair : pairs) {
    if (!num(pair.coeff).is_real()) return std::nullopt;
    floats = floats || number::is_float(num(pair.coeff));
  }
  if (!floats) return std::nullopt;
  GiNaC::numeric content = e.integer_content();
  if (content.is_equal(GiNaC::numeric(1))) return std::nullopt;
  // mul::eval's rule: the sign of the first term, when its coefficient over c is a positive integer
  if (!num(pairs.front().coeff).div(content).is_pos_integer()) content = content.mul(GiNaC::numeric(-1));
  GiNaC::epvector divided;
  divided.reserve(pairs.size());
  for (const GiNaC::expair& pair : pairs) divided.emplace_back(pair.rest, num(pair.coeff).div(content));
  return SumContent{content, GiNaC::ex(GiNaC::add(std::move(divided), constant.div(content)))};
}

}  // namespace kcost
