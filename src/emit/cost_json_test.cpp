// Pins the composite cost JSON: the exact text for a LlamaMLP-like kernel, key order, children
// and bindings in trace order, counts as JSON integers or expression strings, no formula
// fields, and errors for what the format cannot hold.
#include "emit/cost_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "costfile/cost_schema.h"
#include "emit/emit_error.h"
#include "emit/emit_test_traces.h"

namespace kcost {
namespace {

using nlohmann::ordered_json;

const char* const kLlamaMlpJson = R"({
  "kernel_name": "transformers.models.llama.modeling_llama.LlamaMLP",
  "init_params": [],
  "forward_params": [],
  "children": {
    "gate_proj": {
      "kernel": "F.linear",
      "bindings": {
        "M": "batch_size * seq_len",
        "K": "config.hidden_size",
        "N": "config.intermediate_size",
        "has_bias": "config.mlp_bias"
      },
      "count": 1
    },
    "up_proj": {
      "kernel": "F.linear",
      "bindings": {
        "M": "batch_size * seq_len",
        "K": "config.hidden_size",
        "N": "config.intermediate_size",
        "has_bias": "config.mlp_bias"
      },
      "count": 1
    },
    "act_fn": {
      "kernel": "F.silu",
      "bindings": {
        "num_elements": "batch_size * seq_len * config.intermediate_size"
      },
      "count": 1
    },
    "mul": {
      "kernel": "torch.mul",
      "bindings": {
        "num_elements": "batch_size * seq_len * config.intermediate_size",
        "a_elements": "batch_size * seq_len * config.intermediate_size",
        "b_elements": "batch_size * seq_len * config.intermediate_size"
      },
      "count": 1
    },
    "down_proj": {
      "kernel": "F.linear",
      "bindings": {
        "M": "batch_size * seq_len",
        "K": "config.intermediate_size",
        "N": "config.hidden_size",
        "has_bias": "config.mlp_bias"
      },
      "count": 1
    }
  }
})";

const char* const kLlamaModelJson = R"({
  "kernel_name": "transformers.models.llama.modeling_llama.LlamaModel",
  "init_params": [],
  "forward_params": [],
  "children": {
    "embed_tokens": {
      "kernel": "F.embedding",
      "bindings": {
        "num_indices": "batch_size * seq_len",
        "embedding_dim": "config.hidden_size"
      },
      "count": 1
    },
    "layers": {
      "kernel": "transformers.models.llama.modeling_llama.LlamaDecoderLayer",
      "bindings": {},
      "count": "config.num_hidden_layers"
    },
    "norm": {
      "kernel": "transformers.models.llama.modeling_llama.LlamaRMSNorm",
      "bindings": {
        "hidden_size": "config.hidden_size",
        "eps": "config.rms_norm_eps"
      },
      "count": 1
    },
    "mystery": {
      "kernel": "unknown",
      "bindings": {},
      "count": 1
    }
  }
})";

std::vector<std::string> keys(const ordered_json& j) {
  std::vector<std::string> out;
  for (const auto& item : j.items()) out.push_back(item.key());
  return out;
}

KernelTrace one_child(const std::string& count) {
  KernelTrace t;
  t.kernel_name = "K";
  t.children = {test_traces::child("c", "F.dropout", true, {}, 1, "", {}, "", count)};
  return t;
}

TEST(EmitCostJson, LlamaMlpExactText) {
  EXPECT_EQ(cost_json(test_traces::llama_mlp()).dump(2), kLlamaMlpJson);
}

TEST(EmitCostJson, LlamaModelExactText) {
  EXPECT_EQ(cost_json(test_traces::llama_model()).dump(2), kLlamaModelJson);
}

TEST(EmitCostJson, CountOneIsAnIntegerAndASymbolicCountIsAString) {
  const ordered_json j = cost_json(test_traces::llama_model());
  const ordered_json& embed = j["children"]["embed_tokens"]["count"];
  ASSERT_TRUE(embed.is_number_integer());
  EXPECT_EQ(embed.get<int>(), 1);
  const ordered_json& layers = j["children"]["layers"]["count"];
  ASSERT_TRUE(layers.is_string());
  EXPECT_EQ(layers.get<std::string>(), "config.num_hidden_layers");
}

TEST(EmitCostJson, CountForms) {
  auto count = [](const std::string& text) { return cost_json(one_child(text))["children"]["c"]["count"]; };
  EXPECT_EQ(count("4").dump(), "4");
  EXPECT_EQ(count("2 * 3").dump(), "6");  // constant, evaluated
  EXPECT_EQ(count("6 / 3").dump(), "2");
  EXPECT_EQ(count("3 / 2").dump(), "\"3 / 2\"");
  EXPECT_EQ(count("1.0").dump(), "\"1.0\"");  // a float is not an integer
  EXPECT_EQ(count("2 ** 70").dump(), "\"1180591620717411303424\"");  // beyond a JSON integer
  EXPECT_EQ(count("config.num_hidden_layers // 2").dump(), "\"config.num_hidden_layers // 2\"");
}

TEST(EmitCostJson, KeyOrderIsTheSpecs) {
  const ordered_json j = cost_json(test_traces::llama_mlp());
  EXPECT_EQ(keys(j),
            (std::vector<std::string>{"kernel_name", "init_params", "forward_params", "children"}));
  for (const auto& child : j["children"].items())
    EXPECT_EQ(keys(child.value()), (std::vector<std::string>{"kernel", "bindings", "count"}))
        << child.key();
}

TEST(EmitCostJson, ChildrenAndBindingsKeepTraceOrder) {
  KernelTrace t;
  t.kernel_name = "K";
  t.init_params = {"nx", "nf"};
  t.forward_params = {"d2", "d1"};
  t.children = {
      test_traces::child("zeta", "torch.addmm", true, {{"N", "nf"}, {"M", "d2 * d1"}, {"K", "nx"}},
                         3, "", {}, ""),
      test_traces::child("alpha", "F.dropout", true, {}, 4, "", {}, ""),
  };
  const ordered_json j = cost_json(t);
  EXPECT_EQ(keys(j["children"]), (std::vector<std::string>{"zeta", "alpha"}));
  EXPECT_EQ(keys(j["children"]["zeta"]["bindings"]), (std::vector<std::string>{"N", "M", "K"}));
  EXPECT_EQ(j["init_params"].dump(), R"(["nx","nf"])");
  EXPECT_EQ(j["forward_params"].dump(), R"(["d2","d1"])");
  EXPECT_EQ(j["children"]["zeta"]["bindings"]["M"], "d1 * d2");  // Expr::str() normal form
}

TEST(EmitCostJson, NoFormulaFieldsOnAComposite) {
  const ordered_json j = cost_json(test_traces::llama_mlp());
  for (const char* field : {"flops", "memory_read", "memory_write"}) EXPECT_FALSE(j.contains(field));
}

TEST(EmitCostJson, NumericBindingsAreExpressionStrings) {
  KernelTrace t;
  t.kernel_name = "K";
  t.children = {test_traces::child("proj", "F.linear", true,
                                   {{"M", "batch_size"}, {"K", "8"}, {"N", "4 * 4"}, {"has_bias", "True"}},
                                   1, "", {}, "")};
  EXPECT_EQ(cost_json(t)["children"]["proj"]["bindings"].dump(),
            R"({"M":"batch_size","K":"8","N":"16","has_bias":"1"})");
}

TEST(EmitCostJson, NoChildrenIsAnEmptyObject) {
  KernelTrace t;
  t.kernel_name = "Identityish";
  EXPECT_EQ(cost_json(t).dump(),
            R"({"kernel_name":"Identityish","init_params":[],"forward_params":[],"children":{}})");
}

TEST(EmitCostJson, AFootprintCountedIsWrittenAfterTheChildren) {
  KernelTrace t;
  t.kernel_name = "Block";
  t.init_params = {"width"};
  t.has_footprint = true;
  t.parameters = Expr::parse("3 * width**2");
  t.cache_elements = Expr::parse("2 * batch_size * cache_len * width");
  EXPECT_EQ(cost_json(t).dump(),
            R"({"kernel_name":"Block","init_params":["width"],"forward_params":[],"children":{},)"
            R"("footprint":{"parameters":"3 * width**2","buffers":"0","cache_elements":"2 * batch_size * cache_len * width"}})");
}

TEST(EmitCostJson, DuplicateLabelIsAnError) {
  KernelTrace t = test_traces::llama_mlp();
  t.children[1].label = "gate_proj";
  try {
    cost_json(t);
    FAIL() << "no EmitError";
  } catch (const EmitError& e) {
    EXPECT_STREQ(e.what(),
                 "kernel transformers.models.llama.modeling_llama.LlamaMLP: duplicate child "
                 "label 'gate_proj'");
  }
}

TEST(EmitCostJson, DuplicateBindingIsAnError) {
  KernelTrace t = test_traces::llama_mlp();
  t.children[0].bindings.emplace_back("M", Expr(1));
  try {
    cost_json(t);
    FAIL() << "no EmitError";
  } catch (const EmitError& e) {
    EXPECT_STREQ(e.what(),
                 "kernel transformers.models.llama.modeling_llama.LlamaMLP: child 'gate_proj': "
                 "duplicate binding 'M'");
  }
}

TEST(EmitCostJson, EmptyNamesAreErrors) {
  KernelTrace t = test_traces::llama_mlp();
  t.children[2].label = "";
  EXPECT_THROW(cost_json(t), EmitError);
  EXPECT_THROW(cost_json(KernelTrace{}), EmitError);
}

TEST(EmitCostJson, OutputValidatesAgainstTheSchema) {
  for (const KernelTrace& t : {test_traces::llama_mlp(), test_traces::llama_model()}) {
    const nlohmann::json j = nlohmann::json::parse(cost_json(t).dump());
    EXPECT_EQ(validate_cost_json(j, t.kernel_name + ".json"), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace kcost
