"""Building a model from a config and running the design's inference call, shared by the oracle
(which records the call) and `kcost measure` (which times it). Nothing is downloaded: the model
is made from its config class with random weights.

The call: model(input_ids, attention_mask=ones(b, c + s), <cache keyword>=cache, use_cache=True)
with `c` tokens already in a DynamicCache and `s` new tokens.
"""

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


def new_cache(config, model=None):
    """The cache the default path starts with: a DynamicCache built from the config where the
    installed transformers takes one (its per-layer kinds), else plain (older 4.x); None for a
    model that takes only legacy tuples (takes_cache_objects)."""
    from transformers import DynamicCache

    if model is not None and not takes_cache_objects(model):
        return None
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


def prefill(model, config, ids, keyword=None):
    """A new cache (new_cache) holding the tokens `ids` ([b, c]); an empty one when c is 0. A
    model started with no cache (legacy tuples) goes on with the one its prefill returns, as
    generate does."""
    cache = new_cache(config, model)
    if ids.shape[1] > 0:
        out = inference_call(model, ids, cache, 0, keyword)
        if cache is None:
            cache = getattr(out, "past_key_values", None)
    return cache
