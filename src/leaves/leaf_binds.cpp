#include "leaves/leaf_binds.h"

#include <cctype>

namespace kcost {

namespace {

struct Cursor {
  const std::string& s;
  size_t i = 0;
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("column " + std::to_string(i + 1) + ": " + what);
  }
  void space() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  bool eat(const std::string& token) {
    space();
    if (s.compare(i, token.size(), token) != 0) return false;
    i += token.size();
    return true;
  }
  void expect(const std::string& token) {
    if (!eat(token)) fail("expected '" + token + "'");
  }
  std::string name() {
    space();
    size_t start = i;
    if (i < s.size() && (std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '_'))
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    if (i == start) fail("expected an argument name, self or args[N]");
    return s.substr(start, i - start);
  }
  long long integer() {
    space();
    size_t start = i;
    if (i < s.size() && s[i] == '-') ++i;
    size_t digits = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - digits < 18) ++i;
    if (i == digits) fail("expected an integer");
    return std::stoll(s.substr(start, i - start));
  }
};

void operand(Cursor& c, BindPath& p) {
  std::string n = c.name();
  if (n == "args") {
    c.expect("[");
    p.index = c.integer();
    if (p.index < 0) c.fail("args[N] takes N >= 0");
    c.expect("]");
    return;
  }
  p.operand = n;
}

}  // namespace

BindPath parse_bind_path(const std::string& text) {
  Cursor c{text};
  BindPath p;
  p.text = text;
  c.space();
  if (c.i < text.size() && (std::isdigit(static_cast<unsigned char>(text[c.i])) || text[c.i] == '-')) {
    p.access = BindPath::Access::Literal;
    p.number = c.integer();
  } else if (c.eat("present(")) {
    p.access = BindPath::Access::Present;
    operand(c, p);
    c.expect(")");
  } else {
    operand(c, p);
    if (c.eat(".shape")) {
      p.access = BindPath::Access::Dim;
      c.expect("[");
      p.number = c.integer();
      c.expect("]");
    } else if (c.eat(".numel")) {
      p.access = BindPath::Access::Numel;
      c.expect("(");
      c.expect(")");
    } else if (c.eat(".ndim")) {
      p.access = BindPath::Access::Rank;
    }
  }
  c.space();
  if (c.i != text.size()) c.fail("unexpected text after the path");
  return p;
}

}  // namespace kcost
