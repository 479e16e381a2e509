#include "expr/exact_json.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <vector>

#include "expr/number.h"

namespace kcost {

namespace {

using GiNaC::numeric;
using ojson = nlohmann::ordered_json;

constexpr std::uint8_t kExactSubtype = 0x6b;  // 'k'

template <typename J>
J exact_value(const std::string& text) {
  return J::binary(typename J::binary_t::container_type(text.begin(), text.end()), kExactSubtype);
}

template <typename J>
bool is_exact(const J& j) {
  return j.is_binary() && j.get_binary().has_subtype() && j.get_binary().subtype() == kExactSubtype;
}

template <typename J>
std::string exact_text(const J& j) {
  const auto& bytes = j.get_binary();
  return std::string(bytes.begin(), bytes.end());
}

// "123", "-7", "3.25" (the value of a terminating decimal), else "".
std::string number_text(const numeric& n) {
  std::ostringstream out;
  if (n.is_integer()) {
    out << n;
    return out.str();
  }
  numeric den = n.denom(), scale = 1;
  int digits = 0;
  // A terminating decimal: the denominator has no prime factors but 2 and 5.
  numeric rest = den;
  while (GiNaC::irem(rest, 2).is_zero()) rest = GiNaC::iquo(rest, 2);
  while (GiNaC::irem(rest, 5).is_zero()) rest = GiNaC::iquo(rest, 5);
  if (rest != 1) return "";
  while (!GiNaC::irem(scale, den).is_zero()) {
    scale *= 10;
    ++digits;
  }
  out << GiNaC::abs(n) * scale;
  std::string d = out.str();
  if (d.size() <= static_cast<size_t>(digits)) d = std::string(digits - d.size() + 1, '0') + d;
  return (n.is_negative() ? "-" : "") + d.substr(0, d.size() - digits) + "." + d.substr(d.size() - digits);
}

bool is_nonfinite_literal(const std::string& text) { return text == "NaN" || text == "Infinity" || text == "-Infinity"; }

template <typename J>
std::optional<numeric> value_of(const J& j) {
  if (is_exact(j)) {
    const std::string text = exact_text(j);
    if (is_nonfinite_literal(text)) return std::nullopt;
    size_t dot = text.find('.');
    if (dot == std::string::npos) return numeric(text.c_str());
    std::string digits = text.substr(0, dot) + text.substr(dot + 1);
    numeric scale = 1;
    for (size_t i = dot + 1; i < text.size(); ++i) scale *= 10;
    return numeric(digits.c_str()) / scale;
  }
  if (j.is_number_unsigned()) {
    std::uint64_t v = j.template get<std::uint64_t>();
    return numeric(static_cast<unsigned long>(v));
  }
  if (j.is_number_integer()) return numeric(static_cast<long>(j.template get<std::int64_t>()));
  if (j.is_number_float()) {
    double v = j.template get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    return number::make_float(v);
  }
  return std::nullopt;
}

template <typename J>
void dump_to(const J& j, int indent, int level, std::string& out) {
  if (is_exact(j)) {
    out += exact_text(j);
    return;
  }
  const bool pretty = indent >= 0;
  auto newline = [&](int at) {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<size_t>(indent) * static_cast<size_t>(at), ' ');
  };
  if (j.is_object()) {
    if (j.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!first) out += ',';
      first = false;
      newline(level + 1);
      out += J(it.key()).dump();
      out += pretty ? ": " : ":";
      dump_to(it.value(), indent, level + 1, out);
    }
    newline(level);
    out += '}';
  } else if (j.is_array()) {
    if (j.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const J& item : j) {
      if (!first) out += ',';
      first = false;
      newline(level + 1);
      dump_to(item, indent, level + 1, out);
    }
    newline(level);
    out += ']';
  } else {
    out += j.dump();
  }
}

// Builds an ordered_json like nlohmann's DOM parser, with the exceptions of parse_exact.
class ExactBuilder : public nlohmann::json_sax<ojson> {
 public:
  // `nulls`: for each `null` token of the text in order, "" or the non-finite literal it stands for.
  ExactBuilder(int max_depth, std::vector<std::string> nulls) : max_depth_(max_depth), nulls_(std::move(nulls)) {}

  bool null() override {
    size_t i = null_count_++;
    if (i < nulls_.size() && !nulls_[i].empty()) return add(exact_value<ojson>(nulls_[i]));
    return add(nullptr);
  }
  bool boolean(bool v) override { return add(v); }
  bool number_integer(number_integer_t v) override { return add(v); }
  bool number_unsigned(number_unsigned_t v) override { return add(v); }
  bool number_float(number_float_t v, const string_t& text) override {
    if (text.find_first_of(".eE") == string_t::npos) return add(exact_value<ojson>(text));  // a big integer
    if (!std::isfinite(v)) return fail("number " + text + " is out of the range of a double");
    return add(v);
  }
  bool string(string_t& v) override { return add(std::move(v)); }
  bool binary(binary_t& v) override { return add(ojson::binary(v)); }
  bool start_object(std::size_t) override { return open(ojson::object()); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return open(ojson::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& e) override {
    std::string what = e.what();
    size_t bracket = what.find("] ");
    return fail(bracket == std::string::npos ? what : what.substr(bracket + 2));
  }

  ojson root;
  std::string error;

 private:
  bool fail(const std::string& message) {
    if (error.empty()) error = message;
    return false;
  }
  ojson* place(ojson&& v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    ojson& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    ojson& slot = top[key_];
    slot = std::move(v);
    return &slot;
  }
  bool add(ojson v) {
    place(std::move(v));
    return true;
  }
  bool open(ojson v) {
    if (static_cast<int>(stack_.size()) >= max_depth_)
      return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
    stack_.push_back(place(std::move(v)));
    return true;
  }

  int max_depth_;
  std::vector<std::string> nulls_;
  size_t null_count_ = 0;
  std::vector<ojson*> stack_;
  std::string key_;
};

}  // namespace

nlohmann::json exact_json_number(const numeric& n) {
  if (number::is_float(n)) return number::as_double(n);
  if (n.is_integer()) {
    if (n >= numeric(LONG_MIN) && n <= numeric(LONG_MAX)) return static_cast<std::int64_t>(n.to_long());
    if (n.is_positive() && n <= numeric(ULONG_MAX)) {
      numeric high = GiNaC::iquo(n, numeric(1L << 32));
      numeric low = n - high * numeric(1L << 32);
      return (static_cast<std::uint64_t>(high.to_long()) << 32) + static_cast<std::uint64_t>(low.to_long());
    }
  }
  if (!n.is_rational()) {  // not produced by kcost's arithmetic; keep it readable
    std::ostringstream out;
    out << n;
    return out.str();
  }
  std::string text = number_text(n);
  if (text.empty()) {
    std::ostringstream out;
    out << n;  // "a/b"
    return out.str();
  }
  return exact_value<nlohmann::json>(text);
}

std::optional<numeric> json_number_value(const nlohmann::json& j) { return value_of(j); }
std::optional<numeric> json_number_value(const ojson& j) { return value_of(j); }
bool is_exact_number(const nlohmann::json& j) { return is_exact(j); }
bool is_exact_number(const ojson& j) { return is_exact(j); }

std::string dump_exact(const nlohmann::json& j, int indent) {
  std::string out;
  dump_to(j, indent, 0, out);
  return out;
}

std::string dump_exact(const ojson& j, int indent) {
  std::string out;
  dump_to(j, indent, 0, out);
  return out;
}

ojson parse_exact(std::string_view text, int max_depth, bool nonfinite) {
  // Outside strings, each integer literal of more than 20 digits (beyond 64 bits, an exact number:
  // nlohmann would read one beyond the double range, `125 ** 890` written out, as an error) and,
  // with `nonfinite`, each NaN, Infinity and -Infinity becomes `null` padded with spaces to its
  // length (error offsets stay those of the text), remembered in the order of the null tokens,
  // which is the order the parser reports them in.
  std::string replaced;
  std::vector<std::string> nulls;
  bool in_string = false;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') replaced += text.substr(i, 2), i += 2;
      else replaced += c, in_string = c != '"', ++i;
      continue;
    }
    if (is_digit(c) || (c == '-' && i + 1 < text.size() && is_digit(text[i + 1]))) {
      size_t end = i + 1;
      while (end < text.size() && (is_digit(text[end]) || text[end] == '.' || text[end] == 'e' || text[end] == 'E' ||
                                   text[end] == '+' || text[end] == '-'))
        ++end;
      const std::string_view token = text.substr(i, end - i);
      const size_t first = token[0] == '-' ? 1 : 0;  // an integer: a minus, then digits, the first not 0
      if (token.find_first_not_of("0123456789", first) == std::string_view::npos && token.size() - first > 20 &&
          token[first] != '0') {
        nulls.push_back(std::string(token));
        replaced += "null" + std::string(token.size() - 4, ' ');
      } else {
        replaced += token;
      }
      i = end;
      continue;
    }
    bool matched = false;
    if (nonfinite)
      for (const char* literal : {"null", "NaN", "Infinity", "-Infinity"}) {
        std::string_view l(literal);
        if (text.substr(i, l.size()) == l) {
          nulls.push_back(l == "null" ? "" : std::string(l));
          replaced += l.size() < 4 ? std::string("null") : "null" + std::string(l.size() - 4, ' ');
          i += l.size();
          matched = true;
          break;
        }
      }
    if (matched) continue;
    if (c == 'n' && text.substr(i, 4) == "null") {  // a null of the text stands for itself
      nulls.push_back("");
      replaced += "null";
      i += 4;
      continue;
    }
    in_string = c == '"';
    replaced += c;
    ++i;
  }
  text = replaced;
  ExactBuilder builder(max_depth, std::move(nulls));
  bool ok = false;
  try {
    ok = ojson::sax_parse(text.begin(), text.end(), &builder);
  } catch (const nlohmann::json::exception& e) {
    throw JsonTextError(e.what());
  }
  if (!ok) throw JsonTextError(builder.error.empty() ? "invalid JSON" : builder.error);
  return std::move(builder.root);
}

}  // namespace kcost
