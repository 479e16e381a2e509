#include "expr/symbol_table.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>
#include <vector>

namespace kcost {

namespace {

std::unordered_map<std::string, GiNaC::realsymbol>& table() {
  static std::unordered_map<std::string, GiNaC::realsymbol> symbols;
  return symbols;
}

// The names created while a SymbolScope lives, in order, and how many scopes live.
struct Scopes {
  std::vector<std::string> created;
  int depth = 0;
};
Scopes& scopes() {
  static Scopes s;
  return s;
}

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

const GiNaC::symbol& symbol_named(const std::string& name) {
  auto& symbols = table();
  auto it = symbols.find(name);
  if (it == symbols.end()) {
    it = symbols.emplace(name, GiNaC::realsymbol(name)).first;
    if (scopes().depth > 0) scopes().created.push_back(name);
  }
  return it->second;
}

SymbolScope::SymbolScope() : mark_(scopes().created.size()) { ++scopes().depth; }

SymbolScope::~SymbolScope() {
  auto& created = scopes().created;
  for (size_t i = mark_; i < created.size(); ++i) table().erase(created[i]);
  created.resize(mark_);
  --scopes().depth;
}

size_t symbol_count() { return table().size(); }

const GiNaC::symbol* find_symbol(const std::string& name) {
  auto& symbols = table();
  auto it = symbols.find(name);
  return it == symbols.end() ? nullptr : &it->second;
}

bool is_keyword(std::string_view word) {
  static const std::string_view keywords[] = {
      "False", "None",   "True",    "and",      "as",   "assert", "async", "await",
      "break", "class",  "continue", "def",     "del",  "elif",   "else",  "except",
      "finally", "for",  "from",    "global",   "if",   "import", "in",    "is",
      "lambda", "nonlocal", "not",  "or",       "pass", "raise",  "return", "try",
      "while", "with",   "yield"};
  return std::find(std::begin(keywords), std::end(keywords), word) != std::end(keywords);
}

bool is_identifier(std::string_view word) {
  if (word.empty() || !is_ident_start(word[0])) return false;
  for (char c : word)
    if (!is_ident_char(c)) return false;
  return !is_keyword(word);
}

bool is_symbol_name(std::string_view name) {
  while (true) {
    size_t dot = name.find('.');
    if (!is_identifier(name.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
  }
}

}  // namespace kcost
