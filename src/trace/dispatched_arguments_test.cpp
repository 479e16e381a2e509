// The arguments a forward() replaced by transformers' experts dispatch passes on to the
// function that runs instead.
#include "trace/dispatched_arguments.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kcost {
namespace {

// A FunctionDef `def <name>(self, <params>): pass` as python_helpers' ast_data writes it.
ast::NodePtr def(const std::vector<std::string>& params) {
  nlohmann::json args = nlohmann::json::array({{{"_type", "arg"}, {"arg", "self"}, {"annotation", nullptr}}});
  for (const auto& p : params) args.push_back({{"_type", "arg"}, {"arg", p}, {"annotation", nullptr}});
  nlohmann::json arguments = {{"_type", "arguments"}, {"posonlyargs", nlohmann::json::array()}, {"args", args},
                              {"vararg", nullptr}, {"kwonlyargs", nlohmann::json::array()},
                              {"kw_defaults", nlohmann::json::array()}, {"kwarg", nullptr}, {"defaults", nlohmann::json::array()}};
  return ast::from_json({{"_type", "FunctionDef"}, {"name", "f"}, {"args", arguments},
                         {"body", nlohmann::json::array()}, {"decorator_list", nlohmann::json::array()}});
}

std::map<std::string, std::string> by_name(const std::vector<Arg>& args) {
  std::map<std::string, std::string> out;
  for (const auto& a : args) out[a.name] = a.value->describe();
  return out;
}

TEST(DispatchedArguments, ParametersNamedOtherwiseTakeTheirPlaceByPosition) {
  // GptOssExperts.forward(self, hidden_states, router_indices=None, routing_weights=None) runs as
  // grouped_mm_experts_forward(self, hidden_states, top_k_index, top_k_weights).
  auto original = def({"hidden_states", "router_indices", "routing_weights"});
  auto replacement = def({"hidden_states", "top_k_index", "top_k_weights"});
  std::map<std::string, ValuePtr> inputs = {{"hidden_states", Value::tensor({Expr(6), Expr(8)})},
                                            {"router_indices", Value::tensor({Expr(6), Expr(2)}, Value::DType::Integer)},
                                            {"routing_weights", Value::tensor({Expr(6), Expr(2)})}};
  auto args = by_name(dispatched_arguments(*original, *replacement, inputs));
  EXPECT_EQ(args, (std::map<std::string, std::string>{{"hidden_states", "Tensor[6, 8]"},
                                                       {"top_k_index", "Tensor[6, 2]"},
                                                       {"top_k_weights", "Tensor[6, 2]"}}));
}

TEST(DispatchedArguments, SharedNamesPassByNameWhateverTheirOrder) {
  auto original = def({"hidden_states", "top_k_weights", "top_k_index"});
  auto replacement = def({"hidden_states", "top_k_index", "top_k_weights"});
  std::map<std::string, ValuePtr> inputs = {{"hidden_states", Value::integer(1)},
                                            {"top_k_index", Value::integer(2)},
                                            {"top_k_weights", Value::integer(3)},
                                            {"extra", Value::integer(4)}};
  auto args = by_name(dispatched_arguments(*original, *replacement, inputs));
  EXPECT_EQ(args, (std::map<std::string, std::string>{
                      {"hidden_states", "1"}, {"top_k_index", "2"}, {"top_k_weights", "3"}, {"extra", "4"}}));
}

}  // namespace
}  // namespace kcost
