#!/usr/bin/env python3
"""Full-size check: kcost's matmul-class FLOPs for published checkpoints' configs against
torch.utils.flop_counter.FlopCounterMode counting a real forward on the meta device.

`kcost validate` proves everything on small configs; this checks the same cost files at the sizes
people deploy, past the sliding windows (Mistral-7B's 4096, Gemma-2's 4096, Gemma-3's 512), with
an independent counter. The model is built on the meta device (no memory, no weights), the cache
is prefilled with cache_len tokens (not counted), and one call of seq_len new tokens is counted,
with eager attention (FlopCounterMode then counts the attention matmuls too). kcost's side is
`kcost eval <type> --config <the config> --attn-implementation eager --format json`: the FLOPs of
its matmul-class leaves (F.linear, torch.matmul, ...). FlopCounterMode counts a product with a
bias (aten's addmm, baddbmm) as the product alone, where kcost's leaves count the bias adds too
(one per output element): those adds are counted beside it, one per element of each such
product's output. The configs are typed here from the model cards' config.json (nothing is
downloaded).

  .venv/bin/python scripts/full_size_check.py                      # every model, every point
  .venv/bin/python scripts/full_size_check.py mistral-7b --points 1,1,9000

Prints one line per (model, point) and exits 1 when any differs (2 on a usage error).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Published configs (the fields that size the model; the rest are the config class defaults).
MODELS = {
    "llama-3-8b": ("llama", dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                 num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
                                 rope_theta=500000.0, max_position_embeddings=8192)),
    "mistral-7b": ("mistral", dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                   num_attention_heads=32, num_key_value_heads=8, vocab_size=32000,
                                   sliding_window=4096, max_position_embeddings=32768)),
    "gemma-2-9b": ("gemma2", dict(hidden_size=3584, intermediate_size=14336, num_hidden_layers=42,
                                  num_attention_heads=16, num_key_value_heads=8, head_dim=256,
                                  vocab_size=256000, sliding_window=4096, query_pre_attn_scalar=256,
                                  final_logit_softcapping=30.0, attn_logit_softcapping=50.0)),
    "phi-3-mini": ("phi3", dict(hidden_size=3072, intermediate_size=8192, num_hidden_layers=32,
                                num_attention_heads=32, num_key_value_heads=32, vocab_size=32064,
                                sliding_window=2047, max_position_embeddings=4096)),
    "gemma-3-1b": ("gemma3_text", dict(hidden_size=1152, intermediate_size=6912, num_hidden_layers=26,
                                       num_attention_heads=4, num_key_value_heads=1, head_dim=256,
                                       vocab_size=262144, sliding_window=512, query_pre_attn_scalar=256)),
    "qwen2.5-7b": ("qwen2", dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                                 num_attention_heads=28, num_key_value_heads=4, vocab_size=152064,
                                 max_position_embeddings=32768, rope_theta=1000000.0)),
    "qwen3-8b": ("qwen3", dict(hidden_size=4096, intermediate_size=12288, num_hidden_layers=36,
                               num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                               vocab_size=151936, max_position_embeddings=40960, rope_theta=1000000.0)),
    "gpt2-xl": ("gpt2", dict(n_embd=1600, n_layer=48, n_head=25, vocab_size=50257, n_positions=1024)),
    "falcon-7b": ("falcon", dict(hidden_size=4544, num_hidden_layers=32, num_attention_heads=71,
                                 multi_query=True, parallel_attn=True, bias=False, vocab_size=65024,
                                 new_decoder_architecture=False, alibi=False)),
    "pythia-6.9b": ("gpt_neox", dict(hidden_size=4096, intermediate_size=16384, num_hidden_layers=32,
                                     num_attention_heads=32, rotary_pct=0.25, vocab_size=50432,
                                     max_position_embeddings=2048, use_parallel_residual=True)),
    "phi-2": ("phi", dict(hidden_size=2560, intermediate_size=10240, num_hidden_layers=32,
                          num_attention_heads=32, partial_rotary_factor=0.4, vocab_size=51200,
                          max_position_embeddings=2048)),
    "starcoder2-7b": ("starcoder2", dict(hidden_size=4608, intermediate_size=18432, num_hidden_layers=32,
                                         num_attention_heads=36, num_key_value_heads=4, vocab_size=49152,
                                         sliding_window=4096, max_position_embeddings=16384, use_bias=True)),
    "mistral-nemo": ("mistral", dict(hidden_size=5120, intermediate_size=14336, num_hidden_layers=40,
                                     num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                                     vocab_size=131072, sliding_window=None, max_position_embeddings=1024000)),
    "gemma-7b": ("gemma", dict(hidden_size=3072, intermediate_size=24576, num_hidden_layers=28,
                               num_attention_heads=16, num_key_value_heads=16, head_dim=256, vocab_size=256000)),
    "olmo2-7b": ("olmo2", dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                               num_attention_heads=32, num_key_value_heads=32, vocab_size=100352,
                               max_position_embeddings=4096)),
    "bloom-7b1": ("bloom", dict(hidden_size=4096, n_layer=30, n_head=32, vocab_size=250880)),
    "stablelm-3b": ("stablelm", dict(hidden_size=2560, intermediate_size=6912, num_hidden_layers=32,
                                     num_attention_heads=32, num_key_value_heads=32, partial_rotary_factor=0.25,
                                     vocab_size=50304, use_qkv_bias=False)),
    "granite-3-8b": ("granite", dict(hidden_size=4096, intermediate_size=12800, num_hidden_layers=40,
                                     num_attention_heads=32, num_key_value_heads=8, vocab_size=49155,
                                     attention_multiplier=0.0078125, embedding_multiplier=12.0,
                                     logits_scaling=16.0, residual_multiplier=0.22, bos_token_id=0,
                                     eos_token_id=0, pad_token_id=0)),
    "command-r": ("cohere", dict(hidden_size=8192, intermediate_size=22528, num_hidden_layers=40,
                                 num_attention_heads=64, num_key_value_heads=64, vocab_size=256000,
                                 use_qk_norm=False)),
    "starcoder": ("gpt_bigcode", dict(n_embd=6144, n_layer=40, n_head=48, multi_query=True, vocab_size=49152,
                                      n_positions=8192)),
    "opt-6.7b": ("opt", dict(hidden_size=4096, ffn_dim=16384, num_hidden_layers=32, num_attention_heads=32,
                             vocab_size=50272, word_embed_proj_dim=4096)),
    "mixtral-8x7b": ("mixtral", dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                     num_attention_heads=32, num_key_value_heads=8, num_local_experts=8,
                                     num_experts_per_tok=2, vocab_size=32000, sliding_window=None)),
    "deepseek-v2-lite": ("deepseek_v2", dict(hidden_size=2048, intermediate_size=10944, moe_intermediate_size=1408,
                                             num_hidden_layers=27, num_attention_heads=16, num_key_value_heads=16,
                                             n_routed_experts=64, n_shared_experts=2, num_experts_per_tok=6,
                                             first_k_dense_replace=1, kv_lora_rank=512, q_lora_rank=None,
                                             qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128,
                                             vocab_size=102400, topk_method="greedy", n_group=1, topk_group=1)),
    "qwen3-30b-a3b": ("qwen3_moe", dict(hidden_size=2048, intermediate_size=6144, moe_intermediate_size=768,
                                        num_hidden_layers=48, num_attention_heads=32, num_key_value_heads=4,
                                        head_dim=128, num_experts=128, num_experts_per_tok=8, vocab_size=151936)),
}
# Mixtures of experts run their experts as `batched_mm` on both sides: transformers' default
# grouped_mm takes only bfloat16 on CPU and the meta device, and the eager loop's `nonzero` needs
# values the meta device does not have; batched_mm gathers each row's expert weights and runs bmm,
# which FlopCounterMode counts (a model without experts ignores the option).
EXPERTS = "batched_mm"
MATMUL_CLASS = {"F.linear", "torch.matmul", "torch.bmm", "torch.mm", "torch.addmm", "torch.baddbmm",
                "torch.einsum", "F.scaled_dot_product_attention"}


def points(text):
    out = []
    for item in text.split(";"):
        fields = item.split(",")
        if len(fields) != 3 or not all(f.strip().isdigit() for f in fields):
            raise argparse.ArgumentTypeError(f"bad point {item!r} (want batch,seq,cache; ...)")
        b, s, c = (int(f) for f in fields)
        if b < 1 or s < 1:
            raise argparse.ArgumentTypeError(f"bad point {item!r}: batch and seq_len must be positive")
        out.append((b, s, c))
    return out


# aten products with a bias operand, whose adds FlopCounterMode leaves out.
WITH_BIAS = frozenset(("addmm", "baddbmm", "addbmm", "addmv"))


def bias_adds_mode():
    """A TorchDispatchMode counting one add per output element of each product with a bias."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class BiasAdds(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.adds = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if func._schema.name.split("::")[-1] in WITH_BIAS:
                self.adds += out.numel()
            return out

    return BiasAdds()


def counted(config, b, s, c):
    """FlopCounterMode's FLOPs of one call, and the bias adds of its products."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import AutoModelForCausalLM, DynamicCache
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, attn_implementation="eager",
                                                 experts_implementation=EXPERTS).eval()
    with torch.no_grad(), torch.device("meta"):
        cache = DynamicCache(config=config)
        if c:
            model(input_ids=torch.zeros(b, c, dtype=torch.long),
                  attention_mask=torch.ones(b, c, dtype=torch.long), past_key_values=cache, use_cache=True)
        with FlopCounterMode(display=False) as counter, bias_adds_mode() as bias:
            model(input_ids=torch.zeros(b, s, dtype=torch.long),
                  attention_mask=torch.ones(b, c + s, dtype=torch.long), past_key_values=cache, use_cache=True)
    return counter.get_total_flops(), bias.adds


def kcost_flops(kcost, model_type, config_path, b, s, c):
    command = [kcost, "eval", model_type, "--config", config_path, "--attn-implementation", "eager",
               "--batch-size", str(b), "--seq-len", str(s), "--cache-len", str(c), "--format", "json",
               "--depth", "0", "--experts-implementation", EXPERTS, "--python-env", sys.prefix]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"{' '.join(command)} exited {run.returncode}: {run.stderr.strip()[-500:]}")
    by_kernel = json.loads(run.stdout)["by_kernel"]
    return sum(int(v["flops"]) for k, v in by_kernel.items() if k in MATMUL_CLASS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="models: " + ", ".join(MODELS))
    parser.add_argument("models", nargs="*", help="models to check (default: all)")
    parser.add_argument("--points", type=points, default=points("1,256,0;1,1,9000;2,7,5000"),
                        help="batch,seq_len,cache_len;... (default: a prefill, a decode and a chunk "
                             "past every window: 1,256,0;1,1,9000;2,7,5000)")
    parser.add_argument("--kcost", default=os.path.join(ROOT, "build", "kcost"), help="the kcost binary")
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model {unknown[0]!r} (models: {', '.join(MODELS)})")
    import warnings
    warnings.simplefilter("ignore")
    from transformers import AutoConfig
    differ = 0
    with tempfile.TemporaryDirectory() as work:
        for name in args.models or MODELS:
            model_type, fields = MODELS[name]
            config = AutoConfig.for_model(model_type, **fields)
            path = os.path.join(work, f"{name}.json")
            config.to_json_file(path)
            for b, s, c in args.points:
                theirs, adds = counted(config, b, s, c)
                ours = kcost_flops(args.kcost, model_type, path, b, s, c)
                same = ours == theirs + adds
                differ += not same
                print(f"{name:13} b={b} s={s} c={c}: kcost {ours}  FlopCounterMode {theirs} + bias adds {adds}  "
                      f"{'agree' if same else 'DIFFER'}", flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
