// The per-layer view of a heterogeneous config (transformers' `config.per_layer_config`, a
// `_PerLayerConfigView`: Gemma-4's full-attention layers with their own head_dim, Dots3's
// sliding layers with their own heads): indexed by a layer's index it is the config with that
// layer's overrides set, as `_get_layer_config` copies the config and sets them; indexed by a
// layer kind (`per_layer_config["full_attention"]`) it is the config of the first layer of that
// kind, when every layer of the kind has the same overrides (transformers raises otherwise: the
// view then holds an unknown saying so). A config with no overrides gives itself at every index.
// The config's values hold the overrides as configs.py writes them: `per_layer_config`, an
// object of layer index (decimal text) -> {attribute: value}, {} for a homogeneous config whose
// class has the view. An overriding value is a constant of the analysed config; every attribute
// a layer does not override reads the config's own (symbolic) one.
#pragma once

#include <string>

#include "interp/config_view.h"
#include "interp/value.h"

namespace kcost {

// The view of the config at `path` ("config", "config.text_config") as a Dict keyed by each
// layer's index ("0", "1", ...) and by each layer kind of `layer_types`, whose items are Config
// values with the layer's overrides set; nullptr when that config has no per-layer overrides
// object (a config class without the view) or no known layer count.
ValuePtr per_layer_config_view(const ConfigView& config, const std::string& path);

}  // namespace kcost
