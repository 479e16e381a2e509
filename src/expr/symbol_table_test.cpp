#include "expr/symbol_table.h"

#include <gtest/gtest.h>

#include "expr/expr.h"

namespace kcost {
namespace {

TEST(SymbolTable, OneSymbolPerName) {
  const GiNaC::symbol& a = symbol_named("symbol_table_test_a");
  EXPECT_EQ(&symbol_named("symbol_table_test_a"), &a);
  EXPECT_EQ(find_symbol("symbol_table_test_a"), &a);
  EXPECT_EQ(find_symbol("symbol_table_test_never_made"), nullptr);
  EXPECT_EQ(Expr::parse("symbol_table_test_a + 1") - Expr::parse("symbol_table_test_a"), Expr(1));
}

TEST(SymbolTable, AScopeForgetsTheSymbolsMadeWhileItLived) {
  const GiNaC::ex before = symbol_named("symbol_table_test_before");
  const size_t count = symbol_count();
  GiNaC::ex inside;
  {
    SymbolScope scope;
    inside = symbol_named("symbol_table_test_inside");
    const Expr e = Expr::parse("symbol_table_test_before * symbol_table_test_x.y + symbol_table_test_z");
    EXPECT_EQ(symbol_count(), count + 3);
    EXPECT_TRUE(e.ex().has(before));  // made before the scope: the same symbol
  }
  EXPECT_EQ(symbol_count(), count);
  EXPECT_EQ(find_symbol("symbol_table_test_inside"), nullptr);
  EXPECT_EQ(find_symbol("symbol_table_test_x.y"), nullptr);
  EXPECT_NE(find_symbol("symbol_table_test_before"), nullptr);
  EXPECT_TRUE(Expr::parse("symbol_table_test_before").ex().is_equal(before));
  // The name is made again on its next use: a new symbol, which a copy kept from the scope (what
  // the scope's user promises not to keep) is not.
  EXPECT_FALSE(GiNaC::ex(symbol_named("symbol_table_test_inside")).is_equal(inside));
}

TEST(SymbolTable, ScopesNest) {
  const size_t count = symbol_count();
  {
    SymbolScope outer;
    symbol_named("symbol_table_test_outer");
    {
      SymbolScope inner;
      symbol_named("symbol_table_test_inner");
      symbol_named("symbol_table_test_outer");  // already there: not the inner scope's
      EXPECT_EQ(symbol_count(), count + 2);
    }
    EXPECT_EQ(find_symbol("symbol_table_test_inner"), nullptr);
    EXPECT_NE(find_symbol("symbol_table_test_outer"), nullptr);
  }
  EXPECT_EQ(find_symbol("symbol_table_test_outer"), nullptr);
  EXPECT_EQ(symbol_count(), count);
}

}  // namespace
}  // namespace kcost
