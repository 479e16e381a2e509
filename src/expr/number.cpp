#include "expr/number.h"

#include <charconv>
#include <cln/dfloat.h>
#include <cln/float.h>
#include <cln/rational.h>
#include <cln/real.h>
#include <cmath>
#include <cstdlib>

#include "expr/error.h"

namespace kcost::number {

namespace {

// Python floats underflow to 0.0 silently; CLN throws unless told otherwise.
const bool underflow_inhibited = (cln::cl_inhibit_floating_point_underflow = true);

cln::cl_R real_of(const GiNaC::numeric& n) { return cln::the<cln::cl_R>(n.to_cl_N()); }

GiNaC::numeric integer(const cln::cl_I& i) { return GiNaC::numeric(cln::cl_N(i)); }

[[noreturn]] void division_by_zero() { throw ExprError("division by zero"); }

// CPython's float_divmod (Objects/floatobject.c): floor quotient and modulo of two doubles.
void float_divmod(double vx, double wx, double* floordiv, double* mod) {
  if (wx == 0.0) division_by_zero();
  double m = std::fmod(vx, wx);
  double div = (vx - m) / wx;
  if (m != 0.0) {
    if ((wx < 0) != (m < 0)) {
      m += wx;
      div -= 1.0;
    }
  } else {
    m = std::copysign(0.0, wx);
  }
  double q;
  if (div != 0.0) {
    q = std::floor(div);
    if (div - q > 0.5) q += 1.0;
  } else {
    q = std::copysign(0.0, vx / wx);
  }
  *floordiv = q;
  *mod = m;
}

GiNaC::numeric float_pow(double x, double y) {
  if (x == 0.0 && y < 0.0) throw ExprError("0.0 cannot be raised to a negative power");
  if (x < 0.0 && y != std::floor(y)) throw ExprError("power has a complex result");
  double r = std::pow(x, y);
  if (std::isinf(r)) throw ExprError("float overflow in power");
  return make_float(r);
}

}  // namespace

GiNaC::numeric make_float(double value) {
  (void)underflow_inhibited;
  if (!std::isfinite(value)) throw ExprError("float value is not finite");
  return GiNaC::numeric(cln::cl_N(cln::cl_DF(value)));
}

bool is_float(const GiNaC::numeric& n) { return n.is_real() && !n.is_rational(); }

GiNaC::numeric exact_value(const GiNaC::numeric& n) {
  if (!is_float(n)) return n;
  return GiNaC::numeric(cln::rational(cln::the<cln::cl_F>(n.to_cl_N())));
}

bool is_real(const GiNaC::ex& e) {
  return GiNaC::is_exactly_a<GiNaC::numeric>(e) && GiNaC::ex_to<GiNaC::numeric>(e).is_real();
}

double as_double(const GiNaC::numeric& n) {
  double d = cln::double_approx(real_of(n));
  if (!std::isfinite(d)) throw ExprError("number too large to convert to float");
  return d;
}

bool truthy(const GiNaC::numeric& n) { return !n.is_zero(); }

int compare(const GiNaC::numeric& a, const GiNaC::numeric& b) {
  return cln::compare(real_of(a), real_of(b));
}

GiNaC::numeric floordiv(const GiNaC::numeric& a, const GiNaC::numeric& b) {
  if (b.is_zero()) division_by_zero();
  if (is_float(a) || is_float(b)) {
    double q, m;
    float_divmod(as_double(a), as_double(b), &q, &m);
    return make_float(q);
  }
  return integer(cln::floor1(cln::the<cln::cl_RA>(a.to_cl_N()),
                             cln::the<cln::cl_RA>(b.to_cl_N())));
}

GiNaC::numeric mod(const GiNaC::numeric& a, const GiNaC::numeric& b) {
  if (b.is_zero()) division_by_zero();
  if (is_float(a) || is_float(b)) {
    double q, m;
    float_divmod(as_double(a), as_double(b), &q, &m);
    return make_float(m);
  }
  return a - b * floordiv(a, b);
}

double bit_length(const GiNaC::numeric& n) { return std::max(n.numer().int_length(), n.denom().int_length()); }

GiNaC::numeric pow(const GiNaC::numeric& a, const GiNaC::numeric& b, double max_bits) {
  if (is_float(a) || is_float(b) || !b.is_integer())
    return float_pow(as_double(a), as_double(b));
  if (b.is_zero()) return 1;  // Python: 0**0 == 1 (GiNaC calls it undefined)
  if (a.is_zero() && b.is_negative()) division_by_zero();
  // 0, 1 and -1 to any integer power, at once: GiNaC squares its way through every bit of the
  // exponent, and `1 ** (1010001 ** 10105)` took 4 s and 2 GB (a fuzz finding).
  if (a.is_zero() || a.is_equal(1)) return a;
  if (a.is_equal(-1)) return b.is_even() ? 1 : -1;
  // Refuse results beyond max_bits: bad input must not exhaust the machine or the clock.
  if (bit_length(a) * std::fabs(b.to_double()) > max_bits) throw ExprError("number too large in power");
  return GiNaC::pow(a, b);
}

GiNaC::numeric trunc(const GiNaC::numeric& n) { return integer(cln::truncate1(real_of(n))); }
GiNaC::numeric log2(const GiNaC::numeric& n) {
  if (!n.is_real() || compare(n, GiNaC::numeric(0)) <= 0) throw ExprError("math domain error");
  return make_float(std::log2(as_double(n)));
}

GiNaC::numeric floor(const GiNaC::numeric& n) { return integer(cln::floor1(real_of(n))); }
GiNaC::numeric ceil(const GiNaC::numeric& n) { return integer(cln::ceiling1(real_of(n))); }
GiNaC::numeric abs(const GiNaC::numeric& n) { return GiNaC::abs(n); }

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, in scientific form: "d[.ddd]e[+-]xx".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e_pos = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e_pos; ++i)
    if (sci[i] != '.') digits += sci[i];
  int exponent = std::atoi(sci.c_str() + e_pos + 1);
  std::string out = std::signbit(value) ? "-" : "";
  if (-4 <= exponent && exponent < 16) {  // Python's repr switches to exponents outside this
    if (exponent < 0) {
      out += "0." + std::string(-exponent - 1, '0') + digits;
    } else {
      size_t int_len = exponent + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    }
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += exponent < 0 ? "e-" : "e+";
    int mag = std::abs(exponent);
    if (mag < 10) out += "0";
    out += std::to_string(mag);
  }
  return out;
}

}  // namespace kcost::number
