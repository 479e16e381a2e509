// GenerationCall: the call the analysis models, as transformers' GenerationMixin.generate makes
// it. generate builds each step's keywords with the model's `prepare_inputs_for_generation`: the
// base class's (transformers.generation) gives the design's call (input_ids sliced to the new
// tokens, the cache, the 2-D mask of ones, use_cache), and a model may override it: mamba passes
// no mask once past the prefill, openai-gpt (no cache) the whole sequence, bamba asks for the
// last token's logits only. Where the root class (or a model class in its MRO) overrides it, the
// override is interpreted over the step generate makes at a point (the whole sequence so far,
// [batch_size, cache_len + seq_len], with the last seq_len tokens new; is_first_iteration is
// `cache_len == 0`; next_sequence_length is seq_len, which generate leaves None at the prefill,
// where the whole sequence is the new tokens: the same slice); what it returns is the root forward()'s
// inputs. An item it makes in one arm of a run-time condition only (the mask that is None past the
// prefill) is a value that is None unless that condition holds (Value::none_unless). An item the
// interpretation cannot decide keeps the design's value, and a note says which and why.
// A model generate starts without a DynamicCache (_supports_default_dynamic_cache() False:
// ClassSource::default_dynamic_cache) continues from what its prefill returned: the root forward()
// runs first on the prefill's tokens with no cache (recording nothing), the model's own
// `_update_model_kwargs_for_generation` takes its output, and what that adds (its cache object,
// rwkv's `state`) is passed to the call, None unless a token is cached; its floating-point tensors
// are the cache's memory (carried_elements).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "facts/module_facts.h"
#include "interp/value.h"
#include "trace/kernel_trace.h"
#include "trace/shape_tracer.h"

namespace kcost {

struct GenerationCall {
  std::map<std::string, ValuePtr> inputs;  // root forward() parameter -> value
  std::vector<TraceNote> notes;            // what the override decided, and what it could not
  // Elements of the floating-point tensors of the state a prefill returned and the call continues
  // with (generation_call's carry): the cache's memory, 0 at cache_len = 0.
  Expr carried_elements{0};
};

// The root forward()'s inputs at a point (root_inputs, changed by the model's own
// prepare_inputs_for_generation where it has one); `tracer` runs the override (record null).
GenerationCall generation_call(ShapeTracer& tracer, SourceLocator& locator, const ModuleFacts& root);

}  // namespace kcost
