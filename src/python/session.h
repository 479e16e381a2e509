// PythonSession: the one embedded CPython of a kcost process. It starts the interpreter of the
// chosen Python environment once, puts the user's source checkouts and kcost's python_helpers
// first on sys.path, checks that torch and transformers import, and calls helper functions,
// which answer in JSON. Nothing outside src/python touches pybind11 objects.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kcost {

// A failure inside Python, as one line. `lookup` is true when a helper reported that a name
// could not be found (LookupError), false for an environment or internal failure.
struct PythonError : std::runtime_error {
  PythonError(const std::string& message, bool lookup)
      : std::runtime_error(message), lookup(lookup) {}
  bool lookup;
};

struct SessionOptions {
  std::string python_env;        // empty: $VIRTUAL_ENV, else the environment kcost was built with
  std::string transformers_dir;  // a transformers source checkout to import instead (optional)
  std::string pytorch_dir;       // a PyTorch source tree to put first on sys.path (optional)
};

class PythonSession {
 public:
  // Starts the interpreter (once per process; later calls return the same session and
  // ignore `options`). Throws PythonError when the environment is unusable.
  static PythonSession& start(const SessionOptions& options = {});
  static bool started();

  // Calls kcost_helpers.<function>(*args); the helper returns a JSON string.
  nlohmann::json call(const std::string& function, const std::vector<std::string>& args = {});
  // Same, for helpers that return a plain string.
  std::string call_string(const std::string& function, const std::vector<std::string>& args = {});

  // fork(2) with the interpreter's own bookkeeping around it (PyOS_BeforeFork, AfterFork): the
  // child goes on with the interpreter as it was, every module imported so far still imported
  // (shared with the parent until written). Returns what fork returns (-1: failed).
  int fork_process();

  const std::string& python_env() const { return python_env_; }
  ~PythonSession();

 private:
  PythonSession() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string python_env_;
};

// The Python environment a session with these options would use.
std::string choose_python_env(const SessionOptions& options);

}  // namespace kcost
