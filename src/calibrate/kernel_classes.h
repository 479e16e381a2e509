// KernelClasses: which class of leaf kernel (matmul, attention, elementwise, reduction_norm,
// embedding_indexing) each leaf of the library is, as data (hardware/kernel_classes.json). The
// latency model gives each class its own achieved fraction of peak FLOP/s and of bandwidth and
// its own fixed cost per call.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "leaves/leaf_catalog.h"

namespace kcost {

class KernelClasses {
 public:
  // KCOST_SOURCE_DIR/hardware/kernel_classes.json
  static std::string default_path();
  // {"classes": {name: {"kernels": [leaf, ...], "description"?}}}. Throws CalibrationError
  // naming the file and JSON path (a kernel in two classes included).
  static KernelClasses load(const std::string& path);
  // The same from JSON (a calibration file embeds its table); `source` names it in errors.
  static KernelClasses from_json(const nlohmann::ordered_json& j, const std::string& source);
  static KernelClasses from_json(const nlohmann::json& j, const std::string& source);
  nlohmann::ordered_json to_json() const;

  // Class names in the file's order.
  const std::vector<std::string>& names() const { return names_; }
  // The class of a leaf kernel; empty when the table does not have it.
  std::string of(const std::string& kernel) const;
  // The table with the classes the leaves of `leaves` declare themselves ("kernel_class").
  // Throws CalibrationError for a class the table does not have, or a leaf the table puts in
  // another class.
  KernelClasses with_leaves(const LeafCatalog& leaves) const;
  const std::map<std::string, std::string>& kernels() const { return class_of_; }

 private:
  std::vector<std::string> names_;
  std::map<std::string, std::string> class_of_;
};

}  // namespace kcost
