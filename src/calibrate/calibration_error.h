// CalibrationError: bad calibration input (a runs CSV, a kernel class table, a calibration
// file) as one line naming the file and what is wrong; the commands exit 5 on it.
#ifndef KCOST_CALIBRATE_CALIBRATION_ERROR_H_
#define KCOST_CALIBRATE_CALIBRATION_ERROR_H_

#include <stdexcept>

namespace kcost {

struct CalibrationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace kcost

#endif  // KCOST_CALIBRATE_CALIBRATION_ERROR_H_
