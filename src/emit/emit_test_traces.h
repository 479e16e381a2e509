// Hand-built KernelTraces shared by the emit tests: a LlamaMLP-like kernel (three F.linear
// projections, an F.silu activation, an elementwise mul) and a LlamaModel-like kernel (an
// embedding, a decoder-layer stack with a symbolic count, a norm, one unknown call).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "expr/expr.h"
#include "trace/kernel_trace.h"

namespace kcost {
namespace test_traces {

inline const char* const kLlamaFile =
    "/venv/lib/python3.12/site-packages/transformers/models/llama/modeling_llama.py";

inline ChildCall child(std::string label, std::string kernel, bool leaf,
                       std::vector<std::pair<std::string, std::string>> bindings, int line,
                       std::string source, std::vector<std::string> inputs, std::string why,
                       const std::string& count = "1") {
  ChildCall c;
  c.label = std::move(label);
  c.kernel = std::move(kernel);
  c.leaf = leaf;
  for (const auto& [param, text] : bindings) c.bindings.emplace_back(param, Expr::parse(text));
  c.count = Expr::parse(count);
  c.file = kLlamaFile;
  c.line = line;
  c.source = std::move(source);
  c.inputs = std::move(inputs);
  c.why = std::move(why);
  return c;
}

inline KernelTrace llama_mlp() {
  KernelTrace t;
  t.kernel_name = "transformers.models.llama.modeling_llama.LlamaMLP";
  t.file = kLlamaFile;
  t.init_first = 145;
  t.init_last = 154;
  t.forward_first = 156;
  t.forward_last = 158;
  t.inputs = {"x: [batch_size, seq_len, config.hidden_size]"};
  const std::string x = "x: [batch_size, seq_len, config.hidden_size]";
  const std::string inter = "[batch_size, seq_len, config.intermediate_size]";
  const char* call = "self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))";
  t.children = {
      child("gate_proj", "F.linear", true,
            {{"M", "batch_size * seq_len"},
             {"K", "config.hidden_size"},
             {"N", "config.intermediate_size"},
             {"has_bias", "config.mlp_bias"}},
            157, "self.gate_proj(x)", {x},
            "nn.Linear(config.hidden_size, config.intermediate_size, bias=config.mlp_bias) "
            "(line 150); M is the product of the leading dims of x"),
      child("up_proj", "F.linear", true,
            {{"M", "batch_size * seq_len"},
             {"K", "config.hidden_size"},
             {"N", "config.intermediate_size"},
             {"has_bias", "config.mlp_bias"}},
            157, "self.up_proj(x)", {x}, "nn.Linear(config.hidden_size, config.intermediate_size)"),
      child("act_fn", "F.silu", true,
            {{"num_elements", "batch_size * seq_len * config.intermediate_size"}}, 157,
            "self.act_fn(self.gate_proj(x))", {"gate_proj: " + inter},
            "ACT2FN[config.hidden_act] with hidden_act = 'silu' (config default)"),
      child("mul", "torch.mul", true,
            {{"num_elements", "batch_size * seq_len * config.intermediate_size"},
             {"a_elements", "batch_size * seq_len * config.intermediate_size"},
             {"b_elements", "batch_size * seq_len * config.intermediate_size"}},
            157, "self.act_fn(self.gate_proj(x)) * self.up_proj(x)",
            {"a: " + inter, "b: " + inter}, "elementwise product of equal shapes"),
      child("down_proj", "F.linear", true,
            {{"M", "batch_size * seq_len"},
             {"K", "config.intermediate_size"},
             {"N", "config.hidden_size"},
             {"has_bias", "config.mlp_bias"}},
            157, call, {"mul: " + inter},
            "nn.Linear(config.intermediate_size, config.hidden_size, bias=config.mlp_bias)"),
  };
  return t;
}

inline KernelTrace llama_model() {
  KernelTrace t;
  t.kernel_name = "transformers.models.llama.modeling_llama.LlamaModel";
  t.file = kLlamaFile;
  t.init_first = 330;
  t.init_last = 345;
  t.forward_first = 347;
  t.forward_last = 410;
  t.inputs = {"input_ids: [batch_size, seq_len]"};
  t.children = {
      child("embed_tokens", "F.embedding", true,
            {{"num_indices", "batch_size * seq_len"}, {"embedding_dim", "config.hidden_size"}},
            368, "self.embed_tokens(input_ids)", {"input_ids: [batch_size, seq_len]"},
            "nn.Embedding(config.vocab_size, config.hidden_size, self.padding_idx)"),
      child("layers", "transformers.models.llama.modeling_llama.LlamaDecoderLayer", false, {},
            390, "decoder_layer(hidden_states, ...)",
            {"hidden_states: [batch_size, seq_len, config.hidden_size]"},
            "for decoder_layer in self.layers[: self.config.num_hidden_layers]: every layer is "
            "the same class",
            "config.num_hidden_layers"),
      child("norm", "transformers.models.llama.modeling_llama.LlamaRMSNorm", false,
            {{"hidden_size", "config.hidden_size"}, {"eps", "config.rms_norm_eps"}}, 400,
            "self.norm(hidden_states)", {"hidden_states: [batch_size, seq_len, config.hidden_size]"},
            "LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps) (line 338)"),
      child("mystery", "unknown", false, {}, 404, "torch.ops.custom.fused_thing(hidden_states)",
            {"hidden_states: [batch_size, seq_len, config.hidden_size]"},
            "call of torch.ops.custom.fused_thing: no leaf kernel and no Python source"),
  };
  t.branches = {{kLlamaFile, 352, "taken: `if use_cache and past_key_values is None` (use_cache=True)"},
                {kLlamaFile, 360, "skipped: `if inputs_embeds is not None` (inputs_embeds is None)"}};
  t.assumptions = {{kLlamaFile, 390, "every decoder layer costs the same"}};
  return t;
}

}  // namespace test_traces
}  // namespace kcost
