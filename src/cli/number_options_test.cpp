// Tests of the command-line value parsers: lists and ranges, SI numbers, the runtime point and
// --bind, and that every refusal is one line naming the option (inputs the cli_parsers fuzzer
// of fuzz/ found among them).
#include "cli/number_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kcost {
namespace {

namespace po = boost::program_options;

template <typename F>
std::string refusal(F f) {
  try {
    f();
  } catch (const po::error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(NumberOptions, ListsAndRanges) {
  std::vector<GiNaC::numeric> v = number_list("1,8,0:4:2", "cache-len");
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[1], 8);
  EXPECT_EQ(v[2], 0);
  EXPECT_EQ(v[4], 4);
  EXPECT_EQ(number_list("1/2", "bytes")[0], GiNaC::numeric(1, 2));
  EXPECT_EQ(refusal([] { number_list("4:1", "seq-len"); }),
            "--seq-len '4:1': the range is empty (want a list like 1,8,64 or a range start:stop:step)");
  EXPECT_NE(refusal([] { number_list("0:99999999:1", "seq-len"); }).find("more than 10 million"), std::string::npos);
  // The limit is exact: a range of exactly max_values values is taken, one more is refused.
  EXPECT_EQ(number_list("0:99", "seq-len", 100).size(), 100u);
  EXPECT_EQ(number_list("0:98,7", "seq-len", 100).size(), 100u);
  EXPECT_NE(refusal([] { number_list("0:100", "seq-len", 100); }).find("more than 100 values"), std::string::npos);
  EXPECT_NE(refusal([] { number_list("0:99,7", "seq-len", 100); }).find("more than 100 values"), std::string::npos);
  EXPECT_NE(refusal([] { number_list("0:198:2,1", "seq-len", 100); }).find("more than 100 values"), std::string::npos);
  EXPECT_EQ(number_list("0:197:2,1", "seq-len", 100).size(), 100u);
  EXPECT_NE(refusal([] { number_list("1:5:0", "seq-len"); }).find("the step must be positive"), std::string::npos);
  EXPECT_NE(refusal([] { number_list("3,-1", "seq-len"); }).find("negative value"), std::string::npos);
}

TEST(NumberOptions, SiNumbers) {
  EXPECT_EQ(si_number("989T", "peak-flops"), 989e12);
  EXPECT_EQ(si_number("3.35e12", "bandwidth"), 3.35e12);
  EXPECT_EQ(si_number("2E", "bandwidth"), 2e18);
  EXPECT_EQ(refusal([] { si_number("1e309", "peak-flops"); }),
            "--peak-flops wants a positive number such as 989e12 or 989T, not '1e309'");
  EXPECT_NE(refusal([] { si_number("-1K", "peak-flops"); }), "(accepted)");
}

TEST(NumberOptions, RuntimePointAndBindings) {
  po::variables_map vm;
  std::vector<std::string> args = {"--batch-size", "8", "--cache-len", "4096", "--bytes", "0.5"};
  po::store(po::command_line_parser(args).options(point_options()).run(), vm);
  po::notify(vm);
  RuntimePoint p = runtime_point(vm);
  EXPECT_EQ(p.batch_size, 8);
  EXPECT_EQ(p.seq_len, 1);
  EXPECT_EQ(p.cache_len, 4096);
  EXPECT_EQ(p.bytes, GiNaC::numeric(1, 2));

  po::variables_map bad;
  args = {"--batch-size", "1.5"};
  po::store(po::command_line_parser(args).options(point_options()).run(), bad);
  EXPECT_EQ(refusal([&] { runtime_point(bad); }), "--batch-size must be a whole number, not '1.5'");

  auto b = bindings({"hidden_size=config.hidden_size", "n=2**64"});
  EXPECT_EQ(b.at("hidden_size").str(), "config.hidden_size");
  EXPECT_EQ(b.at("n").str(), "18446744073709551616");
  EXPECT_EQ(refusal([] { bindings({"=3"}); }), "--bind wants NAME=EXPR, not '=3'");
}

// Text with line breaks (a shell argument can hold one) is quoted with \n escaped: the error is
// still one line. The first input is what the fuzzer found (a multi-line --cache-len error).
TEST(NumberOptions, RefusalsOfTextWithLineBreaksAreOneLine) {
  const std::string texts[] = {"0:32768:1025-4\n,---", "1\n2", "x\r\n"};
  for (const std::string& t : texts) {
    SCOPED_TRACE(t);
    for (const std::string& message :
         {refusal([&] { number_list(t, "cache-len"); }), refusal([&] { si_number(t, "peak-flops"); }),
          refusal([&] { bindings({"x=" + t + ")"}); }), refusal([&] { bindings({t}); })}) {
      EXPECT_NE(message, "(accepted)");
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      EXPECT_EQ(message.find('\r'), std::string::npos) << message;
    }
  }
  EXPECT_EQ(refusal([] { number_list("1\n2", "cache-len"); }),
            "--cache-len '1\\n2': '1 2' is not a number (want a list like 1,8,64 or a range start:stop:step)");
}

}  // namespace
}  // namespace kcost
