// `kcost hardware [NAME]`: the hardware table (shipped accelerators and this machine's entries);
// `kcost hardware cpu --measure` measures this machine's CPU into it, or takes the user's figures.
#include <cstdio>
#include <iostream>

#include "calibrate/machine_peaks.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_options.h"
#include "evaluate/report.h"
#include "python/session.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

void print_entry(const Accelerator& a) {
  char line[240];
  std::snprintf(line, sizeof(line), "%-16s %-34.34s %16s %12s\n", a.id.c_str(), a.name.c_str(),
                si(a.peak_flops, "FLOP/s").c_str(), si(a.bandwidth, "B/s").c_str());
  std::cout << line;
}

}  // namespace

int hardware_command(const std::vector<std::string>& args) {
  po::options_description visible(
      "Usage: kcost hardware [NAME] [options]\n\n"
      "Lists the hardware table: the shipped accelerators (hardware/accelerators.json, datasheet\n"
      "figures) and this machine's entries (<cache>/hardware.json). With NAME, that entry in full.\n"
      "`kcost hardware cpu --measure` measures this machine's CPU (the best of a few torch.mm of\n"
      "1024x1024 matrices for peak FLOP/s, of a few copies of a 128 MB tensor for bandwidth, in\n"
      "--dtype with --threads torch threads; a few seconds) and saves it as `cpu`, which\n"
      "--hardware cpu then finds; `--measure --device cuda` does the same for a GPU. With\n"
      "--peak-flops and --bandwidth, NAME is saved with the user's figures instead.\n\n"
      "  kcost hardware cpu --measure --threads 1\n"
      "  kcost hardware my-laptop --peak-flops 400e9 --bandwidth 60e9\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("measure", "measure this machine's device and save it as NAME (default: cpu)")
      ("device", po::value<std::string>()->default_value("cpu"), "with --measure: cpu | cuda | mps")
      ("dtype", po::value<std::string>()->default_value("float32"), "with --measure: float32 | bfloat16 | float16")
      ("threads", po::value<int>()->default_value(0), "with --measure: torch threads (0: torch's default)")
      ("peak-flops", po::value<std::string>(), "save NAME with this peak FLOP/s (e.g. 400e9, 400G)")
      ("bandwidth", po::value<std::string>(), "save NAME with this bandwidth in bytes/s (e.g. 60e9)");
  visible.add(python_options());
  po::variables_map vm;
  if (!parse_model_command(args, visible, "name", vm)) return kExitOk;
  std::vector<std::string> names = positionals(vm, "name");
  if (names.size() > 1) throw po::error("one hardware name at a time");
  bool given = vm.count("peak-flops") || vm.count("bandwidth");
  if (given && !(vm.count("peak-flops") && vm.count("bandwidth")))
    throw po::error("give both --peak-flops and --bandwidth");
  if (given && vm.count("measure")) throw po::error("--measure or the figures (--peak-flops, --bandwidth), not both");
  if (given && names.empty()) throw po::error("the name to save the figures under is missing");
  return run_reporting("hardware", [&]() -> int {
    if (vm.count("measure") || given) {
      Accelerator a;
      if (given) {
        a.id = names[0];
        a.name = names[0];
        a.peak_flops = si_number(vm["peak-flops"].as<std::string>(), "peak-flops");
        a.bandwidth = si_number(vm["bandwidth"].as<std::string>(), "bandwidth");
        a.flops_source = a.bandwidth_source = "given by the user (kcost hardware --peak-flops --bandwidth)";
      } else {
        PythonSession& session = PythonSession::start(session_options(vm));
        a = measure_machine(session, vm["device"].as<std::string>(), vm["dtype"].as<std::string>(), vm["threads"].as<int>());
        if (!names.empty()) a.id = names[0];
      }
      HardwareTable::save_local(a);
      print_entry(a);
      std::cout << "saved as '" << a.id << "' in " << HardwareTable::local_path() << "\n";
      return kExitOk;
    }
    HardwareTable table = HardwareTable::load(HardwareTable::default_path());
    if (!names.empty()) {
      std::cout << to_json(table.find(names[0])).dump(2) << "\n";
      return kExitOk;
    }
    for (const Accelerator& a : table.all()) print_entry(a);
    return kExitOk;
  });
}

}  // namespace kcost
