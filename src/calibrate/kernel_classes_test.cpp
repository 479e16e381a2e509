#include "calibrate/kernel_classes.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "calibrate/calibration_error.h"

namespace kcost {
namespace {

TEST(KernelClasses, EveryLeafOfTheLibraryHasExactlyOneClass) {
  // The table, with the classes leaves declare in their own files.
  KernelClasses classes = KernelClasses::load(KernelClasses::default_path())
                              .with_leaves(LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels"));
  size_t leaves = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(KCOST_SOURCE_DIR) + "/kernels")) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json") continue;
    ++leaves;
    std::string kernel = name.substr(0, name.size() - 5);
    EXPECT_FALSE(classes.of(kernel).empty()) << kernel << " has no class in hardware/kernel_classes.json";
  }
  EXPECT_EQ(classes.kernels().size(), leaves) << "the table names kernels that kernels/ does not have";
}

TEST(KernelClasses, KnownKernelsAreInTheirClasses) {
  KernelClasses classes = KernelClasses::load(KernelClasses::default_path());
  EXPECT_EQ(classes.of("F.linear"), "matmul");
  EXPECT_EQ(classes.of("F.scaled_dot_product_attention"), "attention");
  EXPECT_EQ(classes.of("torch.mul"), "elementwise");
  EXPECT_EQ(classes.of("torch.mean"), "reduction_norm");
  EXPECT_EQ(classes.of("F.embedding"), "embedding_indexing");
  EXPECT_EQ(classes.of("no.such.kernel"), "");
  EXPECT_EQ(classes.names().front(), "matmul");
}

TEST(KernelClasses, ALeafDeclaresItsClassOrIsRejectedByName) {
  KernelClasses table = KernelClasses::from_json(
      nlohmann::json{{"classes", {{"elementwise", {{"kernels", {"torch.mul"}}}}, {"matmul", {{"kernels", {"F.linear"}}}}}}},
      "t.json");
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / ("kcost_kernel_classes_" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  auto leaf = [&](const std::string& name, const std::string& klass) {
    std::ofstream(dir + "/" + name + ".json")
        << nlohmann::json{{"kernel_name", name}, {"init_params", nlohmann::json::array()}, {"forward_params", {"num_elements"}},
                          {"flops", "num_elements"}, {"memory_read", "num_elements * bytes"},
                          {"memory_write", "num_elements * bytes"}, {"kernel_class", klass}}
               .dump();
  };
  leaf("torch.log2", "elementwise");
  EXPECT_EQ(table.with_leaves(LeafCatalog::load(dir)).of("torch.log2"), "elementwise");
  leaf("torch.mul", "matmul");  // the table says elementwise
  try {
    table.with_leaves(LeafCatalog::load(dir));
    ADD_FAILURE() << "expected a CalibrationError";
  } catch (const CalibrationError& e) {
    EXPECT_NE(std::string(e.what()).find("puts it in 'elementwise'"), std::string::npos) << e.what();
  }
  fs::remove(dir + "/torch.mul.json");
  leaf("torch.log2", "no_such_class");
  EXPECT_THROW(table.with_leaves(LeafCatalog::load(dir)), CalibrationError);
  fs::remove_all(dir);
}

TEST(KernelClasses, AKernelInTwoClassesIsRejectedByName) {
  nlohmann::json j = {{"classes", {{"a", {{"kernels", {"F.linear"}}}}, {"b", {{"kernels", {"F.linear"}}}}}}};
  try {
    KernelClasses::from_json(j, "t.json");
    FAIL();
  } catch (const CalibrationError& e) {
    EXPECT_NE(std::string(e.what()).find("'F.linear' is already in class 'a'"), std::string::npos) << e.what();
  }
}

TEST(KernelClasses, RoundTripsThroughJson) {
  KernelClasses classes = KernelClasses::load(KernelClasses::default_path());
  KernelClasses again = KernelClasses::from_json(nlohmann::ordered_json::parse(classes.to_json().dump()), "x");
  EXPECT_EQ(again.kernels(), classes.kernels());
  EXPECT_EQ(again.names(), classes.names());
}

}  // namespace
}  // namespace kcost
