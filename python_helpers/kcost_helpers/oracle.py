"""The traced run of the correctness oracle: records what a real model does, prices nothing.

`traced_run(model, attn_implementation, points)` builds the model class from a small config
derived from its config class defaults (random weights, CPU, float32, eval, no download), and for
each point (batch_size, seq_len, cache_len) prefills cache_len tokens into a DynamicCache (not
recorded), then runs the measured call
    model(input_ids, attention_mask=ones(b, c + s), cache=cache, use_cache=True)
both made as GenerationMixin.generate makes them (model_run.generation_inputs: the model's own
prepare_inputs_for_generation and _update_model_kwargs_for_generation; a model whose generate
starts without a DynamicCache continues with the state its prefill returned),
and records, at the level the model source is written in, every call it makes:
  - module calls (forward pre/post hooks): the class's qualified names, constructor parameters
    read off the instance, the arguments, and the calls made inside its forward (nested);
  - torch function calls (a TorchFunctionMode; nested torch calls are not seen, because the mode
    is off while it handles a call): the callable's qualified names, its short name, the
    method's self, the arguments;
  - transformers' attention dispatch for a fused implementation (the functions registered in
    AttentionInterface, wrapped for the call): one record, with what the interface receives;
    nothing inside it is recorded.
Calls made inside mask creation (transformers/masking_utils.py) and inside the cache
(transformers/cache_utils.py) are not recorded (checked on the Python stack). Attribute reads
(x.shape, x.dtype) are not calls and are not recorded.
Also recorded: torch.utils.flop_counter.FlopCounterMode's count of the same measured call, per
aten op, and for every record what it counted inside that call ("aten_flops"): the independent
cross-check, attributable to the call that did the FLOPs.
Arguments are plain data: a tensor is {"tensor": shape, "dtype": name} (and "same": n on each
argument of a function call that is one view of one storage given twice); numbers, None, strings,
lists (tuples, torch.Size) as JSON; slices, Ellipsis, dtypes, devices, modules and other objects
as one-key objects. The C++ side decides what each record costs.
"""

import contextlib
import copy
import importlib
import inspect
import json
import math
import os
import sys

from .locate import _import_object, _qualname, attention_registry
from .model_run import build_model, cache_keyword, generation_inputs

# Sizes of the small config: heads, kv heads (when the config has them), head_dim, layers, vocab.
_HEADS = 8
_KV_HEADS = 4
_HEAD_DIM = 16
_LAYERS = 3
_VOCAB = 997
_MAX_EXPERTS = 4
_MAX_EXPERTS_PER_TOKEN = 2
_CLIP = 8.0  # a clipping bound the defaults leave unset
# Windows and chunks of local attention, so that the default points reach past them (a decode
# point with twice as many cached tokens, a prefill longer than the window).
_WINDOW = 4
# Of the 3 layers, those below this index are full and the rest windowed (Qwen2's
# max_window_layers), or every this-many-th layer is full (sliding_window_pattern): kinds mix.
_WINDOW_LAYERS = 1
_WINDOW_PATTERN = 2
_WINDOW_NAMES = ("sliding_window", "sliding_window_size", "attention_chunk_size", "attention_window")
# The sizes above by the names `kcost validate --small-config-rule NAME=N,...` gives them: a run
# of the oracle may take other values for some (`_small_config_rule`), so that the analysis is
# proven at other shapes (more layers, other head counts, a longer window) than the default's.
_RULE_SIZES = {"heads": "_HEADS", "kv_heads": "_KV_HEADS", "head_dim": "_HEAD_DIM", "layers": "_LAYERS",
               "vocab": "_VOCAB", "experts": "_MAX_EXPERTS", "experts_per_token": "_MAX_EXPERTS_PER_TOKEN",
               "window": "_WINDOW", "window_layers": "_WINDOW_LAYERS", "window_pattern": "_WINDOW_PATTERN"}


@contextlib.contextmanager
def _small_config_rule(sizes):
    """The rule's sizes set from `sizes` ({name: positive int}, names of _RULE_SIZES) while the
    block runs, and as they were after it."""
    saved = {constant: globals()[constant] for constant in _RULE_SIZES.values()}
    try:
        for name, value in sizes.items():
            if name not in _RULE_SIZES:
                raise ValueError(f"unknown size '{name}' of the small config's rule (known: {', '.join(_RULE_SIZES)})")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"the small config's {name} must be a positive integer, not {value!r}")
            globals()[_RULE_SIZES[name]] = value
        yield
    finally:
        globals().update(saved)


def _config_class_of(model_class):
    from .configs import _config_class_of as of

    config_class = of(model_class)
    if config_class is None:
        raise LookupError(f"cannot tell which config class '{_qualname(model_class)}' takes")
    return config_class


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_expert_count(low):
    """A count of routed experts: num_experts, num_local_experts, n_routed_experts,
    moe_num_experts (not shared experts, which every token runs)."""
    return "shared" not in low and (
        low in ("num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts", "n_experts")
        or low.endswith(("_num_experts", "_routed_experts", "_local_experts")))


def _is_shared_expert_count(low):
    return "shared_expert" in low and (low.startswith(("n_", "num_")) or "_num_" in low)


def _is_top_k(low):
    """How many experts each token goes to: num_experts_per_tok, moe_topk, top_k, moe_top_k,
    moe_k (Ernie 4.5), num_selected_experts; not topk_group (a count of groups)."""
    return (low in ("top_k", "topk", "num_selected_experts", "moe_k")
            or "experts_per_tok" in low
            or low.endswith(("_top_k", "_topk")))


def _layer_kinds_named(config_class, mlp):
    """The layer kinds transformers allows (configuration_utils' ALLOWED_ATTN_LAYER_TYPES, or the
    MLP ones) that the model's modeling module names as string literals, full attention first."""
    import re

    from transformers import configuration_utils

    allowed = getattr(configuration_utils, "ALLOWED_MLP_LAYER_TYPES" if mlp else "ALLOWED_ATTN_LAYER_TYPES", None)
    if allowed is None:
        allowed = getattr(configuration_utils, "ALLOWED_LAYER_TYPES", ())
    module = config_class.__module__.rsplit(".", 1)
    if len(module) != 2 or not module[1].startswith("configuration_"):
        return []
    try:
        source = inspect.getsource(importlib.import_module(module[0] + ".modeling_" + module[1][len("configuration_"):]))
    except (ImportError, OSError, TypeError):
        return []
    named = set(re.findall(r"[\"']([a-z_]+)[\"']", source))
    kinds = [k for k in allowed if k in named]
    if "full_attention" in kinds:
        kinds.remove("full_attention")
        kinds.insert(0, "full_attention")
    return kinds


_NESTING = [0]  # how deep small_config_kwargs is in nested configs now


def _nested_small_config(nested):
    """The small keywords of a nested config (a multimodal model's text_config, vision_config,
    audio_config): the same rule applied to its own class, so that a wrapper's towers are small
    too (one level deep; a config that cannot be built small keeps its defaults)."""
    if _NESTING[0] >= 1:
        return {}
    _NESTING[0] += 1
    try:
        kwargs = small_config_kwargs(type(nested))
        # A nested class that refuses keywords it does not name (4.x Dbrx's attn_config: "Found
        # unknown kwargs") takes no `is_decoder`, which 4.x passes through **kwargs.
        if "is_decoder" in kwargs:
            try:
                type(nested)(**kwargs)
            except Exception:  # noqa: BLE001 - whatever the class raises
                kwargs.pop("is_decoder")
        return kwargs
    except Exception:  # noqa: BLE001 - a nested class that needs arguments to be built
        return {}
    finally:
        _NESTING[0] -= 1


def _latent_attention_parts(defaults, params, heads_name, kv_name):
    """The head parts of multi-head latent attention (DeepSeek V2's MLA: a config with a
    kv_lora_rank), kept consistent: every head size (head_dim, *_head_dim: qk_nope_head_dim,
    qk_rope_head_dim, v_head_dim, qk_head_dim, index_head_dim) is scaled by the one factor that
    makes the smallest of them _HEAD_DIM, so that sums (qk_head_dim = nope + rope) and equalities
    (head_dim = qk_rope_head_dim) the defaults hold still hold (the latent ranks, q_lora_rank and
    kv_lora_rank, scale with hidden like other sizes). The keys and values are expanded from the
    latent per query head (kv_b_proj makes num_heads heads), so the kv heads are the query heads:
    a smaller num_key_value_heads would make the eager path repeat them. Returns {} for a config
    without a latent."""
    rank = getattr(defaults, "kv_lora_rank", None)
    if not _is_int(rank) or rank <= 0:
        return {}
    parts = {}
    for name in sorted(params):
        v = getattr(defaults, name, None)
        low = name.lower()
        if _is_int(v) and v > 0 and (low == "head_dim" or low.endswith("_head_dim")):
            parts[name] = v
    if not parts:
        return {}
    smallest = min(parts.values())
    kwargs = {}
    for name, v in parts.items():
        kwargs[name] = max(2, (v * _HEAD_DIM) // smallest)
    if kv_name and heads_name:
        kwargs[kv_name] = _HEADS
    return kwargs


def _dense_first_layers(defaults, params):
    """A count of dense layers before the mixture-of-experts ones (DeepSeek's first_k_dense_replace,
    num_dense_layers) is 1, so that the 3 layers of the small config mix a dense layer with MoE
    layers (a default of 3 would leave none of the experts built)."""
    kwargs = {}
    for name in sorted(params):
        v = getattr(defaults, name, None)
        if name.lower() in ("first_k_dense_replace", "num_dense_layers") and _is_int(v) and v > 1:
            kwargs[name] = 1
    return kwargs


def _expert_groups(defaults, params):
    """Group-limited routing (DeepSeek V3's n_group groups of experts, the best topk_group of them
    searched): more than one group becomes 2 groups (2 of the at most 4 experts each) of which 1 is
    searched, so that the groups still divide the experts and the group limit still selects."""
    kwargs = {}
    for name in sorted(params):
        v = getattr(defaults, name, None)
        low = name.lower()
        if not _is_int(v) or v <= 1:
            continue
        if low in ("n_group", "num_expert_group", "n_expert_groups"):
            kwargs[name] = _MAX_EXPERTS // 2
        elif low == "topk_group":
            kwargs[name] = 1
    return kwargs


def _encoder_decoder_twins(kwargs, params):
    """An encoder-decoder config (BART, Marian, Whisper) whose canonical names alias the encoder's
    fields (num_hidden_layers -> encoder_layers, num_attention_heads -> encoder_attention_heads):
    the decoder's twin of each encoder field the small config sets (decoder_layers,
    decoder_attention_heads) takes the same value, so that the decoder a causal LM runs is as
    small, and as many cache layers are built as it has layers."""
    twins = {}
    for name, v in kwargs.items():
        for mine, other in (("encoder_", "decoder_"), ("decoder_", "encoder_")):
            if name.startswith(mine):
                twin = other + name[len(mine):]
                if twin in params and twin not in kwargs:
                    twins[twin] = v
    return twins


def _cache_has_attention_layer(config):
    """(whether DynamicCache(config=config) keeps an attention layer, whether it keeps a linear-
    attention (conv / recurrent state) layer): the cache transformers builds for the config."""
    from transformers import DynamicCache
    from transformers.cache_utils import CacheLayerMixin, LinearAttentionCacheLayerMixin

    layers = list(getattr(DynamicCache(config=config), "layers", []))
    return (any(isinstance(layer, CacheLayerMixin) for layer in layers),
            any(isinstance(layer, LinearAttentionCacheLayerMixin) for layer in layers))


def _state_space_heads(config_class, kwargs, defaults, params):
    """Keywords that split a state-space layer's inner width into small heads, where the small
    hidden size breaks the config's own rule tying them (Mamba2's validate_architecture:
    hidden_size * expand == num_heads * head_dim): a heads field and a head-dim field whose
    default product is the default hidden size times an `expand` field; head_dim -> 16, heads ->
    the small hidden size times expand over 16. Only when the small keywords do not build the
    config otherwise."""
    try:
        config_class(**kwargs)
        return {}
    except Exception:  # noqa: BLE001 - a validator rejects the small sizes: see whether it is this rule
        pass
    hidden_name = next((n for n in ("hidden_size", "d_model") if n in params), None)
    expand_name = next((p for p in sorted(params) if p.lower().endswith("expand")), None)
    if hidden_name is None or expand_name is None or not _is_int(kwargs.get(hidden_name)):
        return {}
    hidden0, expand = getattr(defaults, hidden_name, None), getattr(defaults, expand_name, None)
    if not (_is_int(hidden0) and _is_int(expand)):
        return {}
    heads = [p for p in sorted(params) if p.lower().endswith(("num_heads", "n_heads")) and _is_int(getattr(defaults, p, None))]
    dims = [p for p in sorted(params) if p.lower().endswith(("head_dim", "d_head")) and _is_int(getattr(defaults, p, None))]
    for h in heads:
        for d in dims:
            if getattr(defaults, h) * getattr(defaults, d) != hidden0 * expand:
                continue
            width = kwargs[hidden_name] * expand
            if width % _HEAD_DIM:
                continue
            extra = {h: width // _HEAD_DIM, d: _HEAD_DIM}
            try:
                config_class(**{**kwargs, **extra})
            except Exception:  # noqa: BLE001 - not the rule this config keeps
                continue
            return extra
    return {}


def _attention_layer_kept(config_class, kwargs, defaults, params):
    """Keywords that give a hybrid stack's small config an attention layer beside its state-space
    / linear-attention layers, where the few layers it keeps have none (Qwen3-Next's
    layer_types, every 4th layer full, cut to 3 layers; Jamba's attn_layer_period 8 /
    attn_layer_offset 4; Bamba's attn_layer_indices None; GraniteMoeHybrid's all-linear default):
    transformers asks the first attention layer of the cache for the cached length, and a stack
    of linear layers only fails there. Whatever sets the pattern, read by meaning, in order:
    a per-layer kinds list (`layer_types` or the parameter it aliases), its kinds in the order the
    defaults first give them (plus the attention kinds the model source names when the defaults
    have one kind only), in turn over the layers; a list of attention layer indices (`[1]`); an
    attention layer period and offset (2 and 1). Each candidate is kept only when the cache
    transformers builds for it holds both kinds of layer, so the layers read [linear, attention,
    linear]. Nothing changes for a config whose small cache already has an attention layer, or no
    linear layer."""
    try:
        has_attention, has_linear = _cache_has_attention_layer(config_class(**kwargs).get_text_config(decoder=True))
    except Exception:  # noqa: BLE001 - a config the small keywords do not build: other rules' business
        return {}
    if has_attention or not has_linear:
        return {}
    aliases = {k: v for k, v in getattr(defaults, "attribute_map", {}).items() if isinstance(v, str)}
    layers = next((kwargs[n] for n in ("num_hidden_layers", "num_layers", "n_layer") if _is_int(kwargs.get(n))), _LAYERS)
    candidates = []
    for p in sorted(params):
        low = p.lower()
        v = getattr(defaults, p, None)
        if p == "layer_types" or aliases.get("layer_types") == p or low.endswith("layers_block_type"):
            kinds = []
            for k in (v if isinstance(v, (list, tuple)) else []):
                if isinstance(k, str) and k not in kinds:
                    kinds.append(k)
            if len(kinds) < 2:
                kinds += [k for k in _layer_kinds_named(config_class, False) if k not in kinds and k != "linear_attention"]
            linear = [k for k in kinds if k == "linear_attention"] or kinds[:1]
            for other in (k for k in kinds if k not in linear):
                pattern = [linear[0], other]
                candidates.append({p: [pattern[i % 2] for i in range(layers)]})
    for p in sorted(params):
        low = p.lower()
        if "attn" not in low and "attention" not in low:
            continue
        if low.endswith(("indices", "idxs", "layer_ids", "_layers")):
            candidates.append({p: [1]})
    period = next((p for p in sorted(params) if ("attn" in p.lower() or "attention" in p.lower()) and p.lower().endswith("period")), None)
    offset = next((p for p in sorted(params) if ("attn" in p.lower() or "attention" in p.lower()) and p.lower().endswith("offset")), None)
    if period and offset:
        candidates.append({period: 2, offset: 1})
    for extra in candidates:
        try:
            if _cache_has_attention_layer(config_class(**{**kwargs, **extra}).get_text_config(decoder=True)) == (True, True):
                return extra
        except Exception:  # noqa: BLE001 - the config rejects this candidate: try the next
            continue
    return {}


def _defaults_with_global_values(config_class):
    """The config class's defaults, whose global values the small-config rule reads: a
    heterogeneous config (per-layer overrides: Gemma-4's full-attention layers, Dots3's sliding
    layers) raises on reading an attribute some layer overrides unless global access is allowed."""
    defaults = config_class()
    if defaults.__dict__.get("_heterogeneity_spec") is not None:
        defaults.allow_global_per_layer_attribute_access = True
    return defaults


def _small_per_layer_config(config_class, kwargs, defaults):
    """The per-layer overrides of a heterogeneous config, made small by meaning: the config built
    from the small keywords makes its overrides (for the small stack's layers) from its own
    defaults; each layer's integer value of an attribute is scaled by the factor that attribute's
    global value was (small global / default global), so that the layers differ as the defaults'
    do and the sums and equalities among a layer's sizes hold (Dots3's sliding head_dim = nope +
    rope). {} when the config has no per-layer overrides."""
    if defaults.__dict__.get("_heterogeneity_spec") is None:
        return {}
    try:
        small = config_class(**kwargs)
    except Exception:  # the small keywords do not make a config: nothing to add here
        return {}
    spec = small.__dict__.get("_heterogeneity_spec")
    if spec is None:
        return {}
    layers = {}
    for index, overrides in sorted(spec.per_layer_overrides.items()):
        layer = {}
        for attr, value in overrides.items():
            global0 = defaults._getattr_without_heterogeneous_validation(attr, None)
            global_small = small._getattr_without_heterogeneous_validation(attr, None)
            if _is_int(value) and _is_int(global0) and _is_int(global_small) and global0 > 0:
                value = max(1, int(round(value * global_small / global0)))
            layer[attr] = value
        layers[index] = layer
    return {"per_layer_config": layers}


def _kv_shared_layers(config_class, kwargs, defaults, params, layers_name):
    """A count of the stack's last layers that reuse the KV cache of an earlier layer (Gemma-3n's
    num_kv_shared_layers: the last n layers read the cache of the last layer of their kind before
    them): scaled by the factor the layer count was (15 of 35 -> 1 of 3), at least 1 where the
    defaults share, and fewer than the small stack's layers, so that layers produce the cache the
    shared ones read. Kept only when the config it makes can say which layers share
    (`kv_sharing_modes`, where the config has it: every kind a shared layer has is produced before
    them); else fewer, down to 0."""
    layers0 = defaults.__dict__.get(layers_name) if layers_name else None
    layers = kwargs.get(layers_name) if layers_name else None
    if not (_is_int(layers0) and _is_int(layers) and layers0 > 0):
        return {}
    out = {}
    for p in sorted(params):
        low = p.lower()
        v = getattr(defaults, p, None)
        if p in kwargs or not _is_int(v) or v <= 0 or v >= layers0 or "shared" not in low or "kv" not in low:
            continue
        if not low.endswith("_layers"):
            continue
        for n in range(min(layers - 1, max(1, int(round(v * layers / layers0)))), -1, -1):
            try:
                config = config_class(**{**kwargs, **out, p: n})
                getattr(config, "kv_sharing_modes", None)
            except Exception:  # noqa: BLE001 - the kinds the shared layers read are not produced: fewer
                continue
            out[p] = n
            break
    return out


def _empty_rope_parameters(config_class, kwargs, defaults):
    """RoPE parameters for a config whose defaults give none (`rope_parameters` {}: CohereCompass's,
    which transformers warns about, "no RoPE parameters were found") while its model reads them per
    layer kind (`config.rope_parameters[layer_type]`): for each kind of the config's layer_types
    (or, without layer_types, for the whole model), the default RoPE at the config's own default
    theta (`default_theta`), as transformers fills in a theta that is not given. {} otherwise."""
    if not (isinstance(getattr(defaults, "rope_parameters", None), dict) and not defaults.rope_parameters):
        return {}
    theta = getattr(defaults, "default_theta", None)
    if not isinstance(theta, (int, float)) or isinstance(theta, bool):
        return {}
    try:
        small = config_class(**kwargs)
    except Exception:  # noqa: BLE001 - the small keywords do not make a config: other rules' business
        return {}
    default = {"rope_type": "default", "rope_theta": float(theta)}
    kinds = getattr(small, "layer_types", None)
    if isinstance(kinds, (list, tuple)) and kinds and all(isinstance(k, str) for k in kinds):
        return {"rope_parameters": {k: dict(default) for k in dict.fromkeys(kinds)}}
    return {"rope_parameters": default}


# What the fields of a token indexer (sparse attention that selects blocks of keys: Qwen4-Exp's
# QSA) mean, read off their names, and the small value of each: its query heads, its one key head,
# its head size, the tokens it selects (a window's worth, so that the default points select
# fewer than the cache holds), and the tokens averaged into one block.
def _indexer_small_values():
    return (("n_heads", _HEADS), ("kv_heads", 1), ("head_dim", _HEAD_DIM), ("budget", _WINDOW),
            ("topk", _WINDOW), ("compress_ratio", 2))


def _indexer_fields(config_class, kwargs, defaults, params):
    """The fields of a token indexer that the defaults leave None (Qwen4-Exp's indexer_n_heads,
    indexer_kv_heads, indexer_head_dim, indexer_budget, indexer_compress_ratio, which its
    indexed-attention layers read unconditionally: `token_budget // compress_ratio`): the small
    values of `_indexer_small_values()`, all of them or none, kept only when the config takes them."""
    signature = inspect.signature(config_class.__init__).parameters
    out = {}
    for p in sorted(params):
        low = p.lower()
        if p in kwargs or getattr(defaults, p, None) is not None or not low.startswith(("indexer_", "index_")):
            continue
        annotation = signature[p].annotation if p in signature else None
        if annotation is None or "int" not in str(annotation):
            continue
        rest = low.split("_", 1)[1]
        value = next((v for suffix, v in _indexer_small_values() if rest == suffix), None)
        if value is None:
            return {}
        out[p] = value
    if not out:
        return {}
    try:
        config_class(**{**kwargs, **out})
    except Exception:  # noqa: BLE001 - the config does not take these values
        return {}
    return out


def small_config_kwargs(config_class):
    """Constructor keywords of a small config of `config_class`: the defaults, shrunk by one rule
    for every architecture. Heads -> 8; kv heads -> 4 (1 stays 1: multi-query); head_dim -> 16,
    set explicitly when the config has a head_dim parameter; hidden -> heads * head_dim times the
    default's ratio hidden / (heads * head_dim), a multiple of 8 and of the heads; intermediate-like sizes scale with hidden; 3
    layers; vocab 997 (token ids beyond it are clamped); at most 4 experts, 2 per token (fields
    named by meaning: an expert count, a top-k; one left None gets 4, 1 shared, 2 per token),
    experts' intermediate sizes a multiple of 4; windows and attention chunks of 4 tokens
    (use_sliding_window on), layer patterns that mix kinds in 3 layers (max_window_layers 1,
    sliding_window_pattern 2; a per-layer kinds list left None takes the kinds the model source
    names); a clipping bound a nested config leaves None gets 8. Those sizes are the rule's
    defaults: `_small_config_rule` sets others (kcost validate --small-config-rule)."""
    defaults = _defaults_with_global_values(config_class)
    params = set(inspect.signature(config_class.__init__).parameters) - {"self", "kwargs"}
    aliases = {k: v for k, v in getattr(defaults, "attribute_map", {}).items() if isinstance(v, str)}

    def name_of(canonical):
        if canonical in params:
            return canonical
        real = aliases.get(canonical)
        return real if real in params else None

    def default(name):
        return getattr(defaults, name, None)

    kwargs = {}
    hidden_name, heads_name = name_of("hidden_size"), name_of("num_attention_heads")
    hidden0 = default(hidden_name) if hidden_name else None
    heads0 = default(heads_name) if heads_name else None
    hidden = hidden0
    if _is_int(hidden0) and _is_int(heads0) and heads0 > 0:
        kv_name = name_of("num_key_value_heads")
        head_dim_name = name_of("head_dim")
        head_dim0 = default(head_dim_name) if head_dim_name else None
        if not _is_int(head_dim0) or head_dim0 <= 0:
            head_dim0 = hidden0 // heads0
        kwargs[heads_name] = _HEADS
        if kv_name:
            kv0 = default(kv_name)
            kwargs[kv_name] = 1 if kv0 == 1 else _KV_HEADS
        if head_dim_name:
            kwargs[head_dim_name] = _HEAD_DIM
        ratio = hidden0 / (heads0 * head_dim0)
        step = math.lcm(8, _HEADS)  # a multiple of the heads too (configs check it), 8 for the default
        hidden = max(step, int(round(_HEADS * _HEAD_DIM * ratio / step)) * step)
        kwargs[hidden_name] = hidden
    elif _is_int(hidden0):
        hidden = 128
        kwargs[hidden_name] = hidden
    scale = hidden / hidden0 if _is_int(hidden0) and hidden0 else 1
    head_scale = 1
    if _is_int(hidden0) and _is_int(heads0) and heads0 > 0:
        head_scale = _HEAD_DIM / head_dim0
    signature = inspect.signature(config_class.__init__).parameters
    # A mixture of experts: any intermediate size may be an expert's (GraniteMoE's
    # intermediate_size), so all are kept a multiple of 4 elements (grouped_mm's 16-byte rows).
    experts = any(_is_expert_count(p.lower()) and _is_int(default(p)) and default(p) >= 1 for p in params)
    for p in sorted(params):
        v = default(p)
        if v is None and p.lower() in _WINDOW_NAMES and p in signature:
            v = signature[p].default  # a window the defaults switch off (Qwen2's use_sliding_window)
        if not _is_int(v) or p in kwargs:
            continue
        low = p.lower()
        if any(t in low for t in ("intermediate", "ffn", "inner", "mlp_dim", "mlp_hidden")) and v > 0:
            kwargs[p] = max(1, int(round(v * scale)))
            if "moe" in low or "expert" in low or experts:
                # The experts' sizes: grouped_mm, which runs experts, takes rows of a multiple of
                # 16 bytes (4 float32 elements); in a mixture of experts, every intermediate size.
                kwargs[p] = max(4, int(round(v * scale / 4)) * 4)
        elif (any(t in low for t in ("rotary_dim", "rope_dim")) or low.endswith("_head_dim")) and v > 0:
            # Rotary dims and the parts of a head (qk_rope_head_dim, v_head_dim) scale with
            # head_dim, kept even.
            kwargs[p] = max(2, int(round(v * head_scale / 2)) * 2)
        elif low.endswith("lora_rank") and v > 0:
            kwargs[p] = max(2, int(round(v * scale)))
        elif _is_expert_count(low):
            kwargs[p] = min(v, _MAX_EXPERTS)
        elif _is_top_k(low):
            kwargs[p] = min(v, _MAX_EXPERTS_PER_TOKEN)
        elif low in _WINDOW_NAMES and v > 0:
            kwargs[p] = min(v, _WINDOW)
        elif low == "max_window_layers":
            kwargs[p] = _WINDOW_LAYERS
        elif low in ("sliding_window_pattern", "_sliding_window_pattern") and v > 0:
            kwargs[p] = min(v, _WINDOW_PATTERN)
    # Parts that add up to the hidden size (Reformer's axial_pos_embds_dim (64, 192) of 256,
    # which the model requires to sum to hidden_size): the same shares of the small hidden size.
    if _is_int(hidden0) and hidden0 and hidden != hidden0:
        for p in sorted(params):
            v = default(p)
            if p in kwargs or not isinstance(v, (list, tuple)) or len(v) < 2 or \
                    not all(_is_int(i) and i > 0 for i in v) or sum(v) != hidden0:
                continue
            parts = [max(1, int(round(i * scale))) for i in v[:-1]]
            if sum(parts) < hidden:
                kwargs[p] = type(v)(parts + [hidden - sum(parts)])
    # An expert count or top-k the defaults leave unset (None, where the parameter takes an int:
    # Dots1's n_routed_experts, n_shared_experts, num_experts_per_tok): the small values, so that
    # the expert layers the model has are built and proven.
    for p in sorted(params):
        if p in kwargs or default(p) is not None or "int" not in str(signature[p].annotation):
            continue
        low = p.lower()
        if _is_expert_count(low):
            kwargs[p] = _MAX_EXPERTS
        elif _is_shared_expert_count(low):
            kwargs[p] = 1
        elif _is_top_k(low):
            kwargs[p] = _MAX_EXPERTS_PER_TOKEN
    # A clipping bound a nested config leaves None (Dbrx's attn_config.clip_qkv, which the model
    # passes to clamp whether set or not, and clamp takes no two None bounds): a finite bound.
    from transformers import PretrainedConfig

    for p in sorted(params):
        nested = default(p)
        if p in kwargs or not isinstance(nested, PretrainedConfig):
            continue
        clips = {k: _CLIP for k, v in vars(nested).items() if "clip" in k.lower() and v is None}
        small = _nested_small_config(nested)
        if clips or small:
            kwargs[p] = {**small, **clips}
    kwargs.update(_latent_attention_parts(defaults, params, heads_name, name_of("num_key_value_heads")))
    kwargs.update(_dense_first_layers(defaults, params))
    kwargs.update(_expert_groups(defaults, params))
    if "use_sliding_window" in params and default("use_sliding_window") is False:
        kwargs["use_sliding_window"] = True  # the window is what the small config proves
    layers_name = name_of("num_hidden_layers")
    if layers_name and _is_int(default(layers_name)):
        kwargs[layers_name] = min(default(layers_name), _LAYERS)
    # A per-layer list of kinds the defaults leave unset (lfm2_moe's layer_types, which the model
    # indexes per layer): the kinds transformers knows that the model's source names, full
    # attention first, in turn over the layers, so that kinds mix.
    layers = kwargs.get(layers_name) if layers_name else None
    for p in sorted(params):
        if p.lower() in ("layer_types", "mlp_layer_types") and default(p) is None and _is_int(layers) and p in signature:
            kinds = _layer_kinds_named(config_class, "mlp" in p.lower())
            if kinds:
                kwargs[p] = [kinds[i % len(kinds)] for i in range(layers)]
    # A causal LM is a decoder: `is_decoder`, False in the defaults of the encoder families (whose
    # LM head then attends both ways; transformers warns "add `is_decoder=True`", and Reformer's
    # LM head refuses to build without it), is True, as in the configs of their decoder checkpoints.
    # (On 4.x the field is PretrainedConfig's, taken through **kwargs, not a named parameter.)
    if default("is_decoder") is False:
        kwargs["is_decoder"] = True
    # A choice the defaults leave open among listed ones (X-MOD's default_language, None, among
    # its languages: the model refuses input of no language): the first listed.
    for p in sorted(params):
        listed = default(p[len("default_"):] + "s") if p.startswith("default_") else None
        if p not in kwargs and default(p) is None and isinstance(listed, (list, tuple)) and listed and \
                all(isinstance(x, str) for x in listed):
            kwargs[p] = listed[0]
    kwargs.update(_encoder_decoder_twins(kwargs, params))
    kwargs.update(_state_space_heads(config_class, kwargs, defaults, params))
    kwargs.update(_attention_layer_kept(config_class, kwargs, defaults, params))
    kwargs.update(_small_per_layer_config(config_class, kwargs, defaults))
    kwargs.update(_kv_shared_layers(config_class, kwargs, defaults, params, layers_name))
    kwargs.update(_indexer_fields(config_class, kwargs, defaults, params))
    kwargs.update(_empty_rope_parameters(config_class, kwargs, defaults))
    vocab_name = name_of("vocab_size")
    if vocab_name and _is_int(default(vocab_name)):
        kwargs[vocab_name] = min(default(vocab_name), _VOCAB)
        vocab = kwargs[vocab_name]
        for p in sorted(params):
            if not p.endswith("_token_id"):
                continue
            v = default(p)
            if _is_int(v) and v >= vocab:
                kwargs[p] = vocab - 1
            elif isinstance(v, (list, tuple)) and any(_is_int(i) and i >= vocab for i in v):
                kwargs[p] = [min(i, vocab - 1) if _is_int(i) else i for i in v]
    return kwargs


# --- plain data -------------------------------------------------------------------------------


# A function call's integer and bool tensors of at most this many elements are recorded with
# their values, flattened: what routing did (grouped_mm's offsets: how many experts have rows;
# the experts a one_hot encodes; how many elements a nonzero finds).
_RECORDED_VALUES = 1024


def _integer_values(tensor):
    """The elements of a small integer or bool tensor, flattened, read without any mode seeing
    the read (the byte and FLOP counters must not count it); None for any other tensor."""
    import torch
    from torch.utils._python_dispatch import _disable_current_modes

    if tensor.numel() > _RECORDED_VALUES or tensor.is_floating_point() or tensor.is_complex() or tensor.is_meta:
        return None
    with _disable_current_modes(), torch._C.DisableTorchFunction():
        return [int(v) for v in tensor.reshape(-1).tolist()]


def _data(value, depth=0, values=False, same=None):
    """Plain data of a call's argument: tensors as their shape and dtype (and, with `values`, a
    small integer tensor's elements), numbers, strings and containers as such, objects named.
    `same` (one dict per recorded call) marks one view of one storage given more than once
    (`x * x`): each such tensor gets "same": n, one n per view, as the byte counter counts it once."""
    import torch

    if depth > 6:
        return {"object": "nested too deep"}
    if isinstance(value, torch.Tensor):
        out = {"tensor": list(value.shape), "dtype": str(value.dtype).replace("torch.", "")}
        known = _integer_values(value) if values else None
        if known is not None:
            out["values"] = known
        if same is not None:
            key = id(value) if value.is_meta else _ByteFrame.key(value)
            if key in same:
                n, first = same[key]
                first["same"] = out["same"] = n
            else:
                same[key] = (len(same), out)
        return out
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, (list, tuple)):  # torch.Size is a tuple
        return [_data(v, depth + 1, values, same) for v in value]
    if isinstance(value, dict):
        return {"dict": {str(k): _data(v, depth + 1, values, same) for k, v in value.items()}}
    if isinstance(value, slice):
        return {"slice": [_data(value.start), _data(value.stop), _data(value.step)]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, torch.dtype):
        return {"dtype": str(value).replace("torch.", "")}
    if isinstance(value, torch.device):
        return {"device": str(value)}
    if isinstance(value, torch.nn.Module):
        return {"module": _qualname(type(value))}
    return {"object": _qualname(type(value))}


def _ctor_params(module):
    """The constructor parameters of a module, read off the instance where it keeps them
    (Linear.in_features, Linear.bias, LayerNorm.normalized_shape, GELU.approximate)."""
    out = {}
    try:
        params = inspect.signature(type(module).__init__).parameters
    except (TypeError, ValueError):
        return out
    for name in params:
        if name in ("self", "args", "kwargs", "device", "dtype"):
            continue
        if name in module._parameters or name in module._buffers or hasattr(module, name):
            value = getattr(module, name, None)
            if isinstance(value, (type(None), bool, int, float, str, tuple, list)) or hasattr(value, "shape"):
                out[name] = _data(value)
    return out


def _function_names(func):
    """Qualified names of a callable the TorchFunctionMode sees: torch.Tensor.<m> for methods,
    torch.nn.functional.<f>, torch.<f>, torch.special/linalg.<f>, then its own module path."""
    import torch

    name = getattr(func, "__name__", None) or ""
    names = []
    method = bool(name) and getattr(torch.Tensor, name, None) is func
    if method:
        names.append("torch.Tensor." + name)
    for prefix, namespace in (
        ("torch.nn.functional", torch.nn.functional),
        ("torch", torch),
        ("torch.special", torch.special),
        ("torch.linalg", torch.linalg),
        ("torch.fft", torch.fft),
    ):
        if name and getattr(namespace, name, None) is func:
            names.append(prefix + "." + name)
    own = _qualname(func)
    if own and own not in names:
        names.append(own)
    return names, method


# --- recording --------------------------------------------------------------------------------


class _Recorder:
    def __init__(self, excluded_files):
        self.root = {"kind": "root", "calls": []}
        self.stack = [self.root]
        self.excluded_files = excluded_files
        self.busy = False
        self.counter = None  # the FlopCounterMode around the measured call
        self.byte_frames = []  # open _ByteFrames, one per recorded call running now
        self.float_size = 4  # bytes of the model's floating-point elements (float32 runs)

    def open_bytes(self, given=()):
        busy, self.busy = self.busy, True  # its own tensor queries are not the model's calls
        try:
            frame = _ByteFrame(self.float_size, given)
        finally:
            self.busy = busy
        self.byte_frames.append(frame)
        return frame

    def close_bytes(self, frame, record):
        self.byte_frames.remove(frame)
        if record is not None:
            busy, self.busy = self.busy, True
            try:
                record["aten_bytes"] = {"read": frame.read, "write": frame.write, "mixed": frame.mixed}
            finally:
                self.busy = busy

    def aten_flops(self):
        return sum(self.counter.flop_counts["Global"].values()) if self.counter is not None else 0

    def inside_excluded(self):
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename in self.excluded_files:
                return True
            frame = frame.f_back
        return False

    def recording(self):
        return self.stack[-1] is not None

    def add(self, record):
        self.stack[-1]["calls"].append(record)


class _ByteFrame:
    """What the aten ops inside one recorded call touched, as one kernel doing the call would.
    Read once: each tensor the call was given that its ops touch (at the size the call sees it,
    as the leaf formulas count operands, however the ops view it inside), and each other tensor
    its ops take that none of them made (a module's weight, as the ops see it). Written once: each
    tensor its ops make that no later op of the call takes (its outputs; temporaries a
    decomposition passes between its own ops are not the call's traffic); a tensor not given is
    read at the elements of memory it addresses (a weight expanded over a batch, once). A view op (every output
    aliases an input, nothing written in place) touches nothing. `mixed` is set when a tensor of
    another width than the model's floats (int64 positions, bool masks) takes part: leaves price
    every element at `bytes`, so such a call is not compared. A matrix product of an empty
    output (no rows: an expert no token reached, which a loop over every expert still calls)
    touches nothing, as aten's kernels return at once and the leaves price it (min(M, 1)); other
    ops may read what they were given to find that they make nothing (nonzero of a row of zeros)."""

    def __init__(self, float_size, given):
        self.external = 0  # bytes of tensors read that the call was not given
        self.made = {}  # storage -> bytes written by an op of this call and not taken by a later one
        self.seen = set()  # tensors already read
        self.float_size = float_size
        self.mixed = False
        self.given = {}  # storage -> [tensors the call was given on it]
        for t in given:
            self.given.setdefault(t.untyped_storage().data_ptr(), []).append(t)
        self.touched = set()  # storages of given tensors an op took

    @property
    def read(self):
        seen, total = set(), self.external
        for ptr in self.touched:
            for t in self.given[ptr]:
                if self.key(t) not in seen:
                    seen.add(self.key(t))
                    total += t.numel() * t.element_size()
        return total

    @property
    def write(self):
        return sum(self.made.values())

    @staticmethod
    def key(t):
        return (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()), t.dtype)

    @staticmethod
    def distinct_elements(t):
        """The elements of memory a tensor addresses: a dim of stride 0 (a weight expanded over the
        batch, as matmul hands it to bmm) repeats the same elements, which are read once."""
        n = 1
        for size, stride in zip(t.shape, t.stride()):
            if stride != 0:
                n *= size
        return n if t.numel() else 0

    # Ops that take a tensor for its shape, dtype and device only: they read none of its data.
    METADATA_ONLY = frozenset(
        ("empty_like", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "randint_like",
         "new_empty", "new_empty_strided", "new_zeros", "new_ones", "new_full")
    )

    # Matrix products as the dispatcher sees them (matmul and linear are decomposed before it),
    # which make each output element from a row and a column of their operands.
    PRODUCTS = frozenset(("mm", "addmm", "bmm", "baddbmm", "addbmm", "mv", "addmv"))

    def op(self, func, inputs, outputs):
        name = func._schema.name.split("::")[-1]
        if name in self.METADATA_ONLY:
            inputs = []
        in_storages = {t.untyped_storage().data_ptr() for t in inputs}
        in_place = func._schema.name.endswith("_") or any(
            a.alias_info is not None and a.alias_info.is_write for a in func._schema.arguments
        )
        if not in_place and outputs and all(t.untyped_storage().data_ptr() in in_storages for t in outputs):
            return  # a view
        if name in self.PRODUCTS and outputs and all(t.numel() == 0 for t in outputs):
            return  # a product of no rows: nothing read
        for t in list(inputs) + list(outputs):
            if not t.is_floating_point() or t.element_size() != self.float_size:
                self.mixed = True
        for t in inputs:
            ptr = t.untyped_storage().data_ptr()
            if ptr in self.made:
                if not in_place:
                    self.made[ptr] = 0  # a temporary of the call, taken by a later op
                continue
            if ptr in self.given:
                self.touched.add(ptr)
                continue
            k = self.key(t)
            if k in self.seen:
                continue
            self.seen.add(k)
            self.external += self.distinct_elements(t) * t.element_size()
        for t in outputs:
            ptr = t.untyped_storage().data_ptr()
            if ptr in in_storages and not in_place:
                continue  # an output that is a view of an input
            self.made[ptr] = t.numel() * t.element_size()


def _tensors(value):
    import torch
    from torch.utils._pytree import tree_flatten

    return [t for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor)]


def _make_byte_mode(recorder):
    from torch.utils._python_dispatch import TorchDispatchMode

    class ByteMode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            if recorder.byte_frames:
                inputs, outputs = _tensors((args, kwargs)), _tensors(out)
                for frame in recorder.byte_frames:
                    frame.op(func, inputs, outputs)
            return out

    return ByteMode()


def _make_mode(recorder):
    import torch
    from torch.overrides import TorchFunctionMode

    class RecordingMode(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = getattr(func, "__name__", "")
            record = None
            # Attribute reads (x.shape, x.dtype) are not calls.
            if name not in ("__get__", "__set__") and not recorder.busy and recorder.recording():
                recorder.busy = True
                try:
                    if not recorder.inside_excluded():
                        names, method = _function_names(func)
                        record = {"kind": "function", "names": names, "op": name, "method": method}
                        rest, same = list(args), {}
                        if method and rest:
                            record["self"] = _data(rest.pop(0), values=True, same=same)
                        record["args"] = [_data(a, values=True, same=same) for a in rest]
                        record["kwargs"] = {k: _data(v, values=True, same=same) for k, v in kwargs.items()}
                        recorder.add(record)
                finally:
                    recorder.busy = False
            if record is None:
                return func(*args, **kwargs)
            before = recorder.aten_flops()
            frame = recorder.open_bytes(_tensors((args, kwargs)))
            try:
                result = func(*args, **kwargs)
            finally:
                recorder.close_bytes(frame, record)
            # What FlopCounterMode counted inside this call (aten level).
            record["aten_flops"] = recorder.aten_flops() - before
            return result

    return RecordingMode()


def _hook_modules(model, recorder):
    handles = []
    frames = []  # the byte frames of the module calls running now, innermost last

    def pre(module, args, kwargs):
        if not recorder.recording():
            recorder.stack.append(None)
            return None
        cls = type(module)
        record = {
            "kind": "module",
            "names": [_qualname(cls)],
            "op": cls.__name__,
            "ctor": _ctor_params(module),
            "args": [_data(a) for a in args],
            "kwargs": {k: _data(v) for k, v in kwargs.items()},
            "calls": [],
            "aten_flops": recorder.aten_flops(),  # the count at entry until the module returns
        }
        recorder.add(record)
        recorder.stack.append(record)
        frames.append(recorder.open_bytes(_tensors((args, kwargs))))
        return None

    def post(module, args, kwargs, output):
        record = recorder.stack.pop()
        if record is not None:
            record["aten_flops"] = recorder.aten_flops() - record["aten_flops"]
            recorder.close_bytes(frames.pop(), record)
        return None

    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre, with_kwargs=True))
        handles.append(m.register_forward_hook(post, with_kwargs=True, always_call=True))
    return handles


def _wrap_attention_functions(recorder):
    """Wraps the fused attention functions of transformers' AttentionInterface: one record each
    call, with the arguments the interface receives; nothing inside is recorded."""
    registry = attention_registry()
    original = dict(registry)

    def wrap(key, fn):
        def wrapper(*args, **kwargs):
            record = None
            if recorder.recording():
                record = {
                    "kind": "attention",
                    "names": [_qualname(fn)],
                    "op": key,
                    "args": [_data(a) for a in args],
                    "kwargs": {k: _data(v) for k, v in kwargs.items()},
                }
                recorder.add(record)
            recorder.stack.append(None)
            before = recorder.aten_flops()
            frame = recorder.open_bytes(_tensors((args, kwargs)))
            try:
                return fn(*args, **kwargs)
            finally:
                recorder.stack.pop()
                recorder.close_bytes(frame, record)
                if record is not None:
                    record["aten_flops"] = recorder.aten_flops() - before

        return wrapper

    for key, fn in original.items():
        registry[key] = wrap(key, fn)
    return original


def _excluded_files():
    """The files whose calls are not the model's own: mask creation and the cache (older
    transformers, without masking_utils, make masks in the model's own file)."""
    import importlib

    files = set()
    for name in ("transformers.masking_utils", "transformers.cache_utils"):
        try:
            files.add(importlib.import_module(name).__file__)
        except ImportError:
            pass
    return files


# What the model built from a small config may take in parameters and buffers before it is built
# for real (GiB; KCOST_MEMORY_BUDGET_GIB overrides). The small configs take a few MB; a config
# rule that misfires for some architecture (a size left at its default, a huge vocabulary)
# would otherwise exhaust the machine's memory.
_MEMORY_BUDGET_GIB = 2.0


def _memory_budget_bytes():
    text = os.environ.get("KCOST_MEMORY_BUDGET_GIB", "")
    try:
        gib = float(text) if text else _MEMORY_BUDGET_GIB
    except ValueError:
        raise LookupError(f"KCOST_MEMORY_BUDGET_GIB must be a number of GiB, not '{text}'") from None
    return gib * 2**30


def _check_memory_budget(model_class, config):
    """Builds the model on the meta device (no memory, no computation) and refuses it when its
    float32 parameters and buffers would exceed the budget. A model that cannot be built on the
    meta device is not checked (the real build then decides)."""
    import torch

    try:
        with torch.device("meta"):
            meta = model_class(config)
    except Exception:  # noqa: BLE001 - e.g. an __init__ that computes with tensor values
        return
    elements = sum(t.numel() for t in meta.parameters()) + sum(t.numel() for t in meta.buffers())
    del meta
    need, budget = 4 * elements, _memory_budget_bytes()
    if need > budget:
        raise LookupError(
            f"{_qualname(model_class)}: the small config's model would take {need / 2**30:.3g} GiB "
            f"({elements} float32 parameters and buffers), over the memory budget of {budget / 2**30:.3g} GiB"
        )


def _build_model(model_class, kwargs, attn_implementation, experts_implementation="grouped_mm"):
    import torch

    config = _config_class_of(model_class)(**kwargs)
    # The experts' forward transformers' @use_experts_implementation selects at run time (a model
    # without such experts, or a transformers without the choice, takes none).
    can_set = getattr(model_class, "_can_set_experts_implementation", None)
    if can_set is not None and can_set():
        config._experts_implementation = experts_implementation
    _check_memory_budget(model_class, config)
    model = build_model(model_class, config, attn_implementation, torch.float32, "cpu")
    # Inference: no parameter needs a gradient. A view of a parameter taken under no_grad (Dbrx's
    # experts pass slices of their weights to a module) would otherwise require a gradient with no
    # gradient function, which FlopCounterMode's module tracker rejects.
    model.requires_grad_(False)
    return model, config


# The most layers the small config grows to when transformers cannot build the model with fewer.
_MAX_LAYERS = 12


def _build_model_deeper_if_needed(model_class, kwargs, attn_implementation, experts_implementation="grouped_mm"):
    """_build_model_repairing_nested; when transformers cannot build the model from the small
    config's layer count (Zamba's one shared transformer block, tied from its first hybrid layer
    to every later one: post_init refuses a stack with a single hybrid layer, which 3 layers
    have, [mamba, mamba, hybrid]), the fewest more layers, up to _MAX_LAYERS, with which it builds,
    kept in `kwargs` so that the static side reads the same config. The first error is raised
    when no layer count builds."""
    layers_name = next((n for n in ("num_hidden_layers", "num_layers", "n_layer") if _is_int(kwargs.get(n))), None)
    try:
        return _build_model_repairing_nested(model_class, kwargs, attn_implementation, experts_implementation)
    except Exception as first:  # noqa: BLE001 - retried deeper, re-raised if no depth builds
        if layers_name is None:
            raise
        for layers in range(kwargs[layers_name] + 1, _MAX_LAYERS + 1):
            deeper = {**kwargs, layers_name: layers}
            try:
                built = _build_model_repairing_nested(model_class, deeper, attn_implementation, experts_implementation)
            except Exception:  # noqa: BLE001 - not this depth either
                continue
            kwargs.clear()
            kwargs.update(deeper)
            return built
        raise first


def _build_model_repairing_nested(model_class, kwargs, attn_implementation, experts_implementation="grouped_mm"):
    """_build_model; when the model reads a field off a nested config (Dbrx's attn_config) that
    the nested config class does not have but the top-level config does (rope_theta, kept in
    rope_parameters at the top), the top level's value is given to the nested config in `kwargs`
    (so that the static side reads the same config) and the model built again."""
    for _ in range(8):
        try:
            return _build_model(model_class, kwargs, attn_implementation, experts_implementation)
        except AttributeError as e:
            if not _repair_nested_field(model_class, kwargs, e):
                raise
    return _build_model(model_class, kwargs, attn_implementation, experts_implementation)


def _repair_nested_field(model_class, kwargs, error):
    from transformers import PretrainedConfig

    name, nested = getattr(error, "name", None), getattr(error, "obj", None)
    if not name or not isinstance(nested, PretrainedConfig):
        return False
    config = _config_class_of(model_class)(**kwargs)
    holder = next((k for k, v in vars(config).items() if isinstance(v, PretrainedConfig) and
                   type(v) is type(nested)), None)
    if holder is None:
        return False
    if hasattr(config, name) and not isinstance(getattr(config, name), PretrainedConfig):
        value = getattr(config, name)
    elif isinstance(getattr(config, "rope_parameters", None), dict) and name in config.rope_parameters:
        value = config.rope_parameters[name]
    else:
        return False
    if not isinstance(value, (type(None), bool, int, float, str)):
        return False
    given = kwargs.get(holder)
    given = dict(given) if isinstance(given, dict) else {}
    if name in given:
        return False
    given[name] = value
    kwargs[holder] = given
    return True


def _run_point(model, config, vocab, b, s, c):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    generator = torch.Generator().manual_seed(1000 * b + 100 * s + c)
    keyword = cache_keyword(model)
    prefix = torch.randint(0, vocab, (b, c), generator=generator)
    ids = torch.randint(0, vocab, (b, s), generator=generator)
    # generate's prefill and the keywords of its next call (the mask among them), made before the
    # recording: not part of the measured call.
    cache, inputs = generation_inputs(model, config, prefix, ids, keyword)
    cache_elements = cache_tensor_elements(cache)
    recorder = _Recorder(_excluded_files())
    handles = _hook_modules(model, recorder)
    original = _wrap_attention_functions(recorder)
    registry = attention_registry()
    try:
        with FlopCounterMode(display=False) as counter:
            recorder.counter = counter
            with _make_byte_mode(recorder), _make_mode(recorder):
                model(**inputs)
    finally:
        registry.clear()
        registry.update(original)
        for h in handles:
            h.remove()
    by_op = {}
    for ops in counter.get_flop_counts().get("Global", {}).items():
        by_op[str(ops[0])] = int(ops[1])
    return {
        "batch_size": b,
        "seq_len": s,
        "cache_len": c,
        "calls": recorder.root["calls"],
        "flop_counter": {"total": int(counter.get_total_flops()), "by_op": by_op},
        "cache_elements": cache_elements,
    }


def cache_tensor_elements(cache):
    """Elements of the distinct floating-point tensors a cache object holds (its layers' keys and
    values, and any other state of that kind), found by walking its attributes: what the cache's
    memory is. Integer bookkeeping (a window size kept as a 0-d long tensor, positions) is not."""
    import torch

    seen, total = set(), 0

    def walk(obj, depth):
        nonlocal total
        if depth > 6 or obj is None:
            return
        if isinstance(obj, torch.Tensor):
            if obj.is_floating_point() and id(obj) not in seen:
                seen.add(id(obj))
                total += obj.numel()
            return
        if isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item, depth + 1)
        elif isinstance(obj, dict):
            for item in obj.values():
                walk(item, depth + 1)
        elif hasattr(obj, "__dict__") and not isinstance(obj, (torch.nn.Module, type)):
            for item in vars(obj).values():
                walk(item, depth + 1)

    walk(cache, 0)
    return total


def traced_run(model_class_name, attn_implementation, points_json, experts_implementation="grouped_mm",
               small_config_rule_json="{}"):
    """JSON: {"model_class", "config_class", "config_kwargs", "attn_implementation", "points":
    [{"batch_size", "seq_len", "cache_len", "calls", "flop_counter"}]}. `points_json` is a JSON
    list of [batch_size, seq_len, cache_len]; `experts_implementation` the experts' forward a
    mixture-of-experts model runs (config._experts_implementation: grouped_mm, batched_mm, eager);
    `small_config_rule_json` a JSON object of the small config's sizes that differ from the
    rule's defaults (_RULE_SIZES)."""
    with _small_config_rule(json.loads(small_config_rule_json)):
        return _traced_run(model_class_name, attn_implementation, points_json, experts_implementation)


def _traced_run(model_class_name, attn_implementation, points_json, experts_implementation):
    import torch

    points = json.loads(points_json)
    model_class = _import_object(model_class_name)
    if attn_implementation == "sdpa" and not getattr(model_class, "_supports_sdpa", True):
        # What transformers runs when asked for no implementation: sdpa where the model has it,
        # else eager. The record's attn_implementation says which ran.
        attn_implementation = "eager"
    config_class = _config_class_of(model_class)
    kwargs = small_config_kwargs(config_class)
    try:
        config_class(**kwargs)
    except Exception:  # noqa: BLE001 - a config whose validators tie other fields to the layer count
        layers_name = next((n for n in ("num_hidden_layers", "num_layers", "n_layer") if n in kwargs), None)
        if layers_name is None:
            raise
        kwargs.pop(layers_name)
        config_class(**kwargs)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            model, config = _build_model_deeper_if_needed(model_class, kwargs, attn_implementation, experts_implementation)
            vocab = getattr(config, "vocab_size", _VOCAB)
            # Each point on a copy of the model as built: state a module keeps between calls
            # (RecurrentGemma's conv1d_state, RWKV's layers_are_rescaled) is what generate's own
            # prefill leaves at that point, never what an earlier point left.
            runs = [_run_point(copy.deepcopy(model), config, vocab, int(b), int(s), int(c)) for b, s, c in points]
            parameters = sum(p.numel() for p in model.parameters())
            buffers = sum(t.numel() for t in model.buffers())
    finally:
        torch.set_num_threads(previous_threads)
    return json.dumps(
        {
            "model_class": _qualname(model_class),
            "config_class": _qualname(config_class),
            "config_kwargs": kwargs,
            "attn_implementation": attn_implementation,
            "parameters": parameters,
            "buffers": buffers,
            "points": runs,
        }
    )
