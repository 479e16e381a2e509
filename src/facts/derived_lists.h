// DerivedList: a list a config class computes from its fields when the config does not give it,
//
//   if self.layer_types is None:
//       self.layer_types = ["sliding_attention" if bool((i + 1) % self._sliding_window_pattern)
//                           else "full_attention" for i in range(self.num_hidden_layers)]
//
// read as how many of each item the list holds, in those fields (`config.num_hidden_layers -
// config.num_hidden_layers // config._sliding_window_pattern` sliding ones): the layer-kind
// counts of a stack built from it are then expressions that hold for every depth and period,
// not only the analysed config's (layer_kinds.cpp).
//
// Read from the source of the config class's __post_init__ (transformers 5) or __init__ (4.x):
// an assignment `self.<attr> = <list>` under `if self.<attr> is None` (or `if <attr> is None`),
// or `self.<attr> = self.<attr> if self.<attr> else <list>` (`<list>` may be a local assigned
// before), whose list is `[<item> for i in range(<n>)]`, `[<item> for x in self.<derived list>]`
// or `[<item>] * <n>`, the item a string or a number, or `a if cond else b` chains of them. The statements before it in that `if` run first (locals such
// as `p = kwargs.pop("sliding_window_pattern", 4)`; `kwargs` holds what the user's config.json
// gave beyond the class's fields). Conditions are counted by count_where (expr/index_count.h).
// A list this cannot read, or whose counts do not reproduce the list the config holds, is left
// out: its kinds keep the counts of the analysed config.
#pragma once

#include <map>
#include <optional>
#include <vector>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "expr/expr.h"
#include "interp/config_view.h"
#include "locate/source_locator.h"

namespace kcost {

struct DerivedList {
  std::string attribute;  // "layer_types"
  std::string function;   // qualified name of the method that derives it
  int line = 0;           // of the assignment
  Expr length;            // how many items (config.num_hidden_layers)
  // Item i, as conditions on i (the symbol derived_list_index()): each item value (a string or a
  // number) with the condition under which item i is it; conditions of one value are or-ed.
  std::vector<std::pair<nlohmann::json, Expr>> arms;

  // The condition under which item i is `value` (0 when no arm gives it).
  Expr condition(const nlohmann::json& value) const;
};

// The symbol that stands for the position in a derived list's conditions.
const char* derived_list_index();

// The lists `config_class` derives, by attribute. `config_file` is the user's config.json (an
// empty object for the class defaults): an attribute it gives is not derived, and its keys are the
// `kwargs` the derivation may read. Only lists whose counts reproduce what `config` holds.
std::map<std::string, DerivedList> derived_lists(SourceLocator& locator, const ConfigView& config,
                                                 const std::string& config_class, const nlohmann::json& config_file);

// The value of `e` at the config's numbers (every symbol a `config.<name>` the config holds as a
// number); nullopt otherwise.
std::optional<GiNaC::numeric> at_config(const Expr& e, const ConfigView& config);

}  // namespace kcost
