// libFuzzer harness: reading a user's config.json (`--config`) as kcost does before handing it
// to the config class: read_config_file, text_model_config against a class's defaults, the
// config values the formulas use, the text written for the config class (dump_exact, which must
// read back as the same text), and the analysis' view of every value (ConfigView, on the JSON as
// the Python side hands it over). Non-finite floats, deep nesting, huge integers and wrong
// types are read or refused with one ConfigError line, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "evaluate/values.h"
#include "expr/exact_json.h"
#include "expr/error.h"
#include "expr/symbol_table.h"
#include "fuzz_support.h"
#include "interp/config_view.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kcost::SymbolScope scope;  // the names this input brings are forgotten after it
  if (size > 65536) return -1;
  const std::string path = kcost::fuzz::scratch_dir() + "/config.json";
  kcost::fuzz::write_file(path, std::string_view(reinterpret_cast<const char*>(data), size));
  static const nlohmann::json defaults = {{"hidden_size", 4096}, {"num_hidden_layers", 32}, {"vocab_size", 32000}};
  nlohmann::json file;
  try {
    file = kcost::read_config_file(path);
  } catch (const kcost::ConfigError& error) {
    if (std::string(error.what()).find('\n') != std::string::npos)
      kcost::fuzz::fail(std::string("multi-line error: ") + error.what());
    return 0;
  }
  const nlohmann::json effective = kcost::text_model_config(file, defaults);
  const std::string written = kcost::dump_exact(effective);  // as model_costs hands it to Python
  std::string again;
  try {
    again = kcost::dump_exact(kcost::parse_exact(written, 256, /*nonfinite=*/true));
  } catch (const std::exception& error) {
    kcost::fuzz::fail("the config written for Python does not read back: " + written + ": " + error.what());
  }
  if (again != written) kcost::fuzz::fail("the config written for Python reads back as " + again + ", not " + written);
  kcost::Values values = kcost::config_values(effective, nlohmann::json{{"n_embd", "hidden_size"}});
  for (const auto& [name, value] : values)
    if (name.compare(0, 7, "config.") != 0) kcost::fuzz::fail("config value without the config. prefix: " + name);
  // The analysis' ConfigView is made from the values the Python helper config_defaults returns
  // (plain JSON, parsed by nlohmann; non-finite floats are strings there), never from the file's
  // exact values: give it the input parsed that way.
  const nlohmann::json plain = nlohmann::json::parse(std::string_view(reinterpret_cast<const char*>(data), size),
                                                     nullptr, /*allow_exceptions=*/false);
  if (!plain.is_object()) return 0;
  kcost::ConfigView view(plain);
  for (const auto& item : plain.items()) {
    try {
      view.attribute("config", item.key());
    } catch (const kcost::ExprError&) {  // a key that is not a Python name: no symbol
    }
  }
  return 0;
}
