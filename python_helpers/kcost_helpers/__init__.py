"""Thin extraction helpers that kcost's C++ host calls in its embedded interpreter.

Each public function takes plain strings and returns a JSON string; no analysis happens here.
Errors are raised as LookupError with a one-line message that the host prints as it is.
"""

from .locate import attention_functions, canonical_names, describe, forward_dispatch, resolve_global, source_file_ast  # noqa: F401
from .configs import auto_model_class, causal_lm_class, causal_lm_types, config_defaults, is_model_type  # noqa: F401
from .environment import loaded_sources, versions  # noqa: F401
from .oracle import small_config_kwargs, traced_run  # noqa: F401
from .plots import render_plot  # noqa: F401
from .measure import machine_peaks, measure_load, measure_point, measure_release  # noqa: F401
