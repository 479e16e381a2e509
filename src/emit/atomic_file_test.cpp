// Pins atomic writes (complete content, replacement, no temp files left, one-line EmitError
// naming the path and the OS error), write_kernel's pair of files and kernel_written's test of
// a finished kernel.
#include "emit/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "emit/cost_json.h"
#include "emit/emit_test_traces.h"
#include "emit/reasoning_md.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class EmitAtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kcost_emit_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const EmitError& e) {
    return e.what();
  }
  return "no EmitError";
}

TEST_F(EmitAtomicFile, WritesTheWholeContent) {
  const fs::path p = dir_ / "a.json";
  std::string big(3 * 1024 * 1024 + 17, 'x');
  big[12345] = '\n';
  write_file_atomically(p.string(), big);
  EXPECT_EQ(read(p), big);
  EXPECT_EQ(listing(dir_), std::vector<std::string>{"a.json"});  // no temp file left
}

TEST_F(EmitAtomicFile, ReplacesAnExistingFile) {
  const fs::path p = dir_ / "a.json";
  put(p, "old content that is longer than the new one");
  write_file_atomically(p.string(), "new");
  EXPECT_EQ(read(p), "new");
  write_file_atomically(p.string(), "");
  EXPECT_EQ(read(p), "");
  EXPECT_EQ(listing(dir_), std::vector<std::string>{"a.json"});
}

TEST_F(EmitAtomicFile, ParentIsARegularFile) {
  put(dir_ / "plain", "I am a file");
  const std::string target = (dir_ / "plain" / "x.json").string();
  EXPECT_EQ(error_of([&] { write_file_atomically(target, "{}"); }),
            target + ": cannot write: Not a directory");
  EXPECT_EQ(listing(dir_), std::vector<std::string>{"plain"});
}

TEST_F(EmitAtomicFile, ParentDoesNotExist) {
  const std::string target = (dir_ / "missing" / "x.json").string();
  EXPECT_EQ(error_of([&] { write_file_atomically(target, "{}"); }),
            target + ": cannot write: No such file or directory");
}

TEST_F(EmitAtomicFile, TargetIsADirectory) {
  fs::create_directories(dir_ / "d.json");
  const std::string target = (dir_ / "d.json").string();
  EXPECT_EQ(error_of([&] { write_file_atomically(target, "{}"); }),
            target + ": cannot write: Is a directory");
  EXPECT_EQ(listing(dir_), std::vector<std::string>{"d.json"});  // the temp file is removed
}

TEST_F(EmitAtomicFile, WriteKernelWritesJsonAndMd) {
  const KernelTrace t = test_traces::llama_mlp();
  const fs::path costs = dir_ / "nested" / "costs";  // created
  write_kernel(costs.string(), t);
  const std::string base = (costs / t.kernel_name).string();
  EXPECT_EQ(read(base + ".json"), cost_json(t).dump(2) + "\n");
  EXPECT_EQ(read(base + ".md"), reasoning_md(t));
  EXPECT_EQ(read(base + ".json").substr(0, 20), "{\n  \"kernel_name\": \"");
  EXPECT_EQ(listing(costs), (std::vector<std::string>{t.kernel_name + ".json", t.kernel_name + ".md"}));
}

TEST_F(EmitAtomicFile, WriteKernelRejectsNamesThatAreNotFileNames) {
  for (const std::string name : {"", ".", "..", "a/b", "../escape", "new\nline"}) {
    KernelTrace t = test_traces::llama_mlp();
    t.kernel_name = name;
    EXPECT_NE(error_of([&] { write_kernel(dir_.string(), t); }).find("not usable as a file name"),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(listing(dir_), std::vector<std::string>{});
}

TEST_F(EmitAtomicFile, WriteKernelCannotCreateTheDirectory) {
  put(dir_ / "plain", "I am a file");
  const std::string costs = (dir_ / "plain" / "costs").string();
  const std::string message = error_of([&] { write_kernel(costs, test_traces::llama_mlp()); });
  EXPECT_EQ(message.rfind(costs + ": cannot create directory: ", 0), 0u) << message;
}

TEST_F(EmitAtomicFile, WriteKernelPassesOnTraceErrors) {
  KernelTrace t = test_traces::llama_mlp();
  t.children[1].label = "gate_proj";
  EXPECT_EQ(error_of([&] { write_kernel(dir_.string(), t); }),
            "kernel transformers.models.llama.modeling_llama.LlamaMLP: duplicate child label "
            "'gate_proj'");
  EXPECT_EQ(listing(dir_), std::vector<std::string>{});  // nothing written
}

TEST_F(EmitAtomicFile, KernelWritten) {
  const KernelTrace t = test_traces::llama_mlp();
  const std::string costs = dir_.string();
  const std::string base = (dir_ / t.kernel_name).string();
  EXPECT_FALSE(kernel_written(costs, t.kernel_name));
  write_kernel(costs, t);
  EXPECT_TRUE(kernel_written(costs, t.kernel_name));
  EXPECT_FALSE(kernel_written(costs, "transformers.models.llama.modeling_llama.LlamaModel"));
  EXPECT_FALSE(kernel_written((dir_ / "elsewhere").string(), t.kernel_name));
  EXPECT_FALSE(kernel_written(costs, "../" + dir_.filename().string() + "/" + t.kernel_name));

  const std::string json = read(base + ".json");
  put(base + ".json", json.substr(0, json.size() / 2));  // a half-written file
  EXPECT_FALSE(kernel_written(costs, t.kernel_name));
  put(base + ".json", "[1, 2]");  // parses, but is no cost JSON
  EXPECT_FALSE(kernel_written(costs, t.kernel_name));
  put(base + ".json", json);
  EXPECT_TRUE(kernel_written(costs, t.kernel_name));
  fs::remove(base + ".md");
  EXPECT_FALSE(kernel_written(costs, t.kernel_name));
}

TEST_F(EmitAtomicFile, KernelWrittenWhenTheJsonIsADirectory) {
  fs::create_directories(dir_ / "K.json");
  put(dir_ / "K.md", "");
  EXPECT_FALSE(kernel_written(dir_.string(), "K"));
}

}  // namespace
}  // namespace kcost
