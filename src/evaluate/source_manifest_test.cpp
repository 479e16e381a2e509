// A source manifest is current while its files are untouched, and stale once one is edited,
// replaced by another file at the same path, or removed; it reads back what it wrote.
#include "evaluate/source_manifest.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kcost {
namespace {

namespace fs = std::filesystem;

fs::path scratch_file(const std::string& name, const std::string& text) {
  fs::path dir = fs::temp_directory_path() / ("kcost_manifest_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

TEST(SourceManifest, CurrentUntilAFileChanges) {
  fs::path a = scratch_file("a.py", "x = 1\n"), b = scratch_file("b.py", "y = 2\n");
  SourceManifest m = SourceManifest::of({a.string(), b.string()});
  EXPECT_EQ(m.first_changed(), "");
  SourceManifest back = SourceManifest::from_json(nlohmann::json::parse(m.to_json().dump()));
  EXPECT_EQ(back.first_changed(), "");
  ASSERT_EQ(back.files.size(), 2u);
  EXPECT_EQ(back.files[1].size, 6);

  std::ofstream(b, std::ios::app) << "# edited\n";
  EXPECT_EQ(m.first_changed(), b.string());
}

TEST(SourceManifest, AnotherFileAtTheSamePathIsAChange) {
  fs::path a = scratch_file("c.py", "x = 1\n");
  SourceManifest m = SourceManifest::of({a.string()});
  fs::path other = scratch_file("c2.py", "x = 1\n");  // same size and text, written later
  fs::file_time_type later = fs::last_write_time(a) + std::chrono::seconds(5);
  fs::last_write_time(other, later);
  fs::rename(other, a);
  EXPECT_EQ(m.first_changed(), a.string());
}

TEST(SourceManifest, AMissingFileIsNeverCurrent) {
  SourceManifest m = SourceManifest::of({"/nonexistent/kcost/x.py"});
  EXPECT_EQ(m.first_changed(), "/nonexistent/kcost/x.py");
  fs::path a = scratch_file("d.py", "z\n");
  SourceManifest n = SourceManifest::of({a.string()});
  fs::remove(a);
  EXPECT_EQ(n.first_changed(), a.string());
  EXPECT_THROW(SourceManifest::from_json(nlohmann::json::parse("[[\"x\", 1]]")), std::runtime_error);
}

}  // namespace
}  // namespace kcost
