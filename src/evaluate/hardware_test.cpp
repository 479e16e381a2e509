// The shipped hardware table: the accelerators the issue asks for, with sources; lookup by
// loose names; roofline arithmetic; malformed tables named.
#include "evaluate/hardware.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kcost {
namespace {

const HardwareTable& table() {
  static HardwareTable t = HardwareTable::load(HardwareTable::default_path());
  return t;
}

TEST(Hardware, ShippedTableHasTheAcceleratorsWithSources) {
  for (const char* id : {"a100-80gb-sxm", "h100-sxm", "h200", "l4", "t4", "mi300x", "tpu-v5e"}) {
    const Accelerator& a = table().find(id);
    EXPECT_EQ(a.id, id);
    EXPECT_GT(a.peak_flops, 1e13) << id;
    EXPECT_GT(a.bandwidth, 1e11) << id;
    EXPECT_EQ(a.flops_source.compare(0, 8, "https://"), 0) << id;
    EXPECT_EQ(a.bandwidth_source.compare(0, 8, "https://"), 0) << id;
  }
  EXPECT_DOUBLE_EQ(table().find("h100-sxm").peak_flops, 989.4e12);
  EXPECT_DOUBLE_EQ(table().find("h100-sxm").bandwidth, 3.35e12);
  EXPECT_DOUBLE_EQ(table().find("a100-80gb-sxm").bandwidth, 2039e9);
}

TEST(Hardware, FindsLooseNames) {
  EXPECT_EQ(table().find("H100 SXM").id, "h100-sxm");
  EXPECT_EQ(table().find("h100").id, "h100-sxm");
  EXPECT_EQ(table().find("MI300X").id, "mi300x");
  EXPECT_EQ(table().find("TPU v5e").id, "tpu-v5e");
  try {
    table().find("b200");
    FAIL();
  } catch (const HardwareError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'b200'"), std::string::npos);
    EXPECT_NE(m.find("h100-sxm"), std::string::npos);
  }
}

TEST(Hardware, RooflineIsTheSlowerOfComputeAndMemory) {
  Accelerator a;
  a.peak_flops = 1e12;
  a.bandwidth = 1e9;
  CostNumbers decode{2000000000, 3000000000, 1000000000};  // 2 s compute, 4 s memory
  Roofline r = roofline(decode, a);
  EXPECT_DOUBLE_EQ(r.compute_seconds, 0.002);
  EXPECT_DOUBLE_EQ(r.memory_seconds, 4.0);
  EXPECT_DOUBLE_EQ(r.seconds(), 4.0);
  EXPECT_STREQ(r.bound(), "memory");
  EXPECT_STREQ(roofline(1e13, 1e9, a).bound(), "compute");
  EXPECT_DOUBLE_EQ(arithmetic_intensity(decode), 0.5);
  EXPECT_EQ(arithmetic_intensity(CostNumbers{}), 0);
}

TEST(Hardware, MalformedTablesAreNamed) {
  std::string path = "/tmp/kcost_hardware_test.json";
  auto error = [&](const std::string& text) {
    std::ofstream(path) << text;
    try {
      HardwareTable::load(path);
    } catch (const HardwareError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("{}"), path + ": $.accelerators: missing or not an array");
  EXPECT_EQ(error(R"({"accelerators": [{"id": "x", "name": "X", "peak_flops": -1}]})"),
            path + ": $.accelerators[0].peak_flops: missing or not a positive number");
  EXPECT_EQ(error(R"({"accelerators": [{"id": "x", "name": "X", "peak_flops": 1, "bandwidth": 1}]})"),
            path + ": $.accelerators[0].flops_source: missing");
  EXPECT_NE(error("{").find("not valid JSON"), std::string::npos);
  std::remove(path.c_str());
}

TEST(Hardware, EntriesOfThisMachineAreMergedOverTheShippedTable) {
  std::string dir = std::string(testing::TempDir()) + "kcost_hardware_local_" + std::to_string(::getpid());
  const char* old = std::getenv("KCOST_CACHE_DIR");
  std::string saved = old ? old : "";
  ::setenv("KCOST_CACHE_DIR", dir.c_str(), 1);
  EXPECT_THROW(HardwareTable::load(HardwareTable::default_path()).find("cpu"), HardwareError);
  size_t shipped = HardwareTable::load(HardwareTable::default_path()).all().size();
  Accelerator cpu{"cpu", "Test CPU", {"this-machine"}, 5e10, 1e10, "float32", "measured", "measured", "1 thread"};
  HardwareTable::save_local(cpu);
  cpu.peak_flops = 6e10;  // measured again: replaces, not appends
  HardwareTable::save_local(cpu);
  HardwareTable t = HardwareTable::load(HardwareTable::default_path());
  EXPECT_DOUBLE_EQ(t.find("cpu").peak_flops, 6e10);
  EXPECT_EQ(t.find("this machine").name, "Test CPU");
  EXPECT_EQ(t.all().size(), shipped + 1);
  EXPECT_DOUBLE_EQ(t.find("h100").peak_flops, 989.4e12);
  // Another table file is read as it is.
  EXPECT_THROW(HardwareTable::load(HardwareTable::local_path()).find("h100"), HardwareError);
  if (old) ::setenv("KCOST_CACHE_DIR", saved.c_str(), 1);
  else ::unsetenv("KCOST_CACHE_DIR");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kcost
