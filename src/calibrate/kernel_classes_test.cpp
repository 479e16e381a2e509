#include "calibrate/kernel_classes.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "calibrate/calibration_error.h"

namespace kcost {
namespace {

TEST(KernelClasses, EveryLeafOfTheLibraryHasExactlyOneClass) {
  KernelClasses classes = KernelClasses::load(KernelClasses::default_path());
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
