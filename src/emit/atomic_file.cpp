#include "emit/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "costfile/cost_file.h"  // usable_file_name
#include "costfile/message_text.h"
#include <system_error>

#include <nlohmann/json.hpp>

#include "emit/cost_json.h"
#include "emit/reasoning_md.h"
#include "leaves/json_file.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;

EmitError os_error(const std::string& path, const std::string& what, int err) {
  return EmitError(path + ": " + what + ": " + std::strerror(err));
}

// A name for the temporary file beside `path`, unique in this process and across processes.
std::string temp_path_for(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  fs::path target(path);
  std::string name = "." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                     "-" + std::to_string(counter++);
  return (target.parent_path() / name).string();
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  if (path.empty() || fs::path(path).filename().empty())
    throw EmitError(quote_for_message(path) + ": cannot write: not a file path");
  std::string temp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    temp = temp_path_for(path);
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt > 100)) throw os_error(path, "cannot write", errno);
  }
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      throw os_error(path, "cannot write", err);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw os_error(path, "cannot write", err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw os_error(path, "cannot write", err);
  }
}

void replace_with_temp(const std::string& temp, const std::string& path, bool written) {
  if (!written) {
    ::unlink(temp.c_str());
    throw EmitError(path + ": cannot write");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw os_error(path, "cannot write", err);
  }
}

void write_kernel(const std::string& costs_dir, const KernelTrace& trace) {
  if (!usable_file_name(trace.kernel_name))
    throw EmitError("kernel " + quote_for_message(trace.kernel_name) +
                    ": not usable as a file name");
  std::error_code ec;
  fs::create_directories(costs_dir, ec);
  if (ec) throw EmitError(costs_dir + ": cannot create directory: " + ec.message());
  if (!fs::is_directory(costs_dir, ec))
    throw EmitError(costs_dir + ": cannot create directory: not a directory");

  std::string json_text;
  try {
    json_text = cost_json(trace).dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {  // e.g. a name that is not valid UTF-8
    throw EmitError("kernel " + quote_for_message(trace.kernel_name) +
                    ": cannot write JSON: " + e.what());
  }
  const fs::path base = fs::path(costs_dir) / trace.kernel_name;
  write_file_atomically(base.string() + ".md", reasoning_md(trace));
  write_file_atomically(base.string() + ".json", json_text);
}

bool kernel_written(const std::string& costs_dir, const std::string& kernel_name) {
  if (!usable_file_name(kernel_name)) return false;
  const fs::path base = fs::path(costs_dir) / kernel_name;
  std::error_code ec;
  if (!fs::is_regular_file(base.string() + ".md", ec)) return false;
  std::ifstream in(base.string() + ".json", std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return false;
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  return j.is_object();
}

}  // namespace kcost
