// libFuzzer harness: the resolver on a directory of cost files. The input is several cost files
// separated by lines "----"; each is written as <kernel_name>.json when it names a kernel usable
// as a file name (else as part<i>.json), and the first file's kernel is resolved against the
// project's leaf library. Cycles, missing children, bindings of unknown symbols, enormous counts
// and malformed files must give one ResolveError line; a resolved tree must write JSON that
// loads back.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "costfile/cost_schema.h"
#include "expr/exact_json.h"
#include "expr/symbol_table.h"
#include "fuzz_support.h"
#include "leaves/leaf_catalog.h"
#include "resolve/resolved_tree.h"
#include "resolve/resolver.h"

namespace {

bool usable_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 200) return false;
  for (unsigned char c : name)
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return false;
  return true;
}

const kcost::LeafCatalog& leaves() {
  static const kcost::LeafCatalog catalog = kcost::LeafCatalog::load(std::string(KCOST_SOURCE_DIR) + "/kernels");
  return catalog;
}

void one_line(const std::string& message) {
  if (message.find('\n') != std::string::npos) kcost::fuzz::fail("multi-line error: " + message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  leaves();  // the leaf library lives on, its symbols made before the scope
  const kcost::SymbolScope scope;  // the names this input brings are forgotten after it
  if (size > 16384) return -1;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string& dir = kcost::fuzz::scratch_dir();
  std::string root;
  auto parts = kcost::fuzz::split_parts(input);
  for (size_t i = 0; i < parts.size() && i < 16; ++i) {
    std::string name = "part" + std::to_string(i);
    const nlohmann::json j = nlohmann::json::parse(parts[i], nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("kernel_name") && j["kernel_name"].is_string() &&
        usable_name(j["kernel_name"].get<std::string>()))
      name = j["kernel_name"].get<std::string>();
    if (i == 0) root = name;
    kcost::fuzz::write_file(dir + "/" + name + ".json", parts[i]);
  }
  for (const std::string& problem : kcost::validate_cost_dir(dir, leaves(), false)) one_line(problem);
  kcost::ResolveOptions options;
  options.allow_unknown = !root.empty() && (root.back() & 1);
  kcost::ResolvedTree tree;
  try {
    tree = kcost::resolve(dir, root, leaves(), options);
  } catch (const kcost::ResolveError& error) {
    one_line(error.what());
    return 0;
  }
  const std::string written = kcost::dump_exact(kcost::to_json(tree), 2);  // as `kcost resolve` writes it
  try {
    kcost::resolved_tree_from_json(kcost::parse_exact(written), "written.json");
  } catch (const std::exception& error) {
    kcost::fuzz::fail("a resolved tree writes JSON that does not load: " + std::string(error.what()));
  }
  return 0;
}
