// SourceManifest: the files an analysis can have read (the transformers and torch modules the
// process had loaded, kcost's Python helpers), each with its size and modification time, so that a
// later process can tell without starting Python whether those sources are still the ones the
// cached cost files came from. Any file changed, replaced (another version installed at the same
// path) or gone makes the manifest stale.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kcost {

struct SourceManifest {
  struct File {
    std::string path;
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
  };
  std::vector<File> files;

  // Stats `paths` now. A file that cannot be stat'ed is recorded with size -1 (never current).
  static SourceManifest of(const std::vector<std::string>& paths);
  // The first file that is not as recorded (changed, gone), or "" when every one is.
  std::string first_changed() const;

  // [[path, size, mtime_ns], ...]
  nlohmann::json to_json() const;
  // Throws std::runtime_error for a malformed manifest.
  static SourceManifest from_json(const nlohmann::json& j);
};

}  // namespace kcost
