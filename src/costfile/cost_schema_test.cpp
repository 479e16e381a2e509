// Pins the cost JSON validator: the spec's two examples and every project leaf are valid; each
// rule, broken alone, gives exactly one problem naming the file and the JSON path; the
// directory check finds bad files, duplicate keys, missing kernels, wrong bindings and unknowns.
#include "costfile/cost_schema.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <string>
#include <vector>

#include "costfile/cost_file.h"
#include "emit/atomic_file.h"
#include "emit/emit_test_traces.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Problems = std::vector<std::string>;

// The spec's examples, copied from spec/cost-analyzer-prompt.txt (its {{ }} are format escapes).
const char* const kSpecConv1D = R"({
  "kernel_name": "transformers.pytorch_utils.Conv1D",
  "init_params": ["nf", "nx"],
  "forward_params": [],
  "children": {
    "addmm": {
      "kernel": "torch.addmm",
      "bindings": { "M": "batch_size * seq_len", "K": "nx", "N": "nf" },
      "count": 1
    }
  }
})";

const char* const kSpecMlp = R"({
  "kernel_name": "SomeMLP",
  "init_params": [],
  "forward_params": [],
  "children": {
    "up_proj": {
      "kernel": "F.linear",
      "bindings": { "M": "batch_size * seq_len", "K": "config.hidden_size", "N": "config.intermediate_size", "has_bias": "1" },
      "count": 1
    },
    "activation": {
      "kernel": "F.gelu",
      "bindings": { "num_elements": "batch_size * seq_len * config.intermediate_size" },
      "count": 1
    },
    "down_proj": {
      "kernel": "F.linear",
      "bindings": { "M": "batch_size * seq_len", "K": "config.intermediate_size", "N": "config.hidden_size", "has_bias": "1" },
      "count": 1
    },
    "dropout": {
      "kernel": "F.dropout",
      "bindings": {},
      "count": 1
    }
  }
})";

const char* const kLeaf = R"({
  "kernel_name": "F.silu",
  "init_params": [],
  "forward_params": ["num_elements"],
  "flops": "4 * num_elements",
  "memory_read": "num_elements * bytes",
  "memory_write": "num_elements * bytes"
})";

std::string kernels_dir() { return std::string(KCOST_SOURCE_DIR) + "/kernels"; }

const LeafCatalog& project_catalog() {
  static const LeafCatalog catalog = LeafCatalog::load(kernels_dir());
  return catalog;
}

Problems check(const json& j) { return validate_cost_json(j, "costs/X.json"); }

// The Conv1D example with `edit` applied.
json conv1d(const std::function<void(json&)>& edit = {}) {
  json j = json::parse(kSpecConv1D);
  if (edit) edit(j);
  return j;
}

json leaf(const std::function<void(json&)>& edit = {}) {
  json j = json::parse(kLeaf);
  if (edit) edit(j);
  return j;
}

// ---------------------------------------------------------------- valid files

TEST(CostSchema, AcceptsTheSpecsConv1DExample) {
  EXPECT_EQ(check(json::parse(kSpecConv1D)), Problems{});
}

TEST(CostSchema, AcceptsTheSpecsMlpExample) { EXPECT_EQ(check(json::parse(kSpecMlp)), Problems{}); }

TEST(CostSchema, AcceptsALeaf) { EXPECT_EQ(check(leaf()), Problems{}); }

TEST(CostSchema, EveryProjectLeafValidatesAsALeaf) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kernels_dir())) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    std::ifstream in(entry.path());
    const json j = json::parse(in);
    EXPECT_EQ(validate_cost_json(j, entry.path().string()), Problems{});
    EXPECT_TRUE(j.contains("flops") && !j.contains("children")) << entry.path();
  }
  EXPECT_GT(files, 100u);
}

TEST(CostSchema, AcceptsWhatTheRulesAllow) {
  EXPECT_EQ(check(conv1d([](json& j) {
              j["forward_params"] = {"x_dim2"};
              j["description"] = "GPT-2's transposed linear";
              j["children"]["addmm"]["bindings"]["K"] = "x_dim2";
              j["children"]["addmm"]["bindings"]["M"] =
                  "batch_size * (seq_len + cache_len) * bytes // 2 if config.text_config.use_x else max(nf, 1)";
              j["children"]["addmm"]["count"] = "config.num_hidden_layers - config.first_k_dense";
              j["children"]["addmm"]["bindings"]["N"] = 7;  // a JSON number, as the leaf loader allows
              j["children"]["more"] = {{"kernel", "F.dropout"}, {"bindings", json::object()}};  // count optional
              j["children"]["apply_rotary_pos_emb.mul_q_cos"] = {
                  {"kernel", "torch.mul"}, {"bindings", json::object()}, {"count", "2"}};
            })),
            Problems{});
}

TEST(CostSchema, AcceptsACompositeWithoutChildren) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"] = json::object(); })), Problems{});
}

// ---------------------------------------------------------------- one rule each

TEST(CostSchema, NotAnObject) {
  EXPECT_EQ(check(json::array()), Problems{"costs/X.json: $: expected a JSON object, got array"});
}

TEST(CostSchema, KernelNameMissing) {
  EXPECT_EQ(check(conv1d([](json& j) { j.erase("kernel_name"); })),
            Problems{"costs/X.json: $.kernel_name: missing"});
}

TEST(CostSchema, KernelNameEmptyOrNotAString) {
  EXPECT_EQ(check(conv1d([](json& j) { j["kernel_name"] = ""; })),
            Problems{"costs/X.json: $.kernel_name: expected a non-empty string"});
  EXPECT_EQ(check(conv1d([](json& j) { j["kernel_name"] = 3; })),
            Problems{"costs/X.json: $.kernel_name: expected a non-empty string"});
}

TEST(CostSchema, KernelNameNotAFileName) {
  EXPECT_EQ(check(conv1d([](json& j) { j["kernel_name"] = "../x"; })),
            Problems{"costs/X.json: $.kernel_name: '../x' is not usable as a file name"});
}

TEST(CostSchema, DescriptionNotAString) {
  EXPECT_EQ(check(conv1d([](json& j) { j["description"] = 1; })),
            Problems{"costs/X.json: $.description: expected a string"});
}

TEST(CostSchema, LeafLibraryMetadata) {
  EXPECT_EQ(check(leaf([](json& j) { j["matmul_class"] = true; })), Problems{});
  EXPECT_EQ(check(leaf([](json& j) { j["matmul_class"] = "yes"; })),
            Problems{"costs/X.json: $.matmul_class: expected true or false"});
  EXPECT_EQ(check(leaf([](json& j) { j["bias_add_flops"] = "Q * 2"; })),
            Problems{"costs/X.json: $.bias_add_flops: expression 'Q * 2': uses symbol 'Q' that is not a "
                     "forward_param or 'bytes'"});
  EXPECT_EQ(check(conv1d([](json& j) { j["matmul_class"] = true; })),
            Problems{"costs/X.json: $.matmul_class: a composite kernel (with children) has no matmul_class: its "
                     "cost is the sum of its children's"});
}

TEST(CostSchema, UnknownField) {
  EXPECT_EQ(check(conv1d([](json& j) { j["note"] = "x"; })),
            Problems{"costs/X.json: $.note: unknown field (a cost JSON has kernel_name, "
                     "description, init_params, forward_params and either children or flops, "
                     "memory_read, memory_write and optionally matmul_class, bias_add_flops, or footprint on a composite)"});
}

TEST(CostSchema, ParamsMissing) {
  EXPECT_EQ(check(conv1d([](json& j) { j.erase("forward_params"); })),
            Problems{"costs/X.json: $.forward_params: missing"});
}

TEST(CostSchema, ParamsNotAnArray) {
  EXPECT_EQ(check(conv1d([](json& j) { j["init_params"] = "nf, nx"; })),
            Problems({"costs/X.json: $.init_params: expected an array of parameter names",
                      // and so the bindings' symbols are not params any more
                      "costs/X.json: $.children.addmm.bindings.K: expression 'nx': uses symbol "
                      "'nx' that is not a param of this kernel, config.<attr> or one of "
                      "batch_size, seq_len, cache_len, bytes",
                      "costs/X.json: $.children.addmm.bindings.N: expression 'nf': uses symbol "
                      "'nf' that is not a param of this kernel, config.<attr> or one of "
                      "batch_size, seq_len, cache_len, bytes"}));
}

TEST(CostSchema, ParamNotAString) {
  EXPECT_EQ(check(conv1d([](json& j) { j["forward_params"] = {"a", 2}; })),
            Problems{"costs/X.json: $.forward_params[1]: expected a parameter name string, got number"});
}

TEST(CostSchema, ParamNotAnIdentifier) {
  EXPECT_EQ(check(conv1d([](json& j) { j["forward_params"] = {"hidden size"}; })),
            Problems{"costs/X.json: $.forward_params[0]: 'hidden size' is not a valid parameter name"});
  EXPECT_EQ(check(conv1d([](json& j) { j["forward_params"] = {"lambda"}; })),
            Problems{"costs/X.json: $.forward_params[0]: 'lambda' is not a valid parameter name"});
}

TEST(CostSchema, ParamDuplicate) {
  EXPECT_EQ(check(conv1d([](json& j) { j["init_params"] = {"nf", "nx", "nf"}; })),
            Problems{"costs/X.json: $.init_params[2]: duplicate parameter 'nf'"});
}

TEST(CostSchema, ParamInInitAndForward) {
  EXPECT_EQ(check(conv1d([](json& j) { j["forward_params"] = {"nx"}; })),
            Problems{"costs/X.json: $.forward_params[0]: duplicate parameter 'nx'"});
}

TEST(CostSchema, ImplicitSymbolAsParam) {
  EXPECT_EQ(check(conv1d([](json& j) { j["forward_params"] = {"seq_len"}; })),
            Problems{"costs/X.json: $.forward_params[0]: 'seq_len' is an implicit symbol and "
                     "cannot be a parameter"});
}

TEST(CostSchema, SelfOrConfigAsParam) {
  EXPECT_EQ(check(conv1d([](json& j) { j["init_params"] = {"nf", "nx", "self", "config"}; })),
            Problems({"costs/X.json: $.init_params[2]: 'self' cannot be a parameter",
                      "costs/X.json: $.init_params[3]: 'config' cannot be a parameter"}));
}

TEST(CostSchema, NeitherLeafNorComposite) {
  EXPECT_EQ(check(conv1d([](json& j) { j.erase("children"); })),
            Problems{"costs/X.json: $: neither a leaf (flops, memory_read, memory_write) nor a "
                     "composite (children)"});
}

TEST(CostSchema, CompositeWithFormulas) {
  EXPECT_EQ(check(conv1d([](json& j) {
              j["flops"] = "2 * nx * nf";
              j["memory_write"] = "0";
            })),
            Problems({"costs/X.json: $.flops: a composite kernel (with children) has no flops: "
                      "its cost is the sum of its children's",
                      "costs/X.json: $.memory_write: a composite kernel (with children) has no "
                      "memory_write: its cost is the sum of its children's"}));
}

TEST(CostSchema, LeafMissingAFormula) {
  EXPECT_EQ(check(leaf([](json& j) { j.erase("memory_read"); })),
            Problems{"costs/X.json: $.memory_read: missing (a leaf has flops, memory_read and memory_write)"});
}

TEST(CostSchema, LeafWithInitParams) {
  EXPECT_EQ(check(leaf([](json& j) { j["init_params"] = {"dim"}; })),
            Problems{"costs/X.json: $.init_params: a leaf kernel takes no init params (expected [])"});
}

TEST(CostSchema, LeafFormulaDoesNotParse) {
  EXPECT_EQ(check(leaf([](json& j) { j["flops"] = "4 * num_elements +"; })),
            Problems{"costs/X.json: $.flops: expression '4 * num_elements +': column 19: "
                     "expected an operand"});
}

TEST(CostSchema, LeafFormulaNotAString) {
  EXPECT_EQ(check(leaf([](json& j) { j["flops"] = true; })),
            Problems{"costs/X.json: $.flops: expected an expression string, got boolean"});
  EXPECT_EQ(check(leaf([](json& j) { j["flops"] = 0; })), Problems{});  // a number is fine
}

TEST(CostSchema, LeafFormulaUsesAForeignSymbol) {
  EXPECT_EQ(check(leaf([](json& j) { j["memory_read"] = "seq_len * bytes"; })),
            Problems{"costs/X.json: $.memory_read: expression 'seq_len * bytes': uses symbol "
                     "'seq_len' that is not a forward_param or 'bytes'"});
  EXPECT_EQ(check(leaf([](json& j) { j["flops"] = "config.hidden_size"; })),
            Problems{"costs/X.json: $.flops: expression 'config.hidden_size': uses symbol "
                     "'config.hidden_size' that is not a forward_param or 'bytes'"});
}

TEST(CostSchema, ChildrenNotAnObject) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"] = json::array(); })),
            Problems{"costs/X.json: $.children: expected an object of children by label, got array"});
}

TEST(CostSchema, ChildNotAnObject) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"] = "torch.addmm"; })),
            Problems{"costs/X.json: $.children.addmm: expected a child object, got string"});
}

TEST(CostSchema, ChildLabelEmpty) {
  EXPECT_EQ(check(conv1d([](json& j) {
              j["children"][""] = {{"kernel", "F.dropout"}, {"bindings", json::object()}};
            })),
            Problems{"costs/X.json: $.children['']: empty child label"});
}

TEST(CostSchema, ChildUnknownField) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["cout"] = 2; })),
            Problems{"costs/X.json: $.children.addmm.cout: unknown field (a child has kernel, "
                     "bindings and count)"});
}

TEST(CostSchema, ChildKernelMissing) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"].erase("kernel"); })),
            Problems{"costs/X.json: $.children.addmm.kernel: missing"});
}

TEST(CostSchema, ChildKernelEmpty) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["kernel"] = ""; })),
            Problems{"costs/X.json: $.children.addmm.kernel: expected a non-empty kernel name string"});
}

TEST(CostSchema, ChildBindingsMissing) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"].erase("bindings"); })),
            Problems{"costs/X.json: $.children.addmm.bindings: missing (use {} for a kernel "
                     "without parameters)"});
}

TEST(CostSchema, ChildBindingsNotAnObject) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"] = {"M"}; })),
            Problems{"costs/X.json: $.children.addmm.bindings: expected an object from "
                     "parameter names to expressions, got array"});
}

TEST(CostSchema, BindingDoesNotParse) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"]["M"] = "a +"; })),
            Problems{"costs/X.json: $.children.addmm.bindings.M: expression 'a +': column 4: "
                     "expected an operand"});
}

TEST(CostSchema, BindingNotAString) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"]["M"] = json::array(); })),
            Problems{"costs/X.json: $.children.addmm.bindings.M: expected an expression string, got array"});
}

TEST(CostSchema, BindingKeyNotAnIdentifier) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"]["has.bias"] = "1"; })),
            Problems{"costs/X.json: $.children.addmm.bindings['has.bias']: 'has.bias' is not a "
                     "valid parameter name"});
}

TEST(CostSchema, BindingUsesAForeignSymbol) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"]["K"] = "hidden_size"; })),
            Problems{"costs/X.json: $.children.addmm.bindings.K: expression 'hidden_size': uses "
                     "symbol 'hidden_size' that is not a param of this kernel, config.<attr> or "
                     "one of batch_size, seq_len, cache_len, bytes"});
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"]["K"] = "model.dim"; })),
            Problems{"costs/X.json: $.children.addmm.bindings.K: expression 'model.dim': uses "
                     "symbol 'model.dim' that is not a param of this kernel, config.<attr> or "
                     "one of batch_size, seq_len, cache_len, bytes"});
}

TEST(CostSchema, SelfAnywhereIsAnError) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"]["K"] = "self.nx * 2"; })),
            Problems{"costs/X.json: $.children.addmm.bindings.K: expression 'self.nx * 2': uses "
                     "'self.nx': resolve self attributes to config.* or the kernel's params"});
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = "self.num_layers"; })),
            Problems{"costs/X.json: $.children.addmm.count: expression 'self.num_layers': uses "
                     "'self.num_layers': resolve self attributes to config.* or the kernel's params"});
  EXPECT_EQ(check(leaf([](json& j) { j["flops"] = "self * num_elements"; })),
            Problems{"costs/X.json: $.flops: expression 'self * num_elements': uses 'self': "
                     "resolve self attributes to config.* or the kernel's params"});
}

TEST(CostSchema, CountNotPositive) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = 0; })),
            Problems{"costs/X.json: $.children.addmm.count: expected a positive integer, got 0"});
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = -2; })),
            Problems{"costs/X.json: $.children.addmm.count: expected a positive integer, got -2"});
}

TEST(CostSchema, CountOfAnotherType) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = 1.5; })),
            Problems{"costs/X.json: $.children.addmm.count: expected a positive integer or an "
                     "expression string, got 1.5"});
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = true; })),
            Problems{"costs/X.json: $.children.addmm.count: expected a positive integer or an "
                     "expression string, got boolean"});
}

TEST(CostSchema, CountStringThatIsNotAPositiveInteger) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = "4 - 4"; })),
            Problems{"costs/X.json: $.children.addmm.count: expression '4 - 4': a count must be "
                     "a positive integer"});
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = "3 / 2"; })),
            Problems{"costs/X.json: $.children.addmm.count: expression '3 / 2': a count must be "
                     "a positive integer"});
}

TEST(CostSchema, CountDoesNotParse) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["count"] = "config.n_layer)"; })),
            Problems{"costs/X.json: $.children.addmm.count: expression 'config.n_layer)': "
                     "column 15: unmatched ')'"});
}

TEST(CostSchema, ConfigAloneIsNotASymbol) {
  EXPECT_EQ(check(conv1d([](json& j) { j["children"]["addmm"]["bindings"]["K"] = "config"; })),
            Problems{"costs/X.json: $.children.addmm.bindings.K: expression 'config': uses "
                     "symbol 'config' that is not a param of this kernel, config.<attr> or one "
                     "of batch_size, seq_len, cache_len, bytes"});
}

TEST(CostSchema, PathsQuoteLabelsThatAreNotIdentifiers) {
  EXPECT_EQ(check(conv1d([](json& j) {
              j["children"]["apply_rotary_pos_emb.mul_q_cos"] = {
                  {"kernel", "torch.mul"}, {"bindings", {{"num_elements", "2 *"}}}};
            })),
            Problems{"costs/X.json: $.children['apply_rotary_pos_emb.mul_q_cos'].bindings."
                     "num_elements: expression '2 *': column 4: expected an operand"});
  EXPECT_EQ(json_path_key("$", "it's\n"), "$['it\\'s\\n']");
  EXPECT_EQ(json_path_key("$", "q_proj"), "$.q_proj");
}

TEST(CostSchema, EveryProblemIsReported) {
  const Problems problems = check(conv1d([](json& j) {
    j["kernel_name"] = "";
    j["children"]["addmm"]["bindings"]["M"] = "self.x";
    j["children"]["addmm"]["count"] = 0;
  }));
  EXPECT_EQ(problems.size(), 3u);
}

// ---------------------------------------------------------------- a directory

class CostSchemaDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kcost_schema_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  void put(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  Problems validate(bool allow_unknown = false) const {
    return validate_cost_dir(dir_.string(), project_catalog(), allow_unknown);
  }

  fs::path dir_;
};

TEST_F(CostSchemaDir, TheProjectLeafDirectoryIsValid) {
  EXPECT_EQ(validate_cost_dir(kernels_dir(), project_catalog(), false), Problems{});
}

TEST_F(CostSchemaDir, TheSpecExamplesAreValid) {
  put("transformers.pytorch_utils.Conv1D.json", kSpecConv1D);
  put("SomeMLP.json", kSpecMlp);
  put("notes.txt", "not JSON, not looked at");
  EXPECT_EQ(validate(), Problems{});
}

TEST_F(CostSchemaDir, WrittenKernelsAreValidButForTheirUnknown) {
  write_kernel(dir_.string(), test_traces::llama_mlp());
  write_kernel(dir_.string(), test_traces::llama_model());
  put("transformers.models.llama.modeling_llama.LlamaDecoderLayer.json", R"({
    "kernel_name": "transformers.models.llama.modeling_llama.LlamaDecoderLayer",
    "init_params": [], "forward_params": [],
    "children": {"mlp": {"kernel": "transformers.models.llama.modeling_llama.LlamaMLP", "bindings": {}}}})");
  put("transformers.models.llama.modeling_llama.LlamaRMSNorm.json", R"({
    "kernel_name": "transformers.models.llama.modeling_llama.LlamaRMSNorm",
    "init_params": ["hidden_size", "eps"], "forward_params": [],
    "children": {"rms_norm": {"kernel": "F.rms_norm", "bindings": {
      "num_elements": "batch_size * seq_len * hidden_size", "normalized_size": "hidden_size", "has_weight": "1"}}}})");
  EXPECT_EQ(validate(/*allow_unknown=*/true), Problems{});
  EXPECT_EQ(validate(/*allow_unknown=*/false),
            Problems{file("transformers.models.llama.modeling_llama.LlamaModel.json") +
                     ": $.children.mystery.kernel: kernel 'unknown': a call kcost could not "
                     "model (see the .md file)"});
}

// A child's kernel name makes the path of the file it would be: a line break in the name is
// escaped there as in the quoted name (found by fuzz/resolver: the message was two lines).
TEST_F(CostSchemaDir, AMissingChildKernelWithALineBreakIsOneLine) {
  put("m.Layer.json", R"({"kernel_name": "m.Layer", "init_params": [], "forward_params": [],
    "children": {"layers": {"kernel": "m.La\nyers", "bindings": {}}}})");
  EXPECT_EQ(validate(), Problems{file("m.Layer.json") + ": $.children.layers.kernel: 'm.La\\nyers' is neither a "
                                 "leaf kernel nor a file " + file("m.La\\nyers.json")});
}

// Whether an init param matters follows the children of a kernel that binds it, whatever their
// "kernel" holds (found by fuzz/resolver: an object there threw nlohmann's type_error out of
// validate_cost_dir).
TEST_F(CostSchemaDir, AChildKernelThatIsNoStringIsAProblemNotAThrow) {
  put("m.Model.json", R"({"kernel_name": "m.Model", "init_params": [], "forward_params": [],
    "children": {"layers": {"kernel": "m.Layer", "bindings": {"layer_idx": "0"}}}})");
  put("m.Layer.json", R"({"kernel_name": "m.Layer", "init_params": ["layer_idx"], "forward_params": [],
    "children": {"mlp": {"kernel": {"width": "layer_idx * 4"}, "bindings": {"width": "layer_idx"}}}})");
  Problems problems;
  ASSERT_NO_THROW(problems = validate());
  ASSERT_FALSE(problems.empty());
  for (const std::string& p : problems) EXPECT_EQ(p.find('\n'), std::string::npos) << p;
}

TEST_F(CostSchemaDir, NotADirectory) {
  EXPECT_EQ(validate_cost_dir(file("nope"), project_catalog(), false),
            Problems{file("nope") + ": not a directory"});
}

TEST_F(CostSchemaDir, InvalidJson) {
  put("A.json", "{\"kernel_name\": ");
  const Problems problems = validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind(file("A.json") + ": invalid JSON: parse error at line 1, column 17", 0), 0u)
      << problems[0];
}

TEST_F(CostSchemaDir, SchemaProblemsNameTheFile) {
  json mlp = json::parse(kSpecMlp);
  mlp["children"]["up_proj"]["bindings"]["has_bias"] = "self.bias";
  put("SomeMLP.json", mlp.dump());
  EXPECT_EQ(validate(), Problems{file("SomeMLP.json") +
                                 ": $.children.up_proj.bindings.has_bias: expression 'self.bias': "
                                 "uses 'self.bias': resolve self attributes to config.* or the "
                                 "kernel's params"});
}

TEST_F(CostSchemaDir, DuplicateKeys) {
  put("K.json", R"({"kernel_name": "K", "init_params": [], "forward_params": [],
    "children": {
      "drop": {"kernel": "F.dropout", "bindings": {}},
      "drop": {"kernel": "F.dropout", "bindings": {}, "bindings": {}}}})");
  EXPECT_EQ(validate(), Problems({file("K.json") + ": $.children.drop: duplicate key (a JSON "
                                                    "reader keeps only the last one)",
                                  file("K.json") + ": $.children.drop.bindings: duplicate key "
                                                    "(a JSON reader keeps only the last one)"}));
}

TEST_F(CostSchemaDir, DuplicateKeyPathsThroughArrays) {
  put("K.json", R"({"kernel_name": "K", "init_params": [], "forward_params": [], "children": {},
    "x": [1, [2, {}], {"a.b": 1, "a.b": 2}]})");
  EXPECT_EQ(validate(), Problems({file("K.json") + ": $.x[2]['a.b']: duplicate key (a JSON "
                                                    "reader keeps only the last one)",
                                  file("K.json") + ": $.x: unknown field (a cost JSON has "
                                                    "kernel_name, description, init_params, "
                                                    "forward_params and either children or "
                                                    "flops, memory_read, memory_write and optionally "
                                                    "matmul_class, bias_add_flops, or footprint on a "
                                                    "composite)"}));
}

TEST_F(CostSchemaDir, KernelNameMustMatchTheFileName) {
  put("Other.json", kSpecMlp);
  EXPECT_EQ(validate(), Problems{file("Other.json") +
                                 ": $.kernel_name: 'SomeMLP' does not match the file name "
                                 "'Other.json' (kernels are found as <kernel_name>.json)"});
}

TEST_F(CostSchemaDir, ChildKernelMustExist) {
  put("K.json", R"({"kernel_name": "K", "init_params": [], "forward_params": [],
    "children": {"proj": {"kernel": "F.linaer", "bindings": {}}}})");
  EXPECT_EQ(validate(), Problems{file("K.json") + ": $.children.proj.kernel: 'F.linaer' is "
                                                  "neither a leaf kernel nor a file " +
                                 file("F.linaer.json")});
}

TEST_F(CostSchemaDir, LeafBindingsMissingAndExtra) {
  put("K.json", R"({"kernel_name": "K", "init_params": [], "forward_params": [],
    "children": {"proj": {"kernel": "F.linear", "bindings": {
      "M": "batch_size", "K": "config.hidden_size", "N": "config.vocab_size", "bias": "0"}}}})");
  EXPECT_EQ(validate(),
            Problems({file("K.json") + ": $.children.proj.bindings: missing binding for "
                                       "parameter 'has_bias' of 'F.linear'",
                      file("K.json") + ": $.children.proj.bindings.bias: 'F.linear' has no "
                                       "parameter 'bias'"}));
}

TEST_F(CostSchemaDir, CompositeBindingsCoverInitAndForwardParams) {
  put("transformers.pytorch_utils.Conv1D.json", kSpecConv1D);
  put("K.json", R"({"kernel_name": "K", "init_params": [], "forward_params": [],
    "children": {"c_attn": {"kernel": "transformers.pytorch_utils.Conv1D", "bindings": {
      "nf": "3 * config.n_embd"}}}})");
  EXPECT_EQ(validate(), Problems{file("K.json") + ": $.children.c_attn.bindings: missing "
                                                  "binding for parameter 'nx' of "
                                                  "'transformers.pytorch_utils.Conv1D'"});
}

TEST_F(CostSchemaDir, UnknownChildrenAllowedOnRequest) {
  put("K.json", R"({"kernel_name": "K", "init_params": [], "forward_params": [],
    "children": {"weird": {"kernel": "unknown", "bindings": {}}}})");
  EXPECT_EQ(validate(/*allow_unknown=*/true), Problems{});
  EXPECT_EQ(validate(/*allow_unknown=*/false),
            Problems{file("K.json") + ": $.children.weird.kernel: kernel 'unknown': a call kcost "
                                      "could not model (see the .md file)"});
}

}  // namespace
}  // namespace kcost

namespace kcost {
namespace {

// ---------------------------------------------------------------- footprint (kcost's extension)

TEST(CostSchemaFootprint, ACompositeMayCarryItsMemory) {
  EXPECT_EQ(check(conv1d([](json& j) {
              j["footprint"] = {{"parameters", "nx * nf + nf"}, {"buffers", "0"},
                                {"cache_elements", "2 * batch_size * cache_len * nf"}};
            })),
            Problems{});
  EXPECT_EQ(check(conv1d([](json& j) { j["footprint"] = {{"parameters", 12}}; })), Problems{});  // fields optional
}

TEST(CostSchemaFootprint, ItsProblemsAreNamed) {
  EXPECT_EQ(check(conv1d([](json& j) { j["footprint"] = "nx"; })),
            Problems{"costs/X.json: $.footprint: expected an object with parameters, buffers and cache_elements, got string"});
  EXPECT_EQ(check(conv1d([](json& j) { j["footprint"] = {{"weights", "nx"}}; })),
            Problems{"costs/X.json: $.footprint.weights: unknown field (a footprint has parameters, buffers and cache_elements)"});
  Problems bad_symbol = check(conv1d([](json& j) { j["footprint"] = {{"parameters", "width * 2"}}; }));
  ASSERT_EQ(bad_symbol.size(), 1u);
  EXPECT_NE(bad_symbol[0].find("$.footprint.parameters: expression 'width * 2': uses symbol 'width'"), std::string::npos)
      << bad_symbol[0];
  EXPECT_EQ(check(leaf([](json& j) { j["footprint"] = {{"parameters", "1"}}; })),
            Problems{"costs/X.json: $.footprint: a leaf kernel has no footprint (parameters and caches belong to the "
                     "modules that call it)"});
}

TEST(CostSchemaFootprint, CostFilesReadAndWriteIt) {
  CostFile f;
  f.kernel_name = "Block";
  f.init_params = {"width"};
  f.children.push_back({"proj", "F.linear", {{"M", Expr::parse("batch_size")}}, Expr(1)});
  f.footprint = Footprint{Expr::parse("3 * width**2"), Expr(0), Expr::parse("2 * batch_size * cache_len * width")};
  nlohmann::ordered_json j = cost_file_json(f);
  EXPECT_EQ(j["footprint"]["parameters"], "3 * width**2");
  EXPECT_EQ(j["footprint"]["cache_elements"], "2 * batch_size * cache_len * width");
  EXPECT_EQ(check(json::parse(j.dump())), Problems{});
}

}  // namespace
}  // namespace kcost
