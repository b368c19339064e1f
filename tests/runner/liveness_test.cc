// The liveness check: quiet on an ensemble that converges in time, loud on one that
// cannot within the bound, and silent (not checked) while the faults are not over.

#include "runner/liveness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "runner/cluster.h"
#include "sim/fault.h"

namespace zabsim::runner {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Cluster> Make(ClusterOptions o) {
  auto c = Cluster::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

void Apply(Cluster& c, std::string_view fault) {
  auto f = sim::ParseFault(fault);
  ASSERT_TRUE(f.ok()) << f.status();
  c.world().Apply(*f);
}

TEST(Liveness, HoldsWhenAFreshEnsembleElectsAndSyncs) {
  auto c = Make(ClusterOptions{});
  const LivenessVerdict v = CheckLiveness(*c, sim::Duration::Seconds(10), sim::Time{60'000'000});
  EXPECT_EQ(v.kind, LivenessVerdict::Kind::kHeld) << v.detail;
  EXPECT_GT(v.took.us, 0);
  EXPECT_LT(v.took.us, 10'000'000);
  EXPECT_TRUE(c->Converged());
}

// Every election waits 30s of silence before deciding (finalize_wait_ms): nothing can
// converge within 10s, and the report says who is looking.
TEST(Liveness, FiresWhenNoLeaderIsEstablishedWithinTheBound) {
  ClusterOptions o;
  o.zab.finalize_wait_ms = 30'000;
  auto c = Make(o);
  const LivenessVerdict v = CheckLiveness(*c, sim::Duration::Seconds(10), sim::Time{60'000'000});
  ASSERT_EQ(v.kind, LivenessVerdict::Kind::kViolated);
  EXPECT_THAT(v.detail, HasSubstr("server 1: LOOKING ELECTION, voting for 3"));
  EXPECT_THAT(Describe(v, sim::Duration::Seconds(10)), HasSubstr("liveness: VIOLATED"));
  EXPECT_EQ(c->world().now(), sim::Time{10'000'000});
  // No server refuses a leader's epoch here: this is not the acceptedEpoch stall, which
  // scenarios/accepted-epoch-stall.scn shows firing.
  EXPECT_TRUE(v.stall.empty()) << v.stall;
  EXPECT_THAT(Describe(v, sim::Duration::Seconds(10)), ::testing::Not(HasSubstr("accepted-epoch-stall")));
}

TEST(Liveness, IsNotOwedWhileAPartitionLastsOrAQuorumIsDown) {
  auto c = Make(ClusterOptions{});
  Apply(*c, "partition 1|2,3");
  LivenessVerdict v = CheckLiveness(*c, sim::Duration::Seconds(10), sim::Time{60'000'000});
  EXPECT_EQ(v.kind, LivenessVerdict::Kind::kNotChecked);
  EXPECT_THAT(v.detail, HasSubstr("links cut"));

  auto d = Make(ClusterOptions{});
  Apply(*d, "crash 1");
  Apply(*d, "crash 2");
  v = CheckLiveness(*d, sim::Duration::Seconds(10), sim::Time{60'000'000});
  EXPECT_EQ(v.kind, LivenessVerdict::Kind::kNotChecked);
  EXPECT_THAT(v.detail, HasSubstr("1 of 3 voters up, fewer than a quorum of 2"));
}

TEST(Liveness, IsNotCheckedWhenTheRunEndsBeforeTheBound) {
  auto c = Make(ClusterOptions{});
  const LivenessVerdict v = CheckLiveness(*c, sim::Duration::Seconds(10), sim::Time{5'000'000});
  EXPECT_EQ(v.kind, LivenessVerdict::Kind::kNotChecked);
  EXPECT_THAT(v.detail, HasSubstr("before the bound"));
}

}  // namespace
}  // namespace zabsim::runner
