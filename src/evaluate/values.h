// Values: the numbers a resolved tree is evaluated at. A runtime point (`batch_size`,
// `seq_len`, `cache_len`, `bytes`) and a model config (`config.<attr>`), both as exact GiNaC
// numbers keyed by symbol name. Config values come from the JSON the Python side extracts
// (config class defaults or a user's config.json): integers exactly, booleans as 1/0, floats as
// Python floats, nested objects (text_config, rope_scaling) as dotted names
// (`config.text_config.hidden_size`), attribute_map aliases under both names; strings, lists and
// nulls have no number and are left out (a formula that needs one fails naming it).
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <ginac/ginac.h>
#include <nlohmann/json.hpp>

namespace kcost {

using Values = std::map<std::string, GiNaC::numeric>;

// The runtime point of the design's inference call: `cache_len` tokens in the KV cache,
// `seq_len` new tokens (prefill: cache_len 0; decode: seq_len 1), `bytes` per element of the
// model dtype (2 for bf16/fp16; 0.5 for 4-bit is exact 1/2).
// experts_hit (evaluate/experts_hit.h), when the user gives it: a count of the experts one
// mixture-of-experts layer's call reaches (6, or a mean such as 5.5), or a share of its experts.
struct ExpertsHit {
  enum class Kind { Count, Share };
  Kind kind = Kind::Count;
  GiNaC::numeric value = 1;  // a count >= 1, or a share in (0, 1]
};

// weight_bytes and kv_bytes (mixed precision): the widths of the parameters and buffers a leaf
// reads and of the KV cache, beside `bytes`, the activations' width (trace/leaf_binding.h says
// which operand is which). Unset, each is `bytes`, so a model at one width is what it always was.
struct RuntimePoint {
  GiNaC::numeric batch_size = 1;
  GiNaC::numeric seq_len = 1;
  GiNaC::numeric cache_len = 0;
  GiNaC::numeric bytes = 2;
  std::optional<GiNaC::numeric> weight_bytes;  // unset: bytes
  std::optional<GiNaC::numeric> kv_bytes;      // unset: bytes
  std::optional<ExpertsHit> experts_hit;  // unset: the bound alone (not among runtime_values)
  // FLOPs per weight element read that the weights' format implies (evaluate/precision.h: a
  // weight-only quantized matmul dequantizing what it reads); 0 for a plain width.
  GiNaC::numeric weight_dequantize_flops = 0;
  GiNaC::numeric weight_width() const { return weight_bytes ? *weight_bytes : bytes; }
  GiNaC::numeric kv_width() const { return kv_bytes ? *kv_bytes : bytes; }
};

// "6", "5.5", "11/2" (a count, at least 1) or "50%", "12.5%" (a share of the experts, above 0
// and at most 100%). Throws std::invalid_argument with a one-line reason.
ExpertsHit parse_experts_hit(const std::string& text);
// "6", "11/2", "50%".
std::string to_string(const ExpertsHit& hit);

// {"batch_size": .., "seq_len": .., "cache_len": .., "bytes": .., "weight_bytes": .., "kv_bytes": ..}
// (weight_bytes and kv_bytes are `bytes` when the point leaves them unset)
Values runtime_values(const RuntimePoint& point);

// A user-supplied number: a decimal integer ("4096"), a decimal fraction ("0.5", exact 1/2) or
// a ratio ("1/2"). Throws std::invalid_argument naming the text for anything else.
GiNaC::numeric parse_exact_number(const std::string& text);

// "config.<attr>" -> value for every numeric attribute of `values` (see the file comment), plus
// "config.<alias>" for each attribute_map alias -> real attribute in `aliases`.
Values config_values(const nlohmann::json& values, const nlohmann::json& aliases = nlohmann::json::object());

// A user's config file that cannot be used; one line naming the file.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a HuggingFace config.json: must be a JSON object. Throws ConfigError
// "<path>: cannot read: ..." / "<path>: not valid JSON: ..." / "<path>: top level is not an object"
// / "<path>: $.vocab_size: integer out of the 64-bit range". Python's NaN, Infinity and -Infinity
// are read (as values without a number that dump_exact writes back as they were: see
// expr/exact_json.h); floats beyond the double range and nesting deeper than 32 levels are
// "not valid JSON".
nlohmann::json read_config_file(const std::string& path);

// The part of a checkpoint's config.json that configures a model whose config class has the
// defaults `class_defaults`: the file itself, except that a file with a nested `text_config`
// object configures a text-only class (one whose defaults have no `text_config`) through that
// object, with top-level fields the object lacks (and the class has) filled in from the top level.
nlohmann::json text_model_config(const nlohmann::json& file, const nlohmann::json& class_defaults);

// Exact value as text: "123", "-7", "0.5" (a terminating decimal), "1/3" (otherwise a ratio).
std::string to_string(const GiNaC::numeric& n);
// The value as an exact JSON number (expr/exact_json.h: write it with dump_exact): an integer of
// any size, a terminating decimal, else the string "a/b"; a float stays a float.
nlohmann::json to_json_number(const GiNaC::numeric& n);

}  // namespace kcost
