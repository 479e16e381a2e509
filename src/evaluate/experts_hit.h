// experts_hit: how many distinct experts routing reaches in one call of a mixture-of-experts
// layer, an implicit runtime quantity beside batch_size, seq_len, cache_len and bytes. The
// analysis cannot know it (routing decides), so what depends on it is bounded in the cost files
// as `min(min(E, rows), experts_hit)`: at most every expert of the layer, at most one per row
// that passes through the experts (batch_size * seq_len * top_k). It enters as the weights a
// grouped expert product reads (F.grouped_mm's E_read) and as the iterations of an experts loop
// over the experts hit (trace/routing.h: H iterations of rows / H rows each).
//
// How a tree is evaluated with respect to it (with_experts_hit):
// - unset (the default): no bound beyond that one: `min(E, rows)`, exact at both ends (a decode
//   step of one sequence reaches exactly top_k experts, a long prefill all of them) and an upper
//   bound in between, where the expectation under uniform routing, E * (1 - (1 - 1/E)^rows) for
//   top-1, would be below it: the bound is chosen because it never understates traffic and
//   needs no model of routing;
// - a count N (`--experts-hit 6`, or a mean such as 5.5 over the layers): min(E, rows, N), what a
//   user who knows their routing statistics measured (validate binds it to the mean the real run
//   hit, per point);
// - a share (`--experts-hit 50%`): that share of each layer's experts, min(E, rows, share * E).
#pragma once

#include <optional>
#include <string>

#include "evaluate/values.h"  // ExpertsHit
#include "resolve/resolved_tree.h"

namespace kcost {

inline constexpr const char* kExpertsHit = "experts_hit";

// The tree with experts_hit decided (see the file comment): every expression of every node,
// by_kernel and footprints rewritten. Throws EvaluateError when a formula uses experts_hit
// other than as a bound in a min (it then needs a count: "give --experts-hit").
ResolvedTree with_experts_hit(const ResolvedTree& tree, const std::optional<ExpertsHit>& hit);

// True when some expression of the tree uses experts_hit.
bool uses_experts_hit(const ResolvedTree& tree);

}  // namespace kcost
