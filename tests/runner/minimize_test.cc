// The minimizer: each pass of runner/minimize_passes.h against a made-up failure (a
// predicate over the spec, so that what a pass must keep and must remove is known), the
// scenario file's layout, and one real shrink end to end: it fails with `zabsim run`'s
// check, its command count is the steps reported, and it is the same file every time.

#include "runner/minimize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "runner/minimize_passes.h"
#include "runner/scenario/parser.h"
#include "sim/fault.h"
#include "zab/config.h"

namespace zabsim::runner {
namespace {

using sim::Duration;
using sim::Fault;
using sim::Time;
using ::testing::ElementsAre;

// SpecWith is a 3-voter spec with no clients and the faults of `plan` (written form).
SimSpec SpecWith(std::string_view plan) {
  SimSpec spec;
  spec.options.zab.voters = 3;
  auto parsed = sim::FaultPlan::Parse(plan);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (parsed.ok()) spec.plan = *parsed;
  return spec;
}

bool Has(const SimSpec& spec, std::string_view fault) {
  return std::any_of(spec.plan.faults.begin(), spec.plan.faults.end(),
                     [&](const sim::TimedFault& f) { return f.fault.ToString() == fault; });
}

// Balanced: every restart follows a crash of its server that no restart has answered yet,
// and every crash but one of server 3 is answered.
bool Balanced(const SimSpec& spec) {
  std::vector<bool> down(8, false);
  for (const sim::TimedFault& f : spec.plan.faults) {
    if (f.fault.kind == Fault::Kind::kCrash) down[f.fault.p.value] = true;
    if (f.fault.kind == Fault::Kind::kRestart) {
      if (!down[f.fault.p.value]) return false;
      down[f.fault.p.value] = false;
    }
  }
  return std::count(down.begin(), down.end(), true) == (down[3] ? 1 : 0);
}

std::vector<std::string> Written(const SimSpec& spec) {
  std::vector<std::string> out;
  for (const sim::TimedFault& f : spec.plan.faults) {
    out.push_back(sim::FormatDuration(f.at - Time::Zero()) + " " + f.fault.ToString());
  }
  return out;
}

TEST(Partner, PairsEachFaultWithWhatEndsOrResumesIt) {
  const SimSpec s = SpecWith(
      "1s crash 2; 2s restart 3; 3s partition 1|2,3; 4s restart 2; 5s heal; 6s crash 2; "
      "7s loss 1%; 8s break 1 2; 9s loss 0");
  const auto& f = s.plan.faults;
  EXPECT_EQ(Partner(f, 0), 3u);         // crash 2 ... restart 2, not restart 3
  EXPECT_EQ(Partner(f, 1), f.size());   // restart 3: no later crash 3
  EXPECT_EQ(Partner(f, 2), 4u);         // partition ... heal
  EXPECT_EQ(Partner(f, 3), 5u);         // restart 2 ... crash 2: two outages merge
  EXPECT_EQ(Partner(f, 4), f.size());   // heal: no later cut
  EXPECT_EQ(Partner(f, 6), 8u);         // loss 1% ... loss 0
  EXPECT_EQ(Partner(f, 7), f.size());   // a break ends by itself
}

// The failure needs the crash of 3 and the break, and a balanced plan. The crash and
// restart of 2 lie on either side of the break, so ddmin cannot take them away: alone
// each unbalances the plan, and every contiguous chunk holding both holds the break.
TEST(DropEpisodes, RemovesACrashWithItsRestartWhereDdminCannot) {
  Shrinker s;
  s.spec = SpecWith("1s crash 2; 2s break 1 2; 3s restart 2; 4s crash 3");
  s.fails = [](const SimSpec& c) {
    return Has(c, "crash 3") && Has(c, "break 1 2") && Balanced(c);
  };
  EXPECT_FALSE(DropFaultChunks(s));
  EXPECT_EQ(s.spec.plan.faults.size(), 4u);
  EXPECT_TRUE(DropEpisodes(s));
  EXPECT_THAT(Written(s.spec), ElementsAre("2s break 1 2", "4s crash 3"));
}

TEST(DropEpisodes, RemovesAFaultWithTheRunBeforeIt) {
  // The failure needs the restart of 2 to come 2 s after the fault before it. The crash
  // of 1 cannot go alone (the restart would come 3 s after the crash of 2), but it can
  // with the time before it, as a reader deleting its two lines would.
  Shrinker s;
  s.spec = SpecWith("1s crash 2; 2s crash 1; 4s restart 2");
  s.fails = [](const SimSpec& c) {
    const auto& f = c.plan.faults;
    return Has(c, "crash 2") && Balanced(c) && f.size() >= 2 &&
           f.back().fault.ToString() == "restart 2" &&
           f.back().at - f[f.size() - 2].at == Duration::Seconds(2);
  };
  EXPECT_FALSE(DropFaultChunks(s));
  EXPECT_TRUE(DropEpisodes(s));
  EXPECT_THAT(Written(s.spec), ElementsAre("1s crash 2", "3s restart 2"));
}

TEST(MergeFaultTimes, MovesFaultsOntoOneTimeWhileTheFailureStays) {
  // The failure needs the restart at least 2 s after the crash: the faults move 1 s
  // earlier (the first to time zero), the restart cannot join the crash, but the break
  // can join the restart.
  Shrinker s;
  s.spec = SpecWith("1s crash 1; 4s restart 1; 6s break 1 2");
  s.fails = [](const SimSpec& c) {
    return c.plan.faults.size() == 3 &&
           c.plan.faults[1].at - c.plan.faults[0].at >= Duration::Seconds(2);
  };
  const size_t before = ScenarioCommands(s.spec).size();
  EXPECT_TRUE(MergeFaultTimes(s));
  EXPECT_THAT(Written(s.spec), ElementsAre("0us crash 1", "3s restart 1", "3s break 1 2"));
  EXPECT_EQ(ScenarioCommands(s.spec).size(), before - 2);
  EXPECT_TRUE(s.fails(s.spec));
}

TEST(MergeFaultTimes, JudgesNothingThatSavesNoCommand) {
  Shrinker s;
  s.spec = SpecWith("0s crash 1; 0s crash 2");
  s.fails = [](const SimSpec&) { return true; };
  EXPECT_FALSE(MergeFaultTimes(s));
  EXPECT_EQ(s.runs, 0u);
}

TEST(TrimTail, DropsTheLivenessCheckUnlessItIsTheOneKept) {
  Shrinker s;
  s.spec = SpecWith("2s crash 1; 3s restart 1");
  s.fails = [](const SimSpec&) { return true; };
  Shrinker kept = s;
  EXPECT_TRUE(TrimTail(s, /*liveness_kept=*/false));
  EXPECT_EQ(s.spec.liveness_ticks, 0u);
  const std::vector<std::string> commands = ScenarioCommands(s.spec);
  EXPECT_THAT(std::vector<std::string>(commands.end() - 2, commands.end()),
              ElementsAre("run for=147s", "check"));  // One run from the restart on.

  EXPECT_TRUE(TrimTail(kept, /*liveness_kept=*/true));
  EXPECT_EQ(kept.spec.liveness_ticks, 40u);
  EXPECT_EQ(kept.spec.window, Duration::Seconds(3));  // The window ends at the restart.
}

TEST(ShrinkWorkload, FindsTheFewestOperationsAndClients) {
  Shrinker s;
  s.spec = SpecWith("");
  s.spec.options.clients = 3;
  s.spec.options.workload.ops = 100;
  s.fails = [](const SimSpec& c) { return c.options.workload.ops >= 37 && c.options.clients >= 1; };
  EXPECT_TRUE(ShrinkWorkload(s));
  EXPECT_EQ(s.spec.options.workload.ops, 37u);
  EXPECT_EQ(s.spec.options.clients, 1u);
  EXPECT_LE(s.runs, 14u);  // A binary search, not a walk of 63 runs down from 100.
}

TEST(Shrinker, StopsJudgingOnceTheBudgetIsSpent) {
  Shrinker s;
  s.spec = SpecWith("1s crash 1; 2s crash 2; 3s crash 3; 4s break 1 2");
  int judged = 0;
  s.fails = [&](const SimSpec&) { return ++judged, false; };
  s.runs_max = 3;
  DropFaultChunks(s);
  DropEpisodes(s);
  MergeFaultTimes(s);
  EXPECT_EQ(judged, 3);
  EXPECT_EQ(s.runs, 3u);
}

// A failure with two ways to fail: with 50 operations or more, 16 breaks at their times
// (a file of 36 commands); with fewer, the crash of 3 alone. Faults first, ddmin keeps
// the breaks and the workload cannot go below 50; workload first finds the crash.
struct TwoWays {
  uint32_t breaks = 16;
  SimSpec Failing() const {
    std::string plan;
    for (uint32_t k = 1; k <= breaks; ++k) plan += fmt::format("{}s break 1 2; ", k);
    SimSpec spec = SpecWith(plan + "20s crash 3");
    spec.options.clients = 1;
    spec.options.workload.ops = 100;
    return spec;
  }
  bool Fails(const SimSpec& c) const {
    if (c.options.clients < 1) return false;
    if (c.options.workload.ops < 50) return Has(c, "crash 3");
    for (uint32_t k = 1; k <= breaks; ++k) {
      const Time at = Time::Zero() + Duration::Seconds(k);
      if (std::none_of(c.plan.faults.begin(), c.plan.faults.end(), [&](const sim::TimedFault& f) {
            return f.at == at && f.fault.kind == Fault::Kind::kBreak;
          })) {
        return false;
      }
    }
    return true;
  }
};

TEST(ShrinkBothWays, TriesTheWorkloadFirstWhenTheFileIsTooLong) {
  const TwoWays w;
  Shrinker faults_first;
  faults_first.spec = w.Failing();
  faults_first.fails = [&](const SimSpec& c) { return w.Fails(c); };
  Shrinker both = faults_first;
  ShrinkInOrder(faults_first, /*workload_first=*/false, /*liveness_kept=*/false);
  ASSERT_GT(ScenarioCommands(faults_first.spec).size(), kReadableCommandsMax);

  ShrinkBothWays(both, /*liveness_kept=*/false);
  EXPECT_THAT(Written(both.spec), ElementsAre("0us crash 3"));
  EXPECT_EQ(both.spec.options.workload.ops, 0u);
  EXPECT_GT(both.runs, faults_first.runs);  // Both orders' runs are counted.
  EXPECT_TRUE(w.Fails(both.spec));
}

TEST(ShrinkBothWays, StopsAfterTheFirstOrderWhenTheFileIsShortEnough) {
  TwoWays w;
  w.breaks = 3;
  Shrinker faults_first;
  faults_first.spec = w.Failing();
  faults_first.fails = [&](const SimSpec& c) { return w.Fails(c); };
  Shrinker both = faults_first;
  ShrinkInOrder(faults_first, /*workload_first=*/false, /*liveness_kept=*/false);
  ASSERT_LE(ScenarioCommands(faults_first.spec).size(), kReadableCommandsMax);

  ShrinkBothWays(both, /*liveness_kept=*/false);
  EXPECT_EQ(both.runs, faults_first.runs);
  EXPECT_EQ(Written(both.spec), Written(faults_first.spec));
  EXPECT_EQ(both.spec.plan.faults.size(), 3u);  // The breaks: the crash was never tried.
}

TEST(ScenarioCommands, AreTheDirectivesOfTheScenarioFile) {
  SimSpec spec = SpecWith("1s crash 1; 1s crash 2; 2s restart 1; 2s restart 2");
  EXPECT_THAT(ScenarioCommands(spec),
              ElementsAre("cluster voters=3 clients=0 seed=1", "show none", "run for=1s", "crash 1",
                          "crash 2", "run for=1s", "restart 1", "restart 2", "run for=58s",
                          "check liveness=80s", "run for=90s", "check"));
  auto file = scenario::Parse("x.scn", ScenarioFor(spec, "a comment"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->directives.size(), ScenarioCommands(spec).size());
}

// A real failure: seed 1 of ZK-1154 under `zabsim sim`'s default shape.
TEST(Minimize, ShrinksARealFailureToAFileThatFailsTheSameWay) {
  ClusterOptions o;
  o.seed = 1;
  o.zab.voters = 3;
  o.clients = 3;
  o.workload.ops = 100;
  ASSERT_TRUE(zab::EnableBug(o.zab.bugs, "ZK-1154").ok());
  const SimSpec failing = SwarmSpec(o, Duration::Seconds(60), Duration::Seconds(90));
  const std::vector<std::string> checks = ScenarioChecks(ScenarioFor(failing, ""));
  ASSERT_THAT(checks, ::testing::Contains("digest-agreement"));

  const Minimized m = Minimize(failing, "digest-agreement", "");
  ASSERT_TRUE(m.reproduced);
  EXPECT_THAT(ScenarioChecks(m.scenario), ::testing::Contains("digest-agreement")) << m.scenario;
  EXPECT_EQ(m.steps, ScenarioCommands(m.spec).size());
  EXPECT_LT(m.spec.plan.faults.size(), failing.plan.faults.size());
  EXPECT_LE(m.steps, 30u) << m.scenario;
  // No clock or draw steers it: the same failure shrinks to the same file.
  const Minimized again = Minimize(failing, "digest-agreement", "");
  EXPECT_EQ(again.scenario, m.scenario);
  EXPECT_EQ(again.runs, m.runs);
}

}  // namespace
}  // namespace zabsim::runner
