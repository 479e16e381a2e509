// A harness for testing fuzz/replay's driver (fuzz/replay_main.cpp) where no real harness can
// help: it rejects (its check fails, as a harness's does on a bug) an input that starts with
// "reject", and accepts anything else. Built as build/replay/reject_selftest (cmake/Replay.cmake).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.substr(0, 6) == "reject") kcost::fuzz::fail("rejected: " + std::string(text));
  return 0;
}
