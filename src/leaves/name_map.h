// NameMap: kernel_name_map.json, a flat JSON object from a fully-qualified or alias name of a
// PyTorch/transformers callable ("torch.nn.modules.linear.Linear", "torch.Tensor.__mul__",
// "operator.mul") to the kernel_name of a leaf ("F.linear", "torch.mul").
#pragma once

#include <map>
#include <optional>
#include <string>

#include "leaves/leaf_catalog.h"  // CatalogError

namespace kcost {

class NameMap {
 public:
  // Reads and validates the map. Throws CatalogError (one line naming the file, and the key
  // where one is at fault) when the file is missing, is not JSON, is not an object, has an
  // empty key, or has a value that is not a non-empty string.
  static NameMap load(const std::string& path);

  // The leaf kernel_name for `qualified_name` (exact match), or nullopt.
  std::optional<std::string> lookup(const std::string& qualified_name) const;
  const std::map<std::string, std::string>& entries() const { return entries_; }

  // The map with each key also under its canonical name where `canonical` (alias -> canonical
  // qualified name, e.g. "torch.nn.Linear" -> "torch.nn.modules.linear.Linear") gives one and
  // the map has no entry of its own for it: a library keyed by public aliases reaches the
  // objects the analysis names canonically.
  NameMap with_canonical_names(const std::map<std::string, std::string>& canonical) const;

  // The map with the names each leaf of `leaves` is reached under by the library's naming
  // convention, where the map has no entry of its own: a leaf named `torch.X` is the function
  // torch.X and the method torch.Tensor.X; a leaf named `F.X` is torch.nn.functional.X. A leaf
  // that follows the convention needs no name-map entry.
  NameMap with_leaf_names(const LeafCatalog& leaves) const;

  // This map layered over `base`: its entries, and base's entries for every other name.
  NameMap over(const NameMap& base) const;

 private:
  std::map<std::string, std::string> entries_;
};

}  // namespace kcost
