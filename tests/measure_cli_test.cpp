// kcost measure, calibrate, hardware and eval --calibration as a user runs them, on a tiny Llama
// config and two points: the runs CSV's columns and positive latencies (not their values, which
// depend on the machine), the CPU entry measured on first use, a calibration written and used by
// eval, and one-line errors with their exit codes.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using kcost_test::Result;

std::string scratch() { return kcost_test::scratch("measure_cli"); }

// Each test process has its own cache, so the CPU entry is measured on first use here.
Result run(const std::string& args) { return kcost_test::run("measure_cli", args, scratch() + "/cache"); }

std::string write(const std::string& name, const std::string& content) {
  return kcost_test::write("measure_cli", name, content);
}

std::string tiny_llama() {
  return write("tiny-llama.json", R"({"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
    "num_key_value_heads": 2, "head_dim": 16, "num_hidden_layers": 2, "vocab_size": 101})");
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream s(line);
    std::string f;
    while (std::getline(s, f, ',')) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    rows.push_back(fields);
  }
  return rows;
}

TEST(MeasureCli, TinyModelEndToEnd) {
  std::string config = tiny_llama();
  std::string runs = scratch() + "/runs.csv";
  Result r = run("measure llama --config " + config + " --points \"2,5,0;1,1,7\" --repeats 3 --warmup 1 --threads 1 -o " +
                 runs);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("measured this CPU"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 rows (1 models x 2 points, 0 out of memory)"), std::string::npos) << r.err;
  auto rows = read_csv(runs);
  ASSERT_EQ(rows.size(), 3u);
  std::vector<std::string> want = {"model", "model_class", "config", "config_hash", "attn_implementation", "dtype", "bytes",
                                   "device", "device_name", "threads", "batch_size", "seq_len", "cache_len", "phase",
                                   "status", "repeats", "warmup", "median_seconds", "q1_seconds", "q3_seconds",
                                   "min_seconds", "max_seconds"};
  EXPECT_EQ(rows[0], want);
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), want.size());
    EXPECT_EQ(rows[i][0], "llama");
    EXPECT_EQ(rows[i][1], "transformers.models.llama.modeling_llama.LlamaForCausalLM");
    EXPECT_EQ(rows[i][2], config);
    EXPECT_EQ(rows[i][3].size(), 16u);
    EXPECT_EQ(rows[i][5], "float32");
    EXPECT_EQ(rows[i][6], "4");
    EXPECT_EQ(rows[i][7], "cpu");
    EXPECT_FALSE(rows[i][8].empty());
    EXPECT_EQ(rows[i][9], "1");
    EXPECT_EQ(rows[i][14], "ok");
    double median = std::stod(rows[i][17]), lo = std::stod(rows[i][20]), hi = std::stod(rows[i][21]);
    EXPECT_GT(lo, 0);
    EXPECT_LE(lo, median);
    EXPECT_LE(median, hi);
  }
  EXPECT_EQ(rows[1][10] + "," + rows[1][11] + "," + rows[1][12] + "," + rows[1][13], "2,5,0,prefill");
  EXPECT_EQ(rows[2][10] + "," + rows[2][11] + "," + rows[2][12] + "," + rows[2][13], "1,1,7,decode");

  // The CPU entry measured on first use is in the table now.
  Result hw = run("hardware cpu");
  ASSERT_EQ(hw.code, 0) << hw.err;
  json entry = json::parse(hw.out);
  EXPECT_GT(entry["peak_flops"].get<double>(), 0);
  EXPECT_GT(entry["bandwidth"].get<double>(), 0);

  // Calibrate on the two runs (2 folds), then eval predicts a positive latency with it.
  std::string calibration = scratch() + "/calibration.json";
  std::string plot = scratch() + "/calibration.png";
  Result c = run("calibrate " + runs + " --hardware cpu --folds 2 -o " + calibration + " --plot " + plot);
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("2-fold cross-validated error"), std::string::npos) << c.out;
  // Measured against predicted, drawn: a PNG file.
  char magic[4] = {};
  std::ifstream(plot, std::ios::binary).read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG") << c.err;
  EXPECT_NE(c.out.find("prefill"), std::string::npos) << c.out;
  std::ifstream in(calibration);
  json cal = json::parse(in);
  EXPECT_EQ(cal["runs"]["fitted"], 2);
  EXPECT_TRUE(cal["classes"].contains("matmul"));
  // Runs pooled from another machine name a config path that is not here: found by content.
  std::stringstream all;
  all << std::ifstream(runs).rdbuf();
  std::string moved = all.str();
  for (size_t at; (at = moved.find(config)) != std::string::npos;) moved.replace(at, config.size(), "/elsewhere/config.json");
  std::string pooled = write("pooled.csv", moved);
  Result missing = run("calibrate " + pooled + " --hardware cpu --folds 2");
  EXPECT_EQ(missing.code, 5) << missing.err;  // bad input data
  EXPECT_NE(missing.err.find("/elsewhere/config.json: no such config file"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("--configs DIR"), std::string::npos) << missing.err;
  Result found = run("calibrate " + pooled + " --hardware cpu --folds 2 --configs " +
                     std::filesystem::path(config).parent_path().string());
  EXPECT_EQ(found.code, 0) << found.err;
  EXPECT_NE(found.out.find("2-fold cross-validated error"), std::string::npos) << found.out;
  Result e = run("eval llama --config " + config + " --batch-size 2 --seq-len 5 --cache-len 0 --bytes 4 --calibration " +
                 calibration + " --format json");
  ASSERT_EQ(e.code, 0) << e.err;
  json j = json::parse(e.out);
  EXPECT_GT(j["predicted_latency"]["seconds"].get<double>(), 0);
  double sum = j["predicted_latency"]["per_step_seconds"].get<double>();
  for (const auto& k : j["predicted_latency"]["by_class"].items()) sum += k.value()["seconds"].get<double>();
  EXPECT_NEAR(sum, j["predicted_latency"]["seconds"].get<double>(), 1e-12);
  EXPECT_GT(j["predicted_latency"]["by_class"]["matmul"]["calls"].get<double>(), 0);
  Result t = run("eval llama --config " + config + " --seq-len 5 --bytes 4 --calibration " + calibration);
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("predicted latency (calibration"), std::string::npos) << t.out;
}

TEST(MeasureCli, AModelOverTheMemoryBudgetIsRefusedBeforeItIsBuilt) {
  // The Llama class defaults are a 7B model: 27 GB of float32 parameters.
  Result r = run("measure llama --points 1,1,0 --memory-budget 1G -o " + scratch() + "/refused.csv");
  EXPECT_EQ(r.code, 5) << r.err;
  EXPECT_NE(r.err.find("kcost measure: llama: refused: its parameters take 27 GB in float32, over the memory budget of 1 GB"),
            std::string::npos)
      << r.err;
}

TEST(MeasureCli, BadInputIsOneLineWithItsExitCode) {
  Result r = run("calibrate " + write("not-runs.csv", "model,config\nllama,x\n") + " --hardware h100");
  EXPECT_EQ(r.code, 5);
  EXPECT_EQ(r.err, "kcost calibrate: " + scratch() +
                       "/not-runs.csv: line 1: no column 'model_class' (not a kcost measure CSV?)\n");
  r = run("calibrate " + scratch() + "/not-runs.csv");
  EXPECT_EQ(r.code, 1);
  r = run("measure llama --points \"1,2\"");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'1,2' is not batch_size,seq_len,cache_len"), std::string::npos) << r.err;
  r = run("measure llama --dtype int8");
  EXPECT_EQ(r.code, 1);
  r = run("eval llama --calibration " + write("bad-cal.json", "{}") + " --seq-len 1");
  EXPECT_EQ(r.code, 5);
  EXPECT_NE(r.err.find("not a kcost calibration file"), std::string::npos) << r.err;
}

}  // namespace
