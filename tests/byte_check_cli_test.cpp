// validate's independent byte check (issue 12): a leaf formula that misprices its bytes is
// invisible to the totals (both sides price calls with the same formula) but not to the aten
// byte counter, which must name it. Run on a copy of the project's leaf library with one
// elementwise leaf made wrong on purpose.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using kcost_test::Result;

Result run(const std::string& args) { return kcost_test::run("byte_check_cli", args); }

// A copy of kernels/ whose torch.mul reads its first operand twice.
std::string wrong_library() {
  std::string dir = kcost_test::scratch("byte_check_cli") + "/kernels";
  fs::remove_all(dir);
  fs::copy(std::string(KCOST_SOURCE_DIR) + "/kernels", dir);
  std::ifstream in(dir + "/torch.mul.json");
  json mul = json::parse(in);
  in.close();
  mul["memory_read"] = "(2 * a_elements + b_elements) * bytes";
  std::ofstream(dir + "/torch.mul.json") << mul.dump(2);
  return dir;
}

TEST(ByteCheckCli, TheProjectsLeavesAgreeWithTheAtenCounter) {
  Result r = run("validate llama --format json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json j = json::parse(r.out);
  const json& model = j["models"][0];
  bool compared = false;
  for (const auto& p : model["points"])
    for (const auto& b : p["bytes"]) {
      EXPECT_TRUE(b["ok"].get<bool>()) << b.dump();
      if (b["kernel"] == "torch.mul") {
        compared = true;
        EXPECT_EQ(b["leaf_read"], b["aten_read"]);
        EXPECT_EQ(b["leaf_write"], b["aten_write"]);
      }
      if (b["kernel"] == "F.embedding") {
        EXPECT_TRUE(b["rule"].is_string());  // gathers rows: its own rule
      }
    }
  EXPECT_TRUE(compared);
}

// JetMoE's experts call F.linear for every expert, on no rows for one no token reached (its
// decode step: 2 tokens, top 2 of 4 experts). aten's product of an empty output touches no
// operand, and F.linear reads its weight min(M, 1) times: the aten counter must not count that
// weight either (it did: the check failed, F.linear read 28054528 against aten's 38605824). The
// static side, which cannot tell which experts a decode step reaches, still reads every expert's
// weight (the totals disagree; the README's zoo table says so), which proves an expert had none.
TEST(ByteCheckCli, AProductOfNoRowsTouchesNothing) {
  Result r = run("validate jetmoe --points 2,1,9 --format json");
  ASSERT_EQ(r.code, 6) << r.out << r.err;
  const json report = json::parse(r.out);
  const json& point = report["models"][0]["points"][0];
  bool compared = false;
  for (const auto& b : point["bytes"])
    if (b["kernel"] == "F.linear") {
      compared = true;
      EXPECT_TRUE(b["ok"].get<bool>()) << b.dump();
      EXPECT_EQ(b["leaf_read"], b["aten_read"]) << b.dump();
    }
  EXPECT_TRUE(compared);
  bool no_rows = false;
  for (const auto& d : point["diffs"])
    if (d["kernel"] == "F.linear")
      no_rows = d["traced"]["memory_read"].get<double>() < d["static"]["memory_read"].get<double>();
  EXPECT_TRUE(no_rows) << point["diffs"].dump();
}

TEST(ByteCheckCli, AWrongElementwiseMemoryReadFailsAndIsNamed) {
  Result r = run("validate llama --kernels-dir " + wrong_library());
  EXPECT_NE(r.code, 0) << r.out;
  // The totals still agree: both sides price with the same (wrong) formula.
  EXPECT_NE(r.out.find("memory_read"), std::string::npos);
  EXPECT_NE(r.out.find("DISAGREE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bytes vs the aten counter"), std::string::npos) << r.out;
  std::istringstream lines(r.out);
  bool named = false;
  for (std::string line; std::getline(lines, line);)
    if (line.find("      torch.mul (") == 0) named = true;
  EXPECT_TRUE(named) << r.out;
}

}  // namespace
