#include "cli/number_options.h"

#include <cctype>
#include <cmath>

#include "costfile/message_text.h"
#include "expr/error.h"

namespace po = boost::program_options;

namespace kcost {

namespace {

// 10000000 as "10 million", other counts as digits.
std::string count_text(size_t n) {
  if (n >= 1000000 && n % 1000000 == 0) return std::to_string(n / 1000000) + " million";
  return std::to_string(n);
}

}  // namespace

po::options_description point_options() {
  po::options_description o("Runtime point");
  o.add_options()
      ("batch-size", po::value<std::string>()->default_value("1"), "sequences in the batch")
      ("seq-len", po::value<std::string>()->default_value("1"), "new tokens per sequence (1: decode)")
      ("cache-len", po::value<std::string>()->default_value("0"), "tokens already in the KV cache (0: prefill)")
      ("bytes", po::value<std::string>()->default_value("2"),
       "bytes per element of the activations (2: bf16; 0.5 exact; or a name: bf16, fp8, ...)");
  o.add(width_options());
  o.add(experts_hit_options());
  return o;
}

po::options_description width_options(bool lists) {
  po::options_description o("Mixed precision");
  std::string list = lists ? "a comma-separated list of widths; each " : "";
  o.add_options()
      ("weight-bytes", po::value<std::string>(),
       (list + "bytes per element of the parameters and buffers a kernel reads (default: --bytes): a number "
               "(0.5) or a format: fp32, bf16, fp16, fp8, int8, int4, int4-g128 (an fp16 scale per 128 "
               "weights, counted), int4-g128-zp (and a 4-bit zero point), int8-g128, mxfp4, nvfp4, mxfp8")
          .c_str())
      ("kv-bytes", po::value<std::string>(),
       (list + "bytes per element of the KV cache, held and read by attention (default: --bytes): a number or "
               "fp32, bf16, fp16, fp8, int8, int4")
          .c_str())
      ("compute-precision", po::value<std::string>(),
       "the precision the roofline's peak FLOP/s is of (bf16, fp16, fp8, int8, int4; default: the hardware "
       "table's peak_flops, dense bf16), from the table's peak_flops_by_precision");
  return o;
}

std::optional<Precision> width_option(const po::variables_map& vm, const std::string& option) {
  if (!vm.count(option)) return std::nullopt;
  std::string text = vm[option].as<std::string>();
  try {
    return parse_precision(text);
  } catch (const std::invalid_argument& e) {
    throw po::error("--" + option + ": " + e.what());
  }
}

std::vector<Precision> width_list(const po::variables_map& vm, const std::string& option) {
  std::vector<Precision> out;
  if (!vm.count(option)) return out;
  std::string text = vm[option].as<std::string>();
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      out.push_back(parse_precision(item));
    } catch (const std::invalid_argument& e) {
      throw po::error("--" + option + ": " + e.what());
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

po::options_description experts_hit_options() {
  po::options_description o("Mixture-of-experts");
  o.add_options()
      ("experts-hit", po::value<std::string>(),
       "experts one MoE layer's call reaches: a count (6, or a mean such as 5.5) or a share of the layer's experts "
       "(50%); default: no bound but min(experts, tokens * top_k), exact at decode of one sequence and at long "
       "prefill, an upper bound between");
  return o;
}

std::optional<ExpertsHit> experts_hit(const po::variables_map& vm) {
  if (!vm.count("experts-hit")) return std::nullopt;
  std::string text = vm["experts-hit"].as<std::string>();
  try {
    return parse_experts_hit(text);
  } catch (const std::invalid_argument& e) {
    throw po::error("--experts-hit " + std::string(e.what()) + ", not " + quote_for_message(text));
  }
}

namespace {

GiNaC::numeric number_option(const po::variables_map& vm, const std::string& option, bool positive,
                             bool integer = false) {
  std::string text = vm[option].as<std::string>();
  GiNaC::numeric n;
  try {
    n = parse_exact_number(text);
  } catch (const std::invalid_argument&) {
    throw po::error("--" + option + " wants a number, not " + quote_for_message(text));
  }
  if (n.is_negative() || (positive && n.is_zero()))
    throw po::error("--" + option + " must be " + (positive ? "positive" : "zero or more") + ", not " + quote_for_message(text));
  if (integer && !n.is_integer()) throw po::error("--" + option + " must be a whole number, not " + quote_for_message(text));
  return n;
}

}  // namespace

RuntimePoint runtime_point(const po::variables_map& vm) {
  RuntimePoint p;
  p.batch_size = number_option(vm, "batch-size", true, true);
  p.seq_len = number_option(vm, "seq-len", true, true);
  p.cache_len = number_option(vm, "cache-len", false, true);
  {
    std::string text = vm["bytes"].as<std::string>();
    bool name = !text.empty() && std::isalpha(static_cast<unsigned char>(text[0]));
    p.bytes = name ? width_option(vm, "bytes")->bytes : number_option(vm, "bytes", true);
  }
  if (std::optional<Precision> w = width_option(vm, "weight-bytes")) {
    p.weight_bytes = w->bytes;
    p.weight_dequantize_flops = w->dequantize_flops;
  }
  if (std::optional<Precision> k = width_option(vm, "kv-bytes")) p.kv_bytes = k->bytes;
  p.experts_hit = experts_hit(vm);
  return p;
}

double si_number(const std::string& text, const std::string& option) {
  static const std::string suffixes = "KMGTPE";
  std::string digits = text;
  double scale = 1;
  if (!digits.empty()) {
    size_t s = suffixes.find(static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back()))));
    if (s != std::string::npos && !(digits.size() > 1 && (digits[digits.size() - 2] == 'e' || digits[digits.size() - 2] == 'E'))) {
      scale = std::pow(1000.0, static_cast<double>(s + 1));
      digits.pop_back();
    }
  }
  try {
    double v = parse_exact_number(digits).to_double() * scale;
    if (!(v > 0) || !std::isfinite(v)) throw std::invalid_argument("");
    return v;
  } catch (const std::invalid_argument&) {
    throw po::error("--" + option + " wants a positive number such as 989e12 or 989T, not " + quote_for_message(text));
  }
}

std::vector<GiNaC::numeric> number_list(const std::string& text, const std::string& option,
                                        size_t max_values) {
  std::vector<GiNaC::numeric> out;
  const std::string too_many = "the list has more than " + count_text(max_values) + " values";
  auto bad = [&](const std::string& why) {
    return po::error("--" + option + " " + quote_for_message(text) + ": " + one_line(why) + " (want a list like 1,8,64 or a range start:stop:step)");
  };
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      size_t c1 = item.find(':');
      if (c1 == std::string::npos) {
        if (out.size() >= max_values) throw bad(too_many);
        out.push_back(parse_exact_number(item));
      } else {
        size_t c2 = item.find(':', c1 + 1);
        GiNaC::numeric a = parse_exact_number(item.substr(0, c1));
        GiNaC::numeric b = parse_exact_number(item.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1));
        GiNaC::numeric step = c2 == std::string::npos ? 1 : parse_exact_number(item.substr(c2 + 1));
        if (!step.is_positive()) throw bad("the step must be positive");
        if (b < a) throw bad("the range is empty");
        if ((b - a) / step + out.size() >= max_values) throw bad(too_many);
        for (GiNaC::numeric v = a; v <= b; v += step) out.push_back(v);
      }
    } catch (const std::invalid_argument& e) {
      throw bad(e.what());
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (const GiNaC::numeric& n : out)
    if (n.is_negative()) throw bad("negative value");
  return out;
}

std::map<std::string, Expr> bindings(const std::vector<std::string>& binds) {
  std::map<std::string, Expr> out;
  for (const std::string& b : binds) {
    size_t eq = b.find('=');
    if (eq == std::string::npos || eq == 0) throw po::error("--bind wants NAME=EXPR, not " + quote_for_message(b));
    try {
      out[b.substr(0, eq)] = Expr::parse(b.substr(eq + 1));
    } catch (const ExprError& e) {
      throw po::error("--bind " + quote_for_message(b) + ": " + one_line(e.what()));
    }
  }
  return out;
}

}  // namespace kcost
