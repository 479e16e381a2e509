#include "expr/lexer.h"

#include <charconv>
#include <cln/integer_io.h>
#include <string>

#include "expr/error.h"
#include "expr/number.h"

namespace kcost {

namespace {

bool is_digit(char c, int base = 10) {
  if (base == 16)
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  return c >= '0' && c < '0' + base;
}
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string without_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

}  // namespace

void Lexer::fail(size_t pos, const std::string& message) const {
  // Every character before an error is ASCII (anything else is itself an error), so the
  // column is the byte offset + 1.
  throw ExprError(message, std::string(text_), static_cast<int>(pos) + 1);
}

size_t Lexer::digits(size_t pos, int base) const {
  while (pos < text_.size()) {
    if (is_digit(text_[pos], base)) {
      ++pos;
    } else if (text_[pos] == '_' && pos + 1 < text_.size() && is_digit(text_[pos + 1], base)) {
      pos += 2;
    } else {
      break;
    }
  }
  return pos;
}

Token Lexer::next() {
  while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  Token t;
  t.column = static_cast<int>(pos_) + 1;
  if (pos_ == text_.size()) return t;
  size_t start = pos_;
  char c = text_[pos_];
  if (is_digit(c) || (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])))
    return number(start);
  if (is_name_start(c)) {
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    t.kind = Token::name;
    t.text = text_.substr(start, pos_ - start);
    return t;
  }
  if (c == '\'' || c == '"') fail(pos_, "string literals are not supported");
  static const std::string_view two_char[] = {"**", "//", "<=", ">=", "==", "!=", "<<",
                                              ">>", "->", ":="};
  for (std::string_view op : two_char) {
    if (text_.substr(pos_, 2) == op) {
      pos_ += 2;
      t.kind = Token::op;
      t.text = op;
      return t;
    }
  }
  if (std::string_view("+-*/%<>(),.[]{}=&|^~@:;").find(c) != std::string_view::npos) {
    ++pos_;
    t.kind = Token::op;
    t.text = text_.substr(start, 1);
    return t;
  }
  if (static_cast<unsigned char>(c) >= 0x80) fail(pos_, "unexpected non-ASCII character");
  if (c < 0x20 || c == 0x7f) fail(pos_, "unexpected control character");
  fail(pos_, std::string("unexpected character '") + c + "'");
}

Token Lexer::number(size_t start) {
  Token t;
  t.kind = Token::number;
  t.column = static_cast<int>(start) + 1;
  size_t pos = start;
  auto check_end = [&](size_t end, const char* what) {
    if (end < text_.size() && is_name_char(text_[end])) {
      if (text_[end] == 'j' || text_[end] == 'J') fail(end, "complex literals are not supported");
      fail(end, std::string("invalid ") + what + " literal");
    }
  };

  // 0x1f, 0o17, 0b101
  if (text_[pos] == '0' && pos + 1 < text_.size()) {
    char prefix = text_[pos + 1] | 0x20;
    int base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : prefix == 'b' ? 2 : 0;
    if (base) {
      const char* what = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
      size_t first = pos + 2;
      if (first < text_.size() && text_[first] == '_') ++first;  // 0x_ff is legal
      size_t end = digits(first, base);
      if (end == first) fail(first, std::string("invalid ") + what + " literal");
      check_end(end, what);
      std::string d = without_underscores(text_.substr(pos + 2, end - pos - 2));
      t.value = GiNaC::numeric(cln::cl_N(cln::read_integer(base, 0, d.c_str(), 0, d.size())));
      t.text = text_.substr(start, end - start);
      pos_ = end;
      return t;
    }
  }

  size_t int_end = digits(pos, 10);
  size_t end = int_end;
  bool is_float = false;
  if (end < text_.size() && text_[end] == '.') {
    is_float = true;
    end = digits(end + 1, 10);
  }
  long long exponent = 0;
  if (end < text_.size() && (text_[end] | 0x20) == 'e') {
    size_t e = end + 1;
    bool minus = false;
    if (e < text_.size() && (text_[e] == '+' || text_[e] == '-')) minus = text_[e++] == '-';
    if (e >= text_.size() || !is_digit(text_[e])) fail(end, "invalid float literal");
    size_t e_end = digits(e, 10);
    for (char d : text_.substr(e, e_end - e))
      if (d != '_' && exponent < 100000) exponent = exponent * 10 + (d - '0');
    if (minus) exponent = -exponent;
    is_float = true;
    end = e_end;
  }
  check_end(end, is_float ? "float" : "decimal");
  t.text = text_.substr(start, end - start);
  pos_ = end;

  if (!is_float) {
    std::string d = without_underscores(t.text);
    if (d.size() > 1 && d[0] == '0' && d.find_first_not_of('0') != std::string::npos)
      fail(start, "leading zeros in decimal integer literals are not permitted");
    if (d.size() > kMaxDecimalDigits) fail(start, "integer literal has too many digits");
    t.value = GiNaC::numeric(cln::cl_N(cln::read_integer(10, 0, d.c_str(), 0, d.size())));
    return t;
  }

  std::string d = without_underscores(t.text);
  double value = 0;
  auto res = std::from_chars(d.data(), d.data() + d.size(), value);
  if (res.ec == std::errc::result_out_of_range) {
    // Overflow is an error (Python would make it inf, which has no literal); underflow is 0.0.
    std::string mantissa = without_underscores(text_.substr(start, (int_end - start)));
    size_t first_nonzero = mantissa.find_first_not_of('0');
    long long magnitude = exponent;
    if (first_nonzero != std::string::npos) {
      magnitude += static_cast<long long>(mantissa.size() - first_nonzero);
    }
    if (magnitude > 0) fail(start, "float literal is out of range");
    value = 0.0;
  } else if (res.ec != std::errc() || res.ptr != d.data() + d.size()) {
    fail(start, "invalid float literal");
  }
  t.value = number::make_float(value);
  return t;
}

}  // namespace kcost
