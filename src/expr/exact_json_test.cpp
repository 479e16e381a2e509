#include "expr/exact_json.h"

#include <sstream>

#include <gtest/gtest.h>

namespace kcost {
namespace {

using GiNaC::numeric;
using ojson = nlohmann::ordered_json;

TEST(ExactJson, IntegersOf64BitsStayJsonIntegers) {
  EXPECT_EQ(exact_json_number(numeric(12)), nlohmann::json(12));
  EXPECT_EQ(exact_json_number(numeric(-7)).dump(), "-7");
  EXPECT_EQ(exact_json_number(numeric("18000000000000000000")).dump(), "18000000000000000000");
  EXPECT_FALSE(is_exact_number(exact_json_number(numeric("18000000000000000000"))));
}

TEST(ExactJson, BigIntegersAndDecimalsAreWrittenExactly) {
  nlohmann::json j = {{"flops", exact_json_number(numeric("123456789012345678901234567890"))},
                      {"bytes", exact_json_number(numeric(6612726549, 2))},
                      {"neg", exact_json_number(numeric(-1, 8))},
                      {"third", exact_json_number(numeric(1, 3))}};
  EXPECT_EQ(dump_exact(j), R"({"bytes":3306363274.5,"flops":123456789012345678901234567890,"neg":-0.125,"third":"1/3"})");
  EXPECT_EQ(dump_exact(j["flops"]), "123456789012345678901234567890");
  EXPECT_EQ(*json_number_value(j["flops"]), numeric("123456789012345678901234567890"));
  EXPECT_EQ(*json_number_value(j["bytes"]), numeric(6612726549, 2));
  EXPECT_FALSE(json_number_value(j["third"]).has_value());  // a string
}

TEST(ExactJson, DumpLaysOutLikeNlohmann) {
  ojson j = ojson::parse(R"({"b": [1, 2.5, {"x": null, "y": []}], "a": {}, "s": "é\n", "t": true})");
  EXPECT_EQ(dump_exact(j, 2), j.dump(2));
  EXPECT_EQ(dump_exact(j), j.dump());
  EXPECT_EQ(dump_exact(j, 0), j.dump(0));
}

TEST(ExactJson, ParseKeepsBigIntegersExact) {
  ojson j = parse_exact(R"({"count": 123456789012345678901234567890, "n": -99999999999999999999, "f": 2.5, "i": 7})");
  EXPECT_TRUE(is_exact_number(j["count"]));
  EXPECT_EQ(*json_number_value(j["count"]), numeric("123456789012345678901234567890"));
  EXPECT_EQ(*json_number_value(j["n"]), numeric("-99999999999999999999"));
  EXPECT_TRUE(j["f"].is_number_float());
  EXPECT_EQ(j["i"], 7);
  EXPECT_EQ(dump_exact(j), R"({"count":123456789012345678901234567890,"n":-99999999999999999999,"f":2.5,"i":7})");
}

// An integer beyond the double range (a count of 125 ** 890 written out by dump_exact, a
// cost_json fuzz finding: nlohmann's lexer stops at it with "number overflow") reads back exactly,
// inside arrays and negative too, and an error after it is at its byte in the text.
TEST(ExactJson, ParseKeepsIntegersBeyondTheDoubleRangeExact) {
  const numeric big = GiNaC::ex_to<numeric>(GiNaC::pow(numeric(125), 890));
  std::ostringstream digits;
  digits << big;
  ojson j = parse_exact("{\"count\": " + digits.str() + ", \"a\": [-" + digits.str() + ", 1e3]}");
  ASSERT_TRUE(is_exact_number(j["count"]));
  EXPECT_EQ(*json_number_value(j["count"]), big);
  EXPECT_EQ(*json_number_value(j["a"][0]), -big);
  EXPECT_EQ(j["a"][1], 1000.0);
  EXPECT_EQ(dump_exact(j), "{\"count\":" + digits.str() + ",\"a\":[-" + digits.str() + ",1000.0]}");
  EXPECT_THROW(parse_exact("[0" + digits.str() + "]"), JsonTextError);  // a leading zero stays an error
  try {
    parse_exact("[" + digits.str() + ",,]");
    FAIL();
  } catch (const JsonTextError& e) {
    EXPECT_NE(std::string(e.what()).find("column " + std::to_string(digits.str().size() + 3)), std::string::npos) << e.what();
  }
}

TEST(ExactJson, ParseRefusesWhatNlohmannWouldMisread) {
  EXPECT_THROW(parse_exact(R"({"h": 1e400})"), JsonTextError);
  EXPECT_THROW(parse_exact(std::string(300, '[') + std::string(300, ']')), JsonTextError);
  EXPECT_NO_THROW(parse_exact(std::string(100, '[') + std::string(100, ']')));
  EXPECT_THROW(parse_exact("{\"a\": Infinity}"), JsonTextError);
  EXPECT_THROW(parse_exact(""), JsonTextError);
  try {
    parse_exact("{\"a\": 1,,}");
    FAIL();
  } catch (const JsonTextError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("column 9"), std::string::npos) << e.what();
  }
}

TEST(ExactJson, ParseMatchesNlohmannOnOrdinaryText) {
  const std::string text = R"({"z": 1, "a": [true, false, null, "x", -0.5, 18446744073709551615], "m": {"k": {}}})";
  EXPECT_EQ(parse_exact(text), ojson::parse(text));
}

}  // namespace
}  // namespace kcost

namespace kcost {
namespace {

TEST(ExactJson, NonFiniteLiteralsReadOnlyWhenAskedAndWrittenBack) {
  const std::string text = R"({"limit": [0.0, Infinity], "x": NaN, "y": -Infinity, "n": null, "s": "NaN Infinity \" null"})";
  EXPECT_THROW(parse_exact(text), JsonTextError);
  nlohmann::ordered_json j = parse_exact(text, 256, /*nonfinite=*/true);
  EXPECT_TRUE(j["n"].is_null());
  EXPECT_EQ(j["s"], "NaN Infinity \" null");
  EXPECT_FALSE(json_number_value(j["x"]).has_value());
  EXPECT_FALSE(json_number_value(j["limit"][1]).has_value());
  EXPECT_EQ(*json_number_value(j["limit"][0]), 0);
  EXPECT_EQ(dump_exact(j), R"({"limit":[0.0,Infinity],"x":NaN,"y":-Infinity,"n":null,"s":"NaN Infinity \" null"})");
}

}  // namespace
}  // namespace kcost
