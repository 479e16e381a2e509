// Tests of the table formatting helpers of report.h: SI prefixes, seconds, CSV fields.
#include "evaluate/report.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace kcost {
namespace {

TEST(ReportSi, FourSignificantDigitsUnderAPrefix) {
  EXPECT_EQ(si(0, "FLOP"), "0 FLOP");
  EXPECT_EQ(si(999, "B"), "999 B");
  EXPECT_EQ(si(999.5, "B"), "999.5 B");
  EXPECT_EQ(si(1234567, "FLOP"), "1.235 MFLOP");
  EXPECT_EQ(si(12345678, "FLOP"), "12.35 MFLOP");
  EXPECT_EQ(si(123456789, "FLOP"), "123.5 MFLOP");
  EXPECT_EQ(si(999960, "B"), "1.000 MB");  // rounds up into the next prefix, not "1000.0 KB"
  EXPECT_EQ(si(-2048, "B"), "-2.048 KB");
  EXPECT_EQ(si(1.5e15, "FLOP/s"), "1.500 PFLOP/s");
  EXPECT_EQ(si(2.5e26, "FLOP"), "250.0 YFLOP");
}

TEST(ReportSi, PastTheLargestPrefixInExponentForm) {
  // 26214400 YFLOP once, wider than its column: a count of 1 beside it read as 126214400.0
  EXPECT_EQ(si(2.62144e31, "FLOP"), "2.621e+31 FLOP");
  EXPECT_EQ(si(9.9996e26, "B"), "1.000e+27 B");
  EXPECT_EQ(si(-3e40, "B"), "-3.000e+40 B");
  // fixed notation wrote up to 309 digits into a 64-byte buffer: a wrong number, cut short
  EXPECT_EQ(si(1.7e308, "B"), "1.700e+308 B");
  EXPECT_EQ(si(std::numeric_limits<double>::infinity(), "FLOP"), "inf FLOP");
}

TEST(ReportSeconds, FourSignificantDigitsInTheLargestUnitBelow) {
  EXPECT_EQ(format_seconds(0), "0 s");
  EXPECT_EQ(format_seconds(2.5), "2.500 s");
  EXPECT_EQ(format_seconds(123.45), "123.5 s");
  EXPECT_EQ(format_seconds(999999), "999999.0 s");
  EXPECT_EQ(format_seconds(0.0123), "12.30 ms");
  EXPECT_EQ(format_seconds(4.5e-6), "4.500 us");
  EXPECT_EQ(format_seconds(3e-9), "3.000 ns");
}

TEST(ReportSeconds, FromAMillionSecondsInExponentForm) {
  EXPECT_EQ(format_seconds(1e6), "1.000e+06 s");
  EXPECT_EQ(format_seconds(3.15e7), "3.150e+07 s");
  EXPECT_EQ(format_seconds(1e300), "1.000e+300 s");
  EXPECT_EQ(format_seconds(std::numeric_limits<double>::infinity()), "inf s");
}

TEST(ReportCsvField, QuotedOnlyWhenItMustBe) {
  EXPECT_EQ(csv_field("model.layers.0"), "model.layers.0");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(""), "");
}

}  // namespace
}  // namespace kcost
