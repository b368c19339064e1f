#include "sim/world_config.h"

#include <gtest/gtest.h>

namespace zabsim::sim {
namespace {

void ExpectError(const absl::Status& s, std::string_view fragment) {
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find(fragment), std::string::npos) << s.message();
}

TEST(WorldConfig, DefaultsAreValid) { EXPECT_TRUE(WorldConfig{}.Validate().ok()); }

TEST(WorldConfig, ZeroProcessesIsRejected) {
  WorldConfig c;
  c.processes = 0;
  ExpectError(c.Validate(), "processes=0");
  ExpectError(c.Set("processes", "0"), "processes=0");
}

TEST(WorldConfig, NegativeLatencyIsRejectedNotClamped) {
  WorldConfig c;
  c.net.latency = Distribution::Fixed(Duration::Micros(-5));
  ExpectError(c.Validate(), "net.latency=-5us");
  WorldConfig d;
  ExpectError(d.Set("net.latency", "-5ms"), "net.latency=-5ms");
  EXPECT_EQ(d.net.latency, WorldConfig{}.net.latency);  // Unchanged after the error.
}

TEST(WorldConfig, ProbabilitiesOutsideZeroOneAreRejected) {
  WorldConfig c;
  c.net.loss = Ratio{3, 2};
  ExpectError(c.Validate(), "net.loss=3/2");
  WorldConfig d;
  ExpectError(d.Set("net.loss", "1.5"), "net.loss=1.5");
  ExpectError(d.Set("disk.torn_write", "200%"), "disk.torn_write=200%");
}

TEST(WorldConfig, UnknownKeysListTheKnownOnes) {
  WorldConfig c;
  ExpectError(c.Set("net.lossy", "0.1"), "unknown world setting 'net.lossy'");
  ExpectError(c.Set("net.lossy", "0.1"), "net.latency");
}

TEST(WorldConfig, SetAcceptsEveryKeyItLists) {
  WorldConfig c;
  for (const auto& [key, value] : WorldConfig{}.Describe()) {
    EXPECT_TRUE(c.Set(key, value).ok()) << key << "=" << value;
  }
  EXPECT_EQ(WorldConfig::Keys().size(), WorldConfig{}.Describe().size());
}

TEST(WorldConfig, ClockDriftIsBounded) {
  WorldConfig c;
  ExpectError(c.Set("clock.drift_ppm", "950000"), "clock.drift_ppm=950000");
  EXPECT_TRUE(c.Set("clock.drift_ppm", "20000").ok());
  EXPECT_EQ(c.clock_drift_ppm, 20000);
}

}  // namespace
}  // namespace zabsim::sim
