#include "evaluate/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace kcost {

namespace {

using GiNaC::numeric;
using ojson = nlohmann::ordered_json;

// v printed by a printf conversion of one precision ("%.*f", "%.*e"); callers keep it short.
std::string printed(const char* format, int digits, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, digits, v);
  return buffer;
}

std::string fixed(double v, int digits) { return printed("%.*f", digits, v); }

// 4 significant digits in exponent form ("2.621e+31"): for magnitudes no prefix or unit reaches,
// which `fixed` would write with up to 309 digits.
std::string scientific(double v) { return printed("%.*e", 3, v); }

// Exact value with thousands separators ("13,476,298,752"); rationals as "a/b".
std::string grouped(const numeric& n) {
  std::string s = to_string(n);
  if (!n.is_integer()) return s;
  std::string digits = s[0] == '-' ? s.substr(1) : s;
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (s[0] == '-' ? "-" : "") + out;
}

std::string percent(const numeric& part, const numeric& whole) {
  if (whole.is_zero()) return "-";
  return fixed(100.0 * part.to_double() / whole.to_double(), 1) + "%";
}

// A column right-aligned in `width`; wider text keeps one space before it, so that it never runs
// into the column to its left (a count of 1 beside 26214400.0 YFLOP read as 126214400.0).
std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? " " + s : std::string(width - s.size(), ' ') + s;
}
std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string short_kernel(const EvaluatedNode& node) {
  if (node.leaf) return node.kernel;
  size_t dot = node.kernel.rfind('.');
  return dot == std::string::npos ? node.kernel : node.kernel.substr(dot + 1);
}

std::string point_text(const RuntimePoint& p, bool moe) {
  std::string s = "batch_size=" + to_string(p.batch_size) + "  seq_len=" + to_string(p.seq_len) +
                  "  cache_len=" + to_string(p.cache_len) + "  bytes=" + to_string(p.bytes);
  if (p.weight_bytes) s += "  weight_bytes=" + to_string(*p.weight_bytes);
  if (p.kv_bytes) s += "  kv_bytes=" + to_string(*p.kv_bytes);
  if (p.experts_hit) s += "  experts_hit=" + to_string(*p.experts_hit);
  else if (moe) s += "  experts_hit=min(experts, tokens * top_k)";
  return s;
}

struct Row {
  std::string name, count;
  CostNumbers total;  // of all calls
  std::optional<numeric> parameters;  // of the `count` modules called
};

void tree_rows(const EvaluatedNode& node, const std::string& label, const numeric& calls, int level, int depth,
               std::vector<Row>& rows) {
  std::string name = std::string(2 * level, ' ') + (label.empty() ? short_kernel(node) : label + ": " + short_kernel(node));
  std::optional<numeric> parameters;
  if (node.parameters) parameters = *node.parameters * node.count;
  rows.push_back({name, to_string(node.count), node.cost * calls, parameters});
  if (level >= depth && depth >= 0) return;
  for (const auto& [l, child] : node.children) tree_rows(child, l, calls * child.count, level + 1, depth, rows);
}

struct CsvRow {
  std::string path, kernel;
  numeric count, calls;
  CostNumbers total;
};

void csv_rows(const EvaluatedNode& node, const std::string& path, const numeric& calls, int level, int depth,
              std::vector<CsvRow>& rows) {
  rows.push_back({path, node.kernel, node.count, calls, node.cost * calls});
  if (level >= depth && depth >= 0) return;
  for (const auto& [l, child] : node.children)
    csv_rows(child, path.empty() ? l : path + "/" + l, calls * child.count, level + 1, depth, rows);
}

// The work the roofline sees: the totals, plus the dequantize FLOPs of quantized weights.
CostNumbers roofline_work(const EvalReport& r) {
  CostNumbers c = r.evaluation.totals;
  if (r.traffic) c.flops += r.traffic->dequantize_flops;
  return c;
}

ojson roofline_json(const CostNumbers& c, const Accelerator& a) {
  Roofline r = roofline(c, a);
  ojson j = ojson::object();
  j["hardware"] = a.id;
  j["name"] = a.name;
  j["precision"] = a.precision;
  j["flops"] = to_json_number(c.flops);
  j["peak_flops"] = a.peak_flops;
  j["bandwidth"] = a.bandwidth;
  j["compute_seconds"] = r.compute_seconds;
  j["memory_seconds"] = r.memory_seconds;
  j["seconds"] = r.seconds();
  j["bound"] = r.bound();
  return j;
}

}  // namespace

std::string si(double value, const std::string& unit) {
  static const char* prefixes[] = {"", "K", "M", "G", "T", "P", "E", "Z", "Y"};
  double v = std::fabs(value);
  int i = 0;
  while (v >= 999.95 && i < 8) {
    v /= 1000;
    ++i;
  }
  if (!std::isfinite(v) || v >= 999.95) return scientific(value) + " " + unit;  // past Y (1e27 and up)
  std::string number = (i == 0 && v == std::floor(v)) ? fixed(v, 0)
                       : v >= 100                     ? fixed(v, 1)
                       : v >= 10                      ? fixed(v, 2)
                                                      : fixed(v, 3);
  return (value < 0 ? "-" : "") + number + " " + prefixes[i] + unit;
}

std::string format_seconds(double s) {
  if (s == 0) return "0 s";
  if (!std::isfinite(s) || s >= 1e6) return scientific(s) + " s";
  if (s >= 1) return fixed(s, s >= 100 ? 1 : s >= 10 ? 2 : 3) + " s";
  if (s >= 1e-3) return fixed(s * 1e3, s >= 0.1 ? 1 : s >= 0.01 ? 2 : 3) + " ms";
  if (s >= 1e-6) return fixed(s * 1e6, s >= 1e-4 ? 1 : s >= 1e-5 ? 2 : 3) + " us";
  return fixed(s * 1e9, s >= 1e-7 ? 1 : s >= 1e-8 ? 2 : 3) + " ns";
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string eval_table(const EvalReport& r, int depth) {
  const Evaluation& e = r.evaluation;
  const CostNumbers& t = e.totals;
  std::ostringstream out;
  out << r.model << ": " << r.root << "\n";
  out << "config: " << r.config_source << "    attention: " << r.attn_implementation << "\n";
  out << "point:  " << point_text(r.point, r.moe) << "\n\n";
  auto total_line = [&](const std::string& what, const numeric& n, const std::string& unit) {
    out << pad_right(what, 22) << pad_left(grouped(n), 26) << "   " << si(n.to_double(), unit) << "\n";
  };
  total_line("FLOPs", t.flops, "FLOP");
  total_line("bytes read", t.memory_read, "B");
  total_line("bytes written", t.memory_write, "B");
  out << pad_right("arithmetic intensity", 22) << pad_left(fixed(arithmetic_intensity(t), 3), 26) << "   FLOP/B\n";
  if (r.traffic && (r.point.weight_bytes || r.point.kv_bytes)) {
    const TrafficSplit& tr = *r.traffic;
    auto share = [&](const numeric& n) {
      numeric all = t.bytes();
      return all.is_zero() ? std::string() : "   " + fixed(100.0 * (n / all).to_double(), 1) + "% of the bytes";
    };
    out << "traffic by kind (read and written)\n";
    out << pad_right("  weights", 22) << pad_left(grouped(tr.weight_bytes), 26) << "   " << si(tr.weight_bytes.to_double(), "B")
        << "   at " << to_string(r.point.weight_width()) << " B/element" << share(tr.weight_bytes) << "\n";
    out << pad_right("  KV cache", 22) << pad_left(grouped(tr.kv_bytes), 26) << "   " << si(tr.kv_bytes.to_double(), "B")
        << "   at " << to_string(r.point.kv_width()) << " B/element" << share(tr.kv_bytes) << "\n";
    out << pad_right("  activations", 22) << pad_left(grouped(tr.activation_bytes), 26) << "   "
        << si(tr.activation_bytes.to_double(), "B") << "   at " << to_string(r.point.bytes) << " B/element"
        << share(tr.activation_bytes) << "\n";
    if (!tr.dequantize_flops.is_zero())
      out << pad_right("dequantize FLOPs", 22) << pad_left(grouped(tr.dequantize_flops), 26) << "   "
          << si(tr.dequantize_flops.to_double(), "FLOP") << "   (" << to_string(r.point.weight_dequantize_flops)
          << " per weight element read; in the roofline)\n";
  }
  if (r.hardware) {
    const Accelerator& a = *r.hardware;
    Roofline rl = roofline(roofline_work(r), a);
    out << pad_right("roofline time", 22) << pad_left(format_seconds(rl.seconds()), 26) << "   " << rl.bound()
        << "-bound on " << a.name << "\n"
        << std::string(51, ' ') << "(" << si(a.peak_flops, "FLOP/s") << ", " << si(a.bandwidth, "B/s") << "; compute "
        << format_seconds(rl.compute_seconds) << ", memory " << format_seconds(rl.memory_seconds) << ")\n";
  }

  if (r.memory) {
    const MemoryFootprint& m = *r.memory;
    std::string widths = m.weight_bytes == m.bytes && m.kv_bytes == m.bytes
                             ? to_string(m.bytes) + " B/element"
                             : "weights " + to_string(m.weight_bytes) + ", cache " + to_string(m.kv_bytes) + " B/element";
    out << "\n" << pad_right("memory (" + widths + ")", 22) << pad_left("elements", 26)
        << pad_left("bytes", 26) << "\n";
    auto memory_line = [&](const std::string& what, const std::string& elements, const numeric& bytes) {
      out << pad_right(what, 22) << pad_left(elements, 26) << pad_left(grouped(bytes), 26) << "   "
          << si(bytes.to_double(), "B");
    };
    memory_line("parameters", grouped(m.parameters), m.parameter_bytes());
    out << "\n";
    if (!m.buffers.is_zero()) {
      memory_line("buffers", grouped(m.buffers), m.buffer_bytes());
      out << "\n";
    }
    memory_line("KV cache", grouped(m.cache_elements), m.cache_bytes());
    out << "   (cache_len tokens x batch_size)\n";
    memory_line("total", "", m.total_bytes());
    if (r.hardware && r.hardware->memory > 0)
      out << "   " << fixed(100.0 * m.total_bytes().to_double() / r.hardware->memory, 1) << "% of " << si(r.hardware->memory, "B");
    out << "\n";
  }

  // Leaf kernels by FLOPs, then bytes.
  std::vector<std::pair<std::string, CostNumbers>> leaves(e.by_kernel.begin(), e.by_kernel.end());
  std::stable_sort(leaves.begin(), leaves.end(), [](const auto& a, const auto& b) {
    if (a.second.flops != b.second.flops) return a.second.flops > b.second.flops;
    return a.second.bytes() > b.second.bytes();
  });
  size_t width = 12;
  for (const auto& [k, c] : leaves) width = std::max(width, k.size() + 2);
  out << "\n" << pad_right("leaf kernel", width) << pad_left("FLOPs", 16) << pad_left("share", 8) << pad_left("bytes", 14)
      << pad_left("share", 8);
  if (r.hardware) out << pad_left("roofline", 12) << "  bound";
  out << "\n";
  for (const auto& [k, c] : leaves) {
    out << pad_right(k, width) << pad_left(si(c.flops.to_double(), "FLOP"), 16) << pad_left(percent(c.flops, t.flops), 8)
        << pad_left(si(c.bytes().to_double(), "B"), 14) << pad_left(percent(c.bytes(), t.bytes()), 8);
    if (r.hardware) {
      Roofline rl = roofline(c, *r.hardware);
      out << pad_left(format_seconds(rl.seconds()), 12) << "  " << rl.bound();
    }
    out << "\n";
  }

  std::vector<Row> rows;
  tree_rows(e.tree, "", 1, 0, depth, rows);
  size_t name_width = 6;
  for (const Row& row : rows) name_width = std::max(name_width, row.name.size() + 2);
  out << "\nkernel tree (FLOPs and bytes of all `count` calls, parameters of the `count` modules; --depth " << depth << ")\n";
  out << pad_right("kernel", name_width) << pad_left("count", 8) << pad_left("FLOPs", 16) << pad_left("share", 8)
      << pad_left("bytes", 14) << pad_left("share", 8) << pad_left("parameters", 14) << "\n";
  for (const Row& row : rows)
    out << pad_right(row.name, name_width) << pad_left(row.count, 8) << pad_left(si(row.total.flops.to_double(), "FLOP"), 16)
        << pad_left(percent(row.total.flops, t.flops), 8) << pad_left(si(row.total.bytes().to_double(), "B"), 14)
        << pad_left(percent(row.total.bytes(), t.bytes()), 8)
        << pad_left(row.parameters ? si(row.parameters->to_double(), "") : std::string(), 14) << "\n";
  return out.str();
}

nlohmann::ordered_json eval_json(const EvalReport& r, int depth) {
  const Evaluation& e = r.evaluation;
  ojson j = ojson::object();
  j["model"] = r.model;
  j["root"] = r.root;
  j["config"] = r.config_source;
  j["attn_implementation"] = r.attn_implementation;
  ojson point = ojson::object();
  point["batch_size"] = to_json_number(r.point.batch_size);
  point["seq_len"] = to_json_number(r.point.seq_len);
  point["cache_len"] = to_json_number(r.point.cache_len);
  point["bytes"] = to_json_number(r.point.bytes);
  if (r.point.weight_bytes) point["weight_bytes"] = to_json_number(*r.point.weight_bytes);
  if (r.point.kv_bytes) point["kv_bytes"] = to_json_number(*r.point.kv_bytes);
  if (r.point.experts_hit) {
    if (r.point.experts_hit->kind == ExpertsHit::Kind::Share) point["experts_hit_share"] = to_json_number(r.point.experts_hit->value);
    else point["experts_hit"] = to_json_number(r.point.experts_hit->value);
  }
  j["point"] = point;
  j["totals"] = to_json(e.totals);
  j["arithmetic_intensity"] = arithmetic_intensity(e.totals);
  if (r.hardware) j["roofline"] = roofline_json(roofline_work(r), *r.hardware);
  if (r.memory) j["memory"] = to_json(*r.memory);
  if (r.traffic) j["traffic"] = to_json(*r.traffic);
  ojson by_kernel = ojson::object();
  for (const auto& [k, c] : e.by_kernel) by_kernel[k] = to_json(c);
  j["by_kernel"] = by_kernel;
  j["tree"] = to_json(e.tree, depth);
  return j;
}

std::string eval_csv(const EvalReport& r, int depth) {
  std::vector<CsvRow> rows;
  csv_rows(r.evaluation.tree, "", 1, 0, depth, rows);
  std::ostringstream out;
  out << "path,kernel,count,calls,flops,memory_read,memory_write\n";
  for (const CsvRow& row : rows)
    out << csv_field(row.path) << "," << csv_field(row.kernel) << "," << to_string(row.count) << ","
        << to_string(row.calls) << "," << to_string(row.total.flops) << "," << to_string(row.total.memory_read) << ","
        << to_string(row.total.memory_write) << "\n";
  return out.str();
}

}  // namespace kcost
