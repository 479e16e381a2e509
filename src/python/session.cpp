#include "python/session.h"

#include <cstdlib>
#include <filesystem>

#include <pybind11/embed.h>

#include <unistd.h>

namespace py = pybind11;
namespace fs = std::filesystem;

namespace kcost {

namespace {

// Never destroyed: finalizing an interpreter that has imported torch can hang at exit,
// and the process is ending anyway.
PythonSession* g_session = nullptr;

// The first line of `text` that is not blank (transformers' requires_backends message starts
// with a newline: "\nTimmWrapperModel requires the timm library but it was not found ...").
std::string first_line(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

std::string site_packages_of(const std::string& env) {
  return env + "/lib/python" + std::to_string(PY_MAJOR_VERSION) + "." +
         std::to_string(PY_MINOR_VERSION) + "/site-packages";
}

// The one-line text of the Python exception being handled.
std::string describe(const py::error_already_set& e) {
  std::string type = e.type() ? py::str(e.type().attr("__name__")).cast<std::string>() : "Error";
  std::string message = e.value() ? first_line(py::str(e.value()).cast<std::string>()) : "";
  return message.empty() ? type : type + ": " + message;
}

}  // namespace

struct PythonSession::Impl {
  std::unique_ptr<py::scoped_interpreter> interpreter;
  py::module_ helpers;
};

std::string choose_python_env(const SessionOptions& options) {
  if (!options.python_env.empty()) return options.python_env;
  if (const char* venv = std::getenv("VIRTUAL_ENV"); venv && *venv) return venv;
  return KCOST_DEFAULT_PYTHON_ENV;
}

bool PythonSession::started() { return g_session != nullptr; }

PythonSession& PythonSession::start(const SessionOptions& options) {
  if (g_session) return *g_session;
  std::string env = fs::absolute(choose_python_env(options)).lexically_normal().string();
  if (!env.empty() && env.back() == '/') env.pop_back();
  std::string site = site_packages_of(env);
  std::string version = std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION);
  if (!fs::is_directory(site)) {
    throw PythonError("no Python " + version + " environment at " + env + " (no " + site +
                          "); run cmake/setup.sh, or pass --python-env DIR of a Python " +
                          version + " venv with torch and transformers",
                      false);
  }

  std::unique_ptr<PythonSession> session(new PythonSession());
  session->impl_ = std::make_unique<Impl>();
  session->python_env_ = env;

  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.parse_argv = 0;
  std::string program = env + "/bin/python";
  PyConfig_SetBytesString(&config, &config.program_name, program.c_str());
  session->impl_->interpreter = std::make_unique<py::scoped_interpreter>(&config, 0, nullptr, false);

  try {
    py::module_ sys = py::module_::import("sys");
    py::module_ site_module = py::module_::import("site");
    py::list path = sys.attr("path");
    bool has_site = false;
    for (auto item : path) has_site = has_site || item.cast<std::string>() == site;
    if (!has_site) site_module.attr("addsitedir")(site);
    // Highest priority last: source checkouts, then kcost's own helpers.
    path.insert(0, std::string(KCOST_SOURCE_DIR) + "/python_helpers");
    // What Python code prints (a model's own `print`: Reformer's "Warning: next_sequence_length is
    // not a recognized input.") goes to stderr: kcost's stdout is its output (JSON, CSV, tables).
    sys.attr("stdout") = sys.attr("stderr");
    if (!options.pytorch_dir.empty()) path.insert(0, options.pytorch_dir);
    if (!options.transformers_dir.empty()) {
      fs::path src = fs::path(options.transformers_dir) / "src";
      path.insert(0, fs::is_directory(src / "transformers") ? src.string() : options.transformers_dir);
    }
  } catch (const py::error_already_set& e) {
    throw PythonError("cannot set up the Python path of " + env + ": " + describe(e), false);
  }

  for (const char* module : {"torch", "transformers"}) {
    try {
      py::module_::import(module);
    } catch (const py::error_already_set& e) {
      throw PythonError(std::string("cannot import ") + module + " with Python " +
                            Py_GetVersion() + " from " + env + ": " + describe(e) +
                            "; run cmake/setup.sh, or pass --python-env DIR",
                        false);
    }
  }
  try {
    session->impl_->helpers = py::module_::import("kcost_helpers");
  } catch (const py::error_already_set& e) {
    throw PythonError("cannot import kcost's python_helpers from " + std::string(KCOST_SOURCE_DIR) +
                          ": " + describe(e),
                      false);
  }
  g_session = session.release();
  return *g_session;
}

int PythonSession::fork_process() {
  // Objects made so far (torch, transformers) move to the collector's permanent generation, so
  // that a child's collections never write to them and their pages stay shared with the parent.
  try {
    py::module_::import("gc").attr("freeze")();
  } catch (const py::error_already_set&) {
    // an interpreter without gc.freeze (before 3.7): the child just shares less
  }
  PyOS_BeforeFork();
  pid_t pid = fork();
  if (pid == 0) PyOS_AfterFork_Child();
  else PyOS_AfterFork_Parent();
  return static_cast<int>(pid);
}

PythonSession::~PythonSession() {
  if (impl_) {
    impl_->helpers = py::module_();
    impl_->interpreter.reset();
  }
}

std::string PythonSession::call_string(const std::string& function,
                                       const std::vector<std::string>& args) {
  try {
    py::tuple py_args(args.size());
    for (size_t i = 0; i < args.size(); ++i) py_args[i] = py::str(args[i]);
    py::object result = impl_->helpers.attr(function.c_str())(*py_args);
    return result.cast<std::string>();
  } catch (py::error_already_set& e) {
    bool lookup = e.matches(PyExc_LookupError);
    std::string message = lookup ? first_line(py::str(e.value()).cast<std::string>()) : describe(e);
    throw PythonError(lookup ? message : "python helper " + function + " failed: " + message, lookup);
  }
}

nlohmann::json PythonSession::call(const std::string& function, const std::vector<std::string>& args) {
  std::string text = call_string(function, args);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw PythonError("python helper " + function + " returned malformed JSON: " + e.what(), false);
  }
}

}  // namespace kcost
