// Config values from JSON (booleans 1/0, nested objects dotted, aliases), user numbers, and a
// checkpoint's config.json (bad files named, nested text_config).
#include "evaluate/values.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "expr/exact_json.h"
#include "expr/number.h"

namespace kcost {
namespace {

using GiNaC::numeric;

TEST(Values, ExactNumbersFromText) {
  EXPECT_EQ(parse_exact_number("4096"), numeric(4096));
  EXPECT_EQ(parse_exact_number("-7"), numeric(-7));
  EXPECT_EQ(parse_exact_number("0.5"), numeric(1, 2));
  EXPECT_EQ(parse_exact_number("1/3"), numeric(1, 3));
  EXPECT_EQ(parse_exact_number("1e3"), numeric(1000));
  EXPECT_EQ(parse_exact_number("2.5e-1"), numeric(1, 4));
  EXPECT_EQ(parse_exact_number("123456789012345678901234567890"),
            numeric("123456789012345678901234567890"));
  for (const char* bad : {"", "x", "1.2.3", "--1", "1e", "1/0", "0x10", " 1"})
    EXPECT_THROW(parse_exact_number(bad), std::invalid_argument) << bad;
}

TEST(Values, ConfigValuesFlattenAndConvert) {
  nlohmann::json values = {{"hidden_size", 4096},  {"attention_bias", false}, {"tie", true},
                           {"rms_norm_eps", 1e-5}, {"hidden_act", "silu"},    {"head_dim", nullptr},
                           {"layer_types", {"full", "sliding"}},
                           {"text_config", {{"hidden_size", 2048}, {"rope", {{"factor", 8}}}}}};
  Values v = config_values(values, {{"n_embd", "hidden_size"}, {"sub", "text_config"}, {"text_config.d_model", "hidden_size"}});
  EXPECT_EQ(v.at("config.hidden_size"), numeric(4096));
  EXPECT_EQ(v.at("config.attention_bias"), numeric(0));
  EXPECT_EQ(v.at("config.tie"), numeric(1));
  EXPECT_TRUE(number::is_float(v.at("config.rms_norm_eps")));
  EXPECT_EQ(v.count("config.hidden_act"), 0u);
  EXPECT_EQ(v.count("config.head_dim"), 0u);
  EXPECT_EQ(v.count("config.layer_types"), 0u);
  EXPECT_EQ(v.at("config.text_config.hidden_size"), numeric(2048));
  EXPECT_EQ(v.at("config.text_config.rope.factor"), numeric(8));
  EXPECT_EQ(v.at("config.n_embd"), numeric(4096));
  EXPECT_EQ(v.at("config.sub.rope.factor"), numeric(8));
  // A nested config's alias names that config's attribute, not the top one's.
  EXPECT_EQ(v.at("config.text_config.d_model"), numeric(2048));
}

TEST(Values, RuntimeValues) {
  RuntimePoint p;
  p.batch_size = 3;
  p.seq_len = 5;
  p.cache_len = 7;
  Values v = runtime_values(p);
  EXPECT_EQ(v.size(), 6u);  // batch_size, seq_len, cache_len and the three widths
  EXPECT_EQ(v.at("cache_len"), numeric(7));
  EXPECT_EQ(v.at("bytes"), numeric(2));
  // Unset, the weights' and the cache's widths are the activations'.
  EXPECT_EQ(v.at("weight_bytes"), numeric(2));
  EXPECT_EQ(v.at("kv_bytes"), numeric(2));
  p.bytes = 1;
  p.weight_bytes = numeric(1, 2);
  v = runtime_values(p);
  EXPECT_EQ(v.at("weight_bytes"), numeric(1, 2));
  EXPECT_EQ(v.at("kv_bytes"), numeric(1));
}

std::string temp_file(const std::string& content) {
  static int n = 0;
  std::string path = "/tmp/kcost_values_test_" + std::to_string(getpid()) + "_" + std::to_string(n++) + ".json";
  std::ofstream(path) << content;
  return path;
}

TEST(Values, ConfigFileErrorsNameTheFile) {
  std::string bad = temp_file("{\"hidden_size\": 4096,,}");
  try {
    read_config_file(bad);
    FAIL();
  } catch (const ConfigError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find(bad + ": not valid JSON: "), 0u) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos);
  }
  std::string list = temp_file("[1, 2]");
  EXPECT_THROW(read_config_file(list), ConfigError);
  EXPECT_THROW(read_config_file("/nonexistent/config.json"), ConfigError);
  std::string good = temp_file("{\"hidden_size\": 64}");
  EXPECT_EQ(read_config_file(good)["hidden_size"], 64);
  for (const auto& f : {bad, list, good}) std::remove(f.c_str());
}

// An integer past 64 bits is named by its JSON path; a key that is not a plain name is written
// as a JSON string, so a key holding a newline (`"a\nb"`, found by the config fuzzer) keeps the
// error on one line.
TEST(Values, AnIntegerPast64BitsIsNamedByItsPathOnOneLine) {
  std::string plain = temp_file(R"({"text_config": {"vocab_size": 123456789012345678901234567890}})");
  std::string odd = temp_file(R"({"a\nb": {"x.y": [1, 123456789012345678901234567890]}})");
  auto message = [](const std::string& path) {
    try {
      read_config_file(path);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(plain), plain + ": $.text_config.vocab_size: integer out of the 64-bit range");
  EXPECT_EQ(message(odd), odd + R"(: $["a\nb"]["x.y"][1]: integer out of the 64-bit range)");
  for (const auto& f : {plain, odd}) std::remove(f.c_str());
}

TEST(Values, TextConfigOfAMultimodalCheckpoint) {
  nlohmann::json file = {{"model_type", "gemma3"},
                         {"tie_word_embeddings", true},
                         {"vision_config", {{"hidden_size", 1152}}},
                         {"text_config", {{"hidden_size", 2560}, {"num_hidden_layers", 34}}}};
  nlohmann::json text_defaults = {{"hidden_size", 2304}, {"num_hidden_layers", 26}, {"tie_word_embeddings", false}};
  nlohmann::json t = text_model_config(file, text_defaults);
  EXPECT_EQ(t["hidden_size"], 2560);
  EXPECT_EQ(t["num_hidden_layers"], 34);
  EXPECT_EQ(t["tie_word_embeddings"], true);  // top level, known to the class
  EXPECT_FALSE(t.contains("vision_config"));
  nlohmann::json multimodal_defaults = {{"text_config", nlohmann::json::object()}};
  EXPECT_EQ(text_model_config(file, multimodal_defaults), file);  // the class takes the whole file
  nlohmann::json flat = {{"hidden_size", 64}};
  EXPECT_EQ(text_model_config(flat, text_defaults), flat);
}

TEST(Values, NumbersAsTextAndJson) {
  EXPECT_EQ(to_string(numeric(1, 2)), "0.5");
  EXPECT_EQ(to_string(numeric(-13, 4)), "-3.25");
  EXPECT_EQ(to_string(numeric(6612726549, 2)), "3306363274.5");
  EXPECT_EQ(to_string(numeric(1, 3)), "1/3");
  EXPECT_EQ(to_string(numeric(-12)), "-12");
  EXPECT_EQ(to_json_number(numeric(12)).dump(), "12");
  EXPECT_EQ(to_json_number(numeric("18000000000000000000")).dump(), "18000000000000000000");
  EXPECT_EQ(dump_exact(to_json_number(numeric(1, 2))), "0.5");
  EXPECT_EQ(dump_exact(to_json_number(numeric("123456789012345678901234567890"))), "123456789012345678901234567890");
  EXPECT_EQ(to_json_number(numeric(1, 3)), "1/3");
}

}  // namespace
}  // namespace kcost
