// The exit codes of every kcost command (documented in `kcost --help` and README.md).
#pragma once

namespace kcost {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,        // bad command line
  kExitNotFound = 2,     // a class, function or model_type that does not resolve
  kExitEnvironment = 3,  // the Python environment (torch, transformers) is unusable
  kExitPartial = 4,      // the result is partial: unknown children (see --allow-unknown)
  kExitBadInput = 5,     // bad user data: JSON, expression, config file, kernel library
  kExitMismatch = 6,     // validation found a disagreement
  kExitInternal = 70,    // a bug in kcost
};

constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0   success\n"
    "  1   bad command line\n"
    "  2   a name (class, function, model_type) does not resolve\n"
    "  3   the Python environment is unusable (torch or transformers cannot be imported)\n"
    "  4   partial result: some children could not be modelled (see --allow-unknown)\n"
    "  5   bad input data: JSON, expression, config file or kernel library\n"
    "  6   validation found a disagreement\n"
    "  70  internal error\n";

}  // namespace kcost
