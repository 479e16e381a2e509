#include "evaluate/precision.h"

#include <cctype>
#include <map>
#include <stdexcept>

#include "evaluate/values.h"

namespace kcost {

namespace {

using GiNaC::numeric;

std::string lower(const std::string& s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> a = {
      {"fp32", "fp32"},     {"float32", "fp32"}, {"float", "fp32"},   {"fp16", "fp16"},   {"float16", "fp16"},
      {"half", "fp16"},     {"bf16", "bf16"},    {"bfloat16", "bf16"}, {"fp8", "fp8"},     {"float8", "fp8"},
      {"e4m3", "fp8"},      {"fp8_e4m3", "fp8"}, {"fp8_e5m2", "fp8"}, {"int8", "int8"},   {"int4", "int4"},
      {"fp4", "fp4"},       {"mxfp4", "mxfp4"},  {"nvfp4", "nvfp4"},  {"mxfp8", "mxfp8"}};
  return a;
}

const char* kKnown = "fp32, fp16, bf16, fp8, int8, int4, fp4, int8-gG, int4-gG, int4-gG-zp, mxfp4, nvfp4, mxfp8, or a number";

}  // namespace

Precision parse_precision(const std::string& text) {
  Precision p;
  p.name = text;
  std::string t = lower(text);
  auto bad = [&](const std::string& why) -> Precision {
    throw std::invalid_argument("'" + text + "': " + why + " (a width is " + kKnown + ")");
  };
  if (!t.empty() && (std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '.')) {
    try {
      p.bytes = parse_exact_number(t);
    } catch (const std::invalid_argument&) {
      return bad("not a number");
    }
    if (!p.bytes.is_positive()) return bad("not positive");
    return p;
  }
  // int4-g128, int4-g128-zp, int8-g64
  std::string base = t, rest;
  if (size_t dash = t.find('-'); dash != std::string::npos) {
    base = t.substr(0, dash);
    rest = t.substr(dash + 1);
  }
  auto it = aliases().find(base);
  if (it == aliases().end()) return bad("unknown precision");
  const std::string& name = it->second;
  static const std::map<std::string, numeric> widths = {
      {"fp32", 4},         {"fp16", 2},         {"bf16", 2}, {"fp8", 1}, {"int8", 1}, {"int4", numeric(1, 2)},
      {"fp4", numeric(1, 2)}, {"mxfp4", numeric(17, 32)}, {"nvfp4", numeric(9, 16)}, {"mxfp8", numeric(33, 32)}};
  p.bytes = widths.at(name);
  if (name == "mxfp4" || name == "nvfp4" || name == "mxfp8") p.dequantize_flops = 1;
  if (rest.empty()) return p;
  if (name != "int4" && name != "int8") return bad("group scales are for int4 and int8 (int4-g128)");
  if (rest[0] != 'g') return bad("expected -gG (a group size) after " + name);
  size_t i = 1;
  while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
  if (i == 1 || i > 10) return bad("expected a group size after -g");
  numeric group = parse_exact_number(rest.substr(1, i - 1));
  if (!group.is_positive()) return bad("the group size must be positive");
  bool zero_point = false;
  if (i < rest.size()) {
    if (rest.substr(i) != "-zp") return bad("expected nothing or -zp after the group size");
    zero_point = true;
  }
  // One fp16 scale (2 bytes) per group; with a zero point, a 4-bit one more (packed).
  p.bytes += (zero_point ? numeric(5, 2) : numeric(2)) / group;
  p.dequantize_flops = zero_point ? 2 : 1;
  return p;
}

std::string compute_precision(const std::string& text) {
  auto it = aliases().find(lower(text));
  if (it == aliases().end())
    throw std::invalid_argument("'" + text + "': unknown compute precision (fp32, fp16, bf16, fp8, int8, int4, fp4)");
  // Block-scaled formats compute in their element type.
  if (it->second == "mxfp4" || it->second == "nvfp4") return "fp4";
  if (it->second == "mxfp8") return "fp8";
  return it->second;
}

}  // namespace kcost
