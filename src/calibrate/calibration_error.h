// CalibrationError: bad calibration input (a runs CSV, a kernel class table, a calibration
// file) as one line naming the file and what is wrong; the commands exit 5 on it.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace kcost {

struct CalibrationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The JSON object of a calibration input file, keys in file order; CalibrationError
// "<path>: cannot read the <what>" or "<path>: not valid JSON: ..." otherwise.
nlohmann::ordered_json read_calibration_json(const std::string& path, const std::string& what);

}  // namespace kcost
