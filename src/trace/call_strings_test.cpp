// The string arguments of a call, as a kind key's suffix: no Python.
#include "trace/call_strings.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

TEST(CallStrings, CallsThatPassDifferentStringsDiffer) {
  std::map<std::string, ValuePtr> sliding{{"x", Value::tensor({Expr::symbol("seq_len")})},
                                          {"layer_type", Value::string("sliding_attention")}};
  std::map<std::string, ValuePtr> full{{"x", Value::tensor({Expr::symbol("seq_len")})},
                                       {"layer_type", Value::string("full_attention")}};
  EXPECT_EQ(call_strings(sliding), "|layer_type=\"sliding_attention\"");
  EXPECT_NE(call_strings(sliding), call_strings(full));
}

TEST(CallStrings, OtherArgumentsAreNotPartOfIt) {
  // Tensors of other shapes and numbers are the kernel's parameters, not its kind.
  std::map<std::string, ValuePtr> a{{"x", Value::tensor({Expr::symbol("seq_len")})}, {"n", Value::integer(3)}};
  std::map<std::string, ValuePtr> b{{"x", Value::tensor({Expr(1)})}, {"n", Value::integer(4)}, {"none", Value::none()}};
  EXPECT_EQ(call_strings(a), "");
  EXPECT_EQ(call_strings(b), "");
}

}  // namespace
}  // namespace kcost
