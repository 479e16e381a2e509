// Configs of published checkpoints, as their config.json files say, written into a suite's
// scratch directory (cli_support.h) for CLI tests at full size. Built in code: nothing is
// downloaded.
#pragma once

#include <string>

#include "cli_support.h"

namespace kcost_test {

// meta-llama/Llama-2-7b-hf's config.json as published.
inline std::string llama2_7b(const std::string& suite) {
  return write(suite, "llama2-7b.json", R"({"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
    "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008,
    "max_position_embeddings": 4096, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
    "num_key_value_heads": 32, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
    "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.31.0.dev0", "use_cache": true,
    "vocab_size": 32000})");
}

// mistralai/Mistral-7B-v0.1's config.json as published.
inline std::string mistral_7b(const std::string& suite) {
  return write(suite, "mistral-7b.json", R"({"architectures": ["MistralForCausalLM"], "bos_token_id": 1,
    "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
    "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 32,
    "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
    "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.34.0.dev0", "use_cache": true,
    "vocab_size": 32000})");
}

// The text part of google/gemma-3-27b-it's config: a sliding window of 1024 on five layers of six.
inline std::string gemma3_27b(const std::string& suite) {
  return write(suite, "gemma3-27b.json", R"({"model_type": "gemma3_text", "hidden_size": 5376,
    "intermediate_size": 21504, "num_attention_heads": 32, "num_hidden_layers": 62, "num_key_value_heads": 16,
    "head_dim": 128, "query_pre_attn_scalar": 168, "sliding_window": 1024, "sliding_window_pattern": 6,
    "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
    "vocab_size": 262208, "max_position_embeddings": 131072, "final_logit_softcapping": null,
    "attn_logit_softcapping": null, "hidden_activation": "gelu_pytorch_tanh", "rms_norm_eps": 1e-06})");
}

}  // namespace kcost_test
