// ConfigView: the model config as the analysis sees it. Numeric attributes become symbols
// (`config.hidden_size`) that also carry their default value, so a branch on them can be decided
// while bindings stay symbolic; strings, lists and dicts (hidden_act, layer_types,
// rope_parameters) are read off the config, since they select structure.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "interp/value.h"

namespace kcost {

class ConfigView {
 public:
  ConfigView() = default;
  // `aliases`: attribute_map of the config class (alias -> real attribute, e.g. GPT2's
  // hidden_size -> n_embd); an alias reads and is written as the real attribute.
  // `properties`: the config class's properties (name -> qualified name of the getter function),
  // for attributes computed from others (MiniCPM3's logits_scaling), and its public methods
  // (name -> {"method": qualified name}); a nested config's are keyed by its path below the
  // config ("text_config.kv_sharing_modes").
  explicit ConfigView(nlohmann::json values, nlohmann::json aliases = nlohmann::json::object(),
                      nlohmann::json properties = nlohmann::json::object())
      : values_(std::move(values)), aliases_(std::move(aliases)), properties_(std::move(properties)) {}

  // `config.<name>` on the config at `path` ("config" or "config.text_config"); nullopt when the
  // config has no such attribute.
  std::optional<ValuePtr> attribute(const std::string& path, const std::string& name) const;
  bool has(const std::string& path, const std::string& name) const;
  // The getter of `config.<name>` when it is a property of the class of the config at `path` (the
  // top level or a nested one, e.g. "config.text_config") and that config has no value of that
  // name: its qualified name; nullopt otherwise.
  std::optional<std::string> property(const std::string& path, const std::string& name) const;
  // The qualified name of the public method `name` of the class of the config at `path`
  // (config.get_text_config()), when that config has no value of that name; nullopt otherwise.
  std::optional<std::string> method(const std::string& path, const std::string& name) const;
  const nlohmann::json& values() const { return values_; }
  // The JSON object of the config at `path` ("config" is the top level); nullptr when there is
  // none.
  const nlohmann::json* object_at(const std::string& path) const;
  // The same config with top-level attribute `name` (an alias names its real attribute) set to
  // `value` (null: None), e.g. to run the code that derives it when it is not given.
  ConfigView with_value(const std::string& name, nlohmann::json value) const;

  // A JSON value (from a config) as a Value whose numbers are constants.
  static ValuePtr from_json(const nlohmann::json& value);

 private:
  const std::string& real_name(const std::string& name) const;
  // The properties_ entry of `name` on the config at `path`, when that config has no value of
  // that name; nullptr otherwise.
  const nlohmann::json* property_entry(const std::string& path, const std::string& name) const;
  // The real name of `name` read on the config at `path` ("config", "config.audio_config").
  const std::string& real_name(const std::string& path, const std::string& name) const;

  nlohmann::json values_ = nlohmann::json::object();
  nlohmann::json aliases_ = nlohmann::json::object();
  nlohmann::json properties_ = nlohmann::json::object();
};

}  // namespace kcost
