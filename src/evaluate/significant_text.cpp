#include "evaluate/significant_text.h"

#include <cstdint>

namespace kcost {
namespace {

constexpr int kDigits = 6;  // significant digits, as "%.6g"

// 10^k for k in [0, 38].
struct Powers {
  int128 p[39];
  Powers() {
    p[0] = 1;
    for (int k = 1; k < 39; ++k) p[k] = p[k - 1] * 10;
  }
};
const Powers kPowers;

inline int128 power_of_ten(int k) { return kPowers.p[k]; }

// The number of decimal digits of v > 0: from its bit length (bits x log10 2, 1233 / 4096 being
// just above it), then one comparison.
inline int decimal_digits(int128 v) {
  const auto u = static_cast<unsigned __int128>(v);
  const std::uint64_t high = static_cast<std::uint64_t>(u >> 64), low = static_cast<std::uint64_t>(u);
  const int bits = high ? 128 - __builtin_clzll(high) : 64 - __builtin_clzll(low);
  const int guess = (bits * 1233) >> 12;  // digits - 1 or digits
  return guess + (v >= kPowers.p[guess] ? 1 : 0);
}

// v * 10^k into `out`; false on overflow. Without the overflow check where none can happen (v
// and 10^k both within 64 bits: the product is below 2^126), which is most calls.
inline bool scale(int128 v, int k, int128& out) {
  if (v >= 0 && v <= INT64_MAX && k <= 18) {
    out = v * kPowers.p[k];
    return true;
  }
  return !__builtin_mul_overflow(v, kPowers.p[k], &out);
}

// n / d >= 10^e, for |e| <= 21; false when 10^e * d overflows (then it is larger than n).
bool at_least(int128 n, int128 d, int e) {
  int128 scaled;
  if (e >= 0) return scale(d, e, scaled) && n >= scaled;
  if (!scale(n, -e, scaled)) return true;
  return scaled >= d;
}

}  // namespace

size_t significant_text(int128 n, int128 d, char* out) {
  if (n < 0 || d <= 0) return 0;
  if (n == 0) {
    out[0] = '0';
    return 1;
  }
  // The decimal exponent e: 10^e <= n / d < 10^(e + 1).
  int e = decimal_digits(n) - decimal_digits(d);
  if (e > 21 || e < -20) return 0;
  if (!at_least(n, d, e)) --e;
  if (e > 20 || e < -20) return 0;
  // The six digits: n / d scaled to [10^5, 10^6), rounded half to even.
  const int shift = kDigits - 1 - e;
  int128 num = n, den = d;
  if (!(shift >= 0 ? scale(n, shift, num) : scale(d, -shift, den))) return 0;
  int128 q, r;
  if (num <= INT64_MAX && den <= INT64_MAX) {
    // Most sweeps' numbers: the quotient (below about 10^6) estimated by a double division, which
    // is off by at most one here, then corrected exactly (faster than an integer division).
    const std::int64_t n64 = static_cast<std::int64_t>(num), d64 = static_cast<std::int64_t>(den);
    q = static_cast<std::int64_t>(static_cast<double>(n64) / static_cast<double>(d64));
    r = static_cast<int128>(n64) - q * d64;
    while (r < 0) {
      --q;
      r += d64;
    }
    while (r >= d64) {
      ++q;
      r -= d64;
    }
  } else {
    q = num / den;
    r = num - q * den;
  }
  const int128 rest = den - r;
  if (r > rest || (r == rest && q % 2 == 1)) ++q;
  if (q == power_of_ten(kDigits)) {
    q /= 10;
    ++e;
  }
  char digits[kDigits];
  int small = static_cast<int>(q);  // below 10^6
  for (int i = kDigits - 1; i >= 0; --i, small /= 10) digits[i] = static_cast<char>('0' + small % 10);
  int last = kDigits - 1;  // the last digit written: trailing zeros dropped
  size_t len = 0;
  if (e < -4 || e >= kDigits) {
    while (last > 0 && digits[last] == '0') --last;
    out[len++] = digits[0];
    if (last > 0) {
      out[len++] = '.';
      for (int i = 1; i <= last; ++i) out[len++] = digits[i];
    }
    out[len++] = 'e';
    out[len++] = e < 0 ? '-' : '+';
    int x = e < 0 ? -e : e;
    if (x >= 10) out[len++] = static_cast<char>('0' + x / 10);
    else out[len++] = '0';
    out[len++] = static_cast<char>('0' + x % 10);
    return len;
  }
  if (e >= 0) {
    while (last > e && digits[last] == '0') --last;
    for (int i = 0; i <= e; ++i) out[len++] = digits[i];
    if (last > e) {
      out[len++] = '.';
      for (int i = e + 1; i <= last; ++i) out[len++] = digits[i];
    }
    return len;
  }
  while (last > 0 && digits[last] == '0') --last;
  out[len++] = '0';
  out[len++] = '.';
  for (int i = 0; i < -e - 1; ++i) out[len++] = '0';
  for (int i = 0; i <= last; ++i) out[len++] = digits[i];
  return len;
}

}  // namespace kcost
