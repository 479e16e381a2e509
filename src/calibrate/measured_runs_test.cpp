#include "calibrate/measured_runs.h"

#include <sstream>

#include <gtest/gtest.h>

#include "calibrate/calibration_error.h"

namespace kcost {
namespace {

MeasuredRun run() {
  MeasuredRun r;
  r.model = "llama";
  r.model_class = "transformers.models.llama.modeling_llama.LlamaForCausalLM";
  r.config = "dir,with comma/llama.json";
  r.config_hash = "0123456789abcdef";
  r.device_name = "AMD EPYC \"Genoa\"";
  r.threads = 1;
  r.batch_size = 2;
  r.seq_len = 1;
  r.cache_len = 64;
  r.repeats = 5;
  r.warmup = 2;
  r.median_seconds = 0.0123;
  r.q1_seconds = 0.012;
  r.q3_seconds = 0.0125;
  r.min_seconds = 0.0119;
  r.max_seconds = 0.02;
  return r;
}

TEST(MeasuredRuns, RowsRoundTripWithQuoting) {
  MeasuredRun oom = run();
  oom.status = "oom";
  oom.cache_len = 0;
  oom.seq_len = 512;
  std::stringstream csv(measured_runs_header() + measured_run_row(run()) + measured_run_row(oom));
  std::vector<MeasuredRun> back = parse_measured_runs(csv, "runs.csv");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].config, "dir,with comma/llama.json");
  EXPECT_EQ(back[0].device_name, "AMD EPYC \"Genoa\"");
  EXPECT_EQ(back[0].cache_len, 64);
  EXPECT_DOUBLE_EQ(back[0].median_seconds, 0.0123);
  EXPECT_EQ(back[0].phase(), "decode");
  EXPECT_EQ(back[1].status, "oom");
  EXPECT_EQ(back[1].phase(), "prefill");
  EXPECT_EQ(back[1].median_seconds, 0.0);
}

TEST(MeasuredRuns, ChunkedPhase) {
  MeasuredRun r = run();
  r.seq_len = 8;
  EXPECT_EQ(r.phase(), "chunked");
}

TEST(MeasuredRuns, BadRowsAreNamedByLineAndColumn) {
  std::string row = measured_run_row(run());
  std::string bad = row;
  bad.replace(bad.find("0.0123"), 6, "-1");
  std::stringstream csv(measured_runs_header() + row + bad);
  try {
    parse_measured_runs(csv, "runs.csv");
    FAIL();
  } catch (const CalibrationError& e) {
    EXPECT_EQ(std::string(e.what()), "runs.csv: line 3: median_seconds: '-1' is not a positive time");
  }
  std::stringstream no_column("model,config\nllama,x\n");
  EXPECT_THROW(parse_measured_runs(no_column, "x.csv"), CalibrationError);
}

TEST(MeasuredRuns, DtypeBytes) {
  EXPECT_EQ(dtype_bytes("float32"), 4);
  EXPECT_EQ(dtype_bytes("bfloat16"), 2);
  EXPECT_EQ(dtype_bytes("float16"), 2);
  EXPECT_EQ(dtype_bytes("int8"), 0);
  EXPECT_EQ(config_hash(""), "defaults");
}

}  // namespace
}  // namespace kcost
