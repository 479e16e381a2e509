// MachinePeaks: the achieved peak FLOP/s (best of a few square torch.mm) and memory bandwidth
// (best of a few copies of a 128 MB tensor, read + write) of a device of this machine, measured
// in the embedded torch in a few seconds, as a hardware table entry ("cpu", "cuda", "mps")
// that the roofline and the calibration's fractions of peak are relative to.
#pragma once

#include <string>

#include "evaluate/hardware.h"

namespace kcost {

class PythonSession;

// Throws PythonError (lookup) for a device torch does not have.
Accelerator measure_machine(PythonSession& session, const std::string& device, const std::string& dtype, int threads);

}  // namespace kcost
