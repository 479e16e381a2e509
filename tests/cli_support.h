// What the command-line tests share: run kcost as a user does (stdout, stderr, exit code), a
// scratch directory per test process, a cost cache shared by the test processes.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace kcost_test {

struct Result {
  int code;
  std::string out, err;
};

// The kcost binary of this build ($KCOST_BUILD_DIR, set by ctest).
inline std::string kcost() {
  const char* dir = std::getenv("KCOST_BUILD_DIR");
  return std::string(dir ? dir : "build") + "/kcost";
}

// A scratch directory of this test process, named after `suite`.
inline std::string scratch(const std::string& suite) {
  namespace fs = std::filesystem;
  std::string d = (fs::temp_directory_path() / ("kcost_" + suite + "_" + std::to_string(getpid()))).string();
  fs::create_directories(d);
  return d;
}

// `command` run by the shell, its stdout and stderr (through a file in `suite`'s scratch
// directory) and its exit code.
inline Result run_command(const std::string& suite, const std::string& command) {
  std::string err_path = scratch(suite) + "/stderr";
  FILE* pipe = popen((command + " 2>" + err_path).c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int status = pclose(pipe);
  std::ifstream in(err_path);
  std::stringstream err;
  err << in.rdbuf();
  return {WEXITSTATUS(status), out, err.str()};
}

// `kcost <args>` with the cost cache `cache_dir`, by default the one `suite`'s test processes
// share; `env`: more assignments put before the command ("KCOST_MEMORY_BUDGET_GIB=1").
inline Result run(const std::string& suite, const std::string& args, const std::string& cache_dir = "",
                  const std::string& env = "") {
  namespace fs = std::filesystem;
  std::string cache = cache_dir.empty() ? (fs::temp_directory_path() / ("kcost_" + suite + "_cache")).string() : cache_dir;
  return run_command(suite, "KCOST_CACHE_DIR=" + cache + " " + env + " " + kcost() + " " + args);
}

// A file in `suite`'s scratch directory with `content`; its path.
inline std::string write(const std::string& suite, const std::string& name, const std::string& content) {
  std::string path = scratch(suite) + "/" + name;
  std::ofstream(path) << content;
  return path;
}

}  // namespace kcost_test
