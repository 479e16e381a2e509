// The process-wide table of symbols by name: one GiNaC::realsymbol per name, so that the same
// name is the same symbol in every expression, whoever built it. Names are Python identifiers
// joined by dots ("batch_size", "config.text_config.hidden_size").
#pragma once

#include <ginac/ginac.h>

#include <string>
#include <string_view>

namespace kcost {

// The symbol for `name`, created on first use. `name` must satisfy is_symbol_name.
const GiNaC::symbol& symbol_named(const std::string& name);
// The symbol for `name` if one was created, else nullptr.
const GiNaC::symbol* find_symbol(const std::string& name);

// While a SymbolScope lives, the symbols created are recorded, and its end forgets them: the
// next use of such a name creates a new symbol. For a process that reads names from unbounded
// untrusted input and keeps no expression made while the scope lived (the fuzz harnesses: every
// input brings new names, and the table grew by 2 KB an input until the process ran out of its
// memory limit). Symbols created before the scope stay. Scopes nest.
class SymbolScope {
 public:
  SymbolScope();
  ~SymbolScope();
  SymbolScope(const SymbolScope&) = delete;
  SymbolScope& operator=(const SymbolScope&) = delete;

 private:
  size_t mark_;
};
// How many symbols the table holds.
size_t symbol_count();

// Python keywords (`if`, `and`, `lambda`, `None`, `True`, ...).
bool is_keyword(std::string_view word);
// An ASCII identifier that is not a keyword: [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view word);
// Identifiers joined by single dots.
bool is_symbol_name(std::string_view name);

}  // namespace kcost
