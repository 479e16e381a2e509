// fuzz/replay's driver (fuzz/replay_main.cpp): each harness built without libFuzzer or sanitizers
// runs its checks on the files and directories it is given and times each input. Its seed corpus
// passes every harness's checks here as under the fuzzing build; a rejected input stops it with
// the input named; the summary and the slowest lines are what fuzz/replay documents.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using kcost_test::Result;

std::string build_dir() {
  const char* dir = std::getenv("KCOST_BUILD_DIR");
  return dir ? dir : "build";
}

// `build/replay/<driver> <args>`: stdout, stderr, exit code.
Result replay(const std::string& driver, const std::string& args) {
  return kcost_test::run_command("replay_cli", build_dir() + "/replay/" + driver + " " + args);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

size_t files_under(const fs::path& dir) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) ++n;
  return n;
}

const std::regex kSummary(R"((\d+) inputs in [0-9.]+ s of CPU; one input: median [0-9.]+ s, 90th percentile [0-9.]+ s, )"
                          R"(99th [0-9.]+ s, largest [0-9.]+ s)");

TEST(ReplayCli, EverySeedCorpusPassesItsHarnessWithoutSanitizers) {
  const fs::path corpora = fs::path(KCOST_SOURCE_DIR) / "fuzz" / "corpus";
  int harnesses = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(KCOST_SOURCE_DIR) / "fuzz")) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = "_fuzzer.cpp";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const std::string harness = name.substr(0, name.size() - suffix.size());
    ++harnesses;
    const Result r = replay(harness, "--slowest 0 " + (corpora / harness).string());
    ASSERT_EQ(r.code, 0) << harness << ": " << r.err;
    const std::string summary = lines(r.out).at(0);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(summary, m, kSummary)) << r.out;
    EXPECT_EQ(std::stoul(m[1]), files_under(corpora / harness)) << harness;
    EXPECT_EQ(lines(r.out).size(), 1u) << harness << ": --slowest 0 prints the summary alone";
  }
  EXPECT_EQ(harnesses, 6);
}

TEST(ReplayCli, PrintsTheSlowestFirstAndEveryInputWithAll) {
  const std::string dir = kcost_test::scratch("replay_cli") + "/inputs";
  fs::create_directories(dir + "/deeper");
  std::ofstream(dir + "/a") << "x + 1";
  std::ofstream(dir + "/b") << "(a + b) ** 2";
  std::ofstream(dir + "/deeper/c") << "min(a, b) // 3";
  const Result two = replay("expr_roundtrip", "--slowest 2 " + dir);
  ASSERT_EQ(two.code, 0) << two.err;
  const std::vector<std::string> out = lines(two.out);
  ASSERT_EQ(out.size(), 3u) << two.out;
  EXPECT_TRUE(std::regex_match(out[0], std::regex(R"(3 inputs in .*)"))) << out[0];
  const std::regex line(R"(([0-9]+\.[0-9]{6})\t(.*))");
  std::smatch first, second;
  ASSERT_TRUE(std::regex_match(out[1], first, line)) << out[1];
  ASSERT_TRUE(std::regex_match(out[2], second, line)) << out[2];
  EXPECT_GE(std::stod(first[1]), std::stod(second[1]));
  const Result every = replay("expr_roundtrip", "--all " + dir + "/a " + dir + "/deeper");
  ASSERT_EQ(every.code, 0) << every.err;
  ASSERT_EQ(lines(every.out).size(), 3u) << every.out;
  EXPECT_NE(every.out.find(dir + "/deeper/c\n"), std::string::npos) << every.out;
  EXPECT_NE(every.out.find(dir + "/a\n"), std::string::npos) << every.out;
}

TEST(ReplayCli, ARejectedInputStopsTheReplayNamingIt) {
  const std::string dir = kcost_test::scratch("replay_cli") + "/rejects";
  fs::create_directories(dir);
  std::ofstream(dir + "/1-fine") << "fine";
  std::ofstream(dir + "/2-bad") << "reject this";
  std::ofstream(dir + "/3-fine") << "fine too";
  const Result r = replay("reject_selftest", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("kcost fuzz check failed: rejected: reject this"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("replay: the harness rejected " + dir + "/2-bad\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // nothing summed over inputs it never ran
  const Result fine = replay("reject_selftest", dir + "/1-fine " + dir + "/3-fine");
  EXPECT_EQ(fine.code, 0) << fine.err;
  EXPECT_TRUE(std::regex_match(lines(fine.out).at(0), std::regex(R"(2 inputs in .*)"))) << fine.out;
}

TEST(ReplayCli, UsageErrorsExitTwoWithOneLineSayingWhy) {
  struct Case {
    std::string args, says;
  };
  for (const Case& c : {Case{"", "no input files"}, Case{"/no/such/path", "no file or directory '/no/such/path'"},
                        Case{"--slowest", "--slowest needs a count"}, Case{"--slowest -3 x", "not '-3'"},
                        Case{"--fast x", "unknown option '--fast'"}}) {
    const Result r = replay("reject_selftest", c.args);
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_NE(r.err.find("replay: " ), std::string::npos) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << ": " << r.err;
  }
  const Result help = replay("reject_selftest", "--help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: replay"), std::string::npos);
}

}  // namespace
