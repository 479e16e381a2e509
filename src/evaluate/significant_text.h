// SignificantText: a fraction n / d written at 6 significant digits the way printf's "%.6g" writes
// a double (fixed notation for decimal exponents -4 to 5, else d.ddddde+XX; trailing zeros and a
// trailing point dropped), but rounded from the exact fraction rather than from the nearest double,
// half to even. A sweep's arithmetic intensity is FLOPs / bytes, both exact integers: this
// writes it without converting either to a double and without the general formatter (a quarter
// of a sweep's time per row before).
//
// Where the double n / d is not within an ulp of a rounding boundary the text is exactly
// "%.6g" of it; at such a boundary it is the exact fraction's rounding (the right one).
#pragma once

#include <cstddef>

namespace kcost {

using int128 = __int128;

// Writes the text to `out` (at least 32 chars) and returns its length; 0 when the fraction is out of
// what 128-bit arithmetic can scale (then use the double): n negative, d not positive, or n / d
// beyond about 1e20 or below 1e-20.
size_t significant_text(int128 n, int128 d, char* out);

}  // namespace kcost
