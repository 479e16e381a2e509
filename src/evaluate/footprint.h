// Footprint: the memory a model needs at a runtime point, from its resolved tree's root
// footprint (resolve/resolved_tree.h): its parameters and buffers, and the KV cache once
// `cache_len` tokens are cached for each of `batch_size` sequences. Elements are exact; bytes are
// elements times their width: parameters and buffers at `weight_bytes`, the cache at `kv_bytes`
// (both default to `bytes`, the activations' width: evaluate/values.h). Parameters count once per module, as
// `model.parameters()` does (tied weights once); buffers are listed apart (rotary inv_freq and
// the like: they live on the device too, but are no weights).
//
// Fit: the largest batch whose parameters, buffers and cache fit in a memory capacity.
#pragma once

#include <optional>
#include <stdexcept>

#include <ginac/ginac.h>
#include <nlohmann/json.hpp>

#include "evaluate/values.h"
#include "resolve/resolved_tree.h"

namespace kcost {

struct MemoryFootprint {
  GiNaC::numeric parameters = 0;      // elements
  GiNaC::numeric buffers = 0;         // elements
  GiNaC::numeric cache_elements = 0;  // KV cache elements after cache_len tokens, all sequences
  GiNaC::numeric bytes = 2;           // per element of an activation
  GiNaC::numeric weight_bytes = 2;    // per element of a parameter or buffer
  GiNaC::numeric kv_bytes = 2;        // per element of the KV cache
  GiNaC::numeric parameter_bytes() const { return parameters * weight_bytes; }
  GiNaC::numeric buffer_bytes() const { return buffers * weight_bytes; }
  GiNaC::numeric cache_bytes() const { return cache_elements * kv_bytes; }
  GiNaC::numeric total_bytes() const { return parameter_bytes() + buffer_bytes() + cache_bytes(); }
};

// nullopt when the tree carries no footprint (cost files written without one, or a composite
// whose memory depends on a parameter no call binds). `values` must have every symbol of the
// root's footprint (batch_size, cache_len, bytes, config.*; weight_bytes and kv_bytes default to
// bytes when absent): throws EvaluateError naming it.
std::optional<MemoryFootprint> evaluate_footprint(const ResolvedTree& tree, const Values& values);

// The largest batch_size (at the other values of `values`) whose total bytes are at most
// `capacity`; 0 when even one sequence does not fit. The cache grows with the batch (never
// shrinks), so the search is exponential then binary, `evaluate_footprint` at each step.
// nullopt when nothing grows with the batch (no cached tokens): memory does not bound it.
// Throws std::invalid_argument when the tree has no footprint.
std::optional<GiNaC::numeric> largest_batch(const ResolvedTree& tree, Values values, const GiNaC::numeric& capacity);

// {"parameters", "parameter_bytes", "buffers", "buffer_bytes", "cache_elements",
// "cache_bytes", "total_bytes"}: exact numbers.
nlohmann::ordered_json to_json(const MemoryFootprint& f);

}  // namespace kcost
