// Tests of the paths a leaf declares its parameters by ("binds").
#include "leaves/leaf_binds.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

using A = BindPath::Access;

TEST(BindPath, EveryForm) {
  BindPath d = parse_bind_path("query.shape[-2]");
  EXPECT_EQ(d.access, A::Dim);
  EXPECT_EQ(d.operand, "query");
  EXPECT_EQ(d.number, -2);
  BindPath a = parse_bind_path("args[1].shape[0]");
  EXPECT_EQ(a.index, 1);
  EXPECT_EQ(a.operand, "");
  EXPECT_EQ(parse_bind_path("self.numel()").access, A::Numel);
  EXPECT_EQ(parse_bind_path("input.ndim").access, A::Rank);
  BindPath p = parse_bind_path("present(bias)");
  EXPECT_EQ(p.access, A::Present);
  EXPECT_EQ(p.operand, "bias");
  BindPath v = parse_bind_path(" num_classes ");
  EXPECT_EQ(v.access, A::Value);
  EXPECT_EQ(v.operand, "num_classes");
  BindPath l = parse_bind_path("4");
  EXPECT_EQ(l.access, A::Literal);
  EXPECT_EQ(l.number, 4);
}

TEST(BindPath, AnythingElseIsAnErrorWithItsColumn) {
  for (const char* bad : {"", "query.shape", "query.shape[x]", "query.size(0)", "args[-1]", "query.shape[0] + 1",
                          "__import__('os')", "present(x", "1.5"}) {
    try {
      parse_bind_path(bad);
      ADD_FAILURE() << bad << " parsed";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind("column ", 0), 0u) << bad << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace kcost
