#include "calibrate/machine_peaks.h"

#include <ctime>

#include "python/session.h"

namespace kcost {

Accelerator measure_machine(PythonSession& session, const std::string& device, const std::string& dtype, int threads) {
  nlohmann::json p = session.call("machine_peaks", {device, dtype, std::to_string(threads)});
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof(date), "%Y-%m-%d", std::gmtime(&now));
  Accelerator a;
  a.id = device.substr(0, device.find(':'));
  a.name = p.value("device_name", device);
  a.peak_flops = p.value("peak_flops", 0.0);
  a.bandwidth = p.value("bandwidth", 0.0);
  a.precision = dtype + ", achieved by torch";
  int used = p.value("threads", threads);
  a.flops_source = "measured by kcost on " + std::string(date) + ": best of torch.mm of two square " + dtype +
                   " matrices (1024 on cpu, 2048 on cuda), " + std::to_string(used) + " threads";
  a.bandwidth_source = "measured by kcost on " + std::string(date) + ": best of copies of a large " + dtype +
                       " tensor (read + write), " + std::to_string(used) + " threads";
  a.notes = std::to_string(p.value("cores", 0)) + " cores, " + std::to_string(used) +
            " torch threads; achieved figures of this torch build, not a datasheet";
  return a;
}

}  // namespace kcost
