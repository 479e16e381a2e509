"""Building a model from a config and running the design's inference call, shared by the oracle
(which records the call) and `kcost measure` (which times it). Nothing is downloaded: the model
is made from its config class with random weights.

The call: model(input_ids, attention_mask=ones(b, c + s), <cache keyword>=cache, use_cache=True)
with `c` tokens already in a DynamicCache and `s` new tokens. The oracle makes it as
`GenerationMixin.generate` does (generation_inputs): the model's own `prepare_inputs_for_generation`
builds each call's keywords and its `_update_model_kwargs_for_generation` carries the cache from
the prefill to the next call, so a model that overrides them (no mask after the prefill, the
whole sequence where there is no cache, a cache of its own) is run the way transformers runs it.
"""

import functools
import inspect


def build_model(model_class, config, attn_implementation, dtype, device):
    """`model_class(config)` with random weights (seed 0), cast to `dtype` on `device`, in eval
    mode; LookupError when transformers does not take `attn_implementation` for this model."""
    import torch

    from .locate import _qualname

    config._attn_implementation = attn_implementation
    torch.manual_seed(0)
    with torch.device(device):
        model = model_class(config)
    model = model.to(dtype=dtype, device=device).eval()
    actual = getattr(model.config, "_attn_implementation", None)
    if actual != attn_implementation:
        raise LookupError(f"{_qualname(model_class)}: attention implementation is '{actual}', not '{attn_implementation}'")
    return model


def cache_keyword(model):
    """The forward keyword the cache goes in: `cache` in newer transformers, else `past_key_values`."""
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def takes_cache_objects(model):
    """Whether the model's forward takes a Cache object: transformers' generate starts a model
    that does not (`_supports_cache_class` False: 4.x models that keep legacy tuples of (keys,
    values) per layer, as GPT-2 on 4.50) with no cache and goes on with the tuples it returns."""
    return getattr(type(model), "_supports_cache_class", True) is not False


def generate_cache_implementation(model):
    """The cache implementation generate sets up for this model before its first call, when its
    generation config names one (`cache_implementation`, which GenerationConfig takes from the
    model config: "hybrid" for gemma2, gemma3_text and cohere2 on transformers 4.50) and the model
    makes it with `_get_cache` (4.x generate's `_prepare_cache_for_generation`); else None (a
    DynamicCache, or legacy tuples)."""
    generation_config = getattr(model, "generation_config", None)
    implementation = getattr(generation_config, "cache_implementation", None)
    if implementation is None or not hasattr(model, "_get_cache") or not takes_cache_objects(model):
        return None
    return implementation


def new_cache(config, model=None, batch_size=None, max_cache_len=None):
    """The cache the default path starts with: the one generate sets up for the model where its
    generation config names one (generate_cache_implementation: `model._get_cache` for
    `batch_size` sequences of `max_cache_len` tokens, the cached and the new ones, as generate
    makes it for a run of that length), else a DynamicCache built from the config where the
    installed transformers takes one (its per-layer kinds), else plain (older 4.x); None for a
    model that takes only legacy tuples (takes_cache_objects)."""
    from transformers import DynamicCache

    if model is not None and not takes_cache_objects(model):
        return None
    implementation = generate_cache_implementation(model) if model is not None and max_cache_len else None
    if implementation is not None:
        # A cache an earlier run left on the model (generate keeps one and reuses it when it is
        # long enough) would be another length: each point is its own run.
        if hasattr(model, "_cache"):
            del model._cache
        return model._get_cache(
            cache_implementation=implementation, batch_size=batch_size, max_cache_len=max_cache_len,
            device=model.device, model_kwargs={},
        )
    if "config" in inspect.signature(DynamicCache.__init__).parameters:
        return DynamicCache(config=config)
    return DynamicCache()


def inference_mask(ids, cached_tokens):
    """The attention mask of the design's call: ones over the cached and the new tokens."""
    import torch

    b, s = ids.shape
    return torch.ones(b, cached_tokens + s, dtype=torch.long, device=ids.device)


def inference_call(model, ids, cache, cached_tokens, keyword=None, mask=None):
    """The design's call with `ids` ([b, s]) as new tokens and `cached_tokens` already in `cache`;
    `mask` made beforehand (so that a recording of the call does not see it made) or here."""
    if mask is None:
        mask = inference_mask(ids, cached_tokens)
    return model(ids, attention_mask=mask, **{keyword or cache_keyword(model): cache}, use_cache=True)


def prefill(model, config, ids, keyword=None, new_tokens=None):
    """A new cache (new_cache) holding the tokens `ids` ([b, c]); an empty one when c is 0. A
    model started with no cache (legacy tuples) goes on with the one its prefill returns, as
    generate does. `new_tokens`: the tokens the call after it adds (s), which a cache generate
    sets up with a length of its own needs room for (max_cache_len c + s)."""
    b, c = ids.shape
    cache = new_cache(config, model, b, c + new_tokens if new_tokens else None)
    if ids.shape[1] > 0:
        out = inference_call(model, ids, cache, 0, keyword)
        if cache is None:
            cache = getattr(out, "past_key_values", None)
    return cache


@functools.lru_cache(maxsize=None)
def _generation_method_parameters():
    """The parameters of GenerationMixin.prepare_inputs_for_generation: which of generate's
    per-step arguments (is_first_iteration, next_sequence_length; cache_position in 4.x) the
    installed transformers passes."""
    from transformers.generation.utils import GenerationMixin

    return inspect.signature(GenerationMixin.prepare_inputs_for_generation).parameters


def starts_with_dynamic_cache(model):
    """Whether generate starts this model with a DynamicCache of its own making: not when the
    model declines one (`_supports_default_dynamic_cache()` False: a cache class of its own, or
    state it returns in its output), and not for legacy tuples (takes_cache_objects)."""
    supports = getattr(model, "_supports_default_dynamic_cache", None)  # a classmethod in 5.x, a method in 4.x
    if supports is not None and not supports():
        return False
    return takes_cache_objects(model)


def _step_inputs(model, all_ids, new_tokens, first, model_kwargs):
    """What generate passes to the model for one step: `prepare_inputs_for_generation` over the
    whole sequence so far (`all_ids`, [b, c + s]) with the `new_tokens` last ones new, and the
    model kwargs generate carries (mask, cache, use_cache); return_dict=True as generate asks."""
    params = _generation_method_parameters()
    step = dict(model_kwargs)
    if "is_first_iteration" in params:
        step["is_first_iteration"] = first
    if "next_sequence_length" in params:
        step["next_sequence_length"] = None if first else new_tokens
    inputs = model.prepare_inputs_for_generation(all_ids, **step)
    inputs["return_dict"] = True
    return inputs


def generation_inputs(model, config, prefix_ids, ids, keyword=None):
    """(cache, inputs): generate's prefill run over `prefix_ids` ([b, c], nothing when c is 0) and
    the keywords of its next call with `ids` ([b, s]) as new tokens; `cache` is what that call
    continues with (None where it has none). Everything but the call itself runs here, so that a
    recording of `model(**inputs)` sees only the call."""
    import torch

    keyword = keyword or cache_keyword(model)
    b, c = prefix_ids.shape
    s = ids.shape[1]
    if "cache_position" in _generation_method_parameters():
        # generate of transformers 4.x: its base prepare_inputs_for_generation makes position_ids
        # and cache_position itself, which the analysis does not follow yet
        # (trace/generation_call.cpp): the design's call, on both sides.
        cache = prefill(model, config, prefix_ids, keyword, new_tokens=s)
        return cache, {"input_ids": ids, "attention_mask": inference_mask(ids, c), keyword: cache, "use_cache": True}
    model_kwargs = {"use_cache": True}
    if starts_with_dynamic_cache(model):
        model_kwargs[keyword] = new_cache(config, model)
    carried_before = {"use_cache", "attention_mask", keyword}
    if c > 0:
        model_kwargs["attention_mask"] = torch.ones(b, c, dtype=torch.long, device=ids.device)
        out = model(**_step_inputs(model, prefix_ids, c, True, model_kwargs))
        update = model._update_model_kwargs_for_generation
        update_params = inspect.signature(update).parameters
        extra = {"num_new_tokens": s} if "num_new_tokens" in update_params else {}
        model_kwargs = update(out, model_kwargs, is_encoder_decoder=bool(getattr(model.config, "is_encoder_decoder", False)), **extra)
        if keyword not in model_kwargs and getattr(out, "past_key_values", None) is not None:
            model_kwargs[keyword] = out.past_key_values  # legacy tuples (4.x): generate's own carry
        inputs = _step_inputs(model, torch.cat([prefix_ids, ids], dim=1), s, False, model_kwargs)
    else:
        model_kwargs["attention_mask"] = torch.ones(b, s, dtype=torch.long, device=ids.device)
        inputs = _step_inputs(model, ids, s, True, model_kwargs)
    # The state the call continues with: the cache, or what the prefill's output carried over
    # under a name of the model's own (rwkv's `state`, xlnet's `mems`).
    cache = model_kwargs.get(keyword)
    if cache is None:
        cache = [v for k, v in model_kwargs.items() if k not in carried_before and v is not None] or None
    return cache, inputs
