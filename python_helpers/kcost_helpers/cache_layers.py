"""The KV cache a config makes: the layer classes of `DynamicCache(config=config)`, as the
installed transformers builds them, and where each layer's numbers come from in the config.

Each layer: {"class": qualified name of its cache-layer class, "sliding": its `is_sliding`,
"attention": whether it keeps keys and values (else only conv / recurrent states),
"attributes": {name: {"value": v, "field": "config.<attr>" or null}}, "empty": {name: v}}: its
int/bool/None attributes and its per-state dicts of them (a linear-attention layer's
`has_previous_state`, ...), and what it holds before its first update (the plain values of
`keys`, `values` and `is_initialized`). A number's config field is found by perturbation: the
field whose change (by one) changes the attribute in a cache built again. The analysis interprets the class's `update`
with these attributes (C++), so what a layer keeps is read from the source, not from a table.
"""

import copy


def _qualname(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _plain(value):
    return value is None or isinstance(value, (bool, int))


def _plain_or_states(value):
    """A plain value, or a linear-attention layer's per-state dict of plain values
    (`has_previous_state`, `conv_kernel_size`, `conv_states` before any update: {0: None})."""
    if isinstance(value, dict):
        return all(isinstance(k, int) and not isinstance(k, bool) and _plain(v) for k, v in value.items())
    return _plain(value)


def _is_attention_layer(layer):
    """Whether the layer keeps keys and values (a CacheLayerMixin, which transformers asks for the
    cached length and the mask sizes), not only the conv and recurrent states of a state-space or
    linear-attention layer."""
    try:
        from transformers.cache_utils import CacheLayerMixin
    except ImportError:  # older transformers: every layer is an attention layer
        return True
    return isinstance(layer, CacheLayerMixin)


def _layers(config):
    from transformers import DynamicCache

    cache = DynamicCache(config=config)
    return cache, list(getattr(cache, "layers", []))


def _text_config_path(config):
    """(the config DynamicCache reads its layer structure from, its path from the model config)."""
    getter = getattr(config, "get_text_config", None)
    text = getter(decoder=True) if callable(getter) else config
    if text is config:
        return text, "config"
    for name, value in vars(config).items():
        if value is text:
            return text, f"config.{name}"
    return text, None


def _field_of(config, text, text_path, layer_index, attribute, value):
    """The field of `text` (an int equal to `value`) that sets `attribute` of layer `layer_index`."""
    if text_path is None:
        return None
    for name, candidate in sorted(vars(text).items()):
        if isinstance(candidate, bool) or not isinstance(candidate, int) or candidate != value:
            continue
        probe = copy.deepcopy(config)
        probe_text = probe if text_path == "config" else getattr(probe, text_path.split(".", 1)[1])
        try:
            setattr(probe_text, name, value + 1)
            _, layers = _layers(probe)
        except Exception:  # the config rejects the change: not this field
            continue
        if layer_index < len(layers) and getattr(layers[layer_index], attribute, None) == value + 1:
            return f"{text_path}.{name}"
    return None


def _generate_cache_class(config):
    """The cache class generate sets up for a model of this config before its first call, when
    the generation config it makes of the model config names one (`cache_implementation`:
    "hybrid" for gemma2, gemma3_text and cohere2 on transformers 4.50, a HybridCache) and the
    installed generate makes it itself (NEED_SETUP_CACHE_CLASSES_MAPPING, as 4.x's
    `_prepare_cache_for_generation` calls `_get_cache`); None otherwise (a DynamicCache)."""
    try:
        from transformers import GenerationConfig
        from transformers.generation.configuration_utils import NEED_SETUP_CACHE_CLASSES_MAPPING
    except ImportError:
        return None
    try:
        implementation = GenerationConfig.from_model_config(config).cache_implementation
    except Exception:  # a config generate cannot read: no cache of its own
        return None
    return NEED_SETUP_CACHE_CLASSES_MAPPING.get(implementation) if implementation else None


# The run-time sizes generate gives the cache it sets up (`_get_cache`): the sequences and the
# tokens it has room for, which the analysis takes as batch_size and cache_len + seq_len.
_PROBE_BATCH, _PROBE_LENGTH = 3, 1048583


def _static_cache(cls, text, max_cache_len):
    return cls(config=text, max_batch_size=_PROBE_BATCH, max_cache_len=max_cache_len, device="meta")


def _generate_cache_layers(cls, config):
    """{"class", "mro", "layers": [...]} of a cache class that holds every layer's keys and values
    itself (update(keys, values, layer_idx, cache_kwargs) over per-layer lists), built on the meta
    device as generate builds it: per layer, its index, its `is_sliding`, and its buffer's slots:
    the max_cache_len generate gives it, or a window (a config field) where that is smaller;
    the cache's plain attributes, numbers as the config fields they come from, and the run-time
    sizes as "run": "max_cache_len" / "max_batch_size". The analysis interprets the class's
    update() and other methods with these (C++, trace/kv_cache.cpp)."""
    text, text_path = _text_config_path(config)
    cache = _static_cache(cls, text, _PROBE_LENGTH)
    keys = getattr(cache, "key_cache", None)
    if not isinstance(keys, list) or not keys:
        return None
    sliding = getattr(cache, "is_sliding", None)
    attributes = {}
    for name, value in sorted(vars(cache).items()):
        if not _plain(value):
            continue
        entry = {"value": value, "field": None}
        if value == _PROBE_LENGTH:
            entry["run"] = "max_cache_len"
        elif value == _PROBE_BATCH and name in ("max_batch_size", "batch_size"):
            entry["run"] = "max_batch_size"
        elif isinstance(value, int) and not isinstance(value, bool) and value != 0 and text_path is not None:
            for field, candidate in sorted(vars(text).items()):
                if isinstance(candidate, bool) or candidate != value:
                    continue
                probe = copy.deepcopy(text)
                try:
                    setattr(probe, field, value + 1)
                    if getattr(_static_cache(cls, probe, _PROBE_LENGTH), name, None) == value + 1:
                        entry["field"] = f"{text_path}.{field}"
                        break
                except Exception:  # the config rejects the change: not this field
                    continue
        attributes[name] = entry
    layers = []
    for i, k in enumerate(keys):
        slots = int(k.shape[-2])
        window = None
        if slots != _PROBE_LENGTH:  # a window bounds this layer's buffer: the field that sets it
            for field, candidate in sorted(vars(text).items()):
                if isinstance(candidate, bool) or candidate != slots:
                    continue
                probe = copy.deepcopy(text)
                try:
                    setattr(probe, field, slots + 1)
                    if int(_static_cache(cls, probe, _PROBE_LENGTH).key_cache[i].shape[-2]) == slots + 1:
                        window = f"{text_path}.{field}"
                        break
                except Exception:
                    continue
            if window is None:
                return None  # a buffer whose length is neither: not a cache this reading knows
        layers.append({"class": _qualname(cls), "index": i, "window": window,
                       "sliding": bool(sliding[i]) if sliding is not None and i < len(sliding) else window is not None,
                       "attention": True, "attributes": attributes})
    return {"class": _qualname(cls), "mro": [_qualname(c) for c in cls.__mro__ if c is not object], "layers": layers}


def cache_layers(config):
    """{"layers": [...], "replicate": class or null}: `replicate` names the class a cache without
    per-layer structure appends for every layer (older transformers without a config). Where
    generate sets up a cache class of its own for the config (a HybridCache on 4.50), its layers
    instead, with "generate": {"class", "mro"}."""
    generate_class = _generate_cache_class(config)
    if generate_class is not None:
        try:
            found = _generate_cache_layers(generate_class, config)
        except Exception as e:
            found = None
            error = " ".join(str(e).split())[:300]
        else:
            error = None
        if found is not None:
            return {"layers": found["layers"], "replicate": None,
                    "generate": {"class": found["class"], "mro": found["mro"]}}
        return {"layers": [], "replicate": None,
                "error": f"{_qualname(generate_class)}, the cache generate sets up, could not be read" + (f": {error}" if error else "")}
    try:
        cache, layers = _layers(config)
    except Exception as e:  # a config DynamicCache cannot read: no per-layer structure
        return {"layers": [], "replicate": None, "error": " ".join(str(e).split())[:300]}
    text, text_path = _text_config_path(config)
    out = []
    fields = {}  # (class, attribute, value) -> field: layers of one kind share it
    for i, layer in enumerate(layers):
        attributes = {}
        # What the layer holds before its first update (DynamicLayer: keys and values None,
        # is_initialized False): a layer no call updates stays so (the analysis, C++).
        empty = {name: value for name, value in vars(layer).items()
                 if name in ("keys", "values", "is_initialized") and _plain(value)}
        for name, value in sorted(vars(layer).items()):
            if not _plain_or_states(value) or name in ("keys", "values", "is_initialized", "device"):
                continue
            if isinstance(value, dict):  # keys as their text, as the analysis keeps a dict's number keys
                attributes[name] = {"value": {str(k): v for k, v in value.items()}, "field": None}
                continue
            entry = {"value": value, "field": None}
            if isinstance(value, int) and not isinstance(value, bool) and value != 0:
                key = (type(layer), name, value)
                if key not in fields:
                    fields[key] = _field_of(config, text, text_path, i, name, value)
                entry["field"] = fields[key]
            attributes[name] = entry
        out.append({"class": _qualname(type(layer)), "sliding": bool(getattr(layer, "is_sliding", False)),
                    "attention": _is_attention_layer(layer), "attributes": attributes, "empty": empty})
    replicate = getattr(cache, "layer_class_to_replicate", None)
    return {"layers": out, "replicate": _qualname(replicate) if replicate is not None else None}
