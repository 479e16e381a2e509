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


def new_cache(config):
    """The DynamicCache of the default path: built from the config where the installed
    transformers takes one (its per-layer kinds), else plain (older 4.x)."""
    from transformers import DynamicCache

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
    """A new DynamicCache holding the tokens `ids` ([b, c]); an empty one when c is 0."""
    cache = new_cache(config)
    if ids.shape[1] > 0:
        inference_call(model, ids, cache, 0, keyword)
    return cache
