// libFuzzer harness: the leaf kernel library loader. The input is one or more leaf files
// (separated by lines "----") written into a directory that LeafCatalog::load reads; it either
// loads or throws one CatalogError line, and a loaded leaf's formulas use only its
// forward_params and `bytes`.
#include <cstddef>
#include <cstdint>
#include <string>

#include "expr/symbol_table.h"
#include "fuzz_support.h"
#include "leaves/leaf_catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kcost::SymbolScope scope;  // the names this input brings are forgotten after it
  if (size > 16384) return -1;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string& dir = kcost::fuzz::scratch_dir();
  auto parts = kcost::fuzz::split_parts(input);
  for (size_t i = 0; i < parts.size() && i < 8; ++i)
    kcost::fuzz::write_file(dir + "/leaf" + std::to_string(i) + ".json", parts[i]);
  try {
    kcost::LeafCatalog catalog = kcost::LeafCatalog::load(dir);
    for (const auto& [name, leaf] : catalog.all()) {
      for (const kcost::Expr* e : {&leaf.flops, &leaf.memory_read, &leaf.memory_write})
        for (const std::string& s : e->symbols()) {
          bool known = s == "bytes";
          for (const std::string& p : leaf.forward_params) known = known || p == s;
          if (!known) kcost::fuzz::fail("leaf " + name + " loaded with a formula in unknown symbol " + s);
        }
    }
  } catch (const kcost::CatalogError& error) {
    if (std::string(error.what()).find('\n') != std::string::npos)
      kcost::fuzz::fail(std::string("multi-line error: ") + error.what());
  }
  return 0;
}
