#include "sim/clock.h"

#include <gtest/gtest.h>

namespace zabsim::sim {
namespace {

TEST(LocalClock, APerfectClockReadsTrueTime) {
  LocalClock clock;
  EXPECT_EQ(clock.Now(Time{123456}).us, 123456);
  EXPECT_EQ(clock.ToGlobal(Duration::Millis(5)).us, 5000);
}

TEST(LocalClock, AFastClockFiresTimersEarlyInTrueTime) {
  LocalClock clock;
  clock.SetRate(Time::Zero(), 2'000'000);
  EXPECT_EQ(clock.ToGlobal(Duration::Millis(100)).us, 50000);
  EXPECT_EQ(clock.Now(Time{1000}).us, 2000);
}

TEST(LocalClock, ASlowClockRoundsTimersUpSoTheyNeverFireEarly) {
  LocalClock clock;
  clock.SetRate(Time::Zero(), 999'999);
  // 1000us local take 1000.001us true time: rounded up to 1001us.
  EXPECT_EQ(clock.ToGlobal(Duration::Micros(1000)).us, 1001);
}

TEST(LocalClock, RateChangesKeepLocalTimeContinuous) {
  LocalClock clock;
  clock.SetRate(Time{0}, 1'500'000);
  const Time before = clock.Now(Time{10000});
  clock.SetRate(Time{10000}, 500'000);
  EXPECT_EQ(clock.Now(Time{10000}), before);
  EXPECT_EQ(clock.Now(Time{12000}).us, before.us + 1000);
}

TEST(LocalClock, GlobalAtIsWhenTheReadingIsReached) {
  LocalClock clock;
  clock.SetRate(Time{10000}, 2'000'000);
  EXPECT_EQ(clock.GlobalAt(Time{30000}).us, 20000);  // 20ms local from 10ms, at 2x.
  EXPECT_EQ(clock.GlobalAt(Time{5000}).us, 10000);   // Passed already: the re-basing.
  clock.SetRate(Time{20000}, 999'999);
  // Rounded up, like ToGlobal: the reading at the answer is the deadline or just after.
  const Time at = clock.GlobalAt(Time{31000});
  EXPECT_EQ(at.us, 21001);
  EXPECT_GE(clock.Now(at).us, 31000);
}

TEST(LocalClock, StepsJumpTheReadingOnly) {
  LocalClock clock;
  clock.Step(Duration::Millis(-30));
  EXPECT_EQ(clock.Now(Time{100000}).us, 70000);
  EXPECT_EQ(clock.ToGlobal(Duration::Millis(1)).us, 1000);
}

}  // namespace
}  // namespace zabsim::sim
