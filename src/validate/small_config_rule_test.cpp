#include "validate/small_config_rule.h"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace kcost {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_small_config_rule(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(SmallConfigRule, EmptyIsTheDefaultRule) { EXPECT_EQ(parse_small_config_rule(""), nlohmann::json::object()); }

TEST(SmallConfigRule, SizesByName) {
  EXPECT_EQ(parse_small_config_rule("layers=5"), (nlohmann::json{{"layers", 5}}));
  EXPECT_EQ(parse_small_config_rule("heads=6,kv_heads=2,head_dim=8,window=6"),
            (nlohmann::json{{"heads", 6}, {"kv_heads", 2}, {"head_dim", 8}, {"window", 6}}));
  nlohmann::json all = nlohmann::json::object();
  std::string text;
  for (const std::string& name : small_config_sizes()) {
    text += (text.empty() ? "" : ",") + name + "=3";
    all[name] = 3;
  }
  EXPECT_EQ(parse_small_config_rule(text), all);
}

TEST(SmallConfigRule, BadTextIsAOneLineErrorNamingIt) {
  EXPECT_EQ(error_of("layers"), "'layers' is not NAME=N");
  EXPECT_EQ(error_of("layers=5,"), "'' is not NAME=N");
  EXPECT_EQ(error_of("hedas=6"),
            "unknown size 'hedas' (known: heads, kv_heads, head_dim, layers, vocab, experts, experts_per_token, window, "
            "window_layers, window_pattern)");
  EXPECT_EQ(error_of("layers=5,layers=6"), "layers is given twice");
  for (const char* bad : {"layers=0", "layers=-1", "layers=x", "layers=", "layers=1.5", "layers=1000000000", "layers= 4"})
    EXPECT_NE(error_of(bad).find("layers must be a positive integer below 10^9"), std::string::npos) << bad;
  EXPECT_EQ(error_of("window=4\nlayers=5"), "window must be a positive integer below 10^9, not '4\\nlayers=5'");
}

}  // namespace
}  // namespace kcost
