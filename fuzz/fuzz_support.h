// Helpers the libFuzzer harnesses share: a scratch directory of this process (under $TMPDIR,
// removed at exit) whose files a harness rewrites for each input, and splitting one input into
// several files.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace kcost::fuzz {

// An empty directory of this process; emptied again by each call.
inline const std::string& scratch_dir() {
  namespace fs = std::filesystem;
  static const std::string dir = [] {
    fs::path p = fs::temp_directory_path() / ("kcost-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(p);
    static const std::string remove_at_exit = p.string();
    std::atexit([] { std::error_code ec; fs::remove_all(remove_at_exit, ec); });
    return p.string();
  }();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) fs::remove_all(entry.path(), ec);
  return dir;
}

inline void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// The parts of `text` between lines "----" (a file per part in the multi-file harnesses).
inline std::vector<std::string_view> split_parts(std::string_view text) {
  std::vector<std::string_view> parts;
  const std::string_view separator = "\n----\n";
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + separator.size();
  }
  return parts;
}

}  // namespace kcost::fuzz

// LeakSanitizer suppressions built into every harness: CLN (under GiNaC) allocates its printer
// defaults at load time and never frees them (26 bytes, cl_prin_globals_init_helper). CLN is not
// built with frame pointers, so the fast unwinder stops inside it and the leak can only be named
// by the library. (Defined in this header: every harness is one translation unit.)
extern "C" __attribute__((used)) const char* __lsan_default_suppressions() { return "leak:libcln.so\n"; }

namespace kcost::fuzz {

// Stops the process with a message libFuzzer reports as a crash.
[[noreturn]] inline void fail(const std::string& message) {
  std::fprintf(stderr, "kcost fuzz check failed: %s\n", message.c_str());
  std::abort();
}

}  // namespace kcost::fuzz
