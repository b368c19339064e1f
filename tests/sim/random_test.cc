#include "sim/random.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <vector>

namespace zabsim::sim {
namespace {

TEST(SplitMix64, FirstOutputOfSeedZeroIsTheReferenceValue) {
  SplitMix64 mix(0);
  EXPECT_EQ(mix.Next(), 0xe220a8397b1dcdafULL);
}

TEST(Xoshiro256StarStar, MatchesTheReferenceSequenceFromState1234) {
  Rng rng = Rng::FromState({1, 2, 3, 4});
  EXPECT_EQ(rng.Next(), 11520u);
  EXPECT_EQ(rng.Next(), 0u);
  EXPECT_EQ(rng.Next(), 1509978240u);
  EXPECT_EQ(rng.Next(), 1215971899390074240u);
}

// Golden values: these pin our seeding and stream derivation. If one changes, every
// recorded seed in the world replays differently: change them only on purpose.
TEST(Rng, GoldenFirstOutputsOfSeed1) {
  Rng rng = Rng::FromSeed(1);
  const std::array<uint64_t, 3> want = {0xb3f2af6d0fc710c5ULL, 0x853b559647364ceaULL,
                                        0x92f89756082a4514ULL};
  for (const uint64_t w : want) EXPECT_EQ(rng.Next(), w);
}

TEST(Rng, GoldenDerivedStreams) {
  EXPECT_EQ(Rng::StreamSeed(1, "net/1->2"), 0x98b3978a0868f90aULL);
  Rng net = Rng::Derive(1, "net/1->2");
  EXPECT_EQ(net.Next(), 0x2c3f82dc60fdc51eULL);
  Rng faults = Rng::Derive(42, "faults");
  EXPECT_EQ(faults.Below(1000), 5u);
}

TEST(Rng, StreamsWithDifferentNamesOrSeedsDiffer) {
  EXPECT_NE(Rng::StreamSeed(1, "net"), Rng::StreamSeed(1, "disk"));
  EXPECT_NE(Rng::StreamSeed(1, "net"), Rng::StreamSeed(2, "net"));
  EXPECT_NE(Rng::Derive(1, "a").Next(), Rng::Derive(1, "b").Next());
}

TEST(Rng, DrawingFromOneStreamNeverShiftsAnother) {
  Rng alone = Rng::Derive(9, "workload");
  std::vector<uint64_t> expected;
  for (int i = 0; i < 8; ++i) expected.push_back(alone.Next());

  Rng other = Rng::Derive(9, "faults");
  Rng workload = Rng::Derive(9, "workload");
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < i; ++j) other.Next();  // Interleave draws of another stream.
    EXPECT_EQ(workload.Next(), expected[i]);
  }
}

TEST(Rng, BelowOneIsAlwaysZero) {
  Rng rng = Rng::FromSeed(5);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.Below(1), 0u);
}

TEST(Rng, BelowCoversSmallRangesUniformly) {
  Rng rng = Rng::FromSeed(11);
  std::array<int, 6> counts{};
  for (int i = 0; i < 60000; ++i) ++counts[rng.Below(6)];
  for (const int c : counts) {
    EXPECT_GT(c, 9500);
    EXPECT_LT(c, 10500);
  }
}

TEST(Rng, ChanceHonoursTheExactRatio) {
  Rng rng = Rng::FromSeed(3);
  EXPECT_FALSE(rng.Chance(Ratio::Never()));
  EXPECT_TRUE(rng.Chance(Ratio::Always()));
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += rng.Chance(Ratio{1, 4}) ? 1 : 0;
  EXPECT_GT(hits, 24000);
  EXPECT_LT(hits, 26000);
}

TEST(Rng, NegLogUnitHasMeanOne) {
  Rng rng = Rng::FromSeed(8);
  double sum = 0;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) sum += static_cast<double>(rng.NegLogUnitQ24()) / (1 << 24);
  EXPECT_NEAR(sum / kDraws, 1.0, 0.01);
}

RC_GTEST_PROP(Rng, BetweenStaysInBounds, (uint64_t seed, int32_t a, int32_t b)) {
  Rng rng = Rng::FromSeed(seed);
  const int64_t lo = std::min<int64_t>(a, b);
  const int64_t hi = std::max<int64_t>(a, b);
  for (int i = 0; i < 20; ++i) {
    const int64_t v = rng.Between(lo, hi);
    RC_ASSERT(v >= lo);
    RC_ASSERT(v <= hi);
  }
}

RC_GTEST_PROP(Rng, ShuffleIsAPermutation, (uint64_t seed, std::vector<int> items)) {
  Rng rng = Rng::FromSeed(seed);
  std::vector<int> shuffled = items;
  rng.Shuffle(std::span<int>(shuffled));
  std::sort(items.begin(), items.end());
  std::sort(shuffled.begin(), shuffled.end());
  RC_ASSERT(items == shuffled);
}

TEST(ParseRatio, AcceptsDecimalsPercentsAndFractions) {
  EXPECT_EQ(*ParseRatio("0.05"), (Ratio{1, 20}));
  EXPECT_EQ(*ParseRatio("5%"), (Ratio{1, 20}));
  EXPECT_EQ(*ParseRatio("1/20"), (Ratio{1, 20}));
  EXPECT_EQ(*ParseRatio("0"), Ratio::Never());
  EXPECT_EQ(*ParseRatio("1"), Ratio::Always());
  EXPECT_EQ(*ParseRatio("100%"), Ratio::Always());
  EXPECT_EQ(*ParseRatio(".5"), (Ratio{1, 2}));
}

TEST(ParseRatio, RejectsValuesOutsideZeroOneAndGarbage) {
  for (const char* bad : {"1.5", "2", "101%", "3/2", "1/0", "-0.1", "abc", "", "0.5.5", "%"}) {
    auto r = ParseRatio(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find(bad), std::string::npos) << bad;
    }
  }
}

TEST(FormatRatio, RoundTrips) {
  for (const char* text : {"0", "1", "0.05", "0.5", "1/3", "0.001"}) {
    EXPECT_EQ(FormatRatio(*ParseRatio(text)), text);
  }
}

}  // namespace
}  // namespace zabsim::sim
