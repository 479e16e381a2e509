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

// Python keywords (`if`, `and`, `lambda`, `None`, `True`, ...).
bool is_keyword(std::string_view word);
// An ASCII identifier that is not a keyword: [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view word);
// Identifiers joined by single dots.
bool is_symbol_name(std::string_view name);

}  // namespace kcost
