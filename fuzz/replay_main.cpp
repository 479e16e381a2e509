// The driver of fuzz/replay: runs a harness's LLVMFuzzerTestOneInput, built without libFuzzer and
// without sanitizers (the release build of kcost_core), on each input file named or found under a
// named directory, timing each in CPU seconds of the process (so that a replay beside a fuzzing
// run on the same cores times what it would alone, within a few percent). A fuzzing run tells how many inputs a second it made, not which
// inputs were slow, nor how slow without ASan's tax; this tells both, for a corpus grown by
// fuzz/run or for slow units kept in fuzz/slow/.
//
//   replay [--slowest N] [--all] PATH...
//
// Prints, for the inputs in all, their count, the total CPU seconds and the median, 90th and 99th
// percentile and largest seconds of one input, and the N slowest (default 10) as
// "SECONDS<TAB>PATH" lines, slowest first; --all prints every input's line instead (still slowest
// first). An input the harness rejects (its check fails: it aborts) stops the replay with the
// input's path on stderr and exit status 1, as libFuzzer would report it; a usage error exits 2.
#include <time.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

const char* current_input = nullptr;  // the input being run, for the abort handler

void on_abort(int) {
  if (current_input != nullptr) {
    const char* head = "replay: the harness rejected ";
    [[maybe_unused]] ssize_t n = ::write(2, head, std::strlen(head));
    n = ::write(2, current_input, std::strlen(current_input));
    n = ::write(2, "\n", 1);
  }
  ::_exit(1);
}

int usage(const char* message) {
  std::cerr << "replay: " << message << "\nusage: replay [--slowest N] [--all] PATH...  (files, or directories searched for files)\n";
  return 2;
}

double cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The value at fraction q of the sorted `seconds` (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t at = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(at, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  size_t slowest = 10;
  bool all = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--all") {
      all = true;
    } else if (arg == "--slowest") {
      if (i + 1 >= argc) return usage("--slowest needs a count");
      const std::string n = argv[++i];
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 9)
        return usage(("--slowest needs a count, not '" + n + "'").c_str());
      slowest = std::stoul(n);
    } else if (arg == "-h" || arg == "--help") {
      std::cout << "usage: replay [--slowest N] [--all] PATH...  (files, or directories searched for files)\n";
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage(("unknown option '" + arg + "'").c_str());
    } else {
      std::error_code ec;
      if (fs::is_directory(arg, ec)) {
        for (const auto& entry : fs::recursive_directory_iterator(arg, ec))
          if (entry.is_regular_file()) files.push_back(entry.path().string());
      } else if (fs::is_regular_file(arg, ec)) {
        files.push_back(arg);
      } else {
        return usage(("no file or directory '" + arg + "'").c_str());
      }
    }
  }
  if (files.empty()) return usage("no input files");
  std::sort(files.begin(), files.end());  // one order whatever the directory listing's
  std::signal(SIGABRT, on_abort);
  std::vector<std::pair<double, std::string>> times;
  times.reserve(files.size());
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    const std::string data = content.str();
    current_input = path.c_str();
    const double start = cpu_seconds();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    const double seconds = cpu_seconds() - start;
    current_input = nullptr;
    times.emplace_back(seconds, path);
  }
  std::sort(times.begin(), times.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<double> sorted;
  double total = 0;
  for (const auto& [seconds, path] : times) {
    sorted.push_back(seconds);
    total += seconds;
  }
  std::sort(sorted.begin(), sorted.end());
  std::printf("%zu inputs in %.3f s of CPU; one input: median %.6f s, 90th percentile %.6f s, 99th %.6f s, largest %.6f s\n",
              times.size(), total, quantile(sorted, 0.5), quantile(sorted, 0.9), quantile(sorted, 0.99), sorted.back());
  const size_t shown = all ? times.size() : std::min(slowest, times.size());
  for (size_t i = 0; i < shown; ++i) std::printf("%.6f\t%s\n", times[i].first, times[i].second.c_str());
  return 0;
}
