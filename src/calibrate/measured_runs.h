// MeasuredRuns: the CSV `kcost measure` writes and `kcost calibrate` reads, one row per model
// and runtime point: what was run (model, its class, config file and content hash, attention,
// dtype, device and its name, thread count, point) and how long the design's call took
// (median, quartiles, min and max of the timed repeats), or that the point ran out of memory.
// Rows from several machines can be pooled: the device name and thread count say which is which.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace kcost {

struct MeasuredRun {
  std::string model;        // as the user named it ("llama")
  std::string model_class;  // qualified class
  std::string config;       // the config file; empty: the config class defaults
  std::string config_hash;  // FNV-1a 64 of the config file's bytes, hex; "defaults" without one
  std::string attn_implementation = "sdpa";
  std::string dtype = "float32";
  int bytes = 4;  // bytes per element of dtype
  std::string device = "cpu";
  std::string device_name;
  int threads = 0;
  long long batch_size = 1, seq_len = 1, cache_len = 0;
  std::string status = "ok";  // ok | oom
  int repeats = 0, warmup = 0;
  double median_seconds = 0, q1_seconds = 0, q3_seconds = 0, min_seconds = 0, max_seconds = 0;

  // prefill (cache_len 0), decode (seq_len 1 after a cache), or chunked (new tokens after a cache)
  std::string phase() const;
};

// The header line (with the newline) and one row (with the newline).
std::string measured_runs_header();
std::string measured_run_row(const MeasuredRun& run);

// Reads a runs CSV. Throws CalibrationError "<path>: line N: ..." for a missing column, a bad
// number or a short row.
std::vector<MeasuredRun> read_measured_runs(const std::string& path);
std::vector<MeasuredRun> parse_measured_runs(std::istream& in, const std::string& source);

// FNV-1a 64 of a file's bytes as 16 hex digits; "defaults" for an empty path. Throws
// CalibrationError when the file cannot be read.
std::string config_hash(const std::string& path);

// Bytes per element of "float32" (4), "bfloat16" / "float16" (2); 0 for anything else.
int dtype_bytes(const std::string& dtype);

}  // namespace kcost
