// The width parameters and their operand roles (leaves/operand_widths.h).
#include "leaves/operand_widths.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

TEST(OperandWidths, TheVocabularyAndItsRoles) {
  EXPECT_EQ(width_role("weight_width"), "weight");
  EXPECT_EQ(width_role("kv_width"), "kv");
  EXPECT_EQ(width_role("a_width"), "a");
  EXPECT_EQ(width_role("c_width"), "c");
  EXPECT_FALSE(is_width_param("weight_bytes"));  // the implicit quantity, not a leaf's parameter
  EXPECT_FALSE(is_width_param("element_bytes"));
  EXPECT_FALSE(is_width_param("num_elements"));
  EXPECT_EQ(width_role("M"), "");
}

}  // namespace
}  // namespace kcost
