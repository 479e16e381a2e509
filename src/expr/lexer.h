// Lexer: splits Python expression text into tokens, one at a time, following Python's
// lexical rules for the subset kcost reads: integer literals (decimal with `_`, 0x/0o/0b),
// float literals (`1e-6`, `0.5`, `.5`, `1.`), names, operators and punctuation. Literals are
// converted here: integers exactly, floats to the nearest double. Errors (string literals,
// bad literals, stray characters) throw ExprError with the 1-based column.
#pragma once

#include <ginac/ginac.h>

#include <string_view>

namespace kcost {

// Python's default limit on the digits of a decimal integer (sys.get_int_max_str_digits()):
// a longer decimal literal is an error, and so is an expression holding a number that would
// print longer (see parser.h).
constexpr size_t kMaxDecimalDigits = 4300;
// An integer of more bits than this has more than kMaxDecimalDigits digits (2**14299 > 10**4304),
// known without writing them out.
constexpr int kMaxDecimalBits = 14300;

struct Token {
  enum Kind { end, number, name, op };
  Kind kind = end;
  std::string_view text;  // the source text of the token (empty at the end)
  int column = 0;         // 1-based
  GiNaC::numeric value;   // for numbers
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  Token next();

 private:
  [[noreturn]] void fail(size_t pos, const std::string& message) const;
  Token number(size_t start);
  size_t digits(size_t pos, int base) const;  // end of a run of digits with single `_`s

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace kcost
