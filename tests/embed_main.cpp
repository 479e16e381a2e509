// main() of the tests that need the embedded interpreter: starts Python once for the process
// (with the project's environment, or $KCOST_PYTHON_ENV), then runs GoogleTest.
#include <cstdlib>
#include <iostream>

#include <gtest/gtest.h>

#include "python/session.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  kcost::SessionOptions options;
  if (const char* env = std::getenv("KCOST_PYTHON_ENV")) options.python_env = env;
  try {
    kcost::PythonSession::start(options);
  } catch (const std::exception& e) {
    std::cerr << "cannot start the embedded interpreter: " << e.what() << "\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
