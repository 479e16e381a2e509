// libFuzzer harness: the loaders of cost JSON (a kernel's cost file, checked by
// validate_cost_json) and of resolved trees (`kcost eval --resolved FILE`). Any JSON text gives
// one-line problems or a value; a resolved tree that loads writes back to JSON that loads to the
// same text.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "costfile/cost_schema.h"
#include "fuzz_support.h"
#include "resolve/resolved_tree.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return -1;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  for (const std::string& problem : kcost::validate_cost_json(j, "fuzz.json"))
    if (problem.find('\n') != std::string::npos) kcost::fuzz::fail("multi-line problem: " + problem);

  const nlohmann::ordered_json oj = nlohmann::ordered_json::parse(text, nullptr, false);
  kcost::ResolvedTree tree;
  try {
    tree = kcost::resolved_tree_from_json(oj, "fuzz.json");
  } catch (const kcost::ResolvedTreeError& error) {
    if (std::string(error.what()).find('\n') != std::string::npos)
      kcost::fuzz::fail(std::string("multi-line error: ") + error.what());
    return 0;
  }
  const std::string written = kcost::to_json(tree).dump(2);
  kcost::ResolvedTree again;
  try {
    again = kcost::resolved_tree_from_json(nlohmann::ordered_json::parse(written), "written.json");
  } catch (const std::exception& error) {
    kcost::fuzz::fail("a loaded resolved tree writes JSON that does not load: " + std::string(error.what()));
  }
  if (kcost::to_json(again).dump(2) != written) kcost::fuzz::fail("resolved tree JSON does not round-trip");
  return 0;
}
