// Python's math module on the numbers of model code (math.sqrt(config.hidden_size), yarn's
// math.log of a correction range): numbers, never costs. A result keeps its formula where the
// expression language has one (sqrt, floor, ceil, log2) and its value wherever the argument's value is
// known, so that branches on it are decided; a function without a formula (log, exp, ...) of a
// symbolic argument has its value but stands for an unknown formula (`unknown_value`), so that a
// binding which uses it becomes an unknown child instead of a number that holds at one config.
#pragma once

#include <string>
#include <vector>

#include "interp/value.h"

namespace kcost {

// The value of `qualname(args)` for a function of Python's math module (or numpy's function of
// the same name) on numbers; nullptr when `qualname` is not one this models or the arguments are
// not numbers.
ValuePtr python_math(const std::string& qualname, const std::vector<Arg>& args);

}  // namespace kcost
