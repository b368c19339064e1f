// Systematic exploration (runner/explore.h, docs/explore.md): the world's controlled
// steps, the search with its bounds, and the scenario a counterexample becomes.

#include "runner/explore.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runner/explore_steps.h"
#include "runner/scenario/runner.h"

namespace zabsim::runner::explore {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

ExploreOptions Options(const std::string& line, Budget budget) {
  ExploreOptions o;
  o.cluster_line = line;
  auto cluster = ParseClusterLine(line);
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  o.cluster = *cluster;
  o.budget = budget;
  return o;
}

// Must fire: the leader commits on its own ACK; a write it committed alone and a crash
// of the leader before any follower logged it lose the write (leader-completeness). The
// search is deterministic (the same bounds, the same numbers and run), and the scenario
// the counterexample becomes fails `zabsim run` on the same check, the same run each
// time. One test, because each search costs seconds under the sanitizers.
TEST(ExploreTest, FindsCommitWithoutQuorumTheSameWayTwiceAsAScenarioThatFails) {
  const ExploreOptions o =
      Options("cluster voters=3 clients=1 bug=commit-without-quorum", Budget{1, 1, 0});
  auto found = Explore(o);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->counterexample.has_value()) << Coverage(o, *found);
  EXPECT_THAT(found->counterexample->checks, Contains("leader-completeness"));
  EXPECT_EQ(found->counterexample->deviations, 2u);  // The early fsync and the crash.
  EXPECT_THAT(found->counterexample->commands, Contains("crash 3"));

  auto again = Explore(o);
  ASSERT_TRUE(again.ok() && again->counterexample.has_value());
  EXPECT_EQ(found->states, again->states);
  EXPECT_EQ(found->taken, again->taken);
  EXPECT_EQ(found->counterexample->commands, again->counterexample->commands);

  const std::string text = ScenarioText(o, *found);
  const scenario::FileResult first = scenario::RunFile("cx.scn", text, {});
  const scenario::FileResult second = scenario::RunFile("cx.scn", text, {});
  ASSERT_TRUE(first.error.empty()) << first.error;
  ASSERT_FALSE(first.violations.empty());
  EXPECT_THAT(first.violations[0], HasSubstr("[leader-completeness]"));
  EXPECT_EQ(first.fingerprint, second.fingerprint);
}

// Stays quiet: the same ensemble without the switch, every run within the bounds.
TEST(ExploreTest, CorrectEnsembleCoversItsBoundsWithoutViolation) {
  ExploreOptions o = Options("cluster voters=3 clients=1", Budget{1, 1, 0});
  o.max_deviations = 1;
  auto found = Explore(o);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->counterexample.has_value());
  EXPECT_TRUE(found->exhausted);
  EXPECT_GT(found->states, 100u);
  EXPECT_THAT(Coverage(o, *found),
              HasSubstr("all runs of 3 voters, 1 client, 1 write, at most 1 crash, from the point the "
                        "run in time order is converged, depth <= 120, at most 1 deviation from time "
                        "order: "));
}

// Plain breadth first from time 0: every run up to a small depth, counted by depth, and
// runs that differ only in the order of steps at different processes meet in one state.
TEST(ExploreTest, BreadthFirstFromTheStartMergesIndependentOrders) {
  ExploreOptions o = Options("cluster voters=3", Budget{0, 0, 0});
  o.from = ExploreOptions::From::kStart;
  o.max_deviations = kAnyDeviations;
  o.depth = 2;
  auto found = Explore(o);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->exhausted);
  // Depth 0: one state. Depth 1: one of three servers started. Depth 2: the three pairs
  // of starts (in either order: one state each), plus each started server's own first
  // steps. Without the merge "start 1, start 2" and "start 2, start 1" would count twice.
  EXPECT_GT(found->revisits, 0u);
  EXPECT_EQ(found->complete_depth, 2u);
}

// The fault reduction (docs/explore.md, "Where faults are placed"): a crash or restart
// is offered only after a step that involved its server. A correct ensemble's bounded
// search covers its bounds with fewer states than with every fault at every point, and
// both find no violation.
TEST(ExploreTest, FaultReductionCoversTheSameBoundsWithFewerStates) {
  ExploreOptions o = Options("cluster voters=3", Budget{0, 1, 1});
  o.max_deviations = 2;
  o.max_reorders = 0;
  auto reduced = Explore(o);
  o.reduce_faults = false;
  auto every = Explore(o);
  ASSERT_TRUE(reduced.ok() && every.ok());
  EXPECT_TRUE(reduced->exhausted);
  EXPECT_TRUE(every->exhausted);
  EXPECT_FALSE(reduced->counterexample.has_value());
  EXPECT_FALSE(every->counterexample.has_value());
  EXPECT_GT(reduced->faults_skipped, 0u);
  EXPECT_EQ(every->faults_skipped, 0u);
  EXPECT_LT(reduced->states, every->states);
}

// A quiet ensemble (converged, nothing but timers pending, no client waiting) ends a run:
// from the converged start with no write and no fault, the run in time order stops within
// a step or two. Letting time pass instead takes the pings, a state each, to the depth.
TEST(ExploreTest, AQuietEnsembleEndsTheRunUnlessTimeMayPass) {
  ExploreOptions o = Options("cluster voters=3", Budget{0, 0, 0});
  o.depth = 30;
  o.max_deviations = 0;
  auto quiet = Explore(o);
  o.stop_when_quiet = false;
  auto ticking = Explore(o);
  ASSERT_TRUE(quiet.ok() && ticking.ok());
  EXPECT_TRUE(quiet->exhausted);
  EXPECT_TRUE(ticking->exhausted);
  EXPECT_EQ(quiet->leaves, 1u);
  EXPECT_LT(quiet->deepest, 3u);
  EXPECT_EQ(ticking->deepest, 30u);
  EXPECT_EQ(ticking->states, 31u);  // The start and one state per step: time order only.
}

// Must fire, with the reduction: ZOOKEEPER-2845 (no fast-forward of memory from the log on
// a role change) needs one crash and no reordering, and is found with reorders bounded to 0.
TEST(ExploreTest, FindsZk2845WithOneCrashAndNoReorder) {
  ExploreOptions o = Options("cluster voters=3 clients=1 zk=master+fixes bug=ZK-2845", Budget{1, 1, 0});
  o.max_reorders = 0;
  auto found = Explore(o);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->counterexample.has_value()) << Coverage(o, *found);
  EXPECT_EQ(found->counterexample->reorders, 0u);
  EXPECT_EQ(found->counterexample->crashes, 1u);
  const scenario::FileResult run = scenario::RunFile("cx.scn", ScenarioText(o, *found), {});
  ASSERT_TRUE(run.error.empty()) << run.error;
  EXPECT_FALSE(run.violations.empty());
}

// Stays quiet: commit-without-quorum needs its leader's fsync to complete before any
// follower's PROPOSAL arrives, one step out of time order; with none allowed the search
// covers its bounds without a violation, and says so.
TEST(ExploreTest, ReorderBoundKeepsOutARunThatNeedsOne) {
  ExploreOptions o = Options("cluster voters=3 clients=1 bug=commit-without-quorum", Budget{1, 1, 0});
  o.max_reorders = 0;
  auto found = Explore(o);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->counterexample.has_value());
  EXPECT_TRUE(found->exhausted);
  EXPECT_THAT(Coverage(o, *found), HasSubstr("at most 1 crash, at most 0 steps out of time order, from"));
}

// A bound on states stops the search, and the statement says how far it got.
TEST(ExploreTest, StateBoundStopsAndSaysSo) {
  ExploreOptions o = Options("cluster voters=3", Budget{0, 0, 0});
  o.from = ExploreOptions::From::kStart;
  o.max_deviations = kAnyDeviations;
  o.max_states = 50;
  auto found = Explore(o);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->state_limit);
  EXPECT_FALSE(found->exhausted);
  EXPECT_EQ(found->states, 50u);
  EXPECT_THAT(Coverage(o, *found), HasSubstr("stopped at --max-states 50: all runs of 3 voters"));
}

// The controlled world lists only the head of each connection's direction: frames of one
// direction arrive in order.
TEST(ExploreTest, OnlyTheFirstFrameOfAConnectionIsListed) {
  auto options = ParseClusterLine("cluster voters=3");
  ASSERT_TRUE(options.ok());
  auto cluster = Cluster::Create(*options);
  ASSERT_TRUE(cluster.ok());
  World& world = (*cluster)->world();
  world.RunUntilTrue([&] { return (*cluster)->Converged(); }, sim::Time::Zero() + sim::Duration::Seconds(60));
  for (int i = 0; i < 200; ++i) {
    Settle(world);
    const std::vector<Step> steps = ListEvents(world);
    if (steps.empty()) break;
    std::vector<std::string> conns;
    for (const Step& s : steps) {
      const size_t at = s.command.find(" conn=");
      if (s.command.starts_with("step deliver ") && at != std::string::npos) {
        // The direction: "FROM>TO" and the connection.
        const std::string dir = s.command.substr(13, s.command.find(' ', 13) - 13) + s.command.substr(at);
        EXPECT_EQ(std::count(conns.begin(), conns.end(), dir), 0) << dir;
        conns.push_back(dir);
      }
    }
    RunEvent(world, steps.back());  // The latest: overtakes the rest, which then run late.
  }
}

// A process starts before anything else reaches it, as in time order.
TEST(ExploreTest, NothingReachesAProcessBeforeItStarts) {
  auto options = ParseClusterLine("cluster voters=3");
  ASSERT_TRUE(options.ok());
  auto cluster = Cluster::Create(*options);
  ASSERT_TRUE(cluster.ok());
  World& world = (*cluster)->world();
  Settle(world);
  std::vector<Step> steps = ListEvents(world);
  ASSERT_EQ(steps.size(), 3u);
  RunEvent(world, steps[0]);  // start 1: it connects to 2 and 3, which have not started.
  Settle(world);
  for (const Step& s : ListEvents(world)) {
    EXPECT_FALSE(s.command.starts_with("step deliver 1>")) << s.command;
  }
}

}  // namespace
}  // namespace zabsim::runner::explore
