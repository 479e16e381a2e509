#include "evaluate/sweep.h"

#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ostream>

#include "evaluate/evaluator.h"
#include "evaluate/report.h"

namespace kcost {

namespace {

using GiNaC::numeric;

struct Axis {
  std::vector<numeric> values;
  std::vector<std::int64_t> ints;
  std::vector<std::string> text;
  bool all_int = true;
  explicit Axis(const std::vector<numeric>& v) : values(v) {
    for (const numeric& n : v) {
      bool fits = n.is_integer() && n <= numeric(LONG_MAX) && n >= numeric(LONG_MIN);
      all_int = all_int && fits;
      ints.push_back(fits ? n.to_long() : 0);
      text.push_back(to_string(n));
    }
  }
};

// Shortest round-trip text of the double at 6 significant digits, like printf's %.6g.
void append_double(std::string& out, double v) {
  char buffer[32];
  auto r = std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::general, 6);
  out.append(buffer, r.ptr);
}

void append_int(std::string& out, int128 v) {
  if (v >= 0 && v <= static_cast<int128>(UINT64_MAX)) {
    char buffer[24];
    auto r = std::to_chars(buffer, buffer + sizeof(buffer), static_cast<std::uint64_t>(v));
    out.append(buffer, r.ptr);
  } else {
    out += to_string(v);
  }
}


}  // namespace

const std::vector<std::string>& sweep_variables() {
  static const std::vector<std::string> v = {"batch_size", "seq_len", "cache_len", "bytes"};
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
    return {model, config_label,
            ClosedForm({c.flops.subs(numbers), c.memory_read.subs(numbers), c.memory_write.subs(numbers)},
                       sweep_variables())};
  } catch (const ExprError& e) {
    throw EvaluateError(model + ": " + e.what());
  }
}

std::string sweep_header(const std::vector<Accelerator>& hardware) {
  std::string h = "model,config,batch_size,seq_len,cache_len,bytes,flops,memory_read,memory_write,arithmetic_intensity";
  for (const Accelerator& a : hardware) h += "," + csv_field(a.id + "_seconds") + "," + csv_field(a.id + "_bound");
  return h + "\n";
}

SweepStats run_sweep(const std::vector<SweepModel>& models, const SweepGrid& grid,
                     const std::vector<Accelerator>& hardware, std::ostream& csv,
                     const std::function<void(size_t, size_t)>& progress, size_t skip, bool header) {
  Axis b(grid.batch_size), s(grid.seq_len), c(grid.cache_len), y(grid.bytes);
  const bool ints = b.all_int && s.all_int && c.all_int && y.all_int;
  const size_t total = models.size() * grid.size();
  SweepStats stats;
  size_t index = 0;  // of the row, counting the skipped ones
  std::string out = header ? sweep_header(hardware) : std::string();
  out.reserve(1 << 20);
  std::int64_t in[4];
  int128 results[3];
  numeric flops, read, write;
  for (const SweepModel& m : models) {
    std::vector<int128> regs = m.totals.make_registers();
    const std::string prefix = csv_field(m.model) + "," + csv_field(m.config) + ",";
    for (size_t ib = 0; ib < b.values.size(); ++ib)
      for (size_t is = 0; is < s.values.size(); ++is)
        for (size_t ic = 0; ic < c.values.size(); ++ic)
          for (size_t iy = 0; iy < y.values.size(); ++iy) {
            if (index++ < skip) continue;
            in[0] = b.ints[ib];
            in[1] = s.ints[is];
            in[2] = c.ints[ic];
            in[3] = y.ints[iy];
            out += prefix;
            out += b.text[ib];
            out += ',';
            out += s.text[is];
            out += ',';
            out += c.text[ic];
            out += ',';
            out += y.text[iy];
            out += ',';
            double f, bytes;
            if (ints && m.totals.run(in, results, regs)) {
              append_int(out, results[0]);
              out += ',';
              append_int(out, results[1]);
              out += ',';
              append_int(out, results[2]);
              f = static_cast<double>(results[0]);
              bytes = static_cast<double>(results[1]) + static_cast<double>(results[2]);
            } else {
              ++stats.exact_fallbacks;
              std::vector<numeric> v =
                  m.totals.evaluate_exact({b.values[ib], s.values[is], c.values[ic], y.values[iy]});
              out += to_string(v[0]);
              out += ',';
              out += to_string(v[1]);
              out += ',';
              out += to_string(v[2]);
              f = v[0].to_double();
              bytes = (v[1] + v[2]).to_double();
            }
            out += ',';
            append_double(out, bytes > 0 ? f / bytes : 0);
            for (const Accelerator& a : hardware) {
              Roofline r = roofline(f, bytes, a);
              out += ',';
              append_double(out, r.seconds());
              out += ',';
              out += r.bound();
            }
            out += '\n';
            ++stats.rows;
            if (out.size() > (1 << 20) - 4096) {
              csv << out;
              out.clear();
            }
            if (progress && (stats.rows & 4095) == 0) progress(skip + stats.rows, total);
          }
  }
  csv << out;
  if (progress) progress(skip + stats.rows, total);
  return stats;
}

size_t resumable_rows(const std::string& existing, const std::vector<SweepModel>& models, const SweepGrid& grid,
                      const std::vector<Accelerator>& hardware, size_t* keep_bytes) {
  *keep_bytes = 0;
  const std::string header = sweep_header(hardware);
  if (existing.size() < header.size()) {
    if (header.compare(0, existing.size(), existing) != 0)
      throw SweepResumeError("line 1: not the header of this sweep");
    return 0;
  }
  if (existing.compare(0, header.size(), header) != 0) throw SweepResumeError("line 1: not the header of this sweep");
  size_t at = header.size(), rows = 0, line = 2;
  auto next_line_end = [&]() { return existing.find('\n', at); };
  Axis b(grid.batch_size), s(grid.seq_len), c(grid.cache_len), y(grid.bytes);
  for (const SweepModel& m : models) {
    const std::string prefix = csv_field(m.model) + "," + csv_field(m.config) + ",";
    for (size_t ib = 0; ib < b.values.size(); ++ib)
      for (size_t is = 0; is < s.values.size(); ++is)
        for (size_t ic = 0; ic < c.values.size(); ++ic)
          for (size_t iy = 0; iy < y.values.size(); ++iy) {
            size_t end = next_line_end();
            if (end == std::string::npos) {
              *keep_bytes = at;
              return rows;
            }
            const std::string key =
                prefix + b.text[ib] + "," + s.text[is] + "," + c.text[ic] + "," + y.text[iy] + ",";
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
