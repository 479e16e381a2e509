// Pricing of recorded calls: each call costs what the shape tracer would make it cost, by the
// same leaf choice and binding; zero-cost ops cost nothing; leaf modules are priced once;
// calls without a leaf are listed, never dropped.
#include "validate/traced_cost.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

struct Library {
  LeafCatalog leaves = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  NameMap names = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
};

const Library& library() {
  static Library l;
  return l;
}

nlohmann::json list(std::initializer_list<nlohmann::json> items) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& i : items) a.push_back(i);
  return a;
}

nlohmann::json tensor(std::vector<long long> shape, const std::string& dtype = "float32") {
  return {{"tensor", shape}, {"dtype", dtype}};
}

TracedCall call(const nlohmann::json& record) {
  nlohmann::json j = {{"model_class", "M"},
                      {"points",
                       {{{"batch_size", 1},
                         {"seq_len", 1},
                         {"cache_len", 0},
                         {"calls", list({record})},
                         {"flop_counter", {{"total", 0}, {"by_op", nlohmann::json::object()}}}}}}};
  return parse_traced_run(j).points.at(0).calls.at(0);
}

TracedCost price(const std::vector<TracedCall>& calls) {
  return price_traced_calls(calls, library().leaves, library().names, GiNaC::numeric(4));
}

nlohmann::json method(const std::string& name, const nlohmann::json& self, const nlohmann::json& args) {
  return {{"kind", "function"}, {"names", {"torch.Tensor." + name}}, {"op", name}, {"method", true},
          {"self", self},       {"args", args},                      {"kwargs", nlohmann::json::object()}};
}

TEST(TracedCost, BinaryOpBroadcastsAndCountsOperandsAsRead) {
  // x[3,5,128] * w[128]: 1920 outputs; reads 1920 + 128 elements.
  TracedCost c = price({call(method("mul", tensor({3, 5, 128}), list({tensor({128})})))});
  ASSERT_TRUE(c.unpriced.empty());
  ASSERT_EQ(c.calls.size(), 1u);
  EXPECT_EQ(c.calls[0].kernel, "torch.mul");
  EXPECT_EQ(c.totals.flops, GiNaC::numeric(1920));
  EXPECT_EQ(c.totals.memory_read, GiNaC::numeric((1920 + 128) * 4));
  EXPECT_EQ(c.totals.memory_write, GiNaC::numeric(1920 * 4));
}

TEST(TracedCost, OneTensorGivenTwiceIsReadOnce) {
  // `x * x` is recorded as x.__mul__(x), both marked "same": 0 (one view of one storage): read
  // once, as the aten byte counter counts it. Two tensors of one shape, unmarked: each read.
  nlohmann::json x = tensor({3, 5, 128});
  x["same"] = 0;
  TracedCost once = price({call(method("__mul__", x, list({x})))});
  ASSERT_EQ(once.calls.size(), 1u);
  EXPECT_EQ(once.calls[0].kernel, "torch.mul");
  EXPECT_EQ(once.totals.memory_read, GiNaC::numeric(1920 * 4));
  EXPECT_EQ(once.totals.flops, GiNaC::numeric(1920));
  TracedCost twice = price({call(method("__mul__", tensor({3, 5, 128}), list({tensor({3, 5, 128})})))});
  EXPECT_EQ(twice.totals.memory_read, GiNaC::numeric(2 * 1920 * 4));
  // The mark holds within one call only: torch.mul(x, y) with y marked alone is read as its own.
  nlohmann::json y = tensor({3, 5, 128});
  y["same"] = 1;
  nlohmann::json f = {{"kind", "function"}, {"names", {"torch.mul"}}, {"op", "mul"}, {"method", false},
                      {"args", list({x, y})}, {"kwargs", nlohmann::json::object()}};
  EXPECT_EQ(price({call(f)}).totals.memory_read, GiNaC::numeric(2 * 1920 * 4));
}

TEST(TracedCost, ReflectedOperatorKeepsSourceOrder) {
  // `1 - x` is recorded as x.__rsub__(1): torch.sub with a = the scalar, b = x.
  TracedCost c = price({call(method("__rsub__", tensor({2, 3}), list({1})))});
  ASSERT_EQ(c.calls.size(), 1u);
  EXPECT_EQ(c.calls[0].kernel, "torch.sub");
  std::map<std::string, GiNaC::numeric> p(c.calls[0].params.begin(), c.calls[0].params.end());
  EXPECT_EQ(p.at("a_elements"), GiNaC::numeric(0));
  EXPECT_EQ(p.at("b_elements"), GiNaC::numeric(6));
}

TEST(TracedCost, ZeroCostOpsAndIndexingCostNothing) {
  TracedCost c = price({call(method("view", tensor({2, 3}), list({6}))),
                        call(method("transpose", tensor({2, 3}), list({0, 1}))),
                        call(method("__getitem__", tensor({2, 3}), list({0}))), call(method("to", tensor({2, 3}), list({})))});
  EXPECT_TRUE(c.unpriced.empty());
  EXPECT_TRUE(c.calls.empty());
  EXPECT_EQ(c.totals.flops, GiNaC::numeric(0));
}

TEST(TracedCost, LeafModuleIsOneCallAndWhatRanInsideIsNotCounted) {
  nlohmann::json inner = {{"kind", "function"},
                          {"names", {"torch.nn.functional.linear"}},
                          {"op", "linear"},
                          {"args", {tensor({3, 5, 128}), tensor({64, 128}), tensor({64})}}};
  nlohmann::json linear = {{"kind", "module"},
                           {"names", {"torch.nn.modules.linear.Linear"}},
                           {"op", "Linear"},
                           {"ctor", {{"in_features", 128}, {"out_features", 64}, {"bias", tensor({64})}}},
                           {"args", list({tensor({3, 5, 128})})},
                           {"calls", list({inner})}};
  TracedCost c = price({call(linear)});
  ASSERT_EQ(c.calls.size(), 1u);
  EXPECT_EQ(c.calls[0].kernel, "F.linear");
  long long m = 15, k = 128, n = 64;
  EXPECT_EQ(c.totals.flops, GiNaC::numeric(2 * m * k * n + m * n));
  EXPECT_EQ(c.matmul_flops, GiNaC::numeric(2 * m * k * n + m * n));
  EXPECT_EQ(c.bias_add_flops, GiNaC::numeric(m * n));
}

TEST(TracedCost, CompositeModuleIsTheSumOfItsCalls) {
  nlohmann::json norm = {{"kind", "module"},
                         {"names", {"some.models.FooRMSNorm"}},
                         {"op", "FooRMSNorm"},
                         {"args", list({tensor({2, 4})})},
                         {"calls", list({method("pow", tensor({2, 4}), list({2})), method("mean", tensor({2, 4}), list({-1}))})}};
  TracedCost c = price({call(norm)});
  ASSERT_EQ(c.calls.size(), 2u);
  EXPECT_EQ(c.calls[0].kernel, "torch.pow");
  EXPECT_EQ(c.calls[0].where, "FooRMSNorm");
  EXPECT_EQ(c.calls[1].kernel, "torch.mean");
  EXPECT_EQ(c.calls_by_kernel.at("torch.pow"), 1);
}

TEST(TracedCost, FusedAttentionIsOneSdpaCallOnTheKvHeads) {
  nlohmann::json attention = {{"kind", "attention"},
                              {"names", {"transformers.integrations.sdpa_attention.sdpa_attention_forward"}},
                              {"op", "sdpa"},
                              {"args", list({{{"module", "M"}}, tensor({3, 8, 5, 16}), tensor({3, 4, 12, 16}),
                                             tensor({3, 4, 12, 16}), tensor({3, 1, 5, 12}, "bool")})}};
  TracedCost c = price({call(attention)});
  ASSERT_EQ(c.calls.size(), 1u) << (c.unpriced.empty() ? "" : c.unpriced[0].reason);
  std::map<std::string, GiNaC::numeric> p(c.calls[0].params.begin(), c.calls[0].params.end());
  EXPECT_EQ(p.at("H_q"), GiNaC::numeric(8));
  EXPECT_EQ(p.at("H_kv"), GiNaC::numeric(4));
  EXPECT_EQ(p.at("S_kv"), GiNaC::numeric(12));
  EXPECT_EQ(p.at("mask_elements"), GiNaC::numeric(3 * 5 * 12));  // bool: one byte each
  // A float mask is read at `bytes` per element.
  attention["args"][4] = tensor({3, 1, 5, 12});
  TracedCost f = price({call(attention)});
  ASSERT_EQ(f.calls.size(), 1u) << (f.unpriced.empty() ? "" : f.unpriced[0].reason);
  std::map<std::string, GiNaC::numeric> q(f.calls[0].params.begin(), f.calls[0].params.end());
  EXPECT_EQ(q.at("mask_elements"), GiNaC::numeric(3 * 5 * 12 * 4));
}

TEST(TracedCost, CallWithoutLeafIsListedByName) {
  TracedCost c = price({call(method("frobnicate", tensor({2}), list({})))});
  EXPECT_TRUE(c.calls.empty());
  ASSERT_EQ(c.unpriced.size(), 1u);
  EXPECT_EQ(c.unpriced[0].name, "torch.Tensor.frobnicate");
  EXPECT_NE(c.unpriced[0].reason.find("no leaf"), std::string::npos);
}

}  // namespace
}  // namespace kcost
