// libFuzzer harness: the command-line parsers of sizes, lists and ranges. The input is up to
// four fields separated by lines "----": a list (1,8,64 or start:stop:step), a --peak-flops
// number with an SI suffix, a --batch-size, and a --bind NAME=EXPR. Each either parses or
// throws one boost::program_options::error line (exit 1); a list has at most its limit of
// non-negative values (10 million on the command line; 10,000 here, so that a fuzzed range costs
// microseconds and not a second: the same check, at a size the fuzzer can repeat), a number is
// positive and finite, a batch size a positive integer.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/number_options.h"
#include "expr/symbol_table.h"
#include "fuzz_support.h"

namespace po = boost::program_options;

namespace {

void one_line(const std::exception& error) {
  if (std::string(error.what()).find('\n') != std::string::npos)
    kcost::fuzz::fail(std::string("multi-line error: ") + error.what());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kcost::SymbolScope scope;  // the names this input brings are forgotten after it
  if (size > 4096) return -1;
  auto parts = kcost::fuzz::split_parts(std::string_view(reinterpret_cast<const char*>(data), size));
  parts.resize(4);
  try {
    constexpr size_t kLimit = 10000;
    std::vector<GiNaC::numeric> values = kcost::number_list(std::string(parts[0]), "cache-len", kLimit);
    if (values.empty() || values.size() > kLimit) kcost::fuzz::fail("a list of " + std::to_string(values.size()));
    for (const GiNaC::numeric& n : values)
      if (n.is_negative()) kcost::fuzz::fail("--cache-len accepted " + kcost::to_string(n));
  } catch (const po::error& error) {
    one_line(error);
  }
  try {
    double v = kcost::si_number(std::string(parts[1]), "peak-flops");
    if (!(v > 0) || !std::isfinite(v)) kcost::fuzz::fail("--peak-flops accepted " + std::to_string(v));
  } catch (const po::error& error) {
    one_line(error);
  }
  std::vector<std::string> args = {"--batch-size", std::string(parts[2])};
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(kcost::point_options()).run(), vm);
    po::notify(vm);
    kcost::RuntimePoint p = kcost::runtime_point(vm);
    if (!p.batch_size.is_pos_integer() || !p.seq_len.is_pos_integer() || !p.cache_len.is_nonneg_integer())
      kcost::fuzz::fail("--batch-size accepted " + kcost::to_string(p.batch_size));
  } catch (const po::error& error) {
    one_line(error);
  }
  try {
    for (const auto& [name, value] : kcost::bindings({std::string(parts[3])}))
      if (name.empty()) kcost::fuzz::fail("--bind accepted an empty name");
  } catch (const po::error& error) {
    one_line(error);
  }
  return 0;
}
