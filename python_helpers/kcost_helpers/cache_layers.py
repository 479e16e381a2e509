"""The KV cache a config makes: the layer classes of `DynamicCache(config=config)`, as the
installed transformers builds them, and where each layer's numbers come from in the config.

Each layer: {"class": qualified name of its cache-layer class, "sliding": its `is_sliding`,
"attention": whether it keeps keys and values (else only conv / recurrent states), "attributes": {name: {"value": v, "field": "config.<attr>" or null}}} for its int/bool/None
attributes and its per-state dicts of them (a linear-attention layer's `has_previous_state`, ...). A number's config field is found by perturbation: the field whose change (by one)
changes the attribute in a cache built again. The analysis interprets the class's `update`
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


def cache_layers(config):
    """{"layers": [...], "replicate": class or null}: `replicate` names the class a cache without
    per-layer structure appends for every layer (older transformers without a config)."""
    try:
        cache, layers = _layers(config)
    except Exception as e:  # a config DynamicCache cannot read: no per-layer structure
        return {"layers": [], "replicate": None, "error": " ".join(str(e).split())[:300]}
    text, text_path = _text_config_path(config)
    out = []
    fields = {}  # (class, attribute, value) -> field: layers of one kind share it
    for i, layer in enumerate(layers):
        attributes = {}
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
                    "attention": _is_attention_layer(layer), "attributes": attributes})
    replicate = getattr(cache, "layer_class_to_replicate", None)
    return {"layers": out, "replicate": _qualname(replicate) if replicate is not None else None}
