#include "evaluate/values.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "expr/error.h"
#include "expr/exact_json.h"
#include "expr/number.h"

namespace kcost {

namespace {

using GiNaC::numeric;

numeric pow10(int n) {
  numeric r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

void add_values(const nlohmann::json& object, const std::string& prefix, Values& out) {
  for (const auto& item : object.items()) {
    const std::string name = prefix + item.key();
    const nlohmann::json& v = item.value();
    if (v.is_boolean()) out[name] = v.get<bool>() ? 1 : 0;
    else if (v.is_number_unsigned()) out[name] = numeric(static_cast<unsigned long>(v.get<unsigned long long>()));
    else if (v.is_number_integer()) out[name] = numeric(static_cast<long>(v.get<long long>()));
    else if (v.is_number_float()) {
      try {
        out[name] = number::make_float(v.get<double>());
      } catch (const ExprError&) {  // inf or nan: no number
      }
    } else if (v.is_object()) add_values(v, name + ".", out);
  }
}

// Nesting of a config.json that kcost reads (real ones nest 3 levels; text_config.rope_scaling).
constexpr int kMaxConfigDepth = 32;

// A key as a JSON path step: `.name` for a plain name, else `["..."]` with the key as a JSON
// string (escaped, so that a key holding a newline keeps an error on one line).
std::string path_step(const std::string& key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (plain) return "." + key;
  return "[" + nlohmann::json(key).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "]";
}

// The JSON path of the first integer beyond 64 bits in `j` ("$.vocab_size"), or "".
std::string exact_number_path(const nlohmann::ordered_json& j, const std::string& path) {
  if (is_exact_number(j) && json_number_value(j)) return path;  // (not NaN or Infinity)
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (std::string p = exact_number_path(it.value(), path + path_step(it.key())); !p.empty()) return p;
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i)
      if (std::string p = exact_number_path(j[i], path + "[" + std::to_string(i) + "]"); !p.empty()) return p;
  }
  return "";
}

}  // namespace

Values runtime_values(const RuntimePoint& point) {
  return {{"batch_size", point.batch_size},
          {"seq_len", point.seq_len},
          {"cache_len", point.cache_len},
          {"bytes", point.bytes},
          {"weight_bytes", point.weight_width()},
          {"kv_bytes", point.kv_width()}};
}

numeric parse_exact_number(const std::string& text) {
  auto fail = [&]() -> numeric { throw std::invalid_argument("'" + text + "' is not a number"); };
  size_t slash = text.find('/');
  if (slash != std::string::npos) {
    numeric num = parse_exact_number(text.substr(0, slash));
    numeric den = parse_exact_number(text.substr(slash + 1));
    if (den.is_zero()) throw std::invalid_argument("'" + text + "': division by zero");
    return num / den;
  }
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  numeric value = 0;
  int digits = 0, fraction_digits = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits)
    value = value * 10 + (text[i] - '0');
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++fraction_digits)
      value = value * 10 + (text[i] - '0');
  }
  if (digits + fraction_digits == 0) return fail();
  value /= pow10(fraction_digits);
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exp = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative_exp = text[i++] == '-';
    int exp = 0, exp_digits = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && exp < 1000; ++i, ++exp_digits)
      exp = exp * 10 + (text[i] - '0');
    if (exp_digits == 0) return fail();
    value = negative_exp ? value / pow10(exp) : value * pow10(exp);
  }
  if (i != text.size()) return fail();
  return negative ? -value : value;
}

Values config_values(const nlohmann::json& values, const nlohmann::json& aliases) {
  Values out;
  if (values.is_object()) add_values(values, "config.", out);
  if (aliases.is_object()) {
    for (const auto& a : aliases.items()) {
      if (!a.value().is_string()) continue;
      // A nested config's alias ("audio_config.d_model") names an attribute of that config.
      const size_t dot = a.key().rfind('.');
      const std::string where = dot == std::string::npos ? "config." : "config." + a.key().substr(0, dot + 1);
      const std::string real = where + a.value().get<std::string>();
      const std::string alias = "config." + a.key();
      Values copies;
      for (const auto& [name, v] : out) {
        if (name == real) copies[alias] = v;
        else if (name.compare(0, real.size() + 1, real + ".") == 0) copies[alias + name.substr(real.size())] = v;
      }
      for (auto& [name, v] : copies) out.emplace(name, v);
    }
  }
  return out;
}

nlohmann::json read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the config file");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::ordered_json j;
  try {
    j = parse_exact(text.str(), kMaxConfigDepth, /*nonfinite=*/true);
  } catch (const JsonTextError& e) {
    throw ConfigError(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw ConfigError(path + ": the top level is not a JSON object");
  if (std::string where = exact_number_path(j, "$"); !where.empty())
    throw ConfigError(path + ": " + where + ": integer out of the 64-bit range");
  return nlohmann::json(j);
}

nlohmann::json text_model_config(const nlohmann::json& file, const nlohmann::json& class_defaults) {
  auto text = file.find("text_config");
  if (text == file.end() || !text->is_object() || class_defaults.contains("text_config")) return file;
  nlohmann::json merged = *text;
  for (const auto& item : file.items())
    if (item.key() != "text_config" && !merged.contains(item.key()) && class_defaults.contains(item.key()))
      merged[item.key()] = item.value();
  return merged;
}

std::string to_string(const numeric& n) {
  std::ostringstream out;
  if (number::is_float(n)) {
    out << number::float_repr(number::as_double(n));
    return out.str();
  }
  if (n.is_rational() && !n.is_integer()) {
    // A terminating decimal when the denominator divides a power of ten: 1/2 -> "0.5".
    numeric den = n.denom(), scale = 1;
    int digits = 0;
    while (!GiNaC::irem(scale, den).is_zero() && digits < 64) {
      scale *= 10;
      ++digits;
    }
    if (GiNaC::irem(scale, den).is_zero()) {
      numeric scaled = GiNaC::abs(n) * scale;  // an integer
      std::ostringstream digits_text;
      digits_text << scaled;
      std::string d = digits_text.str();
      if (d.size() <= static_cast<size_t>(digits)) d = std::string(digits - d.size() + 1, '0') + d;
      return (n.is_negative() ? "-" : "") + d.substr(0, d.size() - digits) + "." + d.substr(d.size() - digits);
    }
  }
  out << n;
  return out.str();
}

nlohmann::json to_json_number(const numeric& n) { return exact_json_number(n); }


ExpertsHit parse_experts_hit(const std::string& text) {
  ExpertsHit hit;
  std::string number = text;
  if (!text.empty() && text.back() == '%') {
    hit.kind = ExpertsHit::Kind::Share;
    number = text.substr(0, text.size() - 1);
  }
  GiNaC::numeric v;
  try {
    v = parse_exact_number(number);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("wants a count of experts (6, 5.5) or a share of them (50%)");
  }
  if (hit.kind == ExpertsHit::Kind::Share) {
    if (v <= 0 || v > 100) throw std::invalid_argument("wants a share of the experts above 0% and at most 100%");
    hit.value = v / 100;
  } else {
    if (v < 1) throw std::invalid_argument("wants at least 1 expert (a layer that routes a token hits one)");
    hit.value = v;
  }
  return hit;
}

std::string to_string(const ExpertsHit& hit) {
  if (hit.kind == ExpertsHit::Kind::Share) return to_string(GiNaC::numeric(hit.value * 100)) + "%";
  return to_string(hit.value);
}

}  // namespace kcost
