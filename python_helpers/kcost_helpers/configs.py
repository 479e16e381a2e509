"""Config classes and their defaults; model_type -> causal-LM class."""

import difflib
import importlib
import inspect
import json
import math


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no infinity or NaN (falcon_h1's time_step_limit defaults to (0.0, inf)): the
        # value is kept as Python's text of it, a string, which no formula takes as a number.
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_jsonable(v) for v in value]
        return items if all(i is not _SKIP for i in items) else _SKIP
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _jsonable(v)
            if v is not _SKIP:
                out[str(k)] = v
        return out
    if hasattr(value, "to_dict") and callable(value.to_dict):  # nested configs
        out = value.to_dict()
        # A heterogeneous nested config (Gemma-4's text_config) leaves its per-layer attributes
        # (head_dim) out of to_dict: their global values, and the overrides with unpadded indices.
        spec = getattr(value, "__dict__", {}).get("_heterogeneity_spec")
        if spec is not None and isinstance(out, dict):
            for name in sorted(spec.per_layer_attributes):
                if name in value.__dict__:
                    out.setdefault(name, value.__dict__[name])
            out["per_layer_config"] = _per_layer_overrides(value)
        return _jsonable(out)
    return _SKIP


_SKIP = object()


def _one_line(error):
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _property_values(config):
    """The values of the properties the model's own config classes define (Jamba's
    `layers_block_type`, computed from attn_layer_period and attn_layer_offset; not those of
    PretrainedConfig), read off the instance: the model reads them like attributes."""
    from transformers import PretrainedConfig

    out = []
    for cls in type(config).__mro__:
        if cls is PretrainedConfig or not issubclass(cls, PretrainedConfig):
            break
        for name, member in vars(cls).items():
            if isinstance(member, property) and not name.startswith("_"):
                try:
                    out.append((name, getattr(config, name)))
                except Exception:  # noqa: BLE001 - a property this config cannot compute: not a value
                    continue
    return out


def _plain_data(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, (tuple, list)) and all(isinstance(v, (bool, int, float, str)) for v in value)


def _class_values(config):
    """The plain class attributes (numbers, strings, tuples of them) the model's own config
    classes define (not PretrainedConfig's): LFM3's `_rope_type_labels = ("full_attention",
    "sliding_attention")`, read by the model as `config._rope_type_labels` like any attribute."""
    from transformers import PretrainedConfig

    fields = set(getattr(type(config), "__dataclass_fields__", {})) | set(vars(config))
    out = []
    for cls in type(config).__mro__:
        if cls is PretrainedConfig or not issubclass(cls, PretrainedConfig):
            break
        for name, member in vars(cls).items():
            # A dataclass field's class value is its default, not the config's: the instance says.
            if not name.startswith("__") and name not in fields and _plain_data(member):
                out.append((name, member))
    return out


def _per_layer_overrides(config):
    """The per-layer overrides of a heterogeneous config (transformers' per_layer_config: Gemma-4's
    full-attention layers' head_dim), as {layer index (decimal text): {attribute: value}}; {} for a
    config whose class has the per-layer view but no overrides (the view is then the config at
    every layer); None for a config class without the view (transformers before it)."""
    try:
        type(config).per_layer_config  # noqa: B018 - the property exists where the view does
    except AttributeError:
        return None
    spec = config.__dict__.get("_heterogeneity_spec")
    if spec is None:
        return {}
    out = {}
    for index, overrides in sorted(spec.per_layer_overrides.items()):
        layer = _jsonable(dict(overrides))
        if layer is not _SKIP:
            out[str(int(index))] = layer
    return out


def _config_values(config):
    values = {}
    for name, value in (_class_values(config) + _property_values(config) + list(config.to_dict().items()) +
                        list(vars(config).items())):
        value = _jsonable(value)
        if value is not _SKIP:
            values[name] = value
    # The per-layer view the model reads (config.per_layer_config[i]): unpadded layer indices
    # (to_dict zero-pads them), and present for a homogeneous config too.
    overrides = _per_layer_overrides(config)
    if overrides is not None:
        values["per_layer_config"] = overrides
    return values


def _config_class_of(cls):
    """The config class a model or module class takes: its `config_class`, else the annotation of
    its __init__'s `config` parameter, else the one config class its module imports."""
    import sys

    from transformers import PretrainedConfig

    config_class = getattr(cls, "config_class", None)
    if inspect.isclass(config_class) and issubclass(config_class, PretrainedConfig):
        return config_class
    try:
        annotation = inspect.signature(cls.__init__).parameters["config"].annotation
        if inspect.isclass(annotation) and issubclass(annotation, PretrainedConfig):
            return annotation
    except (KeyError, ValueError, TypeError):
        pass
    module = sys.modules.get(cls.__module__)
    found = [
        v
        for v in vars(module).values()
        if inspect.isclass(v) and issubclass(v, PretrainedConfig) and v is not PretrainedConfig
    ]
    return found[0] if len(found) == 1 else None


def config_defaults(model_class, config_file=""):
    """JSON: {"config_class", "values", "aliases", "cache_layers", "properties", "sub_configs"}: the
    config of `model_class` (a qualified class name), from the config class defaults or, when
    given, a user's config.json, the KV cache layers that config makes (cache_layers.py), and the
    paths of its sub-configs ("text_config", "text_config.audio_config"), which hold the framework
    state a built model's config has (_attn_implementation) as the config does."""
    from .locate import _import_object, _qualname

    cls = _import_object(model_class)
    config_class = _config_class_of(cls)
    if config_class is None:
        raise LookupError(f"cannot tell which config class '{model_class}' takes")
    if config_file:
        try:
            with open(config_file, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError, RecursionError) as e:
            raise LookupError(f"cannot read config file '{config_file}': {_one_line(e)}") from None
        if not isinstance(data, dict):
            raise LookupError(f"config file '{config_file}': top level is not a JSON object")
        try:
            config = config_class(**{k: v for k, v in data.items() if k != "model_type"})
        except Exception as e:  # wrong types or values: the config class says why
            raise LookupError(f"config file '{config_file}': {config_class.__name__} rejects it: {_one_line(e)}") from None
    else:
        config = config_class()
    values = _config_values(config)
    # Aliases (GPT2's hidden_size -> n_embd): the analysis writes the real attribute's name.
    aliases = {k: v for k, v in getattr(config, "attribute_map", {}).items() if isinstance(v, str)}
    for alias, real in aliases.items():
        values.pop(alias, None)
    # A nested config's own aliases (an audio config's d_model -> hidden_size), keyed by its path
    # below the config: "audio_config.d_model".
    aliases.update(_nested_aliases(config, values))
    properties = _config_properties(config_class)
    # A nested config's own properties and methods (Gemma-4's text_config.kv_sharing_modes), keyed
    # by its path below the config, as its aliases are.
    properties.update(_nested_properties(config, values))
    from .cache_layers import cache_layers

    return json.dumps({"config_class": _qualname(config_class), "values": values, "aliases": aliases,
                       "cache_layers": cache_layers(config), "properties": properties,
                       "sub_configs": _sub_config_paths(config, values)})


def _sub_configs(config, values, prefix="", depth=0):
    """(path, config, its values) of every sub-config below `config` (attributes that are configs
    themselves, as `values` holds them: dicts), outermost first, four levels deep at most."""
    from transformers import PretrainedConfig

    if depth > 4:
        return
    for name, sub in vars(config).items():
        if isinstance(sub, PretrainedConfig) and isinstance(values.get(name), dict):
            yield f"{prefix}{name}", sub, values[name]
            yield from _sub_configs(sub, values[name], f"{prefix}{name}.", depth + 1)


def _sub_config_paths(config, values):
    """The paths below `config` of its sub-configs ("text_config", "text_config.audio_config")."""
    return [path for path, _, _ in _sub_configs(config, values)]


def _nested_aliases(config, values):
    """{"<path>.<alias>": real name} of every sub-config of `config`, and their aliases dropped
    from `values`."""
    out = {}
    for path, sub, sub_values in _sub_configs(config, values):
        for alias, real in getattr(sub, "attribute_map", {}).items():
            if isinstance(real, str):
                out[f"{path}.{alias}"] = real
                sub_values.pop(alias, None)
    return out


def _nested_properties(config, values):
    """{"<path>.<name>": getter (or {"method": ...})} of the properties and public methods of every
    sub-config's class (_config_properties of it)."""
    out = {}
    for path, sub, _ in _sub_configs(config, values):
        for prop, getter in _config_properties(type(sub)).items():
            out[f"{path}.{prop}"] = getter
    return out


def _config_properties(config_class):
    """{name: qualified name of the getter} of the config class's own properties (MiniCPM3's
    logits_scaling = hidden_size / dim_model_base): the analysis runs the getter's source on the
    config when the model reads an attribute the config's values do not hold. PretrainedConfig's
    own public properties count too (older 4.x models read `config.use_return_dict`); its private
    ones (framework state such as _attn_implementation, given separately) do not."""
    from transformers import PretrainedConfig

    from .locate import _qualname

    out = {}
    for klass in config_class.__mro__:
        if not issubclass(klass, PretrainedConfig):
            break
        for name, attr in vars(klass).items():
            if klass is PretrainedConfig and name.startswith("_"):
                continue
            if isinstance(attr, property) and attr.fget is not None and inspect.isfunction(attr.fget) and name not in out:
                out[name] = f"{_qualname(klass)}.{name}"
            elif inspect.isfunction(attr) and not name.startswith("_") and name not in out:
                # A public method (4.x's config.get_text_config()): the analysis runs it when called.
                out[name] = {"method": f"{_qualname(klass)}.{name}"}
    return out


def causal_lm_class(model_type):
    """Qualified name of the causal-LM class registered for `model_type` (e.g. "llama")."""
    from transformers.models.auto import modeling_auto

    names = modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
    if model_type not in names:
        close = difflib.get_close_matches(model_type, list(names), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise LookupError(f"no causal-LM model type '{model_type}' in transformers{hint}")
    transformers = importlib.import_module("transformers")
    cls = getattr(transformers, names[model_type])
    return f"{cls.__module__}.{cls.__qualname__}" if inspect.isclass(cls) else str(cls)


def auto_model_class(auto_class, model_type):
    """Qualified name of the model class that transformers' auto class `auto_class` (a dotted
    path, e.g. transformers.models.auto.modeling_auto.AutoModel) builds from a config of
    `model_type` (what `AutoModel.from_config(config.text_config)` makes); "" when it has none."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    from .locate import _import_object

    try:
        auto = _import_object(auto_class)
        cls = auto._model_mapping[CONFIG_MAPPING[model_type]]
    except Exception:  # noqa: BLE001 - no class for that type (the lazy mapping raises several kinds)
        return ""
    return f"{cls.__module__}.{cls.__qualname__}"


def causal_lm_types():
    """JSON list of every model type the installed transformers maps to a causal-LM class."""
    from transformers.models.auto import modeling_auto

    return json.dumps(list(modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES))


def is_model_type(name):
    from transformers.models.auto import modeling_auto

    return json.dumps(name in modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES)
