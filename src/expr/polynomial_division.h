// Exact division of polynomials, within a bound on its work.
//
// GiNaC's divide has none: `e ** 40 // (e + b + c + d + f)` took 77 s of it, though both sides
// are one and five terms (kcost bounded only their expanded sizes, cheap_to_divide). Dividing by
// a sum whose leading coefficient in the main variable is a number never fails early, so the
// division takes all 40 steps, the remainder growing by the terms each step multiplies out (a
// fourth power's worth of terms in the other four symbols by the end). Given a power of a sum,
// GiNaC also tries each lower power of its base first, each in the same way, in time exponential
// in the exponent: `(-(a0 + b) * e - e) ** 21` by `(a0x + 2 ** 64 - e) ** 21` took 24 s, and an
// expr_roundtrip input holding it 49 s under ASan (fuzz/slow/README.md, stop 49). Which variable
// the division took first, and so how long it took, followed the order GiNaC gave the symbols.
//
// Here the division is the recursive long division GiNaC's is, on expanded sides: the main
// variable is the divisor's symbol whose name comes first (so the work, and whether it fits,
// follow the polynomials, not the order their symbols were made in); each step divides the
// remainder's leading coefficient in it by the divisor's (recursively, in the other symbols),
// and takes the quotient term times the divisor off the remainder. The work counted is the terms
// each step reads (the remainder's) and makes (the quotient term times the divisor's terms),
// weighed by their numbers' lengths, and the expansion of each side.
#pragma once

#include <optional>

#include <ginac/ginac.h>

namespace kcost {

// The work a division may take (terms read and made, each 1 plus 1 for each 64 bits of its
// number): 8 to 13 ms of a release build for the divisions that ran out of it in stop 50's
// measurements (`a ** 40` by `a + b + c + d + f`, `(a + b) ** 829` by `c - b`,
// `(a + b + c) ** 30` by `a + b + c + 1`), where GiNaC's took up to 77 s. It finds quotients of a
// few hundred terms (the 21st power of a three-term sum, 253 terms, in 6 ms).
constexpr double kMaxDivisionWork = 5000;

// a / b when b divides a as polynomials with rational coefficients (a = q * b, q a polynomial,
// expanded), found within `max_work`. Empty when b does not divide a, or when telling would take
// more work than that. a and b are polynomials in their symbols with rational coefficients
// (GiNaC's info_flags::rational_polynomial), b not zero.
std::optional<GiNaC::ex> divide_exactly(const GiNaC::ex& a, const GiNaC::ex& b,
                                        double max_work = kMaxDivisionWork);

}  // namespace kcost
