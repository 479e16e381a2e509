// How `kcost validate` shows its results: a table of agreement (per model and point, each metric
// static against traced with the relative error; the FlopCounterMode cross-check; where they
// disagree, the per-leaf-kernel diff and the calls that could not be priced), or the same as JSON.
#pragma once

#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "validate/validation.h"

namespace kcost {

void print_validation_table(std::ostream& out, const ModelValidation& v);
nlohmann::ordered_json validation_json(const ModelValidation& v);
// One line: "<name>: agree", "<name>: DISAGREE (<what differs first>)" or "<name>: FAILED (<why>)".
std::string validation_summary_line(const ModelValidation& v);

}  // namespace kcost
