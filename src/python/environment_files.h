// Where a Python environment's transformers package is, read from the file system without
// starting the interpreter: what the warm path of the cost cache (evaluate/warm_entry.h) checks a
// cached entry against, so that a cached answer is one for the transformers the user chose.
#pragma once

#include <string>

#include "python/session.h"

namespace kcost {

// The directory of the `transformers` package a session with `options` would import (the
// --transformers-dir checkout's, else the environment's site-packages'), canonical; "" when
// there is none on disk (no such environment, or no transformers in it).
std::string transformers_package_dir(const SessionOptions& options);

}  // namespace kcost
