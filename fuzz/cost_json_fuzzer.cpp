// libFuzzer harness: the loaders of cost JSON (a kernel's cost file, checked by
// validate_cost_json) and of resolved trees (`kcost eval --resolved FILE`, read with
// parse_exact). Any JSON text gives one-line problems or a value; a resolved tree that loads
// writes (dump_exact) JSON that loads and writes the same text.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "costfile/cost_schema.h"
#include "expr/exact_json.h"
#include "expr/symbol_table.h"
#include "fuzz_support.h"
#include "resolve/resolved_tree.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kcost::SymbolScope scope;  // the names this input brings are forgotten after it
  if (size > 16384) return -1;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  for (const std::string& problem : kcost::validate_cost_json(j, "fuzz.json"))
    if (problem.find('\n') != std::string::npos) kcost::fuzz::fail("multi-line problem: " + problem);

  nlohmann::ordered_json oj;
  try {
    oj = kcost::parse_exact(text);  // as `kcost eval --resolved` reads the file
  } catch (const kcost::JsonTextError& error) {  // deeper than 256 levels, 1e400
    if (std::string(error.what()).find('\n') != std::string::npos)
      kcost::fuzz::fail(std::string("multi-line error: ") + error.what());
    return 0;
  }
  kcost::ResolvedTree tree;
  try {
    tree = kcost::resolved_tree_from_json(oj, "fuzz.json");
  } catch (const kcost::ResolvedTreeError& error) {
    if (std::string(error.what()).find('\n') != std::string::npos)
      kcost::fuzz::fail(std::string("multi-line error: ") + error.what());
    return 0;
  }
  const std::string written = kcost::dump_exact(kcost::to_json(tree), 2);  // as `kcost resolve` writes it
  kcost::ResolvedTree again;
  try {
    again = kcost::resolved_tree_from_json(kcost::parse_exact(written), "written.json");
  } catch (const std::exception& error) {
    kcost::fuzz::fail("a loaded resolved tree writes JSON that does not load: " + std::string(error.what()));
  }
  if (kcost::dump_exact(kcost::to_json(again), 2) != written) kcost::fuzz::fail("resolved tree JSON does not round-trip");
  return 0;
}
