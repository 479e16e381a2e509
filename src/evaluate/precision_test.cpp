// Pins the widths by name (evaluate/precision.h): each format's bytes per element with its
// scales, its dequantize FLOPs, and the compute precisions' names.
#include "evaluate/precision.h"

#include <gtest/gtest.h>

#include "evaluate/hardware.h"

namespace kcost {
namespace {

using GiNaC::numeric;

TEST(Precision, PlainFormatsAndNumbers) {
  EXPECT_EQ(parse_precision("bf16").bytes, numeric(2));
  EXPECT_EQ(parse_precision("FP32").bytes, numeric(4));
  EXPECT_EQ(parse_precision("fp8").bytes, numeric(1));
  EXPECT_EQ(parse_precision("int8").bytes, numeric(1));
  EXPECT_EQ(parse_precision("int4").bytes, numeric(1, 2));
  EXPECT_EQ(parse_precision("int4").dequantize_flops, numeric(0));
  EXPECT_EQ(parse_precision("0.5").bytes, numeric(1, 2));
  EXPECT_EQ(parse_precision("9/16").bytes, numeric(9, 16));
  EXPECT_EQ(parse_precision("2").dequantize_flops, numeric(0));
}

TEST(Precision, GroupScalesAreCountedInTheWidth) {
  // int4 with an fp16 scale per 128 weights: 0.5 + 2/128 = 0.515625 bytes per weight.
  Precision g = parse_precision("int4-g128");
  EXPECT_EQ(g.bytes, numeric(33, 64));
  EXPECT_EQ(g.dequantize_flops, numeric(1));
  // and a 4-bit zero point per group: 0.5 + 2.5/128.
  Precision zp = parse_precision("int4-g128-zp");
  EXPECT_EQ(zp.bytes, numeric(1, 2) + numeric(5, 256));
  EXPECT_EQ(zp.dequantize_flops, numeric(2));
  EXPECT_EQ(parse_precision("int8-g64").bytes, numeric(1) + numeric(2, 64));
  // Block-scaled 4-bit: nvfp4 an 8-bit scale per 16 (0.5625), mxfp4 per 32.
  EXPECT_EQ(parse_precision("nvfp4").bytes, numeric(9, 16));
  EXPECT_EQ(parse_precision("mxfp4").bytes, numeric(17, 32));
}

TEST(Precision, BadWidthsAreRefusedByName) {
  for (const char* bad : {"int3", "0", "-1", "fp8-g128", "int4-gx", "int4-g128-zq", "", "int4-g0"})
    EXPECT_THROW(parse_precision(bad), std::invalid_argument) << bad;
}

TEST(Precision, ComputePrecisionsAndTheHardwareTable) {
  EXPECT_EQ(compute_precision("bfloat16"), "bf16");
  EXPECT_EQ(compute_precision("FP8"), "fp8");
  EXPECT_EQ(compute_precision("nvfp4"), "fp4");
  EXPECT_THROW(compute_precision("int3"), std::invalid_argument);
  HardwareTable table = HardwareTable::load(HardwareTable::default_path());
  // H100 SXM: FP8 3,958 TFLOPS with sparsity, 1,978.9 dense; the default peak is dense bf16.
  const Accelerator& h100 = table.find("h100-sxm");
  EXPECT_DOUBLE_EQ(at_precision(h100, "fp8").peak_flops, 1978.9e12);
  EXPECT_DOUBLE_EQ(at_precision(h100, "bf16").peak_flops, 989.4e12);
  EXPECT_DOUBLE_EQ(at_precision(table.find("mi300x"), "fp8").peak_flops, 2614.9e12);
  EXPECT_DOUBLE_EQ(at_precision(table.find("h200"), "fp8").peak_flops, 1978.9e12);
  EXPECT_DOUBLE_EQ(at_precision(table.find("l4"), "int8").peak_flops, 242.5e12);
  EXPECT_DOUBLE_EQ(at_precision(table.find("t4"), "int8").peak_flops, 130e12);
  EXPECT_DOUBLE_EQ(at_precision(table.find("t4"), "fp16").peak_flops, 65e12);
  // A100 has no FP8: said, naming what it has.
  try {
    at_precision(table.find("a100"), "fp8");
    FAIL() << "expected HardwareError";
  } catch (const HardwareError& e) {
    EXPECT_NE(std::string(e.what()).find("no fp8 peak"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("int8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kcost
