#include "calibrate/measured_runs.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "calibrate/calibration_error.h"

namespace kcost {

namespace {

const std::vector<std::string>& columns() {
  static const std::vector<std::string> c = {
      "model",     "model_class", "config",     "config_hash", "attn_implementation", "dtype",     "bytes",
      "device",    "device_name", "threads",    "batch_size",  "seq_len",             "cache_len", "phase",
      "status",    "repeats",     "warmup",     "median_seconds", "q1_seconds",       "q3_seconds", "min_seconds",
      "max_seconds"};
  return c;
}

std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.9g", v);
  return buffer;
}

// One CSV record (RFC 4180 quoting, no newlines inside fields).
std::vector<std::string> split_record(const std::string& line, bool* ok) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  *ok = true;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (quoted) *ok = false;
  out.push_back(cur);
  return out;
}

}  // namespace

std::string MeasuredRun::phase() const {
  if (cache_len == 0) return "prefill";
  return seq_len == 1 ? "decode" : "chunked";
}

std::string measured_runs_header() {
  std::string h;
  for (const std::string& c : columns()) h += (h.empty() ? "" : ",") + c;
  return h + "\n";
}

std::string measured_run_row(const MeasuredRun& r) {
  std::vector<std::string> v = {r.model, r.model_class, r.config, r.config_hash, r.attn_implementation, r.dtype,
                                std::to_string(r.bytes), r.device, r.device_name, std::to_string(r.threads),
                                std::to_string(r.batch_size), std::to_string(r.seq_len), std::to_string(r.cache_len),
                                r.phase(), r.status, std::to_string(r.repeats), std::to_string(r.warmup)};
  for (double t : {r.median_seconds, r.q1_seconds, r.q3_seconds, r.min_seconds, r.max_seconds})
    v.push_back(r.status == "ok" ? number(t) : "");
  std::string row;
  for (size_t i = 0; i < v.size(); ++i) row += (i ? "," : "") + field(v[i]);
  return row + "\n";
}

std::vector<MeasuredRun> parse_measured_runs(std::istream& in, const std::string& source) {
  std::string line;
  if (!std::getline(in, line)) throw CalibrationError(source + ": empty, no header");
  bool ok = true;
  std::vector<std::string> header = split_record(line, &ok);
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < header.size(); ++i) at[header[i]] = i;
  for (const std::string& c : columns())
    if (!at.count(c)) throw CalibrationError(source + ": line 1: no column '" + c + "' (not a kcost measure CSV?)");
  std::vector<MeasuredRun> out;
  int number_of_line = 1;
  while (std::getline(in, line)) {
    ++number_of_line;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = source + ": line " + std::to_string(number_of_line) + ": ";
    std::vector<std::string> v = split_record(line, &ok);
    if (!ok) throw CalibrationError(where + "an unterminated quoted field");
    if (v.size() < header.size())
      throw CalibrationError(where + std::to_string(v.size()) + " fields, the header has " + std::to_string(header.size()));
    auto get = [&](const std::string& c) -> const std::string& { return v[at[c]]; };
    auto integer = [&](const std::string& c) {
      const std::string& s = get(c);
      size_t used = 0;
      long long n = 0;
      try {
        n = std::stoll(s, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != s.size() || n < 0) throw CalibrationError(where + c + ": '" + s + "' is not a count");
      return n;
    };
    auto seconds = [&](const std::string& c) {
      const std::string& s = get(c);
      size_t used = 0;
      double d = 0;
      try {
        d = std::stod(s, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != s.size() || !(d > 0)) throw CalibrationError(where + c + ": '" + s + "' is not a positive time");
      return d;
    };
    MeasuredRun r;
    r.model = get("model");
    r.model_class = get("model_class");
    r.config = get("config");
    r.config_hash = get("config_hash");
    r.attn_implementation = get("attn_implementation");
    r.dtype = get("dtype");
    r.bytes = static_cast<int>(integer("bytes"));
    r.device = get("device");
    r.device_name = get("device_name");
    r.threads = static_cast<int>(integer("threads"));
    r.batch_size = integer("batch_size");
    r.seq_len = integer("seq_len");
    r.cache_len = integer("cache_len");
    r.status = get("status");
    r.repeats = static_cast<int>(integer("repeats"));
    r.warmup = static_cast<int>(integer("warmup"));
    if (r.model.empty()) throw CalibrationError(where + "model: empty");
    if (r.status == "ok") {
      r.median_seconds = seconds("median_seconds");
      r.q1_seconds = seconds("q1_seconds");
      r.q3_seconds = seconds("q3_seconds");
      r.min_seconds = seconds("min_seconds");
      r.max_seconds = seconds("max_seconds");
    } else if (r.status != "oom") {
      throw CalibrationError(where + "status: '" + r.status + "' is neither ok nor oom");
    }
    out.push_back(r);
  }
  return out;
}

std::vector<MeasuredRun> read_measured_runs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CalibrationError(path + ": cannot read the runs CSV");
  return parse_measured_runs(in, path);
}

std::string config_hash(const std::string& path) {
  if (path.empty()) return "defaults";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CalibrationError(path + ": cannot read the config file");
  std::uint64_t h = 1469598103934665603ULL;
  char c;
  while (in.get(c)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

int dtype_bytes(const std::string& dtype) {
  if (dtype == "float32") return 4;
  if (dtype == "bfloat16" || dtype == "float16") return 2;
  return 0;
}

}  // namespace kcost
