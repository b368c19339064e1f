#include "sim/time.h"

#include <gtest/gtest.h>

namespace zabsim::sim {
namespace {

TEST(ParseDuration, ReadsEveryUnitExactly) {
  EXPECT_EQ(ParseDuration("250us")->us, 250);
  EXPECT_EQ(ParseDuration("2ms")->us, 2000);
  EXPECT_EQ(ParseDuration("1.5s")->us, 1500000);
  EXPECT_EQ(ParseDuration("0.001ms")->us, 1);
  EXPECT_EQ(ParseDuration("2m")->us, 120000000);
  EXPECT_EQ(ParseDuration("0s")->us, 0);
}

TEST(ParseDuration, RejectsMissingUnitsNegativesAndSubMicroseconds) {
  for (const char* bad : {"5", "ms", "-5ms", "1.5us", "1..2s", "5 ms", "5h", "", "1.0001ms"}) {
    auto d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  EXPECT_NE(ParseDuration("-5ms").status().message().find("negative"), std::string::npos);
  EXPECT_NE(ParseDuration("5").status().message().find("missing unit"), std::string::npos);
}

TEST(ParseDuration, RejectsDurationsThatWouldOverflow) {
  // 200000000000m is 1.2e19 us: past int64. It must be refused, not wrapped around.
  for (const char* bad : {"200000000000m", "9999999999999999us", "16666667m", "1000000001s"}) {
    auto d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_NE(d.status().message().find("too large"), std::string::npos) << bad;
  }
  EXPECT_EQ(ParseDuration("16666666m")->us, int64_t{16666666} * 60 * 1000 * 1000);
  EXPECT_EQ(ParseDuration("1000000000s")->us, int64_t{1000000000} * 1000 * 1000);
}

TEST(FormatDuration, WritesTheShortestExactForm) {
  EXPECT_EQ(FormatDuration(Duration::Micros(250)), "250us");
  EXPECT_EQ(FormatDuration(Duration::Millis(2)), "2ms");
  EXPECT_EQ(FormatDuration(Duration::Millis(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(Duration::Seconds(3)), "3s");
  EXPECT_EQ(FormatDuration(Duration::Micros(1001)), "1001us");
  EXPECT_EQ(FormatDuration(Duration::Micros(4233636)), "4.233636s");
  EXPECT_EQ(FormatDuration(Duration::Micros(-1500000)), "-1.5s");
  EXPECT_EQ(FormatDuration(Duration::Zero()), "0us");
  for (const char* text : {"250us", "2ms", "1.5s", "3s", "1.001s", "4.233636s"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

TEST(FormatTime, PrintsSecondsWithSixDecimals) {
  EXPECT_EQ(FormatTime(Time{12000250}), "12.000250");
  EXPECT_EQ(FormatTime(Time{0}), "0.000000");
}

}  // namespace
}  // namespace zabsim::sim
