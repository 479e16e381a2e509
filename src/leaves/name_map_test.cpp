// Pins kernel_name_map.json (every value is a leaf of kernels/, the expected aliases are
// present) and NameMap's validation and one-line errors.
#include "leaves/name_map.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "leaves/leaf_catalog.h"

namespace kcost {
namespace {

namespace fs = std::filesystem;

const NameMap& project_map() {
  static const NameMap map = NameMap::load(std::string(KCOST_SOURCE_DIR) + "/kernel_name_map.json");
  return map;
}

const LeafCatalog& project_catalog() {
  static const LeafCatalog catalog = LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  return catalog;
}

TEST(NameMapProject, EveryValueIsALeafOfTheCatalog) {
  EXPECT_GT(project_map().entries().size(), 300u);
  for (const auto& [name, leaf] : project_map().entries())
    EXPECT_NE(project_catalog().find(leaf), nullptr) << name << " -> " << leaf;
}

TEST(NameMapProject, EveryLeafNameMapsToItself) {
  // As the analysis looks names up: the map's entries and the leaves' own names by convention.
  NameMap names = project_map().with_leaf_names(project_catalog());
  for (const auto& [name, leaf] : project_catalog().all()) {
    EXPECT_EQ(names.lookup(name), std::optional<std::string>(name));
    if (name.rfind("torch.", 0) == 0 && name.find('.', 6) == std::string::npos)
      EXPECT_EQ(names.lookup("torch.Tensor." + name.substr(6)), std::optional<std::string>(name)) << name;
  }
}

TEST(NameMapProject, ExpectedAliases) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      // modules: canonical class paths and public aliases
      {"torch.nn.modules.linear.Linear", "F.linear"},
      {"torch.nn.Linear", "F.linear"},
      {"nn.Linear", "F.linear"},
      {"torch.nn.modules.sparse.Embedding", "F.embedding"},
      {"torch.nn.Embedding", "F.embedding"},
      {"torch.nn.modules.normalization.LayerNorm", "F.layer_norm"},
      {"torch.nn.LayerNorm", "F.layer_norm"},
      {"torch.nn.modules.normalization.RMSNorm", "F.rms_norm"},
      {"torch.nn.modules.normalization.GroupNorm", "F.group_norm"},
      {"torch.nn.modules.dropout.Dropout", "F.dropout"},
      {"torch.nn.Dropout", "F.dropout"},
      {"torch.nn.modules.activation.SiLU", "F.silu"},
      {"torch.nn.modules.activation.GELU", "F.gelu"},
      {"torch.nn.modules.activation.ReLU", "F.relu"},
      {"torch.nn.modules.activation.Tanh", "torch.tanh"},
      {"torch.nn.modules.activation.Sigmoid", "torch.sigmoid"},
      {"torch.nn.modules.conv.Conv1d", "F.conv1d"},
      // functional
      {"torch.nn.functional.linear", "F.linear"},
      {"F.linear", "F.linear"},
      {"nn.functional.linear", "F.linear"},
      {"torch.nn.functional.softmax", "F.softmax"},
      {"torch.nn.functional.silu", "F.silu"},
      {"torch.nn.functional.gelu", "F.gelu"},
      {"torch.nn.functional.dropout", "F.dropout"},
      {"torch.nn.functional.embedding", "F.embedding"},
      {"torch.nn.functional.scaled_dot_product_attention", "F.scaled_dot_product_attention"},
      {"torch.nn.functional.one_hot", "F.one_hot"},
      {"torch.nn.functional.grouped_mm", "F.grouped_mm"},
      {"torch._grouped_mm", "F.grouped_mm"},
      // torch functions
      {"torch.matmul", "torch.matmul"},
      {"torch.softmax", "F.softmax"},
      {"torch.rsqrt", "torch.rsqrt"},
      {"torch.topk", "torch.topk"},
      {"torch.histc", "torch.histc"},
      {"torch.greater", "torch.gt"},
      {"torch.linalg.vector_norm", "torch.norm"},
      // Tensor methods
      {"torch.Tensor.pow", "torch.pow"},
      {"torch.Tensor.mean", "torch.mean"},
      {"torch.Tensor.softmax", "F.softmax"},
      {"torch.Tensor.sigmoid", "torch.sigmoid"},
      {"torch.Tensor.masked_fill", "torch.masked_fill"},
      {"torch.Tensor.index_add_", "torch.Tensor.index_add_"},
      {"torch.Tensor.scatter_", "torch.Tensor.scatter_"},
      {"torch.Tensor.gather", "torch.gather"},
      {"torch.Tensor.__mul__", "torch.mul"},
      {"torch.Tensor.__rmul__", "torch.mul"},
      {"torch.Tensor.__add__", "torch.add"},
      {"torch.Tensor.__radd__", "torch.add"},
      {"torch.Tensor.__iadd__", "torch.add"},
      {"torch.Tensor.__sub__", "torch.sub"},
      {"torch.Tensor.__rsub__", "torch.sub"},
      {"torch.Tensor.__truediv__", "torch.div"},
      {"torch.Tensor.__rtruediv__", "torch.div"},
      {"torch.Tensor.__itruediv__", "torch.div"},
      {"torch.Tensor.__neg__", "torch.neg"},
      {"torch.Tensor.__pow__", "torch.pow"},
      {"torch.Tensor.__matmul__", "torch.matmul"},
      {"torch.Tensor.__lt__", "torch.lt"},
      {"torch.Tensor.__ge__", "torch.ge"},
      {"torch.Tensor.__invert__", "torch.logical_not"},
      {"torch.Tensor.__and__", "torch.logical_and"},
      // Python operators
      {"operator.add", "torch.add"},
      {"operator.mul", "torch.mul"},
      {"operator.sub", "torch.sub"},
      {"operator.truediv", "torch.div"},
      {"operator.floordiv", "torch.floor_divide"},
      {"operator.matmul", "torch.matmul"},
      {"operator.neg", "torch.neg"},
      {"operator.pow", "torch.pow"},
      {"operator.lt", "torch.lt"},
      // transformers activations
      {"transformers.activations.NewGELUActivation", "F.gelu_tanh"},
      {"transformers.activations.GELUTanh", "F.gelu_tanh"},
      {"transformers.activations.PytorchGELUTanh", "F.gelu_tanh"},
      {"transformers.activations.AccurateGELUActivation", "F.gelu_tanh"},
      {"transformers.activations.GELUActivation", "F.gelu"},
      {"transformers.activations.FastGELUActivation", "F.gelu_fast"},
      {"transformers.activations.QuickGELUActivation", "F.quick_gelu"},
      {"transformers.activations.SiLUActivation", "F.silu"},
      {"transformers.activations.MishActivation", "F.mish"},
      {"transformers.activations.ReLUSquaredActivation", "F.relu2"},
      {"transformers.activations.LinearActivation", "F.identity"},
      {"transformers.activations.XIELUActivation", "F.xielu"},
  };
  for (const auto& [name, leaf] : expected)
    EXPECT_EQ(project_map().lookup(name), std::optional<std::string>(leaf)) << name;
}

TEST(NameMapProject, UnknownNameIsNullopt) {
  EXPECT_EQ(project_map().lookup("torch.nn.Linearr"), std::nullopt);
  EXPECT_EQ(project_map().lookup(""), std::nullopt);
}

// ---------------------------------------------------------------- errors

class NameMapFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "kcost_name_map_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (fs::path(dir_) / "kernel_name_map.json").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  std::string load_error() {
    try {
      NameMap::load(path_);
    } catch (const CatalogError& e) {
      std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      return message;
    }
    ADD_FAILURE() << "expected a CatalogError";
    return "";
  }
  std::string dir_, path_;
};

TEST_F(NameMapFiles, LoadsFlatObject) {
  write(R"({"torch.nn.Linear": "F.linear", "operator.mul": "torch.mul"})");
  NameMap map = NameMap::load(path_);
  EXPECT_EQ(map.entries().size(), 2u);
  EXPECT_EQ(map.lookup("operator.mul"), std::optional<std::string>("torch.mul"));
  EXPECT_EQ(map.lookup("torch.mul"), std::nullopt);
}

TEST_F(NameMapFiles, NonStringValueNamesTheKey) {
  write(R"({"torch.nn.Linear": "F.linear", "operator.mul": 3})");
  EXPECT_EQ(load_error(),
            path_ + ": key 'operator.mul': expected a non-empty kernel_name string, got number");
  write(R"({"torch.nn.Linear": {"kernel": "F.linear"}})");
  EXPECT_EQ(load_error(),
            path_ + ": key 'torch.nn.Linear': expected a non-empty kernel_name string, got object");
  write(R"({"torch.nn.Linear": ""})");
  EXPECT_EQ(load_error(), path_ +
                              ": key 'torch.nn.Linear': expected a non-empty kernel_name string, "
                              "got an empty string");
}

TEST_F(NameMapFiles, EmptyKey) {
  write(R"({"": "F.linear"})");
  EXPECT_EQ(load_error(), path_ + ": empty key");
}

TEST_F(NameMapFiles, NotAnObject) {
  write(R"(["torch.nn.Linear", "F.linear"])");
  EXPECT_EQ(load_error(), path_ + ": expected a JSON object of name -> kernel_name, got array");
}

TEST_F(NameMapFiles, InvalidJson) {
  write("{\"torch.nn.Linear\": \"F.linear\",}");
  std::string message = load_error();
  EXPECT_EQ(message.rfind(path_ + ": invalid JSON: parse error at line 1", 0), 0u) << message;
}

TEST_F(NameMapFiles, MissingFile) {
  EXPECT_EQ(load_error(), path_ + ": cannot read file");
}

TEST_F(NameMapFiles, LeafNamesFollowTheLibrarysConvention) {
  write(R"({"torch.Tensor.exp": "torch.expm1"})");
  NameMap map = NameMap::load(path_).with_leaf_names(project_catalog());
  EXPECT_EQ(map.lookup("torch.log1p"), std::optional<std::string>("torch.log1p"));
  EXPECT_EQ(map.lookup("torch.Tensor.log1p"), std::optional<std::string>("torch.log1p"));
  EXPECT_EQ(map.lookup("torch.nn.functional.silu"), std::optional<std::string>("F.silu"));
  EXPECT_EQ(map.lookup("torch.Tensor.exp"), std::optional<std::string>("torch.expm1"));  // the map's own entry wins
  EXPECT_EQ(map.lookup("torch.Tensor.linalg.solve_triangular"), std::nullopt);          // only torch.X
}

TEST_F(NameMapFiles, CanonicalNamesReachTheAliasesKernel) {
  write(R"({"torch.nn.Linear": "F.linear", "torch.nn.modules.linear.Linear": "F.linear_own"})");
  NameMap map = NameMap::load(path_).with_canonical_names({{"torch.nn.Linear", "torch.nn.modules.linear.Linear"}});
  EXPECT_EQ(map.lookup("torch.nn.modules.linear.Linear"), std::optional<std::string>("F.linear_own"));
  write(R"({"torch.nn.Linear": "F.linear"})");
  NameMap aliased = NameMap::load(path_).with_canonical_names({{"torch.nn.Linear", "torch.nn.modules.linear.Linear"}});
  EXPECT_EQ(aliased.lookup("torch.nn.modules.linear.Linear"), std::optional<std::string>("F.linear"));
}

}  // namespace
}  // namespace kcost
