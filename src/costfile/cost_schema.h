// CostSchema: checks cost JSON files against the spec's format, for the tests and for user
// files that `kcost resolve` reads. Every problem is one line naming the file, the JSON path
// and what is wrong, e.g.
//   "costs/X.json: $.children.q_proj.bindings.M: expression 'a +': column 4: expected an operand"
// JSON paths are `$`, `.key` for identifier keys, `['key']` for other keys (labels with dots:
// `$.children['apply_rotary_pos_emb.mul_q_cos']`) and `[i]` for array elements.
//
// The rules (validate_cost_json):
// - an object with `kernel_name` (a non-empty string usable as a file name), `init_params` and
//   `forward_params` (arrays of distinct Python identifiers; not `self`, `config` or an implicit
//   symbol), an optional `description` string, and no other fields than those below;
// - either a leaf: `flops`, `memory_read`, `memory_write` expressions, `init_params` empty, no
//   `children`; formulas may use only the forward_params and `bytes`; optionally the leaf
//   library's metadata `matmul_class` (a boolean) and `bias_add_flops` (a formula);
// - or a composite: a `children` object and none of the formula fields; each child (a non-empty
//   label) is an object with `kernel` (non-empty string), `bindings` (an object from parameter
//   names to expressions) and an optional `count` (a positive integer, or an expression that is
//   not a number other than a positive integer); binding and count expressions may use only the
//   kernel's own init_params and forward_params, `config.<attr>` (dotted) and the implicit
//   `batch_size`, `seq_len`, `cache_len`, `bytes`;
// - an expression is a string that Expr::parse accepts (a JSON number is accepted too, as the
//   leaf loader does); `self` or `self.<attr>` anywhere is an error.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "costfile/message_text.h"  // json_path_key, for the messages
#include "leaves/leaf_catalog.h"

namespace kcost {

// The implicit runtime symbols every kernel may use: batch_size, seq_len, cache_len, bytes, and
// experts_hit (the experts routing reaches in one MoE layer's call: evaluate/experts_hit.h).
bool is_implicit_symbol(const std::string& name);

// The problems of one parsed cost JSON (empty: valid). `file` only names it in the messages.
std::vector<std::string> validate_cost_json(const nlohmann::json& j, const std::string& file);

// Validates every *.json file of `dir` (sorted by name): unreadable files, invalid JSON and
// duplicate object keys (which a JSON parser would silently merge) are problems, then
// validate_cost_json, then across files:
// - a file's kernel_name must match its file name (<kernel_name>.json);
// - each child's `kernel` must be a leaf of `leaves` or have a file <dir>/<kernel>.json, or be
//   "unknown", which is a problem only when `allow_unknown` is false;
// - a child's bindings must bind exactly the child's parameters (a leaf's forward_params, a
//   composite's init_params and forward_params): none extra, and none missing except a
//   composite's init param that no cost depends on (see param_matters in the .cpp).
// A missing or unreadable directory is one problem naming it. Paths in messages are
// <dir>/<file name>.
std::vector<std::string> validate_cost_dir(const std::string& dir, const LeafCatalog& leaves,
                                           bool allow_unknown);

}  // namespace kcost
