#include "sim/distribution.h"

#include <gtest/gtest.h>

namespace zabsim::sim {
namespace {

TEST(Distribution, ParsesEveryWrittenForm) {
  EXPECT_EQ(*Distribution::Parse("2ms"), Distribution::Fixed(Duration::Millis(2)));
  EXPECT_EQ(*Distribution::Parse("1ms..5ms"),
            Distribution::Uniform(Duration::Millis(1), Duration::Millis(5)));
  EXPECT_EQ(*Distribution::Parse("exp:2ms"),
            Distribution::Exponential(Duration::Zero(), Duration::Millis(2)));
  EXPECT_EQ(*Distribution::Parse("500us+exp:2ms"),
            Distribution::Exponential(Duration::Micros(500), Duration::Millis(2)));
  for (const char* text : {"2ms", "1ms..5ms", "exp:2ms", "500us+exp:2ms"}) {
    EXPECT_EQ(Distribution::Parse(text)->ToString(), text);
  }
}

TEST(Distribution, RejectsNegativeReversedAndMalformed) {
  for (const char* bad : {"-1ms", "5ms..1ms", "exp:0ms", "exp:", "1ms..", "fast", "-1ms..2ms"}) {
    auto d = Distribution::Parse(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_NE(d.status().message().find(bad), std::string::npos);
    }
  }
}

TEST(Distribution, UniformSamplesStayInBounds) {
  const Distribution d = Distribution::Uniform(Duration::Micros(10), Duration::Micros(20));
  Rng rng = Rng::FromSeed(1);
  for (int i = 0; i < 1000; ++i) {
    const Duration s = d.Sample(rng);
    EXPECT_GE(s.us, 10);
    EXPECT_LE(s.us, 20);
  }
}

TEST(Distribution, ExponentialHasItsMeanAboveItsOffset) {
  const Distribution d = Distribution::Exponential(Duration::Micros(100), Duration::Millis(1));
  Rng rng = Rng::FromSeed(2);
  int64_t total = 0;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const Duration s = d.Sample(rng);
    EXPECT_GE(s.us, 100);
    total += s.us;
  }
  EXPECT_NEAR(static_cast<double>(total) / kDraws, 1100.0, 15.0);
}

}  // namespace
}  // namespace zabsim::sim
