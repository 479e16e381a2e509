// Pathological model source: the analysis ends with an answer or an unknown child that says why,
// never a crash, a hang or all the machine's memory. Model classes written here, imported from the
// test's directory (PYTHONPATH), each taking a plain config.
#include <string>

#include <gtest/gtest.h>

#include "cli_support.h"

namespace {

using kcost_test::Result;

std::string models_dir() {
  kcost_test::write("limits_cli", "patho_models.py", R"(import torch
from torch import nn
from transformers import PretrainedConfig


class Base(nn.Module):
    config_class = PretrainedConfig

    def __init__(self, config):
        super().__init__()
        self.config = config


def deep(x, n):
    if n == 0:
        return x
    return deep(x * 2, n - 1)


class Recursive(Base):
    def forward(self, input_ids):
        return deep(input_ids.float(), 100000)


class MethodRecursion(Base):
    def step(self, x, n):
        return x if n == 0 else self.step(x + 1, n - 1)

    def forward(self, input_ids):
        return self.step(input_ids.float(), 10**6)


class Unrolled(Base):
    def forward(self, input_ids):
        x = input_ids.float()
        for i in range(10**9):
            x = x + 1
        return x
)");
  return kcost_test::scratch("limits_cli");
}

Result analyze(const std::string& cls) {
  std::string dir = models_dir();
  return kcost_test::run("limits_cli", "analyze patho_models." + cls + " --force --costs-dir " + dir + "/costs-" + cls, "",
                         "PYTHONPATH=" + dir);
}

TEST(LimitsCli, UnboundedRecursionIsAnUnknownChildNotACrash) {
  for (const char* cls : {"Recursive", "MethodRecursion"}) {
    Result r = analyze(cls);
    EXPECT_EQ(r.code, 4) << cls << ": " << r.err;  // an unknown child, said
    EXPECT_NE(r.err.find("calls nested deeper than 100"), std::string::npos) << cls << ": " << r.err;
  }
}

TEST(LimitsCli, AHugeLiteralLoopIsCountedNotUnrolled) {
  Result r = analyze("Unrolled");
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(models_dir() + "/costs-Unrolled/patho_models.Unrolled.json");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"count\": 1000000000"), std::string::npos) << text.str();
}

}  // namespace
