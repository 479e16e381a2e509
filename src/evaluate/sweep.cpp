#include "evaluate/sweep.h"

#include <charconv>
#include <cstring>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <stdexcept>

#include "evaluate/evaluator.h"
#include "evaluate/report.h"
#include "evaluate/significant_text.h"

namespace kcost {

namespace {

using GiNaC::numeric;

// The values of one variable: numerators and denominators when they fit 64 bits.
struct Axis {
  std::vector<numeric> values;
  std::vector<std::int64_t> ints, dens;
  std::vector<std::string> text;
  bool all_fit = true;
  explicit Axis(const std::vector<numeric>& v) : values(v) {
    auto fits = [](const numeric& n) { return n.is_integer() && n <= numeric(LONG_MAX) && n >= numeric(LONG_MIN); };
    for (const numeric& n : v) {
      bool ok = n.is_rational() && fits(n.numer()) && fits(n.denom());
      all_fit = all_fit && ok;
      ints.push_back(ok ? n.numer().to_long() : 0);
      dens.push_back(ok ? n.denom().to_long() : 1);
      text.push_back(to_string(n));
    }
  }
};

// A width axis the sweep leaves unset: one entry standing for "the point's bytes".
const std::vector<numeric> kSameAsBytes = {numeric(-1)};

// The CSV being written: a buffer of 1 MiB handed to the stream whenever it fills (appending
// to it is a bounds check and a copy: a sweep writes millions of rows).
class CsvBuffer {
 public:
  explicit CsvBuffer(std::ostream& csv) : csv_(csv), data_(1 << 20) {}
  ~CsvBuffer() { flush(); }
  void put(char c) {
    room(1);
    data_[used_++] = c;
  }
  void put(const std::string& text) { put(text.data(), text.size()); }
  void put(const char* text) { put(text, std::strlen(text)); }
  void put(const char* text, size_t n) {
    room(n);
    std::memcpy(data_.data() + used_, text, n);
    used_ += n;
  }
  // The double at 6 significant digits, like printf's %.6g.
  void put_double(double v) {
    room(32);
    auto r = std::to_chars(data_.data() + used_, data_.data() + data_.size(), v, std::chars_format::general, 6);
    used_ = static_cast<size_t>(r.ptr - data_.data());
  }
  // n / d at 6 significant digits as put_double writes the quotient (significant_text.h); false
  // (nothing written) when it cannot be written exactly.
  bool put_fraction(int128 n, int128 d) {
    room(40);
    size_t len = significant_text(n, d, data_.data() + used_);
    used_ += len;
    return len > 0;
  }
  void put_int(int128 v) {
    if (v >= 0 && v <= static_cast<int128>(UINT64_MAX)) {
      room(24);
      auto r = std::to_chars(data_.data() + used_, data_.data() + data_.size(), static_cast<std::uint64_t>(v));
      used_ = static_cast<size_t>(r.ptr - data_.data());
    } else {
      put(to_string(v));
    }
  }
  void flush() {
    csv_.write(data_.data(), static_cast<std::streamsize>(used_));
    used_ = 0;
  }

 private:
  void room(size_t n) {
    if (data_.size() - used_ >= n) return;
    flush();
    if (data_.size() < n) data_.resize(n);
  }
  std::ostream& csv_;
  std::vector<char> data_;
  size_t used_ = 0;
};

// The arithmetic intensity, FLOPs / (bytes read + written), as a fraction from the exact outputs
// n[i] / d[i]: n[0] d[1] d[2] / (d[0] (n[1] d[2] + n[2] d[1])). `num` stays -1 on overflow or when
// nothing is moved (the caller writes the double then).
void intensity_fraction(const int128* n, const int128* d, int128& num, int128& den) {
  if (d[0] == 1 && d[1] == 1 && d[2] == 1) {  // integer widths: n[0] / (n[1] + n[2])
    if (n[0] >= 0 && n[1] >= 0 && n[2] >= 0 && n[1] + n[2] > 0 && n[1] < (static_cast<int128>(1) << 125) &&
        n[2] < (static_cast<int128>(1) << 125)) {
      num = n[0];
      den = n[1] + n[2];
    }
    return;
  }
  int128 a, b, moved, top, bottom;
  if (__builtin_mul_overflow(n[1], d[2], &a) || __builtin_mul_overflow(n[2], d[1], &b) || __builtin_add_overflow(a, b, &moved) ||
      moved <= 0 || n[0] < 0 || __builtin_mul_overflow(n[0], d[1], &top) || __builtin_mul_overflow(top, d[2], &top) ||
      __builtin_mul_overflow(d[0], moved, &bottom))
    return;
  num = top;
  den = bottom;
}

// n / d as an integer when d divides n (in 64 bits when they fit: 128-bit division is slow).
inline void reduce_if_integer(int128& n, int128& d) {
  if (n >= INT64_MIN && n <= INT64_MAX && d <= INT64_MAX) {
    const std::int64_t n64 = static_cast<std::int64_t>(n), d64 = static_cast<std::int64_t>(d);
    if (n64 % d64 != 0) return;
    n = n64 / d64;
  } else {
    if (n % d != 0) return;
    n /= d;
  }
  d = 1;
}

}  // namespace

const std::vector<std::string>& sweep_variables() {
  static const std::vector<std::string> v = {"batch_size", "seq_len", "cache_len", "bytes", "weight_bytes", "kv_bytes"};
  return v;
}

const std::vector<std::string>& sweep_rational_variables() {
  static const std::vector<std::string> v = {"bytes", "weight_bytes", "kv_bytes"};
  return v;
}

SweepModel compile_sweep_model(const std::string& model, const std::string& config_label, const ResolvedTree& tree,
                               const Values& config) {
  Values probe = config;
  for (const std::string& v : sweep_variables()) probe[v] = 1;
  auto missing = missing_symbols(tree, probe);
  if (!missing.empty()) {
    const auto& [symbol, where] = *missing.begin();
    std::string name = symbol.compare(0, 7, "config.") == 0 ? symbol.substr(7) : symbol;
    throw EvaluateError(model + ": the config has no value for '" + name + "', which " + where + " needs", symbol);
  }
  std::map<std::string, Expr> numbers;
  for (const auto& [name, value] : config) numbers[name] = Expr::number(value);
  const CostExprs& c = tree.root.cost;
  try {
    const Expr read = c.memory_read.subs(numbers), write = c.memory_write.subs(numbers);
    // The traffic is linear in each width (evaluate/traffic.h): its weight elements are the
    // traffic at weight_bytes = 1 less the traffic at weight_bytes = 0.
    const Expr traffic = read + write;
    const Expr weight_elements =
        traffic.subs({{"weight_bytes", Expr(1)}}) - traffic.subs({{"weight_bytes", Expr(0)}});
    return {model, config_label,
            ClosedForm({c.flops.subs(numbers), read, write, weight_elements}, sweep_variables(),
                       sweep_rational_variables())};
  } catch (const ExprError& e) {
    throw EvaluateError(model + ": " + e.what());
  }
}

std::string sweep_header(const std::vector<Accelerator>& hardware, bool widths) {
  std::string h = std::string("model,config,batch_size,seq_len,cache_len,bytes,") + (widths ? "weight_bytes,kv_bytes," : "") +
                  "flops,memory_read,memory_write,arithmetic_intensity";
  for (const Accelerator& a : hardware) h += "," + csv_field(a.id + "_seconds") + "," + csv_field(a.id + "_bound");
  return h + "\n";
}

SweepStats run_sweep(const std::vector<SweepModel>& models, const SweepGrid& grid,
                     const std::vector<Accelerator>& hardware, std::ostream& csv,
                     const std::function<void(size_t, size_t)>& progress, size_t skip, bool header) {
  Axis b(grid.batch_size), s(grid.seq_len), c(grid.cache_len), y(grid.bytes);
  Axis w(grid.weight_bytes.empty() ? kSameAsBytes : grid.weight_bytes), k(grid.kv_bytes.empty() ? kSameAsBytes : grid.kv_bytes);
  const bool widths = grid.widths();
  const bool fast = b.all_fit && s.all_fit && c.all_fit && y.all_fit && w.all_fit && k.all_fit;
  const size_t total = models.size() * grid.size();
  SweepStats stats;
  size_t index = 0;  // of the row, counting the skipped ones
  CsvBuffer out(csv);
  if (header) out.put(sweep_header(hardware, widths));
  std::string lead, rational;
  std::int64_t in[6], den[6];
  int128 results[kSweepOutputs], denominators[kSweepOutputs];
  std::vector<double> dequantize;  // per weight width: FLOPs per weight element read
  for (size_t i = 0; i < w.values.size(); ++i)
    dequantize.push_back(i < grid.weight_dequantize_flops.size() ? grid.weight_dequantize_flops[i].to_double() : 0.0);
  for (const SweepModel& m : models)
    if (m.totals.output_count() != kSweepOutputs)
      throw std::invalid_argument("sweep: " + m.model + "'s compiled totals have " + std::to_string(m.totals.output_count()) +
                                  " outputs, not " + std::to_string(kSweepOutputs));
  for (const SweepModel& m : models) {
    ClosedForm::Registers regs = m.totals.make_registers();
    const std::string prefix = csv_field(m.model) + "," + csv_field(m.config) + ",";
    for (size_t ib = 0; ib < b.values.size(); ++ib)
      for (size_t is = 0; is < s.values.size(); ++is) {
        lead = prefix + b.text[ib] + "," + s.text[is] + ",";  // the row's start for every cache length
        for (size_t ic = 0; ic < c.values.size(); ++ic)
          for (size_t iy = 0; iy < y.values.size(); ++iy)
            for (size_t iw = 0; iw < w.values.size(); ++iw)
              for (size_t ik = 0; ik < k.values.size(); ++ik) {
                if (index++ < skip) continue;
                // An unset width is the point's bytes.
                const bool w_same = grid.weight_bytes.empty(), k_same = grid.kv_bytes.empty();
                in[0] = b.ints[ib], den[0] = 1;
                in[1] = s.ints[is], den[1] = 1;
                in[2] = c.ints[ic], den[2] = 1;
                in[3] = y.ints[iy], den[3] = y.dens[iy];
                in[4] = w_same ? y.ints[iy] : w.ints[iw], den[4] = w_same ? y.dens[iy] : w.dens[iw];
                in[5] = k_same ? y.ints[iy] : k.ints[ik], den[5] = k_same ? y.dens[iy] : k.dens[ik];
                out.put(lead);
                out.put(c.text[ic]);
                out.put(',');
                out.put(y.text[iy]);
                out.put(',');
                if (widths) {
                  out.put(w_same ? y.text[iy] : w.text[iw]);
                  out.put(',');
                  out.put(k_same ? y.text[iy] : k.text[ik]);
                  out.put(',');
                }
                double f = 0, bytes = 0, weight_elements = 0;
                bool have_doubles = true;
                int128 intensity_num = -1, intensity_den = 1;  // FLOPs / bytes exactly, when known
                if (fast && m.totals.run_rational(in, den, results, denominators, regs)) {
                  for (int i = 0; i < 3; ++i) {
                    if (denominators[i] != 1) reduce_if_integer(results[i], denominators[i]);
                    if (denominators[i] == 1) {
                      out.put_int(results[i]);
                    } else {
                      rational.clear();
                      append_rational(rational, results[i], denominators[i]);
                      out.put(rational);
                    }
                    if (i < 2) out.put(',');
                  }
                  intensity_fraction(results, denominators, intensity_num, intensity_den);
                  have_doubles = false;  // made below only where a column needs them
                } else {
                  ++stats.exact_fallbacks;
                  const numeric& yv = y.values[iy];
                  std::vector<numeric> v = m.totals.evaluate_exact(
                      {b.values[ib], s.values[is], c.values[ic], yv, w_same ? yv : w.values[iw], k_same ? yv : k.values[ik]});
                  out.put(to_string(v[0]));
                  out.put(',');
                  out.put(to_string(v[1]));
                  out.put(',');
                  out.put(to_string(v[2]));
                  f = v[0].to_double();
                  bytes = (v[1] + v[2]).to_double();
                  weight_elements = v[3].to_double();
                }
                auto make_doubles = [&]() {
                  if (have_doubles) return;
                  f = static_cast<double>(results[0]) / static_cast<double>(denominators[0]);
                  bytes = static_cast<double>(results[1]) / static_cast<double>(denominators[1]) +
                          static_cast<double>(results[2]) / static_cast<double>(denominators[2]);
                  weight_elements = static_cast<double>(results[3]) / static_cast<double>(denominators[3]);
                  have_doubles = true;
                };
                out.put(',');
                if (intensity_num < 0 || !out.put_fraction(intensity_num, intensity_den)) {
                  make_doubles();
                  out.put_double(bytes > 0 ? f / bytes : 0);
                }
                if (!hardware.empty()) make_doubles();
                const double computed = f + dequantize[iw] * weight_elements;  // what the roofline computes
                for (const Accelerator& a : hardware) {
                  Roofline r = roofline(computed, bytes, a);
                  out.put(',');
                  out.put_double(r.seconds());
                  out.put(',');
                  out.put(r.bound());
                }
                out.put('\n');
                ++stats.rows;
                if (progress && (stats.rows & 4095) == 0) progress(skip + stats.rows, total);
              }
      }
  }
  out.flush();
  if (progress) progress(skip + stats.rows, total);
  return stats;
}

size_t resumable_rows(const std::string& existing, const std::vector<SweepModel>& models, const SweepGrid& grid,
                      const std::vector<Accelerator>& hardware, size_t* keep_bytes) {
  *keep_bytes = 0;
  const std::string header = sweep_header(hardware, grid.widths());
  if (existing.size() < header.size()) {
    if (header.compare(0, existing.size(), existing) != 0)
      throw SweepResumeError("line 1: not the header of this sweep");
    return 0;
  }
  if (existing.compare(0, header.size(), header) != 0) throw SweepResumeError("line 1: not the header of this sweep");
  size_t at = header.size(), rows = 0, line = 2;
  auto next_line_end = [&]() { return existing.find('\n', at); };
  Axis b(grid.batch_size), s(grid.seq_len), c(grid.cache_len), y(grid.bytes);
  Axis w(grid.weight_bytes.empty() ? kSameAsBytes : grid.weight_bytes), k(grid.kv_bytes.empty() ? kSameAsBytes : grid.kv_bytes);
  for (const SweepModel& m : models) {
    const std::string prefix = csv_field(m.model) + "," + csv_field(m.config) + ",";
    for (size_t ib = 0; ib < b.values.size(); ++ib)
      for (size_t is = 0; is < s.values.size(); ++is)
        for (size_t ic = 0; ic < c.values.size(); ++ic)
          for (size_t iy = 0; iy < y.values.size(); ++iy)
            for (size_t iw = 0; iw < w.values.size(); ++iw)
              for (size_t ik = 0; ik < k.values.size(); ++ik) {
            size_t end = next_line_end();
            if (end == std::string::npos) {
              *keep_bytes = at;
              return rows;
            }
            std::string key = prefix + b.text[ib] + "," + s.text[is] + "," + c.text[ic] + "," + y.text[iy] + ",";
            if (grid.widths())
              key += (grid.weight_bytes.empty() ? y.text[iy] : w.text[iw]) + "," +
                     (grid.kv_bytes.empty() ? y.text[iy] : k.text[ik]) + ",";
            if (existing.compare(at, key.size(), key) != 0 || key.size() > end - at)
              throw SweepResumeError("line " + std::to_string(line) + ": not the row of this sweep (" +
                                     key.substr(0, key.size() - 1) + ")");
            at = end + 1;
            ++rows;
            ++line;
          }
  }
  if (at != existing.size()) throw SweepResumeError("line " + std::to_string(line) + ": more rows than this sweep has");
  *keep_bytes = at;
  return rows;
}

}  // namespace kcost
