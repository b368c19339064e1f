// Release profiles: each release's NEWLEADER order and bugs, the default, and what a
// --bug or --fix may change on top of a profile.

#include "zab/releases.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "zab/config.h"

namespace zabsim::zab {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Config Applied(const ReleaseChoice& choice) {
  Config c;
  const absl::Status s = choice.ApplyTo(c);
  EXPECT_TRUE(s.ok()) << s;
  return c;
}

std::string ErrorOf(const ReleaseChoice& choice) {
  Config c;
  const absl::Status s = choice.ApplyTo(c);
  return s.ok() ? "ok" : std::string(s.message());
}

TEST(Releases, TheDefaultIsMasterWithTheBugsStillOpenInIt) {
  const Config c = Applied(ReleaseChoice{});
  EXPECT_EQ(c.release, "master");
  EXPECT_EQ(c.newleader_order, NewLeaderOrder::kG3);
  EXPECT_TRUE(c.continuous_proposals);
  EXPECT_TRUE(c.bugs.zk2846);
  EXPECT_FALSE(c.bugs.zk4925);  // Fixed in master.
  EXPECT_FALSE(c.bugs.zk4712);
}

TEST(Releases, EachReleaseHasItsOrderAndItsBugs) {
  EXPECT_EQ(Applied(ReleaseChoice{"3.8.0"}).newleader_order, NewLeaderOrder::kG1);
  EXPECT_EQ(Applied(ReleaseChoice{"3.8.4"}).newleader_order, NewLeaderOrder::kG1);
  EXPECT_EQ(Applied(ReleaseChoice{"3.8.5"}).newleader_order, NewLeaderOrder::kG2);
  EXPECT_EQ(Applied(ReleaseChoice{"3.9.3"}).newleader_order, NewLeaderOrder::kG3);
  EXPECT_TRUE(Applied(ReleaseChoice{"3.8.0"}).bugs.zk4712);
  EXPECT_TRUE(Applied(ReleaseChoice{"3.9.3"}).bugs.zk4925);
  EXPECT_FALSE(Applied(ReleaseChoice{"3.8.0"}).continuous_proposals);
  EXPECT_THAT(EnabledBugs(Applied(ReleaseChoice{"master+fixes"}).bugs), IsEmpty());
}

TEST(Releases, AnUnknownReleaseIsAnErrorListingTheKnownOnes) {
  EXPECT_THAT(ErrorOf(ReleaseChoice{"3.7.0"}),
              HasSubstr("unknown ZooKeeper release '3.7.0' (known: 3.8.0, 3.8.4, 3.8.5, 3.9.2, 3.9.3, "
                        "master, master+fixes)"));
}

TEST(Releases, ABugSwitchAddsAMechanismTheReleaseLacks) {
  const Config c = Applied(ReleaseChoice{"", {"ZK-4646"}, {}});
  EXPECT_TRUE(c.bugs.zk4646);
  EXPECT_EQ(c.newleader_order, NewLeaderOrder::kG3);
  EXPECT_THAT(ErrorOf(ReleaseChoice{"", {"ZK-2846"}, {}}), HasSubstr("master has bug ZK-2846 already"));
  EXPECT_THAT(ErrorOf(ReleaseChoice{"3.8.0", {"ZK-4646"}, {}}), HasSubstr("in its NEWLEADER order (G1)"));
  EXPECT_THAT(ErrorOf(ReleaseChoice{"", {"ZK-0"}, {}}), HasSubstr("ZK-0"));
}

TEST(Releases, AFixTakesOutABugTheReleaseHasAndNothingElse) {
  const Config c = Applied(ReleaseChoice{"", {}, {"ZK-2846"}});
  EXPECT_FALSE(c.bugs.zk2846);
  EXPECT_TRUE(c.bugs.zk1549);
  EXPECT_THAT(ErrorOf(ReleaseChoice{"", {}, {"ZK-4925"}}), HasSubstr("master does not have bug ZK-4925"));
  EXPECT_THAT(ErrorOf(ReleaseChoice{"3.8.0", {}, {"ZK-4646"}}), HasSubstr("which a switch cannot take out"));
}

TEST(Releases, BugsAreListedWithTheReleasesThatHaveThem) {
  EXPECT_THAT(ReleasesWith("ZK-4925"), ElementsAre("3.8.0", "3.8.4", "3.8.5", "3.9.2", "3.9.3"));
  EXPECT_THAT(ReleasesWith("ZK-4646"), ElementsAre("3.8.0 (order G1)", "3.8.4 (order G1)"));
  EXPECT_THAT(ReleasesWith("commit-without-quorum"), IsEmpty());
  EXPECT_THAT(ReleasesWith("ZK-2846"), Contains("master"));
  EXPECT_THAT(ReleasesWith("ZK-2846"), Not(Contains("master+fixes")));
}

}  // namespace
}  // namespace zabsim::zab
