#include "expr/parser.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "expr/lexer.h"
#include "expr/symbol_table.h"
#include "expr/walk.h"

namespace kcost {

namespace {

// Deep enough for any formula, shallow enough that bad input cannot exhaust the stack.
constexpr int kMaxDepth = 200;
// The most levels the parsed tree may have (a name or a number is one level), so that what parses
// prints as text that parses again: the printer writes a level with at most three of the nesting
// levels counted above (a parenthesis, a unary minus and a `**`: `(-a * b) ** c`), and the source
// may write many levels flat (`x % a % b % ...`, `a < b < c < ...` and `p and q and ...` are a
// level per operator: an expr_roundtrip finding printed such a chain with a parenthesis a level,
// past kMaxDepth). Five times the deepest formula of the zoo's cost files (12 levels).
constexpr int kMaxTreeDepth = 64;
static_assert(3 * kMaxTreeDepth + 1 <= kMaxDepth);

// The levels of e's tree; a subtree GiNaC shares is measured once (`memo`, the depth of each
// node measured: GiNaC makes some operands afresh when asked for them, a sum's term 2 * x, and
// the memo keeps them alive, walk.h).
int tree_depth(const GiNaC::ex& e, NodeMemo<int>& memo) {
  if (e.nops() == 0) return 1;
  if (const int* depth = memo.find(e)) return *depth;
  int deepest = 0;
  for (size_t i = 0; i < e.nops(); ++i) deepest = std::max(deepest, tree_depth(e.op(i), memo));
  memo.note(e, deepest + 1);
  return deepest + 1;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) {}

  Expr parse() {
    advance();
    if (tok_.kind == Token::end) fail(tok_, "empty expression");
    Expr e = test();
    if (tok_.kind != Token::end) unexpected();
    NodeMemo<int> memo;
    if (tree_depth(e.ex(), memo) > kMaxTreeDepth)
      throw ExprError("expression is nested too deeply (more than " + std::to_string(kMaxTreeDepth) +
                          " levels once built)",
                      std::string(text_), 1);
    const bool too_long = walk_distinct(e.ex(), [](const GiNaC::ex& x) {
      if (!GiNaC::is_exactly_a<GiNaC::numeric>(x)) return Walk::into;
      return printable(GiNaC::ex_to<GiNaC::numeric>(x)) ? Walk::over : Walk::stop;
    });
    if (too_long)
      throw ExprError("a number in the expression has more than " + std::to_string(kMaxDecimalDigits) + " digits",
                      std::string(text_), 1);
    return e;
  }

 private:
  // Counts nesting on the recursive paths of the grammar.
  struct Nesting {
    Nesting(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail(p_.tok_, "expression is nested too deeply");
    }
    ~Nesting() { --p_.depth_; }
    Parser& p_;
  };

  // The printer writes integers, and the numerators and denominators of rationals, in decimal:
  // each must have at most kMaxDecimalDigits digits for the printed text to parse again
  // (`2 ** -88888` has a 26,760-digit denominator).
  static bool printable(const GiNaC::numeric& n) {
    if (!n.is_real()) return printable(n.real()) && printable(n.imag());
    if (!n.is_rational()) return true;  // a float prints as its repr
    for (const GiNaC::numeric& part : {n.numer(), n.denom()}) {
      if (part.int_length() <= 14000) continue;  // 2**14000 < 10**4215
      // More digits than the bound, known without writing them out (lexer.h).
      if (part.int_length() > kMaxDecimalBits) return false;
      std::ostringstream text;
      text << GiNaC::abs(part);
      if (text.str().size() > kMaxDecimalDigits) return false;
    }
    return true;
  }

  void advance() { tok_ = lexer_.next(); }
  bool is_op(std::string_view s) const { return tok_.kind == Token::op && tok_.text == s; }
  bool is_word(std::string_view s) const { return tok_.kind == Token::name && tok_.text == s; }

  [[noreturn]] void fail(const Token& at, const std::string& message) const {
    throw ExprError(message, std::string(text_), at.column);
  }

  // Runs an Expr operation, giving its errors (division by zero, ...) the operator's column.
  template <typename F>
  Expr at(const Token& op, F f) const {
    try {
      return f();
    } catch (const ExprError& e) {
      if (e.column > 0) throw;
      fail(op, e.message);
    }
  }

  // `a if c else b`
  Expr test() {
    Nesting nesting(*this);
    Expr e = or_test();
    if (!is_word("if")) return e;
    Token if_tok = tok_;
    advance();
    Expr cond = or_test();
    if (!is_word("else")) fail(tok_, "expected 'else'");
    advance();
    Expr otherwise = test();
    return at(if_tok, [&] { return Expr::if_else(cond, e, otherwise); });
  }

  Expr or_test() {
    Expr e = and_test();
    while (is_word("or")) {
      Token op = tok_;
      advance();
      Expr right = and_test();
      e = at(op, [&] { return Expr::logical_or(e, right); });
    }
    return e;
  }

  Expr and_test() {
    Expr e = not_test();
    while (is_word("and")) {
      Token op = tok_;
      advance();
      Expr right = not_test();
      e = at(op, [&] { return Expr::logical_and(e, right); });
    }
    return e;
  }

  Expr not_test() {
    if (!is_word("not")) return comparison();
    Nesting nesting(*this);
    Token op = tok_;
    advance();
    Expr a = not_test();
    return at(op, [&] { return Expr::logical_not(a); });
  }

  bool is_comparison_op() const {
    return tok_.kind == Token::op &&
           (tok_.text == "<" || tok_.text == "<=" || tok_.text == ">" || tok_.text == ">=" ||
            tok_.text == "==" || tok_.text == "!=");
  }

  // a < b < c is `a < b and b < c`
  Expr comparison() {
    Expr left = arith();
    Expr result;
    bool chained = false;
    while (true) {
      if (is_word("in") || is_word("is"))
        fail(tok_, "operator '" + std::string(tok_.text) + "' is not supported");
      if (is_word("not")) fail(tok_, "operator 'not in' is not supported");
      if (!is_comparison_op()) break;
      Token op = tok_;
      advance();
      Expr right = arith();
      Expr c = at(op, [&] { return Expr::compare(std::string(op.text), left, right); });
      result = chained ? at(op, [&] { return Expr::logical_and(result, c); }) : c;
      chained = true;
      left = right;
    }
    return chained ? result : left;
  }

  Expr arith() {
    Expr e = term();
    while (is_op("+") || is_op("-")) {
      Token op = tok_;
      advance();
      Expr right = term();
      e = at(op, [&] { return op.text == "+" ? e + right : e - right; });
    }
    return e;
  }

  Expr term() {
    Expr e = factor();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      Token op = tok_;
      advance();
      Expr right = factor();
      e = at(op, [&] {
        if (op.text == "*") return e * right;
        if (op.text == "/") return e / right;
        if (op.text == "//") return Expr::floordiv(e, right);
        return Expr::mod(e, right);
      });
    }
    return e;
  }

  Expr factor() {
    if (!is_op("-") && !is_op("+")) return power();
    Nesting nesting(*this);
    Token op = tok_;
    advance();
    Expr a = factor();
    return op.text == "-" ? at(op, [&] { return -a; }) : a;
  }

  Expr power() {
    Expr base = primary();
    if (!is_op("**")) return base;
    Nesting nesting(*this);
    Token op = tok_;
    advance();
    Expr exponent = factor();
    return at(op, [&] { return Expr::pow(base, exponent); });
  }

  Expr primary() {
    Expr e = atom();
    if (is_op("[")) fail(tok_, "subscripts are not supported");
    if (is_op("(")) fail(tok_, "only min, max, int, abs, math.floor, math.ceil and math.log2 can be called");
    if (is_op(".")) fail(tok_, "attribute access is only supported on names");
    return e;
  }

  Expr atom() {
    Token t = tok_;
    switch (t.kind) {
      case Token::number:
        advance();
        return Expr::number(t.value);
      case Token::name:
        return name();
      case Token::op:
        if (t.text == "(") return parenthesized();
        if (t.text == "[") fail(t, "lists are not supported");
        if (t.text == "{") fail(t, "dicts and sets are not supported");
        if (t.text == "~") fail(t, "operator '~' is not supported");
        fail(t, "expected an operand");
      case Token::end:
        break;
    }
    fail(t, "expected an operand");
  }

  Expr parenthesized() {
    Token open = tok_;
    advance();
    if (is_op(")")) fail(tok_, "tuples are not supported");
    Expr e = test();
    if (is_op(",")) fail(tok_, "tuples are not supported");
    if (!is_op(")"))
      fail(tok_, "expected ')' to close '(' at column " + std::to_string(open.column));
    advance();
    return e;
  }

  Expr name() {
    Token first = tok_;
    if (first.text == "True" || first.text == "False") {
      advance();
      return Expr(first.text == "True" ? 1 : 0);
    }
    if (first.text == "None" || first.text == "lambda")
      fail(first, std::string(first.text) + " is not supported");
    if (is_keyword(first.text)) fail(first, "expected an operand");
    std::string name(first.text);
    advance();
    while (is_op(".")) {
      advance();
      if (tok_.kind != Token::name || is_keyword(tok_.text))
        fail(tok_, "expected an attribute name after '.'");
      name += ".";
      name += tok_.text;
      advance();
    }
    if (is_op("(")) return call(name, first);
    return Expr::symbol(name);
  }

  Expr call(const std::string& name, const Token& name_tok) {
    enum { kMin, kMax, kInt, kAbs, kCeil, kFloor, kLog2, kUnknown } fn = kUnknown;
    if (name == "min") fn = kMin;
    else if (name == "max") fn = kMax;
    else if (name == "int") fn = kInt;
    else if (name == "abs") fn = kAbs;
    else if (name == "ceil" || name == "math.ceil") fn = kCeil;
    else if (name == "floor" || name == "math.floor") fn = kFloor;
    else if (name == "log2" || name == "math.log2") fn = kLog2;
    if (fn == kUnknown) fail(name_tok, "unknown function '" + name + "'");

    Token open = tok_;
    advance();
    std::vector<Expr> args;
    while (!is_op(")")) {
      args.push_back(test());
      if (is_op("=")) fail(tok_, "keyword arguments are not supported");
      if (is_op(",")) {
        advance();
        continue;
      }
      if (!is_op(")"))
        fail(tok_, "expected ',' or ')' to close '(' at column " + std::to_string(open.column));
    }
    advance();

    size_t n = args.size();
    if ((fn == kMin || fn == kMax) && n < 2)
      fail(name_tok, name + "() takes at least 2 arguments (" + std::to_string(n) + " given)");
    if (fn != kMin && fn != kMax && n != 1)
      fail(name_tok, name + "() takes exactly 1 argument (" + std::to_string(n) + " given)");
    return at(name_tok, [&] {
      switch (fn) {
        case kMin:
        case kMax: {
          Expr e = args[0];
          for (size_t i = 1; i < n; ++i)
            e = fn == kMin ? Expr::min(e, args[i]) : Expr::max(e, args[i]);
          return e;
        }
        case kInt: return Expr::trunc(args[0]);
        case kAbs: return Expr::abs(args[0]);
        case kCeil: return Expr::ceil(args[0]);
        case kLog2: return Expr::log2(args[0]);
        default: return Expr::floor(args[0]);
      }
    });
  }

  // Text left after a complete expression.
  [[noreturn]] void unexpected() const {
    std::string s(tok_.text);
    if (tok_.kind == Token::op) {
      if (s == ")") fail(tok_, "unmatched ')'");
      if (s == ",") fail(tok_, "tuples are not supported");
      if (s == "=" || s == ":=") fail(tok_, "assignment is not supported");
      if (s == "&" || s == "|" || s == "^" || s == "<<" || s == ">>" || s == "@")
        fail(tok_, "operator '" + s + "' is not supported");
    }
    fail(tok_, "unexpected '" + s + "'");
  }

  std::string_view text_;
  Lexer lexer_;
  Token tok_;
  int depth_ = 0;
};

}  // namespace

Expr parse_expression(std::string_view text) { return Parser(text).parse(); }

}  // namespace kcost
