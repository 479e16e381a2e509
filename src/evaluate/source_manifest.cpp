#include "evaluate/source_manifest.h"

#include <sys/stat.h>

#include <stdexcept>

namespace kcost {

namespace {

SourceManifest::File stat_file(const std::string& path) {
  SourceManifest::File f;
  f.path = path;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    f.size = -1;
    return f;
  }
  f.size = static_cast<std::int64_t>(st.st_size);
  f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  return f;
}

}  // namespace

SourceManifest SourceManifest::of(const std::vector<std::string>& paths) {
  SourceManifest m;
  for (const std::string& p : paths) m.files.push_back(stat_file(p));
  return m;
}

std::string SourceManifest::first_changed() const {
  for (const File& f : files) {
    File now = stat_file(f.path);
    if (f.size < 0 || now.size != f.size || now.mtime_ns != f.mtime_ns) return f.path;
  }
  return "";
}

nlohmann::json SourceManifest::to_json() const {
  nlohmann::json j = nlohmann::json::array();
  for (const File& f : files) j.push_back({f.path, f.size, f.mtime_ns});
  return j;
}

SourceManifest SourceManifest::from_json(const nlohmann::json& j) {
  if (!j.is_array()) throw std::runtime_error("the source manifest is not a list");
  SourceManifest m;
  for (const auto& item : j) {
    if (!item.is_array() || item.size() != 3 || !item[0].is_string() || !item[1].is_number_integer() ||
        !item[2].is_number_integer())
      throw std::runtime_error("a source manifest entry is not [path, size, mtime_ns]");
    m.files.push_back({item[0].get<std::string>(), item[1].get<std::int64_t>(), item[2].get<std::int64_t>()});
  }
  return m;
}

}  // namespace kcost
