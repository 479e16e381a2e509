// Exact numbers in JSON text. nlohmann/json holds integers of 64 bits and doubles; kcost's
// numbers are exact integers and rationals of any size. exact_json_number() makes a JSON value
// that dump_exact() writes as exact number text: an integer of any size ("123456789012345678901"),
// a terminating decimal ("3306363274.5"); a rational that has no finite decimal is the string
// "a/b". parse_exact() reads JSON text keeping integer literals beyond 64 bits exact (nlohmann
// would round them to doubles). Such values are held as a JSON binary value of a kcost subtype,
// which no JSON text parses to, so they cannot be confused with user data; a plain nlohmann
// dump() would write them as a binary object, so text with them must go through dump_exact.
#pragma once

#include <ginac/ginac.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kcost {

// A JSON integer when `n` is an integer of 64 bits, a JSON float for a float; otherwise an exact
// number (see above), or the string "a/b" for a rational without a finite decimal.
nlohmann::json exact_json_number(const GiNaC::numeric& n);

// The value of a JSON number or an exact number; nullopt for anything else (strings included).
std::optional<GiNaC::numeric> json_number_value(const nlohmann::json& j);
std::optional<GiNaC::numeric> json_number_value(const nlohmann::ordered_json& j);

// True for the exact-number values of exact_json_number and parse_exact.
bool is_exact_number(const nlohmann::json& j);
bool is_exact_number(const nlohmann::ordered_json& j);

// Like j.dump(indent) (same layout: `indent` spaces per level, compact when negative), with
// exact numbers written as number text. Throws nlohmann::json::type_error for invalid UTF-8.
std::string dump_exact(const nlohmann::json& j, int indent = -1);
std::string dump_exact(const nlohmann::ordered_json& j, int indent = -1);

// Invalid JSON text for parse_exact; what() is one line: "parse error at byte 12: ...".
struct JsonTextError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses JSON text like nlohmann::ordered_json::parse, except that integer literals beyond 64
// bits become exact numbers, and that a float literal out of the double range (1e400), and
// nesting deeper than `max_depth` are errors (kcost's JSON is shallow; deep nesting would
// exhaust the stack of recursive readers). With `nonfinite`, the literals NaN, Infinity and
// -Infinity that Python's json module reads and writes (transformers writes them into
// config.json files) are read too, as values that dump_exact writes back as the same literal
// and that have no number (json_number_value gives nullopt). Throws JsonTextError.
nlohmann::ordered_json parse_exact(std::string_view text, int max_depth = 256, bool nonfinite = false);

}  // namespace kcost
