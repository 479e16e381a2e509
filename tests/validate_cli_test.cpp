// `kcost validate` as a user runs it: the acceptance example, the JSON form, and bad input.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using kcost_test::Result;

Result run(const std::string& args) { return kcost_test::run("validate_cli", args); }

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(ValidateCli, AcceptanceLlamaQwen3Gpt2AgreeAndExitZero) {
  Result r = run("validate llama qwen3 gpt2");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(count(r.out, "attention sdpa: agree"), 3u) << r.out;
  EXPECT_EQ(count(r.out, "MISMATCH"), 0u) << r.out;
  // Three points per model, each metric with its relative error.
  EXPECT_EQ(count(r.out, "b=2 s=11 c=0"), 3u) << r.out;
  EXPECT_EQ(count(r.out, "b=2 s=1 c=9"), 3u) << r.out;
  EXPECT_EQ(count(r.out, "b=3 s=5 c=7"), 3u) << r.out;
  EXPECT_EQ(count(r.out, "matmul-class FLOPs vs FlopCounterMode"), 9u) << r.out;
}

TEST(ValidateCli, JsonHasTotalsPerPointAndMetric) {
  Result r = run("validate gpt2 --attn-implementation eager --points '3,5,7' --format json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  ASSERT_EQ(j["models"].size(), 1u);
  const auto& m = j["models"][0];
  EXPECT_EQ(m["attn_implementation"], "eager");
  ASSERT_EQ(m["points"].size(), 1u);
  const auto& p = m["points"][0];
  EXPECT_EQ(p["batch_size"], 3);
  EXPECT_EQ(p["static"], p["traced"]);
  EXPECT_EQ(p["relative_error"]["flops"], 0.0);
  EXPECT_GT(p["static"]["flops"].get<long long>(), 0);
  // gpt2's Conv1D is addmm with a bias: FlopCounterMode leaves the bias adds out.
  EXPECT_GT(p["flop_counter"]["bias_add_flops"].get<long long>(), 0);
  EXPECT_FALSE(p["flop_counter"]["attention_excluded"].get<bool>());
  EXPECT_TRUE(p["flop_counter"]["ok"].get<bool>());
}

TEST(ValidateCli, HelpListsTheOptions) {
  Result r = run("validate --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--points"), std::string::npos);
  EXPECT_NE(r.out.find("--attn-implementation"), std::string::npos);
  EXPECT_NE(r.out.find("--format"), std::string::npos);
}

TEST(ValidateCli, BadPointsAreAUsageError) {
  for (const char* points : {"2,11", "2,x,0", "0,1,0", "2,1,-1", ";"}) {
    Result r = run(std::string("validate llama --points '") + points + "'");
    EXPECT_EQ(r.code, 1) << points << ": " << r.err;
    EXPECT_NE(r.err.find("--points"), std::string::npos) << r.err;
  }
  Result r = run("validate llama --attn-implementation flash");
  EXPECT_EQ(r.code, 1) << r.err;
  r = run("validate llama --format yaml");
  EXPECT_EQ(r.code, 1) << r.err;
  r = run("validate");
  EXPECT_EQ(r.code, 1) << r.err;
}

TEST(ValidateCli, UnknownModelIsNotFound) {
  Result r = run("validate no_such_model_type");
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace
