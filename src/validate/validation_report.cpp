#include "validate/validation_report.h"

#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>

#include "costfile/message_text.h"
#include "evaluate/values.h"

namespace kcost {

namespace {

std::string point_text(const RuntimeShape& p) {
  return "b=" + std::to_string(p.batch_size) + " s=" + std::to_string(p.seq_len) + " c=" + std::to_string(p.cache_len);
}

std::string rel_text(double r) {
  if (r == 0) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", r);
  return buf;
}

std::string config_text(const nlohmann::json& kwargs) {
  std::string s;
  for (const auto& [k, v] : kwargs.items()) s += (s.empty() ? "" : " ") + k + "=" + v.dump();
  return s;
}

struct Metric {
  const char* name;
  GiNaC::numeric CostNumbers::*field;
};

const Metric kMetrics[] = {{"flops", &CostNumbers::flops},
                           {"memory_read", &CostNumbers::memory_read},
                           {"memory_write", &CostNumbers::memory_write}};

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }
std::string lpad(const std::string& s, size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }

void print_flop_counter(std::ostream& out, const FlopCounterCheck& fc) {
  out << "    matmul-class FLOPs vs FlopCounterMode: " << to_string(fc.static_matmul_flops) << " - "
      << to_string(fc.bias_add_flops) << " bias adds = " << to_string(fc.static_matmul_flops - fc.bias_add_flops)
      << (fc.totals_agree() ? " == " : " != ") << fc.flop_counter_flops
      << (fc.attention_excluded ? " (fused SDPA left out: FlopCounterMode has no CPU formula for it)" : "")
      << (fc.ok() ? "  ok" : "  MISMATCH") << "\n";
  for (const auto& k : fc.kernels)
    if (!k.ok())
      out << "      " << k.kernel << ": leaf FLOPs less bias adds " << to_string(k.leaf_flops) << " != FlopCounterMode "
          << k.flop_counter_flops << " in the same calls\n";
}

std::string memory_line(const MemoryCheck& m) {
  std::string s = m.static_value ? to_string(*m.static_value) : std::string("(no footprint)");
  std::string t = m.traced ? std::to_string(*m.traced) : std::string("(not recorded)");
  std::string rel = m.static_value && m.traced
                        ? rel_text(relative_error(*m.static_value, GiNaC::numeric(static_cast<long>(*m.traced))))
                        : std::string("-");
  return lpad(s, 16) + lpad(t, 16) + lpad(rel, 10) + (m.ok() ? "  ok" : "  MISMATCH");
}

nlohmann::ordered_json memory_json(const MemoryCheck& m) {
  nlohmann::ordered_json j;
  j["what"] = m.what;
  j["static"] = m.static_value ? nlohmann::ordered_json(to_json_number(*m.static_value)) : nlohmann::ordered_json();
  j["traced"] = m.traced ? nlohmann::ordered_json(*m.traced) : nlohmann::ordered_json();
  j["ok"] = m.ok();
  return j;
}

// At most 200 characters of `s` on one line (costfile/message_text.h one_line).
std::string one_line_of(const std::string& s) {
  std::string out = one_line(s);
  return out.size() > 200 ? out.substr(0, 200) + "..." : out;
}

}  // namespace

void print_validation_table(std::ostream& out, const ModelValidation& v) {
  out << v.name << " (" << v.model_class << "), attention " << v.attn_implementation << ": "
      << (v.ok() ? "agree" : v.error.empty() ? "DISAGREE" : "FAILED") << "\n";
  if (!v.attention_note.empty()) out << "  attention: " << v.attention_note << "\n";
  if (!v.config_kwargs.is_null()) out << "  config: " << config_text(v.config_kwargs) << "\n";
  if (!v.error.empty()) {
    out << "  error: " << v.error << "\n";
    return;
  }
  for (const auto& u : v.unknowns) out << "  unknown child in the static model (counted as zero): " << u << "\n";
  out << "  " << pad("point", 18) << pad("metric", 14) << lpad("static", 16) << lpad("traced", 16) << lpad("rel.err", 10)
      << "\n";
  for (const auto& p : v.points) {
    bool first = true;
    for (const auto& m : kMetrics) {
      const GiNaC::numeric& s = p.static_totals.*(m.field);
      const GiNaC::numeric& t = p.traced_totals.*(m.field);
      out << "  " << pad(first ? point_text(p.point) : "", 18) << pad(m.name, 14) << lpad(to_string(s), 16)
          << lpad(to_string(t), 16) << lpad(rel_text(relative_error(s, t)), 10) << (s == t ? "  ok" : "  MISMATCH")
          << "\n";
      first = false;
    }
    if (p.cache) out << "  " << pad("", 18) << pad("kv cache", 14) << memory_line(*p.cache) << "   (elements held after the prefill)\n";
    if (p.experts_hit)
      out << "    experts hit: " << to_string(*p.experts_hit) << " per MoE layer call on average over " << p.expert_calls
          << " routing records of the real run (the static side's experts_hit)\n";
    print_flop_counter(out, p.flop_counter);
    if (!p.bytes.empty()) {
      size_t checked = 0, other = 0;
      long long mixed = 0;
      for (const auto& b : p.bytes) {
        (b.rule.empty() ? checked : other)++;
        mixed += b.mixed_calls;
      }
      out << "    bytes vs the aten counter: " << checked << " leaf kernels compared, " << other
          << " with a rule of their own, " << mixed << " calls on integer or bool tensors not compared"
          << (p.bytes_ok() ? "  ok" : "  MISMATCH") << "\n";
      for (const auto& b : p.bytes)
        if (!b.ok())
          out << "      " << b.kernel << " (" << b.calls << " calls): read " << to_string(b.leaf_read) << " / aten "
              << b.aten_read << ", written " << to_string(b.leaf_write) << " / aten " << b.aten_write << "\n";
    }
    if (!p.diffs.empty()) {
      out << "    per leaf kernel (static / traced, traced calls):\n";
      for (const auto& d : p.diffs) {
        out << "      " << d.kernel << " (" << d.traced_calls << " calls):";
        for (const auto& m : kMetrics) {
          const GiNaC::numeric& s = d.static_cost.*(m.field);
          const GiNaC::numeric& t = d.traced_cost.*(m.field);
          if (s != t) out << "  " << m.name << " " << to_string(s) << " / " << to_string(t);
        }
        out << "\n";
      }
    }
    for (const auto& u : p.unpriced)
      out << "    not priced: " << u.name << " at " << (u.where.empty() ? "<model>" : u.where) << ": " << u.reason << "\n";
  }
  for (const auto& m : v.memory)
    out << "  " << pad("model", 18) << pad(m.what, 14) << memory_line(m) << "   (model." << m.what << "() of the built model)\n";
}

std::string validation_summary_line(const ModelValidation& v) {
  if (v.ok()) return v.name + ": agree" + (v.attention_note.empty() ? "" : " (" + v.attn_implementation + ": " + v.attention_note.substr(0, v.attention_note.find(';')) + ")");
  if (!v.error.empty()) return v.name + ": FAILED (" + one_line_of(v.error) + ")";
  std::string what;
  if (!v.unknowns.empty()) what = std::to_string(v.unknowns.size()) + " unknown children";
  for (const auto& p : v.points) {
    if (!what.empty()) break;
    std::string at = " at " + point_text(p.point);
    for (const auto& m : kMetrics)
      if (what.empty() && p.static_totals.*(m.field) != p.traced_totals.*(m.field)) what = std::string(m.name) + at;
    if (what.empty() && !p.unpriced.empty()) what = "unpriced " + p.unpriced[0].name + at;
    if (what.empty() && !p.flop_counter.ok()) what = "FlopCounterMode" + at;
    if (what.empty() && p.cache && !p.cache->ok()) what = "kv cache" + at;
    if (what.empty() && !p.bytes_ok())
      for (const auto& b : p.bytes)
        if (!b.ok()) {
          what = "bytes of " + b.kernel + at;
          break;
        }
  }
  for (const auto& m : v.memory)
    if (what.empty() && !m.ok()) what = m.what;
  return v.name + ": DISAGREE (" + (what.empty() ? "see the table" : what) + ")";
}

nlohmann::ordered_json validation_json(const ModelValidation& v) {
  using oj = nlohmann::ordered_json;
  oj j;
  j["name"] = v.name;
  j["model_class"] = v.model_class;
  j["attn_implementation"] = v.attn_implementation;
  if (!v.attention_note.empty()) j["attention_note"] = v.attention_note;
  j["ok"] = v.ok();
  j["config"] = v.config_kwargs;
  if (!v.error.empty()) j["error"] = v.error;
  j["unknowns"] = v.unknowns;
  j["points"] = oj::array();
  for (const auto& p : v.points) {
    oj pj;
    pj["batch_size"] = p.point.batch_size;
    pj["seq_len"] = p.point.seq_len;
    pj["cache_len"] = p.point.cache_len;
    pj["ok"] = p.ok();
    pj["static"] = to_json(p.static_totals);
    pj["traced"] = to_json(p.traced_totals);
    oj rel;
    for (const auto& m : kMetrics) rel[m.name] = relative_error(p.static_totals.*(m.field), p.traced_totals.*(m.field));
    pj["relative_error"] = rel;
    oj fc;
    fc["static_matmul_flops"] = to_json_number(p.flop_counter.static_matmul_flops);
    fc["bias_add_flops"] = to_json_number(p.flop_counter.bias_add_flops);
    fc["flop_counter_flops"] = p.flop_counter.flop_counter_flops;
    fc["attention_excluded"] = p.flop_counter.attention_excluded;
    fc["ok"] = p.flop_counter.ok();
    oj kernels = oj::array();
    for (const auto& k : p.flop_counter.kernels)
      kernels.push_back({{"kernel", k.kernel},
                         {"leaf_flops_less_bias", to_json_number(k.leaf_flops)},
                         {"flop_counter_flops", k.flop_counter_flops},
                         {"excluded", k.excluded},
                         {"ok", k.ok()}});
    fc["kernels"] = kernels;
    pj["flop_counter"] = fc;
    oj diffs = oj::array();
    for (const auto& d : p.diffs)
      diffs.push_back({{"kernel", d.kernel},
                       {"traced_calls", d.traced_calls},
                       {"static", to_json(d.static_cost)},
                       {"traced", to_json(d.traced_cost)}});
    pj["diffs"] = diffs;
    oj unpriced = oj::array();
    for (const auto& u : p.unpriced) unpriced.push_back({{"name", u.name}, {"where", u.where}, {"reason", u.reason}});
    pj["unpriced"] = unpriced;
    if (p.cache) pj["cache"] = memory_json(*p.cache);
    if (p.experts_hit) pj["experts_hit"] = {{"mean", to_json_number(*p.experts_hit)}, {"calls", p.expert_calls}};
    oj bytes = oj::array();
    for (const auto& b : p.bytes)
      bytes.push_back({{"kernel", b.kernel},
                       {"calls", b.calls},
                       {"leaf_read", to_json_number(b.leaf_read)},
                       {"aten_read", b.aten_read},
                       {"leaf_write", to_json_number(b.leaf_write)},
                       {"aten_write", b.aten_write},
                       {"mixed_calls", b.mixed_calls},
                       {"rule", b.rule.empty() ? oj() : oj(b.rule)},
                       {"ok", b.ok()}});
    pj["bytes"] = bytes;
    j["points"].push_back(pj);
  }
  j["memory"] = nlohmann::ordered_json::array();
  for (const auto& m : v.memory) j["memory"].push_back(memory_json(m));
  return j;
}

}  // namespace kcost
