// A leaf library of one's own, given with --kernels-dir/--name-map: layered over kcost's (its
// leaves replace kcost's of the same name, kcost's price the rest), or alone with --library-only.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using kcost_test::Result;
using nlohmann::json;

// A library of one leaf: F.linear priced at 3 FLOPs per multiply-add (a formula of the test's),
// reached from torch.nn.Linear (a public alias) by its own map.
std::string library() {
  std::filesystem::create_directories(kcost_test::scratch("library_cli") + "/mine");
  kcost_test::write("library_cli", "mine/F.linear.json", json{
      {"kernel_name", "F.linear"}, {"init_params", json::array()}, {"forward_params", {"M", "K", "N", "has_bias"}},
      {"flops", "3 * M * K * N"}, {"memory_read", "(M * K + K * N) * bytes"}, {"memory_write", "M * N * bytes"}}.dump());
  kcost_test::write("library_cli", "map.json", json{{"torch.nn.Linear", "F.linear"}}.dump());
  return kcost_test::scratch("library_cli");
}

TEST(LibraryCli, AnOwnLibraryIsLayeredOverKcostsUnlessLibraryOnly) {
  std::string dir = library();
  std::string lib = " --kernels-dir " + dir + "/mine --name-map " + dir + "/map.json";
  Result layered = kcost_test::run("library_cli", "analyze llama --force --costs-dir " + dir + "/layered" + lib);
  EXPECT_EQ(layered.code, 0) << layered.err;
  EXPECT_NE((layered.out + layered.err).find(" 0 unknown children"), std::string::npos) << layered.out << layered.err;
  // Its F.linear's formula, kcost's leaves for the rest: the linear FLOPs are 3/2 of kcost's.
  auto linear_flops = [&](const std::string& extra) {
    Result r = kcost_test::run("library_cli", "eval llama --seq-len 7 --format json" + extra);
    EXPECT_EQ(r.code, 0) << r.err;
    json j = json::parse(r.out);
    EXPECT_TRUE(j["by_kernel"].contains("F.silu") || j["by_kernel"].contains("torch.mul")) << r.out.substr(0, 400);
    return j["by_kernel"]["F.linear"]["flops"].get<long long>();
  };
  EXPECT_EQ(linear_flops(lib) * 2, linear_flops("") * 3);
  // Alone, the ops it has no leaf for are unknown children, named (exit 4).
  Result alone = kcost_test::run("library_cli", "analyze llama --force --library-only --costs-dir " + dir + "/alone" + lib);
  EXPECT_EQ(alone.code, 4) << alone.err;
  EXPECT_NE(alone.err.find("no leaf kernel for torch.rsqrt"), std::string::npos) << alone.err;
}

}  // namespace
