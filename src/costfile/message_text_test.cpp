#include "costfile/message_text.h"

#include <gtest/gtest.h>

namespace kcost {
namespace {

TEST(MessageText, OneLine) {
  EXPECT_EQ(one_line("a\nb\tc"), "a b c");
  EXPECT_EQ(one_line("plain"), "plain");
}

TEST(MessageText, QuoteEscapesControlCharacters) {
  EXPECT_EQ(quote_for_message("q_proj"), "'q_proj'");
  EXPECT_EQ(quote_for_message("a\nb\r\tc\x01"), "'a\\nb\\r\\tc\\x01'");
  EXPECT_EQ(quote_for_message("it's"), "'it's'");  // for reading, not for parsing back
}

TEST(MessageText, PathsStayAsTheyAreButForControlCharacters) {
  EXPECT_EQ(path_for_message("/tmp/costs/m.Layer.json"), "/tmp/costs/m.Layer.json");
  EXPECT_EQ(path_for_message("/tmp/costs/m.La\nyers.json"), "/tmp/costs/m.La\\nyers.json");
  EXPECT_EQ(path_for_message("a\x7f" "b"), "a\\x7fb");
}

TEST(MessageText, JsonPaths) {
  EXPECT_EQ(json_path_key("$.children", "q_proj"), "$.children.q_proj");
  EXPECT_EQ(json_path_key("$.children", "a.b"), "$.children['a.b']");
  EXPECT_EQ(json_path_key("$", "it's\n"), "$['it\\'s\\n']");
  EXPECT_EQ(json_path_index("$.init_params", 2), "$.init_params[2]");
}

}  // namespace
}  // namespace kcost
