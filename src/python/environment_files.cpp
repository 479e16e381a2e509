#include "python/environment_files.h"

#include <filesystem>

#include <patchlevel.h>

namespace fs = std::filesystem;

namespace kcost {

std::string transformers_package_dir(const SessionOptions& options) {
  std::error_code ec;
  fs::path package;
  if (!options.transformers_dir.empty()) {
    fs::path src = fs::path(options.transformers_dir) / "src";
    package = (fs::is_directory(src / "transformers", ec) ? src : fs::path(options.transformers_dir)) / "transformers";
  } else {
    std::string env = choose_python_env(options);
    package = fs::path(env) / "lib" /
              ("python" + std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION)) /
              "site-packages" / "transformers";
  }
  if (!fs::is_regular_file(package / "__init__.py", ec)) return "";
  fs::path canonical = fs::canonical(package, ec);
  return ec ? "" : canonical.string();
}

}  // namespace kcost
