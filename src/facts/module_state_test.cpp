// State set on a module after construction, on hand-built module values: no Python.
#include "facts/module_state.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

ValuePtr layer(long long index) {
  return Value::module("DecoderLayer", {{"", Value::config("config"), "config"},
                                        {"layer_idx", Value::integer(index), "i"}});
}

TEST(ModuleState, StateIsKeptBesideTheConstructorArgumentsAndToldApartFromThem) {
  ValuePtr buffer = Value::tensor({Expr(1), Expr(1), Expr::symbol("config.n")});
  ValuePtr set = with_state(*layer(0), "mamba.mup_vector", buffer);
  ASSERT_EQ(set->args.size(), 3u);
  std::vector<Arg> ctor = constructor_arguments(set->args);
  ASSERT_EQ(ctor.size(), 2u);
  EXPECT_EQ(ctor[1].name, "layer_idx");
  std::vector<Arg> state = state_arguments(set->args);
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state_path(state[0]), "mamba.mup_vector");
  EXPECT_TRUE(same_value(*state[0].value, *buffer));
  // A constructor's keyword is never state, and the module without state is another value.
  EXPECT_FALSE(is_state_argument(ctor[1]));
  EXPECT_FALSE(same_value(*set, *layer(0)));
  EXPECT_NE(structural_key(set->args), structural_key(layer(0)->args));
}

TEST(ModuleState, ALaterAssignmentOfThePathReplacesTheEarlierOne) {
  ValuePtr once = with_state(*layer(1), "scale", Value::integer(2));
  ValuePtr twice = with_state(*once, "scale", Value::integer(3));
  std::vector<Arg> state = state_arguments(twice->args);
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(known_int(*state[0].value), 3);
  // Two layers given the same state are the same value but for their own arguments.
  EXPECT_TRUE(same_value(*with_state(*layer(1), "scale", Value::integer(3)), *twice));
}

TEST(ModuleState, APathSplitsIntoItsFirstAttributeAndTheRest) {
  EXPECT_EQ(split_state_path("mamba.mup_vector"), std::make_pair(std::string("mamba"), std::string("mup_vector")));
  EXPECT_EQ(split_state_path("mup_vector"), std::make_pair(std::string("mup_vector"), std::string("")));
  EXPECT_EQ(split_state_path("a.b.c"), std::make_pair(std::string("a"), std::string("b.c")));
}

}  // namespace
}  // namespace kcost
